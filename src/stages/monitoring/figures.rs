//! What a run monitors (area metrics, segment metric) and each period's figures with their SEs.
//! In: a period's published profile, its cost basis and its segment rows; out: `Figure`s.

use crate::domain::{Level, Period, CARE_TYPES};
use crate::stages::outliers::basis::Basis;
use polars::prelude::*;
use std::sync::Arc;

/// The metrics monitored per area, in table order.
pub fn area_metrics() -> Vec<String> {
    let mut m = vec![
        "oe_ratio".to_string(),
        "zvw_cost_per_insured_year".to_string(),
    ];
    m.extend(
        CARE_TYPES
            .iter()
            .map(|ct| format!("zvw_{ct}_per_insured_year")),
    );
    m.push("wmo_clients_per_1000".into());
    m
}

/// The metric monitored per segment.
pub const SEGMENT_METRIC: &str = "cost_per_person";

/// One published figure of one period, with its SE. Its names are shared (one area's code and
/// name by all its metrics): a run holds every period's figures until the table is built, about
/// 460,000 a quarter with pc5s, and an owned copy of each name per figure added ≈ 45 MB a period
/// (eight quarters at 2.1 M: the peak grew ≈ 130 MB a period with copies, ≈ 85 MB shared).
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub level: Level,
    pub area_code: Arc<str>,
    pub area_name: Arc<str>,
    /// The segment's name for a focus group's figure; None for an area's.
    pub segment: Option<Arc<str>>,
    pub metric: Arc<str>,
    /// The published value; None where it is hidden (small cells) or undefined.
    pub value: Option<f64>,
    /// The value changes and trends are judged on (capped cost scaled by 1/κ, or the value
    /// itself), and its SE; None where the value is not published.
    pub judged: Option<f64>,
    pub se: Option<f64>,
    /// Whether the SE may be published (not where it would reveal a capped figure).
    pub se_shown: bool,
    /// Residents behind a proportion (Wmo clients per 1,000), for the trend test.
    pub n: Option<f64>,
}

/// One period's figures.
#[derive(Debug, Clone)]
pub struct PeriodFigures {
    pub period: Period,
    /// Extracted less than six months after the period's end: its claims are incomplete
    /// ("ijlen", SPEC 3.6), and every change involving it is marked provisional.
    pub provisional: bool,
    pub figures: Vec<Figure>,
    /// The period's area outcomes for effects (METHODS 10).
    pub panel: Vec<super::panel::PanelRow>,
}

fn floats(df: &DataFrame, c: &str) -> PolarsResult<Vec<Option<f64>>> {
    crate::frame::floats(df, c)
}

