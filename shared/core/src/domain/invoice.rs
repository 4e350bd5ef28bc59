//! Subscription invoices: numbered without gaps across the platform, one per operator and
//! billing period, paid through the platform's own Pesapal account or recorded by the
//! administrator when the money came another way.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::money::Money;
use crate::ports::gateway::TransactionStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InvoiceStatus {
    Open,
    Paid,
}

impl InvoiceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "OPEN",
            Self::Paid => "PAID",
        }
    }
}

/// What an invoice bills.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceKind {
    /// A month of the plan.
    #[default]
    Period,
    /// The difference to a bigger plan for what is left of a paid period: the bigger plan's
    /// limits apply once it is paid.
    Upgrade,
}

/// How an invoice was paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaidBy {
    Pesapal,
    BankTransfer,
    Cash,
}

impl PaidBy {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pesapal" => Some(Self::Pesapal),
            "bank_transfer" => Some(Self::BankTransfer),
            "cash" => Some(Self::Cash),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pesapal => "Pesapal",
            Self::BankTransfer => "Bank transfer",
            Self::Cash => "Cash",
        }
    }
}

/// The payment that settled an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoicePayment {
    pub by: PaidBy,
    pub amount: Money,
    /// Pesapal's confirmation code (the M-Pesa code), or the bank's or receipt's reference.
    pub reference: String,
    pub at: Timestamp,
    /// Pesapal's tracking id, for a payment through Pesapal.
    #[serde(default)]
    pub tracking_id: Option<String>,
    /// The administrator who recorded a payment made outside Pesapal.
    #[serde(default)]
    pub recorded_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    /// Sequential across the platform, from 1, without gaps.
    pub number: u64,
    pub operator_id: String,
    pub plan: String,
    pub plan_name: String,
    pub amount: Money,
    pub currency: String,
    pub period_start: Timestamp,
    pub period_end: Timestamp,
    /// The start of the period it pays for.
    pub due_at: Timestamp,
    pub issued_at: Timestamp,
    pub status: InvoiceStatus,
    #[serde(default)]
    pub kind: InvoiceKind,
    /// Pesapal orders started for it (each has its own merchant reference).
    #[serde(default)]
    pub attempts: u32,
    #[serde(default)]
    pub payment: Option<InvoicePayment>,
}

impl Invoice {
    /// How people quote it: `INV-000042`.
    pub fn label(&self) -> String {
        label(self.number)
    }
}

/// The price of moving from a plan costing `from` to one costing `to` a month for what is left
/// of a paid period (`left` of a month of `month`), rounded up to whole shillings.
pub fn upgrade_price(
    from: Money,
    to: Money,
    left: jiff::SignedDuration,
    month: jiff::SignedDuration,
) -> Money {
    let difference = i128::from((to.minor() - from.minor()).max(0));
    let left = i128::from(left.as_secs().clamp(0, month.as_secs()));
    let month = i128::from(month.as_secs().max(1));
    let exact = (difference * left + month - 1) / month;
    let shillings = (exact + 99) / 100 * 100;
    Money(i64::try_from(shillings).unwrap_or(i64::MAX))
}

pub fn label(number: u64) -> String {
    format!("INV-{number:06}")
}

/// One Pesapal order started to pay an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceAttempt {
    pub invoice_number: u64,
    pub operator_id: String,
    /// `TKI-<invoice>-<attempt>`: unique at Pesapal.
    pub reference: String,
    pub amount: Money,
    pub currency: String,
    #[serde(default)]
    pub tracking_id: Option<String>,
    #[serde(default)]
    pub redirect_url: Option<String>,
    pub created_at: Timestamp,
}

impl InvoiceAttempt {
    pub fn reference_for(invoice: u64, attempt: u32) -> String {
        format!("TKI-{invoice}-{attempt}")
    }

    /// The invoice number of a reference this module wrote.
    pub fn invoice_of(reference: &str) -> Option<u64> {
        let rest = reference.strip_prefix("TKI-")?;
        let (invoice, attempt) = rest.split_once('-')?;
        attempt.parse::<u32>().ok()?;
        invoice.parse().ok()
    }
}

/// Why a gateway status cannot settle an attempt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttemptMismatch {
    #[error("the payment names reference {found:?}, not {expected}")]
    Reference {
        expected: String,
        found: Option<String>,
    },
    #[error("the payment is {found:?} {found_currency}, the invoice {expected:?} {currency}")]
    Amount {
        expected: Money,
        currency: String,
        found: Option<Money>,
        found_currency: String,
    },
}

/// Checks that a gateway status is about this attempt, for its full amount and currency.
pub fn verify_attempt(
    attempt: &InvoiceAttempt,
    status: &TransactionStatus,
) -> Result<(), AttemptMismatch> {
    if status.merchant_reference.as_deref() != Some(attempt.reference.as_str()) {
        return Err(AttemptMismatch::Reference {
            expected: attempt.reference.clone(),
            found: status.merchant_reference.clone(),
        });
    }
    let currency = status.currency.clone().unwrap_or_default();
    if status.amount != Some(attempt.amount) || !currency.eq_ignore_ascii_case(&attempt.currency) {
        return Err(AttemptMismatch::Amount {
            expected: attempt.amount,
            currency: attempt.currency.clone(),
            found: status.amount,
            found_currency: currency,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upgrade_costs_the_difference_for_what_is_left() {
        let month = jiff::SignedDuration::from_hours(30 * 24);
        let half = jiff::SignedDuration::from_hours(15 * 24);
        let basic = Money::from_major(500);
        let enterprise = Money::from_major(5_000);
        assert_eq!(
            upgrade_price(basic, enterprise, half, month),
            Money::from_major(2_250)
        );
        assert_eq!(
            upgrade_price(basic, enterprise, month * 2, month),
            Money::from_major(4_500)
        );
        assert_eq!(
            upgrade_price(basic, enterprise, jiff::SignedDuration::from_secs(1), month),
            Money::from_major(1),
            "rounded up to a shilling"
        );
        assert_eq!(upgrade_price(enterprise, basic, half, month), Money(0));
    }

    #[test]
    fn references_round_trip_and_refuse_others() {
        let reference = InvoiceAttempt::reference_for(42, 3);
        assert_eq!(reference, "TKI-42-3");
        assert_eq!(InvoiceAttempt::invoice_of(&reference), Some(42));
        for other in ["TK-01J", "TKI-x-1", "TKI-42", "TKI-42-x", ""] {
            assert_eq!(InvoiceAttempt::invoice_of(other), None, "{other}");
        }
        assert_eq!(label(42), "INV-000042");
    }
}
