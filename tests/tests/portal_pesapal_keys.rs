//! An operator's own Pesapal keys over HTTP: checked with Pesapal (the sandbox stand-in, which
//! refuses the consumer key `invalid`) and stored sealed, never shown again, audited without
//! the secret, bound to their operator and field, and used for that operator's checkouts.

use std::time::Duration;

use reqwest::StatusCode;
use tiketi_core::{
    domain::order::OrderStatus,
    ports::{Table, table::Item},
    services::ServiceError,
    store::keys,
};
use tiketi_tests::{
    app::{TestApp, spawn_app},
    portal::{PortalUser, location, operator_id},
};

const KEY: &str = "qkio1BGGYAXTu2JOfm7XSXNruoZsrqEW";
const SECRET: &str = "osGQ364R49cXKeOYSpaOnT++rHs=";

async fn owner(app: &TestApp, email: &str) -> (PortalUser, String) {
    let owner = PortalUser::sign_up(app, "Own Keys WiFi", email).await;
    (owner, operator_id(app, email).await)
}

async fn save_keys(owner: &PortalUser, key: &str, secret: &str) -> (StatusCode, String) {
    let answer = owner
        .post(
            "/portal/settings/pesapal",
            &[("consumer_key", key), ("consumer_secret", secret)],
        )
        .await;
    (answer.status(), answer.text().await.unwrap())
}

async fn raw_keys_item(app: &TestApp, op: &str) -> Option<Item> {
    app.host
        .tiketi
        .store
        .table()
        .get(&keys::merchant_keys(op))
        .await
        .unwrap()
}

async fn audit_text(app: &TestApp, op: &str) -> String {
    let log = app
        .host
        .tiketi
        .store
        .audit_log(op, None, 100)
        .await
        .unwrap();
    serde_json::to_string(&log.into_iter().map(|(_, e)| e).collect::<Vec<_>>()).unwrap()
}

#[tokio::test]
async fn keys_are_checked_stored_sealed_and_never_shown_again() {
    let app = spawn_app().await;
    let (owner, op) = owner(&app, "keys@example.com").await;
    let page = owner.page("/portal/settings/pesapal").await;
    assert!(page.contains("Not set"), "{page}");

    let (status, html) = save_keys(&owner, KEY, SECRET).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Pesapal accepted the keys"), "{html}");

    // At rest: neither value appears in the stored item, only the key's last characters.
    let raw = serde_json::to_string(&raw_keys_item(&app, &op).await.unwrap().0).unwrap();
    assert!(!raw.contains(KEY) && !raw.contains(SECRET), "{raw}");
    assert!(
        !raw.contains(&KEY[..8]) && !raw.contains(&SECRET[..8]),
        "{raw}"
    );
    assert!(raw.contains("\"key_ending\":\"rqEW\""), "{raw}");
    // Nor in the audit entry of the change.
    let audit = audit_text(&app, &op).await;
    assert!(audit.contains("pesapal_keys.set"), "{audit}");
    assert!(!audit.contains(KEY) && !audit.contains(SECRET), "{audit}");

    // Pages show that they are set, never what they are.
    for path in ["/portal/settings/pesapal", "/portal/settings"] {
        let page = owner.page(path).await;
        assert!(
            page.contains("rqEW") && page.contains("secret set"),
            "{path}: {page}"
        );
        assert!(
            !page.contains(KEY) && !page.contains(SECRET),
            "{path}: {page}"
        );
        assert!(!page.contains("osGQ364R"), "{path}");
    }
    assert!(
        !html.contains(KEY) && !html.contains(SECRET),
        "nor the answer to the form"
    );

    // Checked with Pesapal, and the operator's IPN URL registered for them at once.
    let ipn = format!("{}/pesapal/ipn/{op}", app.host.base_url);
    let registered = app.sandbox().ipn_registrations();
    assert!(
        registered
            .iter()
            .any(|r| r.consumer_key == KEY && r.url == ipn),
        "{registered:?}"
    );

    // Replacing them is a new submission; clearing forgets them.
    let (status, html) = save_keys(&owner, "second-key-ABCD", "second-secret").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("ABCD") && !html.contains("rqEW"), "{html}");
    let answer = owner.post("/portal/settings/pesapal/clear", &[]).await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(
        answer
            .text()
            .await
            .unwrap()
            .contains("Pesapal keys removed")
    );
    assert!(raw_keys_item(&app, &op).await.is_none());
    let audit = audit_text(&app, &op).await;
    assert_eq!(audit.matches("pesapal_keys.set").count(), 2, "{audit}");
    assert!(audit.contains("pesapal_keys.clear"), "{audit}");
    assert!(
        !audit.contains("second-secret") && !audit.contains("second-key"),
        "{audit}"
    );
}

