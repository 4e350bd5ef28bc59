//! A one-page A4 receipt: a title, who issued it and to whom, then label/value rows (an
//! invoice's number, period, amount, how and when it was paid). Text in the standard fonts.

use super::{
    A4_HEIGHT, A4_WIDTH, Align, Doc, GREY, INK, Layout, MM, Painter,
    text::{Font, encode, fit},
};

/// What a receipt says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// `Receipt INV-000042`.
    pub title: String,
    /// Who received the money (the platform), and to whom the receipt is made out.
    pub issuer: String,
    pub customer: String,
    /// Label and value, in order.
    pub rows: Vec<(String, String)>,
    /// A closing line in small print.
    pub note: String,
}

const MARGIN: f32 = 20.0 * MM;
const LABEL_WIDTH: f32 = 45.0 * MM;

/// Lines written down the page.
struct Writer {
    painter: Painter,
    y: f32,
}

impl Writer {
    /// One line at `x`, shrunk to fit `max` points; the next starts `advance` points lower.
    fn line(&mut self, font: Font, text: &str, size: f32, (x, max): (f32, f32), gray: f32) {
        let fitted = fit(font, &encode(text), max, size, size * 0.6);
        self.painter
            .text(font, &fitted, x, self.y, Align::Left, gray);
    }

    fn down(&mut self, points: f32) {
        self.y -= points;
    }
}

/// The receipt as a PDF.
pub fn receipt_pdf(receipt: &Receipt) -> Vec<u8> {
    let width = A4_WIDTH - 2.0 * MARGIN;
    let full = (MARGIN, width);
    let mut w = Writer {
        painter: Painter::new(4096),
        y: A4_HEIGHT - MARGIN,
    };
    w.line(Font::Bold, &receipt.title, 20.0, full, INK);
    w.down(30.0);
    w.line(Font::Regular, &receipt.issuer, 11.0, full, GREY);
    w.down(16.0);
    w.line(
        Font::Regular,
        &format!("To: {}", receipt.customer),
        11.0,
        full,
        INK,
    );
    w.down(30.0);
    for (label, value) in &receipt.rows {
        w.line(Font::Regular, label, 11.0, (MARGIN, LABEL_WIDTH), GREY);
        let value_column = (MARGIN + LABEL_WIDTH, width - LABEL_WIDTH);
        w.line(Font::Bold, value, 11.0, value_column, INK);
        w.down(18.0);
    }
    w.down(16.0);
    w.line(Font::Regular, &receipt.note, 9.0, full, GREY);
    let mut doc = Doc::new(1, 0);
    doc.add_page(A4_WIDTH, A4_HEIGHT, w.painter.finish());
    doc.finish(&receipt.title, Layout::A4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receipt_is_a_one_page_pdf_saying_what_was_paid() {
        let pdf = receipt_pdf(&Receipt {
            title: "Receipt INV-000042".into(),
            issuer: "Tiketi".into(),
            customer: "Baraka WiFi".into(),
            rows: vec![
                ("Amount paid".into(), "KES 500".into()),
                ("Paid by".into(), "Pesapal QJK3LMN0PQ".into()),
            ],
            note: "Thank you.".into(),
        });
        let doc = lopdf::Document::load_mem(&pdf).expect("a valid PDF");
        assert_eq!(doc.get_pages().len(), 1);
        let text = doc.extract_text(&[1]).expect("text");
        for expected in ["Receipt INV-000042", "Baraka WiFi", "KES 500", "QJK3LMN0PQ"] {
            assert!(text.contains(expected), "{expected} in {text}");
        }
    }
}
