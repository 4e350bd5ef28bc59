//! `GET /portal`: the home page: revenue today, this week and this month, and quick actions.

use axum::{Router, extract::State, response::Html, routing::get};
use serde_json::json;
use tiketi_core::{
    domain::money::Money,
    services::{Platform, reports},
};

use super::{PortalError, PortalState, auth::Auth, page};

pub fn routes<P: Platform>() -> Router<PortalState<P>> {
    Router::new().route("/portal", get(dashboard::<P>))
}

async fn dashboard<P: Platform>(
    State(state): State<PortalState<P>>,
    auth: Auth,
) -> Result<Html<String>, PortalError> {
    let operator = &auth.who.operator;
    let days = state
        .tiketi
        .recent_days(&operator.id, &operator.time_zone, 30)
        .await?;
    let money = |minor: i64| Money(minor).display(&operator.currency);
    let card = |days: &[reports::DayFigures]| {
        let totals = reports::sum(days);
        json!({
            "count": totals.count - totals.reversed_count,
            "revenue": money(totals.amount_minor - totals.reversed_minor),
        })
    };
    let today = card(&days[days.len() - 1..]);
    let week = card(&days[days.len() - 7..]);
    let month = card(&days);
    let routers = state.tiketi.store.routers(&operator.id).await?.len();
    let ticket_types = state.tiketi.store.ticket_types(&operator.id).await?.len();
    Ok(page(
        "portal/dashboard.html",
        &auth,
        json!({
            "section": "dashboard", "today": today, "week": week, "month": month,
            "routers": routers, "ticket_types": ticket_types,
        }),
    ))
}
