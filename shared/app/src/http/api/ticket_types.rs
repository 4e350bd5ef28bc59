//! Ticket types:
//! - `GET  /api/v1/ticket-types`               every ticket type (archived ones too)
//! - `POST /api/v1/ticket-types`               create one (`201`)
//! - `GET  /api/v1/ticket-types/{id}`
//! - `PUT  /api/v1/ticket-types/{id}`          replace what it sells (audited; vouchers already
//!   made keep their terms)
//! - `POST /api/v1/ticket-types/{id}/archive`  stop selling it
//! - `POST /api/v1/ticket-types/{id}/restore`

use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    routing::{get, post},
};
use serde::Deserialize;
use tiketi_core::{
    domain::{catalog::Allowance, money::Money},
    services::{Platform, ServiceError, catalog::TicketTypeDraft},
};

use super::{
    error::ApiError,
    extract::{Body, Caller, require_id},
    views::{List, TicketTypeView},
};
use crate::http::AppState;

pub fn routes<P: Platform>() -> Router<AppState<P>> {
    Router::new()
        .route("/api/v1/ticket-types", get(list::<P>).post(create::<P>))
        .route("/api/v1/ticket-types/{id}", get(show::<P>).put(update::<P>))
        .route("/api/v1/ticket-types/{id}/archive", post(archive::<P>))
        .route("/api/v1/ticket-types/{id}/restore", post(restore::<P>))
}

/// A ticket type as a program sends it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketTypeInput {
    name: String,
    /// `time` or `data`.
    kind: String,
    #[serde(default)]
    time_seconds: Option<u64>,
    #[serde(default)]
    data_bytes: Option<u64>,
    price_minor: i64,
    validity_seconds: u64,
    #[serde(default)]
    rate_limit: Option<String>,
    #[serde(default = "one")]
    shared_users: u32,
    #[serde(default)]
    router_ids: Vec<String>,
    #[serde(default = "yes")]
    on_checkout: bool,
    #[serde(default)]
    sort_order: u32,
    /// Data tickets: the rate limit once the quota is used; `null` cuts off.
    #[serde(default)]
    fair_usage_rate_limit: Option<String>,
}

fn one() -> u32 {
    1
}

fn yes() -> bool {
    true
}

impl TicketTypeInput {
    fn draft(self) -> Result<TicketTypeDraft, ServiceError> {
        let invalid = |text: &str| ServiceError::Invalid(text.into());
        let allowance = match (self.kind.as_str(), self.time_seconds, self.data_bytes) {
            ("time", Some(seconds), None) => Allowance::Time { seconds },
            ("data", None, Some(bytes)) => Allowance::Data { bytes },
            ("time", _, _) => return Err(invalid("a time ticket gives time_seconds only")),
            ("data", _, _) => return Err(invalid("a data ticket gives data_bytes only")),
            _ => return Err(invalid("kind is time or data")),
        };
        Ok(TicketTypeDraft {
            name: self.name,
            allowance,
            price: Money(self.price_minor),
            validity_seconds: self.validity_seconds,
            rate_limit: self.rate_limit,
            shared_users: self.shared_users,
            router_ids: self.router_ids,
            on_checkout: self.on_checkout,
            sort_order: self.sort_order,
            fair_usage: self.fair_usage_rate_limit,
        })
    }
}

async fn list<P: Platform>(
    State(state): State<AppState<P>>,
    Caller(who): Caller,
) -> Result<Json<List<TicketTypeView>>, ApiError> {
    let currency = &who.operator.currency;
    let tickets = state.0.store.ticket_types(&who.operator.id).await?;
    Ok(Json(List::all(
        tickets
            .into_iter()
            .map(|t| TicketTypeView::new(t, currency))
            .collect(),
    )))
}

async fn create<P: Platform>(
    State(state): State<AppState<P>>,
    Caller(who): Caller,
    Body(input): Body<TicketTypeInput>,
) -> Result<(StatusCode, Json<TicketTypeView>), ApiError> {
    let ticket = state
        .0
        .save_ticket_type(&who, None, &input.draft()?)
        .await?;
    let view = TicketTypeView::new(ticket, &who.operator.currency);
    Ok((StatusCode::CREATED, Json(view)))
}

async fn show<P: Platform>(
    State(state): State<AppState<P>>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<TicketTypeView>, ApiError> {
    require_id(&id, "ticket type")?;
    let ticket = state
        .0
        .store
        .ticket_type(&who.operator.id, &id)
        .await?
        .ok_or(ServiceError::NotFound("ticket type"))?;
    Ok(Json(TicketTypeView::new(ticket, &who.operator.currency)))
}

async fn update<P: Platform>(
    State(state): State<AppState<P>>,
    Caller(who): Caller,
    Path(id): Path<String>,
    Body(input): Body<TicketTypeInput>,
) -> Result<Json<TicketTypeView>, ApiError> {
    require_id(&id, "ticket type")?;
    let ticket = state
        .0
        .save_ticket_type(&who, Some(&id), &input.draft()?)
        .await?;
    Ok(Json(TicketTypeView::new(ticket, &who.operator.currency)))
}

async fn set_archived<P: Platform>(
    state: &AppState<P>,
    who: &tiketi_core::services::accounts::Authenticated,
    id: &str,
    archived: bool,
) -> Result<Json<TicketTypeView>, ApiError> {
    require_id(id, "ticket type")?;
    let ticket = state.0.set_ticket_type_archived(who, id, archived).await?;
    Ok(Json(TicketTypeView::new(ticket, &who.operator.currency)))
}

async fn archive<P: Platform>(
    State(state): State<AppState<P>>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<TicketTypeView>, ApiError> {
    set_archived(&state, &who, &id, true).await
}

async fn restore<P: Platform>(
    State(state): State<AppState<P>>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<TicketTypeView>, ApiError> {
    set_archived(&state, &who, &id, false).await
}
