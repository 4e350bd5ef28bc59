//! The RouterOS script generator (`tiketi_core::routeros`) against golden files made from the
//! demo hotspot, against the repository's RouterOS checker (`tiketi_tests::routeros_check`, v7
//! and v6), and against hostile operator and voucher text; mutants of the golden scripts show
//! that the checker rejects what it should.
//!
//! `UPDATE_GOLDEN=1 cargo test -p tiketi-tests --test routeros_golden` rewrites the golden files
//! in `tests/golden/routeros/`; review the diff before committing it.

use std::fs;

use tiketi_core::{
    domain::{
        catalog::{TicketTerms, TicketType},
        router_secret::HEADER,
        voucher::Voucher,
    },
    routeros::{
        self, HotspotUser, SetupParams, header_fields, html_escape, login_page,
        pesapal_walled_garden_hosts, profiles_for, quote, remove_users_script,
        reprofile_users_script, setup_script, sync_script, url_host, user_for, users_script,
    },
    services::demo::demo_ticket_types,
};
use tiketi_tests::{
    reference_checker,
    routeros_check::{
        self, RouterOs,
        Severity::{self, Error, Warning},
        has_errors, render,
    },
};

// ---------------------------------------------------------------------------------------------
// The fixed example: the demo hotspot of `services/demo.rs`.

/// The demo ticket types, as `services/demo.rs` creates them.
fn demo_tickets() -> Vec<TicketType> {
    demo_ticket_types("demo")
}

const BASE: &str = "https://pay.tiketi.example";
const DEMO_SECRET: &str = "DEMQ2345S6789ABCDEFGHJKMNPQRSTUV";

fn demo_params() -> SetupParams {
    let checkout_url = format!("{BASE}/checkout/demo/demo-router");
    let mut walled_garden_hosts: Vec<String> = url_host(&checkout_url).into_iter().collect();
    walled_garden_hosts.extend(pesapal_walled_garden_hosts().into_iter().map(String::from));
    SetupParams {
        router_id: "demo-router".into(),
        business_name: "Demo Hotspot".into(),
        hotspot_interface: "bridge".into(),
        address_pool: "192.168.88.10-192.168.88.254".into(),
        hotspot_address: "192.168.88.1".into(),
        dns_name: "login.wifi".into(),
        checkout_url,
        walled_garden_hosts,
        sync_url: format!("{BASE}/routers/demo/demo-router/sync"),
        report_url: format!("{BASE}/routers/demo/demo-router/report"),
        secret_header: format!("{HEADER}: {DEMO_SECRET}"),
        profiles: demo_tickets().iter().flat_map(profiles_for).collect(),
    }
}

/// A voucher of `ticket` (built from JSON so new defaulted fields of `Voucher` need no change).
fn voucher(code: &str, password: &str, ticket: &TicketType) -> Voucher {
    let json = serde_json::json!({
        "code": code,
        "password": password,
        "operator_id": "demo",
        "router_id": "demo-router",
        "terms": TicketTerms::from(ticket),
        "status": "UNUSED",
        "origin": { "kind": "batch", "batch_id": "demo-batch" },
        "phone": null,
        "created_at": "2026-11-25T08:00:00Z",
        "activated_at": null,
        "expires_at": null,
    });
    match serde_json::from_value(json) {
        Ok(v) => v,
        Err(e) => panic!("test voucher does not deserialize: {e}"),
    }
}

fn demo_users() -> Vec<HotspotUser> {
    let codes = [
        "K7QMX3PA2B",
        "T4NVB8KDHW",
        "H2W9RZEC5M",
        "P6Y3JUGF8A",
        "Z9C4RQ2NXE",
        "M5T8WKA3VD",
        "B3H7YPE6QJ",
        "W8G2CN5ZRT",
    ];
    demo_tickets()
        .iter()
        .zip(codes)
        .map(|(t, code)| user_for(&voucher(code, code, t)))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Helpers: golden files, the checker, RouterOS string parsing.

fn golden_dir() -> std::path::PathBuf {
    tiketi_tests::repo_path("tests/golden/routeros")
}

fn assert_golden(name: &str, actual: &str) {
    let path = golden_dir().join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        fs::create_dir_all(golden_dir()).unwrap();
        fs::write(&path, actual).unwrap();
        return;
    }
    let expected = fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    });
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs from the generated text at line {}:\n  golden:    {:?}\n  generated: {:?}\n\
             Review the change, then run with UPDATE_GOLDEN=1 to accept it.",
            path.display(),
            line + 1,
            expected.lines().nth(line),
            actual.lines().nth(line),
        );
    }
}

