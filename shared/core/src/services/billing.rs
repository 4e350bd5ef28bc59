//! Operators' subscriptions to the platform: plan limits where things are created, invoices,
//! and their payment into the platform's own Pesapal account.
//!
//! Money rules are those of voucher sales (`services::payments`): a payment is believed only
//! from the gateway's transaction status asked with the platform's credentials; it must name
//! the attempt's reference, amount and currency; the invoice moves OPEN → PAID with a
//! conditional write in the same transaction that extends the subscription, so of many
//! notifications exactly one settles it, and each is kept as an invoice event.
//!
//! An operator without a subscription item (the demo operator, or one created before plans
//! existed) has no limits and no bills; the administrator can put it on a plan.

use jiff::Timestamp;
use serde_json::json;
use tracing::{info, instrument, warn};

use super::{
    Platform, ServiceError, Tiketi, accounts::Authenticated, catalog::new_id,
    issuance::business_day, payments::Notification,
};
use crate::{
    domain::{
        account::Role,
        audit::AuditEntry,
        catalog::Operator,
        invoice::{
            Invoice, InvoiceAttempt, InvoiceKind, InvoicePayment, InvoiceStatus, PaidBy,
            upgrade_price, verify_attempt,
        },
        payment::{CheckSource, Outcome, PaymentEvent},
        plan::{Feature, Limit, Plan},
        subscription::{INVOICE_AHEAD, PendingPlan, Subscription, SubscriptionStatus},
    },
    ports::{
        Clock, PaymentGateway,
        gateway::{MerchantAccount, PaymentRequest, PaymentState},
    },
    store::{StoreError, invoice_record},
};

/// The IPN path segment and IPN-registration owner of the platform's own merchant account:
/// `/pesapal/ipn/platform`. Operator ids are ULIDs, so no operator can be named so.
pub const PLATFORM_BILLING_ID: &str = "platform";

/// How many invoices Settings → Plan lists.
const INVOICES_SHOWN: usize = 24;
/// Tries of an optimistic write before giving up (another change keeps winning).
const TRIES: usize = 5;

/// One limit of the plan against what the operator has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitUsage {
    pub limit: Limit,
    pub used: u64,
    /// `None`: no limit.
    pub allowed: Option<u32>,
}

/// What Settings → Plan shows.
#[derive(Debug, Clone)]
pub struct PlanView {
    /// `None` for an operator outside billing (no limits, no bills).
    pub subscription: Option<Subscription>,
    pub status: Option<SubscriptionStatus>,
    pub plan: Option<Plan>,
    pub usage: Vec<LimitUsage>,
    pub invoices: Vec<Invoice>,
    /// Due within a week, or overdue: the portal reminds the owner.
    pub remind: bool,
    /// Plans the owner can move to.
    pub choices: Vec<Plan>,
}

/// What a change of plan did.
#[derive(Debug, Clone)]
pub enum PlanChange {
    /// In force now.
    Now(Plan),
    /// A smaller plan, from the end of the paid period.
    AtRenewal { plan: Plan, from: Timestamp },
    /// A bigger plan, once this invoice (the difference for the rest of the period) is paid.
    UpgradeInvoice(Invoice),
}

/// The month an upgrade's difference is prorated over.
const MONTH: jiff::SignedDuration = jiff::SignedDuration::from_hours(30 * 24);

/// An invoice the owner should pay soon, and where the subscription stands.
#[derive(Debug, Clone)]
pub struct BillingReminder {
    pub status: SubscriptionStatus,
    pub invoice: Invoice,
}

/// What the owner or administrator is told when an operator may not create anything new.
fn restricted(status: SubscriptionStatus) -> ServiceError {
    ServiceError::Restricted(match status {
        SubscriptionStatus::Suspended => {
            "This account is suspended by Tiketi: nothing new can be created. Vouchers already \
             sold keep working. Contact Tiketi support."
                .into()
        }
        _ => "Your subscription is unpaid: no new vouchers, batches, routers or online sales \
              until the open invoice is paid (Settings → Plan). Vouchers already sold keep \
              working."
            .into(),
    })
}

