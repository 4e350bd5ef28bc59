//! Tenant isolation, route by route: another operator's ids in the URL find nothing and change
//! nothing, lists show only one's own data, and every page but login and sign-up needs a
//! session. The route table below must name every route the portal module declares (read from
//! its source), so a new route cannot skip these checks.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use tiketi_core::domain::unmatched::{UnmatchedKind, UnmatchedPayment};
use tiketi_tests::{
    app::{TestApp, spawn_app},
    portal::{PortalUser, fresh_step, location},
};

/// Every portal route: path pattern, methods, and whether it is public (no session needed).
const ROUTES: &[(&str, &[&str], bool)] = &[
    ("/portal", &["GET"], false),
    ("/portal/signup", &["GET", "POST"], true),
    ("/portal/login", &["GET", "POST"], true),
    // Needs the signed pending login of a right password (else back to the login page).
    ("/portal/login/code", &["GET", "POST"], false),
    ("/portal/logout", &["POST"], false),
    ("/portal/password", &["GET", "POST"], false),
    ("/portal/settings", &["GET", "POST"], false),
    ("/portal/settings/two-factor", &["GET"], false),
    ("/portal/settings/two-factor/setup", &["POST"], false),
    ("/portal/settings/two-factor/enable", &["POST"], false),
    ("/portal/settings/two-factor/disable", &["POST"], false),
    ("/portal/settings/pesapal", &["GET", "POST"], false),
    ("/portal/settings/pesapal/clear", &["POST"], false),
    ("/portal/settings/api-tokens", &["GET", "POST"], false),
    ("/portal/settings/api-tokens/{id}/revoke", &["POST"], false),
    ("/portal/plan", &["GET", "POST"], false),
    ("/portal/plan/invoices/{number}", &["GET"], false),
    ("/portal/plan/invoices/{number}/pay", &["POST"], false),
    (
        "/portal/plan/invoices/{number}/receipt.pdf",
        &["GET"],
        false,
    ),
    ("/portal/routers", &["GET"], false),
    ("/portal/routers/new", &["GET", "POST"], false),
    ("/portal/routers/{id}", &["GET", "POST"], false),
    ("/portal/routers/{id}/setup.rsc", &["POST"], false),
    ("/portal/ticket-types", &["GET"], false),
    ("/portal/ticket-types/new", &["GET", "POST"], false),
    ("/portal/ticket-types/{id}", &["GET", "POST"], false),
    ("/portal/ticket-types/{id}/archive", &["POST"], false),
    ("/portal/batches", &["GET"], false),
    ("/portal/batches/new", &["GET", "POST"], false),
    ("/portal/batches/{id}", &["GET"], false),
    ("/portal/batches/{id}/print", &["GET"], false),
    ("/portal/batches/{id}/vouchers.rsc", &["GET"], false),
    ("/portal/batches/{id}/cancel", &["POST"], false),
    ("/portal/batches/{id}/sheet.pdf", &["GET"], false),
    ("/portal/batches/{id}/handover", &["POST"], false),
    ("/portal/vouchers", &["GET"], false),
    ("/portal/vouchers/new", &["GET", "POST"], false),
    ("/portal/vouchers/{code}", &["GET"], false),
    ("/portal/vouchers/{code}/cancel", &["POST"], false),
    ("/portal/vouchers/{code}/card.pdf", &["GET"], false),
    ("/portal/agents", &["GET"], false),
    ("/portal/agents/new", &["GET", "POST"], false),
    ("/portal/agents/{id}", &["GET", "POST"], false),
    ("/portal/agents/{id}/settlements", &["POST"], false),
    ("/portal/agents/{id}/invite", &["POST"], false),
    ("/portal/invite/{token}", &["GET", "POST"], true),
    ("/portal/sell", &["GET", "POST"], false),
    ("/portal/reports", &["GET"], false),
    ("/portal/reports.csv", &["GET"], false),
    ("/portal/payments/unmatched", &["GET"], false),
    ("/portal/payments/unmatched/{id}/resolve", &["POST"], false),
    ("/portal/customers", &["GET"], false),
    ("/portal/customers/{phone}", &["GET"], false),
    ("/portal/audit", &["GET"], false),
];

