//! One case per rule: a bad script the checker must reject (with the expected message, for the
//! versions that refuse it) and a good one, written the right way, that it must accept on v6 and
//! v7 without a warning. A checker that accepts everything, or rejects everything, fails here.

use super::{Problem, RouterOs, Severity, check, render};

const BOTH: &[RouterOs] = &RouterOs::BOTH;
const V6: &[RouterOs] = &[RouterOs::V6];
const V7: &[RouterOs] = &[RouterOs::V7];
const E: Severity = Severity::Error;
/// At least a warning.
const W: Severity = Severity::Warning;

struct Case {
    rule: &'static str,
    bad: &'static str,
    refused_by: &'static [RouterOs],
    severity: Severity,
    /// Part of the message the checker must give.
    says: &'static str,
    good: &'static str,
}

const fn case(
    rule: &'static str,
    bad: &'static str,
    refused_by: &'static [RouterOs],
    severity: Severity,
    says: &'static str,
    good: &'static str,
) -> Case {
    Case {
        rule,
        bad,
        refused_by,
        severity,
        says,
        good,
    }
}

const LEXICAL: &[Case] = &[
    case(
        "quotes balance",
        r#":put "a"#,
        BOTH,
        E,
        "unterminated string",
        r#":put "a""#,
    ),
    case(
        "braces balance",
        r#":if (1 = 1) do={ :put "a""#,
        BOTH,
        E,
        "never closed",
        r#":if (1 = 1) do={ :put "a" }"#,
    ),
    case(
        "brackets balance",
        r#":put [:len "a""#,
        BOTH,
        E,
        "never closed",
        r#":put [:len "a"]"#,
    ),
    case(
        "a bracket closes its own kind",
        r#":put ("a"]"#,
        BOTH,
        E,
        "closes the '('",
        r#":put ("a")"#,
    ),
    case(
        "a closer needs an opener",
        r#":put "a" }"#,
        BOTH,
        E,
        "closes nothing",
        r#":put "a""#,
    ),
    case(
        "a backslash outside a string only continues a line",
        r#":put a\b"#,
        BOTH,
        E,
        "backslash outside a string",
        ":put [/ip pool find name=\\\n    \"p\"]",
    ),
    case(
        "a comment cannot be continued",
        "# a comment \\\n:put \"x\"",
        BOTH,
        E,
        "comment cannot be continued",
        "# a comment\n:put \"x\"",
    ),
    case(
        "only RouterOS's escapes exist",
        r#":put "a\.b""#,
        BOTH,
        E,
        r"\. is not a RouterOS escape",
        r#":put "a\\.b""#,
    ),
    case(
        "hex escapes are upper case",
        r#":put "\1b""#,
        BOTH,
        E,
        "upper-case",
        r#":put "\1B""#,
    ),
    case(
        "a $ in a string starts a variable",
        r#":put "costs 5$""#,
        BOTH,
        E,
        "unescaped $",
        r#":put "costs 5\$""#,
    ),
    case(
        "a $ before a quote in a string",
        r#":put "a$" . "b""#,
        BOTH,
        E,
        "unescaped $ before a quote",
        r#":put "a\$" . "b""#,
    ),
    case(
        "no raw control characters",
        ":put \"a\u{7}b\"",
        BOTH,
        E,
        "raw control character 0x07",
        r#":put "a\07b""#,
    ),
    case(
        "no whitespace before =",
        r#"/ip pool set [find name="p"] ranges =10.0.0.1-10.0.0.9"#,
        BOTH,
        E,
        "whitespace before '='",
        r#"/ip pool set [find name="p"] ranges=10.0.0.1-10.0.0.9"#,
    ),
    case(
        "no whitespace after =",
        r#"/ip hotspot user set [find name="a"] comment= "x""#,
        BOTH,
        E,
        "stray value",
        r#"/ip hotspot user set [find name="a"] comment="x""#,
    ),
];

