//! QR codes as merged rectangles of dark modules, ready to be filled as one vector path.

use qrcode::EcLevel;
use qrcode::canvas::{Canvas, Module};

use crate::RenderError;

/// A QR code's dark modules as rectangles, in module units with the origin at the top-left
/// corner of the symbol (quiet zone not included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrRects {
    /// Modules per side (21 for version 1, 4 more per version).
    pub modules: u32,
    /// Disjoint rectangles covering exactly the dark modules.
    pub rects: Vec<ModuleRect>,
}

/// A rectangle of dark modules: `w` modules from column `x`, `h` modules from row `y`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModuleRect {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

/// Encodes `payload` (error correction level M, smallest version that fits) and merges the dark
/// modules: runs along each row, then identical runs of consecutive rows into one rectangle.
///
/// Fails only when the payload is too long for a QR code (about 2.3 kB).
pub fn qr_rects(payload: &str) -> Result<QrRects, RenderError> {
    let (n, dark) = encode(payload.as_bytes()).map_err(|e| RenderError::QrPayload {
        len: payload.len(),
        reason: e.to_string(),
    })?;
    Ok(merge(n, &dark))
}

/// The same matrix as `qrcode::QrCode::with_error_correction_level(data, EcLevel::M)`, several
/// times faster. `qrcode` encodes, adds error correction and places the modules; masking and
/// the choice of mask are done here: `qrcode` applies each of the eight masks to a copy of its
/// canvas and scores it with a boxed closure per module (some 400 µs a code, 4 s for a
/// 10,000-voucher sheet), whereas this masks a plain boolean grid and scores it with the same
/// rules, so the same mask wins. Returns the side and the dark modules row by row.
fn encode(data: &[u8]) -> Result<(usize, Vec<bool>), qrcode::types::QrError> {
    let bits = qrcode::bits::encode_auto(data, EcLevel::M)?;
    let version = bits.version();
    let (codewords, ec) = qrcode::ec::construct_codewords(&bits.into_bytes(), version, EcLevel::M)?;
    let mut canvas = Canvas::new(version, EcLevel::M);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&codewords, &ec);

    let width = version.width();
    let n = usize::try_from(width).unwrap_or(0);
    // Unmasked symbol: dark modules, and which modules the mask applies to (data, error
    // correction and remainder bits; functional patterns are already final).
    let mut base = Vec::with_capacity(n * n);
    let mut maskable = Vec::with_capacity(n * n);
    for y in 0..width {
        for x in 0..width {
            let module = canvas.get(x, y);
            base.push(module.is_dark());
            maskable.push(matches!(module, Module::Unmasked(_) | Module::Empty));
        }
    }

    let mask = if n <= 64 {
        best_mask_bitwise(n, &base, &maskable)
    } else {
        best_mask(n, &base, &maskable)
    };
    let mut dark = vec![false; n * n];
    apply_mask(n, &base, &maskable, &mut dark, mask);
    format_info(n, mask, |x, y, on| dark[y * n + x] = on);
    Ok((n, dark))
}

/// The mask `qrcode` would choose: the lowest penalty, the first of equal ones.
fn best_mask(n: usize, base: &[bool], maskable: &[bool]) -> u8 {
    let mut best = (u32::MAX, 0);
    let mut dark = vec![false; n * n];
    let mut scratch = Vec::with_capacity(n * n);
    for mask in 0..8 {
        apply_mask(n, base, maskable, &mut dark, mask);
        format_info(n, mask, |x, y, on| dark[y * n + x] = on);
        let score = penalty(n, &dark, &mut scratch);
        if score < best.0 {
            best = (score, mask);
        }
    }
    best.1
}

