//! Non-HTTP entry points: the issuance queue consumer (Lambda `issuer`, and the local worker)
//! and the scheduled pass: expiry sweep and payment reconciliation (Lambda `expiry`, and the
//! local timer).

use std::{sync::Arc, time::Duration};

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use tiketi_core::{
    ports::queue::{Message, Queue},
    services::{Platform, ServiceError, Tiketi, issuance::Issued},
};

/// Why a message could not be handled; it stays on the queue (and ends in the dead-letter
/// queue if it keeps failing).
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("malformed message: {0}")]
    Malformed(#[from] serde_json::Error),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// Handles one queue message body.
pub async fn handle_message<P: Platform>(tiketi: &Tiketi<P>, body: &str) -> Result<(), JobError> {
    match serde_json::from_str::<Message>(body)? {
        Message::IssueVoucher {
            operator_id,
            order_id,
        } => {
            match tiketi.issue_voucher(&operator_id, &order_id).await? {
                Issued::Created(_) | Issued::Existing(_) => {}
                Issued::NotPaid(status) => {
                    tracing::warn!(
                        order_id,
                        status = status.as_str(),
                        "issue request for an unpaid order; dropped"
                    );
                }
            }
            Ok(())
        }
        Message::GenerateBatch {
            operator_id,
            batch_id,
        } => Ok(tiketi.generate_batch(&operator_id, &batch_id).await?),
        Message::CancelBatchVouchers {
            operator_id,
            batch_id,
            from_page,
        } => {
            tiketi
                .cancel_batch_vouchers(&operator_id, &batch_id, from_page)
                .await?;
            Ok(())
        }
    }
}

/// The SQS batch handler: the messages are handled concurrently (each is exactly-once on its
/// own, and a batch job uses up to its time budget, so several in a row would overrun the
/// function's timeout); the failed ones are reported so SQS redelivers only those (and moves
/// them to the dead-letter queue after `maxReceiveCount`).
pub async fn handle_sqs_event<P: Platform>(
    tiketi: &Tiketi<P>,
    event: SqsEvent,
) -> SqsBatchResponse {
    let handled = event.records.into_iter().map(|record| async move {
        let id = record.message_id.clone().unwrap_or_default();
        let result = match record.body.as_deref() {
            Some(body) => handle_message(tiketi, body).await,
            None => Err(JobError::Service(ServiceError::Invalid(
                "message without a body".into(),
            ))),
        };
        (id, result)
    });
    let mut response = SqsBatchResponse::default();
    for (id, result) in futures::future::join_all(handled).await {
        if let Err(error) = result {
            tracing::error!(message_id = %id, %error, "message failed; SQS will redeliver it");
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
        }
    }
    response
}

/// The scheduled pass (Lambda `expiry`, and the local timer): the expiry sweep, the voucher
/// pools' hourly top-up, the payment reconciliation, then billing (invoices due, subscription
/// payments to check), under one deadline measured from the pass's
/// start (`Settings::schedule_budget`), so the pass ends within its function's timeout.
pub async fn handle_schedule<P: Platform>(
    tiketi: &Tiketi<P>,
) -> Result<serde_json::Value, ServiceError> {
    let deadline = tiketi.settings.pass_deadline();
    // Independent steps: one failing must not stop the others (a stuck sweep must not keep paid
    // orders from their vouchers).
    let sweep = tiketi.sweep_expired_until(deadline).await;
    let pooled = tiketi.refill_pools_when_due(deadline).await;
    let reconciled = tiketi.reconcile_until(deadline).await;
    let billed = tiketi.billing_pass(deadline).await;
    let summary = serde_json::json!({
        "billing": billed.as_ref().ok(),
        "expired": sweep.as_ref().ok().map(|s| s.expired),
        "pooled": pooled.as_ref().ok(),
        "checked": reconciled.as_ref().ok().map(|r| r.checked),
        "reissued": reconciled.as_ref().ok().map(|r| r.reissued),
        "errors": reconciled.as_ref().ok().map(|r| r.errors),
    });
    let failures = [
        ("expiry sweep", sweep.err()),
        ("pool top-up", pooled.err()),
        ("reconciliation", reconciled.err()),
        ("billing", billed.err()),
    ];
    let mut first = None;
    for (step, error) in failures {
        if let Some(error) = error {
            tracing::error!(step, %error, "scheduled step failed");
            first.get_or_insert(error);
        }
    }
    first.map_or(Ok(summary), Err)
}

/// The local worker: receives from the queue and acknowledges what it handled. A failed
/// message is left to reappear after the visibility timeout, as on SQS.
pub async fn run_worker<P: Platform>(tiketi: Arc<Tiketi<P>>) {
    loop {
        match tiketi.queue.receive(10, Duration::from_secs(5)).await {
            Ok(deliveries) => {
                for delivery in deliveries {
                    match handle_message(&tiketi, &delivery.body).await {
                        Ok(()) => {
                            if let Err(error) = tiketi.queue.ack(&delivery.receipt).await {
                                tracing::warn!(%error, "could not acknowledge a handled message");
                            }
                        }
                        Err(error) => tracing::error!(
                            %error, message_id = %delivery.id, attempt = delivery.receive_count,
                            "message failed; it will be retried"
                        ),
                    }
                }
            }
            Err(error) => {
                tracing::error!(%error, "queue receive failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// The local timer: runs the scheduled pass every `every`.
pub async fn run_timer<P: Platform>(tiketi: Arc<Tiketi<P>>, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(error) = handle_schedule(&tiketi).await {
            tracing::error!(%error, "scheduled pass failed");
        }
    }
}
