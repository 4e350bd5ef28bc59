//! A browser on the operator portal: its own cookie jar (so each `PortalUser` is one logged-in
//! person), redirects not followed, and the CSRF token of its session added to every form.

use std::time::Duration;

use reqwest::{Response, StatusCode, redirect::Policy};

use crate::app::TestApp;

pub struct PortalUser {
    pub http: reqwest::Client,
    base_url: String,
    csrf: String,
}

/// The value of the first `name="csrf"` hidden field of a page.
pub fn csrf_of(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(html[at..].split('"').next()?.to_owned())
}

pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

impl PortalUser {
    /// A browser that has not logged in.
    pub fn anonymous(app: &TestApp) -> Self {
        Self::at(&app.host.base_url)
    }

    /// A browser that has not logged in, on the Tiketi at `base_url`.
    pub fn at(base_url: &str) -> Self {
        Self {
            http: browser(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            csrf: String::new(),
        }
    }

    /// Signs a new business up (password `correct horse 1`) on the Enterprise plan (no limits:
    /// tests of other features are not about plans) and stays logged in.
    pub async fn sign_up(app: &TestApp, business_name: &str, email: &str) -> Self {
        Self::sign_up_at(&app.host.base_url, business_name, email).await
    }

    /// [`Self::sign_up`] on the Tiketi at `base_url`.
    pub async fn sign_up_at(base_url: &str, business_name: &str, email: &str) -> Self {
        Self::sign_up_on(base_url, business_name, email, "enterprise").await
    }

    /// [`Self::sign_up`] on the plan `plan` (`basic`, `professional`, `enterprise`).
    pub async fn sign_up_on(base_url: &str, business_name: &str, email: &str, plan: &str) -> Self {
        let mut user = Self::at(base_url);
        let answer = user
            .submit_public(
                "/portal/signup",
                &[
                    ("business_name", business_name),
                    ("email", email),
                    ("phone", "0712345678"),
                    ("password", "correct horse 1"),
                    ("plan", plan),
                ],
            )
            .await;
        assert_eq!(
            answer.status(),
            StatusCode::SEE_OTHER,
            "{}",
            answer.text().await.unwrap_or_default()
        );
        user.refresh_csrf().await;
        user
    }

    /// Logs in on the login page (as a browser would: the page first, then the form). With
    /// two-step login on, a right password leads to the code page (see [`Self::enter_code`]).
    pub async fn log_in(app: &TestApp, email: &str, password: &str) -> (Self, Response) {
        let mut user = Self::anonymous(app);
        let answer = user
            .submit_public("/portal/login", &[("email", email), ("password", password)])
            .await;
        if answer.status() == StatusCode::SEE_OTHER && location(&answer) == "/portal" {
            user.refresh_csrf().await;
        }
        (user, answer)
    }

    /// Submits a two-step login code on the code page (after a right password).
    pub async fn enter_code(&mut self, code: &str) -> Response {
        let answer = self
            .submit_public("/portal/login/code", &[("code", code)])
            .await;
        if answer.status() == StatusCode::SEE_OTHER && location(&answer) == "/portal" {
            self.refresh_csrf().await;
        }
        answer
    }

    /// Sets up two-step login and switches it on with the code of `step`; returns the secret
    /// the page showed (base32).
    pub async fn enable_two_factor(&self, step: u64) -> String {
        let answer = self.post("/portal/settings/two-factor/setup", &[]).await;
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        let page = self.page("/portal/settings/two-factor").await;
        let secret = totp_secret_on(&page).expect("the set-up page shows the secret");
        let code = totp_code(&secret, step);
        let answer = self
            .post("/portal/settings/two-factor/enable", &[("code", &code)])
            .await;
        let status = answer.status();
        let html = answer.text().await.unwrap_or_default();
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("Two-step login is on"), "{html}");
        secret
    }

    /// GETs a public page (login, sign-up) and posts its form with the page's CSRF token.
    pub async fn submit_public(&self, path: &str, form: &[(&str, &str)]) -> Response {
        let page = self.get(path).await.text().await.expect("page");
        let csrf = csrf_of(&page).expect("the page has a CSRF token");
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        fields.push(("csrf", &csrf));
        self.http
            .post(self.url(path))
            .form(&fields)
            .send()
            .await
            .expect("POST")
    }