#[test]
fn the_route_table_covers_every_declared_route() {
    let table: BTreeSet<String> = ROUTES.iter().map(|(p, _, _)| (*p).to_owned()).collect();
    assert_eq!(tiketi_tests::routes::declared_routes("portal"), table);
}

const VICTIM_UNMATCHED: &str = "unknown_reference-0123456789abcdef0123";
/// The victim's customer (a cash buyer), as typed and as stored.
const VICTIM_CUSTOMER: &str = "0711 000 111";
const VICTIM_CUSTOMER_ID: &str = "254711000111";

/// Operator A's data, as ids to put in URLs and a fingerprint to compare.
struct Victim {
    router_id: String,
    ticket_type_id: String,
    batch_id: String,
    operator_id: String,
    voucher_code: String,
    agent_id: String,
    invite_token: String,
    api_token_id: String,
    invoice_number: u64,
}

async fn victim(app: &TestApp) -> (PortalUser, Victim) {
    let owner = PortalUser::sign_up(app, "Victim Secret Shop", "victim@example.com").await;
    let router_id = owner.add_router("Victim Router").await;
    owner.add_ticket_type("Victim Package", &[]).await;
    let email = tiketi_core::domain::account::Email::parse("victim@example.com").unwrap();
    let operator_id = app
        .host
        .tiketi
        .store
        .user_by_email(&email)
        .await
        .unwrap()
        .unwrap()
        .operator_id;
    let ticket_type_id = app
        .host
        .tiketi
        .store
        .ticket_types(&operator_id)
        .await
        .unwrap()[0]
        .id
        .clone();
    let batch_id = owner.add_batch(&ticket_type_id, &router_id, 3).await;
    let voucher_code = app
        .host
        .tiketi
        .store
        .batch_pages(&operator_id, &batch_id)
        .await
        .unwrap()[0]
        .codes[0]
        .code
        .clone();
    let (agent_id, invite_token) = owner
        .invite_agent("Victim Agent", "victim.agent@example.com", &[])
        .await;
    let keys = [
        ("consumer_key", "victim-consumer-key"),
        ("consumer_secret", "victim-consumer-secret"),
    ];
    let answer = owner.post("/portal/settings/pesapal", &keys).await;
    assert_eq!(answer.status(), StatusCode::OK);
    let sold = owner
        .post(
            "/portal/sell",
            &[("code", &voucher_code), ("phone", VICTIM_CUSTOMER)],
        )
        .await;
    assert!(sold.status().is_success() || sold.status().is_redirection());
    let token = owner
        .create_api_token("Victim integration", "read_write")
        .await;
    let api_token_id = token.split('.').nth(2).expect("a token id").to_owned();
    let invoice_number = app
        .host
        .tiketi
        .store
        .invoices(&operator_id, 1)
        .await
        .unwrap()[0]
        .number;
    owner.enable_two_factor(fresh_step().await).await;
    let filed = app
        .host
        .tiketi
        .store
        .file_unmatched(&UnmatchedPayment {
            id: VICTIM_UNMATCHED.into(),
            operator_id: operator_id.clone(),
            kind: UnmatchedKind::UnknownReference,
            tracking_id: "victim-tracking".into(),
            reference: Some("Victim reference".into()),
            order_id: None,
            amount: None,
            currency: None,
            confirmation_code: None,
            payment_method: None,
            detail: "Victim payment".into(),
            at: jiff::Timestamp::now(),
            resolution: None,
        })
        .await
        .unwrap();
    assert!(filed);
    (
        owner,
        Victim {
            router_id,
            ticket_type_id,
            batch_id,
            operator_id,
            voucher_code,
            agent_id,
            invite_token,
            api_token_id,
            invoice_number,
        },
    )
}

