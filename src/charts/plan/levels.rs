//! Per chart level: norm against actual cost (paired bars), cost by care type (stacked bars)
//! and the O/E funnel.

use crate::charts::chart::{keep_ends, Chart, Kind, Section, WIDTH};
use crate::charts::{bars, funnel, style};
use crate::domain::Level;
use crate::domain::CARE_TYPES;
use crate::text::labels;
use crate::text::Lang;
use crate::view::{AreaRow, RunView};

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
    keep_ends(&mut rows);
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

pub(super) fn level_plan(view: &RunView, level: Level, lang: Lang, out: &mut Vec<Chart>) {
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
