//! The platform administrator's console: operators (search, one operator's page), the actions
//! on a subscription (each with a reason, written to the platform's audit log and to the
//! operator's), platform statistics read from day counters, the plan catalogue and the
//! landing page's testimonials.

use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use tracing::info;

use super::{
    Platform, ServiceError, Tiketi, accounts::text_field, admins::AdminAuth, billing::LimitUsage,
    catalog::new_id,
};
use crate::{
    domain::{
        audit::AuditEntry,
        catalog::{Operator, Router},
        invoice::{Invoice, InvoiceKind, InvoicePayment, InvoiceStatus, PaidBy},
        order::{Order, OrderStatus},
        phone::Msisdn,
        plan::Plan,
        subscription::{Subscription, SubscriptionStatus, Suspension, one_month_after},
        testimonial::{MAX_QUOTE, Testimonial},
    },
    ports::{Clock, Queue},
    store::{
        MonthUsage, PlatformDay, PlatformSnapshot, StoreError, directory_term, invoice_record,
    },
};

/// Rows a list shows.
const LIST_LIMIT: usize = 50;
/// A router that has not reported for this long counts as offline (a heartbeat every
/// 5 minutes, and some slack).
const OFFLINE_AFTER: SignedDuration = SignedDuration::from_mins(7);
/// Overdue invoices the statistics page reads at most.
const MAX_OVERDUE_READ: usize = 2_000;
/// The longest trial extension at once.
const MAX_EXTENSION_DAYS: i64 = 90;

/// One operator in the administrator's list.
#[derive(Debug, Clone)]
pub struct OperatorRow {
    pub operator: Operator,
    pub owner_email: Option<String>,
    pub subscription: Option<Subscription>,
    pub status: Option<SubscriptionStatus>,
    pub month: MonthUsage,
    pub routers_online: usize,
    pub routers_offline: usize,
    /// The last router report or sale this month, whichever is later.
    pub last_activity: Option<Timestamp>,
}

/// A router's health as the administrator sees it.
#[derive(Debug, Clone)]
pub struct RouterHealth {
    pub router: Router,
    pub last_report: Option<Timestamp>,
    pub online: bool,
}

/// One operator's page.
#[derive(Debug, Clone)]
pub struct OperatorDetails {
    pub row: OperatorRow,
    pub plan: Option<Plan>,
    pub usage: Vec<LimitUsage>,
    pub invoices: Vec<Invoice>,
    pub routers: Vec<RouterHealth>,
    pub recent_orders: Vec<Order>,
}

/// What platform support sees of an operator (read-only).
#[derive(Debug, Clone)]
pub struct SupportView {
    pub details: OperatorDetails,
    pub vouchers: Vec<crate::domain::voucher::Voucher>,
    /// Vouchers by status.
    pub counts: std::collections::BTreeMap<String, i64>,
}

/// The console's home page: the platform's figures.
#[derive(Debug, Clone)]
pub struct PlatformStats {
    /// The issuance queue: vouchers waiting to be made, and messages failed for good.
    pub queue: Option<crate::ports::queue::QueueDepth>,
    /// Subscriptions by status and plan, and the MRR, as of the last hourly count.
    pub snapshot: PlatformSnapshot,
    /// The last 30 UTC days, oldest first, every day present.
    pub days: Vec<(String, PlatformDay)>,
    pub today: PlatformDay,
    pub month: PlatformDay,
    pub overdue_invoices: usize,
    /// More are overdue than were read.
    pub overdue_capped: bool,
    pub overdue_value: i64,
}

/// An action on a subscription.
#[derive(Debug, Clone)]
pub enum SubscriptionAction {
    Suspend,
    Resume,
    ChangePlan(String),
    ExtendTrial { days: i64 },
}

impl SubscriptionAction {
    fn name(&self) -> &'static str {
        match self {
            Self::Suspend => "subscription.suspend",
            Self::Resume => "subscription.resume",
            Self::ChangePlan(_) => "subscription.plan",
            Self::ExtendTrial { .. } => "subscription.extend_trial",
        }
    }
}

/// A reason is required for every administrator's action.
fn reason_of(reason: &str) -> Result<String, ServiceError> {
    text_field(reason, "Reason", 200)
}

