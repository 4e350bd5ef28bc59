//! The REST API as a program uses it, over HTTP against the local system: tokens made in the
//! portal, every answer checked against the OpenAPI document (`tiketi_tests::api`), scopes,
//! revocation, errors, the whole voucher life cycle, and figures that reconcile with the
//! sales ledger.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tiketi_tests::{
    api::{ApiClient, SPEC, error_code},
    app::{TestApp, spawn_app},
    portal::{PortalUser, demo_owner},
};

/// The API's routes, without the catch-alls that answer unknown API paths.
fn declared_routes() -> BTreeSet<String> {
    let mut routes = tiketi_tests::routes::declared_routes("api");
    routes.remove("/api/v1");
    routes.remove("/api/v1/{*rest}");
    routes
}

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// An owner who signed up, with a router and a ticket type, and a read-write token.
async fn owner_with_token(app: &TestApp, name: &str, email: &str) -> (PortalUser, ApiClient) {
    let owner = PortalUser::sign_up(app, name, email).await;
    owner.add_router(&format!("{name} Router")).await;
    let token = owner.create_api_token("Integration", "read_write").await;
    (owner, ApiClient::new(app, &token))
}

fn one_hour(name: &str, price_minor: i64) -> Value {
    json!({
        "name": name, "kind": "time", "time_seconds": 3600, "price_minor": price_minor,
        "validity_seconds": 86_400, "rate_limit": "2M/5M", "shared_users": 1,
    })
}

