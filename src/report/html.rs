//! The report page: a view model of formatted strings (numbers are formatted here, in the
//! report's language, never in the template) rendered with an embedded minijinja template.
//! Charts are inlined as SVG data URIs and the CSS as a `<style>` block: one file, no requests.

use crate::charts::{Rendered, Section};
use crate::domain::Level;
use crate::error::{Error, Result};
use crate::view::text::labels;
use crate::view::text::Lang;
use crate::view::{AreaRow, FlagRow, RunView, SegmentRow};
use base64::Engine;
use serde::Serialize;

const TEMPLATE: &str = include_str!("../../reports/templates/report.html.j2");
const CSS: &str = include_str!("../../reports/templates/report.css");
/// Rows of the outlier table in the report; all flags are in `outliers.csv`.
pub const MAX_OUTLIER_ROWS: usize = 30;

#[derive(Serialize)]
struct Figure {
    src: String,
    caption: String,
    file: String,
}

#[derive(Serialize)]
struct KeyRow {
    name: String,
    code: String,
    level: String,
    persons: String,
    years: String,
    cost: String,
    norm: String,
    oe: String,
    resultaat: String,
    resultaat_per_iy: String,
    wmo: String,
}

#[derive(Serialize)]
struct OutlierRow {
    level: String,
    area: String,
    metric: String,
    observed: String,
    expected: String,
    z: String,
    limit: String,
    direction: String,
}

#[derive(Serialize)]
struct SegmentView {
    segment: String,
    area: String,
    hidden: bool,
    persons: String,
    share: String,
    cost: String,
    rest: String,
    relative_rate: String,
    cv: String,
    volume: String,
    filter: String,
}

#[derive(Serialize)]
struct FocusPage {
    code: String,
    name: String,
    level: String,
    figures: Option<KeyRow>,
    charts: Vec<Figure>,
    segments: Vec<SegmentView>,
}

#[derive(Serialize)]
struct LevelPage {
    level: String,
    charts: Vec<Figure>,
}

#[derive(Serialize)]
struct LedgerRow {
    bucket: String,
    rows: String,
    eur: String,
}

#[derive(Serialize)]
struct Ledger {
    title: String,
    rows: Vec<LedgerRow>,
    balanced: String,
}

#[derive(Serialize)]
struct Page {
    lang: &'static str,
    t: std::collections::BTreeMap<&'static str, String>,
    css: &'static str,
    title: String,
    period: String,
    program: String,
    findings: Vec<String>,
    key_figures: Vec<KeyRow>,
    focus: Vec<FocusPage>,
    levels: Vec<LevelPage>,
    outliers: Vec<OutlierRow>,
    outliers_note: String,
    segments: Vec<SegmentView>,
    method: Vec<String>,
    privacy: Vec<String>,
    warnings: Vec<String>,
    ledgers: Vec<Ledger>,
    inputs: Vec<[String; 3]>,
}

fn opt(v: Option<f64>, f: impl Fn(f64) -> String, hidden: &str) -> String {
    v.map(f).unwrap_or_else(|| hidden.to_string())
}

fn key_row(a: &AreaRow, lang: Lang) -> KeyRow {
    let h = if a.suppressed {
        lang.l(labels::TOO_FEW_PERSONS)
    } else {
        "–"
    };
    KeyRow {
        name: a.name.clone(),
        code: a.code.clone(),
        level: lang.level(a.level),
        persons: opt(a.insured_persons, |v| lang.number(v, 0), h),
        years: opt(a.insured_years, |v| lang.number(v, 0), h),
        cost: opt(a.zvw_per_iy, |v| lang.euro(v), h),
        norm: opt(a.norm_per_iy, |v| lang.euro(v), h),
        oe: opt(a.oe, |v| lang.ratio(v), h),
        resultaat: opt(a.resultaat_eur, |v| lang.euro(v), h),
        resultaat_per_iy: opt(a.resultaat_per_iy, |v| lang.euro(v), h),
        wmo: opt(a.wmo_per_1000, |v| lang.number(v, 1), h),
    }
}