/// [`best_mask`] for symbols up to 64 modules wide (version 11, some 250 bytes of URL), with
/// each row or column in a `u64`: about five times faster.
fn best_mask_bitwise(n: usize, base: &[bool], maskable: &[bool]) -> u8 {
    let to_rows = |grid: &[bool]| -> Vec<u64> {
        grid.chunks_exact(n)
            .map(|row| {
                row.iter()
                    .rev()
                    .fold(0, |acc, &d| (acc << 1) | u64::from(d))
            })
            .collect()
    };
    let (base, maskable) = (to_rows(base), to_rows(maskable));
    let mut rows = vec![0; n];
    let mut cols = vec![0; n];
    let mut best = (u32::MAX, 0);
    for mask in 0..8u8 {
        let patterns = &MASK_ROWS[usize::from(mask)];
        for (y, row) in rows.iter_mut().enumerate() {
            *row = base[y] ^ (maskable[y] & patterns[y % 12]);
        }
        format_info(n, mask, |x, y, on| {
            rows[y] = (rows[y] & !(1 << x)) | (u64::from(on) << x);
        });
        let score = penalty_bitwise(n, &rows, &mut cols);
        if score < best.0 {
            best = (score, mask);
        }
    }
    best.1
}

/// Row `y % 12` of each mask pattern for columns 0 to 63 (the patterns repeat every 12 rows).
const MASK_ROWS: [[u64; 12]; 8] = {
    let mut table = [[0; 12]; 8];
    let mut mask = 0;
    while mask < 8 {
        let mut y = 0;
        while y < 12 {
            let mut x = 0;
            while x < 64 {
                if mask_bit(mask as u8, x, y) {
                    table[mask][y] |= 1 << x;
                }
                x += 1;
            }
            y += 1;
        }
        mask += 1;
    }
    table
};

/// Whether mask pattern `mask` (0 to 7, ISO 18004 table 10) inverts the module at column `x`,
/// row `y`.
const fn mask_bit(mask: u8, x: usize, y: usize) -> bool {
    match mask {
        0 => (x + y).is_multiple_of(2),
        1 => y.is_multiple_of(2),
        2 => x.is_multiple_of(3),
        3 => (x + y).is_multiple_of(3),
        4 => (x / 3 + y / 2).is_multiple_of(2),
        5 => (x * y) % 2 + (x * y) % 3 == 0,
        6 => ((x * y) % 2 + (x * y) % 3).is_multiple_of(2),
        _ => ((x + y) % 2 + (x * y) % 3).is_multiple_of(2),
    }
}

/// [`penalty`] on rows of bits (bit `x` of `rows[y]` is the module at column `x`, row `y`).
/// `cols` is scratch space for the transpose.
fn penalty_bitwise(n: usize, rows: &[u64], cols: &mut [u64]) -> u32 {
    let low = |bits: usize| {
        if bits >= 64 {
            u64::MAX
        } else {
            (1u64 << bits) - 1
        }
    };
    let pairs = low(n - 1);
    cols.fill(0);
    for (y, &row) in rows.iter().enumerate() {
        for (x, col) in cols.iter_mut().enumerate() {
            *col |= ((row >> x) & 1) << y;
        }
    }
    let mut score = 0;
    for &r in rows.iter().chain(cols.iter()) {
        // N1: bit x of `same` says modules x and x + 1 match; `five` that x..x + 5 all do. A
        // run of L >= 5 sets L - 4 consecutive bits of `five` and scores L - 2.
        let same = !(r ^ (r >> 1)) & pairs;
        let five = same & (same >> 1) & (same >> 2) & (same >> 3);
        let runs = five & !(five << 1);
        score += five.count_ones() + 2 * runs.count_ones();
        // N3: 1:1:3:1:1 starting at x, with columns x - 4..x or x + 7..x + 11 all light
        // (beyond the edge is light: shifts bring in zeros).
        let l = !r;
        let finder = r & (l >> 1) & (r >> 2) & (r >> 3) & (r >> 4) & (l >> 5) & (r >> 6);
        let light_before = !((r << 1) | (r << 2) | (r << 3) | (r << 4));
        let light_after = !((r >> 7) | (r >> 8) | (r >> 9) | (r >> 10));
        score += 40 * (finder & (light_before | light_after)).count_ones();
    }
    // N2: 2x2 blocks of one colour.
    for pair in rows.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let block = !(a ^ (a >> 1)) & !(b ^ (b >> 1)) & !(a ^ b) & pairs;
        score += 3 * block.count_ones();
    }
    // N4: distance of the dark ratio from 50%, in half-percent steps.
    let dark: u32 = rows.iter().map(|r| r.count_ones()).sum();
    let ratio = dark as usize * 200 / (n * n);
    score + u32::try_from(ratio.abs_diff(100)).unwrap_or(u32::MAX)
}

