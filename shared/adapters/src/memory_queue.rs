//! The in-process queue of the local mode, with SQS's semantics: at-least-once delivery, a
//! visibility timeout, explicit deletion, and a dead-letter queue after too many receptions.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use tiketi_core::ports::queue::{Delivery, Queue, QueueDepth, QueueError};
use tokio::{sync::Notify, time::Instant};

#[derive(Debug, Clone)]
struct Message {
    id: String,
    body: String,
    receive_count: u32,
}

#[derive(Debug, Default)]
struct State {
    ready: VecDeque<Message>,
    in_flight: HashMap<String, (Message, Instant)>,
}

#[derive(Debug)]
struct Inner {
    state: Mutex<State>,
    arrived: Notify,
    visibility: Duration,
    max_receives: u32,
    dead_letters: Option<InProcessQueue>,
}

/// A queue in memory. Clones share the queue.
#[derive(Debug, Clone)]
pub struct InProcessQueue(Arc<Inner>);

impl InProcessQueue {
    /// A queue whose messages move to a fresh dead-letter queue after `max_receives` receptions.
    pub fn new(visibility: Duration, max_receives: u32) -> Self {
        let dead_letters = Self::build(visibility, u32::MAX, None);
        Self::build(visibility, max_receives, Some(dead_letters))
    }

    fn build(visibility: Duration, max_receives: u32, dead_letters: Option<Self>) -> Self {
        Self(Arc::new(Inner {
            state: Mutex::new(State::default()),
            arrived: Notify::new(),
            visibility,
            max_receives,
            dead_letters,
        }))
    }

    /// The dead-letter queue (itself an ordinary queue).
    pub fn dead_letter_queue(&self) -> Option<&Self> {
        self.0.dead_letters.as_ref()
    }

    /// Messages waiting or in flight (for status pages and tests).
    pub fn held(&self) -> usize {
        let state = self.lock();
        state.ready.len() + state.in_flight.len()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.0
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn push(&self, message: Message) {
        self.lock().ready.push_back(message);
        self.0.arrived.notify_waiters();
    }

    /// Takes what is receivable now; returns also when the next in-flight message reappears.
    fn take(&self, max: usize) -> (Vec<Delivery>, Option<Instant>) {
        let now = Instant::now();
        let mut state = self.lock();
        let expired: Vec<String> = state
            .in_flight
            .iter()
            .filter(|(_, (_, until))| *until <= now)
            .map(|(r, _)| r.clone())
            .collect();
        for receipt in expired {
            if let Some((message, _)) = state.in_flight.remove(&receipt) {
                state.ready.push_back(message);
            }
        }
        let mut out = Vec::new();
        while out.len() < max {
            let Some(mut message) = state.ready.pop_front() else {
                break;
            };
            if message.receive_count >= self.0.max_receives {
                if let Some(dead) = &self.0.dead_letters {
                    dead.push(Message {
                        receive_count: 0,
                        ..message
                    });
                }
                continue;
            }
            message.receive_count += 1;
            let receipt = ulid::Ulid::new().to_string();
            out.push(Delivery {
                id: message.id.clone(),
                receipt: receipt.clone(),
                body: message.body.clone(),
                receive_count: message.receive_count,
            });
            state
                .in_flight
                .insert(receipt, (message, now + self.0.visibility));
        }
        let next_visible = state.in_flight.values().map(|(_, until)| *until).min();
        (out, next_visible)
    }
}

impl Queue for InProcessQueue {
    async fn send(&self, body: String) -> Result<(), QueueError> {
        self.push(Message {
            id: ulid::Ulid::new().to_string(),
            body,
            receive_count: 0,
        });
        Ok(())
    }

    async fn receive(&self, max: usize, wait: Duration) -> Result<Vec<Delivery>, QueueError> {
        let deadline = Instant::now() + wait;
        loop {
            let arrived = self.0.arrived.notified();
            let (taken, next_visible) = self.take(max.max(1));
            if !taken.is_empty() || Instant::now() >= deadline {
                return Ok(taken);
            }
            let wake = next_visible.map_or(deadline, |at| at.min(deadline));
            tokio::select! {
                () = arrived => {}
                () = tokio::time::sleep_until(wake) => {}
            }
        }
    }

    async fn ack(&self, receipt: &str) -> Result<(), QueueError> {
        self.lock()
            .in_flight
            .remove(receipt)
            .map(|_| ())
            .ok_or(QueueError::UnknownReceipt)
    }

    async fn depth(&self) -> Result<QueueDepth, QueueError> {
        Ok(QueueDepth {
            held: self.held() as u64,
            dead_letters: self.dead_letter_queue().map(|d| d.held() as u64),
        })
    }

    async fn release(&self, receipt: &str) -> Result<(), QueueError> {
        let message = self.lock().in_flight.remove(receipt).map(|(m, _)| m);
        let message = message.ok_or(QueueError::UnknownReceipt)?;
        self.push(message);
        Ok(())
    }
}
