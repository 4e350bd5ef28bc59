//! Secrets at rest: values the store must keep but never hold in clear (an operator's Pesapal
//! keys, a user's TOTP secret), sealed with AES-256-GCM under the deployment's data key
//! (`DATA_KEY`).
//!
//! Each value gets a fresh random 96-bit nonce, and the associated data names the operator and
//! the field it belongs to, so a ciphertext copied to another operator or another field does
//! not open. Sealed text is `v1.<nonce hex>.<ciphertext+tag hex>`; the version leaves room for
//! a key rotation later.

use std::fmt;

use aes_gcm::{
    Aes256Gcm, KeyInit, Nonce,
    aead::{Aead, Payload},
};
use rand::Rng;
use serde::{Deserialize, Serialize};

const VERSION: &str = "v1";
const NONCE_BYTES: usize = 12;

/// The deployment's data key (32 bytes), from `DATA_KEY` (64 hex digits).
#[derive(Clone)]
pub struct DataKey([u8; 32]);

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(***)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("DATA_KEY must be exactly 64 hexadecimal digits (32 bytes)")]
pub struct InvalidDataKey;

impl DataKey {
    pub fn from_hex(hex_key: &str) -> Result<Self, InvalidDataKey> {
        let bytes = hex::decode(hex_key.trim()).map_err(|_| InvalidDataKey)?;
        bytes.try_into().map(Self).map_err(|_| InvalidDataKey)
    }

    /// A fresh random key, as hex (for a new local install).
    pub fn generate_hex(rng: &mut impl Rng) -> String {
        hex::encode(rng.random::<[u8; 32]>())
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new_from_slice(&self.0).expect("a 32-byte key")
    }
}

/// What a sealed value is, bound into its associated data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field<'a> {
    PesapalConsumerKey,
    PesapalConsumerSecret,
    /// One user's TOTP secret.
    TotpSecret {
        user_id: &'a str,
    },
}

impl Field<'_> {
    fn name(self) -> String {
        match self {
            Self::PesapalConsumerKey => "pesapal_consumer_key".into(),
            Self::PesapalConsumerSecret => "pesapal_consumer_secret".into(),
            Self::TotpSecret { user_id } => format!("user/{user_id}/totp_secret"),
        }
    }
}

/// NUL-separated: ids and field names never contain NUL, so no two bindings share bytes.
fn associated_data(operator_id: &str, field: Field<'_>) -> Vec<u8> {
    format!("tiketi/sealed/{VERSION}\0{operator_id}\0{}", field.name()).into_bytes()
}

/// A sealed value, as stored.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sealed(String);

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sealed(..)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("no data key is configured (DATA_KEY)")]
    NoKey,
    /// Wrong key, tampered, or bound to another operator or field.
    #[error("a sealed value does not open with this key, operator and field")]
    Open,
}

impl Sealed {
    pub fn seal(
        key: &DataKey,
        rng: &mut impl Rng,
        operator_id: &str,
        field: Field<'_>,
        plaintext: &[u8],
    ) -> Self {
        let nonce: [u8; NONCE_BYTES] = rng.random();
        let aad = associated_data(operator_id, field);
        let payload = Payload {
            msg: plaintext,
            aad: &aad,
        };
        let ciphertext = key
            .cipher()
            .encrypt(&Nonce::from(nonce), payload)
            .expect("AES-GCM seals any value under 64 GiB");
        Self(format!(
            "{VERSION}.{}.{}",
            hex::encode(nonce),
            hex::encode(ciphertext)
        ))
    }

    pub fn open(
        &self,
        key: &DataKey,
        operator_id: &str,
        field: Field<'_>,
    ) -> Result<Vec<u8>, SealError> {
        let mut parts = self.0.split('.');
        let (Some(VERSION), Some(nonce), Some(ciphertext), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(SealError::Open);
        };
        let nonce: [u8; NONCE_BYTES] = hex::decode(nonce)
            .ok()
            .and_then(|n| n.try_into().ok())
            .ok_or(SealError::Open)?;
        let ciphertext = hex::decode(ciphertext).map_err(|_| SealError::Open)?;
        let aad = associated_data(operator_id, field);
        let payload = Payload {
            msg: &ciphertext,
            aad: &aad,
        };
        key.cipher()
            .decrypt(&Nonce::from(nonce), payload)
            .map_err(|_| SealError::Open)
    }

    /// [`Sealed::open`] for text.
    pub fn open_text(
        &self,
        key: &DataKey,
        operator_id: &str,
        field: Field<'_>,
    ) -> Result<String, SealError> {
        String::from_utf8(self.open(key, operator_id, field)?).map_err(|_| SealError::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> DataKey {
        DataKey::from_hex(&DataKey::generate_hex(&mut rand::rng())).unwrap()
    }

    const SECRET: Field<'static> = Field::PesapalConsumerSecret;

    #[test]
    fn a_sealed_value_opens_with_its_key_operator_and_field_only() {
        let key = key();
        let sealed = Sealed::seal(&key, &mut rand::rng(), "op1", SECRET, b"s3cret");
        assert_eq!(sealed.open(&key, "op1", SECRET).unwrap(), b"s3cret");
        assert_eq!(
            sealed.open(&key, "op2", SECRET),
            Err(SealError::Open),
            "other operator"
        );
        assert_eq!(
            sealed.open(&key, "op1", Field::PesapalConsumerKey),
            Err(SealError::Open),
            "other field"
        );
        let user = |user_id| Field::TotpSecret { user_id };
        let totp = Sealed::seal(&key, &mut rand::rng(), "op1", user("u1"), b"s3cret");
        assert_eq!(totp.open(&key, "op1", user("u2")), Err(SealError::Open));
        assert_eq!(
            sealed.open(&self::key(), "op1", SECRET),
            Err(SealError::Open),
            "other key"
        );
    }

    #[test]
    fn sealing_hides_the_value_and_never_repeats_a_nonce() {
        let key = key();
        let a = Sealed::seal(&key, &mut rand::rng(), "op1", SECRET, b"same value");
        let b = Sealed::seal(&key, &mut rand::rng(), "op1", SECRET, b"same value");
        assert_ne!(a, b, "fresh nonce per value");
        assert!(a.0.starts_with("v1."));
        assert!(!a.0.contains(&hex::encode("same value")));
        assert_eq!(format!("{a:?}"), "Sealed(..)");
        assert_eq!(format!("{key:?}"), "DataKey(***)");
    }

    #[test]
    fn tampered_or_malformed_values_do_not_open() {
        let key = key();
        let sealed = Sealed::seal(&key, &mut rand::rng(), "op1", SECRET, b"value");
        let mut flipped = sealed.0.clone().into_bytes();
        let last = flipped.len() - 1;
        flipped[last] = if flipped[last] == b'0' { b'1' } else { b'0' };
        let flipped = Sealed(String::from_utf8(flipped).unwrap());
        assert_eq!(flipped.open(&key, "op1", SECRET), Err(SealError::Open));
        for bad in ["", "v1", "v1.00.00", "v2.aa.bb", "v1.zz.zz", "v1.a.b.c"] {
            let bad = Sealed(bad.into());
            assert_eq!(bad.open(&key, "op1", SECRET), Err(SealError::Open));
        }
    }

    #[test]
    fn data_keys_are_exactly_32_bytes_of_hex() {
        assert!(DataKey::from_hex(&"ab".repeat(32)).is_ok());
        for bad in [
            "ab".repeat(31),
            "ab".repeat(33),
            "zz".repeat(32),
            String::new(),
        ] {
            assert!(DataKey::from_hex(&bad).is_err(), "{bad}");
        }
    }
}