/// Writes into `dark` the symbol under mask pattern `mask`.
fn apply_mask(n: usize, base: &[bool], maskable: &[bool], dark: &mut [bool], mask: u8) {
    for y in 0..n {
        for x in 0..n {
            let i = y * n + x;
            dark[i] = base[i] ^ (maskable[i] & mask_bit(mask, x, y));
        }
    }
}

/// The 15-bit format information (level M, `mask`) in both its places, and the dark module:
/// calls `set(x, y, dark)` for each of those modules.
fn format_info(n: usize, mask: u8, mut set: impl FnMut(usize, usize, bool)) {
    // Level M is 00; BCH(15, 5) remainder, then the fixed XOR mask.
    let data = u32::from(mask);
    let mut rem = data;
    for _ in 0..10 {
        rem = (rem << 1) ^ ((rem >> 9) * 0x537);
    }
    let format = ((data << 10) | rem) ^ 0x5412;
    let bit = |i: usize| (format >> i) & 1 != 0;
    // Around the top-left finder.
    for i in 0..=5 {
        set(8, i, bit(i));
    }
    set(8, 7, bit(6));
    set(8, 8, bit(7));
    set(7, 8, bit(8));
    for i in 9..15 {
        set(14 - i, 8, bit(i));
    }
    // Split between the top-right and bottom-left finders.
    for i in 0..8 {
        set(n - 1 - i, 8, bit(i));
    }
    for i in 8..15 {
        set(8, n - 15 + i, bit(i));
    }
    set(8, n - 8, true);
}

/// `qrcode`'s penalty score of a masked symbol (ISO 18004 rules N1 to N4 as that crate reads
/// them, without its constant offsets): lower is better. `transposed` is scratch space.
///
/// Branch-free: on a real symbol every comparison is a coin toss, and mispredicted branches
/// made this three times slower.
fn penalty(n: usize, dark: &[bool], transposed: &mut Vec<bool>) -> u32 {
    transposed.clear();
    for x in 0..n {
        transposed.extend(dark.iter().skip(x).step_by(n));
    }
    let mut score = 0;
    for line in dark.chunks_exact(n).chain(transposed.chunks_exact(n)) {
        score += line_penalty(line);
    }
    // N2: every 2x2 block of one colour: 3.
    let mut blocks = 0;
    for (a, b) in dark.chunks_exact(n).zip(dark.chunks_exact(n).skip(1)) {
        for (a, b) in a.windows(2).zip(b.windows(2)) {
            let c = a[0];
            blocks += u32::from((a[1] == c) & (b[0] == c) & (b[1] == c));
        }
    }
    // N4: distance of the dark ratio from 50%, in half-percent steps.
    let dark_count = dark.iter().map(|&d| usize::from(d)).sum::<usize>();
    let ratio = dark_count * 200 / dark.len();
    score + 3 * blocks + u32::try_from(ratio.abs_diff(100)).unwrap_or(u32::MAX)
}

