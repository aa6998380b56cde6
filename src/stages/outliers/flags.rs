//! Outliers ("uitschieters", SPEC 3.4): funnel flags per level for O/E of total Zvw cost
//! against the norm (METHODS 1), cost per insured year per care type against age/sex indirect
//! standardisation (METHODS 2) and Wmo clients per 1,000 residents (METHODS 3), with the
//! overdispersion correction of METHODS 4 and the robust z of METHODS 5 beside each flag.
//! Costs are judged on the capped basis of METHODS 8 by default (`stages::outliers::basis`).
//! Suppressed areas and hidden cells are never flagged. Works on the small level table.

use crate::domain::Level;
use crate::domain::{CARE_TYPES, DAYS_PER_YEAR};
use crate::stages::outliers::basis::{self, Basis, Cap};
use crate::stats::overdispersion::{Estimator, Method};
use crate::stats::{funnel, proportion, robust, Limit, Z95, Z998};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub method: Method,
    /// Judge costs capped per person (METHODS 8; the default). `false` flags raw cost.
    pub capped: bool,
    /// How φ is estimated (METHODS 4).
    pub estimator: Estimator,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            method: Method::Multiplicative,
            capped: true,
            estimator: Estimator::Mad,
        }
    }
}

/// One (level, metric) fit, for the manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fit {
    pub level: Level,
    pub metric: String,
    pub areas: usize,
    /// φ (METHODS 4.4): None with fewer than 20 judged areas.
    pub phi: Option<f64>,
    pub tau2: Option<f64>,
    /// φ's 95% quantile under chance for this many areas; the limits widen above it.
    #[serde(default)]
    pub phi_threshold: Option<f64>,
    /// Whether the limits were widened (multiplicative or additive).
    #[serde(default)]
    pub widened: bool,
    pub flags: usize,
    /// Areas the robust comparison flags that the funnel does not.
    pub robust_only: usize,
    /// For O/E against the norm: the pooled residual s of period cost per insured year
    /// (METHODS 1) and the level's pooled expected cost per insured year (κ × norm), so the
    /// funnel's limit curves 1 ± z·s/(m·√n) can be drawn.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sigma_eur: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub norm_per_insured_year: Option<f64>,
}

/// What the cost flags were judged on, for the manifest and the report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CostBasis {
    pub capped: bool,
    /// The φ estimator (`mad` or `winsorised`).
    pub estimator: String,
    /// κ of total cost: expected capped cost = κ × norm (1 when not capped).
    pub kappa: f64,
    /// One cap per metric (`total` first), when capped.
    pub caps: Vec<Cap>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flag {
    pub level: Level,
    pub area_code: String,
    pub area_name: String,
    pub metric: String,
    pub observed: f64,
    pub expected: f64,
    pub z: f64,
    pub limit: &'static str,
    pub direction: &'static str,
    pub z_unadjusted: f64,
    pub z_robust: Option<f64>,
    pub robust_flag: bool,
    /// `capped` when observed/expected are the capped figures the flag judged; `raw` when they
    /// are published raw figures (Wmo, uncapped runs, or 1 to min_cell − 1 persons capped).
    pub figures: &'static str,
}

/// Everything the outlier stage finds.
#[derive(Debug, Clone)]
pub struct Detected {
    pub flags: Vec<Flag>,
    pub fits: Vec<Fit>,
    pub basis: CostBasis,
    /// Per raw row: the O/E the `oe_norm` flag judges (capped cost per insured year against
    /// κ × norm per insured year), for the funnel chart; None where not judged.
    pub oe_for_flags: Vec<Option<f64>>,
    /// The total cost's flag basis per GP practice key, for the practice funnel (SPEC 3.7).
    pub practices: std::collections::BTreeMap<String, basis::GroupSums>,
    /// Pooled residual s of the total cost (METHODS 1), for funnel curves.
    pub pooled_s: f64,
}

