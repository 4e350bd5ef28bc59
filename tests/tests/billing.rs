//! Plans and billing end to end on the local host: sign-up on a plan starts a trial with its
//! first invoice, limits refuse what goes beyond them (portal and API) without breaking what
//! exists, the invoice is paid through the Pesapal stand-in into the platform's account
//! exactly once, and an unpaid operator is restricted until it pays.

use reqwest::StatusCode;
use tiketi_core::{
    domain::{
        audit::AuditEntry,
        invoice::{InvoiceAttempt, InvoiceStatus},
        money::Money,
        plan::default_plans,
        subscription::SubscriptionStatus,
    },
    services::billing::PLATFORM_BILLING_ID,
};
use tiketi_tests::{
    app::{TestApp, spawn_app},
    portal::{PortalUser, location},
};

async fn operator_id(app: &TestApp, email: &str) -> String {
    let email = tiketi_core::domain::account::Email::parse(email).unwrap();
    app.host
        .tiketi
        .store
        .user_by_email(&email)
        .await
        .unwrap()
        .unwrap()
        .operator_id
}

/// Pays the operator's open invoice on the stand-in's page (`action`: pay, fail, cancel);
/// returns the attempt's reference and tracking id, and where the browser lands.
async fn pay_on_stand_in(
    app: &TestApp,
    owner: &PortalUser,
    number: u64,
    action: &str,
) -> (String, String, String) {
    let answer = owner
        .post(&format!("/portal/plan/invoices/{number}/pay"), &[])
        .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let pay_url = location(&answer);
    let tracking_id = pay_url.rsplit('/').next().unwrap().to_owned();
    let order = app
        .sandbox()
        .orders()
        .into_iter()
        .find(|o| o.tracking_id == tracking_id)
        .expect("a Pesapal order for the invoice");
    let landed = app
        .http
        .post(&pay_url)
        .form(&[("action", action)])
        .send()
        .await
        .unwrap();
    assert!(landed.status().is_redirection());
    (order.merchant_reference, tracking_id, location(&landed))
}

