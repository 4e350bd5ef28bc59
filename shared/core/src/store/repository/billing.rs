//! The platform's side of the table: plan catalogue, testimonials, operators' subscriptions,
//! invoices (gapless numbers) and their payments, monthly voucher counts, the platform's day
//! counters and audit log.

use serde_json::json;

use super::{Repository, Result, audit::audit_write, entity, item, set};
use crate::{
    domain::{
        audit::AuditEntry,
        invoice::{Invoice, InvoiceAttempt, InvoicePayment, InvoiceStatus},
        payment::PaymentEvent,
        plan::Plan,
        subscription::Subscription,
        testimonial::Testimonial,
    },
    ports::table::{Change, Condition, Index, Query, Table, Write, attr},
    store::keys,
};

/// A platform day's counters (`keys::platform_day`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
pub struct PlatformDay {
    #[serde(default)]
    pub sales: i64,
    #[serde(default)]
    pub sales_value: i64,
    #[serde(default)]
    pub vouchers_made: i64,
    #[serde(default)]
    pub signups: i64,
    #[serde(default)]
    pub subscription_revenue: i64,
    #[serde(default)]
    pub invoices_paid: i64,
    /// IPNs answered "not processed" (Pesapal retries; reconciliation covers them).
    #[serde(default)]
    pub ipn_failures: i64,
}

/// The platform's subscriptions counted at one moment (by the scheduled pass, hourly): what
/// depends on time (trial, past due, restricted) cannot be kept as counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PlatformSnapshot {
    pub at: Option<jiff::Timestamp>,
    /// Subscriptions by status (`trial`, `active`, …).
    pub by_status: std::collections::BTreeMap<String, u64>,
    /// Subscriptions by plan code.
    pub by_plan: std::collections::BTreeMap<String, u64>,
    /// Monthly recurring revenue: the monthly price of paying subscriptions (active or past
    /// due), in minor units of KES.
    pub mrr: i64,
}

impl PlatformDay {
    pub fn add(&mut self, other: &Self) {
        self.sales += other.sales;
        self.sales_value += other.sales_value;
        self.vouchers_made += other.vouchers_made;
        self.signups += other.signups;
        self.subscription_revenue += other.subscription_revenue;
        self.invoices_paid += other.invoices_paid;
        self.ipn_failures += other.ipn_failures;
    }
}

/// A change to the platform's day counters, to add to a transaction; `spread` (any text
/// unique to the change, such as an order id) picks the day's shard.
pub(crate) fn platform_day_write(day: &str, spread: &str, counts: &[(&str, i64)]) -> Write {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(spread.as_bytes());
    let shard = u64::from(digest[0]);
    Write::Update {
        key: keys::platform_day(day, shard),
        changes: counts
            .iter()
            .map(|(name, n)| ((*name).to_owned(), Change::Add(*n)))
            .collect(),
        condition: None,
    }
}

/// Counts what the operator did in its `month` (`vouchers_made` for the plan's limit; online
/// `sales` and `sales_value` for the administrator's list), to add to the transaction that
/// does it.
pub(crate) fn month_usage_write(operator_id: &str, month: &str, counts: &[(&str, i64)]) -> Write {
    Write::Update {
        key: keys::month_usage(operator_id, month),
        changes: counts
            .iter()
            .map(|(name, n)| ((*name).to_owned(), Change::Add(*n)))
            .collect(),
        condition: None,
    }
}

/// An operator's month (`keys::month_usage`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
pub struct MonthUsage {
    #[serde(default)]
    pub vouchers_made: u64,
    #[serde(default)]
    pub sales: u64,
    #[serde(default)]
    pub sales_value: i64,
}

/// A subscription item; unless suspended it is in the billing index by the date it is billed
/// until, so the scheduled pass finds the ones due for an invoice without reading the others.
fn subscription_item(sub: &Subscription) -> crate::ports::table::Item {
    // Every subscription in gsi1 (the hourly snapshot of the platform reads them all).
    let mut index = vec![
        (attr::GSI1PK, keys::SUBSCRIPTIONS_PARTITION.to_owned()),
        (attr::GSI1SK, sub.operator_id.clone()),
    ];
    if sub.suspended.is_none() {
        index.push((attr::GSI2PK, keys::BILLING_PARTITION.to_owned()));
        index.push((
            attr::GSI2SK,
            format!("{}#{}", keys::time(sub.billed_until), sub.operator_id),
        ));
    }
    item(
        sub,
        keys::subscription(&sub.operator_id),
        "subscription",
        &index,
    )
}