/// An area's value for one metric: observed and expected (in the metric's units), z before
/// correction, and the deviation and its SE on the scale the overdispersion works on.
struct Point {
    row: usize,
    observed: f64,
    expected: f64,
    z: f64,
    dev: f64,
    se: f64,
    /// For proportions without correction, the Wilson decision.
    wilson: Option<Option<Limit>>,
    /// Whether `observed`/`expected` are the capped figures the flag judged (true) or, where
    /// 1 to min_cell − 1 persons were capped in the area, the published raw ones (false).
    capped_shown: bool,
    /// What the funnel chart plots for the area (capped O/E, or raw O/E / κ where hidden).
    plotted: f64,
}

fn f64s(df: &DataFrame, c: &str) -> PolarsResult<Vec<Option<f64>>> {
    crate::frame::floats(df, c)
}

fn strs(df: &DataFrame, c: &str) -> PolarsResult<Vec<String>> {
    Ok(crate::frame::strings(df, c)?
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect())
}

/// Flags for every level and metric, plus the fits and the cost basis they were judged on.
pub fn detect(
    raw: &DataFrame,
    profile: &DataFrame,
    persons: &DataFrame,
    settings: Settings,
    min_cell: i64,
) -> PolarsResult<Detected> {
    let basis = basis::basis(persons, raw, settings.capped)?;
    detect_on(raw, profile, &basis, settings, min_cell)
}

