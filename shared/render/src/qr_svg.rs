//! QR codes as inline SVG for web pages (e.g. the otpauth URL an authenticator app scans): one
//! path of merged module rectangles ([`qr_rects`]), with the 4-module quiet zone the standard
//! asks for, so a phone camera reads it off a screen. No JavaScript, no bitmap.

use std::fmt::Write;

use crate::{RenderError, pdf::qr_rects};

const QUIET_ZONE: u32 = 4;

/// An `<svg>` element of `payload`'s QR code, `module_px` pixels per module; `label` is its
/// accessible name (escaped).
pub fn qr_svg(payload: &str, module_px: u32, label: &str) -> Result<String, RenderError> {
    let qr = qr_rects(payload)?;
    let side = qr.modules + 2 * QUIET_ZONE;
    let px = side * module_px;
    let mut path = String::with_capacity(qr.rects.len() * 16);
    for r in &qr.rects {
        let (x, y) = (r.x + QUIET_ZONE, r.y + QUIET_ZONE);
        // Writing to a String cannot fail.
        let _ = write!(path, "M{x} {y}h{}v{}h-{}z", r.w, r.h, r.w);
    }
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{px}\" height=\"{px}\" \
         viewBox=\"0 0 {side} {side}\" shape-rendering=\"crispEdges\" role=\"img\" \
         aria-label=\"{}\"><rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/>\
         <path fill=\"#000\" d=\"{path}\"/></svg>",
        escape(label)
    ))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_svg_has_a_quiet_zone_and_one_path() {
        let svg = qr_svg("otpauth://totp/Tiketi:a%40b.c?secret=ABC", 4, "QR <code>").unwrap();
        let qr = qr_rects("otpauth://totp/Tiketi:a%40b.c?secret=ABC").unwrap();
        let side = qr.modules + 8;
        assert!(svg.starts_with("<svg "), "{svg}");
        assert!(svg.contains(&format!("viewBox=\"0 0 {side} {side}\"")));
        assert!(svg.contains(&format!("width=\"{}\"", side * 4)));
        assert_eq!(svg.matches("<path").count(), 1);
        assert!(svg.contains("aria-label=\"QR &lt;code&gt;\""));
        // The top-left finder pattern starts just inside the quiet zone.
        assert!(svg.contains("d=\"M4 4h7v1h-7z"), "{svg}");
    }

    #[test]
    fn an_oversized_payload_is_an_error() {
        assert!(qr_svg(&"x".repeat(5000), 4, "too long").is_err());
    }
}
