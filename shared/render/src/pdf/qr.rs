//! QR codes as merged rectangles of dark modules, ready to be filled as one vector path.

use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::{Color, EcLevel};

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

/// The mask patterns in the order `qrcode` tries them (the first of equal scores wins).
const MASKS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];

/// The same matrix as `qrcode::QrCode::with_error_correction_level(data, EcLevel::M)`, about
/// ten times faster: `qrcode` scores the eight masks with a boxed closure per module (some
/// 400 µs a code, which made a 10,000-voucher sheet take 4 s), so this scores them here, with
/// the same penalty rules, on a plain boolean grid. Returns the side and the dark modules
/// row by row.
fn encode(data: &[u8]) -> Result<(usize, Vec<bool>), qrcode::types::QrError> {
    let bits = qrcode::bits::encode_auto(data, EcLevel::M)?;
    let version = bits.version();
    let (codewords, ec) = qrcode::ec::construct_codewords(&bits.into_bytes(), version, EcLevel::M)?;
    let mut canvas = Canvas::new(version, EcLevel::M);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&codewords, &ec);
    let n = usize::try_from(version.width()).unwrap_or(0);
    let mut best: Option<(u32, Vec<bool>)> = None;
    for mask in MASKS {
        let mut masked = canvas.clone();
        masked.apply_mask(mask);
        let dark: Vec<bool> = masked
            .into_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect();
        let score = penalty(n, &dark);
        if best.as_ref().is_none_or(|(s, _)| score < *s) {
            best = Some((score, dark));
        }
    }
    Ok((n, best.map(|(_, dark)| dark).unwrap_or_default()))
}

/// `qrcode`'s penalty score of a masked symbol (ISO 18004 rules N1 to N4 as that crate reads
/// them, without its constant offsets): lower is better.
fn penalty(n: usize, dark: &[bool]) -> u32 {
    let at = |x: usize, y: usize| dark[y * n + x];
    let mut score = 0;
    for horizontal in [true, false] {
        let get = |i: usize, j: usize| if horizontal { at(j, i) } else { at(i, j) };
        for i in 0..n {
            // N1: runs of five or more modules of one colour score their length minus 2.
            let mut run = 1;
            for j in 1..=n {
                if j < n && get(i, j) == get(i, j - 1) {
                    run += 1;
                } else {
                    if run >= 5 {
                        score += run - 2;
                    }
                    run = 1;
                }
            }
            // N3: a finder-like 1:1:3:1:1 pattern with no 4 dark modules on one side: 40.
            const PATTERN: [bool; 7] = [true, false, true, true, true, false, true];
            for j in 0..n.saturating_sub(6) {
                if (0..7).any(|k| get(i, j + k) != PATTERN[k]) {
                    continue;
                }
                let dark_at = |k: usize| k < n && get(i, k);
                let before = (j.saturating_sub(4)..j).any(dark_at);
                let after = (j + 7..j + 11).any(dark_at);
                if !before || !after {
                    score += 40;
                }
            }
        }
    }
    // N2: every 2x2 block of one colour: 3.
    for y in 0..n - 1 {
        for x in 0..n - 1 {
            let c = at(x, y);
            if at(x + 1, y) == c && at(x, y + 1) == c && at(x + 1, y + 1) == c {
                score += 3;
            }
        }
    }
    // N4: distance of the dark ratio from 50%, in half-percent steps.
    let dark_count = dark.iter().filter(|&&d| d).count();
    let ratio = dark_count * 200 / dark.len();
    score + u32::try_from(ratio.abs_diff(100)).unwrap_or(u32::MAX)
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
    use qrcode::QrCode;

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
