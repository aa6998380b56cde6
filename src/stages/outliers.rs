//! Outliers ("uitschieters", SPEC 3.4): funnel flags per level for O/E of total Zvw cost
//! against the norm (METHODS 1), cost per insured year per care type against age/sex indirect
//! standardisation (METHODS 2) and Wmo clients per 1,000 residents (METHODS 3), with the
//! overdispersion correction of METHODS 4 and the robust z of METHODS 5 beside each flag.
//! Suppressed areas and hidden cells are never flagged. Works on the small level table.

use crate::domain::{CARE_TYPES, DAYS_PER_YEAR};
use crate::stages::expected::EXP_SCALE;
use crate::stages::profile::LEVELS;
use crate::stats::overdispersion::{self, Method};
use crate::stats::{funnel, proportion, robust, Limit, Z95, Z998};
use polars::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub method: Method,
    /// Also flag O/E against the norm with per-person cost capped at the 99th percentile.
    pub capped: bool,
}

/// One (level, metric) fit, for the manifest.
#[derive(Debug, Clone, Serialize)]
pub struct Fit {
    pub level: String,
    pub metric: String,
    pub areas: usize,
    pub phi: Option<f64>,
    pub tau2: Option<f64>,
    pub flags: usize,
    /// Areas the robust comparison flags that the funnel does not.
    pub robust_only: usize,
    /// For O/E against the norm: σ of annualised cost per person and the pooled norm per
    /// insured year of the level's areas, so the funnel's limit curves can be drawn.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sigma_eur: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub norm_per_insured_year: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Capped {
    pub cap_eur: f64,
    pub share_of_cost_removed: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flag {
    pub level: String,
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

/// σ of annualised cost per person, weighted by insured years, from integer sums so it is the
/// same every run: Σ cents, Σ days and Σ round(cost²/iy).
fn sigma(persons: &LazyFrame, cents: Expr) -> PolarsResult<f64> {
    let iy = col("insured_days").cast(DataType::Float64) / lit(DAYS_PER_YEAR);
    let eur = cents.clone().cast(DataType::Float64) / lit(100.0);
    let df = persons
        .clone()
        .filter(col("in_areas").and(col("insured_days").gt(lit(0))))
        .select([
            cents.sum().cast(DataType::Int64).alias("s1"),
            col("insured_days").sum().cast(DataType::Int64).alias("d"),
            (eur.clone() * eur / iy)
                .round(0, RoundMode::HalfAwayFromZero)
                .cast(DataType::Int64)
                .sum()
                .alias("s2"),
        ])
        .collect()?;
    let g = |c: &str| -> PolarsResult<f64> {
        Ok(df
            .column(c)?
            .cast(&DataType::Float64)?
            .f64()?
            .get(0)
            .unwrap_or(0.0))
    };
    let years = g("d")? / DAYS_PER_YEAR;
    if years <= 0.0 {
        return Ok(0.0);
    }
    let mean = g("s1")? / 100.0 / years;
    Ok((g("s2")? / years - mean * mean).max(0.0).sqrt())
}

/// Flags for every level and metric, plus the fits and (when asked) the capped variant's cap.
pub fn detect(
    raw: &DataFrame,
    profile: &DataFrame,
    persons: &DataFrame,
    settings: Settings,
) -> PolarsResult<(Vec<Flag>, Vec<Fit>, Option<Capped>)> {
    let levels = strs(raw, "level")?;
    let codes = strs(raw, "area_code")?;
    let names = strs(raw, "area_name")?;
    let suppressed: Vec<bool> = profile
        .column("suppressed")?
        .bool()?
        .iter()
        .map(|v| v.unwrap_or(true))
        .collect();
    let years: Vec<f64> = f64s(raw, "insured_days")?
        .iter()
        .map(|v| v.unwrap_or(0.0) / DAYS_PER_YEAR)
        .collect();
    let zvw: Vec<f64> = f64s(raw, "zvw_cents")?
        .iter()
        .map(|v| v.unwrap_or(0.0) / 100.0)
        .collect();
    let norm: Vec<Option<f64>> = f64s(raw, "norm_cents")?
        .iter()
        .map(|v| v.map(|c| c / 100.0))
        .collect();
    let lf = persons.clone().lazy();
    let sigma_all = sigma(&lf, col("zvw_cents"))?;

    let mut metrics: Vec<(String, Vec<Option<Point>>)> = Vec::new();
    // 1. O/E of total cost against the norm.
    let oe = |actual: &[f64], sigma: f64| -> Vec<Option<Point>> {
        (0..actual.len())
            .map(|i| {
                let n = norm[i]?;
                if suppressed[i] {
                    return None;
                }
                let (r, se, z) = funnel::oe_cost(actual[i], n, years[i], sigma)?;
                Some(Point {
                    row: i,
                    observed: actual[i] / years[i],
                    expected: n / years[i],
                    z,
                    dev: r - 1.0,
                    se,
                    wilson: None,
                })
            })
            .collect()
    };
    metrics.push(("oe_norm".into(), oe(&zvw, sigma_all)));

    // 2. Cost per insured year per care type against age/sex standardisation.
    for ct in CARE_TYPES {
        let o = f64s(raw, &format!("c_{ct}"))?;
        let e = f64s(raw, &format!("exp_{ct}"))?;
        let v = f64s(raw, &format!("var_{ct}"))?;
        let shown = f64s(profile, &format!("zvw_{ct}_per_insured_year"))?;
        let points = (0..raw.height())
            .map(|i| {
                if suppressed[i] || shown[i].is_none() || years[i] <= 0.0 {
                    return None;
                }
                let (o, e, v) = (o[i]? / 100.0, e[i]? / EXP_SCALE, v[i]?);
                if e <= 0.0 || v <= 0.0 {
                    return None;
                }
                let se = v.sqrt() / e;
                let r = o / e;
                Some(Point {
                    row: i,
                    observed: o / years[i],
                    expected: e / years[i],
                    z: (r - 1.0) / se,
                    dev: r - 1.0,
                    se,
                    wilson: None,
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
    for (level, _) in LEVELS {
        let rows: Vec<usize> = (0..raw.height()).filter(|&i| levels[i] == level).collect();
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
            });
        }
    }
    metrics.push(("wmo_clients_per_1000".into(), wmo));

    // Capped variant of 1 (METHODS 8), for the outlier analysis only.
    let mut capped = None;
    if settings.capped {
        let (cap_cents, share, per_row) = capped_totals(&lf, raw)?;
        let sigma_capped = sigma(&lf, col("zvw_cents").clip_max(lit(cap_cents)))?;
        metrics.push(("oe_norm_capped".into(), oe(&per_row, sigma_capped)));
        capped = Some(Capped {
            cap_eur: cap_cents as f64 / 100.0,
            share_of_cost_removed: share,
        });
    }

    let mut flags = Vec::new();
    let mut fits = Vec::new();
    for (metric, points) in &metrics {
        for (level, _) in LEVELS {
            if level == "total" {
                continue; // one area: nothing to compare with
            }
            let pts: Vec<&Point> = points
                .iter()
                .flatten()
                .filter(|p| levels[p.row] == level)
                .collect();
            if pts.is_empty() {
                continue;
            }
            let z: Vec<f64> = pts.iter().map(|p| p.z).collect();
            let s: Vec<f64> = pts.iter().map(|p| p.se).collect();
            let phi = overdispersion::phi(&z);
            let tau2 = overdispersion::tau2(&z, &s);
            let observed: Vec<f64> = pts.iter().map(|p| p.observed).collect();
            let zr = robust::robust_z(&observed);
            let mut fit = Fit {
                level: level.into(),
                metric: metric.clone(),
                areas: pts.len(),
                phi,
                tau2,
                flags: 0,
                robust_only: 0,
                sigma_eur: None,
                norm_per_insured_year: None,
            };
            if metric == "oe_norm" {
                let (n, y) = pts.iter().fold((0.0, 0.0), |(n, y), p| {
                    (n + norm[p.row].unwrap_or(0.0), y + years[p.row])
                });
                fit.sigma_eur = Some(sigma_all);
                fit.norm_per_insured_year = (y > 0.0).then(|| n / y);
            }
            for (k, p) in pts.iter().enumerate() {
                let (z_adj, limit) = match settings.method {
                    Method::None => (p.z, p.wilson.unwrap_or_else(|| Limit::of(p.z))),
                    Method::Multiplicative => {
                        let z = match phi {
                            Some(f) if f > 1.0 => p.z / f.sqrt(),
                            _ => p.z,
                        };
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
                    level: level.into(),
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
                });
            }
            fits.push(fit);
        }
    }
    let rank = |l: &str| LEVELS.iter().position(|(x, _)| *x == l).unwrap_or(99);
    flags.sort_by(|a, b| {
        (rank(&a.level), &a.area_code, &a.metric).cmp(&(rank(&b.level), &b.area_code, &b.metric))
    });
    Ok((flags, fits, capped))
}

/// The 99th percentile of per-person cost (nearest rank over insured persons in areas), the
/// share of cost above it, and each raw row's capped total.
fn capped_totals(persons: &LazyFrame, raw: &DataFrame) -> PolarsResult<(i64, f64, Vec<f64>)> {
    let inside = persons.clone().filter(col("in_areas"));
    let sorted = inside
        .clone()
        .select([col("zvw_cents").sort(SortOptions::default())])
        .collect()?;
    let v = sorted.column("zvw_cents")?.i64()?;
    let n = v.len();
    let cap = if n == 0 {
        0
    } else {
        v.get(((n as f64 * 0.99).ceil() as usize).clamp(1, n) - 1)
            .unwrap_or(0)
    };
    let capped = col("zvw_cents").clip_max(lit(cap));
    let totals = inside
        .clone()
        .select([
            col("zvw_cents").sum().alias("all"),
            capped.clone().sum().alias("capped"),
        ])
        .collect()?;
    let all = totals
        .column("all")?
        .cast(&DataType::Float64)?
        .f64()?
        .get(0)
        .unwrap_or(0.0);
    let kept = totals
        .column("capped")?
        .cast(&DataType::Float64)?
        .f64()?
        .get(0)
        .unwrap_or(0.0);
    let share = if all > 0.0 { 1.0 - kept / all } else { 0.0 };
    let mut per_row = vec![0.0; raw.height()];
    let levels = strs(raw, "level")?;
    let codes = strs(raw, "area_code")?;
    for (level, code_col) in LEVELS {
        let key = match code_col {
            Some(c) => col(c),
            None => lit(crate::stages::profile::TOTAL_CODE),
        };
        let sums = inside
            .clone()
            .group_by([key.alias("code")])
            .agg([capped.clone().sum().cast(DataType::Int64).alias("c")])
            .collect()?;
        let keys = strs(&sums, "code")?;
        let vals = f64s(&sums, "c")?;
        let map: std::collections::HashMap<&str, f64> = keys
            .iter()
            .map(String::as_str)
            .zip(vals.iter().map(|v| v.unwrap_or(0.0) / 100.0))
            .collect();
        for i in 0..raw.height() {
            if levels[i] == level {
                per_row[i] = map.get(codes[i].as_str()).copied().unwrap_or(0.0);
            }
        }
    }
    Ok((cap, share, per_row))
}

/// The flags as the `outliers` table (SPEC 4.1 columns first).
pub fn to_frame(flags: &[Flag]) -> PolarsResult<DataFrame> {
    df!(
        "level" => flags.iter().map(|f| f.level.clone()).collect::<Vec<_>>(),
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
    )
}
