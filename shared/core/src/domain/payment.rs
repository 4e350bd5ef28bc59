//! Payment events: the audit trail of every verified gateway status an order received.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::money::Money;
use crate::ports::gateway::PaymentState;

/// What made Tiketi ask the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckSource {
    /// The gateway's IPN webhook.
    Ipn,
    /// The customer's browser came back (callback page).
    Callback,
    /// The scheduled reconciliation pass.
    Reconciliation,
}

/// What the check did to the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// The order moved from one status to another.
    Transition { from: String, to: String },
    /// Nothing to change (still pending, or already in that state).
    NoChange { status: String },
    /// The status did not match the order; nothing applied.
    Rejected { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentEvent {
    pub id: String,
    pub operator_id: String,
    pub order_id: String,
    pub source: CheckSource,
    pub notification_type: Option<String>,
    pub state: PaymentState,
    pub amount: Option<Money>,
    pub currency: Option<String>,
    pub confirmation_code: Option<String>,
    pub payment_method: Option<String>,
    pub description: Option<String>,
    pub outcome: Outcome,
    pub received_at: Timestamp,
}
