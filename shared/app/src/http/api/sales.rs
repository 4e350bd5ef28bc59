//! Orders, sales reports and customers (read-only):
//! - `GET /api/v1/orders`               checkout orders, newest first (`status` to filter)
//! - `GET /api/v1/orders/{id}`          one order with what Pesapal said about it
//! - `GET /api/v1/reports/sales`        revenue from `from` to `to` (days), `by` day, week or
//!   month, and per ticket type, router, seller and channel; read from the per-day counters
//! - `GET /api/v1/customers`            buyers, most recent first
//! - `GET /api/v1/customers/{phone}`    one buyer, their totals and purchase history

use std::collections::HashMap;

use axum::{
    Json, Router,
    extract::{Path, State},
    routing::get,
};
use serde::Deserialize;
use tiketi_core::{
    domain::{ledger::DimensionKind, order::OrderStatus},
    services::{Platform, ServiceError, reports::Granularity},
    store::DayTotals,
};

use super::{
    error::ApiError,
    extract::{Caller, PageQuery, Params, default_limit},
    views::{
        CustomerDetailView, CustomerView, FiguresView, GroupView, List, OrderDetailView, OrderView,
        PeriodView, PurchaseView, SalesReportView,
    },
};
use crate::http::AppState;

pub fn routes<P: Platform>() -> Router<AppState<P>> {
    Router::new()
        .route("/api/v1/orders", get(orders::<P>))
        .route("/api/v1/orders/{id}", get(order::<P>))
        .route("/api/v1/reports/sales", get(sales_report::<P>))
        .route("/api/v1/customers", get(customers::<P>))
        .route("/api/v1/customers/{phone}", get(customer::<P>))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default = "default_limit")]
    limit: usize,
}

async fn orders<P: Platform>(
    State(state): State<AppState<P>>,
    Caller(who): Caller,
    Params(query): Params<OrderQuery>,
) -> Result<Json<List<OrderView>>, ApiError> {
    let status = match query.status.as_deref() {
        None => None,
        Some(text) => Some(OrderStatus::parse(text).ok_or_else(|| {
            ServiceError::Invalid("status is pending, paid, fulfilled, failed or reversed".into())
        })?),
    };
    let page = state
        .0
        .orders(
            &who.operator.id,
            status,
            query.cursor.as_deref(),
            query.limit,
        )
        .await?;
    Ok(Json(List::of(page, OrderView::from)))
}

async fn order<P: Platform>(
    State(state): State<AppState<P>>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<OrderDetailView>, ApiError> {
    super::extract::require_id(&id, "order")?;
    let (order, events) = state.0.order_details(&who.operator.id, &id).await?;
    Ok(Json(OrderDetailView {
        order: order.into(),
        payment_events: events.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    by: Option<String>,
}

async fn sales_report<P: Platform>(
    State(state): State<AppState<P>>,
    Caller(who): Caller,
    Params(query): Params<ReportQuery>,
) -> Result<Json<SalesReportView>, ApiError> {
    let tiketi = &state.0;
    let operator = &who.operator;
    let granularity = match query.by.as_deref().unwrap_or("day") {
        "day" => Granularity::Day,
        "week" => Granularity::Week,
        "month" => Granularity::Month,
        _ => return Err(ServiceError::Invalid("by is day, week or month".into()).into()),
    };
    if [&query.from, &query.to]
        .iter()
        .any(|d| d.as_deref() == Some(""))
    {
        return Err(ServiceError::Invalid("from and to are days like 2026-11-25".into()).into());
    }
    let day = |d: &Option<String>| d.clone().unwrap_or_default();
    let (from, to) =
        tiketi.report_range(&operator.time_zone, &day(&query.from), &day(&query.to))?;
    let periods = tiketi.periods(&operator.id, granularity, from, to).await?;
    let total = periods.iter().fold(DayTotals::default(), |mut acc, p| {
        acc.add(&p.totals);
        acc
    });
    let names = tiketi.report_names(&operator.id).await?;
    let mut groups: HashMap<DimensionKind, Vec<GroupView>> = HashMap::new();
    for kind in [
        DimensionKind::TicketType,
        DimensionKind::Router,
        DimensionKind::Seller,
        DimensionKind::Channel,
    ] {
        let rows = tiketi.breakdown(&operator.id, kind, from, to).await?;
        let views = rows
            .into_iter()
            .map(|row| {
                let name = names.get(&row.value).cloned().unwrap_or_default();
                let id = match kind {
                    DimensionKind::Channel => row.value.to_ascii_lowercase(),
                    _ => row.value,
                };
                GroupView {
                    id,
                    name,
                    figures: (&row.totals).into(),
                }
            })
            .collect();
        groups.insert(kind, views);
    }
    let mut take = |kind| groups.remove(&kind).unwrap_or_default();
    Ok(Json(SalesReportView {
        from: from.to_string(),
        to: to.to_string(),
        by: granularity.as_str(),
        currency: operator.currency.clone(),
        total: FiguresView::from(&total),
        periods: periods
            .iter()
            .map(|p| PeriodView {
                start: p.start.to_string(),
                figures: (&p.totals).into(),
            })
            .collect(),
        by_ticket_type: take(DimensionKind::TicketType),
        by_router: take(DimensionKind::Router),
        by_seller: take(DimensionKind::Seller),
        by_channel: take(DimensionKind::Channel),
    }))
}

async fn customers<P: Platform>(
    State(state): State<AppState<P>>,
    Caller(who): Caller,
    Params(query): Params<PageQuery>,
) -> Result<Json<List<CustomerView>>, ApiError> {
    let page = state
        .0
        .customers(&who.operator.id, query.cursor(), query.limit())
        .await?;
    let currency = &who.operator.currency;
    Ok(Json(List::of(page, |c| CustomerView::new(c, currency))))
}

async fn customer<P: Platform>(
    State(state): State<AppState<P>>,
    Caller(who): Caller,
    Path(phone): Path<String>,
    Params(query): Params<PageQuery>,
) -> Result<Json<CustomerDetailView>, ApiError> {
    let found = state
        .0
        .customer_history(&who.operator.id, &phone, query.cursor(), query.limit())
        .await?;
    Ok(Json(CustomerDetailView {
        customer: CustomerView::new(found.customer, &who.operator.currency),
        history: List::of(found.purchases, PurchaseView::from),
    }))
}