/// The figures of one period from its published profile (same rows as `raw`, suppressed) and
/// the cost basis the outlier flags use (`basis::basis`), at `levels`.
pub fn figures(
    profile: &DataFrame,
    basis: &Basis,
    levels: &[Level],
    min_cell: i64,
) -> PolarsResult<Vec<Figure>> {
    let level = crate::frame::strings(profile, "level")?;
    let code = crate::frame::strings(profile, "area_code")?;
    let name = crate::frame::strings(profile, "area_name")?;
    let years = floats(profile, "insured_years")?;
    let norm = floats(profile, "norm_cost_per_insured_year")?;
    let residents = floats(profile, "residents")?;
    let empty = crate::stages::outliers::basis::PerArea::default();
    let kappa = |metric: &str| {
        basis
            .caps
            .iter()
            .find(|c| c.metric == metric)
            .map_or(1.0, |c| c.kappa)
            .max(f64::MIN_POSITIVE)
    };
    let mut values: Vec<(Arc<str>, Vec<Option<f64>>)> = Vec::new();
    for m in area_metrics() {
        let v = floats(profile, &m)?;
        values.push((Arc::from(m), v));
    }
    let mut out = Vec::new();
    for i in 0..profile.height() {
        let Some(l) = level[i].as_deref().and_then(Level::parse) else {
            continue;
        };
        if !levels.contains(&l) {
            continue;
        }
        let area_code: Arc<str> = Arc::from(code[i].as_deref().unwrap_or_default());
        let area_name: Arc<str> = Arc::from(name[i].as_deref().unwrap_or_default());
        for (m, v) in &values {
            let value = v[i].filter(|x| x.is_finite());
            let n = years[i].filter(|y| *y > 0.0);
            // The cost basis of this metric: total cost for O/E and cost per insured year.
            let cost_metric = match &**m {
                "oe_ratio" | "zvw_cost_per_insured_year" => Some("total"),
                "wmo_clients_per_1000" => None,
                other => other
                    .strip_prefix("zvw_")
                    .and_then(|s| s.strip_suffix("_per_insured_year")),
            };
            let (judged, se, se_shown) = match (value, cost_metric) {
                (None, _) => (None, None, false),
                (Some(v), None) => {
                    // Wmo clients per 1,000: a proportion of residents (METHODS 3).
                    let se = residents[i].filter(|r| *r > 0.0).map(|r| {
                        let p = (v / 1000.0).clamp(0.0, 1.0);
                        1000.0 * (p * (1.0 - p) / r).sqrt()
                    });
                    (Some(v), se, true)
                }
                (Some(_), Some(cm)) => {
                    let a = basis.metric(cm).unwrap_or(&empty);
                    let k = kappa(cm);
                    let (obs, var) = (a.observed.get(i).copied(), a.variance.get(i).copied());
                    let capped = a.capped_persons.get(i).copied().unwrap_or(0.0);
                    let shown = !basis.capped || capped == 0.0 || capped >= min_cell as f64;
                    let judged = match (&**m, obs, n) {
                        ("oe_ratio", Some(o), Some(n)) => {
                            norm[i].filter(|m| *m > 0.0).map(|m| o / n / (k * m))
                        }
                        (_, Some(o), Some(n)) => Some(o / n / k),
                        _ => None,
                    };
                    let se = match (&**m, var, n) {
                        ("oe_ratio", Some(v), Some(n)) => {
                            norm[i].filter(|m| *m > 0.0).map(|m| v.sqrt() / (n * k * m))
                        }
                        (_, Some(v), Some(n)) => Some(v.sqrt() / (n * k)),
                        _ => None,
                    };
                    (judged, se.filter(|s| s.is_finite() && *s > 0.0), shown)
                }
            };
            out.push(Figure {
                level: l,
                area_code: area_code.clone(),
                area_name: area_name.clone(),
                segment: None,
                metric: m.clone(),
                value,
                judged,
                se,
                se_shown,
                n: residents[i],
            });
        }
    }
    Ok(out)
}

/// The figures of one period's segments (published rows only carry values): cost per person,
/// with SE = CV × mean / √persons.
pub fn segment_figures(rows: &[crate::stages::focus::segment_rows::SegmentRow]) -> Vec<Figure> {
    let (no_name, metric): (Arc<str>, Arc<str>) = (Arc::from(""), Arc::from(SEGMENT_METRIC));
    rows.iter()
        .map(|r| {
            let value = r.cost_per_person.filter(|_| !r.suppressed);
            let se = match (value, r.cv_cost, r.persons) {
                (Some(v), Some(cv), Some(n)) if n > 0 => Some(cv * v / (n as f64).sqrt()),
                _ => None,
            };
            Figure {
                level: Level::of_code(&r.area_code).unwrap_or(Level::Gemeente),
                area_code: Arc::from(r.area_code.as_str()),
                area_name: no_name.clone(),
                segment: Some(Arc::from(r.segment.as_str())),
                metric: metric.clone(),
                value,
                judged: value,
                se,
                se_shown: true,
                n: r.persons.map(|n| n as f64),
            }
        })
        .collect()
}
