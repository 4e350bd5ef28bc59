//! A static checker for the RouterOS scripts (`.rsc`) Tiketi generates, for RouterOS v7 and v6.
//!
//! # Why
//!
//! A router applies what Tiketi sends it with `/import`, which stops at the first line RouterOS
//! refuses and keeps the lines before it: a setup or sync that is half applied, and that nobody
//! notices until a customer cannot log in. No router runs in the tests, so this checker reads a
//! script the way RouterOS's parser does and reports, with its line, everything RouterOS would
//! refuse or would run differently from what the script means. The generator's tests
//! (`tests/tests/routeros_golden.rs`) and the sync and batch tests
//! ([`crate::router_model::assert_router_accepts`]) run every script through it in both modes.
//!
//! # What it checks
//!
//! The rules are RouterOS facts from MikroTik's manual (scripting, hotspot, fetch, file, import,
//! scheduler pages), the v6 wiki, and RouterOS's own `/console/inspect` dumps of its command tree
//! (7.9 to 7.24); `docs/routers.md` lists the ones the generator depends on.
//!
//! - **Lexical** (`lexer.rs`, `syntax.rs`): quotes, `[]`, `()` and `{}` balance; a backslash
//!   outside a string only continues a line; inside `"…"` only RouterOS's escapes exist (`\"` `\\`
//!   `\n` `\r` `\t` `\$` `\?` `\_` `\a` `\b` `\f` `\v` and `\XX` with upper-case hex); a `$` starts
//!   a variable (`$name`, `$"dash-name"`) or a substitution (`$(…)`, `$[…]`), anything else must be
//!   `\$`; no whitespace before `=`; no raw control characters.
//! - **Commands** (`menus.rs`): every line resolves to a menu path and a command of the menus
//!   Tiketi's scripts use, or to a scripting command (`:if`, `:local`, `:foreach`, …); spelled out,
//!   not abbreviated.
//! - **Properties** (`properties.rs`, `values.rs`): for `add`/`set` on the hotspot menus, the pool,
//!   DHCP, DNS, scheduler, script and NTP menus, and for `/tool fetch`, `/import` and `/file`:
//!   names are real, typed values are well formed (times, byte counts, rate limits, yes/no,
//!   enumerations, addresses, MACs, dates, URLs, host names), mandatory properties are given.
//! - **Variables** (`checker.rs`, `scripting.rs`): declared before use with `:local`/`:global`,
//!   loop variables, or provided by RouterOS where a script runs (hotspot on-login/on-logout);
//!   `"…"` is expanded when its line runs, so a variable inside a string counts too.
//! - **Nested scripts**: values that are scripts (`source`, `on-event`, `on-login`, `on-logout`,
//!   `lease-script`) are unescaped and checked again as scripts.
//! - **Versions**: with [`RouterOs::V6`], v7-only syntax (slash paths, unescaped `?`), scripting
//!   commands, menu commands and properties are errors; with [`RouterOs::V7`], v6-only
//!   properties are.
//! - **Traps** (`traps.rs`): `find name=$name` matches every item, item numbers from `print`, `add`
//!   of named items without a guard (a second import fails), HTTPS fetches that do not verify the
//!   server, `dst-host` given as a URL, `.local` hotspot DNS names.
//!
//! # What it does not check
//!
//! Run-time values (what a variable holds, whether a `find` matches), the text compiled by
//! `:parse`, arguments of commands outside the property tables, and menus Tiketi does not use
//! (reported as unknown: for a generator of these scripts, reaching for another menu deserves a
//! look and a table entry). v6 has no machine-readable command tree: v6 mode is v7's tree minus
//! what is known to be v7-only, plus the few known v6-only property names.
//!
//! When the reference checker of the RouterOS notes is present beside the repository, the tests
//! run it as an extra gate ([`crate::reference_checker`]).

mod checker;
mod lexer;
mod menus;
mod properties;
mod scripting;
mod syntax;
mod traps;
mod values;

#[cfg(test)]
mod tests;

use std::fmt;

/// The RouterOS major version a script is checked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouterOs {
    /// RouterOS 7.x (the tables hold names from 7.9 to 7.24).
    V7,
    /// RouterOS 6.x: no slash paths, `?` must be escaped, no v7-only commands or properties.
    V6,
}

impl RouterOs {
    pub const BOTH: [Self; 2] = [Self::V7, Self::V6];
}

impl fmt::Display for RouterOs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::V7 => "v7",
            Self::V6 => "v6",
        })
    }
}

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// RouterOS refuses the line (the import stops there) or the line cannot do what it says.
    Error,
    /// RouterOS runs it, but it is fragile or probably not what was meant.
    Warning,
}

/// One finding: the 1-based line of the checked text, how bad it is, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Problem {
    pub line: usize,
    pub severity: Severity,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "line {}: {level}: {}", self.line, self.message)
    }
}

/// Checks `script` as RouterOS `version` would import it. Problems come sorted by line, errors
/// before warnings on the same line, each once.
pub fn check(script: &str, version: RouterOs) -> Vec<Problem> {
    let mut report = Report::default();
    let text = script.replace("\r\n", "\n").replace('\r', "\n");
    control_characters(&text, &mut report);
    checker::check_file(&text, version, &mut report);
    let mut problems = report.problems;
    problems.sort_by_key(|p| (p.line, p.severity));
    problems.dedup();
    problems
}

/// Whether any of `problems` is an error.
pub fn has_errors(problems: &[Problem]) -> bool {
    problems.iter().any(|p| p.severity == Severity::Error)
}

/// `problems`, one a line, for an assertion message.
pub fn render(problems: &[Problem]) -> String {
    problems.iter().map(|p| format!("{p}\n")).collect()
}

/// RouterOS reads a raw control character as part of a value or a command, never as intended:
/// generated text writes them as escapes (`\07`). Tab and line breaks are whitespace.
fn control_characters(text: &str, report: &mut Report) {
    for (i, line) in text.split('\n').enumerate() {
        for c in line.chars() {
            if c.is_ascii_control() && c != '\t' {
                report.push(
                    i + 1,
                    Severity::Error,
                    format!(
                        "raw control character 0x{:02X}: write it as an escape inside a string \
                         (\\{:02X})",
                        u32::from(c),
                        u32::from(c)
                    ),
                );
            }
        }
    }
}

/// The problems found so far.
#[derive(Default)]
struct Report {
    problems: Vec<Problem>,
}

impl Report {
    fn push(&mut self, line: usize, severity: Severity, message: String) {
        self.problems.push(Problem {
            line,
            severity,
            message,
        });
    }
}

/// Where the text being read sits in the checked file: a script nested in a string value is
/// read on its own, its lines shifted to the line of the string and its messages prefixed with
/// the property that holds it.
#[derive(Debug, Clone, Default)]
struct Origin {
    /// Added to the text's own line numbers.
    offset: usize,
    /// Put before every message, e.g. `(in source script) `.
    prefix: String,
}

/// Reports problems found while reading text of one [`Origin`].
struct Diag<'a> {
    report: &'a mut Report,
    origin: &'a Origin,
}

impl Diag<'_> {
    fn error(&mut self, line: usize, message: impl Into<String>) {
        self.push(line, Severity::Error, message.into());
    }

    fn warning(&mut self, line: usize, message: impl Into<String>) {
        self.push(line, Severity::Warning, message.into());
    }

    fn push(&mut self, line: usize, severity: Severity, message: String) {
        let message = format!("{}{message}", self.origin.prefix);
        self.report
            .push(line + self.origin.offset, severity, message);
    }
}
