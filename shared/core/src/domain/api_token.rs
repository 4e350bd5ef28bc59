//! API tokens: how a program (the operator's own shop, an accounting tool) calls the REST API
//! (`/api/v1`) for one operator.
//!
//! An owner creates a token in the portal with a name and a scope; its text is shown once:
//! `tkt.<operator>.<token id>.<secret>`. The ids let a request find its token with one read;
//! the secret (32 symbols from a CSPRNG, ~158 bits) proves it. Tiketi keeps only the secret's
//! keyed digest (`secret_digest`, bound to the operator and token ids) and compares in
//! constant time. Revoking marks the token revoked: it fails from the next request on, and the
//! list keeps it, so the owner still sees what existed.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{batch::Actor, secret_digest};

/// The text every token starts with, so that a leaked token is recognisable in a scan.
pub const PREFIX: &str = "tkt";

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Read anything of the operator's (GET).
    Read,
    /// Read, and create, change or cancel ticket types, vouchers and batches.
    ReadWrite,
}

impl Scope {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "read" => Some(Self::Read),
            "read_write" => Some(Self::ReadWrite),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::ReadWrite => "read_write",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Read => "read only",
            Self::ReadWrite => "read and write",
        }
    }

    /// Whether a token of this scope may make a change.
    pub fn may_write(self) -> bool {
        self == Self::ReadWrite
    }
}

/// A token as stored: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: String,
    pub operator_id: String,
    /// What the owner calls it ("Accounting export").
    pub name: String,
    pub scope: Scope,
    /// `secret_digest::digest` of the secret (hex).
    pub digest: String,
    /// The secret's last four symbols, to tell tokens apart in the list.
    pub hint: String,
    pub created_at: Timestamp,
    pub created_by: Actor,
    #[serde(default)]
    pub last_used_at: Option<Timestamp>,
    #[serde(default)]
    pub revoked_at: Option<Timestamp>,
    #[serde(default)]
    pub revoked_by: Option<Actor>,
}

impl ApiToken {
    /// Whether `secret` is this token's, and the token is not revoked.
    pub fn accepts(&self, secret: &str) -> bool {
        self.revoked_at.is_none()
            && secret_digest::verify(&context(&self.operator_id, &self.id), secret, &self.digest)
    }
}

/// The full text of a new token, shown once. `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenText(String);

impl std::fmt::Debug for TokenText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenText(***)")
    }
}

impl TokenText {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A new token's text, and the digest and hint to store.
pub struct Minted {
    pub text: TokenText,
    pub digest: String,
    pub hint: String,
}

fn context(operator_id: &str, token_id: &str) -> String {
    format!("tiketi-api-token:{operator_id}:{token_id}")
}

/// The digest stored for `secret` as the secret of token `token_id` of `operator_id`.
pub fn digest(operator_id: &str, token_id: &str, secret: &str) -> String {
    secret_digest::digest(&context(operator_id, token_id), secret)
}

/// Makes the secret of a new token `token_id` of `operator_id`.
pub fn mint(operator_id: &str, token_id: &str, rng: &mut impl rand::Rng) -> Minted {
    let secret = secret_digest::random_secret(rng);
    let hint = secret[secret.len() - 4..].to_owned();
    Minted {
        text: TokenText(format!("{PREFIX}.{operator_id}.{token_id}.{secret}")),
        digest: digest(operator_id, token_id, &secret),
        hint,
    }
}

/// The parts of a presented token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presented<'a> {
    pub operator_id: &'a str,
    pub token_id: &'a str,
    pub secret: &'a str,
}

/// Reads a presented token; `None` if it cannot be one of ours (the ids then never reach a key).
pub fn parse(text: &str) -> Option<Presented<'_>> {
    let mut parts = text.trim().split('.');
    if parts.next()? != PREFIX {
        return None;
    }
    let (operator_id, token_id, secret) = (parts.next()?, parts.next()?, parts.next()?);
    let id_like = |s: &str| {
        (1..=64).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let ok = parts.next().is_none()
        && id_like(operator_id)
        && id_like(token_id)
        && secret.len() == secret_digest::SECRET_LENGTH;
    ok.then_some(Presented {
        operator_id,
        token_id,
        secret,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(minted: &Minted) -> ApiToken {
        ApiToken {
            id: "t1".into(),
            operator_id: "op1".into(),
            name: "Accounting".into(),
            scope: Scope::Read,
            digest: minted.digest.clone(),
            hint: minted.hint.clone(),
            created_at: Timestamp::UNIX_EPOCH,
            created_by: Actor {
                user_id: "u1".into(),
                name: "Amina".into(),
            },
            last_used_at: None,
            revoked_at: None,
            revoked_by: None,
        }
    }

    #[test]
    fn a_minted_token_parses_and_is_accepted() {
        let minted = mint("op1", "t1", &mut rand::rng());
        let text = minted.text.expose();
        assert!(text.starts_with("tkt.op1.t1."));
        let presented = parse(text).unwrap();
        assert_eq!((presented.operator_id, presented.token_id), ("op1", "t1"));
        assert!(text.ends_with(&minted.hint));
        let stored = token(&minted);
        assert!(stored.accepts(presented.secret));
        assert!(!stored.digest.contains(presented.secret));
        assert!(!format!("{:?}", minted.text).contains(presented.secret));
    }

    #[test]
    fn a_token_is_refused_when_revoked_or_bound_elsewhere() {
        let minted = mint("op1", "t1", &mut rand::rng());
        let secret = parse(minted.text.expose()).unwrap().secret.to_owned();
        let mut stored = token(&minted);
        let mut other_operator = stored.clone();
        other_operator.operator_id = "op2".into();
        assert!(
            !other_operator.accepts(&secret),
            "the digest binds the operator"
        );
        let mut other_id = stored.clone();
        other_id.id = "t2".into();
        assert!(!other_id.accepts(&secret), "the digest binds the token id");
        assert!(!stored.accepts("X".repeat(32).as_str()));
        stored.revoked_at = Some(Timestamp::UNIX_EPOCH);
        assert!(!stored.accepts(&secret));
    }

    #[test]
    fn malformed_tokens_do_not_parse() {
        for text in [
            "",
            "tkt",
            "tkt.op1.t1",
            "abc.op1.t1.ABCDEFGHJKMNPQRSTUVWXYZ234567892",
            "tkt.op#1.t1.ABCDEFGHJKMNPQRSTUVWXYZ234567892",
            "tkt.op1.t1.short",
            "tkt.op1.t1.ABCDEFGHJKMNPQRSTUVWXYZ234567892.extra",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }

    #[test]
    fn scopes_read_back() {
        for scope in [Scope::Read, Scope::ReadWrite] {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
        assert!(!Scope::Read.may_write());
        assert!(Scope::ReadWrite.may_write());
    }
}