#[tokio::test]
async fn the_document_describes_every_route_and_method_and_is_served() {
    let app = spawn_app().await;
    let documented: BTreeSet<String> = SPEC.paths().keys().cloned().collect();
    assert_eq!(declared_routes(), documented);

    let (_owner, _api) = owner_with_token(&app, "Spec Shop", "spec@example.com").await;
    let owner = PortalUser::log_in(&app, "spec@example.com", "correct horse 1")
        .await
        .0;
    let token = owner.create_api_token("Methods", "read_write").await;
    let http = reqwest::Client::new();
    for (pattern, operations) in SPEC.paths() {
        let path = pattern
            .split('/')
            .map(|s| if s.starts_with('{') { "NOSUCHTHING" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        for method in METHODS {
            let answer = http
                .request(
                    Method::from_bytes(method.as_bytes()).unwrap(),
                    app.url(&path),
                )
                .bearer_auth(&token)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            let routed = answer.status() != StatusCode::METHOD_NOT_ALLOWED;
            let listed = operations.get(method.to_ascii_lowercase()).is_some();
            assert_eq!(
                routed, listed,
                "{method} {pattern}: routed {routed}, documented {listed}"
            );
            if !routed {
                let body: Value = answer.json().await.unwrap();
                assert_eq!(body["error"]["code"], "method_not_allowed");
            }
        }
    }

    let answer = http
        .get(app.url("/api/v1/openapi.yaml"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK, "served without a token");
    assert!(
        answer.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("yaml")
    );
    assert_eq!(
        answer.text().await.unwrap(),
        tiketi_app::http::api::OPENAPI_YAML
    );

    let answer = http
        .get(app.url("/api/v1/no/such/thing"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test]
async fn tokens_are_shown_once_scoped_and_revocable() {
    let app = spawn_app().await;
    let owner = PortalUser::sign_up(&app, "Token Shop", "tokens@example.com").await;
    let read = owner.create_api_token("Accounting", "read").await;
    let write = owner
        .create_api_token("Shop <b>site</b>", "read_write")
        .await;
    assert!(read.starts_with("tkt.") && write.starts_with("tkt."));
    assert_ne!(read, write);

    let page = owner.page("/portal/settings/api-tokens").await;
    let secret = |token: &str| token.rsplit('.').next().unwrap().to_owned();
    assert!(!page.contains(&secret(&read)), "a token is shown only once");
    assert!(
        page.contains(&secret(&read)[28..]),
        "its last four symbols tell it apart"
    );
    assert!(
        page.contains("Shop &lt;b&gt;site&lt;&#x2F;b&gt;")
            || page.contains("Shop &lt;b&gt;site&lt;/b&gt;")
    );
    assert!(!page.contains("<b>site</b>"), "names are escaped");

    // No token, a malformed one, a forged secret: 401 with a Bearer challenge.
    let forged = format!("{}XXXX", &write[..write.len() - 4]);
    for client in [
        ApiClient::anonymous(&app),
        ApiClient::new(&app, "nonsense"),
        ApiClient::new(&app, &forged),
    ] {
        let answer = client.get("/api/v1/ticket-types").await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(&answer), "unauthorized");
        assert!(
            answer.headers["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Bearer")
        );
    }

    // A read-only token reads and changes nothing.
    let reader = ApiClient::new(&app, &read);
    assert_eq!(
        reader.get("/api/v1/ticket-types").await.status,
        StatusCode::OK
    );
    let answer = reader
        .post("/api/v1/ticket-types", &one_hour("Sneaky", 100))
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&answer), "insufficient_scope");
    let writer = ApiClient::new(&app, &write);
    assert_eq!(writer.ok("/api/v1/ticket-types").await["data"], json!([]));
    let answer = writer
        .post("/api/v1/ticket-types", &one_hour("1 Hour", 5000))
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);

    // Use is noted; revoking stops the token at once and keeps it listed.
    let page = owner.page("/portal/settings/api-tokens").await;
    assert!(!page.contains(">never<"), "both tokens were used: {page}");
    let op = tiketi_tests::portal::operator_id(&app, "tokens@example.com").await;
    let tokens = app.host.tiketi.store.api_tokens(&op).await.unwrap();
    let write_id = write.split('.').nth(2).unwrap();
    assert!(tokens.iter().all(|t| !t.digest.contains(&secret(&write))));
    let answer = owner
        .post(
            &format!("/portal/settings/api-tokens/{write_id}/revoke"),
            &[],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let answer = writer.get("/api/v1/ticket-types").await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reader.get("/api/v1/ticket-types").await.status,
        StatusCode::OK
    );
    let page = owner.page("/portal/settings/api-tokens").await;
    assert!(page.contains("Revoked"));

    // Creating and revoking are in the audit log, and the API's change names the token.
    let audit = owner.page("/portal/audit").await;
    assert!(audit.contains("api_token.create") && audit.contains("api_token.revoke"));
    assert!(audit.contains("(API token Shop &lt;b&gt;site"), "{audit}");

    // Only owners make tokens.
    let (_, invite) = owner
        .invite_agent("Agent", "agent@tokens.example", &[])
        .await;
    let agent = PortalUser::accept_invite(&app, &invite).await;
    let answer = agent
        .post(
            "/portal/settings/api-tokens",
            &[("name", "mine"), ("scope", "read_write")],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_program_runs_ticket_types_vouchers_and_batches() {
    let app = spawn_app().await;
    let (owner, api) = owner_with_token(&app, "Api Shop", "api@example.com").await;
    let router_id = api.ok("/api/v1/routers").await["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Ticket types: create, read, change the price.
    let created = api
        .post("/api/v1/ticket-types", &one_hour("1 Hour", 5000))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let tt = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(created.body["price_minor"], 5000);
    assert_eq!(created.body["currency"], "KES");
    assert_eq!(
        api.ok(&format!("/api/v1/ticket-types/{tt}")).await,
        created.body
    );

    // One voucher, made at once.
    let new_voucher = json!({ "ticket_type_id": tt, "router_id": router_id, "prefix": "AB" });
    let answer = api.post("/api/v1/vouchers", &new_voucher).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    let code = answer.body["code"].as_str().unwrap().to_owned();
    assert!(code.starts_with("AB"));
    assert_eq!(answer.body["status"], "unused");
    assert_eq!(answer.body["price_minor"], 5000);

    // A new price applies to new vouchers only.
    let mut dearer = one_hour("1 Hour", 8000);
    dearer["router_ids"] = json!([router_id]);
    let answer = api
        .put(&format!("/api/v1/ticket-types/{tt}"), &dearer)
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["price_minor"], 8000);
    let detail = api.ok(&format!("/api/v1/vouchers/{code}")).await;
    assert_eq!(
        detail["price_minor"], 5000,
        "a voucher keeps the price it was made at"
    );
    assert!(
        detail["history"][0]["what"]
            .as_str()
            .unwrap()
            .contains("(API token Integration)"),
        "{detail}"
    );

    // A batch: accepted, generated in the background, listed page by page; its vouchers stop
    // at the end of their use-by day (Nairobi time), used or not.
    let past = json!({ "ticket_type_id": tt, "router_id": router_id, "quantity": 5,
        "use_by": "2020-01-01" });
    let refused = api.post("/api/v1/batches", &past).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("has passed")
    );
    let batch = json!({ "ticket_type_id": tt, "router_id": router_id, "quantity": 120,
        "length": 8, "separate_password": true, "note": "Market stall", "use_by": "2099-12-31" });
    let answer = api.post("/api/v1/batches", &batch).await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "over five years away"
    );
    let use_by = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 30))
        .to_zoned_datetime(jiff::tz::TimeZone::get("Africa/Nairobi").unwrap())
        .date();
    let batch = json!({ "ticket_type_id": tt, "router_id": router_id, "quantity": 120,
        "length": 8, "separate_password": true, "note": "Market stall",
        "use_by": use_by.to_string() });
    let answer = api.post("/api/v1/batches", &batch).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
    assert_eq!(answer.body["price_minor"], 8000);
    let expected_end = jiff::tz::TimeZone::get("Africa/Nairobi")
        .unwrap()
        .to_timestamp(
            use_by
                .tomorrow()
                .unwrap()
                .to_datetime(jiff::civil::Time::midnight()),
        )
        .unwrap();
    assert_eq!(
        answer.body["use_by"]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap(),
        expected_end
    );
    let batch_id = answer.body["id"].as_str().unwrap().to_owned();
    let mut ready = Value::Null;
    for _ in 0..200 {
        ready = api.ok(&format!("/api/v1/batches/{batch_id}")).await;
        if ready["status"] == "ready" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(ready["status"], "ready", "{ready}");
    assert_eq!(ready["generated"], 120);
    let vouchers = api
        .all(&format!("/api/v1/vouchers?batch_id={batch_id}"), 50)
        .await;
    let codes: BTreeSet<&str> = vouchers
        .iter()
        .map(|v| v["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 120, "every voucher once");
    assert!(vouchers.iter().all(|v| v["password"] != v["code"]));
    let unused = api.all("/api/v1/vouchers?status=unused", 40).await;
    assert_eq!(unused.len(), 121);
    let batches = api.all("/api/v1/batches", 1).await;
    assert_eq!(batches.len(), 2, "the single voucher is a batch of one");
    assert_eq!(batches[0]["id"], batch_id.as_str(), "newest first");

    // Cancelling: a voucher with a reason, once; a whole batch.
    let path = format!("/api/v1/vouchers/{code}/cancel");
    let answer = api
        .post(&path, &json!({ "reason": "Lost by the customer" }))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["status"], "cancelled");
    assert_eq!(answer.body["cancel_reason"], "Lost by the customer");
    let again = api.post(&path, &json!({ "reason": "again" })).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let answer = api
        .post(
            &format!("/api/v1/batches/{batch_id}/cancel"),
            &json!({ "reason": "Stolen" }),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["status"], "cancelled");
    assert_eq!(answer.body["cancel_reason"], "Stolen");

    // Fair usage: data tickets only, with a speed RouterOS reads.
    let fair = json!({ "name": "10 GB", "kind": "data", "data_bytes": 10_000_000_000_u64,
        "price_minor": 70_000, "validity_seconds": 2_592_000, "fair_usage_rate_limit": "512k/1M" });
    let answer = api.post("/api/v1/ticket-types", &fair).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    assert_eq!(answer.body["fair_usage_rate_limit"], "512k/1M");
    let mut timed = one_hour("Hour then slow", 100);
    timed["fair_usage_rate_limit"] = json!("512k/1M");
    let answer = api.post("/api/v1/ticket-types", &timed).await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );
    let mut garbled = fair.clone();
    garbled["fair_usage_rate_limit"] = json!("slow please");
    let answer = api.post("/api/v1/ticket-types", &garbled).await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );

    // Archiving stops new batches.
    let answer = api
        .post(&format!("/api/v1/ticket-types/{tt}/archive"), &json!({}))
        .await;
    assert_eq!(answer.body["archived"], true);
    let answer = api.post("/api/v1/vouchers", &new_voucher).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let answer = api
        .post(&format!("/api/v1/ticket-types/{tt}/restore"), &json!({}))
        .await;
    assert_eq!(answer.body["archived"], false);

    // The portal sees what the API did, in the audit log by token.
    let audit = owner.page("/portal/audit").await;
    for action in [
        "ticket_type.create",
        "ticket_type.update",
        "batch.create",
        "voucher.cancel",
        "batch.cancel",
    ] {
        assert!(audit.contains(action), "{action} in the audit log");
    }

    // A use-by day: at most five calendar years ahead, and a day written as `YYYY-MM-DD`.
    let nairobi_today = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::get("Africa/Nairobi").unwrap())
        .date();
    let limit = nairobi_today
        .checked_add(jiff::Span::new().years(5))
        .unwrap();
    for (day, accepted) in [(limit, true), (limit.tomorrow().unwrap(), false)] {
        let probe = json!({ "ticket_type_id": tt, "router_id": router_id, "quantity": 1,
            "use_by": day.to_string() });
        let answer = api.post("/api/v1/batches", &probe).await;
        assert_eq!(
            answer.status.is_success(),
            accepted,
            "{day}: {}",
            answer.body
        );
    }
    for bad in ["", "31/12/2026", "2026-02-30"] {
        let probe = json!({ "ticket_type_id": tt, "router_id": router_id, "quantity": 1,
            "use_by": bad });
        let answer = api.post("/api/v1/batches", &probe).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(
            answer.body["error"]["message"],
            "the use-by date is a day like 2026-12-31"
        );
    }
}

