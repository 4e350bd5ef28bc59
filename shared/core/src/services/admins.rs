//! Platform administrators: created by `tiketi admin add`, logged in with a password and then
//! always a TOTP code. At the first login there is no secret yet: the password opens only the
//! enrolment page, and the first right code both confirms the secret and completes the login.
//! Failed passwords and codes go through the same per-address throttle as operators' logins.

use tracing::{info, warn};

use super::{Platform, ServiceError, Tiketi, catalog::new_id};
use crate::{
    domain::{
        account::{self, Email},
        admin::{
            ADMIN_PENDING_LIFETIME, ADMIN_SESSION_LIFETIME, AdminSession, Administrator,
            PLATFORM_SEAL_ID, admin_id,
        },
        sealed::{Field, Sealed},
        two_factor::TotpSecret,
    },
    ports::{Clock, Table},
    store::{Repository, StoreError},
};

const WRONG_CODE: &str =
    "That code is wrong or was already used: enter the current code from your authenticator app.";

/// What adding an administrator did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminAdded {
    Created,
    /// The address had an account: its password was replaced (two-step login kept).
    PasswordReplaced,
}

/// A logged-in administrator.
#[derive(Debug, Clone)]
pub struct AdminAuth {
    pub admin: Administrator,
    pub session: AdminSession,
}

/// The secret to enter in an authenticator app at the first login.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub secret: String,
    pub otpauth_url: String,
}

/// Creates an administrator on any store (the `tiketi admin add` command runs this against
/// the local SQLite file or a deployed DynamoDB table); for an existing address, replaces the
/// password and keeps the two-step login.
pub async fn add_administrator<T: Table>(
    store: &Repository<T>,
    now: jiff::Timestamp,
    email: &str,
    name: &str,
    password: &str,
) -> Result<AdminAdded, ServiceError> {
    let email = Email::parse(email).map_err(|e| ServiceError::Invalid(e.to_string()))?;
    account::check_password(password, &email).map_err(|e| ServiceError::Invalid(e.to_string()))?;
    let name = match name.trim() {
        "" => email.as_str().to_owned(),
        name => super::accounts::text_field(name, "Name", 80)?,
    };
    let hash = account::hash_password(password, &mut rand::rng());
    let id = admin_id(&email);
    if let Some(mut existing) = store.admin(&id).await? {
        existing.password_hash = hash;
        existing.name = name;
        store.update_admin(&existing).await?;
        info!(admin_id = %id, "administrator's password replaced");
        return Ok(AdminAdded::PasswordReplaced);
    }
    let admin = Administrator {
        id,
        email,
        name,
        password_hash: hash,
        created_at: now,
        totp: None,
        totp_enabled_at: None,
        last_used_step: None,
    };
    store.create_admin(&admin).await?;
    info!(admin_id = %admin.id, "administrator added");
    Ok(AdminAdded::Created)
}

impl<P: Platform> Tiketi<P> {
    /// Creates an administrator (or, for an existing address, replaces the password).
    pub async fn add_administrator(
        &self,
        email: &str,
        name: &str,
        password: &str,
    ) -> Result<AdminAdded, ServiceError> {
        add_administrator(&self.store, self.clock.now(), email, name, password).await
    }

    /// The password step: a session that opens only the two-step pages.
    pub async fn admin_log_in(
        &self,
        email: &str,
        password: &str,
    ) -> Result<AdminSession, ServiceError> {
        let Ok(email) = Email::parse(email) else {
            return Err(ServiceError::Unauthorized);
        };
        let failures = self.take_login_attempt(&email).await?;
        let admin = self.store.admin(&admin_id(&email)).await?;
        let valid = match &admin {
            Some(admin) => account::verify_password(password, &admin.password_hash),
            None => account::verify_decoy(password),
        };
        match admin {
            Some(admin) if valid => {
                let now = self.clock.now();
                let session = AdminSession {
                    id: new_id(),
                    admin_id: admin.id,
                    created_at: now,
                    expires_at: now + ADMIN_PENDING_LIFETIME,
                    verified: false,
                };
                self.store.put_admin_session(&session).await?;
                Ok(session)
            }
            _ => {
                warn!(failures, "failed administrator login");
                Err(ServiceError::Unauthorized)
            }
        }
    }

