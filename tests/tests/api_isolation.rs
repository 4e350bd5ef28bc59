//! Tenant isolation on the REST API, operation by operation: another operator's token, with
//! the victim's ids in the URL and in the body, finds nothing, lists nothing of theirs and
//! changes nothing; without a token nothing answers but the document. The table below must
//! equal the operations of the OpenAPI document (itself checked against the routes in
//! `api.rs`), so a new operation cannot skip these checks.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tiketi_tests::{
    api::{ApiClient, SPEC, error_code},
    app::{TestApp, spawn_app},
    portal::{PortalUser, demo_owner},
};

/// Every API operation: path pattern and method.
const OPERATIONS: &[(&str, &str)] = &[
    ("/api/v1/openapi.yaml", "GET"),
    ("/api/v1/routers", "GET"),
    ("/api/v1/routers/{id}", "GET"),
    ("/api/v1/ticket-types", "GET"),
    ("/api/v1/ticket-types", "POST"),
    ("/api/v1/ticket-types/{id}", "GET"),
    ("/api/v1/ticket-types/{id}", "PUT"),
    ("/api/v1/ticket-types/{id}/archive", "POST"),
    ("/api/v1/ticket-types/{id}/restore", "POST"),
    ("/api/v1/vouchers", "GET"),
    ("/api/v1/vouchers", "POST"),
    ("/api/v1/vouchers/{code}", "GET"),
    ("/api/v1/vouchers/{code}/cancel", "POST"),
    ("/api/v1/batches", "GET"),
    ("/api/v1/batches", "POST"),
    ("/api/v1/batches/{id}", "GET"),
    ("/api/v1/batches/{id}/cancel", "POST"),
    ("/api/v1/orders", "GET"),
    ("/api/v1/orders/{id}", "GET"),
    ("/api/v1/reports/sales", "GET"),
    ("/api/v1/customers", "GET"),
    ("/api/v1/customers/{phone}", "GET"),
];

#[test]
fn the_table_covers_every_documented_operation() {
    let mut documented = BTreeSet::new();
    for (path, operations) in SPEC.paths() {
        for method in operations.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                documented.insert((path.clone(), method.to_ascii_uppercase()));
            }
        }
    }
    let table: BTreeSet<(String, String)> = OPERATIONS
        .iter()
        .map(|(p, m)| ((*p).to_owned(), (*m).to_owned()))
        .collect();
    assert_eq!(table, documented);
}

/// The demo operator's data (it sells through the checkout, so it has orders and customers).
struct Victim {
    router_id: String,
    ticket_type_id: String,
    batch_id: String,
    voucher_code: String,
    order_id: String,
    phone: String,
}

async fn victim(app: &TestApp) -> Victim {
    let owner = demo_owner(app, "victim@demo.example").await;
    let batch_id = owner.add_batch("1h", "demo-router", 3).await;
    let (placed, voucher) = app.buy("1d", "0712999888").await;
    Victim {
        router_id: "demo-router".into(),
        ticket_type_id: "1h".into(),
        batch_id,
        voucher_code: voucher.code,
        order_id: placed.order_id,
        phone: "254712999888".into(),
    }
}

/// What must not change (and must not be seen).
async fn fingerprint(app: &TestApp, v: &Victim) -> String {
    let store = &app.host.tiketi.store;
    format!(
        "{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}",
        store.routers("demo").await.unwrap(),
        store.ticket_types("demo").await.unwrap(),
        store.batches("demo", 10).await.unwrap(),
        store.voucher("demo", &v.voucher_code).await.unwrap(),
        store.voucher_counts("demo").await.unwrap(),
        store.order("demo", &v.order_id).await.unwrap(),
        store.customer("demo", &v.phone).await.unwrap(),
        store.audit_log("demo", None, 100).await.unwrap().len(),
    )
}

fn concrete(pattern: &str, v: &Victim) -> String {
    let id = if pattern.starts_with("/api/v1/routers/") {
        &v.router_id
    } else if pattern.starts_with("/api/v1/ticket-types/") {
        &v.ticket_type_id
    } else if pattern.starts_with("/api/v1/batches/") {
        &v.batch_id
    } else if pattern.starts_with("/api/v1/vouchers/") {
        &v.voucher_code
    } else if pattern.starts_with("/api/v1/orders/") {
        &v.order_id
    } else if pattern.starts_with("/api/v1/customers/") {
        &v.phone
    } else {
        assert!(!pattern.contains('{'), "give {pattern} a victim id");
        return pattern.to_owned();
    };
    let start = pattern.find('{').unwrap();
    let end = pattern.find('}').unwrap();
    format!("{}{id}{}", &pattern[..start], &pattern[end + 1..])
}

