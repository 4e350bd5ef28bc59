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
}

/// A change to the platform's day counters, to add to a transaction.
pub(crate) fn platform_day_write(day: &str, counts: &[(&str, i64)]) -> Write {
    Write::Update {
        key: keys::platform_day(day),
        changes: counts
            .iter()
            .map(|(name, n)| ((*name).to_owned(), Change::Add(*n)))
            .collect(),
        condition: None,
    }
}

/// Counts `n` vouchers made for customers in the operator's `month`, to add to the
/// transaction that makes them.
// Not called yet: the use cases that make vouchers adopt it with the plan limits.
#[allow(dead_code)]
pub(crate) fn vouchers_made_write(operator_id: &str, month: &str, n: u64) -> Write {
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    Write::Update {
        key: keys::month_usage(operator_id, month),
        changes: vec![("vouchers_made".into(), Change::Add(n))],
        condition: None,
    }
}

fn subscription_item(sub: &Subscription) -> crate::ports::table::Item {
    item(
        sub,
        keys::subscription(&sub.operator_id),
        "subscription",
        &[],
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
// Not called yet: sign-up adopts it with subscriptions.
#[allow(dead_code)]
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

    /// The Pesapal orders started for an invoice.
    pub async fn invoice_attempts(&self, number: u64) -> Result<Vec<InvoiceAttempt>> {
        let query = Query::partition(Index::Primary, keys::invoice_partition(number))
            .begins_with("ATTEMPT#");
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
                &[],
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
        }
        Ok(self.table.transact(writes).await?)
    }

    fn invoice_event_write(&self, number: u64, event: &PaymentEvent) -> Write {
        let key = keys::invoice_event(number, event.received_at, &event.id);
        Write::put_new(item(event, key, "invoice_event", &[]))
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
        let item = self
            .table
            .get(&keys::month_usage(operator_id, month))
            .await?;
        Ok(item
            .and_then(|i| i.int("vouchers_made"))
            .and_then(|n| u64::try_from(n).ok())
            .unwrap_or(0))
    }

    /// The platform's counters of each UTC day from `first` to `last` (missing days are zero).
    pub async fn platform_days(
        &self,
        first: &str,
        last: &str,
    ) -> Result<Vec<(String, PlatformDay)>> {
        let query = Query::partition(Index::Primary, keys::PLATFORM_STATS_PARTITION)
            .between(format!("DAY#{first}"), format!("DAY#{last}"));
        let page = self.table.query(&query).await?;
        page.items
            .into_iter()
            .map(|item| {
                let day = item
                    .str(attr::SK)
                    .unwrap_or_default()
                    .trim_start_matches("DAY#")
                    .to_owned();
                Ok((day, entity(item)?))
            })
            .collect()
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
