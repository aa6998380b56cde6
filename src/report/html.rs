//! The report page: a view model of formatted strings (numbers are formatted here, in the
//! report's language, never in the template) rendered with an embedded minijinja template.
//! Charts are inlined as SVG data URIs and the CSS as a `<style>` block: one file, no requests.

use super::text::Lang;
use super::view::{AreaRow, FlagRow, RunView, SegmentRow};
use crate::charts::{Rendered, Section};
use crate::error::{Error, Result};
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
    t: std::collections::BTreeMap<&'static str, &'static str>,
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

/// Fixed labels of the page.
fn labels(lang: Lang) -> std::collections::BTreeMap<&'static str, &'static str> {
    let pairs: [(&str, &str, &str); 36] = [
        ("summary", "Samenvatting", "Summary"),
        ("key_figures", "Kerncijfers", "Key figures"),
        ("focus_area", "Focusgebied", "Focus area"),
        ("areas", "Gebieden vergeleken", "Areas compared"),
        ("outliers", "Uitschieters", "Outliers"),
        ("focus_groups", "Focusgroepen", "Focus groups"),
        ("method", "Methode", "Method"),
        ("privacy", "Privacy", "Privacy"),
        ("reconciliation", "Aansluiting", "Reconciliation"),
        (
            "warnings",
            "Waarschuwingen bij het inlezen",
            "Warnings on reading the inputs",
        ),
        ("inputs", "Bronbestanden", "Input files"),
        ("area", "Gebied", "Area"),
        ("level", "Niveau", "Level"),
        ("persons", "Verzekerden", "Insured"),
        ("years", "Verzekerdenjaren", "Insured years"),
        (
            "cost",
            "Kosten per verzekerdenjaar",
            "Cost per insured year",
        ),
        (
            "norm",
            "Normkosten per verzekerdenjaar",
            "Norm cost per insured year",
        ),
        ("oe", "O/E", "O/E"),
        ("resultaat", "Resultaat", "Resultaat"),
        (
            "resultaat_per_iy",
            "Resultaat per verzekerdenjaar",
            "Resultaat per insured year",
        ),
        (
            "wmo",
            "Wmo-cliënten per 1.000 inwoners",
            "Wmo clients per 1,000 residents",
        ),
        ("metric", "Maat", "Measure"),
        ("observed", "Waargenomen", "Observed"),
        ("expected", "Verwacht", "Expected"),
        ("limit", "Grens", "Limit"),
        ("direction", "Richting", "Direction"),
        ("segment", "Groep", "Group"),
        ("share", "Aandeel", "Share"),
        ("cost_pp", "Kosten per persoon", "Cost per person"),
        ("rest", "Rest van het gebied", "Rest of the area"),
        ("relative_rate", "Relatief aandeel", "Relative rate"),
        ("cv", "Variatiecoëfficiënt", "Coefficient of variation"),
        ("volume", "Volume", "Volume"),
        ("hidden", "te weinig personen", "too few persons"),
        ("bucket", "Post", "Bucket"),
        ("rows", "Regels", "Rows"),
    ];
    let mut m: std::collections::BTreeMap<_, _> = pairs
        .iter()
        .map(|(k, nl, en)| (*k, lang.t(nl, en)))
        .collect();
    m.insert("eur", "€");
    m.insert("file", lang.t("Bestand", "File"));
    m.insert(
        "checksum",
        lang.t("Controlegetal (SHA-256)", "Checksum (SHA-256)"),
    );
    m.insert(
        "no_flags",
        lang.t("Geen uitschieters gevonden.", "No outliers found."),
    );
    m.insert(
        "no_segments",
        lang.t("Geen focusgroepen beoordeeld.", "No focus groups judged."),
    );
    m.insert("filter", lang.t("Filter", "Filter"));
    m
}

fn opt(v: Option<f64>, f: impl Fn(f64) -> String, hidden: &str) -> String {
    v.map(f).unwrap_or_else(|| hidden.to_string())
}

fn key_row(a: &AreaRow, lang: Lang) -> KeyRow {
    let h = if a.suppressed {
        lang.t("te weinig personen", "too few persons")
    } else {
        "–"
    };
    KeyRow {
        name: a.name.clone(),
        code: a.code.clone(),
        level: lang.level(&a.level),
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
        level: lang.level(&f.level),
        area: if f.name == f.code {
            f.code.clone()
        } else {
            format!("{} ({})", f.name, f.code)
        },
        metric: lang.metric(&f.metric),
        observed: metric_value(&f.metric, f.observed, lang),
        expected: metric_value(&f.metric, f.expected, lang),
        z: lang.number(f.z, 2),
        limit: format!(
            "{}%",
            f.limit
                .replace('.', if lang == Lang::Nl { "," } else { "." })
        ),
        direction: match f.direction.as_str() {
            "high" => lang.t("hoog", "high").into(),
            _ => lang.t("laag", "low").into(),
        },
    }
}

