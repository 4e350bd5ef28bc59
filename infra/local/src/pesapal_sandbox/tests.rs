//! The sandbox on a real socket, driven by the production `PesapalClient` and by raw HTTP.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Json, Router,
    extract::{RawQuery, State},
    routing::get,
};
use serde_json::{Value, json};
use tiketi_adapters::pesapal::PesapalClient;
use tiketi_core::{
    domain::money::Money,
    ports::gateway::{
        GatewayError, IpnMethod, MerchantAccount, PaymentGateway, PaymentRequest, PaymentState,
    },
};

use super::Sandbox;

/// Serves `router` on 127.0.0.1:0; returns its base URL.
async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

/// A sandbox mounted at `/pesapal-sandbox`, as the host nests it.
async fn sandbox() -> Sandbox {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let sandbox = Sandbox::new(format!("http://{addr}/pesapal-sandbox"));
    let app = Router::new().nest("/pesapal-sandbox", sandbox.router());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    sandbox
}

fn client(sandbox: &Sandbox) -> PesapalClient {
    PesapalClient::new(&sandbox.api_base_url(), Duration::from_secs(5))
}

fn merchant(key: &str) -> MerchantAccount {
    MerchantAccount {
        consumer_key: key.into(),
        consumer_secret: "secret".into(),
    }
}

fn request(reference: &str, notification_id: &str) -> PaymentRequest {
    PaymentRequest {
        merchant_reference: reference.into(),
        amount: Money(150_050),
        currency: "KES".into(),
        description: "Cafe Wifi - 1 hour".into(),
        callback_url: "https://tiketi.example/callback/o1".into(),
        cancellation_url: None,
        notification_id: notification_id.into(),
        phone_number: "0712345678".into(),
        email: None,
        country_code: "KE".into(),
    }
}

/// Records the query strings and JSON bodies it receives; acknowledges as documented.
#[derive(Clone, Default)]
struct Receiver {
    seen: Arc<Mutex<Vec<String>>>,
}

async fn receiver() -> (Receiver, String) {
    async fn get_ipn(State(r): State<Receiver>, RawQuery(query): RawQuery) -> Json<Value> {
        r.seen.lock().unwrap().push(query.unwrap_or_default());
        Json(json!({ "orderNotificationType": "IPNCHANGE", "status": 200 }))
    }
    async fn post_ipn(State(r): State<Receiver>, Json(body): Json<Value>) -> Json<Value> {
        r.seen.lock().unwrap().push(body.to_string());
        Json(json!({ "orderNotificationType": "IPNCHANGE", "status": 200 }))
    }
    let r = Receiver::default();
    let app = Router::new()
        .route("/ipn", get(get_ipn).post(post_ipn))
        .with_state(r.clone());
    (r, serve(app).await)
}

