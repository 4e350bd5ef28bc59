//! `GET /portal`: the home page. Owners see the business: vouchers by status, revenue today,
//! this week and this month, a revenue chart (`?chart=daily|weekly|monthly`) and sales by
//! ticket type, drawn server-side as SVG, and the latest vouchers and sales. Agents see their
//! own stock, sales and what they hold for the owner, nothing else.
//!
//! Everything comes from counters (per-status voucher counts, per-day sales counters): the
//! page costs the same with a million sales as with ten.

use std::collections::HashMap;

use axum::{
    Router,
    extract::{Query, State},
    response::Html,
    routing::get,
};
use jiff::{ToSpan, civil::Date};
use serde::Deserialize;
use serde_json::{Value, json};
use tiketi_core::{
    domain::{ledger::DimensionKind, money::Money, voucher::VoucherStatus},
    services::{
        Platform, ServiceError,
        reports::{Granularity, PeriodFigures},
        vouchers::VoucherSearch,
    },
    store::{DayTotals, POOL_COUNT},
};
use tiketi_render::{Bar, ChartSpec, bar_chart_svg, horizontal_bar_chart_svg};

use super::{PortalError, PortalState, auth::Auth, local_time, page, vouchers};

pub fn routes<P: Platform>() -> Router<PortalState<P>> {
    Router::new().route("/portal", get(dashboard::<P>))
}

#[derive(Debug, Default, Deserialize)]
pub struct ChartQuery {
    #[serde(default)]
    chart: String,
}

async fn dashboard<P: Platform>(
    State(state): State<PortalState<P>>,
    auth: Auth,
    Query(query): Query<ChartQuery>,
) -> Result<Html<String>, PortalError> {
    let values = match auth.is_owner() {
        true => owner_home(&state, &auth, Granularity::parse(&query.chart)).await?,
        false => agent_home(&state, &auth).await?,
    };
    let template = match auth.is_owner() {
        true => "portal/dashboard.html",
        false => "portal/agent_home.html",
    };
    Ok(page(template, &auth, values))
}

fn money(auth: &Auth, minor: i64) -> String {
    Money(minor).display(&auth.who.operator.currency)
}

fn card(auth: &Auth, totals: &DayTotals) -> Value {
    json!({ "count": totals.net_count(), "revenue": money(auth, totals.gross_minor()) })
}

fn days_ago(day: Date, days: i64) -> Result<Date, ServiceError> {
    day.checked_sub(days.days())
        .map_err(|e| ServiceError::Invalid(e.to_string()))
}

async fn owner_home<P: Platform>(
    state: &PortalState<P>,
    auth: &Auth,
    chart: Granularity,
) -> Result<Value, PortalError> {
    let tiketi = &state.tiketi;
    let operator = &auth.who.operator;
    let op = &operator.id;
    let today = tiketi.business_today(&operator.time_zone)?;
    let week_start = Granularity::Week.start_of(today);
    let month_start = Granularity::Month.start_of(today);
    let days = tiketi
        .periods(op, Granularity::Day, week_start.min(month_start), today)
        .await?;
    let since = |first: Date| {
        days.iter()
            .filter(|d| d.start >= first)
            .fold(DayTotals::default(), |mut acc, d| {
                acc.add(&d.totals);
                acc
            })
    };
    let counts = tiketi.store.voucher_counts(op).await?;
    let count = |s: VoucherStatus| counts.get(s.as_str()).copied().unwrap_or(0);
    // Unsold pool vouchers are the routers' float for online sales, not stock: shown apart.
    let pooled = counts.get(POOL_COUNT).copied().unwrap_or(0);
    let total: i64 = counts.values().sum::<i64>() - pooled;

    let chart_from = match chart {
        Granularity::Day => days_ago(today, 29)?,
        Granularity::Week => days_ago(Granularity::Week.start_of(today), 7 * 11)?,
        Granularity::Month => {
            let first = Granularity::Month.start_of(today);
            first
                .checked_sub(11.months())
                .map_err(|e| ServiceError::Invalid(e.to_string()))?
        }
    };
    let periods = tiketi.periods(op, chart, chart_from, today).await?;
    let revenue_chart = revenue_svg(auth, chart, &periods);

    let month_ago = days_ago(today, 29)?;
    let by_ticket = tiketi
        .breakdown(op, DimensionKind::TicketType, month_ago, today)
        .await?;
    let names: HashMap<String, String> = tiketi
        .store
        .ticket_types(op)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let ticket_bars: Vec<Bar> = by_ticket
        .iter()
        .take(8)
        .map(|b| Bar {
            label: names
                .get(&b.value)
                .cloned()
                .unwrap_or_else(|| b.value.clone()),
            value: b.totals.net_count(),
        })
        .collect();
    let ticket_chart = horizontal_bar_chart_svg(&ChartSpec {
        title: "Vouchers sold by ticket type, last 30 days",
        bars: &ticket_bars,
        format_value: &|n| n.to_string(),
        width: 640,
        height: 60 + 36 * u32::try_from(ticket_bars.len().max(1)).unwrap_or(8),
    });

    let latest = tiketi
        .search_vouchers(
            operator,
            &VoucherSearch::Listing {
                status: None,
                from: None,
                to: None,
            },
            None,
            5,
        )
        .await?;
    let recent_vouchers: Vec<Value> = latest
        .items
        .iter()
        .map(|v| vouchers::row(v, auth))
        .collect();
    let mut sales = tiketi
        .store
        .latest_sales_of_day(op, &today.to_string(), 8)
        .await?;
    if sales.len() < 8 {
        let yesterday = days_ago(today, 1)?.to_string();
        sales.extend(
            tiketi
                .store
                .latest_sales_of_day(op, &yesterday, 8 - sales.len())
                .await?,
        );
    }
    let recent_sales: Vec<Value> = sales
        .iter()
        .map(|s| {
            json!({ "at": local_time(s.sold_at, &operator.time_zone), "code": s.voucher_code,
            "ticket": s.ticket_name, "amount": money(auth, s.amount.minor()),
            "channel": s.channel.label(), "seller": s.seller.as_ref().map(|a| &a.name) })
        })
        .collect();
    let routers = tiketi.store.routers(op).await?.len();
    let unmatched = tiketi
        .unmatched_payments(op)
        .await?
        .iter()
        .filter(|p| p.resolution.is_none())
        .count();
    let reminder = tiketi.billing_reminder(&auth.who.operator).await?.map(|r| {
        json!({
            "label": r.invoice.label(), "amount": r.invoice.amount.display(&r.invoice.currency),
            "due": local_time(r.invoice.due_at, &operator.time_zone),
            "status": r.status.as_str(),
        })
    });
    Ok(json!({
        "unmatched": unmatched,
        "reminder": reminder,
        "section": "dashboard",
        "today": card(auth, &since(today)), "week": card(auth, &since(week_start)),
        "month": card(auth, &since(month_start)),
        "vouchers": { "total": total, "unused": count(VoucherStatus::Unused), "pooled": pooled,
            "active": count(VoucherStatus::Active), "expired": count(VoucherStatus::Expired),
            "used_up": count(VoucherStatus::UsedUp) },
        "chart": chart.as_str(), "revenue_chart": revenue_chart, "ticket_chart": ticket_chart,
        "recent_vouchers": recent_vouchers, "recent_sales": recent_sales,
        "routers": routers, "ticket_types": names.len(),
    }))
}

