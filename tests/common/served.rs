//! What the tests of `wijkscan serve` (route tests and the browser test) look up in a
//! finished sample run: its largest wijk and, from the private cache, an age held by a few
//! persons there (to build a differencing pair).

use polars::prelude::*;
use std::path::Path;

pub fn profile(run: &Path) -> DataFrame {
    wijkscan::frame::read_parquet(&run.join("profile.parquet")).unwrap()
}

/// The largest published wijk of the run.
pub fn big_wijk(run: &Path) -> String {
    let df = profile(run)
        .lazy()
        .filter(col("level").eq(lit("wijk")).and(col("suppressed").not()))
        .sort(
            ["insured_persons"],
            SortMultipleOptions::default().with_order_descending(true),
        )
        .collect()
        .unwrap();
    df.column("area_code")
        .unwrap()
        .str()
        .unwrap()
        .get(0)
        .unwrap()
        .to_string()
}

/// Persons of wijk `wijk` per age (from the private cache: the test's own look at the data).
pub fn ages(run: &Path, wijk: &str) -> std::collections::BTreeMap<i64, u32> {
    let persons = wijkscan::frame::read_parquet(
        &wijkscan::run_folder::private_dir(run).join("cache/persons.parquet"),
    )
    .unwrap();
    let f = wijkscan::stages::focus::features::features(persons.lazy())
        .filter(col("wijk_code").eq(lit(wijk)))
        .group_by([col("age")])
        .agg([len().alias("n")])
        .collect()
        .unwrap();
    let a = f.column("age").unwrap().cast(&DataType::Int64).unwrap();
    let n = f.column("n").unwrap().cast(&DataType::UInt32).unwrap();
    a.i64()
        .unwrap()
        .into_no_null_iter()
        .zip(n.u32().unwrap().into_no_null_iter())
        .collect()
}

/// An adult age held by 1 to 9 persons of the wijk: `age >= 18 AND age <> A` then differs
/// from `age >= 18` by a small group.
pub fn small_age(run: &Path, wijk: &str) -> i64 {
    *ages(run, wijk)
        .iter()
        .find(|(a, n)| **a >= 18 && (1..=9).contains(*n))
        .expect("an age with 1 to 9 persons")
        .0
}
