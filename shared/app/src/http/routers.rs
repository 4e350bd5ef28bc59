//! What routers call (Lambda `rsc`), as `docs/routers.md` describes:
//! - `POST /routers/{operator}/{router}/sync`: one run of `tiketi-sync`, the (last page of
//!   the) usage report in, the changes the router should import out;
//! - `POST /routers/{operator}/{router}/report`: a page of a report (the pages before the last
//!   of a big router's run, and routers set up before `…/sync` existed);
//! - `GET /routers/{operator}/{router}/sync.rsc`: the changes, for routers set up before
//!   `…/sync` existed;
//! - `GET /routers/{operator}/{router}/login.html`: its hotspot login page.
//!
//! Routers authenticate with their secret in the `X-Tiketi-Router-Secret` header; answers are
//! plain text, which is all RouterOS's fetch shows.

use axum::{
    Router,
    body::Bytes,
    extract::{DefaultBodyLimit, Path, Query, State},
    http::{HeaderMap, StatusCode},
    routing::{get, post},
};
use serde::Deserialize;
use tiketi_core::{
    domain::router_secret::HEADER,
    services::{Platform, ServiceError, Tiketi, routers::ReportPage},
};

use super::{AppState, PageError, valid_id};

/// `?page=<n>&last=<0|1>` of a paged report; absent: the report is whole.
#[derive(Debug, Deserialize)]
pub struct PageParams {
    #[serde(default = "first_page")]
    page: u32,
    #[serde(default = "one")]
    last: u8,
}

fn first_page() -> u32 {
    1
}

fn one() -> u8 {
    1
}

impl From<PageParams> for ReportPage {
    fn from(p: PageParams) -> Self {
        Self {
            number: p.page,
            last: p.last != 0,
        }
    }
}

/// RouterOS's `http-data` is at most 64 KiB.
const MAX_REPORT_BYTES: usize = 64 * 1024;

pub fn router<P: Platform>(state: AppState<P>) -> Router {
    Router::new()
        .route("/routers/{operator}/{router}/sync", post(sync_run::<P>))
        .route("/routers/{operator}/{router}/report", post(report::<P>))
        .route("/routers/{operator}/{router}/sync.rsc", get(sync::<P>))
        .route(
            "/routers/{operator}/{router}/login.html",
            get(login_page::<P>),
        )
        .layer(DefaultBodyLimit::max(MAX_REPORT_BYTES))
        .with_state(state)
}

/// A router-facing failure, as plain text with the status of the one mapping in `error.rs`.
fn text_error(error: &ServiceError) -> (StatusCode, String) {
    match error {
        // Unknown and wrong routers look alike: a caller learns nothing about which exist.
        ServiceError::Unauthorized | ServiceError::NotFound(_) => {
            (StatusCode::UNAUTHORIZED, "unauthorized".into())
        }
        other => {
            let (status, _) = PageError::status_and_text(other);
            if status.is_server_error() {
                tracing::error!(error = %other, "router request failed");
                (status, "error: try again later".into())
            } else {
                (status, format!("error: {other}"))
            }
        }
    }
}

/// A text answer, or the failure's.
fn text_answer(result: Result<String, ServiceError>) -> (StatusCode, String) {
    match result {
        Ok(text) => (StatusCode::OK, text),
        Err(error) => text_error(&error),
    }
}

/// The router named in the path, if the request carries its current secret.
async fn authenticate<P: Platform>(
    tiketi: &Tiketi<P>,
    operator_id: &str,
    router_id: &str,
    headers: &HeaderMap,
) -> Result<tiketi_core::domain::catalog::Router, ServiceError> {
    if !valid_id(operator_id) || !valid_id(router_id) {
        return Err(ServiceError::Unauthorized);
    }
    let presented = headers
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    tiketi
        .authenticate_router(operator_id, router_id, presented)
        .await
}

async fn report<P: Platform>(
    State(AppState(tiketi)): State<AppState<P>>,
    Path((operator_id, router_id)): Path<(String, String)>,
    Query(page): Query<PageParams>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let result = async {
        let router = authenticate(&tiketi, &operator_id, &router_id, &headers).await?;
        let body = std::str::from_utf8(&body)
            .map_err(|_| ServiceError::Invalid("report is not UTF-8 text".into()))?;
        tiketi.record_usage(&router, body, page.into()).await
    };
    text_answer(result.await.map(|outcome| {
        format!(
            "ok users={} updated={} ignored={}",
            outcome.users,
            outcome.updated,
            outcome.foreign + outcome.unreadable_lines
        )
    }))
}

async fn sync_run<P: Platform>(
    State(AppState(tiketi)): State<AppState<P>>,
    Path((operator_id, router_id)): Path<(String, String)>,
    Query(page): Query<PageParams>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let result = async {
        let router = authenticate(&tiketi, &operator_id, &router_id, &headers).await?;
        let body = std::str::from_utf8(&body)
            .map_err(|_| ServiceError::Invalid("report is not UTF-8 text".into()))?;
        tiketi.sync_run(&router, body, page.into()).await
    };
    text_answer(result.await.map(|(_, script)| script))
}

async fn sync<P: Platform>(
    State(AppState(tiketi)): State<AppState<P>>,
    Path((operator_id, router_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> (StatusCode, String) {
    let result = async {
        let router = authenticate(&tiketi, &operator_id, &router_id, &headers).await?;
        tiketi.sync_plan(&router).await
    };
    text_answer(result.await.map(|plan| plan.script()))
}

/// The hotspot login page the setup script downloads (with the router's secret).
async fn login_page<P: Platform>(
    State(AppState(tiketi)): State<AppState<P>>,
    Path((operator_id, router_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> (StatusCode, String) {
    let result = async {
        let router = authenticate(&tiketi, &operator_id, &router_id, &headers).await?;
        tiketi.router_login_page(&router).await
    };
    text_answer(result.await)
}
