//! The grammars of typed property values. RouterOS refuses the whole line for a value it cannot
//! read as the property's type, so each literal value is checked against its type.
//!
//! The formats (MikroTik manual: *Scripting* for times, *HotSpot* and *Queues* for rate
//! limits, the CLI reference for the rest):
//!
//! - **Time**: units `w d h m s ms` in that order without spaces (`30s`, `1h30m`, `4w2d`,
//!   `500ms`; only seconds take a fraction), or a clock form with optional weeks and days
//!   (`00:30:00`, `1d02:00:00`, `2735w1d21:41:43.48`), or a bare number of seconds. `HH:MM` is
//!   not a time.
//! - **Bytes** (`limit-bytes-*`): a plain integer count of bytes. Whether RouterOS takes `1G`
//!   there, and as 10^9 or 2^30, is undocumented: a suffix is a warning, anything else an error.
//! - **Rate limit**: `rx[/tx] [burst-rx[/tx] [threshold-rx[/tx] [burst-time-rx[/tx] [priority]
//!   [min-rx[/tx]]]]]`, 1 to 6 fields separated by single spaces; rates are integers (bits per
//!   second) with an optional `k` or `M` (`512k/2M`; no `bps`), burst times seconds or a time,
//!   priority 1 to 8. `rx` is the client's upload, `tx` its download.
//! - **yes/no**, keyword alternatives, and comma-separated keyword lists without spaces
//!   (`login-by=http-chap,http-pap`).
//! - **IPv4 addresses**, `address[:port]`, ranges `a.b.c.d-a.b.c.d` or `a.b.c.d/nn`, comma
//!   separated; **MACs** `AA:BB:CC:DD:EE:FF` (also `-` separated, or `AABB.CCDD.EEFF`).
//! - **Dates**: RouterOS v6 reads and writes `jan/31/2025`; from 7.10 the clock is `2025-01-31`
//!   (whether 7.10+ still reads the old form is unverified: a warning). A time of day is
//!   `HH:MM:SS`.
//! - **URLs** for `/tool fetch` start with `http://`, `https://`, `ftp://`, `sftp://` or
//!   `tftp://`.
//! - **Host names**: the IP walled garden resolves `dst-host` as a plain host name; the HTTP
//!   walled garden matches it as a pattern (`*`, `?`, `:regex`, `!` to negate). Neither takes a
//!   URL. A hotspot whose DNS name ends in `.local` may go unnoticed by iOS devices (v6 wiki,
//!   *IP/Hotspot/Profile*).

use super::{
    RouterOs, Severity,
    properties::{Alt, Type},
};

/// A verdict on a value: how bad, and why.
pub(super) type Verdict = Option<(Severity, String)>;

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A duration in RouterOS's units or clock form, or a bare number of seconds.
pub(super) fn is_time(v: &str) -> bool {
    digits(v) || is_unit_time(v) || is_clock_time(v)
}

/// `1w2d3h4m5s`, `1.5s`, `500ms`: units in order, each at most once, a fraction only on `s`.
fn is_unit_time(v: &str) -> bool {
    const UNITS: [&str; 6] = ["w", "d", "h", "m", "s", "ms"];
    let mut rest = v;
    let mut next_unit = 0;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = &rest[..number_end];
        let after = &rest[number_end..];
        let unit_end = after
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(after.len());
        let unit = &after[..unit_end];
        let Some(index) = UNITS.iter().position(|u| *u == unit) else {
            return false;
        };
        let number_ok = match number.split_once('.') {
            None => digits(number),
            Some((whole, fraction)) => unit == "s" && digits(whole) && digits(fraction),
        };
        if !number_ok || index < next_unit {
            return false;
        }
        next_unit = index + 1;
        rest = &after[unit_end..];
    }
    !v.is_empty()
}

/// `[Nw][Nd]H:MM:SS[.frac]` (one or two hour digits).
fn is_clock_time(v: &str) -> bool {
    let mut rest = v;
    for unit in ['w', 'd'] {
        if let Some(i) = rest.find(unit)
            && digits(&rest[..i])
        {
            rest = &rest[i + 1..];
        }
    }
    is_clock(rest)
}

/// A time of day `H:MM:SS` or `HH:MM:SS`, optionally with a fraction of a second.
fn is_clock(v: &str) -> bool {
    let (v, fraction) = v.split_once('.').unwrap_or((v, "0"));
    let parts: Vec<&str> = v.split(':').collect();
    digits(fraction)
        && matches!(parts.as_slice(), [h, m, s]
            if digits(h) && h.len() <= 2 && digits(m) && m.len() == 2 && digits(s) && s.len() == 2)
}