fn segment_view(s: &SegmentRow, view: &RunView, lang: Lang) -> SegmentView {
    let h = lang.t("te weinig personen", "too few persons");
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
            (false, Some(true)) => lang.t("voldoende", "enough").into(),
            (false, Some(false)) => lang.t("te klein", "too small").into(),
        },
        filter: s.filter.clone(),
    }
}

/// The level the summary speaks of: wijk when the run has it, else the coarsest below gemeente.
fn summary_level(view: &RunView) -> Option<String> {
    let levels = view.chart_levels();
    ["wijk", "buurt", "pc5", "gemeente"]
        .iter()
        .find(|l| levels.iter().any(|x| x == *l))
        .map(|l| l.to_string())
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
            .shown(&level)
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
                lang.t("De", "The"),
                lang.level(&level),
                a.name,
                a.code,
                lang.t(
                    "heeft het grootste negatieve resultaat:",
                    "has the largest negative resultaat:"
                ),
                lang.euro(a.resultaat_eur.unwrap_or(0.0)),
                lang.euro(a.resultaat_per_iy.unwrap_or(0.0)),
                lang.t("per verzekerdenjaar", "per insured year"),
                a.oe.map(|v| lang.ratio(v)).unwrap_or_else(|| "–".into()),
            ),
            None => format!(
                "{} {}.",
                lang.t(
                    "Geen gebied met een negatief resultaat op niveau",
                    "No area with a negative resultaat at level"
                ),
                lang.level(&level)
            ),
        });
    }
    let mut flags: Vec<&FlagRow> = view.flags.iter().collect();
    flags.sort_by(|a, b| b.z.abs().total_cmp(&a.z.abs()).then(a.code.cmp(&b.code)));
    if flags.is_empty() {
        out.push(
            lang.t("Er zijn geen uitschieters.", "There are no outliers.")
                .into(),
        );
    } else {
        let top: Vec<String> = flags
            .iter()
            .take(3)
            .map(|f| {
                format!(
                    "{} ({}, {}: {} {} {} {}, z = {})",
                    f.name,
                    lang.level(&f.level),
                    lang.metric(&f.metric),
                    metric_value(&f.metric, f.observed, lang),
                    lang.t("tegen", "against"),
                    metric_value(&f.metric, f.expected, lang),
                    lang.t("verwacht", "expected"),
                    lang.number(f.z, 1)
                )
            })
            .collect();
        out.push(format!(
            "{} {}.",
            lang.t("Sterkste uitschieters:", "Strongest outliers:"),
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
                lang.t("Best scorende focusgroep:", "Best-scoring focus group:"),
                s.segment,
                s.filter,
                lang.t("in", "in"),
                lang.number(persons, 0),
                lang.t("personen", "persons"),
                lang.euro(excess),
                lang.t(
                    "per persoon meer dan de rest van het gebied",
                    "per person more than the rest of the area"
                ),
                lang.t("samen", "together"),
                lang.euro(excess * persons),
                lang.t("meerkosten", "excess cost"),
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
            "input" => lang.t("ingelezen", "read"),
            "excluded_duplicates" => lang.t(
                "dubbele regels (niet meegeteld)",
                "duplicate lines (excluded)",
            ),
            "excluded_outside_period" => lang.t(
                "buiten de periode (niet meegeteld)",
                "outside the period (excluded)",
            ),
            "unassigned" => lang.t(
                "niet toe te wijzen (geen verzekerde)",
                "unassigned (not insured)",
            ),
            "onbekend_gebied" => lang.t("onbekend gebied", "unknown area (onbekend gebied)"),
            "areas" => lang.t("in gebieden", "in areas"),
            other => return other.to_string(),
        }
        .to_string()
    };
    let mut out = Vec::new();
    for (key, title) in [
        ("zvw", lang.t("Zvw-declaraties", "Zvw claims")),
        ("wmo", lang.t("Wmo-voorzieningen", "Wmo provisions")),
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
                lang.t(
                    "Sluit tot op de cent: ingelezen = som van de posten, en elk niveau telt op tot de post ‘in gebieden’.",
                    "Balances to the cent: read = sum of the buckets, and every level adds up to ‘in areas’.",
                )
            } else {
                lang.t("Sluit NIET.", "Does NOT balance.")
            }
            .into(),
        });
    }
    out
}

