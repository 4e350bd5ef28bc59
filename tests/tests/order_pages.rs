//! How the order page (Pesapal's callback) ends every state: a payment cancelled on Pesapal's
//! page says so and offers to pay again; one still unconfirmed after a few minutes stops
//! refreshing and says what happens next; a fresh one keeps waiting.

use serde_json::Value;
use tiketi_core::{
    ports::table::{Change, Table, Write},
    store::keys,
};
use tiketi_tests::app::spawn_app;

const REFRESH: &str = "http-equiv=\"refresh\"";

#[tokio::test]
async fn a_cancelled_payment_says_so_and_offers_to_pay_again() {
    let app = spawn_app().await;
    let ticket = app.host.demo.ticket_type_ids[0].clone();
    let placed = app.place_order(&ticket, "0712345678").await;
    let back = app.click_on_pay_page(&placed, "cancel").await;
    assert!(back.contains("cancelled=1"), "{back}");
    let page = app.get(&back).await.text().await.unwrap();
    assert!(page.contains("id=\"order-cancelled\""), "{page}");
    assert!(!page.contains(REFRESH), "no refreshing for ever");
    assert!(page.contains(&placed.pay_url), "pay again at Pesapal");
    let swahili = app
        .get(&format!("{back}&lang=sw"))
        .await
        .text()
        .await
        .unwrap();
    assert!(swahili.contains("Malipo yameghairiwa"), "{swahili}");
}

#[tokio::test]
async fn a_payment_unconfirmed_for_minutes_stops_refreshing_and_explains() {
    let app = spawn_app().await;
    let ticket = app.host.demo.ticket_type_ids[0].clone();
    let placed = app.place_order(&ticket, "0712345678").await;
    let path = format!("/checkout/demo/orders/{}", placed.order_id);
    let fresh = app.get(&path).await.text().await.unwrap();
    assert!(fresh.contains(REFRESH), "a fresh order keeps waiting");

    // Ten minutes later, still not paid.
    let earlier = jiff::Timestamp::now() - jiff::SignedDuration::from_mins(10);
    app.host
        .tiketi
        .store
        .table()
        .write(Write::Update {
            key: keys::order("demo", &placed.order_id),
            changes: vec![(
                "created_at".into(),
                Change::Set(Value::String(earlier.to_string())),
            )],
            condition: None,
        })
        .await
        .unwrap();
    let order = app.order(&placed.order_id).await;
    let page = app.get(&path).await.text().await.unwrap();
    assert!(page.contains("id=\"order-slow\""), "{page}");
    assert!(!page.contains(REFRESH), "{page}");
    assert!(
        page.contains(&order.code),
        "the order code to recover it with"
    );
    assert!(page.contains("/checkout/demo/recover"), "{page}");
}
