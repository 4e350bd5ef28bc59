//! The platform's administrators: accounts apart from operators' users, always with two-step
//! login (enrolled at the first login), and their sessions.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{account::Email, sealed::Sealed};

/// How long an administrator's login lasts.
pub const ADMIN_SESSION_LIFETIME: SignedDuration = SignedDuration::from_hours(12);
/// How long the password step waits for the code (or the enrolment).
pub const ADMIN_PENDING_LIFETIME: SignedDuration = SignedDuration::from_mins(10);
/// The operator id sealed secrets of administrators are bound to.
pub const PLATFORM_SEAL_ID: &str = "platform";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Administrator {
    /// Derived from the e-mail address ([`admin_id`]), so a login finds it in one read.
    pub id: String,
    pub email: Email,
    pub name: String,
    /// PHC string (Argon2id).
    pub password_hash: String,
    pub created_at: Timestamp,
    /// The TOTP secret, sealed; set at the first login, confirmed by a code.
    #[serde(default)]
    pub totp: Option<Sealed>,
    #[serde(default)]
    pub totp_enabled_at: Option<Timestamp>,
    /// The time step of the last accepted code (a code is accepted once).
    #[serde(default)]
    pub last_used_step: Option<u64>,
}

impl Administrator {
    pub fn two_factor_on(&self) -> bool {
        self.totp.is_some() && self.totp_enabled_at.is_some()
    }
}

/// An administrator's session. Until `verified`, it only opens the two-step pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminSession {
    pub id: String,
    pub admin_id: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// The second step is done (a code accepted).
    pub verified: bool,
}

/// An administrator's id from their e-mail address: hex of its SHA-256 (no user input shapes
/// a key).
pub fn admin_id(email: &Email) -> String {
    hex::encode(&Sha256::digest(email.as_str().as_bytes())[..16])
}