const VARIABLES: &[Case] = &[
    case(
        "variables are declared",
        ":put $x",
        BOTH,
        E,
        "$x is used but not declared",
        "{ :local x 1; :put $x }",
    ),
    case(
        "strings are expanded when their line runs",
        r#":put "n=$x""#,
        BOTH,
        E,
        "$x inside a string is not declared",
        r#"{ :local x 1; :put "n=$x" }"#,
    ),
    case(
        ":set needs a declared variable",
        ":set x 1",
        BOTH,
        E,
        ":set x: the variable is not declared",
        "{ :local x 0; :set x 1 }",
    ),
    case(
        "a block ends its variables' scope",
        "{ { :local a 1 }; :put $a }",
        BOTH,
        E,
        "$a is used but not declared",
        "{ :local a 1; { :put $a } }",
    ),
    case(
        "loop variables live in the loop",
        ":foreach i in={1;2} do={ :put $i }; :put $i",
        BOTH,
        E,
        "$i is used but not declared",
        ":foreach i in={1;2} do={ :put $i }",
    ),
    case(
        "each top-level line of an import is its own scope",
        ":local x 1\n:put $x",
        BOTH,
        W,
        "another top-level line",
        "{\n  :local x 1\n  :put $x\n}",
    ),
    case(
        "variable names are letters and digits",
        ":global my-var 1",
        BOTH,
        E,
        "invalid variable name",
        ":global \"my-var\" 1",
    ),
    case(
        "underscores are undocumented in variable names",
        ":global my_var 1",
        BOTH,
        W,
        "only letters and digits",
        ":global myvar 1",
    ),
    case(
        "on-login gets RouterOS's variables, and no others",
        r#"/ip hotspot user profile set [find name="p"] on-login=":log info \$nobody""#,
        BOTH,
        E,
        "(in the on-login script) $nobody is used but not declared",
        r#"/ip hotspot user profile set [find name="p"] on-login=":log info (\$user . \" \" . \$\"mac-address\")""#,
    ),
    case(
        "a stored script escapes its own $",
        r#"/ip hotspot user profile set [find name="p"] on-login=":log info $user""#,
        BOTH,
        E,
        "$user inside a string is not declared",
        r#"/ip hotspot user profile set [find name="p"] on-login=":log info \$user""#,
    ),
    case(
        "on-logout gets the session's counters",
        r#"/ip hotspot user profile set [find name="p"] on-login=":log info \$\"bytes-in\"""#,
        BOTH,
        E,
        "$bytes-in is used but not declared",
        r#"/ip hotspot user profile set [find name="p"] on-logout=":log info \$\"bytes-in\"""#,
    ),
    case(
        "a {…} script value is checked with its own scope",
        r#"/system scheduler set [find name="s"] on-event={ :put $x }"#,
        BOTH,
        W,
        "(in on-event) $x is used but not declared",
        r#"/system scheduler set [find name="s"] on-event={ :local x 1; :put $x }"#,
    ),
];