async fn fingerprint(app: &TestApp, v: &Victim) -> String {
    let store = &app.host.tiketi.store;
    let users = store.users(&v.operator_id).await.unwrap();
    let owner = users.iter().find(|u| u.is_owner()).unwrap();
    // JSON for the sealed items: their Debug hides the ciphertexts.
    let merchant_keys = store.merchant_keys(&v.operator_id).await.unwrap();
    let two_factor = store.two_factor(&v.operator_id, &owner.id).await.unwrap();
    format!(
        "{}{}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}",
        serde_json::to_string(&merchant_keys).unwrap(),
        serde_json::to_string(&two_factor).unwrap(),
        store
            .voucher(&v.operator_id, &v.voucher_code)
            .await
            .unwrap(),
        store.unmatched_payments(&v.operator_id, 10).await.unwrap(),
        users,
        store
            .agent_balance(&v.operator_id, &v.agent_id)
            .await
            .unwrap(),
        store
            .batch_events(&v.operator_id, &v.batch_id)
            .await
            .unwrap(),
        store.batches(&v.operator_id, 10).await.unwrap(),
        store.operator(&v.operator_id).await.unwrap(),
        store.routers(&v.operator_id).await.unwrap(),
        store.ticket_types(&v.operator_id).await.unwrap(),
        store
            .audit_log(&v.operator_id, None, 100)
            .await
            .unwrap()
            .len(),
        store.api_tokens(&v.operator_id).await.unwrap(),
        store
            .customer(&v.operator_id, VICTIM_CUSTOMER_ID)
            .await
            .unwrap(),
        store.subscription(&v.operator_id).await.unwrap(),
        store.invoices(&v.operator_id, 10).await.unwrap(),
    )
}

fn concrete(pattern: &str, v: &Victim) -> String {
    if pattern.starts_with("/portal/routers/") {
        pattern.replace("{id}", &v.router_id)
    } else if pattern.starts_with("/portal/batches/") {
        pattern.replace("{id}", &v.batch_id)
    } else if pattern.starts_with("/portal/ticket-types/") {
        pattern.replace("{id}", &v.ticket_type_id)
    } else if pattern.starts_with("/portal/vouchers/") {
        pattern.replace("{code}", &v.voucher_code)
    } else if pattern.starts_with("/portal/agents/") {
        pattern.replace("{id}", &v.agent_id)
    } else if pattern.starts_with("/portal/payments/unmatched/") {
        pattern.replace("{id}", VICTIM_UNMATCHED)
    } else if pattern.starts_with("/portal/settings/api-tokens/") {
        pattern.replace("{id}", &v.api_token_id)
    } else if pattern.starts_with("/portal/customers/") {
        pattern.replace("{phone}", VICTIM_CUSTOMER_ID)
    } else if pattern.starts_with("/portal/plan/invoices/") {
        pattern.replace("{number}", &v.invoice_number.to_string())
    } else if pattern.starts_with("/portal/invite/") {
        pattern.replace("{token}", &v.invite_token)
    } else {
        assert!(!pattern.contains('{'), "give {pattern} a victim id");
        pattern.to_owned()
    }
}

/// A form that would change something if it were accepted (naming the victim's voucher,
/// agent, router and ticket type where a form takes ids).
fn hostile_form(v: &Victim) -> Vec<(&'static str, String)> {
    let ids = [
        ("code", v.voucher_code.clone()),
        ("agent_id", v.agent_id.clone()),
        ("router_id", v.router_id.clone()),
        ("router_ids", v.router_id.clone()),
        ("ticket_type_id", v.ticket_type_id.clone()),
    ];
    let fixed = [
        ("name", "Taken Over"),
        ("business_name", "Taken Over"),
        ("hotspot_dns", "evil.wifi"),
        ("interface", "bridge"),
        ("address", "10.0.0.1"),
        ("pool", "10.0.0.2-10.0.0.9"),
        ("kind", "time"),
        ("amount", "1"),
        ("unit", "hours"),
        ("price", "1"),
        ("validity_amount", "1"),
        ("validity_unit", "days"),
        ("shared_users", "1"),
        ("sort_order", "0"),
        ("archived", "1"),
        ("currency", "KES"),
        ("time_zone", "UTC"),
        ("voucher_code_length", "8"),
        ("location", "x"),
        ("email", "taken.over@example.com"),
        ("commission", "99"),
        ("active", "on"),
        ("note", "x"),
        ("reason", "taken over"),
        ("action", "kept"),
        ("quantity", "5"),
        ("length", "8"),
        ("password", "correct horse 1"),
        ("consumer_key", "intruder-key"),
        ("consumer_secret", "intruder-secret"),
        ("scope", "read_write"),
        ("plan", "basic"),
    ];
    ids.into_iter()
        .chain(fixed.map(|(k, v)| (k, v.to_owned())))
        .collect()
}

