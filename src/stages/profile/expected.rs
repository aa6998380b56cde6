//! Indirect standardisation by age band and sex (METHODS 2) over the person frame, for the
//! profile's age/sex-expected cost (never capped).
//!
//! Reference rates come from the persons in known areas: ρ_b = cost / insured years per
//! (band, sex). Each person then carries expected cost t·ρ_b, which sums per area to E_a. The
//! outlier flags standardise their own (capped) cost with its variance in `flag_basis`.

use crate::domain::DAYS_PER_YEAR;
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

/// The person column of age/sex-expected total cost, summed per area by the profile.
pub const EXP_TOTAL: &str = "exp_total";

// The fixed-point scale of expected cost per person (1/10,000 euro, in `columns`): integer
// sums are exact and do not depend on the order a parallel group-by adds them in.
use crate::columns::EXP_SCALE;

/// Reference rate per (band, sex) of total Zvw cost, in euros per insured year, from integer
/// sums over persons in known areas, so the rates are the same in every run.
pub fn reference(persons: LazyFrame) -> LazyFrame {
    let years = col("__days").cast(DataType::Float64) / lit(DAYS_PER_YEAR);
    persons
        .filter(col("in_areas").and(col("insured_days").gt(lit(0))))
        .with_columns([band()])
        .group_by([col("band"), col("sex")])
        .agg([
            col("insured_days").sum().alias("__days"),
            col("zvw_cents").sum().alias("__cents"),
        ])
        .select([
            col("band"),
            col("sex"),
            (col("__cents").cast(DataType::Float64) / lit(100.0) / years).alias("rate_total"),
        ])
}

/// Adds expected total cost (Int64, 1/10,000 euro) to every person, so that its sums per area
/// are exact. Persons of a stratum without reference (all outside known areas) expect 0.
pub fn with_expected(persons: LazyFrame, reference: LazyFrame) -> LazyFrame {
    let iy = col("insured_days").cast(DataType::Float64) / lit(DAYS_PER_YEAR);
    persons
        .with_columns([band()])
        .join(
            reference,
            [col("band"), col("sex")],
            [col("band"), col("sex")],
            // The person frame keeps the insured file's order (the focus features rely on a
            // fixed order for float sums); polars keeps a left join's order only when asked.
            JoinArgs {
                maintain_order: MaintainOrderJoin::Left,
                ..JoinArgs::new(JoinType::Left)
            },
        )
        .with_columns([(iy * col("rate_total") * lit(EXP_SCALE))
            .round(0, RoundMode::HalfAwayFromZero)
            .cast(DataType::Int64)
            .fill_null(lit(0i64))
            .alias(EXP_TOTAL)])
        .drop(by_name(["rate_total"], true, false))
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
    fn reference_rate_by_hand_over_known_areas() {
        // Two women of 70 in known areas: one full year with € 1,000, one half year with
        // € 100; a third in an unknown pc5 does not count. ρ = 1100 / 1.4986 years.
        let persons = df!(
            "age" => [70i64, 70, 70],
            "sex" => ["V", "V", "V"],
            "insured_days" => [365i64, 182, 365],
            "zvw_cents" => [100_000i64, 10_000, 9_999_999],
            "in_areas" => [true, true, false],
        )
        .unwrap();
        let r = reference(persons.clone().lazy()).collect().unwrap();
        let rate = r
            .column("rate_total")
            .unwrap()
            .f64()
            .unwrap()
            .get(0)
            .unwrap();
        let years: f64 = 1.0 + 182.0 / 365.0;
        assert!((rate - 1100.0 / years).abs() < 1e-9, "{rate}");
        let e = with_expected(persons.lazy(), r.lazy()).collect().unwrap();
        let exp: Vec<i64> = e
            .column(EXP_TOTAL)
            .unwrap()
            .i64()
            .unwrap()
            .iter()
            .map(|v| v.unwrap())
            .collect();
        assert_eq!(exp[0], (rate * EXP_SCALE).round() as i64);
        assert_eq!(exp[1], (182.0 / 365.0 * rate * EXP_SCALE).round() as i64);
    }

    #[test]
    fn expected_keeps_the_person_order() {
        // Interleaved strata over many rows (the join's parallel chunks): the persons come
        // back in their own order, which the focus features' float sums depend on.
        let n = 50_000usize;
        let ids: Vec<String> = (0..n).map(|i| format!("P{:06}", (i * 7919) % n)).collect();
        let persons = df!(
            "person_id" => ids.clone(),
            "age" => (0..n).map(|i| ((i * 37) % 100) as i64).collect::<Vec<_>>(),
            "sex" => (0..n).map(|i| if i % 3 == 0 { "M" } else { "V" }).collect::<Vec<_>>(),
            "insured_days" => vec![92i64; n],
            "zvw_cents" => (0..n).map(|i| (i % 1000) as i64).collect::<Vec<_>>(),
            "in_areas" => vec![true; n],
        )
        .unwrap();
        let r = reference(persons.clone().lazy()).collect().unwrap();
        let e = with_expected(persons.lazy(), r.lazy()).collect().unwrap();
        let got: Vec<&str> = e
            .column("person_id")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|v| v.unwrap())
            .collect();
        assert_eq!(got, ids.iter().map(String::as_str).collect::<Vec<_>>());
    }
}
