//! Router sync over HTTP: a modelled router posts its report to `…/sync` and applies the
//! changes it gets back, as its `tiketi-sync` script does every minute; it converges on its
//! live vouchers and stays there. Routers set up before `…/sync` existed post `…/report` and
//! pull `…/sync.rsc`: that still works too.

use tiketi_tests::{
    app::{TestApp, spawn_app},
    router_model::{ModelUser, RouterModel, assert_router_accepts},
};

/// A fresh secret for the demo router (what its setup script would carry).
async fn demo_router_secret(app: &TestApp) -> String {
    let secret = app.host.tiketi.rotate_router_secret("demo", "demo-router");
    secret.await.unwrap().expose().to_owned()
}

/// One run of the router's script: the report posted to `…/sync`, the answer applied.
async fn run(app: &TestApp, router: &mut RouterModel, secret: &str) -> String {
    let base = app.url("/routers/demo/demo-router");
    let sync = app
        .http
        .post(format!("{base}/sync?page=1&last=1"))
        .header("X-Tiketi-Router-Secret", secret)
        .header("content-type", "text/plain")
        .body(router.report())
        .send()
        .await
        .unwrap();
    assert!(sync.status().is_success());
    let script = sync.text().await.unwrap();
    assert!(
        script.len() <= tiketi_core::services::routers::SYNC_BYTES,
        "a sync response fits in what RouterOS's fetch reads: {} bytes",
        script.len()
    );
    router.apply(&script);
    script
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_router_converges_on_its_live_vouchers_and_stays_there() {
    let app = spawn_app().await;
    let secret = demo_router_secret(&app).await;
    let secret = secret.as_str();
    let mut sold = Vec::new();
    for ticket in ["1h", "1gb", "week"] {
        let placed = app.place_order(ticket, "0712345678").await;
        app.click_on_pay_page(&placed, "pay").await;
        sold.push((
            placed.clone(),
            app.assert_exactly_one_voucher(&placed.order_id).await.code,
        ));
    }
    let mut router = RouterModel::default();
    // The operator's own hotspot user, not Tiketi's: never touched.
    router.users.insert(
        "guest".into(),
        ModelUser {
            profile: "default".into(),
            comment: String::new(),
            ..Default::default()
        },
    );

    let first = run(&app, &mut router, secret).await;
    assert!(
        first.contains("/ip hotspot user profile"),
        "the profiles the users need come along"
    );
    assert_router_accepts(&first);
    // The router holds exactly the live vouchers: the sold ones and its pool of unsold ones.
    let live = || async {
        tiketi_tests::live_vouchers(&app.host.tiketi.store, "demo", "demo-router")
            .await
            .into_iter()
            .map(|v| v.code)
            .collect::<Vec<_>>()
    };
    assert_eq!(router.tiketi_users(), live().await);
    assert!(sold.iter().all(|(_, code)| router.users.contains_key(code)));
    assert_eq!(router.users["guest"].comment, "");
    let profile = &router.users[&sold[1].1].profile;
    assert_eq!(profile, "tiketi-1gb");

    // In sync: the next run changes nothing; applying an old response again changes nothing.
    let settled = router.clone();
    let quiet = run(&app, &mut router, secret).await;
    assert!(quiet.contains("in sync"), "{quiet}");
    router.apply(&first);
    assert_eq!(router, settled, "applying twice = applying once");

    // A reversed payment cancels its voucher: the next run removes it from the router.
    let (reversed, code) = &sold[0];
    app.sandbox()
        .reverse(&reversed.tracking_id, true)
        .await
        .unwrap();
    run(&app, &mut router, secret).await; // reports the old state, removes the voucher
    assert!(!router.users.contains_key(code));
    assert!(router.users.contains_key("guest"));
    assert_eq!(router.tiketi_users(), live().await);

    // A user Tiketi does not know (e.g. left from an old install) is removed too.
    router.users.insert(
        "STALE23456".into(),
        ModelUser {
            profile: "tiketi-1h".into(),
            comment: "tiketi:1h".into(),
            ..Default::default()
        },
    );
    run(&app, &mut router, secret).await;
    assert!(!router.users.contains_key("STALE23456"));

    // A wrong secret gets nothing.
    let denied = app
        .http
        .get(app.url("/routers/demo/demo-router/sync.rsc"))
        .header("X-Tiketi-Router-Secret", "nope")
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), reqwest::StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_setup_script_carries_a_fresh_secret_that_unlocks_sync_and_the_login_page() {
    let app = spawn_app().await;
    let tiketi = &app.host.tiketi;
    let old = tiketi
        .rotate_router_secret("demo", "demo-router")
        .await
        .unwrap();
    let script = tiketi
        .router_setup_script("demo", "demo-router")
        .await
        .unwrap();
    assert_router_accepts(&script);
    let header = "X-Tiketi-Router-Secret: ";
    let start = script
        .find(header)
        .expect("the script sends the secret header")
        + header.len();
    let secret: String = script[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    assert_eq!(secret.len(), 32);
    assert!(script.contains(&app.url("/routers/demo/demo-router/sync")));
    assert!(script.contains(&app.url("/routers/demo/demo-router/login.html")));
    for profile in ["tiketi-1h", "tiketi-5gb", "tiketi-month"] {
        assert!(script.contains(profile), "{profile}");
    }

    let login_page = |secret: String| {
        app.http
            .get(app.url("/routers/demo/demo-router/login.html"))
            .header("X-Tiketi-Router-Secret", secret)
            .send()
    };
    let page = login_page(secret.clone()).await.unwrap();
    assert!(page.status().is_success());
    let html = page.text().await.unwrap();
    assert!(html.contains("Demo Hotspot") && html.contains("/checkout/demo/demo-router"));
    let revoked = login_page(old.expose().to_owned()).await.unwrap();
    assert_eq!(
        revoked.status(),
        reqwest::StatusCode::UNAUTHORIZED,
        "a new setup script revokes the old secret"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fair_usage_bundle_slows_down_when_used_up_and_ends_with_its_validity() {
    use tiketi_core::domain::voucher::VoucherStatus;
    let app = spawn_app().await;
    let secret = demo_router_secret(&app).await;
    let secret = secret.as_str();
    // The demo's 10 GB bundle: then 512k/1M until its 30 days end.
    let (_, voucher) = app.buy("10gb", "0712345678").await;
    let code = voucher.code;
    let mut router = RouterModel::default();
    let first = run(&app, &mut router, secret).await;
    assert_router_accepts(&first);
    assert!(first.contains(r#"/ip hotspot user profile add name="tiketi-10gb-fair""#));
    assert_eq!(router.users[&code].profile, "tiketi-10gb");
    assert_eq!(
        router.users[&code].limits.1.as_deref(),
        Some("10000000000"),
        "the router itself stops it at the quota"
    );

    // Half the quota: active, full speed, nothing to change.
    router.use_data(&code, 600, 5_000_000_000);
    let quiet = run(&app, &mut router, secret).await;
    let stored = |app: &tiketi_tests::app::TestApp| {
        let store = app.host.tiketi.store.clone();
        let code = code.clone();
        async move { store.voucher("demo", &code).await.unwrap().unwrap() }
    };
    let v = stored(&app).await;
    assert_eq!((v.status, v.throttled_at), (VoucherStatus::Active, None));
    assert!(!quiet.contains("change speed"), "{quiet}");

    // The quota used: the next run slows it down and ends the session (cookie login resumes).
    router.use_data(&code, 600, 5_500_000_000);
    let slowed = run(&app, &mut router, secret).await;
    assert_router_accepts(&slowed);
    let v = stored(&app).await;
    assert_eq!(v.status, VoucherStatus::Active, "not used up: slowed down");
    assert!(v.throttled_at.is_some());
    assert_eq!(router.users[&code].profile, "tiketi-10gb-fair");
    assert_eq!(
        router.users[&code].limits.1.as_deref(),
        Some("0"),
        "no byte limit now"
    );
    assert!(
        !router.active.contains(&code),
        "the session ends so the new speed applies"
    );

    // Settled: the router reports the slow profile, so nothing more is sent.
    router.use_data(&code, 60, 1_000_000);
    let quiet = run(&app, &mut router, secret).await;
    assert!(quiet.contains("in sync"), "{quiet}");
    assert_eq!(
        stored(&app).await.throttled_at,
        v.throttled_at,
        "slowed down once"
    );

    // A router set up before reports said profiles gets the change every minute, but it acts
    // once: the device logged in at the slow speed is not logged out again.
    let mut legacy = router.clone();
    legacy.active.insert(code.clone());
    let old_report = format!("{code},1260,10501000000,0\n");
    let entity = app.demo_router().await;
    let page = tiketi_core::services::routers::ReportPage::WHOLE;
    app.host
        .tiketi
        .record_usage(&entity, &old_report, page)
        .await
        .unwrap();
    let sync = app
        .http
        .get(app.url("/routers/demo/demo-router/sync.rsc"))
        .header("X-Tiketi-Router-Secret", secret)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(sync.contains("change speed"), "{sync}");
    legacy.apply(&sync);
    assert!(legacy.active.contains(&code), "no second logout");

    // A router that lost the user gets it back slow, without a byte limit.
    let mut reset = RouterModel::default();
    run(&app, &mut reset, secret).await;
    assert_eq!(reset.users[&code].profile, "tiketi-10gb-fair");
    assert_eq!(reset.users[&code].limits.1.as_deref(), Some("0"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_router_that_lost_an_active_voucher_gets_back_only_what_is_left() {
    let app = spawn_app().await;
    let secret = demo_router_secret(&app).await;
    let secret = secret.as_str();
    let (_, code) = app.buy("1h", "0712345678").await;
    let code = code.code;
    let mut router = RouterModel::default();
    run(&app, &mut router, secret).await;
    assert_eq!(router.users[&code].limits.0.as_deref(), Some("1h"));

    // 50 minutes used, then the router is reset and loses its users.
    let report = format!("{code},50m,1000,1000\n");
    let entity = app.demo_router().await;
    let page = tiketi_core::services::routers::ReportPage::WHOLE;
    app.host
        .tiketi
        .record_usage(&entity, &report, page)
        .await
        .unwrap();
    let mut reset = RouterModel::default();
    run(&app, &mut reset, secret).await;
    assert_eq!(
        reset.users[&code].limits.0.as_deref(),
        Some("10m"),
        "not a fresh hour"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_setup_keeps_the_working_secret() {
    let app = spawn_app().await;
    let tiketi = &app.host.tiketi;
    let working = tiketi
        .rotate_router_secret("demo", "demo-router")
        .await
        .unwrap();
    let mut router = app.demo_router().await;
    router.hotspot_dns = "hotspot.local".into(); // RouterOS/iOS refuse it
    tiketi.store.put_router(&router).await.unwrap();
    assert!(
        tiketi
            .router_setup_script("demo", "demo-router")
            .await
            .is_err()
    );
    assert!(
        tiketi
            .authenticate_router("demo", "demo-router", working.expose())
            .await
            .is_ok()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backlog_reaches_the_router_a_page_at_a_time() {
    use tiketi_core::services::routers::SYNC_PAGE;
    let app = spawn_app().await;
    let tiketi = &app.host.tiketi;
    let secret = tiketi
        .rotate_router_secret("demo", "demo-router")
        .await
        .unwrap();
    // At the very start of the code space, ahead of any voucher a buyer gets; long codes and
    // passwords, so a page of users needs more than the response may hold.
    batch_vouchers(&app, "b1", 400, |i| {
        (format!("22{i:018}"), format!("PW{i:030}"))
    })
    .await;
    let mut router = RouterModel::default();
    // A stale Tiketi user at the far end of the code space.
    router.users.insert(
        "ZZZZ999999".into(),
        ModelUser {
            comment: "tiketi:1h".into(),
            ..Default::default()
        },
    );
    run(&app, &mut router, secret.expose()).await;
    let mut runs = 1;
    assert!(
        !router.users.contains_key("ZZZZ999999"),
        "a dead user leaves at once, even while a backlog loads"
    );
    let first_page = router.users.len() - 1;
    assert!(
        (100..SYNC_PAGE).contains(&first_page),
        "long codes: fewer users than a page, to fit the response ({first_page})"
    );
    // A buyer pays while the backlog loads: the very next run brings their voucher, ahead of
    // the batch (the buyers' lane goes first).
    let (_, bought) = app.buy("2h", "0712345678").await;
    run(&app, &mut router, secret.expose()).await;
    runs += 1;
    assert!(
        router.users.contains_key(&bought.code),
        "a paid voucher never waits behind a batch backlog"
    );
    assert!(router.users.len() < 400, "the backlog is still loading");
    let live = tiketi_tests::live_vouchers(&tiketi.store, "demo", "demo-router").await;
    while router.tiketi_users() != live.iter().map(|v| v.code.clone()).collect::<Vec<_>>() {
        let before = router.users.len();
        run(&app, &mut router, secret.expose()).await;
        assert!(
            router.users.len().abs_diff(before) <= 2 * SYNC_PAGE,
            "a page at a time"
        );
        runs += 1;
        assert!(runs <= 6, "converges in a few runs");
    }
    assert!(runs >= 3, "400+ vouchers need several pages");
    assert!(!router.users.contains_key("ZZZZ999999"));
}

/// `n` unused vouchers of batch `batch_id` (1 Hour terms) for the demo router, with the codes
/// and passwords `code(i)` gives.
async fn batch_vouchers(
    app: &TestApp,
    batch_id: &str,
    n: usize,
    code: impl Fn(usize) -> (String, String),
) -> Vec<tiketi_core::domain::voucher::Voucher> {
    use tiketi_core::domain::{
        catalog::TicketTerms,
        voucher::{Origin, Voucher},
    };
    let tiketi = &app.host.tiketi;
    let terms = TicketTerms::from(
        &tiketi
            .store
            .ticket_type("demo", "1h")
            .await
            .unwrap()
            .unwrap(),
    );
    let vouchers: Vec<Voucher> = (0..n)
        .map(|i| {
            let origin = Origin::Batch {
                batch_id: batch_id.into(),
            };
            let now = jiff::Timestamp::now();
            Voucher::unused(code(i), "demo", "demo-router", terms.clone(), origin, now)
        })
        .collect();
    tiketi.store.create_vouchers(&vouchers).await.unwrap();
    vouchers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voided_batch_leaves_the_router_before_its_vouchers_are_cancelled() {
    use tiketi_core::domain::{
        audit::AuditEntry,
        batch::{Actor, Batch, BatchStatus, CodeFormat},
        custody::{CustodyEvent, CustodyKind},
        voucher::VoucherStatus,
    };
    let app = spawn_app().await;
    let tiketi = &app.host.tiketi;
    let secret = demo_router_secret(&app).await;
    let vouchers = batch_vouchers(&app, "stolen", 30, |i| {
        (format!("ST{i:08}"), format!("ST{i:08}"))
    })
    .await;
    let owner = Actor {
        user_id: "owner".into(),
        name: "Owner".into(),
    };
    let batch = Batch {
        id: "stolen".into(),
        operator_id: "demo".into(),
        router_id: "demo-router".into(),
        terms: vouchers[0].terms.clone(),
        quantity: 30,
        generated: 30,
        format: CodeFormat::checked(8, "ST", false).unwrap(),
        status: BatchStatus::Ready,
        note: String::new(),
        created_at: jiff::Timestamp::now(),
        created_by: owner.clone(),
        cancelled_at: None,
        cancel_reason: None,
        agent: None,
        prints: 0,
        sold: 0,
        redeemed: 0,
    };
    let entry = |action: &str| {
        let id = ulid::Ulid::new().to_string();
        let now = jiff::Timestamp::now();
        AuditEntry::system(
            id,
            "demo",
            now,
            "test",
            action,
            "stolen",
            serde_json::json!({}),
        )
    };
    let event = |kind| CustodyEvent {
        id: ulid::Ulid::new().to_string(),
        at: jiff::Timestamp::now(),
        by: owner.clone(),
        kind,
    };
    tiketi
        .store
        .create_batch(
            &batch,
            &event(CustodyKind::Generated),
            &entry("batch.create"),
            None,
            "2026-12",
        )
        .await
        .unwrap();
    let mut router = RouterModel::default();
    run(&app, &mut router, &secret).await;
    assert!(vouchers.iter().all(|v| router.users.contains_key(&v.code)));
    // One voucher is in use when the batch is stolen.
    let used = &vouchers[0];
    let change = used.apply_usage(60, 1_000, jiff::Timestamp::now()).unwrap();
    tiketi
        .store
        .apply_voucher_usage(used, &change)
        .await
        .unwrap();

    // Voided (the store's write alone: the worker that cancels each voucher has not run).
    let voided = CustodyKind::Voided {
        reason: "stolen".into(),
    };
    tiketi
        .store
        .cancel_batch(&batch, &event(voided), &entry("batch.cancel"))
        .await
        .unwrap();
    let unused = tiketi.store.voucher("demo", &vouchers[5].code).await;
    assert_eq!(unused.unwrap().unwrap().status, VoucherStatus::Unused);
    run(&app, &mut router, &secret).await;
    for voucher in &vouchers[1..] {
        assert!(
            !router.users.contains_key(&voucher.code),
            "{} still on the router",
            voucher.code
        );
    }
    assert!(router.users.contains_key(&used.code), "in use: kept");
}

/// One run of a router set up before `…/sync` existed: report, then pull `sync.rsc`.
async fn legacy_run(app: &TestApp, router: &mut RouterModel, secret: &str) -> String {
    let base = app.url("/routers/demo/demo-router");
    let report = app
        .http
        .post(format!("{base}/report"))
        .header("X-Tiketi-Router-Secret", secret)
        .header("content-type", "text/plain")
        .body(router.report())
        .send()
        .await
        .unwrap();
    assert!(report.status().is_success());
    let sync = app
        .http
        .get(format!("{base}/sync.rsc"))
        .header("X-Tiketi-Router-Secret", secret)
        .send()
        .await
        .unwrap();
    assert!(sync.status().is_success());
    let script = sync.text().await.unwrap();
    router.apply(&script);
    script
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_router_on_the_older_script_still_gets_its_vouchers_and_loses_dead_ones() {
    let app = spawn_app().await;
    let secret = demo_router_secret(&app).await;
    let (_, voucher) = app.buy("1h", "0712345678").await;
    let mut router = RouterModel::default();
    legacy_run(&app, &mut router, &secret).await;
    assert!(
        router.users.contains_key(&voucher.code),
        "{:?}",
        router.users
    );
    let owner = tiketi_tests::portal::demo_owner(&app, "legacy@demo.example").await;
    let cancelled = owner
        .post(
            &format!("/portal/vouchers/{}/cancel", voucher.code),
            &[("reason", "refunded at the counter")],
        )
        .await;
    assert!(
        cancelled.status().is_redirection(),
        "{}",
        cancelled.status()
    );
    legacy_run(&app, &mut router, &secret).await;
    legacy_run(&app, &mut router, &secret).await;
    assert!(
        !router.users.contains_key(&voucher.code),
        "{:?}",
        router.users
    );
    // The same router moves to the new script: it picks up where the old one left.
    run(&app, &mut router, &secret).await;
    let in_sync = run(&app, &mut router, &secret).await;
    assert!(in_sync.contains("in sync"), "{in_sync}");
}

/// What a router's run costs the store, counted: while nothing happens, one read and no write;
/// a voucher's use is written only at its first login and at each further quarter of its
/// allowance; a sale makes the next run plan in full (and add it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_router_in_sync_costs_one_read_and_its_customers_use_is_written_by_quarters() {
    use std::time::Duration;

    use tiketi_adapters::{
        clock::SystemClock, memory_queue::InProcessQueue, pesapal::PesapalClient,
        sqlite::SqliteTable,
    };
    use tiketi_core::{
        domain::{
            catalog::TicketTerms,
            voucher::{Origin, Voucher},
            voucher_code::ALPHABET,
        },
        ports::Clock,
        services::{Adapters, Platform, Settings, Tiketi, routers::ReportPage},
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
    let router = tiketi
        .store
        .router("demo", "demo-router")
        .await
        .unwrap()
        .unwrap();
    // 30 customers with a 1 GB bundle each.
    let terms = TicketTerms::from(
        &tiketi
            .store
            .ticket_type("demo", "1gb")
            .await
            .unwrap()
            .unwrap(),
    );
    let code = |i: usize| -> String {
        let digit = |n: usize| char::from(ALPHABET[n % ALPHABET.len()]);
        format!("KM{}{}{}", digit(i / 31), digit(i), "ABCDE")
    };
    let vouchers: Vec<Voucher> = (0..30)
        .map(|i| {
            let origin = Origin::Sale {
                order_id: format!("order{i}"),
            };
            Voucher::unused(
                (code(i), code(i)),
                "demo",
                "demo-router",
                terms.clone(),
                origin,
                tiketi.clock.now(),
            )
        })
        .collect();
    tiketi.store.create_vouchers(&vouchers).await.unwrap();
    let mut model = RouterModel::default();
    let run = async |model: &mut RouterModel| {
        let (_, script) = tiketi
            .sync_run(&router, &model.report(), ReportPage::WHOLE)
            .await
            .unwrap();
        model.apply(&script);
        script
    };
    run(&mut model).await;
    for i in 0..30 {
        model.use_data(&code(i), 60, 1_000_000);
    }
    run(&mut model).await;
    assert!(run(&mut model).await.contains("in sync"));

    // Ten quiet minutes: 1 MB each a minute is far from a quarter of 1 GB.
    counts.reset();
    for _ in 0..10 {
        for i in 0..30 {
            model.use_data(&code(i), 60, 1_000_000);
        }
        let script = run(&mut model).await;
        assert!(script.contains("in sync"), "{script}");
    }
    let (calls, read, written) = counts.get();
    assert_eq!(
        (calls, written),
        (10, 0),
        "one read a run, no write ({read} items read)"
    );
    assert_eq!(
        counts
            .eventual_reads
            .load(std::sync::atomic::Ordering::Relaxed),
        10,
        "each run's read is eventually consistent"
    );

    // A report in pages: the last page must see what the first wrote a moment ago.
    counts.reset();
    let first = ReportPage {
        number: 1,
        last: false,
    };
    let last = ReportPage {
        number: 2,
        last: true,
    };
    tiketi
        .record_usage(&router, &model.report(), first)
        .await
        .unwrap();
    tiketi.sync_run(&router, "", last).await.unwrap();
    assert_eq!(
        counts
            .eventual_reads
            .load(std::sync::atomic::Ordering::Relaxed),
        1,
        "only the first page's read is eventually consistent"
    );

    // A quarter of one customer's bundle: that voucher alone is written, once.
    counts.reset();
    model.use_data(&code(7), 60, 300_000_000);
    run(&mut model).await;
    let (_, _, written) = counts.get();
    assert!(written > 0, "the quarter is written");
    let stored = tiketi
        .store
        .voucher("demo", &code(7))
        .await
        .unwrap()
        .unwrap();
    let usage = tiketi.store.current_usage(&stored).await.unwrap();
    assert!(usage.bytes_used > 300_000_000, "{usage:?}");
    counts.reset();
    model.use_data(&code(7), 60, 1_000_000);
    assert!(run(&mut model).await.contains("in sync"));
    assert_eq!(counts.get().2, 0, "then quiet again");

    // A new voucher for this router: the next run plans in full and adds it.
    let extra = Voucher::unused(
        (code(40), code(40)),
        "demo",
        "demo-router",
        terms.clone(),
        Origin::Sale {
            order_id: "order40".into(),
        },
        tiketi.clock.now(),
    );
    tiketi.store.create_vouchers(&[extra]).await.unwrap();
    let script = run(&mut model).await;
    assert!(model.users.contains_key(&code(40)), "{script}");
    assert!(run(&mut model).await.contains("in sync"));
}
