//! Person-level features for focus groups (SPEC 3.5), built once from the person frame.
//! These rows never leave the program; segments and the tree only publish aggregates.

use crate::domain::{CARE_TYPES, DAYS_PER_YEAR, PROVISION_TYPES};
use crate::stages::expected::{band, BAND_LABELS};
use crate::stages::profile::{ct_col, safe_div};
use polars::prelude::*;

pub fn wmo_type_col(t: &str) -> String {
    format!("wmo_{t}")
}

/// The names an analyst can use in a segment filter.
pub fn feature_names() -> Vec<String> {
    let mut f: Vec<String> = [
        "age", "age_band", "sex", "household", "education", "social_minimum", "pc5", "buurt_code",
        "wijk_code", "gemeente_code", "insured_years", "zvw_cost", "cost_per_year", "care_forms",
        "zvw_care_forms", "wmo_types", "wmo", "high_cost",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    f.extend(CARE_TYPES.iter().map(|ct| format!("zvw_{ct}")));
    f.extend(PROVISION_TYPES.iter().map(|t| wmo_type_col(t)));
    f
}

/// Age band label of an `age` column (`0-4` … `85+`).
fn band_label() -> Expr {
    BAND_LABELS
        .iter()
        .enumerate()
        .rev()
        .fold(lit(NULL).cast(DataType::String), |rest, (i, label)| {
            when(col("band").eq(lit(i as i32))).then(lit(*label)).otherwise(rest)
        })
        .alias("age_band")
}

/// Features per insured person living in a known area, plus `person_id` for joins.
pub fn features(persons: LazyFrame) -> LazyFrame {
    let eur = |c: &str| col(c).cast(DataType::Float64) / lit(100.0);
    let mut cols = vec![
        col("person_id"),
        col("age"),
        band_label(),
        col("sex"),
        col("household"),
        col("education"),
        col("social_minimum"),
        col("pc5"),
        col("buurt_code"),
        col("wijk_code"),
        col("gemeente_code"),
        (col("insured_days").cast(DataType::Float64) / lit(DAYS_PER_YEAR)).alias("insured_years"),
        eur("zvw_cents").alias("zvw_cost"),
        safe_div(eur("zvw_cents"), col("insured_days").cast(DataType::Float64) / lit(DAYS_PER_YEAR))
            .alias("cost_per_year"),
        col("care_forms"),
        col("zvw_forms").alias("zvw_care_forms"),
        col("wmo_types"),
        col("wmo_types").gt(lit(0i64)).alias("wmo"),
        col("high_cost"),
    ];
    cols.extend(CARE_TYPES.iter().map(|ct| eur(&ct_col(ct)).alias(format!("zvw_{ct}").as_str())));
    cols.extend(PROVISION_TYPES.iter().map(|t| col(wmo_type_col(t).as_str())));
    persons.filter(col("in_areas")).with_columns([band()]).select(cols)
}
