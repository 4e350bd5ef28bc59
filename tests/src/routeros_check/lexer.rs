//! Splits script text into tokens the way RouterOS's parser does, reporting what it would refuse
//! on the way.
//!
//! RouterOS's script syntax (MikroTik manual, *Scripting*):
//!
//! - A command line is words separated by whitespace and ends at a newline or `;`. Whether an
//!   item follows whitespace matters: `name="x"` is one argument (the word `name=` glued to a
//!   string), `name= "x"` two. Each token therefore records whether whitespace came before it.
//! - A word ends at whitespace, a bracket, `;`, `"`, `\` or `$`.
//! - `#` starts a comment where a word could start (not inside a word or a string). A comment
//!   cannot be continued onto the next line.
//! - A backslash outside a string only joins a line to the next: the newline and the next line's
//!   indentation vanish, so `policy=\` + newline + `    read` is the one word `policy=read`.
//!   Anywhere else outside a string it is an error.
//! - Inside `"…"` the only escapes are `\"` `\\` `\n` `\r` `\t` `\$` `\?` `\_` (space) `\a` `\b`
//!   `\f` `\v` and `\XX`, two upper-case hex digits; a backslash before a line break continues the
//!   string without the next line's indentation. Anything else (`\d`, `\.`, `\ `, `\1b`) is an
//!   error, which is why a regular expression's `\.` is written `\\.`.
//! - A string is expanded when its line runs: `$name` and `$"dash-name"` are variables, `$(…)`
//!   and `$[…]` substitutions; a literal dollar sign must be `\$`. So a script stored in a
//!   string value must escape the `$` of its own variables, or they are read (and usually found
//!   undeclared) while the outer script runs. The variables a string refers to are recorded
//!   for the checker.
//! - RouterOS v6 prints help at a raw `?` inside a string instead of taking it (v6 wiki,
//!   *Scripting*: "otherwise ? is used to print help"); the lines of raw `?`s are recorded so
//!   that v6 mode can refuse them. v7 takes both forms.
//! - Outside strings `$name` and `$"name"` are variable references.

use super::Diag;

/// The three kinds of brackets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Bracket {
    /// `[…]`: a command whose result is a value.
    Square,
    /// `(…)`: an expression.
    Round,
    /// `{…}`: a block of commands, or an array.
    Curly,
}

impl Bracket {
    pub(super) fn open(self) -> char {
        match self {
            Self::Square => '[',
            Self::Round => '(',
            Self::Curly => '{',
        }
    }

    pub(super) fn close(self) -> char {
        match self {
            Self::Square => ']',
            Self::Round => ')',
            Self::Curly => '}',
        }
    }
}

/// A `"…"` string, decoded.
#[derive(Debug, Clone, Default)]
pub(super) struct StrLit {
    /// The text with escapes resolved (variables and substitutions left as written).
    pub(super) value: String,
    /// Variables the string expands, with the line of each.
    pub(super) vars: Vec<(String, usize)>,
    /// Lines holding a raw (unescaped) `?`.
    pub(super) raw_questions: Vec<usize>,
    /// Whether it holds a `$(…)` or `$[…]` substitution.
    pub(super) substitutes: bool,
}

impl StrLit {
    /// Whether its value is known before the line runs (nothing in it is expanded).
    pub(super) fn is_constant(&self) -> bool {
        self.vars.is_empty() && !self.substitutes
    }
}

#[derive(Debug, Clone)]
pub(super) enum Tok {
    Word(String),
    Str(StrLit),
    /// A variable reference; the name without `$` and quotes.
    Var(String),
    Open(Bracket),
    Close(Bracket),
    Semi,
    Newline,
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) line: usize,
    /// Whitespace (or the start of a command) comes before it: it starts a new argument.
    pub(super) spaced: bool,
}

fn ends_word(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\r' | '\n' | '[' | ']' | '(' | ')' | '{' | '}' | ';' | '"' | '\\' | '$'
    )
}

fn is_upper_hex(c: char) -> bool {
    c.is_ascii_digit() || ('A'..='F').contains(&c)
}

/// The character an escape letter stands for.
fn escaped(c: char) -> Option<char> {
    Some(match c {
        '"' => '"',
        '\\' => '\\',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        '$' => '$',
        '?' => '?',
        '_' => ' ',
        'a' => '\u{7}',
        'b' => '\u{8}',
        'f' => '\u{c}',
        'v' => '\u{b}',
        _ => return None,
    })
}

struct Lexer<'d, 'r> {
    chars: Vec<char>,
    i: usize,
    line: usize,
    /// Whitespace since the last token.
    spaced: bool,
    /// A command may start here (so `#` starts a comment even right after `;`, `{` or `[`).
    at_command_start: bool,
    tokens: Vec<Token>,
    /// The last token is a word a line continuation may extend.
    last_is_word: bool,
    diag: &'d mut Diag<'r>,
}

