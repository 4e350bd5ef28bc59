//! Printable voucher sheets as PDF: A4 grids with cut lines, or one voucher per page on a
//! thermal roll (58 or 80 mm).
//!
//! Written with `pdf-writer` (typst's low-level writer) and the PDF standard fonts (Helvetica,
//! Helvetica-Bold, Courier-Bold), which every viewer and printer has, so nothing is embedded.
//! Text is WinAnsi: characters outside it print as `?`, and every string is fitted to its box
//! (shrunk, then truncated with an ellipsis) so it never runs into a neighbour. QR codes are
//! vector rectangles (runs of dark modules merged along rows, then down columns) filled as one
//! path. Content streams are Flate-compressed, one page at a time, so memory stays at about the
//! size of the output.

mod qr;
mod receipt;
mod text;

pub use receipt::{Receipt, receipt_pdf};

pub use qr::{ModuleRect, QrRects, qr_rects};

use pdf_writer::writers::Resources;
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::RenderError;
use text::{Fitted, Font, encode, fit};

/// One voucher as printed: what the buyer needs to log in to the hotspot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VoucherCard {
    /// The operator's business, e.g. "Mama Njeri WiFi".
    pub business_name: String,
    /// E.g. "1 Day WiFi".
    pub ticket_name: String,
    /// Already formatted, e.g. "KES 80".
    pub price: String,
    /// Already formatted, e.g. "1 day · valid 1 day" or "5 GB · valid 30 days".
    pub allowance: String,
    /// The voucher code, e.g. "7KQ9-XM4T".
    pub username: String,
    /// `None` when the code is both username and password: the card then prints one "Code".
    pub password: Option<String>,
    /// What the QR code holds, e.g. `http://login.wifi/login?username=ABC&password=ABC`.
    pub login_url: String,
    /// Small print identifying the voucher, e.g. batch id and number.
    pub serial: String,
}

/// Paper the sheet is laid out for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// A4 portrait, [`A4_COLUMNS`] x [`A4_ROWS`] vouchers per page with dashed cut lines.
    A4,
    /// 58 mm roll: one voucher per page, the page as tall as the voucher.
    Thermal58,
    /// 80 mm roll: one voucher per page, the page as tall as the voucher.
    Thermal80,
}

/// Voucher columns on an A4 page.
pub const A4_COLUMNS: usize = 3;
/// Voucher rows on an A4 page.
pub const A4_ROWS: usize = 8;
/// Vouchers on a full A4 page.
pub const A4_CARDS_PER_PAGE: usize = A4_COLUMNS * A4_ROWS;

impl Layout {
    /// How many vouchers one page holds.
    pub const fn cards_per_page(self) -> usize {
        match self {
            Self::A4 => A4_CARDS_PER_PAGE,
            Self::Thermal58 | Self::Thermal80 => 1,
        }
    }

    /// Pages needed for `cards` vouchers.
    pub const fn page_count(self, cards: usize) -> usize {
        cards.div_ceil(self.cards_per_page())
    }
}

/// Renders `cards` as a PDF laid out for `layout`, titled `title` (shown in the viewer's title
/// bar and, on A4, in each page's footer).
///
/// Fails when there is no card, or when a card's login URL is too long for a QR code.
pub fn voucher_sheet(
    title: &str,
    cards: &[VoucherCard],
    layout: Layout,
) -> Result<Vec<u8>, RenderError> {
    if cards.is_empty() {
        return Err(RenderError::NoCards);
    }
    let mut doc = Doc::new(layout.page_count(cards.len()), cards.len());
    match layout {
        Layout::A4 => {
            let pages = layout.page_count(cards.len());
            let footer_title = encode(title);
            for (page, chunk) in cards.chunks(A4_CARDS_PER_PAGE).enumerate() {
                let first = page * A4_CARDS_PER_PAGE;
                let content = a4_page(chunk, first, &footer_title, page + 1, pages)?;
                doc.add_page(A4_WIDTH, A4_HEIGHT, content);
            }
        }
        Layout::Thermal58 | Layout::Thermal80 => {
            let roll = if layout == Layout::Thermal58 {
                ROLL_58
            } else {
                ROLL_80
            };
            for (index, card) in cards.iter().enumerate() {
                let prepared = Prepared::new(index, card)?;
                let (height, content) = roll_page(&prepared, &roll);
                doc.add_page(roll.width, height, content);
            }
        }
    }
    Ok(doc.finish(title, layout))
}

/// Points per millimetre.
const MM: f32 = 72.0 / 25.4;

