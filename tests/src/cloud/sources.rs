//! Lambda's event sources of the stack, from each function's `Events` in `template.yaml`:
//!
//! - **SQS**: pollers receive batches of up to `BatchSize` (at most 10) with the function's own
//!   role (so its permission to receive and delete is checked), invoke the function
//!   synchronously, and delete what succeeded: with `ReportBatchItemFailures` every message
//!   but the `batchItemFailures`, without it all or nothing. What failed stays on the queue and
//!   comes back when its visibility timeout ends; after the queue's `maxReceiveCount` receives
//!   SQS moves it to the dead-letter queue. The rehearsal runs SQS's clock faster for failed
//!   messages only: their visibility timeout is cut by [`TIME_SCALE`] (180 s → 3 s), so a
//!   poisoned message reaches the dead-letter queue in seconds, not 15 minutes.
//! - **Schedule**: `rate(…)` rules invoke the function asynchronously at their rate, with
//!   Lambda's asynchronous rules from `EventInvokeConfig`: a throttled event (reserved
//!   concurrency in use) is retried until `MaximumEventAgeInSeconds`, a failed one up to
//!   `MaximumRetryAttempts` times (defaults 6 hours and 2).

use std::{
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, MessageSystemAttributeName};
use serde_json::{Value, json};

use super::lambda::{FunctionSpec, LambdaService, Outcome};

/// How much faster SQS's clock runs for failed messages.
pub const TIME_SCALE: u32 = 60;

/// One run of a scheduled function.
#[derive(Debug, Clone)]
pub struct ScheduledRun {
    pub at: Instant,
    pub outcome: Result<Value, String>,
    pub attempts: u32,
}

/// What the event sources did.
#[derive(Debug, Clone, Default)]
pub struct SourceStats {
    pub batches: u64,
    pub messages: u64,
    pub failed_messages: u64,
    pub runs: Vec<(String, ScheduledRun)>,
}

pub struct EventSources {
    tasks: Vec<tokio::task::JoinHandle<()>>,
    stats: Arc<Mutex<SourceStats>>,
}

