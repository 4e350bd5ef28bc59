//! Use cases, generic over the ports. The Lambda functions and the local host call these and
//! nothing else; see each module for its exactly-once argument.

pub mod accounts;
pub mod admins;
pub mod agents;
pub mod api_tokens;
pub mod audit;
pub mod balance;
pub mod batches;
pub mod billing;
pub mod cash_sales;
pub mod catalog;
pub mod checkout;
pub mod console;
pub mod custody;
pub mod customers;
pub mod demo;
pub mod documents;
mod error;
pub mod expiry;
pub mod issuance;
pub mod merchant;
pub mod orders;
pub mod paging;
pub mod payments;
pub mod plans;
pub mod pool;
pub mod rate_limits;
pub mod recovery;
pub mod reports;
pub mod routers;
pub mod two_factor;
pub mod unmatched;
pub mod vouchers;

use std::time::Duration;

pub use error::ServiceError;

use crate::{
    domain::sealed::{DataKey, SealError},
    ports::{
        Clock, Documents, PaymentGateway, Queue, Table,
        gateway::{IpnMethod, MerchantAccount},
    },
    store::Repository,
};

/// The adapters one deployment wires together.
pub trait Platform: Send + Sync + 'static {
    type Table: Table;
    type Queue: Queue;
    type Gateway: PaymentGateway;
    type Clock: Clock;
    type Documents: Documents;
}

/// Deployment settings the use cases need.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The externally reachable base URL of Tiketi (no trailing slash), for the gateway's
    /// callback and IPN URLs.
    pub public_base_url: String,
    /// Where routers reach Tiketi (no trailing slash): on AWS the `rsc` function's URL, which
    /// costs nothing per request beyond the function's own; else `public_base_url`.
    pub router_base_url: String,
    /// The demo operator's merchant account (`PESAPAL_CONSUMER_KEY` / `PESAPAL_CONSUMER_SECRET`,
    /// or the local stand-in's).
    pub demo_merchant: Option<MerchantAccount>,
    /// The account of every other operator, set only for the local Pesapal sandbox stand-in
    /// (no real money moves there). Real operators are paid into their own merchant accounts.
    pub sandbox_merchant: Option<MerchantAccount>,
    /// The platform's own merchant account, which operators pay their subscriptions into
    /// (`PLATFORM_PESAPAL_*`, or the local stand-in's).
    pub platform_merchant: Option<MerchantAccount>,
    /// Seals secrets at rest (`DATA_KEY`): operators' own Pesapal keys, TOTP secrets.
    pub data_key: Option<DataKey>,
    pub ipn_method: IpnMethod,
    /// Pending orders older than this are asked about by the reconciliation pass.
    pub reconcile_after: Duration,
    /// Pending orders older than this are given up by the reconciliation pass.
    pub reconcile_window: Duration,
    /// The scheduled pass (expiry sweep, pool top-up, reconciliation) starts no new work after
    /// this long from its start, so it ends within its function's timeout (60 s on AWS, with
    /// room for the Pesapal checks in flight); the next pass continues where it stopped.
    pub schedule_budget: Duration,
}

impl Settings {
    pub fn new(public_base_url: &str, demo_merchant: Option<MerchantAccount>) -> Self {
        let public_base_url = public_base_url.trim_end_matches('/').to_owned();
        Self {
            router_base_url: public_base_url.clone(),
            public_base_url,
            demo_merchant,
            sandbox_merchant: None,
            platform_merchant: None,
            data_key: None,
            ipn_method: IpnMethod::Get,
            reconcile_after: Duration::from_secs(180),
            reconcile_window: Duration::from_secs(24 * 3600),
            schedule_budget: Duration::from_secs(40),
        }
    }

    /// The deadline of a scheduled pass starting now.
    pub fn pass_deadline(&self) -> std::time::Instant {
        std::time::Instant::now() + self.schedule_budget
    }

    pub fn ipn_url(&self, operator_id: &str) -> String {
        format!("{}/pesapal/ipn/{operator_id}", self.public_base_url)
    }

    /// Where Pesapal's Cancel button sends the customer: the order page, told the payment was
    /// cancelled (Pesapal's status stays "not paid", so the page could not tell otherwise).
    pub fn cancellation_url(&self, operator_id: &str, order_id: &str) -> String {
        format!("{}?cancelled=1", self.callback_url(operator_id, order_id))
    }

    pub fn callback_url(&self, operator_id: &str, order_id: &str) -> String {
        format!(
            "{}/checkout/{operator_id}/orders/{order_id}",
            self.public_base_url
        )
    }
}

/// Tiketi's use cases over one set of adapters.
#[derive(Debug)]
pub struct Tiketi<P: Platform> {
    pub store: Repository<P::Table>,
    pub queue: P::Queue,
    pub gateway: P::Gateway,
    pub clock: P::Clock,
    pub documents: P::Documents,
    pub settings: Settings,
}

/// The adapters of one deployment, to build [`Tiketi`] from.
#[derive(Debug)]
pub struct Adapters<P: Platform> {
    pub table: P::Table,
    pub queue: P::Queue,
    pub gateway: P::Gateway,
    pub clock: P::Clock,
    pub documents: P::Documents,
}

impl<P: Platform> Tiketi<P> {
    pub fn new(adapters: Adapters<P>, settings: Settings) -> Self {
        let Adapters {
            table,
            queue,
            gateway,
            clock,
            documents,
        } = adapters;
        Self {
            store: Repository::new(table),
            queue,
            gateway,
            clock,
            documents,
            settings,
        }
    }

    /// The merchant account an operator's customers pay into: the operator's own keys when it
    /// has set them in the portal; otherwise the deployment's demo account for the demo
    /// operator and, locally, the sandbox stand-in's for every other operator.
    pub async fn merchant_for(&self, operator_id: &str) -> Result<MerchantAccount, ServiceError> {
        if let Some(keys) = self.store.merchant_keys(operator_id).await? {
            return Ok(self.open_merchant_keys(operator_id, &keys)?);
        }
        let account = if operator_id == demo::DEMO_OPERATOR_ID {
            self.settings.demo_merchant.as_ref()
        } else {
            self.settings.sandbox_merchant.as_ref()
        };
        account.cloned().ok_or(ServiceError::NoMerchantAccount)
    }

    pub(crate) fn data_key(&self) -> Result<&DataKey, SealError> {
        self.settings.data_key.as_ref().ok_or(SealError::NoKey)
    }
}
