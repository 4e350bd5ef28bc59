//! The sandbox's API 3.0 endpoints, answering with real Pesapal's field names and shapes.
//!
//! Bodies are read as raw bytes and parsed here, so malformed requests get Pesapal-shaped
//! errors instead of axum's rejections.

use std::{collections::HashMap, str::FromStr};

use axum::{
    body::Bytes,
    extract::{Query, Request, State, rejection::QueryRejection},
    http::{HeaderMap, StatusCode, header::AUTHORIZATION},
    middleware::Next,
    response::{IntoResponse, Response},
};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use tiketi_core::{
    domain::money::Money,
    ports::gateway::{IpnMethod, PaymentState},
};
use tracing::{debug, info};

use super::{Grant, Sandbox, SandboxIpn, SandboxOrder, guid, with_params};

const TOKEN_LIFETIME: SignedDuration = SignedDuration::from_secs(5 * 60);
const BAD_PARAMETERS: &str = "invalid_api_request_parameters";

/// Delays the answer by the configured latency, after the request was processed.
pub(super) async fn delay(
    State(sandbox): State<Sandbox>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    let latency = sandbox.lock().latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    response
}

/// `POST /api/Auth/RequestToken`: any non-empty key/secret, except the key `invalid`.
pub(super) async fn request_token(State(sandbox): State<Sandbox>, body: Bytes) -> Response {
    sandbox
        .shared
        .token_calls
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let body = serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
    let (Some(key), Some(_secret)) = (text(&body, "consumer_key"), text(&body, "consumer_secret"))
    else {
        return bad_keys();
    };
    if key == "invalid" {
        return bad_keys();
    }
    let now = Timestamp::now();
    let token = format!(
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.{}.{}",
        guid().replace('-', ""),
        guid().replace('-', "")
    );
    let expires_at = now + TOKEN_LIFETIME;
    let mut state = sandbox.lock();
    state.grants.retain(|g| g.expires_at > now);
    state.grants.push(Grant {
        token: token.clone(),
        consumer_key: key,
        expires_at,
    });
    ok(json!({
        "token": token,
        "expiryDate": ticks(expires_at),
        "error": null,
        "status": "200",
        "message": "Request processed successfully",
    }))
}

/// `POST /api/URLSetup/RegisterIPN`.
pub(super) async fn register_ipn(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(consumer_key) = sandbox.authenticate(&headers) else {
        return bad_token();
    };
    let body = serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
    let Some(url) = text(&body, "url").filter(|u| is_http_url(u)) else {
        return error(
            "invalid_request_error",
            BAD_PARAMETERS,
            "Invalid url provided.Check format and try again",
        );
    };
    let method = match text(&body, "ipn_notification_type")
        .map(|t| t.to_ascii_uppercase())
        .as_deref()
    {
        Some("GET") => IpnMethod::Get,
        Some("POST") => IpnMethod::Post,
        _ => {
            return error(
                "invalid_request_error",
                BAD_PARAMETERS,
                "Invalid ipn notification type provided.Use GET or POST",
            );
        }
    };
    let mut state = sandbox.lock();
    let ipn = SandboxIpn {
        id: state.ipns.len() as u64 + 1,
        ipn_id: guid(),
        consumer_key,
        url,
        method,
        created_at: Timestamp::now(),
    };
    state.ipns.push(ipn.clone());
    info!(ipn_id = %ipn.ipn_id, url = %ipn.url, "sandbox IPN registered");
    let mut answer = ipn_json(&ipn);
    answer["id"] = json!(ipn.id);
    ok(answer)
}

/// `GET /api/URLSetup/GetIpnList`: a JSON array.
pub(super) async fn ipn_list(State(sandbox): State<Sandbox>, headers: HeaderMap) -> Response {
    let Some(consumer_key) = sandbox.authenticate(&headers) else {
        return bad_token();
    };
    let state = sandbox.lock();
    let rows: Vec<Value> = state
        .ipns
        .iter()
        .filter(|i| i.consumer_key == consumer_key)
        .map(ipn_json)
        .collect();
    ok(Value::Array(rows))
}

