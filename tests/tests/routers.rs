//! Router authentication: a router is recognised only by its own, current secret.

use tiketi_core::services::ServiceError;
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
    let stored = tiketi
        .store
        .router("demo", "demo-router")
        .await
        .unwrap()
        .unwrap();
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_router_holds_exactly_its_live_vouchers() {
    let app = spawn_app().await;
    let mut codes = Vec::new();
    for ticket in ["1h", "1gb", "1d"] {
        let placed = app.place_order(ticket, "0712345678").await;
        app.click_on_pay_page(&placed, "pay").await;
        let voucher = app.assert_exactly_one_voucher(&placed.order_id).await;
        codes.push((placed, voucher.code));
    }
    let store = &app.host.tiketi.store;
    let live = |after: Option<String>, limit| async move {
        let page = store.router_live_vouchers("demo", "demo-router", after.as_deref(), limit);
        page.await
            .unwrap()
            .into_iter()
            .map(|v| v.code)
            .collect::<Vec<_>>()
    };
    let mut expected: Vec<String> = codes.iter().map(|(_, c)| c.clone()).collect();
    expected.sort();
    assert_eq!(
        live(None, 10).await,
        expected,
        "every sold voucher, in code order"
    );
    let first_page = live(None, 2).await;
    let second_page = live(first_page.last().cloned(), 2).await;
    assert_eq!(
        [first_page, second_page].concat(),
        expected,
        "paged by code"
    );
    assert!(live(None, 10).await.iter().all(|c| !c.is_empty()));
    assert!(
        store
            .router_live_vouchers("demo", "another-router", None, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // A reversed payment cancels its unused voucher: the router must drop it.
    let (reversed, reversed_code) = &codes[1];
    app.sandbox()
        .reverse(&reversed.tracking_id, true)
        .await
        .unwrap();
    let remaining = live(None, 10).await;
    assert!(!remaining.contains(reversed_code));
    assert_eq!(remaining.len(), 2);
}