#[tokio::test]
async fn bad_requests_get_clear_json_errors_and_change_nothing() {
    let app = spawn_app().await;
    let (_owner, api) = owner_with_token(&app, "Strict Shop", "strict@example.com").await;
    let http = reqwest::Client::new();
    let token = {
        let owner = PortalUser::log_in(&app, "strict@example.com", "correct horse 1")
            .await
            .0;
        owner.create_api_token("raw", "read_write").await
    };

    // Not JSON at all, and JSON of the wrong shape: 400.
    let answer = http
        .post(app.url("/api/v1/ticket-types"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["error"]["code"], "malformed_request");
    let mut typo = one_hour("Typo", 100);
    typo["prise_minor"] = json!(100);
    let answer = api.post("/api/v1/ticket-types", &typo).await;
    assert_eq!(
        answer.status,
        StatusCode::BAD_REQUEST,
        "unknown fields are refused"
    );
    let answer = api.get("/api/v1/vouchers?limit=lots").await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);

    // Readable but not acceptable: 422 with the reason.
    for (body, reason) in [
        (one_hour("Free", 0), "price"),
        (
            json!({ "name": "Both", "kind": "time", "time_seconds": 3600, "data_bytes": 1, "price_minor": 100, "validity_seconds": 3600 }),
            "time_seconds only",
        ),
        (
            json!({ "name": "Odd", "kind": "sound", "price_minor": 100, "validity_seconds": 3600 }),
            "kind",
        ),
        (
            json!({ "name": "", "kind": "time", "time_seconds": 3600, "price_minor": 100, "validity_seconds": 3600 }),
            "Name",
        ),
    ] {
        let answer = api.post("/api/v1/ticket-types", &body).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(error_code(&answer), "invalid_request");
        let message = answer.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(reason), "{message}");
    }
    let answer = api
        .post(
            "/api/v1/vouchers",
            &json!({ "ticket_type_id": "nope", "router_id": "nope" }),
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let answer = api.get("/api/v1/vouchers?status=lost").await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let answer = api.get("/api/v1/vouchers?code=AB&phone=0712345678").await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let answer = api.get("/api/v1/vouchers?cursor=zz").await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let answer = api
        .get("/api/v1/reports/sales?from=2026-12-01&to=2026-11-01")
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let answer = api.get("/api/v1/reports/sales?by=year").await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Unknown things: 404.
    for path in [
        "/api/v1/vouchers/NOSUCHCODE",
        "/api/v1/ticket-types/nosuch",
        "/api/v1/batches/nosuch",
        "/api/v1/orders/nosuch",
        "/api/v1/routers/nosuch",
        "/api/v1/customers/0799999999",
        "/api/v1/customers/not-a-phone",
    ] {
        let answer = api.get(path).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(error_code(&answer), "not_found");
    }
    assert_eq!(
        api.ok("/api/v1/ticket-types").await["data"],
        json!([]),
        "nothing was made"
    );
}

