//! The order of the claim lines changes nothing: the shipped sample lists each person's lines
//! together, so its claims per person are summed over runs of a person; the same lines in
//! random order go the other way (`stages::inputs::claim_sums`). Profile, raw levels, persons and
//! ledgers must be the same.

use polars::prelude::*;
use wijkscan::domain::Period;
use wijkscan::pipeline::{self, Stage};
use wijkscan::stages::inputs::claim_sums::grouped_by_person;

fn samples() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data-samples")
}

fn sorted(df: &DataFrame, by: &[&str]) -> DataFrame {
    df.sort(by.to_vec(), SortMultipleOptions::default())
        .unwrap()
}

#[test]
fn claim_lines_in_random_order_give_the_same_profile() {
    let shuffled = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(samples()).unwrap() {
        let e = e.unwrap();
        let name = e.file_name();
        if name != "zvw_claims.parquet" && e.path().is_file() {
            std::fs::copy(e.path(), shuffled.path().join(&name)).unwrap();
        }
    }
    let claims = wijkscan::frame::read_parquet(&samples().join("zvw_claims.parquet")).unwrap();
    // Ordered by a hash of the claim id: every person's lines scattered over the file.
    let mut mixed = claims
        .lazy()
        .with_columns([col("claim_id").hash(1, 2, 3, 4).alias("__order")])
        .sort(["__order"], SortMultipleOptions::default())
        .drop(cols(["__order"]))
        .collect()
        .unwrap();
    let file = std::fs::File::create(shuffled.path().join("zvw_claims.parquet")).unwrap();
    ParquetWriter::new(file).finish(&mut mixed).unwrap();

    let typed = |dir: &std::path::Path| {
        LazyFrame::scan_parquet(
            PlRefPath::new(dir.join("zvw_claims.parquet").to_string_lossy().as_ref()),
            ScanArgsParquet::default(),
        )
        .unwrap()
    };
    assert!(grouped_by_person(&typed(&samples())).unwrap());
    assert!(!grouped_by_person(&typed(shuffled.path())).unwrap());

    let period = Period::parse("2024Q3").unwrap();
    let run = |dir: &std::path::Path| {
        pipeline::execute_folder(dir, &period, 10, Stage::Profile)
            .unwrap()
            .profiled
    };
    let a = run(&samples());
    let b = run(shuffled.path());
    let keys = ["level", "area_code"];
    assert!(sorted(&a.profile, &keys).equals_missing(&sorted(&b.profile, &keys)));
    assert!(sorted(&a.raw, &keys).equals_missing(&sorted(&b.raw, &keys)));
    // The person frame keeps the insured file's order, which did not change.
    assert!(a.persons.equals_missing(&b.persons));
    assert_eq!(
        serde_json::to_string(&a.zvw).unwrap(),
        serde_json::to_string(&b.zvw).unwrap()
    );
    assert_eq!(a.zvw.input.rows, mixed.height() as i64);
}
