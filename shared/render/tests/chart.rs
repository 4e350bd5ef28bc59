//! SVG charts: structure, escaping, empty data, size.
//!
//! Set `TIKETI_RENDER_DUMP=/some/dir` to also write the charts there for a look.

use tiketi_render::chart::{Bar, ChartSpec, NO_DATA, bar_chart_svg, horizontal_bar_chart_svg};

const HOSTILE: &str = "<script>alert(1)</script> & \"x\"";

fn kes(minor: i64) -> String {
    let units = minor / 100;
    let digits = units.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("KES {grouped}")
}

fn days(n: usize) -> Vec<Bar> {
    (1..=n)
        .map(|d| Bar {
            label: format!("{d} Jun"),
            value: ((d as i64 * 7919) % 50_000) * 100,
        })
        .collect()
}

fn spec<'a>(title: &'a str, bars: &'a [Bar], format: &'a dyn Fn(i64) -> String) -> ChartSpec<'a> {
    ChartSpec {
        title,
        bars,
        format_value: format,
        width: 640,
        height: 320,
    }
}

fn dump(name: &str, svg: &str) {
    if let Ok(dir) = std::env::var("TIKETI_RENDER_DUMP") {
        std::fs::write(std::path::Path::new(&dir).join(name), svg).unwrap();
    }
}

/// The bars: filled rectangles in the bar colour.
fn bar_count(svg: &str) -> usize {
    svg.matches(r##"fill="#2E7D32""##).count()
}

/// Well-formedness, roughly: one root, balanced tags, no raw '<' or '&' in text.
fn assert_well_formed(svg: &str) {
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "));
    assert!(svg.contains(r#"width="100%""#));
    assert!(svg.trim_end().ends_with("</svg>"));
    assert_eq!(svg.matches("<svg").count(), 1);
    let mut stack = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        let text = &rest[..start];
        for (i, _) in text.match_indices('&') {
            let entity = &text[i..];
            assert!(
                ["&lt;", "&gt;", "&amp;", "&quot;", "&apos;"]
                    .iter()
                    .any(|e| entity.starts_with(e)),
                "bare & in {text:?}"
            );
        }
        let end = rest[start..].find('>').expect("tag closes") + start;
        let tag = &rest[start + 1..end];
        assert!(!tag.contains('<'), "'<' inside tag {tag:?}");
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name), "mismatched </{name}>");
        } else if !tag.ends_with('/') {
            stack.push(tag.split_whitespace().next().unwrap().to_string());
        }
        rest = &rest[end + 1..];
    }
    assert!(stack.is_empty(), "unclosed {stack:?}");
}

#[test]
fn thirty_days_of_revenue() {
    let bars = days(30);
    let svg = bar_chart_svg(&spec("Revenue per day", &bars, &kes));
    dump("bars-30.svg", &svg);
    assert_well_formed(&svg);
    assert_eq!(bar_count(&svg), 30);
    assert!(svg.contains("<title>Revenue per day</title>"));
    assert!(svg.contains(">1 Jun<"), "the first label is shown");
    // Thirty labels do not fit in 640 px: some are skipped, none overlaps.
    let shown = (1..=30)
        .filter(|d| svg.contains(&format!(">{d} Jun<")))
        .count();
    assert!((5..30).contains(&shown), "{shown} labels");
    // Axis values go through the formatter.
    assert!(svg.contains(">KES 0<"));
    assert!(svg.len() < 15_000, "{} bytes", svg.len());
}

#[test]
fn few_bars_get_value_labels() {
    let bars = days(7);
    let svg = bar_chart_svg(&spec("This week", &bars, &kes));
    dump("bars-7.svg", &svg);
    assert_well_formed(&svg);
    assert_eq!(bar_count(&svg), 7);
    for (d, bar) in bars.iter().enumerate() {
        assert!(svg.contains(&format!(">{} Jun<", d + 1)));
        assert!(
            svg.contains(&format!(">{}<", kes(bar.value))),
            "{}",
            kes(bar.value)
        );
    }
}

