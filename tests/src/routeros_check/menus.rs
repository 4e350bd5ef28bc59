//! The command tree: the menus Tiketi's scripts use, their commands, and the scripting commands.
//!
//! Menu paths and command names are RouterOS's own, as its `/console/inspect` lists them for
//! RouterOS 7.9 to 7.24 (the union of those versions). The table holds the menus a hotspot
//! voucher system works in (hotspot, pool, DHCP, DNS, addresses, certificates, files, scheduler,
//! scripts, NTP, fetch, logging, system facts) with every command RouterOS has in them, so a
//! misspelt or invented command is caught while a real one Tiketi does not use yet is not.
//! Menus outside it are reported as unknown.
//!
//! RouterOS accepts any unambiguous abbreviation of a menu or command (`/sys sch`); the checker
//! resolves them too but asks for the full name, as an abbreviation can become ambiguous when a
//! later version adds a command.
//!
//! Scripting commands (`:if`, `:local`, …) are the root menu's commands. RouterOS v7 added some
//! (`:onerror`, `:rndstr`, `:serialize`, …, MikroTik manual and the 7.x inspect dumps); a v6
//! router refuses the whole script when it meets one.

use std::{
    collections::{BTreeSet, HashMap},
    sync::LazyLock,
};

/// Command groups many menus share.
const GROUPS: &[(&str, &str)] = &[
    ("@settings", "edit export get print reset set"),
    (
        "@list",
        "add comment disable edit enable export find get print remove reset set",
    ),
    (
        "@list-unset",
        "add comment disable edit enable export find get print remove reset set unset",
    ),
    (
        "@list-move",
        "add comment disable edit enable export find get move print remove reset set unset",
    ),
    (
        "@list-counters",
        "add comment disable edit enable export find get move print remove reset reset-counters \
         reset-counters-all set unset",
    ),
    (
        "@list-no-disable",
        "add comment edit export find get print remove reset set",
    ),
    (
        "@list-no-comment",
        "add disable edit enable export find get print remove reset set",
    ),
];

/// `menu path` → its commands (`""` is the root, whose commands are the scripting commands).
const MENUS: &[(&str, &str)] = &[
    (
        "",
        "beep break continue convert delay deserialize do error execute exit export find for \
         foreach global grep if import jobname len local lock nothing onerror parse password \
         pick ping put quit range recursive-print redo resolve retry return rndnum rndstr \
         serialize set time timestamp toarray tobool tocrlf toid toip toip6 tolf tonsec tonum \
         tostr totime typeof undo while",
    ),
    (
        "certificate",
        "@settings acme-renew add add-acme add-scep card-reinstall card-verify \
         create-certificate-request enable-ssl-certificate export-certificate find import \
         issued-revoke remove scep-renew sign sign-certificate-request unset",
    ),
    ("certificate/settings", "@settings"),
    (
        "file",
        "@settings add copy find head read recursive-print remove tail",
    ),
    ("ip", "export recursive-print"),
    ("ip/address", "@list"),
    ("ip/dhcp-server", "@list setup"),
    (
        "ip/dhcp-server/lease",
        "@list-unset check-status make-static send-reconfigure",
    ),
    ("ip/dhcp-server/network", "@list-no-disable unset"),
    ("ip/dns", "@settings"),
    ("ip/dns/cache", "find flush get print"),
    ("ip/dns/static", "@list move"),
    ("ip/hotspot", "@list-no-comment reset-html setup"),
    (
        "ip/hotspot/active",
        "add comment edit find get login print remove reset set",
    ),
    ("ip/hotspot/cookie", "find get print remove"),
    (
        "ip/hotspot/host",
        "find get make-binding print remove reset",
    ),
    ("ip/hotspot/ip-binding", "@list move"),
    ("ip/hotspot/profile", "@settings add find remove"),
    ("ip/hotspot/service-port", "@settings disable enable find"),
    ("ip/hotspot/user", "@list reset-counters"),
    ("ip/hotspot/user/profile", "@settings add find remove unset"),
    ("ip/hotspot/walled-garden", "@list-counters"),
    ("ip/hotspot/walled-garden/ip", "@list-move"),
    ("ip/pool", "@list-no-disable"),
    ("ip/pool/used", "edit find get print reset set"),
    ("log", "debug error find get info print warning"),
    (
        "system",
        "check-disk check-installation export reboot recursive-print reset-configuration \
         serial-terminal shell shutdown ssh ssh-exec sup-output telnet",
    ),
    ("system/clock", "@settings"),
    ("system/identity", "@settings"),
    ("system/license", "export generate-new-id get print renew"),
    ("system/ntp", "export monitor-peers"),
    ("system/ntp/client", "@settings reset-freq-drift"),
    ("system/ntp/client/servers", "@list"),
    ("system/resource", "export get monitor print"),
    ("system/scheduler", "@list-unset"),
    ("system/script", "@list-no-disable run unset"),
    (
        "system/script/environment",
        "comment edit find get print remove reset set",
    ),
    (
        "system/script/job",
        "comment edit find get print remove reset set",
    ),
    (
        "tool",
        "bandwidth-test dns-update export fetch flood-ping ip-scan mac-scan mac-telnet ping \
         ping-speed profile recursive-print snmp-get snmp-walk speed-test torch traceroute wol",
    ),
];

