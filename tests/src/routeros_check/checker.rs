//! Walks the command lines of a script: resolves each to a menu command or a scripting command,
//! checks the arguments of the commands that have a property table, follows blocks, brackets
//! and nested scripts, and tracks which variables are declared where.
//!
//! How RouterOS reads a line (MikroTik manual, *Scripting*):
//!
//! - `/ip hotspot user add …` is absolute; a line that is only a path (`/ip hotspot user`) makes
//!   that menu current for the following lines of its block (export style), and `..` goes up.
//!   A line starting with a bare word is relative to the current menu, or a scripting command
//!   written without `:` when the menu has no such name.
//! - Inside `[…]` the enclosing command's menu is current: `/ip hotspot user set [find …]`.
//! - `{…}` opens a scope: a `:local` declared inside is gone after the `}`. Each top-level line
//!   of an imported file is its own scope, so a `:local` is not visible on the next top-level
//!   line (stated by the manual for the console; believed to hold for `/import` too, hence a
//!   warning rather than an error).
//! - A variable must be declared (`:local`, `:global`, a loop variable) before it is used, or
//!   the script does not compile. Scripts that RouterOS runs with variables of its own (a
//!   hotspot on-login script gets `$user`, `$address`, …) are checked with those declared, and
//!   the bodies of functions (`:local f do={…}`) and of monitor-like commands' `do={…}` are not,
//!   since their variables come from the caller or the command.
//! - A property whose value is a script (`source`, `on-event`, `on-login`, …) given as a constant
//!   string is read again as a script of its own, as RouterOS does when it runs it: with its own
//!   scope, the variables RouterOS provides there, and its lines mapped back to the string's.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{
    Diag, Origin, Report, RouterOs, Severity,
    lexer::{self, Bracket, Tok},
    menus::{self, Entry},
    properties::{self, Alt},
    syntax::{self, Arg, Item},
    values,
};

/// Where a command runs: its menu, what it may rely on, and where its text comes from.
#[derive(Debug, Clone, Default)]
pub(super) struct Ctx {
    /// The current menu path (`["ip", "hotspot", "user"]`).
    pub(super) menu: Vec<String>,
    /// Variables RouterOS provides to this script.
    pub(super) provided: &'static [&'static str],
    /// Inside a function body or a command's `do={…}`: variables come from elsewhere.
    pub(super) in_function: bool,
    /// An error here is caught (`:do {…} on-error={…}`) or the line is conditional (`do={…}`).
    pub(super) guarded: bool,
    /// An undeclared variable is an error (else a warning: `{…}` script values).
    pub(super) strict_vars: bool,
    /// The text is the checked file itself (not a script nested in a value).
    pub(super) file_level: bool,
    pub(super) origin: Origin,
}

impl Ctx {
    fn with_menu(&self, menu: &[String]) -> Self {
        Self {
            menu: menu.to_vec(),
            ..self.clone()
        }
    }
}

/// The first line and count of `add`s on a named menu that are neither guarded nor preceded by
/// a `remove` on that menu, and the origin of the first.
pub(super) struct Unguarded {
    pub(super) line: usize,
    pub(super) count: usize,
    pub(super) prefix: String,
}

pub(super) struct Checker<'r> {
    report: &'r mut Report,
    pub(super) version: RouterOs,
    /// Declared variables, innermost scope last.
    scopes: Vec<HashSet<String>>,
    /// Menus with a `remove` earlier in the file.
    pub(super) removed: HashSet<String>,
    pub(super) unguarded: BTreeMap<String, Unguarded>,
    /// The line of the top-level command being checked.
    top_line: usize,
    /// `:local`s declared at the file's top level → the line that declared them.
    top_locals: HashMap<String, usize>,
}

/// Checks a whole file.
pub(super) fn check_file(text: &str, version: RouterOs, report: &mut Report) {
    let mut checker = Checker {
        report,
        version,
        scopes: vec![HashSet::new()],
        removed: HashSet::new(),
        unguarded: BTreeMap::new(),
        top_line: 0,
        top_locals: HashMap::new(),
    };
    let mut ctx = Ctx {
        strict_vars: true,
        file_level: true,
        ..Ctx::default()
    };
    checker.check_text(text, &mut ctx);
    checker.finish();
}

