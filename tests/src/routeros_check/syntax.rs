//! Tokens into command lines: brackets nested into groups, lines split at newlines and `;`, and
//! each line's arguments (`key=value` or a bare value).
//!
//! RouterOS ends a command at a newline or `;` outside brackets only: a `{…}` block may span
//! many lines, and inside `[…]` even a newline does not end the command. An argument is
//! everything up to the next whitespace, so `url=($base . "/x")` is one argument whose value is
//! a word and a group glued together. A word that starts with `=` right after a bare word is
//! whitespace before `=`, which RouterOS does not allow (`gateway = 1.2.3.4` is wrong; inside
//! `where` filters comparisons are expressions, so there it is left alone).

use super::{
    Diag,
    lexer::{Bracket, StrLit, Tok, Token},
};

/// A token, or a bracketed group of items.
#[derive(Debug, Clone)]
pub(super) enum Item {
    Tok(Token),
    Group(Group),
}

#[derive(Debug, Clone)]
pub(super) struct Group {
    pub(super) bracket: Bracket,
    pub(super) items: Vec<Item>,
    /// The line of the opening bracket.
    pub(super) line: usize,
    pub(super) spaced: bool,
}

impl Item {
    pub(super) fn line(&self) -> usize {
        match self {
            Self::Tok(t) => t.line,
            Self::Group(g) => g.line,
        }
    }

    pub(super) fn spaced(&self) -> bool {
        match self {
            Self::Tok(t) => t.spaced,
            Self::Group(g) => g.spaced,
        }
    }

    pub(super) fn word(&self) -> Option<&str> {
        match self {
            Self::Tok(Token {
                tok: Tok::Word(w), ..
            }) => Some(w),
            _ => None,
        }
    }

    pub(super) fn var(&self) -> Option<&str> {
        match self {
            Self::Tok(Token {
                tok: Tok::Var(v), ..
            }) => Some(v),
            _ => None,
        }
    }

    pub(super) fn string(&self) -> Option<&StrLit> {
        match self {
            Self::Tok(Token {
                tok: Tok::Str(s), ..
            }) => Some(s),
            _ => None,
        }
    }

    pub(super) fn group(&self) -> Option<&Group> {
        match self {
            Self::Group(g) => Some(g),
            Self::Tok(_) => None,
        }
    }

    fn is_newline(&self) -> bool {
        matches!(
            self,
            Self::Tok(Token {
                tok: Tok::Newline,
                ..
            })
        )
    }

    fn is_semi(&self) -> bool {
        matches!(self, Self::Tok(Token { tok: Tok::Semi, .. }))
    }

    /// Line breaks and `;` (ignored inside expressions and arrays).
    pub(super) fn is_separator(&self) -> bool {
        self.is_newline() || self.is_semi()
    }
}

