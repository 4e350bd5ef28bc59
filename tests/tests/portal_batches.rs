//! Voucher batches from the portal: generation by the queue worker (10,000 without a
//! duplicate), progress, printing, the voucher script, cancelling, and a chunk written once
//! however many workers race.

use std::{collections::HashSet, time::Duration};

use reqwest::StatusCode;
use tiketi_core::domain::{batch::BatchStatus, voucher::VoucherStatus};
use tiketi_tests::{
    app::{TestApp, spawn_app},
    portal::{PortalUser, location},
    router_model::{RouterModel, assert_router_accepts},
};

/// An owner with a router and a ticket type; returns (owner, operator id, router id, ticket id).
async fn shop(app: &TestApp, email: &str) -> (PortalUser, String, String, String) {
    let owner = PortalUser::sign_up(app, "Batch Shop", email).await;
    let router_id = owner.add_router("Counter").await;
    owner
        .add_ticket_type(
            "1 Day",
            &[("amount", "1"), ("unit", "days"), ("price", "80")],
        )
        .await;
    let email = tiketi_core::domain::account::Email::parse(email).unwrap();
    let store = &app.host.tiketi.store;
    let operator_id = store
        .user_by_email(&email)
        .await
        .unwrap()
        .unwrap()
        .operator_id;
    let ticket_id = store.ticket_types(&operator_id).await.unwrap()[0]
        .id
        .clone();
    (owner, operator_id, router_id, ticket_id)
}

async fn request_batch(
    owner: &PortalUser,
    router_id: &str,
    ticket_id: &str,
    quantity: &str,
    extra: &[(&str, &str)],
) -> String {
    let mut form = vec![
        ("ticket_type_id", ticket_id),
        ("router_id", router_id),
        ("quantity", quantity),
        ("length", "8"),
        ("prefix", ""),
        ("note", "for Juma"),
    ];
    for (key, value) in extra {
        form.retain(|(k, _)| k != key);
        form.push((key, value));
    }
    let answer = owner.post("/portal/batches/new", &form).await;
    assert_eq!(
        answer.status(),
        StatusCode::SEE_OTHER,
        "{}",
        answer.text().await.unwrap_or_default()
    );
    location(&answer)
}

