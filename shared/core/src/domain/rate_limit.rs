//! Limits on how often one client (or one operator) may do something that costs work or
//! money, counted in fixed windows: at most `limit` in each `window`.

use jiff::{SignedDuration, Timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// What is limited (part of the counter's key): `balance.client`, …
    pub name: &'static str,
    pub limit: u32,
    pub window: SignedDuration,
}

impl RateLimit {
    /// The start of the window `now` falls in.
    pub fn window_start(&self, now: Timestamp) -> Timestamp {
        let width = self.window.as_secs().max(1);
        let second = now.as_second().div_euclid(width) * width;
        Timestamp::from_second(second).unwrap_or(now)
    }

    /// Seconds until the window `now` falls in ends (what `Retry-After` says).
    pub fn retry_after(&self, now: Timestamp) -> u64 {
        let end = self.window_start(now) + self.window;
        u64::try_from((end - now).as_secs()).unwrap_or(0).max(1)
    }
}

/// Balance checks from one client: a person checks a voucher or two; guessing codes needs
/// thousands.
pub const BALANCE_PER_CLIENT: RateLimit = RateLimit {
    name: "balance.client",
    limit: 20,
    window: SignedDuration::from_mins(10),
};

/// Balance checks at one operator from everyone: a bound on guessing spread over many
/// addresses.
pub const BALANCE_PER_OPERATOR: RateLimit = RateLimit {
    name: "balance.operator",
    limit: 600,
    window: SignedDuration::from_mins(10),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_fixed_and_say_when_they_end() {
        let limit = BALANCE_PER_CLIENT;
        let now: Timestamp = "2026-12-06T10:07:30Z".parse().unwrap();
        assert_eq!(
            limit.window_start(now),
            "2026-12-06T10:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(limit.retry_after(now), 150);
    }
}
