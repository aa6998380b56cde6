//! Dates are dates, and the small edges a first real use hits (issue 34, points 5 and 8): a
//! zoned timestamp is refused instead of shifted, a claim dated 9999-12-31 does not become the
//! extract date, a period of one given as a series reads its period folder, a period whose
//! claims all fall outside it says so, `levels = []` and nested codes that disagree are
//! refused, and a damaged private cache is recomputed.

use assert_cmd::Command;
use polars::prelude::*;
use std::path::{Path, PathBuf};

fn tiny() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        if e.path().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

fn wijkscan(args: &[&str], paths: &[(&str, &Path)]) -> std::process::Output {
    let mut cmd = Command::cargo_bin("wijkscan").unwrap();
    cmd.args(args);
    for (flag, p) in paths {
        cmd.arg(flag).arg(p);
    }
    cmd.output().unwrap()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// The tiny fixture's claims as Parquet, `service_date` stored as `dtype`.
fn claims_with_service_date(dir: &Path, zone: Option<&str>) {
    let csv = dir.join("zvw_claims.csv");
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(csv.clone()))
        .unwrap()
        .finish()
        .unwrap();
    let mut df = df
        .lazy()
        .with_columns([col("service_date")
            .str()
            .to_date(StrptimeOptions::default())
            .cast(DataType::Datetime(TimeUnit::Microseconds, None))
            .cast(DataType::Int64)
            .alias("service_date")])
        .collect()
        .unwrap();
    // Local midnight, stored as an instant in `zone` (an Amsterdam export writes 22:00 UTC
    // of the day before in summer); as a naive timestamp when no zone.
    let micros = df.column("service_date").unwrap().i64().unwrap().clone();
    let stamps = match zone {
        Some(z) => {
            let shifted: Int64Chunked = micros.apply_values(|v| v - 2 * 3_600_000_000);
            let tz = unsafe { TimeZone::new_unchecked(z) };
            shifted.into_datetime(TimeUnit::Microseconds, Some(tz))
        }
        None => micros.into_datetime(TimeUnit::Microseconds, None),
    };
    df.with_column(stamps.into_series().with_name("service_date".into()).into())
        .unwrap();
    std::fs::remove_file(&csv).unwrap();
    ParquetWriter::new(std::fs::File::create(dir.join("zvw_claims.parquet")).unwrap())
        .finish(&mut df)
        .unwrap();
}

/// `Zvw: € … in, € … in areas` from a run's stdout.
fn zvw_line(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .find(|l| l.contains("Zvw:"))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_zoned_timestamp_is_refused_not_shifted_and_a_naive_one_is_its_date() {
    let tmp = tempfile::tempdir().unwrap();
    let plain = tmp.path().join("plain");
    copy_dir(&tiny(), &plain);
    let reference = wijkscan(
        &["run", "--period", "2024Q3"],
        &[("--inputs", &plain), ("--out", &tmp.path().join("r0"))],
    );
    assert_eq!(reference.status.code(), Some(0), "{}", stderr(&reference));

    let zoned = tmp.path().join("zoned");
    copy_dir(&tiny(), &zoned);
    claims_with_service_date(&zoned, Some("Europe/Amsterdam"));
    let o = wijkscan(
        &["run", "--period", "2024Q3"],
        &[("--inputs", &zoned), ("--out", &tmp.path().join("r1"))],
    );
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    for needle in [
        "zvw_claims.parquet",
        "service_date",
        "Europe/Amsterdam",
        "local date",
    ] {
        assert!(e.contains(needle), "`{needle}` not in: {e}");
    }

    let naive = tmp.path().join("naive");
    copy_dir(&tiny(), &naive);
    claims_with_service_date(&naive, None);
    let o = wijkscan(
        &["run", "--period", "2024Q3"],
        &[("--inputs", &naive), ("--out", &tmp.path().join("r2"))],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(zvw_line(&o), zvw_line(&reference));
}

/// A small series from the generator, in `tmp/series`.
fn series(tmp: &Path, periods: &str) -> PathBuf {
    let data = tmp.join("series");
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .args([
            "sample",
            "--periods",
            periods,
            "--persons",
            "400",
            "--seed",
            "3",
        ])
        .arg("--out")
        .arg(&data)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    data
}

#[test]
fn a_claim_dated_9999_does_not_become_the_extract_date() {
    let tmp = tempfile::tempdir().unwrap();
    let data = series(tmp.path(), "2024Q1..2024Q2");
    let path = data.join("2024Q2/zvw_claims.parquet");
    let df = ParquetReader::new(std::fs::File::open(&path).unwrap())
        .finish()
        .unwrap();
    let far = (chrono::NaiveDate::from_ymd_opt(9999, 12, 31).unwrap()
        - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap())
    .num_days() as i32;
    let odd = df
        .head(Some(1))
        .lazy()
        .with_columns([
            lit("no-date-1").alias("claim_id"),
            lit(far).cast(DataType::Date).alias("service_date"),
        ])
        .collect()
        .unwrap();
    let mut all = df.vstack(&odd).unwrap();
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut all)
        .unwrap();
    let out = tmp.path().join("run");
    let o = wijkscan(
        &["run", "--periods", "2024Q1..2024Q2"],
        &[("--inputs", &data), ("--out", &out)],
    );
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{e}");
    assert!(e.contains("1 line is dated after today"), "{e}");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let last = manifest["periods"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    let on = last["extracted_on"].as_str().unwrap();
    assert!(on < "2025-01-01", "extracted_on {on}");
    assert_eq!(last["extracted_on_source"], "newest service date");
}

#[test]
fn a_series_of_one_period_reads_its_period_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let data = series(tmp.path(), "2024Q1..2024Q2");
    for periods in ["2024Q2..2024Q2", "2024Q2"] {
        let o = wijkscan(&["validate", "--periods", periods], &[("--inputs", &data)]);
        assert_eq!(o.status.code(), Some(0), "{periods}: {}", stderr(&o));
        let out = tmp.path().join(format!("run-{}", periods.len()));
        let o = wijkscan(
            &["run", "--periods", periods],
            &[("--inputs", &data), ("--out", &out)],
        );
        assert_eq!(o.status.code(), Some(0), "{periods}: {}", stderr(&o));
        let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
        assert!(manifest.contains("2024Q2"), "{periods}");
    }
}

#[test]
fn a_period_whose_claims_all_fall_outside_it_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = tmp.path().join("inputs");
    copy_dir(&tiny(), &inputs);
    let p = inputs.join("zvw_claims.csv");
    let text = std::fs::read_to_string(&p)
        .unwrap()
        .replace("2024-0", "2023-0");
    std::fs::write(&p, text).unwrap();
    let o = wijkscan(
        &["run", "--period", "2024Q3"],
        &[("--inputs", &inputs), ("--out", &tmp.path().join("run"))],
    );
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{e}");
    assert!(e.contains("fall outside the period 2024Q3"), "{e}");
}

