//! Voucher pools: each router holds a few unsold vouchers per package, so an online buyer gets
//! one that is already on the router and can press Connect at once.

use tiketi_core::{
    domain::{
        ledger::Dimension,
        voucher::{Origin, VoucherStatus},
    },
    services::pool::POOL_SIZE,
};
use tiketi_tests::{app::spawn_app, router_model::RouterModel};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_claims_a_voucher_already_on_the_router() {
    let app = spawn_app().await;
    let tiketi = &app.host.tiketi;
    tiketi.refill_pools().await.unwrap();
    let store = &tiketi.store;
    for ticket in ["1h", "2h", "1d", "1gb", "5gb", "10gb", "week", "month"] {
        assert_eq!(
            store
                .pool_vouchers("demo", "demo-router", ticket, 10)
                .await
                .unwrap()
                .len(),
            POOL_SIZE,
            "{ticket}"
        );
    }
    // The router loads the pools through its ordinary sync.
    let secret = tiketi
        .rotate_router_secret("demo", "demo-router")
        .await
        .unwrap();
    let mut router = RouterModel::default();
    let sync = app
        .http
        .get(app.url("/routers/demo/demo-router/sync.rsc"))
        .header("X-Tiketi-Router-Secret", secret.expose())
        .send()
        .await
        .unwrap();
    router.apply(&sync.text().await.unwrap());
    assert_eq!(router.tiketi_users().len(), 8 * POOL_SIZE);
    let pool_1h: Vec<String> = store
        .pool_vouchers("demo", "demo-router", "1h", 10)
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.code)
        .collect();

    let (placed, voucher) = app.buy("1h", "0712345678").await;
    assert!(
        pool_1h.contains(&voucher.code),
        "the sale claimed a pool voucher"
    );
    assert!(
        router.users.contains_key(&voucher.code),
        "already on the router: Connect works at once"
    );
    assert_eq!(
        voucher.origin,
        Origin::Sale {
            order_id: placed.order_id.clone()
        }
    );
    assert_eq!(voucher.phone.as_deref(), Some("254712345678"));
    assert_eq!(voucher.status, VoucherStatus::Unused);
    // The sale topped the pool up at once (the next buyer finds it full); pool vouchers are
    // not revenue.
    let pool_after: Vec<String> = store
        .pool_vouchers("demo", "demo-router", "1h", 10)
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.code)
        .collect();
    assert_eq!(pool_after.len(), POOL_SIZE);
    assert!(
        !pool_after.contains(&voucher.code),
        "the sold one left the pool"
    );
    assert_eq!(
        tiketi.refill_pools().await.unwrap(),
        0,
        "nothing left to top up"
    );
    let day =
        tiketi_core::services::issuance::business_day(jiff::Timestamp::now(), "Africa/Nairobi");
    let totals = store
        .day_totals("demo", &day, Dimension::All)
        .await
        .unwrap();
    assert_eq!((totals.count, totals.amount_minor), (1, 5_000));

    // Someone used an unsold pool voucher (its code leaked from the router): it is flagged.
    let unsold = store
        .pool_vouchers("demo", "demo-router", "1d", 1)
        .await
        .unwrap()
        .remove(0);
    let router_entity = store.router("demo", "demo-router").await.unwrap().unwrap();
    let report = format!("{},5m,100,100\n", unsold.code);
    let page = tiketi_core::services::routers::ReportPage::WHOLE;
    let outcome = tiketi
        .record_usage(&router_entity, &report, page)
        .await
        .unwrap();
    assert_eq!(outcome.misused, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_buyers_never_share_a_pool_voucher() {
    let app = spawn_app().await;
    app.host.tiketi.refill_pools().await.unwrap();
    let mut orders = Vec::new();
    for i in 0..6 {
        let placed = app.paid_without_ipn("2h", &format!("07120000{i:02}")).await;
        orders.push(placed);
    }
    // All IPNs at once: six issuers race for three pool vouchers.
    let references: Vec<String> = orders
        .iter()
        .map(|o| format!("TK-{}", o.order_id))
        .collect();
    let ipns = orders
        .iter()
        .zip(&references)
        .map(|(o, reference)| app.send_ipn(&o.tracking_id, reference));
    futures::future::join_all(ipns).await;
    let mut codes = Vec::new();
    for order in &orders {
        codes.push(app.assert_exactly_one_voucher(&order.order_id).await.code);
    }
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), 6, "six distinct vouchers");
    // Every sale from the pool topped it up: what is left in it was never sold.
    let pool = app
        .host
        .tiketi
        .store
        .pool_vouchers("demo", "demo-router", "2h", 10)
        .await
        .unwrap();
    assert!(pool.iter().all(|v| !codes.contains(&v.code)), "{pool:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pool_voucher_used_before_any_sale_is_never_sold() {
    let app = spawn_app().await;
    let tiketi = &app.host.tiketi;
    tiketi.refill_pools().await.unwrap();
    let store = &tiketi.store;
    let router = store.router("demo", "demo-router").await.unwrap().unwrap();
    let page = tiketi_core::services::routers::ReportPage::WHOLE;
    // Every 1h pool voucher's code leaked and was used on the router.
    let pool = store
        .pool_vouchers("demo", "demo-router", "1h", 10)
        .await
        .unwrap();
    let report: String = pool
        .iter()
        .map(|v| format!("{},5m,100,100\n", v.code))
        .collect();
    let outcome = tiketi.record_usage(&router, &report, page).await.unwrap();
    assert_eq!(outcome.misused, pool.len());
    assert!(
        store
            .pool_vouchers("demo", "demo-router", "1h", 10)
            .await
            .unwrap()
            .is_empty(),
        "used vouchers leave the pool"
    );

    let (_, sold) = app.buy("1h", "0712345678").await;
    assert!(
        pool.iter().all(|v| v.code != sold.code),
        "the buyer gets a fresh voucher"
    );
    for used in &pool {
        let after = store.voucher("demo", &used.code).await.unwrap().unwrap();
        assert_eq!(
            after.status,
            VoucherStatus::Active,
            "its activation is kept"
        );
        assert!(after.activated_at.is_some());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pools_of_packages_no_longer_sold_leave_the_router() {
    let app = spawn_app().await;
    let tiketi = &app.host.tiketi;
    tiketi.refill_pools().await.unwrap();
    let mut ten = tiketi
        .store
        .ticket_type("demo", "10gb")
        .await
        .unwrap()
        .unwrap();
    ten.archived = true;
    tiketi.store.put_ticket_type(&ten).await.unwrap();
    tiketi.refill_pools().await.unwrap();
    assert!(
        tiketi
            .store
            .pool_vouchers("demo", "demo-router", "10gb", 10)
            .await
            .unwrap()
            .is_empty()
    );
    let live = tiketi_tests::live_vouchers(&tiketi.store, "demo", "demo-router").await;
    assert!(
        live.iter().all(|v| v.terms.ticket_type_id != "10gb"),
        "the router drops them at the next sync"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pool_vouchers_of_earlier_versions_stay_counted_as_unused_until_they_leave() {
    use tiketi_core::store::{POOL_COUNT, counted_as};
    let app = spawn_app().await;
    let tiketi = &app.host.tiketi;
    let store = &tiketi.store;
    // The 1 Hour pool as an earlier version made it: counted under UNUSED.
    tiketi.refill_pools().await.unwrap();
    let pool = store
        .pool_vouchers("demo", "demo-router", "1h", 10)
        .await
        .unwrap();
    let mut legacy = pool[0].clone();
    legacy.code = format!("{}L", legacy.code);
    legacy.password = legacy.code.clone();
    legacy.origin = Origin::Pool {
        ticket_type_id: "1h".into(),
        counted_apart: false,
    };
    assert_eq!(counted_as(&legacy), "UNUSED");
    assert_eq!(counted_as(&pool[0]), POOL_COUNT);
    // Only the legacy one is left in that pool.
    for voucher in &pool {
        store
            .cancel_pool_voucher(voucher, jiff::Timestamp::now())
            .await
            .unwrap();
    }
    store
        .create_vouchers(std::slice::from_ref(&legacy))
        .await
        .unwrap();
    let before = store.voucher_counts("demo").await.unwrap();

    // A sale claims it: it was unused and stays unused (no move from the pool's count); the
    // pool is topped up with vouchers counted apart.
    let (_, sold) = app.buy("1h", "0712345678").await;
    assert_eq!(
        sold.code, legacy.code,
        "the sale took the legacy pool voucher"
    );
    let after = store.voucher_counts("demo").await.unwrap();
    assert_eq!(after["UNUSED"], before["UNUSED"]);
    assert_eq!(after[POOL_COUNT], before[POOL_COUNT] + POOL_SIZE as i64);
    assert!(after.values().all(|n| *n >= 0), "{after:?}");
}