async fn raw_token(sandbox: &Sandbox, key: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/api/Auth/RequestToken", sandbox.api_base_url()))
        .json(&json!({ "consumer_key": key, "consumer_secret": "s" }))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn an_order_goes_from_pending_to_completed_with_its_amount() {
    let sandbox = sandbox().await;
    let gateway = client(&sandbox);
    let m = merchant("key-a");

    let ipn_id = gateway
        .register_ipn(&m, "https://tiketi.example/ipn", IpnMethod::Get)
        .await
        .unwrap();
    let submitted = gateway
        .submit_order(&m, &request("WV-1", &ipn_id))
        .await
        .unwrap();
    assert_eq!(
        submitted.redirect_url,
        format!(
            "{}/pay/{}",
            sandbox.public_base_url(),
            submitted.tracking_id
        )
    );
    let pending = gateway
        .transaction_status(&m, &submitted.tracking_id)
        .await
        .unwrap();
    assert_eq!(pending.state, PaymentState::Pending);

    sandbox
        .complete(&submitted.tracking_id, false)
        .await
        .unwrap();
    let paid = gateway
        .transaction_status(&m, &submitted.tracking_id)
        .await
        .unwrap();

    assert_eq!(paid.state, PaymentState::Completed);
    assert_eq!(paid.amount, Some(Money(150_050)));
    assert_eq!(paid.currency.as_deref(), Some("KES"));
    assert_eq!(paid.merchant_reference.as_deref(), Some("WV-1"));
    assert_eq!(paid.payment_method.as_deref(), Some("MpesaKE"));
    let receipt = paid.confirmation_code.unwrap();
    assert!(
        receipt.len() == 10
            && receipt
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    );
    assert_eq!(sandbox.status_calls(), 2);
    let order = &sandbox.orders()[0];
    assert_eq!(
        (order.amount, order.phone_number.as_deref()),
        (Money(150_050), Some("0712345678"))
    );
}

#[tokio::test]
async fn wrong_keys_are_a_credentials_error() {
    let sandbox = sandbox().await;
    let result = client(&sandbox)
        .register_ipn(
            &merchant("invalid"),
            "https://t.example/ipn",
            IpnMethod::Get,
        )
        .await;
    assert!(
        matches!(result, Err(GatewayError::Credentials(_))),
        "{result:?}"
    );

    let (http, body) = raw_token(&sandbox, "invalid").await;
    assert_eq!(http, 500);
    assert_eq!(
        body,
        json!({
            "error": { "error_type": "api_error", "code": "invalid_consumer_key_or_secret_provided", "message": "" },
            "status": "500"
        })
    );
}

#[tokio::test]
async fn verifying_credentials_always_asks_and_tokens_are_cached_per_key_and_secret() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let refused = client.verify_credentials(&merchant("invalid")).await;
    assert!(
        matches!(refused, Err(GatewayError::Credentials(_))),
        "{refused:?}"
    );
    let account = merchant("op-key");
    client.verify_credentials(&account).await.unwrap();
    client.verify_credentials(&account).await.unwrap();
    assert_eq!(sandbox.token_calls(), 3, "each check asks Pesapal");
    let url = "https://t.example/ipn";
    client
        .register_ipn(&account, url, IpnMethod::Get)
        .await
        .unwrap();
    assert_eq!(sandbox.token_calls(), 3, "the checked token is reused");
    let other_secret = MerchantAccount {
        consumer_secret: "another secret".into(),
        ..account
    };
    client
        .register_ipn(&other_secret, url, IpnMethod::Get)
        .await
        .unwrap();
    assert_eq!(
        sandbox.token_calls(),
        4,
        "the same key with another secret gets its own token"
    );
}

