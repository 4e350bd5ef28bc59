//! Checkout orders and the rules of their payment state machine.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{catalog::TicketTerms, money::Money, phone::Msisdn};
use crate::ports::gateway::{PaymentState, TransactionStatus};

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    /// Created; waiting for the customer to pay (it may have no gateway tracking id yet).
    Pending,
    /// Payment verified; the voucher is being issued.
    Paid,
    /// Paid and its voucher exists.
    Fulfilled,
    /// The last payment attempt failed; the customer may still pay the same order.
    Failed,
    /// Paid, then the money was returned.
    Reversed,
}

impl OrderStatus {
    pub const ALL: [Self; 5] = [
        Self::Pending,
        Self::Paid,
        Self::Fulfilled,
        Self::Failed,
        Self::Reversed,
    ];

    /// Reads a status as `as_str` writes it, in either case.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Paid => "PAID",
            Self::Fulfilled => "FULFILLED",
            Self::Failed => "FAILED",
            Self::Reversed => "REVERSED",
        }
    }

    /// The status an order moves to when the gateway reports `state`, or `None` for no change.
    /// Only a completed payment makes an order paid; a failure does not undo a payment; a
    /// reversal only applies to money that was taken.
    pub fn after_payment(self, state: PaymentState) -> Option<Self> {
        use OrderStatus::*;
        match (self, state) {
            (Pending | Failed, PaymentState::Completed) => Some(Paid),
            (Pending, PaymentState::Failed) => Some(Failed),
            (Paid | Fulfilled, PaymentState::Reversed) => Some(Reversed),
            _ => None,
        }
    }
}

/// A purchase started on the checkout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
    pub operator_id: String,
    pub router_id: String,
    /// Our merchant reference at the gateway: unique, `TK-<order id>`.
    pub reference: String,
    /// A short code the customer can quote to get the voucher back.
    pub code: String,
    pub terms: TicketTerms,
    pub amount: Money,
    pub currency: String,
    pub phone: Msisdn,
    pub email: Option<String>,
    /// The device's MAC address, from the captive portal link.
    pub mac: Option<String>,
    /// The router's login URL (`$(link-login-only)`), for the Connect button.
    pub login_url: Option<String>,
    /// Where the device wanted to go before the portal (`$(link-orig)`).
    pub original_url: Option<String>,
    /// `en` or `sw`.
    pub language: String,
    pub status: OrderStatus,
    pub tracking_id: Option<String>,
    pub redirect_url: Option<String>,
    pub confirmation_code: Option<String>,
    pub payment_method: Option<String>,
    pub voucher_code: Option<String>,
    pub created_at: Timestamp,
    pub paid_at: Option<Timestamp>,
}

impl Order {
    pub fn reference_for(order_id: &str) -> String {
        format!("TK-{order_id}")
    }

    /// The order id inside a merchant reference we issued.
    pub fn id_from_reference(reference: &str) -> Option<&str> {
        reference
            .strip_prefix("TK-")
            .filter(|id| ulid::Ulid::from_string(id).is_ok())
    }
}

/// Why a gateway status cannot be applied to an order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Mismatch {
    #[error("merchant reference {found:?} is not the order's {expected}")]
    Reference {
        expected: String,
        found: Option<String>,
    },
    #[error("amount {found:?} is not the order's {expected}")]
    Amount {
        expected: Money,
        found: Option<Money>,
    },
    #[error("currency {found:?} is not the order's {expected}")]
    Currency {
        expected: String,
        found: Option<String>,
    },
}

/// Checks that a gateway status is about this order, and — for a completed payment — that the
/// full amount was paid in the order's currency.
pub fn verify_status(order: &Order, status: &TransactionStatus) -> Result<(), Mismatch> {
    if status.merchant_reference.as_deref() != Some(order.reference.as_str()) {
        // A pending status may come without a reference; nothing is applied for it anyway.
        if status.state != PaymentState::Pending || status.merchant_reference.is_some() {
            return Err(Mismatch::Reference {
                expected: order.reference.clone(),
                found: status.merchant_reference.clone(),
            });
        }
    }
    if status.state == PaymentState::Completed {
        if status.amount != Some(order.amount) {
            return Err(Mismatch::Amount {
                expected: order.amount,
                found: status.amount,
            });
        }
        let currency_ok = status
            .currency
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case(&order.currency));
        if !currency_ok {
            return Err(Mismatch::Currency {
                expected: order.currency.clone(),
                found: status.currency.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderStatus::*;

    #[test]
    fn only_a_completed_payment_pays() {
        assert_eq!(Pending.after_payment(PaymentState::Completed), Some(Paid));
        assert_eq!(Failed.after_payment(PaymentState::Completed), Some(Paid));
        assert_eq!(Pending.after_payment(PaymentState::Pending), None);
        assert_eq!(Pending.after_payment(PaymentState::Failed), Some(Failed));
        assert_eq!(Pending.after_payment(PaymentState::Reversed), None);
    }

    #[test]
    fn paid_orders_move_only_on_reversal() {
        for state in [
            PaymentState::Completed,
            PaymentState::Failed,
            PaymentState::Pending,
        ] {
            assert_eq!(Paid.after_payment(state), None);
            assert_eq!(Fulfilled.after_payment(state), None);
        }
        assert_eq!(
            Fulfilled.after_payment(PaymentState::Reversed),
            Some(Reversed)
        );
        assert_eq!(Reversed.after_payment(PaymentState::Completed), None);
    }

    #[test]
    fn references_carry_the_order_id() {
        let id = ulid::Ulid::new().to_string();
        assert_eq!(
            Order::id_from_reference(&Order::reference_for(&id)),
            Some(id.as_str())
        );
        assert_eq!(Order::id_from_reference("TK-nope"), None);
        assert!(Order::reference_for(&id).len() <= 50);
    }
}
