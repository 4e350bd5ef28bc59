//! Voucher batches: vouchers generated in one go for a ticket type and a router, to print and
//! sell by hand (or to load on a router by script).
//!
//! A batch is generated in chunks (`CHUNK`); each chunk is one transaction that writes its
//! vouchers (each under a "must not exist" condition, which is what makes codes unique per
//! operator), the chunk's page of codes (what printing reads) and the batch's progress, with a
//! condition on that progress. So a chunk is written exactly once however many workers run
//! the job, a crash loses nothing, and the job resumes where the last chunk ended.

use jiff::Timestamp;
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::{catalog::TicketTerms, voucher_code::ALPHABET};

/// The largest batch.
pub const MAX_QUANTITY: u32 = 10_000;
/// Vouchers per chunk: with the page item, the batch update and the status counts, one full
/// transaction (100).
pub const CHUNK: usize = 97;
pub const MIN_CODE_LENGTH: usize = 6;
pub const MAX_CODE_LENGTH: usize = 16;
pub const MAX_PREFIX: usize = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BatchStatus {
    /// Chunks are still being written.
    Generating,
    Ready,
    Cancelled,
}

/// How a batch's codes look.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeFormat {
    /// Random symbols after the prefix.
    pub length: usize,
    /// Fixed leading symbols (e.g. the shop's initials), from the code alphabet.
    pub prefix: String,
    /// A separate password (else the code is both username and password).
    pub separate_password: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidFormat {
    #[error("codes have {MIN_CODE_LENGTH} to {MAX_CODE_LENGTH} random characters")]
    Length,
    #[error(
        "a prefix has at most {MAX_PREFIX} characters from 23456789ABCDEFGHJKMNPQRSTUVWXYZ (no 0, O, 1, I or L)"
    )]
    Prefix,
}

impl CodeFormat {
    /// Checks the format, upper-casing the prefix.
    pub fn checked(
        length: usize,
        prefix: &str,
        separate_password: bool,
    ) -> Result<Self, InvalidFormat> {
        if !(MIN_CODE_LENGTH..=MAX_CODE_LENGTH).contains(&length) {
            return Err(InvalidFormat::Length);
        }
        let prefix = prefix.trim().to_ascii_uppercase();
        if prefix.len() > MAX_PREFIX || !prefix.bytes().all(|b| ALPHABET.contains(&b)) {
            return Err(InvalidFormat::Prefix);
        }
        Ok(Self {
            length,
            prefix,
            separate_password,
        })
    }

    fn random(rng: &mut impl Rng, length: usize) -> String {
        (0..length)
            .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
            .collect()
    }

    /// A fresh (code, password) pair.
    pub fn draw(&self, rng: &mut impl Rng) -> (String, String) {
        let code = format!("{}{}", self.prefix, Self::random(rng, self.length));
        let password = if self.separate_password {
            Self::random(rng, self.length.min(8))
        } else {
            code.clone()
        };
        (code, password)
    }
}

/// Who made a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    pub id: String,
    pub operator_id: String,
    pub router_id: String,
    /// What each voucher buys, frozen when the batch is made.
    pub terms: TicketTerms,
    pub quantity: u32,
    /// Vouchers written so far (a multiple of `CHUNK` until the last chunk).
    pub generated: u32,
    pub format: CodeFormat,
    pub status: BatchStatus,
    pub note: String,
    pub created_at: Timestamp,
    pub created_by: Actor,
    #[serde(default)]
    pub cancelled_at: Option<Timestamp>,
    #[serde(default)]
    pub cancel_reason: Option<String>,
    /// The agent holding the printed stock, if handed over.
    #[serde(default)]
    pub agent: Option<Actor>,
    /// Times the whole batch was printed (each one is also a custody event).
    #[serde(default)]
    pub prints: u32,
    /// Vouchers sold for cash (counted by the sale, atomically).
    #[serde(default)]
    pub sold: u32,
    /// Vouchers logged in at the router for the first time (counted by the usage reports).
    #[serde(default)]
    pub redeemed: u32,
}

impl Batch {
    /// The page number of the next chunk (1-based).
    pub fn next_page(&self) -> u32 {
        self.generated / CHUNK as u32 + 1
    }

    /// How many vouchers the next chunk writes (0 when done).
    pub fn next_chunk_len(&self) -> usize {
        (self.quantity.saturating_sub(self.generated) as usize).min(CHUNK)
    }
}

/// One chunk's codes, in the order they were generated: what printing and the voucher script
/// read (one item per chunk, not one read per voucher).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchPage {
    pub number: u32,
    pub codes: Vec<BatchCode>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchCode {
    pub code: String,
    pub password: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_checked_and_codes_follow_them() {
        assert_eq!(
            CodeFormat::checked(5, "", false),
            Err(InvalidFormat::Length)
        );
        assert_eq!(
            CodeFormat::checked(8, "K0", false),
            Err(InvalidFormat::Prefix)
        );
        assert_eq!(
            CodeFormat::checked(8, "ABCDEFG", false),
            Err(InvalidFormat::Prefix)
        );
        let format = CodeFormat::checked(8, " kb ", false).unwrap();
        assert_eq!(format.prefix, "KB");
        let (code, password) = format.draw(&mut rand::rng());
        assert!(code.starts_with("KB") && code.len() == 10, "{code}");
        assert_eq!(code, password);
        let separate = CodeFormat::checked(10, "", true).unwrap();
        let (code, password) = separate.draw(&mut rand::rng());
        assert_ne!(code, password);
        assert_eq!(password.len(), 8);
        assert!(
            code.bytes()
                .chain(password.bytes())
                .all(|b| ALPHABET.contains(&b))
        );
    }
}