impl<P: Platform> Tiketi<P> {
    /// An audit entry of an administrator's action on `operator_id` ("" for the platform).
    fn admin_entry(
        &self,
        auth: &AdminAuth,
        operator_id: &str,
        (action, subject): (&str, &str),
        (before, after): (Option<serde_json::Value>, Option<serde_json::Value>),
        reason: Option<String>,
    ) -> AuditEntry {
        AuditEntry {
            id: new_id(),
            operator_id: operator_id.to_owned(),
            at: self.clock.now(),
            actor_id: format!("admin:{}", auth.admin.id),
            actor_name: format!("{} (Tiketi support)", auth.admin.name),
            action: action.into(),
            subject: subject.into(),
            before,
            after,
            note: reason,
        }
    }

    /// Operators whose name, e-mail or phone starts with `search`, or the newest ones.
    pub async fn admin_operators(&self, search: &str) -> Result<Vec<OperatorRow>, ServiceError> {
        let search = search.trim();
        let operators = if search.is_empty() {
            self.store.newest_operators(LIST_LIMIT).await?
        } else {
            let mut terms = vec![
                directory_term("name", search),
                directory_term("email", search),
            ];
            if let Ok(phone) = Msisdn::parse(search) {
                terms.push(directory_term("phone", phone.as_str()));
            }
            let mut ids: Vec<String> = Vec::new();
            for term in terms {
                for id in self.store.search_directory(&term, LIST_LIMIT).await? {
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
            }
            let mut found = Vec::new();
            for id in ids.iter().take(LIST_LIMIT) {
                if let Some(op) = self.store.operator(id).await? {
                    found.push(op);
                }
            }
            found
        };
        let mut rows = Vec::with_capacity(operators.len());
        for operator in operators {
            rows.push(self.operator_row(operator).await?.0);
        }
        Ok(rows)
    }

    async fn operator_row(
        &self,
        operator: Operator,
    ) -> Result<(OperatorRow, Vec<RouterHealth>), ServiceError> {
        let now = self.clock.now();
        let subscription = self.store.subscription(&operator.id).await?;
        let month = Self::usage_month(now, &operator.time_zone);
        let usage = self.store.month_usage(&operator.id, &month).await?;
        let owner_email = self
            .store
            .users(&operator.id)
            .await?
            .into_iter()
            .find(|u| u.is_owner())
            .map(|u| u.email.as_str().to_owned());
        let mut routers = Vec::new();
        for router in self.store.routers(&operator.id).await? {
            let last_report = self
                .store
                .router_inventory(&operator.id, &router.id)
                .await?
                .and_then(|i| i.last_report());
            routers.push(RouterHealth {
                online: last_report.is_some_and(|at| now - at <= OFFLINE_AFTER),
                last_report,
                router,
            });
        }
        let online = routers.iter().filter(|r| r.online).count();
        let row = OperatorRow {
            status: subscription.as_ref().map(|s| s.status(now)),
            subscription,
            owner_email,
            month: usage,
            routers_online: online,
            routers_offline: routers.len() - online,
            last_activity: routers.iter().filter_map(|r| r.last_report).max(),
            operator,
        };
        Ok((row, routers))
    }

    /// One operator's page.
    pub async fn admin_operator(&self, operator_id: &str) -> Result<OperatorDetails, ServiceError> {
        let operator = self
            .store
            .operator(operator_id)
            .await?
            .ok_or(ServiceError::NotFound("operator"))?;
        self.issue_due_invoices(operator_id).await?;
        let (row, routers) = self.operator_row(operator.clone()).await?;
        let plan = match &row.subscription {
            Some(sub) => self.plan(&sub.plan).await?,
            None => None,
        };
        let usage = match &plan {
            Some(plan) => self.plan_usage(&operator, plan).await?,
            None => Vec::new(),
        };
        let now = self.clock.now();
        let since = now - SignedDuration::from_hours(30 * 24);
        let mut recent_orders = Vec::new();
        for status in OrderStatus::ALL {
            recent_orders.extend(
                self.store
                    .orders_in_status(operator_id, status, since, now, 20)
                    .await?,
            );
        }
        recent_orders.sort_by_key(|o| std::cmp::Reverse(o.created_at));
        recent_orders.truncate(20);
        Ok(OperatorDetails {
            invoices: self.store.invoices(operator_id, 24).await?,
            row,
            plan,
            usage,
            routers,
            recent_orders,
        })
    }

    /// Suspends, resumes, changes the plan of, or extends the trial of an operator, with the
    /// reason in both audit logs.
    pub async fn admin_subscription_action(
        &self,
        auth: &AdminAuth,
        operator_id: &str,
        action: &SubscriptionAction,
        reason: &str,
    ) -> Result<(), ServiceError> {
        let reason = reason_of(reason)?;
        self.store
            .operator(operator_id)
            .await?
            .ok_or(ServiceError::NotFound("operator"))?;
        if let SubscriptionAction::ChangePlan(code) = action {
            let plan = self
                .plan(code)
                .await?
                .ok_or_else(|| ServiceError::Invalid("choose a plan of the catalogue".into()))?;
            let entry = |before: &Subscription| {
                self.admin_entry(
                    auth,
                    operator_id,
                    (action.name(), operator_id),
                    (
                        Some(json!({"plan": before.plan})),
                        Some(json!({"plan": plan.code})),
                    ),
                    Some(reason.clone()),
                )
            };
            return self.set_plan(operator_id, &plan, entry, true).await;
        }
        for _ in 0..5 {
            let sub = self.store.subscription(operator_id).await?.ok_or_else(|| {
                ServiceError::Invalid("this operator is not on a plan: choose one first".into())
            })?;
            let now = self.clock.now();
            let mut next = sub.clone();
            match action {
                SubscriptionAction::Suspend => {
                    if sub.suspended.is_some() {
                        return Err(ServiceError::Conflict("already suspended".into()));
                    }
                    next.suspended = Some(Suspension {
                        reason: reason.clone(),
                        at: now,
                    });
                }
                SubscriptionAction::Resume => {
                    if sub.suspended.is_none() {
                        return Err(ServiceError::Conflict("not suspended".into()));
                    }
                    next.suspended = None;
                }
                SubscriptionAction::ExtendTrial { days } => {
                    if !(1..=MAX_EXTENSION_DAYS).contains(days) {
                        return Err(ServiceError::Invalid(format!(
                            "extend a trial by 1 to {MAX_EXTENSION_DAYS} days"
                        )));
                    }
                    let by = SignedDuration::from_hours(days * 24);
                    // From its end, or from now for a trial that has ended.
                    next.trial_ends_at = sub.trial_ends_at.max(now) + by;
                    // Nothing paid yet: the first invoice moves to the new end of the trial
                    // (below), and billing continues from its period.
                    if sub.paid_until.is_none() {
                        next.billed_until = one_month_after(next.trial_ends_at);
                    }
                }
                SubscriptionAction::ChangePlan(_) => unreachable!("handled above"),
            }
            let entry = self.admin_entry(
                auth,
                operator_id,
                (action.name(), operator_id),
                (
                    Some(subscription_record(&sub)),
                    Some(subscription_record(&next)),
                ),
                Some(reason.clone()),
            );
            match self
                .store
                .change_subscription(&sub, &next, &entry, true)
                .await
            {
                Ok(()) => {
                    info!(operator_id, action = action.name(), admin = %auth.admin.id, "subscription changed by an administrator");
                    if matches!(action, SubscriptionAction::ExtendTrial { .. })
                        && sub.paid_until.is_none()
                    {
                        self.redate_first_invoice(operator_id, next.trial_ends_at)
                            .await?;
                    }
                    return Ok(());
                }
                Err(e) if e.lost_race() => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ServiceError::Conflict(
            "the subscription changed meanwhile: reload and try again".into(),
        ))
    }

    /// After a trial is extended, the unpaid first invoice nobody started paying bills the
    /// month from the new end of the trial (the extra days are free).
    async fn redate_first_invoice(
        &self,
        operator_id: &str,
        trial_ends_at: Timestamp,
    ) -> Result<(), ServiceError> {
        for invoice in self.store.invoices(operator_id, 3).await? {
            if invoice.status != InvoiceStatus::Open
                || invoice.kind != InvoiceKind::Period
                || invoice.attempts > 0
                || invoice.period_start >= trial_ends_at
            {
                continue;
            }
            let mut moved = invoice.clone();
            moved.period_start = trial_ends_at;
            moved.due_at = trial_ends_at;
            moved.period_end = one_month_after(trial_ends_at);
            match self.store.reprice_invoice(&invoice, &moved).await {
                // Someone started paying it meanwhile: it keeps its dates.
                Ok(()) => {}
                Err(e) if e.lost_race() => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Records a payment received outside Pesapal (bank transfer, cash) against an open
    /// invoice: the invoice is paid and the subscription extended, as by Pesapal.
    pub async fn admin_record_payment(
        &self,
        auth: &AdminAuth,
        operator_id: &str,
        number: u64,
        by: PaidBy,
        reference: &str,
        reason: &str,
    ) -> Result<Invoice, ServiceError> {
        let reason = reason_of(reason)?;
        let reference = text_field(reference, "Payment reference", 60)?;
        if by == PaidBy::Pesapal {
            return Err(ServiceError::Invalid(
                "Pesapal payments are recorded by Pesapal's notifications".into(),
            ));
        }
        let invoice = self
            .store
            .invoice(number)
            .await?
            .filter(|i| i.operator_id == operator_id)
            .ok_or(ServiceError::NotFound("invoice"))?;
        if invoice.status == InvoiceStatus::Paid {
            return Err(ServiceError::Conflict(format!(
                "{} is paid already",
                invoice.label()
            )));
        }
        let payment = InvoicePayment {
            by,
            amount: invoice.amount,
            reference,
            at: self.clock.now(),
            tracking_id: None,
            recorded_by: Some(auth.admin.name.clone()),
        };
        let entry = self.admin_entry(
            auth,
            operator_id,
            ("invoice.record_payment", &invoice.label()),
            (
                Some(invoice_record(&invoice)),
                Some(json!({"paid_by": by.label(), "reference": payment.reference})),
            ),
            Some(reason),
        );
        self.settle(&invoice, &payment, None, &entry, true).await
    }

    /// The platform's figures of the last 30 days, from day counters: the same few reads at
    /// 10 or 10,000 operators.
    pub async fn platform_stats(&self) -> Result<PlatformStats, ServiceError> {
        let now = self.clock.now();
        let day_of = |at: Timestamp| at.strftime("%Y-%m-%d").to_string();
        let first = now - SignedDuration::from_hours(29 * 24);
        let stored = self
            .store
            .platform_days(&day_of(first), &day_of(now))
            .await?;
        let mut days = Vec::with_capacity(30);
        for i in 0..30 {
            let day = day_of(first + SignedDuration::from_hours(i * 24));
            let counts = stored
                .iter()
                .find(|(d, _)| *d == day)
                .map(|(_, c)| *c)
                .unwrap_or_default();
            days.push((day, counts));
        }
        let today = days.last().map(|(_, c)| *c).unwrap_or_default();
        let this_month = &day_of(now)[..7];
        let mut month = PlatformDay::default();
        for (day, counts) in &days {
            if day.starts_with(this_month) {
                month.add(counts);
            }
        }
        // Only the overdue ones are read (the index is by due date): a cost that grows with
        // unpaid invoices, not with operators.
        let overdue = self.store.open_invoices(now, MAX_OVERDUE_READ).await?;
        // The issuance queue, if it answers (the page still shows the rest when it does not).
        let queue = match self.queue.depth().await {
            Ok(depth) => Some(depth),
            Err(error) => {
                tracing::warn!(%error, "queue depth unavailable");
                None
            }
        };
        Ok(PlatformStats {
            queue,
            snapshot: self.platform_snapshot().await?,
            days,
            today,
            month,
            overdue_invoices: overdue.len(),
            overdue_capped: overdue.len() >= MAX_OVERDUE_READ,
            overdue_value: overdue.iter().map(|i| i.amount.minor()).sum(),
        })
    }

    /// Counts every subscription by status and plan, and the MRR, and keeps the count (the
    /// statistics page reads it). `None` when `deadline` came first (nothing is saved; the
    /// next pass starts again).
    pub async fn refresh_platform_snapshot(
        &self,
        deadline: std::time::Instant,
    ) -> Result<Option<PlatformSnapshot>, ServiceError> {
        const PAGE: usize = 500;
        let now = self.clock.now();
        let plans = self.plan_catalogue().await?;
        let mut snapshot = PlatformSnapshot {
            at: Some(now),
            ..PlatformSnapshot::default()
        };
        let mut after: Option<String> = None;
        loop {
            if std::time::Instant::now() >= deadline {
                return Ok(None);
            }
            let page = self
                .store
                .subscriptions_page(after.as_deref(), PAGE)
                .await?;
            for sub in &page {
                let status = sub.status(now);
                *snapshot
                    .by_status
                    .entry(status.as_str().to_owned())
                    .or_default() += 1;
                *snapshot.by_plan.entry(sub.plan.clone()).or_default() += 1;
                if matches!(
                    status,
                    SubscriptionStatus::Active | SubscriptionStatus::PastDue
                ) && let Some(plan) = plans.iter().find(|p| p.code == sub.plan)
                {
                    snapshot.mrr += plan.price.minor();
                }
            }
            match page.last() {
                Some(last) if page.len() == PAGE => after = Some(last.operator_id.clone()),
                _ => break,
            }
        }
        self.store.save_platform_snapshot(&snapshot).await?;
        info!(?snapshot.by_status, mrr = snapshot.mrr, "platform snapshot taken");
        Ok(Some(snapshot))
    }

    /// The snapshot the statistics page shows: the kept one, or a fresh one on the first look.
    pub async fn platform_snapshot(&self) -> Result<PlatformSnapshot, ServiceError> {
        if let Some(kept) = self.store.platform_snapshot().await? {
            return Ok(kept);
        }
        let deadline = self.settings.pass_deadline();
        Ok(self
            .refresh_platform_snapshot(deadline)
            .await?
            .unwrap_or_default())
    }

    /// The newest entries of the platform's audit log.
    pub async fn platform_audit(&self, limit: usize) -> Result<Vec<AuditEntry>, ServiceError> {
        Ok(self.store.platform_audit_log(limit.min(500)).await?)
    }

    /// Saves a plan of the catalogue (new or changed); the first save stores the whole
    /// default catalogue with it, so the others keep their terms.
    pub async fn admin_save_plan(&self, auth: &AdminAuth, plan: &Plan) -> Result<(), ServiceError> {
        plan.validate().map_err(ServiceError::Invalid)?;
        let mut plans = self.plan_catalogue().await?;
        let before = plans.iter().find(|p| p.code == plan.code).cloned();
        match plans.iter_mut().find(|p| p.code == plan.code) {
            Some(existing) => *existing = plan.clone(),
            None => plans.push(plan.clone()),
        }
        let entry = self.admin_entry(
            auth,
            "",
            ("plan.save", &plan.code),
            (before.map(|p| json!(p)), Some(json!(plan))),
            None,
        );
        self.store.save_plans(&plans, &entry).await?;
        Ok(())
    }

    pub async fn admin_add_testimonial(
        &self,
        auth: &AdminAuth,
        quote: &str,
        author: &str,
        business: &str,
    ) -> Result<Testimonial, ServiceError> {
        let testimonial = Testimonial {
            id: new_id(),
            quote: text_field(quote, "Quote", MAX_QUOTE)?,
            author: text_field(author, "Name", 80)?,
            business: text_field(business, "Business", 120)?,
            added_at: self.clock.now(),
        };
        let entry = self.admin_entry(
            auth,
            "",
            ("testimonial.add", &testimonial.id),
            (None, Some(json!(testimonial))),
            None,
        );
        self.store.save_testimonial(&testimonial, &entry).await?;
        Ok(testimonial)
    }

    pub async fn admin_delete_testimonial(
        &self,
        auth: &AdminAuth,
        id: &str,
    ) -> Result<(), ServiceError> {
        let entry = self.admin_entry(auth, "", ("testimonial.delete", id), (None, None), None);
        match self.store.delete_testimonial(id, &entry).await {
            Ok(()) => Ok(()),
            Err(StoreError::ConditionFailed { .. }) => Err(ServiceError::NotFound("testimonial")),
            Err(e) => Err(e.into()),
        }
    }

    /// A read-only look at an operator's dashboard figures, vouchers and orders, recorded in
    /// the operator's audit log as viewed by platform support.
    pub async fn admin_support_view(
        &self,
        auth: &AdminAuth,
        operator_id: &str,
    ) -> Result<SupportView, ServiceError> {
        let details = self.admin_operator(operator_id).await?;
        let entry = self.admin_entry(
            auth,
            operator_id,
            ("support.view", "dashboard, vouchers and orders"),
            (None, None),
            Some("viewed by platform support".into()),
        );
        self.store.append_audit(&entry).await?;
        let search = super::vouchers::VoucherSearch::Listing {
            status: None,
            from: None,
            to: None,
        };
        let vouchers = self
            .search_vouchers(&details.row.operator, &search, None, 20)
            .await?
            .items;
        let counts = self.store.voucher_counts(operator_id).await?;
        Ok(SupportView {
            details,
            vouchers,
            counts,
        })
    }
}

fn subscription_record(sub: &Subscription) -> serde_json::Value {
    json!({
        "plan": sub.plan, "trial_ends_at": sub.trial_ends_at, "paid_until": sub.paid_until,
        "suspended": sub.suspended.as_ref().map(|s| &s.reason),
    })
}
