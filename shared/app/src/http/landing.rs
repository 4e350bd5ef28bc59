//! The product's home page and the pages around it, served by the `portal` function (which on
//! AWS receives `/` and every path no other route takes) and by the local host:
//!
//! - `GET /`             what Tiketi does for a hotspot operator, how it works, the features,
//!   the plans on sale (prices and limits read from the plan catalogue), the testimonials the
//!   platform administrator entered (none: no section) and the FAQ, in English or Swahili;
//! - `GET /favicon.ico`  the icon browsers ask every site for (cached for a week);
//! - [`not_found`]       the 404 page of every path no route takes (the portal function's
//!   fallback: only one router of the local host may have one).
//!
//! No JavaScript: the CSS is inline, the FAQ opens with `<details>`; the page weighs well under
//! 30 kB.

mod texts;

use std::sync::LazyLock;

use axum::{
    Router,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, Uri, header},
    response::{Html, IntoResponse, Response},
    routing::get,
};
use serde_json::{Value, json};
use tera::{Context, Tera};
use tiketi_core::{
    domain::{
        plan::{Feature, Limit, Plan},
        subscription::TRIAL,
        testimonial::Testimonial,
    },
    services::{Platform, ServiceError},
};

use super::{AppState, PageError, i18n::Lang, pages};

static TEMPLATES: LazyLock<Tera> = LazyLock::new(|| {
    let mut tera = Tera::default();
    tera.add_raw_templates([
        (
            "landing/base.html",
            include_str!("../templates/landing/base.html"),
        ),
        (
            "landing/home.html",
            include_str!("../templates/landing/home.html"),
        ),
        (
            "landing/not_found.html",
            include_str!("../templates/landing/not_found.html"),
        ),
    ])
    .expect("landing templates parse");
    tera
});

const FAVICON: &[u8] = include_bytes!("landing/favicon.ico");

pub fn router<P: Platform>(state: AppState<P>) -> Router {
    Router::new()
        .route("/", get(home::<P>))
        .route("/favicon.ico", get(favicon))
        .with_state(state)
}

/// The language asked for by `?lang=`, if any.
fn explicit_lang(uri: &Uri) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(uri.query().unwrap_or(""))
        .ok()?
        .into_iter()
        .find_map(|(key, value)| (key == "lang").then_some(value))
}

