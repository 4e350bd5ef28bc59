//! Chain of custody of printed stock: what happened to a batch (or one of its vouchers) and
//! who did it. Sales and redemptions are counted on the batch itself (`Batch::sold`,
//! `Batch::redeemed`) by the sale and usage paths; these events record the hand-offs.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::batch::Actor;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CustodyKind {
    /// The batch was requested (its vouchers are then generated).
    Generated,
    /// A sheet of the whole batch was printed or downloaded (`layout`: `a4`, `html`, ...).
    Printed { layout: String },
    /// One voucher was printed again.
    Reprinted { code: String },
    /// The stock went to an agent to sell.
    HandedOver { agent: Actor },
    /// The stock was taken back from an agent.
    Returned { agent: Actor },
    /// The batch was voided (lost, stolen, withdrawn): its unused vouchers stop working.
    Voided { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustodyEvent {
    pub id: String,
    pub at: Timestamp,
    pub by: Actor,
    #[serde(flatten)]
    pub kind: CustodyKind,
}

impl CustodyKind {
    /// One line for the batch's history.
    pub fn describe(&self) -> String {
        match self {
            Self::Generated => "Generated".into(),
            Self::Printed { layout } => format!("Printed ({layout})"),
            Self::Reprinted { code } => format!("Voucher {code} printed again"),
            Self::HandedOver { agent } => format!("Handed to {}", agent.name),
            Self::Returned { agent } => format!("Taken back from {}", agent.name),
            Self::Voided { reason } => format!("Voided: {reason}"),
        }
    }
}