const COMMANDS: &[Case] = &[
    case(
        "menus exist",
        "/ip hotspot frobnicate print",
        BOTH,
        E,
        "'frobnicate' is no menu or command of /ip hotspot",
        "/ip hotspot walled-garden print",
    ),
    case(
        "commands exist",
        r#"/ip pool sett [find name="p"] ranges=10.0.0.1-10.0.0.9"#,
        BOTH,
        E,
        "'sett' is no menu or command of /ip pool",
        r#"/ip pool set [find name="p"] ranges=10.0.0.1-10.0.0.9"#,
    ),
    case(
        "user profiles cannot be disabled",
        r#"/ip hotspot user profile disable [find name="p"]"#,
        BOTH,
        E,
        "'disable' is no menu or command",
        r#"/ip hotspot user profile remove [find name="p"]"#,
    ),
    case(
        "scripting commands exist",
        r#":frobnicate "x""#,
        BOTH,
        E,
        "':frobnicate' is no scripting command",
        r#":put "x""#,
    ),
    case(
        "names are spelt out",
        r#"/ip hots user set [find name="a"] comment="x""#,
        BOTH,
        W,
        "'hots' abbreviates 'hotspot'",
        r#"/ip hotspot user set [find name="a"] comment="x""#,
    ),
    case(
        "a path line makes its menu current; scripting there needs ':'",
        "/ip pool\nput \"x\"",
        BOTH,
        W,
        "'put' without ':' inside /ip pool",
        "/ip pool\nset [find name=\"p\"] ranges=10.0.0.1-10.0.0.9\n:put \"x\"",
    ),
    case(
        "a line starts with a command",
        r#"name="x""#,
        BOTH,
        E,
        "a command (add, set, …) is missing",
        r#":put "x""#,
    ),
    case(
        "a line does not start with a string",
        r#""x""#,
        BOTH,
        W,
        "starts with a string",
        r#":put "x""#,
    ),
    case(
        ":if needs a condition",
        ":if do={ :put 1 }",
        BOTH,
        E,
        ":if needs a (condition)",
        ":if (1 = 1) do={ :put 1 }",
    ),
    case(
        ":if needs do=",
        ":if (1 = 1)",
        BOTH,
        E,
        ":if without do=",
        ":if (1 = 1) do={}",
    ),
    case(
        ":if takes do= and else= only",
        ":if (1 = 1) do={ :put 1 } then={ :put 2 }",
        BOTH,
        E,
        ":if takes no then=",
        ":if (1 = 1) do={ :put 1 } else={ :put 2 }",
    ),
    case(
        ":do needs a block",
        ":do :put",
        BOTH,
        E,
        ":do needs a {block}",
        ":do { :put 1 }",
    ),
    case(
        ":do takes while= or on-error=",
        ":do { :put 1 } catch={}",
        BOTH,
        E,
        ":do takes while=(…) or on-error={…}",
        ":do { :put 1 } on-error={}",
    ),
    case(
        ":for needs from= and to=",
        ":for i from=1 do={ :put $i }",
        BOTH,
        E,
        ":for without to=",
        ":for i from=1 to=3 do={ :put $i }",
    ),
    case(
        ":foreach takes in=",
        ":foreach i in {1;2} do={ :put $i }",
        BOTH,
        W,
        "the documented form is in=value",
        ":foreach i in={1;2} do={ :put $i }",
    ),
    case(
        ":onerror needs in=",
        ":onerror e do={ :put $e }",
        BOTH,
        E,
        ":onerror without in=",
        ":do { :put 1 } on-error={ :put \"failed\" }",
    ),
    case(
        ":delay takes a time",
        ":delay 2x",
        BOTH,
        E,
        ":delay 2x is not a time",
        ":delay 500ms",
    ),
    case(
        ":log needs a topic",
        r#":log "hello""#,
        BOTH,
        E,
        ":log needs a topic",
        r#":log info "hello""#,
    ),
    case(
        ":local needs a name",
        ":local",
        BOTH,
        E,
        ":local needs a variable name",
        ":local x",
    ),
    case(
        ":local takes name value",
        ":local x=1",
        BOTH,
        E,
        "the form is :local name value",
        ":local x 1",
    ),
    case(
        "/import needs a file",
        "/import",
        BOTH,
        E,
        "/import needs a file",
        r#"/import file-name="x.rsc""#,
    ),
];