/// N1 and N3 along one row or column.
fn line_penalty(line: &[bool]) -> u32 {
    // N1: a run of L >= 5 modules of one colour scores L - 2: 3 when it reaches 5, then 1 for
    // each further module.
    let mut n1 = 0;
    let mut run = 0u32;
    let mut previous = !line[0];
    for &d in line {
        run = if d == previous { run + 1 } else { 1 };
        previous = d;
        n1 += 3 * u32::from(run == 5) + u32::from(run > 5);
    }
    // N3: a finder-like 1:1:3:1:1 pattern with no dark module in the 4 before it or in the 4
    // after it (beyond the edge counts as light) scores 40. A 15-bit window slides over the
    // line padded with 4 light modules each side: 4 before, the 7-module pattern, 4 after.
    const FINDER: u32 = 0b101_1101;
    let mut n3 = 0;
    let mut window = 0u32;
    let padded = line.iter().copied().chain([false; 4]);
    for (k, d) in padded.enumerate() {
        window = ((window << 1) | u32::from(d)) & 0x7FFF;
        // Complete once the 4 leading pads (implicit zeros) and 11 modules have shifted in.
        let complete = k >= 10;
        let finder = (window >> 4) & 0x7F == FINDER;
        let light_before = window >> 11 == 0;
        let light_after = window & 0xF == 0;
        n3 += 40 * u32::from(complete & finder & (light_before | light_after));
    }
    n1 + n3
}

fn merge(n: usize, dark: &[bool]) -> QrRects {
    let mut rects: Vec<ModuleRect> = Vec::with_capacity(n * 6);
    // Indices of the rectangles that reach the previous row, in column order.
    let mut open: Vec<usize> = Vec::with_capacity(n);
    let mut next_open: Vec<usize> = Vec::with_capacity(n);
    for (y, row) in dark.chunks_exact(n).enumerate() {
        let mut candidates = open.iter().copied().peekable();
        let mut x = 0;
        while x < n {
            if !row[x] {
                x += 1;
                continue;
            }
            let start = x;
            while x < n && row[x] {
                x += 1;
            }
            let (rx, rw) = (to_u32(start), to_u32(x - start));
            // Skip the open rectangles that start left of this run: they end here.
            while candidates.next_if(|&i| rects[i].x < rx).is_some() {}
            match candidates.peek() {
                Some(&i) if rects[i].x == rx && rects[i].w == rw => {
                    candidates.next();
                    rects[i].h += 1;
                    next_open.push(i);
                }
                _ => {
                    next_open.push(rects.len());
                    rects.push(ModuleRect {
                        x: rx,
                        y: to_u32(y),
                        w: rw,
                        h: 1,
                    });
                }
            }
        }
        std::mem::swap(&mut open, &mut next_open);
        next_open.clear();
    }
    QrRects {
        modules: to_u32(n),
        rects,
    }
}