/// `POST /api/Transactions/SubmitOrderRequest`.
pub(super) async fn submit_order(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(consumer_key) = sandbox.authenticate(&headers) else {
        return bad_token();
    };
    let body = serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
    let invalid = |message: &str| error("invalid_request_error", BAD_PARAMETERS, message);
    let Some(reference) = text(&body, "id") else {
        return invalid("Merchant reference (id) is required.");
    };
    if reference.chars().count() > 50 {
        return invalid("Merchant reference (id) must not exceed 50 characters.");
    }
    let Some(currency) = text(&body, "currency")
        .filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_alphabetic()))
    else {
        return invalid("Invalid currency provided.Check format and try again");
    };
    let amount = match body.get("amount") {
        Some(Value::Number(n)) => Money::parse_decimal(&n.to_string()).filter(|m| m.minor() > 0),
        _ => None,
    };
    let Some(amount) = amount else {
        return invalid("Invalid amount provided.Check format and try again");
    };
    let Some(description) = text(&body, "description") else {
        return invalid("Description is required.");
    };
    if description.chars().count() > 100 {
        return invalid("Description must not exceed 100 characters.");
    }
    let Some(callback_url) = text(&body, "callback_url").filter(|u| is_http_url(u)) else {
        return invalid("Invalid callback url provided.Check format and try again");
    };
    let cancellation_url = text(&body, "cancellation_url");
    if cancellation_url.as_deref().is_some_and(|u| !is_http_url(u)) {
        return invalid("Invalid cancellation url provided.Check format and try again");
    }
    let notification_id = text(&body, "notification_id").unwrap_or_default();
    let billing = body.get("billing_address").cloned().unwrap_or(Value::Null);
    let phone_number = text(&billing, "phone_number");
    let email_address = text(&billing, "email_address");
    let country_code = text(&billing, "country_code");

    let mut state = sandbox.lock();
    if !state
        .ipns
        .iter()
        .any(|i| i.ipn_id == notification_id && i.consumer_key == consumer_key)
    {
        return invalid("Invalid IPN URL ID provided.Check format and try again");
    }
    if phone_number.is_none() && email_address.is_none() {
        return error(
            "api_error",
            "missing_mandatory_billing_address",
            "Please provide billing details information on your API request.",
        );
    }
    if text(&billing, "state").is_some_and(|s| s.chars().count() > 3) {
        return invalid("Billing address state must not exceed 3 characters.");
    }
    if state
        .orders
        .iter()
        .any(|o| o.consumer_key == consumer_key && o.merchant_reference == reference)
    {
        return invalid(
            "Duplicate merchant reference (id) provided.Use a unique reference for every order",
        );
    }
    let tracking_id = guid();
    let redirect_url = format!("{}/pay/{tracking_id}", sandbox.public_base_url());
    state.orders.push(SandboxOrder {
        tracking_id: tracking_id.clone(),
        consumer_key,
        merchant_reference: reference.clone(),
        currency,
        amount,
        description,
        callback_url,
        cancellation_url,
        notification_id,
        phone_number,
        email_address,
        country_code,
        state: PaymentState::Pending,
        confirmation_code: None,
        paid_amount_override: None,
        created_at: Timestamp::now(),
    });
    info!(%tracking_id, %reference, amount = amount.minor(), "sandbox order submitted");
    ok(json!({
        "order_tracking_id": tracking_id,
        "merchant_reference": reference,
        "redirect_url": redirect_url,
        "error": null,
        "status": "200",
    }))
}

/// `GET /api/Transactions/GetTransactionStatus?orderTrackingId=` (parameter name matched
/// case-insensitively, as ASP.NET does).
pub(super) async fn transaction_status(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    sandbox
        .shared
        .status_calls
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let Some(consumer_key) = sandbox.authenticate(&headers) else {
        return bad_token();
    };
    let tracking_id = query.ok().and_then(|Query(q)| {
        q.into_iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("orderTrackingId"))
            .map(|(_, v)| v)
    });
    let order = {
        let state = sandbox.lock();
        state
            .orders
            .iter()
            .find(|o| {
                Some(&o.tracking_id) == tracking_id.as_ref() && o.consumer_key == consumer_key
            })
            .cloned()
    };
    match order {
        Some(order) => {
            debug!(tracking_id = %order.tracking_id, state = ?order.state, "sandbox status");
            let (status, body) = status_json(&order);
            (status, axum::Json(body)).into_response()
        }
        None => error(
            "invalid_request_error",
            BAD_PARAMETERS,
            "Invalid order tracking id provided.Check format and try again",
        ),
    }
}

impl Sandbox {
    /// The consumer key behind a valid, unexpired bearer token.
    fn authenticate(&self, headers: &HeaderMap) -> Option<String> {
        let token = headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim().to_owned())?;
        let now = Timestamp::now();
        let state = self.lock();
        state
            .grants
            .iter()
            .find(|g| g.token == token && g.expires_at > now)
            .map(|g| g.consumer_key.clone())
    }
}