fn is_num(v: &str) -> bool {
    let v = v.strip_prefix('-').unwrap_or(v);
    digits(v)
        || v.strip_prefix("0x")
            .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub(super) fn is_ip(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| digits(p) && p.len() <= 3 && p.parse::<u16>().is_ok_and(|n| n <= 255))
}

fn is_ip_port(v: &str) -> bool {
    match v.split_once(':') {
        Some((ip, port)) => is_ip(ip) && digits(port),
        None => is_ip(v),
    }
}

fn is_ip_range(v: &str) -> bool {
    v.split(',').all(|range| {
        let mut ends = range.splitn(2, ['-', '/']);
        let first = ends.next().unwrap_or_default();
        is_ip(first) && ends.next().is_none_or(|end| is_ip(end) || digits(end))
    })
}

fn is_mac(v: &str) -> bool {
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    let six = |sep: char| {
        let parts: Vec<&str> = v.split(sep).collect();
        parts.len() == 6 && parts.iter().all(|p| hex(p, 2))
    };
    let dotted = || {
        let parts: Vec<&str> = v.split('.').collect();
        parts.len() == 3 && parts.iter().all(|p| hex(p, 4))
    };
    six(':') || six('-') || dotted()
}

fn is_iso_date(v: &str) -> bool {
    let parts: Vec<&str> = v.split('-').collect();
    matches!(parts.as_slice(), [y, m, d]
        if digits(y) && y.len() == 4 && digits(m) && m.len() == 2 && digits(d) && d.len() == 2)
}

fn is_old_date(v: &str) -> bool {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let parts: Vec<&str> = v.split('/').collect();
    matches!(parts.as_slice(), [m, d, y]
        if MONTHS.contains(m) && digits(d) && d.len() == 2 && digits(y) && y.len() == 4)
}

fn is_url(v: &str) -> bool {
    ["http://", "https://", "ftp://", "sftp://", "tftp://"]
        .iter()
        .any(|scheme| {
            v.strip_prefix(scheme)
                .is_some_and(|rest| !rest.is_empty() && !rest.contains(char::is_whitespace))
        })
}

/// Letters, digits, `-`, `.` and the wildcards `*` `?`, not starting or ending with `-`/`.`.
fn is_host(v: &str) -> bool {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || c == '*' || c == '?';
    let (Some(first), Some(last)) = (v.chars().next(), v.chars().last()) else {
        return false;
    };
    ok_char(first) && ok_char(last) && v.chars().all(|c| ok_char(c) || c == '.' || c == '-')
}

/// Problems with a rate limit, `None` when RouterOS reads it.
pub(super) fn check_rate(v: &str) -> Verdict {
    let error = |m: String| Some((Severity::Error, m));
    let fields: Vec<&str> = v.split_whitespace().collect();
    if fields.is_empty() || fields.len() > 6 {
        return error(format!(
            "a rate limit has 1 to 6 fields, this one {}",
            fields.len()
        ));
    }
    for (index, field) in fields.iter().enumerate() {
        if index == 4 {
            if !field.parse::<u8>().is_ok_and(|p| (1..=8).contains(&p)) {
                return error(format!("rate-limit priority {field:?} must be 1 to 8"));
            }
            continue;
        }
        let halves: Vec<&str> = field.split('/').collect();
        if halves.len() > 2 || halves.iter().any(|h| h.is_empty()) {
            return error(format!("rate-limit field {field:?} must be rx or rx/tx"));
        }
        for half in halves {
            if index == 3 {
                if !is_time(half) {
                    return error(format!(
                        "rate-limit burst time {half:?} must be seconds or a time"
                    ));
                }
                continue;
            }
            let number = half.strip_suffix(['k', 'K', 'M', 'G']).unwrap_or(half);
            if let Some((whole, fraction)) = number.split_once('.')
                && digits(whole)
                && digits(fraction)
            {
                return Some((
                    Severity::Warning,
                    format!(
                        "rate-limit rate {half:?}: fractions are undocumented; write whole \
                         units (1500k, not 1.5M)"
                    ),
                ));
            }
            if !digits(number) {
                return error(format!(
                    "rate-limit rate {half:?} is not a rate: an integer of bits per second with \
                     an optional k or M (512k/2M), no 'bps'"
                ));
            }
        }
    }
    None
}

