//! Charts (SPEC 4.2) with plotters, from plain structs: `plan` turns a finished run into chart
//! specs, `render_all` draws each as SVG and PNG in `charts/`, in parallel with rayon (after
//! every polars collect is done). Suppressed areas and hidden cells are never drawn as values.

pub mod bars;
pub mod focus;
pub mod funnel;
pub mod map;
pub mod series;
pub mod spine;
pub mod style;

use crate::domain::Level;
use crate::domain::CARE_TYPES;
use crate::error::{Error, Result};
use crate::geometry::MapGeometry;
use crate::text::labels;
use crate::text::Lang;
use crate::view::{AreaRow, RunView};
use plotters::coord::Shift;
use plotters::prelude::*;
use rayon::prelude::*;
use std::path::Path;

pub type DrawResult = std::result::Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// At most this many areas per bar chart: the lowest and highest resultaat, half each.
pub const MAX_BARS: usize = 40;
const WIDTH: u32 = 900;

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
}

impl Kind {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
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

#[derive(Debug, Clone)]
pub struct Rendered {
    pub stem: String,
    pub caption: String,
    pub section: Section,
    pub svg: String,
}

/// Areas for the bar charts: shown areas with actual and norm cost, by resultaat (most
/// negative first), cut to the lowest and highest `MAX_BARS / 2` when there are more.
fn bar_areas(view: &RunView, level: Level) -> (Vec<&AreaRow>, usize) {
    let mut rows: Vec<&AreaRow> = view
        .shown(level)
        .filter(|a| a.zvw_per_iy.is_some() && a.norm_per_iy.is_some())
        .filter(|a| a.resultaat_per_iy.is_some())
        .collect();
    rows.sort_by(|a, b| {
        a.resultaat_per_iy
            .unwrap_or(0.0)
            .total_cmp(&b.resultaat_per_iy.unwrap_or(0.0))
            .then_with(|| a.code.cmp(&b.code))
    });
    let total = rows.len();
    if total > MAX_BARS {
        let half = MAX_BARS / 2;
        let tail = rows.split_off(total - half);
        rows.truncate(half);
        rows.extend(tail);
    }
    (rows, total)
}

fn label(a: &AreaRow) -> String {
    if a.name.is_empty() || a.name == a.code {
        a.code.clone()
    } else {
        style::shorten(&a.name, 36)
    }
}

fn subset_note(lang: Lang, shown: usize, total: usize) -> String {
    if shown < total {
        format!(
            " ({} {} {total})",
            shown / 2,
            lang.l(labels::LOWEST_AND_HIGHEST_RESULTAAT_OF)
        )
    } else {
        String::new()
    }
}

fn level_plan(view: &RunView, level: Level, lang: Lang, out: &mut Vec<Chart>) {
    let lv = lang.level(level);
    let (rows, total) = bar_areas(view, level);
    if !rows.is_empty() {
        let note = subset_note(lang, rows.len(), total);
        out.push(Chart {
            stem: format!("norm_vs_actual_{level}"),
            caption: format!("{} — {lv}{note}", lang.l(labels::NORM_AND_ACTUAL_COST_PER)),
            section: Section::Level(level),
            size: (WIDTH, bars::height(rows.len())),
            kind: Kind::NormVsActual(bars::PairedBars {
                title: format!("{} — {lv}", lang.l(labels::NORM_AND_ACTUAL)),
                rows: rows
                    .iter()
                    .map(|a| bars::PairedRow {
                        label: label(a),
                        actual: a.zvw_per_iy.unwrap_or(0.0),
                        norm: a.norm_per_iy.unwrap_or(0.0),
                    })
                    .collect(),
                lang,
            }),
        });
        out.push(composition(view, level, &rows, lang, &note));
    }
    if let Some(fit) = view.funnel(level) {
        let flagged: std::collections::HashSet<&str> = view
            .flags
            .iter()
            .filter(|f| f.level == level && f.metric == "oe_norm")
            .map(|f| f.code.as_str())
            .collect();
        let points: Vec<funnel::FunnelPoint> = view
            .shown(level)
            .filter_map(|a| {
                let (years, oe) = (a.insured_years?, a.oe_for_flags?);
                let flag = flagged.contains(a.code.as_str()).then(|| label(a));
                Some(funnel::FunnelPoint { years, oe, flag })
            })
            .collect();
        let capped = view.manifest.outliers.cost_basis.capped;
        if points.len() >= 3 {
            out.push(Chart {
                stem: format!("funnel_{level}"),
                caption: format!(
                    "{} — {lv}",
                    if capped {
                        lang.l(labels::FUNNEL_PLOT_CAPPED_ACTUAL_NORM)
                    } else {
                        lang.l(labels::FUNNEL_PLOT_ACTUAL_NORM_COST)
                    }
                ),
                section: Section::Level(level),
                size: (WIDTH, 560),
                kind: Kind::Funnel(funnel::Funnel {
                    title: format!("{} — {lv}", lang.l(labels::FUNNEL_O_E)),
                    points,
                    fit,
                    method: view.overdispersion.clone(),
                    capped,
                    practices: false,
                    lang,
                }),
            });
        }
    }
}

/// Care-type composition of the same areas: the six largest care types of the level, the
/// rest summed from published cells only (a hidden cell is never derived from the total).
fn composition(view: &RunView, level: Level, rows: &[&AreaRow], lang: Lang, note: &str) -> Chart {
    // An area whose every care type is hidden has no bar to draw.
    let rows: Vec<&AreaRow> = rows
        .iter()
        .copied()
        .filter(|a| a.care.iter().any(Option::is_some))
        .collect();
    let mut weight: Vec<(usize, f64)> = (0..CARE_TYPES.len())
        .map(|k| {
            let w = view
                .shown(level)
                .map(|a| a.care[k].unwrap_or(0.0) * a.insured_years.unwrap_or(0.0))
                .sum();
            (k, w)
        })
        .collect();
    weight.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let top: Vec<usize> = weight.iter().take(6).map(|(k, _)| *k).collect();
    let mut categories: Vec<String> = top.iter().map(|&k| lang.care_type(CARE_TYPES[k])).collect();
    categories.push(lang.l(labels::OTHER_CARE_TYPES).into());
    let stack = bars::Composition {
        title: format!(
            "{} — {}",
            lang.l(labels::COST_BY_CARE_TYPE),
            lang.level(level)
        ),
        categories,
        rows: rows
            .iter()
            .map(|a| {
                let mut parts: Vec<Option<f64>> = top.iter().map(|&k| a.care[k]).collect();
                let rest: Vec<Option<f64>> = (0..CARE_TYPES.len())
                    .filter(|k| !top.contains(k))
                    .map(|k| a.care[k])
                    .collect();
                parts.push(Some(rest.iter().flatten().sum()));
                let hidden = a.care.iter().any(Option::is_none);
                bars::StackRow {
                    label: if hidden {
                        format!("{} *", label(a))
                    } else {
                        label(a)
                    },
                    parts,
                }
            })
            .collect(),
        lang,
    };
    Chart {
        stem: format!("care_types_{level}"),
        caption: format!(
            "{} — {}{note}. {}",
            lang.l(labels::COST_PER_INSURED_YEAR_BY),
            lang.level(level),
            lang.l(labels::NOT_EVERY_CARE_TYPE_SHOWN)
        ),
        section: Section::Level(level),
        size: (WIDTH, bars::height(rows.len())),
        kind: Kind::CareTypes(stack),
    }
}

/// Gemeenten drawn as map panels, in code order: those holding a focus area when the run has
/// focus areas, else all; at most `map::MAX_PANELS`, the largest by insured persons. Also how
/// many were left out.
fn map_gemeenten(view: &RunView) -> (Vec<&AreaRow>, usize) {
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
const OE_EDGES: [f64; 6] = [0.8, 0.9, 0.95, 1.05, 1.1, 1.2];

/// Legend labels of the seven classes between six edges.
fn class_labels(edges: &[f64; 6], fmt: &dyn Fn(f64) -> String) -> Vec<String> {
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
fn level_shapes(
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
                rings: s.rings.clone(),
                label_at: s.label_at,
                fill,
            })
        })
        .collect()
}

