//! Portal accounts over HTTP: sign-up, login, logout, password change, login throttling,
//! CSRF refusal and cookie attributes.

use reqwest::StatusCode;
use tiketi_tests::{
    app::spawn_app,
    portal::{PortalUser, location},
};

#[tokio::test]
async fn sign_up_logs_in_and_logout_ends_the_session() {
    let app = spawn_app().await;
    let owner = PortalUser::sign_up(&app, "Mama Njeri WiFi", "njeri@example.com").await;
    let dashboard = owner.page("/portal").await;
    assert!(dashboard.contains("Mama Njeri WiFi"), "{dashboard}");
    assert!(dashboard.contains("Revenue today"));

    let answer = owner.post("/portal/logout", &[]).await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&answer), "/portal/login");
    let after = owner.get("/portal").await;
    assert_eq!(after.status(), StatusCode::SEE_OTHER, "logged out");
    assert_eq!(location(&after), "/portal/login");

    let (again, answer) = PortalUser::log_in(&app, "  NJERI@example.com ", "correct horse 1").await;
    assert_eq!(
        answer.status(),
        StatusCode::SEE_OTHER,
        "e-mail is case-insensitive"
    );
    assert!(again.page("/portal").await.contains("Mama Njeri WiFi"));
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site() {
    let app = spawn_app().await;
    let user = PortalUser::anonymous(&app);
    let answer = user
        .submit_public(
            "/portal/signup",
            &[
                ("business_name", "Cookie Cafe"),
                ("email", "cookie@example.com"),
                ("phone", "0712345678"),
                ("password", "correct horse 1"),
            ],
        )
        .await;
    let cookie = answer
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("tiketi_session="))
        .expect("session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Max-Age="), "expires: {cookie}");
    // Local plain-HTTP install: not Secure (it would never be sent back); https deployments are.
    assert!(!cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn sign_up_refuses_bad_input_and_a_taken_email_keeping_what_was_typed() {
    let app = spawn_app().await;
    PortalUser::sign_up(&app, "First", "taken@example.com").await;
    let user = PortalUser::anonymous(&app);
    let cases = [
        (
            "",
            "a@example.com",
            "0712345678",
            "correct horse 1",
            "Business name is required",
        ),
        (
            "Shop",
            "not-an-email",
            "0712345678",
            "correct horse 1",
            "not an e-mail address",
        ),
        (
            "Shop",
            "b@example.com",
            "12",
            "correct horse 1",
            "not a phone number",
        ),
        (
            "Shop",
            "c@example.com",
            "0712345678",
            "short",
            "at least 10 characters",
        ),
        (
            "Shop <b>",
            "taken@example.com",
            "0712345678",
            "correct horse 1",
            "exists",
        ),
    ];
    for (business, email, phone, password, expected) in cases {
        let answer = user
            .submit_public(
                "/portal/signup",
                &[
                    ("business_name", business),
                    ("email", email),
                    ("phone", phone),
                    ("password", password),
                ],
            )
            .await;
        assert!(
            answer.status().is_client_error(),
            "{expected}: {}",
            answer.status()
        );
        let html = answer.text().await.unwrap();
        assert!(html.contains(expected), "{expected}: {html}");
        assert!(
            html.contains(&format!("value=\"{}\"", email)),
            "typed e-mail kept"
        );
        assert!(!html.contains("Shop <b>"), "escaped");
    }
}

#[tokio::test]
async fn wrong_passwords_are_refused_then_slowed_down() {
    let app = spawn_app().await;
    PortalUser::sign_up(&app, "Throttled", "slow@example.com").await;
    for _ in 0..5 {
        let (_, answer) = PortalUser::log_in(&app, "slow@example.com", "wrong password").await;
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
        assert!(
            answer
                .text()
                .await
                .unwrap()
                .contains("Wrong e-mail address or password")
        );
    }
    // The sixth attempt waits, even with the right password: the form says how long.
    let (_, answer) = PortalUser::log_in(&app, "slow@example.com", "correct horse 1").await;
    assert_eq!(answer.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(answer.headers().contains_key("retry-after"));
    let page = answer.text().await.unwrap();
    assert!(
        page.contains("Too many attempts") && page.contains(" seconds."),
        "{page}"
    );
    assert!(page.contains("slow@example.com") && page.contains("name=\"password\""));
    // Unknown addresses are counted the same way and answered the same way.
    let (_, answer) = PortalUser::log_in(&app, "nobody@example.com", "whatever password").await;
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn guesses_sent_all_at_once_are_counted_one_by_one() {
    let app = spawn_app().await;
    PortalUser::sign_up(&app, "Raced", "raced@example.com").await;
    let guesses = (0..24).map(|i| {
        let app = &app;
        async move {
            let guess = format!("guess number {i}");
            PortalUser::log_in(app, "raced@example.com", &guess)
                .await
                .1
                .status()
        }
    });
    let answers = futures::future::join_all(guesses).await;
    let checked = answers
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let held_back = answers
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(checked + held_back, answers.len(), "{answers:?}");
    assert!(
        (1..=5).contains(&checked),
        "only the five free attempts are checked, however many arrive at once: {checked}"
    );
    let (_, answer) = PortalUser::log_in(&app, "raced@example.com", "correct horse 1").await;
    assert_eq!(answer.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_password_change_ends_the_other_sessions() {
    let app = spawn_app().await;
    let laptop = PortalUser::sign_up(&app, "Two Devices", "two@example.com").await;
    let (phone, _) = PortalUser::log_in(&app, "two@example.com", "correct horse 1").await;
    assert_eq!(phone.get("/portal").await.status(), StatusCode::OK);

    let refused = laptop
        .post(
            "/portal/password",
            &[("current", "not it at all"), ("new", "new password 22")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("current password is wrong")
    );

    let changed = laptop
        .post(
            "/portal/password",
            &[("current", "correct horse 1"), ("new", "new password 22")],
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(
        laptop.get("/portal").await.status(),
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(
        phone.get("/portal").await.status(),
        StatusCode::SEE_OTHER,
        "the other ends"
    );

    let (_, old) = PortalUser::log_in(&app, "two@example.com", "correct horse 1").await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    let (_, new) = PortalUser::log_in(&app, "two@example.com", "new password 22").await;
    assert_eq!(new.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn forms_without_the_session_csrf_token_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let owner = PortalUser::sign_up(&app, "Csrf Shop", "csrf@example.com").await;
    let other = PortalUser::sign_up(&app, "Other Shop", "other@example.com").await;
    let settings = [
        ("business_name", "Hijacked"),
        ("currency", "KES"),
        ("time_zone", "Africa/Nairobi"),
        ("voucher_code_length", "10"),
        ("gateway_fee", "3.5"),
        ("agent_commission", "10"),
    ];
    let mut without = settings.to_vec();
    let no_token = owner.post_raw("/portal/settings", &without).await;
    assert_eq!(no_token.status(), StatusCode::FORBIDDEN);
    without.push(("csrf", other.csrf()));
    let wrong_token = owner.post_raw("/portal/settings", &without).await;
    assert_eq!(
        wrong_token.status(),
        StatusCode::FORBIDDEN,
        "another session's token"
    );
    let logout = owner.post_raw("/portal/logout", &[]).await;
    assert_eq!(logout.status(), StatusCode::FORBIDDEN, "logout too");
    let login = owner
        .post_raw(
            "/portal/login",
            &[
                ("email", "csrf@example.com"),
                ("password", "correct horse 1"),
            ],
        )
        .await;
    assert_eq!(
        login.status(),
        StatusCode::FORBIDDEN,
        "login needs its page's token"
    );
    assert!(!owner.page("/portal").await.contains("Hijacked"));

    let saved = owner.post("/portal/settings", &settings).await;
    assert_eq!(saved.status(), StatusCode::OK);
    assert!(owner.page("/portal").await.contains("Hijacked"));
}
