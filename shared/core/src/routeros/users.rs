//! Hotspot user profiles (one per ticket type) and hotspot users (one per voucher), and the
//! add-or-update scripts that load them (`docs/routers.md`, RouterOS facts: *Menus and
//! properties*, *Values*).
//!
//! Limits sit where RouterOS keeps them: `rate-limit` and `shared-users` on the user profile,
//! `limit-uptime` (cumulative connected time) and `limit-bytes-total` (plain integer bytes) on
//! the user. Fair usage: a data ticket with a fair-usage speed gets a second profile,
//! `tiketi-<ticket type id>-fair`. Its users keep their byte limit, so the router itself stops
//! them at the quota; once a report shows the quota used, the sync moves the user to the slow
//! profile without a byte limit and ends its session, so the next (automatic, cookie) login
//! runs at the slow speed. User profiles cannot carry a comment, so Tiketi's are recognised by the
//! [`PROFILE_PREFIX`] of their name; users by the [`COMMENT_PREFIX`] of their comment, which is
//! what the sync script reports and what removal is restricted to.

use std::fmt::Write as _;

use super::quote::{quote, time};
use crate::domain::{
    catalog::{Allowance, TicketTerms, TicketType},
    voucher::Voucher,
};

/// Start of the name of every user profile Tiketi manages: `tiketi-<ticket type id>`.
pub const PROFILE_PREFIX: &str = "tiketi-";
/// Start of the comment of every hotspot user Tiketi manages: `tiketi:<ticket type id>`.
pub const COMMENT_PREFIX: &str = "tiketi:";

/// A `/ip hotspot user profile`: the speed and device limits of one ticket type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HotspotProfile {
    /// `tiketi-<ticket type id>`.
    pub name: String,
    /// `rx/tx` rate limit (client upload/download), e.g. `2M/5M`; `None` = unlimited.
    pub rate_limit: Option<String>,
    /// Simultaneous logins with one voucher (at least 1).
    pub shared_users: u32,
}

/// End of the name of a ticket type's fair-usage (slow) profile.
pub const FAIR_SUFFIX: &str = "-fair";

/// The user profile name of a ticket type.
pub fn profile_name(ticket_type_id: &str) -> String {
    format!("{PROFILE_PREFIX}{ticket_type_id}")
}

/// The name of a ticket type's fair-usage profile.
pub fn fair_profile_name(ticket_type_id: &str) -> String {
    format!("{PROFILE_PREFIX}{ticket_type_id}{FAIR_SUFFIX}")
}

/// The user profiles of a ticket type: its own, and its fair-usage one if it has fair usage.
pub fn profiles_for(ticket: &TicketType) -> Vec<HotspotProfile> {
    profiles_for_terms(&TicketTerms::from(ticket))
}

/// The user profiles of the terms a voucher was sold with.
pub fn profiles_for_terms(terms: &TicketTerms) -> Vec<HotspotProfile> {
    let id = &terms.ticket_type_id;
    let mut profiles = vec![profile_of(
        profile_name(id),
        terms.rate_limit.as_deref(),
        terms.shared_users,
    )];
    if let Some(fair) = fair_usage_of(terms) {
        profiles.push(profile_of(
            fair_profile_name(id),
            Some(fair),
            terms.shared_users,
        ));
    }
    profiles
}

/// The fair-usage speed of the terms, if they have fair usage (and a speed RouterOS reads).
fn fair_usage_of(terms: &TicketTerms) -> Option<&str> {
    terms
        .fair_usage
        .as_deref()
        .map(str::trim)
        .filter(|r| terms.has_fair_usage() && is_valid_rate_limit(r))
}

fn profile_of(name: String, rate_limit: Option<&str>, shared_users: u32) -> HotspotProfile {
    HotspotProfile {
        name,
        // RouterOS refuses the whole line for a malformed rate limit, which would abort the
        // import half-way; a limit that cannot be written is left out instead.
        rate_limit: rate_limit
            .map(str::trim)
            .filter(|r| is_valid_rate_limit(r))
            .map(str::to_owned),
        shared_users: shared_users.max(1),
    }
}

