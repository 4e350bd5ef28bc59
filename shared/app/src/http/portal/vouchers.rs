//! Vouchers, owners only:
//! - `GET       /portal/vouchers`                  search (code, phone, batch, status, dates), paged
//! - `GET|POST  /portal/vouchers/new`              one voucher, generated at once
//! - `GET       /portal/vouchers/{code}`           its history, usage and custody
//! - `POST      /portal/vouchers/{code}/cancel`    cancel with a reason
//! - `GET       /portal/vouchers/{code}/card.pdf`  print it again (recorded)

use axum::{
    Form, Router,
    extract::{Path, Query, State},
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tiketi_core::{
    domain::{
        batch::{BatchCode, CodeFormat},
        catalog::{describe_bytes, describe_data_used, describe_duration, describe_time_used},
        voucher::{Origin, Voucher, VoucherStatus},
    },
    services::{
        Platform, ServiceError,
        batches::BatchRequest,
        vouchers::{STATUSES, VoucherSearch},
    },
};

use super::{
    PortalError, PortalState,
    auth::{Auth, Owner},
    download, form_again, local_time, page,
    printing::{self, LayoutQuery},
};

pub fn routes<P: Platform>() -> Router<PortalState<P>> {
    Router::new()
        .route("/portal/vouchers", get(list::<P>))
        .route("/portal/vouchers/new", get(new_page::<P>).post(create::<P>))
        .route("/portal/vouchers/{code}", get(show::<P>))
        .route("/portal/vouchers/{code}/cancel", post(cancel::<P>))
        .route("/portal/vouchers/{code}/card.pdf", get(card::<P>))
}

const PAGE_SIZE: usize = 50;

/// The search form, as the query string carries it.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct SearchQuery {
    #[serde(default)]
    code: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    batch: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default, skip_serializing)]
    cursor: String,
}

impl SearchQuery {
    fn search(&self) -> Result<VoucherSearch, ServiceError> {
        let day = |text: &str, what: &str| match text.trim() {
            "" => Ok(None),
            text => text.parse().map(Some).map_err(|_| {
                ServiceError::Invalid(format!("the {what} date is a day like 2026-11-25"))
            }),
        };
        Ok(if !self.code.trim().is_empty() {
            VoucherSearch::Code(self.code.clone())
        } else if !self.phone.trim().is_empty() {
            VoucherSearch::Phone(self.phone.clone())
        } else if !self.batch.trim().is_empty() {
            VoucherSearch::Batch(self.batch.trim().to_owned())
        } else {
            let status = match self.status.as_str() {
                "" => None,
                text => Some(
                    VoucherStatus::parse(text)
                        .ok_or_else(|| ServiceError::Invalid("choose a status".into()))?,
                ),
            };
            VoucherSearch::Listing {
                status,
                from: day(&self.from, "from")?,
                to: day(&self.to, "to")?,
            }
        })
    }
}

/// A voucher as a row of a table.
pub fn row(voucher: &Voucher, auth: &Auth) -> Value {
    let op = &auth.who.operator;
    let origin = match &voucher.origin {
        Origin::Batch { batch_id } => json!({ "batch": batch_id }),
        Origin::Sale { order_id } => json!({ "order": order_id }),
        Origin::Pool { .. } => json!({ "pool": true }),
    };
    json!({
        "code": voucher.code, "ticket": voucher.terms.name,
        "price": voucher.terms.price.display(&op.currency),
        "status": voucher.status.as_str(), "status_label": voucher.status.label(),
        "created": local_time(voucher.created_at, &op.time_zone),
        "phone": voucher.phone, "origin": origin,
        "sold": voucher.sold_at.is_some() || matches!(voucher.origin, Origin::Sale { .. }),
        "router_id": voucher.router_id,
    })
}

