//! The platform administrator's console over HTTP on the local host: login with mandatory
//! two-step enrolment, what administrators see (operators, payments, statistics), their
//! actions (each with a reason in both audit logs), the catalogue and testimonials reaching
//! the landing page, and isolation both ways (operators reach no admin route; an admin route
//! changes no operator data but through its actions).

use std::collections::BTreeSet;

use reqwest::StatusCode;
use tiketi_core::domain::{invoice::InvoiceStatus, subscription::SubscriptionStatus};
use tiketi_tests::{
    admin::AdminUser,
    app::{TestApp, spawn_app},
    portal::{PortalUser, csrf_of, location},
};

/// Every admin route: path pattern and methods. Must name every route the module declares.
const ROUTES: &[(&str, &[&str])] = &[
    ("/admin", &["GET"]),
    ("/admin/login", &["GET", "POST"]),
    ("/admin/two-factor", &["GET", "POST"]),
    ("/admin/logout", &["POST"]),
    ("/admin/snapshot", &["POST"]),
    ("/admin/audit", &["GET"]),
    ("/admin/operators", &["GET"]),
    ("/admin/operators/{id}", &["GET"]),
    ("/admin/operators/{id}/subscription", &["POST"]),
    ("/admin/operators/{id}/invoices/{number}/payment", &["POST"]),
    ("/admin/operators/{id}/support", &["GET"]),
    ("/admin/plans", &["GET", "POST"]),
    ("/admin/testimonials", &["GET", "POST"]),
    ("/admin/testimonials/{id}/delete", &["POST"]),
];

#[test]
fn the_route_table_covers_every_declared_admin_route() {
    let table: BTreeSet<String> = ROUTES.iter().map(|(p, _)| (*p).to_owned()).collect();
    assert_eq!(tiketi_tests::routes::declared_routes("admin"), table);
}

const ADMIN_EMAIL: &str = "ops@tiketi.example";
const ADMIN_PASSWORD: &str = "platform secret 42";

async fn admin_app() -> (TestApp, AdminUser) {
    let app = spawn_app().await;
    app.host
        .tiketi
        .add_administrator(ADMIN_EMAIL, "Wanjiru", ADMIN_PASSWORD)
        .await
        .unwrap();
    let mut admin = AdminUser::at(&app.host.base_url);
    admin.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await.unwrap();
    (app, admin)
}

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