/// Whether `text` is a rate limit RouterOS documents (RouterOS facts: *Values*): 1 to 6
/// space-separated fields `rx[/tx] [burst-rx[/tx] [threshold-rx[/tx] [burst-time-rx[/tx] [priority]
/// [min-rx[/tx]]]]]`, rates as integers with an optional `k` or `M`, burst times as seconds or a
/// RouterOS time, priority 1..8. Use it to validate a ticket type's rate limit on input.
pub fn is_valid_rate_limit(text: &str) -> bool {
    let fields: Vec<&str> = text.split(' ').collect();
    if fields.is_empty() || fields.len() > 6 {
        return false;
    }
    fields.iter().enumerate().all(|(i, field)| match i {
        4 => matches!(field.parse::<u8>(), Ok(1..=8)),
        _ => {
            let halves: Vec<&str> = field.split('/').collect();
            halves.len() <= 2
                && halves
                    .iter()
                    .all(|h| if i == 3 { is_time_value(h) } else { is_rate(h) })
        }
    })
}

fn is_rate(text: &str) -> bool {
    let digits = text.strip_suffix(['k', 'M']).unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn is_time_value(text: &str) -> bool {
    let mut seen_unit = false;
    let mut digits = 0;
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits += 1;
        } else if "wdhms".contains(c) && digits > 0 {
            digits = 0;
            seen_unit = true;
        } else {
            return false;
        }
    }
    (digits > 0 && !seen_unit) || (digits == 0 && seen_unit)
}

/// A `/ip hotspot user`: one voucher as the router holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HotspotUser {
    /// The voucher code (login name).
    pub name: String,
    pub password: String,
    /// The user profile, `tiketi-<ticket type id>`.
    pub profile: String,
    /// Time tickets: cumulative connected time (`limit-uptime`).
    pub limit_uptime_seconds: Option<u64>,
    /// Data tickets: upload + download (`limit-bytes-total`).
    pub limit_bytes_total: Option<u64>,
    /// `tiketi:<ticket type id>`: marks the user as Tiketi's.
    pub comment: String,
}

/// The hotspot user of a voucher: time tickets get `limit-uptime`, data tickets
/// `limit-bytes-total`, all as the terms the voucher was sold with. A voucher whose fair-usage
/// quota ran out is on the slow profile without a byte limit.
pub fn user_for(voucher: &Voucher) -> HotspotUser {
    let mut user = user_for_terms(&voucher.code, &voucher.password, &voucher.terms);
    if runs_slow(voucher) {
        user.profile = fair_profile_name(&voucher.terms.ticket_type_id);
        user.limit_bytes_total = None;
    }
    user
}

/// Whether the voucher belongs on its ticket type's fair-usage (slow) profile: its quota ran
/// out and its terms slow it down rather than end it.
pub fn runs_slow(voucher: &Voucher) -> bool {
    voucher.throttled_at.is_some() && fair_usage_of(&voucher.terms).is_some()
}

/// The hotspot user of a code sold under `terms` (e.g. a batch's, before reading each voucher).
pub fn user_for_terms(code: &str, password: &str, terms: &TicketTerms) -> HotspotUser {
    let (limit_uptime_seconds, limit_bytes_total) = match terms.allowance {
        Allowance::Time { seconds } => (Some(seconds), None),
        Allowance::Data { bytes } => (None, Some(bytes)),
    };
    HotspotUser {
        name: code.to_owned(),
        password: password.to_owned(),
        profile: profile_name(&terms.ticket_type_id),
        limit_uptime_seconds,
        limit_bytes_total,
        comment: format!("{COMMENT_PREFIX}{}", terms.ticket_type_id),
    }
}

/// Lines that create or update each user profile by name (add if missing, then set every
/// property, so a second run changes nothing and a changed ticket type is updated).
pub fn profiles_script(profiles: &[HotspotProfile]) -> String {
    let mut out = String::new();
    for p in profiles {
        let name = quote(&p.name);
        let rate = quote(p.rate_limit.as_deref().unwrap_or(""));
        let _ = writeln!(
            out,
            ":if ([:len [/ip hotspot user profile find name={name}]] = 0) do={{ \
             /ip hotspot user profile add name={name} }}"
        );
        let _ = writeln!(
            out,
            "/ip hotspot user profile set [find name={name}] rate-limit={rate} shared-users={}",
            p.shared_users.max(1)
        );
    }
    out
}

