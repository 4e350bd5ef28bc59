//! Customers and the audit log, owners only:
//! - `GET /portal/customers`          buyers by phone number, most recent first; a phone
//!   number in `phone` opens that buyer
//! - `GET /portal/customers/{phone}`  a buyer's totals and purchases (online orders, paid or
//!   not, and printed vouchers sold to them for cash)
//! - `GET /portal/audit`              every change that touched money or vouchers: who, what,
//!   when, before and after

use axum::{
    Router,
    extract::{Path, Query, State},
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use serde::Deserialize;
use serde_json::{Value, json};
use tiketi_core::{
    domain::{customer::Customer, phone::Msisdn},
    services::{Platform, ServiceError},
};

use super::{PortalError, PortalState, auth::Owner, local_time, page};

const PAGE_SIZE: usize = 50;

pub fn routes<P: Platform>() -> Router<PortalState<P>> {
    Router::new()
        .route("/portal/customers", get(list::<P>))
        .route("/portal/customers/{phone}", get(show::<P>))
        .route("/portal/audit", get(audit::<P>))
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    cursor: String,
}

fn cursor(text: &str) -> Option<&str> {
    Some(text).filter(|c| !c.is_empty())
}

fn customer_row(customer: &Customer, currency: &str, zone: &str) -> Value {
    json!({
        "phone": customer.phone, "purchases": customer.purchases,
        "spent": customer.spent.display(currency),
        "last_purchase": local_time(customer.last_purchase_at, zone),
    })
}

async fn list<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Query(query): Query<ListQuery>,
) -> Result<Response, PortalError> {
    let op = &auth.who.operator;
    let mut error = None;
    if !query.phone.trim().is_empty() {
        match Msisdn::parse(&query.phone) {
            Ok(phone) => {
                if state
                    .tiketi
                    .store
                    .customer(&op.id, phone.as_str())
                    .await?
                    .is_some()
                {
                    let to = format!("/portal/customers/{}", phone.as_str());
                    return Ok(Redirect::to(&to).into_response());
                }
                error = Some(format!("No customer with phone number {}", phone.as_str()));
            }
            Err(e) => error = Some(e.to_string()),
        }
    }
    let found = state
        .tiketi
        .customers(&op.id, cursor(&query.cursor), PAGE_SIZE)
        .await?;
    let rows: Vec<Value> = found
        .items
        .iter()
        .map(|c| customer_row(c, &op.currency, &op.time_zone))
        .collect();
    let next = found.next.map(|c| format!("/portal/customers?cursor={c}"));
    Ok(page(
        "portal/customers.html",
        &auth,
        json!({ "section": "customers", "customers": rows, "next": next, "error": error,
            "phone": query.phone }),
    )
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    cursor: String,
}

async fn show<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Path(phone): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response, PortalError> {
    let op = &auth.who.operator;
    let found = state
        .tiketi
        .customer_history(&op.id, &phone, cursor(&query.cursor), PAGE_SIZE)
        .await?;
    let purchases: Vec<Value> = found
        .purchases
        .items
        .iter()
        .map(|p| {
            json!({
                "at": local_time(p.at, &op.time_zone), "channel": p.channel.label(),
                "ticket": p.ticket_name, "amount": p.amount.display(&op.currency),
                "status": p.status, "voucher": p.voucher_code, "confirmation": p.confirmation_code,
            })
        })
        .collect();
    let phone = &found.customer.phone;
    let next = found
        .purchases
        .next
        .map(|c| format!("/portal/customers/{phone}?cursor={c}"));
    Ok(page(
        "portal/customer.html",
        &auth,
        json!({ "section": "customers",
            "customer": customer_row(&found.customer, &op.currency, &op.time_zone),
            "purchases": purchases, "next": next }),
    )
    .into_response())
}

async fn audit<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Query(query): Query<PageQuery>,
) -> Result<Response, PortalError> {
    let op = &auth.who.operator;
    let found = match state
        .tiketi
        .audit_page(&op.id, cursor(&query.cursor), PAGE_SIZE)
        .await
    {
        Ok(found) => found,
        Err(ServiceError::Invalid(_)) => {
            return Ok(Redirect::to("/portal/audit").into_response());
        }
        Err(error) => return Err(error.into()),
    };
    let pretty = |value: &Option<Value>| {
        value
            .as_ref()
            .map(|v| serde_json::to_string_pretty(v).unwrap_or_default())
    };
    let entries: Vec<Value> = found
        .items
        .iter()
        .map(|e| {
            json!({
                "at": local_time(e.at, &op.time_zone), "who": e.actor_name, "action": e.action,
                "subject": e.subject, "note": e.note,
                "before": pretty(&e.before), "after": pretty(&e.after),
            })
        })
        .collect();
    let next = found.next.map(|c| format!("/portal/audit?cursor={c}"));
    Ok(page(
        "portal/audit.html",
        &auth,
        json!({ "section": "settings", "entries": entries, "next": next }),
    )
    .into_response())
}
