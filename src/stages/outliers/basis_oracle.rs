//! The previous implementation of the flag basis, in polars expressions: kept for the tests
//! only, as the oracle the plain-loop implementation in `basis.rs` must agree with to the last
//! bit on random person frames (`plain_loops_equal_the_polars_plan`).

use super::basis::{metrics, Basis, Cap, GroupSums, PerArea, MIN_STRATUM_PERSONS};
use super::cap::CAP_PERCENT;
use crate::columns::EXP_SCALE;
use crate::domain::Level;
use crate::domain::DAYS_PER_YEAR;
use crate::domain::TOTAL_CODE;
use crate::stages::profile::expected::band;
use crate::stats::residual::{weighted_quantile, Stratum, Sums};
use polars::prelude::*;
use rayon::prelude::*;

fn fl(m: &str) -> String {
    format!("__fl_{m}")
}

fn days_f() -> Expr {
    col("insured_days").cast(DataType::Float64)
}

/// q (cents per insured year) for one cents column: the weighted 99th percentile of
/// annualised cost over `persons` (already limited to those it is taken over).
fn cap_of(persons: LazyFrame, cents: &str) -> PolarsResult<Option<f64>> {
    let df = persons
        .select([
            (col(cents).cast(DataType::Float64) * lit(DAYS_PER_YEAR) / days_f()).alias("a"),
            col("insured_days").cast(DataType::Int64).alias("d"),
        ])
        .sort(["a"], SortMultipleOptions::default())
        .collect()?;
    let a = df.column("a")?.f64()?;
    let d = df.column("d")?.i64()?;
    let pairs: Vec<(f64, i64)> = a
        .iter()
        .zip(d.iter())
        .map(|(a, d)| (a.unwrap_or(0.0), d.unwrap_or(0)))
        .collect();
    Ok(weighted_quantile(&pairs, CAP_PERCENT))
}

/// A person's capped cents: min(cost, round(q·t)).
fn capped_expr(cents: &str, q: f64) -> Expr {
    let cap = (lit(q) * days_f() / lit(DAYS_PER_YEAR))
        .round(0, RoundMode::HalfAwayFromZero)
        .cast(DataType::Int64);
    when(col(cents).gt(cap.clone()))
        .then(cap)
        .otherwise(col(cents))
}

fn scalar(df: &DataFrame, c: &str) -> PolarsResult<i64> {
    Ok(df
        .column(c)?
        .cast(&DataType::Int64)?
        .i64()?
        .get(0)
        .unwrap_or(0))
}