impl Checker<'_> {
    pub(super) fn v6(&self) -> bool {
        self.version == RouterOs::V6
    }

    pub(super) fn error(&mut self, ctx: &Ctx, line: usize, message: impl Into<String>) {
        self.diag(ctx).error(line, message);
    }

    pub(super) fn warning(&mut self, ctx: &Ctx, line: usize, message: impl Into<String>) {
        self.diag(ctx).warning(line, message);
    }

    fn diag<'a>(&'a mut self, ctx: &'a Ctx) -> Diag<'a> {
        Diag {
            report: &mut *self.report,
            origin: &ctx.origin,
        }
    }

    /// Records a problem at an absolute line of the file.
    pub(super) fn push_absolute(&mut self, line: usize, severity: Severity, message: String) {
        self.report.push(line, severity, message);
    }

    /// Runs `f` in a new scope (a `{…}` block, a loop body).
    pub(super) fn in_scope<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        self.scopes.push(HashSet::new());
        let result = f(self);
        self.scopes.pop();
        result
    }

    pub(super) fn declare(&mut self, name: &str) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert(name.to_owned());
        }
    }

    pub(super) fn is_declared(&self, ctx: &Ctx, name: &str) -> bool {
        ctx.provided.contains(&name)
            || name.bytes().all(|b| b.is_ascii_digit())
            || self.scopes.iter().any(|s| s.contains(name))
    }

    /// Records a top-level `:local` of the file.
    pub(super) fn note_top_local(&mut self, ctx: &Ctx, name: &str) {
        if ctx.file_level && self.scopes.len() == 1 {
            self.top_locals.insert(name.to_owned(), self.top_line);
        }
    }

    /// Reads `text` (one file, or a script nested in a value) and checks each line.
    pub(super) fn check_text(&mut self, text: &str, ctx: &mut Ctx) {
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        let tokens = lexer::lex(&text, &mut self.diag(ctx));
        if self.v6() {
            self.v6_lexical(&tokens, ctx);
        }
        let lines = syntax::group_lines(tokens, &mut self.diag(ctx));
        for line in &lines {
            if ctx.file_level {
                self.top_line = line.first().map_or(0, Item::line);
            }
            let refs: Vec<&Item> = line.iter().collect();
            self.command(&refs, ctx);
        }
    }

    /// What v6 cannot read at all: slash-separated paths and raw `?` (v6 prints help there).
    fn v6_lexical(&mut self, tokens: &[lexer::Token], ctx: &Ctx) {
        for token in tokens {
            match &token.tok {
                Tok::Word(w) if is_slash_path(w) => {
                    let spaced: Vec<&str> = w.split('/').filter(|p| !p.is_empty()).collect();
                    self.error(
                        ctx,
                        token.line,
                        format!(
                            "{w}: slash-separated paths are RouterOS v7 syntax; v6 needs /{}",
                            spaced.join(" ")
                        ),
                    );
                }
                Tok::Word(w) if w.contains('?') => self.error(
                    ctx,
                    token.line,
                    "'?' in an unquoted value: RouterOS v6 prints help there; quote the value and \
                     write \\?",
                ),
                Tok::Str(s) => {
                    if let Some(&line) = s.raw_questions.first() {
                        self.error(
                            ctx,
                            line,
                            "unescaped '?' inside a string: RouterOS v6 prints help there \
                             instead; write \\?",
                        );
                    }
                }
                _ => {}
            }
        }
    }

    /// The lines of a `{…}` block (or any item list), in `ctx`.
    pub(super) fn block(&mut self, items: &[Item], ctx: &mut Ctx) {
        for line in syntax::split_lines(items, true) {
            self.command(&line, ctx);
        }
    }

    /// A block in a scope of its own, in a copy of `ctx`.
    pub(super) fn nested_block(&mut self, items: &[Item], ctx: &Ctx) {
        let mut inner = ctx.clone();
        self.in_scope(|s| s.block(items, &mut inner));
    }

    /// One command line.
    pub(super) fn command(&mut self, line: &[&Item], ctx: &mut Ctx) {
        let args = syntax::to_args(line, &mut self.diag(ctx));
        let Some(first_arg) = args.first() else {
            return;
        };
        let line_no = first_arg.line;
        if let Some(key) = first_arg.key {
            self.error(
                ctx,
                line_no,
                format!("the line starts with {key}=…: a command (add, set, …) is missing"),
            );
            let menu = ctx.menu.clone();
            self.scan_args(&args, ctx, &menu, false);
            return;
        }
        let first = first_arg.items[0];
        let menu = ctx.menu.clone();
        match first {
            Item::Group(g) => {
                if g.bracket == Bracket::Curly && args.len() == 1 {
                    self.nested_block(&g.items, ctx);
                } else {
                    self.scan_args(&args, ctx, &menu, false);
                }
            }
            Item::Tok(t) => match &t.tok {
                Tok::Var(name) => {
                    self.use_var(ctx, name, t.line, false);
                    self.scan_args(&args[1..], ctx, &menu, false);
                }
                Tok::Str(_) => {
                    self.warning(ctx, line_no, "the line starts with a string, not a command");
                    self.scan_args(&args, ctx, &menu, false);
                }
                Tok::Word(word) => {
                    if first_arg.items.len() > 1 {
                        self.scan_items(&first_arg.items[1..], ctx, &menu);
                    }
                    if let Some(name) = word.strip_prefix(':') {
                        self.scripting(name, line_no, &args[1..], ctx);
                    } else if word.starts_with('/') {
                        let parts = word
                            .split('/')
                            .filter(|p| !p.is_empty())
                            .map(str::to_owned)
                            .collect();
                        self.menu_command(Vec::new(), parts, &args[1..], ctx, line_no, false);
                    } else if word == ".." {
                        let mut up = menu;
                        up.pop();
                        self.menu_command(up, Vec::new(), &args[1..], ctx, line_no, false);
                    } else {
                        let words = vec![word.clone()];
                        self.menu_command(menu, words, &args[1..], ctx, line_no, true);
                    }
                }
                _ => {}
            },
        }
    }

    /// Walks a menu path from `start` through `words` and then the line's leading bare words,
    /// and runs the command it reaches; a path alone makes that menu current.
    fn menu_command(
        &mut self,
        start: Vec<String>,
        words: Vec<String>,
        rest: &[Arg<'_>],
        ctx: &mut Ctx,
        line: usize,
        relative: bool,
    ) {
        let mut node = start;
        let mut pending: std::collections::VecDeque<String> = words.into();
        let mut used = 0;
        let mut first = true;
        loop {
            let word = match pending.pop_front() {
                Some(w) => w,
                None => match rest.get(used).and_then(Arg::word) {
                    Some(w) if !w.starts_with(':') => {
                        used += 1;
                        w.to_owned()
                    }
                    _ => break,
                },
            };
            let path = node.join("/");
            if relative && first && menus::is_scripting_command(&word) {
                // A scripting command written without ':' (`put`, `if`), unless the menu has
                // a command of that name (`find`, `set`).
                if node.is_empty() || !menus::is_entry(&path, &word) {
                    if !node.is_empty() {
                        self.warning(
                            ctx,
                            line,
                            format!(
                                "'{word}' without ':' inside /{}: write :{word}",
                                node.join(" ")
                            ),
                        );
                    }
                    self.scripting(&word, line, &rest[used..], ctx);
                    return;
                }
            }
            first = false;
            match menus::resolve(&path, &word) {
                None => {
                    let place = if node.is_empty() {
                        "the root menu".to_owned()
                    } else {
                        format!("/{}", node.join(" "))
                    };
                    let close = menus::suggestions(&path, &word);
                    let hint = if close.is_empty() {
                        String::new()
                    } else {
                        format!(" (did you mean {}?)", close.join(", "))
                    };
                    self.error(
                        ctx,
                        line,
                        format!(
                            "'{word}' is no menu or command of {place} that Tiketi's scripts \
                             use{hint}"
                        ),
                    );
                    self.scan_args(&rest[used..], ctx, &node, false);
                    return;
                }
                Some((entry, abbreviated)) => {
                    let name = match entry {
                        Entry::Menu(n) | Entry::Command(n) => n,
                    };
                    if abbreviated {
                        self.warning(
                            ctx,
                            line,
                            format!("'{word}' abbreviates '{name}': spell it out"),
                        );
                    }
                    match entry {
                        Entry::Menu(_) => node.push(name.to_owned()),
                        Entry::Command(_) => {
                            self.run_menu_command(&node, name, &rest[used..], ctx, line);
                            return;
                        }
                    }
                }
            }
        }
        ctx.menu = node;
    }

    /// A menu command with its arguments.
    pub(super) fn run_menu_command(
        &mut self,
        node: &[String],
        cmd: &str,
        args: &[Arg<'_>],
        ctx: &mut Ctx,
        line: usize,
    ) {
        let menu = node.join("/");
        if self.v6()
            && let Some((_, _, since)) = properties::V7_ONLY_COMMANDS
                .iter()
                .find(|(m, c, _)| *m == menu && *c == cmd)
        {
            self.error(
                ctx,
                line,
                format!(
                    "/{} {cmd} exists only in RouterOS v7 ({since} and later)",
                    menu.replace('/', " ")
                ),
            );
        }
        // The key of the version rules of this command's arguments.
        let rule_key = match (menu.as_str(), cmd) {
            ("tool", "fetch") => "tool/fetch".to_owned(),
            ("", "import") => "import".to_owned(),
            ("system/script", "run") => "system/script/run".to_owned(),
            _ => menu.clone(),
        };
        let (named, positional): (Vec<&Arg<'_>>, Vec<&Arg<'_>>) =
            args.iter().partition(|a| a.key.is_some());
        self.item_numbers(cmd, &menu, &positional, ctx, line);
        self.track_adds(cmd, &menu, ctx, line);
        if cmd == "add"
            && let Some((_, required)) = properties::MANDATORY_ON_ADD
                .iter()
                .find(|(m, _)| *m == menu)
        {
            let given: HashSet<&str> = named.iter().filter_map(|a| a.key).collect();
            for property in *required {
                if !given.contains(property) && !given.contains("copy-from") {
                    self.error(
                        ctx,
                        line,
                        format!("/{} add needs {property}=", menu.replace('/', " ")),
                    );
                }
            }
        }
        if matches!(
            cmd,
            "find" | "print" | "remove" | "set" | "get" | "enable" | "disable"
        ) {
            self.same_name_trap(args, ctx);
        }
        let Some(table) = properties::table(&menu, cmd) else {
            self.scan_args(args, ctx, node, true);
            return;
        };
        for arg in &named {
            self.check_named(&rule_key, &menu, cmd, &table, arg, ctx);
        }
        if rule_key == "tool/fetch" {
            self.fetch_lints(&named, &positional, ctx, line);
        }
        if rule_key == "import"
            && positional.is_empty()
            && !named.iter().any(|a| a.key == Some("file-name"))
        {
            self.error(ctx, line, "/import needs a file (file-name=x.rsc)");
        }
        let allowed = usize::from(
            cmd == "set"
                || matches!(
                    rule_key.as_str(),
                    "tool/fetch" | "import" | "system/script/run"
                ),
        );
        for (index, arg) in positional.iter().enumerate() {
            if let Some(flag) = arg.word().filter(|w| table.is_flag(w)) {
                if self.v6()
                    && let Some(since) = properties::v7_only(&rule_key, flag)
                {
                    self.error(
                        ctx,
                        arg.line,
                        format!("{flag} exists only in RouterOS v7 ({since} and later)"),
                    );
                }
                continue;
            }
            if index >= allowed {
                self.error(
                    ctx,
                    arg.line,
                    format!(
                        "stray value '{}' in /{} {cmd}: a value with spaces goes in quotes \
                         (key=\"a b\")",
                        arg.word().unwrap_or("…"),
                        menu.replace('/', " ")
                    ),
                );
            }
            self.scan_items(&arg.items, ctx, node);
        }
    }

    /// One `key=value` argument of a command with a property table.
    fn check_named(
        &mut self,
        rule_key: &str,
        menu: &str,
        cmd: &str,
        table: &properties::Arguments,
        arg: &Arg<'_>,
        ctx: &mut Ctx,
    ) {
        let given = arg.key.unwrap_or_default();
        let node: Vec<String> = menu
            .split('/')
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect();
        let (key, ty) = match table.get(given) {
            Some(found) => found,
            None => match table.expand(given).and_then(|k| table.get(k)) {
                Some((key, ty)) => {
                    self.warning(
                        ctx,
                        arg.line,
                        format!("property '{given}' abbreviates '{key}': spell it out"),
                    );
                    (key, ty)
                }
                None => {
                    let label = if menu.is_empty() {
                        cmd.to_owned()
                    } else {
                        format!("/{} {cmd}", menu.replace('/', " "))
                    };
                    self.error(
                        ctx,
                        arg.line,
                        format!(
                            "{label} has no property '{given}' (it has: {})",
                            table.names().join(", ")
                        ),
                    );
                    self.scan_items(&arg.items, ctx, &node);
                    return;
                }
            },
        };
        if let Some(since) = properties::v7_only(rule_key, key) {
            if self.v6() {
                self.error(
                    ctx,
                    arg.line,
                    format!("{key}= exists only in RouterOS v7 ({since} and later)"),
                );
            } else if !properties::V7_BASELINE.contains(&since) {
                self.warning(
                    ctx,
                    arg.line,
                    format!("{key}= needs RouterOS {since} or later"),
                );
            }
        }
        if !self.v6()
            && properties::V6_ONLY
                .iter()
                .any(|(k, p)| *k == rule_key && *p == key)
        {
            self.error(
                ctx,
                arg.line,
                format!("{key}= is a RouterOS v6 name: v7 has no such property"),
            );
        }
        if arg.negated {
            return;
        }
        if ty.is(&Alt::Flag) {
            if arg.has_value() {
                self.error(ctx, arg.line, format!("{key} is a flag: it takes no value"));
            }
            return;
        }
        if !arg.has_value() {
            self.warning(
                ctx,
                arg.line,
                format!("{key}= has no value; write {key}=\"\" to clear it"),
            );
            return;
        }
        if ty.is(&Alt::Script) {
            self.script_value(key, arg, ctx);
            return;
        }
        self.scan_items(&arg.items, ctx, &node);
        let Some(literal) = arg.literal().filter(|l| !l.is_empty()) else {
            return;
        };
        if key == "output" && literal == "user-with-headers" && self.v6() {
            self.error(
                ctx,
                arg.line,
                "output=user-with-headers exists only in RouterOS v7",
            );
        }
        if let Some((severity, message)) = values::check_value(ty, &literal, key, self.version) {
            match severity {
                Severity::Error => self.error(ctx, arg.line, message),
                Severity::Warning => self.warning(ctx, arg.line, message),
            }
        }
    }

    /// A property whose value is a script: a `{…}` block, or a string read again as a script.
    fn script_value(&mut self, key: &str, arg: &Arg<'_>, ctx: &mut Ctx) {
        let provided = properties::provided_variables(key);
        if let Some(block) = arg.block() {
            let mut sub = Ctx {
                provided,
                strict_vars: false,
                origin: Origin {
                    offset: ctx.origin.offset,
                    prefix: format!("{}(in {key}) ", ctx.origin.prefix),
                },
                ..Ctx::default()
            };
            self.with_fresh_scopes(|s| s.block(&block.items, &mut sub));
            return;
        }
        self.scan_items(&arg.items, ctx, &[]);
        let Some((string, line)) = arg.single().and_then(|i| i.string().map(|s| (s, i.line())))
        else {
            return;
        };
        if !string.is_constant() {
            // Expanded while the outer line runs: its variables were checked just above.
            return;
        }
        let source = string.value.trim();
        if source
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        {
            return; // the name of a script, not code
        }
        let mut sub = Ctx {
            provided,
            strict_vars: true,
            origin: Origin {
                offset: ctx.origin.offset + line - 1,
                prefix: format!("{}(in the {key} script) ", ctx.origin.prefix),
            },
            ..Ctx::default()
        };
        let source = string.value.clone();
        self.with_fresh_scopes(|s| s.check_text(&source, &mut sub));
    }

    /// Runs `f` with no variables declared (a script of its own), then restores the scopes.
    fn with_fresh_scopes(&mut self, f: impl FnOnce(&mut Self)) {
        let saved = std::mem::replace(&mut self.scopes, vec![HashSet::new()]);
        f(self);
        self.scopes = saved;
    }

    /// Arguments of a command without a property table: blocks are followed, values scanned
    /// for variables and bracketed commands.
    pub(super) fn scan_args(
        &mut self,
        args: &[Arg<'_>],
        ctx: &mut Ctx,
        node: &[String],
        provides_vars: bool,
    ) {
        for arg in args {
            if matches!(arg.key, Some("do" | "else" | "on-error"))
                && let Some(block) = arg.block()
            {
                // A command's do={…} (monitor, flood-ping, …) defines variables of its own.
                let inner = Ctx {
                    in_function: ctx.in_function || provides_vars,
                    ..ctx.guarded_copy()
                };
                self.nested_block(&block.items, &inner);
                continue;
            }
            self.scan_items(&arg.items, ctx, node);
        }
    }

    /// Values: variables used, commands in `[…]`, expressions in `(…)`, arrays in `{…}`.
    pub(super) fn scan_items(&mut self, items: &[&Item], ctx: &Ctx, node: &[String]) {
        for &item in items {
            match item {
                Item::Group(g) => match g.bracket {
                    Bracket::Square => {
                        for line in syntax::split_lines(&g.items, false) {
                            let mut inner = ctx.with_menu(node);
                            self.command(&line, &mut inner);
                        }
                    }
                    Bracket::Round | Bracket::Curly => {
                        let round = g.bracket == Bracket::Round;
                        let inner: Vec<&Item> = g
                            .items
                            .iter()
                            .filter(|i| {
                                if round {
                                    !matches!(
                                        i,
                                        Item::Tok(lexer::Token {
                                            tok: Tok::Newline,
                                            ..
                                        })
                                    )
                                } else {
                                    !i.is_separator()
                                }
                            })
                            .collect();
                        self.scan_items(&inner, ctx, node);
                    }
                },
                Item::Tok(t) => match &t.tok {
                    Tok::Var(name) => self.use_var(ctx, name, t.line, false),
                    Tok::Str(s) => {
                        for (name, line) in &s.vars {
                            self.use_var(ctx, name, *line, true);
                        }
                    }
                    _ => {}
                },
            }
        }
    }

    /// A variable used at `line`.
    pub(super) fn use_var(&mut self, ctx: &Ctx, name: &str, line: usize, in_string: bool) {
        if ctx.file_level
            && self
                .top_locals
                .get(name)
                .is_some_and(|&l| l != self.top_line)
            && self.scopes[0].contains(name)
            && !self.scopes[1..].iter().any(|s| s.contains(name))
        {
            self.warning(
                ctx,
                line,
                format!(
                    "${name} was declared with :local on another top-level line: each top-level \
                     line of an imported file is a scope of its own; wrap the lines in {{ … }}"
                ),
            );
        }
        if ctx.in_function || self.is_declared(ctx, name) {
            return;
        }
        let message = if in_string {
            format!(
                "${name} inside a string is not declared here: RouterOS expands a string when its \
                 line runs; declare it, or write \\${name} if it belongs to a script stored in \
                 this string"
            )
        } else {
            format!("${name} is used but not declared (:local or :global)")
        };
        if ctx.strict_vars {
            self.error(ctx, line, message);
        } else {
            self.warning(ctx, line, message);
        }
    }
}

/// `/ip/hotspot/user`: a slash path (v7 only).
fn is_slash_path(word: &str) -> bool {
    let Some(rest) = word.strip_prefix('/') else {
        return false;
    };
    let Some((first, second)) = rest.split_once('/') else {
        return false;
    };
    !first.is_empty()
        && first
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && second.starts_with(|c: char| c.is_ascii_lowercase())
}
