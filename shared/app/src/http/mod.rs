//! The HTTP side: the product's home page, the captive-portal checkout, the Pesapal IPN webhook,
//! the routers' endpoints, the operator portal and the REST API, as axum Routers that serve `lambda_http::run` on AWS,
//! `axum::serve` in the local host, and the tests alike.

pub mod admin;
pub mod api;
mod balance;
pub mod checkout;
mod error;
pub mod functions;
pub mod i18n;
pub mod ipn;
pub mod landing;
mod pages;
pub mod portal;
pub mod routers;

use std::sync::Arc;

use tiketi_core::services::{Platform, Tiketi};

pub use error::PageError;

/// Shared state of the routers.
pub struct AppState<P: Platform>(pub Arc<Tiketi<P>>);

impl<P: Platform> Clone for AppState<P> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

/// The address of the client that sent a request, for rate limits: on AWS the HTTP API's (or
/// function URL's) source IP from the request context, locally the TCP peer; `unknown` when
/// neither is there (a router built for a test). Behind a proxy of its own, a local install
/// sees every client as the proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddress(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        use lambda_http::request::RequestContext;
        if let Some(RequestContext::ApiGatewayV2(context)) =
            parts.extensions.get::<RequestContext>()
            && let Some(ip) = context.http.source_ip.as_deref()
        {
            return Ok(Self(ip.to_owned()));
        }
        if let Some(axum::extract::ConnectInfo(peer)) = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        {
            return Ok(Self(peer.ip().to_string()));
        }
        Ok(Self("unknown".into()))
    }
}

/// The security headers of every answer Tiketi's functions give, set in one place:
/// - `Content-Security-Policy`: Tiketi's pages run no script, load nothing from elsewhere and
///   are never framed (inline styles and inline SVG images are theirs); forms may post
///   elsewhere, because the voucher page's Connect button posts to the router's hotspot;
/// - `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin` (no order or voucher
///   URL leaks to Pesapal or anywhere else);
/// - `Strict-Transport-Security` when served over HTTPS;
/// - `Cache-Control: no-store` on HTML pages that do not say otherwise (vouchers, orders,
///   balances, the portal and console: Back after logging out on a shared PC shows nothing).
pub(crate) async fn security_headers(
    axum::extract::State(https): axum::extract::State<bool>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
             script-src 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    if is_html && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// A count as people read it: `20000` → `20,000`.
pub(crate) fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Only ids made by Tiketi reach the store: letters, digits, `-` and `_`, so a crafted id can
/// never reach into another key (the keys use `#` as separator).
pub(crate) fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A page request naming an id that cannot be Tiketi's is answered "not found" (in `lang`).
pub(crate) fn require_ids(
    ids: &[&str],
    what: &'static str,
    lang: i18n::Lang,
    uri: &axum::http::Uri,
) -> Result<(), PageError> {
    if ids.iter().all(|id| valid_id(id)) {
        Ok(())
    } else {
        Err(PageError::new(
            tiketi_core::services::ServiceError::NotFound(what),
            lang,
            uri,
        ))
    }
}

/// The health check route (served by the `checkout` function, as `template.yaml` routes it).
fn health_router() -> axum::Router {
    axum::Router::new().route("/health", axum::routing::get(|| async { "ok" }))
}
