//! Two-step login (TOTP) for portal users: setting it up, switching it on and off, and the
//! second step of a login.
//!
//! Setup stores a new secret, sealed, that stays off until a code from the app confirms it;
//! only then does login ask for codes. Every code check at login (and when switching it off)
//! goes through the login throttle of the user's e-mail address, so wrong codes slow down like
//! wrong passwords, and records the code's time step so no code is accepted twice.

use serde_json::json;
use tracing::{info, warn};

use super::{Platform, ServiceError, Tiketi, accounts::Authenticated};
use crate::{
    domain::{
        account::{self, Session, User},
        sealed::{Field, SealError, Sealed},
        two_factor::{PendingLogin, TotpSecret, TwoFactor},
    },
    ports::Clock,
    store::StoreError,
};

const WRONG_CODE: &str = "That code is not right, or was already used. Enter the code the app \
                          shows now (check that the phone's clock is right).";

/// What the two-step login page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TwoFactorStatus {
    Off,
    /// Set up, waiting for the first code: the secret to enter in the app.
    SettingUp {
        secret: String,
        otpauth_url: String,
    },
    On {
        enabled_at: jiff::Timestamp,
    },
}

impl<P: Platform> Tiketi<P> {
    /// Opens `user`'s secret: bound to the user asked for, not to the ids the item names.
    fn open_totp(&self, user: &User, tf: &TwoFactor) -> Result<TotpSecret, SealError> {
        let field = Field::TotpSecret { user_id: &user.id };
        let bytes = tf.secret.open(self.data_key()?, &user.operator_id, field)?;
        Ok(TotpSecret::from_bytes(bytes))
    }

    /// The user's two-step login, when switched on.
    pub(crate) async fn enabled_two_factor(
        &self,
        user: &User,
    ) -> Result<Option<TwoFactor>, ServiceError> {
        let tf = self.store.two_factor(&user.operator_id, &user.id).await?;
        Ok(tf.filter(TwoFactor::is_enabled))
    }

    pub async fn two_factor_status(
        &self,
        who: &Authenticated,
    ) -> Result<TwoFactorStatus, ServiceError> {
        let user = &who.user;
        Ok(
            match self.store.two_factor(&user.operator_id, &user.id).await? {
                None => TwoFactorStatus::Off,
                Some(tf) => match tf.enabled_at {
                    Some(enabled_at) => TwoFactorStatus::On { enabled_at },
                    None => {
                        let secret = self.open_totp(user, &tf)?;
                        TwoFactorStatus::SettingUp {
                            secret: secret.base32(),
                            otpauth_url: secret.otpauth_url(user.email.as_str()),
                        }
                    }
                },
            },
        )
    }

    /// Makes a new secret for the user to enter in their app (replacing an unconfirmed one).
    pub async fn start_two_factor(
        &self,
        who: &Authenticated,
    ) -> Result<TwoFactorStatus, ServiceError> {
        let user = &who.user;
        let existing = self.store.two_factor(&user.operator_id, &user.id).await?;
        if existing.as_ref().is_some_and(TwoFactor::is_enabled) {
            return Err(ServiceError::Conflict(
                "two-step login is already on".into(),
            ));
        }
        let secret = TotpSecret::generate(&mut rand::rng());
        let field = Field::TotpSecret { user_id: &user.id };
        let setup = TwoFactor {
            operator_id: user.operator_id.clone(),
            user_id: user.id.clone(),
            secret: Sealed::seal(
                self.data_key()?,
                &mut rand::rng(),
                &user.operator_id,
                field,
                secret.as_bytes(),
            ),
            enabled_at: None,
            last_used_step: None,
            created_at: self.clock.now(),
        };
        match self
            .store
            .save_two_factor_setup(&setup, existing.as_ref())
            .await
        {
            Ok(()) => {}
            Err(StoreError::ConditionFailed { .. }) => {
                return Err(ServiceError::Conflict(
                    "two-step login changed in another window: reload the page".into(),
                ));
            }
            Err(e) => return Err(e.into()),
        }
        Ok(TwoFactorStatus::SettingUp {
            secret: secret.base32(),
            otpauth_url: secret.otpauth_url(user.email.as_str()),
        })
    }

