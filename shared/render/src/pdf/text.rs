//! Text for the PDF base-14 fonts: WinAnsi encoding, advance widths and fitting into a box.
//!
//! The standard fonts are not embedded, so a PDF string is a sequence of WinAnsi (cp1252) codes.
//! Everything outside that repertoire (emoji, ✓, Cyrillic, control characters…) becomes `?`.

/// The three fonts a voucher sheet uses, all among the PDF standard 14 (never embedded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Font {
    Regular,
    Bold,
    Mono,
}

impl Font {
    pub(crate) const ALL: [Self; 3] = [Self::Regular, Self::Bold, Self::Mono];

    /// The resource name used in content streams.
    pub(crate) const fn resource(self) -> &'static [u8] {
        match self {
            Self::Regular => b"F1",
            Self::Bold => b"F2",
            Self::Mono => b"F3",
        }
    }

    /// The PostScript name of the standard font.
    pub(crate) const fn base_font(self) -> &'static [u8] {
        match self {
            Self::Regular => b"Helvetica",
            Self::Bold => b"Helvetica-Bold",
            Self::Mono => b"Courier-Bold",
        }
    }

    /// Advance width of one WinAnsi code, in 1/1000 em.
    fn advance(self, code: u8) -> u16 {
        match self {
            Self::Mono => 600,
            Self::Regular | Self::Bold if code < 32 => 0,
            Self::Regular => HELVETICA[usize::from(code - 32)],
            Self::Bold => HELVETICA_BOLD[usize::from(code - 32)],
        }
    }

    /// Width of an encoded string at `size` points.
    pub(crate) fn width(self, text: &[u8], size: f32) -> f32 {
        let units: u32 = text.iter().map(|&c| u32::from(self.advance(c))).sum();
        units as f32 * size / 1000.0
    }
}

/// WinAnsi's horizontal ellipsis.
const ELLIPSIS: u8 = 0x85;

/// Encodes `text` as WinAnsi: unmappable characters become `?`, whitespace and control
/// characters a single space (so a name pasted with a newline stays on one line).
pub(crate) fn encode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        let code = match c {
            c if c.is_whitespace() || c.is_control() => b' ',
            c => winansi(c).unwrap_or(b'?'),
        };
        out.push(code);
    }
    out
}

/// The WinAnsi code of a character, if the encoding has one.
fn winansi(c: char) -> Option<u8> {
    let u = u32::from(c);
    match u {
        0x20..=0x7E | 0xA1..=0xFF => u8::try_from(u).ok(),
        _ => CP1252_HIGH
            .iter()
            .find(|&&(ch, _)| ch == c)
            .map(|&(_, code)| code),
    }
}

/// The characters WinAnsi places in 0x80..=0x9F.
const CP1252_HIGH: [(char, u8); 27] = [
    ('€', 0x80),
    ('‚', 0x82),
    ('ƒ', 0x83),
    ('„', 0x84),
    ('…', 0x85),
    ('†', 0x86),
    ('‡', 0x87),
    ('ˆ', 0x88),
    ('‰', 0x89),
    ('Š', 0x8A),
    ('‹', 0x8B),
    ('Œ', 0x8C),
    ('Ž', 0x8E),
    ('‘', 0x91),
    ('’', 0x92),
    ('“', 0x93),
    ('”', 0x94),
    ('•', 0x95),
    ('–', 0x96),
    ('—', 0x97),
    ('˜', 0x98),
    ('™', 0x99),
    ('š', 0x9A),
    ('›', 0x9B),
    ('œ', 0x9C),
    ('ž', 0x9E),
    ('Ÿ', 0x9F),
];

/// A line of encoded text fitted into a width: the bytes to show and the font size to use.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fitted {
    pub(crate) text: Vec<u8>,
    pub(crate) size: f32,
    pub(crate) width: f32,
}