fn revenue_svg(auth: &Auth, chart: Granularity, periods: &[PeriodFigures]) -> String {
    let bars: Vec<Bar> = periods
        .iter()
        .map(|p| Bar {
            label: match chart {
                Granularity::Day => p.start.strftime("%d %b").to_string(),
                Granularity::Week => format!("wk {}", p.start.strftime("%d %b")),
                Granularity::Month => p.start.strftime("%b %Y").to_string(),
            },
            value: p.totals.gross_minor(),
        })
        .collect();
    let title = match chart {
        Granularity::Day => "Revenue per day, last 30 days",
        Granularity::Week => "Revenue per week, last 12 weeks",
        Granularity::Month => "Revenue per month, last 12 months",
    };
    let currency = auth.who.operator.currency.clone();
    bar_chart_svg(&ChartSpec {
        title,
        bars: &bars,
        format_value: &move |minor| Money(minor).display(&currency),
        width: 720,
        height: 320,
    })
}

async fn agent_home<P: Platform>(
    state: &PortalState<P>,
    auth: &Auth,
) -> Result<Value, PortalError> {
    let tiketi = &state.tiketi;
    let operator = &auth.who.operator;
    let me = &auth.who.user;
    let balance = tiketi.store.agent_balance(&operator.id, &me.id).await?;
    let stock: Vec<Value> = tiketi
        .store
        .batches(&operator.id, 500)
        .await?
        .iter()
        .filter(|b| b.agent.as_ref().is_some_and(|a| a.user_id == me.id))
        .map(|b| {
            json!({ "ticket": b.terms.name, "price": b.terms.price.display(&operator.currency),
            "quantity": b.generated, "sold": b.sold, "left": b.generated.saturating_sub(b.sold),
            "status": b.status, "created": local_time(b.created_at, &operator.time_zone) })
        })
        .collect();
    let sales: Vec<Value> = tiketi
        .store
        .agent_sales(&operator.id, &me.id, 20)
        .await?
        .iter()
        .map(|s| {
            json!({ "at": local_time(s.sold_at, &operator.time_zone), "code": s.voucher_code,
            "ticket": s.ticket_name, "amount": money(auth, s.amount.minor()),
            "commission": money(auth, s.commission.minor()) })
        })
        .collect();
    Ok(json!({
        "section": "dashboard", "stock": stock, "sales": sales,
        "balance": { "sales": balance.sales, "collected": money(auth, balance.collected.minor()),
            "earned": money(auth, balance.commission.minor()), "settled": money(auth, balance.settled.minor()),
            "owed": money(auth, balance.owed().minor()) },
    }))
}