/// The tokens of `text` (line breaks already `\n`).
pub(super) fn lex(text: &str, diag: &mut Diag<'_>) -> Vec<Token> {
    let mut lexer = Lexer {
        chars: text.chars().collect(),
        i: 0,
        line: 1,
        spaced: true,
        at_command_start: true,
        tokens: Vec::new(),
        last_is_word: false,
        diag,
    };
    lexer.run();
    lexer.tokens
}

impl Lexer<'_, '_> {
    fn peek(&self, at: usize) -> Option<char> {
        self.chars.get(at).copied()
    }

    fn push(&mut self, tok: Tok, line: usize) {
        self.last_is_word = matches!(tok, Tok::Word(_));
        let spaced = self.spaced;
        self.tokens.push(Token { tok, line, spaced });
    }

    /// The end of the word starting at `from`.
    fn word_end(&self, from: usize) -> usize {
        let mut j = from;
        while j < self.chars.len() && !ends_word(self.chars[j]) {
            j += 1;
        }
        j
    }

    fn text(&self, from: usize, to: usize) -> String {
        self.chars[from..to].iter().collect()
    }

    fn run(&mut self) {
        let n = self.chars.len();
        while self.i < n {
            let c = self.chars[self.i];
            match c {
                ' ' | '\t' => {
                    self.i += 1;
                    self.spaced = true;
                }
                '\n' => {
                    self.push(Tok::Newline, self.line);
                    self.line += 1;
                    self.i += 1;
                    self.spaced = true;
                    self.at_command_start = true;
                    self.last_is_word = false;
                }
                '\\' => self.backslash(),
                '#' if self.spaced || self.at_command_start => self.comment(),
                '"' => {
                    let line = self.line;
                    let lit = self.string();
                    self.push(Tok::Str(lit), line);
                    self.after_value();
                }
                '[' | '(' | '{' | ']' | ')' | '}' | ';' => {
                    let tok = match c {
                        '[' => Tok::Open(Bracket::Square),
                        '(' => Tok::Open(Bracket::Round),
                        '{' => Tok::Open(Bracket::Curly),
                        ']' => Tok::Close(Bracket::Square),
                        ')' => Tok::Close(Bracket::Round),
                        '}' => Tok::Close(Bracket::Curly),
                        _ => Tok::Semi,
                    };
                    let starts_command =
                        matches!(tok, Tok::Semi | Tok::Open(Bracket::Curly | Bracket::Square));
                    let semi = matches!(tok, Tok::Semi);
                    self.push(tok, self.line);
                    self.i += 1;
                    self.spaced = semi;
                    self.at_command_start = starts_command;
                }
                '$' => self.dollar(),
                _ => {
                    let end = self.word_end(self.i).max(self.i + 1);
                    let word = self.text(self.i, end);
                    self.push(Tok::Word(word), self.line);
                    self.i = end;
                    self.after_value();
                }
            }
        }
    }

    fn after_value(&mut self) {
        self.spaced = false;
        self.at_command_start = false;
    }

    /// A backslash outside a string: a line continuation, or an error.
    fn backslash(&mut self) {
        let n = self.chars.len();
        let mut j = self.i + 1;
        while j < n && matches!(self.chars[j], ' ' | '\t') {
            j += 1;
        }
        if j < n && self.chars[j] == '\n' {
            self.line += 1;
            self.i = j + 1;
            while self.i < n && matches!(self.chars[self.i], ' ' | '\t') {
                self.i += 1;
            }
            // Without whitespace before the backslash the next line's first word continues the
            // word before it.
            if self.last_is_word && !self.spaced && self.i < n {
                let end = self.word_end(self.i);
                if end > self.i {
                    let more = self.text(self.i, end);
                    if let Some(Token {
                        tok: Tok::Word(word),
                        ..
                    }) = self.tokens.last_mut()
                    {
                        word.push_str(&more);
                    }
                    self.i = end;
                }
            }
            return;
        }
        if j >= n {
            self.i = j;
            return;
        }
        self.diag.error(
            self.line,
            "backslash outside a string: it may only end a line, to continue it on the next",
        );
        self.i += 1;
    }

    fn comment(&mut self) {
        let end = self.chars[self.i..]
            .iter()
            .position(|&c| c == '\n')
            .map_or(self.chars.len(), |p| self.i + p);
        if self.text(self.i, end).trim_end().ends_with('\\') {
            self.diag.error(
                self.line,
                "a comment cannot be continued onto the next line with a backslash",
            );
        }
        self.i = end;
    }

    /// `$` outside a string: a variable reference, or part of a word (`$(`, `$[` or a lone `$`).
    fn dollar(&mut self) {
        let line = self.line;
        if self.peek(self.i + 1) == Some('"') {
            self.i += 1;
            let name = self.string().value;
            self.push(Tok::Var(name), line);
            self.after_value();
            return;
        }
        let name_end = self.name_end(self.i + 1);
        if name_end > self.i + 1 {
            let name = self.text(self.i + 1, name_end);
            self.push(Tok::Var(name), line);
            self.i = name_end;
            self.after_value();
            return;
        }
        let end = self.word_end(self.i + 1);
        let word = self.text(self.i, end);
        self.push(Tok::Word(word), line);
        self.i = end;
        self.after_value();
    }

