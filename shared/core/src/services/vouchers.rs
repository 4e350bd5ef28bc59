//! Finding vouchers and telling their story: search by code, phone, batch, or status and date
//! (newest first, paged by an opaque cursor), a voucher's history, and cancelling one.
//!
//! Listing every status merges the five per-status index partitions by their sort key
//! (`<created>#<code>`, unique since codes are unique): each page reads at most `limit` items
//! from each partition below the cursor, and the cursor is the last sort key shown.

use futures::future::try_join_all;
use jiff::{Timestamp, civil::Date, tz::TimeZone};
use serde_json::json;

use super::{
    Platform, ServiceError, Tiketi,
    accounts::{Authenticated, text_field},
    paging::{
        Page, bad_cursor, decode_cursor, encode_cursor, newest_first, page_limit, reads_for,
        upper_bound,
    },
};
use crate::{
    domain::{
        batch::Batch,
        catalog::Operator,
        custody::CustodyEvent,
        order::Order,
        phone::Msisdn,
        voucher::{Origin, Usage, Voucher, VoucherStatus},
    },
    store::{StoreError, keys},
};

pub const STATUSES: [VoucherStatus; 5] = [
    VoucherStatus::Unused,
    VoucherStatus::Active,
    VoucherStatus::UsedUp,
    VoucherStatus::Expired,
    VoucherStatus::Cancelled,
];

/// What the owner looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoucherSearch {
    /// One code, exactly.
    Code(String),
    /// What a customer (phone number) bought, online or for cash.
    Phone(String),
    /// A batch's vouchers, in print order.
    Batch(String),
    /// By status (all when `None`) and creation date (days in the operator's zone, inclusive).
    Listing {
        status: Option<VoucherStatus>,
        from: Option<Date>,
        to: Option<Date>,
    },
}

/// One page of vouchers and the cursor of the next.
pub type VoucherPage = Page<Voucher>;

/// Everything known about one voucher.
#[derive(Debug, Clone)]
pub struct VoucherHistory {
    pub voucher: Voucher,
    pub batch: Option<Batch>,
    pub order: Option<Order>,
    pub usage: Vec<Usage>,
    pub events: Vec<CustodyEvent>,
    /// What happened, oldest first: (when, what).
    pub timeline: Vec<(Timestamp, String)>,
}

/// The first instant of a day in the operator's zone, as an index sort-key bound.
fn day_start(day: Date, zone: &TimeZone) -> Result<String, ServiceError> {
    let at = zone
        .to_timestamp(day.to_datetime(jiff::civil::Time::midnight()))
        .map_err(|e| ServiceError::Invalid(e.to_string()))?;
    Ok(keys::time(at))
}

