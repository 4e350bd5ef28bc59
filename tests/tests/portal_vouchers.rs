//! Vouchers in the portal: search by code, phone, batch, status and date with cursor pages;
//! PDF sheets and reprints (parsed, and recorded in the chain of custody); one voucher made at
//! once; cancelling; and hostile text shown escaped on every new page.

use std::collections::HashSet;

use reqwest::StatusCode;
use tiketi_tests::{
    app::{TestApp, spawn_app},
    portal::{PortalUser, demo_owner, location},
};

/// Every code a search lists, following its "Next page" links.
async fn all_pages(owner: &PortalUser, first: &str) -> Vec<String> {
    let mut codes = Vec::new();
    let mut path = first.to_owned();
    loop {
        let html = owner.page(&path).await;
        for piece in html
            .split("<td class=\"mono\"><a href=\"/portal/vouchers/")
            .skip(1)
        {
            codes.push(piece.split('"').next().unwrap().to_owned());
        }
        match html
            .split("rel=\"next\"")
            .next()
            .and_then(|h| h.rsplit("href=\"").next())
        {
            Some(next) if html.contains("rel=\"next\"") => {
                path = next.split('"').next().unwrap().replace("&amp;", "&");
            }
            _ => return codes,
        }
    }
}

async fn pdf(owner: &PortalUser, path: &str) -> lopdf::Document {
    let answer = owner.download(path).await;
    assert_eq!(answer.status(), StatusCode::OK, "{path}");
    assert_eq!(answer.headers()["content-type"], "application/pdf");
    let bytes = answer.bytes().await.unwrap();
    lopdf::Document::load_mem(&bytes).expect("a parseable PDF")
}