    /// The end of a plain variable name (letters and digits) starting at `from`.
    fn name_end(&self, from: usize) -> usize {
        let mut j = from;
        while j < self.chars.len() && self.chars[j].is_ascii_alphanumeric() {
            j += 1;
        }
        j
    }

    /// The string starting at the `"` under the cursor; leaves the cursor after its end.
    fn string(&mut self) -> StrLit {
        let n = self.chars.len();
        let start_line = self.line;
        let mut lit = StrLit::default();
        let mut j = self.i + 1;
        loop {
            let Some(c) = self.peek(j) else {
                self.diag
                    .error(start_line, "unterminated string: the closing \" is missing");
                break;
            };
            match c {
                '"' => {
                    j += 1;
                    break;
                }
                '\\' => j = self.escape(j, &mut lit),
                '$' => j = self.string_dollar(j, &mut lit),
                _ => {
                    if c == '?' {
                        lit.raw_questions.push(self.line);
                    }
                    if c == '\n' {
                        self.line += 1;
                    }
                    lit.value.push(c);
                    j += 1;
                }
            }
        }
        self.i = j.min(n);
        lit
    }

    /// The escape at `j` (a backslash inside a string); returns where the string goes on.
    fn escape(&mut self, j: usize, lit: &mut StrLit) -> usize {
        let n = self.chars.len();
        let Some(d) = self.peek(j + 1) else {
            self.diag
                .error(self.line, "the string ends with a lone backslash");
            return j + 1;
        };
        let rest_of_line_blank = || {
            let mut k = j + 1;
            while k < n && matches!(self.chars[k], ' ' | '\t') {
                k += 1;
            }
            k < n && self.chars[k] == '\n'
        };
        if d == '\n' || (matches!(d, ' ' | '\t') && rest_of_line_blank()) {
            // Continued on the next line, without that line's indentation.
            let mut k = j + 1;
            while self.chars[k] != '\n' {
                k += 1;
            }
            k += 1;
            self.line += 1;
            while k < n && matches!(self.chars[k], ' ' | '\t') {
                k += 1;
            }
            return k;
        }
        if let Some(e) = self
            .peek(j + 2)
            .filter(|&e| is_upper_hex(d) && is_upper_hex(e))
        {
            let code = d.to_digit(16).unwrap_or(0) * 16 + e.to_digit(16).unwrap_or(0);
            lit.value.push(char::from_u32(code).unwrap_or('?'));
            return j + 3;
        }
        if let Some(c) = escaped(d) {
            lit.value.push(c);
            return j + 2;
        }
        let next_is_hex = self.peek(j + 2).is_some_and(|e| e.is_ascii_hexdigit());
        if d.is_ascii_hexdigit() && next_is_hex {
            let pair = self.text(j + 1, j + 3);
            self.diag.error(
                self.line,
                format!(
                    "hex escape \\{pair} must use upper-case digits: \\{}",
                    pair.to_ascii_uppercase()
                ),
            );
        } else {
            self.diag.error(
                self.line,
                format!(
                    "\\{d} is not a RouterOS escape (there are \\\" \\\\ \\n \\r \\t \\$ \\? \\_ \
                     \\a \\b \\f \\v and \\XX in upper-case hex; a backslash itself is \\\\)"
                ),
            );
        }
        lit.value.push(d);
        j + 2
    }

    /// A `$` inside a string at `j`; returns where the string goes on.
    fn string_dollar(&mut self, j: usize, lit: &mut StrLit) -> usize {
        if self.peek(j + 1) == Some('"') {
            // `$"dash-name"` inside a string: the name runs to the next quote.
            let close = self.chars[j + 2..]
                .iter()
                .position(|&c| c == '"')
                .map(|p| j + 2 + p);
            let name = close.map(|k| self.text(j + 2, k)).unwrap_or_default();
            let plausible = !name.is_empty()
                && !name
                    .chars()
                    .any(|c| c.is_whitespace() || c == '\\' || c == '$');
            match close {
                Some(k) if plausible => {
                    lit.vars.push((name, self.line));
                    lit.value.push_str(&self.text(j, k + 1));
                    return k + 1;
                }
                _ => {
                    self.diag.error(
                        self.line,
                        "unescaped $ before a quote inside a string: a literal dollar sign is \\$",
                    );
                    lit.value.push('$');
                    return j + 1;
                }
            }
        }
        let name_end = self.name_end(j + 1);
        if name_end > j + 1 {
            lit.vars.push((self.text(j + 1, name_end), self.line));
            lit.value.push_str(&self.text(j, name_end));
            return name_end;
        }
        if matches!(self.peek(j + 1), Some('(' | '[')) {
            lit.substitutes = true;
            lit.value.push('$');
            return j + 1;
        }
        self.diag.error(
            self.line,
            "unescaped $ inside a string: it must start a variable ($name, $\"name\") or a \
             substitution ($(…), $[…]); a literal dollar sign is \\$",
        );
        lit.value.push('$');
        j + 1
    }
}
