//! Every function's answers carry the security headers, and pages with someone's vouchers,
//! orders or account are never kept in the browser's cache.

use tiketi_tests::app::spawn_app;

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_private_pages_are_not_cached() {
    let app = spawn_app().await;
    let ticket = app.host.demo.ticket_type_ids[0].clone();
    let (placed, voucher) = app.buy(&ticket, "0712345678").await;
    let private = [
        format!("/checkout/demo/orders/{}", placed.order_id),
        format!("/checkout/demo/balance?code={}", voucher.code),
        "/checkout/demo/recover".to_owned(),
        "/checkout/demo/demo-router".to_owned(),
        "/portal/login".to_owned(),
        "/portal/signup".to_owned(),
        "/admin/login".to_owned(),
        "/no/such/page".to_owned(),
    ];
    for path in &private {
        let answer = app.get(path).await;
        let headers = answer.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'none'"), "{path}: {csp}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
        assert_eq!(headers["cache-control"], "no-store", "{path}");
        assert!(
            headers.get("strict-transport-security").is_none(),
            "plain HTTP locally: {path}"
        );
    }
    // The home page keeps its own caching; JSON answers get the headers too.
    let home = app.get("/").await;
    assert!(home.headers().contains_key("content-security-policy"));
    assert_ne!(home.headers()["cache-control"], "no-store");
    let api = app.get("/api/v1/vouchers").await;
    assert_eq!(api.headers()["x-content-type-options"], "nosniff");
    let ipn = app
        .get("/pesapal/ipn/demo?OrderTrackingId=nothing&OrderMerchantReference=x")
        .await;
    assert!(ipn.headers().contains_key("content-security-policy"));
}
