//! The unmatched payments inbox: money Pesapal confirmed that could not become (or stay) a
//! voucher, kept for the owner to settle by hand, with what they did recorded.
//!
//! An item's id is derived from its kind and the gateway's tracking id, so the same payment
//! notified many times is one item.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{batch::Actor, money::Money};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnmatchedKind {
    /// A completed payment whose reference is no order of ours.
    UnknownReference,
    /// A completed payment whose amount, currency or reference disagrees with its order.
    Mismatch,
    /// A payment reversed after its voucher was already in use (the voucher kept working).
    ReversedAfterUse,
}

impl UnmatchedKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnknownReference => "unknown_reference",
            Self::Mismatch => "mismatch",
            Self::ReversedAfterUse => "reversed_after_use",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::UnknownReference => "Payment for no known order",
            Self::Mismatch => "Payment that does not match its order",
            Self::ReversedAfterUse => "Reversed after the voucher was used",
        }
    }
}

/// What the owner did about an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResolutionAction {
    /// The money went back to the customer outside Tiketi.
    Refunded,
    /// The customer got a voucher by hand.
    VoucherGiven,
    /// The money is kept (e.g. a reversal written off, a payment for something else).
    Kept,
}

impl ResolutionAction {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "refunded" => Some(Self::Refunded),
            "voucher_given" => Some(Self::VoucherGiven),
            "kept" => Some(Self::Kept),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Refunded => "Refunded to the customer",
            Self::VoucherGiven => "Voucher given by hand",
            Self::Kept => "Kept / written off",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    pub action: ResolutionAction,
    pub note: String,
    pub by: Actor,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmatchedPayment {
    pub id: String,
    pub operator_id: String,
    pub kind: UnmatchedKind,
    pub tracking_id: String,
    /// The merchant reference the gateway reported.
    pub reference: Option<String>,
    /// Our order, when there is one.
    pub order_id: Option<String>,
    pub amount: Option<Money>,
    pub currency: Option<String>,
    pub confirmation_code: Option<String>,
    pub payment_method: Option<String>,
    /// Why it is here, in words.
    pub detail: String,
    pub at: Timestamp,
    #[serde(default)]
    pub resolution: Option<Resolution>,
}

impl UnmatchedPayment {
    /// The id of the item for this kind of trouble with this payment.
    pub fn id_for(kind: UnmatchedKind, tracking_id: &str) -> String {
        let digest = Sha256::digest(tracking_id.as_bytes());
        format!("{}-{}", kind.as_str(), &hex::encode(digest)[..20])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_payment_one_item_per_kind() {
        let a = UnmatchedPayment::id_for(UnmatchedKind::Mismatch, "t-1");
        assert_eq!(a, UnmatchedPayment::id_for(UnmatchedKind::Mismatch, "t-1"));
        assert_ne!(a, UnmatchedPayment::id_for(UnmatchedKind::Mismatch, "t-2"));
        assert_ne!(
            a,
            UnmatchedPayment::id_for(UnmatchedKind::ReversedAfterUse, "t-1")
        );
        assert!(
            a.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
    }
}