const PROPERTIES: &[Case] = &[
    case(
        "property names are real",
        r#"/ip hotspot user set [find name="a"] uptime-limit=1h"#,
        BOTH,
        E,
        "/ip hotspot user set has no property 'uptime-limit'",
        r#"/ip hotspot user set [find name="a"] limit-uptime=1h"#,
    ),
    case(
        "limits sit where RouterOS keeps them",
        r#"/ip hotspot user set [find name="a"] rate-limit="1M/2M""#,
        BOTH,
        E,
        "has no property 'rate-limit'",
        r#"/ip hotspot user profile set [find name="a"] rate-limit="1M/2M""#,
    ),
    case(
        "user profiles take no comment",
        r#"/ip hotspot user profile set [find name="p"] comment="x""#,
        BOTH,
        E,
        "has no property 'comment'",
        r#"/ip hotspot user set [find name="p"] comment="x""#,
    ),
    case(
        "property names are spelt out",
        r#"/ip hotspot user set [find name="a"] limit-up=1h"#,
        BOTH,
        W,
        "'limit-up' abbreviates 'limit-uptime'",
        r#"/ip hotspot user set [find name="a"] limit-uptime=1h"#,
    ),
    case(
        "mandatory properties are given",
        r#":if ([:len [/ip pool find name="p"]] = 0) do={ /ip pool add name="p" }"#,
        BOTH,
        E,
        "/ip pool add needs ranges=",
        r#":if ([:len [/ip pool find name="p"]] = 0) do={ /ip pool add name="p" ranges=10.0.0.2-10.0.0.9 }"#,
    ),
    case(
        "a flag takes no value",
        r#":local r [/tool fetch url="https://x.example/" check-certificate=yes output=user as-value=yes]"#,
        BOTH,
        E,
        "as-value is a flag",
        r#":local r [/tool fetch url="https://x.example/" check-certificate=yes output=user as-value]"#,
    ),
    case(
        "an empty value is written \"\"",
        r#"/ip hotspot user set [find name="a"] comment="#,
        BOTH,
        W,
        "comment= has no value",
        r#"/ip hotspot user set [find name="a"] comment="""#,
    ),
    case(
        "a value with spaces is quoted",
        r#"/ip hotspot user set [find name="a"] comment=two words"#,
        BOTH,
        E,
        "stray value 'words'",
        r#"/ip hotspot user set [find name="a"] comment="two words""#,
    ),
    case(
        "times are RouterOS times",
        r#"/ip hotspot user set [find name="a"] limit-uptime=1hx"#,
        BOTH,
        E,
        "limit-uptime=1hx is not a RouterOS time",
        r#"/ip hotspot user set [find name="a"] limit-uptime=1h30m"#,
    ),
    case(
        "HH:MM is not a time",
        r#"/ip hotspot user set [find name="a"] limit-uptime=30:00"#,
        BOTH,
        E,
        "HH:MM is not a time",
        r#"/ip hotspot user set [find name="a"] limit-uptime=00:30:00"#,
    ),
    case(
        "byte limits are integers",
        r#"/ip hotspot user set [find name="a"] limit-bytes-total=lots"#,
        BOTH,
        E,
        "a byte limit is a plain integer",
        r#"/ip hotspot user set [find name="a"] limit-bytes-total=1000000000"#,
    ),
    case(
        "byte suffixes are undocumented",
        r#"/ip hotspot user set [find name="a"] limit-bytes-total=1G"#,
        BOTH,
        W,
        "undocumented",
        r#"/ip hotspot user set [find name="a"] limit-bytes-total=1000000000"#,
    ),
    case(
        "rate limits follow the grammar",
        r#"/ip hotspot user profile set [find name="p"] rate-limit="5 Mbps""#,
        BOTH,
        E,
        "is not a rate",
        r#"/ip hotspot user profile set [find name="p"] rate-limit="1M/2M 2M/4M 768k/1500k 16/16 8 256k/512k""#,
    ),
    case(
        "rate-limit fractions are undocumented",
        r#"/ip hotspot user profile set [find name="p"] rate-limit="1.5M/2M""#,
        BOTH,
        W,
        "fractions are undocumented",
        r#"/ip hotspot user profile set [find name="p"] rate-limit="1500k/2M""#,
    ),
    case(
        "yes/no",
        r#"/ip hotspot set [find name="t"] disabled=false"#,
        BOTH,
        E,
        "disabled=false: expected bool",
        r#"/ip hotspot set [find name="t"] disabled=no"#,
    ),
    case(
        "keywords of the menu",
        r#"/ip hotspot walled-garden set [find comment="t"] action=accept"#,
        BOTH,
        E,
        "action=accept: expected allow or deny",
        r#"/ip hotspot walled-garden ip set [find comment="t"] action=accept"#,
    ),
    case(
        "shared users are at least 1",
        r#"/ip hotspot user profile set [find name="p"] shared-users=0"#,
        BOTH,
        E,
        "shared-users=0",
        r#"/ip hotspot user profile set [find name="p"] shared-users=unlimited"#,
    ),
    case(
        "keyword lists",
        r#"/ip hotspot profile set [find name="t"] login-by=http-chap,sms"#,
        BOTH,
        E,
        "sms is not one of",
        r#"/ip hotspot profile set [find name="t"] login-by=http-chap,http-pap,cookie"#,
    ),
    case(
        "policies",
        r#"/system script set [find name="s"] policy=read,reed"#,
        BOTH,
        E,
        "reed is not one of",
        r#"/system script set [find name="s"] policy=ftp,read,write,policy,test,sensitive"#,
    ),
    case(
        "MAC addresses",
        r#"/ip hotspot user set [find name="a"] mac-address=AA:BB:CC:DD:EE"#,
        BOTH,
        E,
        "mac-address=AA:BB:CC:DD:EE",
        r#"/ip hotspot user set [find name="a"] mac-address=AA:BB:CC:DD:EE:FF"#,
    ),
    case(
        "IP addresses",
        r#"/ip hotspot profile set [find name="t"] hotspot-address=192.168.88.256"#,
        BOTH,
        E,
        "hotspot-address=192.168.88.256",
        r#"/ip hotspot profile set [find name="t"] hotspot-address="192.168.88.1""#,
    ),
    case(
        "IP ranges",
        r#"/ip pool set [find name="p"] ranges=10.0.0.2-10.0.0"#,
        BOTH,
        E,
        "ranges=10.0.0.2-10.0.0",
        r#"/ip pool set [find name="p"] ranges=10.0.0.2-10.0.0.9,10.1.0.0/24"#,
    ),
    case(
        "times of day",
        r#"/system scheduler set [find name="s"] start-time=8:00"#,
        BOTH,
        E,
        "a time of day is HH:MM:SS",
        r#"/system scheduler set [find name="s"] start-time=08:00:00"#,
    ),
    case(
        "URLs",
        r#"/tool fetch url="pay.tiketi.example/x" check-certificate=yes dst-path="x""#,
        BOTH,
        E,
        "a URL starts with",
        r#"/tool fetch url="https://pay.tiketi.example/x" check-certificate=yes dst-path="x""#,
    ),
    case(
        "host names",
        r#"/ip hotspot walled-garden ip set [find comment="t"] dst-host="pay example""#,
        BOTH,
        E,
        "is not a host name",
        r#"/ip hotspot walled-garden set [find comment="t"] dst-host="*.example.com""#,
    ),
    case(
        "script values are scripts",
        r#"/system script set [find name="s"] source="/ip hotspot user set [find name=\"a\"] uptime=1h""#,
        BOTH,
        E,
        "(in the source script) /ip hotspot user set has no property 'uptime'",
        r#"/system script set [find name="s"] source="/ip hotspot user set [find name=\"a\"] limit-uptime=1h""#,
    ),
    case(
        "a script value may name a script",
        r#"/system scheduler set [find name="s"] on-event="/system script frob tiketi-sync""#,
        BOTH,
        E,
        "(in the on-event script) 'frob' is no menu or command",
        r#"/system scheduler set [find name="s"] on-event="tiketi-sync""#,
    ),
];

