//! Scripting commands (`:if`, `:local`, `:foreach`, …): their required parts, the variables they
//! declare, and the scopes of their blocks.
//!
//! The forms (MikroTik manual, *Scripting*): `:local name [value]` and `:global name [value]`
//! (names are letters and digits; anything else is quoted, `:local "my-var"`, and read as
//! `$"my-var"`); `:set name [value]` on a declared variable; `:if (condition) do={…}
//! [else={…}]`; `:while (condition) do={…}`; `:do {…} [while=(…)] [on-error={…}]`;
//! `:for i from=1 to=10 [step=1] do={…}`; `:foreach i in=list do={…}` (also `k,v`);
//! `:onerror e in={…} do={…}` (v7.13+); `:log info|warning|error|debug "message"`; `:delay 2s`.
//! `:do {…} on-error={…}` is how a script that runs on v6 and v7 catches errors.

use super::{
    checker::{Checker, Ctx},
    menus,
    syntax::{Arg, Item},
    values,
};

impl Checker<'_> {
    /// `:name rest…` (or a scripting command written without `:`).
    pub(super) fn scripting(&mut self, name: &str, line: usize, rest: &[Arg<'_>], ctx: &mut Ctx) {
        let menu = ctx.menu.clone();
        if menus::MENU_SCRIPTING.contains(&name) {
            if name == "log" {
                let topic = rest.first().and_then(Arg::word);
                let known = topic.is_some_and(|t| {
                    menus::LOG_TOPICS.contains(&t) || matches!(t, "print" | "find" | "get")
                });
                if !known {
                    self.error(
                        ctx,
                        line,
                        ":log needs a topic: info, warning, error or debug",
                    );
                }
            }
            self.scan_args(rest, ctx, &menu, false);
            return;
        }
        if !menus::is_scripting_command(name) {
            self.error(ctx, line, format!("':{name}' is no scripting command"));
            self.scan_args(rest, ctx, &menu, false);
            return;
        }
        if self.v6() && menus::V7_ONLY_SCRIPTING.contains(&name) {
            self.error(ctx, line, format!(":{name} exists only in RouterOS v7"));
        }
        match name {
            "local" | "global" => self.declaration(name, line, rest, ctx),
            "set" => self.set_variable(line, rest, ctx),
            "if" | "while" => {
                if rest.first().is_none_or(|c| c.key.is_some()) {
                    self.error(ctx, line, format!(":{name} needs a (condition)"));
                }
                if !rest.iter().any(|a| a.key == Some("do")) {
                    self.error(ctx, line, format!(":{name} without do={{…}}"));
                }
                for arg in rest {
                    if let Some(key) = arg.key.filter(|k| !matches!(*k, "do" | "else")) {
                        self.error(ctx, arg.line, format!(":{name} takes no {key}="));
                    }
                }
                self.scan_args(rest, ctx, &menu, false);
            }
            "do" => self.do_block(line, rest, ctx),
            "for" | "foreach" => self.loop_command(name, line, rest, ctx),
            "onerror" => self.onerror(line, rest, ctx),
            "execute" | "time" | "retry" => {
                for arg in rest {
                    match arg.block() {
                        Some(block) => self.nested_block(&block.items, &ctx.guarded_copy()),
                        None => self.scan_items(&arg.items, ctx, &menu),
                    }
                }
            }
            "delay" => {
                if let Some(first) = rest.first() {
                    let literal = first.key.is_none().then(|| first.literal()).flatten();
                    if let Some(value) = literal.filter(|v| !values::is_time(v)) {
                        self.error(
                            ctx,
                            line,
                            format!(":delay {value} is not a time (500ms, 2s, 1m)"),
                        );
                    }
                    if rest.len() > 1 {
                        self.error(ctx, line, ":delay takes one time (:delay 5s)");
                    }
                }
                self.scan_args(rest, ctx, &menu, false);
            }
            "import" => self.run_menu_command(&[], "import", rest, ctx, line),
            _ => self.scan_args(rest, ctx, &menu, false),
        }
    }

    /// `:local name [value]`, `:global name [value]`, `:local name do={…}` (a function).
    fn declaration(&mut self, which: &str, line: usize, rest: &[Arg<'_>], ctx: &mut Ctx) {
        let Some(name_arg) = rest.first() else {
            self.error(ctx, line, format!(":{which} needs a variable name"));
            return;
        };
        if let Some(key) = name_arg.key {
            self.error(
                ctx,
                line,
                format!(":{which} {key}=…: the form is :{which} name value"),
            );
            return;
        }
        let name = match name_arg.items[0] {
            item if item.string().is_some() => item.string().map(|s| s.value.clone()),
            item => item.word().map(str::to_owned),
        };
        let Some(name) = name else {
            self.error(ctx, line, format!(":{which} needs a variable name"));
            return;
        };
        if name_arg.items[0].word().is_some() && !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
            if name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                self.warning(
                    ctx,
                    line,
                    format!(
                        "variable name '{name}': only letters and digits are documented; quote \
                         it (:{which} \"{name}\")"
                    ),
                );
            } else {
                self.error(
                    ctx,
                    line,
                    format!(
                        "invalid variable name '{name}': letters and digits only, or quote it \
                         (:{which} \"{name}\")"
                    ),
                );
            }
        }
        let value = &rest[1..];
        if let Some(body) = value
            .first()
            .filter(|a| a.key == Some("do"))
            .and_then(Arg::block)
        {
            self.declare(&name);
            self.nested_block(&body.items, &ctx.function_copy());
            return;
        }
        let menu = ctx.menu.clone();
        self.scan_args(value, ctx, &menu, false);
        self.declare(&name);
        if which == "local" {
            self.note_top_local(ctx, &name);
        }
    }

    /// `:set name [value]`, `:set name do={…}`.
    fn set_variable(&mut self, line: usize, rest: &[Arg<'_>], ctx: &mut Ctx) {
        let menu = ctx.menu.clone();
        let mut rest = rest;
        if let Some(body) = rest
            .get(1)
            .filter(|a| a.key == Some("do"))
            .and_then(Arg::block)
        {
            // A function: its arguments come from its callers.
            self.nested_block(&body.items, &ctx.function_copy());
            rest = &rest[..1];
        }
        if let Some(target) = rest.first().filter(|a| a.key.is_none()) {
            let first: &Item = target.items[0];
            let name = first
                .word()
                .map(str::to_owned)
                .or_else(|| first.string().map(|s| s.value.clone()));
            match name {
                Some(name) => {
                    if !ctx.in_function && !self.is_declared(ctx, &name) {
                        let message = format!(
                            ":set {name}: the variable is not declared (:local or :global)"
                        );
                        if ctx.strict_vars {
                            self.error(ctx, line, message);
                        } else {
                            self.warning(ctx, line, message);
                        }
                    }
                }
                None => self.scan_items(&target.items, ctx, &menu),
            }
        }
        if rest.len() > 1 {
            self.scan_args(&rest[1..], ctx, &menu, false);
        }
    }

    /// `:do {…} [while=(…)] [on-error={…}]`.
    fn do_block(&mut self, line: usize, rest: &[Arg<'_>], ctx: &mut Ctx) {
        let body = rest
            .first()
            .filter(|a| a.key.is_none())
            .and_then(Arg::block);
        if body.is_none() {
            self.error(ctx, line, ":do needs a {block}");
        }
        let catches = rest.iter().any(|a| a.key == Some("on-error"));
        for arg in rest.iter().skip(1) {
            if !matches!(arg.key, Some("while" | "on-error")) {
                self.error(ctx, arg.line, ":do takes while=(…) or on-error={…}");
            }
        }
        if let Some(body) = body {
            let inner = Ctx {
                guarded: catches || ctx.guarded,
                ..ctx.clone()
            };
            self.nested_block(&body.items, &inner);
        }
        let menu = ctx.menu.clone();
        self.scan_args(rest.get(1..).unwrap_or_default(), ctx, &menu, false);
    }

    /// `:for i from=… to=… [step=…] do={…}`, `:foreach i in=… do={…}`.
    fn loop_command(&mut self, which: &str, line: usize, rest: &[Arg<'_>], ctx: &mut Ctx) {
        let Some(var_arg) = rest.first().filter(|a| a.key.is_none()) else {
            self.error(ctx, line, format!(":{which} needs a loop variable"));
            return;
        };
        let names: Vec<&str> = var_arg
            .word()
            .unwrap_or_default()
            .split(',')
            .filter(|n| !n.is_empty())
            .collect();
        let parts = &rest[1..];
        let needed: &[&str] = if which == "foreach" {
            &["in", "do"]
        } else {
            &["from", "to", "do"]
        };
        for &key in needed {
            if parts.iter().any(|a| a.key == Some(key)) {
                continue;
            }
            if parts.iter().any(|a| a.word() == Some(key)) {
                self.warning(
                    ctx,
                    line,
                    format!(":{which} … {key} value: the documented form is {key}=value"),
                );
            } else {
                self.error(ctx, line, format!(":{which} without {key}="));
            }
        }
        let menu = ctx.menu.clone();
        for arg in parts {
            let body = (arg.key == Some("do"))
                .then(|| arg.single().and_then(Item::group))
                .flatten();
            match body {
                Some(body) => {
                    let mut inner = ctx.clone();
                    self.in_scope(|s| {
                        for name in &names {
                            s.declare(name);
                        }
                        s.block(&body.items, &mut inner);
                    });
                }
                None if arg.key == Some("do") => {}
                None => self.scan_items(&arg.items, ctx, &menu),
            }
        }
    }

    /// `:onerror e in={…} do={…}` (v7.13+): `e` holds the error inside `do`.
    fn onerror(&mut self, line: usize, rest: &[Arg<'_>], ctx: &mut Ctx) {
        let Some(var_arg) = rest.first().filter(|a| a.key.is_none()) else {
            self.error(ctx, line, ":onerror needs a variable for the error");
            return;
        };
        let error_var = var_arg.word().unwrap_or_default().to_owned();
        let has_in = rest.iter().any(|a| a.key == Some("in"))
            || rest.get(1).is_some_and(|a| a.key.is_none());
        if !has_in {
            self.error(ctx, line, ":onerror without in={…}");
        }
        let menu = ctx.menu.clone();
        for arg in &rest[1..] {
            match arg.block() {
                Some(block) if arg.key == Some("do") => {
                    let mut inner = ctx.guarded_copy();
                    self.in_scope(|s| {
                        s.declare(&error_var);
                        s.block(&block.items, &mut inner);
                    });
                }
                Some(block) => self.nested_block(&block.items, &ctx.guarded_copy()),
                None => self.scan_items(&arg.items, ctx, &menu),
            }
        }
    }
}

impl Ctx {
    /// A copy in which errors are caught.
    pub(super) fn guarded_copy(&self) -> Self {
        Self {
            guarded: true,
            ..self.clone()
        }
    }

    /// A copy for a function body: its variables come from its callers.
    fn function_copy(&self) -> Self {
        Self {
            in_function: true,
            guarded: true,
            ..self.clone()
        }
    }
}
