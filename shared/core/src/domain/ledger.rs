//! The money side of a sale beyond its price: how it was paid (channel), what the gateway kept
//! (fee) and what the selling agent earns (commission); and the dimensions along which the
//! per-day sales counters are kept, so that reports read counters and never scan sales.

use serde::{Deserialize, Serialize};

use super::money::Money;

/// How a sale was paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Channel {
    /// Through the captive-portal checkout and Pesapal.
    #[default]
    Online,
    /// Cash taken by an agent (or the owner) for a printed voucher.
    Cash,
}

impl Channel {
    pub const ALL: [Self; 2] = [Self::Online, Self::Cash];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Online => "ONLINE",
            Self::Cash => "CASH",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Online => "Online (Pesapal)",
            Self::Cash => "Cash (agents)",
        }
    }
}

/// A percentage in basis points (1 % = 100), as commissions and gateway fees are quoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Rate(pub u32);

/// The largest rate accepted: 100 %.
pub const MAX_RATE: Rate = Rate(10_000);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a rate is a percentage from 0 to 100 with at most two decimals (like 3.5)")]
pub struct InvalidRate;

impl Rate {
    /// The share of `amount`, rounded half up to the minor unit: what is computed once at the
    /// sale and stored, so reports only ever add integers.
    pub fn of(self, amount: Money) -> Money {
        let share = (i128::from(amount.minor()) * i128::from(self.0) + 5_000) / 10_000;
        Money(i64::try_from(share).unwrap_or(i64::MAX))
    }

    /// Parses `3.5`, `10`, `2.25` (percent).
    pub fn parse_percent(text: &str) -> Result<Self, InvalidRate> {
        let text = text.trim().trim_end_matches('%').trim();
        let hundredths = Money::parse_decimal(text).ok_or(InvalidRate)?;
        let rate = u32::try_from(hundredths.minor()).map_err(|_| InvalidRate)?;
        (rate <= MAX_RATE.0)
            .then_some(Self(rate))
            .ok_or(InvalidRate)
    }

    /// `3.5` for 350 basis points.
    pub fn percent(self) -> String {
        Money(i64::from(self.0)).decimal()
    }
}

/// One way of slicing the per-day sales counters. Every sale adds to `All`, its ticket type,
/// its router and its channel, and (cash sales) to the agent who sold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension<'a> {
    All,
    TicketType(&'a str),
    Router(&'a str),
    Channel(Channel),
    /// The user (agent or owner) who recorded a cash sale.
    Seller(&'a str),
}

/// A dimension without its value: which counters a report reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DimensionKind {
    All,
    TicketType,
    Router,
    Channel,
    Seller,
}

impl DimensionKind {
    pub fn tag(self) -> &'static str {
        match self {
            Self::All => "ALL",
            Self::TicketType => "TICKETTYPE",
            Self::Router => "ROUTER",
            Self::Channel => "CHANNEL",
            Self::Seller => "SELLER",
        }
    }
}

impl Dimension<'_> {
    pub fn kind(&self) -> DimensionKind {
        match self {
            Self::All => DimensionKind::All,
            Self::TicketType(_) => DimensionKind::TicketType,
            Self::Router(_) => DimensionKind::Router,
            Self::Channel(_) => DimensionKind::Channel,
            Self::Seller(_) => DimensionKind::Seller,
        }
    }

    /// The value within the kind (`None` for `All`).
    pub fn value(&self) -> Option<&str> {
        match self {
            Self::All => None,
            Self::TicketType(id) | Self::Router(id) | Self::Seller(id) => Some(id),
            Self::Channel(channel) => Some(channel.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_round_half_up_to_the_cent() {
        assert_eq!(Rate(350).of(Money(10_000)), Money(350));
        assert_eq!(Rate(350).of(Money(5_000)), Money(175));
        // 3.5 % of KES 0.10 is 0.35 cents: rounds to 0; of 0.15 is 0.525: rounds to 1.
        assert_eq!(Rate(350).of(Money(10)), Money(0));
        assert_eq!(Rate(350).of(Money(15)), Money(1));
        assert_eq!(Rate(0).of(Money(12_345)), Money(0));
        assert_eq!(MAX_RATE.of(Money(12_345)), Money(12_345));
    }

    #[test]
    fn rates_parse_as_percentages() {
        assert_eq!(Rate::parse_percent("3.5"), Ok(Rate(350)));
        assert_eq!(Rate::parse_percent(" 10 % "), Ok(Rate(1_000)));
        assert_eq!(Rate::parse_percent("0"), Ok(Rate(0)));
        assert_eq!(Rate::parse_percent("100"), Ok(Rate(10_000)));
        for bad in ["", "-1", "100.01", "abc", "1.234", "1e2"] {
            assert_eq!(Rate::parse_percent(bad), Err(InvalidRate), "{bad}");
        }
        assert_eq!(Rate(350).percent(), "3.50");
        assert_eq!(Rate(1_000).percent(), "10");
    }
}