async fn list<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Query(query): Query<SearchQuery>,
) -> Result<Response, PortalError> {
    let statuses: Vec<Value> = STATUSES
        .iter()
        .map(|s| json!({ "value": s.as_str(), "label": s.label() }))
        .collect();
    let mut values = json!({ "section": "vouchers", "query": query, "statuses": statuses });
    let cursor = Some(query.cursor.as_str()).filter(|c| !c.is_empty());
    let result = match query.search() {
        Ok(search) => {
            state
                .tiketi
                .search_vouchers(&auth.who.operator, &search, cursor, PAGE_SIZE)
                .await
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(found) => {
            let rows: Vec<Value> = found.items.iter().map(|v| row(v, &auth)).collect();
            values["vouchers"] = json!(rows);
            if let Some(next) = found.next {
                let mut params = serde_urlencoded::to_string(&query).unwrap_or_default();
                params.push_str(&format!("&cursor={next}"));
                values["next"] = json!(format!("/portal/vouchers?{params}"));
            }
            Ok(page("portal/vouchers.html", &auth, values).into_response())
        }
        Err(error @ ServiceError::Invalid(_)) => {
            values["vouchers"] = json!([]);
            Ok(form_again(
                "portal/vouchers.html",
                Some(&auth),
                &error,
                values,
            ))
        }
        Err(error) => Err(error.into()),
    }
}

async fn load<P: Platform>(
    state: &PortalState<P>,
    auth: &Auth,
    code: &str,
) -> Result<Voucher, PortalError> {
    let valid = code.len() <= 32 && code.bytes().all(|b| b.is_ascii_alphanumeric());
    let found = match valid {
        true => state.tiketi.store.voucher(auth.operator_id(), code).await?,
        false => None,
    };
    Ok(found.ok_or(ServiceError::NotFound("voucher"))?)
}

async fn show<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Path(code): Path<String>,
) -> Result<Html<String>, PortalError> {
    load(&state, &auth, &code).await?;
    let history = state
        .tiketi
        .voucher_history(auth.operator_id(), &code)
        .await?;
    let op = &auth.who.operator;
    let voucher = &history.voucher;
    let terms = &voucher.terms;
    let (allowance_total, used) = match terms.allowance {
        tiketi_core::domain::catalog::Allowance::Time { seconds } => (
            describe_duration(seconds),
            describe_time_used(voucher.usage.uptime_seconds),
        ),
        tiketi_core::domain::catalog::Allowance::Data { bytes } => (
            describe_bytes(bytes),
            describe_data_used(voucher.usage.bytes_used),
        ),
    };
    let timeline: Vec<Value> = history
        .timeline
        .iter()
        .map(|(at, what)| json!({ "at": local_time(*at, &op.time_zone), "what": what }))
        .collect();
    let usage: Vec<Value> = history
        .usage
        .iter()
        .rev()
        .map(|u| {
            json!({
                "at": u.reported_at.map(|t| local_time(t, &op.time_zone)),
                "uptime": describe_time_used(u.uptime_seconds), "bytes": describe_data_used(u.bytes_used),
            })
        })
        .collect();
    let router = state
        .tiketi
        .store
        .router(auth.operator_id(), &voucher.router_id)
        .await?
        .map(|r| r.name);
    let reprintable = history
        .batch
        .as_ref()
        .is_some_and(|b| b.status == tiketi_core::domain::batch::BatchStatus::Ready)
        && voucher.status == VoucherStatus::Unused;
    Ok(page(
        "portal/voucher.html",
        &auth,
        json!({
            "section": "vouchers", "v": row(voucher, &auth), "router": router,
            "password_differs": voucher.password != voucher.code, "password": voucher.password,
            "allowance": terms.allowance.describe(), "validity": describe_duration(terms.validity_seconds),
            "allowance_total": allowance_total, "used": used,
            "activated": voucher.activated_at.map(|t| local_time(t, &op.time_zone)),
            "expires": voucher.expires_at.map(|t| local_time(t, &op.time_zone)),
            "fair_usage": terms.fair_usage,
            "use_by": super::use_by_day(terms, &op.time_zone),
            "throttled": voucher.throttled_at.map(|t| local_time(t, &op.time_zone)),
            "reported": voucher.usage.reported_at.map(|t| local_time(t, &op.time_zone)),
            "cancel_reason": voucher.cancel_reason, "live": voucher.status.is_live(),
            "timeline": timeline, "usage": usage, "reprintable": reprintable,
            "batch": history.batch.as_ref().map(|b| &b.id),
            "order": history.order.as_ref().map(|o| json!({ "code": o.code, "reference": o.reference,
                "confirmation": o.confirmation_code, "method": o.payment_method })),
        }),
    ))
}

#[derive(Debug, Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    reason: String,
}

async fn cancel<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Path(code): Path<String>,
    Form(form): Form<CancelForm>,
) -> Result<Response, PortalError> {
    let voucher = load(&state, &auth, &code).await?;
    state
        .tiketi
        .cancel_voucher(&auth.who, &voucher.code, &form.reason)
        .await?;
    Ok(Redirect::to(&format!("/portal/vouchers/{}", voucher.code)).into_response())
}

