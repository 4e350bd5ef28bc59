//! QR codes as merged rectangles of dark modules, ready to be filled as one vector path.

use qrcode::{Color, EcLevel, QrCode};

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
    let code = QrCode::with_error_correction_level(payload, EcLevel::M).map_err(|e| {
        RenderError::QrPayload {
            len: payload.len(),
            reason: e.to_string(),
        }
    })?;
    let n = code.width();
    let colors = code.into_colors();
    Ok(merge(n, &colors))
}

fn merge(n: usize, colors: &[Color]) -> QrRects {
    let mut rects: Vec<ModuleRect> = Vec::with_capacity(n * 6);
    // Indices of the rectangles that reach the previous row, in column order.
    let mut open: Vec<usize> = Vec::with_capacity(n);
    let mut next_open: Vec<usize> = Vec::with_capacity(n);
    for (y, row) in colors.chunks_exact(n).enumerate() {
        let mut candidates = open.iter().copied().peekable();
        let mut x = 0;
        while x < n {
            if row[x] != Color::Dark {
                x += 1;
                continue;
            }
            let start = x;
            while x < n && row[x] == Color::Dark {
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
