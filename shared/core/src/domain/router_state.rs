//! What the platform keeps about a router between two runs of its `tiketi-sync`, so that a run
//! in which nothing happened costs two reads and no write (`docs/costs.md`):
//!
//! - [`Planned`]: where the last full sync plan found the router in sync: the router's
//!   change counter then (bumped by every write that changes what the router should hold) and
//!   a fingerprint of the users it reported. While both are the same, the router is still in
//!   sync and nothing needs reading; a full plan is made at least every [`REPLAN`] anyway, so
//!   a bump lost to a crash (or a router changed by hand) is caught within the hour;
//! - [`Recorded`]: per voucher in use on the router, the counters last written to the voucher.
//!   A report line matters only when it could change something: a first login, an allowance
//!   used up, another quarter of it used, or counters gone backwards (a router reset);
//! - the router's last report time is written at most every [`HEARTBEAT`] (or when its facts
//!   change), which is what the portal's "last report" shows.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::{catalog::Allowance, usage::UserUsage};

/// How often a router that changes nothing still has its last report written.
pub const HEARTBEAT: SignedDuration = SignedDuration::from_mins(5);
/// How long a router found in sync is trusted to stay so without a full plan.
pub const REPLAN: SignedDuration = SignedDuration::from_hours(1);
/// The share of a voucher's allowance whose use is written to the voucher: usage shown to the
/// operator moves in quarters (the router enforces the allowance itself, to the byte).
pub const STEPS: u64 = 4;

/// The state in which a full sync plan last found the router in sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Planned {
    /// The router's change counter when the plan was made.
    pub changes: u64,
    /// [`fingerprint`] of the users (and slow users) the router reported.
    pub users: u64,
    pub at: Timestamp,
}

impl Planned {
    /// Whether the router, reporting `users` now with its counter at `changes`, is still as
    /// this plan found it.
    pub fn still_in_sync(&self, changes: u64, users: u64, now: Timestamp) -> bool {
        self.changes == changes && self.users == users && now.duration_since(self.at) < REPLAN
    }
}

/// What was last written about a user the router reported as used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    /// Seconds online and bytes, as last written to the voucher.
    #[serde(rename = "t")]
    pub uptime: u64,
    #[serde(rename = "b")]
    pub bytes: u64,
    /// The voucher's allowance: what "used up" and "a quarter more" are measured against.
    #[serde(rename = "a", default, skip_serializing_if = "Option::is_none")]
    pub allowance: Option<Allowance>,
    /// Nothing its reports say can change the voucher any more (used up, slowed to its fair
    /// speed, expired or cancelled, or not a voucher of this router): its lines are skipped.
    #[serde(rename = "s", default, skip_serializing_if = "std::ops::Not::not")]
    pub settled: bool,
}

/// A stable fingerprint (FNV-1a, 64 bits) of the users a router reported, in the order given
/// (reports list them in the router's order, which only changes when users come or go).
pub fn fingerprint<'a>(
    users: impl IntoIterator<Item = &'a str>,
    slow: impl IntoIterator<Item = &'a str>,
) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for user in users {
        eat(user.as_bytes());
        eat(b"\n");
    }
    eat(b"--slow--\n");
    for user in slow {
        eat(user.as_bytes());
        eat(b"\n");
    }
    hash
}

/// Whether a report line of a used user could change its voucher, given what was last written.
pub fn usage_matters(recorded: Option<&Recorded>, line: &UserUsage) -> bool {
    let Some(recorded) = recorded else {
        return true;
    };
    if recorded.settled {
        return false;
    }
    let (uptime, bytes) = (line.uptime_seconds, line.bytes_total());
    if uptime < recorded.uptime || bytes < recorded.bytes {
        return true;
    }
    match recorded.allowance {
        Some(Allowance::Time { seconds }) => {
            uptime >= seconds || uptime - recorded.uptime >= (seconds / STEPS).max(1)
        }
        Some(Allowance::Data { bytes: allowed }) => {
            bytes >= allowed || bytes - recorded.bytes >= (allowed / STEPS).max(1)
        }
        None => true,
    }
}

/// Whether a report received `now` must be written even if nothing else changed: the last
/// written one is older than [`HEARTBEAT`].
pub fn heartbeat_due(last: Option<Timestamp>, now: Timestamp) -> bool {
    last.is_none_or(|at| now.duration_since(at) >= HEARTBEAT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(uptime: u64, bytes: u64) -> UserUsage {
        UserUsage {
            name: "AAAA234567".into(),
            uptime_seconds: uptime,
            bytes_in: bytes,
            bytes_out: 0,
            profile: None,
        }
    }

    fn data(bytes: u64, allowed: u64) -> Recorded {
        Recorded {
            uptime: 60,
            bytes,
            allowance: Some(Allowance::Data { bytes: allowed }),
            settled: false,
        }
    }

    #[test]
    fn a_first_login_a_quarter_more_and_the_end_matter() {
        assert!(usage_matters(None, &line(1, 0)), "first sight");
        let r = data(100, 1000);
        assert!(
            !usage_matters(Some(&r), &line(120, 300)),
            "less than a quarter more"
        );
        assert!(usage_matters(Some(&r), &line(120, 350)), "a quarter more");
        assert!(
            usage_matters(Some(&data(900, 1000)), &line(120, 1000)),
            "used up"
        );
        assert!(
            usage_matters(Some(&r), &line(10, 100)),
            "counters went backwards"
        );
        let settled = Recorded { settled: true, ..r };
        assert!(!usage_matters(Some(&settled), &line(10_000, 10_000)));
        let time = Recorded {
            uptime: 0,
            bytes: 0,
            allowance: Some(Allowance::Time { seconds: 3600 }),
            settled: false,
        };
        assert!(!usage_matters(Some(&time), &line(899, 5)));
        assert!(usage_matters(Some(&time), &line(900, 5)));
    }

    #[test]
    fn fingerprints_change_with_users_and_slow_users() {
        let a = fingerprint(["A", "B"], []);
        assert_eq!(a, fingerprint(["A", "B"], []));
        assert_ne!(a, fingerprint(["A"], []));
        assert_ne!(a, fingerprint(["A", "B"], ["B"]));
        assert_ne!(fingerprint(["AB"], []), fingerprint(["A", "B"], []));
    }

    #[test]
    fn a_plan_holds_until_a_change_new_users_or_an_hour() {
        let at: Timestamp = "2026-12-06T10:00:00Z".parse().unwrap();
        let planned = Planned {
            changes: 7,
            users: 42,
            at,
        };
        let later = at + SignedDuration::from_mins(59);
        assert!(planned.still_in_sync(7, 42, later));
        assert!(!planned.still_in_sync(8, 42, later));
        assert!(!planned.still_in_sync(7, 43, later));
        assert!(!planned.still_in_sync(7, 42, at + REPLAN));
    }

    #[test]
    fn heartbeats_come_every_five_minutes() {
        let now: Timestamp = "2026-12-06T10:00:00Z".parse().unwrap();
        assert!(heartbeat_due(None, now));
        assert!(!heartbeat_due(
            Some(now - SignedDuration::from_mins(4)),
            now
        ));
        assert!(heartbeat_due(Some(now - SignedDuration::from_mins(5)), now));
    }
}
