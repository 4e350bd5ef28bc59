//! The operator portal (Lambda `portal`, and the local host): server-rendered pages under
//! `/portal`, for owners and agents on a phone or a laptop.
//!
//! - `accounts`: sign-up, login, logout, password;
//! - `dashboard`: the home page;
//! - `settings`: the business profile;
//! - `two_factor`: two-step login (TOTP) for owners;
//! - `pesapal`: the operator's own Pesapal keys, kept sealed;
//! - `plan`: the subscription, its usage and invoices, paid through the platform's Pesapal;
//! - `api_tokens`: tokens for the REST API (`http::api`);
//! - `routers`: routers (sites), their setup scripts and secrets;
//! - `ticket_types`: the packages sold;
//! - `batches`: vouchers generated in batches, printed, handed to agents, loaded by script,
//!   voided;
//! - `vouchers`: search, one voucher's history, cancel, reprint, single vouchers;
//! - `agents`: invitations, commissions, balances and settlements;
//! - `cash_sales`: a printed voucher sold for cash;
//! - `reports`: revenue by period, ticket type, router, agent and channel, with CSV;
//! - `payments`: the inbox of payments that could not become a voucher;
//! - `customers`: buyers by phone number with their purchases, and the audit log;
//! - `printing`: PDF sheets of vouchers (shared by batches and vouchers).
//!
//! Downloads (PDF sheets, voucher scripts, CSV) are handed out by a short-lived link
//! ([`download`]), never sent in the response: on AWS a response is capped at 6 MB.
//!
//! Every route but the login and sign-up pages needs a session ([`auth::Auth`], or
//! [`auth::Owner`] for owners' pages), reads only the session's operator (ids in the URL are
//! looked up under it, so another operator's ids find nothing), and every POST passes the CSRF
//! layer ([`auth::require_csrf`]).

mod accounts;
mod agents;
mod api_tokens;
pub mod auth;
mod batches;
mod cash_sales;
pub mod cookie;
mod customers;
mod dashboard;
mod payments;
mod pesapal;
mod plan;
mod printing;
mod reports;
mod routers;
mod settings;
mod ticket_types;
mod two_factor;
mod vouchers;

use std::sync::{Arc, LazyLock};

use axum::{
    Router,
    http::{HeaderValue, StatusCode, header},
    middleware,
    response::{Html, IntoResponse, Redirect, Response},
};
use serde_json::{Value, json};
use tera::{Context, Tera};
use tiketi_core::services::{Platform, ServiceError, Tiketi};

use self::{auth::Auth, cookie::CookieKey};
use super::{PageError, i18n::Lang};

/// State of the portal routes.
pub struct PortalState<P: Platform> {
    pub tiketi: Arc<Tiketi<P>>,
    pub key: Arc<CookieKey>,
    /// `Secure` cookies: on everywhere but a plain-HTTP local install.
    pub secure_cookies: bool,
}

impl<P: Platform> Clone for PortalState<P> {
    fn clone(&self) -> Self {
        Self {
            tiketi: Arc::clone(&self.tiketi),
            key: Arc::clone(&self.key),
            secure_cookies: self.secure_cookies,
        }
    }
}

impl<P: Platform> PortalState<P> {
    /// Cookies are `Secure` when Tiketi is served over HTTPS.
    pub fn new(tiketi: Arc<Tiketi<P>>, key: CookieKey) -> Self {
        let secure_cookies = tiketi.settings.public_base_url.starts_with("https://");
        Self {
            tiketi,
            key: Arc::new(key),
            secure_cookies,
        }
    }
}

/// Answers a download: the document is stored and the browser sent to its short-lived link
/// (`ports::documents`).
async fn download<P: Platform>(
    state: &PortalState<P>,
    auth: &Auth,
    filename: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> Result<Response, PortalError> {
    let url = state
        .tiketi
        .hand_out(auth.operator_id(), filename, content_type, bytes)
        .await?;
    Ok(Redirect::to(&url).into_response())
}

pub fn router<P: Platform>(state: PortalState<P>) -> Router {
    Router::new()
        .merge(accounts::routes())
        .merge(dashboard::routes())
        .merge(settings::routes())
        .merge(two_factor::routes())
        .merge(pesapal::routes())
        .merge(plan::routes())
        .merge(api_tokens::routes())
        .merge(routers::routes())
        .merge(ticket_types::routes())
        .merge(batches::routes())
        .merge(vouchers::routes())
        .merge(agents::routes())
        .merge(cash_sales::routes())
        .merge(reports::routes())
        .merge(payments::routes())
        .merge(customers::routes())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_csrf::<P>,
        ))
        .with_state(state)
}

/// A failed portal request, answered once here: a page saying what went wrong, or the login
/// page for a request without a live session.
#[derive(Debug)]
pub enum PortalError {
    Service(ServiceError),
    /// A form without the right CSRF token.
    Csrf,
}

impl PortalError {
    pub fn csrf() -> Self {
        Self::Csrf
    }
}

