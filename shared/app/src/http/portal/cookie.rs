//! The portal's signed values: the session cookie and CSRF tokens, both HMAC-SHA256 under one
//! server key (`SESSION_KEY`).
//!
//! The cookie names a session (`<operator>.<user>.<session>.<mac>`); the signature stops anyone
//! from naming another user's session, and the session item in the store (which logout
//! deletes) is what makes it live. A CSRF token is the MAC of what the form's page was served
//! to: the session id once logged in, or a random pre-login cookie on the login and sign-up
//! pages. Between a right password and a right code of a two-step login, a signed
//! pending-login value (`<operator>.<user>.<expiry>.<mac>`, five minutes) names the user; it
//! is no session.

use hmac::{Hmac, KeyInit, Mac};
use rand::Rng;
use sha2::Sha256;
use tiketi_core::domain::{account::Session, two_factor::PendingLogin};

/// The server's key for signing (at least 32 bytes).
#[derive(Clone)]
pub struct CookieKey(Vec<u8>);

impl std::fmt::Debug for CookieKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CookieKey(***)")
    }
}

#[derive(Debug, thiserror::Error)]
#[error("SESSION_KEY must be at least 64 hexadecimal digits (32 bytes)")]
pub struct InvalidKey;

/// What a valid session cookie names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRef {
    pub operator_id: String,
    pub user_id: String,
    pub session_id: String,
}

impl CookieKey {
    pub const MIN_BYTES: usize = 32;

    pub fn from_hex(hex_key: &str) -> Result<Self, InvalidKey> {
        let bytes = hex::decode(hex_key.trim()).map_err(|_| InvalidKey)?;
        if bytes.len() < Self::MIN_BYTES {
            return Err(InvalidKey);
        }
        Ok(Self(bytes))
    }

    /// A fresh random key, as hex (for a new local install).
    pub fn generate_hex(rng: &mut impl Rng) -> String {
        let bytes: [u8; 32] = rng.random();
        hex::encode(bytes)
    }

