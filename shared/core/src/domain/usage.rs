//! Usage reports from routers: one line per Tiketi hotspot user, `name,uptime,bytes-in,bytes-out`
//! (`docs/routers.md`). Routers print durations in their own format (v6 `1d02:03:04`, v7
//! `1d2h3m4s`, also `1w`), so both are read; a line that cannot be read is skipped, never
//! guessed, and counted so the caller can log it.

/// One hotspot user's counters as the router reported them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserUsage {
    pub name: String,
    pub uptime_seconds: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
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

/// A parsed report: the users read, and how many lines were unreadable.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UsageReport {
    pub users: Vec<UserUsage>,
    pub unreadable_lines: usize,
}

/// Reads a report body (lines separated by `\n` or `\r\n`; blank lines ignored).
pub fn parse_report(body: &str) -> UsageReport {
    let mut report = UsageReport::default();
    for line in body.lines().map(str::trim).filter(|l| !l.is_empty()) {
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
    if fields.next().is_some() {
        return None;
    }
    Some(UserUsage {
        name: name.to_owned(),
        uptime_seconds,
        bytes_in,
        bytes_out,
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
    fn reports_are_read_line_by_line() {
        let body =
            "ABCDEFGHJK,1h2m,1000,2000\r\nK2345678AB,0s,0,0\n\nbroken line\nXYZ,5m,notanumber,1\n";
        let report = parse_report(body);
        assert_eq!(report.unreadable_lines, 2);
        assert_eq!(report.users.len(), 2);
        assert_eq!(
            report.users[0],
            UserUsage {
                name: "ABCDEFGHJK".into(),
                uptime_seconds: 3_720,
                bytes_in: 1000,
                bytes_out: 2000
            }
        );
        assert!(report.users[0].used());
        assert!(!report.users[1].used());
        assert_eq!(report.users[0].bytes_total(), 3000);
    }
}
