//! The cost the outlier flags judge (METHODS 1, 2 and 8, round 2), per area of every level:
//! observed period cost, its age/sex expectation and the variance of the period cost.
//!
//! - Capped by default (METHODS 8): each person's period cost is capped at q·t, q the
//!   insured-year-weighted 99th percentile of annualised cost over the persons in known areas.
//!   For a care type q is taken over the persons with cost of that type (most persons have
//!   none of most types, so over everyone q would be zero for rare types and capping would
//!   erase them). κ = Σ capped / Σ actual says how much of the cost is left.
//! - Variance from *period* cost (METHODS 1): per age band × sex, s_b² = Σ(C − ρ_b·t)² / Σt;
//!   a person carries t·s_b², so an area's V = Σ_b n_ab·s_b². Strata with fewer than 30 persons
//!   use the pooled s².
//!
//! Everything is summed as integers (cents, days, euro², 1/10,000 euro), so the flags are the
//! same every run. The profile's euro figures are never capped: this stage only feeds flags.

use crate::columns::ct_col;
use crate::columns::EXP_SCALE;
use crate::domain::Level;
use crate::domain::TOTAL_CODE;
use crate::domain::{CARE_TYPES, DAYS_PER_YEAR};
use crate::stats::residual::{Stratum, Sums};
use polars::prelude::*;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::cap::{cap_of, flagged, round_to_i64};
use super::persons::{Inside, CODE_LEVELS};

/// Below this many persons a stratum's s² is replaced by the pooled one (METHODS 1).
pub const MIN_STRATUM_PERSONS: i64 = 30;

/// The cap of one metric, for the manifest and the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cap {
    /// `total` or a care type.
    pub metric: String,
    /// q: the cap per insured year (a person's cap is q × their insured years).
    pub cap_per_insured_year_eur: f64,
    /// κ = Σ capped / Σ actual over persons in known areas.
    pub kappa: f64,
    pub share_of_cost_removed: f64,
    /// Persons whose cost was capped.
    pub persons_capped: i64,
}

/// One metric's figures per raw level row.
#[derive(Debug, Clone, Default)]
pub struct PerArea {
    /// Observed (capped or raw) cost in euros.
    pub observed: Vec<f64>,
    /// Age/sex expectation of the observed cost (euros), at the extract's rates.
    pub expected: Vec<f64>,
    /// Variance of the period cost, Σ t·s_b² (euro²).
    pub variance: Vec<f64>,
    /// Persons whose cost was capped. Where 1 to min_cell − 1, the capped figure next to the
    /// published raw one would give their cost above the cap: `outliers` does not publish it.
    pub capped_persons: Vec<f64>,
}

#[derive(Debug, Clone)]
pub struct Basis {
    pub capped: bool,
    /// One per metric (total first), only when capped.
    pub caps: Vec<Cap>,
    /// κ of the total cost (1 when not capped).
    pub kappa_total: f64,
    /// Pooled residual s (euros per √insured year) of the total cost, for the funnel's curves.
    pub pooled_s_total: f64,
    /// Per metric name (`total`, care types), per raw row.
    pub areas: Vec<(String, PerArea)>,
    /// The total cost's sums per GP practice key (`stages::practices::PRACTICE` of the person
    /// frame), when the persons carry one: observed, expected, variance, capped persons.
    pub practices: std::collections::BTreeMap<String, GroupSums>,
}

/// One group's sums of the total cost's flag basis.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GroupSums {
    /// Observed (capped or raw) cost in euros.
    pub observed: f64,
    pub expected: f64,
    pub variance: f64,
    pub capped_persons: f64,
}

impl Basis {
    pub fn metric(&self, name: &str) -> Option<&PerArea> {
        self.areas.iter().find(|(m, _)| m == name).map(|(_, a)| a)
    }
}

/// The metrics: total Zvw cost and each care type, as (name, cents column of the person frame).
pub(super) fn metrics() -> Vec<(String, String)> {
    let mut m = vec![("total".to_string(), "zvw_cents".to_string())];
    m.extend(CARE_TYPES.iter().map(|ct| (ct.to_string(), ct_col(ct))));
    m
}

