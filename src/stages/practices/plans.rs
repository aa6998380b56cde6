//! The practice key on the person frame and the query plans over it: the raw sums per
//! practice, persons × area of a level, insured days per pc5, and the norm attributed from
//! where the persons live.

use crate::columns::PRACTICE;
use crate::domain::{Level, DAYS_PER_YEAR};
use crate::frame::strings;
use polars::prelude::*;
use std::collections::HashMap;

/// Practice key of persons registered with an id the `gp_practices` list does not hold.
pub const UNKNOWN: &str = "ONBEKEND";
/// Practice key of persons registered with no practice.
pub const NOT_REGISTERED: &str = "NIET_INGESCHREVEN";

/// Adds the practice key (`columns::PRACTICE`) to the person frame; `listed` holds the ids of
/// the `gp_practices` list when there is one.
pub fn with_practice(persons: LazyFrame, listed: Option<&[String]>) -> LazyFrame {
    // A blank id is no registration either.
    let id = col("gp_practice_id");
    let blank = id
        .clone()
        .str()
        .strip_chars(lit(NULL))
        .str()
        .len_bytes()
        .eq(lit(0u32));
    let id = when(blank)
        .then(lit(NULL).cast(DataType::String))
        .otherwise(id);
    let key = match listed {
        None => when(id.clone().is_null())
            .then(lit(NOT_REGISTERED))
            .otherwise(id),
        Some(ids) => {
            let known = lit(Series::new("".into(), ids.to_vec())).implode(false);
            when(id.clone().is_null())
                .then(lit(NOT_REGISTERED))
                .when(id.clone().is_in(known, false).not())
                .then(lit(UNKNOWN))
                .otherwise(id)
        }
    };
    persons.with_columns([key.alias(PRACTICE)])
}

/// Plan: the raw sums per practice key over persons in known areas (the area profile's person
/// sums, the patients with Wmo and the attributed norm).
pub fn raw_plan(persons: LazyFrame) -> LazyFrame {
    // The area rows' own sums, and the patients with Wmo, in one pass.
    let mut aggs = crate::stages::profile::levels::person_agg_exprs();
    aggs.push(
        col("wmo_types")
            .gt(lit(0i64))
            .cast(DataType::Int64)
            .sum()
            .alias("wmo_clients"),
    );
    persons
        .filter(col("in_areas"))
        .group_by([col(PRACTICE).alias("practice_id")])
        .agg(aggs)
}

/// Fixed-point scale of attributed norms (1/10,000 euro).
pub(super) const NORM_SCALE: f64 = 1e4;

/// The norm per insured year of each pc5 of `norm_costs` (SPEC 3.1: cost / insured years).
pub(super) fn norm_rates(norm: LazyFrame) -> PolarsResult<HashMap<String, f64>> {
    let df = norm
        .select([col("pc5"), col("norm_cost_eur"), col("insured_years")])
        .collect()?;
    let pc5 = strings(&df, "pc5")?;
    let (cost, years) = (
        crate::frame::floats(&df, "norm_cost_eur")?,
        crate::frame::floats(&df, "insured_years")?,
    );
    Ok((0..df.height())
        .filter_map(|i| match (&pc5[i], cost[i], years[i]) {
            (Some(p), Some(c), Some(y)) if y > 0.0 => Some((p.clone(), c / y)),
            _ => None,
        })
        .collect())
}

/// The norm attributed to groups of persons (SPEC 3.7): per group, Σ over its pc5s of the pc5's
/// norm per insured year × the group's insured years there, in 1/10,000 euro, and the insured
/// days it covers (persons in a pc5 without norm have none). `days` holds the group key columns,
/// `pc5` and `days`. Computed here rather than in a query, so that every run gives the same last
/// digit (polars may divide by a literal as a multiplication by its reciprocal).
pub(super) fn attributed(
    days: &DataFrame,
    keys: &[&str],
    rates: &HashMap<String, f64>,
) -> PolarsResult<Attributed> {
    let key_cols: Vec<Vec<Option<String>>> = keys
        .iter()
        .map(|k| strings(days, k))
        .collect::<PolarsResult<_>>()?;
    let pc5 = strings(days, "pc5")?;
    let d = crate::frame::counts(days, "days")?;
    let mut out: Attributed = HashMap::new();
    for i in 0..days.height() {
        let Some(rate) = pc5[i].as_ref().and_then(|p| rates.get(p)) else {
            continue;
        };
        let key: Vec<Option<String>> = key_cols.iter().map(|c| c[i].clone()).collect();
        let e = out.entry(key).or_insert((0, 0));
        e.0 += (rate * d[i] as f64 / DAYS_PER_YEAR * NORM_SCALE).round() as i64;
        e.1 += d[i];
    }
    Ok(out)
}

/// Per group key: (attributed norm in 1/10,000 euro, insured days covered).
pub(super) type Attributed = HashMap<Vec<Option<String>>, (i64, i64)>;

/// Plan: insured days per group of `keys` × pc5 over persons in known areas.
pub(super) fn days_plan(persons: LazyFrame, keys: Vec<Expr>) -> LazyFrame {
    let mut by = keys;
    by.push(col("pc5"));
    persons
        .filter(col("in_areas"))
        .group_by(by)
        .agg([col("insured_days")
            .sum()
            .cast(DataType::Int64)
            .alias("days")])
}

/// Plan: persons, insured days and cents per practice key × area of `level`.
pub fn cross_plan(persons: LazyFrame, level: Level) -> LazyFrame {
    let code = level.code_column().unwrap_or("gemeente_code");
    persons
        .filter(col("in_areas"))
        .group_by([col(PRACTICE), col(code).alias("area_code")])
        .agg([
            len().cast(DataType::Int64).alias("persons"),
            col("insured_days")
                .sum()
                .cast(DataType::Int64)
                .alias("days"),
            col("zvw_cents").sum().cast(DataType::Int64).alias("cents"),
        ])
        .sort([PRACTICE, "area_code"], SortMultipleOptions::default())
}