#[tokio::test]
async fn another_operator_can_neither_see_nor_change_anything_by_id() {
    let app = spawn_app().await;
    let (_victim_owner, v) = victim(&app).await;
    let intruder = PortalUser::sign_up(&app, "Intruder", "intruder@example.com").await;
    let before = fingerprint(&app, &v).await;

    for (pattern, methods, public) in ROUTES {
        if *public || *pattern == "/portal/logout" {
            continue;
        }
        let path = concrete(pattern, &v);
        for method in *methods {
            let answer = match *method {
                "GET" => intruder.get(&path).await,
                _ => {
                    let form = hostile_form(&v);
                    let fields: Vec<(&str, &str)> =
                        form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    intruder.post(&path, &fields).await
                }
            };
            let status = answer.status();
            let body = answer.text().await.unwrap();
            assert!(
                !body.contains("Victim"),
                "{method} {path} shows the victim's data: {body}"
            );
            if pattern.contains('{') {
                assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}");
            }
        }
    }
    assert_eq!(
        fingerprint(&app, &v).await,
        before,
        "the victim's data is unchanged"
    );
}

/// What an agent may open besides the public pages: their home, the cash-sale form, their
/// password, logging out (and the two-step code page of a login in progress).
const AGENT_ROUTES: &[&str] = &[
    "/portal",
    "/portal/sell",
    "/portal/password",
    "/portal/logout",
    "/portal/login/code",
];

#[tokio::test]
async fn an_agent_opens_nothing_but_their_own_pages() {
    let app = spawn_app().await;
    let (_owner, v) = victim(&app).await;
    let agent = PortalUser::accept_invite(&app, &v.invite_token).await;
    let before = fingerprint(&app, &v).await;
    for (pattern, methods, public) in ROUTES {
        if *public || AGENT_ROUTES.contains(pattern) {
            continue;
        }
        let path = concrete(pattern, &v);
        for method in *methods {
            let answer = match *method {
                "GET" => agent.get(&path).await,
                _ => {
                    let form = hostile_form(&v);
                    let fields: Vec<(&str, &str)> =
                        form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    agent.post(&path, &fields).await
                }
            };
            assert_eq!(
                answer.status(),
                StatusCode::FORBIDDEN,
                "an agent on {method} {path}"
            );
        }
    }
    assert_eq!(agent.get("/portal").await.status(), StatusCode::OK);
    assert_eq!(agent.get("/portal/sell").await.status(), StatusCode::OK);
    let after = fingerprint(&app, &v).await;
    assert_eq!(after, before, "the agent changed nothing of the owner's");
}

#[tokio::test]
async fn every_page_but_login_and_sign_up_needs_a_session() {
    let app = spawn_app().await;
    let (_owner, v) = victim(&app).await;
    let anonymous = PortalUser::anonymous(&app);
    for (pattern, methods, public) in ROUTES {
        let path = concrete(pattern, &v);
        if *public {
            assert_eq!(
                anonymous.get(&path).await.status(),
                StatusCode::OK,
                "{path}"
            );
            continue;
        }
        for method in *methods {
            let answer = match *method {
                "GET" => anonymous.get(&path).await,
                _ => {
                    let form = hostile_form(&v);
                    let fields: Vec<(&str, &str)> =
                        form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    anonymous.post_raw(&path, &fields).await
                }
            };
            match *method {
                "GET" => {
                    assert_eq!(answer.status(), StatusCode::SEE_OTHER, "{method} {path}");
                    assert_eq!(location(&answer), "/portal/login");
                }
                // No session, so no CSRF token can match: refused before anything runs.
                _ => assert_eq!(answer.status(), StatusCode::FORBIDDEN, "{method} {path}"),
            }
        }
    }
}

#[tokio::test]
async fn a_forged_session_cookie_is_not_a_session() {
    let app = spawn_app().await;
    let (owner, _) = victim(&app).await;
    let cookie = format!("tiketi_session={}", "op.user.session.00");
    let answer = app
        .http
        .get(app.url("/portal"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(owner.get("/portal").await.status(), StatusCode::OK);
}
