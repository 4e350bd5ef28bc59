//! Customers: the people who buy vouchers, known by their phone number (online buyers always
//! give one; cash buyers when the seller records it).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{ledger::Channel, money::Money};

/// A buyer's counters, kept by every sale's transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    /// The phone number, international without `+` (`254712345678`).
    pub phone: String,
    /// Vouchers bought (online and cash), less reversed payments.
    pub purchases: i64,
    /// What they paid in all, in minor units of the operator's currency.
    /// Less what was returned by reversals.
    #[serde(rename = "spent_minor")]
    pub spent: Money,
    #[serde(default)]
    pub last_purchase_at: Timestamp,
}

/// One line of a customer's history: an order placed at the checkout (paid or not), or a
/// printed voucher sold to them for cash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purchase {
    pub at: Timestamp,
    pub channel: Channel,
    /// The checkout order (online), `None` for a cash sale.
    pub order_id: Option<String>,
    /// The order's status (`pending`, `fulfilled`...) or `sold` for a cash sale.
    pub status: String,
    pub ticket_name: String,
    pub amount: Money,
    /// The voucher they got, once they got one.
    pub voucher_code: Option<String>,
    /// Pesapal's confirmation code (e.g. the M-Pesa receipt), for online payments.
    pub confirmation_code: Option<String>,
}