#[tokio::test]
async fn an_unknown_notification_id_is_rejected() {
    let sandbox = sandbox().await;
    let gateway = client(&sandbox);
    let other = gateway
        .register_ipn(&merchant("key-b"), "https://t.example/ipn", IpnMethod::Get)
        .await
        .unwrap();

    for notification_id in ["not-registered", other.as_str()] {
        let result = gateway
            .submit_order(&merchant("key-a"), &request("WV-2", notification_id))
            .await;
        match result {
            Err(GatewayError::Rejected { code, message }) => {
                assert_eq!(code, "invalid_api_request_parameters");
                assert_eq!(
                    message,
                    "Invalid IPN URL ID provided.Check format and try again"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn a_reused_merchant_reference_is_rejected() {
    let sandbox = sandbox().await;
    let gateway = client(&sandbox);
    let m = merchant("key-a");
    let ipn_id = gateway
        .register_ipn(&m, "https://t.example/ipn", IpnMethod::Post)
        .await
        .unwrap();
    gateway
        .submit_order(&m, &request("WV-3", &ipn_id))
        .await
        .unwrap();

    let again = gateway.submit_order(&m, &request("WV-3", &ipn_id)).await;

    assert!(
        matches!(again, Err(GatewayError::Rejected { ref code, .. }) if code == "invalid_api_request_parameters")
    );
    assert_eq!(sandbox.orders().len(), 1);
}

#[tokio::test]
async fn missing_billing_contact_is_refused_with_pesapals_code() {
    let sandbox = sandbox().await;
    let gateway = client(&sandbox);
    let m = merchant("key-a");
    let ipn_id = gateway
        .register_ipn(&m, "https://t.example/ipn", IpnMethod::Get)
        .await
        .unwrap();
    let mut no_contact = request("WV-4", &ipn_id);
    no_contact.phone_number = String::new();

    let result = gateway.submit_order(&m, &no_contact).await;

    assert!(
        matches!(result, Err(GatewayError::Rejected { ref code, .. }) if code == "missing_mandatory_billing_address")
    );
}

#[tokio::test]
async fn ipn_is_delivered_by_get_with_the_three_parameters() {
    let sandbox = sandbox().await;
    let (received, base) = receiver().await;
    let gateway = client(&sandbox);
    let m = merchant("key-a");
    let ipn_id = gateway
        .register_ipn(&m, &format!("{base}/ipn"), IpnMethod::Get)
        .await
        .unwrap();
    let submitted = gateway
        .submit_order(&m, &request("WV-5", &ipn_id))
        .await
        .unwrap();

    sandbox
        .complete(&submitted.tracking_id, true)
        .await
        .unwrap();

    let seen = received.seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [format!(
            "OrderTrackingId={}&OrderMerchantReference=WV-5&OrderNotificationType=IPNCHANGE",
            submitted.tracking_id
        )]
    );
    let delivery = &sandbox.ipn_deliveries()[0];
    assert!(delivery.acknowledged && delivery.finished);
    assert_eq!((delivery.attempts, delivery.method), (1, IpnMethod::Get));
}

#[tokio::test]
async fn ipn_is_delivered_by_post_as_pascal_case_json() {
    let sandbox = sandbox().await;
    let (received, base) = receiver().await;
    let gateway = client(&sandbox);
    let m = merchant("key-a");
    let ipn_id = gateway
        .register_ipn(&m, &format!("{base}/ipn"), IpnMethod::Post)
        .await
        .unwrap();
    let submitted = gateway
        .submit_order(&m, &request("WV-6", &ipn_id))
        .await
        .unwrap();

    sandbox.fail(&submitted.tracking_id, true).await.unwrap();

    let seen: Value = serde_json::from_str(&received.seen.lock().unwrap()[0]).unwrap();
    assert_eq!(
        seen,
        json!({
            "OrderTrackingId": submitted.tracking_id,
            "OrderNotificationType": "IPNCHANGE",
            "OrderMerchantReference": "WV-6"
        })
    );
}

#[tokio::test]
async fn unacknowledged_ipns_are_retried_and_recorded() {
    let sandbox = sandbox().await;
    let wrong_ack = Router::new().route("/ipn", get(|| async { Json(json!({ "success": true })) }));
    let base = serve(wrong_ack).await;
    let gateway = client(&sandbox);
    let m = merchant("key-a");
    let ipn_id = gateway
        .register_ipn(&m, &format!("{base}/ipn"), IpnMethod::Get)
        .await
        .unwrap();
    let submitted = gateway
        .submit_order(&m, &request("WV-7", &ipn_id))
        .await
        .unwrap();

    sandbox
        .complete(&submitted.tracking_id, true)
        .await
        .unwrap();

    let delivery = &sandbox.ipn_deliveries()[0];
    assert!(!delivery.acknowledged && delivery.finished);
    assert_eq!(delivery.attempts, 4);
    assert_eq!(
        delivery.last_answer.as_deref(),
        Some(r#"HTTP 200: {"success":true}"#)
    );
}

#[tokio::test]
async fn the_pay_page_completes_notifies_and_sends_the_browser_back() {
    let sandbox = sandbox().await;
    let (received, base) = receiver().await;
    let gateway = client(&sandbox);
    let m = merchant("key-a");
    let ipn_id = gateway
        .register_ipn(&m, &format!("{base}/ipn"), IpnMethod::Get)
        .await
        .unwrap();
    let mut with_query = request("WV-8", &ipn_id);
    with_query.callback_url = "https://tiketi.example/callback?lang=sw".into();
    with_query.description = "Cafe <b>Wifi</b>".into();
    let submitted = gateway.submit_order(&m, &with_query).await.unwrap();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let page = browser
        .get(&submitted.redirect_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Tiketi Pesapal sandbox stand-in"));
    assert!(page.contains("KES 1,500.50") && page.contains("Pay with M-Pesa (sandbox)"));
    assert!(
        page.contains("Cafe &lt;b&gt;Wifi&lt;&#x2F;b&gt;")
            || page.contains("Cafe &lt;b&gt;Wifi&lt;/b&gt;"),
        "{page}"
    );

    let failed = browser
        .post(&submitted.redirect_url)
        .form(&[("action", "fail")])
        .send()
        .await
        .unwrap();
    assert_eq!(failed.status().as_u16(), 303);
    let paid = browser
        .post(&submitted.redirect_url)
        .form(&[("action", "pay")])
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status().as_u16(), 303);
    assert_eq!(
        paid.headers()["location"].to_str().unwrap(),
        format!(
            "https://tiketi.example/callback?lang=sw&OrderTrackingId={}&OrderMerchantReference=WV-8&OrderNotificationType=CALLBACKURL",
            submitted.tracking_id
        )
    );
    assert_eq!(sandbox.orders()[0].state, PaymentState::Completed);
    for _ in 0..100 {
        if sandbox
            .ipn_deliveries()
            .iter()
            .filter(|d| d.finished)
            .count()
            == 2
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        received.seen.lock().unwrap().len(),
        2,
        "one IPN for FAILED, one for COMPLETED"
    );

    let cancelled = browser
        .post(&submitted.redirect_url)
        .form(&[("action", "cancel")])
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status().as_u16(), 303);
    assert_eq!(sandbox.orders()[0].state, PaymentState::Completed);
}

#[tokio::test]
async fn raw_answers_have_pesapals_shapes() {
    let sandbox = sandbox().await;
    let http = reqwest::Client::new();
    let api = sandbox.api_base_url();
    let (status, token) = raw_token(&sandbox, "key-a").await;
    assert_eq!(status, 200);
    let expiry = token["expiryDate"].as_str().unwrap();
    assert_eq!(
        expiry.split_once('.').unwrap().1.len(),
        8,
        "7 fractional digits and a Z: {expiry}"
    );
    assert_eq!(
        (&token["status"], &token["error"]),
        (&json!("200"), &Value::Null)
    );
    let bearer = token["token"].as_str().unwrap();

    let no_token = http
        .get(format!("{api}/api/URLSetup/GetIpnList"))
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status().as_u16(), 500);
    assert_eq!(
        no_token.json::<Value>().await.unwrap()["error"]["code"],
        "invalid_api_credentials_provided"
    );

    let registered: Value = http
        .post(format!("{api}/api/URLSetup/RegisterIPN"))
        .bearer_auth(bearer)
        .json(&json!({ "url": "https://t.example/ipn", "ipn_notification_type": "POST" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(registered["ipn_status_decription"], "Active");
    assert_eq!(
        (&registered["notification_type"], &registered["status"]),
        (&json!(1), &json!("200"))
    );
    let list: Value = http
        .get(format!("{api}/api/URLSetup/GetIpnList"))
        .bearer_auth(bearer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["ipn_id"], registered["ipn_id"]);

    let submitted: Value = http
        .post(format!("{api}/api/Transactions/SubmitOrderRequest"))
        .bearer_auth(bearer)
        .json(&json!({
            "id": "WV-9", "currency": "KES", "amount": 100, "description": "d",
            "callback_url": "https://t.example/cb", "notification_id": registered["ipn_id"],
            "billing_address": { "email_address": "a@b.example" }
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tracking_id = submitted["order_tracking_id"].as_str().unwrap().to_owned();
    let parts: Vec<usize> = tracking_id.split('-').map(str::len).collect();
    assert_eq!(parts, [8, 4, 4, 4, 12]);

    let status_url =
        format!("{api}/api/Transactions/GetTransactionStatus?orderTrackingId={tracking_id}");
    let pending = http
        .get(&status_url)
        .bearer_auth(bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(pending.status().as_u16(), 500);
    let pending: Value = pending.json().await.unwrap();
    assert_eq!(
        (&pending["status_code"], &pending["status"]),
        (&json!(0), &json!("500"))
    );
    assert_eq!(pending["error"]["code"], "payment_details_not_found");

    sandbox.complete(&tracking_id, false).await.unwrap();
    let paid: Value = http
        .get(&status_url)
        .bearer_auth(bearer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(paid["amount"], json!(100));
    assert!(paid["amount"].is_u64());
    assert_eq!(
        paid["error"],
        json!({ "error_type": null, "code": null, "message": null })
    );
    assert_eq!(
        (&paid["status_code"], &paid["payment_status_description"]),
        (&json!(1), &json!("Completed"))
    );
    assert_eq!(paid["payment_account"], "a***@b.example");
    assert_eq!(
        paid["call_back_url"],
        format!("https://t.example/cb?OrderTrackingId={tracking_id}&OrderMerchantReference=WV-9")
    );
}

#[tokio::test]
async fn an_expired_token_is_replaced_transparently() {
    let sandbox = sandbox().await;
    let gateway = client(&sandbox);
    let m = merchant("key-a");
    let ipn_id = gateway
        .register_ipn(&m, "https://t.example/ipn", IpnMethod::Get)
        .await
        .unwrap();
    let submitted = gateway
        .submit_order(&m, &request("WV-10", &ipn_id))
        .await
        .unwrap();

    sandbox.expire_tokens();
    let status = gateway
        .transaction_status(&m, &submitted.tracking_id)
        .await
        .unwrap();

    assert_eq!(status.state, PaymentState::Pending);
    assert_eq!(sandbox.status_calls(), 2, "the refused call and its retry");
}

#[tokio::test]
async fn state_changes_follow_pesapal() {
    let sandbox = sandbox().await;
    let gateway = client(&sandbox);
    let m = merchant("key-a");
    let ipn_id = gateway
        .register_ipn(&m, "https://t.example/ipn", IpnMethod::Get)
        .await
        .unwrap();
    let id = gateway
        .submit_order(&m, &request("WV-11", &ipn_id))
        .await
        .unwrap()
        .tracking_id;

    assert!(sandbox.reverse(&id, false).await.is_err());
    sandbox.fail(&id, false).await.unwrap();
    assert_eq!(
        gateway.transaction_status(&m, &id).await.unwrap().state,
        PaymentState::Failed
    );
    sandbox.complete(&id, false).await.unwrap();
    sandbox.set_paid_amount_override(&id, 100_000).unwrap();
    let paid = gateway.transaction_status(&m, &id).await.unwrap();
    assert_eq!(
        (paid.state, paid.amount),
        (PaymentState::Completed, Some(Money(100_000)))
    );
    assert!(sandbox.fail(&id, false).await.is_err());
    sandbox.reverse(&id, false).await.unwrap();
    assert_eq!(
        gateway.transaction_status(&m, &id).await.unwrap().state,
        PaymentState::Reversed
    );
    assert!(sandbox.complete("nope", false).await.is_err());
}

#[tokio::test]
async fn a_slow_gateway_is_unreachable_to_an_impatient_client() {
    let sandbox = sandbox().await;
    let m = merchant("key-a");
    let impatient = PesapalClient::new(&sandbox.api_base_url(), Duration::from_millis(100));
    sandbox.set_latency(Duration::from_millis(400));

    let result = impatient
        .register_ipn(&m, "https://t.example/ipn", IpnMethod::Get)
        .await;

    assert!(
        matches!(result, Err(GatewayError::Unreachable(_))),
        "{result:?}"
    );
}
