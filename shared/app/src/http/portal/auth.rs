//! Who is asking: the session cookie read into an [`Auth`] (any logged-in user) or [`Owner`]
//! (owners only), and the CSRF check every state-changing portal request passes through.

use axum::{
    body::{Body, to_bytes},
    extract::{FromRequestParts, Request, State},
    http::{Method, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use tiketi_core::{
    domain::{account::Session, two_factor::PendingLogin},
    ports::Clock,
    services::{Platform, ServiceError, accounts::Authenticated},
};

use super::{PortalError, PortalState};

pub const SESSION_COOKIE: &str = "tiketi_session";
/// A random value set on the login and sign-up pages, binding their CSRF tokens.
pub const PRE_LOGIN_COOKIE: &str = "tiketi_pre";
/// A signed pending login: the password was right, the two-step code is still due.
pub const PENDING_LOGIN_COOKIE: &str = "tiketi_login";
/// The form field that carries the CSRF token.
pub const CSRF_FIELD: &str = "csrf";
/// Forms are small; a batch form or settings page is well under this.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// A logged-in user (owner or agent), with the CSRF token for the forms of their pages.
#[derive(Debug, Clone)]
pub struct Auth {
    pub who: Authenticated,
    pub csrf: String,
}

impl Auth {
    pub fn operator_id(&self) -> &str {
        &self.who.operator.id
    }

    pub fn is_owner(&self) -> bool {
        self.who.user.is_owner()
    }
}

/// A logged-in owner; agents get `Forbidden`.
#[derive(Debug, Clone)]
pub struct Owner(pub Auth);

impl<P: Platform> FromRequestParts<PortalState<P>> for Auth {
    type Rejection = PortalError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &PortalState<P>,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let session = jar
            .get(SESSION_COOKIE)
            .and_then(|c| state.key.open_session_cookie(c.value()))
            .ok_or(PortalError::from(ServiceError::Unauthorized))?;
        let who = state
            .tiketi
            .authenticate_session(&session.operator_id, &session.user_id, &session.session_id)
            .await?;
        let Some(session_id) = who.session().map(|s| s.id.clone()) else {
            return Err(ServiceError::Unauthorized.into());
        };
        let csrf = state.key.csrf_token(&session_id);
        Ok(Self { who, csrf })
    }
}

impl<P: Platform> FromRequestParts<PortalState<P>> for Owner {
    type Rejection = PortalError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &PortalState<P>,
    ) -> Result<Self, Self::Rejection> {
        let auth = Auth::from_request_parts(parts, state).await?;
        if auth.is_owner() {
            Ok(Self(auth))
        } else {
            Err(ServiceError::Forbidden.into())
        }
    }
}

/// The cookie that logs a browser in.
pub fn session_cookie<P: Platform>(state: &PortalState<P>, session: &Session) -> Cookie<'static> {
    let max_age = session.expires_at.duration_since(session.created_at);
    Cookie::build((SESSION_COOKIE, state.key.session_cookie(session)))
        .path("/portal")
        .http_only(true)
        .secure(state.secure_cookies)
        .same_site(SameSite::Lax)
        .max_age(cookie_duration(max_age.as_secs()))
        .build()
}

/// The cookie that carries a login to its code page (no session: [`Auth`] ignores it).
pub fn pending_login_cookie<P: Platform>(
    state: &PortalState<P>,
    pending: &PendingLogin,
) -> Cookie<'static> {
    let max_age = pending.expires_at.duration_since(state.tiketi.clock.now());
    Cookie::build((
        PENDING_LOGIN_COOKIE,
        state.key.pending_login_cookie(pending),
    ))
    .path("/portal")
    .http_only(true)
    .secure(state.secure_cookies)
    .same_site(SameSite::Lax)
    .max_age(cookie_duration(max_age.as_secs().max(0)))
    .build()
}

/// The browser's pending login, if its cookie is ours and unexpired.
pub fn pending_login<P: Platform>(state: &PortalState<P>, jar: &CookieJar) -> Option<PendingLogin> {
    jar.get(PENDING_LOGIN_COOKIE)
        .and_then(|c| state.key.open_pending_login_cookie(c.value()))
        .filter(|p| p.expires_at > state.tiketi.clock.now())
}

fn cookie_duration(seconds: i64) -> cookie::time::Duration {
    cookie::time::Duration::seconds(seconds)
}

/// Removes the session cookie (logout).
pub fn removal(name: &'static str) -> Cookie<'static> {
    Cookie::build((name, ""))
        .path("/portal")
        .max_age(cookie_duration(0))
        .build()
}

/// The pre-login cookie of a login or sign-up page (kept if present) and its CSRF token.
pub fn pre_login<P: Platform>(state: &PortalState<P>, jar: CookieJar) -> (CookieJar, String) {
    let nonce = jar
        .get(PRE_LOGIN_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() == 32)
        .unwrap_or_else(|| hex::encode(rand::random::<[u8; 16]>()));
    let csrf = state.key.csrf_token(&nonce);
    let cookie = Cookie::build((PRE_LOGIN_COOKIE, nonce))
        .path("/portal")
        .http_only(true)
        .secure(state.secure_cookies)
        .same_site(SameSite::Lax)
        .max_age(cookie_duration(3600 * 24))
        .build();
    (jar.add(cookie), csrf)
}

/// Refuses a POST to the portal whose form does not carry the CSRF token of the browser's
/// session (or, before login, of its pre-login cookie). One layer for every route, so no
/// handler can forget it. The REST API (`/api/`, bearer tokens, no cookies) is not behind it.
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
        .get(SESSION_COOKIE)
        .and_then(|c| state.key.open_session_cookie(c.value()))
        .map(|s| s.session_id)
        .or_else(|| jar.get(PRE_LOGIN_COOKIE).map(|c| c.value().to_owned()));
    match checked_form(&state.key, binding, request).await {
        Ok(request) => next.run(request).await,
        Err(FormRefusal::TooLarge) => {
            PortalError::from(ServiceError::Invalid("the form is too large".into())).into_response()
        }
        Err(FormRefusal::Csrf) => PortalError::csrf().into_response(),
    }
}

/// Why a form was not let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormRefusal {
    TooLarge,
    /// No CSRF token, or not the one of `binding` (a session or pre-login cookie's value).
    Csrf,
}

/// Reads a POST's form and checks its CSRF token against `binding`; the request (its body
/// put back) when it holds. The portal's and the console's CSRF layers both use it.
pub async fn checked_form(
    key: &super::cookie::CookieKey,
    binding: Option<String>,
    request: Request,
) -> Result<Request, FormRefusal> {
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| FormRefusal::TooLarge)?;
    let token = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == CSRF_FIELD))
        .map(|(_, v)| v);
    let valid = match (binding, token) {
        (Some(binding), Some(token)) => key.check_csrf(&binding, &token),
        _ => false,
    };
    if !valid {
        tracing::warn!(path = %parts.uri.path(), "form refused: missing or wrong CSRF token");
        return Err(FormRefusal::Csrf);
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}
