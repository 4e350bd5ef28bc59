//! The unmatched payments inbox: a completed payment for no known order, one that does not
//! match its order, and one reversed after its voucher was used are each filed once (however
//! often notified), shown to the owner, and resolved once with what was done recorded.

use std::time::Duration;

use reqwest::StatusCode;
use tiketi_core::{
    domain::{money::Money, unmatched::UnmatchedKind},
    ports::{PaymentGateway, gateway::PaymentRequest},
};
use tiketi_tests::{app::spawn_app, portal::demo_owner};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn money_that_made_no_working_voucher_is_filed_once_and_resolved_once() {
    let app = spawn_app().await;
    let store = &app.host.tiketi.store;

    // 1. Reversed after the voucher was used: the voucher keeps working, the money is gone.
    let (reversed, voucher) = app.buy("1d", "0712000001").await;
    let used = voucher
        .apply_usage(120, 5_000, jiff::Timestamp::now())
        .unwrap();
    store.apply_voucher_usage(&voucher, &used).await.unwrap();
    let voucher = store.voucher("demo", &voucher.code).await.unwrap().unwrap();
    app.sandbox()
        .reverse(&reversed.tracking_id, true)
        .await
        .unwrap();
    app.send_ipn(&reversed.tracking_id, "").await;

    // 2. Paid, but not the order's amount.
    let short = app.place_order("week", "0712000002").await;
    app.sandbox()
        .set_paid_amount_override(&short.tracking_id, 100)
        .unwrap();
    app.sandbox()
        .complete(&short.tracking_id, true)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.send_ipn(&short.tracking_id, "").await;

    // 3. Paid into the operator's account for something Tiketi never sold.
    let merchant = app.host.tiketi.settings.demo_merchant.clone().unwrap();
    let ipn_id = app.sandbox().ipn_registrations()[0].ipn_id.clone();
    let foreign = app
        .host
        .tiketi
        .gateway
        .submit_order(
            &merchant,
            &PaymentRequest {
                merchant_reference: "SHOP-INVOICE-42".into(),
                amount: Money(150_000),
                currency: "KES".into(),
                description: "Not a voucher".into(),
                callback_url: app.url("/"),
                cancellation_url: None,
                notification_id: ipn_id,
                phone_number: "254712000003".into(),
                email: None,
                country_code: "KE".into(),
            },
        )
        .await
        .unwrap();
    app.sandbox()
        .complete(&foreign.tracking_id, false)
        .await
        .unwrap();
    for _ in 0..2 {
        app.send_ipn(&foreign.tracking_id, "SHOP-INVOICE-42").await;
    }
    // A tracking id Pesapal does not know files nothing.
    app.send_ipn("00000000-0000-0000-0000-000000000000", "FORGED")
        .await;

    let items = store.unmatched_payments("demo", 50).await.unwrap();
    let kinds: Vec<UnmatchedKind> = items.iter().map(|i| i.kind).collect();
    assert_eq!(items.len(), 3, "{items:#?}");
    for kind in [
        UnmatchedKind::ReversedAfterUse,
        UnmatchedKind::Mismatch,
        UnmatchedKind::UnknownReference,
    ] {
        assert!(kinds.contains(&kind), "{kind:?} in {kinds:?}");
    }
    let after_use = items
        .iter()
        .find(|i| i.kind == UnmatchedKind::ReversedAfterUse)
        .unwrap();
    assert_eq!(
        after_use.order_id.as_deref(),
        Some(reversed.order_id.as_str())
    );
    assert!(after_use.detail.contains(&voucher.code));
    let unknown = items
        .iter()
        .find(|i| i.kind == UnmatchedKind::UnknownReference)
        .unwrap();
    assert_eq!(unknown.reference.as_deref(), Some("SHOP-INVOICE-42"));
    assert_eq!(unknown.amount, Some(Money(150_000)));

    // The owner sees them, and records what was done, once.
    let owner = demo_owner(&app, "inbox@demo.example").await;
    let dashboard = owner.page("/portal").await;
    assert!(
        dashboard.contains("3 payments need your attention"),
        "{dashboard}"
    );
    let inbox = owner.page("/portal/payments/unmatched").await;
    assert!(inbox.contains("SHOP-INVOICE-42") && inbox.contains("KES 1,500"));
    let path = format!("/portal/payments/unmatched/{}/resolve", unknown.id);
    let missing_note = owner
        .post(&path, &[("action", "refunded"), ("note", "")])
        .await;
    assert_eq!(missing_note.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let done = owner
        .post(
            &path,
            &[("action", "refunded"), ("note", "Sent back by M-Pesa QK1")],
        )
        .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let again = owner
        .post(&path, &[("action", "kept"), ("note", "twice")])
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let resolved = store
        .unmatched_payment("demo", &unknown.id)
        .await
        .unwrap()
        .unwrap();
    let resolution = resolved.resolution.unwrap();
    assert_eq!(resolution.note, "Sent back by M-Pesa QK1");
    assert_eq!(resolution.by.name, "Demo Owner");
    assert!(
        owner
            .page("/portal")
            .await
            .contains("2 payments need your attention")
    );
    let log = store.audit_log("demo", None, 20).await.unwrap();
    assert!(log.iter().any(|(_, e)| e.action == "payment.resolve"));
}