/// `basis`, with the sums per GP practice key only when `practice_sums` (a monitoring run's
/// earlier periods have no practice view: their `practices` stay empty).
pub(super) fn basis_with(
    persons: &DataFrame,
    raw: &DataFrame,
    capped: bool,
    practice_sums: bool,
) -> PolarsResult<Basis> {
    let metrics = metrics();
    // Only the columns this stage reads: every later step copies its frame, and the person
    // frame has some sixty columns.
    let mut keep: Vec<Expr> = ["in_areas", "insured_days", "age", "sex"]
        .into_iter()
        .chain(Level::ALL.iter().filter_map(|l| l.code_column()))
        .map(col)
        .collect();
    keep.extend(metrics.iter().map(|(_, c)| col(c.as_str())));
    let has_practice = practice_sums
        && persons
            .get_column_names()
            .iter()
            .any(|c| c.as_str() == crate::columns::PRACTICE);
    if has_practice {
        keep.push(col(crate::columns::PRACTICE));
    }
    let inside = persons
        .clone()
        .lazy()
        .select(keep)
        .filter(col("in_areas").and(col("insured_days").gt(lit(0))));
    let mut laps = crate::progress::Laps::new("flag basis");

    // 1. Caps (METHODS 8) and the flag cost column of each metric.
    // The 14 percentiles are independent sorts: taken in parallel.
    let qs: Vec<Option<f64>> = metrics
        .par_iter()
        .map(|(m, c)| {
            if !capped {
                return Ok(None);
            }
            let over = if m == "total" {
                inside.clone()
            } else {
                inside.clone().filter(col(c.as_str()).gt(lit(0i64)))
            };
            cap_of(over, c)
        })
        .collect::<PolarsResult<_>>()?;
    laps.lap("caps");
    let mut flag_cols = Vec::new();
    for ((m, c), q) in metrics.iter().zip(qs.iter().copied()) {
        flag_cols.push(match q {
            Some(q) => capped_expr(c, q).alias(fl(m).as_str()),
            None => col(c.as_str()).alias(fl(m).as_str()),
        });
    }
    let mut flagged = inside
        .with_columns(flag_cols)
        .with_columns([band()])
        .collect()?;
    // One chunk: the filter leaves one per thread, and every group-by below would otherwise
    // copy each column into one again.
    flagged.rechunk_mut();
    laps.lap("capped costs");

    // 2. κ and the share removed, per metric.
    let mut sums = Vec::new();
    for (m, c) in &metrics {
        sums.push(
            col(c.as_str())
                .sum()
                .cast(DataType::Int64)
                .alias(format!("raw_{m}").as_str()),
        );
        sums.push(
            col(fl(m).as_str())
                .sum()
                .cast(DataType::Int64)
                .alias(format!("fl_{m}").as_str()),
        );
        sums.push(
            col(c.as_str())
                .neq(col(fl(m).as_str()))
                .cast(DataType::Int64)
                .sum()
                .alias(format!("n_{m}").as_str()),
        );
    }
    let totals = flagged.clone().lazy().select(sums).collect()?;
    let mut caps = Vec::new();
    let mut kappa_total = 1.0;
    for ((m, _), q) in metrics.iter().zip(&qs) {
        let raw_sum = scalar(&totals, &format!("raw_{m}"))? as f64;
        let fl_sum = scalar(&totals, &format!("fl_{m}"))? as f64;
        let kappa = if raw_sum != 0.0 {
            fl_sum / raw_sum
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
                persons_capped: scalar(&totals, &format!("n_{m}"))?,
            });
        }
    }

    // 3. Integer sums per stratum, then ρ_b and s_b² (pooled s² for thin strata).
    let d = col("insured_days").cast(DataType::Int64);
    let mut aggs = vec![
        len().cast(DataType::Int64).alias("persons"),
        d.clone().sum().alias("days"),
        (d.clone() * d.clone()).sum().alias("days2"),
    ];
    for (m, _) in &metrics {
        let f = col(fl(m).as_str());
        let eur = f.clone().cast(DataType::Float64) / lit(100.0);
        aggs.push(f.clone().sum().alias(format!("c_{m}").as_str()));
        aggs.push((f * d.clone()).sum().alias(format!("cd_{m}").as_str()));
        aggs.push(
            (eur.clone() * eur)
                .round(0, RoundMode::HalfAwayFromZero)
                .cast(DataType::Int64)
                .sum()
                .alias(format!("e2_{m}").as_str()),
        );
    }
    let strata = flagged
        .clone()
        .lazy()
        .group_by([col("band"), col("sex")])
        .agg(aggs)
        .sort(["band", "sex"], SortMultipleOptions::default())
        .collect()?;
    let ints = |c: &str| -> PolarsResult<Vec<i64>> {
        Ok(strata
            .column(c)?
            .cast(&DataType::Int64)?
            .i64()?
            .iter()
            .map(|v| v.unwrap_or(0))
            .collect())
    };
    let (persons_b, days_b, days2_b) = (ints("persons")?, ints("days")?, ints("days2")?);
    // Each person's stratum as an index into the fitted rates (one small join), so the rates
    // are looked up per metric instead of joined as 28 columns onto every person.
    let stratum_of = DataFrame::new_infer_height(vec![
        strata.column("band")?.clone(),
        strata.column("sex")?.clone(),
        Column::new(
            "__stratum".into(),
            (0..strata.height() as IdxSize).collect::<Vec<_>>(),
        ),
    ])?;
    let mut fitted_by_metric: Vec<Vec<Stratum>> = Vec::new();
    let mut pooled_s_total = 0.0;
    for (m, _) in &metrics {
        let (c, cd, e2) = (
            ints(&format!("c_{m}"))?,
            ints(&format!("cd_{m}"))?,
            ints(&format!("e2_{m}"))?,
        );
        let per: Vec<Sums> = (0..strata.height())
            .map(|i| Sums {
                persons: persons_b[i],
                days: days_b[i],
                days2: days2_b[i],
                cents: c[i],
                cents_days: cd[i],
                eur2: e2[i],
            })
            .collect();
        let pooled = per
            .iter()
            .fold(Sums::default(), |a, b| a + *b)
            .stratum(DAYS_PER_YEAR);
        if m == "total" {
            pooled_s_total = pooled.map_or(0.0, |p| p.s2.sqrt());
        }
        let fitted: Vec<Stratum> = per
            .iter()
            .map(|s| {
                let own = s
                    .stratum(DAYS_PER_YEAR)
                    .unwrap_or(Stratum { rate: 0.0, s2: 0.0 });
                match pooled {
                    Some(p) if s.persons < MIN_STRATUM_PERSONS => Stratum { s2: p.s2, ..own },
                    _ => own,
                }
            })
            .collect();
        fitted_by_metric.push(fitted);
    }
    laps.lap("strata");

    // 4. Per person: expected (1/10,000 euro) and variance (euro²) as integers.
    let t = days_f() / lit(DAYS_PER_YEAR);
    let fixed = |e: Expr, scale: f64| {
        (e * lit(scale))
            .round(0, RoundMode::HalfAwayFromZero)
            .cast(DataType::Int64)
            .fill_null(lit(0i64))
    };
    let of_stratum =
        |values: Vec<f64>| lit(Series::new("".into(), values)).gather(col("__stratum"), false);
    let mut add = Vec::new();
    for ((m, _), fitted) in metrics.iter().zip(&fitted_by_metric) {
        let rate = of_stratum(fitted.iter().map(|s| s.rate).collect());
        let s2 = of_stratum(fitted.iter().map(|s| s.s2).collect());
        add.push(fixed(t.clone() * rate, EXP_SCALE).alias(format!("__e_{m}").as_str()));
        add.push(fixed(t.clone() * s2, 1.0).alias(format!("__v_{m}").as_str()));
    }
    let per_person = flagged
        .lazy()
        .join(
            stratum_of.lazy(),
            [col("band"), col("sex")],
            [col("band"), col("sex")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns(add)
        .collect()?;
    laps.lap("per person");

    // 5. Sums per area of every level, placed on the raw table's rows.
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
    // Summed per pc5 once, then rolled up: every sum is an integer, so a level's sums over its
    // pc5s are exactly its sums over its persons, at a fraction of the work.
    let by_pc5 = pc5_sums(&per_person, &metrics)?;
    for level in Level::ALL {
        let key = match level.code_column() {
            Some(c) => col(c),
            None => lit(TOTAL_CODE),
        };
        let (keys, cols) = rolled_up(&by_pc5, key, &metrics)?;
        let row_of: std::collections::HashMap<&str, usize> = keys
            .iter()
            .enumerate()
            .filter_map(|(i, k)| k.as_deref().map(|k| (k, i)))
            .collect();
        for i in 0..raw.height() {
            if levels[i].as_deref() != Some(level.as_str()) {
                continue;
            }
            let Some(&j) = codes[i].as_deref().and_then(|c| row_of.get(c)) else {
                continue;
            };
            for (k, (o, e, v, n)) in cols.iter().enumerate() {
                let a = &mut areas[k].1;
                a.observed[i] = o[j].unwrap_or(0.0) / 100.0;
                a.expected[i] = e[j].unwrap_or(0.0) / EXP_SCALE;
                a.variance[i] = v[j].unwrap_or(0.0);
                a.capped_persons[i] = n[j].unwrap_or(0.0);
            }
        }
    }
    laps.lap("per area");
    // 6. The total cost per GP practice (SPEC 3.7), in the same pass's per-person figures.
    let mut practices = std::collections::BTreeMap::new();
    if has_practice {
        let total: Vec<(String, String)> = metrics
            .iter()
            .filter(|(m, _)| m == "total")
            .cloned()
            .collect();
        let (keys, cols) = sums_by(&per_person, col(crate::columns::PRACTICE), &total)?;
        let (o, e, v, k) = &cols[0];
        for (i, key) in keys.into_iter().enumerate() {
            if let Some(key) = key {
                practices.insert(
                    key,
                    GroupSums {
                        observed: o[i].unwrap_or(0.0) / 100.0,
                        expected: e[i].unwrap_or(0.0) / EXP_SCALE,
                        variance: v[i].unwrap_or(0.0),
                        capped_persons: k[i].unwrap_or(0.0),
                    },
                );
            }
        }
    }
    Ok(Basis {
        capped,
        caps,
        kappa_total,
        pooled_s_total,
        areas,
        practices,
    })
}

/// Observed (flag) cents, expected, variance and capped persons per metric. Every value is
/// an integer sum, so the result is the same in every run.
type MetricSums = (
    Vec<Option<f64>>,
    Vec<Option<f64>>,
    Vec<Option<f64>>,
    Vec<Option<f64>>,
);

/// The per-person sums of every metric (`o_`, `e_`, `v_`, `k_`), as Int64.
fn person_sum_aggs(metrics: &[(String, String)]) -> Vec<Expr> {
    let mut aggs = Vec::new();
    for (m, c) in metrics {
        aggs.push(
            col(fl(m).as_str())
                .sum()
                .cast(DataType::Int64)
                .alias(format!("o_{m}").as_str()),
        );
        aggs.push(
            col(format!("__e_{m}").as_str())
                .sum()
                .alias(format!("e_{m}").as_str()),
        );
        aggs.push(
            col(format!("__v_{m}").as_str())
                .sum()
                .alias(format!("v_{m}").as_str()),
        );
        aggs.push(
            col(c.as_str())
                .neq(col(fl(m).as_str()))
                .cast(DataType::Int64)
                .sum()
                .alias(format!("k_{m}").as_str()),
        );
    }
    aggs
}

/// The per-person sums per pc5 (with the pc5's area codes, so every level rolls up from it).
fn pc5_sums(per_person: &DataFrame, metrics: &[(String, String)]) -> PolarsResult<DataFrame> {
    let keys: Vec<Expr> = Level::ALL
        .iter()
        .filter_map(|l| l.code_column())
        .map(col)
        .collect();
    per_person
        .clone()
        .lazy()
        .group_by(keys)
        .agg(person_sum_aggs(metrics))
        .collect()
}

/// `pc5_sums` summed per value of `key` (a level's code column, or the total's literal).
fn rolled_up(
    by_pc5: &DataFrame,
    key: Expr,
    metrics: &[(String, String)],
) -> PolarsResult<(Vec<Option<String>>, Vec<MetricSums>)> {
    let mut aggs = Vec::new();
    for (m, _) in metrics {
        for p in ["o", "e", "v", "k"] {
            let c = format!("{p}_{m}");
            aggs.push(col(c.as_str()).sum().alias(c.as_str()));
        }
    }
    let sums = by_pc5
        .clone()
        .lazy()
        .group_by([key.alias("__code")])
        .agg(aggs)
        .collect()?;
    metric_sums(&sums, metrics)
}

/// Per value of `key` (the practice key): the keys and, per metric, its sums over the persons.
fn sums_by(
    per_person: &DataFrame,
    key: Expr,
    metrics: &[(String, String)],
) -> PolarsResult<(Vec<Option<String>>, Vec<MetricSums>)> {
    let sums = per_person
        .clone()
        .lazy()
        .group_by([key.alias("__code")])
        .agg(person_sum_aggs(metrics))
        .collect()?;
    metric_sums(&sums, metrics)
}

fn metric_sums(
    sums: &DataFrame,
    metrics: &[(String, String)],
) -> PolarsResult<(Vec<Option<String>>, Vec<MetricSums>)> {
    let keys = crate::frame::strings(sums, "__code")?;
    let mut cols = Vec::new();
    for (m, _) in metrics {
        cols.push((
            crate::frame::floats(sums, &format!("o_{m}"))?,
            crate::frame::floats(sums, &format!("e_{m}"))?,
            crate::frame::floats(sums, &format!("v_{m}"))?,
            crate::frame::floats(sums, &format!("k_{m}"))?,
        ));
    }
    Ok((keys, cols))
}

#[cfg(test)]
mod tests {
    use crate::columns::ct_col;
    use crate::domain::{CARE_TYPES, TOTAL_CODE};
    use crate::stages::outliers::basis::basis_with;
    use crate::stages::outliers::persons::CODE_LEVELS;
    use polars::prelude::*;

    /// A random person frame with what real extracts hold at the edges: persons outside the
    /// areas or without insured days, unknown ages, thin strata, ties, negative net cost,
    /// a pc5 without a buurt code, persons without a practice key.
    fn random_persons(seed: u64, n: usize) -> DataFrame {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
        let pc5s: Vec<String> = (0..37)
            .map(|i| format!("{:04}{}", 7500 + i / 3, ["A", "B", "C"][i % 3]))
            .collect();
        let mut cols: Vec<Column> = Vec::new();
        let pick: Vec<usize> = (0..n).map(|_| rng.gen_range(0..pc5s.len())).collect();
        let buurt = |i: usize| (i % 11 != 5).then(|| format!("BU0153{:04}", i / 2));
        cols.push(Column::new(
            "pc5".into(),
            pick.iter().map(|&i| pc5s[i].clone()).collect::<Vec<_>>(),
        ));
        cols.push(Column::new(
            "buurt_code".into(),
            pick.iter().map(|&i| buurt(i)).collect::<Vec<_>>(),
        ));
        cols.push(Column::new(
            "wijk_code".into(),
            pick.iter()
                .map(|&i| format!("WK0153{:02}", i / 6))
                .collect::<Vec<_>>(),
        ));
        cols.push(Column::new(
            "gemeente_code".into(),
            pick.iter()
                .map(|&i| format!("GM01{:02}", i / 20))
                .collect::<Vec<_>>(),
        ));
        let ages: Vec<Option<i64>> = (0..n)
            .map(|_| {
                (rng.gen_range(0..50) != 0).then(|| {
                    if rng.gen_bool(0.05) {
                        90
                    } else {
                        rng.gen_range(0..80)
                    }
                })
            })
            .collect();
        cols.push(Column::new("age".into(), ages));
        cols.push(Column::new(
            "sex".into(),
            (0..n)
                .map(|_| if rng.gen_bool(0.5) { "M" } else { "V" })
                .collect::<Vec<_>>(),
        ));
        let days: Vec<Option<i64>> = (0..n)
            .map(|_| match rng.gen_range(0..40) {
                0 => None,
                1 => Some(0),
                2..=9 => Some(rng.gen_range(1..92)),
                _ => Some(92),
            })
            .collect();
        cols.push(Column::new("insured_days".into(), days));
        cols.push(Column::new(
            "in_areas".into(),
            (0..n)
                .map(|_| rng.gen_range(0..30) != 0)
                .collect::<Vec<_>>(),
        ));
        let mut total = vec![0i64; n];
        for ct in CARE_TYPES {
            let share = rng.gen_range(0.0..0.6);
            let v: Vec<i64> = (0..n)
                .map(|_| {
                    if !rng.gen_bool(share) {
                        return 0;
                    }
                    match rng.gen_range(0..100) {
                        0 => -rng.gen_range(1..5_000),
                        1..=3 => rng.gen_range(100_000..5_000_000),
                        4..=20 => 12_345,
                        _ => rng.gen_range(1..40_000),
                    }
                })
                .collect();
            for (t, c) in total.iter_mut().zip(&v) {
                *t += c;
            }
            cols.push(Column::new(ct_col(ct).into(), v));
        }
        cols.push(Column::new("zvw_cents".into(), total));
        cols.push(Column::new(
            crate::columns::PRACTICE.into(),
            (0..n)
                .map(|_| (rng.gen_range(0..25) != 0).then(|| format!("P{}", rng.gen_range(0..40))))
                .collect::<Vec<_>>(),
        ));
        DataFrame::new_infer_height(cols).unwrap()
    }

    fn raw_of(persons: &DataFrame) -> DataFrame {
        let (mut levels, mut codes): (Vec<&str>, Vec<Option<String>>) = (Vec::new(), Vec::new());
        for level in CODE_LEVELS {
            let name = level.code_column().unwrap();
            let mut seen: Vec<Option<String>> = crate::frame::strings(persons, name).unwrap();
            seen.sort();
            seen.dedup();
            seen.push(Some("NOT_THERE".into()));
            for c in seen {
                levels.push(level.as_str());
                codes.push(c);
            }
        }
        levels.push("total");
        codes.push(Some(TOTAL_CODE.into()));
        df!("level" => levels, "area_code" => codes).unwrap()
    }

    /// The plain loops give exactly — to the last bit — what the polars plan they replaced
    /// gives, capped and not, with and without the practice sums.
    #[test]
    fn plain_loops_equal_the_polars_plan() {
        for seed in 0..12u64 {
            let n = [40, 700, 5_000][seed as usize % 3];
            let persons = random_persons(seed, n);
            let raw = raw_of(&persons);
            for (capped, practices) in [(true, true), (false, false), (true, false)] {
                let new = basis_with(&persons, &raw, capped, practices).unwrap();
                let old = super::basis_with(&persons, &raw, capped, practices).unwrap();
                let at = format!("seed {seed}, n {n}, capped {capped}");
                assert_eq!(new.caps, old.caps, "{at}");
                assert_eq!(new.kappa_total.to_bits(), old.kappa_total.to_bits(), "{at}");
                assert_eq!(
                    new.pooled_s_total.to_bits(),
                    old.pooled_s_total.to_bits(),
                    "{at}"
                );
                assert_eq!(new.practices, old.practices, "{at}");
                assert_eq!(new.areas.len(), old.areas.len());
                for ((m, a), (m2, b)) in new.areas.iter().zip(&old.areas) {
                    assert_eq!(m, m2);
                    assert_eq!(a.observed, b.observed, "{at} {m}");
                    assert_eq!(a.expected, b.expected, "{at} {m}");
                    assert_eq!(a.variance, b.variance, "{at} {m}");
                    assert_eq!(a.capped_persons, b.capped_persons, "{at} {m}");
                }
                assert!(new.areas[0].1.observed.iter().any(|v| *v != 0.0), "{at}");
            }
        }
    }
}