    pub async fn refresh_csrf(&mut self) {
        let page = self.page("/portal").await;
        self.csrf = csrf_of(&page).expect("the dashboard has a CSRF token");
    }

    pub fn csrf(&self) -> &str {
        &self.csrf
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.http.get(self.url(path)).send().await.expect("GET")
    }

    /// A download (PDF sheet, voucher script, CSV): the portal answers with a redirect to the
    /// document's short-lived link, which is followed without this browser's cookies (the link
    /// alone must be enough, as it is for a presigned S3 URL). An answer that is not a redirect
    /// (a refusal) is returned as it is.
    pub async fn download(&self, path: &str) -> Response {
        let answer = self.get(path).await;
        if answer.status() != StatusCode::SEE_OTHER {
            return answer;
        }
        let link = location(&answer);
        reqwest::get(&link)
            .await
            .expect("the download link answers")
    }

    /// A page that must load (200); its HTML.
    pub async fn page(&self, path: &str) -> String {
        let answer = self.get(path).await;
        let status = answer.status();
        let text = answer.text().await.expect("body");
        assert_eq!(status, StatusCode::OK, "GET {path}: {text}");
        text
    }

    /// Posts a form with this session's CSRF token.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Response {
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        fields.push(("csrf", &self.csrf));
        self.post_raw(path, &fields).await
    }

    /// Posts exactly these fields (no CSRF token added).
    pub async fn post_raw(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.http
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .expect("POST")
    }

    /// Creates a router; returns its id (from the redirect).
    /// Submits the new-router form with a valid hotspot; the raw answer (a refusal shows the
    /// form again).
    pub async fn submit_router(&self, name: &str) -> Response {
        self.post(
            "/portal/routers/new",
            &[
                ("name", name),
                ("location", "Nairobi"),
                ("hotspot_dns", "login.wifi"),
                ("interface", "bridge"),
                ("address", "192.168.88.1"),
                ("pool", "192.168.88.10-192.168.88.254"),
            ],
        )
        .await
    }

    pub async fn add_router(&self, name: &str) -> String {
        let answer = self.submit_router(name).await;
        assert_eq!(
            answer.status(),
            StatusCode::SEE_OTHER,
            "{}",
            answer.text().await.unwrap_or_default()
        );
        location(&answer)
            .rsplit('/')
            .next()
            .expect("router id")
            .to_owned()
    }

    /// Creates a ticket type from form fields over sensible defaults (1 hour, KES 50).
    pub async fn add_ticket_type(&self, name: &str, overrides: &[(&str, &str)]) -> Response {
        let mut form: Vec<(&str, &str)> = vec![
            ("name", name),
            ("kind", "time"),
            ("amount", "1"),
            ("unit", "hours"),
            ("price", "50"),
            ("validity_amount", "1"),
            ("validity_unit", "days"),
            ("rate_limit", "2M/5M"),
            ("shared_users", "1"),
            ("on_checkout", "on"),
            ("sort_order", "0"),
        ];
        for (key, value) in overrides {
            form.retain(|(k, _)| k != key);
            form.push((key, value));
        }
        self.post("/portal/ticket-types/new", &form).await
    }
}

