//! Agents: sellers invited by the owner, who sell printed vouchers for cash, earn a commission
//! on each sale and hand the cash over to the owner (settlements).
//!
//! An agent's balance is three counters kept with the sales and settlements that change them
//! (same transaction): what they collected, what they earned, what they handed over. What they
//! owe the owner is `collected - commission - settled`.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::{batch::Actor, money::Money};

/// How long an invitation link works.
pub const INVITE_LIFETIME: SignedDuration = SignedDuration::from_hours(7 * 24);

/// An invitation: the link's token is random and only its hash is stored, under which this
/// names the agent (created disabled, without a password, until they accept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    pub operator_id: String,
    pub user_id: String,
    pub expires_at: Timestamp,
}

/// Cash an agent handed over to the owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    pub id: String,
    pub operator_id: String,
    pub agent_id: String,
    pub amount: Money,
    pub note: String,
    pub recorded_by: Actor,
    pub at: Timestamp,
}

/// An agent's running totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AgentBalance {
    pub sales: i64,
    pub collected: Money,
    pub commission: Money,
    pub settled: Money,
}

impl AgentBalance {
    /// Cash the agent still holds for the owner (negative: the owner owes the agent).
    pub fn owed(&self) -> Money {
        Money(self.collected.minor() - self.commission.minor() - self.settled.minor())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_agent_owes_what_they_collected_less_commission_and_settlements() {
        let balance = AgentBalance {
            sales: 3,
            collected: Money(15_000),
            commission: Money(1_500),
            settled: Money(10_000),
        };
        assert_eq!(balance.owed(), Money(3_500));
        assert_eq!(AgentBalance::default().owed(), Money(0));
    }
}