/// Problems with literal value `v` of property `prop` of type `ty`, `None` when it is fine.
pub(super) fn check_value(ty: &Type, v: &str, prop: &str, version: RouterOs) -> Verdict {
    let error = |m: String| Some((Severity::Error, m));
    if ty.is(&Alt::Str) || ty.is(&Alt::Script) {
        return None;
    }
    for alt in &ty.0 {
        let fine = match alt {
            Alt::Keyword(word) => v == *word,
            Alt::Time => is_time(v),
            Alt::TimeList => v.split(',').all(is_time),
            Alt::Num => is_num(v),
            Alt::PosNum => digits(v) && v.parse::<u64>().is_ok_and(|n| n >= 1),
            Alt::Bool => v == "yes" || v == "no",
            Alt::Ip => is_ip(v),
            Alt::IpPort => is_ip_port(v),
            Alt::IpRange => is_ip_range(v),
            Alt::Mac => is_mac(v),
            Alt::Clock => is_clock(v),
            Alt::Bytes => {
                if digits(v) {
                    return None;
                }
                let suffixed = v
                    .strip_suffix(['k', 'K', 'M', 'G', 'T'])
                    .is_some_and(digits);
                if suffixed {
                    return Some((
                        Severity::Warning,
                        format!(
                            "{prop}={v}: a byte limit is a plain integer; whether RouterOS \
                             takes a k/M/G suffix here (and as 1000 or 1024) is undocumented"
                        ),
                    ));
                }
                false
            }
            Alt::Rate => return check_rate(v),
            Alt::Date => {
                if is_old_date(v) {
                    return match version {
                        RouterOs::V6 => None,
                        RouterOs::V7 => Some((
                            Severity::Warning,
                            format!(
                                "{prop}={v}: RouterOS 7.10 and later write dates as YYYY-MM-DD; \
                                 whether they still read mmm/dd/yyyy is unverified"
                            ),
                        )),
                    };
                }
                if is_iso_date(v) {
                    return match version {
                        RouterOs::V7 => None,
                        RouterOs::V6 => error(format!(
                            "{prop}={v}: RouterOS v6 dates are mmm/dd/yyyy (jan/31/2025)"
                        )),
                    };
                }
                false
            }
            Alt::Url => {
                if is_url(v) {
                    return None;
                }
                return error(format!(
                    "{prop}={v}: a URL starts with http://, https://, ftp://, sftp:// or tftp://"
                ));
            }
            Alt::Flag => return error(format!("{prop} is a flag: it takes no value")),
            Alt::DnsName => {
                if v.ends_with(".local") {
                    return Some((
                        Severity::Warning,
                        format!(
                            "dns-name={v}: iOS devices may not detect a hotspot whose DNS name \
                             ends in .local"
                        ),
                    ));
                }
                return None;
            }
            Alt::HostPattern | Alt::HostName => {
                let host = v.strip_prefix('!').unwrap_or(v);
                let plain = *alt == Alt::HostName;
                if host.contains("://") || (plain && host.contains('/')) {
                    return error(format!("{prop}={v}: give a host name, not a URL"));
                }
                if host.starts_with(':') || !plain || is_host(host) {
                    return None;
                }
                return error(format!("{prop}={v} is not a host name"));
            }
            Alt::List(words) => {
                let unknown: Vec<&str> = v.split(',').filter(|w| !words.contains(w)).collect();
                if unknown.is_empty() {
                    return None;
                }
                let mut allowed = words.clone();
                allowed.sort_unstable();
                return error(format!(
                    "{prop}={v}: {} is not one of {}",
                    unknown.join(","),
                    allowed.join(",")
                ));
            }
            Alt::Str | Alt::Script => true,
        };
        if fine {
            return None;
        }
    }
    error(describe_mismatch(ty, v, prop))
}

fn describe_mismatch(ty: &Type, v: &str, prop: &str) -> String {
    let expected: Vec<String> =
        ty.0.iter()
            .map(|alt| match alt {
                Alt::Keyword(w) => (*w).to_owned(),
                other => format!("{other:?}").to_lowercase(),
            })
            .collect();
    if ty.is(&Alt::Clock) {
        return format!("{prop}={v}: a time of day is HH:MM:SS (08:00:00), or startup");
    }
    if ty.is(&Alt::Time) {
        let hint = if is_hh_mm(v) {
            " (HH:MM is not a time: write 00:30:00 or 30m)"
        } else {
            ""
        };
        return format!(
            "{prop}={v} is not a RouterOS time such as 30s, 5m, 1h30m, 1d, 1w or 00:30:00{hint}; \
             expected {}",
            expected.join(" or ")
        );
    }
    if ty.is(&Alt::Bytes) {
        return format!("{prop}={v}: a byte limit is a plain integer count of bytes (1000000000)");
    }
    format!("{prop}={v}: expected {}", expected.join(" or "))
}