fn figure(c: &Rendered) -> Figure {
    Figure {
        src: format!(
            "data:image/svg+xml;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(c.svg.as_bytes())
        ),
        caption: c.caption.clone(),
        file: format!("charts/{}.svg", c.stem),
    }
}

/// Formats an observed or expected value in the metric's unit.
fn metric_value(metric: &str, v: f64, lang: Lang) -> String {
    if metric == "wmo_clients_per_1000" {
        lang.number(v, 1)
    } else {
        lang.euro(v)
    }
}

fn outlier_row(f: &FlagRow, lang: Lang) -> OutlierRow {
    OutlierRow {
        level: lang.level(f.level),
        area: if f.name == f.code {
            f.code.clone()
        } else {
            format!("{} ({})", f.name, f.code)
        },
        metric: metric_label(lang, &f.metric),
        observed: metric_value(&f.metric, f.observed, lang),
        expected: metric_value(&f.metric, f.expected, lang),
        z: lang.number(f.z, 2),
        limit: format!(
            "{}%",
            f.limit
                .replace('.', if lang == Lang::Nl { "," } else { "." })
        ),
        direction: match f.direction.as_str() {
            "high" => lang.l(labels::HIGH).into(),
            _ => lang.l(labels::LOW).into(),
        },
    }
}

fn segment_view(s: &SegmentRow, view: &RunView, lang: Lang) -> SegmentView {
    let h = lang.l(labels::TOO_FEW_PERSONS);
    let area = view
        .area(&s.area_code)
        .map(|a| a.name.clone())
        .unwrap_or_else(|| s.area_code.clone());
    SegmentView {
        segment: s.segment.clone(),
        area,
        hidden: s.suppressed,
        persons: opt(s.persons, |v| lang.number(v, 0), h),
        share: opt(s.share_of_area, |v| lang.percent(v), h),
        cost: opt(s.cost_per_person, |v| lang.euro(v), h),
        rest: opt(s.cost_per_person_rest, |v| lang.euro(v), h),
        relative_rate: opt(s.relative_rate, |v| lang.ratio(v), h),
        cv: opt(s.cv_cost, |v| lang.ratio(v), h),
        volume: match (s.suppressed, s.passes_volume) {
            (true, _) | (_, None) => "–".into(),
            (false, Some(true)) => lang.l(labels::ENOUGH).into(),
            (false, Some(false)) => lang.l(labels::TOO_SMALL).into(),
        },
        filter: s.filter.clone(),
    }
}

/// The page's labels: the fixed ones, and the headings of profile figures from the columns'
/// declarations.
fn page_labels(lang: Lang) -> std::collections::BTreeMap<&'static str, String> {
    let mut m = lang.page_labels();
    for (key, column) in [
        ("area", "area_name"),
        ("level", "level"),
        ("persons", "insured_persons"),
        ("years", "insured_years"),
        ("cost", "zvw_cost_per_insured_year"),
        ("norm", "norm_cost_per_insured_year"),
        ("oe", "oe_ratio"),
        ("resultaat", "resultaat_eur"),
        ("resultaat_per_iy", "resultaat_per_insured_year"),
        ("wmo", "wmo_clients_per_1000"),
    ] {
        if let Some(c) = crate::published::find(column) {
            m.insert(key, c.label(lang).to_string());
        }
    }
    m
}

/// The name of an outlier metric (the `metric` column of `outliers`): a profile column's own
/// label, or the O/E against the norm.
fn metric_label(lang: Lang, metric: &str) -> String {
    match metric {
        "oe_norm" => lang.l(labels::COST_VS_NORM_O_E).into(),
        // Run folders of round 1 flagged capped O/E under its own name.
        "oe_norm_capped" => lang.l(labels::COST_VS_NORM_CAPPED_O_E).into(),
        m => crate::published::find(m).map_or_else(|| m.into(), |c| c.label(lang).to_string()),
    }
}

/// The level the summary speaks of: wijk when the run has it, else the coarsest below gemeente.
fn summary_level(view: &RunView) -> Option<Level> {
    let levels = view.chart_levels();
    [Level::Wijk, Level::Buurt, Level::Pc5, Level::Gemeente]
        .into_iter()
        .find(|l| levels.contains(l))
}

