//! Indirect standardisation by age band and sex (METHODS 2) over the person frame.
//!
//! Reference rates come from the whole extract (every insured person, also those in an unknown
//! pc5): ρ_b = cost / insured years per (band, sex), and σ_b² the insured-year-weighted
//! variance of annualised cost per person. Each person then carries expected cost n·ρ_b and
//! variance n·σ_b², which sum per area to E_a and Σ n_ab σ_b² (the SE of O/E is √that / E).

use crate::domain::{CARE_TYPES, DAYS_PER_YEAR};
use crate::stages::profile::ct_col;
use polars::prelude::*;

/// Upper bounds (exclusive) of the age bands 0–4, 5–14, 15–24, 25–44, 45–64, 65–74, 75–84, 85+.
pub const BAND_UPPER: [i64; 7] = [5, 15, 25, 45, 65, 75, 85];
pub const BAND_LABELS: [&str; 8] = [
    "0-4", "5-14", "15-24", "25-44", "45-64", "65-74", "75-84", "85+",
];

/// The age band index of an `age` column.
pub fn band() -> Expr {
    BAND_UPPER
        .iter()
        .enumerate()
        .rev()
        .fold(lit(BAND_UPPER.len() as i32), |rest, (i, upper)| {
            when(col("age").lt(lit(*upper)))
                .then(lit(i as i32))
                .otherwise(rest)
        })
        .alias("band")
}

/// The metrics standardised: total Zvw cost and each care type, as (name, cents column).
pub fn metrics() -> Vec<(String, String)> {
    let mut m = vec![("total".to_string(), "zvw_cents".to_string())];
    m.extend(CARE_TYPES.iter().map(|ct| (ct.to_string(), ct_col(ct))));
    m
}

pub fn exp_col(metric: &str) -> String {
    format!("exp_{metric}")
}

pub fn var_col(metric: &str) -> String {
    format!("var_{metric}")
}

/// Fixed-point scale of expected cost per person (1/10,000 euro): integer sums are exact and
/// do not depend on the order a parallel group-by adds them in.
pub const EXP_SCALE: f64 = 1e4;

/// Reference rate and variance per (band, sex), in euros per insured year. All sums are
/// integers (cents, days, euro²), so the rates are the same in every run.
pub fn reference(persons: LazyFrame) -> LazyFrame {
    let iy = (col("insured_days").cast(DataType::Float64) / lit(DAYS_PER_YEAR)).alias("__iy");
    let mut aggs = vec![col("insured_days").sum().alias("__days")];
    for (m, c) in metrics() {
        let eur = col(c.as_str()).cast(DataType::Float64) / lit(100.0);
        aggs.push(col(c.as_str()).sum().alias(format!("__s1_{m}").as_str()));
        // Σ iy·x² with x = cost / iy is Σ cost² / iy, kept in whole euro².
        aggs.push(
            (eur.clone() * eur / col("__iy"))
                .round(0, RoundMode::HalfAwayFromZero)
                .cast(DataType::Int64)
                .sum()
                .alias(format!("__s2_{m}").as_str()),
        );
    }
    let years = col("__days").cast(DataType::Float64) / lit(DAYS_PER_YEAR);
    let mut out = vec![col("band"), col("sex"), years.clone().alias("ref_years")];
    for (m, _) in metrics() {
        let rate =
            col(format!("__s1_{m}").as_str()).cast(DataType::Float64) / lit(100.0) / years.clone();
        let var = col(format!("__s2_{m}").as_str()).cast(DataType::Float64) / years.clone()
            - rate.clone() * rate.clone();
        out.push(rate.alias(format!("rate_{m}").as_str()));
        // Rounding can leave a tiny negative; a variance is never below zero.
        out.push(
            when(var.clone().lt(lit(0.0)))
                .then(lit(0.0))
                .otherwise(var)
                .alias(format!("sigma2_{m}").as_str()),
        );
    }
    persons
        .with_columns([band(), iy])
        .filter(col("__iy").gt(lit(0.0)))
        .group_by([col("band"), col("sex")])
        .agg(aggs)
        .select(out)
}

