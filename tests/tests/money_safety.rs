//! Money paths under duplicates, races, forgeries, failures, a slow Pesapal and a crash: each
//! test ends with exactly one voucher (and one sale) per paid order and none for unpaid ones.

use std::time::Duration;

use reqwest::StatusCode;
use tiketi_core::{
    domain::{
        catalog::{Allowance, Operator, TicketType},
        ledger::Dimension,
        money::Money,
        order::OrderStatus,
        payment::Outcome,
    },
    ports::queue::{Message, send_message},
};
use tiketi_tests::app::{spawn_app, spawn_app_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_ipn_delivered_ten_times_issues_one_voucher() {
    let app = spawn_app().await;
    let placed = app.paid_without_ipn("1h", "0712345678").await;
    let reference = format!("TK-{}", placed.order_id);
    for _ in 0..10 {
        let ack = app.send_ipn(&placed.tracking_id, &reference).await;
        assert_eq!(ack["status"], 200);
        assert_eq!(ack["orderTrackingId"], placed.tracking_id.as_str());
        assert_eq!(ack["orderMerchantReference"], reference.as_str());
        assert_eq!(ack["orderNotificationType"], "IPNCHANGE");
    }
    app.assert_exactly_one_voucher(&placed.order_id).await;
    let events = app
        .host
        .tiketi
        .store
        .payment_events("demo", &placed.order_id)
        .await
        .unwrap();
    assert_eq!(events.len(), 10, "every verified notification is recorded");
    let transitions = events
        .iter()
        .filter(|e| matches!(e.outcome, Outcome::Transition { .. }))
        .count();
    assert_eq!(transitions, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_ipns_for_one_order_issue_one_voucher() {
    let app = spawn_app().await;
    let placed = app.paid_without_ipn("1d", "0712345678").await;
    let reference = format!("TK-{}", placed.order_id);
    let acks =
        futures::future::join_all((0..20).map(|_| app.send_ipn(&placed.tracking_id, &reference)))
            .await;
    assert!(acks.iter().all(|ack| ack["status"] == 200), "{acks:?}");
    app.assert_exactly_one_voucher(&placed.order_id).await;
    let day =
        tiketi_core::services::issuance::business_day(jiff::Timestamp::now(), "Africa/Nairobi");
    let totals = app
        .host
        .tiketi
        .store
        .day_totals("demo", &day, Dimension::All)
        .await
        .unwrap();
    assert_eq!(
        (totals.count, totals.amount_minor),
        (1, 20_000),
        "revenue counted once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ipn_whose_status_check_says_failed_issues_nothing() {
    let app = spawn_app().await;
    let placed = app.place_order("1h", "0712345678").await;
    app.sandbox()
        .fail(&placed.tracking_id, false)
        .await
        .unwrap();
    let ack = app
        .send_ipn(&placed.tracking_id, &format!("TK-{}", placed.order_id))
        .await;
    assert_eq!(ack["status"], 200, "processed: the failure is recorded");
    assert_eq!(
        app.order(&placed.order_id).await.status,
        OrderStatus::Failed
    );
    app.assert_no_voucher(&placed.order_id).await;

    // A failed attempt can still be paid on the same order, once.
    app.sandbox()
        .complete(&placed.tracking_id, true)
        .await
        .unwrap();
    app.assert_exactly_one_voucher(&placed.order_id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_ipn_for_an_unpaid_order_issues_nothing() {
    let app = spawn_app().await;
    let placed = app.place_order("1h", "0712345678").await;
    let ack = app
        .send_ipn(&placed.tracking_id, &format!("TK-{}", placed.order_id))
        .await;
    assert_eq!(ack["status"], 200);
    let order = app.order(&placed.order_id).await;
    assert_eq!(order.status, OrderStatus::Pending);
    app.assert_no_voucher(&placed.order_id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ipn_for_an_unknown_order_changes_nothing() {
    let app = spawn_app().await;
    let placed = app.paid_without_ipn("1h", "0712345678").await;
    // Unknown tracking id, with a real order's reference.
    let ack = app
        .send_ipn(
            "b945e4af-80a5-4ec1-8706-e03f8332fb04",
            &format!("TK-{}", placed.order_id),
        )
        .await;
    assert_eq!(ack["status"], 500);
    assert_eq!(
        ack["orderTrackingId"],
        "b945e4af-80a5-4ec1-8706-e03f8332fb04"
    );
    // No tracking id at all, and a POST with junk.
    let ack = app.send_ipn("", "TK-nothing").await;
    assert_eq!(ack["status"], 500);
    let junk = app
        .http
        .post(app.url("/pesapal/ipn/demo"))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(junk.status(), StatusCode::OK);
    assert_eq!(
        junk.json::<serde_json::Value>().await.unwrap()["status"],
        500
    );
    app.assert_no_voucher(&placed.order_id).await;
    assert_eq!(
        app.order(&placed.order_id).await.status,
        OrderStatus::Pending
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_ipn_with_a_json_body_is_processed() {
    let app = spawn_app().await;
    let placed = app.paid_without_ipn("1h", "0712345678").await;
    let body = serde_json::json!({
        "OrderTrackingId": placed.tracking_id, "OrderNotificationType": "IPNCHANGE",
        "OrderMerchantReference": format!("TK-{}", placed.order_id),
    });
    let ack: serde_json::Value = app
        .http
        .post(app.url("/pesapal/ipn/demo"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ack["status"], 200);
    app.assert_exactly_one_voucher(&placed.order_id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_of_the_wrong_amount_is_rejected() {
    let app = spawn_app().await;
    let placed = app.place_order("week", "0712345678").await;
    app.sandbox()
        .set_paid_amount_override(&placed.tracking_id, 100)
        .unwrap();
    app.sandbox()
        .complete(&placed.tracking_id, true)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.assert_no_voucher(&placed.order_id).await;
    let events = app
        .host
        .tiketi
        .store
        .payment_events("demo", &placed.order_id)
        .await
        .unwrap();
    assert!(
        events.iter().any(
            |e| matches!(&e.outcome, Outcome::Rejected { reason } if reason.contains("amount"))
        ),
        "{events:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_price_or_another_operators_ticket_type_is_refused() {
    let app = spawn_app().await;
    let store = &app.host.tiketi.store;
    let other = Operator {
        id: "other".into(),
        business_name: "Other".into(),
        currency: "KES".into(),
        time_zone: "Africa/Nairobi".into(),
        country_code: "KE".into(),
        voucher_code_length: 10,
        created_at: jiff::Timestamp::now(),
        gateway_fee: Default::default(),
        agent_commission: Default::default(),
    };
    store.create_operator(&other).await.unwrap();
    let cheap = TicketType {
        id: "cheap".into(),
        operator_id: "other".into(),
        name: "Cheap".into(),
        allowance: Allowance::Time {
            seconds: 86_400 * 30,
        },
        price: Money(100),
        validity_seconds: 86_400 * 30,
        rate_limit: None,
        shared_users: 1,
        router_ids: vec![],
        on_checkout: true,
        archived: false,
        sort_order: 0,
        fair_usage: None,
    };
    store.put_ticket_type(&cheap).await.unwrap();

    let refused = app.submit_checkout("cheap", "0712345678").await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    assert!(
        app.sandbox().orders().is_empty(),
        "nothing was sent to Pesapal"
    );

    let tampered = app
        .post_form(
            "/checkout/demo/demo-router",
            &[
                ("ticket_type_id", "month"),
                ("phone", "0712345678"),
                ("price", "1"),
                ("amount", "1"),
            ],
        )
        .await;
    assert_eq!(tampered.status(), StatusCode::SEE_OTHER);
    let orders = app.sandbox().orders();
    assert_eq!(orders.len(), 1);
    assert_eq!(
        orders[0].amount,
        Money::from_major(3_000),
        "the price comes from the store"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pesapal_that_times_out_leaves_the_order_recoverable() {
    let app = spawn_app_with(|o| o.gateway_timeout = Duration::from_millis(500)).await;
    // Checkout while Pesapal hangs: the customer is told, nothing is charged, nothing is lost.
    app.sandbox().set_latency(Duration::from_secs(2));
    let answer = app.submit_checkout("1h", "0712345678").await;
    assert_eq!(answer.status(), StatusCode::BAD_GATEWAY);
    assert!(
        answer
            .text()
            .await
            .unwrap()
            .contains("payment service is not answering")
    );

    // An IPN while Pesapal hangs: answered 500, the order stays pending.
    app.sandbox().set_latency(Duration::ZERO);
    let placed = app.paid_without_ipn("1h", "0712345678").await;
    app.sandbox().set_latency(Duration::from_secs(2));
    let ack = app
        .send_ipn(&placed.tracking_id, &format!("TK-{}", placed.order_id))
        .await;
    assert_eq!(ack["status"], 500);
    assert_eq!(
        app.order(&placed.order_id).await.status,
        OrderStatus::Pending
    );

    // Pesapal recovers; the reconciliation pass finds the payment.
    app.sandbox().set_latency(Duration::ZERO);
    let report = app.host.tiketi.reconcile().await.unwrap();
    assert!(report.checked >= 1);
    app.assert_exactly_one_voucher(&placed.order_id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_paid_and_issuance_is_repaired_by_reconciliation() {
    let app = spawn_app().await;
    let placed = app.paid_without_ipn("2h", "0712345678").await;
    // The IPN handler wrote PAID, then crashed before enqueueing the issue message.
    app.mark_paid_without_issuing(&placed.order_id).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        app.order(&placed.order_id).await.voucher_code,
        None,
        "nothing issued yet"
    );

    // The scheduled pass finds the paid order without a voucher; running it twice more (and a
    // late IPN) still leaves exactly one voucher.
    let report = app.host.tiketi.reconcile().await.unwrap();
    assert_eq!(report.reissued, 1);
    app.assert_exactly_one_voucher(&placed.order_id).await;
    app.host.tiketi.reconcile().await.unwrap();
    app.host.tiketi.reconcile().await.unwrap();
    app.send_ipn(&placed.tracking_id, &format!("TK-{}", placed.order_id))
        .await;
    app.assert_exactly_one_voucher(&placed.order_id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redelivered_issue_messages_issue_one_voucher() {
    let app = spawn_app().await;
    let (placed, first) = app.buy("10gb", "0712345678").await;
    let message = Message::IssueVoucher {
        operator_id: "demo".into(),
        order_id: placed.order_id.clone(),
    };
    for _ in 0..5 {
        send_message(&app.host.queue, &message).await.unwrap();
    }
    let again = app.assert_exactly_one_voucher(&placed.order_id).await;
    assert_eq!(first.code, again.code);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_that_keeps_failing_lands_in_the_dead_letter_queue() {
    let app = spawn_app_with(|o| o.queue_max_receives = 2).await;
    send_message(
        &app.host.queue,
        &Message::IssueVoucher {
            operator_id: "demo".into(),
            order_id: "01JDQ7Z8X1V9K3M2N4P5Q6R7S8".into(),
        },
    )
    .await
    .unwrap();
    let dead = app.host.queue.dead_letter_queue().unwrap();
    for _ in 0..80 {
        if dead.held() == 1 {
            let status = app.get("/local").await.text().await.unwrap();
            assert!(
                status.contains("<strong>1</strong> failed for good"),
                "the local status page shows it"
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the failing message did not reach the dead-letter queue");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reversed_payment_cancels_its_unused_voucher_and_is_counted() {
    let app = spawn_app().await;
    let (placed, voucher) = app.buy("1d", "0712345678").await;
    app.sandbox()
        .reverse(&placed.tracking_id, true)
        .await
        .unwrap();
    assert_eq!(
        app.order(&placed.order_id).await.status,
        OrderStatus::Reversed
    );
    let after = app
        .host
        .tiketi
        .store
        .voucher("demo", &voucher.code)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        after.status,
        tiketi_core::domain::voucher::VoucherStatus::Cancelled
    );
    let day =
        tiketi_core::services::issuance::business_day(jiff::Timestamp::now(), "Africa/Nairobi");
    let totals = app
        .host
        .tiketi
        .store
        .day_totals("demo", &day, Dimension::All)
        .await
        .unwrap();
    assert_eq!((totals.reversed_count, totals.reversed_minor), (1, 20_000));
    // The audit log has both, each once, written by the transactions that made them.
    let log = app
        .host
        .tiketi
        .store
        .audit_log("demo", None, 50)
        .await
        .unwrap();
    let entries = |action: &str| {
        log.iter()
            .filter(|(_, e)| e.action == action)
            .map(|(_, e)| e.clone())
            .collect::<Vec<_>>()
    };
    let sold = entries("voucher.sell_online");
    assert_eq!(sold.len(), 1);
    assert_eq!(sold[0].subject, voucher.code);
    assert_eq!(sold[0].actor_name, "Online sale (Pesapal)");
    assert_eq!(sold[0].after.as_ref().unwrap()["amount_minor"], 20_000);
    let reversed = entries("order.reverse");
    assert_eq!(reversed.len(), 1);
    assert_eq!(reversed[0].subject, placed.order_id);
    assert_eq!(
        reversed[0].after.as_ref().unwrap()["voucher_cancelled"],
        true
    );
    // The cancelled voucher is not handed out by recovery.
    let order = app.order(&placed.order_id).await;
    let found = app
        .post_form(
            "/checkout/demo/recover",
            &[("phone", "0712345678"), ("code", &order.code)],
        )
        .await;
    assert_eq!(found.status(), StatusCode::NOT_FOUND);
    // The same reversal notified again changes nothing more.
    app.send_ipn(&placed.tracking_id, &format!("TK-{}", placed.order_id))
        .await;
    let totals = app
        .host
        .tiketi
        .store
        .day_totals("demo", &day, Dimension::All)
        .await
        .unwrap();
    assert_eq!(totals.reversed_count, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconciliation_reaches_fresh_orders_behind_many_abandoned_ones() {
    let app = spawn_app_with(|o| o.reconcile_after = Duration::ZERO).await;
    // Orders abandoned more than a day ago are outside the window and never crowd it out.
    let store = &app.host.tiketi.store;
    let old = app.place_order("1h", "0712345678").await;
    let mut stale = app.order(&old.order_id).await;
    for i in 0..210 {
        stale.id = ulid::Ulid::new().to_string();
        stale.reference = format!("TK-{}", stale.id);
        stale.created_at = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(48)
            + jiff::SignedDuration::from_secs(i);
        store.create_order(&stale).await.unwrap();
    }
    let fresh = app.paid_without_ipn("1h", "0712345678").await;
    app.host.tiketi.reconcile().await.unwrap();
    app.assert_exactly_one_voucher(&fresh.order_id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reversal_before_the_voucher_exists_counts_no_money_and_issues_nothing() {
    let app = spawn_app().await;
    let placed = app.paid_without_ipn("1h", "0712345678").await;
    app.mark_paid_without_issuing(&placed.order_id).await;
    let store = &app.host.tiketi.store;
    app.sandbox()
        .reverse(&placed.tracking_id, true)
        .await
        .unwrap();
    assert_eq!(
        app.order(&placed.order_id).await.status,
        OrderStatus::Reversed
    );
    app.host.tiketi.reconcile().await.unwrap();
    app.assert_no_voucher(&placed.order_id).await;
    let day =
        tiketi_core::services::issuance::business_day(jiff::Timestamp::now(), "Africa/Nairobi");
    let totals = store
        .day_totals("demo", &day, Dimension::All)
        .await
        .unwrap();
    assert_eq!(
        (totals.count, totals.reversed_count),
        (0, 0),
        "no sale, so nothing to reverse"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_timer_finds_a_payment_whose_notification_never_came() {
    let app = spawn_app_with(|o| {
        o.reconcile_after = Duration::ZERO;
        o.reconcile_every = Some(Duration::from_millis(200));
    })
    .await;
    // Nobody calls the pass here: the host's own timer has to run it.
    let placed = app.paid_without_ipn("1h", "0712345678").await;
    app.assert_exactly_one_voucher(&placed.order_id).await;
}
