//! Property tables: the arguments of `add`/`set` on the menus Tiketi configures, and of the few
//! commands whose arguments matter (`/tool fetch`, `/import`, `/file add|set`, `/system script
//! run`, `/ip hotspot active login`), with the type of each value.
//!
//! RouterOS refuses a whole command line for one unknown property name (`expected end of
//! command`), which aborts an import, so names must be exact per menu: `limit-uptime` belongs to
//! the hotspot user, `rate-limit` and `shared-users` to its profile; hotspot servers, server
//! profiles and user profiles take no `comment`. The names are RouterOS's own (its
//! `/console/inspect` argument lists, union of 7.9 to 7.24), plus the few v6 names v7 dropped.
//! Types and mandatory arguments come from MikroTik's CLI reference and manual pages.
//!
//! A type is written the way the manual reads, alternatives separated by `|`: `time|none` is a
//! time or the word `none`. Type words are listed in [`Alt`]; any other word is a keyword value
//! the property takes literally; `list:a,b` is a comma-separated list of those keywords.

use std::{collections::HashMap, sync::LazyLock};

/// One alternative of a property's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Alt {
    /// Any text (names, comments, paths): not checked.
    Str,
    /// RouterOS script source: checked as a script.
    Script,
    /// A duration: `30s`, `1h30m`, `1d`, `00:30:00`, a bare number of seconds.
    Time,
    /// Comma-separated durations.
    TimeList,
    /// An integer (decimal or `0x` hex).
    Num,
    /// An integer of at least 1.
    PosNum,
    /// A byte count: a plain integer.
    Bytes,
    /// A hotspot/queue rate limit: `rx[/tx] [burst …]`.
    Rate,
    Ip,
    /// `a.b.c.d[:port]`.
    IpPort,
    /// `a.b.c.d-a.b.c.d`, `a.b.c.d/nn` or one address, comma-separated.
    IpRange,
    Mac,
    /// `yes` or `no`.
    Bool,
    /// A calendar date (v6 `jan/31/2025`, v7.10+ `2025-01-31`).
    Date,
    /// A time of day `HH:MM:SS`.
    Clock,
    /// `http(s)://`, `ftp://`, `sftp://` or `tftp://` URL.
    Url,
    /// A flag: given without a value.
    Flag,
    /// A walled-garden host pattern (wildcards, `:regex`, `!negation`).
    HostPattern,
    /// A plain host name.
    HostName,
    /// The hotspot's DNS name.
    DnsName,
    /// One keyword.
    Keyword(&'static str),
    /// A comma-separated list of these keywords.
    List(Vec<&'static str>),
}

/// The type of one property: any of its alternatives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Type(pub(super) Vec<Alt>);

impl Type {
    fn parse(spec: &'static str) -> Self {
        Self(
            spec.split('|')
                .map(|alt| match alt {
                    "str" => Alt::Str,
                    "script" => Alt::Script,
                    "time" => Alt::Time,
                    "timelist" => Alt::TimeList,
                    "num" => Alt::Num,
                    "posnum" => Alt::PosNum,
                    "bytes" => Alt::Bytes,
                    "rate" => Alt::Rate,
                    "ip" => Alt::Ip,
                    "ipport" => Alt::IpPort,
                    "iprange" => Alt::IpRange,
                    "mac" => Alt::Mac,
                    "bool" => Alt::Bool,
                    "date" => Alt::Date,
                    "clock" => Alt::Clock,
                    "url" => Alt::Url,
                    "flag" => Alt::Flag,
                    "hostpat" => Alt::HostPattern,
                    "hostname" => Alt::HostName,
                    "dnsname" => Alt::DnsName,
                    _ => match alt.strip_prefix("list:") {
                        Some(words) => Alt::List(words.split(',').collect()),
                        None => Alt::Keyword(alt),
                    },
                })
                .collect(),
        )
    }

    pub(super) fn is(&self, alt: &Alt) -> bool {
        self.0.contains(alt)
    }
}

const STR: &str = "str";

/// `add`/`set` arguments per menu.
const ADD_SET: &[(&str, Specs)] = &[
    (
        "ip/hotspot",
        &[
            ("address-pool", STR),
            ("addresses-per-mac", "num|unlimited"),
            ("copy-from", STR),
            ("disabled", "bool"),
            ("idle-timeout", "time|none"),
            ("interface", STR),
            ("keepalive-timeout", "time|none"),
            ("login-timeout", "time|none"),
            ("name", STR),
            ("profile", STR),
        ],
    ),
    (
        "ip/hotspot/profile",
        &[
            ("copy-from", STR),
            ("dns-name", "dnsname"),
            ("hotspot-address", "ip"),
            ("html-directory", STR),
            ("html-directory-override", STR),
            ("http-cookie-lifetime", "time"),
            ("http-proxy", "ipport"),
            ("install-hotspot-queue", "bool"),
            (
                "login-by",
                "list:mac,cookie,http-chap,https,http-pap,trial,mac-cookie",
            ),
            (
                "mac-auth-mode",
                "mac-as-username|mac-as-username-and-password",
            ),
            ("mac-auth-password", STR),
            ("name", STR),
            ("nas-port-type", "ethernet|cable|wireless-802.11|num"),
            ("radius-accounting", "bool"),
            ("radius-default-domain", STR),
            ("radius-interim-update", "time|received"),
            ("radius-location-id", STR),
            ("radius-location-name", STR),
            ("radius-mac-format", STR),
            ("rate-limit", "rate"),
            ("smtp-server", "ip"),
            ("split-user-domain", "bool"),
            ("ssl-certificate", STR),
            ("trial-uptime-limit", "time"),
            ("trial-uptime-reset", "time"),
            ("trial-user-profile", STR),
            ("use-radius", "bool"),
        ],
    ),
    (
        "ip/hotspot/user/profile",
        &[
            ("add-mac-cookie", "bool"),
            ("address-list", STR),
            ("address-pool", STR),
            ("advertise", "bool"),
            ("advertise-interval", "timelist"),
            ("advertise-timeout", "time|immediately|never"),
            ("advertise-url", STR),
            ("copy-from", STR),
            ("idle-timeout", "time|none"),
            ("incoming-filter", STR),
            ("incoming-packet-mark", STR),
            ("insert-queue-before", STR),
            ("keepalive-timeout", "time|none"),
            ("mac-cookie-timeout", "time"),
            ("name", STR),
            ("on-login", "script"),
            ("on-logout", "script"),
            ("open-status-page", "always|http-login"),
            ("outgoing-filter", STR),
            ("outgoing-packet-mark", STR),
            ("parent-queue", STR),
            ("queue-type", STR),
            ("rate-limit", "rate"),
            ("session-timeout", "time"),
            ("shared-users", "posnum|unlimited"),
            ("status-autorefresh", "time|none"),
            ("transparent-proxy", "bool"),
        ],
    ),
    (
        "ip/hotspot/user",
        &[
            ("address", "ip"),
            ("comment", STR),
            ("copy-from", STR),
            ("disabled", "bool"),
            ("email", STR),
            ("limit-bytes-in", "bytes"),
            ("limit-bytes-out", "bytes"),
            ("limit-bytes-total", "bytes"),
            ("limit-uptime", "time"),
            ("mac-address", "mac"),
            ("name", STR),
            ("otp-secret", STR),
            ("password", STR),
            ("profile", STR),
            ("routes", STR),
            ("server", STR),
        ],
    ),
    (
        "ip/hotspot/walled-garden",
        &[
            ("action", "allow|deny"),
            ("comment", STR),
            ("copy-from", STR),
            ("disabled", "bool"),
            ("dst-host", "hostpat"),
            ("dst-port", STR),
            ("method", STR),
            ("path", STR),
            ("place-before", STR),
            ("server", STR),
            ("src-address", STR),
        ],
    ),
    (
        "ip/hotspot/walled-garden/ip",
        &[
            ("action", "accept|drop|reject"),
            ("comment", STR),
            ("copy-from", STR),
            ("disabled", "bool"),
            ("dst-address", STR),
            ("dst-address-list", STR),
            ("dst-host", "hostname"),
            ("dst-port", STR),
            ("place-before", STR),
            ("protocol", STR),
            ("server", STR),
            ("src-address", STR),
            ("src-address-list", STR),
        ],
    ),
    (
        "ip/hotspot/ip-binding",
        &[
            ("address", STR),
            ("comment", STR),
            ("copy-from", STR),
            ("disabled", "bool"),
            ("mac-address", "mac"),
            ("place-before", STR),
            ("server", STR),
            ("to-address", "ip"),
            ("type", "regular|bypassed|blocked"),
        ],
    ),
    (
        "ip/pool",
        &[
            ("comment", STR),
            ("copy-from", STR),
            ("name", STR),
            ("next-pool", STR),
            ("ranges", "iprange"),
        ],
    ),
    (
        "ip/dhcp-server",
        &[
            ("add-arp", "bool"),
            ("add-dns-entries", STR),
            ("add-dns-entries-suffix", STR),
            ("address-lists", STR),
            ("address-pool", STR),
            ("allow-dual-stack-queue", "bool"),
            ("always-broadcast", "bool"),
            ("authoritative", "after-10sec-delay|after-2sec-delay|no|yes"),
            ("bootp-lease-time", "time|forever|lease-time"),
            ("bootp-support", "dynamic|none|static"),
            ("client-mac-limit", "num|unlimited"),
            ("comment", STR),
            ("conflict-detection", "bool"),
            ("copy-from", STR),
            ("delay-threshold", "time|none"),
            ("dhcp-option-set", STR),
            ("disabled", "bool"),
            ("dynamic-lease-identifiers", STR),
            ("insert-queue-before", STR),
            ("interface", STR),
            ("lease-script", "script"),
            ("lease-time", "time"),
            ("name", STR),
            ("parent-queue", STR),
            ("relay", "ip"),
            ("server-address", "ip"),
            ("src-address", "ip"),
            ("support-broadband-tr101", "bool"),
            ("use-framed-as-classless", "bool"),
            ("use-radius", "accounting|no|yes"),
            ("use-reconfigure", "bool"),
        ],
    ),
    (
        "ip/dhcp-server/network",
        &[
            ("address", STR),
            ("boot-file-name", STR),
            ("caps-manager", STR),
            ("comment", STR),
            ("copy-from", STR),
            ("dhcp-option", STR),
            ("dhcp-option-set", STR),
            ("dns-none", "bool"),
            ("dns-server", STR),
            ("domain", STR),
            ("gateway", STR),
            ("netmask", "num"),
            ("next-server", STR),
            ("ntp-none", "bool"),
            ("ntp-server", STR),
            ("wins-server", STR),
        ],
    ),
    (
        "ip/dns",
        &[
            ("address-list-extra-time", "time"),
            ("allow-remote-requests", "bool"),
            ("cache-max-ttl", "time"),
            ("cache-size", STR),
            ("doh-max-concurrent-queries", STR),
            ("doh-max-server-connections", STR),
            ("doh-timeout", "time"),
            ("max-concurrent-queries", STR),
            ("max-concurrent-tcp-sessions", STR),
            ("max-udp-packet-size", STR),
            ("mdns-repeat-ifaces", STR),
            ("query-server-timeout", "time"),
            ("query-total-timeout", "time"),
            ("servers", STR),
            ("use-doh-server", STR),
            ("verify-doh-cert", "bool"),
            ("vrf", STR),
        ],
    ),
    (
        "ip/dns/static",
        &[
            ("address", STR),
            ("address-list", STR),
            ("cname", STR),
            ("comment", STR),
            ("copy-from", STR),
            ("disabled", "bool"),
            ("forward-to", STR),
            ("match-subdomain", "bool"),
            ("mx-exchange", STR),
            ("mx-preference", STR),
            ("name", STR),
            ("ns", STR),
            ("place-before", STR),
            ("regexp", STR),
            ("srv-port", STR),
            ("srv-priority", STR),
            ("srv-target", STR),
            ("srv-weight", STR),
            ("text", STR),
            ("ttl", "time"),
            ("type", "A|AAAA|CNAME|FWD|MX|NS|NXDOMAIN|SRV|TXT"),
        ],
    ),
    (
        "ip/address",
        &[
            ("address", STR),
            ("broadcast", "ip"),
            ("comment", STR),
            ("copy-from", STR),
            ("disabled", "bool"),
            ("interface", STR),
            ("netmask", "ip"),
            ("network", "ip"),
        ],
    ),
    (
        "system/scheduler",
        &[
            ("comment", STR),
            ("copy-from", STR),
            ("days", STR),
            ("disabled", "bool"),
            ("interval", "time"),
            ("name", STR),
            ("on-event", "script"),
            (
                "policy",
                "list:api,ftp,local,password,policy,read,reboot,rest-api,romon,sensitive,sniff,\
                 ssh,telnet,test,web,winbox,write",
            ),
            ("start-date", "date"),
            ("start-time", "clock|startup"),
        ],
    ),
    (
        "system/ntp/client",
        &[
            ("enabled", "bool"),
            ("mode", "broadcast|manycast|multicast|unicast"),
            ("servers", STR),
            ("vrf", STR),
            ("primary-ntp", "ip"),
            ("secondary-ntp", "ip"),
            ("server-dns-names", STR),
        ],
    ),
    (
        "system/script",
        &[
            ("comment", STR),
            ("copy-from", STR),
            ("dont-require-permissions", "bool"),
            ("name", STR),
            ("owner", STR),
            (
                "policy",
                "list:ftp,password,policy,read,reboot,romon,sensitive,sniff,test,write,api,\
                 local,ssh,telnet,web,winbox,rest-api",
            ),
            ("source", "script"),
        ],
    ),
];

/// Property names with their type specs.
type Specs = &'static [(&'static str, &'static str)];

/// Arguments of other commands: (menu, command) → arguments.
const COMMANDS: &[(&str, &str, Specs)] = &[
    (
        "tool",
        "fetch",
        &[
            ("address", STR),
            ("as-value", "flag"),
            ("ascii", "bool"),
            ("certificate", STR),
            ("check-certificate", "no|yes|yes-without-crl"),
            ("dst-path", STR),
            ("duration", "time"),
            ("host", STR),
            ("http-auth-scheme", "basic|digest"),
            ("http-content-encoding", "deflate|gzip"),
            ("http-data", STR),
            ("http-header-field", STR),
            ("http-max-redirect-count", "num"),
            ("http-method", "get|post|put|delete|head|patch"),
            ("http-percent-encoding", "bool"),
            ("http-version", "http1_1|http2"),
            ("idle-timeout", "time|none"),
            ("ip-type", "any|ipv4|ipv6"),
            ("keep-result", "bool"),
            ("mode", "http|https|ftp|sftp|tftp"),
            ("once", "flag"),
            ("output", "file|user|none|user-with-headers"),
            ("password", STR),
            ("port", "num"),
            ("proplist", STR),
            ("src-address", "ip"),
            ("src-path", STR),
            ("upload", "bool"),
            ("url", "url"),
            ("user", STR),
            ("without-paging", "flag"),
        ],
    ),
    (
        "",
        "import",
        &[
            ("file-name", STR),
            ("from-line", "num"),
            ("verbose", "no|yes|progress"),
            ("dry-run", "flag"),
        ],
    ),
    (
        "file",
        "add",
        &[
            ("name", STR),
            ("contents", STR),
            ("type", "file|directory"),
            ("copy-from", STR),
        ],
    ),
    (
        "file",
        "set",
        &[
            ("numbers", STR),
            ("contents", STR),
            ("name", STR),
            ("type", "file|directory"),
        ],
    ),
    (
        "system/script",
        "run",
        &[("number", STR), ("use-script-permissions", "flag")],
    ),
    (
        "ip/hotspot/active",
        "login",
        &[
            ("ip", "ip"),
            ("mac-address", "mac"),
            ("user", STR),
            ("password", STR),
            ("domain", STR),
        ],
    ),
];

/// Arguments `add` cannot do without (CLI reference, `mandatory`), unless `copy-from` is given.
pub(super) const MANDATORY_ON_ADD: &[(&str, &[&str])] = &[
    ("ip/hotspot", &["interface"]),
    ("ip/hotspot/user", &["name"]),
    ("ip/pool", &["ranges"]),
    ("ip/dhcp-server", &["interface"]),
    ("system/scheduler", &["name"]),
    ("ip/address", &["address", "interface"]),
];

/// Properties RouterOS v6 lacks, with the v7 version that brought each. Keys are the menu, or
/// `tool/fetch`, `import`, `system/script/run` for those commands' arguments.
pub(super) const V7_ONLY: &[(&str, &str, &str)] = &[
    ("ip/hotspot/user", "otp-secret", "7.22"),
    ("ip/dhcp-server", "address-lists", "7.18"),
    ("ip/dhcp-server", "use-reconfigure", "7.20"),
    ("ip/dhcp-server", "dynamic-lease-identifiers", "7.22"),
    ("ip/dhcp-server", "support-broadband-tr101", "7.22"),
    ("ip/dhcp-server", "add-dns-entries", "7.24"),
    ("ip/dhcp-server", "add-dns-entries-suffix", "7.24"),
    ("ip/dhcp-server", "server-address", "7.1"),
    ("ip/dhcp-server/network", "ntp-none", "7.20"),
    ("ip/dns", "address-list-extra-time", "7.10"),
    ("ip/dns", "mdns-repeat-ifaces", "7.16"),
    ("ip/dns", "vrf", "7.16"),
    ("ip/dns/static", "match-subdomain", "7.1"),
    ("system/ntp/client", "servers", "7.1"),
    ("system/ntp/client", "vrf", "7.1"),
    ("system/scheduler", "days", "7.24"),
    ("tool/fetch", "http-auth-scheme", "7.14"),
    ("tool/fetch", "http-content-encoding", "7.14"),
    ("tool/fetch", "idle-timeout", "7.16"),
    ("tool/fetch", "http-max-redirect-count", "7.18"),
    ("tool/fetch", "proplist", "7.20"),
    ("tool/fetch", "http-percent-encoding", "7.22"),
    ("tool/fetch", "http-version", "7.22"),
    ("tool/fetch", "ip-type", "7.24"),
    ("import", "dry-run", "7.16"),
    ("import", "from-line", "7.1"),
    ("file", "type", "7.16"),
    ("system/script/run", "use-script-permissions", "7.16"),
];

/// v7 versions old enough that every v7 router Tiketi meets has them: no warning on v7.
pub(super) const V7_BASELINE: &[&str] = &["7.1", "7.9", "7.10"];

/// Property names RouterOS v7 no longer has (v6 NTP client and DHCP server names).
pub(super) const V6_ONLY: &[(&str, &str)] = &[
    ("ip/dhcp-server", "src-address"),
    ("system/ntp/client", "primary-ntp"),
    ("system/ntp/client", "secondary-ntp"),
    ("system/ntp/client", "server-dns-names"),
];

/// Menu commands v6 lacks: v6 has no `/file add` (files are made with `/file print file=…`).
pub(super) const V7_ONLY_COMMANDS: &[(&str, &str, &str)] = &[
    ("file", "add", "7.9"),
    ("file", "read", "7.13"),
    ("file", "copy", "7.20"),
    ("file", "head", "7.20"),
    ("file", "tail", "7.20"),
];

/// Menus whose items have unique names: adding a name that exists fails ("already have such
/// name") and stops the import.
pub(super) const NAMED_MENUS: &[&str] = &[
    "ip/hotspot",
    "ip/hotspot/profile",
    "ip/hotspot/user",
    "ip/hotspot/user/profile",
    "ip/pool",
    "ip/dhcp-server",
    "system/scheduler",
    "system/script",
];

/// Variables RouterOS defines for a hotspot user profile's `on-login` script (MikroTik manual,
/// *HotSpot*: user profile properties).
const HOTSPOT_LOGIN_VARS: &[&str] = &["user", "username", "address", "mac-address", "interface"];
/// … and for `on-logout`, which also gets the session's end and counters (6.34 and later).
const HOTSPOT_LOGOUT_VARS: &[&str] = &[
    "user",
    "username",
    "address",
    "mac-address",
    "interface",
    "cause",
    "uptime-secs",
    "bytes-in",
    "bytes-out",
    "bytes-total",
    "packets-in",
    "packets-out",
    "packets-total",
];
/// Variables of a DHCP server's `lease-script` (MikroTik manual, *Scripting*).
const LEASE_VARS: &[&str] = &[
    "leaseBound",
    "leaseServerName",
    "leaseActMAC",
    "leaseActIP",
    "lease-hostname",
    "lease-options",
];

/// The variables RouterOS provides to the script held by property `key`.
pub(super) fn provided_variables(key: &str) -> &'static [&'static str] {
    match key {
        "on-login" => HOTSPOT_LOGIN_VARS,
        "on-logout" => HOTSPOT_LOGOUT_VARS,
        "lease-script" => LEASE_VARS,
        _ => &[],
    }
}

