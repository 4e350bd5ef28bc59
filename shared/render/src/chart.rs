//! Dashboard charts as standalone SVG, drawn on the server for cheap phones: no JavaScript,
//! a few kB each, scaling to the page width.
//!
//! Drawn with [`plotters`] 0.3 built with only its SVG backend (`default-features = false,
//! features = ["svg_backend"]`): three small crates (`plotters`, `plotters-backend`,
//! `plotters-svg`) plus `num-traits`, no font engine, no bitmap codecs. Without a font backend
//! plotters still draws text: the SVG backend writes `<text>` elements (escaped) that the
//! browser lays out, and plotters sizes label areas with a built-in estimate. Alternatives
//! looked at: `charts-rs` embeds a 168 kB Roboto font and pulls `serde`, `serde_json` and
//! `ttf-parser` to measure text; `poloto` is light but its API changes with each major version
//! (19 so far) and it has no horizontal bars. plotters is the best known and maintained of the
//! three and enough for bars with axis labels.
//!
//! The chart draws its own category labels (evenly thinned when they would overlap, long ones
//! cut with an ellipsis) and value labels; plotters draws the value axis, its grid and the
//! bars. The root element is rewritten to `width="100%"` with a `viewBox`, so the chart takes
//! the width of its container and keeps its proportions, and it gets a `<title>` for screen
//! readers. Negative values are drawn as 0. With no bars, or only zeros, the chart shows empty
//! axes and "No data yet".

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One bar: a category and its value (minor currency units or a count).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub label: String,
    pub value: i64,
}

/// What to draw, and at which size (the `viewBox`; the SVG itself scales to its container).
pub struct ChartSpec<'a> {
    pub title: &'a str,
    pub bars: &'a [Bar],
    /// Formats values for the axis and the bars, e.g. minor units as "KES 1,200".
    pub format_value: &'a dyn Fn(i64) -> String,
    pub width: u32,
    pub height: u32,
}

/// Shown in place of the bars when there is nothing to draw.
pub const NO_DATA: &str = "No data yet";

/// Vertical bars, categories along the bottom: e.g. revenue per day for 30 days.
pub fn bar_chart_svg(spec: &ChartSpec<'_>) -> String {
    render(spec, Orientation::Vertical)
}

/// Horizontal bars, categories down the left side: e.g. sales by ticket type, whose names are
/// long.
pub fn horizontal_bar_chart_svg(spec: &ChartSpec<'_>) -> String {
    render(spec, Orientation::Horizontal)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Orientation {
    Vertical,
    Horizontal,
}

const BAR: RGBColor = RGBColor(0x2E, 0x7D, 0x32);
const INK: RGBColor = RGBColor(0x33, 0x33, 0x33);
const MUTED: RGBColor = RGBColor(0x75, 0x75, 0x75);
const GRID: RGBColor = RGBColor(0xE6, 0xE6, 0xE6);
const AXIS: RGBColor = RGBColor(0xB0, 0xB0, 0xB0);

/// Text sizes in pixels as they appear in the SVG.
const TITLE_PX: u32 = 14;
const LABEL_PX: u32 = 11;
/// Category labels longer than this are cut.
const MAX_LABEL_CHARS: usize = 28;

type DrawResult = Result<(), Box<dyn std::error::Error>>;

fn render(spec: &ChartSpec<'_>, orientation: Orientation) -> String {
    let width = spec.width.clamp(160, 4000);
    let height = spec.height.clamp(100, 4000);
    let mut svg = String::with_capacity(8 * 1024);
    let drawn = {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        draw(&root, spec, orientation).and_then(|()| Ok(root.present()?))
    };
    if drawn.is_err() {
        // Writing to a String cannot fail; should plotters refuse a layout, keep just the
        // title (added below) rather than half a chart.
        svg.clear();
        svg.push_str(&format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}"></svg>"#
        ));
    }
    responsive(&svg, width, height, spec.title)
}

/// Replaces plotters' fixed-size root element with a responsive one and adds a `<title>`.
fn responsive(svg: &str, width: u32, height: u32, title: &str) -> String {
    let body = svg
        .find("<svg")
        .and_then(|start| svg[start..].find('>').map(|end| &svg[start + end + 1..]))
        .unwrap_or("</svg>");
    let title = escape(title);
    let mut out = String::with_capacity(body.len() + 300);
    out.push_str(&format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMidYMid meet" role="img" aria-label="{title}" font-family="sans-serif"><title>{title}</title>"#
    ));
    // plotters puts each element on its own line; the newlines are only padding.
    for line in body.lines() {
        out.push_str(line.trim());
    }
    out
}

/// Escapes text for XML content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A font of `px` pixels: plotters' SVG backend divides the size by 1.24.
fn font(px: u32) -> FontDesc<'static> {
    FontDesc::new(
        FontFamily::SansSerif,
        f64::from(px) * 1.24,
        FontStyle::Normal,
    )
}

