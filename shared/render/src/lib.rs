//! Voucher sheets (PDF), dashboard charts and QR codes (SVG), rendered in process.
//!
//! Pure functions: no I/O, no clock, no system fonts. The same input gives the same bytes.

pub mod chart;
pub mod pdf;
pub mod qr_svg;

pub use chart::{Bar, ChartSpec, bar_chart_svg, horizontal_bar_chart_svg};
pub use pdf::{Layout, Receipt, VoucherCard, receipt_pdf, voucher_sheet};
pub use qr_svg::qr_svg;

/// Why a document could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// A voucher sheet needs at least one voucher.
    #[error("nothing to render: the sheet has no vouchers")]
    NoCards,
    /// The payload is too long for a QR code (more than about 2.3 kB).
    #[error("cannot encode {len} bytes as a QR code: {reason}")]
    QrPayload { len: usize, reason: String },
    /// A voucher's login URL is too long for a QR code.
    #[error("voucher {index} ({serial}): login URL does not fit in a QR code: {reason}")]
    VoucherQr {
        index: usize,
        serial: String,
        reason: String,
    },
}