/// The best-scoring focus group: among published groups with enough volume that cost more
/// than the rest of their area, the largest total excess cost (persons × excess per person),
/// ties to the lower coefficient of variation.
pub fn best_segment(segments: &[SegmentRow]) -> Option<&SegmentRow> {
    segments
        .iter()
        .filter(|s| !s.suppressed && s.passes_volume == Some(true))
        .filter_map(|s| {
            let excess = s.excess_per_person()?;
            let persons = s.persons?;
            (excess > 0.0).then_some((s, excess * persons))
        })
        .max_by(|(a, x), (b, y)| {
            x.total_cmp(y)
                .then_with(|| {
                    b.cv_cost
                        .unwrap_or(f64::MAX)
                        .total_cmp(&a.cv_cost.unwrap_or(f64::MAX))
                })
                .then_with(|| b.segment.cmp(&a.segment))
        })
        .map(|(s, _)| s)
}

fn findings(view: &RunView, lang: Lang) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(level) = summary_level(view) {
        let worst = view
            .shown(level)
            .filter(|a| a.resultaat_eur.is_some_and(|r| r < 0.0))
            .min_by(|a, b| {
                a.resultaat_eur
                    .unwrap_or(0.0)
                    .total_cmp(&b.resultaat_eur.unwrap_or(0.0))
                    .then_with(|| a.code.cmp(&b.code))
            });
        out.push(match worst {
            Some(a) => format!(
                "{} {} {} ({}) {} {} ({} {}; O/E {}).",
                lang.l(labels::THE),
                lang.level(level),
                a.name,
                a.code,
                lang.l(labels::HAS_THE_LARGEST_NEGATIVE_RESULTAAT),
                lang.euro(a.resultaat_eur.unwrap_or(0.0)),
                lang.euro(a.resultaat_per_iy.unwrap_or(0.0)),
                lang.l(labels::PER_INSURED_YEAR),
                a.oe.map(|v| lang.ratio(v)).unwrap_or_else(|| "–".into()),
            ),
            None => format!(
                "{} {}.",
                lang.l(labels::NO_AREA_WITH_A_NEGATIVE),
                lang.level(level)
            ),
        });
    }
    let mut flags: Vec<&FlagRow> = view.flags.iter().collect();
    flags.sort_by(|a, b| b.z.abs().total_cmp(&a.z.abs()).then(a.code.cmp(&b.code)));
    if flags.is_empty() {
        out.push(lang.l(labels::THERE_ARE_NO_OUTLIERS).into());
    } else {
        let top: Vec<String> = flags
            .iter()
            .take(3)
            .map(|f| {
                format!(
                    "{} ({}, {}: {} {} {} {}, z = {})",
                    f.name,
                    lang.level(f.level),
                    metric_label(lang, &f.metric),
                    metric_value(&f.metric, f.observed, lang),
                    lang.l(labels::AGAINST),
                    metric_value(&f.metric, f.expected, lang),
                    lang.l(labels::EXPECTED),
                    lang.number(f.z, 1)
                )
            })
            .collect();
        out.push(format!(
            "{} {}.",
            lang.l(labels::STRONGEST_OUTLIERS),
            top.join("; ")
        ));
    }
    out.push(match best_segment(&view.segments) {
        Some(s) => {
            let area = view
                .area(&s.area_code)
                .map(|a| a.name.clone())
                .unwrap_or_else(|| s.area_code.clone());
            let excess = s.excess_per_person().unwrap_or(0.0);
            let persons = s.persons.unwrap_or(0.0);
            format!(
                "{} {} (filter: {}) {} {area}: {} {}, {} {} ({} {} {}).",
                lang.l(labels::BEST_SCORING_FOCUS_GROUP),
                s.segment,
                s.filter,
                lang.l(labels::IN),
                lang.number(persons, 0),
                lang.l(labels::PERSONS),
                lang.euro(excess),
                lang.l(labels::PER_PERSON_MORE_THAN_THE),
                lang.l(labels::TOGETHER),
                lang.euro(excess * persons),
                lang.l(labels::EXCESS_COST),
            )
        }
        None => lang
            .t(
                "Geen focusgroep met voldoende volume kost meer dan de rest van haar gebied.",
                "No focus group with enough volume costs more than the rest of its area.",
            )
            .into(),
    });
    out
}