fn map_plan(view: &RunView, geo: &MapGeometry, level: Level, lang: Lang, out: &mut Vec<Chart>) {
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

fn focus_plan(view: &RunView, lang: Lang, out: &mut Vec<Chart>) {
    for code in view.focus_area_codes() {
        let points: Vec<focus::FocusPoint> = view
            .segments
            .iter()
            .filter(|s| s.area_code == code && !s.suppressed)
            .filter_map(|s| {
                Some(focus::FocusPoint {
                    segment: s.segment.clone(),
                    persons: s.persons?,
                    excess: s.excess_per_person()?,
                    passes_volume: s.passes_volume.unwrap_or(false),
                })
            })
            .collect();
        if points.is_empty() {
            continue;
        }
        let name = view
            .area(&code)
            .map(|a| a.name.clone())
            .unwrap_or_else(|| code.clone());
        out.push(Chart {
            stem: format!("focus_groups_{code}"),
            caption: format!(
                "{} {name}: {}",
                lang.l(labels::FOCUS_GROUPS_IN),
                lang.l(labels::SIZE_AGAINST_EXCESS_COST_PER)
            ),
            section: Section::Focus(code.clone()),
            size: (WIDTH, 520),
            kind: Kind::FocusGroups(focus::FocusChart {
                title: format!("{} {name}", lang.l(labels::FOCUS_GROUPS_IN)),
                points,
                min_volume: view.min_volume as f64,
                lang,
            }),
        });
    }
}

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
    focus_plan(view, lang, &mut out);
    spine_plan(view, lang, &mut out);
    practice_plan(view, lang, &mut out);
    if let Some(geo) = geometry {
        practice_map_plan(view, geo, lang, &mut out);
    }
    if !view.periods.is_empty() {
        monitoring_plan(view, lang, &mut out);
    }
    out
}