impl<P: Platform> Tiketi<P> {
    /// The month (`yyyy-mm`) of `at` in the operator's time zone, as the voucher limit counts.
    pub(crate) fn usage_month(at: Timestamp, time_zone: &str) -> String {
        business_day(at, time_zone)[..7].to_owned()
    }

    /// How much of each limit the operator uses now.
    pub async fn plan_usage(
        &self,
        operator: &Operator,
        plan: &Plan,
    ) -> Result<Vec<LimitUsage>, ServiceError> {
        let mut usage = Vec::new();
        for limit in Limit::ALL {
            usage.push(LimitUsage {
                limit,
                used: self.used(operator, limit).await?,
                allowed: plan.limit(limit),
            });
        }
        Ok(usage)
    }

    async fn used(&self, operator: &Operator, limit: Limit) -> Result<u64, ServiceError> {
        let op = &operator.id;
        Ok(match limit {
            Limit::Routers => self.store.routers(op).await?.len() as u64,
            // Agents working, or invited within an invitation's lifetime; one the owner
            // switched off, or an invitation never taken up, frees the place.
            Limit::Agents => {
                let now = self.clock.now();
                let waiting = |u: &crate::domain::account::User| {
                    u.password_hash.is_empty()
                        && now < u.created_at + crate::domain::agent::INVITE_LIFETIME
                };
                self.store
                    .users(op)
                    .await?
                    .iter()
                    .filter(|u| u.role == Role::Agent && (u.active || waiting(u)))
                    .count() as u64
            }
            Limit::VouchersPerMonth => {
                let month = Self::usage_month(self.clock.now(), &operator.time_zone);
                self.store.vouchers_made(op, &month).await?
            }
        })
    }

    /// The operator's subscription and its plan (`None`: outside billing).
    async fn subscription_and_plan(
        &self,
        operator_id: &str,
    ) -> Result<Option<(Subscription, Plan)>, ServiceError> {
        let Some(sub) = self.store.subscription(operator_id).await? else {
            return Ok(None);
        };
        let plan = self.plan_named(sub.plan_at(self.clock.now())).await?;
        Ok(Some((sub, plan)))
    }

    async fn plan_named(&self, code: &str) -> Result<Plan, ServiceError> {
        self.plan(code).await?.ok_or(ServiceError::NotFound("plan"))
    }

    /// Refuses a creation the subscription does not allow now: `adding` more of `limit`
    /// beyond the plan, or anything while restricted or suspended. What exists is never
    /// touched, so a downgrade only stops new creations until usage fits.
    pub async fn require_room(
        &self,
        operator: &Operator,
        limit: Limit,
        adding: u64,
    ) -> Result<(), ServiceError> {
        let Some((sub, plan)) = self.subscription_and_plan(&operator.id).await? else {
            return Ok(());
        };
        let status = sub.status(self.clock.now());
        if !status.may_create() {
            return Err(restricted(status));
        }
        if plan.limit(limit).is_some() {
            let used = self.used(operator, limit).await?;
            plan.check(limit, used, adding)?;
        }
        Ok(())
    }

    /// Refuses what the plan does not include (API tokens on Basic, ...).
    pub async fn require_feature(
        &self,
        operator: &Operator,
        feature: Feature,
    ) -> Result<(), ServiceError> {
        match self.subscription_and_plan(&operator.id).await? {
            Some((_, plan)) if !plan.includes(feature) => Err(ServiceError::NotInPlan(format!(
                "Your {} plan does not include {}. Choose a plan that does in Settings → Plan.",
                plan.name,
                feature.label()
            ))),
            _ => Ok(()),
        }
    }

