//! The AWS stack against the code: `template.yaml`'s routes must be exactly what the functions'
//! mains serve (`tiketi_app::http::functions`), each route to the function that serves it, and
//! every path no route takes must reach the one function whose router answers it with a 404
//! page (its fallback).

use std::sync::Arc;

use axum::{
    Router,
    body::Body,
    extract::{MatchedPath, Request},
    http::StatusCode,
    middleware::{self, Next},
    response::Response,
};
use tiketi_app::http::{functions, portal::cookie::CookieKey};
use tiketi_local::host::System;
use tiketi_tests::{
    app::test_options,
    cloud::{
        http_api::{self, ApiRoute},
        template::Template,
    },
    repo_path,
    routes::all_declared_routes,
};
use tower::ServiceExt;

const MATCHED: &str = "x-test-matched-path";

/// Marks each answer with the route pattern that served it (none: the router's fallback).
async fn mark_matched(request: Request, next: Next) -> Response {
    let matched = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let mut response = next.run(request).await;
    if let Some(matched) = matched.and_then(|m| m.parse().ok()) {
        response.headers_mut().insert(MATCHED, matched);
    }
    response
}

/// Each HTTP function's router, keyed by the binary `template.yaml` names.
async fn function_routers() -> (Vec<(&'static str, Router)>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let system = System::open(&test_options(dir.path()), "http://127.0.0.1:9")
        .await
        .unwrap();
    let tiketi = system.tiketi;
    let key = CookieKey::from_hex(&"ab".repeat(32)).unwrap();
    let routers = vec![
        ("checkout", functions::checkout(Arc::clone(&tiketi))),
        ("pesapal-ipn", functions::pesapal_ipn(Arc::clone(&tiketi))),
        ("rsc", functions::rsc(Arc::clone(&tiketi))),
        ("portal", functions::portal(Arc::clone(&tiketi), key)),
        ("api", functions::api(tiketi)),
    ];
    let marked = routers
        .into_iter()
        .map(|(name, router)| (name, router.layer(middleware::from_fn(mark_matched))))
        .collect();
    (marked, dir)
}

/// A request path for a route pattern: each `{param}` (or `{proxy+}`) replaced by a value.
fn sample_path(pattern: &str) -> String {
    pattern
        .split('/')
        .map(|s| if s.starts_with('{') { "Sample1" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether `router` serves `method` on `path` with a route (not its fallback, not a 405).
async fn serves(router: &Router, method: &str, path: &str) -> Option<String> {
    let request = axum::http::Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::empty())
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    if response.status() == StatusCode::METHOD_NOT_ALLOWED {
        return None;
    }
    response
        .headers()
        .get(MATCHED)
        .and_then(|m| m.to_str().ok())
        .map(str::to_owned)
}

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

fn template_routes() -> Vec<ApiRoute> {
    let template = Template::load(&repo_path("template.yaml")).unwrap();
    http_api::routes(&template).unwrap()
}

#[tokio::test]
async fn every_route_in_the_code_is_routed_by_the_template_to_the_function_that_serves_it() {
    let (routers, _dir) = function_routers().await;
    let routes = template_routes();
    let mut problems = Vec::new();
    let mut served = 0;
    for pattern in all_declared_routes() {
        let path = sample_path(&pattern);
        for method in METHODS {
            let mut serving = Vec::new();
            for (binary, router) in &routers {
                if serves(router, method, &path).await.as_deref() == Some(pattern.as_str()) {
                    serving.push(*binary);
                }
            }
            let Some(first) = serving.first() else {
                continue;
            };
            served += 1;
            if serving.len() > 1 {
                problems.push(format!("{method} {pattern} is served by {serving:?}"));
            }
            match http_api::select(&routes, method, &path) {
                None => problems.push(format!(
                    "{method} {pattern} (function {first}) has no route in template.yaml"
                )),
                Some((route, _)) if route.binary != *first => problems.push(format!(
                    "{method} {pattern} is served by {first} but template.yaml routes it \
                     ({}) to {}",
                    route.route_key(),
                    route.binary
                )),
                Some(_) => {}
            }
        }
    }
    assert!(served > 50, "the probe found only {served} routes");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test]
async fn every_route_in_the_template_is_served_by_its_function() {
    let (routers, _dir) = function_routers().await;
    let declared = all_declared_routes();
    let mut problems = Vec::new();
    for route in template_routes() {
        let Some((_, router)) = routers.iter().find(|(b, _)| *b == route.binary) else {
            problems.push(format!(
                "{}: {} is not an HTTP function",
                route.route_key(),
                route.binary
            ));
            continue;
        };
        let methods: Vec<&str> = match &route.method {
            Some(m) => vec![m.as_str()],
            None => METHODS.to_vec(),
        };
        let greedy = route.path.contains("+}");
        // A greedy route must cover something its function serves; any other route must be
        // served as written.
        let candidates: Vec<String> = if greedy {
            declared
                .iter()
                .filter(|p| http_api::match_path(&route.path, &sample_path(p)).is_some())
                .cloned()
                .collect()
        } else {
            vec![route.path.clone()]
        };
        let mut found = false;
        for pattern in &candidates {
            for method in &methods {
                if serves(router, method, &sample_path(pattern))
                    .await
                    .as_deref()
                    == Some(pattern.as_str())
                {
                    found = true;
                }
            }
        }
        if !found {
            problems.push(format!(
                "{} is routed to {}, which does not serve it",
                route.route_key(),
                route.binary
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// What a router answers a request.
#[derive(Debug)]
enum Answer {
    /// One of its routes (or a 405 from one).
    Route,
    /// Its fallback's HTML page.
    Page(StatusCode, String),
    /// axum's default fallback: 404 with an empty body.
    Nothing,
}

async fn answer(router: &Router, method: &str, path: &str) -> Answer {
    let request = axum::http::Request::builder()
        .method(method)
        .uri(path)
        .body(Body::empty())
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    if response.headers().contains_key(MATCHED) || status == StatusCode::METHOD_NOT_ALLOWED {
        return Answer::Route;
    }
    let html = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let body = String::from_utf8_lossy(&body).into_owned();
    if html && !body.is_empty() {
        Answer::Page(status, body)
    } else {
        Answer::Nothing
    }
}

/// Paths no route takes: a few by hand, and one past each route the code declares (the REST
/// API's own paths aside: its function answers them).
fn unknown_paths() -> Vec<String> {
    let mut paths: Vec<String> = [
        "/nope",
        "/no/such/page",
        "/portal/nope",
        "/checkout/x",
        "/checkout/x/y/z/w",
        "/routers/a/b/c/d",
        "/pesapal/ipn",
        "/index.html",
    ]
    .iter()
    .map(|p| (*p).to_owned())
    .collect();
    for pattern in all_declared_routes() {
        if !pattern.starts_with("/api/") {
            paths.push(format!(
                "{}/zz-no-such-page",
                sample_path(&pattern).trim_end_matches('/')
            ));
        }
    }
    paths
}

#[tokio::test]
async fn every_path_no_route_takes_reaches_the_one_function_that_answers_it_with_a_page() {
    let (routers, _dir) = function_routers().await;
    let routes = template_routes();
    // Only one function may have a fallback: the local host merges every function's router
    // (axum refuses two fallbacks), and on AWS only one can take the template's catch-all.
    let mut with_fallback = Vec::new();
    for (binary, router) in &routers {
        if matches!(
            answer(router, "GET", "/zz-probe/no/such/route").await,
            Answer::Page(..)
        ) {
            with_fallback.push(*binary);
        }
    }
    assert_eq!(
        with_fallback,
        ["portal"],
        "the portal function, and only it, answers unknown paths with a page"
    );
    let (_, portal) = routers.iter().find(|(b, _)| *b == "portal").unwrap();
    let mut problems = Vec::new();
    let mut checked = 0;
    for path in unknown_paths() {
        for method in ["GET", "POST"] {
            let mut taken = false;
            for (_, router) in &routers {
                taken |= matches!(answer(router, method, &path).await, Answer::Route);
            }
            if taken {
                continue;
            }
            checked += 1;
            match http_api::select(&routes, method, &path) {
                None => problems.push(format!(
                    "{method} {path}: no route in template.yaml (API Gateway's bare 404)"
                )),
                Some((route, _)) if route.binary != "portal" => problems.push(format!(
                    "{method} {path}: template.yaml routes it ({}) to {}, which has no page \
                     for it",
                    route.route_key(),
                    route.binary
                )),
                Some(_) => match answer(portal, method, &path).await {
                    Answer::Page(StatusCode::NOT_FOUND, body) if body.contains("href=\"/\"") => {}
                    other => problems.push(format!(
                        "{method} {path}: the portal answers {other:?}, not its 404 page"
                    )),
                },
            }
        }
    }
    assert!(checked > 50, "only {checked} unknown paths checked");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `text` without the path entry that starts at `entry` (up to the next path).
fn without_path(text: &str, entry: &str) -> String {
    let start = text.find(entry).expect("the template has the entry");
    let end = start
        + text[start..]
            .find("\n          /")
            .unwrap_or(text.len() - start)
        + 1;
    format!("{}{}", &text[..start], &text[end..])
}

#[test]
fn a_template_without_the_home_page_or_the_catch_all_is_seen() {
    let text = std::fs::read_to_string(repo_path("template.yaml")).unwrap();
    let all = template_routes();
    let pick = |routes: &[ApiRoute], method, path| {
        http_api::select(routes, method, path).map(|(r, _)| (r.route_key(), r.binary.clone()))
    };
    assert_eq!(
        pick(&all, "GET", "/"),
        Some(("GET /".into(), "portal".into()))
    );
    assert_eq!(
        pick(&all, "GET", "/nope"),
        Some(("ANY /{proxy+}".into(), "portal".into()))
    );
    // Without `/`, the catch-all does not take the home page (a greedy variable needs a
    // segment): the first parity test reports `GET /` as unrouted.
    let no_home =
        http_api::routes(&Template::parse(&without_path(&text, "          /:\n")).unwrap())
            .unwrap();
    assert_eq!(no_home.len() + 1, all.len());
    assert_eq!(pick(&no_home, "GET", "/"), None);
    // Without the catch-all, unknown paths get API Gateway's bare 404: the test above
    // reports them.
    let no_catch_all =
        http_api::routes(&Template::parse(&without_path(&text, "          /{proxy+}:\n")).unwrap())
            .unwrap();
    assert_eq!(no_catch_all.len() + 1, all.len());
    assert_eq!(pick(&no_catch_all, "GET", "/nope"), None);
    assert_eq!(pick(&no_catch_all, "GET", "/checkout/x/y/z/w"), None);
    assert_eq!(
        pick(&no_catch_all, "GET", "/portal/nope").map(|(_, b)| b),
        Some("portal".into())
    );
}

#[test]
fn a_route_missing_from_the_template_is_seen() {
    // The check above on a template without the router sync route: the parity test must
    // notice what the first version of the stack missed. The catch-all now takes the path,
    // to the portal function, which does not serve it.
    let text = std::fs::read_to_string(repo_path("template.yaml")).unwrap();
    let pruned = without_path(&text, "          /routers/{operator}/{router}/sync.rsc:");
    let routes = http_api::routes(&Template::parse(&pruned).unwrap()).unwrap();
    let all = template_routes();
    assert_eq!(routes.len() + 1, all.len());
    let (route, _) = http_api::select(&routes, "GET", "/routers/a/b/sync.rsc").unwrap();
    assert_eq!(
        (route.route_key().as_str(), route.binary.as_str()),
        ("ANY /{proxy+}", "portal")
    );
    let (route, _) = http_api::select(&all, "GET", "/routers/a/b/sync.rsc").unwrap();
    assert_eq!(route.binary, "rsc");
}