impl PortalUser {
    /// Requests a batch and waits until it is generated; its id.
    pub async fn add_batch(&self, ticket_type_id: &str, router_id: &str, quantity: u32) -> String {
        let quantity = quantity.to_string();
        let answer = self
            .post(
                "/portal/batches/new",
                &[
                    ("ticket_type_id", ticket_type_id),
                    ("router_id", router_id),
                    ("quantity", &quantity),
                    ("length", "8"),
                    ("prefix", ""),
                    ("note", ""),
                ],
            )
            .await;
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        let path = location(&answer);
        for _ in 0..600 {
            if self.page(&path).await.contains("READY") {
                return path.rsplit('/').next().expect("batch id").to_owned();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the batch did not finish");
    }

    /// Invites an agent (all routers, default commission unless given); their id and the
    /// invitation token from the link shown.
    pub async fn invite_agent(
        &self,
        name: &str,
        email: &str,
        extra: &[(&str, &str)],
    ) -> (String, String) {
        let mut form = vec![("name", name), ("email", email), ("phone", "")];
        form.extend_from_slice(extra);
        let answer = self.post("/portal/agents/new", &form).await;
        let status = answer.status();
        let html = answer.text().await.expect("body");
        assert_eq!(status, StatusCode::OK, "{html}");
        let link = html
            .split("id=\"invite-link\">")
            .nth(1)
            .and_then(|rest| rest.split('<').next())
            .expect("the page shows the invitation link")
            .to_owned();
        let token = link.rsplit('/').next().expect("token").to_owned();
        let agent_id = html
            .split("/portal/agents/")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("a link to the agent")
            .to_owned();
        (agent_id, token)
    }

    /// Creates an API token in the portal (`read` or `read_write`); the token's text, shown
    /// once on the answer.
    pub async fn create_api_token(&self, name: &str, scope: &str) -> String {
        let answer = self
            .post(
                "/portal/settings/api-tokens",
                &[("name", name), ("scope", scope)],
            )
            .await;
        let status = answer.status();
        let html = answer.text().await.expect("body");
        assert_eq!(status, StatusCode::OK, "{html}");
        html.split("id=\"new-token\">")
            .nth(1)
            .and_then(|rest| rest.split('<').next())
            .expect("the page shows the new token")
            .trim()
            .to_owned()
    }

    /// An invited agent accepts (password `agent password 1`) and is logged in.
    pub async fn accept_invite(app: &TestApp, token: &str) -> Self {
        let mut agent = Self::anonymous(app);
        let answer = agent
            .submit_public(
                &format!("/portal/invite/{token}"),
                &[("password", "agent password 1")],
            )
            .await;
        assert_eq!(
            answer.status(),
            StatusCode::SEE_OTHER,
            "{}",
            answer.text().await.unwrap_or_default()
        );
        agent.refresh_csrf().await;
        agent
    }
}

/// A portal owner for the demo operator (the one the checkout helpers of `TestApp` buy
/// from), logged in: online sales and portal work then meet in one ledger.
pub async fn demo_owner(app: &TestApp, email: &str) -> PortalUser {
    use tiketi_core::domain::account::{Email, Role, User, hash_password};
    let owner = User {
        id: format!("owner{}", ulid::Ulid::new()).to_lowercase(),
        operator_id: "demo".into(),
        email: Email::parse(email).expect("email"),
        name: "Demo Owner".into(),
        phone: None,
        role: Role::Owner,
        password_hash: hash_password("correct horse 1", &mut rand::rng()),
        router_ids: Vec::new(),
        commission: None,
        active: true,
        created_at: jiff::Timestamp::now(),
    };
    app.host.tiketi.store.add_user(&owner).await.expect("owner");
    let (user, answer) = PortalUser::log_in(app, email, "correct horse 1").await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    user
}

/// The `Location` of a redirect.
pub fn location(answer: &Response) -> String {
    answer.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned()
}

/// The operator id of the account an e-mail address logs in to.
pub async fn operator_id(app: &TestApp, email: &str) -> String {
    let email = tiketi_core::domain::account::Email::parse(email).expect("an e-mail address");
    let user = app.host.tiketi.store.user_by_email(&email).await;
    user.expect("store").expect("a user").operator_id
}

/// The TOTP secret (base32) a two-step login set-up page shows.
pub fn totp_secret_on(html: &str) -> Option<String> {
    let at = html.find("id=\"totp-secret\">")? + "id=\"totp-secret\">".len();
    Some(html[at..].split('<').next()?.trim().to_owned())
}

/// The code an authenticator app shows for `secret` (base32) in time step `step` (RFC 6238:
/// SHA-1, 6 digits, 30 s), computed independently of Tiketi with `totp-rs`.
pub fn totp_code(secret: &str, step: u64) -> String {
    let bytes = totp_rs::Secret::try_from_base32(secret)
        .expect("base32")
        .as_bytes()
        .to_vec();
    let totp = totp_rs::Builder::new()
        .with_secret(bytes)
        .build()
        .expect("a valid TOTP");
    totp.generate(step * 30).to_string()
}

/// The current time step once at least 20 s of it are left, so that it and the steps either
/// side of it (all three accepted with one step of skew) stay valid while a test runs.
pub async fn fresh_step() -> u64 {
    loop {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs();
        if now % 30 <= 10 {
            return now / 30;
        }
        tokio::time::sleep(Duration::from_secs(30 - now % 30)).await;
    }
}
