//! Voucher codes: random, unambiguous, typed forgivingly.
//!
//! The alphabet leaves out look-alikes (0/O, 1/I/L); codes are upper case. Codes come from a
//! cryptographically secure generator (the caller passes `rand::rngs::OsRng` or `ThreadRng`,
//! both CSPRNGs). Uniqueness is *not* left to luck: the store writes each code under its own key
//! with a "must not exist" condition and the issuer draws again on a collision.

use std::fmt;

use rand::Rng;
use serde::{Deserialize, Serialize};

/// 31 symbols: digits 2-9 and letters without I, L, O.
pub const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// 10 symbols = 31^10 ≈ 8.2e14 codes: guessing one is hopeless at any rate a router allows.
pub const DEFAULT_LENGTH: usize = 10;
pub const MIN_LENGTH: usize = 6;
pub const MAX_LENGTH: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VoucherCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidCode {
    #[error("a voucher code has {MIN_LENGTH} to {MAX_LENGTH} characters")]
    Length,
    #[error("a voucher code holds only letters and digits")]
    Character,
}

impl VoucherCode {
    /// Draws a fresh code of `length` symbols (clamped to the allowed range).
    pub fn generate(rng: &mut impl Rng, length: usize) -> Self {
        let length = length.clamp(MIN_LENGTH, MAX_LENGTH);
        let code = (0..length)
            .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
            .collect();
        Self(code)
    }

    /// Reads a code as a person typed it: case, spaces and dashes do not matter.
    pub fn parse(input: &str) -> Result<Self, InvalidCode> {
        let code: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if !(MIN_LENGTH..=MAX_LENGTH).contains(&code.len()) {
            return Err(InvalidCode::Length);
        }
        if !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(InvalidCode::Character);
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code in groups of four for reading aloud and printing: `ABCD-EFGH-JK`.
    pub fn grouped(&self) -> String {
        self.0
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c))
            .collect::<Vec<_>>()
            .join("-")
    }
}

impl fmt::Display for VoucherCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_use_only_the_alphabet() {
        let mut rng = rand::rng();
        for _ in 0..1000 {
            let code = VoucherCode::generate(&mut rng, DEFAULT_LENGTH);
            assert_eq!(code.as_str().len(), DEFAULT_LENGTH);
            assert!(
                code.as_str().bytes().all(|b| ALPHABET.contains(&b)),
                "{code}"
            );
        }
    }

    #[test]
    fn alphabet_has_no_look_alikes() {
        for c in b"01OIL" {
            assert!(!ALPHABET.contains(c));
        }
        assert_eq!(ALPHABET.len(), 31);
    }

    #[test]
    fn codes_are_not_repeated_in_practice() {
        let mut rng = rand::rng();
        let codes: std::collections::HashSet<_> = (0..10_000)
            .map(|_| VoucherCode::generate(&mut rng, DEFAULT_LENGTH))
            .collect();
        assert_eq!(codes.len(), 10_000);
    }

    #[test]
    fn entry_ignores_case_spaces_and_dashes() {
        let code = VoucherCode::parse("abcd-efgh jk").unwrap();
        assert_eq!(code.as_str(), "ABCDEFGHJK");
        assert_eq!(code.grouped(), "ABCD-EFGH-JK");
        assert_eq!(VoucherCode::parse(" ABCD EFGH JK ").unwrap(), code);
        assert_eq!(VoucherCode::parse("ab"), Err(InvalidCode::Length));
        assert_eq!(VoucherCode::parse("abcd*efgh"), Err(InvalidCode::Character));
    }

    #[test]
    fn length_is_configurable_within_bounds() {
        let mut rng = rand::rng();
        assert_eq!(VoucherCode::generate(&mut rng, 8).as_str().len(), 8);
        assert_eq!(
            VoucherCode::generate(&mut rng, 2).as_str().len(),
            MIN_LENGTH
        );
    }
}
