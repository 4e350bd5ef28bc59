//! `spawn_app()`: the whole local system (checkout, IPN, worker, timer, SQLite, Pesapal sandbox
//! stand-in) on a free port with a fresh data directory, driven over real HTTP.

use std::time::Duration;

use reqwest::{StatusCode, redirect::Policy};
use tiketi_core::{
    domain::{
        order::{Order, OrderStatus},
        payment::{CheckSource, Outcome, PaymentEvent},
        voucher::Voucher,
    },
    ports::gateway::PaymentState,
};
use tiketi_local::{
    host::{Host, Options},
    pesapal_sandbox::Sandbox,
};

pub struct TestApp {
    pub host: Host,
    /// A browser that does not follow redirects, so each hop is visible.
    pub http: reqwest::Client,
    _data_dir: Option<tempfile::TempDir>,
}

/// Options of a test host: timer off (tests run reconciliation explicitly), short timeouts.
pub fn test_options(data_dir: &std::path::Path) -> Options {
    let mut options =
        Options::from_env("127.0.0.1".into(), 0, data_dir.to_path_buf()).expect("options");
    options.public_base_url = None;
    options.merchant = None;
    options.reconcile_every = None;
    options.reconcile_after = Duration::ZERO;
    options.gateway_timeout = Duration::from_secs(2);
    options.queue_visibility = Duration::from_secs(2);
    options
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(adjust: impl FnOnce(&mut Options)) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut options = test_options(data_dir.path());
    adjust(&mut options);
    start(options, Some(data_dir)).await
}

/// A host on an existing data directory and a given port (0: any), e.g. to restart on them;
/// the caller keeps the directory.
pub async fn spawn_app_in(data_dir: &std::path::Path, port: u16) -> TestApp {
    let mut options = test_options(data_dir);
    options.port = port;
    start(options, None).await
}

