//! Who is asking at `/admin`: the administrator's session cookie (its own name, path and
//! signature purpose, so an operator's session never opens it), and the CSRF check of every
//! admin POST.

use axum::{
    extract::{FromRequestParts, Request, State},
    http::{Method, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use tiketi_core::{
    domain::admin::AdminSession,
    services::{Platform, ServiceError, admins::AdminAuth},
};

use super::AdminError;
use crate::http::portal::{
    PortalState,
    auth::{FormRefusal, checked_form},
};

pub const ADMIN_COOKIE: &str = "tiketi_admin";
/// A random value set on the login page, binding its CSRF token.
pub const ADMIN_PRE_LOGIN_COOKIE: &str = "tiketi_admin_pre";

/// Any administrator's session, two-step login done or not (the two-step pages).
#[derive(Debug, Clone)]
pub struct AdminAny {
    pub auth: AdminAuth,
    pub csrf: String,
}

/// An administrator logged in with both steps.
#[derive(Debug, Clone)]
pub struct Admin(pub AdminAny);

impl<P: Platform> FromRequestParts<PortalState<P>> for AdminAny {
    type Rejection = AdminError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &PortalState<P>,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let (admin_id, session_id) = jar
            .get(ADMIN_COOKIE)
            .and_then(|c| state.key.open_admin_session_cookie(c.value()))
            .ok_or(AdminError::from(ServiceError::Unauthorized))?;
        let auth = state
            .tiketi
            .authenticate_admin(&admin_id, &session_id)
            .await?;
        let csrf = state.key.csrf_token(&auth.session.id);
        Ok(Self { auth, csrf })
    }
}

impl<P: Platform> FromRequestParts<PortalState<P>> for Admin {
    type Rejection = AdminError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &PortalState<P>,
    ) -> Result<Self, Self::Rejection> {
        let any = AdminAny::from_request_parts(parts, state).await?;
        if any.auth.session.verified {
            Ok(Self(any))
        } else {
            Err(AdminError::SecondStepDue)
        }
    }
}

fn cookie_duration(seconds: i64) -> cookie::time::Duration {
    cookie::time::Duration::seconds(seconds)
}

pub fn session_cookie<P: Platform>(
    state: &PortalState<P>,
    session: &AdminSession,
) -> Cookie<'static> {
    let max_age = session.expires_at.duration_since(session.created_at);
    Cookie::build((
        ADMIN_COOKIE,
        state
            .key
            .admin_session_cookie(&session.admin_id, &session.id),
    ))
    .path("/admin")
    .http_only(true)
    .secure(state.secure_cookies)
    // Strict: the console is never entered from a link on another site.
    .same_site(SameSite::Strict)
    .max_age(cookie_duration(max_age.as_secs()))
    .build()
}

pub fn removal(name: &'static str) -> Cookie<'static> {
    Cookie::build((name, ""))
        .path("/admin")
        .max_age(cookie_duration(0))
        .build()
}

/// The login page's pre-login cookie (kept if present) and its CSRF token.
pub fn pre_login<P: Platform>(state: &PortalState<P>, jar: CookieJar) -> (CookieJar, String) {
    let nonce = jar
        .get(ADMIN_PRE_LOGIN_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() == 32)
        .unwrap_or_else(|| hex::encode(rand::random::<[u8; 16]>()));
    let csrf = state.key.csrf_token(&nonce);
    let cookie = Cookie::build((ADMIN_PRE_LOGIN_COOKIE, nonce))
        .path("/admin")
        .http_only(true)
        .secure(state.secure_cookies)
        .same_site(SameSite::Strict)
        .max_age(cookie_duration(3600))
        .build();
    (jar.add(cookie), csrf)
}

/// Refuses an admin POST whose form lacks the CSRF token of the browser's admin session (or,
/// before login, of its pre-login cookie).
pub async fn require_csrf<P: Platform>(
    State(state): State<PortalState<P>>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let jar = CookieJar::from_headers(request.headers());
    let binding = jar
        .get(ADMIN_COOKIE)
        .and_then(|c| state.key.open_admin_session_cookie(c.value()))
        .map(|(_, session)| session)
        .or_else(|| {
            jar.get(ADMIN_PRE_LOGIN_COOKIE)
                .map(|c| c.value().to_owned())
        });
    match checked_form(&state.key, binding, request).await {
        Ok(request) => next.run(request).await,
        Err(FormRefusal::TooLarge) => {
            AdminError::from(ServiceError::Invalid("the form is too large".into())).into_response()
        }
        Err(FormRefusal::Csrf) => AdminError::Csrf.into_response(),
    }
}