fn text_style(px: u32, color: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    font(px).color(&color).pos(Pos::new(h, v))
}

/// Estimated width in pixels of `text` in a sans-serif font of `px` pixels.
fn text_width(text: &str, px: u32) -> u32 {
    let chars = u32::try_from(text.chars().count()).unwrap_or(u32::MAX);
    chars.saturating_mul(px) * 3 / 5
}

/// Cuts `label` to `max_px` pixels and `max_chars` characters, with an ellipsis when cut;
/// control characters become spaces.
fn fit_label(label: &str, px: u32, max_px: u32, max_chars: usize) -> String {
    let label: String = label
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let max_chars = usize::try_from(max_px / (px * 3 / 5).max(1))
        .unwrap_or(0)
        .min(max_chars);
    if label.chars().count() <= max_chars {
        return label;
    }
    let kept: String = label.chars().take(max_chars.saturating_sub(1)).collect();
    format!("{}…", kept.trim_end())
}

/// Value axis from 0 to a round top: ticks every 1, 2 or 5 times a power of ten, at most
/// `max_intervals` intervals. Returns the top and the ticks; with nothing to show, only 0.
fn value_ticks(max: i64, max_intervals: i64) -> (i64, Vec<i64>) {
    if max <= 0 {
        return (1, vec![0]);
    }
    let max = max.clamp(1, i64::MAX / 8);
    let max_intervals = max_intervals.max(1);
    let raw = (max + max_intervals - 1) / max_intervals;
    let mut magnitude = 1i64;
    let step = 'found: loop {
        for m in [1, 2, 5] {
            let step = m * magnitude;
            if step >= raw {
                break 'found step;
            }
        }
        magnitude *= 10;
    };
    let top = (max + step - 1) / step * step;
    (top, (0..=top / step).map(|i| i * step).collect())
}

fn draw(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    spec: &ChartSpec<'_>,
    orientation: Orientation,
) -> DrawResult {
    root.fill(&WHITE)?;
    // Beyond a 16th of i64 the axis arithmetic could overflow; no sales figure gets there.
    let values: Vec<i64> = spec
        .bars
        .iter()
        .map(|b| b.value.clamp(0, i64::MAX / 16))
        .collect();
    let max = values.iter().copied().max().unwrap_or(0);
    let title = fit_label(spec.title, TITLE_PX, root.dim_in_pixel().0 - 16, usize::MAX);
    let title = if title.is_empty() { " ".into() } else { title };
    let root = root.titled(
        &title,
        font(TITLE_PX)
            .style(FontStyle::Bold)
            .color(&INK)
            .pos(Pos::new(HPos::Center, VPos::Top)),
    )?;
    match orientation {
        Orientation::Vertical => vertical(&root, spec, &values, max),
        Orientation::Horizontal => horizontal(&root, spec, &values, max),
    }
}

fn no_data<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (w, h) = area.dim_in_pixel();
    area.draw(&Text::new(
        NO_DATA,
        (i32::try_from(w / 2)?, i32::try_from(h / 2)?),
        text_style(13, MUTED, HPos::Center, VPos::Center),
    ))?;
    Ok(())
}

fn vertical(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    spec: &ChartSpec<'_>,
    values: &[i64],
    max: i64,
) -> DrawResult {
    let format = spec.format_value;
    let n = values.len().max(1);
    // Headroom for the value labels above the bars.
    let (top, ticks) = value_ticks(max + max / 8, 4);
    let axis_width = ticks
        .iter()
        .map(|&t| text_width(&format(t), LABEL_PX))
        .max()
        .unwrap_or(0)
        + 10;
    let mut chart = ChartBuilder::on(root)
        .margin_left(6)
        .margin_right(10)
        .margin_top(6)
        .margin_bottom(4)
        .x_label_area_size(LABEL_PX + 8)
        .y_label_area_size(axis_width)
        .build_cartesian_2d(0f64..n as f64, (0..top).with_key_points(ticks))?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(AXIS)
        .y_label_style(text_style(LABEL_PX, MUTED, HPos::Right, VPos::Center))
        .y_label_formatter(&|v| format(*v))
        .draw()?;
    if max == 0 {
        return no_data(&chart.plotting_area().strip_coord_spec());
    }

    let slot = chart.plotting_area().dim_in_pixel().0 / u32::try_from(n)?;
    chart.draw_series(values.iter().enumerate().map(|(i, &v)| {
        let x = i as f64;
        Rectangle::new([(x + 0.15, 0), (x + 0.85, v)], BAR.filled())
    }))?;

    // Category labels, thinned to every k-th when they would overlap.
    let labels: Vec<String> = spec
        .bars
        .iter()
        .map(|b| fit_label(&b.label, LABEL_PX, 120, MAX_LABEL_CHARS))
        .collect();
    let widest = labels
        .iter()
        .map(|l| text_width(l, LABEL_PX))
        .max()
        .unwrap_or(0);
    let every = usize::try_from((widest + 6).div_ceil(slot.max(1)))?.max(1);
    let style = text_style(LABEL_PX, INK, HPos::Center, VPos::Top);
    chart.draw_series(labels.iter().enumerate().step_by(every).map(|(i, label)| {
        EmptyElement::at((i as f64 + 0.5, 0)) + Text::new(label.clone(), (0, 5), style.clone())
    }))?;

    // Values above the bars, when each fits over its bar.
    let formatted: Vec<String> = values.iter().map(|&v| format(v)).collect();
    let widest = formatted
        .iter()
        .map(|l| text_width(l, 10))
        .max()
        .unwrap_or(0);
    if widest + 2 <= slot {
        let style = text_style(10, INK, HPos::Center, VPos::Bottom);
        chart.draw_series(formatted.into_iter().enumerate().map(|(i, text)| {
            EmptyElement::at((i as f64 + 0.5, values[i])) + Text::new(text, (0, -3), style.clone())
        }))?;
    }
    Ok(())
}

