//! Two-step login (TOTP) over HTTP: setting it up from the secret the page shows (codes are
//! computed here with totp-rs, as an authenticator app would), logging in with a code, wrong
//! and replayed codes, the login throttle, and switching it off.
//!
//! Each test starts on a time step with at least 20 s left ([`fresh_step`]), so the codes of
//! that step and the ones either side of it are all valid while it runs; they are used in
//! increasing order, because a code is never accepted at or before the last used step.

use reqwest::StatusCode;
use tiketi_core::store::keys;
use tiketi_tests::{
    app::{TestApp, spawn_app},
    portal::{PortalUser, fresh_step, location, operator_id, totp_code, totp_secret_on},
};

const PASSWORD: &str = "correct horse 1";

async fn audit_actions(app: &TestApp, email: &str) -> Vec<String> {
    let op = operator_id(app, email).await;
    let log = app.host.tiketi.store.audit_log(&op, None, 100).await;
    log.unwrap().into_iter().map(|(_, e)| e.action).collect()
}

/// Logs in with the password, which must lead to the code page.
async fn password_step(app: &TestApp, email: &str) -> PortalUser {
    let (user, answer) = PortalUser::log_in(app, email, PASSWORD).await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&answer), "/portal/login/code", "a code is needed");
    user
}

#[tokio::test]
async fn enabling_shows_the_secret_and_a_qr_code_and_needs_a_right_code() {
    let app = spawn_app().await;
    let step = fresh_step().await;
    let owner = PortalUser::sign_up(&app, "Secure Spot", "secure@example.com").await;
    let settings = owner.page("/portal/settings").await;
    assert!(
        settings.contains("/portal/settings/two-factor"),
        "{settings}"
    );
    let page = owner.page("/portal/settings/two-factor").await;
    assert!(page.contains("Off."), "{page}");
    assert_eq!(totp_secret_on(&page), None);

    let answer = owner.post("/portal/settings/two-factor/setup", &[]).await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let page = owner.page("/portal/settings/two-factor").await;
    let secret = totp_secret_on(&page).expect("the secret as text");
    assert_eq!(secret.len(), 32, "160 bits in base32: {secret}");
    assert!(page.contains("<svg"), "a QR code, drawn on the server");
    assert!(!page.contains("<script"), "no JavaScript");

    // Stored sealed: neither the base32 text nor the raw bytes appear in the item.
    let op = operator_id(&app, "secure@example.com").await;
    let user_id = app.host.tiketi.store.users(&op).await.unwrap().remove(0).id;
    let item = app.host.tiketi.store.table();
    let item = tiketi_core::ports::Table::get(item, &keys::two_factor(&op, &user_id))
        .await
        .unwrap()
        .expect("the two-step login item");
    let raw = serde_json::to_string(&item.0).unwrap();
    let bytes = totp_rs::Secret::try_from_base32(&secret).unwrap();
    assert!(!raw.contains(&secret), "{raw}");
    assert!(
        !raw.to_lowercase().contains(&hex(bytes.as_bytes())),
        "{raw}"
    );

    // Not on until a code from the app shows the secret was entered right.
    let far = totp_code(&secret, step + 5);
    let refused = owner
        .post("/portal/settings/two-factor/enable", &[("code", &far)])
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(html.contains("not right"), "{html}");
    assert_eq!(totp_secret_on(&html).as_deref(), Some(secret.as_str()));
    let (_, answer) = PortalUser::log_in(&app, "secure@example.com", PASSWORD).await;
    assert_eq!(location(&answer), "/portal", "still off: no code asked");

    let code = totp_code(&secret, step);
    let answer = owner
        .post("/portal/settings/two-factor/enable", &[("code", &code)])
        .await;
    assert_eq!(answer.status(), StatusCode::OK);
    let html = answer.text().await.unwrap();
    assert!(html.contains("Two-step login is on"), "{html}");
    assert!(!html.contains(&secret), "never shown again");
    let page = owner.page("/portal/settings/two-factor").await;
    assert!(!page.contains(&secret) && !page.contains("<svg"), "{page}");
    assert!(
        owner.page("/portal/settings").await.contains(">On<"),
        "the settings page says so"
    );
    assert_eq!(
        audit_actions(&app, "secure@example.com").await,
        ["two_factor.enable"]
    );
}

