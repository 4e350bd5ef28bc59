//! The captive-portal checkout (Lambda `checkout`): packages page, order creation and hand-off
//! to Pesapal, the page Pesapal sends the customer back to, and voucher recovery.
//!
//! Routes (the router's login page links to the first one with `mac`, `login_url` =
//! `$(link-login-only)` and `dst` = `$(link-orig)`):
//! - `GET  /checkout/{operator}/{router}`         packages and the order form
//! - `POST /checkout/{operator}/{router}`         create the order, 303 to Pesapal
//! - `GET  /checkout/{operator}/orders/{order}`   callback page: voucher, or waiting (refreshes)
//! - `GET|POST /checkout/{operator}/recover`      voucher by phone + confirmation/order code

use axum::{
    Form, Router,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode, Uri, header},
    response::{Html, IntoResponse, Redirect, Response},
    routing::get,
};
use serde::Deserialize;
use serde_json::{Value, json};
use tiketi_core::{
    domain::payment::CheckSource,
    domain::{
        catalog::describe_duration,
        money::Money,
        order::{Order, OrderStatus},
        phone::Msisdn,
        voucher::Voucher,
    },
    services::{Platform, ServiceError, Tiketi, checkout::OrderForm, payments::Notification},
};

use super::{AppState, PageError, i18n::Lang, pages, require_ids};

pub fn router<P: Platform>(state: AppState<P>) -> Router {
    Router::new()
        .route(
            "/checkout/{operator}/{router}",
            get(packages_page::<P>).post(place_order::<P>),
        )
        .route("/checkout/{operator}/orders/{order}", get(order_page::<P>))
        .route(
            "/checkout/{operator}/recover",
            get(recover_page::<P>).post(recover::<P>),
        )
        .with_state(state)
}

/// What the router's login page passes along (MikroTik variable names accepted as aliases).
#[derive(Debug, Default, Deserialize)]
pub struct PortalParams {
    #[serde(default)]
    mac: Option<String>,
    #[serde(default, alias = "link-login-only", alias = "link_login_only")]
    login_url: Option<String>,
    #[serde(default, alias = "link-orig", alias = "link_orig")]
    dst: Option<String>,
    #[serde(default)]
    lang: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct OrderBody {
    #[serde(default)]
    ticket_type_id: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(flatten)]
    portal: PortalParams,
}

