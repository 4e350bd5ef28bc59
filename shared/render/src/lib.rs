//! Voucher sheets (PDF) and dashboard charts (SVG), rendered in process.