const A4_WIDTH: f32 = 210.0 * MM;
const A4_HEIGHT: f32 = 297.0 * MM;
const A4_MARGIN_X: f32 = 10.0 * MM;
const A4_MARGIN_TOP: f32 = 10.0 * MM;
const A4_MARGIN_BOTTOM: f32 = 12.0 * MM;
const CARD_WIDTH: f32 = (A4_WIDTH - 2.0 * A4_MARGIN_X) / A4_COLUMNS as f32;
const CARD_HEIGHT: f32 = (A4_HEIGHT - A4_MARGIN_TOP - A4_MARGIN_BOTTOM) / A4_ROWS as f32;
/// Padding inside an A4 card, from the cut lines.
const CARD_PAD: f32 = 2.5 * MM;
/// Side of the QR code on an A4 card (22.5 mm: scans from a cheap phone at arm's length).
const CARD_QR: f32 = 22.5 * MM;

// The QR stays scannable (at least 18 mm), and header, QR and serial fit the card's height.
const _: () = assert!(CARD_QR >= 18.0 * MM);
const _: () = assert!(CARD_PAD * 2.0 + 13.0 + CARD_QR + 4.0 < CARD_HEIGHT);

/// Content stream compression: level 6 is zlib's default; lower is faster, barely larger.
const DEFLATE_LEVEL: u8 = 3;

/// Object numbers of the shared objects; pages and their content streams follow.
const CATALOG: Ref = Ref::new(1);
const PAGE_TREE: Ref = Ref::new(2);
const INFO: Ref = Ref::new(3);
const RESOURCES: Ref = Ref::new(4);
const FIRST_FONT: i32 = 5;
const FIRST_PAGE: i32 = FIRST_FONT + Font::ALL.len() as i32;

fn font_ref(font: Font) -> Ref {
    let index = Font::ALL.iter().position(|&f| f == font).unwrap_or(0);
    Ref::new(FIRST_FONT + index as i32)
}

/// The document being written, page by page.
struct Doc {
    pdf: Pdf,
    pages: Vec<Ref>,
    next: i32,
}

impl Doc {
    fn new(pages: usize, cards: usize) -> Self {
        // About 1.3 kB a voucher once compressed: reserve that much to avoid regrowing.
        Self {
            pdf: Pdf::with_capacity(4096 + cards * 1400),
            pages: Vec::with_capacity(pages),
            next: FIRST_PAGE,
        }
    }

    fn add_page(&mut self, width: f32, height: f32, content: Content) {
        let page_id = Ref::new(self.next);
        let content_id = Ref::new(self.next + 1);
        self.next += 2;
        let mut page = self.pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, round(width), round(height)));
        page.parent(PAGE_TREE);
        page.pair(Name(b"Resources"), RESOURCES);
        page.contents(content_id);
        page.finish();
        let data = content.finish();
        let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&data, DEFLATE_LEVEL);
        self.pdf
            .stream(content_id, &compressed)
            .filter(Filter::FlateDecode);
        self.pages.push(page_id);
    }

    fn finish(mut self, title: &str, layout: Layout) -> Vec<u8> {
        let mut catalog = self.pdf.catalog(CATALOG);
        catalog.pages(PAGE_TREE);
        let mut prefs = catalog.viewer_preferences();
        prefs.display_doc_title(true);
        if layout != Layout::A4 {
            // A roll page is exactly the paper's width: scaling it to "fit" would shrink it.
            prefs.pair(Name(b"PrintScaling"), Name(b"None"));
        }
        prefs.finish();
        catalog.finish();
        let count = i32::try_from(self.pages.len()).unwrap_or(i32::MAX);
        self.pdf
            .pages(PAGE_TREE)
            .kids(self.pages.iter().copied())
            .count(count);
        self.pdf
            .document_info(INFO)
            .title(TextStr(title))
            .creator(TextStr("Tiketi"))
            .producer(TextStr("Tiketi"));
        let mut resources = self.pdf.indirect(RESOURCES).start::<Resources<'_>>();
        let mut fonts = resources.fonts();
        for font in Font::ALL {
            fonts.pair(Name(font.resource()), font_ref(font));
        }
        fonts.finish();
        resources.finish();
        for font in Font::ALL {
            self.pdf
                .type1_font(font_ref(font))
                .base_font(Name(font.base_font()))
                .encoding_predefined(Name(b"WinAnsiEncoding"));
        }
        self.pdf.finish()
    }
}

/// A card's strings encoded for the standard fonts, and its QR code.
struct Prepared {
    business: Vec<u8>,
    ticket: Vec<u8>,
    price: Vec<u8>,
    allowance: Vec<u8>,
    username: Vec<u8>,
    password: Option<Vec<u8>>,
    serial: Vec<u8>,
    qr: QrRects,
}

