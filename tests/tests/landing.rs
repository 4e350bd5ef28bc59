//! The product's home page (`/`) and the 404 page of every unknown path, over HTTP against the
//! local host (which serves the portal function's router, as AWS does for `/` and its
//! catch-all): plans, prices and limits come from the stored catalogue, testimonials only from
//! the administrator's entries, English and Swahili, small and without scripts.

use jiff::Timestamp;
use reqwest::{StatusCode, header};
use serde_json::json;
use tiketi_core::domain::{
    audit::AuditEntry,
    money::Money,
    plan::{Feature, Limit, Plan},
    testimonial::{MAX_QUOTE, Testimonial},
};
use tiketi_tests::app::{TestApp, spawn_app};

struct Page {
    status: StatusCode,
    headers: header::HeaderMap,
    html: String,
}

async fn fetch(app: &TestApp, path: &str, accept_language: Option<&str>) -> Page {
    let mut request = app.http.get(app.url(path));
    if let Some(languages) = accept_language {
        request = request.header(header::ACCEPT_LANGUAGE, languages);
    }
    let answer = request.send().await.expect("GET");
    Page {
        status: answer.status(),
        headers: answer.headers().clone(),
        html: answer.text().await.expect("body"),
    }
}

async fn home(app: &TestApp) -> String {
    let page = fetch(app, "/", None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    page.html
}

/// The pricing card of the plan `code`, if the page shows it.
fn card<'a>(html: &'a str, code: &str) -> Option<&'a str> {
    let start = html.find(&format!("data-plan=\"{code}\""))?;
    let end = start + html[start..].find("</article>")?;
    Some(&html[start..end])
}