#[tokio::test]
async fn login_needs_a_right_code_after_the_password() {
    let app = spawn_app().await;
    let step = fresh_step().await;
    let owner = PortalUser::sign_up(&app, "Two Steps", "steps@example.com").await;
    let secret = owner.enable_two_factor(step - 1).await;

    let mut browser = password_step(&app, "steps@example.com").await;
    let no_session = browser.get("/portal").await;
    assert_eq!(no_session.status(), StatusCode::SEE_OTHER, "no session yet");
    assert_eq!(location(&no_session), "/portal/login");
    let page = browser.page("/portal/login/code").await;
    assert!(page.contains("Enter your code"), "{page}");

    let wrong = browser.enter_code(&totp_code(&secret, step + 5)).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.text().await.unwrap().contains("not right"));
    assert_eq!(browser.get("/portal").await.status(), StatusCode::SEE_OTHER);
    let junk = browser.enter_code("letters").await;
    assert_eq!(junk.status(), StatusCode::UNAUTHORIZED);

    let right = browser.enter_code(&totp_code(&secret, step)).await;
    assert_eq!(right.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&right), "/portal");
    assert!(browser.page("/portal").await.contains("Two Steps"));
    assert_eq!(
        browser.get("/portal/login/code").await.status(),
        StatusCode::SEE_OTHER,
        "the pending login ended with the session"
    );
}

#[tokio::test]
async fn each_code_is_accepted_once() {
    let app = spawn_app().await;
    let step = fresh_step().await;
    let owner = PortalUser::sign_up(&app, "Once Only", "once@example.com").await;
    let secret = owner.enable_two_factor(step - 1).await;

    let mut first = password_step(&app, "once@example.com").await;
    let answer = first.enter_code(&totp_code(&secret, step)).await;
    assert_eq!(location(&answer), "/portal");

    // Someone who saw that code (or the confirming one) cannot use it, even with the password.
    let mut second = password_step(&app, "once@example.com").await;
    for used in [step, step - 1] {
        let replayed = second.enter_code(&totp_code(&secret, used)).await;
        assert_eq!(replayed.status(), StatusCode::UNAUTHORIZED, "step {used}");
        assert!(replayed.text().await.unwrap().contains("already used"));
    }
    assert_eq!(second.get("/portal").await.status(), StatusCode::SEE_OTHER);
    // The next step's code is still good.
    let answer = second.enter_code(&totp_code(&secret, step + 1)).await;
    assert_eq!(location(&answer), "/portal");
    assert_eq!(second.get("/portal").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn wrong_codes_count_in_the_login_throttle() {
    let app = spawn_app().await;
    let step = fresh_step().await;
    let owner = PortalUser::sign_up(&app, "Guarded", "guarded@example.com").await;
    let secret = owner.enable_two_factor(step - 1).await;

    // The right password was one attempt (counted until a right code clears it); four wrong
    // codes use up the five free ones.
    let mut browser = password_step(&app, "guarded@example.com").await;
    for attempt in 0..4 {
        let wrong = browser
            .enter_code(&format!("{:06}", 111_111 * attempt))
            .await;
        let status = wrong.status();
        let body = wrong.text().await.unwrap();
        // One of these could be the right code by chance (1 in 200,000); then it logs in.
        if status == StatusCode::SEE_OTHER {
            return;
        }
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    }
    let right = browser.enter_code(&totp_code(&secret, step)).await;
    assert_eq!(
        right.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right code waits"
    );
    assert!(right.headers().contains_key("retry-after"));
    // A known password does not reset the count: only a right code does.
    let (_, again) = PortalUser::log_in(&app, "guarded@example.com", PASSWORD).await;
    assert_eq!(again.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn switching_off_needs_the_password_and_a_code_and_is_audited() {
    let app = spawn_app().await;
    let step = fresh_step().await;
    let owner = PortalUser::sign_up(&app, "Off Again", "off@example.com").await;
    let secret = owner.enable_two_factor(step - 1).await;
    let code = totp_code(&secret, step);

    let wrong_password = owner
        .post(
            "/portal/settings/two-factor/disable",
            &[("password", "not my password"), ("code", &code)],
        )
        .await;
    assert_eq!(wrong_password.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong_password
            .text()
            .await
            .unwrap()
            .contains("password is wrong")
    );
    let wrong_code = owner
        .post(
            "/portal/settings/two-factor/disable",
            &[
                ("password", PASSWORD),
                ("code", &totp_code(&secret, step + 5)),
            ],
        )
        .await;
    assert_eq!(wrong_code.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong_code.text().await.unwrap().contains("not right"));
    password_step(&app, "off@example.com").await;

    let answer = owner
        .post(
            "/portal/settings/two-factor/disable",
            &[("password", PASSWORD), ("code", &code)],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(
        answer
            .text()
            .await
            .unwrap()
            .contains("Two-step login is off")
    );
    let (_, answer) = PortalUser::log_in(&app, "off@example.com", PASSWORD).await;
    assert_eq!(
        location(&answer),
        "/portal",
        "the password alone logs in again"
    );
    assert_eq!(
        audit_actions(&app, "off@example.com").await,
        ["two_factor.disable", "two_factor.enable"],
        "newest first"
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
