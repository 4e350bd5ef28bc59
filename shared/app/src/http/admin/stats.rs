//! - `GET /admin`       the platform's figures (day counters; the same cost at any size)
//! - `POST /admin/snapshot` counts the subscriptions now (the scheduled pass does it hourly)
//! - `GET /admin/audit` the platform audit log

use axum::{
    Router,
    extract::State,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use serde_json::json;
use tiketi_core::{domain::money::Money, services::Platform};
use tiketi_render::{Bar, ChartSpec, bar_chart_svg};

use super::{AdminError, auth::Admin, page, utc};
use crate::http::portal::PortalState;

pub fn routes<P: Platform>() -> Router<PortalState<P>> {
    Router::new()
        .route("/admin", get(home::<P>))
        .route("/admin/snapshot", post(snapshot::<P>))
        .route("/admin/audit", get(audit::<P>))
}

fn kes(minor: i64) -> String {
    Money(minor).display("KES")
}

async fn home<P: Platform>(
    State(state): State<PortalState<P>>,
    Admin(who): Admin,
) -> Result<Response, AdminError> {
    let stats = state.tiketi.platform_stats().await?;
    let chart = |title: &str, value: fn(&tiketi_core::store::PlatformDay) -> i64| {
        let bars: Vec<Bar> = stats
            .days
            .iter()
            .map(|(day, counts)| Bar {
                label: day[5..].to_owned(),
                value: value(counts),
            })
            .collect();
        bar_chart_svg(&ChartSpec {
            title,
            bars: &bars,
            format_value: &kes,
            width: 720,
            height: 280,
        })
    };
    let day = |d: &tiketi_core::store::PlatformDay| {
        json!({
            "sales": d.sales, "sales_value": kes(d.sales_value), "vouchers_made": d.vouchers_made,
            "signups": d.signups, "subscription_revenue": kes(d.subscription_revenue),
            "invoices_paid": d.invoices_paid, "ipn_failures": d.ipn_failures,
        })
    };
    let snapshot = &stats.snapshot;
    let statuses: Vec<_> = tiketi_core::domain::subscription::SubscriptionStatus::ALL
        .iter()
        .map(|s| {
            json!({
                "code": s.as_str(), "label": s.label(),
                "count": snapshot.by_status.get(s.as_str()).copied().unwrap_or(0),
            })
        })
        .collect();
    let values = json!({
        "section": "stats",
        "today": day(&stats.today),
        "month": day(&stats.month),
        "overdue_invoices": if stats.overdue_capped { format!("{}+", stats.overdue_invoices) } else { stats.overdue_invoices.to_string() },
        "overdue_value": kes(stats.overdue_value),
        "sales_chart": chart("Online sales per day (UTC)", |d| d.sales_value),
        "revenue_chart": chart("Subscription payments per day (UTC)", |d| d.subscription_revenue),
        "local": state.tiketi.settings.public_base_url.starts_with("http://"),
        "statuses": statuses,
        "queue_held": stats.queue.map(|q| q.held),
        "dead_letters": stats.queue.and_then(|q| q.dead_letters),
        "plans": snapshot.by_plan,
        "mrr": kes(snapshot.mrr),
        "snapshot_at": snapshot.at.map(utc),
    });
    Ok(page("admin/home.html", &who, values))
}

async fn audit<P: Platform>(
    State(state): State<PortalState<P>>,
    Admin(who): Admin,
) -> Result<Response, AdminError> {
    let entries: Vec<_> = state
        .tiketi
        .platform_audit(100)
        .await?
        .into_iter()
        .map(|e| {
            json!({
                "at": utc(e.at), "actor": e.actor_name, "action": e.action, "subject": e.subject,
                "operator_id": e.operator_id, "note": e.note,
            })
        })
        .collect();
    Ok(page(
        "admin/audit.html",
        &who,
        json!({ "section": "audit", "entries": entries }),
    ))
}

async fn snapshot<P: Platform>(
    State(state): State<PortalState<P>>,
    Admin(_who): Admin,
) -> Result<Response, AdminError> {
    let deadline = state.tiketi.settings.pass_deadline();
    state.tiketi.refresh_platform_snapshot(deadline).await?;
    Ok(Redirect::to("/admin").into_response())
}