impl Prepared {
    fn new(index: usize, card: &VoucherCard) -> Result<Self, RenderError> {
        let qr = qr_rects(&card.login_url).map_err(|e| RenderError::VoucherQr {
            index,
            serial: card.serial.clone(),
            reason: e.to_string(),
        })?;
        Ok(Self {
            business: encode(&card.business_name),
            ticket: encode(&card.ticket_name),
            price: encode(&card.price),
            allowance: encode(&card.allowance),
            username: encode(&card.username),
            password: card.password.as_deref().map(encode),
            serial: encode(&card.serial),
            qr,
        })
    }
}

/// Rounds a coordinate to 1/100 pt, which keeps numbers in the content stream short.
fn round(v: f32) -> f32 {
    (v * 100.0).round() / 100.0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Center,
    Right,
}

/// Black for what the buyer reads, grey for labels and small print.
const INK: f32 = 0.0;
const GREY: f32 = 0.35;

/// A straight line from one point to another.
type Segment = ((f32, f32), (f32, f32));

/// A content stream with the text state tracked, so fonts and colours are set only on change.
struct Painter {
    content: Content,
    in_text: bool,
    font: Option<(Font, f32)>,
    fill: f32,
}

impl Painter {
    fn new(capacity: usize) -> Self {
        Self {
            content: Content::with_capacity(capacity),
            in_text: false,
            font: None,
            fill: INK,
        }
    }

    fn set_fill(&mut self, gray: f32) {
        if self.fill != gray {
            self.content.set_fill_gray(gray);
            self.fill = gray;
        }
    }

    /// Shows a fitted line with its baseline at `y`, anchored at `x` as `align` says.
    fn text(&mut self, font: Font, line: &Fitted, x: f32, y: f32, align: Align, gray: f32) {
        if line.text.is_empty() {
            return;
        }
        if !self.in_text {
            self.content.begin_text();
            self.in_text = true;
        }
        if self.font != Some((font, line.size)) {
            self.content.set_font(Name(font.resource()), line.size);
            self.font = Some((font, line.size));
        }
        self.set_fill(gray);
        let x = match align {
            Align::Left => x,
            Align::Center => x - line.width / 2.0,
            Align::Right => x - line.width,
        };
        self.content
            .set_text_matrix([1.0, 0.0, 0.0, 1.0, round(x), round(y)]);
        self.content.show(Str(&line.text));
    }

    fn end_text(&mut self) {
        if self.in_text {
            self.content.end_text();
            self.in_text = false;
        }
    }

    /// Fills the QR code's dark modules as one path, `side` points wide with its top-left corner
    /// at (`x`, `top`). Module coordinates are integers under a scaling matrix, which keeps the
    /// stream small, and one fill avoids hairline seams between rectangles in viewers.
    fn qr(&mut self, qr: &QrRects, x: f32, top: f32, side: f32) {
        self.end_text();
        self.set_fill(INK);
        let module = side / qr.modules as f32;
        self.content.save_state();
        self.content
            .transform([module, 0.0, 0.0, -module, round(x), round(top)]);
        for r in &qr.rects {
            self.content
                .rect(r.x as f32, r.y as f32, r.w as f32, r.h as f32);
        }
        self.content.fill_nonzero();
        self.content.restore_state();
    }

    /// Strokes dashed lines (cut or tear lines).
    fn dashed_lines(&mut self, lines: &[Segment], gray: f32) {
        self.end_text();
        self.content.save_state();
        self.content.set_stroke_gray(gray);
        self.content.set_line_width(0.4);
        self.content.set_dash_pattern([3.0, 2.0], 0.0);
        for &((x1, y1), (x2, y2)) in lines {
            self.content.move_to(round(x1), round(y1));
            self.content.line_to(round(x2), round(y2));
        }
        self.content.stroke();
        self.content.restore_state();
    }

    fn finish(mut self) -> Content {
        self.end_text();
        self.content
    }
}

