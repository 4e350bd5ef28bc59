//! The [`Queue`] port on SQS: the production queue between Tiketi's functions.
//!
//! SQS gives the port's semantics natively: at-least-once delivery, a visibility timeout set on
//! the queue, and a redrive policy moving a message to the dead-letter queue after
//! `maxReceiveCount` receptions. [`create_queue_with_dlq`] builds such a pair for tests and local
//! tooling; in the cloud `template.yaml` does.

use std::{env, time::Duration};

use aws_config::BehaviorVersion;
use aws_sdk_sqs::{
    Client,
    error::{DisplayErrorContext, SdkError},
    operation::{
        change_message_visibility::ChangeMessageVisibilityError, delete_message::DeleteMessageError,
    },
    types::{MessageSystemAttributeName, QueueAttributeName},
};
use tiketi_core::ports::queue::{Delivery, Queue, QueueDepth, QueueError};

/// The environment variable holding the queue URL (set by `template.yaml`).
pub const QUEUE_URL_VAR: &str = "QUEUE_URL";

/// `ReceiveMessage` returns at most this many messages per call.
const MAX_MESSAGES: usize = 10;
/// The longest long poll `ReceiveMessage` accepts.
const MAX_WAIT_SECS: u64 = 20;

/// A standard SQS queue.
#[derive(Debug, Clone)]
pub struct SqsQueue {
    client: Client,
    queue_url: String,
    /// Its dead-letter queue, when the caller reports its depth.
    dead_letter_url: Option<String>,
}

/// The environment variable holding the dead-letter queue's URL (the portal's statistics).
pub const DEAD_LETTER_QUEUE_URL_VAR: &str = "DEAD_LETTER_QUEUE_URL";

impl SqsQueue {
    pub fn new(client: Client, queue_url: impl Into<String>) -> Self {
        Self {
            client,
            queue_url: queue_url.into(),
            dead_letter_url: None,
        }
    }

    /// Reports the depth of the dead-letter queue at `url` too.
    #[must_use]
    pub fn with_dead_letter_queue(mut self, url: Option<String>) -> Self {
        self.dead_letter_url = url;
        self
    }

    /// Messages visible and in flight in the queue at `url` (SQS's approximate counts).
    async fn held_at(&self, url: &str) -> Result<u64, QueueError> {
        let answer = self
            .client
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .map_err(|e| QueueError::Unavailable(DisplayErrorContext(e).to_string()))?;
        let attributes = answer.attributes.unwrap_or_default();
        Ok([
            QueueAttributeName::ApproximateNumberOfMessages,
            QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
        ]
        .iter()
        .filter_map(|name| attributes.get(name))
        .filter_map(|n| n.parse::<u64>().ok())
        .sum())
    }

    /// The queue at `QUEUE_URL`, with the SDK's default configuration chain (region, credentials
    /// and `AWS_ENDPOINT_URL` from the environment).
    pub async fn from_env() -> Result<Self, QueueError> {
        let queue_url = env::var(QUEUE_URL_VAR).map_err(|_| {
            QueueError::Unavailable(format!("environment variable {QUEUE_URL_VAR} is not set"))
        })?;
        let config = aws_config::load_defaults(BehaviorVersion::latest()).await;
        Ok(Self::new(Client::new(&config), queue_url))
    }

    pub fn queue_url(&self) -> &str {
        &self.queue_url
    }
}