fn horizontal(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    spec: &ChartSpec<'_>,
    values: &[i64],
    max: i64,
) -> DrawResult {
    let format = spec.format_value;
    let n = values.len().max(1);
    let width = root.dim_in_pixel().0;
    let labels: Vec<String> = spec
        .bars
        .iter()
        .map(|b| fit_label(&b.label, LABEL_PX, width * 2 / 5, MAX_LABEL_CHARS))
        .collect();
    let label_area = labels
        .iter()
        .map(|l| text_width(l, LABEL_PX))
        .max()
        .unwrap_or(0)
        + 12;
    let formatted: Vec<String> = values.iter().map(|&v| format(v)).collect();
    let value_width = formatted
        .iter()
        .map(|l| text_width(l, 10))
        .max()
        .unwrap_or(0);
    // Value axis: as many ticks as fit under the plot without overlapping.
    let plot_width = width.saturating_sub(label_area + value_width + 20).max(40);
    let intervals = i64::from((plot_width / (value_width.max(30) + 16)).clamp(1, 4));
    let (top, ticks) = value_ticks(max, intervals);

    let mut chart = ChartBuilder::on(root)
        .margin_left(6)
        .margin_right(value_width + 12)
        .margin_top(6)
        .margin_bottom(4)
        .x_label_area_size(LABEL_PX + 10)
        .y_label_area_size(label_area)
        .build_cartesian_2d((0..top).with_key_points(ticks), 0f64..n as f64)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(AXIS)
        .x_label_style(text_style(LABEL_PX, MUTED, HPos::Center, VPos::Top))
        .x_label_formatter(&|v| format(*v))
        .draw()?;
    if max == 0 {
        return no_data(&chart.plotting_area().strip_coord_spec());
    }

    // The first bar at the top.
    let row = |i: usize| (n - 1 - i) as f64;
    chart.draw_series(
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| Rectangle::new([(0, row(i) + 0.18), (v, row(i) + 0.82)], BAR.filled())),
    )?;
    let style = text_style(LABEL_PX, INK, HPos::Right, VPos::Center);
    chart.draw_series(labels.into_iter().enumerate().map(|(i, label)| {
        EmptyElement::at((0, row(i) + 0.5)) + Text::new(label, (-6, 0), style.clone())
    }))?;
    let style = text_style(10, INK, HPos::Left, VPos::Center);
    chart.draw_series(formatted.into_iter().enumerate().map(|(i, text)| {
        EmptyElement::at((values[i], row(i) + 0.5)) + Text::new(text, (4, 0), style.clone())
    }))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_axes_are_round() {
        assert_eq!(value_ticks(0, 4), (1, vec![0]));
        assert_eq!(value_ticks(3, 4), (3, vec![0, 1, 2, 3]));
        assert_eq!(value_ticks(845, 2), (1000, vec![0, 500, 1000]));
        assert_eq!(
            value_ticks(5_340_000, 4),
            (6_000_000, vec![0, 2_000_000, 4_000_000, 6_000_000])
        );
        let (top, ticks) = value_ticks(i64::MAX, 4);
        assert!(top >= i64::MAX / 8 && ticks.len() <= 5);
    }

    #[test]
    fn labels_are_cut_with_an_ellipsis() {
        assert_eq!(fit_label(" 1 Day WiFi ", 11, 200, 28), "1 Day WiFi");
        assert_eq!(fit_label("abcdefghij", 10, 36, 28), "abcde…");
        assert_eq!(fit_label("a\nb", 10, 100, 28), "a b");
        assert_eq!(fit_label(&"x".repeat(40), 10, 1000, 28).chars().count(), 28);
    }
}
