//! The sandbox's payment page (the `redirect_url`): the customer pays, fails or cancels with a
//! button, and is sent back to the merchant's callback as Pesapal does.

use axum::{
    Form,
    extract::{Path, State},
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use tiketi_core::ports::gateway::PaymentState;
use tracing::{error, info};

use super::{Sandbox, SandboxOrder, with_params};

const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tiketi Pesapal sandbox stand-in: pay {{ amount }}</title>
<style>
body { font-family: system-ui, sans-serif; background: #f3f4f6; margin: 0; padding: 1rem; }
main { max-width: 28rem; margin: 2rem auto; background: #fff; border-radius: .75rem; padding: 1.5rem; box-shadow: 0 1px 4px #0002; }
.banner { background: #fef3c7; color: #92400e; padding: .5rem .75rem; border-radius: .5rem; font-size: .9rem; }
dl { display: grid; grid-template-columns: auto 1fr; gap: .4rem 1rem; }
dt { color: #6b7280; } dd { margin: 0; word-break: break-all; }
button { display: block; width: 100%; margin-top: .6rem; padding: .75rem; font-size: 1rem; border: 0; border-radius: .5rem; cursor: pointer; }
.pay { background: #16a34a; color: #fff; } .fail { background: #dc2626; color: #fff; } .cancel { background: #e5e7eb; }
</style>
</head>
<body>
<main>
<h1>Tiketi Pesapal sandbox stand-in</h1>
<p class="banner">Test payment page. No money moves; nothing here is Pesapal.</p>
<dl>
<dt>Merchant</dt><dd>{{ merchant }}</dd>
<dt>Reference</dt><dd>{{ reference }}</dd>
<dt>Amount</dt><dd><strong>{{ amount }}</strong></dd>
<dt>Description</dt><dd>{{ description }}</dd>
<dt>Phone</dt><dd>{{ phone }}</dd>
<dt>Status</dt><dd>{{ status }}</dd>
</dl>
<form method="post" action="{{ tracking_id }}">
<button class="pay" name="action" value="pay">Pay with M-Pesa (sandbox)</button>
<button class="fail" name="action" value="fail">Fail payment</button>
<button class="cancel" name="action" value="cancel">Cancel</button>
</form>
</main>
</body>
</html>
"#;

/// The page templates (autoescaped: the name ends in `.html`).
pub(super) fn templates() -> tera::Tera {
    let mut tera = tera::Tera::new();
    if let Err(e) = tera.add_raw_template("pay.html", PAGE) {
        error!(error = %e, "the sandbox pay page template does not parse");
    }
    tera
}

/// `GET /pay/{tracking_id}`.
pub(super) async fn page(
    State(sandbox): State<Sandbox>,
    Path(tracking_id): Path<String>,
) -> Response {
    let Some(order) = sandbox
        .orders()
        .into_iter()
        .find(|o| o.tracking_id == tracking_id)
    else {
        return unknown_order();
    };
    let mut context = tera::Context::new();
    context.insert("tracking_id", &order.tracking_id);
    let key: String = order.consumer_key.chars().take(6).collect();
    context.insert("merchant", &format!("consumer key {key}…"));
    context.insert("reference", &order.merchant_reference);
    context.insert("amount", &order.amount.display(&order.currency));
    context.insert("description", &order.description);
    let contact = order
        .phone_number
        .as_deref()
        .or(order.email_address.as_deref())
        .unwrap_or("-");
    context.insert("phone", contact);
    context.insert("status", &format!("{:?}", order.state).to_uppercase());
    match sandbox.shared.pages.render("pay.html", &context) {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            error!(error = %e, "sandbox pay page did not render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the sandbox pay page did not render",
            )
                .into_response()
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct PayForm {
    action: String,
}

/// `POST /pay/{tracking_id}`: `pay` completes, `fail` fails (the customer may still pay later),
/// `cancel` leaves the order as it is. The browser goes back to the merchant with a 303.
pub(super) async fn act(
    State(sandbox): State<Sandbox>,
    Path(tracking_id): Path<String>,
    Form(form): Form<PayForm>,
) -> Response {
    let Some(order) = sandbox
        .orders()
        .into_iter()
        .find(|o| o.tracking_id == tracking_id)
    else {
        return unknown_order();
    };
    let target = match form.action.as_str() {
        "pay" => PaymentState::Completed,
        "fail" => PaymentState::Failed,
        "cancel" => {
            let back = order
                .cancellation_url
                .as_deref()
                .unwrap_or(&order.callback_url);
            return back_to_merchant(back, &order);
        }
        _ => return (StatusCode::BAD_REQUEST, "unknown action").into_response(),
    };
    match sandbox.transition(&tracking_id, target) {
        Ok((order, true)) => {
            info!(%tracking_id, state = ?order.state, "sandbox payment page changed the order");
            sandbox.spawn_ipn(order);
        }
        Ok((_, false)) => {}
        Err(e) => info!(%tracking_id, error = %e, "sandbox payment page action ignored"),
    }
    back_to_merchant(&order.callback_url, &order)
}

fn back_to_merchant(url: &str, order: &SandboxOrder) -> Response {
    let target = with_params(
        url,
        &[
            ("OrderTrackingId", &order.tracking_id),
            ("OrderMerchantReference", &order.merchant_reference),
            ("OrderNotificationType", "CALLBACKURL"),
        ],
    );
    Redirect::to(&target).into_response()
}

fn unknown_order() -> Response {
    (
        StatusCode::NOT_FOUND,
        Html("<!doctype html><title>Unknown order</title><p>Unknown sandbox order.</p>"),
    )
        .into_response()
}