impl Drop for EventSources {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// An SQS event source of a function.
#[derive(Debug, Clone)]
pub struct SqsSource {
    pub binary: String,
    pub queue_url: String,
    pub queue_arn: String,
    pub batch_size: i32,
    pub report_failures: bool,
    /// The queue's visibility timeout (seconds).
    pub visibility: i32,
}

/// A schedule of a function.
#[derive(Debug, Clone)]
pub struct ScheduleSource {
    pub binary: String,
    pub rule_arn: String,
    pub every: Duration,
    pub max_age: Duration,
    pub max_retries: u32,
}

/// `rate(1 minute)`, `rate(5 minutes)`, `rate(1 hour)`.
pub fn parse_rate(expression: &str) -> Option<Duration> {
    let inner = expression.strip_prefix("rate(")?.strip_suffix(')')?;
    let (n, unit) = inner.trim().split_once(' ')?;
    let n: u64 = n.parse().ok()?;
    let seconds = match unit.trim_end_matches('s') {
        "minute" => 60,
        "hour" => 3600,
        "day" => 86_400,
        _ => return None,
    };
    Some(Duration::from_secs(n * seconds))
}

impl SqsSource {
    /// The SQS event sources of a function (`Events` of type `SQS`); `queues` maps queue ARNs
    /// to their URL and visibility timeout.
    pub fn of(spec: &FunctionSpec, queues: &[(String, String, i32)]) -> Vec<Self> {
        let Some(events) = spec.properties.get("Events").and_then(|e| e.as_mapping()) else {
            return Vec::new();
        };
        events
            .values()
            .filter(|e| e.get("Type").and_then(|t| t.as_str()) == Some("SQS"))
            .filter_map(|e| {
                let p = e.get("Properties")?;
                let arn = p.get("Queue")?.as_str()?.to_owned();
                let (_, url, visibility) = queues.iter().find(|(a, _, _)| *a == arn)?;
                Some(Self {
                    binary: spec.binary.clone(),
                    queue_url: url.clone(),
                    queue_arn: arn,
                    batch_size: p
                        .get("BatchSize")
                        .and_then(|b| b.as_i64())
                        .map_or(10, |b| b.min(10) as i32),
                    report_failures: p
                        .get("FunctionResponseTypes")
                        .and_then(|t| t.as_sequence())
                        .is_some_and(|t| {
                            t.iter()
                                .any(|t| t.as_str() == Some("ReportBatchItemFailures"))
                        }),
                    visibility: *visibility,
                })
            })
            .collect()
    }
}

impl ScheduleSource {
    pub fn of(spec: &FunctionSpec, stack: &str) -> Vec<Self> {
        let Some(events) = spec.properties.get("Events").and_then(|e| e.as_mapping()) else {
            return Vec::new();
        };
        let config = spec.properties.get("EventInvokeConfig");
        let max_age = config
            .and_then(|c| c.get("MaximumEventAgeInSeconds"))
            .and_then(|v| v.as_u64())
            .map_or(Duration::from_secs(6 * 3600), Duration::from_secs);
        let max_retries = config
            .and_then(|c| c.get("MaximumRetryAttempts"))
            .and_then(|v| v.as_u64())
            .map_or(2, |v| v as u32);
        events
            .iter()
            .filter(|(_, e)| e.get("Type").and_then(|t| t.as_str()) == Some("Schedule"))
            .filter(|(_, e)| {
                e.get("Properties")
                    .and_then(|p| p.get("Enabled"))
                    .is_none_or(|v| v.as_bool() != Some(false))
            })
            .filter_map(|(name, e)| {
                let expression = e.get("Properties")?.get("Schedule")?.as_str()?;
                Some(Self {
                    binary: spec.binary.clone(),
                    rule_arn: format!(
                        "arn:aws:events:us-east-1:123456789012:rule/{stack}-{}",
                        name.as_str().unwrap_or("Schedule")
                    ),
                    every: parse_rate(expression)?,
                    max_age,
                    max_retries,
                })
            })
            .collect()
    }
}

impl EventSources {
    /// Starts the pollers (`pollers` per SQS source, as Lambda runs several) and schedules.
    /// `sqs` signs as the function (the poller uses its role); `admin` moves SQS's clock.
    pub fn start(
        lambda: Arc<LambdaService>,
        sqs: Vec<(SqsSource, aws_sdk_sqs::Client)>,
        admin: aws_sdk_sqs::Client,
        schedules: Vec<ScheduleSource>,
        pollers: usize,
    ) -> Self {
        let stats = Arc::new(Mutex::new(SourceStats::default()));
        let mut tasks = Vec::new();
        for (source, client) in sqs {
            for _ in 0..pollers {
                tasks.push(tokio::spawn(poll(
                    Arc::clone(&lambda),
                    source.clone(),
                    client.clone(),
                    admin.clone(),
                    Arc::clone(&stats),
                )));
            }
        }
        for schedule in schedules {
            tasks.push(tokio::spawn(run_schedule(
                Arc::clone(&lambda),
                schedule,
                Arc::clone(&stats),
            )));
        }
        Self { tasks, stats }
    }

