//! Shared look of the charts: one bundled font (so PNG text never depends on the machine's
//! fonts), colours chosen to survive black-and-white printing, and the category axis.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::style::{FontStyle, RGBColor};
use std::sync::Once;

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

/// Actual cost: dark. Norm: light with a dark outline. Apart in grey as in colour.
pub const ACTUAL: RGBColor = RGBColor(31, 78, 121);
pub const NORM: RGBColor = RGBColor(175, 203, 227);
pub const INK: RGBColor = RGBColor(33, 33, 33);
pub const MUTED: RGBColor = RGBColor(110, 110, 110);
/// Areas with too few persons on maps.
pub const HIDDEN: RGBColor = RGBColor(200, 200, 200);

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_map_to_the_middle_of_their_band() {
        let r = Rows { n: 4 };
        assert_eq!(r.map(&0.5, (0, 400)), 50);
        assert_eq!(r.map(&3.5, (400, 0)), 50);
        assert_eq!(r.key_points(4usize), vec![0.5, 1.5, 2.5, 3.5]);
    }

    #[test]
    fn nice_numbers() {
        assert_eq!(nice_ceil(3.2), 5.0);
        assert_eq!(nice_ceil(2400.0), 2500.0);
        assert_eq!(nice_ceil(0.0), 1.0);
        assert_eq!(shorten("abcdef", 4), "abc…");
    }
}