/// Builds the basis for the raw level table `raw` from the person frame, with the sums per
/// GP practice key when the persons carry one.
pub fn basis(persons: &DataFrame, raw: &DataFrame, capped: bool) -> PolarsResult<Basis> {
    basis_with(persons, raw, capped, true)
}

/// `basis`, with the sums per GP practice key only when `practice_sums` (a monitoring run's
/// earlier periods have no practice view: their `practices` stay empty).
///
/// Plain loops over the persons' columns, not queries: the polars plan this replaced
/// (`reference.rs`, kept as the tests' oracle) spent 3–4 s a period at 2.1 M persons copying
/// fourteen metrics' columns between five steps; every figure here is the same integer sum.
pub fn basis_with(
    persons: &DataFrame,
    raw: &DataFrame,
    capped: bool,
    practice_sums: bool,
) -> PolarsResult<Basis> {
    let metrics = metrics();
    let has_practice = practice_sums
        && persons
            .get_column_names()
            .iter()
            .any(|c| c.as_str() == crate::columns::PRACTICE);
    let mut laps = crate::progress::Laps::new("flag basis");
    let inside = Inside::read(persons, &metrics, has_practice)?;
    let cents = inside.cents()?;
    laps.lap("persons");

    // 1. Caps (METHODS 8): the 14 percentiles are independent, taken in parallel.
    let qs: Vec<Option<f64>> = if capped {
        cents
            .par_iter()
            .enumerate()
            .map(|(k, cents)| cap_of(&inside.days, cents, k == 0))
            .collect()
    } else {
        vec![None; metrics.len()]
    };
    laps.lap("caps");

    // 2. κ, the share removed, and the integer sums per stratum (age band × sex).
    let n_metrics = metrics.len();
    let n_strata = inside.strata;
    // One part of the persons per thread, each with its own sums: integers, so the parts add
    // up to the same figures in any order.
    let part = inside
        .days
        .len()
        .div_ceil(rayon::current_num_threads())
        .max(1);
    type StrataSums = (Vec<Sums>, Vec<i64>, Vec<i64>, Vec<i64>);
    let zero_strata = || -> StrataSums {
        (
            vec![Sums::default(); n_strata * n_metrics],
            vec![0i64; n_metrics],
            vec![0i64; n_metrics],
            vec![0i64; n_metrics],
        )
    };
    let (strata, raw_sum, fl_sum, n_capped) = inside
        .days
        .par_chunks(part)
        .enumerate()
        .map(|(p, days)| {
            let (mut strata, mut raw_sum, mut fl_sum, mut n_capped) = zero_strata();
            for (j, &d) in days.iter().enumerate() {
                let i = p * part + j;
                let s = inside.stratum[i] as usize;
                for (k, cents) in cents.iter().enumerate() {
                    let c = cents[i];
                    let f = flagged(c, d, qs[k]);
                    raw_sum[k] += c;
                    fl_sum[k] += f;
                    n_capped[k] += i64::from(c != f);
                    let eur = f as f64 / 100.0;
                    let sums = &mut strata[s * n_metrics + k];
                    sums.persons += 1;
                    sums.days += d;
                    sums.days2 += d * d;
                    sums.cents += f;
                    sums.cents_days += f * d;
                    sums.eur2 += round_to_i64(eur * eur);
                }
            }
            (strata, raw_sum, fl_sum, n_capped)
        })
        .reduce(zero_strata, |mut a, b| {
            a.0.iter_mut().zip(b.0).for_each(|(x, y)| *x = *x + y);
            for (x, y) in [(&mut a.1, b.1), (&mut a.2, b.2), (&mut a.3, b.3)] {
                x.iter_mut().zip(y).for_each(|(x, y)| *x += y);
            }
            a
        });
    let mut caps = Vec::new();
    let mut kappa_total = 1.0;
    for (k, ((m, _), q)) in metrics.iter().zip(&qs).enumerate() {
        let kappa = if raw_sum[k] != 0 {
            fl_sum[k] as f64 / raw_sum[k] as f64
        } else {
            1.0
        };
        if m == "total" {
            kappa_total = kappa;
        }
        if let Some(q) = q {
            caps.push(Cap {
                metric: m.clone(),
                cap_per_insured_year_eur: q / 100.0,
                kappa,
                share_of_cost_removed: 1.0 - kappa,
                persons_capped: n_capped[k],
            });
        }
    }
    // ρ_b and s_b² per metric and stratum (pooled s² for thin strata).
    let mut fitted = vec![Stratum { rate: 0.0, s2: 0.0 }; n_strata * n_metrics];
    let mut pooled_s_total = 0.0;
    for (k, (m, _)) in metrics.iter().enumerate() {
        let pooled = (0..n_strata)
            .map(|s| strata[s * n_metrics + k])
            .fold(Sums::default(), |a, b| a + b)
            .stratum(DAYS_PER_YEAR);
        if m == "total" {
            pooled_s_total = pooled.map_or(0.0, |p| p.s2.sqrt());
        }
        for s in 0..n_strata {
            let sums = strata[s * n_metrics + k];
            let own = sums
                .stratum(DAYS_PER_YEAR)
                .unwrap_or(Stratum { rate: 0.0, s2: 0.0 });
            fitted[s * n_metrics + k] = match pooled {
                Some(p) if sums.persons < MIN_STRATUM_PERSONS => Stratum { s2: p.s2, ..own },
                _ => own,
            };
        }
    }
    laps.lap("strata");

    // 3. Per person: observed, expected (1/10,000 euro) and variance (euro²) as integers,
    // summed per pc5 (with its area codes) and per GP practice key.
    let width = n_metrics * 4;
    let zero_groups = || {
        (
            vec![0i64; inside.groups.len() * width],
            vec![0i64; inside.practices.len() * 4],
        )
    };
    let (by_group, by_practice) = inside
        .days
        .par_chunks(part)
        .enumerate()
        .map(|(p, days)| {
            let (mut by_group, mut by_practice) = zero_groups();
            for (j, &d) in days.iter().enumerate() {
                let i = p * part + j;
                let s = inside.stratum[i] as usize;
                let t = d as f64 / DAYS_PER_YEAR;
                let g = inside.group[i] as usize * width;
                for (k, cents) in cents.iter().enumerate() {
                    let c = cents[i];
                    let f = flagged(c, d, qs[k]);
                    let fit = fitted[s * n_metrics + k];
                    let e = round_to_i64(t * fit.rate * EXP_SCALE);
                    let v = round_to_i64(t * fit.s2);
                    let one = [f, e, v, i64::from(c != f)];
                    add(&mut by_group[g + k * 4..g + k * 4 + 4], &one);
                    if k == 0 {
                        if let Some(q) = inside.practice.get(i).copied().flatten() {
                            add(&mut by_practice[q as usize * 4..q as usize * 4 + 4], &one);
                        }
                    }
                }
            }
            (by_group, by_practice)
        })
        .reduce(zero_groups, |mut a, b| {
            add(&mut a.0, &b.0);
            add(&mut a.1, &b.1);
            a
        });

    // 4. Every level's sums rolled up from the pc5s (integer sums: exactly its persons'
    // sums), placed on the raw table's rows.
    let levels = crate::frame::strings(raw, "level")?;
    let codes = crate::frame::strings(raw, "area_code")?;
    let mut areas: Vec<(String, PerArea)> = metrics
        .iter()
        .map(|(m, _)| {
            (
                m.clone(),
                PerArea {
                    observed: vec![0.0; raw.height()],
                    expected: vec![0.0; raw.height()],
                    variance: vec![0.0; raw.height()],
                    capped_persons: vec![0.0; raw.height()],
                },
            )
        })
        .collect();
    for level in Level::ALL {
        let position = CODE_LEVELS.iter().position(|l| *l == level);
        let mut row_of: std::collections::HashMap<&str, usize> = Default::default();
        let mut sums: Vec<i64> = Vec::new();
        for (g, key) in inside.groups.iter().enumerate() {
            let code = match position {
                Some(p) => match &key[p] {
                    Some(c) => c.as_str(),
                    None => continue,
                },
                None => TOTAL_CODE,
            };
            let next = row_of.len();
            let row = *row_of.entry(code).or_insert(next);
            if row == next {
                sums.resize(sums.len() + width, 0);
            }
            for (a, b) in sums[row * width..(row + 1) * width]
                .iter_mut()
                .zip(&by_group[g * width..(g + 1) * width])
            {
                *a += b;
            }
        }
        for i in 0..raw.height() {
            if levels[i].as_deref() != Some(level.as_str()) {
                continue;
            }
            let Some(&j) = codes[i].as_deref().and_then(|c| row_of.get(c)) else {
                continue;
            };
            for (k, (_, a)) in areas.iter_mut().enumerate() {
                let s = &sums[j * width + k * 4..j * width + k * 4 + 4];
                a.observed[i] = s[0] as f64 / 100.0;
                a.expected[i] = s[1] as f64 / EXP_SCALE;
                a.variance[i] = s[2] as f64;
                a.capped_persons[i] = s[3] as f64;
            }
        }
    }
    laps.lap("per area");
    // The total cost per GP practice (SPEC 3.7).
    let practices = inside
        .practices
        .iter()
        .enumerate()
        .map(|(p, key)| {
            let s = &by_practice[p * 4..p * 4 + 4];
            (
                key.to_string(),
                GroupSums {
                    observed: s[0] as f64 / 100.0,
                    expected: s[1] as f64 / EXP_SCALE,
                    variance: s[2] as f64,
                    capped_persons: s[3] as f64,
                },
            )
        })
        .collect();
    Ok(Basis {
        capped,
        caps,
        kappa_total,
        pooled_s_total,
        areas,
        practices,
    })
}

