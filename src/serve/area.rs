//! An area's page: key figures against its gemeente and the whole book, care types, the
//! report's charts for it (quarters, spine, focus groups), its flags and changes in words, the
//! practices serving it, and the focus-group builder.

use super::api::{blocking, internal, Params, Shared};
use super::pages::{fmt, frame, lang_of, not_found, render, Frame};
use super::state::Served;
use crate::domain::{Level, CARE_TYPES};
use crate::text::Lang;
use crate::view::{AreaRow, RunView};
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Serialize)]
struct Figure {
    label: String,
    area: String,
    gemeente: String,
    total: String,
}

#[derive(Serialize)]
struct SegmentLine {
    name: String,
    filter: String,
    hidden: bool,
    persons: String,
    share: String,
    cost: String,
    rest: String,
    volume: String,
}

#[derive(Serialize)]
struct AreaPage {
    frame: Frame,
    code: String,
    name: String,
    level: String,
    hidden: bool,
    gemeente: Option<(String, String)>,
    figures: Vec<Figure>,
    care: Vec<Figure>,
    charts: Vec<String>,
    flags: Vec<String>,
    changes: Vec<String>,
    population: Option<crate::report::practices::PopulationView>,
    serving: Vec<[String; 3]>,
    builder: bool,
    segments: Vec<SegmentLine>,
    example: String,
}

fn area_page(
    s: &Served,
    code: &str,
    q: &HashMap<String, String>,
) -> std::result::Result<String, Response> {
    let lang = lang_of(s, q);
    let view = s
        .view(q.get("period").map(String::as_str))
        .map_err(not_found)?;
    let view = view.as_ref();
    let Some(a) = view.area(code) else {
        return Err(not_found(format!(
            "`{code}` {}",
            lang.t("is geen gebied van deze run", "is not an area of this run")
        )));
    };
    let gemeente = Level::Gemeente
        .ancestor_of(code)
        .filter(|g| g != code)
        .and_then(|g| view.area(&g));
    let total = view.areas.iter().find(|x| x.level == Level::Total);
    let cell = |r: Option<&AreaRow>,
                get: &dyn Fn(&AreaRow) -> Option<f64>,
                f: &dyn Fn(f64) -> String|
     -> String {
        match r {
            None => String::new(),
            Some(r) => fmt(get(r), f, r.suppressed, lang),
        }
    };
    type Get = fn(&AreaRow) -> Option<f64>;
    type Row<'a> = (&'static str, &'static str, Get, &'a dyn Fn(f64) -> String);
    let euro = |v: f64| lang.euro(v);
    let count = |v: f64| lang.number(v, 0);
    let ratio = |v: f64| lang.ratio(v);
    let wmo = |v: f64| lang.number(v, 1);
    let rows: [Row; 8] = [
        (
            "Verzekerden",
            "Insured persons",
            |a| a.insured_persons,
            &count,
        ),
        (
            "Verzekerdenjaren",
            "Insured years",
            |a| a.insured_years,
            &count,
        ),
        (
            "Kosten per verzekerdenjaar",
            "Cost per insured year",
            |a| a.zvw_per_iy,
            &euro,
        ),
        (
            "Normkosten per verzekerdenjaar",
            "Norm cost per insured year",
            |a| a.norm_per_iy,
            &euro,
        ),
        (
            "Werkelijk / norm (O/E)",
            "Actual / norm (O/E)",
            |a| a.oe,
            &ratio,
        ),
        (
            "Resultaat (norm − werkelijk)",
            "Resultaat (norm − actual)",
            |a| a.resultaat_eur,
            &euro,
        ),
        (
            "Resultaat per verzekerdenjaar",
            "Resultaat per insured year",
            |a| a.resultaat_per_iy,
            &euro,
        ),
        (
            "Wmo-cliënten per 1.000 inwoners",
            "Wmo clients per 1,000 residents",
            |a| a.wmo_per_1000,
            &wmo,
        ),
    ];
    let figures = rows
        .iter()
        .map(|(nl, en, get, f)| Figure {
            label: lang.t(nl, en).into(),
            area: cell(Some(a), get, f),
            gemeente: cell(gemeente, get, f),
            total: cell(total, get, f),
        })
        .collect();
    let care = CARE_TYPES
        .iter()
        .enumerate()
        .map(|(k, ct)| {
            let get = move |r: &AreaRow| r.care.get(k).copied().flatten();
            Figure {
                label: lang.care_type(ct),
                area: cell(Some(a), &get, &euro),
                gemeente: cell(gemeente, &get, &euro),
                total: cell(total, &get, &euro),
            }
        })
        .collect();
    let mut charts = Vec::new();
    for chart in crate::charts::plan::area_plan(view, code, lang) {
        let key = format!("area/{}/{}/{}", view.period, chart.stem, lang.code());
        let svg = s
            .chart(&key, || crate::charts::render::svg(&chart))
            .map_err(internal)?;
        charts.push(svg.to_string());
    }
    let flags = view
        .flags
        .iter()
        .filter(|f| f.code == code)
        .map(|f| {
            format!(
                "{}: {} {} {}, z = {} — {} ({}%)",
                crate::report::notes::metric_label(lang, &f.metric),
                crate::report::notes::metric_value(&f.metric, f.observed, lang),
                lang.t("tegen verwacht", "against expected"),
                crate::report::notes::metric_value(&f.metric, f.expected, lang),
                lang.number(f.z, 2),
                if f.direction == "high" {
                    lang.t("hoog", "high")
                } else {
                    lang.t("laag", "low")
                },
                f.limit
                    .replace('.', if lang == Lang::Nl { "," } else { "." })
            )
        })
        .collect();
    let changes = area_changes(view, code, lang);
    let segments = view
        .segments
        .iter()
        .filter(|x| x.area_code == code)
        .map(|x| SegmentLine {
            name: crate::view::focus_groups::name(x, lang),
            filter: x.filter.clone(),
            hidden: x.suppressed,
            persons: fmt(x.persons, count, x.suppressed, lang),
            share: fmt(x.share_of_area, |v| lang.percent(v), x.suppressed, lang),
            cost: fmt(x.cost_per_person, euro, x.suppressed, lang),
            rest: fmt(x.cost_per_person_rest, euro, x.suppressed, lang),
            volume: match (x.suppressed, x.passes_volume) {
                (false, Some(true)) => lang.t("genoeg", "enough").into(),
                (false, Some(false)) => lang.t("te klein", "too small").into(),
                _ => "–".into(),
            },
        })
        .collect();
    let ctx = AreaPage {
        frame: frame(s, view, lang),
        code: code.to_string(),
        name: a.name.clone(),
        level: lang.level(a.level),
        hidden: a.suppressed,
        gemeente: gemeente.map(|g| (g.code.clone(), g.name.clone())),
        figures,
        care,
        charts,
        flags,
        changes,
        population: crate::report::practices::population(view, code, lang),
        serving: serving(view, code, lang),
        builder: matches!(a.level, Level::Buurt | Level::Wijk | Level::Gemeente) && !a.suppressed,
        segments,
        example: "age >= 75 AND household = 'single'".into(),
    };
    render("area.html.j2", ctx).map_err(internal)
}

