//! The payment gateway port (Pesapal API 3.0 semantics; see `docs/pesapal.md`).

use std::{fmt, future::Future};

use crate::domain::money::Money;

/// The merchant account an operator is paid into. Credentials are per operator.
#[derive(Clone, PartialEq, Eq)]
pub struct MerchantAccount {
    pub consumer_key: String,
    pub consumer_secret: String,
}

impl MerchantAccount {
    /// A stable, non-secret identifier of the account (for storing its IPN registration).
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(self.consumer_key.as_bytes());
        digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
    }

    /// A digest of the key *and* secret, for caching what the gateway granted these exact
    /// credentials (operators enter their own keys; one key with another secret is another
    /// account as far as a cache goes).
    pub fn credentials_digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut digest = Sha256::new();
        for part in [&self.consumer_key, &self.consumer_secret] {
            digest.update((part.len() as u64).to_be_bytes());
            digest.update(part.as_bytes());
        }
        hex::encode(digest.finalize())
    }
}

impl fmt::Debug for MerchantAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MerchantAccount")
            .field("consumer_key", &self.fingerprint())
            .field("consumer_secret", &"***")
            .finish()
    }
}

/// How the gateway calls the IPN URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpnMethod {
    Get,
    Post,
}

impl IpnMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
        }
    }
}

/// What we ask the gateway to collect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    /// Our merchant reference (unique, at most 50 characters of `[A-Za-z0-9-]`).
    pub merchant_reference: String,
    pub amount: Money,
    /// ISO 4217 code of `amount` (`KES`).
    pub currency: String,
    /// At most 100 characters.
    pub description: String,
    pub callback_url: String,
    pub cancellation_url: Option<String>,
    pub notification_id: String,
    pub phone_number: String,
    pub email: Option<String>,
    pub country_code: String,
}

/// The gateway accepted the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmittedPayment {
    pub tracking_id: String,
    pub redirect_url: String,
}

/// The gateway's verdict on a payment, as returned by `GetTransactionStatus`.
#[derive(Debug, Clone, PartialEq, Eq, Copy, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentState {
    /// status_code 0: not paid (yet). Pesapal also answers this for an open, unpaid order.
    Pending,
    /// status_code 1.
    Completed,
    /// status_code 2: this attempt failed; the customer may still pay the same order.
    Failed,
    /// status_code 3: money returned after completion.
    Reversed,
}

impl PaymentState {
    pub fn from_status_code(code: i64) -> Option<Self> {
        match code {
            0 => Some(Self::Pending),
            1 => Some(Self::Completed),
            2 => Some(Self::Failed),
            3 => Some(Self::Reversed),
            _ => None,
        }
    }

    pub fn status_code(self) -> i64 {
        match self {
            Self::Pending => 0,
            Self::Completed => 1,
            Self::Failed => 2,
            Self::Reversed => 3,
        }
    }
}

/// A transaction status, with the fields Tiketi checks against the stored order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionStatus {
    pub state: PaymentState,
    pub merchant_reference: Option<String>,
    /// `None` when the gateway gave no usable amount (e.g. while pending).
    pub amount: Option<Money>,
    pub currency: Option<String>,
    pub confirmation_code: Option<String>,
    pub payment_method: Option<String>,
    pub description: Option<String>,
}

/// Errors of the gateway port.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// The gateway refused our credentials.
    #[error("gateway refused the credentials: {0}")]
    Credentials(String),
    /// The gateway rejected the request (a business error in its body).
    #[error("gateway rejected the request: {code}: {message}")]
    Rejected { code: String, message: String },
    /// No answer in time, or the connection failed: the outcome is unknown.
    #[error("gateway unreachable: {0}")]
    Unreachable(String),
    /// The answer could not be understood.
    #[error("unexpected gateway answer: {0}")]
    Protocol(String),
}

/// A Pesapal-compatible payment gateway.
pub trait PaymentGateway: Send + Sync + 'static {
    /// Asks the gateway now (never from a cache) whether it accepts the merchant's
    /// credentials: `Credentials` when it refuses them.
    fn verify_credentials(
        &self,
        merchant: &MerchantAccount,
    ) -> impl Future<Output = Result<(), GatewayError>> + Send;

    /// Registers `url` as an IPN endpoint and returns its `ipn_id` (`notification_id`).
    fn register_ipn(
        &self,
        merchant: &MerchantAccount,
        url: &str,
        method: IpnMethod,
    ) -> impl Future<Output = Result<String, GatewayError>> + Send;

    fn submit_order(
        &self,
        merchant: &MerchantAccount,
        request: &PaymentRequest,
    ) -> impl Future<Output = Result<SubmittedPayment, GatewayError>> + Send;

    /// A payment still in progress is `Ok` with [`PaymentState::Pending`], never an error.
    fn transaction_status(
        &self,
        merchant: &MerchantAccount,
        tracking_id: &str,
    ) -> impl Future<Output = Result<TransactionStatus, GatewayError>> + Send;
}