#[tokio::test]
async fn orders_customers_and_reports_reconcile_with_the_ledger() {
    let app = spawn_app().await;
    let owner = demo_owner(&app, "owner@demo.example").await;
    let api = ApiClient::new(&app, &owner.create_api_token("Books", "read").await);
    let (first, first_voucher) = app.buy("1h", "0712000001").await;
    let (second, _) = app.buy("1d", "0712000001").await;
    let (third, _) = app.buy("1h", "0712000002").await;
    let unpaid = app.place_order("1h", "0712000003").await;

    // Orders, newest first, every status; one with what Pesapal said.
    let orders = api.all("/api/v1/orders", 2).await;
    assert_eq!(orders.len(), 4);
    assert_eq!(orders[0]["id"], unpaid.order_id.as_str());
    assert_eq!(orders[0]["status"], "pending");
    assert_eq!(orders[1]["id"], third.order_id.as_str());
    let fulfilled = api.all("/api/v1/orders?status=fulfilled", 50).await;
    assert_eq!(fulfilled.len(), 3);
    let detail = api.ok(&format!("/api/v1/orders/{}", first.order_id)).await;
    assert_eq!(detail["voucher_code"], first_voucher.code.as_str());
    assert_eq!(detail["amount_minor"], 5000);
    assert!(
        detail["payment_events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["state"] == "completed"),
        "{detail}"
    );

    // Customers: most recent first, with their totals and history.
    let customers = api.all("/api/v1/customers", 1).await;
    let phones: Vec<&str> = customers
        .iter()
        .map(|c| c["phone"].as_str().unwrap())
        .collect();
    assert_eq!(phones, ["254712000002", "254712000001"]);
    let buyer = api.ok("/api/v1/customers/0712000001").await;
    assert_eq!(buyer["purchases"], 2);
    let spent = app.order(&first.order_id).await.amount.minor()
        + app.order(&second.order_id).await.amount.minor();
    assert_eq!(buyer["spent_minor"], spent);
    let history = buyer["history"]["data"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1]["voucher_code"], first_voucher.code.as_str());
    assert_eq!(history[1]["channel"], "online");
    let first_page = api.ok("/api/v1/customers/254712000001?limit=1").await;
    assert_eq!(first_page["history"]["data"][0], history[0]);
    let cursor = first_page["history"]["next_cursor"].as_str().unwrap();
    let second_page = api
        .ok(&format!(
            "/api/v1/customers/254712000001?limit=1&cursor={cursor}"
        ))
        .await;
    assert_eq!(second_page["history"]["data"][0], history[1]);
    assert_eq!(second_page["history"]["next_cursor"], Value::Null);

    // The sales report equals a recount of today's sales.
    let report = api.ok("/api/v1/reports/sales").await;
    let day =
        tiketi_core::services::issuance::business_day(jiff::Timestamp::now(), "Africa/Nairobi");
    let sales = app
        .host
        .tiketi
        .store
        .sales_of_day("demo", &day)
        .await
        .unwrap();
    let gross: i64 = sales.iter().map(|s| s.amount.minor()).sum();
    let fees: i64 = sales.iter().map(|s| s.fee.minor()).sum();
    assert_eq!(report["total"]["sales"], sales.len());
    assert_eq!(report["total"]["gross_minor"], gross);
    assert_eq!(report["total"]["fees_minor"], fees);
    assert_eq!(report["total"]["net_minor"], gross - fees);
    let today = report["periods"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(today["start"], day.as_str());
    assert_eq!(today["gross_minor"], gross);
    let online = &report["by_channel"][0];
    assert_eq!(
        (online["id"].as_str(), online["sales"].as_i64()),
        (Some("online"), Some(3))
    );
    let by_ticket: i64 = report["by_ticket_type"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["gross_minor"].as_i64().unwrap())
        .sum();
    assert_eq!(by_ticket, gross);
    let monthly = api.ok("/api/v1/reports/sales?by=month").await;
    assert_eq!(monthly["total"], report["total"]);

    // A reversed payment comes off the buyer's totals and the report alike.
    let second_amount = app.order(&second.order_id).await.amount.minor();
    app.sandbox()
        .reverse(&second.tracking_id, true)
        .await
        .unwrap();
    app.settle().await;
    let buyer = api.ok("/api/v1/customers/0712000001").await;
    assert_eq!(buyer["purchases"], 1);
    assert_eq!(buyer["spent_minor"], spent - second_amount);
    assert_eq!(buyer["history"]["data"][0]["status"], "reversed");
    let report = api.ok("/api/v1/reports/sales").await;
    assert_eq!(report["total"]["gross_minor"], gross - second_amount);
    assert_eq!(report["total"]["reversed"], 1);
}

#[tokio::test]
async fn a_retried_creation_with_the_same_key_makes_one_thing() {
    let app = spawn_app().await;
    let owner = demo_owner(&app, "retries@demo.example").await;
    let token = owner.create_api_token("Shop", "read_write").await;
    let http = reqwest::Client::new();
    let post = |path: &'static str, key: &'static str, body: Value| {
        let request = http
            .post(app.url(path))
            .bearer_auth(&token)
            .header("Idempotency-Key", key)
            .json(&body);
        async move {
            let answer = request.send().await.unwrap();
            let status = answer.status();
            let body: Value = answer.json().await.unwrap();
            SPEC.check(&Method::POST, path, status, &body);
            (status, body)
        }
    };
    let one = json!({ "ticket_type_id": "1h", "router_id": "demo-router" });
    let (status, first) = post("/api/v1/vouchers", "order-981", one.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (status, again) = post("/api/v1/vouchers", "order-981", one.clone()).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        again["code"], first["code"],
        "the retry gets the same voucher"
    );
    let (_, other) = post("/api/v1/vouchers", "order-982", one).await;
    assert_ne!(other["code"], first["code"]);

    // Ten tries at once, and a late retry, make one batch.
    let many = json!({ "ticket_type_id": "1d", "router_id": "demo-router", "quantity": 30 });
    let tries = (0..10).map(|_| post("/api/v1/batches", "restock-7", many.clone()));
    let answers = futures::future::join_all(tries).await;
    let batch = answers[0].1.clone();
    for (status, same) in &answers {
        assert_eq!(*status, StatusCode::ACCEPTED, "{same}");
        assert_eq!(same["id"], batch["id"]);
    }
    let (_, late) = post("/api/v1/batches", "restock-7", many.clone()).await;
    assert_eq!(late["id"], batch["id"]);
    let changed = json!({ "ticket_type_id": "1d", "router_id": "demo-router", "quantity": 31 });
    let (status, body) = post("/api/v1/batches", "restock-7", changed).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let batches = app.host.tiketi.store.batches("demo", 100).await.unwrap();
    assert_eq!(batches.len(), 3, "two single vouchers and one batch");
    let (status, _) = post("/api/v1/batches", "has space", many).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}