impl<E: Into<ServiceError>> From<E> for PortalError {
    fn from(error: E) -> Self {
        Self::Service(error.into())
    }
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        let error = match self {
            Self::Csrf => {
                let message = "This form has expired or did not come from this site. \
                               Go back, reload the page and try again.";
                return page_error(StatusCode::FORBIDDEN, message);
            }
            Self::Service(error) => error,
        };
        let (status, key) = PageError::status_and_text(&error);
        match &error {
            ServiceError::Unauthorized => return Redirect::to("/portal/login").into_response(),
            ServiceError::TooManyAttempts { retry_after_secs } => {
                let mut response = page_error(status, &error.to_string());
                set_retry_after(&mut response, *retry_after_secs);
                return response;
            }
            _ => {}
        }
        if status.is_server_error() {
            tracing::error!(%error, "portal request failed");
        }
        let message = match &error {
            ServiceError::Invalid(text)
            | ServiceError::Conflict(text)
            | ServiceError::NotInPlan(text)
            | ServiceError::Restricted(text) => text.clone(),
            ServiceError::PlanLimit(limit) => limit.to_string(),
            ServiceError::Forbidden => "Only the owner of this business can open this page.".into(),
            _ => Lang::En.texts()[key]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        };
        page_error(status, &message)
    }
}

/// `Retry-After` on a throttled answer, for programs (people read the page).
fn set_retry_after(response: &mut Response, secs: u64) {
    if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
}

fn page_error(status: StatusCode, message: &str) -> Response {
    let html = render_page("portal/error.html", None, json!({ "message": message }));
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
            "portal/base.html",
            include_str!("../../templates/portal/base.html"),
        ),
        (
            "portal/error.html",
            include_str!("../../templates/portal/error.html"),
        ),
        (
            "portal/login.html",
            include_str!("../../templates/portal/login.html"),
        ),
        (
            "portal/login_code.html",
            include_str!("../../templates/portal/login_code.html"),
        ),
        (
            "portal/signup.html",
            include_str!("../../templates/portal/signup.html"),
        ),
        (
            "portal/password.html",
            include_str!("../../templates/portal/password.html"),
        ),
        (
            "portal/dashboard.html",
            include_str!("../../templates/portal/dashboard.html"),
        ),
        (
            "portal/settings.html",
            include_str!("../../templates/portal/settings.html"),
        ),
        (
            "portal/plan.html",
            include_str!("../../templates/portal/plan.html"),
        ),
        (
            "portal/invoice.html",
            include_str!("../../templates/portal/invoice.html"),
        ),
        (
            "portal/two_factor.html",
            include_str!("../../templates/portal/two_factor.html"),
        ),
        (
            "portal/pesapal.html",
            include_str!("../../templates/portal/pesapal.html"),
        ),
        (
            "portal/api_tokens.html",
            include_str!("../../templates/portal/api_tokens.html"),
        ),
        (
            "portal/routers.html",
            include_str!("../../templates/portal/routers.html"),
        ),
        (
            "portal/router.html",
            include_str!("../../templates/portal/router.html"),
        ),
        (
            "portal/router_fields.html",
            include_str!("../../templates/portal/router_fields.html"),
        ),
        (
            "portal/router_form.html",
            include_str!("../../templates/portal/router_form.html"),
        ),
        (
            "portal/batches.html",
            include_str!("../../templates/portal/batches.html"),
        ),
        (
            "portal/batch_form.html",
            include_str!("../../templates/portal/batch_form.html"),
        ),
        (
            "portal/batch.html",
            include_str!("../../templates/portal/batch.html"),
        ),
        (
            "portal/batch_print.html",
            include_str!("../../templates/portal/batch_print.html"),
        ),
        (
            "portal/ticket_types.html",
            include_str!("../../templates/portal/ticket_types.html"),
        ),
        (
            "portal/ticket_type_form.html",
            include_str!("../../templates/portal/ticket_type_form.html"),
        ),
        (
            "portal/vouchers.html",
            include_str!("../../templates/portal/vouchers.html"),
        ),
        (
            "portal/voucher.html",
            include_str!("../../templates/portal/voucher.html"),
        ),
        (
            "portal/voucher_form.html",
            include_str!("../../templates/portal/voucher_form.html"),
        ),
        (
            "portal/agent_home.html",
            include_str!("../../templates/portal/agent_home.html"),
        ),
        (
            "portal/sell.html",
            include_str!("../../templates/portal/sell.html"),
        ),
        (
            "portal/agents.html",
            include_str!("../../templates/portal/agents.html"),
        ),
        (
            "portal/agent_fields.html",
            include_str!("../../templates/portal/agent_fields.html"),
        ),
        (
            "portal/agent_form.html",
            include_str!("../../templates/portal/agent_form.html"),
        ),
        (
            "portal/invite_link.html",
            include_str!("../../templates/portal/invite_link.html"),
        ),
        (
            "portal/agent.html",
            include_str!("../../templates/portal/agent.html"),
        ),
        (
            "portal/invite.html",
            include_str!("../../templates/portal/invite.html"),
        ),
        (
            "portal/reports.html",
            include_str!("../../templates/portal/reports.html"),
        ),
        (
            "portal/unmatched.html",
            include_str!("../../templates/portal/unmatched.html"),
        ),
        (
            "portal/customers.html",
            include_str!("../../templates/portal/customers.html"),
        ),
        (
            "portal/customer.html",
            include_str!("../../templates/portal/customer.html"),
        ),
        (
            "portal/audit.html",
            include_str!("../../templates/portal/audit.html"),
        ),
    ])
    .expect("portal templates parse");
    tera
});