/// Adds expected cost (Int64, 1/10,000 euro) and variance (Int64, euro²) per metric to every
/// person, as integers so that their sums per area are exact.
pub fn with_expected(persons: LazyFrame, reference: LazyFrame) -> LazyFrame {
    let iy = col("insured_days").cast(DataType::Float64) / lit(DAYS_PER_YEAR);
    let fixed = |e: Expr, scale: f64| {
        (e * lit(scale))
            .round(0, RoundMode::HalfAwayFromZero)
            .cast(DataType::Int64)
            .fill_null(lit(0i64))
    };
    let mut add = Vec::new();
    for (m, _) in metrics() {
        add.push(
            fixed(iy.clone() * col(format!("rate_{m}").as_str()), EXP_SCALE)
                .alias(exp_col(&m).as_str()),
        );
        add.push(
            fixed(iy.clone() * col(format!("sigma2_{m}").as_str()), 1.0)
                .alias(var_col(&m).as_str()),
        );
    }
    let mut drop_cols: Vec<String> = vec!["ref_years".into()];
    for (m, _) in metrics() {
        drop_cols.push(format!("rate_{m}"));
        drop_cols.push(format!("sigma2_{m}"));
    }
    persons
        .with_columns([band()])
        .join(
            reference,
            [col("band"), col("sex")],
            [col("band"), col("sex")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns(add)
        .drop(by_name(drop_cols, true, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_follow_methods() {
        let df = df!("age" => [0i64, 4, 5, 14, 15, 24, 25, 44, 45, 64, 65, 74, 75, 84, 85, 120])
            .unwrap();
        let out = df.lazy().select([band()]).collect().unwrap();
        let got: Vec<i32> = out
            .column("band")
            .unwrap()
            .i32()
            .unwrap()
            .iter()
            .map(|v| v.unwrap())
            .collect();
        assert_eq!(got, vec![0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7]);
    }

    #[test]
    fn reference_rate_and_variance_by_hand() {
        // Two women of 70: one full year with € 1,000, one half year with € 100.
        // ρ = 1100 / 1.5 = 733.33; annualised costs 1000 and 200 weighted 1 and 0.5:
        // mean 733.33, variance (1·266.67² + 0.5·533.33²)/1.5 = 142222.2.
        let mut cols = vec![
            Column::new("age".into(), [70i64, 70]),
            Column::new("sex".into(), ["V", "V"]),
            Column::new("insured_days".into(), [365i64, 182]),
            Column::new("zvw_cents".into(), [100_000i64, 10_000]),
        ];
        for ct in CARE_TYPES {
            cols.push(Column::new(ct_col(ct).into(), [0i64, 0]));
        }
        let persons = DataFrame::new_infer_height(cols).unwrap();
        let r = reference(persons.lazy()).collect().unwrap();
        let rate = r
            .column("rate_total")
            .unwrap()
            .f64()
            .unwrap()
            .get(0)
            .unwrap();
        let var = r
            .column("sigma2_total")
            .unwrap()
            .f64()
            .unwrap()
            .get(0)
            .unwrap();
        let years: f64 = 1.0 + 182.0 / 365.0;
        let want_rate: f64 = 1100.0 / years;
        let want_var = ((1000.0 - want_rate).powi(2)
            + (182.0 / 365.0) * (100.0 / (182.0 / 365.0) - want_rate).powi(2))
            / years;
        assert!((rate - want_rate).abs() < 1e-9, "{rate} vs {want_rate}");
        // Σ cost²/iy is kept in whole euro², so the variance is exact to about 1 euro² / years.
        assert!((var - want_var).abs() < 1.0, "{var} vs {want_var}");
    }
}