/// The golden `.rsc` files: (file name, text).
fn golden_scripts() -> Vec<(String, String)> {
    let mut scripts: Vec<(String, String)> = fs::read_dir(golden_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "rsc"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read_to_string(&path).unwrap())
        })
        .collect();
    scripts.sort();
    assert!(
        scripts.len() >= 5,
        "only {} golden .rsc files found in {}",
        scripts.len(),
        golden_dir().display()
    );
    scripts
}

/// The RouterOS checker accepts `text` for v7 and for v6 without a single warning, and so does
/// the reference checker where it is present.
fn assert_checkers_accept(name: &str, text: &str) {
    for version in RouterOs::BOTH {
        let problems = routeros_check::check(text, version);
        assert!(
            problems.is_empty(),
            "the RouterOS checker ({version}) finds problems in {name}:\n{}",
            render(&problems)
        );
        if let Some(verdict) = reference_checker::run(text, version) {
            assert_eq!(
                verdict.exit_code, 0,
                "the reference checker ({version}) rejects {name}:\n{}",
                verdict.output
            );
            assert!(
                verdict.output.trim().is_empty(),
                "the reference checker ({version}) warns about {name}:\n{}",
                verdict.output
            );
        }
    }
}

/// Reads the RouterOS `"…"` string at the start of `text`; returns it and the rest.
fn unquote(text: &str) -> (String, &str) {
    let mut chars = text.char_indices();
    assert_eq!(
        chars.next().map(|(_, c)| c),
        Some('"'),
        "not a string: {text:.40}"
    );
    let mut out: Vec<u8> = Vec::new();
    let mut buf = [0u8; 4];
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                return (String::from_utf8(out).unwrap(), &text[i + 1..]);
            }
            '\\' => {
                let (_, e) = chars.next().expect("string ends after a backslash");
                let byte = match e {
                    '"' | '\\' | '$' | '?' => e as u8,
                    'n' => b'\n',
                    'r' => b'\r',
                    't' => b'\t',
                    '_' => b' ',
                    'a' => 0x07,
                    'b' => 0x08,
                    'f' => 0x0c,
                    'v' => 0x0b,
                    h if h.is_ascii_hexdigit() && !h.is_ascii_lowercase() => {
                        let (_, l) = chars.next().expect("truncated hex escape");
                        assert!(
                            l.is_ascii_digit() || ('A'..='F').contains(&l),
                            "bad \\{h}{l}"
                        );
                        u8::from_str_radix(&format!("{h}{l}"), 16).unwrap()
                    }
                    other => panic!("invalid RouterOS escape \\{other}"),
                };
                out.push(byte);
            }
            '$' => panic!("unescaped $ in a string: {text:.60}"),
            '?' => panic!("unescaped ? in a string (v6 prints help): {text:.60}"),
            c => out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes()),
        }
    }
    panic!("unterminated string: {text:.40}");
}

/// Every quoted value of `key="…"` in `script`, decoded.
fn values_of(script: &str, key: &str) -> Vec<String> {
    let needle = format!(" {key}=\"");
    let mut found = Vec::new();
    let mut rest = script;
    while let Some(i) = rest.find(&needle) {
        let (value, after) = unquote(&rest[i + needle.len() - 1..]);
        found.push(value);
        rest = after;
    }
    found
}

// ---------------------------------------------------------------------------------------------
// Golden files and the checker.

