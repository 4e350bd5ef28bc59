//! The one place where use-case errors become HTTP answers for the customer pages.

use axum::{
    http::{StatusCode, Uri},
    response::{Html, IntoResponse, Response},
};
use serde_json::json;
use tiketi_core::services::ServiceError;

use super::{i18n::Lang, pages};

/// A failed page request: the error, and enough context to explain it in the right language.
/// Boxed, so that handlers' `Result`s stay small.
#[derive(Debug)]
pub struct PageError(Box<Failure>);

#[derive(Debug)]
pub struct Failure {
    pub error: ServiceError,
    pub lang: Lang,
    pub uri: Uri,
}

impl PageError {
    pub fn new(error: impl Into<ServiceError>, lang: Lang, uri: &Uri) -> Self {
        Self(Box::new(Failure {
            error: error.into(),
            lang,
            uri: uri.clone(),
        }))
    }

    /// The status and the localized text key for an error.
    pub fn status_and_text(error: &ServiceError) -> (StatusCode, &'static str) {
        match error {
            ServiceError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ServiceError::Unauthorized => (StatusCode::UNAUTHORIZED, "not_found"),
            ServiceError::Forbidden => (StatusCode::FORBIDDEN, "not_found"),
            ServiceError::Conflict(_) => (StatusCode::CONFLICT, "invalid_request"),
            ServiceError::TooManyAttempts { .. } => (StatusCode::TOO_MANY_REQUESTS, "too_many"),
            ServiceError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request"),
            ServiceError::NoMerchantAccount => {
                (StatusCode::SERVICE_UNAVAILABLE, "no_payment_account")
            }
            ServiceError::PlanLimit(_) | ServiceError::NotInPlan(_) => {
                (StatusCode::FORBIDDEN, "invalid_request")
            }
            // To a customer: the hotspot cannot sell online for now.
            ServiceError::Restricted(_) => (StatusCode::SERVICE_UNAVAILABLE, "sales_unavailable"),
            ServiceError::Gateway(_) => (StatusCode::BAD_GATEWAY, "gateway_down"),
            ServiceError::Store(_)
            | ServiceError::Queue(_)
            | ServiceError::Sealed(_)
            | ServiceError::Documents(_) => (StatusCode::INTERNAL_SERVER_ERROR, "server_error"),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let failure = *self.0;
        let (status, key) = Self::status_and_text(&failure.error);
        if status.is_server_error() {
            tracing::error!(error = %failure.error, uri = %failure.uri, "request failed");
        }
        let localized = failure.lang.texts()[key]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        // The use cases explain refusals in English: other languages get their own sentence,
        // with the English detail after it.
        let message = match (&failure.error, failure.lang) {
            (ServiceError::Invalid(text) | ServiceError::Conflict(text), Lang::En) => text.clone(),
            (ServiceError::Invalid(text) | ServiceError::Conflict(text), _) => {
                format!("{localized} ({text})")
            }
            _ => localized,
        };
        let html = pages::render(
            "error.html",
            failure.lang,
            "Tiketi",
            &failure.uri,
            json!({ "message": message }),
        );
        let mut response = (status, Html(html)).into_response();
        if let ServiceError::TooManyAttempts { retry_after_secs } = &failure.error
            && let Ok(value) = retry_after_secs.to_string().parse()
        {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, value);
        }
        response
    }
}