/// Per focus area, "against Nederland" (issue #10): a spine chart of its indicators against the
/// national value (cost per insured year, O/E at national amounts) or the whole book's (the
/// rest), with the range of the areas of its level and its gemeente; only with `[reference]`.
fn spine_plan(view: &RunView, lang: Lang, out: &mut Vec<Chart>) {
    let Some(reference) = view.manifest.reference.iter().find(|r| r.kind == "vektis") else {
        return;
    };
    let year = reference.year.unwrap_or_default();
    let total = view.areas.iter().find(|a| a.level == Level::Total);
    for code in view.focus_area_codes() {
        let Some(area) = view.area(&code) else {
            continue;
        };
        if area.suppressed {
            continue;
        }
        let gemeente = Level::Gemeente
            .ancestor_of(&code)
            .and_then(|g| view.area(&g));
        let peers: Vec<&AreaRow> = view.shown(area.level).collect();
        type Get = fn(&AreaRow) -> Option<f64>;
        let indicators: [(&str, &str, Get, Option<f64>, bool); 6] = [
            (
                "Kosten per verzekerdenjaar",
                "Cost per insured year",
                |a| a.zvw_per_iy,
                reference.national_cost_per_insured_year,
                true,
            ),
            (
                "Werkelijk / landelijke bedragen (O/E)",
                "Actual / national amounts (O/E)",
                |a| a.oe_nl,
                Some(1.0),
                false,
            ),
            (
                "Werkelijk / normkosten (O/E)",
                "Actual / norm cost (O/E)",
                |a| a.oe,
                Some(1.0),
                false,
            ),
            (
                "Wmo-cliënten per 1.000 inwoners",
                "Wmo clients per 1,000 residents",
                |a| a.wmo_per_1000,
                None,
                false,
            ),
            (
                "Aandeel 65+",
                "Share aged 65+",
                |a| a.share_65plus,
                None,
                false,
            ),
            (
                "Aandeel 75+",
                "Share aged 75+",
                |a| a.share_75plus,
                None,
                false,
            ),
        ];
        let rows: Vec<spine::SpineRow> = indicators
            .iter()
            .filter_map(|(nl, en, get, bench, euros)| {
                let benchmark = bench.or_else(|| total.and_then(get))?;
                let value = get(area);
                let values: Vec<f64> = peers.iter().filter_map(|a| get(a)).collect();
                let text = match (value, *euros, nl.starts_with("Aandeel")) {
                    (None, _, _) => "–".to_string(),
                    (Some(v), true, _) => lang.euro(v),
                    (Some(v), false, true) => lang.percent(v),
                    (Some(v), false, false) => lang.number(v, 2),
                };
                Some(spine::SpineRow {
                    label: lang.t(nl, en).to_string(),
                    value,
                    text,
                    gemeente: gemeente.filter(|g| g.code != code).and_then(get),
                    benchmark,
                    range: spine::spread(&values),
                })
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        let title = format!(
            "{} {} — {} ({} {})",
            area.name,
            lang.t("tegen Nederland", "against Nederland"),
            lang.level(area.level),
            lang.t("Vektis", "Vektis"),
            year
        );
        out.push(Chart {
            stem: format!("spine_{code}"),
            caption: format!(
                "{title}: {}",
                lang.t(
                    "elke maat tegen het landelijke niveau (kosten, O/E) of het hele bestand, met de spreiding van de gebieden van dit niveau en de gemeente",
                    "each measure against the national level (cost, O/E) or the whole book, with the spread of the areas of this level and the gemeente",
                )
            ),
            section: Section::Focus(code.clone()),
            size: (WIDTH, (90 + 46 * rows.len()) as u32),
            kind: Kind::Spine(spine::SpineChart {
                title,
                rows,
                legend: [
                    lang.t("gebied", "area").into(),
                    lang.t("gemeente", "gemeente").into(),
                    lang.t("landelijk / bestand", "national / book").into(),
                    lang.t("spreiding", "range").into(),
                    lang.t("middelste helft", "middle half").into(),
                ],
            }),
        });
    }
}

/// The practice funnel (METHODS 1, as Fingertips' GP practice profiles): capped O/E per
/// insured year of every published practice; flagged ones named. Practices under 750
/// registered persons are drawn but never flagged.
fn practice_plan(view: &RunView, lang: Lang, out: &mut Vec<Chart>) {
    let Some(record) = &view.manifest.practices else {
        return;
    };
    let fit = &record.outliers;
    let Some(norm) = fit.norm_per_insured_year else {
        return;
    };
    let points: Vec<funnel::FunnelPoint> = view
        .practices
        .rows
        .iter()
        .filter(|p| p.kind == "praktijk" && !p.suppressed)
        .filter_map(|p| {
            Some(funnel::FunnelPoint {
                years: p.years?,
                oe: p.oe_for_flags?,
                flag: p.limit.as_ref().map(|_| style::shorten(&p.name, 30)),
            })
        })
        .collect();
    if points.len() < 3 {
        return;
    }
    out.push(Chart {
        stem: "funnel_practices".into(),
        caption: format!(
            "{} — {}",
            lang.l(labels::FUNNEL_PLOT_CAPPED_ACTUAL_NORM),
            lang.l(labels::GP_PRACTICES)
        ),
        section: Section::Practices,
        size: (WIDTH, 560),
        kind: Kind::Funnel(funnel::Funnel {
            title: format!(
                "{} — {}",
                lang.l(labels::FUNNEL_O_E),
                lang.l(labels::GP_PRACTICES)
            ),
            points,
            fit: crate::view::FunnelFit {
                sigma_eur: fit.sigma_eur,
                norm_per_iy: norm,
                phi: fit.phi,
                tau2: fit.tau2,
                widened: fit.widened,
            },
            method: view.overdispersion.clone(),
            capped: view.manifest.outliers.cost_basis.capped,
            practices: true,
            lang,
        }),
    });
}

/// The practices on the wijk map (issue #9): each located practice a dot in its wijk, sized by
/// its registered persons, over the wijken's O/E. The positions are the wijk's middle spread
/// apart, not the address: the practice list gives a pc5, and the map has no pc5 shapes.
fn practice_map_plan(view: &RunView, geo: &MapGeometry, lang: Lang, out: &mut Vec<Chart>) {
    if !geo.levels().contains(&Level::Wijk) {
        return;
    }
    let mut by_wijk: std::collections::BTreeMap<&str, Vec<&crate::view::practices::PracticeRow>> =
        Default::default();
    for p in view.practices.rows.iter().filter(|p| p.kind == "praktijk") {
        if let Some(w) = &p.wijk_code {
            by_wijk.entry(w.as_str()).or_default().push(p);
        }
    }
    if by_wijk.is_empty() {
        return;
    }
    // Each wijk's middle, once: the mean of its shapes' inner points.
    let mut middles: std::collections::HashMap<String, (f64, f64, f64)> = Default::default();
    for s in &geo.shapes {
        if let Some(w) = Level::Wijk.ancestor_of(&s.code) {
            let m = middles.entry(w).or_insert((0.0, 0.0, 0.0));
            (m.0, m.1, m.2) = (m.0 + s.label_at.0, m.1 + s.label_at.1, m.2 + 1.0);
        }
    }
    let (gemeenten, left_out) = map_gemeenten(view);
    let mut drawn = 0;
    let panels: Vec<map::Panel> = gemeenten
        .iter()
        .filter_map(|g| {
            let shapes = level_shapes(view, geo, Level::Wijk, &g.code, &OE_EDGES, |a| a.oe);
            let (x0, y0, x1, y1) = map::bounds(&shapes)?;
            let step = 0.015 * ((x1 - x0).powi(2) + (y1 - y0).powi(2)).sqrt();
            let mut points = Vec::new();
            for (wijk, practices) in &by_wijk {
                if Level::Gemeente.ancestor_of(wijk).as_deref() != Some(g.code.as_str()) {
                    continue;
                }
                let Some(&(sx, sy, n)) = middles.get(*wijk) else {
                    continue;
                };
                let centre = (sx / n, sy / n);
                for (at, p) in map::spread(centre, practices.len(), step)
                    .into_iter()
                    .zip(practices)
                {
                    let radius = p
                        .persons
                        .map_or(3.0, |n| (3.0 + 1.5 * (n / 1000.0).sqrt()).min(9.0));
                    points.push(map::MapPoint {
                        at,
                        radius: radius.round() as u32,
                    });
                    drawn += 1;
                }
            }
            Some(map::Panel {
                title: g.name.clone(),
                shapes,
                points,
            })
        })
        .collect();
    if drawn == 0 {
        return;
    }
    let rows = map::grid(panels.len()).0 as u32;
    let title = lang
        .t(
            "Huisartspraktijken op de wijkkaart",
            "GP practices on the wijk map",
        )
        .to_string();
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
        stem: "map_practices_wijk".into(),
        caption: format!(
            "{title}{note}: {}",
            lang.t(
                "wijken gekleurd naar O/E, praktijken als stip in hun wijk",
                "wijken coloured by O/E, practices as dots in their wijk"
            )
        ),
        section: Section::Practices,
        size: (WIDTH, 130 + 430 * rows),
        kind: Kind::Map(map::MapChart {
            title,
            panels,
            classes: class_labels(&OE_EDGES, &|v| lang.ratio(v)),
            reversed: false,
            hidden_label: lang.l(labels::TOO_FEW_PERSONS).into(),
            no_data_label: lang.l(labels::NO_DATA).into(),
            marks_note: lang
                .t(
                    "+ boven de norm, − onder de norm (ook leesbaar in zwart-wit)",
                    "+ above the norm, − below the norm (readable in black and white)",
                )
                .into(),
            points_note: Some(
                lang.t(
                    "huisartspraktijk, grootte naar ingeschreven verzekerden; in het midden van de wijk, niet op het adres",
                    "GP practice, sized by registered insured persons; at the middle of its wijk, not its address",
                )
                .into(),
            ),
        }),
    });
}

