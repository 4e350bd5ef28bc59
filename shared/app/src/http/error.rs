//! The one place where use-case errors become HTTP answers for the customer pages.

use axum::{
    http::{StatusCode, Uri},
    response::{Html, IntoResponse, Response},
};
use serde_json::json;
use tiketi_core::services::ServiceError;

use super::{i18n::Lang, pages};

/// A failed page request: the error, and enough context to explain it in the right language.
#[derive(Debug)]
pub struct PageError {
    pub error: ServiceError,
    pub lang: Lang,
    pub uri: Uri,
}

impl PageError {
    pub fn new(error: impl Into<ServiceError>, lang: Lang, uri: &Uri) -> Self {
        Self {
            error: error.into(),
            lang,
            uri: uri.clone(),
        }
    }

    /// The status and the localized text key for an error.
    pub fn status_and_text(error: &ServiceError) -> (StatusCode, &'static str) {
        match error {
            ServiceError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ServiceError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "server_error"),
            ServiceError::NoMerchantAccount => {
                (StatusCode::SERVICE_UNAVAILABLE, "no_payment_account")
            }
            ServiceError::Gateway(_) => (StatusCode::BAD_GATEWAY, "gateway_down"),
            ServiceError::Store(_) | ServiceError::Queue(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "server_error")
            }
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, key) = Self::status_and_text(&self.error);
        if status.is_server_error() {
            tracing::error!(error = %self.error, uri = %self.uri, "request failed");
        }
        let message = match &self.error {
            ServiceError::Invalid(text) => text.clone(),
            _ => self.lang.texts()[key]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        };
        let html = pages::render(
            "error.html",
            self.lang,
            "Tiketi",
            &self.uri,
            json!({ "message": message }),
        );
        (status, Html(html)).into_response()
    }
}