/// The GetTransactionStatus answer for an order, and its HTTP status.
pub(super) fn status_json(order: &SandboxOrder) -> (StatusCode, Value) {
    let call_back_url = with_params(
        &order.callback_url,
        &[
            ("OrderTrackingId", &order.tracking_id),
            ("OrderMerchantReference", &order.merchant_reference),
        ],
    );
    let created_date = order
        .created_at
        .strftime("%Y-%m-%dT%H:%M:%S.%3f")
        .to_string();
    let amount = number(order.paid_amount_override.unwrap_or(order.amount));
    let account = masked_account(order);
    let (method, description, payment_status_code) = match order.state {
        PaymentState::Pending => ("", Value::Null, ""),
        PaymentState::Completed => ("MpesaKE", json!(""), ""),
        PaymentState::Failed => (
            "MpesaKE",
            json!("Request cancelled by user"),
            "request_terminated_by_user",
        ),
        PaymentState::Reversed => ("MpesaKE", json!("Payment reversed"), ""),
    };
    let (description_text, http, error, status) = match order.state {
        PaymentState::Pending => (
            "INVALID",
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({
                "error_type": "api_error",
                "code": "payment_details_not_found",
                "message": "Pending Payment",
                "call_back_url": call_back_url,
            }),
            "500",
        ),
        state => (
            match state {
                PaymentState::Completed => "Completed",
                PaymentState::Failed => "Failed",
                _ => "Reversed",
            },
            StatusCode::OK,
            json!({ "error_type": null, "code": null, "message": null }),
            "200",
        ),
    };
    let pending = order.state == PaymentState::Pending;
    let body = json!({
        "payment_method": method,
        "amount": if pending { json!(0) } else { amount },
        "created_date": created_date,
        "confirmation_code": order.confirmation_code.clone().unwrap_or_default(),
        "order_tracking_id": order.tracking_id,
        "payment_status_description": description_text,
        "description": description,
        "message": "Request processed successfully",
        "payment_account": if pending { String::new() } else { account },
        "call_back_url": call_back_url,
        "status_code": order.state.status_code(),
        "merchant_reference": order.merchant_reference,
        "account_number": null,
        "payment_status_code": payment_status_code,
        "currency": order.currency,
        "error": error,
        "status": status,
    });
    (http, body)
}

/// The fields of an IPN registration as RegisterIPN and GetIpnList show them.
fn ipn_json(ipn: &SandboxIpn) -> Value {
    json!({
        "url": ipn.url,
        "created_date": ticks(ipn.created_at),
        "ipn_id": ipn.ipn_id,
        "notification_type": match ipn.method { IpnMethod::Get => 0, IpnMethod::Post => 1 },
        "ipn_notification_type_description": ipn.method.as_str(),
        "ipn_status": 1,
        "ipn_status_decription": "Active",
        "error": null,
        "status": "200",
    })
}

/// The payer's phone masked as Pesapal shows it (`2547xxx73984`), else the masked email.
fn masked_account(order: &SandboxOrder) -> String {
    if let Some(phone) = &order.phone_number {
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        let msisdn = match digits.strip_prefix('0') {
            Some(rest) if digits.len() == 10 => format!("254{rest}"),
            _ => digits,
        };
        if msisdn.len() >= 9 {
            return format!("{}xxx{}", &msisdn[..4], &msisdn[msisdn.len() - 5..]);
        }
        return msisdn;
    }
    match order
        .email_address
        .as_deref()
        .and_then(|e| e.split_once('@'))
    {
        Some((user, domain)) => format!("{}***@{domain}", user.chars().take(2).collect::<String>()),
        None => String::new(),
    }
}

/// A .NET-style UTC timestamp with 7 fractional digits: `2021-08-26T12:29:30.5177702Z`.
fn ticks(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S.%7fZ").to_string()
}

/// Money as a JSON number (`100`, `1500.5`), made from its decimal text.
fn number(amount: Money) -> Value {
    serde_json::Number::from_str(&amount.decimal()).map_or(Value::Null, Value::Number)
}

fn text(body: &Value, field: &str) -> Option<String> {
    match body.get(field)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn is_http_url(url: &str) -> bool {
    reqwest::Url::parse(url)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

fn ok(body: Value) -> Response {
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// Pesapal's error shape, with HTTP 500.
fn error(error_type: &str, code: &str, message: &str) -> Response {
    let body = json!({
        "error": { "error_type": error_type, "code": code, "message": message },
        "status": "500",
    });
    (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(body)).into_response()
}

/// Pesapal's answer to a missing, unknown or expired bearer token.
fn bad_token() -> Response {
    error(
        "authentication_error",
        "invalid_api_credentials_provided",
        "Invalid Access Token",
    )
}

fn bad_keys() -> Response {
    error("api_error", "invalid_consumer_key_or_secret_provided", "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_have_seven_fractional_digits() {
        let at: Timestamp = "2021-08-26T12:29:30.5177702Z".parse().unwrap();
        assert_eq!(ticks(at), "2021-08-26T12:29:30.5177702Z");
        let whole: Timestamp = "2021-08-26T12:29:30Z".parse().unwrap();
        assert_eq!(ticks(whole), "2021-08-26T12:29:30.0000000Z");
    }

    #[test]
    fn amounts_are_json_numbers() {
        assert_eq!(number(Money(150_050)).to_string(), "1500.5");
        assert_eq!(number(Money(10_000)).to_string(), "100");
    }
}
