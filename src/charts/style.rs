//! Shared look of the charts, each decision written once: one bundled font (so PNG text never
//! depends on the machine's fonts), the text sizes, colours chosen to survive black-and-white
//! printing, the frame and legend box of a chart with axes, and the category axis.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, RGBAColor, RGBColor};
use std::sync::Once;

/// What every chart's `draw` returns: plotters' backend errors boxed, so one type fits SVG and PNG.
pub type DrawResult = std::result::Result<(), Box<dyn std::error::Error + Send + Sync>>;

pub const FONT: &str = "sans-serif";
static FONT_BYTES: &[u8] = include_bytes!("../../reports/assets/fonts/DejaVuSans.ttf");

/// Registers the bundled DejaVu Sans for PNG text (SVG text names the family only).
pub fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is compiled in and known to parse; a failure here is a build fault.
        if plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES).is_err() {
            tracing::error!("bundled font could not be registered; PNG text will be missing");
        }
    });
}

/// Text sizes in pixels: a chart's title, a panel's title, axis and legend labels, the spine's
/// rows (few, with long labels), map legends and period axes, the "provisional" notes.
pub const TITLE: (&str, i32) = (FONT, 17);
pub const PANEL_TITLE: (&str, i32) = (FONT, 14);
pub const LABEL: (&str, i32) = (FONT, 12);
pub const ROW_LABEL: (&str, i32) = (FONT, 13);
pub const SMALL: (&str, i32) = (FONT, 11);
pub const NOTE: (&str, i32) = (FONT, 10);

/// Actual cost: dark. Norm: light with a dark outline. Apart in grey as in colour.
pub const ACTUAL: RGBColor = RGBColor(31, 78, 121);
pub const NORM: RGBColor = RGBColor(175, 203, 227);
pub const INK: RGBColor = RGBColor(33, 33, 33);
pub const MUTED: RGBColor = RGBColor(110, 110, 110);
/// Areas with too few persons on maps.
pub const HIDDEN: RGBColor = RGBColor(200, 200, 200);

/// Grid lines drawn invisible: scatter charts keep only the bold mesh lines.
pub const NO_LINE: RGBAColor = RGBAColor(255, 255, 255, 0.0);

/// Viridis at seven points: lightness rises monotonically, so stacked categories keep their
/// order when printed in grey.
pub const SEQUENTIAL: [RGBColor; 7] = [
    RGBColor(68, 1, 84),
    RGBColor(68, 57, 131),
    RGBColor(49, 104, 142),
    RGBColor(33, 145, 140),
    RGBColor(53, 183, 121),
    RGBColor(144, 215, 67),
    RGBColor(253, 231, 37),
];

/// ColorBrewer RdBu, seven classes, blue (below 1 / favourable) to red (above).
pub const DIVERGING: [RGBColor; 7] = [
    RGBColor(33, 102, 172),
    RGBColor(103, 169, 207),
    RGBColor(209, 229, 240),
    RGBColor(247, 247, 247),
    RGBColor(253, 219, 199),
    RGBColor(239, 138, 98),
    RGBColor(178, 24, 43),
];

/// Text in `font` (one of the sizes above) and `colour`.
pub fn text(font: (&'static str, i32), colour: &RGBColor) -> TextStyle<'static> {
    font.into_font().color(colour)
}

/// Ink text in `font`, placed by its (`h`, `v`) corner or side at the point.
pub fn anchored(font: (&'static str, i32), h: HPos, v: VPos) -> TextStyle<'static> {
    text(font, &INK).pos(Pos::new(h, v))
}

/// A white page under the chart (PNGs are otherwise black).
pub fn blank<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    Ok(())
}

/// The frame of a chart with axes: its title, margins and the x-axis label band; the y-axis
/// label column is `y_labels` pixels wide.
pub fn frame<'a, 'b, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
    y_labels: u32,
) -> ChartBuilder<'a, 'b, DB> {
    let mut b = ChartBuilder::on(area);
    b.caption(title, TITLE)
        .margin(12)
        .margin_right(40)
        .x_label_area_size(44)
        .y_label_area_size(y_labels);
    b
}

/// The series legend: a near-opaque white box with an ink border at `position`.
pub fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.9))
        .border_style(INK)
        .label_font(LABEL)
        .draw()?;
    Ok(())
}