/// The changes of an area in the view's period, in words (monitoring runs).
fn area_changes(view: &RunView, code: &str, lang: Lang) -> Vec<String> {
    use crate::report::notes::{change_words, significance};
    let mut out = Vec::new();
    for (metric, label) in [
        ("oe_ratio", lang.t("O/E", "O/E")),
        (
            "zvw_cost_per_insured_year",
            lang.t("kosten per verzekerdenjaar", "cost per insured year"),
        ),
    ] {
        let Some(r) = view
            .series(code, None, metric)
            .into_iter()
            .find(|r| r.period == view.period)
        else {
            continue;
        };
        let mut s = format!("{label} {}", r.period);
        if let (Some(p), Some(y)) = (r.change_year_pct, &r.year_period) {
            s.push_str(&format!(
                ": {} {} {y} ({})",
                change_words(p, lang),
                lang.t("dan", "than"),
                significance(r.change_year_flag.as_deref(), lang)
            ));
        }
        if let (Some(p), Some(q)) = (r.change_pct, &r.previous_period) {
            s.push_str(&format!(
                "; {} {} {q} ({})",
                change_words(p, lang),
                lang.t("dan", "than"),
                significance(r.change_flag.as_deref(), lang)
            ));
        }
        match r.trend.as_str() {
            "increasing" => s.push_str(&format!(
                "; {}",
                lang.l(crate::text::labels::RISING_TREND_OVER_THE_LAST)
                    .to_lowercase()
            )),
            "decreasing" => s.push_str(&format!(
                "; {}",
                lang.l(crate::text::labels::FALLING_TREND_OVER_THE_LAST)
                    .to_lowercase()
            )),
            _ => {}
        }
        if r.provisional {
            s.push_str(&format!(" ({})", lang.t("voorlopig", "provisional")));
        }
        out.push(s);
    }
    out
}

/// Practices with patients living in the area (`report::practices::serving`): name, code,
/// patients ("≥" where some of its cells are hidden).
fn serving(view: &RunView, code: &str, lang: Lang) -> Vec<[String; 3]> {
    crate::report::practices::serving(view, code)
        .into_iter()
        .filter(|s| s.1 > 0.0)
        .take(12)
        .map(|(id, n, partial)| {
            let row = view.practices.rows.iter().find(|r| r.id == id);
            [
                row.map(|r| r.name.clone()).unwrap_or_else(|| id.clone()),
                id,
                format!("{}{}", if partial { "≥ " } else { "" }, lang.number(n, 0)),
            ]
        })
        .collect()
}

pub async fn area(State(s): State<Shared>, Path(code): Path<String>, Query(q): Params) -> Response {
    match blocking(move || area_page(&s, &code, &q)).await {
        Ok(Ok(html)) => Html(html).into_response(),
        Ok(Err(r)) | Err(r) => r,
    }
}
