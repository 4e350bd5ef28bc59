//! - `GET  /admin/operators?q=`                               search, or the newest
//! - `GET  /admin/operators/{id}`                             one operator
//! - `POST /admin/operators/{id}/subscription`                suspend, resume, plan, trial
//! - `POST /admin/operators/{id}/invoices/{number}/payment`   a payment outside Pesapal
//! - `GET  /admin/operators/{id}/support`                     read-only support view (audited)

use axum::{
    Form, Router,
    extract::{Path, Query, State},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::{Value, json};
use tiketi_core::{
    domain::{
        invoice::{InvoiceStatus, PaidBy},
        order::Order,
        plan::Limit,
    },
    services::{
        Platform, ServiceError,
        console::{OperatorRow, SubscriptionAction},
    },
};

use super::{AdminError, auth::Admin, page, require_id, utc};
use crate::http::portal::PortalState;

pub fn routes<P: Platform>() -> Router<PortalState<P>> {
    Router::new()
        .route("/admin/operators", get(list::<P>))
        .route("/admin/operators/{id}", get(show::<P>))
        .route("/admin/operators/{id}/subscription", post(act::<P>))
        .route(
            "/admin/operators/{id}/invoices/{number}/payment",
            post(record_payment::<P>),
        )
        .route("/admin/operators/{id}/support", get(support::<P>))
}

fn row_view(row: &OperatorRow) -> Value {
    let currency = &row.operator.currency;
    json!({
        "id": row.operator.id, "name": row.operator.business_name, "email": row.owner_email,
        "plan": row.subscription.as_ref().map_or("none".to_owned(), |s| s.plan.clone()),
        "status": row.status.map_or("outside billing", |s| s.label()),
        "status_code": row.status.map_or("none", |s| s.as_str()),
        "sales": row.month.sales,
        "sales_value": tiketi_core::domain::money::Money(row.month.sales_value).display(currency),
        "vouchers": row.month.vouchers_made,
        "online": row.routers_online, "offline": row.routers_offline,
        "last_activity": row.last_activity.map(utc),
    })
}

fn order_view(order: &Order) -> Value {
    json!({
        "created": utc(order.created_at), "code": order.code, "status": order.status.as_str(),
        "amount": order.amount.display(&order.currency), "ticket": order.terms.name,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

async fn list<P: Platform>(
    State(state): State<PortalState<P>>,
    Admin(who): Admin,
    Query(query): Query<SearchQuery>,
) -> Result<Response, AdminError> {
    let q: String = query.q.chars().take(80).collect();
    let rows = state.tiketi.admin_operators(&q).await?;
    let values = json!({
        "section": "operators", "q": q,
        "rows": rows.iter().map(row_view).collect::<Vec<_>>(),
    });
    Ok(page("admin/operators.html", &who, values))
}

async fn show<P: Platform>(
    State(state): State<PortalState<P>>,
    Admin(who): Admin,
    Path(id): Path<String>,
) -> Result<Response, AdminError> {
    require_id(&id, "operator")?;
    let details = state.tiketi.admin_operator(&id).await?;
    let sub = details.row.subscription.as_ref();
    let usage: Vec<Value> = details
        .usage
        .iter()
        .map(|u| {
            json!({
                "what": match u.limit { Limit::Routers => "routers", Limit::Agents => "agents", Limit::VouchersPerMonth => "vouchers this month" },
                "used": u.used, "allowed": u.allowed,
            })
        })
        .collect();
    let invoices: Vec<Value> = details
        .invoices
        .iter()
        .map(|i| {
            json!({
                "number": i.number, "label": i.label(),
                "period": format!("{} to {}", &utc(i.period_start)[..10], &utc(i.period_end)[..10]),
                "amount": i.amount.display(&i.currency), "due": &utc(i.due_at)[..10],
                "paid": i.status == InvoiceStatus::Paid,
                "paid_by": i.payment.as_ref().map(|p| format!("{} {} ({})", p.by.label(), p.reference, utc(p.at))),
            })
        })
        .collect();
    let routers: Vec<Value> = details
        .routers
        .iter()
        .map(|r| json!({ "name": r.router.name, "online": r.online, "last_report": r.last_report.map_or("never reported".into(), utc) }))
        .collect();
    let values = json!({
        "section": "operators",
        "o": row_view(&details.row),
        "suspended_reason": sub.and_then(|s| s.suspended.as_ref()).map(|s| &s.reason),
        "trial_ends": sub.map(|s| utc(s.trial_ends_at)),
        "paid_until": sub.and_then(|s| s.paid_until).map(utc),
        "usage": usage, "invoices": invoices, "routers": routers,
        "orders": details.recent_orders.iter().map(order_view).collect::<Vec<_>>(),
        "plans": state.tiketi.plan_catalogue().await?.iter().map(|p| json!({"code": p.code, "name": p.name})).collect::<Vec<_>>(),
    });
    Ok(page("admin/operator.html", &who, values))
}

#[derive(Debug, Default, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    plan: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    reason: String,
}

async fn act<P: Platform>(
    State(state): State<PortalState<P>>,
    Admin(who): Admin,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Result<Response, AdminError> {
    require_id(&id, "operator")?;
    let action = match form.action.as_str() {
        "suspend" => SubscriptionAction::Suspend,
        "resume" => SubscriptionAction::Resume,
        "plan" => SubscriptionAction::ChangePlan(form.plan.clone()),
        "extend" => SubscriptionAction::ExtendTrial {
            days: form.days.trim().parse().map_err(|_| {
                ServiceError::Invalid("give the number of days to extend the trial by".into())
            })?,
        },
        _ => return Err(ServiceError::Invalid("choose an action".into()).into()),
    };
    state
        .tiketi
        .admin_subscription_action(&who.auth, &id, &action, &form.reason)
        .await?;
    Ok(Redirect::to(&format!("/admin/operators/{id}")).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct PaymentForm {
    #[serde(default)]
    by: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    reason: String,
}

async fn record_payment<P: Platform>(
    State(state): State<PortalState<P>>,
    Admin(who): Admin,
    Path((id, number)): Path<(String, String)>,
    Form(form): Form<PaymentForm>,
) -> Result<Response, AdminError> {
    require_id(&id, "operator")?;
    let number: u64 = number
        .parse()
        .map_err(|_| ServiceError::NotFound("invoice"))?;
    let by = PaidBy::parse(&form.by)
        .ok_or_else(|| ServiceError::Invalid("choose bank transfer or cash".into()))?;
    state
        .tiketi
        .admin_record_payment(&who.auth, &id, number, by, &form.reference, &form.reason)
        .await?;
    Ok(Redirect::to(&format!("/admin/operators/{id}")).into_response())
}

async fn support<P: Platform>(
    State(state): State<PortalState<P>>,
    Admin(who): Admin,
    Path(id): Path<String>,
) -> Result<Response, AdminError> {
    require_id(&id, "operator")?;
    let view = state.tiketi.admin_support_view(&who.auth, &id).await?;
    let details = &view.details;
    let count = |status: &str| view.counts.get(status).copied().unwrap_or(0);
    let values = json!({
        "section": "operators", "id": id, "name": details.row.operator.business_name,
        "month_sales": details.row.month.sales,
        "vouchers_unused": count("UNUSED"), "vouchers_active": count("ACTIVE"),
        "vouchers": view.vouchers.iter().map(|v| json!({
            "code": v.code, "status": v.status.as_str(), "ticket": v.terms.name, "created": utc(v.created_at),
        })).collect::<Vec<_>>(),
        "orders": details.recent_orders.iter().map(order_view).collect::<Vec<_>>(),
    });
    Ok(page("admin/support.html", &who, values))
}