#[test]
fn empty_levels_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = tmp.path().join("inputs");
    copy_dir(&tiny(), &inputs);
    for table in ["profile", "monitoring"] {
        let p = tmp.path().join("p.toml");
        std::fs::write(
            &p,
            format!("period = \"2024Q3\"\n[inputs]\ndir = \"inputs\"\n[{table}]\nlevels = []\n"),
        )
        .unwrap();
        let o = wijkscan(
            &["run", p.to_str().unwrap()],
            &[("--out", &tmp.path().join("run"))],
        );
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{e}");
        assert!(e.contains(&format!("[{table}] levels is empty")), "{e}");
        assert!(!tmp.path().join("run").exists());
    }
}

#[test]
fn a_wijk_code_of_another_gemeente_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = tmp.path().join("inputs");
    copy_dir(&tiny(), &inputs);
    let p = inputs.join("areas.csv");
    // One row's gemeente column says Arnhem while its wijk code is Enschede's.
    let text = std::fs::read_to_string(&p).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let row = lines.iter().position(|l| l.contains("GM0153")).unwrap();
    lines[row] = lines[row].replace("GM0153,Enschede", "GM0202,Arnhem");
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    let o = wijkscan(
        &["validate", "--period", "2024Q3"],
        &[("--inputs", &inputs)],
    );
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(
        e.contains("areas.csv") && e.contains("not inside its row's gemeente_code"),
        "{e}"
    );
}

#[test]
fn a_damaged_private_cache_is_recomputed() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = tmp.path().join("inputs");
    copy_dir(&tiny(), &inputs);
    let run = tmp.path().join("run");
    let o = wijkscan(
        &["run", "--period", "2024Q3"],
        &[("--inputs", &inputs), ("--out", &run)],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let persons = tmp.path().join(".run.private/cache/persons.parquet");
    assert!(persons.is_file());
    let before = wijkscan(&["profile", run.to_str().unwrap(), "--level", "wijk"], &[]);
    assert_eq!(before.status.code(), Some(0), "{}", stderr(&before));
    std::fs::write(&persons, b"PAR1 not a parquet file").unwrap();
    let after = wijkscan(&["profile", run.to_str().unwrap(), "--level", "wijk"], &[]);
    let e = stderr(&after);
    assert_eq!(after.status.code(), Some(0), "{e}");
    assert!(
        e.contains("persons.parquet") && e.contains("recomputing"),
        "{e}"
    );
    assert_eq!(after.stdout, before.stdout);
}
