//! Settings → Plan (owners only): the subscription, this month's usage against each limit,
//! the renewal date, invoices, changing plan, and paying an invoice through Pesapal.
//!
//! - `GET|POST /portal/plan`                       the page; POST changes plan
//! - `POST     /portal/plan/invoices/{number}/pay` starts a Pesapal payment, redirects there
//! - `GET      /portal/plan/invoices/{number}`     one invoice; Pesapal's callback lands here
//!   with `OrderTrackingId`, which is checked with Pesapal before anything is believed
//! - `GET      /portal/plan/invoices/{number}/receipt.pdf` the receipt of a paid invoice

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
        invoice::{Invoice, InvoiceStatus},
        payment::CheckSource,
        plan::{Feature, Limit, Plan},
    },
    services::{
        Platform,
        billing::{PLATFORM_BILLING_ID, PlanChange},
        payments::Notification,
    },
};

use super::{PortalError, PortalState, auth::Owner, download, local_time, page};
use crate::http::i18n::Lang;

pub fn routes<P: Platform>() -> Router<PortalState<P>> {
    Router::new()
        .route("/portal/plan", get(plan_page::<P>).post(change::<P>))
        .route("/portal/plan/invoices/{number}/pay", post(pay::<P>))
        .route("/portal/plan/invoices/{number}", get(invoice_page::<P>))
        .route(
            "/portal/plan/invoices/{number}/receipt.pdf",
            get(receipt::<P>),
        )
}

/// A plan as the sign-up form and Settings → Plan show it.
pub fn summary(plan: &Plan) -> Value {
    let mut parts: Vec<String> = Limit::ALL
        .iter()
        .map(|l| crate::http::landing::limit_text(Lang::En, *l, plan.limit(*l)))
        .collect();
    parts.extend(
        Feature::ALL
            .iter()
            .filter(|f| plan.includes(**f))
            .map(|f| f.label().to_owned()),
    );
    json!({
        "code": plan.code, "name": plan.name, "price": plan.price.display(&plan.currency),
        "summary": parts.join(", "), "on_sale": plan.on_sale,
    })
}

fn invoice_view(invoice: &Invoice, time_zone: &str) -> Value {
    json!({
        "number": invoice.number, "label": invoice.label(), "plan": invoice.plan_name,
        "upgrade": invoice.kind == tiketi_core::domain::invoice::InvoiceKind::Upgrade,
        "amount": invoice.amount.display(&invoice.currency),
        "period": format!("{} to {}", day(invoice.period_start, time_zone), day(invoice.period_end, time_zone)),
        "due": day(invoice.due_at, time_zone),
        "paid": invoice.status == InvoiceStatus::Paid,
        "paid_by": invoice.payment.as_ref().map(|p| format!("{} {} on {}", p.by.label(), p.reference, local_time(p.at, time_zone))),
        "receipt_url": format!("/portal/plan/invoices/{}/receipt.pdf", invoice.number),
    })
}

fn day(at: jiff::Timestamp, time_zone: &str) -> String {
    local_time(at, time_zone)[..10].to_owned()
}

async fn values<P: Platform>(
    state: &PortalState<P>,
    auth: &super::auth::Auth,
) -> Result<Value, PortalError> {
    let operator = &auth.who.operator;
    let view = state.tiketi.plan_view(operator).await?;
    let tz = &operator.time_zone;
    let usage: Vec<Value> = view
        .usage
        .iter()
        .map(|u| {
            let unit = match u.limit {
                Limit::Routers => "routers",
                Limit::Agents => "agents",
                Limit::VouchersPerMonth => "vouchers this month",
            };
            json!({
                "what": unit, "used": crate::http::grouped(u.used),
                "allowed": u.allowed.map(|n| crate::http::grouped(u64::from(n))),
                "full": u.allowed.is_some_and(|n| u.used >= u64::from(n)),
            })
        })
        .collect();
    Ok(json!({
        "section": "settings",
        "subscribed": view.subscription.is_some(),
        "plan": view.plan.as_ref().map(summary),
        "status": view.status.map(|s| s.label()),
        "status_code": view.status.map(|s| s.as_str()),
        "trial_ends": view.subscription.as_ref().map(|s| day(s.trial_ends_at, tz)),
        "renews": view.subscription.as_ref().map(|s| day(s.due_at(), tz)),
        "pending": view.subscription.as_ref().and_then(|s| s.pending_plan.as_ref()).map(|p| {
            let name = view.choices.iter().find(|c| c.code == p.plan).map_or(p.plan.clone(), |c| c.name.clone());
            json!({ "plan": name, "from": day(p.from, tz) })
        }),
        "remind": view.remind,
        "usage": usage,
        "invoices": view.invoices.iter().map(|i| invoice_view(i, tz)).collect::<Vec<_>>(),
        "choices": view.choices.iter().map(summary).collect::<Vec<_>>(),
        "online_payment": state.tiketi.settings.platform_merchant.is_some(),
    }))
}