    /// Whether the checkout may take a new order for the operator (a paid order is always
    /// issued, so the check happens before the customer pays).
    pub async fn may_sell_online(&self, operator: &Operator) -> Result<(), ServiceError> {
        self.require_room(operator, Limit::VouchersPerMonth, 1)
            .await
    }

    /// Settings → Plan: the plan, its usage, the invoices (issuing any that is due), and the
    /// plans to move to.
    pub async fn plan_view(&self, operator: &Operator) -> Result<PlanView, ServiceError> {
        let choices = self.plans_on_sale().await?;
        let Some((sub, plan)) = self.subscription_and_plan(&operator.id).await? else {
            return Ok(PlanView {
                subscription: None,
                status: None,
                plan: None,
                usage: Vec::new(),
                invoices: Vec::new(),
                remind: false,
                choices,
            });
        };
        self.issue_due_invoices(&operator.id).await?;
        let now = self.clock.now();
        let sub = self.store.subscription(&operator.id).await?.unwrap_or(sub);
        Ok(PlanView {
            status: Some(sub.status(now)),
            usage: self.plan_usage(operator, &plan).await?,
            invoices: self.store.invoices(&operator.id, INVOICES_SHOWN).await?,
            remind: sub.remind(now),
            subscription: Some(sub),
            plan: Some(plan),
            choices,
        })
    }

    /// What the dashboard reminds the owner of: the oldest open invoice, once payment is due
    /// within a week or overdue (none otherwise, or outside billing).
    pub async fn billing_reminder(
        &self,
        operator: &Operator,
    ) -> Result<Option<BillingReminder>, ServiceError> {
        let Some(sub) = self.store.subscription(&operator.id).await? else {
            return Ok(None);
        };
        let now = self.clock.now();
        if !sub.remind(now) {
            return Ok(None);
        }
        let oldest_open = self
            .store
            .invoices(&operator.id, INVOICES_SHOWN)
            .await?
            .into_iter()
            .filter(|i| i.status == InvoiceStatus::Open)
            .min_by_key(|i| i.number);
        Ok(oldest_open.map(|invoice| BillingReminder {
            status: sub.status(now),
            invoice,
        }))
    }

