//! Payment verification: the one path by which an order becomes PAID.
//!
//! IPN, callback page and reconciliation all call [`Tiketi::check_payment`]. It never trusts the
//! caller: it asks the gateway for the transaction status with our own credentials, checks that
//! the status is about this order (reference, amount, currency), records a payment event, and
//! moves the order with a conditional write (PENDING/FAILED → PAID only on a completed payment).
//! Of many concurrent checks exactly one wins the transition; the others see it and change
//! nothing. A PAID order is (re-)enqueued for issuance each time, which is safe because issuance
//! is idempotent; that also covers a crash between the PAID write and the enqueue.

use crate::domain::audit::AuditEntry;
use serde_json::json;
use std::time::Duration;

use futures::StreamExt;
use tracing::{info, instrument, warn};

use super::{Platform, ServiceError, Tiketi};
use crate::{
    domain::{
        order::{Order, OrderStatus, verify_status},
        payment::{CheckSource, Outcome, PaymentEvent},
        unmatched::{UnmatchedKind, UnmatchedPayment},
        voucher::VoucherStatus,
    },
    ports::{
        Clock, PaymentGateway,
        gateway::{PaymentState, TransactionStatus},
        queue::{Message, send_message},
    },
    store::{Reversal, StoreError},
};

/// An inbox item about a payment the gateway reported.
fn unmatched(
    operator_id: &str,
    kind: UnmatchedKind,
    tracking_id: &str,
    order_id: Option<&str>,
    status: &TransactionStatus,
    detail: String,
    at: jiff::Timestamp,
) -> UnmatchedPayment {
    UnmatchedPayment {
        id: UnmatchedPayment::id_for(kind, tracking_id),
        operator_id: operator_id.to_owned(),
        kind,
        tracking_id: tracking_id.to_owned(),
        reference: status.merchant_reference.clone(),
        order_id: order_id.map(str::to_owned),
        amount: status.amount,
        currency: status.currency.clone(),
        confirmation_code: status.confirmation_code.clone(),
        payment_method: status.payment_method.clone(),
        detail,
        at,
        resolution: None,
    }
}

/// A payment notification as received: nothing in it is trusted.
#[derive(Debug, Clone)]
pub struct Notification {
    pub operator_id: String,
    pub tracking_id: String,
    pub merchant_reference: Option<String>,
    pub notification_type: Option<String>,
    pub source: CheckSource,
}

/// Summary of one reconciliation pass.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReconcileReport {
    pub checked: usize,
    pub reissued: usize,
    pub errors: usize,
}

const MAX_TRANSITION_ATTEMPTS: usize = 5;
/// Orders of one status read per operator and pass.
const RECONCILE_BATCH: usize = 500;
/// Gateway status checks in flight at once during a pass.
const RECONCILE_CONCURRENCY: usize = 8;

impl<P: Platform> Tiketi<P> {
    /// Verifies a notification against the gateway and applies it. Returns the order as it
    /// stands afterwards. `NotFound` when no order of the operator has this tracking id.
    #[instrument(skip_all, fields(operator_id = %n.operator_id, tracking_id = %n.tracking_id, source = ?n.source))]
    pub async fn check_payment(&self, n: &Notification) -> Result<Order, ServiceError> {
        let Some(order) = self.find_order(n).await? else {
            if n.source == CheckSource::Ipn {
                self.file_unknown_payment(n).await?;
            }
            return Err(ServiceError::NotFound("order"));
        };
        let merchant = self.merchant_for(&order.operator_id).await?;
        let status = self
            .gateway
            .transaction_status(&merchant, &n.tracking_id)
            .await?;
        let event = |outcome: Outcome, at| PaymentEvent {
            id: ulid::Ulid::new().to_string(),
            operator_id: order.operator_id.clone(),
            order_id: order.id.clone(),
            source: n.source,
            notification_type: n.notification_type.clone(),
            state: status.state,
            amount: status.amount,
            currency: status.currency.clone(),
            confirmation_code: status.confirmation_code.clone(),
            payment_method: status.payment_method.clone(),
            description: status.description.clone(),
            outcome,
            received_at: at,
        };
        if let Err(mismatch) = verify_status(&order, &status) {
            warn!(%mismatch, "gateway status does not match the order; nothing applied");
            let rejected = event(
                Outcome::Rejected {
                    reason: mismatch.to_string(),
                },
                self.clock.now(),
            );
            self.store.record_payment_event(&rejected).await?;
            if status.state == PaymentState::Completed {
                let filed = unmatched(
                    &order.operator_id,
                    UnmatchedKind::Mismatch,
                    &n.tracking_id,
                    Some(&order.id),
                    &status,
                    mismatch.to_string(),
                    self.clock.now(),
                );
                self.store.file_unmatched(&filed).await?;
            }
            return Ok(order);
        }
        let mut current = order.clone();
        for _ in 0..MAX_TRANSITION_ATTEMPTS {
            let now = self.clock.now();
            let Some(next) = current.status.after_payment(status.state) else {
                // A still-pending answer to a page refresh or a scheduled pass is not news;
                // every notification from the gateway itself is kept.
                if status.state != PaymentState::Pending || n.source == CheckSource::Ipn {
                    let outcome = Outcome::NoChange {
                        status: current.status.as_str().into(),
                    };
                    self.store
                        .record_payment_event(&event(outcome, now))
                        .await?;
                }
                break;
            };
            let outcome = Outcome::Transition {
                from: current.status.as_str().into(),
                to: next.as_str().into(),
            };
            let reversal = match (next, current.status) {
                (OrderStatus::Reversed, OrderStatus::Fulfilled) => {
                    Some(self.reversal(&current, &status, now).await?)
                }
                _ => None,
            };
            let applied = event(outcome, now);
            let transition = self.store.transition_order(
                &current,
                current.status,
                next,
                &applied,
                reversal.as_ref(),
            );
            match transition.await {
                Ok(()) => {
                    info!(
                        from = current.status.as_str(),
                        to = next.as_str(),
                        "order status changed"
                    );
                    current = self.reload(&current).await?;
                    break;
                }
                // Someone else moved the order (or used its voucher) first: look again.
                Err(StoreError::ConditionFailed { .. }) => current = self.reload(&current).await?,
                Err(e) => return Err(e.into()),
            }
        }
        if current.status == OrderStatus::Paid {
            self.enqueue_issue(&current).await?;
        }
        Ok(current)
    }