fn ledgers(view: &RunView, lang: Lang) -> Vec<Ledger> {
    let bucket = |b: &str| -> String {
        match b {
            "input" => lang.l(labels::READ),
            "excluded_duplicates" => lang.l(labels::DUPLICATE_LINES_EXCLUDED),
            "excluded_outside_period" => lang.l(labels::OUTSIDE_THE_PERIOD_EXCLUDED),
            "unassigned" => lang.l(labels::UNASSIGNED_NOT_INSURED),
            "onbekend_gebied" => lang.l(labels::UNKNOWN_AREA_ONBEKEND_GEBIED),
            "areas" => lang.l(labels::IN_AREAS),
            other => return other.to_string(),
        }
        .to_string()
    };
    let mut out = Vec::new();
    for (key, title) in [
        ("zvw", lang.l(labels::ZVW_CLAIMS)),
        ("wmo", lang.l(labels::WMO_PROVISIONS)),
    ] {
        let Some(l) = view.manifest.ledger(key) else {
            continue;
        };
        let row = |b: &crate::stages::reconcile::Bucket| LedgerRow {
            bucket: bucket(&b.bucket),
            rows: lang.number(b.rows as f64, 0),
            eur: lang.euro_decimals(b.cents as f64 / 100.0, 2),
        };
        let mut rows = vec![row(&l.input)];
        rows.extend(l.buckets.iter().map(row));
        out.push(Ledger {
            title: title.into(),
            rows,
            balanced: if l.balanced {
                lang.l(labels::BALANCES_TO_THE_CENT_READ)
            } else {
                lang.l(labels::DOES_NOT_BALANCE)
            }
            .into(),
        });
    }
    out
}

fn method_notes(view: &RunView, lang: Lang) -> Vec<String> {
    let m = &view.manifest;
    let mut out = vec![
        lang.l(labels::COST_IS_THE_ZVW_CLAIMS).to_string(),
        lang.l(labels::NORM_AND_ACTUAL_COST_ARE).to_string(),
    ];
    let method = match view.overdispersion.as_str() {
        "multiplicative" => lang.l(labels::MULTIPLICATIVE_LIMITS_WIDENED_BY_WHEN),
        "additive" => lang.l(labels::ADDITIVE_ADDED_TO_THE_VARIANCE),
        _ => lang.l(labels::NONE),
    };
    let phis: Vec<String> = m
        .outliers
        .fits
        .iter()
        .filter(|f| f.metric == "oe_norm")
        .filter_map(|f| {
            Some(format!(
                "{} φ = {}",
                lang.level(f.level),
                lang.number(f.phi?, 2)
            ))
        })
        .collect();
    out.push(format!(
        "{} {method}{}",
        lang.l(labels::OUTLIERS_FUNNEL_LIMITS_AT_95),
        if phis.is_empty() {
            String::new()
        } else {
            format!(" (O/E: {})", phis.join(", "))
        }
    ));
    let basis = &m.outliers.cost_basis;
    let total_cap = basis.caps.iter().find(|c| c.metric == "total");
    match total_cap {
        Some(cap) => out.push(format!(
            "{} {} {} {} {} {}",
            lang.l(labels::COST_OUTLIERS_ARE_JUDGED_ON),
            lang.euro(cap.cap_per_insured_year_eur),
            lang.l(labels::PER_INSURED_YEAR_THE_99TH),
            lang.percent(cap.share_of_cost_removed),
            lang.l(labels::OF_COST_THE_NORM_IS),
            lang.l(labels::THE_SPREAD_COMES_FROM_THE),
        )),
        None => out.push(lang.l(labels::COST_OUTLIERS_ARE_JUDGED_ON_2).to_string()),
    }
    if basis.estimator == "winsorised" {
        out.push(lang.l(labels::IS_ESTIMATED_WITH_FUNNELPLOTR_S).to_string());
    } else {
        out.push(lang.l(labels::IS_ESTIMATED_FROM_THE_ROBUST).to_string());
    }
    out.push(format!(
        "{} {} {}",
        lang.l(labels::FOCUS_GROUPS_ENOUGH_VOLUME_IS),
        lang.number(view.min_volume as f64, 0),
        lang.l(labels::PERSONS_THE_BEST_SCORING_GROUP)
    ));
    out
}