/// One A4 page: up to [`A4_CARDS_PER_PAGE`] cards, cut lines and a footer.
fn a4_page(
    cards: &[VoucherCard],
    first_index: usize,
    title: &[u8],
    page: usize,
    pages: usize,
) -> Result<Content, RenderError> {
    let mut painter = Painter::new(cards.len() * 3000 + 1024);
    let grid_top = A4_HEIGHT - A4_MARGIN_TOP;
    for (i, card) in cards.iter().enumerate() {
        let prepared = Prepared::new(first_index + i, card)?;
        let (row, col) = (i / A4_COLUMNS, i % A4_COLUMNS);
        let x = A4_MARGIN_X + col as f32 * CARD_WIDTH;
        let y = grid_top - (row + 1) as f32 * CARD_HEIGHT;
        a4_card(&mut painter, &prepared, x, y);
    }

    let rows = cards.len().div_ceil(A4_COLUMNS);
    let (left, right) = (A4_MARGIN_X, A4_WIDTH - A4_MARGIN_X);
    let bottom = grid_top - rows as f32 * CARD_HEIGHT;
    let mut lines = Vec::with_capacity(rows + A4_COLUMNS + 2);
    for r in 0..=rows {
        let y = grid_top - r as f32 * CARD_HEIGHT;
        lines.push(((left, y), (right, y)));
    }
    for c in 0..=A4_COLUMNS {
        let x = left + c as f32 * CARD_WIDTH;
        lines.push(((x, grid_top), (x, bottom)));
    }
    painter.dashed_lines(&lines, 0.6);

    let footer_y = A4_MARGIN_BOTTOM / 2.0 - 2.0;
    let page_label = encode(&format!("Page {page} of {pages}"));
    let page_label = fit(Font::Regular, &page_label, 80.0, 7.0, 5.0);
    painter.text(
        Font::Regular,
        &page_label,
        right,
        footer_y,
        Align::Right,
        GREY,
    );
    let title_width = right - left - page_label.width - 10.0;
    let title = fit(Font::Regular, title, title_width, 7.0, 5.0);
    painter.text(Font::Regular, &title, left, footer_y, Align::Left, GREY);
    Ok(painter.finish())
}

/// One A4 card with its bottom-left corner at (`x0`, `y0`): a header line with the business and
/// the price, then the ticket, allowance and credentials on the left and the QR on the right,
/// the serial along the bottom.
fn a4_card(p: &mut Painter, card: &Prepared, x0: f32, y0: f32) {
    let (w, h) = (CARD_WIDTH, CARD_HEIGHT);
    let left = x0 + CARD_PAD;
    let right = x0 + w - CARD_PAD;
    let top = y0 + h - CARD_PAD;

    // Header: price on the right, the business name in what is left of the line.
    let header = top - 8.5;
    let price = fit(Font::Bold, &card.price, w * 0.45, 11.0, 6.0);
    p.text(Font::Bold, &price, right, header, Align::Right, INK);
    let business_width = right - left - price.width - 6.0;
    let business = fit(Font::Bold, &card.business, business_width, 9.0, 6.0);
    p.text(Font::Bold, &business, left, header, Align::Left, INK);

    // QR on the right, under the header.
    let qr_top = top - 13.0;
    p.qr(&card.qr, right - CARD_QR, qr_top, CARD_QR);

    // Text column, left of the QR.
    let column = right - CARD_QR - 5.0 - left;
    let ticket = fit(Font::Bold, &card.ticket, column, 10.0, 6.0);
    p.text(Font::Bold, &ticket, left, qr_top - 8.0, Align::Left, INK);
    let allowance = fit(Font::Regular, &card.allowance, column, 7.0, 5.0);
    p.text(
        Font::Regular,
        &allowance,
        left,
        qr_top - 17.0,
        Align::Left,
        INK,
    );

    let credentials: [(&[u8], Option<&[u8]>); 2] = match &card.password {
        Some(password) => [
            (b"Username", Some(&card.username)),
            (b"Password", Some(password)),
        ],
        None => [(b"Code", Some(&card.username)), (b"", None)],
    };
    let value_size = if card.password.is_some() { 12.0 } else { 14.0 };
    let mut y = qr_top - 27.0;
    for (label, value) in credentials {
        let Some(value) = value else { continue };
        let label = fit(Font::Regular, label, column, 5.5, 5.5);
        p.text(Font::Regular, &label, left, y, Align::Left, GREY);
        let value = fit(Font::Mono, value, column, value_size, 4.0);
        p.text(
            Font::Mono,
            &value,
            left,
            y - value_size * 0.85,
            Align::Left,
            INK,
        );
        y -= 20.0;
    }

    let serial = fit(Font::Regular, &card.serial, right - left, 5.5, 4.0);
    p.text(
        Font::Regular,
        &serial,
        left,
        y0 + CARD_PAD - 1.0,
        Align::Left,
        GREY,
    );
}

/// Geometry of a thermal roll page.
struct Roll {
    /// Paper width.
    width: f32,
    /// Unprinted margin each side (58 mm printers print 48 mm, 80 mm ones 72 mm).
    margin: f32,
    /// Side of the QR code.
    qr: f32,
    /// Font scale relative to the 58 mm roll.
    scale: f32,
}

