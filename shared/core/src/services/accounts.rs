//! Portal accounts: signing up a new operator, logging in and out, sessions, passwords.
//!
//! A session is an item in the store, named by a signed cookie (the HTTP layer signs it); it
//! must exist and be unexpired on every request, so logging out ends it at once. Failed logins
//! are counted per e-mail address (`domain::account::LoginThrottle`), known or not. A user with
//! two-step login gets no session from the password alone (`services::two_factor`).

use jiff::SignedDuration;
use tracing::{info, warn};

use super::{Platform, ServiceError, Tiketi, catalog::new_id};
use crate::{
    domain::{
        account::{self, Email, Role, Session, User},
        api_token::Scope,
        batch::Actor,
        catalog::{DEFAULT_GATEWAY_FEE, Operator},
        ledger::Rate,
        subscription::Subscription,
        two_factor::{PENDING_LOGIN_LIFETIME, PendingLogin},
        voucher_code::DEFAULT_LENGTH,
    },
    ports::Clock,
    store::StoreError,
};

/// How long a login lasts.
pub const SESSION_LIFETIME: SignedDuration = SignedDuration::from_hours(7 * 24);

/// The sign-up form.
#[derive(Debug, Clone, Default)]
pub struct SignUp {
    pub business_name: String,
    pub email: String,
    pub phone: String,
    pub password: String,
    /// The plan's code (`basic`, `professional`, `enterprise`); empty: the first on offer.
    pub plan: String,
}

/// What a right password leads to.
#[derive(Debug, Clone)]
pub enum LoginOutcome {
    LoggedIn(Session),
    /// Two-step login is on: no session until [`Tiketi::complete_login`] gets a right code.
    CodeNeeded(PendingLogin),
}

/// A request's user, with their operator and how they proved who they are.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub user: User,
    pub operator: Operator,
    pub via: Credential,
}

/// How a request proved who it is.
#[derive(Debug, Clone)]
pub enum Credential {
    /// A portal login (a browser's session cookie).
    Session(Session),
    /// An API token (a program), acting for the owner who created it.
    ApiToken {
        id: String,
        name: String,
        scope: Scope,
    },
}

impl Authenticated {
    /// The portal session, unless the request came with an API token.
    pub fn session(&self) -> Option<&Session> {
        match &self.via {
            Credential::Session(session) => Some(session),
            Credential::ApiToken { .. } => None,
        }
    }

    /// Who made a change, as the audit log and custody records name them.
    pub fn actor(&self) -> Actor {
        let name = match &self.via {
            Credential::Session(_) => self.user.name.clone(),
            Credential::ApiToken { name, .. } => format!("{} (API token {name})", self.user.name),
        };
        Actor {
            user_id: self.user.id.clone(),
            name,
        }
    }
}

