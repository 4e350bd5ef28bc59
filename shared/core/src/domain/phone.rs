//! Customer phone numbers (MSISDN), canonical as international digits: `254712345678`.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Msisdn(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a phone number: use 07XX XXX XXX or +254 7XX XXX XXX")]
pub struct InvalidPhone;

impl Msisdn {
    /// Accepts Kenyan local forms (`0712 345 678`, `712345678`) and international forms
    /// (`+254712345678`, `254-712-345-678`, other country codes), ignoring spaces and dashes.
    pub fn parse(input: &str) -> Result<Self, InvalidPhone> {
        let compact: String = input
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
            .collect();
        let (international, digits) = match compact.strip_prefix('+') {
            Some(rest) => (true, rest.to_owned()),
            None => match compact.strip_prefix("00") {
                Some(rest) => (true, rest.to_owned()),
                None => (false, compact),
            },
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidPhone);
        }
        let canonical = if international || digits.starts_with("254") {
            digits
        } else if let Some(local) = digits.strip_prefix('0') {
            format!("254{local}")
        } else if digits.len() == 9 && (digits.starts_with('7') || digits.starts_with('1')) {
            format!("254{digits}")
        } else {
            return Err(InvalidPhone);
        };
        let kenyan_ok = !canonical.starts_with("254")
            || (canonical.len() == 12 && matches!(canonical.as_bytes()[3], b'7' | b'1'));
        if !(10..=15).contains(&canonical.len()) || !kenyan_ok {
            return Err(InvalidPhone);
        }
        Ok(Self(canonical))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number as shown to people: `+254 712 345 678`.
    pub fn display(&self) -> String {
        let d = &self.0;
        if d.len() == 12 && d.starts_with("254") {
            format!("+254 {} {} {}", &d[3..6], &d[6..9], &d[9..])
        } else {
            format!("+{d}")
        }
    }
}

impl fmt::Display for Msisdn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kenyan_forms_are_canonical() {
        for input in [
            "0712345678",
            "0712 345 678",
            "+254712345678",
            "254712345678",
            "712345678",
            "+254 712-345-678",
        ] {
            assert_eq!(
                Msisdn::parse(input).unwrap().as_str(),
                "254712345678",
                "{input}"
            );
        }
        assert_eq!(
            Msisdn::parse("0110123456").unwrap().as_str(),
            "254110123456"
        );
        assert_eq!(
            Msisdn::parse("+256772123456").unwrap().as_str(),
            "256772123456"
        );
    }

    #[test]
    fn garbage_is_refused() {
        for input in [
            "",
            "abc",
            "12345",
            "07123",
            "+2547123456789",
            "0812345678",
            "07x2345678",
        ] {
            assert!(Msisdn::parse(input).is_err(), "{input}");
        }
    }
}