/// Writes `next` in place of the version `previous` read.
pub(crate) fn subscription_write(previous: &Subscription, next: &Subscription) -> Write {
    let mut next = next.clone();
    next.version = previous.version + 1;
    Write::Put {
        item: subscription_item(&next),
        condition: Some(Condition::attr_eq("version", previous.version)),
    }
}

/// A new operator's subscription, for the sign-up transaction.
pub(crate) fn new_subscription_write(sub: &Subscription) -> Write {
    Write::put_new(subscription_item(sub))
}

/// An invoice item; while it is open it is also in the platform's open-invoices index
/// (reminders, reconciliation of started payments, overdue figures).
fn invoice_item(invoice: &Invoice) -> crate::ports::table::Item {
    let mut index = vec![
        (attr::GSI1PK, keys::invoices_of(&invoice.operator_id)),
        (attr::GSI1SK, keys::invoice_sort(invoice.number)),
    ];
    if invoice.status == InvoiceStatus::Open {
        index.push((attr::GSI2PK, keys::OPEN_INVOICES_PARTITION.to_owned()));
        index.push((
            attr::GSI2SK,
            keys::open_invoice_sort(invoice.due_at, invoice.number),
        ));
    }
    item(invoice, keys::invoice(invoice.number), "invoice", &index)
}

/// The platform audit log's copy of an entry (the operator's log gets the entry itself).
fn platform_audit_write(entry: &AuditEntry) -> Write {
    let key = keys::platform_audit_entry(entry.at, &entry.id);
    Write::put_new(item(entry, key, "platform_audit", &[]))
}

impl<T: Table> Repository<T> {
    /// The stored catalogue (empty until the administrator first saves a plan).
    pub async fn plans(&self) -> Result<Vec<Plan>> {
        let query = Query::partition(Index::Primary, keys::PLATFORM_PARTITION)
            .begins_with(keys::PLAN_PREFIX);
        self.query_entities(&query).await
    }

    /// Saves the whole catalogue at once, with the platform audit entry.
    pub async fn save_plans(&self, plans: &[Plan], entry: &AuditEntry) -> Result<()> {
        let mut writes: Vec<Write> = plans
            .iter()
            .map(|plan| Write::put(item(plan, keys::plan(&plan.code), "plan", &[])))
            .collect();
        writes.push(platform_audit_write(entry));
        Ok(self.table.transact(writes).await?)
    }

    pub async fn testimonials(&self) -> Result<Vec<Testimonial>> {
        let query = Query::partition(Index::Primary, keys::PLATFORM_PARTITION)
            .begins_with(keys::TESTIMONIAL_PREFIX);
        self.query_entities(&query).await
    }

    pub async fn save_testimonial(
        &self,
        testimonial: &Testimonial,
        entry: &AuditEntry,
    ) -> Result<()> {
        let put = Write::put(item(
            testimonial,
            keys::testimonial(&testimonial.id),
            "testimonial",
            &[],
        ));
        Ok(self
            .table
            .transact(vec![put, platform_audit_write(entry)])
            .await?)
    }

    pub async fn delete_testimonial(&self, id: &str, entry: &AuditEntry) -> Result<()> {
        let delete = Write::Delete {
            key: keys::testimonial(id),
            condition: Some(Condition::Exists),
        };
        Ok(self
            .table
            .transact(vec![delete, platform_audit_write(entry)])
            .await?)
    }

    pub async fn subscription(&self, operator_id: &str) -> Result<Option<Subscription>> {
        self.get_entity(&keys::subscription(operator_id)).await
    }

    /// An administrator's or owner's change of a subscription, in both audit logs when an
    /// administrator made it (`platform`), else in the operator's. `ConditionFailed`: someone
    /// changed it since `previous` was read.
    pub async fn change_subscription(
        &self,
        previous: &Subscription,
        next: &Subscription,
        entry: &AuditEntry,
        platform: bool,
    ) -> Result<()> {
        let mut writes = vec![subscription_write(previous, next), audit_write(entry)];
        if platform {
            writes.push(platform_audit_write(entry));
        }
        Ok(self.table.transact(writes).await?)
    }

    /// A new subscription (an operator put on a plan by the administrator or the owner),
    /// audited; `ConditionFailed` if it has one already.
    pub async fn create_subscription(
        &self,
        sub: &Subscription,
        entry: &AuditEntry,
        platform: bool,
    ) -> Result<()> {
        let mut writes = vec![new_subscription_write(sub), audit_write(entry)];
        if platform {
            writes.push(platform_audit_write(entry));
        }
        Ok(self.table.transact(writes).await?)
    }

