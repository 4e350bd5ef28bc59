//! API tokens for the REST API (owners only). A new token's text is shown once, on the answer
//! to the form (never in a URL, never cached); the list shows each token's name, scope, last
//! four symbols and last use.
//!
//! - `GET|POST /portal/settings/api-tokens`              the tokens; create one
//! - `POST     /portal/settings/api-tokens/{id}/revoke`  revoke one (it fails at once)

use axum::{
    Form, Router,
    extract::{Path, State},
    http::{HeaderValue, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::{Value, json};
use tiketi_core::{
    domain::api_token::{ApiToken, Scope},
    services::{Platform, ServiceError},
};

use super::{
    PortalError, PortalState,
    auth::{Auth, Owner},
    form_again, local_time, page, refused_on_form, require_id,
};

const PAGE: &str = "portal/api_tokens.html";

pub fn routes<P: Platform>() -> Router<PortalState<P>> {
    Router::new()
        .route(
            "/portal/settings/api-tokens",
            get(tokens_page::<P>).post(create::<P>),
        )
        .route("/portal/settings/api-tokens/{id}/revoke", post(revoke::<P>))
}

fn row(token: &ApiToken, zone: &str) -> Value {
    json!({
        "id": token.id, "name": token.name, "scope": token.scope.label(), "hint": token.hint,
        "created": format!("{} by {}", local_time(token.created_at, zone), token.created_by.name),
        "last_used": token.last_used_at.map(|at| local_time(at, zone)),
        "revoked": token.revoked_at.map(|at| local_time(at, zone)),
    })
}

async fn values<P: Platform>(state: &PortalState<P>, auth: &Auth) -> Result<Value, PortalError> {
    let op = &auth.who.operator;
    let tokens = state.tiketi.store.api_tokens(&op.id).await?;
    let (live, revoked): (Vec<_>, Vec<_>) = tokens.iter().partition(|t| t.revoked_at.is_none());
    let rows = |list: &[&ApiToken]| -> Vec<Value> {
        list.iter().rev().map(|t| row(t, &op.time_zone)).collect()
    };
    Ok(json!({
        "section": "settings", "live": rows(&live), "revoked": rows(&revoked),
        "api_base": format!("{}/api/v1", state.tiketi.settings.public_base_url),
        "form": { "name": "", "scope": "read" },
    }))
}

async fn tokens_page<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
) -> Result<Response, PortalError> {
    let values = values(&state, &auth).await?;
    Ok(page(PAGE, &auth, values).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    scope: String,
}

async fn create<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Form(form): Form<TokenForm>,
) -> Result<Response, PortalError> {
    let result = match Scope::parse(&form.scope) {
        Some(scope) => {
            state
                .tiketi
                .create_api_token(&auth.who, &form.name, scope)
                .await
        }
        None => Err(ServiceError::Invalid("choose what the token may do".into())),
    };
    let (token, text) = match result {
        Ok(created) => created,
        Err(error) if refused_on_form(&error) => {
            let mut values = values(&state, &auth).await?;
            values["form"] = json!({ "name": form.name, "scope": form.scope });
            return Ok(form_again(PAGE, Some(&auth), &error, values));
        }
        Err(error) => return Err(error.into()),
    };
    let mut values = values(&state, &auth).await?;
    values["created"] =
        json!({ "name": token.name, "scope": token.scope.label(), "text": text.expose() });
    let mut response = page(PAGE, &auth, values).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

async fn revoke<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Path(id): Path<String>,
) -> Result<Response, PortalError> {
    require_id(&id, "API token")?;
    match state.tiketi.revoke_api_token(&auth.who, &id).await {
        Ok(_) | Err(ServiceError::Conflict(_)) => {
            Ok(Redirect::to("/portal/settings/api-tokens").into_response())
        }
        Err(error) => Err(error.into()),
    }
}