    pub fn stats(&self) -> SourceStats {
        self.stats
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

async fn poll(
    lambda: Arc<LambdaService>,
    source: SqsSource,
    sqs: aws_sdk_sqs::Client,
    admin: aws_sdk_sqs::Client,
    stats: Arc<Mutex<SourceStats>>,
) {
    loop {
        let received = sqs
            .receive_message()
            .queue_url(&source.queue_url)
            .max_number_of_messages(source.batch_size)
            // Short polls: a long poll would hold moto, which serves one request at a time.
            .wait_time_seconds(0)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await;
        let messages = match received {
            Ok(answer) => answer.messages.unwrap_or_default(),
            Err(error) => {
                tracing::warn!(error = %aws_sdk_sqs::Error::from(error), "poller: receive failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if messages.is_empty() {
            tokio::time::sleep(Duration::from_millis(250)).await;
            continue;
        }
        let records: Vec<Value> = messages
            .iter()
            .map(|m| {
                let attributes: serde_json::Map<String, Value> = m
                    .attributes()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.as_str().to_owned(), Value::String(v.clone())))
                    .collect();
                json!({
                    "messageId": m.message_id(),
                    "receiptHandle": m.receipt_handle(),
                    "body": m.body(),
                    "attributes": attributes,
                    "messageAttributes": {},
                    "md5OfBody": m.md5_of_body(),
                    "eventSource": "aws:sqs",
                    "eventSourceARN": source.queue_arn,
                    "awsRegion": "us-east-1",
                })
            })
            .collect();
        let payload = serde_json::to_vec(&json!({ "Records": records })).unwrap_or_default();
        let outcome = lambda.invoke(&source.binary, payload).await;
        let failed: Vec<String> = match &outcome {
            Outcome::Ok(body) if source.report_failures => {
                let answer: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
                answer["batchItemFailures"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|f| f["itemIdentifier"].as_str().map(str::to_owned))
                    .collect()
            }
            Outcome::Ok(_) => Vec::new(),
            _ => messages
                .iter()
                .filter_map(|m| m.message_id().map(str::to_owned))
                .collect(),
        };
        {
            let mut s = stats.lock().unwrap_or_else(PoisonError::into_inner);
            s.batches += 1;
            s.messages += messages.len() as u64;
            s.failed_messages += failed.len() as u64;
        }
        let done: Vec<DeleteMessageBatchRequestEntry> = messages
            .iter()
            .filter(|m| {
                m.message_id()
                    .is_some_and(|id| !failed.iter().any(|f| f == id))
            })
            .enumerate()
            .filter_map(|(i, m)| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(format!("m{i}"))
                    .receipt_handle(m.receipt_handle()?)
                    .build()
                    .ok()
            })
            .collect();
        if !done.is_empty()
            && let Err(error) = sqs
                .delete_message_batch()
                .queue_url(&source.queue_url)
                .set_entries(Some(done))
                .send()
                .await
        {
            tracing::warn!(error = %aws_sdk_sqs::Error::from(error), "poller: delete failed");
        }
        // SQS's clock, faster: a failed message comes back after its visibility timeout.
        let comeback = (source.visibility / TIME_SCALE as i32).max(1);
        for message in messages.iter().filter(|m| {
            m.message_id()
                .is_some_and(|id| failed.iter().any(|f| f == id))
        }) {
            if let Some(receipt) = message.receipt_handle() {
                let _ = admin
                    .change_message_visibility()
                    .queue_url(&source.queue_url)
                    .receipt_handle(receipt)
                    .visibility_timeout(comeback)
                    .send()
                    .await;
            }
        }
    }
}

async fn run_schedule(
    lambda: Arc<LambdaService>,
    schedule: ScheduleSource,
    stats: Arc<Mutex<SourceStats>>,
) {
    let mut ticks = tokio::time::interval(schedule.every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let lambda = Arc::clone(&lambda);
        let schedule = schedule.clone();
        let stats = Arc::clone(&stats);
        // Asynchronous: the next tick does not wait for this event.
        tokio::spawn(async move {
            let fired = Instant::now();
            let event = json!({
                "version": "0",
                "id": ulid::Ulid::new().to_string(),
                "detail-type": "Scheduled Event",
                "source": "aws.events",
                "account": "123456789012",
                "time": jiff::Timestamp::now().to_string(),
                "region": "us-east-1",
                "resources": [schedule.rule_arn],
                "detail": {},
            });
            let payload = serde_json::to_vec(&event).unwrap_or_default();
            let mut attempts = 0;
            let mut errors = 0;
            let outcome = loop {
                if fired.elapsed() > schedule.max_age {
                    break Err("dropped: older than MaximumEventAgeInSeconds".to_owned());
                }
                attempts += 1;
                match lambda.invoke(&schedule.binary, payload.clone()).await {
                    Outcome::Ok(body) => {
                        break Ok(serde_json::from_slice(&body).unwrap_or(Value::Null));
                    }
                    Outcome::Throttled => tokio::time::sleep(Duration::from_secs(1)).await,
                    other => {
                        errors += 1;
                        if errors > schedule.max_retries {
                            break Err(format!("{other:?}"));
                        }
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            };
            stats
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .runs
                .push((
                    schedule.binary.clone(),
                    ScheduledRun {
                        at: fired,
                        outcome: outcome.map_err(|e| e.chars().take(300).collect()),
                        attempts,
                    },
                ));
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse() {
        assert_eq!(parse_rate("rate(1 minute)"), Some(Duration::from_secs(60)));
        assert_eq!(
            parse_rate("rate(5 minutes)"),
            Some(Duration::from_secs(300))
        );
        assert_eq!(parse_rate("cron(0 * * * ? *)"), None);
    }
}
