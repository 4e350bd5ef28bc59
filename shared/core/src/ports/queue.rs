//! The queue port: at-least-once delivery between functions (SQS on AWS, in-process locally).

use std::{future::Future, time::Duration};

use serde::{Deserialize, Serialize};

/// Messages Tiketi's functions send each other. Serialized as JSON into the message body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Message {
    /// An order is PAID: turn it into exactly one voucher (see `services::issuance`).
    IssueVoucher {
        operator_id: String,
        order_id: String,
    },
    /// A batch was requested: write its vouchers (see `services::batches`).
    GenerateBatch {
        operator_id: String,
        batch_id: String,
    },
    /// A batch was cancelled: cancel its unused vouchers, from page `from_page` of its codes
    /// (a job that runs out of time queues the rest).
    CancelBatchVouchers {
        operator_id: String,
        batch_id: String,
        #[serde(default)]
        from_page: u32,
    },
}

/// One received message, to be acknowledged with its receipt once handled.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: String,
    pub receipt: String,
    pub body: String,
    /// How many times this message has been received, this time included.
    pub receive_count: u32,
}

impl Delivery {
    pub fn message(&self) -> Result<Message, serde_json::Error> {
        serde_json::from_str(&self.body)
    }
}

/// Errors of the queue port.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("queue unavailable: {0}")]
    Unavailable(String),
    #[error("unknown or expired receipt")]
    UnknownReceipt,
}

/// An at-least-once queue with a visibility timeout and a dead-letter queue.
///
/// Contract (checked by `tests/contract/queue.rs` for every adapter):
/// - a sent message is received once, then stays invisible for the visibility timeout;
/// - `ack` deletes it for good; a message not acknowledged in time is received again;
/// - `release` makes it visible again at once (a failed attempt);
/// - after `max_receives` receptions without an `ack` it moves to the dead-letter queue.
pub trait Queue: Send + Sync + 'static {
    fn send(&self, body: String) -> impl Future<Output = Result<(), QueueError>> + Send;
    /// Waits up to `wait` for at least one message; returns at most `max` of them.
    fn receive(
        &self,
        max: usize,
        wait: Duration,
    ) -> impl Future<Output = Result<Vec<Delivery>, QueueError>> + Send;
    fn ack(&self, receipt: &str) -> impl Future<Output = Result<(), QueueError>> + Send;
    fn release(&self, receipt: &str) -> impl Future<Output = Result<(), QueueError>> + Send;
    /// How many messages it holds, and its dead-letter queue when known (for the
    /// administrator's statistics; approximate on SQS).
    fn depth(&self) -> impl Future<Output = Result<QueueDepth, QueueError>> + Send;
}

/// Messages waiting or in flight, and failed for good.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueDepth {
    pub held: u64,
    /// `None` when this queue's dead-letter queue is not known to the caller.
    pub dead_letters: Option<u64>,
}

/// Sends a typed message.
pub async fn send_message<Q: Queue>(queue: &Q, message: &Message) -> Result<(), QueueError> {
    let body = serde_json::to_string(message).expect("messages always serialize");
    queue.send(body).await
}
