//! The operator's own Pesapal keys (owners only). The secret is never shown again, and the
//! key only by its last characters; replacing them is a new submission.
//!
//! - `GET|POST /portal/settings/pesapal`  what is set; new keys, checked with Pesapal
//! - `POST     /portal/settings/pesapal/clear`  forget them

use axum::{
    Form, Router,
    extract::State,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::{Value, json};
use tiketi_core::services::{Platform, ServiceError, merchant::MerchantKeysForm};

use super::{PortalError, PortalState, auth::Owner, form_again, local_time, page};

const PAGE: &str = "portal/pesapal.html";

pub fn routes<P: Platform>() -> Router<PortalState<P>> {
    Router::new()
        .route(
            "/portal/settings/pesapal",
            get(keys_page::<P>).post(save_keys::<P>),
        )
        .route("/portal/settings/pesapal/clear", post(clear_keys::<P>))
}

#[derive(Debug, Default, Deserialize)]
pub struct KeysForm {
    #[serde(default)]
    consumer_key: String,
    #[serde(default)]
    consumer_secret: String,
}

/// What the page shows about the operator's keys (never a typed or stored secret).
async fn values<P: Platform>(
    state: &PortalState<P>,
    auth: &super::auth::Auth,
) -> Result<Value, PortalError> {
    let op = &auth.who.operator;
    let keys = state.tiketi.merchant_keys(&op.id).await?.map(|k| {
        json!({
            "key_ending": k.key_ending, "updated_by": k.updated_by,
            "updated_at": local_time(k.updated_at, &op.time_zone),
        })
    });
    Ok(json!({
        "section": "settings",
        "keys": keys,
        "ipn_url": state.tiketi.settings.ipn_url(&op.id),
        "sandbox_fallback": state.tiketi.settings.sandbox_merchant.is_some(),
    }))
}

async fn keys_page<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
) -> Result<Response, PortalError> {
    let values = values(&state, &auth).await?;
    Ok(page(PAGE, &auth, values).into_response())
}

async fn save_keys<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Form(form): Form<KeysForm>,
) -> Result<Response, PortalError> {
    let change = MerchantKeysForm {
        consumer_key: form.consumer_key,
        consumer_secret: form.consumer_secret,
    };
    match state.tiketi.save_merchant_keys(&auth.who, &change).await {
        Ok(_) => {
            let mut values = values(&state, &auth).await?;
            values["notice"] = json!(
                "Pesapal accepted the keys and they are saved: customers now pay into this account."
            );
            Ok(page(PAGE, &auth, values).into_response())
        }
        Err(error @ ServiceError::Invalid(_)) => {
            let values = values(&state, &auth).await?;
            Ok(form_again(PAGE, Some(&auth), &error, values))
        }
        Err(error) => Err(error.into()),
    }
}

async fn clear_keys<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
) -> Result<Response, PortalError> {
    state.tiketi.clear_merchant_keys(&auth.who).await?;
    let mut values = values(&state, &auth).await?;
    values["notice"] = json!("Pesapal keys removed.");
    Ok(page(PAGE, &auth, values).into_response())
}