async fn card<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Path(code): Path<String>,
    Query(query): Query<LayoutQuery>,
) -> Result<Response, PortalError> {
    let voucher = load(&state, &auth, &code).await?;
    let Origin::Batch { batch_id } = &voucher.origin else {
        return Err(ServiceError::Conflict("only printed vouchers are reprinted".into()).into());
    };
    let batch = state
        .tiketi
        .store
        .batch(auth.operator_id(), batch_id)
        .await?
        .ok_or(ServiceError::NotFound("batch"))?;
    if voucher.status != VoucherStatus::Unused {
        return Err(ServiceError::Conflict(format!(
            "this voucher is {}: there is nothing to reprint",
            voucher.status.label()
        ))
        .into());
    }
    state
        .tiketi
        .record_reprint(&auth.who, &batch, &voucher.code)
        .await?;
    let dns = state
        .tiketi
        .store
        .router(auth.operator_id(), &voucher.router_id)
        .await?
        .map(|r| r.hotspot_dns)
        .unwrap_or_default();
    let code = BatchCode {
        code: voucher.code.clone(),
        password: voucher.password.clone(),
    };
    let cards = printing::cards(&auth.who.operator, &batch, &dns, &[code], 1);
    let (layout, _) = query.layout();
    let pdf = printing::sheet(voucher.terms.name.clone(), cards, layout).await?;
    let filename = format!("tiketi-voucher-{}.pdf", voucher.code);
    download(&state, &auth, &filename, printing::PDF, pdf).await
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct SingleForm {
    #[serde(default)]
    ticket_type_id: String,
    #[serde(default)]
    router_id: String,
    #[serde(default)]
    length: String,
    #[serde(default)]
    prefix: String,
    #[serde(default)]
    separate_password: Option<String>,
    #[serde(default)]
    note: String,
    /// The last day the voucher works (`YYYY-MM-DD`), or empty.
    #[serde(default)]
    use_by: String,
    /// Drawn when the form is shown: submitting the same form twice makes one voucher.
    #[serde(default)]
    request_id: String,
}

async fn form_values<P: Platform>(
    state: &PortalState<P>,
    auth: &Auth,
    form: &SingleForm,
) -> Result<Value, PortalError> {
    let op = auth.operator_id();
    let currency = &auth.who.operator.currency;
    let tickets: Vec<Value> = state
        .tiketi
        .store
        .ticket_types(op)
        .await?
        .iter()
        .filter(|t| !t.archived)
        .map(|t| json!({ "id": t.id, "name": format!("{} · {}", t.name, t.price.display(currency)) }))
        .collect();
    let routers: Vec<Value> = state
        .tiketi
        .store
        .routers(op)
        .await?
        .iter()
        .map(|r| json!({ "id": r.id, "name": r.name }))
        .collect();
    Ok(json!({ "section": "vouchers", "form": form, "tickets": tickets, "routers": routers }))
}

async fn new_page<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
) -> Result<Html<String>, PortalError> {
    let form = SingleForm {
        length: "8".into(),
        request_id: super::request_id(),
        ..SingleForm::default()
    };
    let values = form_values(&state, &auth, &form).await?;
    Ok(page("portal/voucher_form.html", &auth, values))
}

/// One voucher, made at once (`Tiketi::create_voucher`).
async fn create<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Form(form): Form<SingleForm>,
) -> Result<Response, PortalError> {
    let format = form
        .length
        .trim()
        .parse::<usize>()
        .map_err(|_| ServiceError::Invalid("the code length is a whole number".into()))
        .and_then(|length| {
            CodeFormat::checked(length, &form.prefix, form.separate_password.is_some())
                .map_err(|e| ServiceError::Invalid(e.to_string()))
        })
        .and_then(|format| {
            let use_by = tiketi_core::services::batches::parse_use_by(&form.use_by)?;
            Ok((format, use_by))
        });
    let result = match format {
        Ok((format, use_by)) => {
            let request = BatchRequest {
                ticket_type_id: form.ticket_type_id.clone(),
                router_id: form.router_id.clone(),
                quantity: 1,
                format,
                note: form.note.clone(),
                use_by,
                idempotency_key: super::form_key(
                    &form.request_id,
                    &[&form.ticket_type_id, &form.router_id],
                ),
            };
            state.tiketi.create_voucher(&auth.who, &request).await
        }
        Err(error) => Err(error),
    };
    let voucher = match result {
        Ok(voucher) => voucher,
        Err(error @ ServiceError::Invalid(_)) => {
            let values = form_values(&state, &auth, &form).await?;
            return Ok(form_again(
                "portal/voucher_form.html",
                Some(&auth),
                &error,
                values,
            ));
        }
        Err(error) => return Err(error.into()),
    };
    Ok(Redirect::to(&format!("/portal/vouchers/{}", voucher.code)).into_response())
}