    fn mac(&self, purpose: &str, value: &str) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0)
            .expect("HMAC takes keys of any length");
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        mac
    }

    fn sign(&self, purpose: &str, value: &str) -> String {
        hex::encode(self.mac(purpose, value).finalize().into_bytes())
    }

    fn verify(&self, purpose: &str, value: &str, signature: &str) -> bool {
        hex::decode(signature).is_ok_and(|sig| self.mac(purpose, value).verify_slice(&sig).is_ok())
    }

    /// The session cookie's value.
    pub fn session_cookie(&self, session: &Session) -> String {
        let named = format!("{}.{}.{}", session.operator_id, session.user_id, session.id);
        let signature = self.sign("session", &named);
        format!("{named}.{signature}")
    }

    /// The session a cookie names, if its signature is ours.
    pub fn open_session_cookie(&self, value: &str) -> Option<SessionRef> {
        let (named, signature) = value.rsplit_once('.')?;
        if !self.verify("session", named, signature) {
            return None;
        }
        let mut parts = named.split('.');
        let (operator_id, user_id, session_id) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        Some(SessionRef {
            operator_id: operator_id.into(),
            user_id: user_id.into(),
            session_id: session_id.into(),
        })
    }

    /// The pending-login cookie's value.
    pub fn pending_login_cookie(&self, pending: &PendingLogin) -> String {
        let named = format!(
            "{}.{}.{}",
            pending.operator_id,
            pending.user_id,
            pending.expires_at.as_second()
        );
        let signature = self.sign("pending-login", &named);
        format!("{named}.{signature}")
    }

    /// The pending login a cookie names, if its signature is ours (expired or not: the use
    /// case checks the time).
    pub fn open_pending_login_cookie(&self, value: &str) -> Option<PendingLogin> {
        let (named, signature) = value.rsplit_once('.')?;
        if !self.verify("pending-login", named, signature) {
            return None;
        }
        let mut parts = named.split('.');
        let (operator_id, user_id, expires) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        Some(PendingLogin {
            operator_id: operator_id.into(),
            user_id: user_id.into(),
            expires_at: jiff::Timestamp::from_second(expires.parse().ok()?).ok()?,
        })
    }

    /// The platform administrator's session cookie: `<admin id>.<session id>.<signature>`.
    pub fn admin_session_cookie(&self, admin_id: &str, session_id: &str) -> String {
        let named = format!("{admin_id}.{session_id}");
        let signature = self.sign("admin-session", &named);
        format!("{named}.{signature}")
    }

    /// The administrator and session an admin cookie names, if its signature is ours (an
    /// operator's session cookie is signed for another purpose and never opens here).
    pub fn open_admin_session_cookie(&self, value: &str) -> Option<(String, String)> {
        let (named, signature) = value.rsplit_once('.')?;
        if !self.verify("admin-session", named, signature) {
            return None;
        }
        let (admin_id, session_id) = named.split_once('.')?;
        if session_id.contains('.') {
            return None;
        }
        Some((admin_id.to_owned(), session_id.to_owned()))
    }

    /// The CSRF token of forms served to `binding` (a session id or pre-login nonce).
    pub fn csrf_token(&self, binding: &str) -> String {
        self.sign("csrf", binding)
    }

    pub fn check_csrf(&self, binding: &str, token: &str) -> bool {
        self.verify("csrf", binding, token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CookieKey {
        CookieKey::from_hex(&CookieKey::generate_hex(&mut rand::rng())).unwrap()
    }

    fn session() -> Session {
        Session {
            id: "s1".into(),
            operator_id: "op1".into(),
            user_id: "u1".into(),
            created_at: jiff::Timestamp::UNIX_EPOCH,
            expires_at: jiff::Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn a_session_cookie_opens_only_with_its_key_and_unchanged() {
        let key = key();
        let cookie = key.session_cookie(&session());
        let opened = key.open_session_cookie(&cookie).unwrap();
        assert_eq!(opened.operator_id, "op1");
        assert_eq!(opened.session_id, "s1");
        assert_eq!(self::key().open_session_cookie(&cookie), None, "other key");
        let forged = cookie.replacen("op1", "op2", 1);
        assert_eq!(key.open_session_cookie(&forged), None, "other operator");
        assert_eq!(key.open_session_cookie("op1.u1.s1.00"), None);
        assert_eq!(key.open_session_cookie(""), None);
    }

    #[test]
    fn a_pending_login_opens_only_unchanged_and_is_no_session() {
        let key = key();
        let pending = PendingLogin {
            operator_id: "op1".into(),
            user_id: "u1".into(),
            expires_at: jiff::Timestamp::from_second(1_800_000_000).unwrap(),
        };
        let cookie = key.pending_login_cookie(&pending);
        assert_eq!(key.open_pending_login_cookie(&cookie), Some(pending));
        let later = cookie.replacen("1800000000", "1900000000", 1);
        assert_eq!(key.open_pending_login_cookie(&later), None, "expiry forged");
        assert_eq!(self::key().open_pending_login_cookie(&cookie), None);
        assert_eq!(
            key.open_session_cookie(&cookie),
            None,
            "not a session cookie"
        );
        let session = key.session_cookie(&session());
        assert_eq!(key.open_pending_login_cookie(&session), None);
    }

    #[test]
    fn admin_and_operator_cookies_never_open_each_other() {
        let key = key();
        let admin = key.admin_session_cookie("a1", "s1");
        assert_eq!(
            key.open_admin_session_cookie(&admin),
            Some(("a1".into(), "s1".into()))
        );
        assert!(key.open_session_cookie(&admin).is_none());
        let operator = key.session_cookie(&session());
        assert!(key.open_admin_session_cookie(&operator).is_none());
        let tampered = admin.replace("a1", "a2");
        assert!(key.open_admin_session_cookie(&tampered).is_none());
    }

    #[test]
    fn csrf_tokens_are_bound() {
        let key = key();
        let token = key.csrf_token("s1");
        assert!(key.check_csrf("s1", &token));
        assert!(!key.check_csrf("s2", &token));
        assert!(!key.check_csrf("s1", ""));
        assert!(CookieKey::from_hex("abcd").is_err());
    }
}
