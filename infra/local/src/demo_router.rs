//! The local status page (`/local`: the issuance queue, the payment mode, links to the demo) and
//! a simulated MikroTik hotspot login page for the demo router, so the whole customer journey
//! (login page → checkout → pay → voucher → Connect) works on one machine. The login page checks
//! codes against the store the way a router checks its users. (`/` is the product's home page,
//! served by the portal function's router: `tiketi_app::http::landing`.)

use std::sync::Arc;

use axum::{Form, Router, extract::State, response::Html, routing::get};
use serde::Deserialize;
use tera::{Context, Tera};
use tiketi_core::{
    domain::{voucher::VoucherStatus, voucher_code::VoucherCode},
    services::{Tiketi, demo::DemoIds},
};

use tiketi_adapters::memory_queue::InProcessQueue;

use crate::host::LocalPlatform;

#[derive(Clone)]
struct DemoState {
    tiketi: Arc<Tiketi<LocalPlatform>>,
    base_url: String,
    sandbox: bool,
}

const PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem}
code{background:#eee;padding:.1rem .3rem}input{font-size:1.1rem;padding:.5rem}button{font-size:1.1rem;padding:.5rem 1rem}
.ok{background:#dafbe1;padding:1rem;border-radius:.4rem}.bad{background:#ffebe9;padding:1rem;border-radius:.4rem}</style>
</head><body>
<h1>{{ title }}</h1>
{% if page == "home" %}
<p>Tiketi is running on this machine: checkout, Pesapal IPN, voucher issuer and reconciliation in one process. The product's home page is <a href="/">/</a>.</p>
<ul>
<li><a href="{{ login_url }}">Demo hotspot login page</a> (what a customer's phone shows on the WiFi)</li>
<li><a href="{{ checkout_url }}" id="checkout">Demo checkout</a>: buy a voucher</li>
<li><a href="{{ recover_url }}">Voucher recovery</a></li>
<li><a href="/portal/signup">Operator portal</a>: sign up your hotspot business, or <a href="/portal/login">log in</a></li>
</ul>
<p>Voucher issuance queue: {{ queued }} waiting; <strong>{{ dead_letters }}</strong> failed for good (dead letters: see the log for why).</p>
<p>Payments: {% if sandbox %}the <strong>Pesapal sandbox stand-in</strong> built into Tiketi (no keys set).{% else %}Pesapal at the configured <code>PESAPAL_BASE_URL</code>.{% endif %}</p>
{% else %}
{% if message %}<p class="{{ outcome }}">{{ message }}</p>{% endif %}
<p>This stands in for the MikroTik router's hotspot login page (<code>$(link-login-only)</code>).</p>
<form method="post" action="/demo-router/login">
<p><label>Voucher code <input name="username" autocomplete="off" value="{{ username }}"></label></p>
<input type="hidden" name="password" value="">
<p><button type="submit">Log in</button></p>
</form>
<p><a href="{{ checkout_url }}">No voucher? Buy one</a></p>
{% endif %}
</body></html>"#;

pub fn checkout_url(base_url: &str, demo: &DemoIds) -> String {
    let login = format!("{base_url}/demo-router/login");
    let query = serde_urlencoded::to_string([
        ("mac", "02:00:00:00:00:01"),
        ("login_url", &login),
        ("dst", "http://example.com/"),
    ])
    .unwrap_or_default();
    format!(
        "{base_url}/checkout/{}/{}?{query}",
        demo.operator_id, demo.router_id
    )
}

fn render(values: &[(&str, tera::Value)]) -> Html<String> {
    let mut context = Context::new();
    for (key, value) in values {
        context.insert(key.to_string(), value);
    }
    let html =
        Tera::one_off(PAGE, &context, true).unwrap_or_else(|e| format!("template error: {e}"));
    Html(html)
}

pub fn router(tiketi: Arc<Tiketi<LocalPlatform>>, base_url: String, sandbox: bool) -> Router {
    Router::new()
        .route("/local", get(home))
        .route("/demo-router/login", get(login_page).post(login))
        .with_state(DemoState {
            tiketi,
            base_url,
            sandbox,
        })
}

async fn home(State(state): State<DemoState>) -> Html<String> {
    let demo = state.tiketi.demo_ids().await.unwrap_or_else(|_| DemoIds {
        operator_id: "demo".into(),
        router_id: "demo-router".into(),
        ticket_type_ids: vec![],
    });
    render(&[
        ("title", "Tiketi (local)".into()),
        ("page", "home".into()),
        ("sandbox", state.sandbox.into()),
        ("queued", state.tiketi.queue.held().into()),
        (
            "dead_letters",
            state
                .tiketi
                .queue
                .dead_letter_queue()
                .map_or(0, InProcessQueue::held)
                .into(),
        ),
        ("checkout_url", checkout_url(&state.base_url, &demo).into()),
        ("login_url", "/demo-router/login".into()),
        (
            "recover_url",
            format!("/checkout/{}/recover", demo.operator_id).into(),
        ),
    ])
}

fn login_values(
    state: &DemoState,
    message: &str,
    outcome: &str,
    username: &str,
) -> Vec<(&'static str, tera::Value)> {
    let demo = DemoIds {
        operator_id: "demo".into(),
        router_id: "demo-router".into(),
        ticket_type_ids: vec![],
    };
    vec![
        ("title", "Demo Hotspot: log in".into()),
        ("page", "login".into()),
        ("message", message.into()),
        ("outcome", outcome.into()),
        ("username", username.into()),
        ("checkout_url", checkout_url(&state.base_url, &demo).into()),
    ]
}

async fn login_page(State(state): State<DemoState>) -> Html<String> {
    render(&login_values(&state, "", "", ""))
}

#[derive(Debug, Deserialize)]
struct Login {
    #[serde(default)]
    username: String,
}

async fn login(State(state): State<DemoState>, Form(form): Form<Login>) -> Html<String> {
    let found = match VoucherCode::parse(&form.username) {
        Ok(code) => state
            .tiketi
            .store
            .voucher("demo", code.as_str())
            .await
            .ok()
            .flatten(),
        Err(_) => None,
    };
    let (message, outcome) = match found {
        Some(v) if matches!(v.status, VoucherStatus::Unused | VoucherStatus::Active) => (
            format!(
                "Connected with voucher {} ({}). Enjoy the internet!",
                v.code, v.terms.name
            ),
            "ok",
        ),
        Some(v) => (
            format!("Voucher {} cannot be used: {}", v.code, v.status.as_str()),
            "bad",
        ),
        None => ("Unknown voucher code.".to_owned(), "bad"),
    };
    render(&login_values(&state, &message, outcome, &form.username))
}
