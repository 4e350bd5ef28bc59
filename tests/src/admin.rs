//! A platform administrator's browser at `/admin`: the login with its two steps (enrolling at
//! the first one), and pages and forms with the session's CSRF token.

use reqwest::{Response, StatusCode};

use crate::portal::{browser, csrf_of, location, totp_code, totp_secret_on};

pub struct AdminUser {
    pub http: reqwest::Client,
    pub base_url: String,
    pub csrf: String,
    /// The TOTP secret (base32), once enrolled.
    pub secret: Option<String>,
    /// The last time step whose code was used (a code is accepted once).
    pub last_step: u64,
}

impl AdminUser {
    pub fn at(base_url: &str) -> Self {
        Self {
            http: browser(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            csrf: String::new(),
            secret: None,
            last_step: 0,
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.http
            .get(format!("{}{path}", self.base_url))
            .send()
            .await
            .expect("GET")
    }

    /// A page that must answer 200.
    pub async fn page(&self, path: &str) -> Result<String, String> {
        let answer = self.get(path).await;
        let status = answer.status();
        let text = answer.text().await.map_err(|e| e.to_string())?;
        if status == StatusCode::OK {
            Ok(text)
        } else {
            Err(format!("GET {path}: {status} {text}"))
        }
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Response {
        let mut fields = form.to_vec();
        fields.push(("csrf", &self.csrf));
        self.http
            .post(format!("{}{path}", self.base_url))
            .form(&fields)
            .send()
            .await
            .expect("POST")
    }

    /// The password step; the answer (a redirect to the code page when right).
    pub async fn password(&mut self, email: &str, password: &str) -> Result<Response, String> {
        let page = self.page("/admin/login").await?;
        self.csrf = csrf_of(&page).ok_or("the login page has no CSRF token")?;
        Ok(self
            .post("/admin/login", &[("email", email), ("password", password)])
            .await)
    }

    /// A code of a time step later than any used before (within the one-step skew).
    pub fn next_code(&mut self) -> String {
        let now = u64::try_from(jiff::Timestamp::now().as_second()).unwrap_or_default() / 30;
        let step = now.max(self.last_step + 1);
        assert!(step <= now + 1, "no fresh step within the skew");
        self.last_step = step;
        totp_code(self.secret.as_deref().expect("enrolled"), step)
    }

    /// Logs in with both steps, enrolling two-step login at the first login.
    pub async fn log_in(&mut self, email: &str, password: &str) -> Result<(), String> {
        let answer = self.password(email, password).await?;
        if location(&answer) != "/admin/two-factor" {
            return Err(format!("the password step answered {}", answer.status()));
        }
        let page = self.page("/admin/two-factor").await?;
        self.csrf = csrf_of(&page).ok_or("the code page has no CSRF token")?;
        match (totp_secret_on(&page), &self.secret) {
            (Some(secret), None) => self.secret = Some(secret),
            (None, Some(_)) => {}
            (shown, kept) => {
                return Err(format!(
                    "enrolment shown: {}, secret known: {}",
                    shown.is_some(),
                    kept.is_some()
                ));
            }
        }
        let code = self.next_code();
        let answer = self.post("/admin/two-factor", &[("code", &code)]).await;
        if location(&answer) != "/admin" {
            return Err(format!("the code step answered {}", answer.status()));
        }
        let home = self.page("/admin").await?;
        self.csrf = csrf_of(&home).ok_or("the console has no CSRF token")?;
        Ok(())
    }
}
