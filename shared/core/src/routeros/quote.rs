//! The one quoting function every value in a generated script goes through, and the few value
//! formats RouterOS needs besides strings (`docs/routers.md`, RouterOS facts: *Strings and
//! quoting*, *Values*).
//!
//! A `"…"` string is expanded when the line runs (`$name`, `$(…)`, `$[…]`), v6 prints help at a raw
//! `?`, and only the listed escapes exist, so [`quote`] escapes exactly: `\` `"` `$` `?`, LF/CR/TAB
//! as `\n` `\r` `\t`, other control bytes and DEL as `\XX` (upper-case hex). Everything else, UTF-8
//! included, passes through. A script stored inside a string (a `/system script` `source`) is
//! quoted once more: one application per nesting level.

use std::fmt::Write as _;

/// `value` as a double-quoted RouterOS string that reads back as exactly `value` on v6 and v7.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '$' => out.push_str("\\$"),
            '?' => out.push_str("\\?"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_ascii_control() => {
                // Writing to a String cannot fail.
                let _ = write!(out, "\\{:02X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A duration as RouterOS writes it (`1h`, `1d12h`, `4w2d`, `0s`): units `w d h m s` in order,
/// never a bare number or a clock form (RouterOS facts: *Values*).
pub fn time(seconds: u64) -> String {
    if seconds == 0 {
        return "0s".to_owned();
    }
    let mut out = String::new();
    let mut rest = seconds;
    for (unit, size) in [
        ('w', 604_800),
        ('d', 86_400),
        ('h', 3_600),
        ('m', 60),
        ('s', 1),
    ] {
        if rest >= size {
            let _ = write!(out, "{}{unit}", rest / size);
            rest %= size;
        }
    }
    out
}

/// The value of `/tool fetch http-header-field`: headers joined with `,`, a comma inside one
/// header written `\,` (RouterOS facts: *Strings and quoting*). Still to be [`quote`]d.
pub fn header_fields(headers: &[&str]) -> String {
    headers
        .iter()
        .map(|h| h.replace(',', "\\,"))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_only_wrapped() {
        assert_eq!(quote(""), r#""""#);
        assert_eq!(quote("tiketi-1h"), r#""tiketi-1h""#);
        assert_eq!(quote("Demo Hotspot"), r#""Demo Hotspot""#);
        assert_eq!(quote("5M/5M 10M/10M"), r#""5M/5M 10M/10M""#);
    }

    #[test]
    fn specials_are_escaped() {
        assert_eq!(quote(r#"a"b"#), r#""a\"b""#);
        assert_eq!(quote(r"a\b"), r#""a\\b""#);
        assert_eq!(quote("$user"), r#""\$user""#);
        assert_eq!(quote("$(link-login)"), r#""\$(link-login)""#);
        assert_eq!(quote("$[/system reboot]"), r#""\$[/system reboot]""#);
        assert_eq!(quote("a?b=1"), r#""a\?b=1""#);
        assert_eq!(quote("line1\nline2\r\n\tx"), r#""line1\nline2\r\n\tx""#);
    }

    #[test]
    fn other_control_bytes_become_upper_case_hex() {
        assert_eq!(quote("\u{0}"), r#""\00""#);
        assert_eq!(quote("\u{7}"), r#""\07""#);
        assert_eq!(quote("\u{1b}[0m"), r#""\1B[0m""#);
        assert_eq!(quote("\u{1f}"), r#""\1F""#);
        assert_eq!(quote("\u{7f}"), r#""\7F""#);
    }

    #[test]
    fn utf8_and_other_punctuation_pass_through() {
        assert_eq!(quote("Café Ñandú 🚀"), "\"Café Ñandú 🚀\"");
        assert_eq!(quote("a;b{c}[d](e)#f'g`h"), "\"a;b{c}[d](e)#f'g`h\"");
    }

    #[test]
    fn quoting_twice_nests() {
        let inner = quote("a\"$b?");
        assert_eq!(inner, r#""a\"\$b\?""#);
        assert_eq!(quote(&inner), r#""\"a\\\"\\\$b\\\?\"""#);
    }

    #[test]
    fn output_has_no_raw_control_characters() {
        let all: String = (0u8..=127).map(char::from).collect();
        let q = quote(&all);
        assert!(!q.chars().any(|c| c.is_ascii_control()), "{q}");
    }

    #[test]
    fn durations_use_units() {
        assert_eq!(time(0), "0s");
        assert_eq!(time(45), "45s");
        assert_eq!(time(3_600), "1h");
        assert_eq!(time(5_400), "1h30m");
        assert_eq!(time(86_400), "1d");
        assert_eq!(time(604_800), "1w");
        assert_eq!(time(30 * 86_400), "4w2d");
        assert_eq!(time(93_784), "1d2h3m4s");
    }

    #[test]
    fn commas_inside_a_header_are_escaped() {
        assert_eq!(
            header_fields(&["X-Secret: a,b", "Content-Type: text/plain"]),
            r"X-Secret: a\,b,Content-Type: text/plain"
        );
    }
}
