//! What every API handler takes from its request: the caller ([`Caller`], from the bearer
//! token, with the token's scope checked against the method in this one place), and the JSON
//! body and query string ([`Body`], [`Params`]) whose rejections answer in the API's error
//! format.

use axum::{
    extract::{FromRequest, FromRequestParts, Query},
    http::{Method, header, request::Parts},
};
use tiketi_core::services::{
    Platform, ServiceError,
    accounts::{Authenticated, Credential},
};

use super::error::ApiError;
use crate::http::AppState;

/// The operator's owner an API token acts for. A read-only token gets no further than here
/// with anything but `GET`/`HEAD`.
#[derive(Debug, Clone)]
pub struct Caller(pub Authenticated);

impl<P: Platform> FromRequestParts<AppState<P>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState<P>,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| {
                let (scheme, token) = value.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then_some(token)
            })
            .ok_or(ServiceError::Unauthorized)?;
        let who = state.0.authenticate_api_token(token).await?;
        let Credential::ApiToken { scope, .. } = &who.via else {
            return Err(ServiceError::Unauthorized.into());
        };
        let reads = parts.method == Method::GET || parts.method == Method::HEAD;
        if !reads && !scope.may_write() {
            return Err(ApiError::InsufficientScope);
        }
        Ok(Self(who))
    }
}

/// A JSON request body; unreadable JSON is a `400 malformed_request`.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Body<T>(pub T);

/// A query string; an unreadable one is a `400 malformed_request`.
#[derive(Debug, FromRequestParts)]
#[from_request(via(Query), rejection(ApiError))]
pub struct Params<T>(pub T);

/// Rows per page unless `limit` says otherwise.
pub const DEFAULT_LIMIT: usize = 50;

pub fn default_limit() -> usize {
    DEFAULT_LIMIT
}

/// The paging part of a listing's query string.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default = "default_limit")]
    limit: usize,
}

impl PageQuery {
    pub fn cursor(&self) -> Option<&str> {
        self.cursor.as_deref()
    }

    pub fn limit(&self) -> usize {
        self.limit
    }
}

/// Ids in API paths are Tiketi's own: anything else is simply not found.
pub fn require_id(id: &str, what: &'static str) -> Result<(), ApiError> {
    if crate::http::valid_id(id) {
        Ok(())
    } else {
        Err(ServiceError::NotFound(what).into())
    }
}