    /// Operators whose subscription is billed only until before `before`: due for an invoice.
    pub async fn subscriptions_to_bill(
        &self,
        before: jiff::Timestamp,
        limit: usize,
    ) -> Result<Vec<String>> {
        let query = Query::partition(Index::Gsi2, keys::BILLING_PARTITION)
            .between(String::new(), keys::time(before))
            .limit(limit);
        let subs: Vec<Subscription> = self.query_entities(&query).await?;
        Ok(subs.into_iter().map(|s| s.operator_id).collect())
    }

    /// Pesapal payments of invoices started between `from` and `to`, oldest first.
    pub async fn recent_invoice_attempts(
        &self,
        from: jiff::Timestamp,
        to: jiff::Timestamp,
        limit: usize,
    ) -> Result<Vec<InvoiceAttempt>> {
        let query = Query::partition(Index::Gsi2, keys::INVOICE_ATTEMPTS_PARTITION)
            .between(keys::time(from), keys::time(to))
            .limit(limit);
        self.query_entities(&query).await
    }

    /// The last invoice number given out (0 before the first).
    pub async fn last_invoice_number(&self) -> Result<u64> {
        let item = self.table.get(&keys::invoice_sequence()).await?;
        Ok(item
            .and_then(|i| i.int("last"))
            .and_then(|n| u64::try_from(n).ok())
            .unwrap_or(0))
    }

    /// Issues `invoice` (numbered one past the last) for the period after what `sub` has
    /// billed, all or nothing: `ConditionFailed` when another request took the number or
    /// billed the period first.
    pub async fn issue_invoice(
        &self,
        sub: &Subscription,
        billed: &Subscription,
        invoice: &Invoice,
    ) -> Result<()> {
        let previous = invoice.number - 1;
        let sequence_free = if previous == 0 {
            Condition::NotExists
        } else {
            Condition::attr_eq("last", previous)
        };
        let writes = vec![
            Write::put_new(invoice_item(invoice)),
            Write::Update {
                key: keys::invoice_sequence(),
                changes: vec![("last".into(), set(invoice.number))],
                condition: Some(sequence_free),
            },
            subscription_write(sub, billed),
        ];
        Ok(self.table.transact(writes).await?)
    }

    pub async fn invoice(&self, number: u64) -> Result<Option<Invoice>> {
        self.get_entity(&keys::invoice(number)).await
    }

    /// The operator's invoices, newest first.
    pub async fn invoices(&self, operator_id: &str, limit: usize) -> Result<Vec<Invoice>> {
        let query = Query::partition(Index::Gsi1, keys::invoices_of(operator_id))
            .descending()
            .limit(limit);
        self.query_entities(&query).await
    }

    /// Open invoices due before `before`, oldest due first, at most `limit`.
    pub async fn open_invoices(
        &self,
        before: jiff::Timestamp,
        limit: usize,
    ) -> Result<Vec<Invoice>> {
        let query = Query::partition(Index::Gsi2, keys::OPEN_INVOICES_PARTITION)
            .between(String::new(), keys::time(before))
            .limit(limit);
        self.query_entities(&query).await
    }

    /// Starts a Pesapal payment of an open invoice; `ConditionFailed` when the invoice was
    /// paid or another attempt started since it was read.
    pub async fn start_invoice_attempt(
        &self,
        invoice: &Invoice,
        attempt: &InvoiceAttempt,
    ) -> Result<()> {
        let writes = vec![
            Write::Update {
                key: keys::invoice(invoice.number),
                changes: vec![("attempts".into(), set(invoice.attempts + 1))],
                condition: Some(Condition::All(vec![
                    Condition::attr_eq("status", InvoiceStatus::Open.as_str()),
                    Condition::attr_eq("attempts", invoice.attempts),
                ])),
            },
            Write::put_new(item(
                attempt,
                keys::invoice_attempt(attempt.invoice_number, &attempt.reference),
                "invoice_attempt",
                &[
                    (attr::GSI2PK, keys::INVOICE_ATTEMPTS_PARTITION.to_owned()),
                    (
                        attr::GSI2SK,
                        format!("{}#{}", keys::time(attempt.created_at), attempt.reference),
                    ),
                ],
            )),
        ];
        Ok(self.table.transact(writes).await?)
    }