pub(super) fn lang_of(explicit: Option<&str>, headers: &HeaderMap) -> Lang {
    Lang::choose(
        explicit,
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

fn money(amount: Money, currency: &str) -> String {
    amount.display(currency)
}

pub(super) fn validity(lang: Lang, seconds: u64) -> String {
    match lang {
        Lang::En => describe_duration(seconds),
        Lang::Sw => lang.allowance(tiketi_core::domain::catalog::Allowance::Time { seconds }),
    }
}

fn checkout_url(operator_id: &str, router_id: &str, portal: &PortalParams, lang: Lang) -> String {
    let query = pages::query(&[
        ("mac", portal.mac.as_deref()),
        ("login_url", portal.login_url.as_deref()),
        ("dst", portal.dst.as_deref()),
        ("lang", Some(lang.code())),
    ]);
    format!("/checkout/{operator_id}/{router_id}{query}")
}

async fn render_packages<P: Platform>(
    tiketi: &Tiketi<P>,
    ids: (&str, &str),
    portal: &PortalParams,
    lang: Lang,
    uri: &Uri,
    form: Value,
) -> Result<String, PageError> {
    let (operator_id, router_id) = ids;
    let store = tiketi
        .storefront(operator_id, router_id)
        .await
        .map_err(|e| PageError::new(e, lang, uri))?;
    let packages: Vec<Value> = store
        .ticket_types
        .iter()
        .map(|t| {
            json!({
                "id": t.id, "name": t.name, "allowance": lang.allowance(t.allowance),
                "validity": validity(lang, t.validity_seconds), "price": money(t.price, &store.operator.currency),
                "fair_usage": t.fair_usage.as_deref().map(speed),
            })
        })
        .collect();
    let mut values = json!({
        "packages": packages,
        "selling": store.selling,
        "form_action": checkout_url(operator_id, router_id, &PortalParams::default(), lang).split('?').next(),
        "recover_url": format!("/checkout/{operator_id}/recover?lang={}", lang.code()),
        "mac": portal.mac, "login_url": portal.login_url, "dst": portal.dst,
        "phone": "", "email": "", "selected": "", "error": Value::Null,
    });
    if let (Value::Object(values), Value::Object(form)) = (&mut values, form) {
        values.extend(form);
    }
    Ok(pages::render(
        "checkout.html",
        lang,
        &store.operator.business_name,
        uri,
        values,
    ))
}

async fn packages_page<P: Platform>(
    State(AppState(tiketi)): State<AppState<P>>,
    Path((operator_id, router_id)): Path<(String, String)>,
    Query(portal): Query<PortalParams>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Html<String>, PageError> {
    let lang = lang_of(portal.lang.as_deref(), &headers);
    require_ids(&[&operator_id, &router_id], "hotspot", lang, &uri)?;
    let html = render_packages(
        &tiketi,
        (&operator_id, &router_id),
        &portal,
        lang,
        &uri,
        json!({}),
    )
    .await?;
    Ok(Html(html))
}

/// A MikroTik rate limit as a customer reads it: `512k/1M` is 1 Mbit/s down (the second
/// figure is the client's download).
pub(super) fn speed(rate_limit: &str) -> String {
    let first = rate_limit.split(' ').next().unwrap_or(rate_limit);
    let down = first.rsplit('/').next().unwrap_or(first);
    match down.strip_suffix('M') {
        Some(m) => format!("{m} Mbit/s"),
        None => match down.strip_suffix('k') {
            Some(k) => format!("{k} kbit/s"),
            None => format!("{down} bit/s"),
        },
    }
}

/// The order form again, filled in as submitted, with an explanation.
async fn form_again<P: Platform>(
    tiketi: &Tiketi<P>,
    ids: (&str, &str),
    body: &OrderBody,
    lang: Lang,
    uri: &Uri,
    status: StatusCode,
    error_key: &str,
) -> Result<Response, PageError> {
    let form = json!({
        "error": lang.texts()[error_key], "phone": body.phone, "email": body.email, "selected": body.ticket_type_id,
    });
    let html = render_packages(tiketi, ids, &body.portal, lang, uri, form).await?;
    Ok((status, Html(html)).into_response())
}

async fn place_order<P: Platform>(
    State(AppState(tiketi)): State<AppState<P>>,
    Path((operator_id, router_id)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
    Form(body): Form<OrderBody>,
) -> Result<Response, PageError> {
    let lang = lang_of(body.portal.lang.as_deref(), &headers);
    require_ids(&[&operator_id, &router_id], "hotspot", lang, &uri)?;
    if Msisdn::parse(&body.phone).is_err() {
        return form_again(
            &tiketi,
            (&operator_id, &router_id),
            &body,
            lang,
            &uri,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_phone",
        )
        .await;
    }
    let form = OrderForm {
        operator_id: operator_id.clone(),
        router_id: router_id.clone(),
        ticket_type_id: body.ticket_type_id.clone(),
        phone: body.phone.clone(),
        email: body.email.clone(),
        mac: body.portal.mac.clone(),
        login_url: body.portal.login_url.clone(),
        original_url: body.portal.dst.clone(),
        language: lang.code().into(),
    };
    let order = tiketi
        .create_order(&form)
        .await
        .map_err(|e| PageError::new(e, lang, &uri))?;
    match tiketi.submit_order(&order).await {
        Ok(redirect_url) => Ok(Redirect::to(&redirect_url).into_response()),
        Err(ServiceError::Gateway(_)) => {
            form_again(
                &tiketi,
                (&operator_id, &router_id),
                &body,
                lang,
                &uri,
                StatusCode::BAD_GATEWAY,
                "gateway_down",
            )
            .await
        }
        Err(other) => Err(PageError::new(other, lang, &uri)),
    }
}

/// Pesapal's callback parameters (never trusted: the page asks Pesapal itself).
#[derive(Debug, Deserialize)]
pub struct CallbackParams {
    #[serde(rename = "OrderTrackingId")]
    tracking_id: Option<String>,
    /// Set on Pesapal's cancellation URL: the customer pressed Cancel there.
    #[serde(default)]
    cancelled: Option<String>,
    #[serde(default)]
    lang: Option<String>,
}

/// How long the order page waits (refreshing) for a payment before it stops and explains.
const SLOW_PAYMENT: jiff::SignedDuration = jiff::SignedDuration::from_mins(5);

/// A bought voucher as the order and recovery pages show it: its login, and the same facts
/// as the balance page (status, what is left, when it ends), so a voucher that can no longer
/// connect is never offered a Connect button.
fn voucher_view(order: &Order, voucher: &Voucher, lang: Lang, time_zone: &str) -> Value {
    let mut view = json!({
        "name": voucher.terms.name,
        "allowance": lang.allowance(voucher.terms.allowance),
        "username": voucher.code,
        "password": voucher.password,
        "login_url": order.login_url,
        "dst": order.original_url,
        "balance_url": format!("/checkout/{}/balance?code={}&lang={}", order.operator_id, voucher.code, lang.code()),
    });
    if let (Value::Object(view), Value::Object(facts)) =
        (&mut view, super::balance::facts(voucher, lang, time_zone))
    {
        for (key, value) in facts {
            view.entry(key).or_insert(value);
        }
    }
    view
}

async fn order_page<P: Platform>(
    State(AppState(tiketi)): State<AppState<P>>,
    Path((operator_id, order_id)): Path<(String, String)>,
    Query(params): Query<CallbackParams>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Html<String>, PageError> {
    let guess = lang_of(params.lang.as_deref(), &headers);
    let fail = |e: ServiceError| PageError::new(e, guess, &uri);
    require_ids(&[&operator_id, &order_id], "order", guess, &uri)?;
    let (mut order, mut voucher) = tiketi
        .order_with_voucher(&operator_id, &order_id)
        .await
        .map_err(fail)?;
    if matches!(order.status, OrderStatus::Pending | OrderStatus::Failed)
        && let Some(tracking_id) = order.tracking_id.clone()
    {
        if params
            .tracking_id
            .as_deref()
            .is_some_and(|t| t != tracking_id)
        {
            tracing::warn!(
                order_id,
                "callback carried another order's tracking id; ignored"
            );
        }
        let notification = Notification {
            operator_id: operator_id.clone(),
            tracking_id,
            merchant_reference: Some(order.reference.clone()),
            notification_type: Some("CALLBACKURL".into()),
            source: CheckSource::Callback,
        };
        match tiketi.check_payment(&notification).await {
            Ok(checked) => order = checked,
            Err(error) => {
                tracing::warn!(%error, order_id, "status check from the callback page failed")
            }
        }
        if order.status == OrderStatus::Fulfilled {
            (order, voucher) = tiketi
                .order_with_voucher(&operator_id, &order_id)
                .await
                .map_err(fail)?;
        }
    }
    let lang = params.lang.as_deref().map_or_else(
        || {
            if order.language == "sw" {
                Lang::Sw
            } else {
                Lang::En
            }
        },
        |explicit| Lang::choose(Some(explicit), None),
    );
    let operator = tiketi
        .store
        .operator(&operator_id)
        .await
        .map_err(|e| PageError::new(e, lang, &uri))?;
    let time_zone = operator
        .as_ref()
        .map_or_else(|| "UTC".to_owned(), |o| o.time_zone.clone());
    let business_name = operator.map_or_else(|| "Tiketi".to_owned(), |o| o.business_name);
    let state = match order.status {
        OrderStatus::Pending => "pending",
        OrderStatus::Paid | OrderStatus::Fulfilled => "paid",
        OrderStatus::Failed => "failed",
        OrderStatus::Reversed => "reversed",
    };
    // A payment still not confirmed after a few minutes stops refreshing and says what
    // happens next; one cancelled on Pesapal's page says so.
    let age = jiff::Timestamp::now() - order.created_at;
    let state = match (state, order.status) {
        ("pending", _) if params.cancelled.is_some() => "cancelled",
        ("pending", OrderStatus::Pending) if age >= SLOW_PAYMENT => "slow",
        (state, _) => state,
    };
    let waiting = voucher.is_none() && matches!(state, "pending" | "paid");
    let portal = PortalParams {
        mac: order.mac.clone(),
        login_url: order.login_url.clone(),
        dst: order.original_url.clone(),
        lang: None,
    };
    let values = json!({
        "state": state,
        "voucher": voucher.as_ref().filter(|_| order.status == OrderStatus::Fulfilled).map(|v| voucher_view(&order, v, lang, &time_zone)),
        "refresh_seconds": if waiting { Some(4) } else { None },
        "self_url": format!("/checkout/{operator_id}/orders/{order_id}?lang={}", lang.code()),
        "retry_url": checkout_url(&operator_id, &order.router_id, &portal, lang),
        "pay_url": order.redirect_url.as_ref().filter(|_| order.status == OrderStatus::Pending),
        "order_code": order.code,
        "recover_url": format!("/checkout/{operator_id}/recover?lang={}", lang.code()),
        "amount": money(order.amount, &order.currency),
    });
    Ok(Html(pages::render(
        "order.html",
        lang,
        &business_name,
        &uri,
        values,
    )))
}

#[derive(Debug, Deserialize)]
pub struct RecoverBody {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    lang: Option<String>,
}

pub(super) async fn business_name<P: Platform>(
    tiketi: &Tiketi<P>,
    operator_id: &str,
    lang: Lang,
    uri: &Uri,
) -> Result<String, PageError> {
    let operator = tiketi
        .store
        .operator(operator_id)
        .await
        .map_err(|e| PageError::new(e, lang, uri))?;
    operator
        .map(|o| o.business_name)
        .ok_or_else(|| PageError::new(ServiceError::NotFound("hotspot"), lang, uri))
}

async fn recover_page<P: Platform>(
    State(AppState(tiketi)): State<AppState<P>>,
    Path(operator_id): Path<String>,
    Query(portal): Query<PortalParams>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Html<String>, PageError> {
    let lang = lang_of(portal.lang.as_deref(), &headers);
    require_ids(&[&operator_id], "hotspot", lang, &uri)?;
    let name = business_name(&tiketi, &operator_id, lang, &uri).await?;
    let values =
        json!({"form_action": format!("/checkout/{operator_id}/recover"), "phone": "", "code": ""});
    Ok(Html(pages::render(
        "recover.html",
        lang,
        &name,
        &uri,
        values,
    )))
}

async fn recover<P: Platform>(
    State(AppState(tiketi)): State<AppState<P>>,
    Path(operator_id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    Form(body): Form<RecoverBody>,
) -> Result<Response, PageError> {
    let lang = lang_of(body.lang.as_deref(), &headers);
    require_ids(&[&operator_id], "hotspot", lang, &uri)?;
    let name = business_name(&tiketi, &operator_id, lang, &uri).await?;
    let mut values = json!({
        "form_action": format!("/checkout/{operator_id}/recover"), "phone": body.phone, "code": body.code,
    });
    let status = if Msisdn::parse(&body.phone).is_err() {
        values["error"] = lang.texts()["invalid_phone"].clone();
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        match tiketi
            .recover_voucher(&operator_id, &body.phone, &body.code)
            .await
        {
            Ok(Some((order, voucher))) => {
                let time_zone = tiketi
                    .store
                    .operator(&operator_id)
                    .await
                    .map_err(|e| PageError::new(e, lang, &uri))?
                    .map_or_else(|| "UTC".to_owned(), |o| o.time_zone);
                values["voucher"] = voucher_view(&order, &voucher, lang, &time_zone);
                StatusCode::OK
            }
            Ok(None) | Err(ServiceError::Invalid(_)) => {
                values["error"] = lang.texts()["recover_none"].clone();
                StatusCode::NOT_FOUND
            }
            Err(other) => return Err(PageError::new(other, lang, &uri)),
        }
    };
    Ok((
        status,
        Html(pages::render("recover.html", lang, &name, &uri, values)),
    )
        .into_response())
}