async fn plan_page<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
) -> Result<Response, PortalError> {
    let values = values(&state, &auth).await?;
    Ok(page("portal/plan.html", &auth, values).into_response())
}

#[derive(Debug, Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    plan: String,
}

async fn change<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Form(form): Form<ChangeForm>,
) -> Result<Response, PortalError> {
    let to = match state.tiketi.change_plan(&auth.who, &form.plan).await? {
        PlanChange::UpgradeInvoice(invoice) => format!("/portal/plan/invoices/{}", invoice.number),
        PlanChange::Now(_) | PlanChange::AtRenewal { .. } => "/portal/plan".to_owned(),
    };
    Ok(Redirect::to(&to).into_response())
}

fn invoice_number(text: &str) -> Result<u64, PortalError> {
    text.parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| tiketi_core::services::ServiceError::NotFound("invoice").into())
}

async fn pay<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Path(number): Path<String>,
) -> Result<Response, PortalError> {
    let number = invoice_number(&number)?;
    let url = state.tiketi.pay_invoice(&auth.who, number).await?;
    Ok(Redirect::to(&url).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Callback {
    order_tracking_id: Option<String>,
    order_merchant_reference: Option<String>,
}

async fn invoice_page<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Path(number): Path<String>,
    Query(callback): Query<Callback>,
) -> Result<Response, PortalError> {
    let number = invoice_number(&number)?;
    let tiketi = &state.tiketi;
    let mut invoice = tiketi.invoice_of(auth.operator_id(), number).await?;
    let mut checked = None;
    if let (Some(tracking_id), InvoiceStatus::Open) =
        (callback.order_tracking_id.as_deref(), invoice.status)
    {
        let n = Notification {
            operator_id: PLATFORM_BILLING_ID.into(),
            tracking_id: tracking_id.chars().take(64).collect(),
            merchant_reference: callback.order_merchant_reference.clone(),
            notification_type: Some("CALLBACKURL".into()),
            source: CheckSource::Callback,
        };
        // The answer is Pesapal's, asked with the platform's own keys; the query string only
        // says which payment to ask about. A payment of another operator's invoice finds
        // nothing here (the invoice was looked up under this operator).
        match tiketi.check_invoice_payment(&n).await {
            Ok(checked_invoice) if checked_invoice.number == invoice.number => {
                invoice = checked_invoice;
                checked = Some(invoice.status == InvoiceStatus::Paid);
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%error, "invoice payment check on callback failed");
                checked = Some(false);
            }
        }
    }
    let values = json!({
        "section": "settings",
        "invoice": invoice_view(&invoice, &auth.who.operator.time_zone),
        "checked": checked,
        "online_payment": tiketi.settings.platform_merchant.is_some(),
    });
    Ok(page("portal/invoice.html", &auth, values).into_response())
}

async fn receipt<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Path(number): Path<String>,
) -> Result<Response, PortalError> {
    let number = invoice_number(&number)?;
    let invoice = state.tiketi.invoice_of(auth.operator_id(), number).await?;
    let Some(payment) = invoice.payment.as_ref() else {
        return Err(tiketi_core::services::ServiceError::Conflict(format!(
            "{} is not paid yet: its receipt comes with the payment.",
            invoice.label()
        ))
        .into());
    };
    let tz = &auth.who.operator.time_zone;
    let receipt = tiketi_render::Receipt {
        title: format!("Receipt {}", invoice.label()),
        issuer: "Tiketi: WiFi vouchers for hotspot operators".into(),
        customer: auth.who.operator.business_name.clone(),
        rows: vec![
            ("Invoice".into(), invoice.label()),
            ("Plan".into(), format!("{} (monthly)", invoice.plan_name)),
            (
                "Period".into(),
                format!(
                    "{} to {}",
                    day(invoice.period_start, tz),
                    day(invoice.period_end, tz)
                ),
            ),
            (
                "Amount paid".into(),
                payment.amount.display(&invoice.currency),
            ),
            (
                "Paid by".into(),
                format!("{} {}", payment.by.label(), payment.reference),
            ),
            ("Paid on".into(), local_time(payment.at, tz)),
        ],
        note: "Thank you for your payment.".into(),
    };
    let pdf = tiketi_render::receipt_pdf(&receipt);
    let filename = format!("tiketi-receipt-{}.pdf", invoice.label());
    download(&state, &auth, &filename, "application/pdf", pdf).await
}