/// The page's language, and the link home that keeps a language chosen with `?lang=`.
fn language(uri: &Uri, headers: &HeaderMap) -> (Lang, String) {
    let explicit = explicit_lang(uri);
    let lang = Lang::choose(
        explicit.as_deref(),
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let home_url = if explicit.is_some() {
        format!("/?lang={}", lang.code())
    } else {
        "/".to_owned()
    };
    (lang, home_url)
}

fn trial_days() -> i64 {
    TRIAL.as_hours() / 24
}

fn render(template: &str, lang: Lang, home_url: &str, uri: &Uri, values: Value) -> String {
    let mut context = Context::new();
    context.insert("lang", lang.code());
    context.insert("other_lang", lang.other().code());
    context.insert("t", &texts::page_texts(lang, trial_days()));
    context.insert("home_url", home_url);
    context.insert("other_language_url", &pages::with_lang(uri, lang.other()));
    if let Value::Object(map) = values {
        for (key, value) in map {
            context.insert(key, &value);
        }
    }
    TEMPLATES
        .render(template, &context)
        .unwrap_or_else(|error| {
            tracing::error!(%error, template, "landing template failed to render");
            "<!doctype html><title>Tiketi</title><p>Tiketi</p>".to_owned()
        })
}

/// An HTML answer in `lang`, which varies with the browser's language.
fn page(status: StatusCode, lang: Lang, cache: &'static str, html: String) -> Response {
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("accept-language"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(lang.code()),
    );
    response
}

/// A plan's limit in words (`5 routers`, `Unlimited agents`; in Swahili too), as the landing
/// page, sign-up and Settings → Plan show it.
pub(crate) fn limit_text(lang: Lang, limit: Limit, allowed: Option<u32>) -> String {
    texts::limit(lang, limit, allowed)
}

fn plan_view(plan: &Plan, lang: Lang) -> Value {
    let signup = serde_urlencoded::to_string([("plan", plan.code.as_str())]).unwrap_or_default();
    json!({
        "code": plan.code,
        "name": plan.name,
        "price": plan.price.display(&plan.currency),
        "limits": Limit::ALL
            .iter()
            .map(|l| texts::limit(lang, *l, plan.limit(*l)))
            .collect::<Vec<_>>(),
        "features": Feature::ALL
            .iter()
            .map(|f| json!({ "label": texts::feature(lang, *f), "included": plan.includes(*f) }))
            .collect::<Vec<_>>(),
        "signup_url": format!("/portal/signup?{signup}"),
    })
}

fn testimonial_view(testimonial: &Testimonial) -> Value {
    json!({
        "quote": testimonial.quote,
        "author": testimonial.author,
        "business": testimonial.business,
    })
}

/// `GET /`: the product's home page.
async fn home<P: Platform>(
    State(state): State<AppState<P>>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let (lang, home_url) = language(&uri, &headers);
    let tiketi = &state.0;
    let (plans, testimonials) = futures::try_join!(tiketi.plans_on_sale(), tiketi.testimonials())
        .map_err(|e: ServiceError| PageError::new(e, lang, &uri))?;
    let html = render(
        "landing/home.html",
        lang,
        &home_url,
        &uri,
        json!({
            "plans": plans.iter().map(|p| plan_view(p, lang)).collect::<Vec<_>>(),
            "testimonials": testimonials.iter().map(testimonial_view).collect::<Vec<_>>(),
        }),
    );
    // A few minutes: a changed catalogue shows soon enough, a reload costs no store read.
    Ok(page(StatusCode::OK, lang, "public, max-age=300", html))
}

/// `GET /favicon.ico`: Tiketi's icon (a PNG in an ICO, 32×32).
async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/x-icon"),
            (header::CACHE_CONTROL, "public, max-age=604800"),
        ],
        FAVICON,
    )
        .into_response()
}

/// The page of a path no route takes: 404, in the visitor's language, with a link home.
pub async fn not_found(uri: Uri, headers: HeaderMap) -> Response {
    let (lang, home_url) = language(&uri, &headers);
    let html = render("landing/not_found.html", lang, &home_url, &uri, json!({}));
    page(StatusCode::NOT_FOUND, lang, "no-store", html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_favicon_is_an_icon() {
        // ICONDIR: reserved 0, type 1 (icon), one image; the image is a PNG.
        assert_eq!(&FAVICON[..6], &[0, 0, 1, 0, 1, 0]);
        assert_eq!(&FAVICON[22..26], b"\x89PNG");
        assert!(FAVICON.len() < 1024);
    }

    #[test]
    fn the_language_comes_from_the_parameter_then_the_browser() {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("sw-KE"));
        let uri: Uri = "/".parse().unwrap();
        assert_eq!(language(&uri, &headers), (Lang::Sw, "/".to_owned()));
        let uri: Uri = "/?x=1&lang=en".parse().unwrap();
        assert_eq!(language(&uri, &headers), (Lang::En, "/?lang=en".to_owned()));
        let uri: Uri = "/nope?lang=sw".parse().unwrap();
        assert_eq!(
            language(&uri, &HeaderMap::new()),
            (Lang::Sw, "/?lang=sw".to_owned())
        );
    }

    #[test]
    fn the_not_found_page_escapes_what_it_repeats() {
        let uri: Uri = "/%3Cb%3E?lang=%3Cscript%3E".parse().unwrap();
        let html = render("landing/not_found.html", Lang::En, "/", &uri, json!({}));
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("href=\"/\""), "{html}");
    }
}
