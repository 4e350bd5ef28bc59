//! Usage reports from routers: one line per Tiketi hotspot user,
//! `name,uptime,bytes-in,bytes-out,profile` (`docs/routers.md`; the profile tells which users
//! already run at a fair-usage speed; lines without it, from routers set up earlier, are read
//! too). Routers print durations in their own format (v6 `1d02:03:04`, v7
//! `1d2h3m4s`, also `1w`), so both are read; a line that cannot be read is skipped, never
//! guessed, and counted so the caller can log it.

/// One hotspot user's counters as the router reported them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserUsage {
    pub name: String,
    pub uptime_seconds: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    /// The user profile it is on, when the router said.
    pub profile: Option<String>,
}

impl UserUsage {
    /// Whether the voucher has been used at all (first login happened).
    pub fn used(&self) -> bool {
        self.uptime_seconds > 0 || self.bytes_in > 0 || self.bytes_out > 0
    }

    pub fn bytes_total(&self) -> u64 {
        self.bytes_in.saturating_add(self.bytes_out)
    }
}

/// A parsed report: the users read, the router's facts (first page), and how many lines were
/// unreadable.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UsageReport {
    pub users: Vec<UserUsage>,
    pub facts: Option<RouterFacts>,
    pub unreadable_lines: usize,
}

/// What a router says about itself on the first line of its report:
/// `#router,<version>,<licence level>,<date>,<time>` (`routeros::sync`). Kept as sent; read by
/// the methods below.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RouterFacts {
    /// `/system resource get version`, e.g. `7.16.1 (stable)`.
    pub version: String,
    /// `/system license get level` (v7; `nlevel` on v6): `4`, `5`, `6`, or a CHR level (`free`,
    /// `p1`, `p10`, `p-unlimited`); empty if the router would not say.
    pub licence_level: String,
    /// `/system clock get date`: `2026-11-25` from 7.10, `nov/25/2026` before.
    pub date: String,
    /// `/system clock get time`: `10:00:00`.
    pub time: String,
}

/// How many hotspot users a router's licence lets be logged in at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LicenceCeiling {
    Users(u32),
    Unlimited,
    Unknown,
}

/// Whether a router's clock can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockCheck {
    /// Within a day of ours (routers show local time in a zone we do not know).
    Plausible,
    /// Still at the boot date (no battery clock, no NTP yet): 1970-01-02 or thereabouts.
    NotSet,
    /// Set, but off by more than any time zone explains.
    Off {
        hours: i64,
    },
    Unreadable,
}

impl RouterFacts {
    /// RouterOS licence levels: 0–3 allow 1 active hotspot user, 4 allows 200, 5 allows 500,
    /// 6 is unlimited; CHR licences limit speed, not users.
    pub fn licence_ceiling(&self) -> LicenceCeiling {
        match self.licence_level.trim().to_ascii_lowercase().as_str() {
            "0" | "1" | "2" | "3" => LicenceCeiling::Users(1),
            "4" => LicenceCeiling::Users(200),
            "5" => LicenceCeiling::Users(500),
            "6" | "free" | "p1" | "p10" | "p-unlimited" => LicenceCeiling::Unlimited,
            _ => LicenceCeiling::Unknown,
        }
    }

    /// The router's wall clock (its local time).
    pub fn clock(&self) -> Option<jiff::civil::DateTime> {
        let date = self.date.trim();
        let date: jiff::civil::Date = match date.parse() {
            Ok(date) => date,
            // Before 7.10: `nov/25/2026`.
            Err(_) => {
                let mut parts = date.split('/');
                let (month, day, year) = (parts.next()?, parts.next()?, parts.next()?);
                const MONTHS: [&str; 12] = [
                    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                    "dec",
                ];
                let month = MONTHS.iter().position(|m| month.eq_ignore_ascii_case(m))? + 1;
                jiff::civil::Date::new(
                    year.parse().ok()?,
                    i8::try_from(month).ok()?,
                    day.parse().ok()?,
                )
                .ok()?
            }
        };
        let time: jiff::civil::Time = self.time.trim().parse().ok()?;
        Some(date.to_datetime(time))
    }

    /// The router's clock against ours (`now`, UTC): local zones span UTC−12 to UTC+14, so
    /// anything within 15 hours is plausible; a year before 2024 is a clock never set.
    pub fn check_clock(&self, now: jiff::Timestamp) -> ClockCheck {
        let Some(clock) = self.clock() else {
            return ClockCheck::Unreadable;
        };
        if clock.year() < 2024 {
            return ClockCheck::NotSet;
        }
        let ours = jiff::tz::TimeZone::UTC.to_datetime(now);
        let hours = clock.duration_since(ours).as_hours();
        if hours.abs() <= 15 {
            ClockCheck::Plausible
        } else {
            ClockCheck::Off { hours }
        }
    }
}

fn parse_facts(line: &str) -> Option<RouterFacts> {
    let mut fields = line.strip_prefix("#router,")?.split(',').map(str::trim);
    let facts = RouterFacts {
        version: fields.next()?.chars().take(40).collect(),
        licence_level: fields.next()?.chars().take(20).collect(),
        date: fields.next()?.chars().take(20).collect(),
        time: fields.next()?.chars().take(20).collect(),
    };
    fields.next().is_none().then_some(facts)
}

/// Reads a report body (lines separated by `\n` or `\r\n`; blank lines ignored).
pub fn parse_report(body: &str) -> UsageReport {
    let mut report = UsageReport::default();
    for line in body.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.starts_with("#router,") {
            match parse_facts(line) {
                Some(facts) => report.facts = Some(facts),
                None => report.unreadable_lines += 1,
            }
            continue;
        }
        match parse_line(line) {
            Some(user) => report.users.push(user),
            None => report.unreadable_lines += 1,
        }
    }
    report
}