fn grouped(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A limit as the English card writes it.
fn limit_en(limit: Limit, allowed: Option<u32>) -> String {
    let (one, many, unlimited) = match limit {
        Limit::Routers => ("router", "routers", "Unlimited routers"),
        Limit::Agents => ("agent", "agents", "Unlimited agents"),
        Limit::VouchersPerMonth => ("voucher a month", "vouchers a month", "Unlimited vouchers"),
    };
    match allowed {
        None => unlimited.to_owned(),
        Some(1) => format!("1 {one}"),
        Some(n) => format!("{} {many}", grouped(n)),
    }
}

fn html_escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Checks a plan's card against the plan: name, monthly price, every limit, which extras it
/// includes, and the sign-up link that names it.
fn assert_card_shows(html: &str, plan: &Plan) {
    let card = card(html, &plan.code).unwrap_or_else(|| panic!("no card for {}", plan.code));
    assert!(
        card.contains(&format!("<h3>{}</h3>", html_escaped(&plan.name))),
        "{card}"
    );
    let price = plan.price.display(&plan.currency);
    assert!(
        card.contains(&format!("<p class=\"price\">{price} ")),
        "{price}: {card}"
    );
    for limit in Limit::ALL {
        let text = limit_en(limit, plan.limit(limit));
        assert!(card.contains(&format!("<li>{text}</li>")), "{text}: {card}");
    }
    let missing = Feature::ALL.iter().filter(|f| !plan.includes(**f)).count();
    assert_eq!(
        card.matches("<li class=\"no\">").count(),
        missing,
        "extras not included: {card}"
    );
    assert!(
        card.contains(&format!("href=\"/portal/signup?plan={}\"", plan.code)),
        "{card}"
    );
}

fn platform_entry(action: &str, after: serde_json::Value) -> AuditEntry {
    AuditEntry {
        id: ulid::Ulid::new().to_string(),
        operator_id: "platform".into(),
        at: Timestamp::now(),
        actor_id: "admin".into(),
        actor_name: "Platform administrator".into(),
        action: action.into(),
        subject: "landing".into(),
        before: None,
        after: Some(after),
        note: None,
    }
}

#[tokio::test]
async fn the_home_page_shows_the_plans_on_sale_as_the_catalogue_has_them() {
    let app = spawn_app().await;
    let tiketi = &app.host.tiketi;
    let on_sale = tiketi.plans_on_sale().await.unwrap();
    assert_eq!(on_sale.len(), 3, "the default catalogue");
    let html = home(&app).await;
    for plan in &on_sale {
        assert_card_shows(&html, plan);
    }
    // In the catalogue's order.
    let positions: Vec<usize> = on_sale
        .iter()
        .map(|p| html.find(&format!("data-plan=\"{}\"", p.code)).unwrap())
        .collect();
    assert!(positions.is_sorted(), "{positions:?}");

    // The administrator changes the catalogue: a new price, a retired plan, new limits and a
    // new plan whose name needs escaping.
    let mut catalogue = tiketi.plan_catalogue().await.unwrap();
    let [first, second, third, ..] = &mut catalogue[..] else {
        panic!("three plans")
    };
    let old_price = first.price.display(&first.currency);
    first.price = Money(first.price.minor() + 12_300);
    second.on_sale = false;
    third.routers = Some(25);
    third.vouchers_per_month = Some(123_456);
    third.agents = Some(1);
    let retired = second.code.clone();
    catalogue.push(Plan {
        code: "shop-co".into(),
        name: "Shop & <Co>".into(),
        price: Money::from_major(9_999),
        currency: "KES".into(),
        routers: None,
        agents: Some(3),
        vouchers_per_month: Some(1),
        features: vec![Feature::Sms],
        on_sale: true,
        rank: 9,
    });
    tiketi
        .store
        .save_plans(&catalogue, &platform_entry("plans.save", json!({})))
        .await
        .unwrap();

    let html = home(&app).await;
    let on_sale_now = tiketi.plans_on_sale().await.unwrap();
    assert_eq!(on_sale_now.len(), 3);
    for plan in &on_sale_now {
        assert_card_shows(&html, plan);
    }
    let first_card = card(&html, &on_sale_now[0].code).unwrap();
    assert!(!first_card.contains(&old_price), "{first_card}");
    assert!(
        card(&html, &retired).is_none(),
        "a retired plan is not offered"
    );
    assert!(!html.contains(&format!("plan={retired}")));
    assert!(html.contains("Shop &amp; &lt;Co&gt;") && !html.contains("<Co>"));

    // The sign-up page a card links to opens.
    let signup = fetch(&app, "/portal/signup?plan=shop-co", None).await;
    assert_eq!(signup.status, StatusCode::OK);
}

#[tokio::test]
async fn testimonials_appear_only_once_the_administrator_enters_them() {
    let app = spawn_app().await;
    let store = &app.host.tiketi.store;
    assert!(app.host.tiketi.testimonials().await.unwrap().is_empty());
    let html = home(&app).await;
    assert!(!html.contains("id=\"testimonials\""), "no invented quotes");
    assert!(!html.contains("<blockquote"));

    let testimonial = Testimonial {
        id: "t1".into(),
        quote: r#"Sales doubled <script>alert("x")</script> & my agents love it"#.into(),
        author: "Wanjiru <b>K</b>".into(),
        business: "Baraka WiFi, Kisumu".into(),
        added_at: Timestamp::now(),
    };
    store
        .save_testimonial(&testimonial, &platform_entry("testimonial.add", json!({})))
        .await
        .unwrap();
    let html = home(&app).await;
    let start = html
        .find("id=\"testimonials\"")
        .expect("the section is shown");
    let section = &html[start..start + html[start..].find("</section>").unwrap()];
    assert!(section.contains("&lt;script&gt;alert("), "{section}");
    assert!(section.contains("&amp; my agents love it"), "{section}");
    assert!(
        section.contains("Wanjiru &lt;b&gt;K&lt;/b&gt;"),
        "{section}"
    );
    assert!(section.contains("Baraka WiFi, Kisumu"), "{section}");
    assert!(!html.to_lowercase().contains("<script"));
    assert_eq!(section.matches("<blockquote").count(), 1);
}

fn lang_of(html: &str) -> &str {
    let start = html.find("<html lang=\"").expect("html element") + "<html lang=\"".len();
    &html[start..start + html[start..].find('"').unwrap()]
}

fn h1(html: &str) -> &str {
    let start = html.find("<h1>").expect("a heading") + 4;
    &html[start..start + html[start..].find("</h1>").unwrap()]
}

#[tokio::test]
async fn the_home_page_speaks_swahili_when_asked_or_when_the_browser_prefers_it() {
    let app = spawn_app().await;
    let english = fetch(&app, "/", None).await;
    let by_parameter = fetch(&app, "/?lang=sw", None).await;
    let by_browser = fetch(&app, "/", Some("sw-KE,sw;q=0.9,en;q=0.5")).await;
    let parameter_wins = fetch(&app, "/?lang=en", Some("sw-KE,sw;q=0.9")).await;
    let english_browser = fetch(&app, "/", Some("en-GB,en;q=0.9,sw;q=0.3")).await;

    assert_eq!(lang_of(&english.html), "en");
    assert_eq!(lang_of(&parameter_wins.html), "en");
    assert_eq!(lang_of(&english_browser.html), "en");
    for swahili in [&by_parameter, &by_browser] {
        assert_eq!(swahili.status, StatusCode::OK);
        assert_eq!(lang_of(&swahili.html), "sw");
        assert_eq!(swahili.headers[header::CONTENT_LANGUAGE], "sw");
        assert_ne!(h1(&swahili.html), h1(&english.html));
        assert!(swahili.html.contains("kwa mwezi"), "per month, in Swahili");
        // The plans are the same, their limits in Swahili.
        for plan in app.host.tiketi.plans_on_sale().await.unwrap() {
            let card = card(&swahili.html, &plan.code).expect("the plan's card");
            assert!(card.contains(&plan.price.display(&plan.currency)), "{card}");
            let routers = match plan.routers {
                Some(n) => format!("<li>Ruta {}</li>", grouped(n)),
                None => "<li>Ruta bila kikomo</li>".to_owned(),
            };
            assert!(card.contains(&routers), "{routers}: {card}");
        }
        // A link leads to the English page.
        assert!(swahili.html.contains("hreflang=\"en\""));
    }
    assert_eq!(
        by_parameter.html,
        by_browser.html.replace("href=\"/\"", "href=\"/?lang=sw\"")
    );
    assert_eq!(english.headers[header::CONTENT_LANGUAGE], "en");
    assert!(
        english.headers[header::VARY]
            .to_str()
            .unwrap()
            .contains("accept-language")
    );
    assert!(english.html.contains("href=\"/?lang=sw\""));
}

#[tokio::test]
async fn the_home_page_is_light_and_has_no_script() {
    let app = spawn_app().await;
    // With the longest testimonials the administrator can enter, too.
    let mut with_testimonials = false;
    loop {
        for path in ["/", "/?lang=sw", "/nope", "/nope?lang=sw"] {
            let page = fetch(&app, path, None).await;
            let lower = page.html.to_lowercase();
            assert!(
                page.html.len() < 30_000,
                "{path}: {} bytes",
                page.html.len()
            );
            assert!(!lower.contains("<script"), "{path}");
            assert!(!lower.contains("javascript:"), "{path}");
            assert!(
                !lower.contains("rel=\"stylesheet\""),
                "{path}: inline CSS only"
            );
            assert!(lower.contains("<style>"), "{path}");
            assert!(
                lower.contains("<meta name=\"viewport\" content=\"width=device-width"),
                "{path}"
            );
            assert!(
                page.headers[header::CONTENT_TYPE]
                    .to_str()
                    .unwrap()
                    .starts_with("text/html"),
                "{path}"
            );
        }
        if with_testimonials {
            break;
        }
        for i in 0..3 {
            let testimonial = Testimonial {
                id: format!("t{i}"),
                quote: "Wateja wangu wanalipa kwa M-Pesa. ".repeat(20)[..MAX_QUOTE].to_owned(),
                author: "Otieno Ochieng".into(),
                business: "Lakeside Hotspot, Kisumu".into(),
                added_at: Timestamp::now(),
            };
            app.host
                .tiketi
                .store
                .save_testimonial(&testimonial, &platform_entry("testimonial.add", json!({})))
                .await
                .unwrap();
        }
        with_testimonials = true;
    }
}

#[tokio::test]
async fn every_unknown_path_answers_a_404_page_with_a_link_home() {
    let app = spawn_app().await;
    for path in [
        "/nope",
        "/portal/nope",
        "/checkout/x/y/z/w",
        "/checkout/x",
        "/routers/a/b/c/d",
        "/no/such/page.html",
    ] {
        let page = fetch(&app, path, None).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            page.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        assert!(page.html.starts_with("<!doctype html>"), "{path}");
        assert!(page.html.contains("<h1>"), "{path}: {}", page.html);
        assert!(page.html.contains("href=\"/\""), "{path}: a link home");
        assert_eq!(lang_of(&page.html), "en");
    }
    let answer = app
        .http
        .post(app.url("/nope"))
        .form(&[("a", "b")])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
    assert!(answer.text().await.unwrap().contains("href=\"/\""));

    let english = fetch(&app, "/nope", None).await;
    let swahili = fetch(&app, "/nope", Some("sw")).await;
    assert_eq!(lang_of(&swahili.html), "sw");
    assert_ne!(h1(&swahili.html), h1(&english.html));
    let chosen = fetch(&app, "/nope?lang=sw", None).await;
    assert_eq!(chosen.status, StatusCode::NOT_FOUND);
    assert!(
        chosen.html.contains("href=\"/?lang=sw\""),
        "home, in Swahili"
    );
}

#[tokio::test]
async fn the_favicon_is_served_and_cached() {
    let app = spawn_app().await;
    let answer = app.get("/favicon.ico").await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.headers()[header::CONTENT_TYPE], "image/x-icon");
    let cache = answer.headers()[header::CACHE_CONTROL]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cache.contains("max-age="), "{cache}");
    let icon = answer.bytes().await.unwrap();
    assert_eq!(&icon[..4], &[0, 0, 1, 0], "an ICO file");
    assert!(icon.len() < 2_000);
}

#[tokio::test]
async fn the_local_status_page_moved_to_local() {
    let app = spawn_app().await;
    let status = fetch(&app, "/local", None).await;
    assert_eq!(status.status, StatusCode::OK);
    assert!(status.html.contains("Tiketi (local)"));
    assert!(
        status.html.contains("id=\"checkout\""),
        "the demo checkout link"
    );
    let checkout = app.host.demo_checkout_url();
    let demo = app.get(&checkout).await;
    assert_eq!(demo.status(), StatusCode::OK, "the demo checkout opens");
    assert!(!home(&app).await.contains("Tiketi (local)"));
}