/// The flags on a prepared basis (so tests can judge one basis several ways).
pub fn detect_on(
    raw: &DataFrame,
    profile: &DataFrame,
    basis: &Basis,
    settings: Settings,
    min_cell: i64,
) -> PolarsResult<Detected> {
    let levels = strs(raw, "level")?;
    let codes = strs(raw, "area_code")?;
    let names = strs(raw, "area_name")?;
    let suppressed: Vec<bool> = crate::frame::bools(profile, "suppressed", true)?;
    let years: Vec<f64> = f64s(raw, "insured_days")?
        .iter()
        .map(|v| v.unwrap_or(0.0) / DAYS_PER_YEAR)
        .collect();
    // SPEC 3.1: the norm per (norm) insured year.
    let norm_cents = f64s(raw, "norm_cents")?;
    let norm_micro = f64s(raw, "norm_micro_years")?;
    let norm_piy: Vec<Option<f64>> = (0..raw.height())
        .map(|i| match (norm_cents[i], norm_micro[i]) {
            (Some(c), Some(y)) if y > 0.0 => Some(c / 100.0 / (y / 1e6)),
            _ => None,
        })
        .collect();
    let kappa = basis.kappa_total;
    // SPEC 3.3: a capped figure next to the published raw one gives the capped persons' cost
    // above the cap; with 1 to min_cell − 1 of them that describes too few persons to show.
    let capped_ok = |a: &basis::PerArea, i: usize| {
        !basis.capped || a.capped_persons[i] == 0.0 || a.capped_persons[i] >= min_cell as f64
    };
    let raw_cents = f64s(raw, "zvw_cents")?;
    let empty = basis::PerArea::default();
    let total = basis.metric("total").unwrap_or(&empty);

    let mut metrics: Vec<(String, Vec<Option<Point>>)> = Vec::new();
    // 1. O/E of total cost per insured year against κ × the norm per insured year.
    let oe: Vec<Option<Point>> = (0..raw.height())
        .map(|i| {
            let m = norm_piy[i]? * kappa;
            if suppressed[i] || years[i] <= 0.0 {
                return None;
            }
            let (r, se, z) = funnel::oe_cost(total.observed[i], years[i], m, total.variance[i])?;
            let shown = capped_ok(total, i);
            let raw_piy = raw_cents[i].unwrap_or(0.0) / 100.0 / years[i];
            Some(Point {
                row: i,
                observed: if shown {
                    total.observed[i] / years[i]
                } else {
                    raw_piy
                },
                expected: if shown { m } else { m / kappa },
                z,
                dev: r - 1.0,
                se,
                wilson: None,
                capped_shown: shown,
                // Raw O/E / κ uses published figures only (O/E and κ).
                plotted: if shown {
                    r
                } else {
                    raw_piy / (m / kappa) / kappa
                },
            })
        })
        .collect();
    let mut oe_for_flags = vec![None; raw.height()];
    for p in oe.iter().flatten() {
        oe_for_flags[p.row] = Some(p.plotted);
    }
    metrics.push(("oe_norm".into(), oe));

    // 2. Cost per insured year per care type against age/sex standardisation.
    for ct in CARE_TYPES {
        let a = basis.metric(ct).unwrap_or(&empty);
        let kappa_ct = basis
            .caps
            .iter()
            .find(|c| c.metric == *ct)
            .map_or(1.0, |c| c.kappa);
        let shown = f64s(profile, &format!("zvw_{ct}_per_insured_year"))?;
        let points = (0..raw.height())
            .map(|i| {
                if suppressed[i] || shown[i].is_none() || years[i] <= 0.0 {
                    return None;
                }
                let (o, e, v) = (a.observed[i], a.expected[i], a.variance[i]);
                if e <= 0.0 || v <= 0.0 {
                    return None;
                }
                let se = v.sqrt() / e;
                let r = o / e;
                let capped_shown = capped_ok(a, i);
                Some(Point {
                    row: i,
                    // Hidden capped figure: the published raw cell and the expectation of raw
                    // cost (capped expectation / κ), which says nothing about any person.
                    observed: if capped_shown {
                        o / years[i]
                    } else {
                        shown[i]?
                    },
                    expected: if capped_shown { e } else { e / kappa_ct } / years[i],
                    z: (r - 1.0) / se,
                    dev: r - 1.0,
                    se,
                    wilson: None,
                    capped_shown,
                    plotted: r,
                })
            })
            .collect();
        metrics.push((format!("zvw_{ct}_per_insured_year"), points));
    }

    // 3. Wmo clients per 1,000 residents, a proportion around the level's pooled rate.
    let clients = f64s(raw, "wmo_clients")?;
    let residents = f64s(raw, "residents")?;
    let shown = f64s(profile, "wmo_clients")?;
    let mut wmo: Vec<Option<Point>> = (0..raw.height()).map(|_| None).collect();
    for level in Level::ALL {
        let rows: Vec<usize> = (0..raw.height())
            .filter(|&i| levels[i] == level.as_str())
            .collect();
        let (sc, sr) =
            rows.iter()
                .fold((0.0, 0.0), |(c, r), &i| match (clients[i], residents[i]) {
                    (Some(c1), Some(r1)) if r1 > 0.0 => (c + c1, r + r1),
                    _ => (c, r),
                });
        if sr <= 0.0 {
            continue;
        }
        let p_bar = sc / sr;
        for &i in &rows {
            let (Some(c), Some(n)) = (clients[i], residents[i]) else {
                continue;
            };
            if suppressed[i] || shown[i].is_none() || n <= 0.0 {
                continue;
            }
            let Some((z, s)) = proportion::arcsine_z(c.min(n), n, p_bar) else {
                continue;
            };
            let p = c / n;
            let wilson = match (
                proportion::wilson_limits(p_bar, n, Z95),
                proportion::wilson_limits(p_bar, n, Z998),
            ) {
                (Some((l95, h95)), Some((l998, h998))) => Some(if p < l998 || p > h998 {
                    Some(Limit::P998)
                } else if p < l95 || p > h95 {
                    Some(Limit::P95)
                } else {
                    None
                }),
                _ => None,
            };
            let dev = (p.clamp(0.0, 1.0)).sqrt().asin() - p_bar.sqrt().asin();
            wmo[i] = Some(Point {
                row: i,
                observed: 1000.0 * p,
                expected: 1000.0 * p_bar,
                z,
                dev,
                se: s,
                wilson,
                capped_shown: false,
                plotted: p,
            });
        }
    }
    metrics.push(("wmo_clients_per_1000".into(), wmo));

    let mut flags = Vec::new();
    let mut fits = Vec::new();
    for (metric, points) in &metrics {
        for level in Level::ALL {
            if level == Level::Total {
                continue; // one area: nothing to compare with
            }
            let pts: Vec<&Point> = points
                .iter()
                .flatten()
                .filter(|p| levels[p.row] == level.as_str())
                .collect();
            if pts.is_empty() {
                continue;
            }
            let z: Vec<f64> = pts.iter().map(|p| p.z).collect();
            let s: Vec<f64> = pts.iter().map(|p| p.se).collect();
            let dispersion = settings.estimator.assess(&z);
            let tau2 = dispersion.tau2(&s);
            let observed: Vec<f64> = pts.iter().map(|p| p.observed).collect();
            let zr = robust::robust_z(&observed);
            let mut fit = Fit {
                level,
                metric: metric.clone(),
                areas: pts.len(),
                phi: dispersion.phi,
                tau2,
                phi_threshold: dispersion.threshold,
                widened: dispersion.widened && settings.method != Method::None,
                flags: 0,
                robust_only: 0,
                sigma_eur: None,
                norm_per_insured_year: None,
            };
            if metric == "oe_norm" {
                // The level's pooled expected cost per insured year: Σ κ·m_a·n_a / Σ n_a.
                let (e, y) = pts.iter().fold((0.0, 0.0), |(e, y), p| {
                    (e + p.expected * years[p.row], y + years[p.row])
                });
                fit.sigma_eur = Some(basis.pooled_s_total);
                fit.norm_per_insured_year = (y > 0.0).then(|| e / y);
            }
            for (k, p) in pts.iter().enumerate() {
                let (z_adj, limit) = match settings.method {
                    Method::None => (p.z, p.wilson.unwrap_or_else(|| Limit::of(p.z))),
                    Method::Multiplicative => {
                        let z = p.z / dispersion.se_factor();
                        (z, Limit::of(z))
                    }
                    Method::Additive => {
                        let z = p.dev / (p.se * p.se + tau2.unwrap_or(0.0)).sqrt();
                        (z, Limit::of(z))
                    }
                };
                let robust_flag = zr[k].is_some_and(|z| z.abs() > robust::ROBUST_LIMIT);
                let Some(limit) = limit else {
                    fit.robust_only += usize::from(robust_flag);
                    continue;
                };
                fit.flags += 1;
                flags.push(Flag {
                    level,
                    area_code: codes[p.row].clone(),
                    area_name: names[p.row].clone(),
                    metric: metric.clone(),
                    observed: p.observed,
                    expected: p.expected,
                    z: z_adj,
                    limit: limit.label(),
                    direction: if p.dev > 0.0 { "high" } else { "low" },
                    z_unadjusted: p.z,
                    z_robust: zr[k],
                    robust_flag,
                    figures: if p.capped_shown { "capped" } else { "raw" },
                });
            }
            fits.push(fit);
        }
    }
    flags.sort_by(|a, b| {
        (a.level, &a.area_code, &a.metric).cmp(&(b.level, &b.area_code, &b.metric))
    });
    Ok(Detected {
        flags,
        fits,
        basis: CostBasis {
            capped: basis.capped,
            estimator: settings.estimator.name().into(),
            kappa,
            caps: basis.caps.clone(),
        },
        oe_for_flags,
        practices: basis.practices.clone(),
        pooled_s: basis.pooled_s_total,
    })
}

