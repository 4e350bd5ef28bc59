//! A Pesapal API 3.0 sandbox stand-in, so local mode and the tests can take payments without
//! network access or Pesapal keys.
//!
//! It speaks the API as real Pesapal does (`docs/pesapal.md`), with the same field names, shapes
//! and quirks (string `status`, `error_type`, the `ipn_status_decription` typo, the unpaid order
//! answering `status_code` 0 + `payment_details_not_found` with HTTP 500), so the production
//! [`PesapalClient`](tiketi_adapters::pesapal::PesapalClient) is what talks to it. A customer
//! "pays" on a small server-rendered page; tests drive it with plain methods.
//!
//! URL layout, relative to where the host mounts [`Sandbox::router`] (the `public_base_url`
//! given to [`Sandbox::new`], e.g. `http://127.0.0.1:8080/pesapal-sandbox`):
//!
//! | route | what |
//! |---|---|
//! | `POST /pesapalv3/api/Auth/RequestToken` | token, 5-minute lifetime |
//! | `POST /pesapalv3/api/URLSetup/RegisterIPN` | register an IPN URL (GET or POST) |
//! | `GET  /pesapalv3/api/URLSetup/GetIpnList` | the merchant's IPN URLs |
//! | `POST /pesapalv3/api/Transactions/SubmitOrderRequest` | create an order |
//! | `GET  /pesapalv3/api/Transactions/GetTransactionStatus?orderTrackingId=` | its status |
//! | `GET  /pay/{tracking_id}` | the payment page (`redirect_url`) |
//! | `POST /pay/{tracking_id}` | its buttons: `action=pay`, `fail` or `cancel` |
//!
//! So the client's base URL is [`Sandbox::api_base_url`] = `{public_base_url}/pesapalv3`.
//!
//! Stand-in choices where real Pesapal is undocumented: every error answer has HTTP 500 (as
//! observed for bad tokens); a reused `id` of the same merchant is refused with
//! `invalid_api_request_parameters`; an amount with more than two decimals is refused;
//! registering the same URL twice gives a new `ipn_id`; an IPN counts as acknowledged only on
//! HTTP 2xx with a JSON body whose `status` is the integer `200`.

mod api;
mod ipn;
mod pay;
#[cfg(test)]
mod tests;

use std::{
    fmt,
    sync::{
        Arc, Mutex, MutexGuard, PoisonError,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use axum::{
    Router,
    routing::{get, post},
};
use jiff::Timestamp;
use rand::Rng;
use tiketi_core::{
    domain::money::Money,
    ports::gateway::{IpnMethod, PaymentState},
};

pub use ipn::IpnDelivery;

/// The sandbox: cheap to clone (all clones share one state).
#[derive(Clone)]
pub struct Sandbox {
    shared: Arc<Shared>,
}

struct Shared {
    public_base_url: String,
    http: reqwest::Client,
    pages: tera::Tera,
    state: Mutex<State>,
    status_calls: AtomicUsize,
    token_calls: AtomicUsize,
}

#[derive(Default)]
struct State {
    latency: Duration,
    grants: Vec<Grant>,
    ipns: Vec<SandboxIpn>,
    orders: Vec<SandboxOrder>,
    deliveries: Vec<IpnDelivery>,
}

/// An issued bearer token.
struct Grant {
    token: String,
    consumer_key: String,
    expires_at: Timestamp,
}

/// A registered IPN URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxIpn {
    /// The integer `id` of the RegisterIPN answer.
    pub id: u64,
    pub ipn_id: String,
    pub consumer_key: String,
    pub url: String,
    pub method: IpnMethod,
    pub created_at: Timestamp,
}

/// An order as the sandbox holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxOrder {
    pub tracking_id: String,
    pub consumer_key: String,
    pub merchant_reference: String,
    pub currency: String,
    pub amount: Money,
    pub description: String,
    pub callback_url: String,
    pub cancellation_url: Option<String>,
    pub notification_id: String,
    pub phone_number: Option<String>,
    pub email_address: Option<String>,
    pub country_code: Option<String>,
    pub state: PaymentState,
    /// The M-Pesa receipt, once paid.
    pub confirmation_code: Option<String>,
    /// When set, GetTransactionStatus reports this amount instead of `amount`.
    pub paid_amount_override: Option<Money>,
    pub created_at: Timestamp,
}