    /// What reversing a fulfilled order changes: the day's totals count the returned money, and
    /// its voucher stops working if it was never used. A voucher already in use is left for the
    /// operator; the payment event and the reversal counter show it.
    async fn reversal(
        &self,
        order: &Order,
        status: &TransactionStatus,
        at: jiff::Timestamp,
    ) -> Result<Reversal, ServiceError> {
        let operator = self
            .store
            .operator(&order.operator_id)
            .await?
            .ok_or(ServiceError::NotFound("operator"))?;
        let voucher = match &order.voucher_code {
            Some(code) => self.store.voucher(&order.operator_id, code).await?,
            None => None,
        };
        let cancel_voucher = voucher
            .filter(|v| v.status == VoucherStatus::Unused)
            .map(|v| v.code);
        let in_use = cancel_voucher.is_none().then(|| {
            warn!(order_id = %order.id, "payment reversed but its voucher is already in use");
            unmatched(
                &order.operator_id,
                UnmatchedKind::ReversedAfterUse,
                order.tracking_id.as_deref().unwrap_or_default(),
                Some(&order.id),
                status,
                format!(
                    "the money went back to the buyer, but voucher {} was already in use",
                    order.voucher_code.as_deref().unwrap_or("?")
                ),
                at,
            )
        });
        let entry = AuditEntry::system(
            super::catalog::new_id(),
            &order.operator_id,
            at,
            "Payment reversed (Pesapal)",
            "order.reverse",
            &order.id,
            json!({"voucher": order.voucher_code, "amount_minor": order.amount.minor(),
                "currency": order.currency, "voucher_cancelled": cancel_voucher.is_some()}),
        );
        Ok(Reversal {
            day: super::issuance::business_day(at, &operator.time_zone),
            cancel_voucher,
            unmatched: in_use,
            entry,
        })
    }

    /// A completed payment notified for an order we do not have (a reference of something
    /// else paid into the operator's account, or a deleted order): filed for the owner.
    async fn file_unknown_payment(&self, n: &Notification) -> Result<(), ServiceError> {
        if self.store.operator(&n.operator_id).await?.is_none() {
            return Ok(());
        }
        let merchant = self.merchant_for(&n.operator_id).await?;
        let Ok(status) = self
            .gateway
            .transaction_status(&merchant, &n.tracking_id)
            .await
        else {
            // Not a payment Pesapal knows of: nothing to file.
            return Ok(());
        };
        if status.state != PaymentState::Completed {
            return Ok(());
        }
        let filed = unmatched(
            &n.operator_id,
            UnmatchedKind::UnknownReference,
            &n.tracking_id,
            None,
            &status,
            format!(
                "no order has the reference {}",
                status.merchant_reference.as_deref().unwrap_or("(none)")
            ),
            self.clock.now(),
        );
        if self.store.file_unmatched(&filed).await? {
            warn!(tracking_id = %n.tracking_id, "completed payment for no known order filed");
        }
        Ok(())
    }