    /// Switches two-step login on once a code from the app shows the secret was entered right.
    pub async fn enable_two_factor(
        &self,
        who: &Authenticated,
        code: &str,
    ) -> Result<(), ServiceError> {
        let user = &who.user;
        let setup = self
            .store
            .two_factor(&user.operator_id, &user.id)
            .await?
            .filter(|tf| !tf.is_enabled())
            .ok_or_else(|| {
                ServiceError::Invalid("start the set-up first (or it is already on)".into())
            })?;
        let now = self.clock.now();
        let step = self
            .open_totp(user, &setup)?
            .accept(code, now, None)
            .map_err(|_| ServiceError::Invalid(WRONG_CODE.into()))?;
        let enabled = TwoFactor {
            enabled_at: Some(now),
            last_used_step: Some(step),
            ..setup.clone()
        };
        let entry = self.audit_entry(
            who,
            "two_factor.enable",
            &user.id,
            None,
            Some(json!({ "user": user.email.as_str() })),
        );
        match self.store.enable_two_factor(&enabled, &setup, &entry).await {
            Ok(()) => {}
            Err(StoreError::ConditionFailed { .. }) => {
                return Err(ServiceError::Conflict(
                    "two-step login changed in another window: reload the page".into(),
                ));
            }
            Err(e) => return Err(e.into()),
        }
        info!(operator_id = %user.operator_id, user_id = %user.id, "two-step login switched on");
        Ok(())
    }

    /// Switches two-step login off: needs the password and a current code.
    pub async fn disable_two_factor(
        &self,
        who: &Authenticated,
        password: &str,
        code: &str,
    ) -> Result<(), ServiceError> {
        let user = &who.user;
        if !account::verify_password(password, &user.password_hash) {
            return Err(ServiceError::Invalid("the password is wrong".into()));
        }
        let tf = self
            .enabled_two_factor(user)
            .await?
            .ok_or_else(|| ServiceError::Invalid("two-step login is not on".into()))?;
        self.check_code(user, &tf, code).await?;
        let entry = self.audit_entry(
            who,
            "two_factor.disable",
            &user.id,
            Some(json!({ "user": user.email.as_str() })),
            None,
        );
        match self.store.delete_two_factor(&tf, &entry).await {
            Ok(()) | Err(StoreError::ConditionFailed { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        info!(operator_id = %user.operator_id, user_id = %user.id, "two-step login switched off");
        Ok(())
    }

    /// The second step of a login: a session once the code is right.
    pub async fn complete_login(
        &self,
        pending: &PendingLogin,
        code: &str,
    ) -> Result<Session, ServiceError> {
        if pending.expires_at <= self.clock.now() {
            return Err(ServiceError::Unauthorized);
        }
        let user = self
            .store
            .user(&pending.operator_id, &pending.user_id)
            .await?
            .filter(|u| u.active)
            .ok_or(ServiceError::Unauthorized)?;
        // Switched off since the password step: log in again, from the start.
        let tf = self
            .enabled_two_factor(&user)
            .await?
            .ok_or(ServiceError::Unauthorized)?;
        self.check_code(&user, &tf, code).await?;
        info!(operator_id = %user.operator_id, user_id = %user.id, "logged in with two steps");
        self.start_session(&user).await
    }

    /// Checks a code of an enabled two-step login through the login throttle: a wrong one
    /// counts as a failed login, a right one is recorded so it is not accepted again.
    async fn check_code(
        &self,
        user: &User,
        tf: &TwoFactor,
        code: &str,
    ) -> Result<(), ServiceError> {
        let failures = self.take_login_attempt(&user.email).await?;
        let now = self.clock.now();
        let accepted = match self
            .open_totp(user, tf)?
            .accept(code, now, tf.last_used_step)
        {
            Ok(step) => match self.store.use_two_factor_step(tf, step).await {
                Ok(()) => true,
                // Another request used a code since `tf` was read.
                Err(StoreError::ConditionFailed { .. }) => false,
                Err(e) => return Err(e.into()),
            },
            Err(_) => false,
        };
        if accepted {
            self.store.clear_login_throttle(&user.email).await?;
            return Ok(());
        }
        warn!(user_id = %user.id, failures, "wrong two-step login code");
        Err(ServiceError::Invalid(WRONG_CODE.into()))
    }
}
