//! Charts.
pub struct Bar {
    pub label: String,
    pub value: i64,
}
pub struct ChartSpec<'a> {
    pub title: &'a str,
    pub bars: &'a [Bar],
    pub format_value: &'a dyn Fn(i64) -> String,
    pub width: u32,
    pub height: u32,
}
pub fn bar_chart_svg(_spec: &ChartSpec<'_>) -> String {
    String::new()
}
pub fn horizontal_bar_chart_svg(_spec: &ChartSpec<'_>) -> String {
    String::new()
}