type Table = Vec<(&'static str, Type)>;

struct Tables {
    add_set: HashMap<&'static str, Table>,
    commands: HashMap<(&'static str, &'static str), Table>,
}

static TABLES: LazyLock<Tables> = LazyLock::new(|| {
    let parse = |props: &[(&'static str, &'static str)]| -> Table {
        props
            .iter()
            .map(|&(name, spec)| (name, Type::parse(spec)))
            .collect()
    };
    Tables {
        add_set: ADD_SET
            .iter()
            .map(|&(menu, props)| (menu, parse(props)))
            .collect(),
        commands: COMMANDS
            .iter()
            .map(|&(menu, cmd, props)| ((menu, cmd), parse(props)))
            .collect(),
    }
});

/// The argument table of `cmd` in `menu`, if its arguments are checked.
pub(super) fn table(menu: &str, cmd: &str) -> Option<Arguments> {
    let tables = &*TABLES;
    if matches!(cmd, "add" | "set")
        && let Some(table) = tables.add_set.get(menu)
    {
        return Some(Arguments {
            table,
            numbers: cmd == "set",
        });
    }
    tables
        .commands
        .iter()
        .find(|((m, c), _)| *m == menu && *c == cmd)
        .map(|(_, table)| Arguments {
            table,
            numbers: false,
        })
}

/// The arguments one command takes.
pub(super) struct Arguments {
    table: &'static Table,
    /// `set` also takes the items to change as `numbers=`.
    numbers: bool,
}

static NUMBERS: LazyLock<Type> = LazyLock::new(|| Type(vec![Alt::Str]));

impl Arguments {
    pub(super) fn get(&self, name: &str) -> Option<(&'static str, &'static Type)> {
        if self.numbers && name == "numbers" {
            return Some(("numbers", &NUMBERS));
        }
        self.table
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, t)| (*n, t))
    }

    pub(super) fn names(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self.table.iter().map(|(n, _)| *n).collect();
        if self.numbers {
            names.push("numbers");
        }
        names.sort_unstable();
        names
    }

    /// The one property `prefix` abbreviates, if exactly one.
    pub(super) fn expand(&self, prefix: &str) -> Option<&'static str> {
        let matching: Vec<&'static str> = self
            .names()
            .into_iter()
            .filter(|n| n.starts_with(prefix))
            .collect();
        match matching.as_slice() {
            [only] => Some(only),
            _ => None,
        }
    }

    /// Whether `word` is one of the command's flags (`as-value`).
    pub(super) fn is_flag(&self, word: &str) -> bool {
        self.get(word).is_some_and(|(_, t)| t.is(&Alt::Flag))
    }
}

