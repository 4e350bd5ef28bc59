//! Two-step login with an authenticator app: TOTP (RFC 6238; HMAC-SHA1, 6 digits, 30-second
//! steps, one step of clock skew either way), computed by `totp-rs`.
//!
//! RFC 6238 §5.2 asks that a code be accepted once: the time step of the last accepted code is
//! stored, and only codes of later steps are accepted after it. So a code read over a shoulder
//! (or replayed from a proxy log) is useless once its owner has used it.

use std::fmt;

use jiff::{SignedDuration, Timestamp};
use rand::Rng;
use serde::{Deserialize, Serialize};
use totp_rs::{Algorithm, Builder, Secret, Totp};

use super::sealed::Sealed;

pub const STEP_SECONDS: u64 = 30;
pub const DIGITS: u8 = 6;
/// 160 bits, RFC 4226's recommendation (and what authenticator apps expect).
pub const SECRET_BYTES: usize = 20;
/// The issuer shown next to the account in the authenticator app.
pub const ISSUER: &str = "Tiketi";
/// How long the password step of a login waits for its code.
pub const PENDING_LOGIN_LIFETIME: SignedDuration = SignedDuration::from_mins(5);

/// A TOTP secret in clear: only ever in memory (stored sealed).
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(***)")
    }
}

/// The code is not one of the accepted steps, or its step was already used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("wrong or already used code")]
pub struct WrongCode;

impl TotpSecret {
    pub fn generate(rng: &mut impl Rng) -> Self {
        Self(rng.random::<[u8; SECRET_BYTES]>().to_vec())
    }

    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// What a user types into an authenticator app by hand (RFC 4648 base32, no padding).
    pub fn base32(&self) -> String {
        Secret::from(self.0.clone()).to_base32()
    }

    fn totp(&self, account: &str) -> Totp {
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(DIGITS)
            .with_skew(1)
            .with_step_duration(STEP_SECONDS)
            .with_secret(self.0.clone())
            .with_issuer(Some(ISSUER))
            .with_account_name(account)
            .build_noncompliant()
    }

    /// The `otpauth://totp/...` URL an authenticator app scans (as a QR code). A colon would
    /// end the label's issuer part, so it is left out of the account name.
    pub fn otpauth_url(&self, account: &str) -> String {
        let account = account.replace(':', "");
        let account = if account.is_empty() {
            "account"
        } else {
            &account
        };
        self.totp(account)
            .to_url()
            .expect("a non-empty account name without a colon")
    }

    /// The time step of `code` at `now` (this step or one either side), when it is later than
    /// `last_used`, the step of the last code accepted. Spaces in the code are ignored.
    pub fn accept(
        &self,
        code: &str,
        now: Timestamp,
        last_used: Option<u64>,
    ) -> Result<u64, WrongCode> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        let now = u64::try_from(now.as_second()).map_err(|_| WrongCode)?;
        let step = self.totp("-").check(&code, now).ok_or(WrongCode)?;
        match last_used {
            Some(used) if step <= used => Err(WrongCode),
            _ => Ok(step),
        }
    }

    /// The code of `step` (for tests and the setup page's self-check).
    pub fn code_at_step(&self, step: u64) -> String {
        self.totp("-").generate(step * STEP_SECONDS).to_string()
    }
}

/// A user's two-step login, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactor {
    pub operator_id: String,
    pub user_id: String,
    pub secret: Sealed,
    /// `None` while being set up: the secret was shown, no code has confirmed it yet.
    #[serde(default)]
    pub enabled_at: Option<Timestamp>,
    /// The time step of the last accepted code; no code of it or before is accepted again.
    #[serde(default)]
    pub last_used_step: Option<u64>,
    pub created_at: Timestamp,
}

impl TwoFactor {
    pub fn is_enabled(&self) -> bool {
        self.enabled_at.is_some()
    }
}

/// A login whose password was right, waiting for its second step. No session exists yet; the
/// HTTP layer carries this in a short-lived signed cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingLogin {
    pub operator_id: String,
    pub user_id: String,
    pub expires_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B's SHA-1 seed.
    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(b"12345678901234567890".to_vec())
    }

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(seconds).unwrap()
    }

    #[test]
    fn codes_match_rfc_6238_test_vectors() {
        // Appendix B's 8-digit values, last 6 digits.
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            let step = time / STEP_SECONDS;
            assert_eq!(rfc_secret().code_at_step(step), code, "T={time}");
            assert_eq!(
                rfc_secret().accept(code, at(time.try_into().unwrap()), None),
                Ok(step)
            );
        }
    }

    #[test]
    fn one_step_of_skew_either_way_and_no_more() {
        let secret = TotpSecret::generate(&mut rand::rng());
        let now = at(1_800_000_015);
        let step = 1_800_000_015 / STEP_SECONDS;
        for accepted in [step - 1, step, step + 1] {
            let code = secret.code_at_step(accepted);
            assert_eq!(secret.accept(&code, now, None), Ok(accepted));
        }
        for refused in [step - 2, step + 2] {
            let code = secret.code_at_step(refused);
            assert_eq!(secret.accept(&code, now, None), Err(WrongCode));
        }
        let spaced = secret.code_at_step(step);
        let spaced = format!("{} {}", &spaced[..3], &spaced[3..]);
        assert_eq!(
            secret.accept(&spaced, now, None),
            Ok(step),
            "spaces ignored"
        );
        for junk in ["", "12345", "1234567", "abcdef", "+12345"] {
            assert_eq!(secret.accept(junk, now, None), Err(WrongCode), "{junk}");
        }
    }

    #[test]
    fn a_used_step_and_earlier_ones_are_refused() {
        let secret = TotpSecret::generate(&mut rand::rng());
        let now = at(1_800_000_015);
        let step = 1_800_000_015 / STEP_SECONDS;
        let code = secret.code_at_step(step);
        assert_eq!(secret.accept(&code, now, Some(step)), Err(WrongCode));
        let earlier = secret.code_at_step(step - 1);
        assert_eq!(secret.accept(&earlier, now, Some(step)), Err(WrongCode));
        let later = secret.code_at_step(step + 1);
        assert_eq!(secret.accept(&later, now, Some(step)), Ok(step + 1));
    }

    #[test]
    fn the_secret_reads_as_base32_and_an_otpauth_url() {
        let secret = rfc_secret();
        assert_eq!(secret.base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        let url = secret.otpauth_url("amina@example.com");
        assert!(
            url.starts_with("otpauth://totp/Tiketi:amina%40example.com?"),
            "{url}"
        );
        assert!(
            url.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
            "{url}"
        );
        assert!(url.contains("issuer=Tiketi"), "{url}");
        assert!(secret.otpauth_url("odd:name@x.com").contains("oddname"));
        assert_eq!(format!("{secret:?}"), "TotpSecret(***)");
        assert_eq!(
            TotpSecret::generate(&mut rand::rng()).as_bytes().len(),
            SECRET_BYTES
        );
    }
}