#[test]
fn sales_by_ticket_type() {
    let bars: Vec<Bar> = [
        ("1 Hour Quick Browse", 120),
        ("1 Day WiFi", 845),
        ("Weekend Unlimited Family Bundle Night Special Offer", 61),
        ("5 GB Monthly", 17),
        ("Free trial", 0),
    ]
    .into_iter()
    .map(|(label, value)| Bar {
        label: label.into(),
        value,
    })
    .collect();
    let count = |v: i64| format!("{v} sold");
    let svg = horizontal_bar_chart_svg(&spec("Sales by ticket type", &bars, &count));
    dump("hbars.svg", &svg);
    assert_well_formed(&svg);
    // The zero bar is drawn with no width but still counted.
    assert_eq!(bar_count(&svg), 5);
    assert!(svg.contains(">1 Day WiFi<") && svg.contains(">845 sold<"));
    assert!(svg.contains(">0 sold<"));
    // The long name is cut, not allowed to push the chart aside.
    assert!(!svg.contains("Special Offer"));
    assert!(svg.contains("Weekend Unlimited"));
    assert!(svg.contains('…'));
}

#[test]
fn labels_and_titles_are_escaped() {
    let bars = vec![
        Bar {
            label: HOSTILE.into(),
            value: 5,
        },
        Bar {
            label: "ok".into(),
            value: 3,
        },
    ];
    let hostile_format = |v: i64| format!("<b>{v}</b>&");
    for (name, svg) in [
        ("v", bar_chart_svg(&spec(HOSTILE, &bars, &hostile_format))),
        (
            "h",
            horizontal_bar_chart_svg(&spec(HOSTILE, &bars, &hostile_format)),
        ),
    ] {
        dump(&format!("hostile-{name}.svg"), &svg);
        assert_well_formed(&svg);
        assert!(!svg.contains("<script"), "{svg}");
        assert!(!svg.contains("<b>"));
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;"));
        assert!(svg.contains("&lt;b&gt;5&lt;/b&gt;&amp;"));
    }
}

#[test]
fn empty_and_all_zero_data_say_so() {
    let zeros = [
        Bar {
            label: "Mon".into(),
            value: 0,
        },
        Bar {
            label: "Tue".into(),
            value: -40,
        },
    ];
    for bars in [&[][..], &zeros[..]] {
        for (name, svg) in [
            ("v", bar_chart_svg(&spec("Revenue", bars, &kes))),
            ("h", horizontal_bar_chart_svg(&spec("Revenue", bars, &kes))),
        ] {
            dump(&format!("empty-{name}-{}.svg", bars.len()), &svg);
            assert_well_formed(&svg);
            assert!(svg.contains(NO_DATA), "{svg}");
            assert_eq!(bar_count(&svg), 0);
        }
    }
}

#[test]
fn negative_values_are_drawn_as_zero() {
    let bars = vec![
        Bar {
            label: "refunds".into(),
            value: -500,
        },
        Bar {
            label: "sales".into(),
            value: 900,
        },
    ];
    let svg = bar_chart_svg(&spec("Net", &bars, &kes));
    assert_well_formed(&svg);
    assert_eq!(bar_count(&svg), 2);
    assert!(!svg.contains("KES -"), "no negative axis");
}

#[test]
fn extreme_sizes_and_values_do_not_panic() {
    let bars = vec![
        Bar {
            label: String::new(),
            value: i64::MAX,
        },
        Bar {
            label: "x".repeat(500),
            value: 1,
        },
    ];
    for (w, h) in [(0, 0), (1, 1), (100_000, 100_000), (320, 180)] {
        let spec = ChartSpec {
            title: "",
            bars: &bars,
            format_value: &|v| v.to_string(),
            width: w,
            height: h,
        };
        assert_well_formed(&bar_chart_svg(&spec));
        assert_well_formed(&horizontal_bar_chart_svg(&spec));
    }
    let many = days(365);
    let svg = bar_chart_svg(&spec("A year", &many, &kes));
    assert_well_formed(&svg);
    assert_eq!(bar_count(&svg), 365);
}
