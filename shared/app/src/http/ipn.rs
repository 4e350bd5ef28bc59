//! The Pesapal IPN webhook (Lambda `pesapal-ipn`): `GET|POST /pesapal/ipn/{operator}`, and
//! `/pesapal/ipn/platform` for subscription payments into the platform's own account
//! (`services::billing`).
//!
//! The notification names an order but proves nothing (IPNs are unsigned), so it only
//! triggers `check_payment`, which asks Pesapal itself. The answer is always HTTP 200 with the
//! documented acknowledgement: camelCase keys echoing what was received, and an integer
//! `status` of 200 once the verified status is recorded (paid, pending, failed or rejected as a
//! mismatch) or 500 when it could not be processed (unknown order, Pesapal or store failing),
//! which invites Pesapal to retry; reconciliation covers the case where it does not.

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::{HeaderMap, header},
    routing::get,
};
use serde::Deserialize;
use serde_json::{Value, json};
use tiketi_core::{
    domain::payment::CheckSource,
    services::{Platform, billing::PLATFORM_BILLING_ID, payments::Notification},
};

use super::{AppState, valid_id};

pub fn router<P: Platform>(state: AppState<P>) -> Router {
    Router::new()
        .route(
            "/pesapal/ipn/{operator}",
            get(notify::<P>).post(notify::<P>),
        )
        .with_state(state)
}

/// The notification's fields, from the query (GET) or the body (POST, JSON or form).
#[derive(Debug, Default, Deserialize)]
pub struct IpnParams {
    #[serde(rename = "OrderTrackingId", alias = "orderTrackingId", default)]
    tracking_id: Option<String>,
    #[serde(
        rename = "OrderMerchantReference",
        alias = "orderMerchantReference",
        default
    )]
    merchant_reference: Option<String>,
    #[serde(
        rename = "OrderNotificationType",
        alias = "orderNotificationType",
        default
    )]
    notification_type: Option<String>,
}

impl IpnParams {
    fn merge(self, other: Self) -> Self {
        Self {
            tracking_id: self.tracking_id.or(other.tracking_id),
            merchant_reference: self.merchant_reference.or(other.merchant_reference),
            notification_type: self.notification_type.or(other.notification_type),
        }
    }
}

fn body_params(headers: &HeaderMap, body: &[u8]) -> IpnParams {
    if body.is_empty() {
        return IpnParams::default();
    }
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let parsed = if is_form {
        serde_urlencoded::from_bytes(body).ok()
    } else {
        serde_json::from_slice(body).ok()
    };
    parsed.unwrap_or_default()
}

fn acknowledgement(params: &IpnParams, status: u16) -> Json<Value> {
    Json(json!({
        "orderNotificationType": params.notification_type.clone().unwrap_or_else(|| "IPNCHANGE".into()),
        "orderTrackingId": params.tracking_id,
        "orderMerchantReference": params.merchant_reference,
        "status": status,
    }))
}

async fn notify<P: Platform>(
    State(AppState(tiketi)): State<AppState<P>>,
    Path(operator_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Json<Value> {
    // Read leniently: a malformed notification still gets the JSON acknowledgement.
    let query = serde_urlencoded::from_str(query.as_deref().unwrap_or("")).unwrap_or_default();
    let params = IpnParams::merge(query, body_params(&headers, &body));
    let Some(tracking_id) = params.tracking_id.clone().filter(|t| valid_id(t)) else {
        tracing::warn!(operator_id, "IPN without a usable OrderTrackingId");
        return acknowledgement(&params, 500);
    };
    if !valid_id(&operator_id) {
        return acknowledgement(&params, 500);
    }
    let notification = Notification {
        operator_id,
        tracking_id,
        merchant_reference: params.merchant_reference.clone(),
        notification_type: params.notification_type.clone(),
        source: CheckSource::Ipn,
    };
    // The platform's own account: an operator paying its subscription.
    if notification.operator_id == PLATFORM_BILLING_ID {
        return match tiketi.check_invoice_payment(&notification).await {
            Ok(invoice) => {
                tracing::info!(
                    invoice = invoice.number,
                    status = invoice.status.as_str(),
                    "billing IPN processed"
                );
                acknowledgement(&params, 200)
            }
            Err(error) => {
                tracing::warn!(%error, tracking_id = %notification.tracking_id, "billing IPN not processed");
                tiketi.count_ipn_failure(&notification.tracking_id).await;
                acknowledgement(&params, 500)
            }
        };
    }
    match tiketi.check_payment(&notification).await {
        Ok(order) => {
            tracing::info!(order_id = %order.id, status = order.status.as_str(), "IPN processed");
            acknowledgement(&params, 200)
        }
        Err(error) => {
            tracing::warn!(%error, tracking_id = %notification.tracking_id, "IPN not processed");
            tiketi.count_ipn_failure(&notification.tracking_id).await;
            acknowledgement(&params, 500)
        }
    }
}
