//! `GET|POST /portal/settings`: business name, currency, time zone, voucher code length,
//! gateway fee and agents' default commission (owners only), with links to two-step login and
//! the Pesapal keys.

use axum::{
    Form, Router,
    extract::State,
    response::{IntoResponse, Response},
    routing::get,
};
use serde::Deserialize;
use serde_json::json;
use tiketi_core::services::{
    Platform, ServiceError,
    catalog::{CURRENCIES, SettingsChange},
    two_factor::TwoFactorStatus,
};

use super::{
    PortalError, PortalState,
    auth::{Auth, Owner},
    form_again, page,
};

pub fn routes<P: Platform>() -> Router<PortalState<P>> {
    Router::new().route(
        "/portal/settings",
        get(settings_page::<P>).post(save_settings::<P>),
    )
}

#[derive(Debug, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    business_name: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    voucher_code_length: String,
    #[serde(default)]
    gateway_fee: String,
    #[serde(default)]
    agent_commission: String,
}

/// The page's values: the form, and the state of two-step login and Pesapal keys.
async fn values<P: Platform>(
    state: &PortalState<P>,
    auth: &Auth,
    form: &serde_json::Value,
) -> Result<serde_json::Value, PortalError> {
    let two_factor = state.tiketi.two_factor_status(&auth.who).await?;
    let keys = state.tiketi.merchant_keys(auth.operator_id()).await?;
    let security = json!({
        "two_factor_on": matches!(two_factor, TwoFactorStatus::On { .. }),
        "key_ending": keys.map(|k| k.key_ending),
    });
    Ok(
        json!({ "section": "settings", "currencies": CURRENCIES, "form": form, "security": security }),
    )
}

async fn settings_page<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
) -> Result<Response, PortalError> {
    let op = &auth.who.operator;
    let form = json!({
        "business_name": op.business_name, "currency": op.currency, "time_zone": op.time_zone,
        "voucher_code_length": op.voucher_code_length, "gateway_fee": op.gateway_fee.percent(),
        "agent_commission": op.agent_commission.percent(),
    });
    let values = values(&state, &auth, &form).await?;
    Ok(page("portal/settings.html", &auth, values).into_response())
}

async fn save_settings<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(mut auth): Owner,
    Form(form): Form<SettingsForm>,
) -> Result<Response, PortalError> {
    let change = SettingsChange {
        business_name: form.business_name.clone(),
        currency: form.currency.clone(),
        time_zone: form.time_zone.trim().to_owned(),
        voucher_code_length: form.voucher_code_length.trim().parse().unwrap_or(0),
        gateway_fee: form.gateway_fee.clone(),
        agent_commission: form.agent_commission.clone(),
    };
    let typed = json!({
        "business_name": form.business_name, "currency": form.currency, "time_zone": form.time_zone,
        "voucher_code_length": form.voucher_code_length, "gateway_fee": form.gateway_fee,
        "agent_commission": form.agent_commission,
    });
    match state.tiketi.update_settings(&auth.who, &change).await {
        Ok(operator) => {
            auth.who.operator = operator;
            let mut values = values(&state, &auth, &typed).await?;
            values["notice"] = json!("Settings saved.");
            Ok(page("portal/settings.html", &auth, values).into_response())
        }
        Err(error @ ServiceError::Invalid(_)) => {
            let values = values(&state, &auth, &typed).await?;
            Ok(form_again(
                "portal/settings.html",
                Some(&auth),
                &error,
                values,
            ))
        }
        Err(error) => Err(error.into()),
    }
}
