//! An operator's own Pesapal merchant account, as stored: both keys sealed
//! ([`super::sealed`]), and only the key's last characters kept readable, so the settings page
//! can say which key is set without ever showing it.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::sealed::Sealed;

/// How many of the consumer key's last characters the settings page shows.
pub const KEY_ENDING_CHARS: usize = 4;
/// Pesapal's keys are about 30 characters; anything this long is a paste gone wrong.
pub const MAX_KEY_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantKeys {
    pub operator_id: String,
    pub consumer_key: Sealed,
    pub consumer_secret: Sealed,
    /// The consumer key's last [`KEY_ENDING_CHARS`] characters.
    pub key_ending: String,
    pub updated_at: Timestamp,
    /// The name of the user who set them.
    pub updated_by: String,
}

/// The last characters of a consumer key (all of a very short one but the first, so a
/// key is never shown whole).
pub fn key_ending(consumer_key: &str) -> String {
    let chars: Vec<char> = consumer_key.chars().collect();
    let shown = KEY_ENDING_CHARS.min(chars.len().saturating_sub(1));
    chars[chars.len() - shown..].iter().collect()
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidKeys {
    #[error("enter both the consumer key and the consumer secret")]
    Missing,
    #[error("a Pesapal key has at most {MAX_KEY_CHARS} characters")]
    TooLong,
    #[error("a Pesapal key has no spaces or line breaks: copy it again from the Pesapal dashboard")]
    Whitespace,
}

/// A consumer key or secret as pasted: trimmed; no inner whitespace or control characters.
pub fn parse_key(value: &str) -> Result<String, InvalidKeys> {
    let value = value.trim();
    if value.is_empty() {
        Err(InvalidKeys::Missing)
    } else if value.chars().count() > MAX_KEY_CHARS {
        Err(InvalidKeys::TooLong)
    } else if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Err(InvalidKeys::Whitespace)
    } else {
        Ok(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_end_of_a_key_is_shown() {
        assert_eq!(key_ending("qkio1BGGYAXTu2JOfm7XSXNruoZsrqEW"), "rqEW");
        assert_eq!(key_ending("abc"), "bc");
        assert_eq!(key_ending("a"), "");
        assert_eq!(key_ending(""), "");
    }

    #[test]
    fn pasted_keys_are_trimmed_and_checked() {
        assert_eq!(parse_key("  abc123 \n").as_deref(), Ok("abc123"));
        assert_eq!(parse_key("   "), Err(InvalidKeys::Missing));
        assert_eq!(parse_key("ab c"), Err(InvalidKeys::Whitespace));
        assert_eq!(parse_key(&"x".repeat(201)), Err(InvalidKeys::TooLong));
    }
}