/// A free-text field: trimmed, non-empty, at most `max` characters, no control characters.
pub(crate) fn text_field(value: &str, label: &str, max: usize) -> Result<String, ServiceError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ServiceError::Invalid(format!("{label} is required")));
    }
    if value.chars().count() > max {
        return Err(ServiceError::Invalid(format!(
            "{label} has at most {max} characters"
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(ServiceError::Invalid(format!(
            "{label} cannot contain line breaks or control characters"
        )));
    }
    Ok(value.to_owned())
}

impl<P: Platform> Tiketi<P> {
    /// Creates an operator and its owner, and logs the owner in.
    pub async fn sign_up(&self, form: &SignUp) -> Result<Session, ServiceError> {
        let business_name = text_field(&form.business_name, "Business name", 80)?;
        let email = Email::parse(&form.email).map_err(|e| ServiceError::Invalid(e.to_string()))?;
        let phone = crate::domain::phone::Msisdn::parse(&form.phone)
            .map_err(|e| ServiceError::Invalid(e.to_string()))?;
        account::check_password(&form.password, &email)
            .map_err(|e| ServiceError::Invalid(e.to_string()))?;
        let plans = self.plans_on_sale().await?;
        let plan = match form.plan.trim() {
            "" => plans.first(),
            code => plans.iter().find(|p| p.code == code),
        }
        .ok_or_else(|| ServiceError::Invalid("Choose one of the plans on offer.".into()))?;
        let now = self.clock.now();
        let operator = Operator {
            id: new_id(),
            business_name: business_name.clone(),
            currency: "KES".into(),
            time_zone: "Africa/Nairobi".into(),
            country_code: "KE".into(),
            voucher_code_length: DEFAULT_LENGTH,
            created_at: now,
            gateway_fee: DEFAULT_GATEWAY_FEE,
            agent_commission: Rate::default(),
        };
        let owner = User {
            id: new_id(),
            operator_id: operator.id.clone(),
            email,
            name: business_name,
            phone: Some(phone.as_str().to_owned()),
            role: Role::Owner,
            password_hash: account::hash_password(&form.password, &mut rand::rng()),
            router_ids: Vec::new(),
            commission: None,
            active: true,
            created_at: now,
        };
        let subscription = Subscription::start_trial(&operator.id, &plan.code, now);
        match self
            .store
            .create_operator_account(&operator, &owner, &subscription)
            .await
        {
            Ok(()) => {}
            Err(StoreError::ConditionFailed { index: 2 }) => {
                return Err(ServiceError::Conflict(
                    "an account with this e-mail address exists: log in instead".into(),
                ));
            }
            Err(e) => return Err(e.into()),
        }
        info!(operator_id = %operator.id, plan = %plan.code, "operator signed up");
        // The first invoice (due when the trial ends) is there at once; a failure here is
        // repaired by the next look at Settings → Plan or the scheduled pass.
        if let Err(error) = self.issue_due_invoices(&operator.id).await {
            warn!(%error, "first invoice not issued yet");
        }
        self.start_session(&owner).await
    }

    /// Checks an e-mail address and password; a new session on success, or, for a user with
    /// two-step login, the pending login that waits for a code.
    pub async fn log_in(&self, email: &str, password: &str) -> Result<LoginOutcome, ServiceError> {
        let Ok(email) = Email::parse(email) else {
            return Err(ServiceError::Unauthorized);
        };
        let now = self.clock.now();
        let failures = self.take_login_attempt(&email).await?;
        let user = self.store.user_by_email(&email).await?;
        let valid = match &user {
            Some(user) => account::verify_password(password, &user.password_hash) && user.active,
            None => account::verify_decoy(password),
        };
        match user {
            Some(user) if valid => {
                if self.enabled_two_factor(&user).await?.is_some() {
                    // The attempt stays counted: only a right code clears the count, or a
                    // known password would reset the count of wrong codes.
                    info!(operator_id = %user.operator_id, user_id = %user.id, "password right; waiting for the code");
                    return Ok(LoginOutcome::CodeNeeded(PendingLogin {
                        operator_id: user.operator_id,
                        user_id: user.id,
                        expires_at: now + PENDING_LOGIN_LIFETIME,
                    }));
                }
                self.store.clear_login_throttle(&email).await?;
                info!(operator_id = %user.operator_id, user_id = %user.id, "logged in");
                self.start_session(&user).await.map(LoginOutcome::LoggedIn)
            }
            _ => {
                warn!(failures, "failed login");
                Err(ServiceError::Unauthorized)
            }
        }
    }

    /// Counts one login attempt (password or two-step code) for `email` before it is checked,
    /// or refuses it while the address must wait; the failures counted so far, this one
    /// included. Counting first, with a conditional write, means guesses sent all at once are
    /// counted one by one: none can slip past the limit by racing the others. A right answer
    /// then clears the count.
    pub(crate) async fn take_login_attempt(&self, email: &Email) -> Result<u32, ServiceError> {
        const TRIES: usize = 8;
        for _ in 0..TRIES {
            let now = self.clock.now();
            let seen = self.store.login_throttle(email).await?;
            if let Some(wait) = seen.wait(now) {
                return Err(ServiceError::TooManyAttempts {
                    retry_after_secs: wait.as_secs().max(1).unsigned_abs(),
                });
            }
            let next = seen.failed(now);
            if self
                .store
                .replace_login_throttle(email, &seen, &next)
                .await?
            {
                return Ok(next.failures);
            }
        }
        // Many attempts at this very moment: this one is not checked at all.
        Err(ServiceError::TooManyAttempts {
            retry_after_secs: 1,
        })
    }

    pub(crate) async fn start_session(&self, user: &User) -> Result<Session, ServiceError> {
        let now = self.clock.now();
        let session = Session {
            id: new_id(),
            operator_id: user.operator_id.clone(),
            user_id: user.id.clone(),
            created_at: now,
            expires_at: now + SESSION_LIFETIME,
        };
        self.store.create_session(&session).await?;
        Ok(session)
    }

    /// The user of a live session; `Unauthorized` when it ended, expired, or its user was
    /// disabled.
    pub async fn authenticate_session(
        &self,
        operator_id: &str,
        user_id: &str,
        session_id: &str,
    ) -> Result<Authenticated, ServiceError> {
        let session = self
            .store
            .session(operator_id, user_id, session_id)
            .await?
            .filter(|s| s.expires_at > self.clock.now())
            .ok_or(ServiceError::Unauthorized)?;
        let user = self
            .store
            .user(operator_id, user_id)
            .await?
            .filter(|u| u.active)
            .ok_or(ServiceError::Unauthorized)?;
        let operator = self
            .store
            .operator(operator_id)
            .await?
            .ok_or(ServiceError::Unauthorized)?;
        Ok(Authenticated {
            user,
            operator,
            via: Credential::Session(session),
        })
    }

    pub async fn log_out(&self, session: &Session) -> Result<(), ServiceError> {
        self.store.delete_session(session).await?;
        Ok(())
    }

    /// Changes the user's password and ends their other sessions (a stolen session dies with
    /// the old password).
    pub async fn change_password(
        &self,
        auth: &Authenticated,
        current: &str,
        new: &str,
    ) -> Result<(), ServiceError> {
        let Some(current_session) = auth.session() else {
            return Err(ServiceError::Forbidden);
        };
        let mut user = auth.user.clone();
        if !account::verify_password(current, &user.password_hash) {
            return Err(ServiceError::Invalid(
                "the current password is wrong".into(),
            ));
        }
        account::check_password(new, &user.email)
            .map_err(|e| ServiceError::Invalid(e.to_string()))?;
        user.password_hash = account::hash_password(new, &mut rand::rng());
        self.store.update_user(&user).await?;
        let ended = self
            .store
            .delete_sessions(&user.operator_id, &user.id, Some(&current_session.id))
            .await?;
        info!(user_id = %user.id, ended, "password changed");
        Ok(())
    }
}