    /// Issues the invoices of every period that is due for billing (none, usually one).
    /// Safe to call from many places at once: the period and the number are claimed in one
    /// conditional transaction, so each period is billed once and numbers have no gaps.
    pub async fn issue_due_invoices(
        &self,
        operator_id: &str,
    ) -> Result<Vec<Invoice>, ServiceError> {
        let mut issued = Vec::new();
        for _ in 0..TRIES * 2 {
            let Some((sub, _)) = self.subscription_and_plan(operator_id).await? else {
                break;
            };
            let now = self.clock.now();
            let Some((start, end)) = sub.next_period(now) else {
                break;
            };
            if sub.suspended.is_some() {
                break;
            }
            // One unpaid invoice at a time: an operator who stopped paying is not billed month
            // after month; once they pay, the next period starts from then.
            let open = self.store.invoices(operator_id, 3).await?;
            if open
                .iter()
                .any(|i| i.status == InvoiceStatus::Open && i.kind == InvoiceKind::Period)
            {
                break;
            }
            // The plan of that period (a downgrade takes over when the paid period ends).
            let plan = self.plan_named(sub.plan_at(start)).await?;
            let number = self.store.last_invoice_number().await? + 1;
            let invoice = Invoice {
                number,
                operator_id: operator_id.to_owned(),
                plan: plan.code.clone(),
                plan_name: plan.name.clone(),
                amount: plan.price,
                currency: plan.currency.clone(),
                period_start: start,
                period_end: end,
                due_at: start,
                issued_at: now,
                status: InvoiceStatus::Open,
                kind: InvoiceKind::Period,
                attempts: 0,
                payment: None,
            };
            let mut billed = sub.clone();
            billed.billed_until = end;
            match self.store.issue_invoice(&sub, &billed, &invoice).await {
                Ok(()) => {
                    info!(operator_id, invoice = number, "invoice issued");
                    issued.push(invoice);
                }
                // Another request took the number or billed the period: look again.
                Err(e) if e.lost_race() => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(issued)
    }

    /// The owner moves to another plan on sale. Without a paid period running (a trial, or
    /// unpaid), the change applies at once and an open invoice nobody started paying takes the
    /// new price. While a paid period runs, a smaller plan takes over when it ends (the next
    /// invoice bills it), and a bigger one costs the difference for what is left of the period
    /// (an upgrade invoice): its limits apply once that is paid.
    pub async fn change_plan(
        &self,
        who: &Authenticated,
        code: &str,
    ) -> Result<PlanChange, ServiceError> {
        if who.user.role != Role::Owner {
            return Err(ServiceError::Forbidden);
        }
        let op = &who.operator.id;
        let plan = self
            .plans_on_sale()
            .await?
            .into_iter()
            .find(|p| p.code == code)
            .ok_or_else(|| ServiceError::Invalid("Choose one of the plans on offer.".into()))?;
        let entry = |before: &Subscription, after: serde_json::Value| {
            self.audit_entry(
                who,
                "subscription.plan",
                op,
                Some(json!({"plan": before.plan, "pending": before.pending_plan})),
                Some(after),
            )
        };
        for _ in 0..TRIES {
            let now = self.clock.now();
            let sub = match self.store.subscription(op).await? {
                Some(sub) if sub.paid_ahead(now) => sub,
                _ => {
                    let entry = |before: &Subscription| entry(before, json!({"plan": plan.code}));
                    self.set_plan(op, &plan, entry, false).await?;
                    return Ok(PlanChange::Now(plan));
                }
            };
            let current = self.plan_named(sub.plan_at(now)).await?;
            let paid_until = sub.paid_until.unwrap_or(now);
            if plan.price <= current.price {
                let mut next = sub.clone();
                next.pending_plan = (plan.code != sub.plan).then(|| PendingPlan {
                    plan: plan.code.clone(),
                    from: paid_until,
                });
                let after = json!({"plan": sub.plan, "pending": next.pending_plan});
                match self
                    .store
                    .change_subscription(&sub, &next, &entry(&sub, after), false)
                    .await
                {
                    Ok(()) => {
                        self.reprice_open_invoices(op, &plan, paid_until).await?;
                        return Ok(PlanChange::AtRenewal {
                            plan,
                            from: paid_until,
                        });
                    }
                    Err(e) if e.lost_race() => continue,
                    Err(e) => return Err(e.into()),
                }
            }
            let open = self.store.invoices(op, 3).await?;
            if let Some(waiting) = open
                .iter()
                .find(|i| i.status == InvoiceStatus::Open && i.kind == InvoiceKind::Upgrade)
            {
                return Err(ServiceError::Conflict(format!(
                    "An upgrade is waiting for payment: pay {} first.",
                    waiting.label()
                )));
            }
            let number = self.store.last_invoice_number().await? + 1;
            let invoice = Invoice {
                number,
                operator_id: op.clone(),
                plan: plan.code.clone(),
                plan_name: plan.name.clone(),
                amount: upgrade_price(current.price, plan.price, paid_until - now, MONTH),
                currency: plan.currency.clone(),
                period_start: now,
                period_end: paid_until,
                due_at: now,
                issued_at: now,
                status: InvoiceStatus::Open,
                kind: InvoiceKind::Upgrade,
                attempts: 0,
                payment: None,
            };
            match self.store.issue_invoice(&sub, &sub, &invoice).await {
                Ok(()) => {
                    info!(operator_id = %op, invoice = number, "upgrade invoice issued");
                    return Ok(PlanChange::UpgradeInvoice(invoice));
                }
                Err(e) if e.lost_race() => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ServiceError::Conflict(
            "The subscription changed meanwhile: reload the page and try again.".into(),
        ))
    }

    /// Puts the operator on `plan` (creating its subscription as a trial if it had none) and
    /// re-prices an open invoice nobody started paying.
    pub(crate) async fn set_plan(
        &self,
        operator_id: &str,
        plan: &Plan,
        entry: impl Fn(&Subscription) -> AuditEntry,
        platform: bool,
    ) -> Result<(), ServiceError> {
        for _ in 0..TRIES {
            let now = self.clock.now();
            let Some(sub) = self.store.subscription(operator_id).await? else {
                let sub = Subscription::start_trial(operator_id, &plan.code, now);
                match self
                    .store
                    .create_subscription(&sub, &entry(&sub), platform)
                    .await
                {
                    Ok(()) => return Ok(()),
                    Err(e) if e.lost_race() => continue,
                    Err(e) => return Err(e.into()),
                }
            };
            let mut next = sub.clone();
            next.plan = plan.code.clone();
            next.pending_plan = None;
            match self
                .store
                .change_subscription(&sub, &next, &entry(&sub), platform)
                .await
            {
                Ok(()) => {
                    self.reprice_open_invoices(operator_id, plan, now).await?;
                    return Ok(());
                }
                Err(e) if e.lost_race() => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ServiceError::Conflict(
            "The subscription changed meanwhile: reload the page and try again.".into(),
        ))
    }

    /// Re-prices the open month invoices nobody started paying whose period starts at `from`
    /// or later (never one of a period already under way).
    async fn reprice_open_invoices(
        &self,
        operator_id: &str,
        plan: &Plan,
        from: Timestamp,
    ) -> Result<(), ServiceError> {
        for invoice in self.store.invoices(operator_id, 3).await? {
            let unstarted = invoice.status == InvoiceStatus::Open
                && invoice.kind == InvoiceKind::Period
                && invoice.attempts == 0;
            if !unstarted || invoice.period_start < from.max(self.clock.now()) {
                continue;
            }
            let mut repriced = invoice.clone();
            repriced.plan = plan.code.clone();
            repriced.plan_name = plan.name.clone();
            repriced.amount = plan.price;
            repriced.currency = plan.currency.clone();
            match self.store.reprice_invoice(&invoice, &repriced).await {
                // Paid or being paid meanwhile: it keeps its price.
                Ok(()) | Err(StoreError::ConditionFailed { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// The platform's own merchant account, which subscriptions are paid into.
    fn platform_merchant(&self) -> Result<MerchantAccount, ServiceError> {
        self.settings
            .platform_merchant
            .clone()
            .ok_or(ServiceError::NoMerchantAccount)
    }

    /// Starts paying an open invoice through Pesapal; where to send the owner's browser.
    #[instrument(skip_all, fields(operator_id = %who.operator.id, invoice = number))]
    pub async fn pay_invoice(
        &self,
        who: &Authenticated,
        number: u64,
    ) -> Result<String, ServiceError> {
        if who.user.role != Role::Owner {
            return Err(ServiceError::Forbidden);
        }
        let merchant = self.platform_merchant()?;
        let invoice = self
            .store
            .invoice(number)
            .await?
            .filter(|i| i.operator_id == who.operator.id)
            .ok_or(ServiceError::NotFound("invoice"))?;
        if invoice.status != InvoiceStatus::Open {
            return Err(ServiceError::Conflict(format!(
                "{} is paid already.",
                invoice.label()
            )));
        }
        let attempt = InvoiceAttempt {
            invoice_number: number,
            operator_id: invoice.operator_id.clone(),
            reference: InvoiceAttempt::reference_for(number, invoice.attempts + 1),
            amount: invoice.amount,
            currency: invoice.currency.clone(),
            tracking_id: None,
            redirect_url: None,
            created_at: self.clock.now(),
        };
        match self.store.start_invoice_attempt(&invoice, &attempt).await {
            Ok(()) => {}
            Err(StoreError::ConditionFailed { .. }) => {
                return Err(ServiceError::Conflict(
                    "This invoice changed meanwhile (paid, or a payment started in another \
                     window): reload the page."
                        .into(),
                ));
            }
            Err(e) => return Err(e.into()),
        }
        let notification_id = self.ipn_id(PLATFORM_BILLING_ID, &merchant, None).await?;
        let callback = format!(
            "{}/portal/plan/invoices/{number}",
            self.settings.public_base_url
        );
        let request = PaymentRequest {
            merchant_reference: attempt.reference.clone(),
            amount: attempt.amount,
            currency: attempt.currency.clone(),
            description: format!("Tiketi {} plan, {}", invoice.plan_name, invoice.label()),
            callback_url: callback.clone(),
            cancellation_url: Some(callback),
            notification_id,
            phone_number: who.user.phone.clone().unwrap_or_default(),
            email: Some(who.user.email.as_str().to_owned()),
            country_code: who.operator.country_code.clone(),
        };
        let submitted = self.gateway.submit_order(&merchant, &request).await?;
        self.store
            .set_attempt_submitted(&attempt, &submitted.tracking_id, &submitted.redirect_url)
            .await?;
        info!(reference = %attempt.reference, tracking_id = %submitted.tracking_id, "invoice payment started");
        Ok(submitted.redirect_url)
    }

    /// The owner's view of one invoice.
    pub async fn invoice_of(
        &self,
        operator_id: &str,
        number: u64,
    ) -> Result<Invoice, ServiceError> {
        self.store
            .invoice(number)
            .await?
            .filter(|i| i.operator_id == operator_id)
            .ok_or(ServiceError::NotFound("invoice"))
    }

    /// Verifies a notification about a subscription payment against the gateway and settles
    /// the invoice when it is paid in full. `NotFound` when no attempt has this reference and
    /// tracking id.
    #[instrument(skip_all, fields(tracking_id = %n.tracking_id, source = ?n.source))]
    pub async fn check_invoice_payment(&self, n: &Notification) -> Result<Invoice, ServiceError> {
        let attempt = match n.merchant_reference.as_deref() {
            Some(reference) => match InvoiceAttempt::invoice_of(reference) {
                Some(number) => self.store.invoice_attempt(number, reference).await?,
                None => None,
            },
            None => None,
        }
        // An attempt whose tracking id was never stored (the store failed right after Pesapal
        // took the order) is still found: Pesapal's answer must then name its reference.
        .filter(|a| a.tracking_id.as_deref().is_none_or(|t| t == n.tracking_id))
        .ok_or(ServiceError::NotFound("invoice payment"))?;
        let merchant = self.platform_merchant()?;
        let status = self
            .gateway
            .transaction_status(&merchant, &n.tracking_id)
            .await?;
        let invoice = self
            .store
            .invoice(attempt.invoice_number)
            .await?
            .ok_or(ServiceError::NotFound("invoice"))?;
        // The pass looks at recent attempts; one whose invoice is paid needs no question.
        if n.source == CheckSource::Reconciliation && invoice.status == InvoiceStatus::Paid {
            return Ok(invoice);
        }
        let event = |outcome: Outcome| PaymentEvent {
            id: new_id(),
            operator_id: invoice.operator_id.clone(),
            order_id: attempt.reference.clone(),
            source: n.source,
            notification_type: n.notification_type.clone(),
            state: status.state,
            amount: status.amount,
            currency: status.currency.clone(),
            confirmation_code: status.confirmation_code.clone(),
            payment_method: status.payment_method.clone(),
            description: status.description.clone(),
            outcome,
            received_at: self.clock.now(),
        };
        if let Err(mismatch) = verify_attempt(&attempt, &status) {
            warn!(%mismatch, "gateway status does not match the invoice payment; nothing applied");
            let rejected = event(Outcome::Rejected {
                reason: mismatch.to_string(),
            });
            self.store
                .record_invoice_event(invoice.number, &rejected)
                .await?;
            return Ok(invoice);
        }
        let settled_by_other = invoice
            .payment
            .as_ref()
            .is_some_and(|p| p.tracking_id.as_deref() != Some(n.tracking_id.as_str()));
        if status.state == PaymentState::Completed && settled_by_other {
            // Paid twice (two windows, or cash recorded while Pesapal was paid): the money is
            // kept on record for a refund, once per payment, in both audit logs.
            let entry = AuditEntry::system(
                new_id(),
                &invoice.operator_id,
                self.clock.now(),
                "Subscription paid twice (Pesapal): refund due",
                "invoice.paid_twice",
                &invoice.label(),
                json!({"tracking_id": n.tracking_id, "amount_minor": attempt.amount.minor(),
                    "currency": attempt.currency, "confirmation_code": status.confirmation_code}),
            );
            let outcome = Outcome::Rejected {
                reason: "the invoice was already paid: refund this payment".into(),
            };
            if self
                .store
                .record_double_payment(invoice.number, &n.tracking_id, &event(outcome), &entry)
                .await?
            {
                warn!(invoice = invoice.number, tracking_id = %n.tracking_id, "invoice paid twice; refund due");
            }
            return Ok(invoice);
        }
        if status.state != PaymentState::Completed || invoice.status == InvoiceStatus::Paid {
            if status.state != PaymentState::Pending || n.source == CheckSource::Ipn {
                let outcome = Outcome::NoChange {
                    status: invoice.status.as_str().into(),
                };
                self.store
                    .record_invoice_event(invoice.number, &event(outcome))
                    .await?;
            }
            return Ok(invoice);
        }
        let payment = InvoicePayment {
            by: PaidBy::Pesapal,
            amount: attempt.amount,
            reference: status
                .confirmation_code
                .clone()
                .unwrap_or_else(|| attempt.reference.clone()),
            at: self.clock.now(),
            tracking_id: Some(n.tracking_id.clone()),
            recorded_by: None,
        };
        let transition = event(Outcome::Transition {
            from: InvoiceStatus::Open.as_str().into(),
            to: InvoiceStatus::Paid.as_str().into(),
        });
        let entry = AuditEntry::system(
            new_id(),
            &invoice.operator_id,
            payment.at,
            "Subscription payment (Pesapal)",
            "invoice.paid",
            &invoice.label(),
            invoice_record(&invoice),
        );
        self.settle(&invoice, &payment, Some(&transition), &entry, false)
            .await
    }

    /// Marks the invoice paid and extends the subscription to the end of its period; a
    /// notification that lost the race to another finds it paid and changes nothing.
    pub(crate) async fn settle(
        &self,
        invoice: &Invoice,
        payment: &InvoicePayment,
        event: Option<&PaymentEvent>,
        entry: &AuditEntry,
        platform: bool,
    ) -> Result<Invoice, ServiceError> {
        for _ in 0..TRIES {
            let current = self
                .store
                .invoice(invoice.number)
                .await?
                .ok_or(ServiceError::NotFound("invoice"))?;
            if current.status == InvoiceStatus::Paid {
                return Ok(current);
            }
            let sub = self
                .store
                .subscription(&invoice.operator_id)
                .await?
                .ok_or(ServiceError::NotFound("subscription"))?;
            let mut extended = sub.clone();
            extended.paid_until = Some(match sub.paid_until {
                Some(paid) => paid.max(current.period_end),
                None => current.period_end,
            });
            if current.kind == InvoiceKind::Upgrade {
                // The bigger plan, paid for: it applies from now on.
                extended.plan = current.plan.clone();
                extended.pending_plan = None;
            }
            match self
                .store
                .settle_invoice(&current, payment, &sub, &extended, event, entry, platform)
                .await
            {
                Ok(()) => {
                    info!(operator_id = %current.operator_id, invoice = current.number, "invoice paid");
                    if current.kind == InvoiceKind::Upgrade {
                        let plan = self.plan_named(&current.plan).await?;
                        let next_period = current.period_end;
                        self.reprice_open_invoices(&current.operator_id, &plan, next_period)
                            .await?;
                    }
                    return self
                        .store
                        .invoice(invoice.number)
                        .await?
                        .ok_or(ServiceError::NotFound("invoice"));
                }
                Err(e) if e.lost_race() => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ServiceError::Conflict(
            "The invoice changed meanwhile: reload the page and try again.".into(),
        ))
    }

    /// The scheduled pass's part: issues the invoices that are due (subscriptions found by
    /// the date they are billed until, so the pass reads only those), then asks Pesapal about
    /// payments started a while ago and not yet settled (a lost IPN). Starts nothing after
    /// `deadline`.
    pub async fn billing_pass(
        &self,
        deadline: std::time::Instant,
    ) -> Result<BillingReport, ServiceError> {
        let in_time = || std::time::Instant::now() < deadline;
        let now = self.clock.now();
        let mut report = BillingReport::default();
        for operator_id in self
            .store
            .subscriptions_to_bill(now + INVOICE_AHEAD, 100)
            .await?
        {
            if !in_time() {
                break;
            }
            // One operator failing (a race lost five times, a corrupt item) must not stop the
            // others' invoices: logged, and the next pass tries again.
            match self.issue_due_invoices(&operator_id).await {
                Ok(issued) => report.issued += issued.len(),
                Err(error) => warn!(operator_id, %error, "invoice not issued; next pass retries"),
            }
        }
        if self.settings.platform_merchant.is_none() {
            self.snapshot_when_due(deadline, &mut report).await?;
            return Ok(report);
        }
        let ago =
            |d: std::time::Duration| now - jiff::SignedDuration::try_from(d).unwrap_or_default();
        let attempts = self
            .store
            .recent_invoice_attempts(
                ago(self.settings.reconcile_window),
                ago(self.settings.reconcile_after),
                200,
            )
            .await?;
        for attempt in attempts {
            if !in_time() {
                break;
            }
            let Some(tracking_id) = attempt.tracking_id.clone() else {
                continue;
            };
            let n = Notification {
                operator_id: PLATFORM_BILLING_ID.into(),
                tracking_id,
                merchant_reference: Some(attempt.reference.clone()),
                notification_type: None,
                source: CheckSource::Reconciliation,
            };
            report.checked += 1;
            if let Err(error) = Box::pin(self.check_invoice_payment(&n)).await {
                warn!(reference = %attempt.reference, %error, "invoice payment check failed; next pass retries");
            }
        }
        self.snapshot_when_due(deadline, &mut report).await?;
        Ok(report)
    }

    /// The platform's hourly count of subscriptions (statuses change with time alone), last in
    /// the pass so that it never keeps invoices or payment checks waiting.
    async fn snapshot_when_due(
        &self,
        deadline: std::time::Instant,
        report: &mut BillingReport,
    ) -> Result<(), ServiceError> {
        let now = self.clock.now();
        let stale = match self.store.platform_snapshot().await? {
            Some(kept) => kept.at.is_none_or(|at| now - at >= SNAPSHOT_EVERY),
            None => true,
        };
        if stale {
            report.snapshot = self.refresh_platform_snapshot(deadline).await?.is_some();
        }
        Ok(())
    }
}

/// What a billing pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct BillingReport {
    pub issued: usize,
    pub checked: usize,
    /// The platform's snapshot was taken.
    pub snapshot: bool,
}

/// How often the scheduled pass counts the platform's subscriptions.
const SNAPSHOT_EVERY: jiff::SignedDuration = jiff::SignedDuration::from_hours(1);