fn privacy_notes(view: &RunView, lang: Lang) -> Vec<String> {
    let s = &view.manifest.suppression;
    let n = |v: usize| lang.number(v as f64, 0);
    vec![
        format!(
            "{} {} {}",
            lang.l(labels::NO_PUBLISHED_FIGURE_DESCRIBES_FEWER),
            view.min_cell,
            lang.l(labels::PERSONS_SMALLER_CELLS_ARE_HIDDEN)
        ),
        format!(
            "{}: {} {} {} {}; {}: {} {} {} {}.",
            lang.l(labels::HIDDEN_PRIMARY),
            n(s.primary_rows),
            lang.l(labels::AREAS_AND),
            n(s.primary_cells),
            lang.l(labels::CELLS),
            lang.l(labels::HIDDEN_SECONDARY),
            n(s.secondary_rows),
            lang.l(labels::AREAS_AND),
            n(s.secondary_cells),
            lang.l(labels::CELLS),
        ),
        lang.l(labels::THE_DATA_ARE_PSEUDONYMISED_THIS).into(),
    ]
}

fn period_text(view: &RunView, lang: Lang) -> String {
    let date = |s: &str| -> String {
        match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => {
                let months_nl = [
                    "januari",
                    "februari",
                    "maart",
                    "april",
                    "mei",
                    "juni",
                    "juli",
                    "augustus",
                    "september",
                    "oktober",
                    "november",
                    "december",
                ];
                let months_en = [
                    "January",
                    "February",
                    "March",
                    "April",
                    "May",
                    "June",
                    "July",
                    "August",
                    "September",
                    "October",
                    "November",
                    "December",
                ];
                use chrono::Datelike;
                let m = d.month0() as usize;
                match lang {
                    Lang::Nl => format!("{} {} {}", d.day(), months_nl[m], d.year()),
                    Lang::En => format!("{} {} {}", d.day(), months_en[m], d.year()),
                }
            }
            Err(_) => s.to_string(),
        }
    };
    let (start, end) = (date(&view.period_start), date(&view.period_end));
    match lang {
        Lang::Nl => format!("Periode {} ({start} t/m {end})", view.period),
        Lang::En => format!("Period {} ({start} to {end} inclusive)", view.period),
    }
}

