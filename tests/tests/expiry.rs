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
        fair_usage: None,
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
    let router = app.demo_router().await;
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
    let live = tiketi_tests::live_vouchers(&tiketi.store, "demo", "demo-router").await;
    assert!(live.iter().any(|v| &v.code == long) && !live.iter().any(|v| &v.code == short));

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sweep_touches_the_vouchers_due_not_the_vouchers_stored() {
    use std::time::Duration;

    use tiketi_adapters::{
        clock::SystemClock, memory_queue::InProcessQueue, pesapal::PesapalClient,
        sqlite::SqliteTable,
    };
    use tiketi_core::{
        domain::{
            catalog::TicketTerms,
            voucher::{Origin, Voucher},
        },
        ports::Clock,
        services::{Adapters, Platform, Settings, Tiketi},
    };
    use tiketi_tests::counting::CountingTable;

    struct Counted;
    impl Platform for Counted {
        type Table = CountingTable<SqliteTable>;
        type Queue = InProcessQueue;
        type Gateway = PesapalClient;
        type Clock = SystemClock;
        type Documents = tiketi_adapters::directory_documents::DirectoryDocuments;
    }
    let dir = tempfile::tempdir().unwrap();
    let table = CountingTable::new(SqliteTable::open(&dir.path().join("t.db")).unwrap());
    let counts = std::sync::Arc::clone(&table.counts);
    let tiketi = Tiketi::<Counted>::new(
        Adapters {
            table,
            queue: InProcessQueue::new(Duration::from_secs(30), 5),
            gateway: PesapalClient::new("http://127.0.0.1:9", Duration::from_secs(1)),
            clock: SystemClock,
            documents: tiketi_tests::scratch_documents(),
        },
        Settings::new("http://127.0.0.1:9", None),
    );
    tiketi.ensure_demo().await.unwrap();
    let terms = TicketTerms::from(
        &tiketi
            .store
            .ticket_type("demo", "1d")
            .await
            .unwrap()
            .unwrap(),
    );
    let now = tiketi.clock.now();
    let voucher = |i: usize, expires_at: jiff::Timestamp| {
        let origin = Origin::Batch {
            batch_id: "bench".into(),
        };
        let login = (format!("T{i:09}"), format!("T{i:09}"));
        Voucher {
            status: VoucherStatus::Active,
            activated_at: Some(now),
            expires_at: Some(expires_at),
            ..Voucher::unused(login, "demo", "demo-router", terms.clone(), origin, now)
        }
    };
    // 100,000 active vouchers spread over the next 1,000 hours, and 100 due a minute ago.
    let later: Vec<Voucher> = (0..100_000)
        .map(|i| {
            voucher(
                i,
                now + jiff::SignedDuration::from_hours(1 + (i % 1_000) as i64),
            )
        })
        .collect();
    let due: Vec<Voucher> = (100_000..100_100)
        .map(|i| voucher(i, now - jiff::SignedDuration::from_mins(1)))
        .collect();
    tiketi.store.create_vouchers(&later).await.unwrap();
    tiketi.store.create_vouchers(&due).await.unwrap();
    tiketi
        .store
        .set_expiry_swept_until("demo", now - jiff::SignedDuration::from_mins(10))
        .await
        .unwrap();

    counts.reset();
    let report = tiketi.sweep_expired().await.unwrap();
    let (calls, read, written) = counts.get();
    assert_eq!(report.expired, 100);
    assert!(read <= 110, "items read: {read}");
    // Each expiry writes the voucher, moves the operator's status counts and bumps its
    // router's change counter: three items.
    assert!(written <= 310, "items written: {written}");
    assert!(calls <= 120, "store calls: {calls}");
    assert_eq!(
        tiketi
            .store
            .voucher("demo", "T000100050")
            .await
            .unwrap()
            .unwrap()
            .status,
        VoucherStatus::Expired
    );
    assert_eq!(
        tiketi
            .store
            .voucher("demo", "T000000050")
            .await
            .unwrap()
            .unwrap()
            .status,
        VoucherStatus::Active
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_operators_broken_data_does_not_stop_the_others_sweep() {
    use tiketi_core::{
        ports::table::{Item, Table, Write},
        store::keys,
    };
    let app = spawn_app().await;
    let tiketi = &app.host.tiketi;
    let (_, voucher) = app.buy("1d", "0712345678").await;
    let router = app.demo_router().await;
    tiketi
        .record_usage(
            &router,
            &format!("{},1m,1,1\n", voucher.code),
            ReportPage::WHOLE,
        )
        .await
        .unwrap();
    // Make the demo voucher due now, and break another operator's expiry bucket.
    let mut due = tiketi
        .store
        .voucher("demo", &voucher.code)
        .await
        .unwrap()
        .unwrap();
    due.expires_at = Some(jiff::Timestamp::now() - jiff::SignedDuration::from_mins(1));
    tiketi
        .store
        .table()
        .write(Write::Delete {
            key: keys::voucher("demo", &due.code),
            condition: None,
        })
        .await
        .unwrap();
    tiketi.store.create_vouchers(&[due.clone()]).await.unwrap();
    let mut other = tiketi.store.operator("demo").await.unwrap().unwrap();
    other.id = "aaa-first".into(); // swept before "demo"
    tiketi.store.create_operator(&other).await.unwrap();
    let broken = serde_json::json!({
        "pk": "OP#aaa-first#VOUCHER#BROKEN", "sk": "VOUCHER", "entity": "voucher", "status": "ACTIVE",
        "gsi3pk": keys::expiry_bucket("aaa-first", jiff::Timestamp::now()), "gsi3sk": "0#BROKEN",
    });
    let serde_json::Value::Object(map) = broken else {
        unreachable!()
    };
    tiketi
        .store
        .table()
        .write(Write::put(Item(map)))
        .await
        .unwrap();

    let report = tiketi.sweep_expired().await.unwrap();
    assert_eq!(report.errors, 1, "the broken operator is reported");
    assert_eq!(
        report.expired, 1,
        "the other operator's due voucher still expired"
    );
    assert_eq!(
        tiketi
            .store
            .voucher("demo", &due.code)
            .await
            .unwrap()
            .unwrap()
            .status,
        VoucherStatus::Expired
    );
}
