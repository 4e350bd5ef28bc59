//! The customer's balance page (Lambda `checkout`): `GET /checkout/{operator}/balance` shows
//! the form, `?code=CODE` one voucher's status and what is left (`services::balance`), in
//! English or Swahili. Rate-limited per client and per operator.

use axum::{
    Router,
    extract::{Path, Query, State},
    http::{HeaderMap, Uri},
    response::Html,
    routing::get,
};
use serde::Deserialize;
use serde_json::{Value, json};
use tiketi_core::{
    domain::{
        catalog::{describe_data_used, describe_time_used},
        voucher::{Voucher, VoucherStatus},
    },
    services::{Platform, ServiceError},
};

use super::{
    AppState, ClientAddress, PageError,
    checkout::{business_name, lang_of, speed, validity},
    i18n::Lang,
    pages, require_ids,
};

pub fn router<P: Platform>(state: AppState<P>) -> Router {
    Router::new()
        .route("/checkout/{operator}/balance", get(balance::<P>))
        .with_state(state)
}

#[derive(Debug, Default, Deserialize)]
pub struct BalanceQuery {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    lang: Option<String>,
}

/// A moment in the operator's time zone, as the customer reads it: `2026-12-13 18:05`.
fn local_time(at: jiff::Timestamp, time_zone: &str) -> String {
    let zone = jiff::tz::TimeZone::get(time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    at.to_zoned_datetime(zone)
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

fn status_key(status: VoucherStatus) -> &'static str {
    match status {
        VoucherStatus::Unused => "status_unused",
        VoucherStatus::Active => "status_active",
        VoucherStatus::UsedUp => "status_used_up",
        VoucherStatus::Expired => "status_expired",
        VoucherStatus::Cancelled => "status_cancelled",
    }
}

/// What the page shows of a voucher: its own state, nothing else of the operator's (the
/// order and recovery pages show the same).
pub(super) fn facts(voucher: &Voucher, lang: Lang, time_zone: &str) -> Value {
    let now = jiff::Timestamp::now();
    let balance = voucher.balance(now);
    let status = status_key(voucher.status);
    let started = voucher.activated_at.is_some();
    json!({
        "code": voucher.code,
        "status": voucher.status.as_str().to_ascii_lowercase(),
        "status_text": lang.texts()[status],
        "name": voucher.terms.name,
        "time_left": balance.time_left.map(describe_time_used),
        "data_left": balance.data_left.map(describe_data_used),
        "ends": balance.ends_at.map(|at| local_time(at, time_zone)),
        // Not started yet: how long it lasts once it is.
        "validity": (!started && voucher.status == VoucherStatus::Unused)
            .then(|| validity(lang, voucher.terms.validity_seconds)),
        "speed": voucher.terms.rate_limit.as_deref().map(speed),
        "devices": voucher.terms.shared_users.max(1),
        "can_log_in": balance.can_log_in,
    })
}

async fn balance<P: Platform>(
    State(AppState(tiketi)): State<AppState<P>>,
    Path(operator_id): Path<String>,
    Query(query): Query<BalanceQuery>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Html<String>, PageError> {
    let lang = lang_of(query.lang.as_deref(), &headers);
    require_ids(&[&operator_id], "hotspot", lang, &uri)?;
    let code: String = query.code.unwrap_or_default().chars().take(40).collect();
    let mut values = json!({
        "form_action": format!("/checkout/{operator_id}/balance"),
        "code": code, "voucher": Value::Null, "unknown": false,
    });
    let name = if code.trim().is_empty() {
        business_name(&tiketi, &operator_id, lang, &uri).await?
    } else {
        match tiketi.voucher_balance(&operator_id, &client, &code).await {
            Ok((operator, voucher)) => {
                values["voucher"] = facts(&voucher, lang, &operator.time_zone);
                operator.business_name
            }
            Err(ServiceError::NotFound("voucher")) => {
                values["unknown"] = Value::Bool(true);
                business_name(&tiketi, &operator_id, lang, &uri).await?
            }
            Err(error) => return Err(PageError::new(error, lang, &uri)),
        }
    };
    Ok(Html(pages::render(
        "balance.html",
        lang,
        &name,
        &uri,
        values,
    )))
}