/// Why a test control could not act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SandboxError {
    UnknownOrder(String),
    /// The order's state does not allow the change (e.g. failing a completed payment).
    InvalidTransition {
        from: PaymentState,
        to: PaymentState,
    },
}

impl fmt::Display for SandboxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownOrder(id) => write!(f, "no sandbox order with tracking id {id}"),
            Self::InvalidTransition { from, to } => write!(f, "cannot go from {from:?} to {to:?}"),
        }
    }
}

impl std::error::Error for SandboxError {}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("public_base_url", &self.shared.public_base_url)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// A sandbox whose router will be reachable at `public_base_url` (no trailing slash needed).
    pub fn new(public_base_url: String) -> Self {
        Self {
            shared: Arc::new(Shared {
                public_base_url: public_base_url.trim_end_matches('/').to_owned(),
                http: reqwest::Client::new(),
                pages: pay::templates(),
                state: Mutex::new(State::default()),
                status_calls: AtomicUsize::new(0),
                token_calls: AtomicUsize::new(0),
            }),
        }
    }

    /// The routes, state applied, for the host to nest at its mount point.
    pub fn router(&self) -> Router {
        let api = Router::new()
            .route("/Auth/RequestToken", post(api::request_token))
            .route("/URLSetup/RegisterIPN", post(api::register_ipn))
            .route("/URLSetup/GetIpnList", get(api::ipn_list))
            .route("/Transactions/SubmitOrderRequest", post(api::submit_order))
            .route(
                "/Transactions/GetTransactionStatus",
                get(api::transaction_status),
            )
            .layer(axum::middleware::from_fn_with_state(
                self.clone(),
                api::delay,
            ));
        Router::new()
            .nest("/pesapalv3/api", api)
            .route("/pay/{tracking_id}", get(pay::page).post(pay::act))
            .with_state(self.clone())
    }

    /// Where the router is mounted.
    pub fn public_base_url(&self) -> &str {
        &self.shared.public_base_url
    }

    /// The base URL to give `PesapalClient`: `{public_base_url}/pesapalv3`.
    pub fn api_base_url(&self) -> String {
        format!("{}/pesapalv3", self.shared.public_base_url)
    }

    /// Marks the order paid (allowed from pending and failed). With `deliver_ipn`, returns once
    /// the IPN was acknowledged or its retries ran out; it is delivered again if the order was
    /// already paid (a duplicate, as real Pesapal sends).
    pub async fn complete(&self, tracking_id: &str, deliver_ipn: bool) -> Result<(), SandboxError> {
        self.control(tracking_id, PaymentState::Completed, deliver_ipn)
            .await
    }

    /// Marks the payment attempt failed (allowed from pending); the customer may still pay.
    pub async fn fail(&self, tracking_id: &str, deliver_ipn: bool) -> Result<(), SandboxError> {
        self.control(tracking_id, PaymentState::Failed, deliver_ipn)
            .await
    }

    /// Reverses a completed payment.
    pub async fn reverse(&self, tracking_id: &str, deliver_ipn: bool) -> Result<(), SandboxError> {
        self.control(tracking_id, PaymentState::Reversed, deliver_ipn)
            .await
    }

    /// Delays every API answer by `latency` (the request is processed first, as when a slow
    /// Pesapal answers after the client gave up).
    pub fn set_latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }

    /// Makes GetTransactionStatus report `minor` units as the paid amount of this order.
    pub fn set_paid_amount_override(
        &self,
        tracking_id: &str,
        minor: i64,
    ) -> Result<(), SandboxError> {
        let mut state = self.lock();
        let order = state.order_mut(tracking_id)?;
        order.paid_amount_override = Some(Money(minor));
        Ok(())
    }

    /// Makes every issued token expired: the next API call meets
    /// `invalid_api_credentials_provided`.
    pub fn expire_tokens(&self) {
        let past = Timestamp::now() - jiff::SignedDuration::from_secs(1);
        for grant in &mut self.lock().grants {
            grant.expires_at = past;
        }
    }

    /// All orders, oldest first.
    pub fn orders(&self) -> Vec<SandboxOrder> {
        self.lock().orders.clone()
    }

    /// All IPN registrations, oldest first.
    pub fn ipn_registrations(&self) -> Vec<SandboxIpn> {
        self.lock().ipns.clone()
    }

    /// All IPN deliveries (finished or in progress), oldest first.
    pub fn ipn_deliveries(&self) -> Vec<IpnDelivery> {
        self.lock().deliveries.clone()
    }

    /// How many GetTransactionStatus calls were received.
    pub fn status_calls(&self) -> usize {
        self.shared.status_calls.load(Ordering::Relaxed)
    }

    /// How many RequestToken calls were received (refused ones included).
    pub fn token_calls(&self) -> usize {
        self.shared.token_calls.load(Ordering::Relaxed)
    }

    async fn control(
        &self,
        tracking_id: &str,
        to: PaymentState,
        deliver_ipn: bool,
    ) -> Result<(), SandboxError> {
        let (order, _changed) = self.transition(tracking_id, to)?;
        if deliver_ipn {
            self.deliver_ipn(&order).await;
        }
        Ok(())
    }

    /// Applies a state change; `Ok((order, false))` when the order already was in `to`.
    fn transition(
        &self,
        tracking_id: &str,
        to: PaymentState,
    ) -> Result<(SandboxOrder, bool), SandboxError> {
        use PaymentState::{Completed, Failed, Pending, Reversed};
        let mut state = self.lock();
        let order = state.order_mut(tracking_id)?;
        let from = order.state;
        let changed = match (from, to) {
            _ if from == to => false,
            (Pending | Failed, Completed) | (Pending, Failed) | (Completed, Reversed) => true,
            _ => return Err(SandboxError::InvalidTransition { from, to }),
        };
        if changed {
            order.state = to;
            if to == Completed {
                order.confirmation_code = Some(receipt_code());
            }
        }
        Ok((order.clone(), changed))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    fn order_mut(&mut self, tracking_id: &str) -> Result<&mut SandboxOrder, SandboxError> {
        self.orders
            .iter_mut()
            .find(|o| o.tracking_id == tracking_id)
            .ok_or_else(|| SandboxError::UnknownOrder(tracking_id.to_owned()))
    }
}

/// A random GUID-like id (`8-4-4-4-12` lower-case hex, version 4).
fn guid() -> String {
    let random = rand::rng().random::<u128>();
    let bits = (random & !(0xf << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62);
    let hex = format!("{bits:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// An M-Pesa-like receipt: 10 upper-case alphanumerics starting with a letter.
fn receipt_code() -> String {
    const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::rng();
    let first = char::from(LETTERS[rng.random_range(0..LETTERS.len())]);
    std::iter::once(first)
        .chain((1..10).map(|_| char::from(ALNUM[rng.random_range(0..ALNUM.len())])))
        .collect()
}

/// `url` with `params` appended to its query (`?` or `&` as needed).
fn with_params(url: &str, params: &[(&str, &str)]) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) => {
            parsed.query_pairs_mut().extend_pairs(params);
            parsed.into()
        }
        Err(_) => {
            let joined: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let separator = if url.contains('?') { '&' } else { '?' };
            format!("{url}{separator}{}", joined.join("&"))
        }
    }
}
