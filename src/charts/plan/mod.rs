//! Planning: which charts a finished run gets, as `Chart` specs with their data, captions and
//! sizes; nothing is drawn here. In: the run's view and, for maps, its geometry. Out: the
//! charts in report order — per chart level the bars, composition, funnel and maps
//! (`levels`, `maps`), per focus area its groups and spine (`focus_areas`), the practice funnel
//! and map (`practices`), and the monitoring trends and changes (`monitoring`).

pub mod effects;
pub mod focus_areas;
pub mod levels;
pub mod maps;
pub mod monitoring;
pub mod practices;

use super::chart::Chart;
use crate::domain::Level;
use crate::geometry::MapGeometry;
use crate::text::Lang;
use crate::view::RunView;
use focus_areas::{focus_plan, spine_plan};
use levels::level_plan;
use maps::map_plan;
use monitoring::{monitoring_plan, trend_plan};
use practices::{practice_map_plan, practice_plan};

/// Every chart for a run: per chart level the bars, composition and funnel, the maps where
/// geometry covers the level, and one focus-group chart per focus area.
pub fn plan(view: &RunView, geometry: Option<&MapGeometry>, lang: Lang) -> Vec<Chart> {
    let mut out = Vec::new();
    for level in view.chart_levels() {
        level_plan(view, level, lang, &mut out);
        if let Some(geo) = geometry {
            if geo.levels().contains(&level) {
                map_plan(view, geo, level, lang, &mut out);
            }
        }
    }
    let focus_areas = view.focus_area_codes();
    focus_plan(view, &focus_areas, lang, &mut out);
    spine_plan(view, &focus_areas, lang, false, &mut out);
    practice_plan(view, lang, &mut out);
    if let Some(geo) = geometry {
        practice_map_plan(view, geo, lang, &mut out);
    }
    if !view.periods.is_empty() {
        monitoring_plan(view, lang, &mut out);
    }
    effects::effects_plan(view, lang, &mut out);
    out
}

/// The charts of one area's page (`wijkscan serve`), drawn as the report draws a focus area's:
/// its focus groups, its spine against Nederland (with `[reference]`) and its quarters (a
/// monitoring run), for any area of the run, not only the focus areas.
pub fn area_plan(view: &RunView, code: &str, lang: Lang) -> Vec<Chart> {
    let codes = [code.to_string()];
    let mut out = Vec::new();
    if !view.periods.is_empty() {
        trend_plan(view, &codes, lang, &mut out);
    }
    spine_plan(view, &codes, lang, true, &mut out);
    focus_plan(view, &codes, lang, &mut out);
    out
}

/// The maps of one level (O/E, then resultaat), for the served overview.
pub fn level_maps(view: &RunView, geometry: &MapGeometry, level: Level, lang: Lang) -> Vec<Chart> {
    let mut out = Vec::new();
    if geometry.levels().contains(&level) {
        map_plan(view, geometry, level, lang, &mut out);
    }
    out
}
