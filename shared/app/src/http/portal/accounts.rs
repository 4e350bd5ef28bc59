//! Sign-up, login, logout and password change.
//!
//! - `GET|POST /portal/signup`    a new business and its owner, logged in at once
//! - `GET|POST /portal/login`     e-mail and password; failures slow down (`LoginThrottle`)
//! - `GET|POST /portal/login/code` the two-step login's code, after a right password
//! - `POST     /portal/logout`    ends the session
//! - `GET|POST /portal/password`  change password (ends the user's other sessions)

use axum::{
    Form, Router,
    extract::{Query, State},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use serde_json::{Value, json};
use tiketi_core::services::{
    Platform, ServiceError,
    accounts::{LoginOutcome, SignUp},
};

use super::{
    PortalError, PortalState,
    auth::{self, Auth, PENDING_LOGIN_COOKIE, PRE_LOGIN_COOKIE, SESSION_COOKIE},
    form_again, page, render_page,
};

pub fn routes<P: Platform>() -> Router<PortalState<P>> {
    Router::new()
        .route("/portal/signup", get(signup_page::<P>).post(signup::<P>))
        .route("/portal/login", get(login_page::<P>).post(login::<P>))
        .route(
            "/portal/login/code",
            get(code_page::<P>).post(submit_code::<P>),
        )
        .route("/portal/logout", post(logout::<P>))
        .route(
            "/portal/password",
            get(password_page).post(change_password::<P>),
        )
}

#[derive(Debug, Default, Deserialize)]
pub struct SignUpForm {
    #[serde(default)]
    business_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    plan: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct PlanChoice {
    #[serde(default)]
    plan: String,
}

/// The plans a new operator can choose, as the sign-up form lists them.
async fn plan_choices<P: Platform>(state: &PortalState<P>) -> Result<Vec<Value>, PortalError> {
    let plans = state.tiketi.plans_on_sale().await?;
    Ok(plans.iter().map(super::plan::summary).collect())
}

async fn signup_page<P: Platform>(
    State(state): State<PortalState<P>>,
    Query(choice): Query<PlanChoice>,
    jar: CookieJar,
) -> Result<Response, PortalError> {
    let (jar, csrf) = auth::pre_login(&state, jar);
    let plans = plan_choices(&state).await?;
    // The plan chosen on the landing page, else the first.
    let plan = plans
        .iter()
        .filter_map(|p| p["code"].as_str())
        .find(|code| *code == choice.plan)
        .or_else(|| plans.first().and_then(|p| p["code"].as_str()))
        .unwrap_or_default()
        .to_owned();
    let values = json!({ "csrf": csrf, "plans": plans, "plan": plan });
    let html = render_page("portal/signup.html", None, values);
    Ok((jar, axum::response::Html(html)).into_response())
}

async fn signup<P: Platform>(
    State(state): State<PortalState<P>>,
    jar: CookieJar,
    Form(form): Form<SignUpForm>,
) -> Result<Response, PortalError> {
    let request = SignUp {
        business_name: form.business_name.clone(),
        email: form.email.clone(),
        phone: form.phone.clone(),
        password: form.password,
        plan: form.plan.clone(),
    };
    match state.tiketi.sign_up(&request).await {
        Ok(session) => Ok(logged_in(&state, jar, &session)),
        Err(error @ (ServiceError::Invalid(_) | ServiceError::Conflict(_))) => {
            let (jar, csrf) = auth::pre_login(&state, jar);
            let values = json!({
                "csrf": csrf, "business_name": form.business_name, "email": form.email, "phone": form.phone,
                "plans": plan_choices(&state).await?, "plan": form.plan,
            });
            Ok((jar, form_again("portal/signup.html", None, &error, values)).into_response())
        }
        Err(error) => Err(error.into()),
    }
}

pub(super) fn logged_in<P: Platform>(
    state: &PortalState<P>,
    jar: CookieJar,
    session: &tiketi_core::domain::account::Session,
) -> Response {
    let jar = jar
        .add(auth::session_cookie(state, session))
        .remove(auth::removal(PRE_LOGIN_COOKIE))
        .remove(auth::removal(PENDING_LOGIN_COOKIE));
    (jar, Redirect::to("/portal")).into_response()
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
    let html = render_page("portal/login.html", None, json!({ "csrf": csrf }));
    (jar, axum::response::Html(html)).into_response()
}

async fn login<P: Platform>(
    State(state): State<PortalState<P>>,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<Response, PortalError> {
    match state.tiketi.log_in(&form.email, &form.password).await {
        Ok(LoginOutcome::LoggedIn(session)) => Ok(logged_in(&state, jar, &session)),
        Ok(LoginOutcome::CodeNeeded(pending)) => {
            let jar = jar.add(auth::pending_login_cookie(&state, &pending));
            Ok((jar, Redirect::to("/portal/login/code")).into_response())
        }
        Err(ServiceError::Unauthorized) => {
            let (jar, csrf) = auth::pre_login(&state, jar);
            let error = ServiceError::Invalid("Wrong e-mail address or password.".into());
            let values = json!({ "csrf": csrf, "email": form.email });
            let mut response = form_again("portal/login.html", None, &error, values);
            *response.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
            Ok((jar, response).into_response())
        }
        // The form again, saying how long to wait (and `Retry-After` for programs).
        Err(ServiceError::TooManyAttempts { retry_after_secs }) => {
            let (jar, csrf) = auth::pre_login(&state, jar);
            let error = ServiceError::Invalid(format!(
                "Too many attempts for this address. Try again in {retry_after_secs} seconds."
            ));
            let values = json!({ "csrf": csrf, "email": form.email });
            let mut response = form_again("portal/login.html", None, &error, values);
            *response.status_mut() = axum::http::StatusCode::TOO_MANY_REQUESTS;
            super::set_retry_after(&mut response, retry_after_secs);
            Ok((jar, response).into_response())
        }
        Err(error) => Err(error.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

async fn code_page<P: Platform>(State(state): State<PortalState<P>>, jar: CookieJar) -> Response {
    if auth::pending_login(&state, &jar).is_none() {
        return Redirect::to("/portal/login").into_response();
    }
    let (jar, csrf) = auth::pre_login(&state, jar);
    let html = render_page("portal/login_code.html", None, json!({ "csrf": csrf }));
    (jar, axum::response::Html(html)).into_response()
}

async fn submit_code<P: Platform>(
    State(state): State<PortalState<P>>,
    jar: CookieJar,
    Form(form): Form<CodeForm>,
) -> Result<Response, PortalError> {
    let Some(pending) = auth::pending_login(&state, &jar) else {
        return Ok(Redirect::to("/portal/login").into_response());
    };
    match state.tiketi.complete_login(&pending, &form.code).await {
        Ok(session) => Ok(logged_in(&state, jar, &session)),
        Err(ServiceError::Unauthorized) => {
            let jar = jar.remove(auth::removal(PENDING_LOGIN_COOKIE));
            Ok((jar, Redirect::to("/portal/login")).into_response())
        }
        Err(error @ ServiceError::Invalid(_)) => {
            let (jar, csrf) = auth::pre_login(&state, jar);
            let values = json!({ "csrf": csrf });
            let mut response = form_again("portal/login_code.html", None, &error, values);
            *response.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
            Ok((jar, response).into_response())
        }
        Err(error) => Err(error.into()),
    }
}

async fn logout<P: Platform>(
    State(state): State<PortalState<P>>,
    auth: Auth,
    jar: CookieJar,
) -> Result<Response, PortalError> {
    if let Some(session) = auth.who.session() {
        state.tiketi.log_out(session).await?;
    }
    let jar = jar.remove(auth::removal(SESSION_COOKIE));
    Ok((jar, Redirect::to("/portal/login")).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
}

async fn password_page(auth: Auth) -> impl IntoResponse {
    page("portal/password.html", &auth, json!({}))
}

async fn change_password<P: Platform>(
    State(state): State<PortalState<P>>,
    auth: Auth,
    Form(form): Form<PasswordForm>,
) -> Result<Response, PortalError> {
    match state
        .tiketi
        .change_password(&auth.who, &form.current, &form.new)
        .await
    {
        Ok(()) => Ok(page(
            "portal/password.html",
            &auth,
            json!({ "notice": "Password changed." }),
        )
        .into_response()),
        Err(error @ ServiceError::Invalid(_)) => Ok(form_again(
            "portal/password.html",
            Some(&auth),
            &error,
            json!({}),
        )),
        Err(error) => Err(error.into()),
    }
}
