//! Vouchers and batches:
//! - `GET  /api/v1/vouchers`                 search: `code`, `phone`, `batch_id`, or `status`
//!   with `from`/`to` (days in the operator's zone); newest first, paged by `cursor`
//! - `POST /api/v1/vouchers`                 make one voucher now (`201`)
//! - `GET  /api/v1/vouchers/{code}`          one voucher with its history
//! - `POST /api/v1/vouchers/{code}/cancel`   cancel it, with a reason (its router drops it)
//! - `GET  /api/v1/batches`                  batches, newest first
//! - `POST /api/v1/batches`                  ask for up to 10,000 vouchers (`202`: generated
//!   in the background; poll the batch for `generated`)
//! - `GET  /api/v1/batches/{id}`
//! - `POST /api/v1/batches/{id}/cancel`      void a batch (unused vouchers stop working)

use axum::{
    Json, Router,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    routing::{get, post},
};
use jiff::civil::Date;
use serde::Deserialize;
use tiketi_core::{
    domain::{batch::CodeFormat, voucher::VoucherStatus},
    services::{
        Platform, ServiceError,
        batches::{BatchRequest, parse_use_by},
        vouchers::VoucherSearch,
    },
};

use super::{
    error::ApiError,
    extract::{Body, Caller, PageQuery, Params, default_limit, require_id},
    views::{BatchView, EventView, List, VoucherDetailView, VoucherView},
};
use crate::http::AppState;

pub fn routes<P: Platform>() -> Router<AppState<P>> {
    Router::new()
        .route("/api/v1/vouchers", get(list::<P>).post(create::<P>))
        .route("/api/v1/vouchers/{code}", get(show::<P>))
        .route("/api/v1/vouchers/{code}/cancel", post(cancel::<P>))
        .route("/api/v1/batches", get(batches::<P>).post(create_batch::<P>))
        .route("/api/v1/batches/{id}", get(batch::<P>))
        .route("/api/v1/batches/{id}/cancel", post(cancel_batch::<P>))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoucherQuery {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    batch_id: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default = "default_limit")]
    limit: usize,
}

impl VoucherQuery {
    fn search(&self) -> Result<VoucherSearch, ServiceError> {
        let listing = self.status.is_some() || self.from.is_some() || self.to.is_some();
        let chosen = [
            self.code.is_some(),
            self.phone.is_some(),
            self.batch_id.is_some(),
            listing,
        ];
        if chosen.iter().filter(|c| **c).count() > 1 {
            return Err(ServiceError::Invalid(
                "search by one of code, phone, batch_id, or status/from/to".into(),
            ));
        }
        if let Some(code) = &self.code {
            return Ok(VoucherSearch::Code(code.clone()));
        }
        if let Some(phone) = &self.phone {
            return Ok(VoucherSearch::Phone(phone.clone()));
        }
        if let Some(batch_id) = &self.batch_id {
            if !crate::http::valid_id(batch_id) {
                return Err(ServiceError::NotFound("batch"));
            }
            return Ok(VoucherSearch::Batch(batch_id.clone()));
        }
        let status = match self.status.as_deref() {
            None => None,
            Some(text) => Some(VoucherStatus::parse(text).ok_or_else(|| {
                ServiceError::Invalid(
                    "status is unused, active, used_up, expired or cancelled".into(),
                )
            })?),
        };
        let day = |text: &Option<String>| {
            text.as_deref()
                .map(|t| {
                    t.parse::<Date>().map_err(|_| {
                        ServiceError::Invalid("from and to are days like 2026-11-25".into())
                    })
                })
                .transpose()
        };
        Ok(VoucherSearch::Listing {
            status,
            from: day(&self.from)?,
            to: day(&self.to)?,
        })
    }
}

async fn list<P: Platform>(
    State(state): State<AppState<P>>,
    Caller(who): Caller,
    Params(query): Params<VoucherQuery>,
) -> Result<Json<List<VoucherView>>, ApiError> {
    let search = query.search()?;
    let page = state
        .0
        .search_vouchers(&who.operator, &search, query.cursor.as_deref(), query.limit)
        .await?;
    let currency = &who.operator.currency;
    Ok(Json(List::of(page, |v| VoucherView::new(v, currency))))
}

/// How the codes of new vouchers look; unset fields take the operator's settings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewVouchers {
    ticket_type_id: String,
    router_id: String,
    /// Batches only: 1 to 10,000.
    #[serde(default)]
    quantity: Option<u32>,
    #[serde(default)]
    length: Option<usize>,
    #[serde(default)]
    prefix: String,
    #[serde(default)]
    separate_password: bool,
    #[serde(default)]
    note: String,
    /// The last day the vouchers work, in the operator's time zone (`YYYY-MM-DD`).
    #[serde(default)]
    use_by: Option<String>,
}

