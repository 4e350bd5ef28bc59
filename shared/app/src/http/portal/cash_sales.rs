//! `GET|POST /portal/sell`: an agent (or the owner) records a printed voucher sold for cash.
//! The form is one field, for a phone at a shop counter; the result says what was sold.

use axum::{
    Form, Router,
    extract::State,
    response::{IntoResponse, Response},
    routing::get,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tiketi_core::services::{Platform, ServiceError};

use super::{PortalError, PortalState, auth::Auth, form_again, page};

pub fn routes<P: Platform>() -> Router<PortalState<P>> {
    Router::new().route("/portal/sell", get(sell_page).post(sell::<P>))
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct SellForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    phone: String,
}

async fn sell_page(auth: Auth) -> Response {
    page(
        "portal/sell.html",
        &auth,
        json!({ "section": "sell", "form": SellForm::default() }),
    )
    .into_response()
}

async fn sell<P: Platform>(
    State(state): State<PortalState<P>>,
    auth: Auth,
    Form(form): Form<SellForm>,
) -> Result<Response, PortalError> {
    match state
        .tiketi
        .record_cash_sale(&auth.who, &form.code, &form.phone)
        .await
    {
        Ok(sale) => {
            let currency = &auth.who.operator.currency;
            let sold = json!({
                "code": sale.voucher_code, "ticket": sale.ticket_name,
                "amount": sale.amount.display(currency), "commission": sale.commission.display(currency),
                "has_commission": sale.commission.minor() > 0,
            });
            Ok(page(
                "portal/sell.html",
                &auth,
                json!({ "section": "sell", "form": SellForm::default(), "sold": sold }),
            )
            .into_response())
        }
        Err(error @ (ServiceError::Invalid(_) | ServiceError::Conflict(_))) => {
            let values = json!({ "section": "sell", "form": form });
            Ok(form_again("portal/sell.html", Some(&auth), &error, values))
        }
        Err(error) => Err(error.into()),
    }
}