/// The v7 version that brought property `prop` to `key`, if v6 lacks it.
pub(super) fn v7_only(key: &str, prop: &str) -> Option<&'static str> {
    V7_ONLY
        .iter()
        .find(|(k, p, _)| *k == key && *p == prop)
        .map(|(_, _, v)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_names_a_menu_and_command_of_the_tree() {
        // Settings menus (`/ip dns`, `/system ntp client`) have `set` only.
        for (menu, _) in ADD_SET {
            assert!(
                super::super::menus::is_entry(menu, "set"),
                "/{menu} set is not in the command tree"
            );
        }
        for (menu, cmd, _) in COMMANDS {
            assert!(
                super::super::menus::is_entry(menu, cmd),
                "/{menu} {cmd} is not in the command tree"
            );
        }
    }

    #[test]
    fn every_version_rule_names_a_property_of_a_table() {
        let known = |key: &str, prop: &str| {
            match key {
                "tool/fetch" => table("tool", "fetch"),
                "import" => table("", "import"),
                "system/script/run" => table("system/script", "run"),
                "file" => table("file", "set"),
                menu => table(menu, "add"),
            }
            .is_some_and(|t| t.get(prop).is_some())
        };
        for (key, prop, _) in V7_ONLY {
            assert!(known(key, prop), "{key} {prop}");
        }
        for (key, prop) in V6_ONLY {
            assert!(known(key, prop), "{key} {prop}");
        }
    }

    #[test]
    fn types_parse_into_alternatives() {
        assert_eq!(
            Type::parse("time|none").0,
            vec![Alt::Time, Alt::Keyword("none")]
        );
        assert_eq!(Type::parse("list:a,b").0, vec![Alt::List(vec!["a", "b"])]);
    }

    #[test]
    fn set_takes_numbers_and_abbreviations_expand_only_when_unique() {
        let set = table("ip/hotspot/user", "set").unwrap();
        assert!(set.get("numbers").is_some());
        assert!(
            table("ip/hotspot/user", "add")
                .unwrap()
                .get("numbers")
                .is_none()
        );
        assert_eq!(set.expand("limit-up"), Some("limit-uptime"));
        assert_eq!(set.expand("limit-bytes"), None);
    }
}