#[tokio::test]
async fn keys_pesapal_refuses_are_a_form_error_and_nothing_is_kept() {
    let app = spawn_app().await;
    let (owner, op) = owner(&app, "refused@example.com").await;
    let (status, html) = save_keys(&owner, "invalid", "typed-secret-123").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Pesapal refused these keys"), "{html}");
    assert!(
        !html.contains("typed-secret-123"),
        "the secret is not echoed"
    );
    let (status, html) = save_keys(&owner, KEY, "  ").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("enter both"), "{html}");
    let (status, html) = save_keys(&owner, "has space", SECRET).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("no spaces"), "{html}");

    assert!(raw_keys_item(&app, &op).await.is_none());
    assert!(!audit_text(&app, &op).await.contains("pesapal_keys"));
    assert!(
        owner
            .page("/portal/settings/pesapal")
            .await
            .contains("Not set")
    );
}

#[tokio::test]
async fn sealed_keys_open_only_for_their_operator_and_field() {
    let app = spawn_app().await;
    let (victim, victim_op) = owner(&app, "victim@example.com").await;
    let (_, thief_op) = owner(&app, "thief@example.com").await;
    let (status, _) = save_keys(&victim, KEY, SECRET).await;
    assert_eq!(status, StatusCode::OK);
    let tiketi = &app.host.tiketi;
    let account = tiketi.merchant_for(&victim_op).await.unwrap();
    assert_eq!(
        (
            account.consumer_key.as_str(),
            account.consumer_secret.as_str()
        ),
        (KEY, SECRET)
    );

    // The victim's item copied whole under the thief's key (its operator_id field unchanged).
    let mut copied = raw_keys_item(&app, &victim_op).await.unwrap();
    let thief_key = keys::merchant_keys(&thief_op);
    copied.0.insert("pk".into(), thief_key.pk.clone().into());
    let write = tiketi_core::ports::table::Write::put(copied.clone());
    tiketi.store.table().write(write).await.unwrap();
    let opened = tiketi.merchant_for(&thief_op).await;
    assert!(matches!(opened, Err(ServiceError::Sealed(_))), "{opened:?}");

    // The secret's ciphertext in the key's field (and the other way round).
    let mut swapped = raw_keys_item(&app, &victim_op).await.unwrap();
    let (key, secret) = (
        swapped.0["consumer_key"].clone(),
        swapped.0["consumer_secret"].clone(),
    );
    swapped.0.insert("consumer_key".into(), secret);
    swapped.0.insert("consumer_secret".into(), key);
    let write = tiketi_core::ports::table::Write::put(swapped);
    tiketi.store.table().write(write).await.unwrap();
    let opened = tiketi.merchant_for(&victim_op).await;
    assert!(matches!(opened, Err(ServiceError::Sealed(_))), "{opened:?}");
}

/// Places an order at the operator's router through the checkout; its sandbox tracking id.
async fn checkout(app: &TestApp, op: &str, router: &str, ticket_type: &str) -> String {
    let answer = app
        .post_form(
            &format!("/checkout/{op}/{router}"),
            &[
                ("ticket_type_id", ticket_type),
                ("phone", "0712345678"),
                ("email", ""),
                ("lang", "en"),
            ],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    location_of(&answer).rsplit('/').next().unwrap().to_owned()
}

fn location_of(answer: &reqwest::Response) -> String {
    answer.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_operators_checkout_pays_into_its_own_account() {
    let app = spawn_app().await;
    let (owner, op) = owner(&app, "shop@example.com").await;
    let router = owner.add_router("Shop Router").await;
    let answer = owner.add_ticket_type("Shop Hour", &[]).await;
    assert_eq!(
        answer.status(),
        StatusCode::SEE_OTHER,
        "{}",
        location(&answer)
    );
    let ticket_type = app.host.tiketi.store.ticket_types(&op).await.unwrap()[0]
        .id
        .clone();
    let (status, _) = save_keys(&owner, KEY, SECRET).await;
    assert_eq!(status, StatusCode::OK);

    let tracking_id = checkout(&app, &op, &router, &ticket_type).await;
    let sandbox = app.sandbox();
    let order = sandbox
        .orders()
        .into_iter()
        .find(|o| o.tracking_id == tracking_id)
        .unwrap();
    assert_eq!(
        order.consumer_key, KEY,
        "the operator's own merchant account"
    );
    let ipn = sandbox
        .ipn_registrations()
        .into_iter()
        .find(|r| r.ipn_id == order.notification_id)
        .unwrap();
    assert_eq!(ipn.consumer_key, KEY);

    // The payment is then checked with the same keys, and the voucher issued.
    sandbox.complete(&tracking_id, true).await.unwrap();
    let order_id = tiketi_core::domain::order::Order::id_from_reference(&order.merchant_reference)
        .unwrap()
        .to_owned();
    let mut status = None;
    for _ in 0..100 {
        let (order, voucher) = app
            .host
            .tiketi
            .order_with_voucher(&op, &order_id)
            .await
            .unwrap();
        status = Some(order.status);
        if voucher.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, Some(OrderStatus::Fulfilled));

    // Without keys, the local host falls back to the sandbox stand-in's own account.
    owner.post("/portal/settings/pesapal/clear", &[]).await;
    let tracking_id = checkout(&app, &op, &router, &ticket_type).await;
    let order = sandbox
        .orders()
        .into_iter()
        .find(|o| o.tracking_id == tracking_id)
        .unwrap();
    assert_eq!(order.consumer_key, tiketi_local::host::SANDBOX_MERCHANT_KEY);
}