fn parse_line(line: &str) -> Option<UserUsage> {
    let mut fields = line.split(',').map(str::trim);
    let name = fields.next().filter(|n| !n.is_empty() && n.len() <= 64)?;
    let uptime_seconds = parse_duration(fields.next()?)?;
    let bytes_in = fields.next()?.parse().ok()?;
    let bytes_out = fields.next()?.parse().ok()?;
    let profile = match fields.next() {
        Some(profile) if profile.len() > 64 => return None,
        profile => profile.filter(|p| !p.is_empty()).map(str::to_owned),
    };
    if fields.next().is_some() {
        return None;
    }
    Some(UserUsage {
        name: name.to_owned(),
        uptime_seconds,
        bytes_in,
        bytes_out,
        profile,
    })
}

/// Seconds in a RouterOS duration: `1d2h3m4s`, `2w1d`, `1d02:03:04`, `02:03:04`, `45s`, `0s`,
/// or plain seconds (`3600`).
pub fn parse_duration(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(seconds);
    }
    let mut total: u64 = 0;
    let mut number = String::new();
    let mut rest = text;
    // Unit-suffixed parts (w, d, h, m, s), possibly followed by a v6 `hh:mm:ss` clock part.
    while let Some(c) = rest.chars().next() {
        if c.is_ascii_digit() {
            number.push(c);
            rest = &rest[1..];
            continue;
        }
        let unit = match c {
            'w' => 7 * 86_400,
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            ':' => {
                // `number` is the hours of a clock part: re-read it whole.
                let clock = format!("{number}{rest}");
                return total.checked_add(parse_clock(&clock)?);
            }
            _ => return None,
        };
        total = total.checked_add(number.parse::<u64>().ok()?.checked_mul(unit)?)?;
        number.clear();
        rest = &rest[1..];
    }
    if !number.is_empty() {
        return None;
    }
    Some(total)
}

fn parse_clock(clock: &str) -> Option<u64> {
    let parts: Vec<&str> = clock.split(':').collect();
    let [h, m, s] = parts.as_slice() else {
        return None;
    };
    let (h, m, s): (u64, u64, u64) = (h.parse().ok()?, m.parse().ok()?, s.parse().ok()?);
    if m >= 60 || s >= 60 {
        return None;
    }
    Some(h * 3_600 + m * 60 + s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_v6_and_v7_forms() {
        for (text, seconds) in [
            ("0s", 0),
            ("45s", 45),
            ("1d2h3m4s", 93_784),
            ("2w1d", 15 * 86_400),
            ("1d02:03:04", 93_784),
            ("02:03:04", 7_384),
            ("00:00:00", 0),
            ("3600", 3_600),
            ("1h", 3_600),
        ] {
            assert_eq!(parse_duration(text), Some(seconds), "{text}");
        }
        for bad in ["", "abc", "1x", "1h30", "1:2", "00:61:00"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_router_says_what_it_is_on_the_first_line() {
        let report =
            parse_report("#router,7.16.1 (stable),4,2026-11-25,10:00:00\nAB23456789,0s,0,0\n");
        let facts = report.facts.unwrap();
        assert_eq!(report.users.len(), 1);
        assert_eq!(facts.version, "7.16.1 (stable)");
        assert_eq!(facts.licence_ceiling(), LicenceCeiling::Users(200));
        let now: jiff::Timestamp = "2026-11-25T07:30:00Z".parse().unwrap();
        assert_eq!(
            facts.check_clock(now),
            ClockCheck::Plausible,
            "Nairobi is UTC+3"
        );
        let v6 = parse_report("#router,6.49.10 (long-term),5,nov/25/2026,10:00:00\n")
            .facts
            .unwrap();
        assert_eq!(v6.licence_ceiling(), LicenceCeiling::Users(500));
        assert_eq!(v6.check_clock(now), ClockCheck::Plausible);
        let booted = parse_report("#router,7.12,6,1970-01-02,00:05:00")
            .facts
            .unwrap();
        assert_eq!(booted.check_clock(now), ClockCheck::NotSet);
        assert_eq!(booted.licence_ceiling(), LicenceCeiling::Unlimited);
        let drifted = parse_report("#router,7.12,p1,2026-11-27,10:00:00")
            .facts
            .unwrap();
        assert_eq!(drifted.check_clock(now), ClockCheck::Off { hours: 50 });
        assert_eq!(drifted.licence_ceiling(), LicenceCeiling::Unlimited);
        let unknown = parse_report("#router,7.12,,garbage,10:00").facts.unwrap();
        assert_eq!(unknown.licence_ceiling(), LicenceCeiling::Unknown);
        assert_eq!(unknown.check_clock(now), ClockCheck::Unreadable);
        assert_eq!(parse_report("#router,too,few").unreadable_lines, 1);
    }

    #[test]
    fn reports_are_read_line_by_line() {
        let body = "ABCDEFGHJK,1h2m,1000,2000\r\nK2345678AB,0s,0,0,tiketi-1gb-fair\n\nbroken line\nXYZ,5m,notanumber,1\nXYZ,5m,1,1,,\n";
        let report = parse_report(body);
        assert_eq!(report.unreadable_lines, 3);
        assert_eq!(report.users.len(), 2);
        assert_eq!(
            report.users[0],
            UserUsage {
                name: "ABCDEFGHJK".into(),
                uptime_seconds: 3_720,
                bytes_in: 1000,
                bytes_out: 2000,
                profile: None,
            }
        );
        assert_eq!(report.users[1].profile.as_deref(), Some("tiketi-1gb-fair"));
        assert!(report.users[0].used());
        assert!(!report.users[1].used());
        assert_eq!(report.users[0].bytes_total(), 3000);
    }
}