/// Monitoring charts: per focus area O/E and cost per insured year per period with the 95%
/// band, and the areas of the summary level ranked by their change against a year earlier.
fn monitoring_plan(view: &RunView, lang: Lang, out: &mut Vec<Chart>) {
    let panel = |code: &str, metric: &str, title: &str, euros: bool| series::Panel {
        title: title.to_string(),
        points: view
            .series(code, None, metric)
            .into_iter()
            // The value the changes are judged on, with its band (capped cost per person
            // by default, as the tests); the published value where that is not shown.
            .map(|r| series::SeriesPoint {
                period: r.period.clone(),
                value: r.judged.or(r.value),
                band: r.judged.and(r.se).map(|s| crate::stats::Z95 * s),
                provisional: r.provisional,
            })
            .collect(),
        euros,
        reference: (!euros).then_some(1.0),
    };
    for code in view.focus_area_codes() {
        let name = view
            .area(&code)
            .map(|a| a.name.clone())
            .unwrap_or_else(|| code.clone());
        let panels = vec![
            panel(
                &code,
                "oe_ratio",
                lang.l(labels::ACTUAL_NORM_COST_O_E_2),
                false,
            ),
            panel(
                &code,
                "zvw_cost_per_insured_year",
                lang.l(labels::COST_PER_INSURED_YEAR),
                true,
            ),
        ];
        if panels
            .iter()
            .all(|p| p.points.iter().all(|x| x.value.is_none()))
        {
            continue;
        }
        out.push(Chart {
            stem: format!("trend_{code}"),
            caption: format!(
                "{} {name}: {}",
                lang.l(labels::OVER_TIME),
                lang.l(labels::VALUE_PER_PERIOD_WITH_ITS_95_BAND)
            ),
            section: Section::Focus(code.clone()),
            size: (WIDTH, 420),
            kind: Kind::Series(series::SeriesChart {
                title: format!("{name} {}", lang.l(labels::OVER_TIME)),
                panels,
                lang,
            }),
        });
    }
    let level = [Level::Wijk, Level::Buurt, Level::Gemeente]
        .into_iter()
        .find(|l| !view.latest_changes(*l, "oe_ratio").is_empty());
    let Some(level) = level else {
        return;
    };
    let mut rows: Vec<&crate::view::ChangeRow> = view
        .latest_changes(level, "oe_ratio")
        .into_iter()
        .filter(|r| r.change_year_pct.is_some())
        .collect();
    rows.sort_by(|a, b| {
        b.change_year_pct
            .unwrap_or(0.0)
            .total_cmp(&a.change_year_pct.unwrap_or(0.0))
            .then(a.code.cmp(&b.code))
    });
    if rows.len() > MAX_BARS {
        let half = MAX_BARS / 2;
        let tail = rows.split_off(rows.len() - half);
        rows.truncate(half);
        rows.extend(tail);
    }
    if rows.is_empty() {
        return;
    }
    let provisional = rows.iter().any(|r| r.provisional);
    let year = rows[0].year_period.clone().unwrap_or_default();
    out.push(Chart {
        stem: format!("changes_{level}"),
        caption: format!(
            "{} — {} {} {} {year}{}",
            lang.level(level),
            lang.l(labels::O_E_CHANGE_OF),
            view.period,
            lang.l(labels::AGAINST),
            if provisional {
                format!(" ({})", lang.l(labels::PROVISIONAL))
            } else {
                String::new()
            }
        ),
        section: Section::Changes,
        size: (WIDTH, (90 + 22 * rows.len()) as u32),
        kind: Kind::Changes(series::ChangesChart {
            title: format!(
                "{} {} {} {year} — {}",
                lang.l(labels::O_E_CHANGE_OF),
                view.period,
                lang.l(labels::AGAINST),
                lang.level(level)
            ),
            bars: rows
                .iter()
                .map(|r| series::ChangeBar {
                    label: r.name.clone(),
                    change_pct: r.change_year_pct.unwrap_or(0.0),
                    significant: r.change_year_flag.is_some(),
                })
                .collect(),
            lang,
        }),
    });
}

