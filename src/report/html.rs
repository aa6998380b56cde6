//! The report page: a view model of formatted strings (numbers are formatted here, in the
//! report's language, never in the template) rendered with an embedded minijinja template.
//! Charts are inlined as SVG data URIs and the CSS as a `<style>` block: one file, no requests.

use super::notes::{
    changes, findings, ledgers, method_notes, metric_label, metric_value, period_text,
    privacy_notes, Ledger,
};
use crate::charts::chart::Section;
use crate::charts::render::Rendered;
use crate::domain::Level;
use crate::error::{Error, Result};
use crate::text::labels;
use crate::text::Lang;
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
    /// The filter in words, where it reads as one ("75+, alleen wonend, ≥ 3 zorgvormen").
    words: String,
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
    /// Residents against the patients of the practices located here (SPEC 3.7).
    practices: Option<super::practices::PopulationView>,
    /// "Tegen landelijke bedragen" (issue #10): label and value; empty without `[reference]`.
    national: Vec<[String; 2]>,
}

/// One intervention's part of "Effect van de aanpak".
#[derive(Serialize)]
struct EffectSection {
    name: String,
    words: Vec<String>,
    charts: Vec<Figure>,
    table: Vec<super::effects::EffectLine>,
    /// With a segment: its persons in the areas per period.
    persons: Vec<[String; 2]>,
}