    pub async fn set_attempt_submitted(
        &self,
        attempt: &InvoiceAttempt,
        tracking_id: &str,
        redirect_url: &str,
    ) -> Result<()> {
        let write = Write::Update {
            key: keys::invoice_attempt(attempt.invoice_number, &attempt.reference),
            changes: vec![
                ("tracking_id".into(), set(tracking_id)),
                ("redirect_url".into(), set(redirect_url)),
            ],
            condition: Some(Condition::Exists),
        };
        Ok(self.table.write(write).await?)
    }

    pub async fn invoice_attempt(
        &self,
        number: u64,
        reference: &str,
    ) -> Result<Option<InvoiceAttempt>> {
        self.get_entity(&keys::invoice_attempt(number, reference))
            .await
    }

    /// Re-prices an open invoice nobody has started paying (a change of plan before paying).
    pub async fn reprice_invoice(&self, before: &Invoice, after: &Invoice) -> Result<()> {
        let write = Write::Put {
            item: invoice_item(after),
            condition: Some(Condition::All(vec![
                Condition::attr_eq("status", InvoiceStatus::Open.as_str()),
                Condition::attr_eq("attempts", before.attempts),
            ])),
        };
        Ok(self.table.write(write).await?)
    }

    /// Marks an open invoice paid and extends the subscription, with its event, audit
    /// entries and the platform's revenue counters, all or nothing. `ConditionFailed`: the
    /// invoice was paid already, or the subscription changed since it was read.
    #[allow(clippy::too_many_arguments)]
    pub async fn settle_invoice(
        &self,
        invoice: &Invoice,
        payment: &InvoicePayment,
        sub: &Subscription,
        extended: &Subscription,
        event: Option<&PaymentEvent>,
        entry: &AuditEntry,
        platform: bool,
    ) -> Result<()> {
        let day = payment.at.strftime("%Y-%m-%d").to_string();
        let mut writes = vec![
            Write::Update {
                key: keys::invoice(invoice.number),
                changes: vec![
                    ("status".into(), set(InvoiceStatus::Paid.as_str())),
                    ("payment".into(), set(payment)),
                    (attr::GSI2PK.into(), Change::Remove),
                    (attr::GSI2SK.into(), Change::Remove),
                ],
                condition: Some(Condition::attr_eq("status", InvoiceStatus::Open.as_str())),
            },
            subscription_write(sub, extended),
            platform_day_write(
                &day,
                &invoice.label(),
                &[
                    ("subscription_revenue", payment.amount.minor()),
                    ("invoices_paid", 1),
                ],
            ),
            audit_write(entry),
        ];
        if platform {
            writes.push(platform_audit_write(entry));
        }
        if let Some(event) = event {
            writes.push(self.invoice_event_write(invoice.number, event));
            // The attempt that paid leaves the index of payments to check.
            writes.push(Write::Update {
                key: keys::invoice_attempt(invoice.number, &event.order_id),
                changes: vec![
                    (attr::GSI2PK.into(), Change::Remove),
                    (attr::GSI2SK.into(), Change::Remove),
                ],
                condition: Some(Condition::Exists),
            });
        }
        Ok(self.table.transact(writes).await?)
    }

    fn invoice_event_write(&self, number: u64, event: &PaymentEvent) -> Write {
        let key = keys::invoice_event(number, event.received_at, &event.id);
        Write::put_new(item(event, key, "invoice_event", &[]))
    }

