//! Conservation (SPEC 3.2): every euro of the input ends in exactly one bucket, and the
//! areas' totals at every level equal the area bucket to the cent. A ledger that does not
//! balance is a hard failure: it means money was lost or created.

use crate::domain::Level;
use crate::error::{Error, Result};
use polars::prelude::*;
use serde::Serialize;

/// Euros from cents, as text with exactly two decimals (no float rounding in the manifest).
pub fn eur_text(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let a = cents.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Bucket {
    pub bucket: String,
    /// Claim lines or provisions in the bucket.
    pub rows: i64,
    pub cents: i64,
    pub eur: String,
}

impl Bucket {
    pub fn new(bucket: &str, rows: i64, cents: i64) -> Bucket {
        Bucket {
            bucket: bucket.to_string(),
            rows,
            cents,
            eur: eur_text(cents),
        }
    }
}

/// The reconciliation of one source (Zvw claims or Wmo provisions).
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Ledger {
    pub source: String,
    /// Total of the input file, summed independently of the buckets.
    pub input: Bucket,
    /// In the order of SPEC 3.2; the last one is `areas`.
    pub buckets: Vec<Bucket>,
    /// Sum over the areas of each level, before suppression.
    pub levels: Vec<Bucket>,
    pub balanced: bool,
}

impl Ledger {
    pub fn new(source: &str, input: Bucket, buckets: Vec<Bucket>, levels: Vec<Bucket>) -> Ledger {
        let sum: i64 = buckets.iter().map(|b| b.cents).sum();
        let rows: i64 = buckets.iter().map(|b| b.rows).sum();
        let areas = buckets.last().map(|b| b.cents).unwrap_or(0);
        let balanced =
            sum == input.cents && rows == input.rows && levels.iter().all(|l| l.cents == areas);
        Ledger {
            source: source.to_string(),
            input,
            buckets,
            levels,
            balanced,
        }
    }

    /// Fails loudly, naming every difference, when the ledger does not balance.
    pub fn check(&self) -> Result<()> {
        if self.balanced {
            return Ok(());
        }
        let sum: i64 = self.buckets.iter().map(|b| b.cents).sum();
        let rows: i64 = self.buckets.iter().map(|b| b.rows).sum();
        let areas = self.buckets.last().map(|b| b.cents).unwrap_or(0);
        let mut msg = format!(
            "{}: input € {} in {} rows, buckets € {} in {} rows (difference € {})",
            self.source,
            self.input.eur,
            self.input.rows,
            eur_text(sum),
            rows,
            eur_text(self.input.cents - sum)
        );
        for l in self.levels.iter().filter(|l| l.cents != areas) {
            msg.push_str(&format!(
                "; level {} sums to € {} but the area bucket holds € {}",
                l.bucket,
                l.eur,
                eur_text(areas)
            ));
        }
        Err(Error::Reconciliation(msg))
    }
}

/// `filter(mask).sum()` of an integer column, as a named scalar.
fn sum_where(c: &str, mask: Expr, name: &str) -> Expr {
    col(c).filter(mask).sum().cast(DataType::Int64).alias(name)
}

fn scalar(df: &DataFrame, name: &str) -> PolarsResult<i64> {
    let v = df.column(name)?.cast(&DataType::Int64)?;
    Ok(v.i64()?.get(0).unwrap_or(0))
}

/// Column of the person frame, while the Zvw buckets are placed: the person's claim lines in
/// the period, null for an insured person without claim lines (dropped after).
pub const PLACED_LINES: &str = "in_lines";

/// The Zvw buckets in the order of SPEC 3.2 and the persons behind the unassigned bucket,
/// from the per-person claim sums and the person frame they were joined onto (its
/// `PLACED_LINES`, `zvw_cents` and `in_areas`): the join the person frame makes anyway places
/// each claim person, so this is a pass over its columns, not a second join. A claim person
/// found in no person row is unassigned (the insured's ids are unique: validated).
pub fn zvw_buckets_placed(
    claims_person: &DataFrame,
    persons: &DataFrame,
) -> PolarsResult<(Vec<Bucket>, i64)> {
    let total = |df: &DataFrame, c: &str| -> PolarsResult<i64> {
        Ok(df
            .column(c)?
            .cast(&DataType::Int64)?
            .i64()?
            .sum()
            .unwrap_or(0))
    };
    let lines = persons.column(PLACED_LINES)?.cast(&DataType::Int64)?;
    let cents = persons.column("zvw_cents")?.cast(&DataType::Int64)?;
    let known = persons.column("in_areas")?;
    let (mut placed, mut areas, mut onbekend) = (0i64, (0i64, 0i64), (0i64, 0i64));
    for ((l, c), k) in lines
        .i64()?
        .iter()
        .zip(cents.i64()?.iter())
        .zip(known.bool()?.iter())
    {
        let Some(l) = l else { continue };
        placed += 1;
        let bucket = if k == Some(true) {
            &mut areas
        } else {
            &mut onbekend
        };
        bucket.0 += l;
        bucket.1 += c.unwrap_or(0);
    }
    let unassigned = (
        total(claims_person, "in_lines")? - areas.0 - onbekend.0,
        total(claims_person, "in_cents")? - areas.1 - onbekend.1,
    );
    Ok((
        vec![
            Bucket::new(
                "excluded_duplicates",
                total(claims_person, "dup_lines")?,
                total(claims_person, "dup_cents")?,
            ),
            Bucket::new(
                "excluded_outside_period",
                total(claims_person, "out_lines")?,
                total(claims_person, "out_cents")?,
            ),
            Bucket::new("unassigned", unassigned.0, unassigned.1),
            Bucket::new("onbekend_gebied", onbekend.0, onbekend.1),
            Bucket::new("areas", areas.0, areas.1),
        ],
        claims_person.height() as i64 - placed,
    ))
}

/// Plan of the Zvw bucket sums (one row): the per-person claim sums placed against `insured`
/// (person ids) and `areas` (pc5s), in the buckets of SPEC 3.2. The tests' oracle for
/// `zvw_buckets_placed`, which the run uses.
#[cfg(test)]
pub fn zvw_bucket_plan(
    claims_person: LazyFrame,
    insured: LazyFrame,
    areas: LazyFrame,
) -> LazyFrame {
    let insured_keys = insured.select([col("person_id"), col("pc5"), lit(true).alias("insured")]);
    let area_keys = areas.select([col("pc5"), lit(true).alias("in_areas")]);
    let placed = claims_person
        .left_join(insured_keys, col("person_id"), col("person_id"))
        .left_join(area_keys, col("pc5"), col("pc5"))
        .with_columns([
            col("insured").fill_null(lit(false)),
            col("in_areas").fill_null(lit(false)),
        ]);
    let ins = col("insured");
    let known = col("in_areas");
    placed.select([
        col("dup_cents").sum().alias("dup_cents"),
        col("dup_lines").sum().alias("dup_lines"),
        col("out_cents").sum().alias("out_cents"),
        col("out_lines").sum().alias("out_lines"),
        sum_where("in_cents", ins.clone().not(), "unassigned_cents"),
        sum_where("in_lines", ins.clone().not(), "unassigned_lines"),
        sum_where(
            "in_cents",
            ins.clone().and(known.clone().not()),
            "onbekend_cents",
        ),
        sum_where(
            "in_lines",
            ins.clone().and(known.clone().not()),
            "onbekend_lines",
        ),
        sum_where("in_cents", ins.clone().and(known.clone()), "areas_cents"),
        sum_where("in_lines", ins.clone().and(known), "areas_lines"),
        col("person_id")
            .filter(ins.not())
            .n_unique()
            .cast(DataType::Int64)
            .alias("unassigned_persons"),
    ])
}

/// The Zvw buckets in the order of SPEC 3.2, from `zvw_bucket_plan`'s row, and the persons
/// behind the unassigned bucket.
#[cfg(test)]
pub fn zvw_buckets(sums: &DataFrame) -> PolarsResult<(Vec<Bucket>, i64)> {
    let g = |n: &str| scalar(sums, n);
    Ok((
        vec![
            Bucket::new("excluded_duplicates", g("dup_lines")?, g("dup_cents")?),
            Bucket::new("excluded_outside_period", g("out_lines")?, g("out_cents")?),
            Bucket::new("unassigned", g("unassigned_lines")?, g("unassigned_cents")?),
            Bucket::new(
                "onbekend_gebied",
                g("onbekend_lines")?,
                g("onbekend_cents")?,
            ),
            Bucket::new("areas", g("areas_lines")?, g("areas_cents")?),
        ],
        g("unassigned_persons")?,
    ))
}

/// Plan of the Wmo input total and bucket sums (one row), from `profile::wmo_lines`.
pub fn wmo_bucket_plan(wmo_lines: LazyFrame) -> LazyFrame {
    let counts = col("counts");
    let known = col("in_areas").fill_null(lit(false));
    let rows = |mask: Expr, name: &str| mask.cast(DataType::Int64).sum().alias(name);
    wmo_lines.select([
        col("cents").sum().alias("input_cents"),
        len().cast(DataType::Int64).alias("input_rows"),
        sum_where("cents", counts.clone().not(), "out_cents"),
        rows(counts.clone().not(), "out_rows"),
        sum_where(
            "cents",
            counts.clone().and(known.clone().not()),
            "onbekend_cents",
        ),
        rows(counts.clone().and(known.clone().not()), "onbekend_rows"),
        sum_where("cents", counts.clone().and(known.clone()), "areas_cents"),
        rows(counts.and(known), "areas_rows"),
    ])
}

/// The Wmo input total and buckets (SPEC 3.2), from `wmo_bucket_plan`'s row.
pub fn wmo_buckets(sums: &DataFrame) -> PolarsResult<(Bucket, Vec<Bucket>)> {
    let g = |n: &str| scalar(sums, n);
    Ok((
        Bucket::new("input", g("input_rows")?, g("input_cents")?),
        vec![
            Bucket::new("excluded_outside_period", g("out_rows")?, g("out_cents")?),
            Bucket::new("onbekend_gebied", g("onbekend_rows")?, g("onbekend_cents")?),
            Bucket::new("areas", g("areas_rows")?, g("areas_cents")?),
        ],
    ))
}

/// The sum of a cents column over the areas of each level of the (small) raw level table,
/// in publication order: every level must add up to the area bucket.
pub fn level_buckets(raw: &DataFrame, value: &str) -> PolarsResult<Vec<Bucket>> {
    let levels = crate::frame::strings(raw, "level")?;
    let cents = raw.column(value)?.cast(&DataType::Int64)?;
    let cents = cents.i64()?;
    Ok(Level::ALL
        .iter()
        .map(|level| {
            let sum: i64 = levels
                .iter()
                .zip(cents.iter())
                .filter(|(l, _)| l.as_deref() == Some(level.as_str()))
                .map(|(_, c)| c.unwrap_or(0))
                .sum();
            Bucket::new(level.as_str(), 0, sum)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three persons' claim sums: p1 insured in a known pc5, p2 insured in a pc5 missing from
    /// `areas`, p3 not insured. Each bucket gets exactly its person's cents and lines.
    #[test]
    fn zvw_buckets_place_each_person_once() {
        let claims = df! {
            "person_id" => ["p1", "p2", "p3"],
            "dup_cents" => [100i64, 0, 0],
            "dup_lines" => [1i64, 0, 0],
            "out_cents" => [0i64, 250, 0],
            "out_lines" => [0i64, 1, 0],
            "in_cents" => [1_000i64, 2_000, 4_000],
            "in_lines" => [2i64, 3, 4],
        }
        .unwrap();
        let insured = df! {"person_id" => ["p1", "p2"], "pc5" => ["7511A", "9999Z"]}.unwrap();
        let areas = df! {"pc5" => ["7511A"]}.unwrap();
        let sums = zvw_bucket_plan(claims.lazy(), insured.lazy(), areas.lazy())
            .collect()
            .unwrap();
        let (buckets, unassigned_persons) = zvw_buckets(&sums).unwrap();
        let got: Vec<(&str, i64, i64)> = buckets
            .iter()
            .map(|b| (b.bucket.as_str(), b.rows, b.cents))
            .collect();
        assert_eq!(
            got,
            vec![
                ("excluded_duplicates", 1, 100),
                ("excluded_outside_period", 1, 250),
                ("unassigned", 4, 4_000),
                ("onbekend_gebied", 3, 2_000),
                ("areas", 2, 1_000),
            ]
        );
        assert_eq!(unassigned_persons, 1);
    }

    /// The buckets placed from the person frame equal the oracle's joins: p1 insured in a
    /// known pc5, p2 in a pc5 missing from `areas`, p3 not insured, p4 insured without claim
    /// lines, p5 insured with lines outside the period only, p6 not insured and only outside.
    #[test]
    fn buckets_placed_by_the_person_join_equal_the_joins() {
        let claims = df! {
            "person_id" => ["p1", "p2", "p3", "p5", "p6"],
            "dup_cents" => [100i64, 0, 0, 7, 0],
            "dup_lines" => [1i64, 0, 0, 1, 0],
            "out_cents" => [0i64, 250, 0, 40, 60],
            "out_lines" => [0i64, 1, 0, 2, 1],
            "in_cents" => [1_000i64, -2_000, 4_000, 0, 0],
            "in_lines" => [2i64, 3, 4, 0, 0],
        }
        .unwrap();
        let insured =
            df! {"person_id" => ["p1", "p2", "p4", "p5"], "pc5" => ["7511A", "9999Z", "7511A", "7511A"]}
                .unwrap();
        let areas = df! {"pc5" => ["7511A"]}.unwrap();
        let oracle = zvw_buckets(
            &zvw_bucket_plan(claims.clone().lazy(), insured.lazy(), areas.lazy())
                .collect()
                .unwrap(),
        )
        .unwrap();
        // The person frame as `profile::persons` leaves it: the insured's rows, the claim
        // persons' in-period lines joined on (null without claim lines).
        let persons = df! {
            "person_id" => ["p1", "p2", "p4", "p5"],
            PLACED_LINES => [Some(2i64), Some(3), None, Some(0)],
            "zvw_cents" => [1_000i64, -2_000, 0, 0],
            "in_areas" => [true, false, true, true],
        }
        .unwrap();
        let placed = zvw_buckets_placed(&claims, &persons).unwrap();
        assert_eq!(placed, oracle);
        assert_eq!(placed.1, 2);
        assert_eq!((placed.0[2].rows, placed.0[2].cents), (4, 4_000));
        assert_eq!((placed.0[3].rows, placed.0[3].cents), (3, -2_000));
    }

    /// Wmo provisions: one outside the period, one counting in an unknown pc5, two counting in
    /// known areas; the input total is summed apart from the buckets.
    #[test]
    fn wmo_buckets_split_by_period_and_area() {
        let lines = df! {
            "cents" => [500i64, 700, 1_100, 1_300],
            "counts" => [false, true, true, true],
            "in_areas" => [Some(true), None, Some(true), Some(true)],
        }
        .unwrap();
        let sums = wmo_bucket_plan(lines.lazy()).collect().unwrap();
        let (input, buckets) = wmo_buckets(&sums).unwrap();
        assert_eq!((input.rows, input.cents), (4, 3_600));
        let got: Vec<(i64, i64)> = buckets.iter().map(|b| (b.rows, b.cents)).collect();
        assert_eq!(got, vec![(1, 500), (1, 700), (2, 2_400)]);
    }

    #[test]
    fn level_buckets_sum_each_level_in_publication_order() {
        let raw = df! {
            "level" => ["pc5", "pc5", "buurt", "total"],
            "zvw_cents" => [10i64, 20, 30, 30],
        }
        .unwrap();
        let got: Vec<(String, i64)> = level_buckets(&raw, "zvw_cents")
            .unwrap()
            .into_iter()
            .map(|b| (b.bucket, b.cents))
            .collect();
        assert_eq!(
            got,
            vec![
                ("pc5".into(), 30),
                ("buurt".into(), 30),
                ("wijk".into(), 0),
                ("gemeente".into(), 0),
                ("total".into(), 30),
            ]
        );
    }

    #[test]
    fn euros_print_exactly() {
        assert_eq!(eur_text(123456), "1234.56");
        assert_eq!(eur_text(-5), "-0.05");
        assert_eq!(eur_text(0), "0.00");
    }

    #[test]
    fn a_lost_cent_fails() {
        let input = Bucket::new("input", 3, 1001);
        let ok = Ledger::new(
            "zvw",
            input.clone(),
            vec![
                Bucket::new("duplicates", 1, 1),
                Bucket::new("areas", 2, 1000),
            ],
            vec![Bucket::new("pc5", 0, 1000), Bucket::new("total", 0, 1000)],
        );
        assert!(ok.check().is_ok());
        let lost = Ledger::new(
            "zvw",
            input.clone(),
            vec![
                Bucket::new("duplicates", 1, 0),
                Bucket::new("areas", 2, 1000),
            ],
            vec![Bucket::new("pc5", 0, 1000)],
        );
        assert!(lost
            .check()
            .unwrap_err()
            .to_string()
            .contains("difference € 0.01"));
        let level_off = Ledger::new(
            "zvw",
            input,
            vec![
                Bucket::new("duplicates", 1, 1),
                Bucket::new("areas", 2, 1000),
            ],
            vec![Bucket::new("wijk", 0, 999)],
        );
        assert!(level_off
            .check()
            .unwrap_err()
            .to_string()
            .contains("level wijk"));
    }
}
