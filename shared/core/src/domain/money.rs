//! Money as integer minor units (cents); formatting and Pesapal's decimal amounts.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An amount in minor units of the operator's currency (KES cents). Never a float.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(pub i64);

impl Money {
    pub fn from_major(major: i64) -> Self {
        Self(major * 100)
    }

    pub fn minor(self) -> i64 {
        self.0
    }

    /// The decimal text of the amount: `50`, `1500.50`.
    pub fn decimal(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let (major, cents) = ((self.0 / 100).unsigned_abs(), (self.0 % 100).unsigned_abs());
        if cents == 0 {
            format!("{sign}{major}")
        } else {
            format!("{sign}{major}.{cents:02}")
        }
    }

    /// Parses a decimal amount as a gateway writes it (`100`, `1500.5`, `"80.00"`).
    /// Refuses more than two decimals, signs and exponents rather than rounding money.
    pub fn parse_decimal(text: &str) -> Option<Self> {
        let text = text.trim();
        let (major, fraction) = text.split_once('.').unwrap_or((text, ""));
        if major.is_empty() || !major.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if fraction.len() > 2 && !fraction[2..].bytes().all(|b| b == b'0') {
            return None;
        }
        if !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let cents = match fraction.as_bytes() {
            [] => 0,
            [a] => i64::from(a - b'0') * 10,
            [a, b, ..] => i64::from(a - b'0') * 10 + i64::from(b - b'0'),
        };
        let major: i64 = major.parse().ok()?;
        major.checked_mul(100)?.checked_add(cents).map(Self)
    }

    /// Shows the amount with thousands separators: `KES 1,000`, `KES 12.50`.
    pub fn display(self, currency: &str) -> String {
        let decimal = self.decimal();
        let (sign, unsigned) = match decimal.strip_prefix('-') {
            Some(rest) => ("-", rest),
            None => ("", decimal.as_str()),
        };
        let (major, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let mut grouped = String::new();
        for (i, ch) in major.chars().enumerate() {
            if i > 0 && (major.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        if fraction.is_empty() {
            format!("{sign}{currency} {grouped}")
        } else {
            format!("{sign}{currency} {grouped}.{fraction}")
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.decimal())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_round_trips() {
        for (minor, text) in [(5000, "50"), (150050, "1500.50"), (5, "0.05"), (0, "0")] {
            assert_eq!(Money(minor).decimal(), text);
            assert_eq!(Money::parse_decimal(text), Some(Money(minor)));
        }
        assert_eq!(Money::parse_decimal("1500.5"), Some(Money(150050)));
        assert_eq!(Money::parse_decimal("80.000"), Some(Money(8000)));
    }

    #[test]
    fn display_groups_thousands_and_puts_a_sign_first() {
        assert_eq!(Money(123_456_789).display("KES"), "KES 1,234,567.89");
        assert_eq!(Money(5_000).display("KES"), "KES 50");
        assert_eq!(Money(-96_875).display("KES"), "-KES 968.75");
        assert_eq!(Money(-100_000).display("KES"), "-KES 1,000");
        assert_eq!(Money(-5).display("KES"), "-KES 0.05");
    }

    #[test]
    fn parse_refuses_what_is_not_a_plain_amount() {
        for bad in ["", "-5", "1e3", "12.345", "abc", ".5", "1,000"] {
            assert_eq!(Money::parse_decimal(bad), None, "{bad}");
        }
    }

    #[test]
    fn display_groups_thousands() {
        assert_eq!(Money::from_major(1000).display("KES"), "KES 1,000");
        assert_eq!(Money::from_major(3000000).display("KES"), "KES 3,000,000");
        assert_eq!(Money(1250).display("KES"), "KES 12.50");
        assert_eq!(Money::from_major(50).display("KES"), "KES 50");
    }
}