/// A bar's swatch in the series legend, at the legend's point.
pub fn swatch((x, y): (i32, i32), colour: RGBColor) -> Rectangle<(i32, i32)> {
    Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled())
}

/// A key box of a drawn legend: filled with `colour`, outlined in ink (white stays visible).
pub fn key_box<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    corners: [(i32, i32); 2],
    colour: RGBColor,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    area.draw(&Rectangle::new(corners, colour.filled()))?;
    area.draw(&Rectangle::new(corners, INK.stroke_width(1)))?;
    Ok(())
}

/// A category axis: `n` rows at 0.5, 1.5, … with one tick per row, labelled by the caller.
#[derive(Debug, Clone, Copy)]
pub struct Rows {
    pub n: usize,
}

impl Ranged for Rows {
    // Labels come from the chart's own formatter; the default prints the row number.
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let span = f64::from(limit.1 - limit.0);
        limit.0 + (v / self.n.max(1) as f64 * span).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, _hint: H) -> Vec<f64> {
        (0..self.n).map(|i| i as f64 + 0.5).collect()
    }

    fn range(&self) -> std::ops::Range<f64> {
        0.0..self.n as f64
    }
}

impl Rows {
    /// The bottom of row `i` counted from the top (row 0 is drawn at the top).
    pub fn top_down(&self, i: usize) -> f64 {
        (self.n - 1 - i) as f64
    }

    /// The label of the row at axis value `v`, `labels` counted from the top.
    pub fn label<S: AsRef<str>>(&self, labels: &[S], v: f64) -> String {
        let i = self.n.saturating_sub(1 + v.floor() as usize);
        labels
            .get(i)
            .map(|s| s.as_ref().to_string())
            .unwrap_or_default()
    }
}

/// Pixels for a label column wide enough for `labels` at 12 px.
pub fn label_width<'a>(labels: impl Iterator<Item = &'a str>) -> u32 {
    let chars = labels.map(|l| l.chars().count()).max().unwrap_or(4);
    (chars as u32 * 7 + 16).clamp(60, 280)
}

/// A "nice" round number at or above `v` (1, 2, 2.5, 5 × 10ⁿ).
pub fn nice_ceil(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|c| *c >= v)
        .unwrap_or(10.0 * p)
}

/// Shortens a label to `max` characters with an ellipsis.
pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// The label of a period axis at `x`: the period at whole positions, nothing between them.
pub fn period_tick(labels: &[String], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() < 1e-6 && i >= 0.0 {
        labels.get(i as usize).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_map_to_the_middle_of_their_band() {
        let r = Rows { n: 4 };
        assert_eq!(r.map(&0.5, (0, 400)), 50);
        assert_eq!(r.map(&3.5, (400, 0)), 50);
        assert_eq!(r.key_points(4usize), vec![0.5, 1.5, 2.5, 3.5]);
        // Row 0 is drawn at the top: its band is the highest, and its label is read there.
        assert_eq!(r.top_down(0), 3.0);
        assert_eq!(r.label(&["a", "b", "c", "d"], 3.5), "a");
        assert_eq!(r.label(&["a", "b", "c", "d"], 0.5), "d");
    }

    #[test]
    fn nice_numbers() {
        assert_eq!(nice_ceil(3.2), 5.0);
        assert_eq!(nice_ceil(2400.0), 2500.0);
        assert_eq!(nice_ceil(0.0), 1.0);
        assert_eq!(shorten("abcdef", 4), "abc…");
    }
}
