//! Every sample event in `events/` (the ones `cargo lambda invoke --data-file` uses) runs through
//! its function's real handler, on the AWS adapters: DynamoDB and SQS served by moto, and
//! Pesapal played by the sandbox stand-in over HTTP.

use std::{sync::Arc, time::Duration};

use aws_lambda_events::event::{eventbridge::EventBridgeEvent, sqs::SqsEvent};
use axum::body::Body;
use tiketi_adapters::{
    dynamodb::create_table,
    sqs::{SqsQueue, create_queue_with_dlq},
};
use tiketi_app::{
    aws::{self, AwsConfig, AwsPlatform},
    config::Config,
    http::{self, functions},
    jobs,
};
use tiketi_core::{
    domain::{
        catalog::TicketTerms,
        money::Money,
        order::{Order, OrderStatus},
        phone::Msisdn,
    },
    ports::{Clock, gateway::MerchantAccount, queue::Queue},
    services::Tiketi,
};
use tiketi_local::pesapal_sandbox::Sandbox;
use tiketi_tests::moto::{Moto, unique_name};
use tower::ServiceExt;

struct Deployment {
    tiketi: Arc<Tiketi<AwsPlatform>>,
    queue: SqsQueue,
    _moto: Moto,
}

async fn deployment() -> Deployment {
    let moto = Moto::start().await;
    let (dynamodb, sqs) = (moto.dynamodb().await, moto.sqs().await);
    let table_name = unique_name("tiketi");
    create_table(&dynamodb, &table_name).await.unwrap();
    let (queue_url, _) = create_queue_with_dlq(&sqs, &unique_name("issue"), 30, 3)
        .await
        .unwrap();
    let documents_bucket = unique_name("documents");
    let s3 = aws_sdk_s3::config::Builder::from(&moto.sdk_config().await)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(s3)
        .create_bucket()
        .bucket(&documents_bucket)
        .send()
        .await
        .unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mount = format!("http://{}/pesapal-sandbox", listener.local_addr().unwrap());
    let sandbox = Sandbox::new(mount);
    let app = axum::Router::new().nest("/pesapal-sandbox", sandbox.router());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    // The Lambda functions' own wiring, as `template.yaml` configures it (demo seeding on).
    let aws = AwsConfig {
        config: Config {
            public_base_url: "https://abc123.execute-api.us-east-1.amazonaws.com".into(),
            router_base_url: None,
            pesapal_base_url: sandbox.api_base_url(),
            merchant: Some(MerchantAccount {
                consumer_key: "key".into(),
                consumer_secret: "secret".into(),
            }),
            data_key: None,
        },
        table_name,
        queue_url: queue_url.clone(),
        documents_bucket: Some(documents_bucket),
        seed_demo: true,
    };
    let tiketi = aws::build(&aws, &moto.sdk_config().await)
        .await
        .expect("the functions' wiring");
    Deployment {
        tiketi: Arc::new(tiketi),
        queue: SqsQueue::new(sqs, queue_url),
        _moto: moto,
    }
}

fn event(name: &str) -> String {
    std::fs::read_to_string(tiketi_tests::repo_path(&format!("events/{name}"))).unwrap()
}