    async fn find_order(&self, n: &Notification) -> Result<Option<Order>, ServiceError> {
        let by_reference = match n
            .merchant_reference
            .as_deref()
            .and_then(Order::id_from_reference)
        {
            Some(id) => self.store.order(&n.operator_id, id).await?,
            None => None,
        };
        if let Some(order) =
            by_reference.filter(|o| o.tracking_id.as_deref() == Some(n.tracking_id.as_str()))
        {
            return Ok(Some(order));
        }
        Ok(self
            .store
            .order_by_tracking_id(&n.operator_id, &n.tracking_id)
            .await?)
    }

    async fn reload(&self, order: &Order) -> Result<Order, ServiceError> {
        self.store
            .order(&order.operator_id, &order.id)
            .await?
            .ok_or(ServiceError::NotFound("order"))
    }

    pub(crate) async fn enqueue_issue(&self, order: &Order) -> Result<(), ServiceError> {
        let message = Message::IssueVoucher {
            operator_id: order.operator_id.clone(),
            order_id: order.id.clone(),
        };
        send_message(&self.queue, &message).await?;
        Ok(())
    }

    /// Counts an IPN that could not be processed in the platform's figures (best effort: a
    /// failure to count is only logged).
    pub async fn count_ipn_failure(&self, tracking_id: &str) {
        if let Err(error) = self
            .store
            .count_ipn_failure(self.clock.now(), tracking_id)
            .await
        {
            warn!(%error, "IPN failure not counted");
        }
    }

    /// The reconciliation on its own, with a whole pass's budget.
    pub async fn reconcile(&self) -> Result<ReconcileReport, ServiceError> {
        self.reconcile_until(self.settings.pass_deadline()).await
    }

    /// The scheduled pass's reconciliation: asks the gateway about orders left pending (or
    /// failed) for a while, and re-enqueues PAID orders whose issuance did not happen (a crash,
    /// a lost message). Starts no new check after `deadline`.
    #[instrument(skip_all)]
    pub async fn reconcile_until(
        &self,
        deadline: std::time::Instant,
    ) -> Result<ReconcileReport, ServiceError> {
        let in_time = move || std::time::Instant::now() < deadline;
        let now = self.clock.now();
        let ago = |d: Duration| now - jiff::SignedDuration::try_from(d).unwrap_or_default();
        let (settled_before, window_start) = (
            ago(self.settings.reconcile_after),
            ago(self.settings.reconcile_window),
        );
        let mut report = ReconcileReport::default();
        for operator in self.store.operators().await? {
            if !in_time() {
                break;
            }
            let mut unsettled = Vec::new();
            for status in [OrderStatus::Pending, OrderStatus::Failed] {
                let orders = self
                    .store
                    .orders_in_status(
                        &operator.id,
                        status,
                        window_start,
                        settled_before,
                        RECONCILE_BATCH,
                    )
                    .await?;
                unsettled.extend(orders.into_iter().filter(|o| o.tracking_id.is_some()));
            }
            // Newest first: the customer most likely still waiting is checked first.
            unsettled.sort_by_key(|o| std::cmp::Reverse(o.created_at));
            let checks = futures::stream::iter(unsettled)
                .take_while(|_| std::future::ready(in_time()))
                .map(|order| async move {
                    let notification = Notification {
                        operator_id: order.operator_id.clone(),
                        tracking_id: order.tracking_id.clone().unwrap_or_default(),
                        merchant_reference: Some(order.reference.clone()),
                        notification_type: None,
                        source: CheckSource::Reconciliation,
                    };
                    // Boxed: keeps the pass's future shallow (it nests the whole payment check).
                    let result = Box::pin(self.check_payment(&notification)).await;
                    if let Err(error) = &result {
                        warn!(order_id = %order.id, %error, "reconciliation check failed; next pass retries");
                    }
                    result.is_ok()
                })
                .buffer_unordered(RECONCILE_CONCURRENCY);
            let results: Vec<bool> = checks.collect().await;
            report.checked += results.len();
            report.errors += results.iter().filter(|ok| !**ok).count();
            let paid = self
                .store
                .orders_in_status(
                    &operator.id,
                    OrderStatus::Paid,
                    window_start,
                    settled_before,
                    RECONCILE_BATCH,
                )
                .await?;
            for order in paid {
                warn!(order_id = %order.id, "paid order without a voucher; enqueueing issuance again");
                self.enqueue_issue(&order).await?;
                report.reissued += 1;
            }
        }
        info!(?report, "reconciliation pass done");
        Ok(report)
    }
}