fn method_notes(view: &RunView, lang: Lang) -> Vec<String> {
    let m = &view.manifest;
    let mut out = vec![
        lang.t(
            "Kosten zijn de Zvw-declaraties met een behandeldatum in de periode, zonder dubbele regels, met correcties verrekend. Per gebied gedeeld door de verzekerdenjaren van de verzekerden die er wonen.",
            "Cost is the Zvw claims with a service date in the period, without duplicate lines, with corrections netted. Per area divided by the insured years of the insured living there.",
        )
        .to_string(),
        lang.t(
            "Normkosten en werkelijke kosten worden per verzekerdenjaar vergeleken: de normkosten gedeeld door de verzekerdenjaren uit het normbestand, de werkelijke kosten door die van de verzekerden in het gebied. Resultaat per verzekerdenjaar = norm − werkelijk; het resultaat in euro's is dat verschil maal de verzekerdenjaren van het gebied. Negatief betekent duurder dan de norm uit de risicoverevening. O/E = werkelijke kosten / normkosten per verzekerdenjaar, dus O/E boven 1 precies als het resultaat negatief is.",
            "Norm and actual cost are compared per insured year: norm cost divided by the norm file's insured years, actual cost by the insured years of the area's insured. Resultaat per insured year = norm − actual; resultaat in euros is that difference times the area's insured years. Negative means costlier than the risk-equalisation norm. O/E = actual / norm cost per insured year, so O/E is above 1 exactly when resultaat is negative.",
        )
        .to_string(),
    ];
    let method = match view.overdispersion.as_str() {
        "multiplicative" => lang.t(
            "multiplicatief (grenzen verbreed met √φ als φ > 1)",
            "multiplicative (limits widened by √φ when φ > 1)",
        ),
        "additive" => lang.t(
            "additief (τ² opgeteld bij de variantie)",
            "additive (τ² added to the variance)",
        ),
        _ => lang.t("geen", "none"),
    };
    let phis: Vec<String> = m
        .outliers
        .fits
        .iter()
        .filter(|f| f.metric == "oe_norm")
        .filter_map(|f| {
            Some(format!(
                "{} φ = {}",
                lang.level(&f.level),
                lang.number(f.phi?, 2)
            ))
        })
        .collect();
    out.push(format!(
        "{} {method}{}",
        lang.t(
            "Uitschieters: trechtergrenzen op 95% en 99,8% (z = 1,96 en 3,09); correctie voor overdispersie:",
            "Outliers: funnel limits at 95% and 99.8% (z = 1.96 and 3.09); overdispersion correction:",
        ),
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
            lang.t(
                "De uitschieters op kosten zijn berekend met afgetopte kosten: wat één persoon in de periode kost, telt mee tot",
                "Cost outliers are judged on capped cost: what one person costs in the period counts up to",
            ),
            lang.euro(cap.cap_per_insured_year_eur),
            lang.t(
                "per verzekerdenjaar (het 99e percentiel); daarboven telt het niet mee. Zo bepalen een paar zeer dure patiënten niet of een wijk opvalt. Dit haalt",
                "per insured year (the 99th percentile); anything above that does not count. That way a few very expensive patients do not decide whether an area stands out. This removes",
            ),
            lang.percent(cap.share_of_cost_removed),
            lang.t(
                "van de kosten weg; de normkosten worden met dezelfde factor verlaagd, zodat afgetopt met afgetopt wordt vergeleken. Zorgsoorten worden op dezelfde manier afgetopt, elk met een eigen grens. De bedragen in de tabellen zijn nooit afgetopt.",
                "of cost; the norm is lowered by the same factor, so capped is compared with capped. Care types are capped the same way, each with its own cap. The amounts in the tables are never capped.",
            ),
            lang.t(
                "De spreiding komt uit de kosten in de periode zelf, per leeftijdsgroep en geslacht. Waar in een gebied maar enkele personen (minder dan de celgrens) zijn afgetopt, toont de tabel de werkelijke kosten en de norm: de afgetopte bedragen zouden hun kosten boven de grens verraden.",
                "The spread comes from the period's own costs, per age band and sex. Where only a few persons (fewer than the cell limit) were capped in an area, the table shows actual cost and the norm: the capped amounts would give away their cost above the cap.",
            ),
        )),
        None => out.push(
            lang.t(
                "De uitschieters op kosten zijn berekend met de werkelijke kosten, niet afgetopt: een paar zeer dure patiënten kunnen een kleine wijk laten opvallen. De spreiding komt uit de kosten in de periode zelf, per leeftijdsgroep en geslacht.",
                "Cost outliers are judged on actual cost, not capped: a few very expensive patients can make a small area stand out. The spread comes from the period's own costs, per age band and sex.",
            )
            .to_string(),
        ),
    }
    if basis.estimator == "winsorised" {
        out.push(
            lang.t(
                "φ is geschat met de gewinsoriseerde methode van FunnelPlotR (schat φ te laag bij toeval).",
                "φ is estimated with FunnelPlotR's winsorised method (biased low under chance).",
            )
            .to_string(),
        );
    } else {
        out.push(
            lang.t(
                "φ is geschat uit de robuuste spreiding van de z-scores: φ = (1,4826 · MAD(z))².",
                "φ is estimated from the robust spread of the z-scores: φ = (1.4826 · MAD(z))².",
            )
            .to_string(),
        );
    }
    out.push(format!(
        "{} {} {}",
        lang.t(
            "Focusgroepen: voldoende volume is minstens",
            "Focus groups: enough volume is at least"
        ),
        lang.number(view.min_volume as f64, 0),
        lang.t(
            "personen. De best scorende groep heeft met voldoende volume de grootste totale meerkosten (personen × meerkosten per persoon t.o.v. de rest van het gebied).",
            "persons. The best-scoring group has, with enough volume, the largest total excess cost (persons × excess cost per person against the rest of the area).",
        )
    ));
    out
}

