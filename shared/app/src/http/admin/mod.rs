//! The platform administrator's console under `/admin` (served by the `portal` function and
//! the local host): statistics, operators and the actions on their subscriptions, the plan
//! catalogue and the landing page's testimonials.
//!
//! - `login`: password, then always a TOTP code (enrolled at the first login);
//! - `stats`: the home page's figures and charts, and the platform audit log;
//! - `operators`: search, one operator's page, actions, payments outside Pesapal, support view;
//! - `catalogue`: plans and testimonials.
//!
//! Every route but the login page needs an administrator's session ([`auth::Admin`]; the
//! two-step page takes a half-done one), and every POST passes [`auth::require_csrf`].
//! Operators' sessions open nothing here: the cookie has its own name, path and signature.

pub mod auth;
mod catalogue;
mod login;
mod operators;
mod stats;

use std::sync::LazyLock;

use axum::{
    Router,
    http::StatusCode,
    middleware,
    response::{Html, IntoResponse, Redirect, Response},
};
use serde_json::{Value, json};
use tera::{Context, Tera};
use tiketi_core::services::{Platform, ServiceError};

use self::auth::AdminAny;
use super::portal::PortalState;

pub fn router<P: Platform>(state: PortalState<P>) -> Router {
    Router::new()
        .merge(login::routes())
        .merge(stats::routes())
        .merge(operators::routes())
        .merge(catalogue::routes())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_csrf::<P>,
        ))
        .with_state(state)
}

/// A failed admin request, answered once here.
#[derive(Debug)]
pub enum AdminError {
    Service(ServiceError),
    Csrf,
    /// The password was right; the code is still due.
    SecondStepDue,
}

impl<E: Into<ServiceError>> From<E> for AdminError {
    fn from(error: E) -> Self {
        Self::Service(error.into())
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let error = match self {
            Self::Csrf => {
                return error_page(
                    StatusCode::FORBIDDEN,
                    "This form has expired or did not come from this site. Go back, reload the page and try again.",
                );
            }
            Self::SecondStepDue => return Redirect::to("/admin/two-factor").into_response(),
            Self::Service(error) => error,
        };
        let (status, _) = super::PageError::status_and_text(&error);
        match &error {
            ServiceError::Unauthorized => return Redirect::to("/admin/login").into_response(),
            ServiceError::TooManyAttempts { retry_after_secs } => {
                let mut response = error_page(status, &error.to_string());
                if let Ok(value) = retry_after_secs.to_string().parse() {
                    response
                        .headers_mut()
                        .insert(axum::http::header::RETRY_AFTER, value);
                }
                return response;
            }
            _ => {}
        }
        if status.is_server_error() {
            tracing::error!(%error, "admin request failed");
            return error_page(status, "Something went wrong on our side; try again.");
        }
        error_page(status, &error.to_string())
    }
}

fn error_page(status: StatusCode, message: &str) -> Response {
    let html = render("admin/error.html", None, json!({ "message": message }));
    (status, Html(html)).into_response()
}

static TEMPLATES: LazyLock<Tera> = LazyLock::new(|| {
    let mut tera = Tera::default();
    tera.add_raw_templates([
        (
            "portal/style.html",
            include_str!("../../templates/portal/style.html"),
        ),
        (
            "admin/base.html",
            include_str!("../../templates/admin/base.html"),
        ),
        (
            "admin/login.html",
            include_str!("../../templates/admin/login.html"),
        ),
        (
            "admin/two_factor.html",
            include_str!("../../templates/admin/two_factor.html"),
        ),
        (
            "admin/home.html",
            include_str!("../../templates/admin/home.html"),
        ),
        (
            "admin/operators.html",
            include_str!("../../templates/admin/operators.html"),
        ),
        (
            "admin/operator.html",
            include_str!("../../templates/admin/operator.html"),
        ),
        (
            "admin/support.html",
            include_str!("../../templates/admin/support.html"),
        ),
        (
            "admin/plans.html",
            include_str!("../../templates/admin/plans.html"),
        ),
        (
            "admin/testimonials.html",
            include_str!("../../templates/admin/testimonials.html"),
        ),
        (
            "admin/audit.html",
            include_str!("../../templates/admin/audit.html"),
        ),
        (
            "admin/error.html",
            include_str!("../../templates/admin/error.html"),
        ),
    ])
    .expect("admin templates parse");
    tera
});

/// Renders an admin page; `who` (a verified administrator) shows the navigation.
fn render(template: &str, who: Option<&AdminAny>, values: Value) -> String {
    let mut context = Context::new();
    if let Some(who) = who {
        if who.auth.session.verified {
            context.insert("admin", &json!({ "name": who.auth.admin.name }));
        }
        context.insert("csrf", &who.csrf);
    }
    if let Value::Object(map) = values {
        for (key, value) in map {
            context.insert(key, &value);
        }
    }
    TEMPLATES
        .render(template, &context)
        .unwrap_or_else(|error| {
            tracing::error!(%error, template, "admin template failed to render");
            "<!doctype html><title>Error</title><p>Something went wrong on our side.</p>".into()
        })
}

fn page(template: &str, who: &AdminAny, values: Value) -> Response {
    Html(render(template, Some(who), values)).into_response()
}

/// A form shown again with why it was refused.
fn form_again(template: &str, who: &AdminAny, error: &ServiceError, mut values: Value) -> Response {
    if let Value::Object(map) = &mut values {
        map.insert("error".into(), Value::String(error.to_string()));
    }
    let status = match error {
        ServiceError::Conflict(_) => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    (status, Html(render(template, Some(who), values))).into_response()
}

fn utc(at: jiff::Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M").to_string()
}

fn require_id(id: &str, what: &'static str) -> Result<(), AdminError> {
    if super::valid_id(id) {
        Ok(())
    } else {
        Err(ServiceError::NotFound(what).into())
    }
}
