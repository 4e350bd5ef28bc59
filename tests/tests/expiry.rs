//! The expiry sweep: a voucher's validity window starts at its first login (seen in a router's
//! usage report) and, once over, the sweep expires it and the router's live set drops it.

use std::time::Duration;

use tiketi_core::domain::{
    catalog::{Allowance, TicketType},
    money::Money,
    voucher::VoucherStatus,
};
use tiketi_core::services::routers::ReportPage;
use tiketi_tests::app::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vouchers_expire_when_their_validity_window_ends() {
    let app = spawn_app().await;
    let tiketi = &app.host.tiketi;
    let blink = TicketType {
        id: "blink".into(),
        operator_id: "demo".into(),
        name: "Blink".into(),
        allowance: Allowance::Time { seconds: 3_600 },
        price: Money::from_major(10),
        validity_seconds: 1,
        rate_limit: None,
        shared_users: 1,
        router_ids: vec![],
        on_checkout: true,
        archived: false,
        sort_order: 99,
    };
    tiketi.store.put_ticket_type(&blink).await.unwrap();
    let mut codes = Vec::new();
    for ticket in ["blink", "1d"] {
        let placed = app.place_order(ticket, "0712345678").await;
        app.click_on_pay_page(&placed, "pay").await;
        codes.push(app.assert_exactly_one_voucher(&placed.order_id).await.code);
    }
    let (short, long) = (&codes[0], &codes[1]);

    // Unused vouchers never expire by validity: the window starts at first login.
    assert_eq!(tiketi.sweep_expired().await.unwrap().expired, 0);
    let router = tiketi
        .store
        .router("demo", "demo-router")
        .await
        .unwrap()
        .unwrap();
    let report = format!("{short},1m,10,10\n{long},1m,10,10\n");
    tiketi
        .record_usage(&router, &report, ReportPage::WHOLE)
        .await
        .unwrap();
    assert_eq!(
        tiketi
            .store
            .voucher("demo", short)
            .await
            .unwrap()
            .unwrap()
            .status,
        VoucherStatus::Active
    );

    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let sweep = tiketi.sweep_expired().await.unwrap();
    assert_eq!(sweep.expired, 1, "only the voucher whose window ended");
    assert_eq!(
        tiketi
            .store
            .voucher("demo", short)
            .await
            .unwrap()
            .unwrap()
            .status,
        VoucherStatus::Expired
    );
    assert_eq!(
        tiketi
            .store
            .voucher("demo", long)
            .await
            .unwrap()
            .unwrap()
            .status,
        VoucherStatus::Active
    );
    let live = tiketi
        .store
        .router_live_vouchers("demo", "demo-router", None, 10)
        .await
        .unwrap();
    assert_eq!(
        live.iter().map(|v| v.code.as_str()).collect::<Vec<_>>(),
        [long.as_str()]
    );

    // Idempotent, and a repeat reads only the buckets since the last sweep.
    let again = tiketi.sweep_expired().await.unwrap();
    assert_eq!(again.expired, 0);
    assert!(again.buckets <= 3, "{again:?}");
    // A late report of the expired voucher does not bring it back.
    tiketi
        .record_usage(&router, &format!("{short},2m,20,20\n"), ReportPage::WHOLE)
        .await
        .unwrap();
    assert_eq!(
        tiketi
            .store
            .voucher("demo", short)
            .await
            .unwrap()
            .unwrap()
            .status,
        VoucherStatus::Expired
    );
}
