//! The REST API (`/api/v1`), served by the `portal` function and the local host: JSON for
//! programs acting for one operator, authenticated by the API tokens its owner creates in the
//! portal (**Settings → API tokens**), `Authorization: Bearer tkt.<...>`.
//!
//! - `extract`: the caller (token and scope, checked once for every route), body and query;
//! - `error`: every failure as `{"error": {"code", "message"}}`, mapped in one place;
//! - `views`: the JSON shapes; `openapi.yaml` describes them and every route, and is served at
//!   `/api/v1/openapi.yaml` (`tests/tests/api.rs` checks it against the routes and validates
//!   responses against its schemas);
//! - `ticket_types`, `vouchers` (and batches), `routers`, `sales` (orders, reports, customers).
//!
//! Tenant isolation is the portal's: the operator comes from the token, never from the URL,
//! and ids in the URL are looked up under it, so another operator's ids are `404`.

mod error;
mod extract;
mod routers;
mod sales;
mod ticket_types;
mod views;
mod vouchers;

use axum::{
    Router,
    http::{HeaderValue, StatusCode, header},
    middleware,
    response::{IntoResponse, Response},
    routing::{any, get},
};
use tiketi_core::services::Platform;

pub use self::error::ApiError;
use super::AppState;

/// The OpenAPI 3.1 document of this API.
pub const OPENAPI_YAML: &str = include_str!("openapi.yaml");

pub fn router<P: Platform>(state: AppState<P>) -> Router {
    Router::new()
        .merge(ticket_types::routes())
        .merge(vouchers::routes())
        .merge(routers::routes())
        .merge(sales::routes())
        .route("/api/v1/openapi.yaml", get(openapi))
        .route("/api/v1", any(unknown_route))
        .route("/api/v1/{*rest}", any(unknown_route))
        .layer(middleware::map_response(json_method_not_allowed))
        .with_state(state)
}

async fn openapi() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/yaml; charset=utf-8"),
        )],
        OPENAPI_YAML,
    )
        .into_response()
}

async fn unknown_route() -> ApiError {
    ApiError::RouteNotFound
}

/// axum answers a known path with the wrong method by an empty `405`; the API's callers get
/// the API's error body instead.
async fn json_method_not_allowed(response: Response) -> Response {
    if response.status() != StatusCode::METHOD_NOT_ALLOWED {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    let mut answer = ApiError::MethodNotAllowed.into_response();
    if let Some(allow) = allow {
        answer.headers_mut().insert(header::ALLOW, allow);
    }
    answer
}
