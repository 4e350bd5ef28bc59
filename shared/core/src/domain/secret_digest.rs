//! Random secrets that Tiketi hands out once (router secrets, API tokens) and the keyed digests
//! it keeps of them instead.
//!
//! A secret is 32 symbols of the voucher alphabet drawn from a CSPRNG (~158 bits), so a plain
//! keyed hash is enough (no slow password hash needed). The digest is HMAC-SHA256 keyed by a
//! context naming what the secret is for (`tiketi-router-secret:<op>:<router>`), so a digest
//! copied onto another router or token never matches; verification compares in constant time
//! (`Mac::verify_slice`).

use hmac::{Hmac, KeyInit, Mac};
use rand::Rng;
use sha2::Sha256;

use super::voucher_code::ALPHABET;

/// Symbols in a secret.
pub const SECRET_LENGTH: usize = 32;

/// A new random secret.
pub fn random_secret(rng: &mut impl Rng) -> String {
    (0..SECRET_LENGTH)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

fn mac(context: &str) -> Hmac<Sha256> {
    <Hmac<Sha256> as KeyInit>::new_from_slice(context.as_bytes())
        .expect("HMAC takes keys of any length")
}

/// The digest to store for `secret` (hex).
pub fn digest(context: &str, secret: &str) -> String {
    let mut mac = mac(context);
    mac.update(secret.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `presented` is the secret whose digest under `context` is `stored`.
pub fn verify(context: &str, presented: &str, stored: &str) -> bool {
    let Ok(expected) = hex::decode(stored) else {
        return false;
    };
    let mut mac = mac(context);
    mac.update(presented.trim().as_bytes());
    mac.verify_slice(&expected).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_verifies_only_its_secret_in_its_context() {
        let secret = random_secret(&mut rand::rng());
        assert_eq!(secret.len(), SECRET_LENGTH);
        let stored = digest("a", &secret);
        assert!(verify("a", &secret, &stored));
        assert!(!verify("b", &secret, &stored));
        assert!(!verify("a", "wrong", &stored));
        assert!(!verify("a", &secret, "not hex"));
        assert!(!stored.contains(&secret));
    }
}
