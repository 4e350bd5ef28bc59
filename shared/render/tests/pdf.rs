//! Voucher sheets parsed back with lopdf: page counts, page sizes, text, hostile input.
//!
//! Set `TIKETI_RENDER_DUMP=/some/dir` to also write the sheets there for a look.

use lopdf::{Document, Object};
use tiketi_render::pdf::{A4_CARDS_PER_PAGE, Layout, VoucherCard, voucher_sheet};

const HOSTILE: &str = "Shop (1) \\ \"x\" ✓ émoji 😀 ) ( \\) <b>&amp;</b>";

fn card(i: usize, with_password: bool) -> VoucherCard {
    let username = format!("7KQ{i:04}XM");
    let password = with_password.then(|| format!("P{i:05}Z"));
    let login_url = format!(
        "http://login.wifi/login?username={username}&password={}",
        password.as_deref().unwrap_or(&username)
    );
    VoucherCard {
        business_name: "Mama Njeri WiFi".into(),
        ticket_name: "1 Day WiFi".into(),
        price: "KES 80".into(),
        allowance: "1 day · valid 1 day".into(),
        username,
        password,
        login_url,
        serial: format!("B-01JABCDEF #{i:04}"),
    }
}

fn cards(n: usize, with_password: bool) -> Vec<VoucherCard> {
    (0..n).map(|i| card(i, with_password)).collect()
}

fn dump(name: &str, bytes: &[u8]) {
    if let Ok(dir) = std::env::var("TIKETI_RENDER_DUMP") {
        std::fs::write(std::path::Path::new(&dir).join(name), bytes).unwrap();
    }
}

fn parse(bytes: &[u8]) -> Document {
    assert!(bytes.starts_with(b"%PDF-"));
    Document::load_mem(bytes).expect("the sheet parses")
}

fn page_text(doc: &Document, page: u32) -> String {
    doc.extract_text(&[page]).expect("text extracts")
}

fn media_box(doc: &Document, page: u32) -> Vec<f32> {
    let id = doc.get_pages()[&page];
    let dict = doc.get_dictionary(id).unwrap();
    dict.get(b"MediaBox")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|o| match o {
            Object::Integer(i) => *i as f32,
            Object::Real(r) => *r,
            other => panic!("not a number: {other:?}"),
        })
        .collect()
}

fn title(doc: &Document) -> String {
    let info = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
    let info = doc.get_dictionary(info).unwrap();
    let raw = info.get(b"Title").unwrap().as_str().unwrap();
    match raw.strip_prefix(b"\xfe\xff") {
        Some(utf16) => {
            let units: Vec<u16> = utf16
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).unwrap()
        }
        None => String::from_utf8(raw.to_vec()).unwrap(),
    }
}

#[test]
fn a4_page_counts_follow_the_grid() {
    assert_eq!(A4_CARDS_PER_PAGE, 24);
    for (n, pages) in [(1, 1), (24, 1), (25, 2), (100, 5)] {
        let pdf = voucher_sheet("Batch", &cards(n, true), Layout::A4).unwrap();
        let doc = parse(&pdf);
        assert_eq!(doc.get_pages().len(), pages, "{n} cards");
        // A4 portrait in points.
        let mb = media_box(&doc, 1);
        assert!(
            (mb[2] - 595.28).abs() < 0.1 && (mb[3] - 841.89).abs() < 0.1,
            "{mb:?}"
        );
    }
}

#[test]
fn thermal_rolls_print_one_voucher_per_page_at_roll_width() {
    for (layout, width_mm) in [(Layout::Thermal58, 58.0), (Layout::Thermal80, 80.0)] {
        for n in [1, 3, 25] {
            let pdf = voucher_sheet("Roll", &cards(n, false), layout).unwrap();
            let doc = parse(&pdf);
            assert_eq!(doc.get_pages().len(), n, "{layout:?}");
            let mb = media_box(&doc, 1);
            assert!((mb[2] - width_mm * 72.0 / 25.4).abs() < 0.1, "{mb:?}");
            // One card: taller than the QR, far shorter than a page of A4.
            assert!(
                mb[3] > 150.0 && mb[3] < 600.0,
                "{layout:?} height {}",
                mb[3]
            );
        }
    }
}

