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
        !stored.secret_digest.as_deref().unwrap().contains(first.expose()),
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