fn demo_outputs() -> Vec<(&'static str, String)> {
    let p = demo_params();
    let users = demo_users();
    let names: Vec<&str> = users.iter().take(2).map(|u| u.name.as_str()).collect();
    vec![
        ("setup.rsc", setup_script(&p)),
        ("tiketi-sync.rsc", sync_script(&p)),
        ("users.rsc", users_script(&users)),
        ("remove-users.rsc", remove_users_script(&names)),
        (
            "fair-usage.rsc",
            reprofile_users_script(&[user_for(&throttled_demo_voucher())]),
        ),
        ("login.html", login_page(&p)),
    ]
}

/// The demo's fair-usage bundle (10 GB, then 512k/1M), its quota used.
fn throttled_demo_voucher() -> Voucher {
    let ten_gb = demo_tickets().into_iter().find(|t| t.id == "10gb").unwrap();
    let mut voucher = voucher("M5T8WKA3VD", "M5T8WKA3VD", &ten_gb);
    voucher.status = tiketi_core::domain::voucher::VoucherStatus::Active;
    voucher.throttled_at = Some("2026-11-26T08:00:00Z".parse().unwrap());
    voucher
}

#[test]
fn a_fair_usage_bundle_slows_down_instead_of_cutting_off() {
    let ten_gb = demo_tickets().into_iter().find(|t| t.id == "10gb").unwrap();
    let profiles = profiles_for(&ten_gb);
    let names: Vec<&str> = profiles.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["tiketi-10gb", "tiketi-10gb-fair"]);
    assert_eq!(profiles[1].rate_limit.as_deref(), Some("512k/1M"));
    let fresh = user_for(&voucher("M5T8WKA3VD", "M5T8WKA3VD", &ten_gb));
    assert_eq!(fresh.profile, "tiketi-10gb");
    assert_eq!(
        fresh.limit_bytes_total,
        Some(10_000_000_000),
        "the router itself stops it at the quota"
    );
    let slowed = user_for(&throttled_demo_voucher());
    assert_eq!(slowed.profile, "tiketi-10gb-fair");
    assert_eq!(slowed.limit_bytes_total, None);
    let script = reprofile_users_script(&[slowed]);
    assert!(script.contains(
        r#":if ([/ip hotspot user get [find name="M5T8WKA3VD"] profile] != "tiketi-10gb-fair")"#
    ));
    assert!(script.contains(
        r#"/ip hotspot user set [find name="M5T8WKA3VD"] profile="tiketi-10gb-fair" limit-bytes-total=0;"#
    ));
    assert!(script.contains(r#"/ip hotspot active remove [find where user="M5T8WKA3VD"]"#));
    // Without fair usage a data user keeps its byte limit and its one profile.
    let one_gb = demo_tickets().into_iter().find(|t| t.id == "1gb").unwrap();
    assert_eq!(profiles_for(&one_gb).len(), 1);
    let user = user_for(&voucher("K7QMX3PA2B", "K7QMX3PA2B", &one_gb));
    assert_eq!(user.limit_bytes_total, Some(1_000_000_000));
}

#[test]
fn the_root_certificates_are_written_whole_before_any_download() {
    let setup = setup_script(&demo_params());
    let written = values_of(&setup, "contents");
    assert_eq!(written.len(), routeros::TRUSTED_CAS.len());
    for ((name, pem), contents) in routeros::TRUSTED_CAS.iter().zip(&written) {
        assert_eq!(contents, pem, "{name} reaches the router byte for byte");
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----") && pem.len() < 4000);
        assert!(setup.contains(&format!("common-name={}", quote(name))));
    }
    let first_fetch = setup
        .find("/tool fetch")
        .expect("the setup downloads its login page");
    let last_import = setup.rfind("/certificate import").unwrap();
    assert!(
        last_import < first_fetch,
        "trust comes before the first HTTPS download"
    );
}

#[test]
fn the_demo_router_matches_the_golden_files() {
    assert!(demo_params().validate().is_ok());
    for (name, text) in demo_outputs() {
        assert_golden(name, &text);
    }
}

#[test]
fn every_golden_script_passes_the_checkers_for_v7_and_v6() {
    for (name, text) in golden_scripts() {
        assert_checkers_accept(&name, &text);
    }
}

#[test]
fn the_checkers_reject_what_they_should() {
    // Guards against a checker that accepts everything (a stub, a wrong path): slash path and
    // raw `?` (v6), a byte suffix, and a property the hotspot user does not have.
    let bad = "/ip/hotspot/user/add name=\"a?b\" limit-bytes-total=1G rate-limit=1M\n";
    for version in RouterOs::BOTH {
        let problems = routeros_check::check(bad, version);
        assert!(has_errors(&problems), "{version}: {problems:?}");
        assert!(
            problems.iter().any(|p| p.message.contains("rate-limit")),
            "{version}: {problems:?}"
        );
    }
    let v6 = routeros_check::check(bad, RouterOs::V6);
    assert!(v6.iter().any(|p| p.message.contains("slash")), "{v6:?}");
    assert!(v6.iter().any(|p| p.message.contains("'?'")), "{v6:?}");
    if let Some(verdict) = reference_checker::run(bad, RouterOs::V6) {
        assert_eq!(verdict.exit_code, 1, "{}", verdict.output);
    }
}

#[test]
fn the_stored_sync_script_is_exactly_the_sync_script() {
    let p = demo_params();
    let setup = setup_script(&p);
    let sources = values_of(&setup, "source");
    assert_eq!(sources, vec![sync_script(&p)]);
}

#[test]
fn each_ntp_command_is_valid_for_the_version_that_runs_it() {
    let setup = setup_script(&demo_params());
    let value_after = |marker: &str| {
        let i = setup
            .find(marker)
            .unwrap_or_else(|| panic!("{marker} not in setup"));
        unquote(&setup[i + marker.len()..]).0
    };
    let v6 = format!("{}\n", value_after(":local cmd "));
    let v7 = format!("{}\n", value_after(":set cmd "));
    // Each is valid for the version that runs it and would break the other, which is why the
    // choice happens at run time.
    for (text, good, bad) in [
        (&v6, RouterOs::V6, RouterOs::V7),
        (&v7, RouterOs::V7, RouterOs::V6),
    ] {
        let accepted = routeros_check::check(text, good);
        assert!(accepted.is_empty(), "{good}: {text}{}", render(&accepted));
        assert!(
            has_errors(&routeros_check::check(text, bad)),
            "{bad} must refuse {text}"
        );
        if let Some(verdict) = reference_checker::run(text, good) {
            assert!(verdict.accepts(), "{good}: {}", verdict.output);
        }
        if let Some(verdict) = reference_checker::run(text, bad) {
            assert_eq!(verdict.exit_code, 1, "{bad}: {}", verdict.output);
        }
    }
}

#[test]
fn users_are_added_or_updated_by_name_with_the_right_limit() {
    let users = demo_users();
    let script = users_script(&users);
    let lines: Vec<&str> = script.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(lines.len(), users.len());
    for (line, user) in lines.iter().zip(&users) {
        let name = quote(&user.name);
        assert!(line.starts_with(&format!(
            ":if ([:len [/ip hotspot user find name={name}]] = 0) do={{ /ip hotspot user add name={name} "
        )));
        assert!(line.contains(&format!(
            "}} else={{ /ip hotspot user set [find name={name}] "
        )));
    }
    assert!(lines[0].contains("limit-uptime=1h limit-bytes-total=0 comment=\"tiketi:1h\""));
    assert!(
        lines[3].contains("limit-uptime=0s limit-bytes-total=1000000000 comment=\"tiketi:1gb\"")
    );
    assert!(lines[7].contains("limit-uptime=4w2d limit-bytes-total=0"));
}

#[test]
fn the_login_page_uses_only_known_hotspot_variables() {
    let page = login_page(&demo_params());
    let known = [
        "if chap-id",
        "if error",
        "endif",
        "link-login-only",
        "link-orig",
        "error",
        "chap-id",
        "chap-challenge",
        "mac-esc",
        "link-login-only-esc",
        "link-orig-esc",
    ];
    for (i, _) in page.match_indices("$(") {
        let end = page[i..].find(')').map(|e| i + e).expect("unclosed $(");
        let var = &page[i + 2..end];
        assert!(known.contains(&var), "unexpected hotspot variable $({var})");
    }
    assert!(page.contains(
        "href=\"https://pay.tiketi.example/checkout/demo/demo-router?mac=$(mac-esc)&amp;\
         login_url=$(link-login-only-esc)&amp;dst=$(link-orig-esc)\""
    ));
    assert!(!page.contains("http://") && !page.contains("src=\"https://"));
}

// ---------------------------------------------------------------------------------------------
// Mutants: the golden scripts, each broken in one way RouterOS would refuse (or run wrongly).

/// One change to a golden script.
struct Mutant {
    what: &'static str,
    file: &'static str,
    /// The text replaced (its first occurrence); empty: `replace` is appended to the script.
    find: &'static str,
    replace: &'static str,
    /// The versions that must refuse the result; the others must accept it.
    refused_by: &'static [RouterOs],
    /// The least the checker must report: an error, or at least a warning.
    severity: Severity,
}

const BOTH: &[RouterOs] = &RouterOs::BOTH;
const V6: &[RouterOs] = &[RouterOs::V6];
const V7: &[RouterOs] = &[RouterOs::V7];

const fn mutant(
    what: &'static str,
    file: &'static str,
    find: &'static str,
    replace: &'static str,
    refused_by: &'static [RouterOs],
    severity: Severity,
) -> Mutant {
    Mutant {
        what,
        file,
        find,
        replace,
        refused_by,
        severity,
    }
}

const MUTANTS: &[Mutant] = &[
    mutant(
        "a property renamed",
        "users.rsc",
        "limit-uptime=1h ",
        "uptime-limit=1h ",
        BOTH,
        Error,
    ),
    mutant(
        "a time broken",
        "users.rsc",
        "limit-uptime=1h ",
        "limit-uptime=1hx ",
        BOTH,
        Error,
    ),
    mutant(
        "time units out of order",
        "users.rsc",
        "limit-uptime=4w2d",
        "limit-uptime=2d4w",
        BOTH,
        Error,
    ),
    mutant(
        "a closing quote dropped",
        "users.rsc",
        r#"comment="tiketi:1h" }"#,
        r#"comment="tiketi:1h }"#,
        BOTH,
        Error,
    ),
    mutant(
        "a closing brace dropped",
        "tiketi-sync.rsc",
        "  }\n}\n",
        "  }\n",
        BOTH,
        Error,
    ),
    mutant(
        "the escape before a $ of the stored script removed",
        "setup.rsc",
        r":local left [:len \$ids]",
        r":local left [:len $ids]",
        BOTH,
        Error,
    ),
    mutant(
        "an invalid escape",
        "setup.rsc",
        r"-----BEGIN CERTIFICATE-----\n",
        r"-----BEGIN CERTIFICATE-----\d",
        BOTH,
        Error,
    ),
    mutant(
        "a lower-case hex escape",
        "setup.rsc",
        r"-----BEGIN CERTIFICATE-----\n",
        r"-----BEGIN CERTIFICATE-----\0a",
        BOTH,
        Error,
    ),
    mutant(
        "a raw control character",
        "fair-usage.rsc",
        "",
        ":put \"a\u{7}b\"\n",
        BOTH,
        Error,
    ),
    mutant(
        "a slash path (v7 syntax)",
        "users.rsc",
        "do={ /ip hotspot user add",
        "do={ /ip/hotspot/user/add",
        V6,
        Error,
    ),
    mutant(
        "an unescaped ?",
        "tiketi-sync.rsc",
        r#"report\?""#,
        r#"report?""#,
        V6,
        Error,
    ),
    mutant(
        "a v7-only scripting command",
        "remove-users.rsc",
        r#":do { /ip hotspot active remove [find where user="K7QMX3PA2B"] } on-error={}"#,
        r#":onerror e in={ /ip hotspot active remove [find where user="K7QMX3PA2B"] } do={}"#,
        V6,
        Error,
    ),
    mutant(
        "a v7-only menu command",
        "setup.rsc",
        r#"/file print file="tiketi-ca""#,
        r#"/file add name="tiketi-ca.txt""#,
        V6,
        Error,
    ),
    mutant(
        "a v7-only property",
        "fair-usage.rsc",
        "",
        "/system ntp client set enabled=yes servers=\"pool.ntp.org\"\n",
        V6,
        Error,
    ),
    mutant(
        "a property v7 no longer has",
        "fair-usage.rsc",
        "",
        "/system ntp client set enabled=yes server-dns-names=\"pool.ntp.org\"\n",
        V7,
        Error,
    ),
    mutant(
        "an unknown menu",
        "setup.rsc",
        "/ip hotspot walled-garden ip add",
        "/ip hotspot walled-gardens ip add",
        BOTH,
        Error,
    ),
    mutant(
        "an unknown command",
        "setup.rsc",
        "/ip pool set [find",
        "/ip pool sett [find",
        BOTH,
        Error,
    ),
    mutant(
        "an unknown scripting command",
        "setup.rsc",
        ":tonum [:pick",
        ":tonumber [:pick",
        BOTH,
        Error,
    ),
    mutant(
        "a log topic misspelt",
        "tiketi-sync.rsc",
        ":log warning \"tiketi-sync: the previous",
        ":log warn \"tiketi-sync: the previous",
        BOTH,
        Error,
    ),
    mutant(
        "an undeclared variable set",
        "tiketi-sync.rsc",
        ":set left ($left - 1)",
        ":set lft ($left - 1)",
        BOTH,
        Error,
    ),
    mutant(
        "a malformed rate limit",
        "setup.rsc",
        r#"rate-limit="512k/1M""#,
        r#"rate-limit="512 kbps""#,
        BOTH,
        Error,
    ),
    mutant(
        "a yes/no value misspelt",
        "setup.rsc",
        "disabled=no\n",
        "disabled=false\n",
        BOTH,
        Error,
    ),
    mutant(
        "the HTTP walled garden's action in the IP walled garden",
        "setup.rsc",
        "action=accept",
        "action=allow",
        BOTH,
        Error,
    ),
    mutant(
        "a comment on a user profile, which has none",
        "setup.rsc",
        r#"/ip hotspot user profile add name="tiketi-1h" }"#,
        r#"/ip hotspot user profile add name="tiketi-1h" comment="tiketi" }"#,
        BOTH,
        Error,
    ),
    mutant(
        "a mandatory property left out",
        "setup.rsc",
        r#"/ip pool add name="tiketi-pool" ranges="192.168.88.10-192.168.88.254" }"#,
        r#"/ip pool add name="tiketi-pool" }"#,
        BOTH,
        Error,
    ),
    mutant(
        "an unknown policy",
        "setup.rsc",
        "policy=ftp,read,write,policy,test,sensitive }",
        "policy=ftp,reed,write,policy,test,sensitive }",
        BOTH,
        Error,
    ),
    mutant(
        "a delay that is not a time",
        "setup.rsc",
        ":delay 2s",
        ":delay 2x",
        BOTH,
        Error,
    ),
    mutant(
        "a bad value inside the stored sync script",
        "setup.rsc",
        "http-method=post",
        "http-method=posted",
        BOTH,
        Error,
    ),
    mutant(
        "whitespace before =",
        "setup.rsc",
        "interval=1m on-event",
        "interval =1m on-event",
        BOTH,
        Error,
    ),
    mutant(
        "dst-host given as a URL",
        "setup.rsc",
        r#"ip add dst-host="pay.pesapal.com""#,
        r#"ip add dst-host="https://pay.pesapal.com/""#,
        BOTH,
        Error,
    ),
    mutant(
        "find name=$name",
        "remove-users.rsc",
        "",
        "{ :local name \"K7QMX3PA2B\"; /ip hotspot user remove [find name=$name] }\n",
        BOTH,
        Error,
    ),
    mutant(
        "an unguarded add of a named item",
        "fair-usage.rsc",
        "",
        "/ip hotspot user add name=\"X7\" password=\"X7\"\n",
        BOTH,
        Warning,
    ),
    mutant(
        "a :local used on the next top-level line",
        "fair-usage.rsc",
        "",
        ":local x 1\n:put $x\n",
        BOTH,
        Warning,
    ),
    mutant(
        "a .local DNS name",
        "setup.rsc",
        r#"dns-name="login.wifi""#,
        r#"dns-name="login.local""#,
        BOTH,
        Warning,
    ),
    mutant(
        "an HTTPS download that does not verify the server",
        "setup.rsc",
        "check-certificate=yes-without-crl dst-path=($dir",
        "dst-path=($dir",
        BOTH,
        Warning,
    ),
    mutant(
        "a byte limit with a suffix",
        "users.rsc",
        "limit-bytes-total=1000000000",
        "limit-bytes-total=1G",
        BOTH,
        Warning,
    ),
    mutant(
        "an item number from print",
        "setup.rsc",
        r#"/ip pool set [find name="tiketi-pool"]"#,
        "/ip pool set 0",
        BOTH,
        Warning,
    ),
];

/// The golden script `m.file` with `m` applied.
fn mutate(golden: &[(String, String)], m: &Mutant) -> String {
    let (_, text) = golden
        .iter()
        .find(|(name, _)| name == m.file)
        .unwrap_or_else(|| panic!("no golden {}", m.file));
    if m.find.is_empty() {
        return format!("{text}{}", m.replace);
    }
    assert!(
        text.contains(m.find),
        "{}: {:?} is not in {} (update the mutant)",
        m.what,
        m.find,
        m.file
    );
    text.replacen(m.find, m.replace, 1)
}

#[test]
fn the_checker_rejects_every_mutant_of_the_golden_scripts() {
    let golden = golden_scripts();
    for m in MUTANTS {
        let text = mutate(&golden, m);
        for version in RouterOs::BOTH {
            let problems = routeros_check::check(&text, version);
            if m.refused_by.contains(&version) {
                let refused = match m.severity {
                    Error => has_errors(&problems),
                    Warning => !problems.is_empty(),
                };
                assert!(
                    refused,
                    "{} ({}) passes the checker for {version}; it must report {:?}:\n{}",
                    m.what,
                    m.file,
                    m.severity,
                    render(&problems)
                );
            } else {
                assert!(
                    problems.is_empty(),
                    "{} ({}) is fine on {version}, yet:\n{}",
                    m.what,
                    m.file,
                    render(&problems)
                );
            }
        }
    }
}

#[test]
fn both_checkers_agree_on_the_golden_scripts_and_their_mutants() {
    let golden = golden_scripts();
    let mut cases = golden.clone();
    cases.extend(
        MUTANTS
            .iter()
            .map(|m| (format!("{} ({})", m.what, m.file), mutate(&golden, m))),
    );
    for (name, text) in &cases {
        for version in RouterOs::BOTH {
            let Some(reference) = reference_checker::run(text, version) else {
                return; // the reference checker is not here: nothing to compare with
            };
            let problems = routeros_check::check(text, version);
            assert_eq!(
                problems.is_empty(),
                reference.accepts(),
                "{name} ({version}): the checkers disagree.\nours:\n{}\nreference:\n{}",
                render(&problems),
                reference.output
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Hostile input.

const HOSTILE: &str = "Bad \"name\" $(/system reboot) $user \\ back\\slash \\\" ? what\nnew line\r\ttab \u{7} \u{7f} }{ ;# ok";

fn hostile_params() -> (SetupParams, TicketType) {
    let mut ticket = demo_tickets().remove(0);
    ticket.id = format!("1h{HOSTILE}");
    ticket.name = HOSTILE.into();
    ticket.rate_limit = Some(format!("5M/5M{HOSTILE}"));
    let mut p = demo_params();
    p.business_name = HOSTILE.into();
    p.router_id = HOSTILE.into();
    p.hotspot_interface = format!("bridge{HOSTILE}");
    p.sync_url = format!("{BASE}/routers/demo/demo-router/sync?x=$y&z=\"");
    p.report_url = format!("{BASE}/routers/demo/demo-router/report?k=$(v)");
    p.secret_header = format!("{HEADER}: s,e$c?r\"e\\t");
    p.checkout_url = format!("{BASE}/checkout/{HOSTILE}");
    p.walled_garden_hosts.push(HOSTILE.into());
    p.profiles = profiles_for(&ticket);
    (p, ticket)
}

#[test]
fn hostile_text_stays_data_in_every_script() {
    let (p, ticket) = hostile_params();
    let mut user = user_for(&voucher(HOSTILE, HOSTILE, &ticket));
    user.comment = format!("tiketi:{HOSTILE}");
    let setup = setup_script(&p);
    let sync = sync_script(&p);
    let users = users_script(std::slice::from_ref(&user));
    let remove = remove_users_script(&[HOSTILE]);
    for (name, text) in [
        ("hostile-setup.rsc", &setup),
        ("hostile-sync.rsc", &sync),
        ("hostile-users.rsc", &users),
        ("hostile-remove.rsc", &remove),
    ] {
        assert_checkers_accept(name, text);
    }

    // Users: every value reads back exactly.
    assert_eq!(values_of(&users, "name"), vec![HOSTILE; 3]);
    assert_eq!(values_of(&users, "password"), vec![HOSTILE; 2]);
    assert_eq!(
        values_of(&users, "comment"),
        vec![format!("tiketi:{HOSTILE}"); 2]
    );
    assert_eq!(
        values_of(&users, "profile"),
        vec![format!("tiketi-1h{HOSTILE}"); 2]
    );
    assert_eq!(values_of(&remove, "user"), vec![HOSTILE]);

    // Setup: the profile name and interface, the header comment, the nested sync script.
    assert!(values_of(&setup, "name").contains(&format!("tiketi-1h{HOSTILE}")));
    assert!(
        values_of(&setup, "interface")
            .iter()
            .all(|i| i == &p.hotspot_interface)
    );
    assert_eq!(values_of(&setup, "rate-limit"), vec![String::new()]);
    let header = setup.lines().next().unwrap();
    let (router, rest) = unquote(header.strip_prefix("# Tiketi setup for router ").unwrap());
    let (business, rest) = unquote(rest.strip_prefix(" of ").unwrap());
    assert_eq!(
        (router.as_str(), business.as_str(), rest),
        (HOSTILE, HOSTILE, ".")
    );
    let source = values_of(&setup, "source");
    assert_eq!(source, vec![sync.clone()]);
    // The sync URL (a query already in it is continued with `&`) and the secret header go in
    // as quoted values.
    assert!(sync.contains(&format!(
        ":local syncUrl {}",
        quote(&format!("{}&", p.sync_url))
    )));
    let headers = header_fields(&[&p.secret_header, "Content-Type: text/plain"]);
    assert!(sync.contains(&format!(":local hdrPost {}", quote(&headers))));
    assert!(!setup.contains(HOSTILE) && !sync.contains(HOSTILE));
    let hosts = values_of(&setup, "dst-host");
    assert!(!hosts.is_empty() && hosts.iter().all(|h| !h.contains(' ')));

    // Login page: escaped for HTML and inert for the router's $(…) templating.
    let page = login_page(&p);
    assert!(page.contains(&format!("<h1>{}</h1>", html_escape(HOSTILE))));
    assert!(!page.contains("$(/system") && !page.contains("$user") && !page.contains("\"name\""));
    let expected_title = format!("<title>{} WiFi</title>", html_escape(HOSTILE));
    assert!(page.contains(&expected_title));
}

#[test]
fn module_constants_match_the_documented_facts() {
    assert_eq!(
        routeros::SYNC_POLICY,
        "ftp,read,write,policy,test,sensitive"
    );
    assert_eq!(routeros::profile_name("1h"), "tiketi-1h");
    const { assert!(routeros::REPORT_PAGE_BYTES + 200 < 4096) };
}
