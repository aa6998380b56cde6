//! Choropleth maps per chart level: O/E and resultaat per insured year, one panel per gemeente.
//! The gemeente choice, class edges and shapes are shared with the practice map.

use crate::charts::chart::{Chart, Kind, Section, WIDTH};
use crate::charts::{map, style};
use crate::domain::Level;
use crate::geometry::MapGeometry;
use crate::text::labels;
use crate::text::Lang;
use crate::view::{AreaRow, RunView};

/// Gemeenten drawn as map panels, in code order: those holding a focus area when the run has
/// focus areas, else all; at most `map::MAX_PANELS`, the largest by insured persons. Also how
/// many were left out.
pub(super) fn map_gemeenten(view: &RunView) -> (Vec<&AreaRow>, usize) {
    let all: Vec<&AreaRow> = view
        .areas
        .iter()
        .filter(|a| a.level == Level::Gemeente)
        .collect();
    let focus: Vec<String> = view
        .focus_areas
        .iter()
        .filter_map(|c| Level::Gemeente.ancestor_of(c))
        .collect();
    let mut chosen: Vec<&AreaRow> = if focus.is_empty() {
        all.clone()
    } else {
        all.iter()
            .copied()
            .filter(|g| focus.contains(&g.code))
            .collect()
    };
    chosen.sort_by(|a, b| {
        b.insured_persons
            .unwrap_or(0.0)
            .total_cmp(&a.insured_persons.unwrap_or(0.0))
            .then_with(|| a.code.cmp(&b.code))
    });
    chosen.truncate(map::MAX_PANELS);
    chosen.sort_by(|a, b| a.code.cmp(&b.code));
    let left_out = all.len() - chosen.len();
    (chosen, left_out)
}

/// Class edges of O/E on the maps.
pub(super) const OE_EDGES: [f64; 6] = [0.8, 0.9, 0.95, 1.05, 1.1, 1.2];

/// Legend labels of the seven classes between six edges.
pub(super) fn class_labels(edges: &[f64; 6], fmt: &dyn Fn(f64) -> String) -> Vec<String> {
    let mut l = vec![format!("< {}", fmt(edges[0]))];
    l.extend(
        edges
            .windows(2)
            .map(|w| format!("{} – {}", fmt(w[0]), fmt(w[1]))),
    );
    l.push(format!("≥ {}", fmt(edges[5])));
    l
}

/// The shapes of gemeente `gemeente` filled by their `level` area's class of `value`.
pub(super) fn level_shapes(
    view: &RunView,
    geo: &MapGeometry,
    level: Level,
    gemeente: &str,
    edges: &[f64; 6],
    value: fn(&AreaRow) -> Option<f64>,
) -> Vec<map::MapShape> {
    geo.shapes
        .iter()
        .filter(|s| Level::Gemeente.ancestor_of(&s.code).as_deref() == Some(gemeente))
        .filter_map(|s| {
            // A shape whose area is not in the run is left off, not greyed.
            let area = level
                .ancestor_of(&s.code)
                .and_then(|c| view.area(&c))
                .filter(|a| a.level == level)?;
            let fill = if area.suppressed {
                map::Fill::Hidden
            } else {
                value(area).map_or(map::Fill::NoData, |v| {
                    map::Fill::Class(map::classify(v, edges))
                })
            };
            Some(map::MapShape {
                code: area.code.clone(),
                rings: s.rings.clone(),
                label_at: s.label_at,
                fill,
            })
        })
        .collect()
}

pub(super) fn map_plan(
    view: &RunView,
    geo: &MapGeometry,
    level: Level,
    lang: Lang,
    out: &mut Vec<Chart>,
) {
    let (gemeenten, left_out) = map_gemeenten(view);
    let values = |f: &dyn Fn(&AreaRow) -> Option<f64>| -> Vec<f64> {
        view.shown(level).filter_map(f).collect()
    };
    let oe_edges = OE_EDGES;
    let mut res = values(&|a| a.resultaat_per_iy.map(f64::abs));
    res.sort_by(f64::total_cmp);
    let p90 = res.get(res.len() * 9 / 10).copied().unwrap_or(100.0);
    let s = style::nice_ceil(p90 / 3.0);
    let res_edges = [-3.0 * s, -2.0 * s, -s, s, 2.0 * s, 3.0 * s];
    type Metric<'a> = (
        &'a str,
        &'a [f64; 6],
        bool,
        Vec<String>,
        String,
        fn(&AreaRow) -> Option<f64>,
    );
    let metrics: [Metric; 2] = [
        (
            "oe",
            &oe_edges,
            false,
            class_labels(&oe_edges, &|v| lang.ratio(v)),
            lang.l(labels::ACTUAL_NORM_COST_O_E_2).into(),
            |a| a.oe,
        ),
        (
            "resultaat",
            &res_edges,
            true,
            class_labels(&res_edges, &|v| lang.euro(v)),
            lang.l(labels::RESULTAAT_PER_INSURED_YEAR_NORM).into(),
            |a| a.resultaat_per_iy,
        ),
    ];
    for (name, edges, reversed, classes, title, value) in metrics {
        let panels: Vec<map::Panel> = gemeenten
            .iter()
            .map(|g| map::Panel {
                title: g.name.clone(),
                shapes: level_shapes(view, geo, level, &g.code, edges, value),
                points: Vec::new(),
            })
            .filter(|p| !p.shapes.is_empty())
            .collect();
        if panels.is_empty() {
            continue;
        }
        let rows = map::grid(panels.len()).0 as u32;
        let note = if left_out > 0 {
            format!(
                " ({} {left_out} {})",
                lang.l(labels::WITHOUT),
                lang.l(labels::SMALLER_MUNICIPALITIES_SEE_THE_TABLES)
            )
        } else {
            String::new()
        };
        out.push(Chart {
            stem: format!("map_{name}_{level}"),
            caption: format!("{title} — {}{note}", lang.level(level)),
            section: Section::Level(level),
            size: (WIDTH, 130 + 430 * rows),
            kind: Kind::Map(map::MapChart {
                title: format!("{title} — {}", lang.level(level)),
                panels,
                classes,
                reversed,
                hidden_label: lang.l(labels::TOO_FEW_PERSONS).into(),
                no_data_label: lang.l(labels::NO_DATA).into(),
                marks_note: lang
                    .t(
                        "+ boven de norm, − onder de norm (ook leesbaar in zwart-wit)",
                        "+ above the norm, − below the norm (readable in black and white)",
                    )
                    .into(),
                points_note: None,
            }),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seven_classes_between_six_edges() {
        let l = class_labels(&OE_EDGES, &|v| format!("{v}"));
        assert_eq!(l.len(), 7);
        assert_eq!((l[0].as_str(), l[3].as_str()), ("< 0.8", "0.95 – 1.05"));
        assert_eq!(l[6], "≥ 1.2");
    }
}