/// Renders the whole page.
pub fn render(view: &RunView, charts: &[Rendered], lang: Lang) -> Result<String> {
    let figures_for = |section: &Section| -> Vec<Figure> {
        charts
            .iter()
            .filter(|c| &c.section == section)
            .map(figure)
            .collect()
    };
    let mut key_figures: Vec<KeyRow> = view
        .areas
        .iter()
        .filter(|a| a.level == Level::Gemeente)
        .map(|a| key_row(a, lang))
        .collect();
    key_figures.extend(
        view.areas
            .iter()
            .filter(|a| a.level == Level::Total)
            .map(|a| key_row(a, lang)),
    );
    let focus = view
        .focus_area_codes()
        .into_iter()
        .map(|code| {
            let area = view.area(&code);
            FocusPage {
                name: area.map(|a| a.name.clone()).unwrap_or_else(|| code.clone()),
                level: area.map(|a| lang.level(a.level)).unwrap_or_default(),
                figures: area.map(|a| key_row(a, lang)),
                charts: figures_for(&Section::Focus(code.clone())),
                segments: view
                    .segments
                    .iter()
                    .filter(|s| s.area_code == code)
                    .map(|s| segment_view(s, view, lang))
                    .collect(),
                code,
            }
        })
        .collect();
    let levels = view
        .chart_levels()
        .into_iter()
        .map(|l| LevelPage {
            charts: figures_for(&Section::Level(l)),
            level: lang.level(l),
        })
        .filter(|p| !p.charts.is_empty())
        .collect();
    let mut flags: Vec<&FlagRow> = view.flags.iter().collect();
    flags.sort_by(|a, b| b.z.abs().total_cmp(&a.z.abs()).then(a.code.cmp(&b.code)));
    let outliers_note = format!(
        "{} {} {}{}",
        lang.l(labels::IN_TOTAL),
        view.flags.len(),
        lang.l(labels::FLAGS),
        if view.flags.len() > MAX_OUTLIER_ROWS {
            format!(
                "; {} {MAX_OUTLIER_ROWS} {}",
                lang.l(labels::THE_STRONGEST),
                lang.l(labels::SHOWN_HERE_ALL_IN_OUTLIERS)
            )
        } else {
            String::new()
        }
    );
    // Every warning of the run, geometry included, is in the manifest.
    let warnings: Vec<String> = view
        .manifest
        .warnings
        .iter()
        .map(|w| {
            let file = std::path::Path::new(&w.file)
                .file_name()
                .map(|f| f.to_string_lossy().to_string())
                .unwrap_or_default();
            format!(
                "{file}, {}: {}",
                w.column.as_deref().unwrap_or("–"),
                w.message
            )
        })
        .collect();
    let inputs = view
        .manifest
        .inputs
        .iter()
        .map(|i| {
            // The contract name, not the path: the report does not depend on where it ran.
            [
                i.name.clone(),
                lang.number(i.rows as f64, 0),
                i.sha256.chars().take(16).collect(),
            ]
        })
        .collect();
    let page = Page {
        lang: lang.code(),
        t: page_labels(lang),
        css: CSS,
        title: format!("Wijkscan — {}", view.name),
        period: period_text(view, lang),
        program: format!(
            "{} {}",
            view.manifest.program.name, view.manifest.program.version
        ),
        findings: findings(view, lang),
        key_figures,
        focus,
        levels,
        outliers: flags
            .iter()
            .take(MAX_OUTLIER_ROWS)
            .map(|f| outlier_row(f, lang))
            .collect(),
        outliers_note,
        segments: view
            .segments
            .iter()
            .map(|s| segment_view(s, view, lang))
            .collect(),
        method: method_notes(view, lang),
        privacy: privacy_notes(view, lang),
        warnings,
        ledgers: ledgers(view, lang),
        inputs,
    };
    let mut env = minijinja::Environment::new();
    env.add_template("report.html", TEMPLATE)
        .map_err(|e| Error::Other(format!("report template: {e}")))?;
    env.get_template("report.html")
        .and_then(|t| t.render(&page))
        .map_err(|e| Error::Other(format!("report template: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(name: &str, persons: f64, cost: f64, rest: f64, passes: bool) -> SegmentRow {
        SegmentRow {
            segment: name.into(),
            area_code: "GM0153".into(),
            suppressed: false,
            persons: Some(persons),
            share_of_area: None,
            cost_per_person: Some(cost),
            cost_per_person_rest: Some(rest),
            relative_rate: None,
            cv_cost: Some(1.0),
            passes_volume: Some(passes),
            filter: String::new(),
        }
    }

    #[test]
    fn best_segment_is_the_largest_total_excess_with_volume() {
        let s = vec![
            seg("a", 200.0, 3000.0, 1000.0, true),  // 400,000
            seg("b", 1000.0, 1500.0, 1000.0, true), // 500,000
            seg("c", 50.0, 90000.0, 1000.0, false), // too small
            seg("d", 5000.0, 900.0, 1000.0, true),  // cheaper than the rest
        ];
        assert_eq!(best_segment(&s).map(|s| s.segment.as_str()), Some("b"));
        let mut hidden = s.clone();
        hidden[1].suppressed = true;
        assert_eq!(best_segment(&hidden).map(|s| s.segment.as_str()), Some("a"));
        assert!(best_segment(&s[2..]).is_none());
    }
}