/// Fits `text` into `max_width`: at `size` if it fits, else shrunk down to `min_size`, and
/// beyond that truncated with an ellipsis. The result is never wider than `max_width`.
pub(crate) fn fit(font: Font, text: &[u8], max_width: f32, size: f32, min_size: f32) -> Fitted {
    let trimmed = trim(text);
    let natural = font.width(trimmed, size);
    if natural <= max_width {
        return Fitted {
            text: trimmed.to_vec(),
            size,
            width: natural,
        };
    }
    let shrunk = size * max_width / natural;
    if shrunk >= min_size {
        // Rounded down to a tenth of a point so the string stays short and within the box.
        let size = (shrunk * 10.0).floor() / 10.0;
        return Fitted {
            text: trimmed.to_vec(),
            size,
            width: font.width(trimmed, size),
        };
    }
    let size = min_size;
    let budget = max_width - font.width(&[ELLIPSIS], size);
    let mut kept = trimmed;
    while !kept.is_empty() && font.width(kept, size) > budget {
        kept = &kept[..kept.len() - 1];
    }
    let mut text = trim(kept).to_vec();
    text.push(ELLIPSIS);
    let width = font.width(&text, size);
    Fitted { text, size, width }
}

fn trim(text: &[u8]) -> &[u8] {
    let start = text.iter().position(|&c| c != b' ').unwrap_or(text.len());
    let end = text
        .iter()
        .rposition(|&c| c != b' ')
        .map_or(start, |i| i + 1);
    &text[start..end]
}

/// Advance widths of Helvetica in 1/1000 em for WinAnsi codes 32..=255 (0: no glyph),
/// from Adobe's AFM metrics.
#[rustfmt::skip]
const HELVETICA: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 0,
    556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0,
    0, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667,
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
];

/// Advance widths of Helvetica-Bold in 1/1000 em for WinAnsi codes 32..=255 (0: no glyph),
/// from Adobe's AFM metrics.
#[rustfmt::skip]
const HELVETICA_BOLD: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 0,
    556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0,
    0, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667,
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278,
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_ascii_latin1_and_cp1252_and_replaces_the_rest() {
        assert_eq!(encode("KES 80"), b"KES 80");
        assert_eq!(encode("é€·"), [0xE9, 0x80, 0xB7]);
        assert_eq!(encode("✓😀Ж"), b"???");
        assert_eq!(encode("a\nb\tc\u{7}"), b"a b c ");
        assert_eq!(encode("\u{A0}"), b" ");
    }

    #[test]
    fn widths_follow_the_afm_metrics() {
        // "Hi" in Helvetica: H 722 + i 222.
        assert!((Font::Regular.width(b"Hi", 10.0) - 9.44).abs() < 1e-4);
        assert!((Font::Mono.width(b"ABCD", 10.0) - 24.0).abs() < 1e-4);
        for code in 32..=255u8 {
            let defined = !matches!(code, 0x7F | 0x81 | 0x8D | 0x8F | 0x90 | 0x9D);
            assert_eq!(Font::Bold.advance(code) > 0, defined, "code {code:#x}");
            assert_eq!(Font::Regular.advance(code) > 0, defined, "code {code:#x}");
        }
    }

    #[test]
    fn fitting_keeps_shrinks_then_truncates() {
        let kept = fit(Font::Bold, b"Short", 100.0, 10.0, 6.0);
        assert_eq!((kept.text.as_slice(), kept.size), (&b"Short"[..], 10.0));

        let long = b"Mama Njeri WiFi Hotspot";
        let natural = Font::Bold.width(long, 10.0);
        let shrunk = fit(Font::Bold, long, natural * 0.8, 10.0, 6.0);
        assert_eq!(shrunk.text, long);
        assert!(shrunk.size < 10.0 && shrunk.size >= 6.0);
        assert!(shrunk.width <= natural * 0.8);

        let very_long = encode(&"Very long business name ".repeat(10));
        let cut = fit(Font::Bold, &very_long, 80.0, 10.0, 6.0);
        assert_eq!(cut.size, 6.0);
        assert_eq!(cut.text.last(), Some(&ELLIPSIS));
        assert!(cut.width <= 80.0, "{}", cut.width);
    }
}