async fn start(options: Options, data_dir: Option<tempfile::TempDir>) -> TestApp {
    let host = Host::start(options).await.expect("host starts");
    let http = reqwest::Client::builder()
        .redirect(Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    TestApp {
        host,
        http,
        _data_dir: data_dir,
    }
}

/// An order placed through the checkout, not yet paid.
#[derive(Debug, Clone)]
pub struct PlacedOrder {
    pub order_id: String,
    pub tracking_id: String,
    pub pay_url: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.host.base_url)
    }

    pub fn sandbox(&self) -> &Sandbox {
        self.host
            .sandbox
            .as_ref()
            .expect("the test host runs the sandbox stand-in")
    }

    pub async fn get(&self, path_or_url: &str) -> reqwest::Response {
        let url = if path_or_url.starts_with("http") {
            path_or_url.to_owned()
        } else {
            self.url(path_or_url)
        };
        self.http.get(url).send().await.expect("GET")
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .expect("POST")
    }

    /// Submits the checkout form of the demo router; returns the raw answer.
    pub async fn submit_checkout(&self, ticket_type_id: &str, phone: &str) -> reqwest::Response {
        let login = self.url("/demo-router/login");
        self.post_form(
            "/checkout/demo/demo-router",
            &[
                ("ticket_type_id", ticket_type_id),
                ("phone", phone),
                ("email", ""),
                ("mac", "02:00:00:00:00:01"),
                ("login_url", &login),
                ("dst", "http://example.com/"),
                ("lang", "en"),
            ],
        )
        .await
    }

    /// Places an order and follows it to the sandbox's pay page.
    pub async fn place_order(&self, ticket_type_id: &str, phone: &str) -> PlacedOrder {
        let answer = self.submit_checkout(ticket_type_id, phone).await;
        assert_eq!(
            answer.status(),
            StatusCode::SEE_OTHER,
            "{}",
            answer.text().await.unwrap_or_default()
        );
        let pay_url = answer.headers()["location"]
            .to_str()
            .expect("location")
            .to_owned();
        let tracking_id = pay_url
            .rsplit('/')
            .next()
            .expect("tracking id in pay URL")
            .to_owned();
        let order = self
            .sandbox()
            .orders()
            .into_iter()
            .find(|o| o.tracking_id == tracking_id)
            .expect("sandbox order");
        let order_id = Order::id_from_reference(&order.merchant_reference)
            .expect("our reference")
            .to_owned();
        PlacedOrder {
            order_id,
            tracking_id,
            pay_url,
        }
    }

    /// An order the customer has paid at Pesapal, whose IPN has not arrived (yet).
    pub async fn paid_without_ipn(&self, ticket_type_id: &str, phone: &str) -> PlacedOrder {
        let placed = self.place_order(ticket_type_id, phone).await;
        self.sandbox()
            .complete(&placed.tracking_id, false)
            .await
            .expect("sandbox order");
        placed
    }

    /// The demo router as stored.
    pub async fn demo_router(&self) -> tiketi_core::domain::catalog::Router {
        let router = self
            .host
            .tiketi
            .store
            .router("demo", "demo-router")
            .await
            .expect("store");
        router.expect("the demo router exists")
    }

    /// A whole purchase: order, Pay on the stand-in's page, and the voucher once issued.
    pub async fn buy(&self, ticket_type_id: &str, phone: &str) -> (PlacedOrder, Voucher) {
        let placed = self.place_order(ticket_type_id, phone).await;
        self.click_on_pay_page(&placed, "pay").await;
        let voucher = self.assert_exactly_one_voucher(&placed.order_id).await;
        (placed, voucher)
    }

    /// Clicks a button of the sandbox pay page (`pay`, `fail` or `cancel`); returns the
    /// callback URL the browser is sent to.
    pub async fn click_on_pay_page(&self, placed: &PlacedOrder, action: &str) -> String {
        let answer = self
            .http
            .post(&placed.pay_url)
            .form(&[("action", action)])
            .send()
            .await
            .expect("pay page");
        assert!(
            answer.status().is_redirection(),
            "pay page answered {}",
            answer.status()
        );
        answer.headers()["location"]
            .to_str()
            .expect("location")
            .to_owned()
    }

    /// Sends an IPN as Pesapal would (GET form).
    pub async fn send_ipn(&self, tracking_id: &str, reference: &str) -> serde_json::Value {
        let answer = self
            .http
            .get(self.url("/pesapal/ipn/demo"))
            .query(&[
                ("OrderTrackingId", tracking_id),
                ("OrderMerchantReference", reference),
                ("OrderNotificationType", "IPNCHANGE"),
            ])
            .send()
            .await
            .expect("IPN");
        assert_eq!(answer.status(), StatusCode::OK);
        answer.json().await.expect("JSON acknowledgement")
    }

    pub async fn order(&self, order_id: &str) -> Order {
        self.host
            .tiketi
            .store
            .order("demo", order_id)
            .await
            .expect("store")
            .expect("order exists")
    }

    /// What an IPN handler does before it enqueues issuance: the order becomes PAID (with its
    /// payment event). Used to simulate a crash right after that write.
    pub async fn mark_paid_without_issuing(&self, order_id: &str) {
        let order = self.order(order_id).await;
        let event = PaymentEvent {
            id: ulid::Ulid::new().to_string(),
            operator_id: order.operator_id.clone(),
            order_id: order.id.clone(),
            source: CheckSource::Ipn,
            notification_type: Some("IPNCHANGE".into()),
            state: PaymentState::Completed,
            amount: Some(order.amount),
            currency: Some(order.currency.clone()),
            confirmation_code: None,
            payment_method: None,
            description: None,
            outcome: Outcome::Transition {
                from: "PENDING".into(),
                to: "PAID".into(),
            },
            received_at: jiff::Timestamp::now(),
        };
        self.host
            .tiketi
            .store
            .transition_order(
                &order,
                OrderStatus::Pending,
                OrderStatus::Paid,
                &event,
                None,
            )
            .await
            .expect("order moved to PAID");
    }

    /// Waits (bounded) until the worker has issued the order's voucher.
    pub async fn wait_for_voucher(&self, order_id: &str) -> Voucher {
        for _ in 0..100 {
            let (_, voucher) = self
                .host
                .tiketi
                .order_with_voucher("demo", order_id)
                .await
                .expect("store");
            if let Some(voucher) = voucher {
                return voucher;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no voucher for order {order_id} after 5 s");
    }

    /// Waits until the queue is drained (every message handled and acknowledged).
    pub async fn settle(&self) {
        for _ in 0..100 {
            if self.host.queue.held() == 0 {
                tokio::time::sleep(Duration::from_millis(50)).await;
                if self.host.queue.held() == 0 {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("queue not drained after 5 s");
    }

    /// The number of sales recorded today (every business day the test could span).
    pub async fn sales_of_order(&self, order_id: &str) -> usize {
        let now = jiff::Timestamp::now();
        let mut count = 0;
        for day in [
            now - jiff::SignedDuration::from_hours(24),
            now,
            now + jiff::SignedDuration::from_hours(24),
        ] {
            let day = tiketi_core::services::issuance::business_day(day, "Africa/Nairobi");
            let sales = self
                .host
                .tiketi
                .store
                .sales_of_day("demo", &day)
                .await
                .expect("store");
            count += sales.iter().filter(|s| s.order_id == order_id).count();
        }
        count
    }

    /// Asserts the money invariant for a paid order: exactly one voucher, one sale.
    pub async fn assert_exactly_one_voucher(&self, order_id: &str) -> Voucher {
        self.settle().await;
        let voucher = self.wait_for_voucher(order_id).await;
        assert_eq!(self.sales_of_order(order_id).await, 1, "exactly one sale");
        let order = self.order(order_id).await;
        assert_eq!(order.voucher_code.as_deref(), Some(voucher.code.as_str()));
        voucher
    }

    /// Asserts that an unpaid order has no voucher and no sale.
    pub async fn assert_no_voucher(&self, order_id: &str) {
        self.settle().await;
        let order = self.order(order_id).await;
        assert_eq!(order.voucher_code, None);
        assert_eq!(self.sales_of_order(order_id).await, 0);
    }
}