#[tokio::test]
async fn a_basic_operator_pays_and_the_administrator_sees_it() {
    let (app, admin) = admin_app().await;
    let owner = PortalUser::sign_up_on(
        &app.host.base_url,
        "Baraka WiFi",
        "baraka@example.com",
        "basic",
    )
    .await;
    let op = operator_id(&app, "baraka@example.com").await;
    owner.add_router("Shop").await;
    let second = owner.submit_router("Second").await;
    assert_eq!(second.status(), StatusCode::FORBIDDEN);

    // The first invoice, paid on the Pesapal stand-in (its IPN reaches /pesapal/ipn/platform).
    let invoice = app.host.tiketi.store.invoices(&op, 1).await.unwrap()[0].clone();
    let answer = owner
        .post(
            &format!("/portal/plan/invoices/{}/pay", invoice.number),
            &[],
        )
        .await;
    let pay_url = location(&answer);
    let paid = app
        .http
        .post(&pay_url)
        .form(&[("action", "pay")])
        .send()
        .await
        .unwrap();
    assert!(paid.status().is_redirection());
    let mut settled = false;
    for _ in 0..100 {
        let now = app
            .host
            .tiketi
            .store
            .invoice(invoice.number)
            .await
            .unwrap()
            .unwrap();
        if now.status == InvoiceStatus::Paid {
            settled = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(settled, "the stand-in's IPN settled the invoice");

    // The administrator finds the operator by name, e-mail and phone, and sees the payment.
    for q in ["baraka", "BARAKA@example", "0712345678"] {
        let list = admin
            .page(&format!("/admin/operators?q={q}"))
            .await
            .unwrap();
        assert!(list.contains("Baraka WiFi"), "search {q}: {list}");
        assert!(list.contains("data-status=\"active\""), "{list}");
    }
    let nobody = admin.page("/admin/operators?q=zzz").await.unwrap();
    assert!(!nobody.contains("Baraka WiFi"));
    let page = admin.page(&format!("/admin/operators/{op}")).await.unwrap();
    assert!(page.contains(&invoice.label()), "{page}");
    assert!(page.contains("Paid</span> · Pesapal"), "{page}");
    assert!(page.contains("basic"), "{page}");
    // A forged IPN is counted as not processed.
    app.http
        .get(app.url("/pesapal/ipn/platform"))
        .query(&[
            ("OrderTrackingId", "forged-1"),
            ("OrderMerchantReference", "TKI-999-1"),
        ])
        .send()
        .await
        .unwrap();
    let counted = admin.post("/admin/snapshot", &[]).await;
    assert_eq!(location(&counted), "/admin");
    let stats = admin.page("/admin").await.unwrap();
    for expected in [
        "id=\"revenue-month\">KES 500<",
        "id=\"signups-month\">1<",
        "id=\"status-active\">1<",
        "id=\"status-trial\">0<",
        "id=\"mrr\">KES 500<",
        "id=\"queue\">0<",
        "id=\"dead-letters\">0<",
        "id=\"ipn-failures\">1<",
    ] {
        assert!(stats.contains(expected), "{expected} in {stats}");
    }
}

#[tokio::test]
async fn actions_need_a_reason_and_land_in_both_audit_logs() {
    let (app, admin) = admin_app().await;
    let owner = PortalUser::sign_up_on(
        &app.host.base_url,
        "Kibera Net",
        "kibera@example.com",
        "basic",
    )
    .await;
    let op = operator_id(&app, "kibera@example.com").await;
    let store = &app.host.tiketi.store;
    let router_id = owner.add_router("Shop").await;
    owner.add_ticket_type("Hour", &[]).await;
    let ticket_type_id = store.ticket_types(&op).await.unwrap()[0].id.clone();
    let path = format!("/admin/operators/{op}/subscription");

    let no_reason = admin
        .post(&path, &[("action", "suspend"), ("reason", "  ")])
        .await;
    assert_eq!(no_reason.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let status = |sub: Option<tiketi_core::domain::subscription::Subscription>| {
        sub.unwrap().status(jiff::Timestamp::now())
    };
    assert_eq!(
        status(store.subscription(&op).await.unwrap()),
        SubscriptionStatus::Trial
    );

    let suspended = admin
        .post(
            &path,
            &[("action", "suspend"), ("reason", "chargeback fraud")],
        )
        .await;
    assert_eq!(suspended.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        status(store.subscription(&op).await.unwrap()),
        SubscriptionStatus::Suspended
    );
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
    assert!(batch.text().await.unwrap().contains("suspended"));

    admin
        .post(
            &path,
            &[("action", "resume"), ("reason", "cleared by bank")],
        )
        .await;
    let sub = store.subscription(&op).await.unwrap().unwrap();
    assert_eq!(
        sub.status(jiff::Timestamp::now()),
        SubscriptionStatus::Trial
    );
    admin
        .post(
            &path,
            &[
                ("action", "extend"),
                ("days", "10"),
                ("reason", "router shipped late"),
            ],
        )
        .await;
    let extended = store.subscription(&op).await.unwrap().unwrap();
    assert_eq!(
        extended.trial_ends_at,
        sub.trial_ends_at + jiff::SignedDuration::from_hours(240)
    );
    // The unpaid first invoice moves with the trial: the extra days are free.
    let first = store.invoices(&op, 1).await.unwrap()[0].clone();
    assert_eq!(first.period_start, extended.trial_ends_at);
    assert_eq!(first.due_at, extended.trial_ends_at);
    let absurd = admin
        .post(
            &path,
            &[("action", "extend"), ("days", "100000"), ("reason", "x")],
        )
        .await;
    assert_eq!(absurd.status(), StatusCode::UNPROCESSABLE_ENTITY);
    admin
        .post(
            &path,
            &[
                ("action", "plan"),
                ("plan", "enterprise"),
                ("reason", "agreed by phone"),
            ],
        )
        .await;
    assert_eq!(
        store.subscription(&op).await.unwrap().unwrap().plan,
        "enterprise"
    );

    // A bank transfer recorded against the open invoice settles it.
    let invoice = store.invoices(&op, 1).await.unwrap()[0].clone();
    let recorded = admin
        .post(
            &format!("/admin/operators/{op}/invoices/{}/payment", invoice.number),
            &[
                ("by", "bank_transfer"),
                ("reference", "EQ-2026-1234"),
                ("reason", "paid at Equity Bank"),
            ],
        )
        .await;
    assert_eq!(recorded.status(), StatusCode::SEE_OTHER);
    let paid = store.invoice(invoice.number).await.unwrap().unwrap();
    assert_eq!(paid.status, InvoiceStatus::Paid);
    assert_eq!(paid.payment.unwrap().reference, "EQ-2026-1234");
    let again = admin
        .post(
            &format!("/admin/operators/{op}/invoices/{}/payment", invoice.number),
            &[("by", "cash"), ("reference", "R1"), ("reason", "twice")],
        )
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);

    // The support view is read-only and recorded.
    let support = admin
        .page(&format!("/admin/operators/{op}/support"))
        .await
        .unwrap();
    assert!(support.contains("id=\"support-banner\""));

    let operator_log = store.audit_log(&op, None, 100).await.unwrap();
    let actions: Vec<(&str, Option<&str>)> = operator_log
        .iter()
        .map(|(_, e)| (e.action.as_str(), e.note.as_deref()))
        .collect();
    for (action, reason) in [
        ("subscription.suspend", "chargeback fraud"),
        ("subscription.resume", "cleared by bank"),
        ("subscription.extend_trial", "router shipped late"),
        ("subscription.plan", "agreed by phone"),
        ("invoice.record_payment", "paid at Equity Bank"),
        ("support.view", "viewed by platform support"),
    ] {
        assert!(
            actions.contains(&(action, Some(reason))),
            "{action} in the operator's log: {actions:?}"
        );
    }
    let platform_log = app.host.tiketi.platform_audit(100).await.unwrap();
    assert!(
        platform_log
            .iter()
            .all(|e| e.actor_name.contains("Tiketi support"))
    );
    assert_eq!(
        platform_log
            .iter()
            .filter(|e| e.operator_id == op && e.action != "support.view")
            .count(),
        5
    );
    let page = admin.page("/admin/audit").await.unwrap();
    assert!(page.contains("chargeback fraud"));
}

#[tokio::test]
async fn the_catalogue_and_testimonials_reach_the_landing_page() {
    let (app, admin) = admin_app().await;
    let saved = admin
        .post(
            "/admin/plans",
            &[
                ("code", "basic"),
                ("name", "Basic"),
                ("price", "650"),
                ("routers", "2"),
                ("agents", "1"),
                ("vouchers_per_month", "3000"),
                ("on_sale", "on"),
                ("rank", "1"),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let home = app.get("/").await.text().await.unwrap();
    assert!(home.contains("KES 650"), "{home}");
    let refused = admin
        .post(
            "/admin/plans",
            &[
                ("code", "basic"),
                ("name", "Basic"),
                ("price", "-5"),
                ("rank", "1"),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);

    assert!(!app.get("/").await.text().await.unwrap().contains("Akinyi"));
    let added = admin
        .post(
            "/admin/testimonials",
            &[
                ("quote", "Customers pay by M-Pesa and connect <at once>."),
                ("author", "Akinyi"),
                ("business", "Akinyi Spot, Kisumu"),
            ],
        )
        .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let home = app.get("/").await.text().await.unwrap();
    assert!(home.contains("Akinyi Spot, Kisumu"), "{home}");
    assert!(!home.contains("<at once>"), "escaped");
    let id = app.host.tiketi.testimonials().await.unwrap()[0].id.clone();
    admin
        .post(&format!("/admin/testimonials/{id}/delete"), &[])
        .await;
    assert!(!app.get("/").await.text().await.unwrap().contains("Akinyi"));
}

#[tokio::test]
async fn two_steps_always_and_each_code_once() {
    let (app, admin) = admin_app().await;
    // A wrong password: back to the form.
    let mut stranger = AdminUser::at(&app.host.base_url);
    let wrong = stranger
        .password(ADMIN_EMAIL, "not the password")
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

    // The password alone opens nothing but the code page.
    let mut second = AdminUser::at(&app.host.base_url);
    second.secret = admin.secret.clone();
    second.last_step = admin.last_step;
    let answer = second.password(ADMIN_EMAIL, ADMIN_PASSWORD).await.unwrap();
    assert_eq!(location(&answer), "/admin/two-factor");
    for path in ["/admin", "/admin/operators", "/admin/plans"] {
        let answer = second.get(path).await;
        assert_eq!(location(&answer), "/admin/two-factor", "{path}");
    }
    let page = second.page("/admin/two-factor").await.unwrap();
    assert!(!page.contains("totp-secret"), "enrolled once");
    second.csrf = csrf_of(&page).unwrap();
    // The code used by the first login is refused.
    let used = tiketi_tests::portal::totp_code(admin.secret.as_deref().unwrap(), admin.last_step);
    let refused = second.post("/admin/two-factor", &[("code", &used)]).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let code = second.next_code();
    let ok = second.post("/admin/two-factor", &[("code", &code)]).await;
    assert_eq!(location(&ok), "/admin");

    // A form without its CSRF token is refused.
    let forged = admin
        .http
        .post(format!("{}/admin/plans", admin.base_url))
        .form(&[("code", "basic"), ("name", "Free"), ("price", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    // Logging out ends the session.
    admin.post("/admin/logout", &[]).await;
    assert_eq!(location(&admin.get("/admin").await), "/admin/login");
}

#[tokio::test]
async fn operators_reach_no_admin_route_and_admin_pages_change_nothing() {
    let (app, admin) = admin_app().await;
    let owner = PortalUser::sign_up(&app, "Victim Shop", "victim@example.com").await;
    let op = operator_id(&app, "victim@example.com").await;
    owner.add_router("Victim Router").await;
    let invoice = app.host.tiketi.store.invoices(&op, 1).await.unwrap()[0].number;
    let concrete = |pattern: &str| {
        pattern
            .replace("{id}", &op)
            .replace("{number}", &invoice.to_string())
    };
    let fingerprint = || async {
        let store = &app.host.tiketi.store;
        format!(
            "{:?}{:?}{:?}{:?}",
            store.subscription(&op).await.unwrap(),
            store.invoices(&op, 10).await.unwrap(),
            store.routers(&op).await.unwrap(),
            store.operator(&op).await.unwrap(),
        )
    };
    let before = fingerprint().await;

    // The operator's own session (and an anonymous browser) open no admin page and change
    // nothing: every route answers the admin login page or refuses the form.
    for (pattern, methods) in ROUTES {
        if *pattern == "/admin/login" {
            continue;
        }
        let path = concrete(pattern);
        for method in *methods {
            let answer = match *method {
                "GET" => owner.get(&path).await,
                _ => {
                    owner
                        .post(
                            &path,
                            &[
                                ("action", "suspend"),
                                ("reason", "x"),
                                ("code", "basic"),
                                ("price", "1"),
                            ],
                        )
                        .await
                }
            };
            let status = answer.status();
            let to = answer
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned());
            assert!(
                to.as_deref() == Some("/admin/login") || status == StatusCode::FORBIDDEN,
                "{method} {path} answered {status} {to:?} to an operator"
            );
        }
    }
    assert_eq!(fingerprint().await, before);

    // The administrator's GET pages read, never write (the support view only adds its audit
    // entry).
    for (pattern, methods) in ROUTES {
        if methods.contains(&"GET") && !pattern.contains("login") && !pattern.contains("two-factor")
        {
            let answer = admin.get(&concrete(pattern)).await;
            assert_eq!(answer.status(), StatusCode::OK, "{pattern}");
        }
    }
    assert_eq!(fingerprint().await, before);
    // Unknown operator ids find nothing.
    let missing = admin.get("/admin/operators/01NOSUCHOPERATOR").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

/// What `tiketi admin add --table NAME` runs, on DynamoDB (moto): the same administrator as on
/// the local store, and a login reads it back.
#[tokio::test]
async fn administrators_are_added_to_a_dynamodb_table_too() {
    use tiketi_adapters::dynamodb::{DynamoTable, create_table};
    use tiketi_core::{
        domain::{account::Email, admin::admin_id},
        services::admins::{AdminAdded, add_administrator},
        store::Repository,
    };
    use tiketi_tests::moto::{Moto, unique_name};

    let moto = Moto::start().await;
    let client = moto.dynamodb().await;
    let name = unique_name("tiketi");
    create_table(&client, &name).await.unwrap();
    let store = Repository::new(DynamoTable::new(client, name));
    let now = jiff::Timestamp::now();
    let added = add_administrator(&store, now, ADMIN_EMAIL, "Wanjiru", ADMIN_PASSWORD).await;
    assert_eq!(added.unwrap(), AdminAdded::Created);
    let again = add_administrator(&store, now, ADMIN_EMAIL, "Wanjiru", "a new long secret").await;
    assert_eq!(again.unwrap(), AdminAdded::PasswordReplaced);
    let id = admin_id(&Email::parse(ADMIN_EMAIL).unwrap());
    let admin = store.admin(&id).await.unwrap().unwrap();
    assert!(tiketi_core::domain::account::verify_password(
        "a new long secret",
        &admin.password_hash
    ));
    assert_eq!(store.admins().await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_search_follows_a_renamed_business() {
    let (app, admin) = admin_app().await;
    let owner = PortalUser::sign_up(&app, "Old Name WiFi", "rename@example.com").await;
    let renamed = owner
        .post(
            "/portal/settings",
            &[
                ("business_name", "Fresh Name WiFi"),
                ("currency", "KES"),
                ("time_zone", "Africa/Nairobi"),
                ("voucher_code_length", "8"),
                ("gateway_fee", "3.5"),
                ("agent_commission", "10"),
            ],
        )
        .await;
    assert!(renamed.status().is_success() || renamed.status().is_redirection());
    let found = admin.page("/admin/operators?q=fresh").await.unwrap();
    assert!(found.contains("Fresh Name WiFi"), "{found}");
    let old = admin.page("/admin/operators?q=old%20name").await.unwrap();
    assert!(!old.contains("Name WiFi"), "{old}");
}