/// Renders a portal page: `auth` (if logged in) gives the navigation, the user and the CSRF
/// token of the page's forms.
fn render_page(template: &str, auth: Option<&Auth>, values: Value) -> String {
    let mut context = Context::new();
    if let Some(auth) = auth {
        let who = &auth.who;
        context.insert(
            "me",
            &json!({
                "name": who.user.name, "email": who.user.email.as_str(), "role": who.user.role.as_str(),
                "is_owner": who.user.is_owner(), "business_name": who.operator.business_name,
            }),
        );
        context.insert("csrf", &auth.csrf);
    }
    if let Value::Object(map) = values {
        for (key, value) in map {
            context.insert(key, &value);
        }
    }
    match TEMPLATES.render(template, &context) {
        Ok(html) => html,
        Err(error) => {
            tracing::error!(%error, template, "portal template failed to render");
            "<!doctype html><title>Error</title><p>Something went wrong on our side.</p>".into()
        }
    }
}

/// A page of a logged-in user.
fn page(template: &str, auth: &Auth, values: Value) -> Html<String> {
    Html(render_page(template, Some(auth), values))
}

/// A form shown again with what was typed and why it was refused (422).
/// Refusals a form shows above itself, keeping what was typed: bad input, and what the plan
/// does not allow.
fn refused_on_form(error: &ServiceError) -> bool {
    matches!(
        error,
        ServiceError::Invalid(_)
            | ServiceError::Conflict(_)
            | ServiceError::PlanLimit(_)
            | ServiceError::NotInPlan(_)
            | ServiceError::Restricted(_)
    )
}

fn form_again(
    template: &str,
    auth: Option<&Auth>,
    error: &ServiceError,
    values: Value,
) -> Response {
    let mut values = values;
    if let Value::Object(map) = &mut values {
        map.insert("error".into(), Value::String(error.to_string()));
    }
    let status = match error {
        ServiceError::Conflict(_) => StatusCode::CONFLICT,
        ServiceError::PlanLimit(_) | ServiceError::NotInPlan(_) | ServiceError::Restricted(_) => {
            StatusCode::FORBIDDEN
        }
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    (status, Html(render_page(template, auth, values))).into_response()
}

/// A time as the operator reads it: `2026-11-25 13:05` in their zone.
/// A use-by instant in the operator's zone: the last day it allows (`2026-12-31`) when it is
/// the end of a day there, as when it was set; else, after a change of time zone, the local
/// moment it ends (`2026-12-31 14:00`).
fn use_by_day(
    terms: &tiketi_core::domain::catalog::TicketTerms,
    time_zone: &str,
) -> Option<String> {
    let zone = jiff::tz::TimeZone::get(time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let end = terms.use_by?.to_zoned_datetime(zone);
    if end.time() == jiff::civil::Time::midnight() {
        Some(end.date().yesterday().unwrap_or(end.date()).to_string())
    } else {
        Some(end.strftime("%Y-%m-%d %H:%M").to_string())
    }
}

fn local_time(at: jiff::Timestamp, time_zone: &str) -> String {
    let zone = jiff::tz::TimeZone::get(time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    at.to_zoned_datetime(zone)
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

/// A random id for a form that creates something (batches, vouchers), drawn when the form is
/// shown.
fn request_id() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

/// The idempotency key of a submitted creating form: its request id and the fields that make
/// the request what it is, so a double submit makes one thing and a changed form a new one.
fn form_key(request_id: &str, fields: &[&str]) -> Option<String> {
    let id = request_id.trim();
    (!id.is_empty()).then(|| format!("portal:{id}:{}", fields.join(":")))
}

/// Ids in portal URLs are Tiketi's own: anything else is simply not found.
fn require_id(id: &str, what: &'static str) -> Result<(), PortalError> {
    if super::valid_id(id) {
        Ok(())
    } else {
        Err(ServiceError::NotFound(what).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_portal_template_is_registered() {
        let dir = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap())
            .join("src/templates/portal");
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = format!("portal/{}", entry.unwrap().file_name().to_string_lossy());
            assert!(
                TEMPLATES.get_template_names().any(|n| n == name),
                "{name} is not in TEMPLATES"
            );
        }
    }
}