async fn batch_codes(app: &TestApp, batch_id: &str) -> Vec<String> {
    app.host
        .tiketi
        .store
        .batch_pages("demo", batch_id)
        .await
        .unwrap()
        .into_iter()
        .flat_map(|p| p.codes.into_iter().map(|c| c.code))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vouchers_are_found_by_every_criterion_page_by_page() {
    let app = spawn_app().await;
    let owner = demo_owner(&app, "search@demo.example").await;
    let batch_id = owner.add_batch("1d", "demo-router", 120).await;
    let codes = batch_codes(&app, &batch_id).await;
    let (_, bought) = app.buy("1h", "0799000111").await;

    let in_batch = all_pages(&owner, &format!("/portal/vouchers?batch={batch_id}")).await;
    assert_eq!(
        in_batch, codes,
        "the batch in print order, over three pages"
    );

    let listed = all_pages(&owner, "/portal/vouchers").await;
    let unique: HashSet<&String> = listed.iter().collect();
    assert_eq!(unique.len(), listed.len(), "no voucher twice across pages");
    let missing: Vec<&String> = codes.iter().filter(|c| !unique.contains(c)).collect();
    assert!(
        missing.is_empty(),
        "{} listed, missing {missing:?}",
        listed.len()
    );
    assert!(unique.contains(&bought.code));

    let unused = all_pages(&owner, "/portal/vouchers?status=UNUSED").await;
    assert!(unused.len() >= 121);
    let cancelled = all_pages(&owner, "/portal/vouchers?status=CANCELLED").await;
    assert!(cancelled.is_empty());

    let today = app.host.tiketi.business_today("Africa/Nairobi").unwrap();
    let tomorrow = today.tomorrow().unwrap();
    let made_today = all_pages(&owner, &format!("/portal/vouchers?from={today}&to={today}")).await;
    assert_eq!(made_today.len(), listed.len());
    let made_tomorrow = all_pages(&owner, &format!("/portal/vouchers?from={tomorrow}")).await;
    assert!(made_tomorrow.is_empty());

    let by_code = all_pages(
        &owner,
        &format!("/portal/vouchers?code={}", codes[7].to_lowercase()),
    )
    .await;
    assert_eq!(by_code, vec![codes[7].clone()]);
    let by_phone = all_pages(&owner, "/portal/vouchers?phone=0799000111").await;
    assert_eq!(by_phone, vec![bought.code.clone()]);
    let sold = owner
        .post(
            "/portal/sell",
            &[("code", &codes[3]), ("phone", "+254 799 000 222")],
        )
        .await;
    assert_eq!(sold.status(), StatusCode::OK);
    let cash_buyer = all_pages(&owner, "/portal/vouchers?phone=0799000222").await;
    assert_eq!(
        cash_buyer,
        vec![codes[3].clone()],
        "cash buyers are found by phone too"
    );

    for bad in [
        "/portal/vouchers?status=LOST",
        "/portal/vouchers?from=yesterday",
        "/portal/vouchers?cursor=zz",
    ] {
        assert_eq!(
            owner.get(bad).await.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}"
        );
    }
    assert_eq!(
        owner.get("/portal/vouchers/NOSUCHCODE").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sheets_and_reprints_are_pdfs_and_every_print_is_recorded() {
    let app = spawn_app().await;
    let owner = demo_owner(&app, "print@demo.example").await;
    let batch_id = owner.add_batch("1d", "demo-router", 30).await;
    let codes = batch_codes(&app, &batch_id).await;

    let a4 = pdf(&owner, &format!("/portal/batches/{batch_id}/sheet.pdf")).await;
    assert_eq!(a4.get_pages().len(), 2, "30 vouchers at 24 a page");
    let roll = pdf(
        &owner,
        &format!("/portal/batches/{batch_id}/sheet.pdf?layout=58mm"),
    )
    .await;
    assert_eq!(roll.get_pages().len(), 30, "one voucher per roll page");
    owner
        .page(&format!("/portal/batches/{batch_id}/print"))
        .await;

    let card = pdf(&owner, &format!("/portal/vouchers/{}/card.pdf", codes[4])).await;
    assert_eq!(card.get_pages().len(), 1);
    let text = card.extract_text(&[1]).unwrap_or_default();
    assert!(text.contains(&codes[4]), "the card shows its code: {text}");

    let batch = app
        .host
        .tiketi
        .store
        .batch("demo", &batch_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(batch.prints, 3, "two PDFs and the printable page");
    let page = owner.page(&format!("/portal/batches/{batch_id}")).await;
    for record in [
        "Printed (pdf-a4)",
        "Printed (pdf-58mm)",
        "Printed (html)",
        &format!("Voucher {} printed again", codes[4]),
    ] {
        assert!(page.contains(record), "{record} in the custody log");
    }
    let voucher_page = owner.page(&format!("/portal/vouchers/{}", codes[4])).await;
    assert!(voucher_page.contains("printed again"), "{voucher_page}");

    // A voided batch prints no more.
    let voided = owner
        .post(
            &format!("/portal/batches/{batch_id}/cancel"),
            &[("reason", "stolen from the shop")],
        )
        .await;
    assert_eq!(voided.status(), StatusCode::SEE_OTHER);
    let refused = owner
        .get(&format!("/portal/batches/{batch_id}/sheet.pdf"))
        .await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert!(
        owner
            .page(&format!("/portal/batches/{batch_id}"))
            .await
            .contains("Voided: stolen from the shop")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_voucher_is_made_at_once_and_can_be_cancelled_with_a_reason() {
    let app = spawn_app().await;
    let owner = demo_owner(&app, "single@demo.example").await;
    let made = owner
        .post(
            "/portal/vouchers/new",
            &[
                ("ticket_type_id", "1d"),
                ("router_id", "demo-router"),
                ("length", "10"),
                ("prefix", "kb"),
                ("note", "for Amina"),
            ],
        )
        .await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let path = location(&made);
    let code = path.rsplit('/').next().unwrap().to_owned();
    assert!(code.starts_with("KB") && code.len() == 12, "{code}");
    let page = owner.page(&path).await;
    assert!(
        page.contains("unused") && page.contains("Generated in a batch of 1"),
        "{page}"
    );
    let stored = app
        .host
        .tiketi
        .store
        .voucher("demo", &code)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.password, stored.code,
        "the code is both username and password"
    );
    let with_password = owner
        .post(
            "/portal/vouchers/new",
            &[
                ("ticket_type_id", "1d"),
                ("router_id", "demo-router"),
                ("length", "8"),
                ("separate_password", "on"),
            ],
        )
        .await;
    let other = location(&with_password)
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let other = app
        .host
        .tiketi
        .store
        .voucher("demo", &other)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(
        other.password, other.code,
        "a separate password when asked for"
    );

    let cancelled = owner
        .post(
            &format!("{path}/cancel"),
            &[("reason", "customer refunded")],
        )
        .await;
    assert_eq!(cancelled.status(), StatusCode::SEE_OTHER);
    let page = owner.page(&path).await;
    assert!(page.contains("Cancelled: customer refunded"), "{page}");
    let again = owner
        .post(&format!("{path}/cancel"), &[("reason", "twice")])
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let no_reason = owner
        .post(&format!("{path}/cancel"), &[("reason", "")])
        .await;
    assert_eq!(no_reason.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let voucher = app
        .host
        .tiketi
        .store
        .voucher("demo", &code)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        voucher.status,
        tiketi_core::domain::voucher::VoucherStatus::Cancelled
    );
    let log = app
        .host
        .tiketi
        .store
        .audit_log("demo", None, 20)
        .await
        .unwrap();
    assert!(log.iter().any(
        |(_, e)| e.action == "voucher.cancel" && e.note.as_deref() == Some("customer refunded")
    ));

    let bad = owner
        .post(
            "/portal/vouchers/new",
            &[
                ("ticket_type_id", "1d"),
                ("router_id", "demo-router"),
                ("length", "3"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_is_shown_escaped_on_the_new_pages() {
    const HOSTILE: &str = "<script>alert(1)</script>\"'&";
    let app = spawn_app().await;
    let owner = PortalUser::sign_up(&app, "Xss Sales", "xss.sales@example.com").await;
    let router_id = owner.add_router("Site").await;
    owner.add_ticket_type(HOSTILE, &[]).await;
    let store = &app.host.tiketi.store;
    let email = tiketi_core::domain::account::Email::parse("xss.sales@example.com").unwrap();
    let op = store
        .user_by_email(&email)
        .await
        .unwrap()
        .unwrap()
        .operator_id;
    let ticket_id = store.ticket_types(&op).await.unwrap()[0].id.clone();
    let (agent_id, token) = owner
        .invite_agent(HOSTILE, "xss.agent@example.com", &[])
        .await;
    let batch = owner
        .post(
            "/portal/batches/new",
            &[
                ("ticket_type_id", &ticket_id),
                ("router_id", &router_id),
                ("quantity", "2"),
                ("length", "8"),
                ("prefix", ""),
                ("note", HOSTILE),
            ],
        )
        .await;
    let batch_path = location(&batch);
    let batch_id = batch_path.rsplit('/').next().unwrap().to_owned();
    for _ in 0..100 {
        if owner.page(&batch_path).await.contains("READY") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    owner
        .post(
            &format!("{batch_path}/handover"),
            &[("agent_id", &agent_id)],
        )
        .await;
    let code = store.batch_pages(&op, &batch_id).await.unwrap()[0].codes[0]
        .code
        .clone();
    owner.post("/portal/sell", &[("code", &code)]).await;
    owner
        .post(
            &format!("/portal/agents/{agent_id}/settlements"),
            &[("amount", "1"), ("note", HOSTILE)],
        )
        .await;
    // Reasons, notes and names of every other free-text field.
    let other = store.batch_pages(&op, &batch_id).await.unwrap()[0].codes[1]
        .code
        .clone();
    owner
        .post(
            &format!("/portal/vouchers/{other}/cancel"),
            &[("reason", HOSTILE)],
        )
        .await;
    let voided = owner.add_batch(&ticket_id, &router_id, 1).await;
    owner
        .post(
            &format!("/portal/batches/{voided}/cancel"),
            &[("reason", HOSTILE)],
        )
        .await;
    let answer = owner
        .post(
            "/portal/routers/new",
            &[
                ("name", "Second site"),
                ("location", HOSTILE),
                ("hotspot_dns", "login.wifi"),
                ("interface", "bridge"),
                ("address", "192.168.88.1"),
                ("pool", "192.168.88.10-192.168.88.254"),
            ],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    owner.create_api_token(HOSTILE, "read").await;
    let filed = tiketi_core::domain::unmatched::UnmatchedPayment {
        id: "unknown_reference-xss".into(),
        operator_id: op.clone(),
        kind: tiketi_core::domain::unmatched::UnmatchedKind::UnknownReference,
        tracking_id: HOSTILE.into(),
        reference: Some(HOSTILE.into()),
        order_id: None,
        amount: None,
        currency: None,
        confirmation_code: Some(HOSTILE.into()),
        payment_method: Some(HOSTILE.into()),
        detail: HOSTILE.into(),
        at: jiff::Timestamp::now(),
        resolution: None,
    };
    assert!(store.file_unmatched(&filed).await.unwrap());
    let resolved = owner
        .post(
            "/portal/payments/unmatched/unknown_reference-xss/resolve",
            &[("action", "kept"), ("note", HOSTILE)],
        )
        .await;
    assert_eq!(resolved.status(), StatusCode::SEE_OTHER);

    let invite_page = PortalUser::anonymous(&app)
        .page(&format!("/portal/invite/{token}"))
        .await;
    let mut pages = vec![invite_page];
    for path in [
        "/portal".to_owned(),
        "/portal/agents".to_owned(),
        format!("/portal/agents/{agent_id}"),
        batch_path.clone(),
        format!("{batch_path}/print"),
        format!("/portal/batches/{voided}"),
        format!("/portal/vouchers/{code}"),
        format!("/portal/vouchers/{other}"),
        "/portal/vouchers".to_owned(),
        "/portal/reports".to_owned(),
        "/portal/routers".to_owned(),
        "/portal/audit".to_owned(),
        "/portal/settings/api-tokens".to_owned(),
        "/portal/payments/unmatched".to_owned(),
    ] {
        pages.push(owner.page(&path).await);
    }
    let agent = PortalUser::accept_invite(&app, &token).await;
    pages.push(agent.page("/portal").await);
    for html in pages {
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "shown escaped: {html}");
    }
    let csv = owner
        .download("/portal/reports.csv?view=ticket_type")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        csv.contains("\"<script>alert(1)</script>\"\"'&\""),
        "quoted in CSV: {csv}"
    );
}
