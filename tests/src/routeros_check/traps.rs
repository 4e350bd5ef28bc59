//! Lines RouterOS accepts that do not do what they mean: known traps of RouterOS scripting.
//!
//! - **`find name=$name`** compares the property with itself when the variable is named like
//!   the property, so it matches every item: `remove [find name=$name]` removes them all
//!   (MikroTik manual, *Scripting*: do not use variables named like the arguments).
//! - **Item numbers** (`set 0 …`) are those of the last `print` in the same console and mean
//!   nothing in a script; items are selected with `[find …]`.
//! - **Unguarded `add`** of a named item (hotspot user, profile, pool, scheduler, …) fails with
//!   "already have such name" when the script runs again, and stops the import there. Tiketi's
//!   scripts are re-run by design, so every such `add` sits in `:if ([:len [find name=…]] = 0)
//!   do={…}`, inside `:do {…} on-error={…}`, or after a `remove` of that menu's items.
//! - **`/tool fetch` over HTTPS** verifies nothing unless `check-certificate=yes` or
//!   `yes-without-crl` (the default is `no`); `http-data` without an explicit method, and
//!   `output=user` without `as-value` (the body is then printed, not returned), are fragile.

use std::collections::HashSet;

use super::{
    Severity,
    checker::{Checker, Ctx, Unguarded},
    properties,
    syntax::{Arg, Item},
};

impl Checker<'_> {
    /// `set 0 …`, `remove 3,4`: numbers from a `print`.
    pub(super) fn item_numbers(
        &mut self,
        cmd: &str,
        menu: &str,
        positional: &[&Arg<'_>],
        ctx: &Ctx,
        line: usize,
    ) {
        let selects = matches!(
            cmd,
            "set" | "remove" | "enable" | "disable" | "get" | "comment" | "edit" | "unset"
        );
        let Some(selector) = positional.first().and_then(|a| a.word()) else {
            return;
        };
        let numbers = selector
            .split(',')
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if selects && numbers && menu != "port" {
            self.warning(
                ctx,
                line,
                format!(
                    "'{cmd} {selector}': item numbers come from the last print and mean nothing in \
                     a script; select with [find …]"
                ),
            );
        }
    }

    /// Remembers `remove`s, and `add`s of named items that a second run would fail on.
    pub(super) fn track_adds(&mut self, cmd: &str, menu: &str, ctx: &Ctx, line: usize) {
        if cmd == "remove" {
            self.removed.insert(menu.to_owned());
        }
        if cmd == "add"
            && properties::NAMED_MENUS.contains(&menu)
            && !ctx.guarded
            && !self.removed.contains(menu)
        {
            self.unguarded
                .entry(menu.to_owned())
                .or_insert_with(|| Unguarded {
                    line: line + ctx.origin.offset,
                    count: 0,
                    prefix: ctx.origin.prefix.clone(),
                })
                .count += 1;
        }
    }

    /// Reports the unguarded `add`s, once per menu.
    pub(super) fn finish(&mut self) {
        let unguarded = std::mem::take(&mut self.unguarded);
        for (menu, u) in unguarded {
            let message = format!(
                "{}{} unguarded add on /{} (the first here): running the script again fails with \
                 'already have such name'; guard it with :if ([:len [find name=…]] = 0) do={{…}}",
                u.prefix,
                u.count,
                menu.replace('/', " ")
            );
            self.push_absolute(u.line, Severity::Warning, message);
        }
    }

    /// `name=$name`, and `name=$name` inside `(…)` of a filter.
    pub(super) fn same_name_trap(&mut self, args: &[Arg<'_>], ctx: &Ctx) {
        for arg in args {
            if let (Some(key), Some(var)) = (arg.key, arg.single().and_then(Item::var))
                && key == var
            {
                self.error(
                    ctx,
                    arg.line,
                    format!(
                        "'{key}=${var}': the variable has the property's name, so the filter \
                         compares the property with itself and selects every item; give the \
                         variable another name"
                    ),
                );
            }
            let mut flat: Vec<(Option<&str>, Option<&str>, bool, usize)> = Vec::new();
            if let Some(head) = arg.head {
                flat.push((Some(head), None, false, arg.line));
            }
            flatten(arg.items.iter().copied(), &mut flat);
            for pair in flat.windows(2) {
                let (Some(word), _, _, line) = pair[0] else {
                    continue;
                };
                let (_, Some(var), spaced, _) = pair[1] else {
                    continue;
                };
                let property = word
                    .strip_suffix('=')
                    .map(|w| w.rsplit('(').next().unwrap_or(w));
                if !spaced && property == Some(var) {
                    self.error(
                        ctx,
                        line,
                        format!(
                            "'{word}${var}': the variable has the property's name, so the \
                             filter selects every item; give the variable another name"
                        ),
                    );
                }
            }
        }
    }

    /// `/tool fetch` arguments that work but are fragile.
    pub(super) fn fetch_lints(
        &mut self,
        named: &[&Arg<'_>],
        positional: &[&Arg<'_>],
        ctx: &Ctx,
        line: usize,
    ) {
        let value = |key: &str| {
            named
                .iter()
                .find(|a| a.key == Some(key))
                .map(|a| a.literal())
        };
        let flags: HashSet<&str> = positional.iter().filter_map(|a| a.word()).collect();
        let url = value("url").flatten().unwrap_or_default();
        let https =
            url.starts_with("https://") || value("mode").flatten().as_deref() == Some("https");
        let certificate = value("check-certificate").flatten();
        if https && matches!(certificate.as_deref(), None | Some("no")) {
            self.warning(
                ctx,
                line,
                "/tool fetch over https without check-certificate=yes or yes-without-crl: the \
                 server is not verified (the default is no)",
            );
        }
        let method = value("http-method").flatten();
        if value("http-data").is_some() && matches!(method.as_deref(), None | Some("get" | "head"))
        {
            self.warning(
                ctx,
                line,
                "/tool fetch with http-data but no http-method=post (or put/patch): make the \
                 method explicit",
            );
        }
        let output = value("output").flatten();
        if matches!(output.as_deref(), Some("user" | "user-with-headers"))
            && !flags.contains("as-value")
        {
            self.warning(
                ctx,
                line,
                "/tool fetch output=user without as-value: the body is printed, not returned; \
                 read ($result->\"data\") of [/tool fetch … output=user as-value]",
            );
        }
    }
}

/// Tokens of `items` in order (words and variables, with whether whitespace precedes each),
/// descending into `(…)` and `{…}` but not into `[…]`, which are commands of their own.
fn flatten<'a>(
    items: impl IntoIterator<Item = &'a Item>,
    out: &mut Vec<(Option<&'a str>, Option<&'a str>, bool, usize)>,
) {
    for item in items {
        match item {
            Item::Group(g) if g.bracket != super::lexer::Bracket::Square => {
                flatten(g.items.iter(), out);
            }
            Item::Group(_) => {}
            Item::Tok(_) => out.push((item.word(), item.var(), item.spaced(), item.line())),
        }
    }
}