async fn billing_ipn(app: &TestApp, tracking_id: &str, reference: &str) -> serde_json::Value {
    let answer = app
        .http
        .get(app.url(&format!("/pesapal/ipn/{PLATFORM_BILLING_ID}")))
        .query(&[
            ("OrderTrackingId", tracking_id),
            ("OrderMerchantReference", reference),
            ("OrderNotificationType", "IPNCHANGE"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    answer.json().await.unwrap()
}

#[tokio::test]
async fn basic_refuses_a_second_router_and_its_invoice_is_paid_exactly_once() {
    let app = spawn_app().await;
    let owner = PortalUser::sign_up_on(
        &app.host.base_url,
        "Baraka WiFi",
        "baraka@example.com",
        "basic",
    )
    .await;
    let op = operator_id(&app, "baraka@example.com").await;
    let store = &app.host.tiketi.store;

    // A trial of Basic, with its first invoice (KES 500, due when the trial ends).
    let sub = store.subscription(&op).await.unwrap().unwrap();
    assert_eq!(sub.plan, "basic");
    assert_eq!(
        sub.status(jiff::Timestamp::now()),
        SubscriptionStatus::Trial
    );
    let invoices = store.invoices(&op, 10).await.unwrap();
    assert_eq!(invoices.len(), 1);
    let invoice = &invoices[0];
    assert_eq!(invoice.amount, Money::from_major(500));
    assert_eq!(invoice.due_at, sub.trial_ends_at);
    assert_eq!(invoice.status, InvoiceStatus::Open);

    let page = owner.page("/portal/plan").await;
    assert!(page.contains("Free trial"), "{page}");
    // Due in 14 days: no reminder yet (a week before).
    assert!(!owner.page("/portal").await.contains("billing-reminder"));
    assert!(page.contains(&invoice.label()), "{page}");

    // One router is fine; the second is refused with the limit and how to raise it.
    owner.add_router("Shop").await;
    let refused = owner.submit_router("Second shop").await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let html = refused.text().await.unwrap();
    assert!(html.contains("Basic plan allows 1 router."), "{html}");
    assert!(html.contains("Settings → Plan"), "{html}");
    assert!(
        html.contains("Second shop"),
        "the form keeps what was typed"
    );
    assert_eq!(store.routers(&op).await.unwrap().len(), 1);

    // One agent, then no more; API tokens are not on Basic.
    owner
        .invite_agent("First", "first.agent@example.com", &[])
        .await;
    let second = owner
        .post(
            "/portal/agents/new",
            &[
                ("name", "Second"),
                ("email", "second.agent@example.com"),
                ("phone", ""),
                ("commission", ""),
            ],
        )
        .await;
    assert_eq!(second.status(), StatusCode::FORBIDDEN);
    assert!(
        second
            .text()
            .await
            .unwrap()
            .contains("Basic plan allows 1 agent.")
    );
    let token = owner
        .post(
            "/portal/settings/api-tokens",
            &[("name", "Till"), ("scope", "read_write")],
        )
        .await;
    assert_eq!(token.status(), StatusCode::FORBIDDEN);
    assert!(
        token
            .text()
            .await
            .unwrap()
            .contains("does not include API tokens")
    );

    // Pay through the stand-in: the IPN (and any repeat of it) settles the invoice once.
    let (reference, tracking_id, landed) =
        pay_on_stand_in(&app, &owner, invoice.number, "pay").await;
    assert_eq!(InvoiceAttempt::invoice_of(&reference), Some(invoice.number));
    assert!(landed.contains(&format!("/portal/plan/invoices/{}", invoice.number)));
    let repeats = (0..8).map(|_| billing_ipn(&app, &tracking_id, &reference));
    for ack in futures::future::join_all(repeats).await {
        assert_eq!(ack["status"], 200, "{ack}");
    }
    let paid = store.invoice(invoice.number).await.unwrap().unwrap();
    assert_eq!(paid.status, InvoiceStatus::Paid);
    let payment = paid.payment.clone().unwrap();
    assert_eq!(payment.amount, Money::from_major(500));
    assert_eq!(payment.tracking_id.as_deref(), Some(tracking_id.as_str()));
    let sub = store.subscription(&op).await.unwrap().unwrap();
    assert_eq!(sub.paid_until, Some(invoice.period_end));
    assert_eq!(
        sub.status(jiff::Timestamp::now()),
        SubscriptionStatus::Active
    );
    let events = store.invoice_events(invoice.number).await.unwrap();
    let settled = events
        .iter()
        .filter(|e| {
            matches!(
                e.outcome,
                tiketi_core::domain::payment::Outcome::Transition { .. }
            )
        })
        .count();
    assert_eq!(settled, 1, "{events:?}");
    let today = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
    let days = store.platform_days(&today, &today).await.unwrap();
    assert_eq!(days[0].1.subscription_revenue, 50_000);
    assert_eq!(days[0].1.invoices_paid, 1);
    let audit = store.audit_log(&op, None, 50).await.unwrap();
    assert!(audit.iter().any(|(_, e)| e.action == "invoice.paid"));

    // The owner's browser comes back to the invoice page, which shows it paid.
    let page = owner.page(&landed.replace(&app.host.base_url, "")).await;
    assert!(page.contains("Paid"), "{page}");
    let plan_page = owner.page("/portal/plan").await;
    assert!(plan_page.contains("data-status=\"active\""), "{plan_page}");
    // Its receipt, a PDF saying what was paid and how.
    let receipt = owner
        .download(&format!(
            "/portal/plan/invoices/{}/receipt.pdf",
            invoice.number
        ))
        .await;
    assert_eq!(receipt.status(), StatusCode::OK);
    let pdf = receipt.bytes().await.unwrap();
    let doc = lopdf::Document::load_mem(&pdf).expect("a PDF");
    let text = doc.extract_text(&[1]).unwrap();
    assert!(
        text.contains(&invoice.label()) && text.contains("KES 500"),
        "{text}"
    );
    assert!(text.contains(&payment.reference), "{text}");
}

#[tokio::test]
async fn forged_and_short_payments_settle_nothing() {
    let app = spawn_app().await;
    let owner = PortalUser::sign_up_on(
        &app.host.base_url,
        "Short Pay",
        "short@example.com",
        "basic",
    )
    .await;
    let op = operator_id(&app, "short@example.com").await;
    let store = &app.host.tiketi.store;
    let invoice = store.invoices(&op, 1).await.unwrap().remove(0);

    // An IPN naming a reference and tracking id we never made: refused, nothing changes.
    let ack = billing_ipn(
        &app,
        "forged-tracking-id",
        &InvoiceAttempt::reference_for(invoice.number, 1),
    )
    .await;
    assert_eq!(ack["status"], 500);

    // Pesapal says a smaller amount was paid: the invoice stays open, the event says why.
    let (reference, tracking_id, _) = {
        let answer = owner
            .post(
                &format!("/portal/plan/invoices/{}/pay", invoice.number),
                &[],
            )
            .await;
        let pay_url = location(&answer);
        let tracking_id = pay_url.rsplit('/').next().unwrap().to_owned();
        app.sandbox()
            .set_paid_amount_override(&tracking_id, 500)
            .unwrap();
        let order = app
            .sandbox()
            .orders()
            .into_iter()
            .find(|o| o.tracking_id == tracking_id)
            .unwrap();
        app.http
            .post(&pay_url)
            .form(&[("action", "pay")])
            .send()
            .await
            .unwrap();
        (order.merchant_reference, tracking_id, ())
    };
    billing_ipn(&app, &tracking_id, &reference).await;
    let after = store.invoice(invoice.number).await.unwrap().unwrap();
    assert_eq!(after.status, InvoiceStatus::Open);
    let events = store.invoice_events(invoice.number).await.unwrap();
    assert!(
        events.iter().any(|e| matches!(
            &e.outcome,
            tiketi_core::domain::payment::Outcome::Rejected { reason } if reason.contains("amount") || reason.contains("KES")
        )),
        "{events:?}"
    );
    assert_eq!(
        store.subscription(&op).await.unwrap().unwrap().paid_until,
        None
    );
}

#[tokio::test]
async fn changing_plan_moves_limits_at_once_and_reprices_an_unstarted_invoice() {
    let app = spawn_app().await;
    let owner =
        PortalUser::sign_up_on(&app.host.base_url, "Upgrader", "up@example.com", "basic").await;
    let op = operator_id(&app, "up@example.com").await;
    let store = &app.host.tiketi.store;
    owner.add_router("One").await;
    assert_eq!(
        owner.submit_router("Two").await.status(),
        StatusCode::FORBIDDEN
    );

    let answer = owner
        .post("/portal/plan", &[("plan", "professional")])
        .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    owner.add_router("Two").await;
    let invoice = store.invoices(&op, 1).await.unwrap().remove(0);
    assert_eq!(invoice.plan, "professional");
    assert_eq!(invoice.amount, Money::from_major(1_500));
    let audit = store.audit_log(&op, None, 50).await.unwrap();
    assert!(audit.iter().any(|(_, e)| e.action == "subscription.plan"));

    // Down to Basic with two routers: both stay, nothing new until it fits.
    owner.post("/portal/plan", &[("plan", "basic")]).await;
    assert_eq!(store.routers(&op).await.unwrap().len(), 2);
    let page = owner.page("/portal/routers").await;
    assert!(page.contains("One") && page.contains("Two"));
    assert_eq!(
        owner.submit_router("Three").await.status(),
        StatusCode::FORBIDDEN
    );

    // A plan that is not on offer is refused.
    let retired = owner.post("/portal/plan", &[("plan", "gold")]).await;
    assert!(retired.status().is_client_error());
    assert_eq!(
        store.subscription(&op).await.unwrap().unwrap().plan,
        "basic"
    );
}

#[tokio::test]
async fn the_monthly_voucher_limit_counts_batches_and_answers_the_api_with_its_own_code() {
    let app = spawn_app().await;
    // The administrator's catalogue: Professional with a small monthly allowance.
    let mut plans = default_plans();
    plans[1].vouchers_per_month = Some(5);
    let entry = AuditEntry {
        id: "test-catalogue".into(),
        operator_id: String::new(),
        at: jiff::Timestamp::now(),
        actor_id: "admin".into(),
        actor_name: "Test admin".into(),
        action: "plans.update".into(),
        subject: "catalogue".into(),
        before: None,
        after: None,
        note: None,
    };
    app.host
        .tiketi
        .store
        .save_plans(&plans, &entry)
        .await
        .unwrap();
    let owner = PortalUser::sign_up_on(
        &app.host.base_url,
        "Counter",
        "count@example.com",
        "professional",
    )
    .await;
    let op = operator_id(&app, "count@example.com").await;
    let router_id = owner.add_router("Here").await;
    owner.add_ticket_type("Hour", &[]).await;
    let ticket_type_id = app.host.tiketi.store.ticket_types(&op).await.unwrap()[0]
        .id
        .clone();
    owner.add_batch(&ticket_type_id, &router_id, 4).await;
    let token = owner.create_api_token("Till", "read_write").await;

    let refused = app
        .http
        .post(app.url("/api/v1/batches"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "ticket_type_id": ticket_type_id, "router_id": router_id, "quantity": 2,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "plan_limit_reached", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("Professional plan allows 5 vouchers a month"),
        "{message}"
    );
    assert!(message.contains("4 made this month"), "{message}");

    // One more fits exactly.
    let fits = app
        .http
        .post(app.url("/api/v1/batches"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "ticket_type_id": ticket_type_id, "router_id": router_id, "quantity": 1,
        }))
        .send()
        .await
        .unwrap();
    assert!(fits.status().is_success(), "{}", fits.text().await.unwrap());
}

#[tokio::test]
async fn an_unpaid_operator_is_restricted_until_it_pays_and_sold_vouchers_keep_working() {
    let app = spawn_app().await;
    let owner = PortalUser::sign_up_on(
        &app.host.base_url,
        "Late Payer",
        "late@example.com",
        "basic",
    )
    .await;
    let op = operator_id(&app, "late@example.com").await;
    let store = &app.host.tiketi.store;
    let router_id = owner.add_router("Shop").await;
    owner.add_ticket_type("Hour", &[]).await;
    let ticket_type_id = store.ticket_types(&op).await.unwrap()[0].id.clone();
    owner.add_batch(&ticket_type_id, &router_id, 2).await;

    // Let the trial and the grace period pass (moving the subscription's dates back).
    let sub = store.subscription(&op).await.unwrap().unwrap();
    let mut lapsed = sub.clone();
    let back = jiff::SignedDuration::from_hours(22 * 24);
    lapsed.started_at = sub.started_at - back;
    lapsed.trial_ends_at = sub.trial_ends_at - back;
    lapsed.billed_until = sub.billed_until - back;
    let entry = AuditEntry {
        id: "lapse".into(),
        operator_id: op.clone(),
        at: jiff::Timestamp::now(),
        actor_id: "test".into(),
        actor_name: "test".into(),
        action: "test.lapse".into(),
        subject: op.clone(),
        before: None,
        after: None,
        note: None,
    };
    store
        .change_subscription(&sub, &lapsed, &entry, false)
        .await
        .unwrap();
    let page = owner.page("/portal/plan").await;
    assert!(page.contains("data-status=\"restricted\""), "{page}");
    let dashboard = owner.page("/portal").await;
    assert!(dashboard.contains("id=\"billing-reminder\""), "{dashboard}");
    assert!(dashboard.contains("Vouchers already sold keep working"));

    // Nothing new: batches, routers, online sales.
    let batch = owner
        .post(
            "/portal/batches/new",
            &[
                ("ticket_type_id", &ticket_type_id),
                ("router_id", &router_id),
                ("quantity", "1"),
                ("length", "8"),
                ("prefix", ""),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(batch.status(), StatusCode::FORBIDDEN);
    assert!(batch.text().await.unwrap().contains("unpaid"));
    let checkout = app
        .get(&format!("/checkout/{op}/{router_id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(checkout.contains("id=\"unavailable\""), "{checkout}");
    let order = app
        .post_form(
            &format!("/checkout/{op}/{router_id}"),
            &[
                ("ticket_type_id", &ticket_type_id),
                ("phone", "0712345678"),
                ("lang", "en"),
            ],
        )
        .await;
    assert_eq!(order.status(), StatusCode::SERVICE_UNAVAILABLE);

    // The vouchers already made are still on the router's sync plan.
    let router = store.router(&op, &router_id).await.unwrap().unwrap();
    let plan = app.host.tiketi.sync_plan(&router).await.unwrap();
    assert_eq!(
        plan.add.len(),
        2,
        "both vouchers of the batch still go to the router"
    );

    // Paying the oldest open invoice lifts the restriction at once.
    let open = store
        .invoices(&op, 10)
        .await
        .unwrap()
        .into_iter()
        .filter(|i| i.status == InvoiceStatus::Open)
        .min_by_key(|i| i.number)
        .unwrap();
    let (reference, tracking_id, _) = pay_on_stand_in(&app, &owner, open.number, "pay").await;
    billing_ipn(&app, &tracking_id, &reference).await;
    let status = store
        .subscription(&op)
        .await
        .unwrap()
        .unwrap()
        .status(jiff::Timestamp::now());
    assert!(status.may_create(), "{status:?}");
    let checkout = app
        .get(&format!("/checkout/{op}/{router_id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!checkout.contains("id=\"unavailable\""));
    owner.add_batch(&ticket_type_id, &router_id, 1).await;
}

/// Pays the operator's oldest open invoice on the stand-in and waits for its IPN to settle it.
async fn pay_oldest_open(app: &TestApp, owner: &PortalUser, op: &str) -> u64 {
    let store = &app.host.tiketi.store;
    let open = store
        .invoices(op, 10)
        .await
        .unwrap()
        .into_iter()
        .filter(|i| i.status == InvoiceStatus::Open)
        .min_by_key(|i| i.number)
        .expect("an open invoice");
    let (reference, tracking_id, _) = pay_on_stand_in(app, owner, open.number, "pay").await;
    billing_ipn(app, &tracking_id, &reference).await;
    let paid = store.invoice(open.number).await.unwrap().unwrap();
    assert_eq!(paid.status, InvoiceStatus::Paid);
    open.number
}

#[tokio::test]
async fn a_paid_month_keeps_its_plan_downgrades_wait_and_upgrades_cost_the_difference() {
    let app = spawn_app().await;
    let store = &app.host.tiketi.store;

    // Enterprise, paid: a smaller plan waits for the paid month to end.
    let big =
        PortalUser::sign_up_on(&app.host.base_url, "Big", "big@example.com", "enterprise").await;
    let big_op = operator_id(&app, "big@example.com").await;
    pay_oldest_open(&app, &big, &big_op).await;
    let paid_until = store
        .subscription(&big_op)
        .await
        .unwrap()
        .unwrap()
        .paid_until
        .unwrap();
    let answer = big.post("/portal/plan", &[("plan", "basic")]).await;
    assert_eq!(location(&answer), "/portal/plan");
    let sub = store.subscription(&big_op).await.unwrap().unwrap();
    assert_eq!(sub.plan, "enterprise", "the paid month keeps its plan");
    let pending = sub.pending_plan.clone().expect("the downgrade waits");
    assert_eq!((pending.plan.as_str(), pending.from), ("basic", paid_until));
    assert!(
        big.page("/portal/plan")
            .await
            .contains("id=\"pending-plan\"")
    );
    big.add_router("One").await;
    big.add_router("Two").await;
    // Changing their mind before it happens.
    big.post("/portal/plan", &[("plan", "enterprise")]).await;
    assert_eq!(
        store
            .subscription(&big_op)
            .await
            .unwrap()
            .unwrap()
            .pending_plan,
        None
    );

    // Basic, paid: a bigger plan costs the difference for what is left, and applies once paid.
    let small =
        PortalUser::sign_up_on(&app.host.base_url, "Small", "small@example.com", "basic").await;
    let small_op = operator_id(&app, "small@example.com").await;
    pay_oldest_open(&app, &small, &small_op).await;
    small.add_router("One").await;
    let answer = small
        .post("/portal/plan", &[("plan", "professional")])
        .await;
    let upgrade_path = location(&answer);
    assert!(
        upgrade_path.starts_with("/portal/plan/invoices/"),
        "{upgrade_path}"
    );
    let number: u64 = upgrade_path.rsplit('/').next().unwrap().parse().unwrap();
    let upgrade = store.invoice(number).await.unwrap().unwrap();
    assert_eq!(
        upgrade.kind,
        tiketi_core::domain::invoice::InvoiceKind::Upgrade
    );
    // More than a month is paid ahead (the trial, then the month): a whole month's difference.
    assert_eq!(upgrade.amount, Money::from_major(1_000));
    assert_eq!(
        store.subscription(&small_op).await.unwrap().unwrap().plan,
        "basic"
    );
    assert_eq!(
        small.submit_router("Two").await.status(),
        StatusCode::FORBIDDEN
    );
    let again = small.post("/portal/plan", &[("plan", "enterprise")]).await;
    assert_eq!(
        again.status(),
        StatusCode::CONFLICT,
        "one upgrade waiting at a time"
    );
    assert_eq!(pay_oldest_open(&app, &small, &small_op).await, number);
    assert_eq!(
        store.subscription(&small_op).await.unwrap().unwrap().plan,
        "professional"
    );
    small.add_router("Two").await;
    // Paying the upgrade does not move the paid month.
    let sub = store.subscription(&small_op).await.unwrap().unwrap();
    assert_eq!(sub.paid_until, Some(upgrade.period_end));
}

#[tokio::test]
async fn an_invoice_paid_twice_is_recorded_once_for_a_refund() {
    let app = spawn_app().await;
    let owner =
        PortalUser::sign_up_on(&app.host.base_url, "Twice", "twice@example.com", "basic").await;
    let op = operator_id(&app, "twice@example.com").await;
    let store = &app.host.tiketi.store;
    let invoice = store.invoices(&op, 1).await.unwrap()[0].clone();
    // Two windows: both start a payment; both are paid.
    let first = owner
        .post(
            &format!("/portal/plan/invoices/{}/pay", invoice.number),
            &[],
        )
        .await;
    let first_pay_url = location(&first);
    let first_tracking = first_pay_url.rsplit('/').next().unwrap().to_owned();
    let (reference, tracking, _) = pay_on_stand_in(&app, &owner, invoice.number, "pay").await;
    billing_ipn(&app, &tracking, &reference).await;
    assert_eq!(
        store.invoice(invoice.number).await.unwrap().unwrap().status,
        InvoiceStatus::Paid
    );
    let late = app
        .http
        .post(&first_pay_url)
        .form(&[("action", "pay")])
        .send()
        .await
        .unwrap();
    assert!(late.status().is_redirection());
    let first_reference = InvoiceAttempt::reference_for(invoice.number, 1);
    for _ in 0..3 {
        billing_ipn(&app, &first_tracking, &first_reference).await;
    }
    let paid = store.invoice(invoice.number).await.unwrap().unwrap();
    assert_eq!(
        paid.payment.unwrap().tracking_id.as_deref(),
        Some(tracking.as_str())
    );
    let refunds: Vec<_> = store
        .audit_log(&op, None, 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|(_, e)| e.action == "invoice.paid_twice")
        .collect();
    assert_eq!(refunds.len(), 1, "recorded once for three notifications");
    let platform = app.host.tiketi.platform_audit(50).await.unwrap();
    assert!(platform.iter().any(|e| e.action == "invoice.paid_twice"));
}
