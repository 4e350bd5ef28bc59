//! - `GET|POST /admin/login`      e-mail and password (throttled like operators' logins)
//! - `GET|POST /admin/two-factor` the code; at the first login, the enrolment first
//! - `POST     /admin/logout`

use axum::{
    Form, Router,
    extract::State,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use serde_json::json;
use tiketi_core::services::{Platform, ServiceError};

use super::{
    AdminError,
    auth::{self, ADMIN_COOKIE, ADMIN_PRE_LOGIN_COOKIE, AdminAny},
    form_again, page, render,
};
use crate::http::portal::PortalState;

pub fn routes<P: Platform>() -> Router<PortalState<P>> {
    Router::new()
        .route("/admin/login", get(login_page::<P>).post(login::<P>))
        .route(
            "/admin/two-factor",
            get(two_factor_page::<P>).post(two_factor::<P>),
        )
        .route("/admin/logout", post(logout::<P>))
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

async fn login_page<P: Platform>(State(state): State<PortalState<P>>, jar: CookieJar) -> Response {
    let (jar, csrf) = auth::pre_login(&state, jar);
    let html = render("admin/login.html", None, json!({ "csrf": csrf }));
    (jar, axum::response::Html(html)).into_response()
}

async fn login<P: Platform>(
    State(state): State<PortalState<P>>,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<Response, AdminError> {
    match state.tiketi.admin_log_in(&form.email, &form.password).await {
        Ok(session) => {
            let jar = jar
                .add(auth::session_cookie(&state, &session))
                .remove(auth::removal(ADMIN_PRE_LOGIN_COOKIE));
            Ok((jar, Redirect::to("/admin/two-factor")).into_response())
        }
        Err(ServiceError::Unauthorized) => {
            let (jar, csrf) = auth::pre_login(&state, jar);
            let values = json!({
                "csrf": csrf, "email": form.email,
                "error": "That e-mail address and password do not match an administrator.",
            });
            let html = render("admin/login.html", None, values);
            Ok((
                axum::http::StatusCode::UNAUTHORIZED,
                jar,
                axum::response::Html(html),
            )
                .into_response())
        }
        Err(error) => Err(error.into()),
    }
}

async fn two_factor_values<P: Platform>(
    state: &PortalState<P>,
    who: &AdminAny,
) -> Result<serde_json::Value, AdminError> {
    if who.auth.admin.two_factor_on() {
        return Ok(json!({ "enrol": false }));
    }
    let enrolment = state.tiketi.admin_enrolment(&who.auth).await?;
    let qr = tiketi_render::qr_svg(
        &enrolment.otpauth_url,
        4,
        "QR code for your authenticator app",
    )
    .unwrap_or_default();
    Ok(json!({ "enrol": true, "secret": enrolment.secret, "qr_svg": qr }))
}

async fn two_factor_page<P: Platform>(
    State(state): State<PortalState<P>>,
    who: AdminAny,
) -> Result<Response, AdminError> {
    if who.auth.session.verified {
        return Ok(Redirect::to("/admin").into_response());
    }
    let values = two_factor_values(&state, &who).await?;
    Ok(page("admin/two_factor.html", &who, values))
}

#[derive(Debug, Default, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

async fn two_factor<P: Platform>(
    State(state): State<PortalState<P>>,
    jar: CookieJar,
    who: AdminAny,
    Form(form): Form<CodeForm>,
) -> Result<Response, AdminError> {
    match state.tiketi.admin_verify(&who.auth, &form.code).await {
        Ok(session) => {
            let jar = jar.add(auth::session_cookie(&state, &session));
            Ok((jar, Redirect::to("/admin")).into_response())
        }
        Err(error @ ServiceError::Invalid(_)) => {
            // The enrolment keeps its secret: show the code form, not a new QR code.
            let values = json!({ "enrol": false });
            Ok(form_again("admin/two_factor.html", &who, &error, values))
        }
        Err(error) => Err(error.into()),
    }
}

async fn logout<P: Platform>(
    State(state): State<PortalState<P>>,
    jar: CookieJar,
    who: AdminAny,
) -> Result<Response, AdminError> {
    state.tiketi.admin_log_out(&who.auth.session).await?;
    let jar = jar.remove(auth::removal(ADMIN_COOKIE));
    Ok((jar, Redirect::to("/admin/login")).into_response())
}