/// Adds `b` to `a`, element by element.
fn add(a: &mut [i64], b: &[i64]) {
    a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 100 men of 30, one pc5, a full year each: 99 cost € 100 and one € 100,000. Uncapped,
    /// κ = 1 and V = Σ t·s² = 100 · population variance; capped at the weighted 99th percentile
    /// (€ 100: 99 of 100 insured years lie at or below it), the outlier is cut to € 100.
    fn persons() -> DataFrame {
        let n = 100;
        let mut cents = vec![10_000i64; n];
        cents[7] = 10_000_000;
        let mut cols = vec![
            Column::new("age".into(), vec![30i64; n]),
            Column::new("sex".into(), vec!["M"; n]),
            Column::new("insured_days".into(), vec![365i64; n]),
            Column::new("in_areas".into(), vec![true; n]),
            Column::new("zvw_cents".into(), cents.clone()),
            Column::new("pc5".into(), vec!["7511A"; n]),
            Column::new("buurt_code".into(), vec!["BU01530101"; n]),
            Column::new("wijk_code".into(), vec!["WK015301"; n]),
            Column::new("gemeente_code".into(), vec!["GM0153"; n]),
        ];
        for ct in CARE_TYPES {
            let v = if ct == "msz" {
                cents.clone()
            } else {
                vec![0i64; n]
            };
            cols.push(Column::new(ct_col(ct).into(), v));
        }
        DataFrame::new_infer_height(cols).unwrap()
    }

    fn raw() -> DataFrame {
        df!(
            "level" => ["pc5", "buurt", "wijk", "gemeente", "total"],
            "area_code" => ["7511A", "BU01530101", "WK015301", "GM0153", TOTAL_CODE],
        )
        .unwrap()
    }

    #[test]
    fn uncapped_variance_by_hand() {
        let b = basis(&persons(), &raw(), false).unwrap();
        assert!(b.caps.is_empty());
        assert_eq!(b.kappa_total, 1.0);
        let total = b.metric("total").unwrap();
        let sum: f64 = 99.0 * 100.0 + 100_000.0;
        let mean = sum / 100.0;
        let var = (99.0 * (100.0 - mean).powi(2) + (100_000.0 - mean).powi(2)) / 100.0;
        for row in 0..5 {
            assert!((total.observed[row] - sum).abs() < 1e-9);
            // Expected at the stratum's own rate is the observed total (one stratum).
            assert!((total.expected[row] - sum).abs() < 1e-3);
            // Each person carries round(t·s²) euro²: 100 of them.
            assert!((total.variance[row] - 100.0 * var.round()).abs() < 1.0);
        }
        // 100 persons ≥ 30: the stratum's own s², which is the pooled one here too.
        assert!((b.pooled_s_total - var.sqrt()).abs() < 1e-6);
    }

    #[test]
    fn practice_sums_only_when_asked() {
        let mut p = persons();
        let keys: Vec<&str> = (0..100).map(|i| if i < 60 { "A" } else { "B" }).collect();
        p.with_column(Column::new(crate::columns::PRACTICE.into(), keys))
            .unwrap();
        let with = basis_with(&p, &raw(), false, true).unwrap();
        assert_eq!(with.practices.len(), 2);
        let total: f64 = with.practices.values().map(|g| g.observed).sum();
        assert!((total - with.metric("total").unwrap().observed[0]).abs() < 1e-9);
        let without = basis_with(&p, &raw(), false, false).unwrap();
        assert!(without.practices.is_empty());
        // The areas' figures do not depend on it.
        assert_eq!(
            with.metric("total").unwrap().variance,
            without.metric("total").unwrap().variance
        );
    }

    #[test]
    fn capped_at_the_weighted_99th_percentile() {
        let b = basis(&persons(), &raw(), true).unwrap();
        let cap = &b.caps[0];
        assert_eq!(cap.metric, "total");
        assert!(
            (cap.cap_per_insured_year_eur - 100.0).abs() < 1e-9,
            "{cap:?}"
        );
        assert_eq!(cap.persons_capped, 1);
        let (raw_sum, capped_sum) = (99.0 * 100.0 + 100_000.0, 100.0 * 100.0);
        assert!((b.kappa_total - capped_sum / raw_sum).abs() < 1e-12);
        assert!((cap.share_of_cost_removed - (1.0 - capped_sum / raw_sum)).abs() < 1e-12);
        let total = b.metric("total").unwrap();
        assert!((total.observed[0] - capped_sum).abs() < 1e-9);
        assert_eq!(total.capped_persons, vec![1.0; 5]);
        // Everyone now costs the same: no variance left.
        assert!(total.variance[0].abs() < 1e-9);
        // The care type is capped among its users the same way; an unused one has no cap
        // (its q is taken over nobody) and stays at zero.
        let msz = b.caps.iter().find(|c| c.metric == "msz").unwrap();
        assert!((msz.cap_per_insured_year_eur - 100.0).abs() < 1e-9);
        assert!(b.caps.iter().all(|c| c.metric != "kraamzorg"));
        assert_eq!(b.metric("kraamzorg").unwrap().observed[0], 0.0);
    }

    /// A stratum of fewer than 30 persons takes the pooled s², its rate stays its own.
    #[test]
    fn thin_strata_use_the_pooled_variance() {
        let mut p = persons();
        // Five women of 80 with € 1,000 and € 0 alternating.
        let extra = {
            let mut cols = vec![
                Column::new("age".into(), vec![80i64; 5]),
                Column::new("sex".into(), vec!["V"; 5]),
                Column::new("insured_days".into(), vec![365i64; 5]),
                Column::new("in_areas".into(), vec![true; 5]),
                Column::new("zvw_cents".into(), vec![100_000i64, 0, 100_000, 0, 100_000]),
                Column::new("pc5".into(), vec!["7511A"; 5]),
                Column::new("buurt_code".into(), vec!["BU01530101"; 5]),
                Column::new("wijk_code".into(), vec!["WK015301"; 5]),
                Column::new("gemeente_code".into(), vec!["GM0153"; 5]),
            ];
            for ct in CARE_TYPES {
                cols.push(Column::new(ct_col(ct).into(), vec![0i64; 5]));
            }
            DataFrame::new_infer_height(cols).unwrap()
        };
        p.vstack_mut(&extra).unwrap();
        let b = basis(&p, &raw(), false).unwrap();
        let total = b.metric("total").unwrap();
        let s2_pooled = b.pooled_s_total.powi(2);
        let men_mean: f64 = (99.0 * 100.0 + 100_000.0) / 100.0;
        let men_var = (99.0 * (100.0 - men_mean).powi(2) + (100_000.0 - men_mean).powi(2)) / 100.0;
        // V = 100·s²(men) + 5·s²(pooled), to the rounding of one euro² per person.
        let want = 100.0 * men_var + 5.0 * s2_pooled;
        assert!(
            (total.variance[0] - want).abs() < 105.0,
            "{} vs {want}",
            total.variance[0]
        );
        // Expected: the women at their own rate of € 600 a year.
        assert!((total.expected[0] - (99.0 * 100.0 + 100_000.0 + 3000.0)).abs() < 1e-3);
    }
}
