//! The customer's balance page: a voucher's status and what is left, by its code typed any
//! way, in English and Swahili; nothing of another operator's; rate-limited per client.

use reqwest::StatusCode;
use tiketi_tests::{
    app::{TestApp, spawn_app},
    portal::{PortalUser, demo_owner, location},
};

async fn make_voucher(owner: &PortalUser) -> String {
    let made = owner
        .post(
            "/portal/vouchers/new",
            &[
                ("ticket_type_id", "1d"),
                ("router_id", "demo-router"),
                ("length", "10"),
            ],
        )
        .await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    location(&made).rsplit('/').next().unwrap().to_owned()
}

async fn balance(app: &TestApp, operator: &str, query: &str) -> (StatusCode, String) {
    let answer = app
        .get(&format!("/checkout/{operator}/balance{query}"))
        .await;
    (answer.status(), answer.text().await.unwrap())
}

#[tokio::test]
async fn a_voucher_shows_its_status_and_what_is_left_in_both_languages() {
    let app = spawn_app().await;
    let owner = demo_owner(&app, "balance@demo.example").await;
    let code = make_voucher(&owner).await;

    let (status, form) = balance(&app, "demo", "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("name=\"code\""), "{form}");

    // Typed in lower case with a space and a dash: the same voucher.
    let typed = format!("{}-{} {}", &code[..3], &code[3..6], &code[6..]).to_lowercase();
    let (status, page) = balance(&app, "demo", &format!("?code={typed}&lang=en")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("data-status=\"unused\""), "{page}");
    assert!(page.contains("Not used yet"), "{page}");
    assert!(page.contains("id=\"time-left\">1 d 0 h<"), "{page}");
    assert!(!page.contains("id=\"cannot-log-in\""));
    let (_, swahili) = balance(&app, "demo", &format!("?code={code}&lang=sw")).await;
    assert!(swahili.contains("Bado haijatumika"), "{swahili}");

    // Cancelled: it says so, and that it cannot connect.
    let cancel = owner
        .post(
            &format!("/portal/vouchers/{code}/cancel"),
            &[("reason", "refunded")],
        )
        .await;
    assert!(cancel.status().is_redirection() || cancel.status().is_success());
    let (_, page) = balance(&app, "demo", &format!("?code={code}")).await;
    assert!(page.contains("data-status=\"cancelled\""), "{page}");
    assert!(page.contains("id=\"cannot-log-in\""), "{page}");

    // An unknown code, and another operator's code, find nothing.
    let (status, page) = balance(&app, "demo", "?code=NOSUCHCODE1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("No voucher of this hotspot has this code"),
        "{page}"
    );
    let other = PortalUser::sign_up(&app, "Other Hotspot", "other@example.com").await;
    let other_op = {
        let email = tiketi_core::domain::account::Email::parse("other@example.com").unwrap();
        app.host
            .tiketi
            .store
            .user_by_email(&email)
            .await
            .unwrap()
            .unwrap()
            .operator_id
    };
    drop(other);
    let (_, page) = balance(&app, &other_op, &format!("?code={code}")).await;
    assert!(!page.contains("data-status"), "{page}");
    assert!(page.contains("Other Hotspot"));
}

#[tokio::test]
async fn guessing_codes_from_one_client_is_stopped() {
    let app = spawn_app().await;
    let limit = tiketi_core::domain::rate_limit::BALANCE_PER_CLIENT.limit;
    for i in 0..limit {
        let (status, _) = balance(&app, "demo", &format!("?code=GUESS{i:05}")).await;
        assert_eq!(status, StatusCode::OK, "guess {i}");
    }
    let answer = app.get("/checkout/demo/balance?code=GUESS99999").await;
    assert_eq!(answer.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = answer.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=600).contains(&wait), "{wait}");
    assert!(answer.text().await.unwrap().contains("Too many tries"));
    // The form itself costs nothing and stays open.
    assert_eq!(balance(&app, "demo", "").await.0, StatusCode::OK);
}

async fn recover(app: &TestApp, order_code: &str) -> String {
    app.post_form(
        "/checkout/demo/recover",
        &[
            ("phone", "0712345678"),
            ("code", order_code),
            ("lang", "en"),
        ],
    )
    .await
    .text()
    .await
    .unwrap()
}

#[tokio::test]
async fn a_recovered_voucher_that_cannot_connect_offers_no_connect_button() {
    let app = spawn_app().await;
    let ticket = app.host.demo.ticket_type_ids[0].clone();
    let (placed, voucher) = app.buy(&ticket, "0712345678").await;
    let order = app.order(&placed.order_id).await;
    let page = recover(&app, &order.code).await;
    assert!(page.contains("data-status=\"unused\""), "{page}");
    assert!(
        page.contains("name=\"username\""),
        "a usable voucher connects"
    );
    assert!(page.contains(&format!("/checkout/demo/balance?code={}", voucher.code)));

    let owner = demo_owner(&app, "recover@demo.example").await;
    owner
        .post(
            &format!("/portal/vouchers/{}/cancel", voucher.code),
            &[("reason", "refunded")],
        )
        .await;
    let page = recover(&app, &order.code).await;
    assert!(page.contains("id=\"cannot-log-in\""), "{page}");
    assert!(
        !page.contains("name=\"username\""),
        "no Connect for a cancelled voucher"
    );
    let order_page = app
        .get(&format!("/checkout/demo/orders/{}", placed.order_id))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        order_page.contains("data-status=\"cancelled\""),
        "{order_page}"
    );
    assert!(!order_page.contains("name=\"username\""));
}
