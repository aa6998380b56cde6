//! Per focus area: its focus groups (size against excess cost) and, with `[reference]`, its
//! spine chart against Nederland.

use crate::charts::chart::{Chart, Kind, Section, WIDTH};
use crate::charts::{focus, spine};
use crate::domain::Level;
use crate::text::labels;
use crate::text::Lang;
use crate::view::{AreaRow, RunView};

pub(super) fn focus_plan(view: &RunView, codes: &[String], lang: Lang, out: &mut Vec<Chart>) {
    for code in codes.iter().cloned() {
        // The groups the report's table shows for the area, by the same names.
        let points: Vec<focus::FocusPoint> =
            crate::view::focus_groups::shown(view.segments.iter().filter(|s| s.area_code == code))
                .into_iter()
                .filter(|s| !s.suppressed)
                .filter_map(|s| {
                    Some(focus::FocusPoint {
                        segment: crate::view::focus_groups::name(s, lang),
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

/// Per focus area, "against Nederland" (issue #10): a spine chart of its indicators against the
/// national value (cost per insured year, O/E at national amounts) or the whole book's (the
/// rest), with the range of the areas of its level and its gemeente; only with `[reference]`.
///
/// With `always` (the served area page) also without `[reference]`: each measure against the
/// whole book, with the gemeente and the spread of the level.
pub(super) fn spine_plan(
    view: &RunView,
    codes: &[String],
    lang: Lang,
    always: bool,
    out: &mut Vec<Chart>,
) {
    let reference = view.manifest.reference.iter().find(|r| r.kind == "vektis");
    if reference.is_none() && !always {
        return;
    }
    let year = reference.and_then(|r| r.year).unwrap_or_default();
    let national_cost = reference.and_then(|r| r.national_cost_per_insured_year);
    let total = view.areas.iter().find(|a| a.level == Level::Total);
    for code in codes.iter().cloned() {
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
                national_cost,
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
            // Against national amounts only where the run has them.
            .filter(|(nl, ..)| reference.is_some() || !nl.contains("landelijke"))
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
        let title = match reference {
            Some(_) => format!(
                "{} {} — {} ({} {})",
                area.name,
                lang.t("tegen Nederland", "against Nederland"),
                lang.level(area.level),
                lang.t("Vektis", "Vektis"),
                year
            ),
            None => format!(
                "{} {} — {}",
                area.name,
                lang.t(
                    "tegen de gemeente en het hele bestand",
                    "against the gemeente and the whole book"
                ),
                lang.level(area.level)
            ),
        };
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
                    match reference {
                        Some(_) => lang.t("landelijk / bestand", "national / book").into(),
                        None => lang.t("hele bestand", "whole book").into(),
                    },
                    lang.t("spreiding", "range").into(),
                    lang.t("middelste helft", "middle half").into(),
                ],
            }),
        });
    }
}