fn is_hh_mm(v: &str) -> bool {
    matches!(v.split_once(':'), Some((h, m)) if digits(h) && h.len() <= 2 && digits(m) && m.len() == 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        for good in [
            "0",
            "0s",
            "30s",
            "5m",
            "1h",
            "1h30m",
            "1d",
            "4w2d",
            "1d2h3m4s",
            "500ms",
            "1.5s",
            "00:30:00",
            "1d02:00:00",
            "2735w1d21:41:43.48",
            "10",
        ] {
            assert!(is_time(good), "{good}");
        }
        for bad in [
            "", "1hx", "1x", "h", "1m1h", "1h1h", "1.5h", "30:00", "1 h", "1H", "-1s", "00:3:00",
        ] {
            assert!(!is_time(bad), "{bad}");
        }
    }

    #[test]
    fn rate_limits() {
        for good in [
            "5M/5M",
            "512k/2M",
            "2M",
            "1M/2M 2M/4M 768k/1500k 16/16 8 256k/512k",
            "256k/2M 0/0 0/0 0/0 8 1k/1k",
            "1M/2M 2M/4M 1M/2M 10s/1m",
        ] {
            assert_eq!(check_rate(good), None, "{good}");
        }
        for bad in [
            "5 Mbps",
            "5M/5M/5M",
            "5Mbps",
            "5M/5M 0/0 0/0 0/0 9",
            "1 2 3 4 5 6 7",
            "1M/2M 2M/4M 1M/2M 10x",
            "/5M",
        ] {
            assert!(
                matches!(check_rate(bad), Some((Severity::Error, _))),
                "{bad}"
            );
        }
        assert!(matches!(
            check_rate("1.5M/2M"),
            Some((Severity::Warning, _))
        ));
    }

    #[test]
    fn addresses() {
        assert!(is_ip("192.168.88.1") && !is_ip("192.168.88") && !is_ip("192.168.88.256"));
        assert!(is_ip_range("192.168.88.10-192.168.88.254,10.0.0.0/24"));
        assert!(!is_ip_range("10.0.0.2-10.0.0.x"));
        assert!(is_ip_port("10.0.0.1:8080") && !is_ip_port("10.0.0.1:http"));
        assert!(is_mac("AA:BB:CC:DD:EE:FF") && is_mac("aa-bb-cc-dd-ee-ff"));
        assert!(
            is_mac("AABB.CCDD.EEFF") && !is_mac("AA:BB:CC:DD:EE") && !is_mac("AA:BB-CC:DD:EE:FF")
        );
    }

    #[test]
    fn dates_depend_on_the_version() {
        let date = Type(vec![Alt::Date]);
        assert_eq!(check_value(&date, "2025-01-31", "d", RouterOs::V7), None);
        assert!(check_value(&date, "2025-01-31", "d", RouterOs::V6).is_some());
        assert_eq!(check_value(&date, "jan/31/2025", "d", RouterOs::V6), None);
        assert!(check_value(&date, "31.01.2025", "d", RouterOs::V7).is_some());
    }

    #[test]
    fn keywords_lists_and_hosts() {
        let ty = Type(vec![Alt::Time, Alt::Keyword("none")]);
        assert_eq!(check_value(&ty, "none", "p", RouterOs::V7), None);
        assert!(check_value(&ty, "never", "p", RouterOs::V7).is_some());
        let list = Type(vec![Alt::List(vec!["read", "write"])]);
        assert_eq!(check_value(&list, "read,write", "p", RouterOs::V7), None);
        assert!(check_value(&list, "read, write", "p", RouterOs::V7).is_some());
        let host = Type(vec![Alt::HostName]);
        assert_eq!(
            check_value(&host, "pay.pesapal.com", "h", RouterOs::V7),
            None
        );
        assert!(check_value(&host, "https://pay.pesapal.com/", "h", RouterOs::V7).is_some());
        assert!(check_value(&host, "pay..", "h", RouterOs::V7).is_some());
        let pattern = Type(vec![Alt::HostPattern]);
        assert_eq!(
            check_value(&pattern, "*.pesapal.com", "h", RouterOs::V7),
            None
        );
        assert!(check_value(&pattern, "http://x.example", "h", RouterOs::V7).is_some());
    }
}