/// QR sizes are at most 177 modules, so every coordinate fits.
fn to_u32(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use qrcode::{Color, QrCode};

    fn paint(qr: &QrRects) -> Vec<bool> {
        let n = qr.modules as usize;
        let mut grid = vec![false; n * n];
        for r in &qr.rects {
            for y in r.y..r.y + r.h {
                for x in r.x..r.x + r.w {
                    let cell = &mut grid[y as usize * n + x as usize];
                    assert!(!*cell, "rectangles overlap at ({x}, {y})");
                    *cell = true;
                }
            }
        }
        grid
    }

    #[test]
    fn rectangles_cover_exactly_the_dark_modules_of_the_qrcode_matrix() {
        for payload in [
            "http://login.wifi/login?username=7KQ9XM4T&password=7KQ9XM4T",
            "http://10.5.50.1/login?username=ABC&password=ABC",
            "x",
            &"http://hotspot.example/login?username=LONGUSER&password=X".repeat(8),
        ] {
            let qr = qr_rects(payload).unwrap();
            let code = QrCode::with_error_correction_level(payload, EcLevel::M).unwrap();
            assert_eq!(qr.modules as usize, code.width());
            let expected: Vec<bool> = code.to_colors().iter().map(|&c| c == Color::Dark).collect();
            let dark = expected.iter().filter(|&&d| d).count() as u32;
            assert_eq!(qr.rects.iter().map(|r| r.w * r.h).sum::<u32>(), dark);
            assert_eq!(paint(&qr), expected, "payload {payload}");
            // Merging pays: far fewer rectangles than dark modules.
            assert!(
                (qr.rects.len() as u32) * 2 < dark,
                "{} rects",
                qr.rects.len()
            );
        }
    }

    #[test]
    fn the_mask_is_the_one_qrcode_chooses() {
        // Varied lengths cover versions 1 to 10 and most of the eight masks.
        let mut masks_seen = std::collections::HashSet::new();
        for i in 0..150 {
            let payload = format!(
                "http://login.wifi/login?username={}",
                "K7".repeat(i % 97) + &i.to_string()
            );
            let (n, dark) = encode(payload.as_bytes()).unwrap();
            let code = QrCode::with_error_correction_level(&payload, EcLevel::M).unwrap();
            assert_eq!(n, code.width());
            let expected: Vec<bool> = code.to_colors().iter().map(|&c| c == Color::Dark).collect();
            assert!(dark == expected, "payload {payload}");
            // Format information (row 8, columns 0..=5) carries the mask.
            masks_seen.insert(dark[8 * n..8 * n + 6].to_vec());
        }
        assert!(
            masks_seen.len() >= 6,
            "only {} masks exercised",
            masks_seen.len()
        );
    }

    #[test]
    fn bitwise_and_plain_penalties_agree() {
        for i in 0..60 {
            let payload = format!(
                "http://10.5.50.1/login?u={}",
                "Q9".repeat(i) + &i.to_string()
            );
            let bits = qrcode::bits::encode_auto(payload.as_bytes(), EcLevel::M).unwrap();
            let n = usize::try_from(bits.version().width()).unwrap();
            assert!(n <= 64);
            let (_, dark) = encode(payload.as_bytes()).unwrap();
            // Scramble the symbol eight ways to score more than the winning masks.
            for mask in 0..8 {
                let shifted: Vec<bool> = (0..n * n)
                    .map(|k| dark[k] ^ mask_bit(mask, k % n, k / n))
                    .collect();
                let rows: Vec<u64> = shifted
                    .chunks_exact(n)
                    .map(|r| r.iter().rev().fold(0, |acc, &d| (acc << 1) | u64::from(d)))
                    .collect();
                let plain = penalty(n, &shifted, &mut Vec::new());
                assert_eq!(
                    penalty_bitwise(n, &rows, &mut vec![0; n]),
                    plain,
                    "{payload} {mask}"
                );
            }
        }
    }

    #[test]
    fn large_symbols_match_qrcode_too() {
        // Version 12 and up (wider than 64 modules) take the plain path.
        for len in [300, 700] {
            let payload = format!("http://login.wifi/login?username={}", "x".repeat(len));
            let (n, dark) = encode(payload.as_bytes()).unwrap();
            let code = QrCode::with_error_correction_level(&payload, EcLevel::M).unwrap();
            assert!(n > 64 && n == code.width());
            let expected: Vec<bool> = code.to_colors().iter().map(|&c| c == Color::Dark).collect();
            assert!(dark == expected, "{len}");
        }
    }

    #[test]
    fn a_finder_pattern_merges_vertically() {
        let qr = qr_rects("x").unwrap();
        // The top-left finder's left edge is one 1x7 rectangle at (0, 0).
        assert!(qr.rects.contains(&ModuleRect {
            x: 0,
            y: 0,
            w: 7,
            h: 1
        }));
        assert!(qr.rects.contains(&ModuleRect {
            x: 0,
            y: 1,
            w: 1,
            h: 5
        }));
        assert!(qr.rects.contains(&ModuleRect {
            x: 2,
            y: 2,
            w: 3,
            h: 3
        }));
    }

    #[test]
    fn too_long_a_payload_is_an_error() {
        assert!(qr_rects(&"x".repeat(5000)).is_err());
    }
}
