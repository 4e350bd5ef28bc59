//! Renders 10,000-voucher sheets (A4 and both rolls) and a 30-bar chart, and prints time, size
//! and pages. Run with `cargo bench -p tiketi-render` (no harness: plain figures).

use std::hint::black_box;
use std::time::{Duration, Instant};

use tiketi_render::chart::{Bar, ChartSpec, bar_chart_svg};
use tiketi_render::pdf::{Layout, VoucherCard, voucher_sheet};

const VOUCHERS: usize = 10_000;

/// Codes like the issuer's: 8 characters from an unambiguous alphabet, plus a dash.
fn code(i: usize, salt: usize) -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt as u64;
    let mut out = String::with_capacity(9);
    for k in 0..8 {
        if k == 4 {
            out.push('-');
        }
        out.push(char::from(ALPHABET[(x % 32) as usize]));
        x /= 32;
    }
    out
}

fn cards(with_password: bool) -> Vec<VoucherCard> {
    (0..VOUCHERS)
        .map(|i| {
            let username = code(i, 1);
            let password = with_password.then(|| code(i, 7));
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
                serial: format!("B-01JABCDEFGHJKMNPQRSTVWXYZ #{:05}", i + 1),
            }
        })
        .collect()
}

fn time<T>(f: impl Fn() -> T) -> (Duration, T) {
    // One warm-up, then the best of three.
    let mut best = Duration::MAX;
    let mut out = black_box(f());
    for _ in 0..3 {
        let start = Instant::now();
        out = black_box(f());
        best = best.min(start.elapsed());
    }
    (best, out)
}

fn main() {
    for (layout, with_password) in [
        (Layout::A4, true),
        (Layout::A4, false),
        (Layout::Thermal58, true),
        (Layout::Thermal80, false),
    ] {
        let cards = cards(with_password);
        let (elapsed, pdf) = time(|| voucher_sheet("Bench batch", &cards, layout).unwrap());
        let pages = layout.page_count(cards.len());
        println!(
            "{layout:?} ({}): {VOUCHERS} vouchers, {pages} pages, {:.1} MB ({} B/voucher) in {:.0} ms ({:.1} µs/voucher)",
            if with_password {
                "user+password"
            } else {
                "code only"
            },
            pdf.len() as f64 / 1e6,
            pdf.len() / VOUCHERS,
            elapsed.as_secs_f64() * 1e3,
            elapsed.as_secs_f64() * 1e6 / VOUCHERS as f64,
        );
    }

    let bars: Vec<Bar> = (1..=30)
        .map(|d| Bar {
            label: format!("{d} Jun"),
            value: (d * 7919 % 50_000) * 100,
        })
        .collect();
    let format = |v: i64| format!("KES {}", v / 100);
    let spec = ChartSpec {
        title: "Revenue per day",
        bars: &bars,
        format_value: &format,
        width: 640,
        height: 320,
    };
    let (elapsed, svg) = time(|| bar_chart_svg(&spec));
    println!(
        "bar chart: 30 bars, {} B of SVG in {:.0} µs",
        svg.len(),
        elapsed.as_secs_f64() * 1e6
    );
}
