//! Router secrets: how a router proves which router it is when it pulls its sync script and
//! posts its usage report.
//!
//! RouterOS scripts cannot compute signatures, so each router sends a per-router secret in a
//! header over HTTPS (`docs/routers.md`). The secret is random (a CSPRNG, 32 symbols of a
//! 31-symbol alphabet, ~158 bits) and shown once; Tiketi keeps only an HMAC-SHA256 digest keyed
//! by the operator and router ids, so a digest is useless for another router, and compares in
//! constant time. Rotating stores a new digest: the old secret stops working at once.

use rand::Rng;

use super::secret_digest;

/// The header a router sends its secret in.
pub const HEADER: &str = "X-Tiketi-Router-Secret";

/// A freshly generated secret, to be shown once (in the router's setup script).
#[derive(Clone, PartialEq, Eq)]
pub struct RouterSecret(String);

impl std::fmt::Debug for RouterSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RouterSecret(***)")
    }
}

impl RouterSecret {
    pub fn generate(rng: &mut impl Rng) -> Self {
        Self(secret_digest::random_secret(rng))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

fn context(operator_id: &str, router_id: &str) -> String {
    format!("tiketi-router-secret:{operator_id}:{router_id}")
}

/// The digest stored for a router's secret (hex).
pub fn digest(operator_id: &str, router_id: &str, secret: &str) -> String {
    secret_digest::digest(&context(operator_id, router_id), secret)
}

/// Whether `presented` is the secret whose digest is `stored` (constant-time comparison).
pub fn verify(operator_id: &str, router_id: &str, presented: &str, stored: &str) -> bool {
    secret_digest::verify(&context(operator_id, router_id), presented, stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_verifies_only_for_its_router() {
        let secret = RouterSecret::generate(&mut rand::rng());
        assert_eq!(secret.expose().len(), secret_digest::SECRET_LENGTH);
        let stored = digest("op1", "r1", secret.expose());
        assert!(verify("op1", "r1", secret.expose(), &stored));
        assert!(
            !verify("op1", "r2", secret.expose(), &stored),
            "another router's digest"
        );
        assert!(
            !verify("op2", "r1", secret.expose(), &stored),
            "another operator's digest"
        );
        assert!(!verify("op1", "r1", "wrong", &stored));
        assert!(!verify("op1", "r1", secret.expose(), "not hex"));
        assert!(!stored.contains(secret.expose()));
    }

    #[test]
    fn rotation_retires_the_old_secret() {
        let old = RouterSecret::generate(&mut rand::rng());
        let new = RouterSecret::generate(&mut rand::rng());
        assert_ne!(old, new);
        let stored = digest("op", "r", new.expose());
        assert!(!verify("op", "r", old.expose(), &stored));
        assert!(verify("op", "r", new.expose(), &stored));
    }

    #[test]
    fn secrets_are_not_printed() {
        let secret = RouterSecret::generate(&mut rand::rng());
        assert!(!format!("{secret:?}").contains(secret.expose()));
    }
}
