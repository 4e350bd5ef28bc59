//! What each HTTP Lambda function serves: the one place that decides which routes go to which
//! function. Each function's `main` serves exactly its router from here, the local host merges
//! them all on one port, and the route parity test (`tests/tests/cloud.rs`) checks them against
//! `template.yaml`'s routes, so a route added here without its template route fails a test.

use std::sync::Arc;

use axum::{Router, middleware};
use tiketi_core::services::{Platform, Tiketi};

use super::{
    AppState, admin, api, balance, checkout as checkout_pages, health_router, ipn, landing,
    portal as pages, routers,
};

/// Every function's answers carry the same security headers (`http::security_headers`).
fn secured<P: Platform>(router: Router, tiketi: &Tiketi<P>) -> Router {
    let https = tiketi.settings.public_base_url.starts_with("https://");
    router.layer(middleware::from_fn_with_state(
        https,
        super::security_headers,
    ))
}

/// `checkout`: the captive-portal checkout, the order pages (Pesapal's callback), voucher
/// recovery, the balance page, and `/health`.
pub fn checkout<P: Platform>(tiketi: Arc<Tiketi<P>>) -> Router {
    let router = checkout_pages::router(AppState(Arc::clone(&tiketi)))
        .merge(balance::router(AppState(Arc::clone(&tiketi))))
        .merge(health_router());
    secured(router, &tiketi)
}

/// `pesapal-ipn`: Pesapal's IPN webhook.
pub fn pesapal_ipn<P: Platform>(tiketi: Arc<Tiketi<P>>) -> Router {
    secured(ipn::router(AppState(Arc::clone(&tiketi))), &tiketi)
}

/// `rsc`: what MikroTik routers call (usage reports, sync scripts, their login page).
pub fn rsc<P: Platform>(tiketi: Arc<Tiketi<P>>) -> Router {
    secured(routers::router(AppState(Arc::clone(&tiketi))), &tiketi)
}

/// `portal`: the operator portal's pages, the platform administrator's console (`/admin`),
/// the product's home page (`/`), and the 404 page of every path no route takes: on AWS the
/// template routes `/`, `/admin`, and its catch-all `/{proxy+}` here. The only function with a
/// fallback: the local host merges every function's router, and axum refuses to merge two
/// fallbacks.
pub fn portal<P: Platform>(tiketi: Arc<Tiketi<P>>, key: pages::cookie::CookieKey) -> Router {
    let state = pages::PortalState::new(Arc::clone(&tiketi), key);
    let router = pages::router(state.clone())
        .merge(admin::router(state))
        .merge(landing::router(AppState(Arc::clone(&tiketi))))
        .fallback(landing::not_found);
    secured(router, &tiketi)
}

/// `api`: the REST API for operators' programs (its own function: token callers, no session
/// key, and the portal's package stays small).
pub fn api<P: Platform>(tiketi: Arc<Tiketi<P>>) -> Router {
    secured(api::router(AppState(Arc::clone(&tiketi))), &tiketi)
}
