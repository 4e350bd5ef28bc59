//! The audit log: an append-only record of every change that touches money or vouchers (who,
//! what, when, before and after), kept in the same transaction as the change itself.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: String,
    pub operator_id: String,
    pub at: Timestamp,
    /// The user who made the change (`system` for Tiketi's own passes).
    pub actor_id: String,
    pub actor_name: String,
    /// What happened, e.g. `ticket_type.update`, `batch.cancel`.
    pub action: String,
    /// What it happened to, e.g. a ticket type or batch id.
    pub subject: String,
    #[serde(default)]
    pub before: Option<Value>,
    #[serde(default)]
    pub after: Option<Value>,
    /// The reason given, if any.
    #[serde(default)]
    pub note: Option<String>,
}

/// The actor id of changes Tiketi makes by itself (online sales, reversals, passes).
pub const SYSTEM_ACTOR: &str = "system";

impl AuditEntry {
    /// A change Tiketi made on a payment's behalf: `by` names where it came from, such as
    /// "Online sale (Pesapal)".
    pub fn system(
        id: String,
        operator_id: &str,
        at: Timestamp,
        by: &str,
        action: &str,
        subject: &str,
        after: Value,
    ) -> Self {
        Self {
            id,
            operator_id: operator_id.to_owned(),
            at,
            actor_id: SYSTEM_ACTOR.into(),
            actor_name: by.into(),
            action: action.into(),
            subject: subject.into(),
            before: None,
            after: Some(after),
            note: None,
        }
    }
}
