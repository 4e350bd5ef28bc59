//! Settings, routers and ticket types in the portal, as an owner sets a business up.

use reqwest::StatusCode;
use tiketi_tests::{app::spawn_app, portal::PortalUser};

const HOSTILE: &str = r#"<script>alert("x")</script> $(id) \ 'q'"#;

#[tokio::test]
async fn an_owner_sets_up_a_router_and_ticket_types_that_the_checkout_sells() {
    let app = spawn_app().await;
    let owner = PortalUser::sign_up(&app, "Kibanda WiFi", "kibanda@example.com").await;
    let router_id = owner.add_router("Main shop").await;
    let router_page = owner.page(&format!("/portal/routers/{router_id}")).await;
    assert!(
        router_page.contains("never"),
        "not reported yet: {router_page}"
    );

    let answer = owner
        .add_ticket_type("2 Hours", &[("amount", "2"), ("price", "30")])
        .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let answer = owner
        .add_ticket_type(
            "5 GB Month",
            &[
                ("kind", "data"),
                ("amount", "5"),
                ("unit", "GB"),
                ("price", "450"),
                ("validity_amount", "30"),
            ],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let list = owner.page("/portal/ticket-types").await;
    assert!(
        list.contains("2 hours") && list.contains("KES 30"),
        "{list}"
    );
    assert!(list.contains("5 GB") && list.contains("30 days") && list.contains("KES 450"));

    // The customers' checkout of that router offers them.
    let operator_id = owner_operator_id(&app, "kibanda@example.com").await;
    let checkout = app
        .get(&format!("/checkout/{operator_id}/{router_id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        checkout.contains("2 Hours") && checkout.contains("5 GB Month"),
        "{checkout}"
    );

    // The setup script downloads with a fresh router secret.
    let script = owner
        .post(&format!("/portal/routers/{router_id}/setup.rsc"), &[])
        .await;
    assert_eq!(script.status(), StatusCode::OK);
    assert!(
        script.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("tiketi-setup.rsc")
    );
    let script = script.text().await.unwrap();
    assert!(script.contains("/ip hotspot"), "{script}");
    assert!(script.contains(&format!("/routers/{operator_id}/{router_id}/sync")));
}

async fn owner_operator_id(app: &tiketi_tests::app::TestApp, email: &str) -> String {
    let email = tiketi_core::domain::account::Email::parse(email).unwrap();
    app.host
        .tiketi
        .store
        .user_by_email(&email)
        .await
        .unwrap()
        .expect("user")
        .operator_id
}

#[tokio::test]
async fn editing_a_price_is_audited_and_leaves_sold_terms_alone() {
    let app = spawn_app().await;
    let owner = PortalUser::sign_up(&app, "Audit Shop", "audit@example.com").await;
    owner.add_router("Shop").await;
    owner.add_ticket_type("1 Hour", &[]).await;
    let operator_id = owner_operator_id(&app, "audit@example.com").await;
    let store = &app.host.tiketi.store;
    let ticket = store.ticket_types(&operator_id).await.unwrap().remove(0);

    let form = [
        ("name", "1 Hour"),
        ("kind", "time"),
        ("amount", "1"),
        ("unit", "hours"),
        ("price", "60"),
        ("validity_amount", "1"),
        ("validity_unit", "days"),
        ("rate_limit", ""),
        ("shared_users", "2"),
        ("on_checkout", "on"),
        ("sort_order", "0"),
    ];
    let answer = owner
        .post(&format!("/portal/ticket-types/{}", ticket.id), &form)
        .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let changed = store
        .ticket_type(&operator_id, &ticket.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(changed.price.minor(), 6_000);
    assert_eq!(changed.rate_limit, None);
    assert_eq!(changed.shared_users, 2);

    let log = store.audit_log(&operator_id, None, 10).await.unwrap();
    let actions: Vec<&str> = log.iter().map(|(_, e)| e.action.as_str()).collect();
    assert_eq!(actions, ["ticket_type.update", "ticket_type.create"]);
    let update = &log[0].1;
    assert_eq!(update.before.as_ref().unwrap()["price"], 5_000);
    assert_eq!(update.after.as_ref().unwrap()["price"], 6_000);
    assert_eq!(update.actor_name, "Audit Shop");

    let answer = owner
        .post(
            &format!("/portal/ticket-types/{}/archive", ticket.id),
            &[("archived", "1")],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert!(
        store
            .ticket_type(&operator_id, &ticket.id)
            .await
            .unwrap()
            .unwrap()
            .archived
    );
}

#[tokio::test]
async fn ticket_type_and_router_forms_explain_what_is_wrong() {
    let app = spawn_app().await;
    let owner = PortalUser::sign_up(&app, "Picky", "picky@example.com").await;
    for (overrides, expected) in [
        (vec![("price", "0")], "price is more than 0"),
        (vec![("price", "12.345")], "amount like 50"),
        (vec![("rate_limit", "fast")], "speed limit"),
        (vec![("shared_users", "0")], "devices at once"),
        (
            vec![("amount", "3"), ("unit", "days"), ("validity_amount", "1")],
            "validity cannot be shorter",
        ),
        (vec![("name", "")], "Name is required"),
        (vec![("unit", "parsecs")], "choose minutes"),
    ] {
        let answer = owner.add_ticket_type("Bad", &overrides).await;
        assert_eq!(
            answer.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{expected}"
        );
        let html = answer.text().await.unwrap();
        assert!(html.contains(expected), "{expected}: {html}");
    }
    let answer = owner
        .post(
            "/portal/routers/new",
            &[
                ("name", "R"),
                ("hotspot_dns", "login"),
                ("interface", "bridge"),
                ("address", "192.168.88.1"),
                ("pool", "192.168.88.10-192.168.88.254"),
            ],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.text().await.unwrap().contains("DNS name"));
}

#[tokio::test]
async fn free_text_is_rendered_escaped_on_every_page_that_shows_it() {
    let app = spawn_app().await;
    let owner = PortalUser::sign_up(&app, HOSTILE, "xss@example.com").await;
    let router_id = owner.add_router(HOSTILE).await;
    let answer = owner.add_ticket_type(HOSTILE, &[]).await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let operator_id = owner_operator_id(&app, "xss@example.com").await;
    for path in [
        "/portal".to_owned(),
        "/portal/routers".to_owned(),
        format!("/portal/routers/{router_id}"),
        "/portal/ticket-types".to_owned(),
        "/portal/settings".to_owned(),
    ] {
        let html = owner.page(&path).await;
        assert!(!html.contains("<script>alert"), "{path}: {html}");
        assert!(
            html.contains("&lt;script&gt;"),
            "{path} shows the text escaped"
        );
    }
    let checkout = app
        .get(&format!("/checkout/{operator_id}/{router_id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!checkout.contains("<script>alert"), "{checkout}");
}

#[tokio::test]
async fn a_new_price_never_changes_vouchers_already_sold_or_printed() {
    let app = spawn_app().await;
    let owner = tiketi_tests::portal::demo_owner(&app, "prices@demo.example").await;
    let store = &app.host.tiketi.store;
    let old_price = store
        .ticket_type("demo", "1h")
        .await
        .unwrap()
        .unwrap()
        .price;
    let (placed, sold_online) = app.buy("1h", "0712000444").await;
    let batch_id = owner.add_batch("1h", "demo-router", 2).await;
    let printed: Vec<String> = store
        .batch_pages("demo", &batch_id)
        .await
        .unwrap()
        .into_iter()
        .flat_map(|p| p.codes.into_iter().map(|c| c.code))
        .collect();
    let sold_before = owner.post("/portal/sell", &[("code", &printed[0])]).await;
    assert!(sold_before.status().is_success() || sold_before.status().is_redirection());

    let form = [
        ("name", "1 Hour WiFi"),
        ("kind", "time"),
        ("amount", "1"),
        ("unit", "hours"),
        ("price", "80"),
        ("validity_amount", "1"),
        ("validity_unit", "days"),
        ("rate_limit", "5M/5M"),
        ("shared_users", "1"),
        ("on_checkout", "on"),
        ("sort_order", "0"),
    ];
    let answer = owner.post("/portal/ticket-types/1h", &form).await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        store
            .ticket_type("demo", "1h")
            .await
            .unwrap()
            .unwrap()
            .price
            .minor(),
        8_000
    );

    // What was sold online and its sale keep their price.
    let voucher = store
        .voucher("demo", &sold_online.code)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(voucher.terms.price, old_price);
    assert_eq!(app.order(&placed.order_id).await.amount, old_price);
    // A printed voucher sold after the change is sold at the price printed on it.
    let sold_after = owner.post("/portal/sell", &[("code", &printed[1])]).await;
    assert!(sold_after.status().is_success() || sold_after.status().is_redirection());
    let day = app
        .host
        .tiketi
        .business_today("Africa/Nairobi")
        .unwrap()
        .to_string();
    let sales = store.sales_of_day("demo", &day).await.unwrap();
    assert_eq!(sales.len(), 3);
    assert!(sales.iter().all(|s| s.amount == old_price), "{sales:?}");
    // A new sale pays the new price.
    let (_, new_voucher) = app.buy("1h", "0712000555").await;
    assert_eq!(new_voucher.terms.price.minor(), 8_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_currency_is_fixed_once_vouchers_exist() {
    let app = spawn_app().await;
    let settings = |currency| {
        [
            ("business_name", "Mpakani WiFi"),
            ("currency", currency),
            ("time_zone", "Africa/Kampala"),
            ("voucher_code_length", "10"),
            ("gateway_fee", "3.5"),
            ("agent_commission", "10"),
        ]
    };
    // A new business chooses its currency freely (audited).
    let fresh = PortalUser::sign_up(&app, "Mpakani WiFi", "mpakani@example.com").await;
    let saved = fresh.post("/portal/settings", &settings("UGX")).await;
    assert_eq!(saved.status(), StatusCode::OK);
    assert!(fresh.page("/portal/settings").await.contains("UGX"));
    assert!(fresh.page("/portal/audit").await.contains("UGX"));
    // Pool vouchers loaded for its checkout hold no money: they do not fix the currency.
    fresh.add_router("Border post").await;
    let added = fresh
        .add_ticket_type("2 Hours", &[("amount", "2"), ("price", "30")])
        .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    app.host.tiketi.refill_pools().await.unwrap();
    let fresh_op = tiketi_tests::portal::operator_id(&app, "mpakani@example.com").await;
    let counts = app
        .host
        .tiketi
        .store
        .voucher_counts(&fresh_op)
        .await
        .unwrap();
    assert!(counts["POOL"] > 0, "{counts:?}");
    let again = fresh.post("/portal/settings", &settings("KES")).await;
    assert_eq!(again.status(), StatusCode::OK);

    // Once vouchers exist (here, one sold online), their prices and sales stay in KES.
    let owner = tiketi_tests::portal::demo_owner(&app, "owner@demo.example").await;
    app.buy("1h", "0712345678").await;
    let refused = owner.post("/portal/settings", &settings("USD")).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = refused.text().await.unwrap();
    assert!(text.contains("cannot change once vouchers exist"), "{text}");
    let dashboard = owner.page("/portal").await;
    assert!(dashboard.contains("KES") && !dashboard.contains("USD"));
    // Everything else still saves.
    let kept = owner.post("/portal/settings", &settings("KES")).await;
    assert_eq!(kept.status(), StatusCode::OK);
}
