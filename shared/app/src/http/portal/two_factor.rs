//! Two-step login for owners (TOTP with an authenticator app):
//!
//! - `GET  /portal/settings/two-factor`          whether it is on; while setting up, the secret
//!   as text and as a QR code (inline SVG)
//! - `POST /portal/settings/two-factor/setup`    a new secret (replaces an unconfirmed one)
//! - `POST /portal/settings/two-factor/enable`   switches it on with a code from the app
//! - `POST /portal/settings/two-factor/disable`  switches it off with the password and a code

use axum::{
    Form, Router,
    extract::State,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::{Value, json};
use tiketi_core::services::{Platform, ServiceError, two_factor::TwoFactorStatus};

use super::{PortalError, PortalState, auth::Owner, form_again, local_time, page};

const PAGE: &str = "portal/two_factor.html";

pub fn routes<P: Platform>() -> Router<PortalState<P>> {
    Router::new()
        .route("/portal/settings/two-factor", get(status_page::<P>))
        .route("/portal/settings/two-factor/setup", post(setup::<P>))
        .route("/portal/settings/two-factor/enable", post(enable::<P>))
        .route("/portal/settings/two-factor/disable", post(disable::<P>))
}

#[derive(Debug, Default, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
}

/// The page's values for a status.
fn values(status: &TwoFactorStatus, time_zone: &str) -> Value {
    match status {
        TwoFactorStatus::Off => json!({ "section": "settings", "state": "off" }),
        TwoFactorStatus::SettingUp {
            secret,
            otpauth_url,
        } => {
            let qr = tiketi_render::qr_svg(otpauth_url, 4, "QR code for your authenticator app")
                .unwrap_or_else(|error| {
                    tracing::error!(%error, "cannot draw the TOTP QR code");
                    String::new()
                });
            json!({
                "section": "settings", "state": "setting_up", "secret": secret, "qr_svg": qr,
            })
        }
        TwoFactorStatus::On { enabled_at } => json!({
            "section": "settings", "state": "on", "enabled_at": local_time(*enabled_at, time_zone),
        }),
    }
}

async fn status_page<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
) -> Result<Response, PortalError> {
    let status = state.tiketi.two_factor_status(&auth.who).await?;
    let values = values(&status, &auth.who.operator.time_zone);
    Ok(page(PAGE, &auth, values).into_response())
}

async fn setup<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
) -> Result<Response, PortalError> {
    state.tiketi.start_two_factor(&auth.who).await?;
    Ok(Redirect::to("/portal/settings/two-factor").into_response())
}

/// The page again after a refused form (422), as it stands now.
async fn refused<P: Platform>(
    state: &PortalState<P>,
    auth: &super::auth::Auth,
    error: &ServiceError,
) -> Result<Response, PortalError> {
    let status = state.tiketi.two_factor_status(&auth.who).await?;
    let values = values(&status, &auth.who.operator.time_zone);
    Ok(form_again(PAGE, Some(auth), error, values))
}

async fn enable<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Form(form): Form<CodeForm>,
) -> Result<Response, PortalError> {
    match state.tiketi.enable_two_factor(&auth.who, &form.code).await {
        Ok(()) => {
            let status = state.tiketi.two_factor_status(&auth.who).await?;
            let mut values = values(&status, &auth.who.operator.time_zone);
            values["notice"] = json!(
                "Two-step login is on: from now on, logging in asks for a code from your app."
            );
            Ok(page(PAGE, &auth, values).into_response())
        }
        Err(error @ ServiceError::Invalid(_)) => refused(&state, &auth, &error).await,
        Err(error) => Err(error.into()),
    }
}

async fn disable<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Form(form): Form<CodeForm>,
) -> Result<Response, PortalError> {
    match state
        .tiketi
        .disable_two_factor(&auth.who, &form.password, &form.code)
        .await
    {
        Ok(()) => {
            let mut values = values(&TwoFactorStatus::Off, &auth.who.operator.time_zone);
            values["notice"] = json!("Two-step login is off.");
            Ok(page(PAGE, &auth, values).into_response())
        }
        Err(error @ ServiceError::Invalid(_)) => refused(&state, &auth, &error).await,
        Err(error) => Err(error.into()),
    }
}