fn privacy_notes(view: &RunView, lang: Lang) -> Vec<String> {
    let s = &view.manifest.suppression;
    let n = |v: usize| lang.number(v as f64, 0);
    vec![
        format!(
            "{} {} {}",
            lang.t(
                "Geen enkel gepubliceerd getal beschrijft minder dan",
                "No published figure describes fewer than"
            ),
            view.min_cell,
            lang.t(
                "personen. Kleinere cellen zijn verborgen, en zo nodig ook andere cellen, zodat een verborgen getal niet uit totalen of andere zorgsoorten terug te rekenen is.",
                "persons. Smaller cells are hidden, and where needed other cells too, so that a hidden figure cannot be derived from totals or other care types.",
            )
        ),
        format!(
            "{}: {} {} {} {}; {}: {} {} {} {}.",
            lang.t("Primair verborgen", "Hidden (primary)"),
            n(s.primary_rows),
            lang.t("gebieden en", "areas and"),
            n(s.primary_cells),
            lang.t("cellen", "cells"),
            lang.t("aanvullend verborgen", "hidden (secondary)"),
            n(s.secondary_rows),
            lang.t("gebieden en", "areas and"),
            n(s.secondary_cells),
            lang.t("cellen", "cells"),
        ),
        lang.t(
            "De gegevens zijn gepseudonimiseerd; dit rapport bevat alleen aggregaten. Gebieden met te weinig personen staan niet in de grafieken en zijn grijs op de kaarten.",
            "The data are pseudonymised; this report holds aggregates only. Areas with too few persons are left out of the charts and grey on the maps.",
        )
        .into(),
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
        .filter(|a| a.level == "gemeente")
        .map(|a| key_row(a, lang))
        .collect();
    key_figures.extend(
        view.areas
            .iter()
            .filter(|a| a.level == "total")
            .map(|a| key_row(a, lang)),
    );
    let focus = view
        .focus_area_codes()
        .into_iter()
        .map(|code| {
            let area = view.area(&code);
            FocusPage {
                name: area.map(|a| a.name.clone()).unwrap_or_else(|| code.clone()),
                level: area.map(|a| lang.level(&a.level)).unwrap_or_default(),
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
            charts: figures_for(&Section::Level(l.clone())),
            level: lang.level(&l),
        })
        .filter(|p| !p.charts.is_empty())
        .collect();
    let mut flags: Vec<&FlagRow> = view.flags.iter().collect();
    flags.sort_by(|a, b| b.z.abs().total_cmp(&a.z.abs()).then(a.code.cmp(&b.code)));
    let outliers_note = format!(
        "{} {} {}{}",
        lang.t("In totaal", "In total"),
        view.flags.len(),
        lang.t("markeringen", "flags"),
        if view.flags.len() > MAX_OUTLIER_ROWS {
            format!(
                "; {} {MAX_OUTLIER_ROWS} {}",
                lang.t("hier de sterkste", "the strongest"),
                lang.t("(alle in outliers.csv)", "shown here (all in outliers.csv)")
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
        t: labels(lang),
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
