//! The unmatched payments inbox, owners only:
//! - `GET  /portal/payments/unmatched`                 open items first, then resolved ones
//! - `POST /portal/payments/unmatched/{id}/resolve`    record what was done (refund, voucher
//!   given by hand, kept), with a note

use axum::{
    Form, Router,
    extract::{Path, State},
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::{Value, json};
use tiketi_core::{
    domain::unmatched::UnmatchedPayment,
    services::{Platform, ServiceError},
};

use super::{PortalError, PortalState, auth::Owner, form_again, local_time, page, require_id};

pub fn routes<P: Platform>() -> Router<PortalState<P>> {
    Router::new()
        .route("/portal/payments/unmatched", get(inbox::<P>))
        .route(
            "/portal/payments/unmatched/{id}/resolve",
            post(resolve::<P>),
        )
}

fn row(payment: &UnmatchedPayment, currency: &str, zone: &str) -> Value {
    json!({
        "id": payment.id, "kind": payment.kind.label(), "detail": payment.detail,
        "at": local_time(payment.at, zone), "tracking_id": payment.tracking_id,
        "reference": payment.reference, "order_id": payment.order_id,
        "amount": payment.amount.map(|a| a.display(payment.currency.as_deref().unwrap_or(currency))),
        "confirmation": payment.confirmation_code, "method": payment.payment_method,
        "resolution": payment.resolution.as_ref().map(|r| json!({
            "action": r.action.label(), "note": r.note, "by": r.by.name, "at": local_time(r.at, zone),
        })),
    })
}

async fn values<P: Platform>(
    state: &PortalState<P>,
    auth: &super::auth::Auth,
) -> Result<Value, PortalError> {
    let op = &auth.who.operator;
    let items = state.tiketi.unmatched_payments(&op.id).await?;
    let (open, resolved): (Vec<_>, Vec<_>) = items.iter().partition(|p| p.resolution.is_none());
    let rows = |list: &[&UnmatchedPayment]| -> Vec<Value> {
        list.iter()
            .map(|p| row(p, &op.currency, &op.time_zone))
            .collect()
    };
    Ok(json!({ "section": "payments", "open": rows(&open), "resolved": rows(&resolved) }))
}

async fn inbox<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
) -> Result<Html<String>, PortalError> {
    let values = values(&state, &auth).await?;
    Ok(page("portal/unmatched.html", &auth, values))
}

#[derive(Debug, Default, Deserialize)]
pub struct ResolveForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    note: String,
}

async fn resolve<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Path(id): Path<String>,
    Form(form): Form<ResolveForm>,
) -> Result<Response, PortalError> {
    require_id(&id, "payment")?;
    match state
        .tiketi
        .resolve_unmatched(&auth.who, &id, &form.action, &form.note)
        .await
    {
        Ok(_) => Ok(Redirect::to("/portal/payments/unmatched").into_response()),
        Err(error @ ServiceError::Invalid(_)) => {
            let values = values(&state, &auth).await?;
            Ok(form_again(
                "portal/unmatched.html",
                Some(&auth),
                &error,
                values,
            ))
        }
        Err(error) => Err(error.into()),
    }
}
