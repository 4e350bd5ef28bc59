//! Router authentication: a router is recognised only by its own, current secret.

use tiketi_core::services::ServiceError;
use tiketi_core::services::routers::ReportPage;
use tiketi_core::store::keys::LiveLane;
use tiketi_tests::app::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routers_are_recognised_only_by_their_current_secret() {
    let app = spawn_app().await;
    let tiketi = &app.host.tiketi;
    let unauthorized = |r: Result<_, ServiceError>| matches!(r, Err(ServiceError::Unauthorized));

    // No secret issued yet: nothing works.
    assert!(unauthorized(
        tiketi.authenticate_router("demo", "demo-router", "").await
    ));

    let first = tiketi
        .rotate_router_secret("demo", "demo-router")
        .await
        .unwrap();
    let router = tiketi
        .authenticate_router("demo", "demo-router", first.expose())
        .await
        .unwrap();
    assert_eq!(router.id, "demo-router");
    let stored = app.demo_router().await;
    assert!(
        !stored
            .secret_digest
            .as_deref()
            .unwrap()
            .contains(first.expose()),
        "only a digest is stored"
    );

    // A second router of the same operator, and another operator's router of the same id.
    let mut second = stored.clone();
    second.id = "second-router".into();
    second.secret_digest = None;
    tiketi.store.put_router(&second).await.unwrap();
    let second_secret = tiketi
        .rotate_router_secret("demo", "second-router")
        .await
        .unwrap();
    assert!(unauthorized(
        tiketi
            .authenticate_router("demo", "demo-router", second_secret.expose())
            .await
    ));
    assert!(unauthorized(
        tiketi
            .authenticate_router("demo", "second-router", first.expose())
            .await
    ));
    assert!(unauthorized(
        tiketi
            .authenticate_router("other", "demo-router", first.expose())
            .await
    ));
    assert!(unauthorized(
        tiketi
            .authenticate_router("demo", "no-such-router", first.expose())
            .await
    ));

    // Rotation: the old secret stops working at once.
    let rotated = tiketi
        .rotate_router_secret("demo", "demo-router")
        .await
        .unwrap();
    assert!(unauthorized(
        tiketi
            .authenticate_router("demo", "demo-router", first.expose())
            .await
    ));
    assert!(
        tiketi
            .authenticate_router("demo", "demo-router", rotated.expose())
            .await
            .is_ok()
    );

    // An edit of the router read before a rotation and saved after it changes only what it
    // edits: the rotated secret stays the only one that works.
    let mut stale = app.demo_router().await;
    let latest = tiketi
        .rotate_router_secret("demo", "demo-router")
        .await
        .unwrap();
    stale.name = "Renamed meanwhile".into();
    tiketi.store.update_router_details(&stale).await.unwrap();
    assert_eq!(app.demo_router().await.name, "Renamed meanwhile");
    assert!(unauthorized(
        tiketi
            .authenticate_router("demo", "demo-router", rotated.expose())
            .await
    ));
    assert!(
        tiketi
            .authenticate_router("demo", "demo-router", latest.expose())
            .await
            .is_ok()
    );
    // Neither a rotation nor an edit creates a router that does not exist.
    assert!(matches!(
        tiketi.rotate_router_secret("demo", "no-such-router").await,
        Err(ServiceError::NotFound(_))
    ));
    stale.id = "no-such-router".into();
    assert!(tiketi.store.update_router_details(&stale).await.is_err());
    assert!(
        tiketi
            .store
            .router("demo", "no-such-router")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_router_holds_exactly_its_live_vouchers() {
    let app = spawn_app().await;
    let mut codes = Vec::new();
    for ticket in ["1h", "1gb", "1d"] {
        let (placed, voucher) = app.buy(ticket, "0712345678").await;
        codes.push((placed, voucher.code));
    }
    let store = &app.host.tiketi.store;
    let live = |after: Option<String>, limit| async move {
        let page = store.router_live_vouchers(
            "demo",
            "demo-router",
            LiveLane::Buyers,
            after.as_deref(),
            limit,
        );
        page.await
            .unwrap()
            .into_iter()
            .map(|v| v.code)
            .collect::<Vec<_>>()
    };
    // Live, in the buyers' lane: every sold voucher (and the pool), in code order.
    let all = live(None, 1000).await;
    assert!(
        codes.iter().all(|(_, c)| all.contains(c)),
        "every sold voucher is live"
    );
    assert!(all.windows(2).all(|w| w[0] < w[1]), "in code order");
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = live(after, 7).await;
        after = page.last().cloned();
        let done = page.len() < 7;
        paged.extend(page);
        if done {
            break;
        }
    }
    assert_eq!(paged, all, "paged by code");
    assert!(
        tiketi_tests::live_vouchers(store, "demo", "another-router")
            .await
            .is_empty()
    );

    // A reversed payment cancels its unused voucher: the router must drop it.
    let (reversed, reversed_code) = &codes[1];
    app.sandbox()
        .reverse(&reversed.tracking_id, true)
        .await
        .unwrap();
    let remaining = live(None, 1000).await;
    assert!(!remaining.contains(reversed_code));
    assert_eq!(remaining.len(), all.len() - 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_reports_activate_use_up_and_are_idempotent() {
    use tiketi_core::domain::voucher::VoucherStatus;
    let app = spawn_app().await;
    let tiketi = &app.host.tiketi;
    let placed = app.place_order("1gb", "0712345678").await; // 1 GB, valid 7 days
    app.click_on_pay_page(&placed, "pay").await;
    let code = app.assert_exactly_one_voucher(&placed.order_id).await.code;
    let router = app.demo_router().await;

    // Not yet used: nothing changes, but the router's inventory is known.
    let quiet = tiketi
        .record_usage(&router, &format!("{code},0s,0,0\n"), ReportPage::WHOLE)
        .await
        .unwrap();
    assert_eq!((quiet.users, quiet.updated), (1, 0));
    let inventory = tiketi
        .store
        .router_inventory("demo", "demo-router")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(inventory.users, std::slice::from_ref(&code));

    // First login (v7 duration format): active, valid 7 days from now.
    let body = format!("{code},1h2m3s,100000000,50000000\nNOTOURS123,5m,1,1\nbroken\n");
    let first = tiketi
        .record_usage(&router, &body, ReportPage::WHOLE)
        .await
        .unwrap();
    assert_eq!(
        (first.updated, first.foreign, first.unreadable_lines),
        (1, 1, 1)
    );
    let voucher = tiketi.store.voucher("demo", &code).await.unwrap().unwrap();
    assert_eq!(voucher.status, VoucherStatus::Active);
    let (activated, expires) = (voucher.activated_at.unwrap(), voucher.expires_at.unwrap());
    assert_eq!(expires.duration_since(activated).as_secs(), 7 * 86_400);
    assert_eq!(voucher.usage.bytes_used, 150_000_000);

    // The same report again changes nothing (v6 duration format this time).
    let again = tiketi
        .record_usage(
            &router,
            &format!("{code},01:02:03,100000000,50000000\n"),
            ReportPage::WHOLE,
        )
        .await
        .unwrap();
    assert_eq!(again.updated, 0);
    let same = tiketi.store.voucher("demo", &code).await.unwrap().unwrap();
    assert_eq!(
        same.activated_at,
        Some(activated),
        "activation is not moved by later reports"
    );

    // Quota reached: used up, and the router must drop it.
    tiketi
        .record_usage(
            &router,
            &format!("{code},3h,700000000,300000000\n"),
            ReportPage::WHOLE,
        )
        .await
        .unwrap();
    let used = tiketi.store.voucher("demo", &code).await.unwrap().unwrap();
    assert_eq!(used.status, VoucherStatus::UsedUp);
    let live = tiketi_tests::live_vouchers(&tiketi.store, "demo", "demo-router").await;
    assert!(
        !live.iter().any(|v| v.code == code),
        "a used-up voucher leaves the router"
    );
    let history = tiketi
        .store
        .voucher_usage_history("demo", &code)
        .await
        .unwrap();
    assert_eq!(history.len(), 2, "one snapshot per change");

    // Another router of the operator cannot report this voucher.
    let mut other = router.clone();
    other.id = "other-router".into();
    let foreign = tiketi
        .record_usage(&other, &format!("{code},9h,1,1\n"), ReportPage::WHOLE)
        .await
        .unwrap();
    assert_eq!((foreign.foreign, foreign.updated), (1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_endpoint_accepts_only_the_routers_own_secret() {
    use reqwest::StatusCode;
    let app = spawn_app().await;
    let tiketi = &app.host.tiketi;
    let (_, code) = app.buy("1h", "0712345678").await;
    let code = code.code;
    let secret = tiketi
        .rotate_router_secret("demo", "demo-router")
        .await
        .unwrap();
    let mut other = app.demo_router().await;
    other.id = "other-router".into();
    tiketi.store.put_router(&other).await.unwrap();
    let other_secret = tiketi
        .rotate_router_secret("demo", "other-router")
        .await
        .unwrap();

    let post = |path: &str, secret: Option<&str>, body: String| {
        let mut request = app
            .http
            .post(app.url(path))
            .header("content-type", "text/plain")
            .body(body);
        if let Some(secret) = secret {
            request = request.header("X-Tiketi-Router-Secret", secret);
        }
        request.send()
    };
    let report = format!("{code},10m,1000,2000\n");
    let path = "/routers/demo/demo-router/report";
    for (secret, why) in [
        (None, "no secret"),
        (Some("wrong"), "wrong secret"),
        (Some(other_secret.expose()), "another router's secret"),
    ] {
        let answer = post(path, secret, report.clone()).await.unwrap();
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED, "{why}");
        assert_eq!(answer.text().await.unwrap(), "unauthorized");
    }
    let wrong_operator = post(
        "/routers/other/demo-router/report",
        Some(secret.expose()),
        report.clone(),
    )
    .await
    .unwrap();
    assert_eq!(wrong_operator.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        tiketi
            .store
            .voucher("demo", &code)
            .await
            .unwrap()
            .unwrap()
            .usage
            .bytes_used,
        0,
        "nothing applied"
    );

    let answer = post(path, Some(secret.expose()), report.clone())
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(
        answer.text().await.unwrap(),
        "ok users=1 updated=1 ignored=0"
    );
    assert_eq!(
        tiketi
            .store
            .voucher("demo", &code)
            .await
            .unwrap()
            .unwrap()
            .usage
            .bytes_used,
        3000
    );

    let too_big = post(path, Some(secret.expose()), "x".repeat(70 * 1024))
        .await
        .unwrap();
    assert_eq!(too_big.status(), StatusCode::PAYLOAD_TOO_LARGE);

    tiketi
        .rotate_router_secret("demo", "demo-router")
        .await
        .unwrap();
    let rotated = post(path, Some(secret.expose()), report).await.unwrap();
    assert_eq!(
        rotated.status(),
        StatusCode::UNAUTHORIZED,
        "a rotated secret stops working at once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paged_report_becomes_the_inventory_once_complete() {
    let app = spawn_app().await;
    let tiketi = &app.host.tiketi;
    let router = app.demo_router().await;
    let inventory = || async {
        tiketi
            .store
            .router_inventory("demo", "demo-router")
            .await
            .unwrap()
            .unwrap()
            .users
    };
    tiketi
        .record_usage(&router, "OLD1234567,0s,0,0\n", ReportPage::WHOLE)
        .await
        .unwrap();
    let first = ReportPage {
        number: 1,
        last: false,
    };
    tiketi
        .record_usage(&router, "AAAA234567,0s,0,0\n", first)
        .await
        .unwrap();
    assert_eq!(
        inventory().await,
        ["OLD1234567"],
        "an incomplete report changes nothing yet"
    );
    let second = ReportPage {
        number: 2,
        last: true,
    };
    tiketi
        .record_usage(&router, "BBBB234567,0s,0,0\n", second)
        .await
        .unwrap();
    assert_eq!(inventory().await, ["AAAA234567", "BBBB234567"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_names_must_match_voucher_codes_exactly() {
    let app = spawn_app().await;
    let tiketi = &app.host.tiketi;
    let (_, code) = app.buy("1h", "0712345678").await;
    let code = code.code;
    let router = app.demo_router().await;
    let spelled = format!("{}-{}", code[..4].to_lowercase(), &code[4..]);
    let outcome = tiketi
        .record_usage(&router, &format!("{spelled},5m,1,1\n"), ReportPage::WHOLE)
        .await
        .unwrap();
    assert_eq!((outcome.foreign, outcome.updated), (1, 0));
    assert_eq!(
        tiketi
            .store
            .voucher("demo", &code)
            .await
            .unwrap()
            .unwrap()
            .status,
        tiketi_core::domain::voucher::VoucherStatus::Unused
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_router_pages_show_its_licence_clock_and_sync_status() {
    let app = spawn_app().await;
    let owner = tiketi_tests::portal::demo_owner(&app, "facts@demo.example").await;
    let router = app.demo_router().await;
    app.host
        .tiketi
        .rotate_router_secret("demo", "demo-router")
        .await
        .unwrap();
    let page = owner.page("/portal/routers").await;
    assert!(page.contains("never"), "no report yet: {page}");

    // A level-4 licence and a clock stuck at its boot date.
    let body = "#router,6.49.10 (long-term),4,jan/02/1970,00:05:00\n";
    app.host
        .tiketi
        .record_usage(&router, body, ReportPage::WHOLE)
        .await
        .unwrap();
    let list = owner.page("/portal/routers").await;
    assert!(list.contains("up to 200 active users"), "{list}");
    assert!(list.contains("syncing"), "{list}");
    let detail = owner.page("/portal/routers/demo-router").await;
    assert!(detail.contains("6.49.10 (long-term)"), "{detail}");
    assert!(
        detail.contains("not set (jan/02/1970 00:05:00)"),
        "the clock is flagged: {detail}"
    );

    // A small licence is a warning.
    let body = "#router,7.16.1 (stable),3,2026-12-04,12:00:00\n";
    app.host
        .tiketi
        .record_usage(&router, body, ReportPage::WHOLE)
        .await
        .unwrap();
    let detail = owner.page("/portal/routers/demo-router").await;
    assert!(
        detail.contains(r#"<span class="warn">1 active user"#),
        "{detail}"
    );
}