async fn invoke_http(router: axum::Router, name: &str) -> (u16, axum::http::HeaderMap, String) {
    let request = lambda_http::request::from_str(&event(name)).unwrap();
    let (parts, body) = request.into_parts();
    let request = axum::http::Request::from_parts(parts, Body::from(body.to_vec()));
    let response = router.oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

/// The functions' own routers, exactly as their mains serve them.
fn checkout(d: &Deployment) -> axum::Router {
    functions::checkout(Arc::clone(&d.tiketi))
}

fn ipn(d: &Deployment) -> axum::Router {
    functions::pesapal_ipn(Arc::clone(&d.tiketi))
}

fn portal(d: &Deployment) -> axum::Router {
    let key = http::portal::cookie::CookieKey::from_hex(&"ab".repeat(32)).unwrap();
    functions::portal(Arc::clone(&d.tiketi), key)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkout_events_run_through_the_checkout_function() {
    let d = deployment().await;
    let (status, _, body) = invoke_http(checkout(&d), "checkout-health.json").await;
    assert_eq!((status, body.as_str()), (200, "ok"));

    let (status, _, html) = invoke_http(checkout(&d), "checkout-page.json").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Chagua kifurushi"),
        "the sample asks for Swahili"
    );
    assert!(
        html.contains("AA:BB:CC:DD:EE:FF"),
        "the MAC is carried into the order form"
    );

    let (status, headers, _) = invoke_http(checkout(&d), "checkout-order.json").await;
    assert_eq!(status, 303);
    assert!(
        headers["location"]
            .to_str()
            .unwrap()
            .contains("/pesapal-sandbox/pay/")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_events_run_through_the_portal_function() {
    let d = deployment().await;
    let (status, headers, html) = invoke_http(portal(&d), "portal-login-page.json").await;
    assert_eq!(status, 200);
    assert!(html.contains("Log in"), "{html}");
    let cookie = headers["set-cookie"].to_str().unwrap();
    assert!(
        cookie.contains("Secure"),
        "https deployments get Secure cookies: {cookie}"
    );

    // `GET /` and the catch-all: the home page with the catalogue's plans, read from DynamoDB,
    // and the 404 page.
    let (status, headers, html) = invoke_http(portal(&d), "portal-home-page.json").await;
    assert_eq!(status, 200);
    assert_eq!(
        headers["content-language"], "sw",
        "the sample asks for Swahili"
    );
    for plan in d.tiketi.plans_on_sale().await.unwrap() {
        assert!(
            html.contains(&format!("href=\"/portal/signup?plan={}\"", plan.code))
                && html.contains(&plan.price.display(&plan.currency)),
            "{}: {html}",
            plan.code
        );
    }
    let (status, headers, html) = invoke_http(portal(&d), "portal-not-found.json").await;
    assert_eq!(status, 404);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(html.contains("href=\"/\""), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_events_run_through_the_api_function() {
    use tiketi_core::domain::{
        account::{Email, Role, User},
        api_token::{self, ApiToken, Scope},
        batch::Actor,
    };
    let d = deployment().await;
    // The sample's token: `tkt.demo.sampletoken.<secret>`, made by an owner of the demo.
    let owner = User {
        id: "sampleowner".into(),
        operator_id: "demo".into(),
        email: Email::parse("owner@demo.example").unwrap(),
        name: "Sample Owner".into(),
        phone: None,
        role: Role::Owner,
        password_hash: String::new(),
        router_ids: Vec::new(),
        commission: None,
        active: true,
        created_at: d.tiketi.clock.now(),
    };
    d.tiketi.store.add_user(&owner).await.unwrap();
    let secret = "SECRET23456789ABCDEFGHJKMNPQRSTU";
    let token = ApiToken {
        id: "sampletoken".into(),
        operator_id: "demo".into(),
        name: "Sample".into(),
        scope: Scope::Read,
        digest: api_token::digest("demo", "sampletoken", secret),
        hint: "RSTU".into(),
        created_at: d.tiketi.clock.now(),
        created_by: Actor {
            user_id: owner.id.clone(),
            name: owner.name.clone(),
        },
        last_used_at: None,
        revoked_at: None,
        revoked_by: None,
    };
    let entry = tiketi_core::domain::audit::AuditEntry {
        id: "sampleentry".into(),
        operator_id: "demo".into(),
        at: d.tiketi.clock.now(),
        actor_id: owner.id.clone(),
        actor_name: owner.name.clone(),
        action: "api_token.create".into(),
        subject: "sampletoken".into(),
        before: None,
        after: None,
        note: None,
    };
    d.tiketi
        .store
        .create_api_token(&token, &entry)
        .await
        .unwrap();
    let api = functions::api(Arc::clone(&d.tiketi));
    let (status, headers, body) = invoke_http(api, "api-ticket-types.json").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers["content-type"], "application/json");
    let list: serde_json::Value = serde_json::from_str(&body).unwrap();
    let names: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"1 Hour WiFi"), "{names:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ipn_events_run_through_the_ipn_function() {
    let d = deployment().await;
    for name in ["pesapal-ipn-get.json", "pesapal-ipn-post.json"] {
        let (status, headers, body) = invoke_http(ipn(&d), name).await;
        assert_eq!(status, 200, "{name}");
        assert_eq!(headers["content-type"], "application/json");
        let ack: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            ack["orderTrackingId"], "b945e4af-80a5-4ec1-8706-e03f8332fb04",
            "{name}"
        );
        assert_eq!(
            ack["orderMerchantReference"], "TK-01JDQ7Z8X1V9K3M2N4P5Q6R7S8",
            "{name}"
        );
        assert_eq!(ack["orderNotificationType"], "IPNCHANGE", "{name}");
        assert_eq!(
            ack["status"], 500,
            "{name}: no such order in this deployment"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqs_event_runs_through_the_issuer_and_reports_the_bad_message() {
    let d = deployment().await;
    // The sample's first message names this order, paid and waiting for its voucher.
    let ticket = d
        .tiketi
        .store
        .ticket_type("demo", "1h")
        .await
        .unwrap()
        .unwrap();
    let order = Order {
        id: "01JDQ7Z8X1V9K3M2N4P5Q6R7S8".into(),
        operator_id: "demo".into(),
        router_id: "demo-router".into(),
        reference: "TK-01JDQ7Z8X1V9K3M2N4P5Q6R7S8".into(),
        code: "ABCD2345".into(),
        terms: TicketTerms::from(&ticket),
        amount: Money::from_major(50),
        currency: "KES".into(),
        phone: Msisdn::parse("0712345678").unwrap(),
        email: None,
        mac: None,
        login_url: None,
        original_url: None,
        language: "en".into(),
        status: OrderStatus::Paid,
        tracking_id: Some("b945e4af-80a5-4ec1-8706-e03f8332fb04".into()),
        redirect_url: None,
        confirmation_code: None,
        payment_method: None,
        voucher_code: None,
        created_at: d.tiketi.clock.now(),
        paid_at: None,
    };
    d.tiketi.store.create_order(&order).await.unwrap();

    let sqs_event: SqsEvent = serde_json::from_str(&event("issuer-sqs.json")).unwrap();
    let bad_id = sqs_event.records[1].message_id.clone().unwrap();
    let response = jobs::handle_sqs_event(&d.tiketi, sqs_event.clone()).await;
    let failed: Vec<_> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    assert_eq!(failed, [bad_id], "only the malformed message is retried");
    let (order, voucher) = d
        .tiketi
        .order_with_voucher("demo", &order.id)
        .await
        .unwrap();
    assert_eq!(order.status, OrderStatus::Fulfilled);
    let voucher = voucher.expect("voucher issued on DynamoDB");

    // Redelivery of the whole batch: still one voucher.
    jobs::handle_sqs_event(&d.tiketi, sqs_event).await;
    let (again, _) = d
        .tiketi
        .order_with_voucher("demo", &order.id)
        .await
        .unwrap();
    assert_eq!(again.voucher_code.as_deref(), Some(voucher.code.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_schedule_event_runs_the_reconciliation_pass() {
    let d = deployment().await;
    let schedule: EventBridgeEvent = serde_json::from_str(&event("expiry-schedule.json")).unwrap();
    assert_eq!(schedule.detail_type, "Scheduled Event");
    let report = jobs::handle_schedule(&d.tiketi).await.unwrap();
    assert_eq!(report["errors"], 0);
    assert!(
        d.queue
            .receive(10, Duration::from_millis(100))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_router_report_event_runs_through_the_rsc_function() {
    let d = deployment().await;
    // The sample event carries this secret; the router stores only its digest.
    let mut router = d
        .tiketi
        .store
        .router("demo", "demo-router")
        .await
        .unwrap()
        .unwrap();
    let secret = "SAMPLE2ROUTER3SECRET4FOR5EVENTS6";
    router.secret_digest = Some(tiketi_core::domain::router_secret::digest(
        "demo",
        "demo-router",
        secret,
    ));
    d.tiketi.store.put_router(&router).await.unwrap();
    let rsc = functions::rsc(Arc::clone(&d.tiketi));
    let (status, _, body) = invoke_http(rsc, "rsc-report.json").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body, "ok users=2 updated=0 ignored=1",
        "the sample names no voucher of this deployment (its never-used user is not looked up)"
    );
    let inventory = d
        .tiketi
        .store
        .router_inventory("demo", "demo-router")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(inventory.users, ["ABCDEFGHJK", "KMNPQRSTUV"]);
}