const VERSIONS: &[Case] = &[
    case(
        "v6 prints help at a raw ?",
        r#":put "a?b""#,
        V6,
        E,
        "unescaped '?' inside a string",
        r#":put "a\?b""#,
    ),
    case(
        "v6 prints help at ? in a word",
        r#"/ip hotspot user set [find name="a"] comment=a?b"#,
        V6,
        E,
        "'?' in an unquoted value",
        r#"/ip hotspot user set [find name="a"] comment="a\?b""#,
    ),
    case(
        "v6 has no slash paths",
        "/ip/pool/print",
        V6,
        E,
        "v6 needs /ip pool print",
        "/ip pool print",
    ),
    case(
        "v6 lacks v7's scripting commands",
        ":put [:rndstr length=8]",
        V6,
        E,
        ":rndstr exists only in RouterOS v7",
        r#":put [:pick "abc" 0 1]"#,
    ),
    case(
        "v6 lacks v7's menu commands",
        r#"/file add name="x.txt" contents="a""#,
        V6,
        E,
        "/file add exists only in RouterOS v7",
        r#"/file set [find name="x.txt"] contents="a""#,
    ),
    case(
        "v6 lacks v7's properties",
        r#"/system ntp client set enabled=yes servers="pool.ntp.org""#,
        V6,
        E,
        "servers= exists only in RouterOS v7",
        "/system ntp client set enabled=yes",
    ),
    case(
        "v6 lacks v7's flags",
        r#"/import file-name="x.rsc" dry-run"#,
        V6,
        E,
        "dry-run exists only in RouterOS v7",
        r#"/import file-name="x.rsc""#,
    ),
    case(
        "v7 lacks v6's property names",
        r#"/system ntp client set enabled=yes server-dns-names="pool.ntp.org""#,
        V7,
        E,
        "server-dns-names= is a RouterOS v6 name",
        "/system ntp client set enabled=yes mode=unicast",
    ),
    case(
        "recent v7 properties are flagged on v7 too",
        r#"/tool fetch url="https://x.example/" check-certificate=yes dst-path="x" idle-timeout=10s"#,
        BOTH,
        W,
        "idle-timeout=",
        r#"/tool fetch url="https://x.example/" check-certificate=yes dst-path="x""#,
    ),
    case(
        "v6 fetch has no user-with-headers",
        r#":local r [/tool fetch url="https://x.example/" check-certificate=yes output=user-with-headers as-value]"#,
        V6,
        E,
        "output=user-with-headers exists only in RouterOS v7",
        r#":local r [/tool fetch url="https://x.example/" check-certificate=yes output=user as-value]"#,
    ),
    case(
        "v6 dates are mmm/dd/yyyy",
        r#"/system scheduler set [find name="s"] start-date=2025-01-31"#,
        V6,
        E,
        "v6 dates are mmm/dd/yyyy",
        r#"/system scheduler set [find name="s"] start-time=startup"#,
    ),
    case(
        "v7.10+ dates are YYYY-MM-DD",
        r#"/system scheduler set [find name="s"] start-date=jan/31/2025"#,
        V7,
        W,
        "YYYY-MM-DD",
        r#"/system scheduler set [find name="s"] start-time=startup"#,
    ),
];

