//! The GP-practice view (SPEC 3.7): the practice funnel and the practices on the wijk map.

use super::maps::{class_labels, level_shapes, map_gemeenten, OE_EDGES};
use crate::charts::chart::{Chart, Kind, Section, WIDTH};
use crate::charts::{funnel, map, style};
use crate::domain::Level;
use crate::geometry::MapGeometry;
use crate::text::labels;
use crate::text::Lang;
use crate::view::RunView;

/// The practice funnel (METHODS 1, as Fingertips' GP practice profiles): capped O/E per
/// insured year of every published practice; flagged ones named. Practices under 750
/// registered persons are drawn but never flagged.
pub(super) fn practice_plan(view: &RunView, lang: Lang, out: &mut Vec<Chart>) {
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
pub(super) fn practice_map_plan(
    view: &RunView,
    geo: &MapGeometry,
    lang: Lang,
    out: &mut Vec<Chart>,
) {
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