/// The top-level command lines of `tokens`, brackets grouped. Reports unbalanced brackets.
pub(super) fn group_lines(tokens: Vec<Token>, diag: &mut Diag<'_>) -> Vec<Vec<Item>> {
    let mut open: Vec<Group> = Vec::new();
    let mut current: Vec<Item> = Vec::new();
    let mut lines = Vec::new();
    // Closes the innermost open group into its parent (or the current top-level line).
    let close = |open: &mut Vec<Group>, current: &mut Vec<Item>| {
        if let Some(g) = open.pop() {
            match open.last_mut() {
                Some(parent) => parent.items.push(Item::Group(g)),
                None => current.push(Item::Group(g)),
            }
        }
    };
    for token in tokens {
        match token.tok {
            Tok::Open(bracket) => open.push(Group {
                bracket,
                items: Vec::new(),
                line: token.line,
                spaced: token.spaced,
            }),
            Tok::Close(bracket) => match open.last() {
                Some(top) if top.bracket == bracket => close(&mut open, &mut current),
                None => diag.error(
                    token.line,
                    format!("'{}' closes nothing (no opening bracket)", bracket.close()),
                ),
                Some(top) => {
                    diag.error(
                        token.line,
                        format!(
                            "'{}' closes the '{}' opened on line {}",
                            bracket.close(),
                            top.bracket.open(),
                            top.line
                        ),
                    );
                    // Recover at the nearest group this bracket does close, if any.
                    if let Some(k) = open.iter().rposition(|g| g.bracket == bracket) {
                        while open.len() > k {
                            close(&mut open, &mut current);
                        }
                    }
                }
            },
            Tok::Newline | Tok::Semi if open.is_empty() => {
                if !current.is_empty() {
                    lines.push(std::mem::take(&mut current));
                }
            }
            _ => match open.last_mut() {
                Some(top) => top.items.push(Item::Tok(token)),
                None => current.push(Item::Tok(token)),
            },
        }
    }
    for g in &open {
        diag.error(
            g.line,
            format!("'{}' opened here is never closed", g.bracket.open()),
        );
    }
    while !open.is_empty() {
        close(&mut open, &mut current);
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// `items` split into command lines at `;`, and at line breaks when `newline_splits`.
pub(super) fn split_lines(items: &[Item], newline_splits: bool) -> Vec<Vec<&Item>> {
    let mut lines = Vec::new();
    let mut current = Vec::new();
    for item in items {
        if item.is_semi() || (newline_splits && item.is_newline()) {
            if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
            }
        } else if !item.is_newline() {
            current.push(item);
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// One whitespace-separated argument of a command line.
#[derive(Debug, Clone)]
pub(super) struct Arg<'a> {
    /// The property of a `key=value` argument (without a leading `!`); `None` for a bare value.
    pub(super) key: Option<&'a str>,
    /// Text glued to `key=` in the same word (`1h` of `limit-uptime=1h`).
    pub(super) head: Option<&'a str>,
    /// The rest of the argument (for a bare value, all of it).
    pub(super) items: Vec<&'a Item>,
    pub(super) line: usize,
    /// `!key` (negated or unset).
    pub(super) negated: bool,
}

impl<'a> Arg<'a> {
    /// The argument when it is one bare word.
    pub(super) fn word(&self) -> Option<&'a str> {
        match (self.key, self.head, self.items.as_slice()) {
            (None, None, [item]) => item.word(),
            _ => None,
        }
    }

    /// The value when it is exactly one item (nothing glued to `key=`).
    pub(super) fn single(&self) -> Option<&'a Item> {
        match (self.head, self.items.as_slice()) {
            (None, [item]) => Some(item),
            _ => None,
        }
    }

    /// The value when it is one `{…}` block.
    pub(super) fn block(&self) -> Option<&'a Group> {
        self.single()
            .and_then(Item::group)
            .filter(|g| g.bracket == Bracket::Curly)
    }

    pub(super) fn has_value(&self) -> bool {
        self.head.is_some() || !self.items.is_empty()
    }

    /// The value's text when it is known before the line runs (words and constant strings).
    pub(super) fn literal(&self) -> Option<String> {
        let mut text = self.head.unwrap_or_default().to_owned();
        for item in &self.items {
            if let Some(w) = item.word() {
                text.push_str(w);
            } else if let Some(s) = item.string().filter(|s| s.is_constant()) {
                text.push_str(&s.value);
            } else {
                return None;
            }
        }
        Some(text)
    }
}

/// The arguments of a command line. Reports whitespace before `=`.
pub(super) fn to_args<'a>(line: &[&'a Item], diag: &mut Diag<'_>) -> Vec<Arg<'a>> {
    let mut groups: Vec<Vec<&'a Item>> = Vec::new();
    for &item in line {
        match groups.last_mut() {
            Some(group) if !item.spaced() => group.push(item),
            _ => groups.push(vec![item]),
        }
    }
    let mut args: Vec<Arg<'a>> = Vec::new();
    for group in groups {
        let first = group[0];
        let line = first.line();
        let positional = |items: Vec<&'a Item>| Arg {
            key: None,
            head: None,
            items,
            line,
            negated: false,
        };
        let Some(word) = first.word() else {
            args.push(positional(group));
            continue;
        };
        if word.contains('=') && !word.starts_with(['=', ':', '/', '(']) {
            let (key, rest) = word.split_once('=').unwrap_or((word, ""));
            args.push(Arg {
                key: Some(key.trim_start_matches('!')),
                head: (!rest.is_empty()).then_some(rest),
                items: group[1..].to_vec(),
                line,
                negated: key.starts_with('!'),
            });
        } else if word.starts_with('=')
            && args.last().is_some_and(|a| a.word().is_some())
            && !args.iter().any(|a| a.word() == Some("where"))
        {
            diag.error(
                line,
                "whitespace before '=': RouterOS needs key=value written together",
            );
            args.push(positional(group));
        } else if word.len() > 1 && word.starts_with('!') && group.len() == 1 {
            args.push(Arg {
                key: Some(&word[1..]),
                head: None,
                items: Vec::new(),
                line,
                negated: true,
            });
        } else {
            args.push(positional(group));
        }
    }
    args
}