#[test]
fn a4_text_is_all_on_the_page() {
    let mut sheet = cards(30, true);
    sheet[0].price = "KES 1,500".into();
    let pdf = voucher_sheet("Batch 42 — 1 Day WiFi", &sheet, Layout::A4).unwrap();
    dump("a4.pdf", &pdf);
    let doc = parse(&pdf);
    assert_eq!(title(&doc), "Batch 42 — 1 Day WiFi");
    let text = page_text(&doc, 1);
    for needle in [
        "Mama Njeri WiFi",
        "1 Day WiFi",
        "KES 1,500",
        "KES 80",
        "1 day · valid 1 day",
        "7KQ0000XM",
        "P00000Z",
        "7KQ0023XM",
        "Username",
        "Password",
        "B-01JABCDEF #0000",
        "Page 1 of 2",
    ] {
        assert!(
            text.contains(needle),
            "{needle:?} missing from page 1:\n{text}"
        );
    }
    assert!(!text.contains("7KQ0024XM"), "card 25 belongs on page 2");
    let second = page_text(&doc, 2);
    assert!(second.contains("7KQ0024XM") && second.contains("Page 2 of 2"));
}

#[test]
fn code_only_cards_print_one_code() {
    let pdf = voucher_sheet("Codes", &cards(2, false), Layout::A4).unwrap();
    dump("codes.pdf", &pdf);
    let text = page_text(&parse(&pdf), 1);
    assert!(text.contains("Code") && text.contains("7KQ0001XM"));
    assert!(!text.contains("Password"), "{text}");
}

#[test]
fn thermal_text_is_on_each_page() {
    for layout in [Layout::Thermal58, Layout::Thermal80] {
        let pdf = voucher_sheet("Roll", &cards(2, true), layout).unwrap();
        dump(&format!("{layout:?}.pdf"), &pdf);
        let doc = parse(&pdf);
        let text = page_text(&doc, 2);
        for needle in ["Mama Njeri WiFi", "KES 80", "7KQ0001XM", "P00001Z", "#0001"] {
            assert!(text.contains(needle), "{needle:?} missing:\n{text}");
        }
        assert!(!text.contains("7KQ0000XM"));
    }
}

#[test]
fn hostile_text_is_escaped_and_replaced() {
    let mut hostile = card(0, true);
    hostile.business_name = HOSTILE.into();
    hostile.ticket_name = HOSTILE.into();
    hostile.price = "(((".into();
    hostile.allowance = "\\".into();
    hostile.username = ")".into();
    hostile.password = Some("\\)(".into());
    hostile.serial = "\n\r\t\0%%EOF".into();
    for layout in [Layout::A4, Layout::Thermal58, Layout::Thermal80] {
        let pdf = voucher_sheet(HOSTILE, std::slice::from_ref(&hostile), layout).unwrap();
        dump(&format!("hostile-{layout:?}.pdf"), &pdf);
        let doc = parse(&pdf);
        assert_eq!(doc.get_pages().len(), 1);
        let text = page_text(&doc, 1);
        // Outside WinAnsi: ✓ and 😀 become '?'; é stays.
        assert!(text.contains("Shop (1) \\ \"x\" ? émoji ?"), "{text}");
        assert!(text.contains("((("), "{text}");
        assert!(text.contains("\\)("), "{text}");
        let content = doc.get_page_content(doc.get_pages()[&1]);
        let ops = lopdf::content::Content::decode(&content)
            .unwrap()
            .operations;
        assert!(ops.iter().any(|op| op.operator == "re"));
        assert!(ops.iter().any(|op| op.operator == "Tj"));
    }
}

#[test]
fn long_names_are_shrunk_or_truncated_to_the_card() {
    let mut long = card(0, true);
    long.business_name = "Mama Njeri Super Fast Unlimited Hotspot WiFi Kiambu Road Branch".into();
    long.ticket_name = "Weekend Unlimited Family Bundle Night Special".into();
    long.username = "AVERYLONGUSERNAMECODE12345".into();
    let pdf = voucher_sheet("Long", &[long.clone(), long.clone(), long], Layout::A4).unwrap();
    dump("long.pdf", &pdf);
    let doc = parse(&pdf);
    let text = page_text(&doc, 1);
    // The code is never truncated: it is shrunk instead.
    assert!(text.contains("AVERYLONGUSERNAMECODE12345"), "{text}");
    // The business name is cut with an ellipsis rather than run into the next card.
    assert!(text.contains('…'), "{text}");
}