fn draw_err(stem: &str, e: impl std::fmt::Display) -> Error {
    Error::Output(format!("chart `{stem}` could not be drawn: {e}"))
}

/// Draws one chart as `<stem>.svg` and `<stem>.png` in `dir`; returns the SVG text.
pub fn render(chart: &Chart, dir: &Path) -> Result<Rendered> {
    style::register_font();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, chart.size).into_drawing_area();
        chart
            .kind
            .draw(&root)
            .map_err(|e| draw_err(&chart.stem, e))?;
        root.present().map_err(|e| draw_err(&chart.stem, e))?;
    }
    std::fs::write(dir.join(format!("{}.svg", chart.stem)), &svg)?;
    let png = dir.join(format!("{}.png", chart.stem));
    {
        let root = BitMapBackend::new(&png, chart.size).into_drawing_area();
        chart
            .kind
            .draw(&root)
            .map_err(|e| draw_err(&chart.stem, e))?;
        root.present().map_err(|e| draw_err(&chart.stem, e))?;
    }
    Ok(Rendered {
        stem: chart.stem.clone(),
        caption: chart.caption.clone(),
        section: chart.section.clone(),
        svg,
    })
}

/// Renders every chart in parallel, in plan order.
pub fn render_all(charts: &[Chart], dir: &Path) -> Result<Vec<Rendered>> {
    std::fs::create_dir_all(dir)?;
    charts
        .par_iter()
        .map(|c| {
            let r = render(c, dir);
            crate::run_folder::abort_point("chart");
            r
        })
        .collect()
}
