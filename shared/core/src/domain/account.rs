//! Portal accounts: the people of an operator who log in (owner and agents), their e-mail
//! addresses, passwords and the throttle on failed logins.
//!
//! Passwords are hashed with Argon2id (the `argon2` crate's defaults: 19 MiB, 2 passes, OWASP's
//! recommendation) into a PHC string that carries its own salt and parameters, so parameters can
//! be raised later without breaking stored hashes.

use argon2::{
    Argon2,
    password_hash::{PasswordHasher, PasswordVerifier},
};
use jiff::{SignedDuration, Timestamp};
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::ledger::Rate;

/// What a user may do inside their operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything: settings, money, agents, audit log.
    Owner,
    /// A seller: sells vouchers and sees their own stock and sales, on their routers only.
    Agent,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Agent => "agent",
        }
    }
}

/// A person who logs in to the portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub operator_id: String,
    pub email: Email,
    pub name: String,
    #[serde(default)]
    pub phone: Option<String>,
    pub role: Role,
    /// PHC string (`$argon2id$v=19$...`).
    pub password_hash: String,
    /// Routers an agent works at; empty means all of the operator's routers.
    #[serde(default)]
    pub router_ids: Vec<String>,
    /// An agent's commission on their cash sales (overrides the operator's default).
    #[serde(default)]
    pub commission: Option<Rate>,
    pub active: bool,
    pub created_at: Timestamp,
}

impl User {
    pub fn is_owner(&self) -> bool {
        self.role == Role::Owner
    }

    /// Whether the user may work with `router_id`'s vouchers and sales.
    pub fn covers_router(&self, router_id: &str) -> bool {
        self.is_owner()
            || self.router_ids.is_empty()
            || self.router_ids.iter().any(|r| r == router_id)
    }
}

/// A logged-in browser. The cookie names it (signed); the item must still exist, so logging
/// out, or changing the password elsewhere, ends it at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub id: String,
    pub operator_id: String,
    pub user_id: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// An e-mail address as a login name: trimmed and lower-cased, so `Amina@Example.com` and
/// `amina@example.com ` are the same account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an e-mail address")]
pub struct InvalidEmail;

impl Email {
    pub fn parse(input: &str) -> Result<Self, InvalidEmail> {
        let email = input.trim().to_lowercase();
        let (local, domain) = email.split_once('@').ok_or(InvalidEmail)?;
        let well_formed = email.len() <= 254
            && !local.is_empty()
            && local.len() <= 64
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && email.chars().all(|c| c.is_ascii_graphic() || !c.is_ascii());
        if well_formed {
            Ok(Self(email))
        } else {
            Err(InvalidEmail)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeakPassword {
    #[error("a password has at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    #[error("a password has at most {MAX_PASSWORD_CHARS} characters")]
    TooLong,
    #[error("a password must not be the e-mail address")]
    IsTheEmail,
}

/// Length rules only (NIST SP 800-63B): long passphrases beat composition rules.
pub fn check_password(password: &str, email: &Email) -> Result<(), WeakPassword> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        Err(WeakPassword::TooShort)
    } else if chars > MAX_PASSWORD_CHARS {
        Err(WeakPassword::TooLong)
    } else if password.trim().eq_ignore_ascii_case(email.as_str()) {
        Err(WeakPassword::IsTheEmail)
    } else {
        Ok(())
    }
}

/// Hashes a password with a fresh random salt.
pub fn hash_password(password: &str, rng: &mut impl Rng) -> String {
    let salt: [u8; 16] = rng.random();
    Argon2::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .expect("Argon2id with default parameters and a 16-byte salt")
        .to_string()
}

/// Whether `password` matches the stored PHC string (constant time inside argon2).
pub fn verify_password(password: &str, stored: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), stored)
        .is_ok()
}

/// Verifies against a throw-away hash, for a login whose e-mail is unknown: the answer then
/// takes as long as a real check, so its timing does not tell which addresses have accounts.
pub fn verify_decoy(password: &str) -> bool {
    static DECOY: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| hash_password("tiketi decoy password", &mut rand::rng()));
    std::hint::black_box(verify_password(password, &DECOY));
    false
}

