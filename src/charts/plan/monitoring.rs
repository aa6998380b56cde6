//! Monitoring runs: per focus area its measures over the periods with their 95% band, and the
//! areas of the summary level ranked by their change against a year earlier.

use crate::charts::chart::{keep_ends, Chart, Kind, Section, WIDTH};
use crate::charts::series;
use crate::domain::Level;
use crate::text::labels;
use crate::text::Lang;
use crate::view::RunView;

/// Monitoring charts: per focus area O/E and cost per insured year per period with the 95%
/// band, and the areas of the summary level ranked by their change against a year earlier.
pub(super) fn monitoring_plan(view: &RunView, lang: Lang, out: &mut Vec<Chart>) {
    trend_plan(view, &view.focus_area_codes(), lang, out);
    changes_plan(view, lang, out);
}

/// Per area of `codes`: O/E and cost per insured year per period with the 95% band.
pub(super) fn trend_plan(view: &RunView, codes: &[String], lang: Lang, out: &mut Vec<Chart>) {
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
    for code in codes {
        let name = view
            .area(code)
            .map(|a| a.name.clone())
            .unwrap_or_else(|| code.clone());
        let panels = vec![
            panel(
                code,
                "oe_ratio",
                lang.l(labels::ACTUAL_NORM_COST_O_E_2),
                false,
            ),
            panel(
                code,
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
}

/// The areas of the summary level ranked by their change against a year earlier.
fn changes_plan(view: &RunView, lang: Lang, out: &mut Vec<Chart>) {
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
    keep_ends(&mut rows);
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