    /// The administrator and session a cookie names, if the session is live. Unverified
    /// sessions are returned too: the HTTP layer lets them reach only the two-step pages.
    pub async fn authenticate_admin(
        &self,
        admin_id: &str,
        session_id: &str,
    ) -> Result<AdminAuth, ServiceError> {
        let session = self
            .store
            .admin_session(admin_id, session_id)
            .await?
            .filter(|s| s.expires_at > self.clock.now())
            .ok_or(ServiceError::Unauthorized)?;
        let admin = self
            .store
            .admin(admin_id)
            .await?
            .ok_or(ServiceError::Unauthorized)?;
        Ok(AdminAuth { admin, session })
    }

    /// The secret to enrol, for an administrator without two-step login yet (a new one each
    /// time the page is shown before a code confirms it).
    pub async fn admin_enrolment(&self, auth: &AdminAuth) -> Result<Enrolment, ServiceError> {
        if auth.admin.two_factor_on() {
            return Err(ServiceError::Conflict(
                "two-step login is already set up".into(),
            ));
        }
        let secret = TotpSecret::generate(&mut rand::rng());
        let mut admin = auth.admin.clone();
        admin.totp = Some(Sealed::seal(
            self.data_key()?,
            &mut rand::rng(),
            PLATFORM_SEAL_ID,
            Field::TotpSecret { user_id: &admin.id },
            secret.as_bytes(),
        ));
        self.store.set_admin_totp(&admin).await?;
        Ok(Enrolment {
            secret: secret.base32(),
            otpauth_url: secret.otpauth_url(admin.email.as_str()),
        })
    }

    /// The second step: a right code (which, at the first login, also confirms the enrolled
    /// secret) makes the session a full one.
    pub async fn admin_verify(
        &self,
        auth: &AdminAuth,
        code: &str,
    ) -> Result<AdminSession, ServiceError> {
        let admin = &auth.admin;
        let sealed = admin
            .totp
            .as_ref()
            .ok_or_else(|| ServiceError::Invalid("set up two-step login first".into()))?;
        let failures = self.take_login_attempt(&admin.email).await?;
        let secret = TotpSecret::from_bytes(sealed.open(
            self.data_key()?,
            PLATFORM_SEAL_ID,
            Field::TotpSecret { user_id: &admin.id },
        )?);
        let now = self.clock.now();
        let Ok(step) = secret.accept(code, now, admin.last_used_step) else {
            warn!(admin_id = %admin.id, failures, "wrong administrator code");
            return Err(ServiceError::Invalid(WRONG_CODE.into()));
        };
        let mut next = admin.clone();
        next.last_used_step = Some(step);
        next.totp_enabled_at = admin.totp_enabled_at.or(Some(now));
        match self.store.use_admin_step(admin, &next).await {
            Ok(()) => {}
            Err(StoreError::ConditionFailed { .. }) => {
                return Err(ServiceError::Invalid(WRONG_CODE.into()));
            }
            Err(e) => return Err(e.into()),
        }
        self.store.clear_login_throttle(&admin.email).await?;
        // A fresh session id for the full login (the pending one is dropped).
        self.store.delete_admin_session(&auth.session).await?;
        let session = AdminSession {
            id: new_id(),
            admin_id: admin.id.clone(),
            created_at: now,
            expires_at: now + ADMIN_SESSION_LIFETIME,
            verified: true,
        };
        self.store.put_admin_session(&session).await?;
        info!(admin_id = %admin.id, "administrator logged in");
        Ok(session)
    }

    pub async fn admin_log_out(&self, session: &AdminSession) -> Result<(), ServiceError> {
        Ok(self.store.delete_admin_session(session).await?)
    }
}
