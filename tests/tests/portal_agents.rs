//! Agents from invitation to settlement: scoped stock, cash sales recorded exactly once,
//! commission, what an agent may see, settlements, and disabling.

use reqwest::StatusCode;
use tiketi_core::domain::{ledger::Dimension, money::Money, voucher::VoucherStatus};
use tiketi_tests::{
    app::{TestApp, spawn_app},
    portal::{PortalUser, demo_owner},
};

/// The codes of a batch, in print order.
async fn codes(app: &TestApp, batch_id: &str) -> Vec<String> {
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
async fn an_agent_sells_their_stock_once_and_settles_with_the_owner() {
    let app = spawn_app().await;
    let owner = demo_owner(&app, "owner@demo.example").await;
    let (agent_id, token) = owner
        .invite_agent(
            "Wanjiku",
            "wanjiku@example.com",
            &[("router_ids", "demo-router"), ("commission", "10")],
        )
        .await;
    let agent = PortalUser::accept_invite(&app, &token).await;
    // The link worked once.
    assert_eq!(
        PortalUser::anonymous(&app)
            .get(&format!("/portal/invite/{token}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let batch_id = owner.add_batch("1d", "demo-router", 5).await;
    let codes = codes(&app, &batch_id).await;
    let price = app
        .host
        .tiketi
        .store
        .voucher("demo", &codes[0])
        .await
        .unwrap()
        .unwrap()
        .terms
        .price;

    // Not handed over yet: not the agent's stock.
    let early = agent.post("/portal/sell", &[("code", &codes[0])]).await;
    assert_eq!(early.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(early.text().await.unwrap().contains("in your stock"));

    let handed = owner
        .post(
            &format!("/portal/batches/{batch_id}/handover"),
            &[("agent_id", &agent_id)],
        )
        .await;
    assert_eq!(handed.status(), StatusCode::SEE_OTHER);
    let home = agent.page("/portal").await;
    assert!(
        home.contains("My stock") && home.contains("1 Day"),
        "{home}"
    );

    let sold = agent
        .post(
            "/portal/sell",
            &[("code", &codes[0].to_lowercase()), ("phone", "0711000111")],
        )
        .await;
    assert_eq!(sold.status(), StatusCode::OK);
    assert!(sold.text().await.unwrap().contains("Sold"));
    let again = agent.post("/portal/sell", &[("code", &codes[0])]).await;
    assert_eq!(again.status(), StatusCode::CONFLICT, "one sale per voucher");
    assert!(
        again
            .text()
            .await
            .unwrap()
            .contains("already sold by Wanjiku")
    );
    let by_owner = owner.post("/portal/sell", &[("code", &codes[1])]).await;
    assert_eq!(
        by_owner.status(),
        StatusCode::OK,
        "the owner sells any stock"
    );

    let store = &app.host.tiketi.store;
    let balance = store.agent_balance("demo", &agent_id).await.unwrap();
    let commission = Money(price.minor() / 10);
    assert_eq!(balance.sales, 1);
    assert_eq!(balance.collected, price);
    assert_eq!(balance.commission, commission);
    assert_eq!(balance.owed(), Money(price.minor() - commission.minor()));
    let sold_voucher = store.voucher("demo", &codes[0]).await.unwrap().unwrap();
    assert_eq!(sold_voucher.sold_by.unwrap().name, "Wanjiku");
    assert_eq!(sold_voucher.phone.as_deref(), Some("254711000111"));
    assert_eq!(
        sold_voucher.status,
        VoucherStatus::Unused,
        "sold, not yet used"
    );
    assert_eq!(
        store.batch("demo", &batch_id).await.unwrap().unwrap().sold,
        2
    );
    let day = app
        .host
        .tiketi
        .business_today("Africa/Nairobi")
        .unwrap()
        .to_string();
    let seller = store
        .day_totals("demo", &day, Dimension::Seller(&agent_id))
        .await
        .unwrap();
    assert_eq!((seller.count, seller.amount_minor), (1, price.minor()));
    assert_eq!(seller.commission_minor, commission.minor());

    // What an agent may open: their home and the sale form, nothing of the business.
    for path in [
        "/portal/vouchers",
        "/portal/reports",
        "/portal/agents",
        "/portal/batches",
        "/portal/settings",
        &format!("/portal/vouchers/{}", codes[0]),
    ] {
        assert_eq!(
            agent.get(path).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    assert!(
        !home.contains("Revenue today"),
        "no business figures for agents"
    );

    let owed = Money(price.minor() - commission.minor()).decimal();
    // More than the agent holds (a typo, 1000 for 10) is refused, saying what they hold.
    let too_much = owner
        .post(
            &format!("/portal/agents/{agent_id}/settlements"),
            &[("amount", "100000"), ("note", "")],
        )
        .await;
    assert_eq!(too_much.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = too_much.text().await.unwrap();
    assert!(text.contains("cannot be more than that"), "{text}");
    assert!(
        text.contains(&Money(price.minor() - commission.minor()).display("KES")),
        "{text}"
    );
    // The full amount submitted six times at once (a double tap, two devices): one is kept.
    let path = format!("/portal/agents/{agent_id}/settlements");
    let form = [("amount", owed.as_str()), ("note", "M-Pesa QK12AB34")];
    let tries = (0..6).map(|_| owner.post(&path, &form));
    let answers: Vec<StatusCode> = futures::future::join_all(tries)
        .await
        .iter()
        .map(|a| a.status())
        .collect();
    assert_eq!(
        answers
            .iter()
            .filter(|s| **s == StatusCode::SEE_OTHER)
            .count(),
        1,
        "{answers:?}"
    );
    assert!(
        answers.iter().all(|s| [
            StatusCode::SEE_OTHER,
            StatusCode::CONFLICT,
            StatusCode::UNPROCESSABLE_ENTITY
        ]
        .contains(s)),
        "{answers:?}"
    );
    let page = owner.page(&format!("/portal/agents/{agent_id}")).await;
    assert!(page.contains("M-Pesa QK12AB34"));
    assert_eq!(
        store.agent_balance("demo", &agent_id).await.unwrap().owed(),
        Money(0)
    );
    let bad = owner
        .post(
            &format!("/portal/agents/{agent_id}/settlements"),
            &[("amount", "-5"), ("note", "")],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let actions: Vec<String> = store
        .audit_log("demo", None, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, e)| e.action)
        .collect();
    for action in [
        "agent.invite",
        "batch.hand_over",
        "voucher.cash_sale",
        "agent.settlement",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }

    // Disabled: the agent's session ends at once.
    let disabled = owner
        .post(
            &format!("/portal/agents/{agent_id}"),
            &[("name", "Wanjiku"), ("phone", ""), ("commission", "10")],
        )
        .await;
    assert_eq!(disabled.status(), StatusCode::SEE_OTHER);
    assert_eq!(agent.get("/portal").await.status(), StatusCode::SEE_OTHER);
    let (_, retry) = PortalUser::log_in(&app, "wanjiku@example.com", "agent password 1").await;
    assert_eq!(retry.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_scoped_to_one_router_cannot_take_stock_of_another() {
    let app = spawn_app().await;
    let owner = demo_owner(&app, "owner2@demo.example").await;
    let other_router = owner.add_router("Second Site").await;
    let (agent_id, _) = owner
        .invite_agent(
            "Scoped",
            "scoped@example.com",
            &[("router_ids", &other_router)],
        )
        .await;
    let batch_id = owner.add_batch("1d", "demo-router", 2).await;
    let refused = owner
        .post(
            &format!("/portal/batches/{batch_id}/handover"),
            &[("agent_id", &agent_id)],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let batch = app
        .host
        .tiketi
        .store
        .batch("demo", &batch_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(batch.agent, None);
}

#[tokio::test]
async fn an_invitation_is_refused_for_an_address_with_an_account_and_a_bad_link_is_not_found() {
    let app = spawn_app().await;
    let owner = PortalUser::sign_up(&app, "Invite Shop", "invites@example.com").await;
    let answer = owner
        .post(
            "/portal/agents/new",
            &[("name", "Me Again"), ("email", "invites@example.com")],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::CONFLICT);
    let anonymous = PortalUser::anonymous(&app);
    for token in ["nope", &"0".repeat(48)] {
        assert_eq!(
            anonymous
                .get(&format!("/portal/invite/{token}"))
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voucher_past_its_use_by_date_is_not_sold_for_cash() {
    let app = spawn_app().await;
    let owner = demo_owner(&app, "owner@demo.example").await;
    let batch_id = owner.add_batch("1d", "demo-router", 2).await;
    let codes = codes(&app, &batch_id).await;
    let store = &app.host.tiketi.store;
    // A voucher of that batch whose use-by moment has just passed (the sweep has not run).
    let mut late = store.voucher("demo", &codes[0]).await.unwrap().unwrap();
    late.code = format!("{}Z", late.code);
    late.password = late.code.clone();
    late.terms.use_by = Some(jiff::Timestamp::now());
    late.expires_at = late.terms.use_by;
    store
        .create_vouchers(std::slice::from_ref(&late))
        .await
        .unwrap();
    let refused = owner.post("/portal/sell", &[("code", &late.code)]).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("past its use-by date")
    );
    let voucher = store.voucher("demo", &late.code).await.unwrap().unwrap();
    assert_eq!(voucher.sold_at, None, "no sale recorded");
    // Its batch-mates without a use-by sell as before.
    let sold = owner.post("/portal/sell", &[("code", &codes[1])]).await;
    assert_eq!(sold.status(), StatusCode::OK);
    let sold = store.voucher("demo", &codes[1]).await.unwrap().unwrap();
    assert!(sold.sold_at.is_some());
}
