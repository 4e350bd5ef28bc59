//! The one place where use-case errors become REST API answers: a status and
//! `{"error": {"code": "...", "message": "..."}}`. Codes are stable; messages are for people.

use axum::{
    Json,
    extract::rejection::{JsonRejection, QueryRejection},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;
use tiketi_core::{services::ServiceError, store::StoreError};

use crate::http::PageError;

/// A failed API request.
#[derive(Debug)]
pub enum ApiError {
    Service(ServiceError),
    /// The request could not be read (not JSON, wrong field types, a bad query string).
    Malformed(String),
    /// A read-only token asked for a change.
    InsufficientScope,
    /// No such route under `/api/v1`.
    RouteNotFound,
    MethodNotAllowed,
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        Self::Service(error)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        Self::Service(error.into())
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        Self::Malformed(rejection.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::Malformed(rejection.body_text())
    }
}

impl ApiError {
    /// The status, stable code and message of the error.
    fn parts(&self) -> (StatusCode, &'static str, String) {
        let error = match self {
            Self::Malformed(text) => {
                return (StatusCode::BAD_REQUEST, "malformed_request", text.clone());
            }
            Self::InsufficientScope => {
                return (
                    StatusCode::FORBIDDEN,
                    "insufficient_scope",
                    "this token is read-only: create a read-write token to make changes".into(),
                );
            }
            Self::RouteNotFound => {
                return (
                    StatusCode::NOT_FOUND,
                    "not_found",
                    "no such endpoint: see /api/v1/openapi.yaml".into(),
                );
            }
            Self::MethodNotAllowed => {
                return (
                    StatusCode::METHOD_NOT_ALLOWED,
                    "method_not_allowed",
                    "this endpoint does not take that method".into(),
                );
            }
            Self::Service(error) => error,
        };
        let (status, _) = PageError::status_and_text(error);
        let code = match error {
            ServiceError::NotFound(_) => "not_found",
            ServiceError::Invalid(_) => "invalid_request",
            ServiceError::Unauthorized => "unauthorized",
            ServiceError::Forbidden => "forbidden",
            ServiceError::Conflict(_) => "conflict",
            ServiceError::TooManyAttempts { .. } => "rate_limited",
            ServiceError::NoMerchantAccount => "no_payment_account",
            ServiceError::PlanLimit(_) => "plan_limit_reached",
            ServiceError::NotInPlan(_) => "not_in_plan",
            ServiceError::Restricted(_) => "subscription_restricted",
            ServiceError::Gateway(_) => "gateway_unavailable",
            ServiceError::Store(_)
            | ServiceError::Queue(_)
            | ServiceError::Sealed(_)
            | ServiceError::Documents(_) => "internal_error",
        };
        let message = match error {
            ServiceError::Unauthorized => {
                "send a live API token: Authorization: Bearer tkt.<...>".into()
            }
            _ if status.is_server_error() => "something went wrong on our side; try again".into(),
            other => other.to_string(),
        };
        (status, code, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = self.parts();
        if status.is_server_error() {
            tracing::error!(error = ?self, "API request failed");
        }
        let mut response = (
            status,
            Json(json!({ "error": { "code": code, "message": message } })),
        )
            .into_response();
        let headers = response.headers_mut();
        match &self {
            Self::Service(ServiceError::Unauthorized) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"tiketi\""),
                );
            }
            Self::Service(ServiceError::TooManyAttempts { retry_after_secs }) => {
                if let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                    headers.insert(header::RETRY_AFTER, value);
                }
            }
            _ => {}
        }
        response
    }
}