impl Queue for SqsQueue {
    #[tracing::instrument(level = "debug", skip_all)]
    async fn send(&self, body: String) -> Result<(), QueueError> {
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(max = max, wait_ms = wait.as_millis()))]
    async fn receive(&self, max: usize, wait: Duration) -> Result<Vec<Delivery>, QueueError> {
        if max == 0 {
            return Ok(Vec::new());
        }
        let wait_secs = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).min(MAX_WAIT_SECS);
        let output = self
            .client
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(i32::try_from(max.min(MAX_MESSAGES)).unwrap_or(1))
            .wait_time_seconds(i32::try_from(wait_secs).unwrap_or(0))
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .map_err(unavailable)?;
        output
            .messages
            .unwrap_or_default()
            .into_iter()
            .map(delivery)
            .collect()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn ack(&self, receipt: &str) -> Result<(), QueueError> {
        self.client
            .delete_message()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt)
            .send()
            .await
            .map_err(delete_error)?;
        Ok(())
    }

    async fn depth(&self) -> Result<QueueDepth, QueueError> {
        let held = self.held_at(&self.queue_url).await?;
        let dead_letters = match &self.dead_letter_url {
            Some(url) => Some(self.held_at(url).await?),
            None => None,
        };
        Ok(QueueDepth { held, dead_letters })
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn release(&self, receipt: &str) -> Result<(), QueueError> {
        self.client
            .change_message_visibility()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt)
            .visibility_timeout(0)
            .send()
            .await
            .map_err(visibility_error)?;
        Ok(())
    }
}

/// Creates the dead-letter queue `{name}-dlq`, then the queue `name` redriving into it after
/// `max_receives` receptions. Returns `(queue_url, dlq_url)`.
pub async fn create_queue_with_dlq(
    client: &Client,
    name: &str,
    visibility_timeout_secs: u32,
    max_receives: u32,
) -> Result<(String, String), QueueError> {
    let dlq_url = client
        .create_queue()
        .queue_name(format!("{name}-dlq"))
        .send()
        .await
        .map_err(unavailable)?
        .queue_url
        .ok_or_else(|| QueueError::Unavailable("CreateQueue returned no URL".into()))?;
    let dlq_arn = client
        .get_queue_attributes()
        .queue_url(&dlq_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(unavailable)?
        .attributes
        .and_then(|mut attributes| attributes.remove(&QueueAttributeName::QueueArn))
        .ok_or_else(|| QueueError::Unavailable("GetQueueAttributes returned no QueueArn".into()))?;
    let redrive = serde_json::json!({
        "deadLetterTargetArn": dlq_arn,
        "maxReceiveCount": max_receives.to_string(),
    });
    let queue_url = client
        .create_queue()
        .queue_name(name)
        .attributes(
            QueueAttributeName::VisibilityTimeout,
            visibility_timeout_secs.to_string(),
        )
        .attributes(QueueAttributeName::RedrivePolicy, redrive.to_string())
        .send()
        .await
        .map_err(unavailable)?
        .queue_url
        .ok_or_else(|| QueueError::Unavailable("CreateQueue returned no URL".into()))?;
    Ok((queue_url, dlq_url))
}

fn delivery(message: aws_sdk_sqs::types::Message) -> Result<Delivery, QueueError> {
    let receive_count = message
        .attributes()
        .and_then(|attributes| attributes.get(&MessageSystemAttributeName::ApproximateReceiveCount))
        .and_then(|count| count.parse().ok());
    match (
        message.message_id,
        message.receipt_handle,
        message.body,
        receive_count,
    ) {
        (Some(id), Some(receipt), Some(body), Some(receive_count)) => Ok(Delivery {
            id,
            receipt,
            body,
            receive_count,
        }),
        _ => Err(QueueError::Unavailable(
            "ReceiveMessage returned a message without id, receipt, body or receive count".into(),
        )),
    }
}

fn unavailable<E, R>(err: SdkError<E, R>) -> QueueError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    QueueError::Unavailable(DisplayErrorContext(&err).to_string())
}

/// A receipt SQS does not know is [`QueueError::UnknownReceipt`]; anything else is unavailable.
fn delete_error<R: std::fmt::Debug>(err: SdkError<DeleteMessageError, R>) -> QueueError {
    match err.as_service_error() {
        Some(service) if service.is_receipt_handle_is_invalid() => QueueError::UnknownReceipt,
        _ => unavailable(err),
    }
}

/// As [`delete_error`], a message no longer in flight counting as an unknown receipt too.
fn visibility_error<R: std::fmt::Debug>(
    err: SdkError<ChangeMessageVisibilityError, R>,
) -> QueueError {
    match err.as_service_error() {
        Some(service)
            if service.is_receipt_handle_is_invalid() || service.is_message_not_inflight() =>
        {
            QueueError::UnknownReceipt
        }
        _ => unavailable(err),
    }
}