impl NewVouchers {
    fn request(
        self,
        default_length: usize,
        quantity: u32,
        idempotency_key: Option<String>,
    ) -> Result<BatchRequest, ServiceError> {
        let format = CodeFormat::checked(
            self.length.unwrap_or(default_length),
            &self.prefix,
            self.separate_password,
        )
        .map_err(|e| ServiceError::Invalid(e.to_string()))?;
        Ok(BatchRequest {
            ticket_type_id: self.ticket_type_id,
            router_id: self.router_id,
            quantity,
            format,
            note: self.note,
            // `null` or absent: none; a string must be a day (the document says `format: date`).
            use_by: match self.use_by {
                None => None,
                Some(text) => Some(parse_use_by(&text)?.ok_or_else(|| {
                    ServiceError::Invalid("the use-by date is a day like 2026-12-31".into())
                })?),
            },
            idempotency_key,
        })
    }
}

/// The `Idempotency-Key` header: the same key sent again gets what the first request made.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ServiceError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value.as_bytes();
    match std::str::from_utf8(key) {
        Ok(key)
            if (1..=200).contains(&key.len())
                && key.bytes().all(|b| (0x21..=0x7e).contains(&b)) =>
        {
            Ok(Some(format!("api:{key}")))
        }
        _ => Err(ServiceError::Invalid(
            "Idempotency-Key is 1 to 200 visible characters".into(),
        )),
    }
}

async fn create<P: Platform>(
    State(state): State<AppState<P>>,
    Caller(who): Caller,
    headers: HeaderMap,
    Body(input): Body<NewVouchers>,
) -> Result<(StatusCode, Json<VoucherView>), ApiError> {
    if input.quantity.is_some_and(|q| q != 1) {
        return Err(ServiceError::Invalid(
            "one voucher at a time here: POST /api/v1/batches for more".into(),
        )
        .into());
    }
    let key = idempotency_key(&headers)?;
    let request = input.request(who.operator.voucher_code_length, 1, key)?;
    let voucher = state.0.create_voucher(&who, &request).await?;
    let view = VoucherView::new(voucher, &who.operator.currency);
    Ok((StatusCode::CREATED, Json(view)))
}

async fn show<P: Platform>(
    State(state): State<AppState<P>>,
    Caller(who): Caller,
    Path(code): Path<String>,
) -> Result<Json<VoucherDetailView>, ApiError> {
    require_id(&code, "voucher")?;
    let code = code.to_ascii_uppercase();
    let history = state.0.voucher_history(&who.operator.id, &code).await?;
    Ok(Json(VoucherDetailView {
        voucher: VoucherView::new(history.voucher, &who.operator.currency),
        history: history
            .timeline
            .into_iter()
            .map(|(at, what)| EventView { at, what })
            .collect(),
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cancellation {
    reason: String,
}

async fn cancel<P: Platform>(
    State(state): State<AppState<P>>,
    Caller(who): Caller,
    Path(code): Path<String>,
    Body(input): Body<Cancellation>,
) -> Result<Json<VoucherView>, ApiError> {
    require_id(&code, "voucher")?;
    let code = code.to_ascii_uppercase();
    let voucher = state.0.cancel_voucher(&who, &code, &input.reason).await?;
    Ok(Json(VoucherView::new(voucher, &who.operator.currency)))
}

async fn batches<P: Platform>(
    State(state): State<AppState<P>>,
    Caller(who): Caller,
    Params(query): Params<PageQuery>,
) -> Result<Json<List<BatchView>>, ApiError> {
    let page = state
        .0
        .batch_list(&who.operator.id, query.cursor(), query.limit())
        .await?;
    let currency = &who.operator.currency;
    Ok(Json(List::of(page, |b| BatchView::new(b, currency))))
}

async fn create_batch<P: Platform>(
    State(state): State<AppState<P>>,
    Caller(who): Caller,
    headers: HeaderMap,
    Body(input): Body<NewVouchers>,
) -> Result<(StatusCode, Json<BatchView>), ApiError> {
    let quantity = input
        .quantity
        .ok_or_else(|| ServiceError::Invalid("quantity is required (1 to 10000)".into()))?;
    let key = idempotency_key(&headers)?;
    let request = input.request(who.operator.voucher_code_length, quantity, key)?;
    let batch = state.0.request_batch(&who, &request).await?;
    let view = BatchView::new(batch, &who.operator.currency);
    Ok((StatusCode::ACCEPTED, Json(view)))
}

async fn batch<P: Platform>(
    State(state): State<AppState<P>>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<BatchView>, ApiError> {
    require_id(&id, "batch")?;
    let batch = state
        .0
        .store
        .batch(&who.operator.id, &id)
        .await?
        .ok_or(ServiceError::NotFound("batch"))?;
    Ok(Json(BatchView::new(batch, &who.operator.currency)))
}

async fn cancel_batch<P: Platform>(
    State(state): State<AppState<P>>,
    Caller(who): Caller,
    Path(id): Path<String>,
    Body(input): Body<Cancellation>,
) -> Result<Json<BatchView>, ApiError> {
    require_id(&id, "batch")?;
    let batch = state.0.cancel_batch(&who, &id, &input.reason).await?;
    Ok(Json(BatchView::new(batch, &who.operator.currency)))
}
