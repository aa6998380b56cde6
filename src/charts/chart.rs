//! What a planned chart is: its kind (the data of one drawing), where it goes in the report and
//! its size. Planning (`plan`) fills these in; drawing (`render`) reads them.

use super::style::DrawResult;
use super::{bars, effect, focus, funnel, map, series, spine};
use crate::domain::Level;
use plotters::coord::Shift;
use plotters::prelude::*;

/// At most this many areas per bar chart: the lowest and highest resultaat, half each.
pub const MAX_BARS: usize = 40;
/// Every chart is this wide; heights follow the content.
pub const WIDTH: u32 = 900;

/// Keeps the first and last `MAX_BARS / 2` of `rows` (sorted by the caller) when there are more
/// than `MAX_BARS`, so a bar chart shows both ends.
pub fn keep_ends<T>(rows: &mut Vec<T>) {
    if rows.len() > MAX_BARS {
        let half = MAX_BARS / 2;
        let tail = rows.split_off(rows.len() - half);
        rows.truncate(half);
        rows.extend(tail);
    }
}

#[derive(Debug, Clone)]
pub enum Kind {
    NormVsActual(bars::PairedBars),
    CareTypes(bars::Composition),
    Funnel(funnel::Funnel),
    Map(map::MapChart),
    FocusGroups(focus::FocusChart),
    Series(series::SeriesChart),
    Changes(series::ChangesChart),
    Spine(spine::SpineChart),
    Effect(effect::EffectChart),
}

impl Kind {
    pub(super) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        match self {
            Kind::NormVsActual(c) => c.draw(root),
            Kind::CareTypes(c) => c.draw(root),
            Kind::Funnel(c) => c.draw(root),
            Kind::Map(c) => c.draw(root),
            Kind::FocusGroups(c) => c.draw(root),
            Kind::Series(c) => c.draw(root),
            Kind::Changes(c) => c.draw(root),
            Kind::Spine(c) => c.draw(root),
            Kind::Effect(c) => c.draw(root),
        }
    }
}

/// Where a chart belongs in the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Section {
    Level(Level),
    Focus(String),
    /// The changes since last period and last year (monitoring runs).
    Changes,
    /// The GP-practice view (SPEC 3.7).
    Practices,
    /// The effects of interventions (SPEC 3.10).
    Effects,
}

#[derive(Debug, Clone)]
pub struct Chart {
    /// File name without extension, e.g. `funnel_wijk`.
    pub stem: String,
    /// One sentence saying what the chart shows (alt text and caption).
    pub caption: String,
    pub section: Section,
    pub size: (u32, u32),
    pub kind: Kind,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lists_keep_both_ends() {
        let mut few: Vec<usize> = (0..MAX_BARS).collect();
        keep_ends(&mut few);
        assert_eq!(few.len(), MAX_BARS);
        let mut many: Vec<usize> = (0..100).collect();
        keep_ends(&mut many);
        assert_eq!(many.len(), MAX_BARS);
        assert_eq!((many[0], many[19], many[20], many[39]), (0, 19, 80, 99));
    }
}