impl<P: Platform> Tiketi<P> {
    /// One page of the vouchers matching `search` (at most `limit`), after `cursor`.
    pub async fn search_vouchers(
        &self,
        operator: &Operator,
        search: &VoucherSearch,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<VoucherPage, ServiceError> {
        let op = &operator.id;
        let limit = page_limit(limit)?;
        match search {
            VoucherSearch::Code(code) => {
                let code = code.trim().to_ascii_uppercase();
                let valid = !code.is_empty()
                    && code.len() <= 32
                    && code.bytes().all(|b| b.is_ascii_alphanumeric());
                let found = match valid {
                    true => self.store.voucher(op, &code).await?,
                    false => None,
                };
                Ok(VoucherPage {
                    items: found.into_iter().collect(),
                    next: None,
                })
            }
            VoucherSearch::Phone(phone) => {
                let phone =
                    Msisdn::parse(phone).map_err(|e| ServiceError::Invalid(e.to_string()))?;
                let codes = self
                    .store
                    .customer_voucher_codes(op, phone.as_str(), limit)
                    .await?;
                Ok(VoucherPage {
                    items: self.vouchers_by_code(op, &codes).await?,
                    next: None,
                })
            }
            VoucherSearch::Batch(batch_id) => {
                self.batch_vouchers(op, batch_id, cursor, limit).await
            }
            VoucherSearch::Listing { status, from, to } => {
                let zone = TimeZone::get(&operator.time_zone).unwrap_or(TimeZone::UTC);
                let low = match from {
                    Some(day) => day_start(*day, &zone)?,
                    None => String::new(),
                };
                let high = match to.map(|d| d.tomorrow()) {
                    Some(Ok(next_day)) => day_start(next_day, &zone)?,
                    Some(Err(e)) => return Err(ServiceError::Invalid(e.to_string())),
                    None => "~".to_owned(),
                };
                let after = cursor.map(|c| decode_cursor(c, 's')).transpose()?;
                let high = upper_bound(high, after.as_ref());
                let statuses: Vec<VoucherStatus> = match status {
                    Some(status) => vec![*status],
                    None => STATUSES.to_vec(),
                };
                let reads = statuses.iter().map(|s| {
                    self.store
                        .vouchers_in_status(op, *s, &low, &high, reads_for(limit))
                });
                let rows = try_join_all(reads).await?.into_iter().flatten().collect();
                Ok(newest_first(rows, after.as_ref(), limit, 's'))
            }
        }
    }

    async fn vouchers_by_code(
        &self,
        operator_id: &str,
        codes: &[String],
    ) -> Result<Vec<Voucher>, ServiceError> {
        let reads = codes
            .iter()
            .map(|code| self.store.voucher(operator_id, code));
        Ok(try_join_all(reads).await?.into_iter().flatten().collect())
    }

    /// A batch's vouchers in print order; the cursor is a position in the batch.
    async fn batch_vouchers(
        &self,
        operator_id: &str,
        batch_id: &str,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<VoucherPage, ServiceError> {
        let start: usize = match cursor {
            Some(c) => decode_cursor(c, 'b')?.parse().map_err(|_| bad_cursor())?,
            None => 0,
        };
        let codes: Vec<String> = self
            .store
            .batch_pages(operator_id, batch_id)
            .await?
            .into_iter()
            .flat_map(|p| p.codes.into_iter().map(|c| c.code))
            .collect();
        let end = (start + limit).min(codes.len());
        let slice = codes.get(start..end).unwrap_or_default();
        Ok(VoucherPage {
            items: self.vouchers_by_code(operator_id, slice).await?,
            next: (end < codes.len()).then(|| encode_cursor('b', &end.to_string())),
        })
    }

    /// A voucher with its batch or order, usage reports and custody events, and the story
    /// they tell.
    pub async fn voucher_history(
        &self,
        operator_id: &str,
        code: &str,
    ) -> Result<VoucherHistory, ServiceError> {
        let voucher = self
            .store
            .voucher(operator_id, code)
            .await?
            .ok_or(ServiceError::NotFound("voucher"))?;
        let (batch, order) = match &voucher.origin {
            Origin::Batch { batch_id } => (self.store.batch(operator_id, batch_id).await?, None),
            Origin::Sale { order_id } => (None, self.store.order(operator_id, order_id).await?),
            Origin::Pool { .. } => (None, None),
        };
        let usage = self.store.voucher_usage_history(operator_id, code).await?;
        // Counters between changes of status are only in the history.
        let voucher = Voucher {
            usage: crate::store::latest_usage(&voucher.usage, &usage),
            ..voucher
        };
        let events = self.store.voucher_events(operator_id, code).await?;
        let mut timeline = vec![(voucher.created_at, created_text(&voucher, batch.as_ref()))];
        if let Some(order) = &order {
            let paid_at = order.paid_at.unwrap_or(voucher.created_at);
            let method = order.payment_method.as_deref().unwrap_or("Pesapal");
            timeline.push((
                paid_at,
                format!("Sold online to {} ({method})", order.phone.as_str()),
            ));
        }
        if let Some(sold_at) = voucher.sold_at {
            let by = voucher
                .sold_by
                .as_ref()
                .map(|a| a.name.as_str())
                .unwrap_or("");
            timeline.push((sold_at, format!("Sold for cash by {by}")));
        }
        for event in &events {
            timeline.push((
                event.at,
                format!("{} by {}", event.kind.describe(), event.by.name),
            ));
        }
        if let Some(at) = voucher.activated_at {
            timeline.push((at, "First login at the hotspot".into()));
        }
        for report in &usage {
            if let Some(at) = report.reported_at {
                timeline.push((
                    at,
                    format!(
                        "Router reported {} online, {} used",
                        crate::domain::catalog::describe_time_used(report.uptime_seconds),
                        crate::domain::catalog::describe_data_used(report.bytes_used)
                    ),
                ));
            }
        }
        if let Some(at) = voucher.throttled_at {
            let speed = voucher.terms.fair_usage.as_deref().unwrap_or_default();
            timeline.push((
                at,
                format!("Data used up: slowed down to {speed} (fair usage)"),
            ));
        }
        if let Some(at) = voucher.expired_at {
            timeline.push((at, "Expired".into()));
        }
        if let Some(at) = voucher.cancelled_at {
            let reason = voucher.cancel_reason.as_deref().unwrap_or("");
            timeline.push((at, format!("Cancelled: {reason}")));
        }
        timeline.sort_by_key(|(at, _)| *at);
        Ok(VoucherHistory {
            voucher,
            batch,
            order,
            usage,
            events,
            timeline,
        })
    }

    /// Cancels an unused or active voucher, with the reason, audited; its router drops it at
    /// the next sync.
    pub async fn cancel_voucher(
        &self,
        who: &Authenticated,
        code: &str,
        reason: &str,
    ) -> Result<Voucher, ServiceError> {
        let op = &who.operator.id;
        let reason = text_field(reason, "The reason", 200)?;
        let voucher = self
            .store
            .voucher(op, code)
            .await?
            .ok_or(ServiceError::NotFound("voucher"))?;
        if !voucher.status.is_live() {
            return Err(ServiceError::Conflict(format!(
                "this voucher is {} already",
                voucher.status.label()
            )));
        }
        let mut entry = self.audit_entry(
            who,
            "voucher.cancel",
            code,
            Some(json!({"status": voucher.status})),
            Some(json!({"status": VoucherStatus::Cancelled})),
        );
        entry.note = Some(reason.clone());
        match self.store.cancel_voucher(&voucher, &reason, &entry).await {
            Ok(()) => {}
            Err(StoreError::ConditionFailed { .. }) => {
                return Err(ServiceError::Conflict(
                    "this voucher changed meanwhile: look again".into(),
                ));
            }
            Err(e) => return Err(e.into()),
        }
        Ok(self.store.voucher(op, code).await?.unwrap_or(voucher))
    }
}

fn created_text(voucher: &Voucher, batch: Option<&Batch>) -> String {
    match (&voucher.origin, batch) {
        (Origin::Batch { .. }, Some(batch)) => format!(
            "Generated in a batch of {} by {}",
            batch.quantity, batch.created_by.name
        ),
        (Origin::Batch { .. }, None) => "Generated in a batch".into(),
        (Origin::Sale { .. }, _) => "Created for an online sale".into(),
        (Origin::Pool { .. }, _) => "Loaded on the router for online sales".into(),
    }
}