const TRAPS: &[Case] = &[
    case(
        "find name=$name matches every item",
        r#"{ :local name "a"; /ip hotspot user remove [find name=$name] }"#,
        BOTH,
        E,
        "'name=$name'",
        r#"{ :local code "a"; /ip hotspot user remove [find name=$code] }"#,
    ),
    case(
        "… also inside an expression",
        r#"{ :local name "a"; /ip hotspot user remove [find where (name=$name)] }"#,
        BOTH,
        E,
        "'name=$name'",
        r#"{ :local code "a"; /ip hotspot user remove [find where (name=$code)] }"#,
    ),
    case(
        "item numbers mean nothing in a script",
        r#"/ip hotspot user set 0 comment="x""#,
        BOTH,
        W,
        "item numbers come from the last print",
        r#"/ip hotspot user set [find name="a"] comment="x""#,
    ),
    case(
        "an add of a named item is guarded",
        r#"/ip pool add name="p" ranges=10.0.0.2-10.0.0.9"#,
        BOTH,
        W,
        "1 unguarded add on /ip pool",
        r#":if ([:len [/ip pool find name="p"]] = 0) do={ /ip pool add name="p" ranges=10.0.0.2-10.0.0.9 }"#,
    ),
    case(
        "… or follows a removal",
        r#":do { /ip hotspot user add name="a" } on-error={}; /ip hotspot user profile add name="p""#,
        BOTH,
        W,
        "unguarded add on /ip hotspot user profile",
        "/ip hotspot user profile remove [find name=\"p\"]\n/ip hotspot user profile add name=\"p\"",
    ),
    case(
        "HTTPS downloads verify the server",
        r#"/tool fetch url="https://x.example/" dst-path="x""#,
        BOTH,
        W,
        "without check-certificate=yes",
        r#"/tool fetch url="https://x.example/" check-certificate=yes-without-crl dst-path="x""#,
    ),
    case(
        "a POST says so",
        r#"/tool fetch url="https://x.example/" check-certificate=yes http-data="x" output=none"#,
        BOTH,
        W,
        "no http-method=post",
        r#"/tool fetch url="https://x.example/" check-certificate=yes http-method=post http-data="x" output=none"#,
    ),
    case(
        "output=user needs as-value",
        r#":local r [/tool fetch url="https://x.example/" check-certificate=yes output=user]"#,
        BOTH,
        W,
        "without as-value",
        r#":local r [/tool fetch url="https://x.example/" check-certificate=yes output=user as-value]"#,
    ),
    case(
        "dst-host is a host, not a URL",
        r#"/ip hotspot walled-garden ip set [find comment="t"] dst-host="https://pay.pesapal.com/""#,
        BOTH,
        E,
        "give a host name, not a URL",
        r#"/ip hotspot walled-garden ip set [find comment="t"] dst-host="pay.pesapal.com""#,
    ),
    case(
        "iOS misses .local hotspots",
        r#"/ip hotspot profile set [find name="t"] dns-name="hotspot.local""#,
        BOTH,
        W,
        "ends in .local",
        r#"/ip hotspot profile set [find name="t"] dns-name="login.wifi""#,
    ),
];