/// The flags as the `outliers` table (SPEC 4.1 columns first).
pub fn to_frame(flags: &[Flag]) -> PolarsResult<DataFrame> {
    df!(
        "level" => flags.iter().map(|f| f.level.as_str()).collect::<Vec<_>>(),
        "area_code" => flags.iter().map(|f| f.area_code.clone()).collect::<Vec<_>>(),
        "area_name" => flags.iter().map(|f| f.area_name.clone()).collect::<Vec<_>>(),
        "metric" => flags.iter().map(|f| f.metric.clone()).collect::<Vec<_>>(),
        "observed" => flags.iter().map(|f| f.observed).collect::<Vec<_>>(),
        "expected" => flags.iter().map(|f| f.expected).collect::<Vec<_>>(),
        "z" => flags.iter().map(|f| f.z).collect::<Vec<_>>(),
        "limit" => flags.iter().map(|f| f.limit).collect::<Vec<_>>(),
        "direction" => flags.iter().map(|f| f.direction).collect::<Vec<_>>(),
        "z_unadjusted" => flags.iter().map(|f| f.z_unadjusted).collect::<Vec<_>>(),
        "z_robust" => flags.iter().map(|f| f.z_robust).collect::<Vec<_>>(),
        "robust_flag" => flags.iter().map(|f| f.robust_flag).collect::<Vec<_>>(),
        "figures" => flags.iter().map(|f| f.figures).collect::<Vec<_>>(),
    )
}