/// Follows the batch page until the batch is ready.
async fn wait_ready(owner: &PortalUser, path: &str) -> String {
    for _ in 0..600 {
        let html = owner.page(path).await;
        if html.contains("READY") {
            return html;
        }
        assert!(html.contains("Generating"), "{html}");
        assert!(
            html.contains("http-equiv=\"refresh\""),
            "the page refreshes itself"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the batch did not finish");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_ten_thousand_has_no_duplicate_and_lands_on_the_router() {
    let app = spawn_app().await;
    let (owner, op, router_id, ticket_id) = shop(&app, "big@example.com").await;
    let path = request_batch(&owner, &router_id, &ticket_id, "10000", &[("prefix", "kb")]).await;
    let page = wait_ready(&owner, &path).await;
    assert!(page.contains("10000 × 1 Day"), "{page}");

    let batch_id = path.rsplit('/').next().unwrap();
    let store = &app.host.tiketi.store;
    let batch = store.batch(&op, batch_id).await.unwrap().unwrap();
    assert_eq!(
        (batch.status, batch.generated),
        (BatchStatus::Ready, 10_000)
    );
    let codes: Vec<String> = store
        .batch_pages(&op, batch_id)
        .await
        .unwrap()
        .into_iter()
        .flat_map(|p| p.codes.into_iter().map(|c| c.code))
        .collect();
    assert_eq!(codes.len(), 10_000);
    assert_eq!(
        codes.iter().collect::<HashSet<_>>().len(),
        10_000,
        "no duplicate"
    );
    assert!(codes.iter().all(|c| c.starts_with("KB") && c.len() == 10));
    let live = tiketi_tests::live_vouchers(store, &op, &router_id).await;
    assert_eq!(live.len(), 10_000, "every voucher is due on its router");
    let one = store.voucher(&op, &codes[4_321]).await.unwrap().unwrap();
    assert_eq!(one.status, VoucherStatus::Unused);
    assert_eq!(one.terms.price.minor(), 8_000);
}

#[tokio::test]
async fn a_ready_batch_prints_and_loads_by_script() {
    let app = spawn_app().await;
    let (owner, op, router_id, ticket_id) = shop(&app, "print@example.com").await;
    let path = request_batch(
        &owner,
        &router_id,
        &ticket_id,
        "30",
        &[("separate_password", "on")],
    )
    .await;
    wait_ready(&owner, &path).await;
    let batch_id = path.rsplit('/').next().unwrap();
    let pages = app
        .host
        .tiketi
        .store
        .batch_pages(&op, batch_id)
        .await
        .unwrap();
    let first = &pages[0].codes[0];
    assert_ne!(first.code, first.password);

    let sheet = owner.page(&format!("{path}/print")).await;
    assert!(sheet.contains(&first.code) && sheet.contains(&first.password));
    assert!(sheet.contains("KES 80") && sheet.contains("login.wifi"));

    let answer = owner.download(&format!("{path}/vouchers.rsc")).await;
    assert_eq!(answer.status(), StatusCode::OK);
    let script = answer.text().await.unwrap();
    assert_router_accepts(&script);
    let mut router = RouterModel::default();
    router.apply(&script);
    assert_eq!(router.users.len(), 30);
    let once = router.clone();
    router.apply(&script);
    assert_eq!(router, once, "importing twice changes nothing");
    assert_eq!(router.users[&first.code].limits.0.as_deref(), Some("1d"));
}

#[tokio::test]
async fn cancelling_a_batch_stops_its_unused_vouchers_and_keeps_the_reason() {
    let app = spawn_app().await;
    let (owner, op, router_id, ticket_id) = shop(&app, "stolen@example.com").await;
    let path = request_batch(&owner, &router_id, &ticket_id, "20", &[]).await;
    wait_ready(&owner, &path).await;
    let batch_id = path.rsplit('/').next().unwrap();
    let store = &app.host.tiketi.store;
    let codes: Vec<String> = store.batch_pages(&op, batch_id).await.unwrap()[0]
        .codes
        .iter()
        .map(|c| c.code.clone())
        .collect();
    // One voucher was sold and used before the batch went missing.
    let used = store.voucher(&op, &codes[0]).await.unwrap().unwrap();
    let change = used.apply_usage(60, 1_000, jiff::Timestamp::now()).unwrap();
    store.apply_voucher_usage(&used, &change).await.unwrap();

    let no_reason = owner
        .post(&format!("{path}/cancel"), &[("reason", " ")])
        .await;
    assert_eq!(no_reason.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let answer = owner
        .post(
            &format!("{path}/cancel"),
            &[("reason", "stolen from the counter")],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    for _ in 0..100 {
        let cancelled = store
            .voucher(&op, &codes[19])
            .await
            .unwrap()
            .unwrap()
            .status;
        if cancelled == VoucherStatus::Cancelled {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for code in &codes[1..] {
        assert_eq!(
            store.voucher(&op, code).await.unwrap().unwrap().status,
            VoucherStatus::Cancelled
        );
    }
    assert_eq!(
        store.voucher(&op, &codes[0]).await.unwrap().unwrap().status,
        VoucherStatus::Active,
        "in use: kept"
    );
    let page = owner.page(&path).await;
    assert!(
        page.contains("CANCELLED") && page.contains("stolen from the counter"),
        "{page}"
    );
    let again = owner
        .post(&format!("{path}/cancel"), &[("reason", "twice")])
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let log = store.audit_log(&op, None, 10).await.unwrap();
    let cancel = log
        .iter()
        .find(|(_, e)| e.action == "batch.cancel")
        .expect("audited");
    assert_eq!(cancel.1.note.as_deref(), Some("stolen from the counter"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_workers_write_each_chunk_once() {
    let app = spawn_app().await;
    let (owner, op, router_id, ticket_id) = shop(&app, "race@example.com").await;
    let path = request_batch(&owner, &router_id, &ticket_id, "500", &[]).await;
    let batch_id = path.rsplit('/').next().unwrap().to_owned();
    let tiketi = &app.host.tiketi;
    let runs = (0..4).map(|_| tiketi.generate_batch(&op, &batch_id));
    for result in futures::future::join_all(runs).await {
        result.unwrap();
    }
    wait_ready(&owner, &path).await;
    let pages = tiketi.store.batch_pages(&op, &batch_id).await.unwrap();
    let codes: HashSet<String> = pages
        .iter()
        .flat_map(|p| p.codes.iter().map(|c| c.code.clone()))
        .collect();
    assert_eq!(codes.len(), 500);
    assert_eq!(pages.iter().map(|p| p.codes.len()).sum::<usize>(), 500);
    let live = tiketi_tests::live_vouchers(&tiketi.store, &op, &router_id).await;
    assert_eq!(live.len(), 500, "no voucher beyond the batch's");
}

#[tokio::test]
async fn batch_requests_are_checked() {
    let app = spawn_app().await;
    let (owner, _, router_id, ticket_id) = shop(&app, "checks@example.com").await;
    for (field, value, expected) in [
        ("quantity", "0", "1 to 10000"),
        ("quantity", "10001", "1 to 10000"),
        ("length", "5", "6 to 16"),
        ("prefix", "O0", "prefix"),
        ("ticket_type_id", "nope", "choose a ticket type"),
        ("router_id", "nope", "choose a router"),
    ] {
        let mut form = vec![
            ("ticket_type_id", ticket_id.as_str()),
            ("router_id", router_id.as_str()),
            ("quantity", "5"),
            ("length", "8"),
            ("prefix", ""),
            ("note", ""),
        ];
        form.retain(|(k, _)| *k != field);
        form.push((field, value));
        let answer = owner.post("/portal/batches/new", &form).await;
        assert_eq!(
            answer.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value}"
        );
        assert!(
            answer.text().await.unwrap().contains(expected),
            "{expected}"
        );
    }
}

#[tokio::test]
async fn submitting_the_same_batch_form_twice_makes_one_batch() {
    let app = spawn_app().await;
    let (owner, operator_id, router_id, ticket_id) = shop(&app, "twice@example.com").await;
    let page = owner.page("/portal/batches/new").await;
    let marker = "name=\"request_id\" value=\"";
    let at = page.find(marker).expect("the form carries a request id") + marker.len();
    let request_id = page[at..].split('"').next().unwrap().to_owned();
    assert_eq!(request_id.len(), 32);
    let form = [("request_id", request_id.as_str())];
    let first = request_batch(&owner, &router_id, &ticket_id, "5", &form).await;
    let second = request_batch(&owner, &router_id, &ticket_id, "5", &form).await;
    assert_eq!(first, second, "a double submit lands on the same batch");
    // The same page with another quantity is another request.
    let third = request_batch(&owner, &router_id, &ticket_id, "6", &form).await;
    assert_ne!(third, first);
    let store = &app.host.tiketi.store;
    assert_eq!(store.batches(&operator_id, 10).await.unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_use_by_date_ends_printed_vouchers_used_or_not() {
    let app = spawn_app().await;
    let (owner, op, router_id, ticket_id) = shop(&app, "useby@example.com").await;
    let nairobi = jiff::tz::TimeZone::get("Africa/Nairobi").unwrap();
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(nairobi.clone())
        .date();
    let last_day = today.tomorrow().unwrap();

    // A day gone by, or not a day, is refused with a reason.
    for (bad, why) in [("2020-01-01", "has passed"), ("31/12/2026", "a day like")] {
        let form = [
            ("ticket_type_id", ticket_id.as_str()),
            ("router_id", router_id.as_str()),
            ("quantity", "3"),
            ("length", "8"),
            ("use_by", bad),
        ];
        let answer = owner.post("/portal/batches/new", &form).await;
        assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(answer.text().await.unwrap().contains(why), "{bad}");
    }

    let day = last_day.to_string();
    let path = request_batch(&owner, &router_id, &ticket_id, "3", &[("use_by", &day)]).await;
    wait_ready(&owner, &path).await;
    assert!(
        owner
            .page(&path)
            .await
            .contains(&format!("{day} (after that day"))
    );
    assert!(
        owner
            .page(&format!("{path}/print"))
            .await
            .contains(&format!("use by {day}"))
    );
    // Every voucher stops at the end of that day in the operator's time zone, unused or not.
    let end = nairobi
        .to_timestamp(
            last_day
                .tomorrow()
                .unwrap()
                .to_datetime(jiff::civil::Time::midnight()),
        )
        .unwrap();
    let batch_id = path.rsplit('/').next().unwrap();
    let store = &app.host.tiketi.store;
    for page in store.batch_pages(&op, batch_id).await.unwrap() {
        for code in page.codes {
            let voucher = store.voucher(&op, &code.code).await.unwrap().unwrap();
            assert_eq!(voucher.terms.use_by, Some(end));
            assert_eq!(
                voucher.expires_at,
                Some(end),
                "due for the sweep while unused"
            );
        }
    }

    // When that moment comes, the sweep expires the unused voucher and its router drops it.
    let code = store.batch_pages(&op, batch_id).await.unwrap()[0].codes[0]
        .code
        .clone();
    let mut due = store.voucher(&op, &code).await.unwrap().unwrap();
    due.code = format!("{code}X");
    due.password = due.code.clone();
    due.terms.use_by = Some(jiff::Timestamp::now());
    due.expires_at = due.terms.use_by;
    store.create_vouchers(&[due.clone()]).await.unwrap();
    let unused_before = store.voucher_counts(&op).await.unwrap()["UNUSED"];
    let report = app.host.tiketi.sweep_expired().await.unwrap();
    assert_eq!(report.expired, 1, "{report:?}");
    let swept = store.voucher(&op, &due.code).await.unwrap().unwrap();
    assert_eq!(swept.status, VoucherStatus::Expired);
    let counts = store.voucher_counts(&op).await.unwrap();
    assert_eq!(counts["UNUSED"], unused_before - 1);
    assert_eq!(counts["EXPIRED"], 1);
    let live = tiketi_tests::live_vouchers(store, &op, &router_id).await;
    assert!(!live.iter().any(|v| v.code == due.code));
    assert!(
        live.iter().any(|v| v.code == code),
        "the others wait for their day"
    );
}
