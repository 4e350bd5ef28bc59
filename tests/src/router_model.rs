//! A small model of a MikroTik router's hotspot user table that applies the add/set/remove
//! commands Tiketi generates, and writes the usage report the router's script would post.
//! Enough to test sync semantics (convergence, idempotency) without a router.

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModelUser {
    pub profile: String,
    pub comment: String,
    /// `limit-uptime` and `limit-bytes-total` as written (`1h`, `1000000000`).
    pub limits: (Option<String>, Option<String>),
    /// The router's counters: seconds online and bytes moved.
    pub used: (u64, u64),
}

fn word_after(line: &str, marker: &str) -> Option<String> {
    let start = line.find(marker)? + marker.len();
    Some(line[start..].split_whitespace().next()?.to_owned())
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouterModel {
    pub users: BTreeMap<String, ModelUser>,
    /// Logged-in sessions (`/ip hotspot active`), by user name.
    pub active: std::collections::BTreeSet<String>,
}

fn quoted_after<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    let start = line.find(marker)? + marker.len();
    let rest = &line[start..];
    Some(&rest[..rest.find('"')?])
}

impl RouterModel {
    /// Applies a generated script line by line, as `/import` would.
    pub fn apply(&mut self, script: &str) {
        for line in script.lines() {
            // `:if ([/ip hotspot user get [find name="X"] profile] != "P") do={ ... }`.
            if let Some(guard) = line
                .split(":if ([/ip hotspot user get [find name=\"")
                .nth(1)
            {
                let name = guard.split('"').next().unwrap_or_default();
                let wanted = quoted_after(guard, "profile] != \"").unwrap_or_default();
                if self.users.get(name).is_some_and(|u| u.profile == wanted) {
                    continue;
                }
            }
            // A line may end a session beside another command (`...; /ip hotspot active remove`).
            if let Some(removal) = line.split("/ip hotspot active remove ").nth(1) {
                let name =
                    quoted_after(removal, "user=\"").expect("a session removal names the user");
                self.active.remove(name);
            }
            if line.contains("/ip hotspot user add ") {
                let add = &line[line.find("/ip hotspot user add ").unwrap_or(line.len())..];
                let name = quoted_after(line, "name=\"").expect("a user line names the user");
                // RouterOS refuses to add a user that exists: an add must be guarded by a find.
                let guarded = line.contains(&format!(
                    ":if ([:len [/ip hotspot user find name=\"{name}\"]] = 0)"
                ));
                assert!(
                    guarded || !self.users.contains_key(name),
                    "`add` of existing user {name} fails on RouterOS"
                );
                let profile = quoted_after(add, "profile=\"")
                    .unwrap_or("default")
                    .to_owned();
                let comment = quoted_after(add, "comment=\"").unwrap_or("").to_owned();
                let limits = (
                    word_after(add, "limit-uptime="),
                    word_after(add, "limit-bytes-total="),
                );
                let used = self.users.get(name).map(|u| u.used).unwrap_or_default();
                self.users.insert(
                    name.to_owned(),
                    ModelUser {
                        profile,
                        comment,
                        limits,
                        used,
                    },
                );
            } else if line.contains("/ip hotspot user set ") {
                // `set [find name="X"] prop=value...`: only the properties given change.
                let set = &line[line.find("/ip hotspot user set ").unwrap_or(0)..];
                let name = quoted_after(set, "name=\"").expect("a set names the user");
                if let Some(user) = self.users.get_mut(name)
                    && let Some(profile) = quoted_after(set, "profile=\"")
                {
                    user.profile = profile.to_owned();
                    if let Some(limit) = word_after(set, "limit-bytes-total=") {
                        user.limits.1 = Some(limit.trim_end_matches(';').to_owned());
                    }
                }
            } else if line.contains("/ip hotspot user remove ") {
                let name = quoted_after(line, "name=\"").expect("a removal names the user");
                // `[find where name=... and comment~"^tiketi:"]`: only Tiketi's users.
                if self
                    .users
                    .get(name)
                    .is_some_and(|u| u.comment.starts_with("tiketi:"))
                {
                    self.users.remove(name);
                }
            }
        }
    }

    /// A device logs in with `name` and moves `bytes` (the router counts them).
    pub fn use_data(&mut self, name: &str, seconds: u64, bytes: u64) {
        let user = self.users.get_mut(name).expect("the user is on the router");
        user.used = (user.used.0 + seconds, user.used.1 + bytes);
        self.active.insert(name.to_owned());
    }

    /// The report body the sync script posts: its Tiketi users with their counters and
    /// profiles, as the generated `tiketi-sync` writes them.
    pub fn report(&self) -> String {
        let lines: Vec<String> = self
            .users
            .iter()
            .filter(|(_, u)| u.comment.starts_with("tiketi:"))
            .map(|(name, u)| format!("{name},{},{},0,{}\n", u.used.0, u.used.1, u.profile))
            .collect();
        if lines.is_empty() {
            "\n".into()
        } else {
            lines.concat()
        }
    }

    pub fn tiketi_users(&self) -> Vec<String> {
        self.users
            .iter()
            .filter(|(_, u)| u.comment.starts_with("tiketi:"))
            .map(|(n, _)| n.clone())
            .collect()
    }
}

/// The RouterOS checker accepts the script for v7 and for v6 without a single problem, and so
/// does the reference checker where it is present (no error: its exit status).
pub fn assert_router_accepts(script: &str) {
    use crate::routeros_check::{RouterOs, check, render};
    for version in RouterOs::BOTH {
        let problems = check(script, version);
        assert!(
            problems.is_empty(),
            "the RouterOS checker ({version}) finds problems in the script:\n{}",
            render(&problems)
        );
        if let Some(verdict) = crate::reference_checker::run(script, version) {
            assert_eq!(
                verdict.exit_code, 0,
                "the reference checker ({version}) rejects the script:\n{}",
                verdict.output
            );
        }
    }
}