fn assert_rule(c: &Case) {
    for version in RouterOs::BOTH {
        let problems = check(c.bad, version);
        if c.refused_by.contains(&version) {
            let found = problems.iter().any(|p| {
                p.message.contains(c.says)
                    && (c.severity == Severity::Warning || p.severity == Severity::Error)
            });
            assert!(
                found,
                "{} ({version}): expected {:?} saying {:?} for\n{}\ngot:\n{}",
                c.rule,
                c.severity,
                c.says,
                c.bad,
                render(&problems)
            );
        } else {
            assert!(
                problems.is_empty(),
                "{} ({version}): the bad example is fine on {version}, yet:\n{}",
                c.rule,
                render(&problems)
            );
        }
        let problems = check(c.good, version);
        assert!(
            problems.is_empty(),
            "{} ({version}): the good example\n{}\nis rejected:\n{}",
            c.rule,
            c.good,
            render(&problems)
        );
    }
}

#[test]
fn lexical_rules() {
    LEXICAL.iter().for_each(assert_rule);
}

#[test]
fn variable_rules() {
    VARIABLES.iter().for_each(assert_rule);
}

#[test]
fn command_rules() {
    COMMANDS.iter().for_each(assert_rule);
}

#[test]
fn property_rules() {
    PROPERTIES.iter().for_each(assert_rule);
}

#[test]
fn version_rules() {
    VERSIONS.iter().for_each(assert_rule);
}

#[test]
fn trap_rules() {
    TRAPS.iter().for_each(assert_rule);
}

#[test]
fn a_continued_line_joins_the_word() {
    // `policy=\` + newline + `    ftp,read` is the one word `policy=ftp,read`.
    let script = "/system script set [find name=\"s\"] policy=\\\n    ftp,read";
    assert_eq!(check(script, RouterOs::V7), vec![]);
    let broken = "/system script set [find name=\"s\"] policy=\\\n    ftp,reed";
    assert!(super::has_errors(&check(broken, RouterOs::V7)));
}

#[test]
fn a_continued_string_drops_the_indentation() {
    let script = ":put \"one \\\n    two\"";
    assert_eq!(check(script, RouterOs::V6), vec![]);
}

#[test]
fn problems_in_a_nested_script_point_at_its_line_in_the_file() {
    let script = "# header\n\
                  /system script set [find name=\"s\"] source=\":put 1\\n\\n:put \\$x\"\n";
    let problems = check(script, RouterOs::V7);
    assert_eq!(
        problems,
        vec![Problem {
            line: 4,
            severity: Severity::Error,
            message: "(in the source script) $x is used but not declared (:local or :global)"
                .into(),
        }],
        "the script's third line is the file's fourth"
    );
}

#[test]
fn problems_come_sorted_errors_first_each_once() {
    let script = ":put $a\n:put $a; :put \"a?b\"\n:put $b";
    let problems = check(script, RouterOs::V6);
    let lines: Vec<(usize, Severity)> = problems.iter().map(|p| (p.line, p.severity)).collect();
    assert_eq!(
        lines,
        vec![
            (1, Severity::Error),
            (2, Severity::Error),
            (2, Severity::Error),
            (3, Severity::Error)
        ],
        "{}",
        render(&problems)
    );
    assert_eq!(
        problems[0].to_string(),
        "line 1: error: $a is used but not declared (:local or :global)"
    );
}

#[test]
fn an_empty_script_or_comments_alone_are_fine() {
    for script in ["", "\n\n", "# Tiketi: this router is in sync.\n"] {
        for version in RouterOs::BOTH {
            assert_eq!(check(script, version), vec![], "{script:?}");
        }
    }
}

/// Every case against the reference checker, where it is present: both must accept and reject
/// the same examples. Slow (it runs the reference checker some 300 times): run it after changing
/// the rules or tables, `cargo test -p tiketi-tests --lib routeros_check -- --ignored`.
#[test]
#[ignore = "runs the reference checker some 300 times (about a minute)"]
fn the_reference_checker_agrees_on_every_case() {
    let all = [LEXICAL, VARIABLES, COMMANDS, PROPERTIES, VERSIONS, TRAPS];
    let mut disagreements = Vec::new();
    for c in all.iter().flat_map(|cases| cases.iter()) {
        for version in RouterOs::BOTH {
            for script in [c.bad, c.good] {
                let Some(reference) = crate::reference_checker::run(script, version) else {
                    return;
                };
                let ours = check(script, version);
                if ours.is_empty() != reference.accepts() {
                    disagreements.push(format!(
                        "{} ({version}) {script:?}\nours:\n{}reference:\n{}",
                        c.rule,
                        render(&ours),
                        reference.output
                    ));
                }
            }
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
