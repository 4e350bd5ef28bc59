//! Routers (read-only; set up in the portal):
//! - `GET /api/v1/routers`        the operator's routers and when each last reported
//! - `GET /api/v1/routers/{id}`

use axum::{
    Json, Router,
    extract::{Path, State},
    routing::get,
};
use tiketi_core::{
    domain::catalog::Router as Site,
    services::{Platform, ServiceError, Tiketi},
};

use super::{
    error::ApiError,
    extract::{Caller, require_id},
    views::{List, RouterView},
};
use crate::http::AppState;

pub fn routes<P: Platform>() -> Router<AppState<P>> {
    Router::new()
        .route("/api/v1/routers", get(list::<P>))
        .route("/api/v1/routers/{id}", get(show::<P>))
}

async fn view<P: Platform>(tiketi: &Tiketi<P>, router: Site) -> Result<RouterView, ApiError> {
    let inventory = tiketi
        .store
        .router_inventory(&router.operator_id, &router.id)
        .await?;
    Ok(RouterView::new(
        router,
        inventory.and_then(|i| i.last_report()),
    ))
}

async fn list<P: Platform>(
    State(state): State<AppState<P>>,
    Caller(who): Caller,
) -> Result<Json<List<RouterView>>, ApiError> {
    let mut views = Vec::new();
    for router in state.0.store.routers(&who.operator.id).await? {
        views.push(view(&state.0, router).await?);
    }
    Ok(Json(List::all(views)))
}

async fn show<P: Platform>(
    State(state): State<AppState<P>>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<RouterView>, ApiError> {
    require_id(&id, "router")?;
    let router = state
        .0
        .store
        .router(&who.operator.id, &id)
        .await?
        .ok_or(ServiceError::NotFound("router"))?;
    Ok(Json(view(&state.0, router).await?))
}