const ROLL_58: Roll = Roll {
    width: 58.0 * MM,
    margin: 5.0 * MM,
    qr: 34.0 * MM,
    scale: 1.0,
};

const ROLL_80: Roll = Roll {
    width: 80.0 * MM,
    margin: 4.0 * MM,
    qr: 42.0 * MM,
    scale: 1.2,
};

/// What a roll page shows, top to bottom.
enum RollItem {
    Text {
        font: Font,
        line: Fitted,
        baseline: f32,
    },
    Qr {
        top: f32,
    },
}

/// Roll page items stacked top to bottom; `y` is the distance from the top of the page.
struct Stack {
    items: Vec<RollItem>,
    y: f32,
    width: f32,
    scale: f32,
}

impl Stack {
    /// A centred line at `size` (times the roll's scale), shrunk down to `min` to fit, then
    /// `gap` points of space.
    fn line(&mut self, font: Font, text: &[u8], size: f32, min: f32, gap: f32) {
        let line = fit(font, text, self.width, size * self.scale, min);
        let baseline = self.y + line.size * 0.8;
        self.y += line.size * 1.2 + gap;
        self.items.push(RollItem::Text {
            font,
            line,
            baseline,
        });
    }
}

/// One voucher on a roll page as tall as its content, everything centred. Returns the page
/// height and its content.
fn roll_page(card: &Prepared, roll: &Roll) -> (f32, Content) {
    let mut stack = Stack {
        items: Vec::with_capacity(12),
        y: 4.0 * MM,
        width: roll.width - 2.0 * roll.margin,
        scale: roll.scale,
    };
    stack.line(Font::Bold, &card.business, 10.0, 7.0, 2.0);
    stack.line(Font::Bold, &card.ticket, 13.0, 7.0, 0.0);
    stack.line(Font::Bold, &card.price, 18.0, 8.0, 0.0);
    stack.line(Font::Regular, &card.allowance, 9.0, 6.0, 5.0);
    match &card.password {
        Some(password) => {
            stack.line(Font::Regular, b"Username", 7.0, 7.0, 0.0);
            stack.line(Font::Mono, &card.username, 16.0, 5.0, 3.0);
            stack.line(Font::Regular, b"Password", 7.0, 7.0, 0.0);
            stack.line(Font::Mono, password, 16.0, 5.0, 3.0);
        }
        None => {
            stack.line(Font::Regular, b"Code", 7.0, 7.0, 0.0);
            stack.line(Font::Mono, &card.username, 18.0, 5.0, 3.0);
        }
    }
    stack.y += 4.0;
    stack.items.push(RollItem::Qr { top: stack.y });
    stack.y += roll.qr + 5.0;
    stack.line(Font::Regular, b"Scan to connect", 7.0, 6.0, 2.0);
    stack.line(Font::Regular, &card.serial, 6.5, 4.0, 0.0);
    let height = stack.y + 5.0 * MM;

    let mut p = Painter::new(4096);
    let centre = roll.width / 2.0;
    for item in &stack.items {
        match item {
            RollItem::Text {
                font,
                line,
                baseline,
            } => p.text(*font, line, centre, height - baseline, Align::Center, INK),
            RollItem::Qr { top } => p.qr(&card.qr, centre - roll.qr / 2.0, height - top, roll.qr),
        }
    }
    // Tear guide along the bottom edge.
    p.dashed_lines(&[((0.0, 1.0), (roll.width, 1.0))], 0.0);
    (height, p.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_counts() {
        assert_eq!(Layout::A4.page_count(1), 1);
        assert_eq!(Layout::A4.page_count(24), 1);
        assert_eq!(Layout::A4.page_count(25), 2);
        assert_eq!(Layout::Thermal58.page_count(7), 7);
    }

    #[test]
    fn an_empty_sheet_is_an_error() {
        assert!(matches!(
            voucher_sheet("x", &[], Layout::A4),
            Err(RenderError::NoCards)
        ));
    }

    #[test]
    fn a_login_url_too_long_for_a_qr_code_names_the_voucher() {
        let card = VoucherCard {
            login_url: "x".repeat(5000),
            serial: "B-1 #0001".into(),
            ..VoucherCard::default()
        };
        match voucher_sheet("x", &[card], Layout::Thermal58) {
            Err(RenderError::VoucherQr { index, serial, .. }) => {
                assert_eq!((index, serial.as_str()), (0, "B-1 #0001"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