#[derive(Serialize)]
struct LevelPage {
    level: String,
    charts: Vec<Figure>,
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
    /// What changed (monitoring runs): sentences and the changes chart, ahead of the rest.
    changes: Vec<String>,
    changes_charts: Vec<Figure>,
    /// "Effect van de aanpak" (SPEC 3.10): one part per intervention.
    effects: Vec<EffectSection>,
    key_figures: Vec<KeyRow>,
    focus: Vec<FocusPage>,
    levels: Vec<LevelPage>,
    /// pc5 figures: an appendix (most care-type cells are hidden at pc5).
    appendix: Vec<LevelPage>,
    outliers: Vec<OutlierRow>,
    outliers_note: String,
    segments: Vec<SegmentView>,
    /// The GP-practice section (SPEC 3.7); empty for runs without it.
    practices: Vec<super::practices::PracticeLine>,
    practice_notes: Vec<String>,
    practice_charts: Vec<Figure>,
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
        segment: crate::view::focus_groups::name(s, lang),
        area,
        hidden: s.suppressed,
        persons: opt(s.persons, |v| lang.number(v, 0), h),
        share: opt(s.share_of_area, |v| lang.percent(v), h),
        cost: opt(s.cost_per_person, |v| lang.euro(v), h),
        rest: opt(s.cost_per_person_rest, |v| lang.euro(v), h),
        relative_rate: opt(s.relative_rate, |v| lang.ratio(v), h),
        // A group without any cost has no spread to speak of: say so, not "too few persons".
        cv: match (s.suppressed, s.cost_per_person, s.cv_cost) {
            (false, Some(0.0), _) => lang.l(labels::NO_COST).into(),
            (false, _, None) => "–".into(),
            _ => opt(s.cv_cost, |v| lang.ratio(v), h),
        },
        volume: match (s.suppressed, s.passes_volume) {
            (true, _) | (_, None) => "–".into(),
            (false, Some(true)) => lang.l(labels::ENOUGH).into(),
            (false, Some(false)) => lang.l(labels::TOO_SMALL).into(),
        },
        // A proposal's name already is its filter in words.
        words: if crate::view::focus_groups::is_proposal(s) {
            String::new()
        } else {
            crate::view::segment_words::describe(&s.filter, lang).unwrap_or_default()
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

/// The focus area "tegen landelijke bedragen": the book's cost against what it would cost at
/// the national amounts of the Vektis year, and the gemeente's and Nederland's all-insurer cost.
fn national_rows(view: &RunView, area: Option<&AreaRow>, lang: Lang) -> Vec<[String; 2]> {
    let (Some(r), Some(a)) = (
        view.manifest.reference.iter().find(|r| r.kind == "vektis"),
        area,
    ) else {
        return Vec::new();
    };
    if a.suppressed {
        return Vec::new();
    }
    let euro = |v: Option<f64>| v.map(|v| lang.euro(v)).unwrap_or_else(|| "–".into());
    let per_iy = match (a.expected_nl, a.insured_years) {
        (Some(e), Some(y)) if y > 0.0 => Some(e / y),
        _ => None,
    };
    vec![
        [
            lang.t(
                "Kosten per verzekerdenjaar (dit bestand)",
                "Cost per insured year (this extract)",
            )
            .into(),
            euro(a.zvw_per_iy),
        ],
        [
            format!(
                "{} {})",
                lang.t(
                    "Tegen landelijke bedragen, zelfde leeftijd en geslacht (Vektis",
                    "At national amounts, same age and sex (Vektis"
                ),
                r.year.unwrap_or_default()
            ),
            euro(per_iy),
        ],
        [
            lang.t("Werkelijk / landelijk (O/E)", "Actual / national (O/E)")
                .into(),
            a.oe_nl.map(|v| lang.ratio(v)).unwrap_or_else(|| "–".into()),
        ],
        [
            format!(
                "{} {})",
                lang.t(
                    "De gemeente, alle verzekeraars (Vektis",
                    "The gemeente, all insurers (Vektis"
                ),
                r.year.unwrap_or_default()
            ),
            euro(a.gemeente_vektis_piy),
        ],
        [
            format!(
                "{} {})",
                lang.t("Nederland (Vektis", "Nederland (Vektis"),
                r.year.unwrap_or_default()
            ),
            euro(r.national_cost_per_insured_year),
        ],
    ]
}

fn effect_sections(view: &RunView, charts: &[Rendered], lang: Lang) -> Vec<EffectSection> {
    let not_estimated = view
        .manifest
        .effects_not_estimated
        .iter()
        .map(|n| EffectSection {
            name: n.intervention.clone(),
            words: vec![format!(
                "{} ({}).",
                lang.t(
                    "Voor deze aanpak kan de run geen effect tonen",
                    "The run can show no effect for this programme"
                ),
                n.reason
            )],
            charts: Vec::new(),
            table: Vec::new(),
            persons: Vec::new(),
        });
    let mut sections: Vec<EffectSection> = crate::charts::plan::effects::interventions(view)
        .into_iter()
        .enumerate()
        .map(|(k, name)| {
            let rows: Vec<_> = view
                .effects
                .rows
                .iter()
                .filter(|r| r.intervention == name)
                .collect();
            let stem = format!("effect_{}", k + 1);
            EffectSection {
                words: rows
                    .first()
                    .map(|r| super::effects::words(r, lang))
                    .unwrap_or_default(),
                charts: charts
                    .iter()
                    .filter(|c| c.stem == stem)
                    .map(figure)
                    .collect(),
                table: rows.iter().map(|r| super::effects::line(r, lang)).collect(),
                persons: view
                    .effects
                    .series
                    .iter()
                    .filter(|p| p.intervention == name)
                    .filter_map(|p| Some([p.period.clone(), lang.number(p.segment_persons?, 0)]))
                    .collect(),
                name,
            }
        })
        .collect();
    sections.extend(not_estimated);
    sections
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
                segments: crate::view::focus_groups::shown(
                    view.segments.iter().filter(|s| s.area_code == code),
                )
                .into_iter()
                .map(|s| segment_view(s, view, lang))
                .collect(),
                practices: super::practices::population(view, &code, lang),
                national: national_rows(view, area, lang),
                code,
            }
        })
        .collect();
    let page = |l: Level| LevelPage {
        charts: figures_for(&Section::Level(l)),
        level: lang.level(l),
    };
    let (appendix, levels): (Vec<Level>, Vec<Level>) = view
        .chart_levels()
        .into_iter()
        .partition(|l| *l == Level::Pc5);
    let levels: Vec<LevelPage> = levels
        .into_iter()
        .map(page)
        .filter(|p| !p.charts.is_empty())
        .collect();
    let appendix: Vec<LevelPage> = appendix
        .into_iter()
        .map(page)
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
    // Every warning of the run, geometry included, is in the manifest; the report says each
    // distinct one once, in its language, with the periods it holds for.
    let warnings = super::warnings::warning_lines(&view.manifest.warnings, &view.periods, lang);
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
        changes: changes(view, lang),
        changes_charts: figures_for(&Section::Changes),
        effects: effect_sections(view, charts, lang),
        key_figures,
        focus,
        levels,
        appendix,
        outliers: flags
            .iter()
            .take(MAX_OUTLIER_ROWS)
            .map(|f| outlier_row(f, lang))
            .collect(),
        outliers_note,
        // Per area, what its focus page shows (`segments.csv` keeps every proposal).
        segments: {
            let mut areas: Vec<&str> = Vec::new();
            for s in &view.segments {
                if !areas.contains(&s.area_code.as_str()) {
                    areas.push(&s.area_code);
                }
            }
            areas
                .into_iter()
                .flat_map(|code| {
                    crate::view::focus_groups::shown(
                        view.segments.iter().filter(move |s| s.area_code == code),
                    )
                })
                .map(|s| segment_view(s, view, lang))
                .collect()
        },
        practices: super::practices::lines(view, lang),
        practice_notes: super::practices::notes(view, lang),
        practice_charts: figures_for(&Section::Practices),
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