/// Failed logins of one e-mail address. After [`FREE_ATTEMPTS`] failures each further attempt
/// must wait, doubling from 15 s up to 15 min; a success or an hour of quiet starts over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LoginThrottle {
    pub failures: u32,
    pub last_failure_at: Option<Timestamp>,
}

pub const FREE_ATTEMPTS: u32 = 5;
const FIRST_WAIT_SECS: i64 = 15;
const LONGEST_WAIT_SECS: i64 = 15 * 60;
const FORGET_AFTER_SECS: i64 = 3600;

impl LoginThrottle {
    /// Failures that still count at `now`.
    fn current(self, now: Timestamp) -> Self {
        match self.last_failure_at {
            Some(at) if now.duration_since(at) < SignedDuration::from_secs(FORGET_AFTER_SECS) => {
                self
            }
            _ => Self::default(),
        }
    }

    /// How long an attempt at `now` must still wait, if at all.
    pub fn wait(self, now: Timestamp) -> Option<SignedDuration> {
        let current = self.current(now);
        let over = current.failures.checked_sub(FREE_ATTEMPTS)?;
        let wait_secs = FIRST_WAIT_SECS
            .saturating_mul(1_i64 << over.min(16))
            .min(LONGEST_WAIT_SECS);
        let until = current.last_failure_at? + SignedDuration::from_secs(wait_secs);
        (until > now).then(|| until.duration_since(now))
    }

    /// The throttle after one more failure at `now`.
    pub fn failed(self, now: Timestamp) -> Self {
        let current = self.current(now);
        Self {
            failures: current.failures.saturating_add(1),
            last_failure_at: Some(now),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_canonical() {
        assert_eq!(
            Email::parse("  Amina@Example.COM ").unwrap().as_str(),
            "amina@example.com"
        );
        for bad in [
            "",
            "amina",
            "@x.com",
            "a@b",
            "a@.com",
            "a@b.",
            "a b@c.com",
            "a@b@c.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("correct horse battery", &mut rand::rng());
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse battery!", &hash));
        assert!(!verify_password("anything", "not a hash"));
        let other = hash_password("correct horse battery", &mut rand::rng());
        assert_ne!(hash, other, "salted");
        assert!(!verify_decoy("tiketi decoy password"));
    }

    #[test]
    fn password_rules() {
        let email = Email::parse("amina@example.com").unwrap();
        assert_eq!(check_password("short", &email), Err(WeakPassword::TooShort));
        assert_eq!(
            check_password("Amina@Example.com", &email),
            Err(WeakPassword::IsTheEmail)
        );
        assert_eq!(
            check_password(&"x".repeat(129), &email),
            Err(WeakPassword::TooLong)
        );
        assert_eq!(check_password("ten chars!", &email), Ok(()));
    }

    #[test]
    fn failed_logins_slow_down_then_are_forgotten() {
        let t0: Timestamp = "2026-11-25T10:00:00Z".parse().unwrap();
        let mut throttle = LoginThrottle::default();
        for _ in 0..FREE_ATTEMPTS {
            assert_eq!(throttle.wait(t0), None);
            throttle = throttle.failed(t0);
        }
        assert_eq!(throttle.wait(t0), Some(SignedDuration::from_secs(15)));
        throttle = throttle.failed(t0);
        assert_eq!(throttle.wait(t0), Some(SignedDuration::from_secs(30)));
        let later = t0 + SignedDuration::from_secs(31);
        assert_eq!(throttle.wait(later), None);
        for _ in 0..20 {
            throttle = throttle.failed(t0);
        }
        assert_eq!(
            throttle.wait(t0),
            Some(SignedDuration::from_secs(900)),
            "capped"
        );
        let hour_later = t0 + SignedDuration::from_secs(3600);
        assert_eq!(throttle.wait(hour_later), None);
        assert_eq!(throttle.failed(hour_later).failures, 1, "forgotten");
    }
}
