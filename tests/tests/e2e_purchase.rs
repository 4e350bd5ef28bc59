//! A customer's purchase over real HTTP against the local host: checkout page → order →
//! Pesapal sandbox stand-in pay page → IPN → voucher on the callback page → Connect.

use reqwest::StatusCode;
use tiketi_core::domain::voucher::VoucherStatus;
use tiketi_tests::app::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_buys_a_voucher_and_sees_it_on_the_callback_page() {
    let app = spawn_app().await;
    // The router's login page links to the checkout with the device's MAC and login URL.
    let page = app.get(&app.host.demo_checkout_url()).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    for (name, price) in [
        ("1 Hour WiFi", "KES 50"),
        ("2 Hours", "KES 80"),
        ("1 Day", "KES 200"),
        ("1 GB", "KES 100"),
        ("5 GB", "KES 400"),
        ("10 GB", "KES 700"),
        ("Weekly Pass", "KES 1,000"),
        ("Monthly Pass", "KES 3,000"),
    ] {
        assert!(
            html.contains(name) && html.contains(price),
            "{name} {price} listed"
        );
    }

    let placed = app.place_order("1h", "0712 345 678").await;
    let pay_page = app.get(&placed.pay_url).await.text().await.unwrap();
    assert!(
        pay_page.contains("50"),
        "the pay page shows the stored price"
    );

    let callback = app.click_on_pay_page(&placed, "pay").await;
    assert!(
        callback.contains(&placed.order_id) && callback.contains("OrderTrackingId="),
        "{callback}"
    );
    let voucher = app.assert_exactly_one_voucher(&placed.order_id).await;
    assert_eq!(voucher.status, VoucherStatus::Unused);
    assert_eq!(voucher.terms.price.minor(), 5_000);
    assert_eq!(voucher.phone.as_deref(), Some("254712345678"));

    let page = app.get(&callback).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&voucher.code),
        "the callback page shows the voucher"
    );
    assert!(
        html.contains(&format!(r#"action="{}""#, app.url("/demo-router/login"))),
        "Connect posts to the router"
    );

    // Connect: the router's login page accepts the code.
    let login = app
        .post_form(
            "/demo-router/login",
            &[("username", &voucher.code), ("password", &voucher.code)],
        )
        .await;
    assert!(
        login
            .text()
            .await
            .unwrap()
            .contains("Connected with voucher")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_callback_page_waits_while_the_ipn_is_late_then_shows_the_voucher() {
    let app = spawn_app().await;
    let placed = app.place_order("5gb", "0722000111").await;
    let order_page = format!("/checkout/demo/orders/{}", placed.order_id);

    let waiting = app.get(&order_page).await.text().await.unwrap();
    assert!(
        waiting.contains("Waiting for your payment") && waiting.contains(r#"http-equiv="refresh""#)
    );

    // Paid at Pesapal, but the IPN never comes: the page's own status check finds it.
    app.sandbox()
        .complete(&placed.tracking_id, false)
        .await
        .unwrap();
    let mut html = String::new();
    for _ in 0..50 {
        html = app.get(&order_page).await.text().await.unwrap();
        if html.contains("data-voucher") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let voucher = app.assert_exactly_one_voucher(&placed.order_id).await;
    assert!(html.contains(&voucher.code), "{html}");
    assert!(app.sandbox().ipn_deliveries().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_payment_offers_a_retry_and_issues_nothing() {
    let app = spawn_app().await;
    let placed = app.place_order("1d", "0712345678").await;
    let callback = app.click_on_pay_page(&placed, "fail").await;
    let html = app.get(&callback).await.text().await.unwrap();
    assert!(
        html.contains("Payment not completed") && html.contains("Try again"),
        "{html}"
    );
    app.assert_no_voucher(&placed.order_id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swahili_browsers_get_swahili_pages_and_can_switch() {
    let app = spawn_app().await;
    let answer = app
        .http
        .get(app.url("/checkout/demo/demo-router"))
        .header("accept-language", "sw-KE,sw;q=0.9,en;q=0.8")
        .send()
        .await
        .unwrap();
    let html = answer.text().await.unwrap();
    assert!(
        html.contains(r#"<html lang="sw">"#)
            && html.contains("Chagua kifurushi")
            && html.contains("saa 1")
    );
    assert!(html.contains("lang=en"), "a link switches to English");
    let english = app
        .get("/checkout/demo/demo-router?lang=en")
        .await
        .text()
        .await
        .unwrap();
    assert!(english.contains("Choose a package"));

    // Refusals read in Swahili too (with the detail), on the order form and its error page.
    let form = |phone: &'static str, email: &'static str| {
        vec![
            ("ticket_type_id", "1h"),
            ("phone", phone),
            ("email", email),
            ("lang", "sw"),
        ]
    };
    let bad_phone = app
        .post_form("/checkout/demo/demo-router", &form("12", ""))
        .await;
    assert_eq!(bad_phone.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad_phone
            .text()
            .await
            .unwrap()
            .contains("Hiyo si nambari ya simu")
    );
    let bad_email = app
        .post_form(
            "/checkout/demo/demo-router",
            &form("0712345678", "not-an-email"),
        )
        .await;
    assert_eq!(bad_email.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = bad_email.text().await.unwrap();
    assert!(
        html.contains("Hatukuweza kukubali hili") && html.contains(r#"<html lang="sw">"#),
        "{html}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_gets_the_voucher_back_by_phone_and_code() {
    let app = spawn_app().await;
    let (placed, voucher) = app.buy("1gb", "0733444555").await;
    let order = app.order(&placed.order_id).await;
    let receipt = order
        .confirmation_code
        .clone()
        .expect("the M-Pesa receipt is stored");

    for code in [receipt.to_lowercase(), order.code.clone()] {
        let found = app
            .post_form(
                "/checkout/demo/recover",
                &[("phone", "+254 733 444 555"), ("code", &code)],
            )
            .await;
        assert_eq!(found.status(), StatusCode::OK);
        assert!(found.text().await.unwrap().contains(&voucher.code));
    }
    let wrong_phone = app
        .post_form(
            "/checkout/demo/recover",
            &[("phone", "0700000000"), ("code", &receipt)],
        )
        .await;
    assert_eq!(wrong_phone.status(), StatusCode::NOT_FOUND);
    assert!(!wrong_phone.text().await.unwrap().contains(&voucher.code));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_phone_number_is_explained_and_creates_no_order() {
    let app = spawn_app().await;
    let answer = app.submit_checkout("1h", "12345").await;
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        answer
            .text()
            .await
            .unwrap()
            .contains("That is not a phone number")
    );
    assert!(app.sandbox().orders().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_hotspots_and_orders_are_404_pages() {
    let app = spawn_app().await;
    for path in [
        "/checkout/nobody/demo-router",
        "/checkout/demo/nope",
        "/checkout/demo/orders/01JDQ7Z8X1V9K3M2N4P5Q6R7S8",
        "/checkout/de%23mo/demo-router",
    ] {
        let answer = app.get(path).await;
        assert_eq!(answer.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purchases_work_after_a_restart_on_the_same_data_directory() {
    let data_dir = tempfile::tempdir().unwrap();
    let first = tiketi_tests::app::spawn_app_in(data_dir.path(), 0).await;
    let port = first.host.addr.port();
    let placed = first.place_order("1h", "0712345678").await;
    first.click_on_pay_page(&placed, "pay").await;
    let voucher = first.assert_exactly_one_voucher(&placed.order_id).await;
    drop(first);

    // Same URL, but a fresh stand-in that knows nothing of the stored IPN registration:
    // Pesapal refuses the stored notification id, and Tiketi registers again.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let second = tiketi_tests::app::spawn_app_in(data_dir.path(), port).await;
    let placed = second.place_order("2h", "0712345678").await;
    second.click_on_pay_page(&placed, "pay").await;
    second.assert_exactly_one_voucher(&placed.order_id).await;
    assert_eq!(
        second.sandbox().ipn_registrations().len(),
        1,
        "registered again after the refusal"
    );
    let (_, kept) = second
        .host
        .tiketi
        .order_with_voucher("demo", &voucher_order(&second, &voucher.code).await)
        .await
        .unwrap();
    assert_eq!(
        kept.unwrap().code,
        voucher.code,
        "the first voucher survived the restart"
    );
}

async fn voucher_order(app: &tiketi_tests::app::TestApp, code: &str) -> String {
    let voucher = app
        .host
        .tiketi
        .store
        .voucher("demo", code)
        .await
        .unwrap()
        .expect("voucher kept");
    match voucher.origin {
        tiketi_core::domain::voucher::Origin::Sale { order_id } => order_id,
        other => panic!("unexpected origin {other:?}"),
    }
}