    /// Records a second payment of a paid invoice (a refund is due), once per Pesapal payment:
    /// the marker, the event and the audit entries in one transaction. `false` when it was
    /// recorded before.
    pub async fn record_double_payment(
        &self,
        number: u64,
        tracking_id: &str,
        event: &PaymentEvent,
        entry: &AuditEntry,
    ) -> Result<bool> {
        let marker = serde_json::json!({ "invoice": number, "tracking_id": tracking_id });
        let writes = vec![
            Write::put_new(item(
                &marker,
                keys::invoice_double_payment(number, tracking_id),
                "invoice_double_payment",
                &[],
            )),
            self.invoice_event_write(number, event),
            audit_write(entry),
            platform_audit_write(entry),
        ];
        match self.table.transact(writes).await {
            Ok(()) => Ok(true),
            Err(crate::ports::table::TableError::ConditionFailed { index: 0 }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Keeps a gateway answer about an invoice that changed nothing (or was refused).
    pub async fn record_invoice_event(&self, number: u64, event: &PaymentEvent) -> Result<()> {
        Ok(self
            .table
            .write(self.invoice_event_write(number, event))
            .await?)
    }

    /// What the gateway said about an invoice's payments, oldest first.
    pub async fn invoice_events(&self, number: u64) -> Result<Vec<PaymentEvent>> {
        let query = Query::partition(Index::Primary, keys::invoice_partition(number))
            .begins_with(keys::EVENT_PREFIX);
        self.query_entities(&query).await
    }

    /// Vouchers the operator made for customers in `month` (`yyyy-mm`).
    pub async fn vouchers_made(&self, operator_id: &str, month: &str) -> Result<u64> {
        Ok(self.month_usage(operator_id, month).await?.vouchers_made)
    }

    /// The operator's counts of `month` (zero when nothing happened).
    pub async fn month_usage(&self, operator_id: &str, month: &str) -> Result<MonthUsage> {
        Ok(self
            .get_entity(&keys::month_usage(operator_id, month))
            .await?
            .unwrap_or_default())
    }

    /// The platform's counters of each UTC day from `first` to `last` that has any, oldest
    /// first, each day's shards added up: a few hundred small items whatever the number of
    /// operators.
    pub async fn platform_days(
        &self,
        first: &str,
        last: &str,
    ) -> Result<Vec<(String, PlatformDay)>> {
        let query = Query::partition(Index::Primary, keys::PLATFORM_STATS_PARTITION)
            .between(format!("DAY#{first}"), format!("DAY#{last}#~"));
        let mut days: Vec<(String, PlatformDay)> = Vec::new();
        let mut query = query;
        loop {
            let page = self.table.query(&query).await?;
            for item in page.items {
                let sk = item.str(attr::SK).unwrap_or_default().to_owned();
                let day = sk
                    .trim_start_matches("DAY#")
                    .get(..10)
                    .unwrap_or_default()
                    .to_owned();
                let shard: PlatformDay = entity(item)?;
                match days.last_mut() {
                    Some((last, total)) if *last == day => total.add(&shard),
                    _ => days.push((day, shard)),
                }
            }
            match page.next {
                Some(next) => query.after = Some(next),
                None => return Ok(days),
            }
        }
    }

    /// Every subscription, a page of at most `limit` after `after` (an operator id).
    pub async fn subscriptions_page(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Subscription>> {
        let low = after.map(|a| format!("{a}\u{1}")).unwrap_or_default();
        let query = Query::partition(Index::Gsi1, keys::SUBSCRIPTIONS_PARTITION)
            .between(low, "\u{10FFFF}".to_owned())
            .limit(limit);
        self.query_entities(&query).await
    }

    pub async fn platform_snapshot(&self) -> Result<Option<PlatformSnapshot>> {
        self.get_entity(&keys::platform_snapshot()).await
    }

    pub async fn save_platform_snapshot(&self, snapshot: &PlatformSnapshot) -> Result<()> {
        let write = Write::put(item(
            snapshot,
            keys::platform_snapshot(),
            "platform_snapshot",
            &[],
        ));
        Ok(self.table.write(write).await?)
    }

    /// Adds to the platform's day counters outside any transaction: figures for the
    /// administrator, not money, so a lost count (a crash right after the sale) is accepted
    /// rather than making every sale of every operator write one shared item in its
    /// transaction (where two operators' sales at once would cancel each other).
    pub async fn count_for_platform(
        &self,
        at: jiff::Timestamp,
        spread: &str,
        counts: &[(&str, i64)],
    ) {
        let day = at.strftime("%Y-%m-%d").to_string();
        if let Err(error) = self
            .table
            .write(platform_day_write(&day, spread, counts))
            .await
        {
            tracing::warn!(%error, "platform figures not counted");
        }
    }

    /// Counts an IPN that could not be processed (Pesapal is asked to retry).
    pub async fn count_ipn_failure(&self, at: jiff::Timestamp, spread: &str) -> Result<()> {
        let day = at.strftime("%Y-%m-%d").to_string();
        Ok(self
            .table
            .write(platform_day_write(&day, spread, &[("ipn_failures", 1)]))
            .await?)
    }

    /// The newest entries of the platform's audit log.
    pub async fn platform_audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        let query = Query::partition(Index::Primary, keys::PLATFORM_AUDIT_PARTITION)
            .descending()
            .limit(limit);
        self.query_entities(&query).await
    }
}

/// What an invoice's audit entry records.
pub fn invoice_record(invoice: &Invoice) -> serde_json::Value {
    json!({
        "invoice": invoice.label(),
        "plan": invoice.plan,
        "amount_minor": invoice.amount.minor(),
        "currency": invoice.currency,
        "period_start": invoice.period_start,
        "period_end": invoice.period_end,
    })
}