/// A body that would change the victim's data if ids crossed tenants.
fn hostile_body(v: &Victim) -> Value {
    json!({
        "name": "Taken Over", "kind": "time", "time_seconds": 3600, "price_minor": 1,
        "validity_seconds": 3600, "router_ids": [v.router_id],
        "ticket_type_id": v.ticket_type_id, "router_id": v.router_id, "quantity": 1,
        "reason": "taken over",
    })
}

/// The body an operation takes, narrowed to its schema's properties (the API refuses
/// unknown fields, and a refusal for that reason would prove nothing).
fn body_for(pattern: &str, method: &str, v: &Victim) -> Option<Value> {
    let operation = &SPEC.paths()[pattern][method.to_ascii_lowercase()];
    let schema = operation.pointer("/requestBody/content/application~1json/schema")?;
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => SPEC.doc.pointer(r.strip_prefix('#').unwrap()).unwrap(),
        None => schema,
    };
    let allowed: BTreeSet<&str> = schema["properties"]
        .as_object()
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let Value::Object(all) = hostile_body(v) else {
        unreachable!()
    };
    Some(Value::Object(
        all.into_iter()
            .filter(|(k, _)| allowed.contains(k.as_str()))
            .collect(),
    ))
}

#[tokio::test]
async fn another_operators_token_finds_lists_and_changes_nothing_of_yours() {
    let app = spawn_app().await;
    let v = victim(&app).await;
    let intruder = PortalUser::sign_up(&app, "Intruder", "intruder@example.com").await;
    intruder.add_router("Intruder Router").await;
    let api = ApiClient::new(
        &app,
        &intruder.create_api_token("Probe", "read_write").await,
    );
    let before = fingerprint(&app, &v).await;
    let secrets = [
        v.voucher_code.as_str(),
        v.order_id.as_str(),
        v.batch_id.as_str(),
        v.phone.as_str(),
        "demo-router",
        "1 Hour WiFi",
        "Demo Hotspot",
    ];

    for (pattern, method) in OPERATIONS {
        if *pattern == "/api/v1/openapi.yaml" {
            continue;
        }
        let path = concrete(pattern, &v);
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let body = body_for(pattern, method.as_str(), &v);
        let answer = api.send(method.clone(), &path, body.as_ref()).await;
        let text = answer.body.to_string();
        // An error may repeat what the request said; it must reveal nothing else.
        let asked = format!(
            "{path}{}",
            body.as_ref().map(Value::to_string).unwrap_or_default()
        );
        for secret in secrets.iter().filter(|s| !asked.contains(**s)) {
            assert!(
                !text.contains(secret),
                "{method} {path} shows the victim's {secret}: {text}"
            );
        }
        if pattern.contains('{') {
            assert_eq!(
                answer.status,
                StatusCode::NOT_FOUND,
                "{method} {path}: {text}"
            );
        } else if method == Method::POST && *pattern != "/api/v1/ticket-types" {
            // New vouchers or batches naming the victim's ticket type and router.
            assert_eq!(
                answer.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{method} {path}: {text}"
            );
        } else if method == Method::POST {
            // A ticket type of the intruder's own, sold at the victim's router: refused.
            assert_eq!(error_code(&answer), "invalid_request", "{text}");
        }
    }
    // Searches by the victim's code, phone and batch find nothing either.
    for query in [
        format!("code={}", v.voucher_code),
        format!("phone={}", v.phone),
        format!("batch_id={}", v.batch_id),
    ] {
        let found = api.ok(&format!("/api/v1/vouchers?{query}")).await;
        assert_eq!(found["data"], json!([]), "{query}");
    }
    assert_eq!(
        fingerprint(&app, &v).await,
        before,
        "the victim's data is unchanged"
    );
}

#[tokio::test]
async fn nothing_but_the_document_answers_without_a_token() {
    let app = spawn_app().await;
    let v = victim(&app).await;
    let anonymous = ApiClient::anonymous(&app);
    for (pattern, method) in OPERATIONS {
        if *pattern == "/api/v1/openapi.yaml" {
            continue;
        }
        let path = concrete(pattern, &v);
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let body = body_for(pattern, method.as_str(), &v);
        let answer = anonymous.send(method.clone(), &path, body.as_ref()).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert_eq!(error_code(&answer), "unauthorized");
    }
}
