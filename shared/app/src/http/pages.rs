//! Rendering of the customer pages (tera, autoescaped: every template ends in `.html`).

use std::sync::LazyLock;

use axum::http::Uri;
use serde_json::Value;
use tera::{Context, Tera};

use super::i18n::Lang;

static TEMPLATES: LazyLock<Tera> = LazyLock::new(|| {
    let mut tera = Tera::default();
    tera.add_raw_templates([
        ("base.html", include_str!("../templates/base.html")),
        ("checkout.html", include_str!("../templates/checkout.html")),
        ("voucher.html", include_str!("../templates/voucher.html")),
        ("order.html", include_str!("../templates/order.html")),
        ("recover.html", include_str!("../templates/recover.html")),
        ("balance.html", include_str!("../templates/balance.html")),
        ("error.html", include_str!("../templates/error.html")),
    ])
    .expect("templates parse");
    tera
});

/// Renders `template` with the page-wide variables (language, texts, business name, the link
/// to the other language) plus `values`.
pub(crate) fn render(
    template: &str,
    lang: Lang,
    business_name: &str,
    uri: &Uri,
    values: Value,
) -> String {
    let mut context = Context::new();
    context.insert("lang", lang.code());
    context.insert("other_lang", lang.other().code());
    context.insert("t", &lang.texts());
    context.insert("business_name", business_name);
    context.insert("other_language_url", &with_lang(uri, lang.other()));
    if let Value::Object(map) = values {
        for (key, value) in map {
            context.insert(key, &value);
        }
    }
    match TEMPLATES.render(template, &context) {
        Ok(html) => html,
        Err(error) => {
            tracing::error!(%error, template, "template failed to render");
            format!(
                "<!doctype html><title>Error</title><p>{}</p>",
                lang.texts()["server_error"].as_str().unwrap_or("")
            )
        }
    }
}

/// The same page in another language: the URI with `lang` replaced.
pub(crate) fn with_lang(uri: &Uri, lang: Lang) -> String {
    let mut pairs: Vec<(String, String)> =
        serde_urlencoded::from_str::<Vec<(String, String)>>(uri.query().unwrap_or(""))
            .unwrap_or_default();
    pairs.retain(|(k, _)| k != "lang");
    pairs.push(("lang".into(), lang.code().into()));
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    format!("{}?{query}", uri.path())
}

/// Builds a query string from pairs, skipping empty values.
pub(crate) fn query(pairs: &[(&str, Option<&str>)]) -> String {
    let present: Vec<(&str, &str)> = pairs
        .iter()
        .filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| (*k, v)))
        .collect();
    if present.is_empty() {
        String::new()
    } else {
        format!(
            "?{}",
            serde_urlencoded::to_string(present).unwrap_or_default()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_are_html_escaped() {
        let uri: Uri = "/x".parse().unwrap();
        let html = render(
            "error.html",
            Lang::En,
            "<b>Shop</b>",
            &uri,
            json!({"message": "<script>alert(1)</script>"}),
        );
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(html.contains("&lt;script&gt;"));
        assert!(!html.contains("<b>Shop</b>"));
    }

    #[test]
    fn language_link_keeps_the_other_parameters() {
        let uri: Uri = "/checkout/a/b?mac=AA%3ABB&lang=en".parse().unwrap();
        assert_eq!(
            with_lang(&uri, Lang::Sw),
            "/checkout/a/b?mac=AA%3ABB&lang=sw"
        );
    }
}