/// Scripting commands RouterOS v6 does not have (v7 additions, 7.1 to 7.22).
pub(super) const V7_ONLY_SCRIPTING: &[&str] = &[
    "break",
    "continue",
    "convert",
    "deserialize",
    "exit",
    "grep",
    "jobname",
    "lock",
    "onerror",
    "range",
    "recursive-print",
    "retry",
    "rndnum",
    "rndstr",
    "serialize",
    "timestamp",
    "tocrlf",
    "tolf",
    "tonsec",
];

/// Menus that may be written as scripting commands (`:log info "…"`).
pub(super) const MENU_SCRIPTING: &[&str] = &["log", "environment", "terminal"];

/// The topics of `:log`.
pub(super) const LOG_TOPICS: &[&str] = &["info", "warning", "error", "debug"];

struct Tree {
    commands: HashMap<&'static str, BTreeSet<&'static str>>,
    children: HashMap<&'static str, BTreeSet<&'static str>>,
}

static TREE: LazyLock<Tree> = LazyLock::new(|| {
    let mut commands = HashMap::new();
    let mut children: HashMap<&'static str, BTreeSet<&'static str>> = HashMap::new();
    for &(path, spec) in MENUS {
        let mut set = BTreeSet::new();
        for word in spec.split_whitespace() {
            match GROUPS.iter().find(|(name, _)| *name == word) {
                Some((_, group)) => set.extend(group.split_whitespace()),
                None => {
                    assert!(!word.starts_with('@'), "unknown command group {word}");
                    set.insert(word);
                }
            }
        }
        commands.insert(path, set);
        if !path.is_empty() {
            let (parent, name) = path.rsplit_once('/').unwrap_or(("", path));
            children.entry(parent).or_default().insert(name);
        }
    }
    Tree { commands, children }
});

fn commands_of(path: &str) -> Option<&'static BTreeSet<&'static str>> {
    TREE.commands.get(path)
}

fn children_of(path: &str) -> Option<&'static BTreeSet<&'static str>> {
    TREE.children.get(path)
}

/// Whether `word` is a scripting command (a command of the root menu).
pub(super) fn is_scripting_command(word: &str) -> bool {
    commands_of("").is_some_and(|c| c.contains(word))
}

/// Whether `word` names a submenu or a command of `path` exactly.
pub(super) fn is_entry(path: &str, word: &str) -> bool {
    children_of(path).is_some_and(|c| c.contains(word))
        || commands_of(path).is_some_and(|c| c.contains(word))
}

/// What a word of a command line names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Entry {
    Menu(&'static str),
    Command(&'static str),
}

/// Resolves `word` in the menu `path`: an exact name, else the one name it abbreviates.
/// Returns the entry and whether `word` was an abbreviation.
pub(super) fn resolve(path: &str, word: &str) -> Option<(Entry, bool)> {
    let children = children_of(path);
    let commands = commands_of(path);
    if let Some(name) = children.and_then(|c| c.get(word)) {
        return Some((Entry::Menu(name), false));
    }
    if let Some(name) = commands.and_then(|c| c.get(word)) {
        return Some((Entry::Command(name), false));
    }
    let menus = children
        .into_iter()
        .flatten()
        .filter(|c| c.starts_with(word))
        .map(|&c| Entry::Menu(c));
    let cmds = commands
        .into_iter()
        .flatten()
        .filter(|c| c.starts_with(word))
        .map(|&c| Entry::Command(c));
    let candidates: Vec<Entry> = menus.chain(cmds).collect();
    match candidates.as_slice() {
        [only] => Some((*only, true)),
        _ => None,
    }
}

/// Names in `path` that start like `word`, to suggest when `word` resolves to nothing.
pub(super) fn suggestions(path: &str, word: &str) -> Vec<&'static str> {
    let start: String = word.chars().take(3).collect();
    let mut names: BTreeSet<&'static str> = BTreeSet::new();
    names.extend(children_of(path).into_iter().flatten());
    names.extend(commands_of(path).into_iter().flatten());
    names
        .into_iter()
        .filter(|n| n.starts_with(&start))
        .take(6)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_to_menus_and_commands() {
        assert_eq!(resolve("", "ip"), Some((Entry::Menu("ip"), false)));
        assert_eq!(
            resolve("ip/hotspot", "user"),
            Some((Entry::Menu("user"), false))
        );
        assert_eq!(
            resolve("ip/hotspot/user", "add"),
            Some((Entry::Command("add"), false))
        );
        assert_eq!(
            resolve("", "import"),
            Some((Entry::Command("import"), false))
        );
        assert_eq!(resolve("ip/hotspot", "frobnicate"), None);
        // `/ip hotspot profile` has no `disable`: profiles cannot be disabled.
        assert_eq!(resolve("ip/hotspot/profile", "disable"), None);
    }

    #[test]
    fn abbreviations_resolve_only_when_unambiguous() {
        assert_eq!(
            resolve("system", "sch"),
            Some((Entry::Menu("scheduler"), true))
        );
        // `re` starts `remove`, `reset` and `reset-counters`.
        assert_eq!(resolve("ip/hotspot/user", "re"), None);
    }

    #[test]
    fn every_parent_of_a_menu_is_a_menu() {
        for (path, _) in MENUS {
            if let Some((parent, name)) = path.rsplit_once('/') {
                assert!(commands_of(parent).is_some(), "{path}: no {parent}");
                assert!(is_entry(parent, name));
            }
        }
    }

    #[test]
    fn v7_only_scripting_commands_are_scripting_commands() {
        for cmd in V7_ONLY_SCRIPTING {
            assert!(is_scripting_command(cmd), "{cmd}");
        }
    }
}