/// A voucher batch import: each user added if missing, otherwise updated, by name. Importing
/// it twice leaves the router as importing it once. The users' profiles must exist (setup or
/// [`profiles_script`]).
pub fn users_script(users: &[HotspotUser]) -> String {
    let mut out = format!(
        "# Tiketi vouchers: {} hotspot users, each added if missing, otherwise updated.\n\
         # RouterOS v7 and v6; importing this file again changes nothing.\n",
        users.len()
    );
    for u in users {
        let name = quote(&u.name);
        let props = format!(
            "password={} profile={} limit-uptime={} limit-bytes-total={} comment={}",
            quote(&u.password),
            quote(&u.profile),
            time(u.limit_uptime_seconds.unwrap_or(0)),
            u.limit_bytes_total.unwrap_or(0),
            quote(&u.comment),
        );
        let _ = writeln!(
            out,
            ":if ([:len [/ip hotspot user find name={name}]] = 0) do={{ \
             /ip hotspot user add name={name} {props} }} else={{ \
             /ip hotspot user set [find name={name}] {props} }}"
        );
    }
    out
}

/// Moves users to the profile their voucher now needs (fair usage: the slow one, without a
/// byte limit) and ends their sessions, so the new speed applies from the next login (automatic
/// with the cookie). Each line acts only if the user is not on that profile yet, so a router
/// whose reports do not say profiles (set up before they did) can get it every minute harmlessly.
pub fn reprofile_users_script(users: &[HotspotUser]) -> String {
    let mut out = format!(
        "# Tiketi: {} hotspot users change speed (fair usage).\n",
        users.len()
    );
    for u in users {
        let name = quote(&u.name);
        let profile = quote(&u.profile);
        let _ = writeln!(
            out,
            ":do {{ :if ([/ip hotspot user get [find name={name}] profile] != {profile}) do={{ \
             /ip hotspot user set [find name={name}] profile={profile} limit-bytes-total={}; \
             /ip hotspot active remove [find where user={name}] }} }} on-error={{}}",
            u.limit_bytes_total.unwrap_or(0)
        );
    }
    out
}

/// Removes Tiketi's users with these names (only users whose comment marks them as Tiketi's,
/// never the operator's own) and logs their devices out. Removing a missing user is harmless.
pub fn remove_users_script(names: &[&str]) -> String {
    let mut out = format!(
        "# Tiketi: remove {} hotspot users and end their sessions.\n",
        names.len()
    );
    let tag = quote(&format!("^{COMMENT_PREFIX}"));
    for name in names {
        let name = quote(name);
        let _ = writeln!(
            out,
            ":do {{ /ip hotspot active remove [find where user={name}] }} on-error={{}}"
        );
        let _ = writeln!(
            out,
            ":do {{ /ip hotspot user remove [find where name={name} and comment~{tag}] }} \
             on-error={{}}"
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_follow_the_documented_grammar() {
        for ok in [
            "5M/5M",
            "512k/2M",
            "2M",
            "1M/2M 2M/4M 768k/1500k 16/16 8 256k/512k",
            "256k/2M 0/0 0/0 0/0 8 1k/1k",
            "1M/2M 2M/4M 1M/2M 10s/1m",
        ] {
            assert!(is_valid_rate_limit(ok), "{ok}");
        }
        for bad in [
            "",
            "5 Mbps",
            "5M/5M/5M",
            "1.5M/2M",
            "5m/5m",
            "5M/5M 0/0 0/0 0/0 9",
            "5M/5M \"; /system reboot",
            "1 2 3 4 5 6 7",
            "1M/2M 2M/4M 1M/2M 10x",
        ] {
            assert!(!is_valid_rate_limit(bad), "{bad}");
        }
    }

    #[test]
    fn a_profile_never_has_zero_shared_users_or_a_bad_rate_limit() {
        let p = profile_of(profile_name("1h"), Some("fast please"), 0);
        assert_eq!(p.name, "tiketi-1h");
        assert_eq!(p.rate_limit, None);
        assert_eq!(p.shared_users, 1);
        assert_eq!(
            profile_of("x".into(), Some(" 2M/5M "), 3)
                .rate_limit
                .as_deref(),
            Some("2M/5M")
        );
    }
}
