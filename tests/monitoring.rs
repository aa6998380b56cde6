//! Monitoring over periods (issue 11, SPEC 3.6, METHODS 9), on a generated series of eight
//! quarters of one persistent population (`wijkscan sample --periods`): the planted rising
//! trend and the planted drop are found, a large wijk without a planted change has no trend,
//! the newest quarters are provisional, changes exist only between published values, every
//! period reconciles on its own, and a run with one bad period names it and writes nothing.

use assert_cmd::Command;
use polars::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const PERIODS: &str = "2023Q1..2024Q4";

/// The series and its run, made once for all tests of this file.
struct Fixture {
    _dir: tempfile::TempDir,
    data: PathBuf,
    run: PathBuf,
    /// (trend wijk, drop wijk, stable wijk), as `sample` reports them.
    planted: (String, String, String),
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("series");
        let o = Command::cargo_bin("wijkscan")
            .unwrap()
            .args([
                "sample",
                "--periods",
                PERIODS,
                "--persons",
                "100000",
                "--seed",
                "7",
            ])
            .arg("--out")
            .arg(&data)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let out = String::from_utf8_lossy(&o.stdout).to_string();
        let line = out.lines().find(|l| l.contains("planted:")).unwrap();
        let wijken: Vec<String> = line
            .split_whitespace()
            .filter(|w| w.starts_with("WK"))
            .map(|w| w.trim_end_matches([';', ',']).to_string())
            .collect();
        assert_eq!(wijken.len(), 3, "{line}");
        let run = dir.path().join("run");
        let o = Command::cargo_bin("wijkscan")
            .unwrap()
            .arg("run")
            .arg(data.join("pipeline.toml"))
            .arg("--out")
            .arg(&run)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        Fixture {
            planted: (wijken[0].clone(), wijken[1].clone(), wijken[2].clone()),
            _dir: dir,
            data,
            run,
        }
    })
}

fn read(path: &Path) -> DataFrame {
    ParquetReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap()
}

/// The monitoring row of an area's metric in a period.
fn row(df: &DataFrame, code: &str, metric: &str, period: &str) -> DataFrame {
    df.clone()
        .lazy()
        .filter(
            col("area_code")
                .eq(lit(code))
                .and(col("metric").eq(lit(metric)))
                .and(col("period").eq(lit(period)))
                .and(col("segment").is_null()),
        )
        .collect()
        .unwrap()
}

fn text(df: &DataFrame, c: &str) -> String {
    wijkscan::frame::strings(df, c).unwrap()[0]
        .clone()
        .unwrap_or_default()
}

fn num(df: &DataFrame, c: &str) -> Option<f64> {
    wijkscan::frame::floats(df, c).unwrap()[0]
}

#[test]
fn planted_trend_and_drop_are_found_and_a_stable_wijk_has_none() {
    let f = fixture();
    let m = read(&f.run.join("monitoring.parquet"));
    let (trend, drop, stable) = &f.planted;
    let r = row(&m, trend, "oe_ratio", "2024Q4");
    assert_eq!(text(&r, "trend"), "increasing", "trend wijk {trend}");
    let r = row(&m, drop, "oe_ratio", "2024Q4");
    assert_eq!(text(&r, "trend"), "decreasing", "drop wijk {drop}");
    // The drop against the same quarter a year earlier, flagged.
    assert!(num(&r, "change_year").unwrap() < 0.0);
    assert_eq!(text(&r, "change_year_flag"), "99.8");
    let r = row(&m, stable, "oe_ratio", "2024Q4");
    assert_eq!(
        text(&r, "trend"),
        "no_significant_change",
        "stable wijk {stable}"
    );
    // No other wijk is said to trend (the trends are judged against the whole extract, so
    // seasons and the late claims of the newest quarters are not an area's trend).
    let others = m
        .clone()
        .lazy()
        .filter(
            col("level")
                .eq(lit("wijk"))
                .and(col("metric").eq(lit("oe_ratio")))
                .and(col("period").eq(lit("2024Q4")))
                .and(
                    col("trend")
                        .eq(lit("increasing"))
                        .or(col("trend").eq(lit("decreasing"))),
                )
                .and(col("area_code").neq(lit(trend.as_str())))
                .and(col("area_code").neq(lit(drop.as_str()))),
        )
        .collect()
        .unwrap();
    assert_eq!(others.height(), 0, "{others}");
}

#[test]
fn newest_quarters_are_provisional_and_say_when_they_were_extracted() {
    let f = fixture();
    let text = std::fs::read_to_string(f.run.join("manifest.json")).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
    let periods = manifest["periods"].as_array().unwrap();
    assert_eq!(periods.len(), 8);
    let provisional: Vec<(String, bool)> = periods
        .iter()
        .map(|p| {
            (
                p["period"].as_str().unwrap().to_string(),
                p["provisional"].as_bool().unwrap(),
            )
        })
        .collect();
    // Extracted on 2025-01-31: less than six months after the end of 2024Q3 and 2024Q4.
    for (p, prov) in &provisional {
        assert_eq!(*prov, p == "2024Q3" || p == "2024Q4", "{p}");
        let rec = periods.iter().find(|r| r["period"] == *p).unwrap();
        assert_eq!(rec["extracted_on"], "2025-01-31");
        assert_eq!(rec["extracted_on_source"], "pipeline");
        // Each period reconciles on its own.
        assert_eq!(rec["reconciliation"]["zvw"]["balanced"], true);
        assert_eq!(rec["reconciliation"]["wmo"]["balanced"], true);
    }
    let m = read(&f.run.join("monitoring.parquet"));
    let (trend, ..) = &f.planted;
    let prov = |period: &str| {
        row(&m, trend, "oe_ratio", period)
            .column("provisional")
            .unwrap()
            .bool()
            .unwrap()
            .get(0)
            .unwrap()
    };
    assert!(prov("2024Q4"));
    assert!(!prov("2024Q2"));
}

#[test]
fn changes_only_between_published_values_and_the_profile_per_period() {
    let f = fixture();
    let m = read(&f.run.join("monitoring.parquet"));
    let v = wijkscan::frame::floats(&m, "value").unwrap();
    let prev = wijkscan::frame::floats(&m, "previous_value").unwrap();
    let change = wijkscan::frame::floats(&m, "change").unwrap();
    let year = wijkscan::frame::floats(&m, "year_earlier_value").unwrap();
    let change_year = wijkscan::frame::floats(&m, "change_year").unwrap();
    let mut hidden = 0;
    for i in 0..m.height() {
        match (v[i], prev[i], change[i]) {
            (Some(a), Some(b), Some(c)) => assert!((a - b - c).abs() < 1e-9 * a.abs().max(1.0)),
            (_, _, Some(_)) => panic!("row {i}: a change beside a hidden value"),
            _ => hidden += 1,
        }
        if change_year[i].is_some() {
            assert!(v[i].is_some() && year[i].is_some(), "row {i}");
        }
    }
    assert!(hidden > 0, "the series has hidden cells at pc5");
    // The profile holds every period, each with its own suppression.
    let p = read(&f.run.join("profile.parquet"));
    let periods = wijkscan::frame::strings(&p, "period").unwrap();
    let mut labels: Vec<String> = periods.into_iter().flatten().collect();
    labels.dedup();
    assert_eq!(labels.len(), 8);
    assert_eq!(p.get_column_names().last().unwrap().as_str(), "period");
    // And the report is of the last period.
    let report = std::fs::read_to_string(f.run.join("report.html")).unwrap();
    assert!(report.contains("2024Q4"));
}

/// Issue 15 point 5: one bad period stops the run by name, and nothing is written.
#[test]
fn a_bad_period_is_named_and_nothing_is_written() {
    let f = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let data = copy_series(&f.data, tmp.path());
    // 2023Q3's insured file is cut short: a damaged delivery.
    let bad = data.join("2023Q3").join("insured.parquet");
    let bytes = std::fs::read(&bad).unwrap();
    std::fs::write(&bad, &bytes[..bytes.len() / 2]).unwrap();
    let err = run_fails(&data, tmp.path());
    assert!(err.contains("period 2023Q3"), "{err}");
    assert!(err.contains("1 of 8 periods"), "{err}");
}

/// Periods are validated row by row just before each is computed (their files are then read
/// while still cached): a bad row found only then, in an earlier period or in the report's,
/// still stops the run before anything is written, and every bad period is named.
#[test]
fn bad_rows_in_later_validated_periods_are_all_named() {
    let f = fixture();
    // An earlier period found bad after the report's period was computed, and a later one.
    let tmp = tempfile::tempdir().unwrap();
    let data = copy_series(&f.data, tmp.path());
    duplicate_a_person(&data.join("2023Q1"));
    duplicate_a_person(&data.join("2024Q2"));
    let err = run_fails(&data, tmp.path());
    assert!(err.contains("period 2023Q1"), "{err}");
    assert!(err.contains("period 2024Q2"), "{err}");
    assert!(err.contains("duplicate value"), "{err}");
    assert!(err.contains("2 of 8 periods"), "{err}");
    // The report's period bad itself (validated first), with an earlier one.
    let tmp = tempfile::tempdir().unwrap();
    let data = copy_series(&f.data, tmp.path());
    duplicate_a_person(&data.join("2023Q3"));
    duplicate_a_person(&data.join("2024Q4"));
    let err = run_fails(&data, tmp.path());
    assert!(err.contains("period 2023Q3"), "{err}");
    assert!(err.contains("period 2024Q4"), "{err}");
    assert!(err.contains("2 of 8 periods"), "{err}");
    // A damaged file (found by the first check of every period's files) and a bad row in
    // another period: both named, the row problem too.
    let tmp = tempfile::tempdir().unwrap();
    let data = copy_series(&f.data, tmp.path());
    let cut = data.join("2023Q1").join("insured.parquet");
    let bytes = std::fs::read(&cut).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    duplicate_a_person(&data.join("2024Q2"));
    let err = run_fails(&data, tmp.path());
    assert!(err.contains("period 2023Q1"), "{err}");
    assert!(err.contains("period 2024Q2"), "{err}");
    assert!(err.contains("duplicate value"), "{err}");
    assert!(err.contains("2 of 8 periods"), "{err}");
    // A conflict found only by the report's period's profile (a claim id with two amounts)
    // does not hide a bad row of an earlier period, which is named as before.
    let tmp = tempfile::tempdir().unwrap();
    let data = copy_series(&f.data, tmp.path());
    conflicting_claim_id(&data.join("2024Q4"));
    duplicate_a_person(&data.join("2023Q1"));
    let err = run_fails(&data, tmp.path());
    assert!(err.contains("period 2023Q1"), "{err}");
    assert!(err.contains("1 of 8 periods"), "{err}");
}

/// The period's claims with their first claim id again on a line with another amount.
fn conflicting_claim_id(period: &Path) {
    let path = period.join("zvw_claims.parquet");
    let df = ParquetReader::new(std::fs::File::open(&path).unwrap())
        .finish()
        .unwrap();
    let changed = df
        .head(Some(1))
        .lazy()
        .with_columns([(col("amount_eur") + lit(1.0)).alias("amount_eur")])
        .collect()
        .unwrap();
    let mut all = df.vstack(&changed).unwrap();
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut all)
        .unwrap();
}

/// A copy of the series folder under `tmp`.
fn copy_series(from: &Path, tmp: &Path) -> PathBuf {
    let data = tmp.join("series");
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let to = data.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
            for file in std::fs::read_dir(entry.path()).unwrap().flatten() {
                std::fs::copy(file.path(), to.join(file.file_name())).unwrap();
            }
        } else {
            std::fs::create_dir_all(&data).unwrap();
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
    data
}

/// The period's insured file with its first person twice: readable, but a fatal row rule.
fn duplicate_a_person(period: &Path) {
    let path = period.join("insured.parquet");
    let df = ParquetReader::new(std::fs::File::open(&path).unwrap())
        .finish()
        .unwrap();
    let mut twice = df.vstack(&df.head(Some(1))).unwrap();
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut twice)
        .unwrap();
}

/// Runs the series, expects the input error (exit 2) and that nothing was written; the error.
fn run_fails(data: &Path, tmp: &Path) -> String {
    let out = tmp.join("run");
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .arg("run")
        .arg(data.join("pipeline.toml"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(!out.exists());
    // Nothing beside it either (no staging folder left behind).
    let left: Vec<_> = std::fs::read_dir(tmp)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left.len(), 1, "{left:?}");
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// The report of a monitoring run leads with what changed, in words and symbols, marks
/// provisional changes, shows each focus area over time and the changes chart, and puts pc5
/// figures in an appendix.
#[test]
fn the_report_leads_with_what_changed() {
    let f = fixture();
    let report = std::fs::read_to_string(f.run.join("report.html")).unwrap();
    let changed = report
        .find("Wat is er veranderd")
        .expect("a changes section");
    let findings = report.find("class=\"findings\"").unwrap();
    assert!(changed < findings, "changes come first");
    assert!(report.contains("Hele bestand, kosten per verzekerdenjaar 2024Q4"));
    assert!(report.contains("lager dan 2023Q4") || report.contains("hoger dan 2023Q4"));
    assert!(report.contains("voorlopig: er komen nog declaraties binnen"));
    let (trend, drop, _) = &f.planted;
    let rising = report
        .find("▲ Stijgende trend")
        .expect("a rising trend sentence");
    assert!(report[rising..]
        .split("</li>")
        .next()
        .unwrap()
        .contains(trend.as_str()));
    let falling = report
        .find("▼ Dalende trend")
        .expect("a falling trend sentence");
    assert!(report[falling..]
        .split("</li>")
        .next()
        .unwrap()
        .contains(drop.as_str()));
    for chart in ["changes_wijk.svg", "trend_GM0153.svg", "trend_GM0014.svg"] {
        assert!(f.run.join("charts").join(chart).is_file(), "{chart}");
        assert!(report.contains(chart), "{chart} in the report");
    }
    let appendix = report.find("Bijlage: pc5").expect("a pc5 appendix");
    let pc5_chart = report.find("norm_vs_actual_pc5").expect("pc5 charts");
    assert!(pc5_chart > appendix, "pc5 charts in the appendix");
}

/// `--inputs DIR --periods …` needs no pipeline file, and a period folder may leave out
/// `norm_costs` and `areas` when the pipeline file names shared ones: the figures are the same.
#[test]
fn periods_from_the_command_line_and_shared_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("series");
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .args(["sample", "--periods", "2024Q2..2024Q4", "--persons", "4000"])
        .arg("--out")
        .arg(&data)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let run = |args: &[&str], out: &Path| {
        let o = Command::cargo_bin("wijkscan")
            .unwrap()
            .args(args)
            .arg("--out")
            .arg(out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let a = tmp.path().join("a");
    run(
        &[
            "run",
            "--inputs",
            data.to_str().unwrap(),
            "--periods",
            "2024Q2..2024Q4",
        ],
        &a,
    );
    // `validate` checks every period, naming each.
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .args([
            "validate",
            "--inputs",
            data.to_str().unwrap(),
            "--periods",
            "2024Q2..2024Q4",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    for p in ["2024Q2", "2024Q3", "2024Q4"] {
        assert!(out.contains(&format!("ok  {p}: zvw_claims")), "{out}");
    }
    // Without `[extracted_on]` each period's extract date is the newest service date in its
    // claims (found in validation's pass), so every period is provisional here.
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(a.join("manifest.json")).unwrap()).unwrap();
    for p in manifest["periods"].as_array().unwrap() {
        assert_eq!(p["extracted_on_source"], "newest service date");
        let on = p["extracted_on"].as_str().unwrap();
        assert!(
            on <= p["period_end"].as_str().unwrap() && on >= p["period_start"].as_str().unwrap()
        );
        assert_eq!(p["provisional"], true);
    }
    // The same series with 2024Q3's areas and norm costs moved out of its folder.
    let shared = tmp.path().join("shared");
    std::fs::create_dir_all(&shared).unwrap();
    for name in ["areas.parquet", "norm_costs.parquet"] {
        std::fs::rename(data.join("2024Q3").join(name), shared.join(name)).unwrap();
    }
    let pipeline = tmp.path().join("p.toml");
    std::fs::write(
        &pipeline,
        format!(
            "periods = [\"2024Q2\", \"2024Q3\", \"2024Q4\"]\n[inputs]\ndir = \"{}\"\nareas = \"{}\"\nnorm_costs = \"{}\"\n[monitoring]\nlevels = [\"wijk\", \"gemeente\", \"total\"]\n",
            data.display(),
            shared.join("areas.parquet").display(),
            shared.join("norm_costs.parquet").display()
        ),
    )
    .unwrap();
    let b = tmp.path().join("b");
    run(&["run", pipeline.to_str().unwrap()], &b);
    for table in ["profile.parquet", "segments.parquet"] {
        assert_eq!(
            std::fs::read(a.join(table)).unwrap(),
            std::fs::read(b.join(table)).unwrap(),
            "{table}"
        );
    }
    // `[monitoring] levels` keeps the table to those levels (segments stay); the rows kept
    // are the same as in the full table.
    let full = read(&a.join("monitoring.parquet"));
    let kept = read(&b.join("monitoring.parquet"));
    let areas_only = |df: &DataFrame| {
        df.clone()
            .lazy()
            .filter(
                col("segment")
                    .is_null()
                    .and(col("level").neq(lit("pc5")))
                    .and(col("level").neq(lit("buurt"))),
            )
            .collect()
            .unwrap()
    };
    assert_eq!(areas_only(&full), areas_only(&kept));
    let small = kept
        .clone()
        .lazy()
        .filter(
            col("segment").is_null().and(
                col("level")
                    .eq(lit("pc5"))
                    .or(col("level").eq(lit("buurt"))),
            ),
        )
        .collect()
        .unwrap();
    assert_eq!(small.height(), 0);
    // Without the shared files that period is missing its inputs, by name.
    let bare = tmp.path().join("bare.toml");
    std::fs::write(
        &bare,
        format!(
            "periods = \"2024Q2..2024Q4\"\n[inputs]\ndir = \"{}\"\n",
            data.display()
        ),
    )
    .unwrap();
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .arg("run")
        .arg(&bare)
        .arg("--out")
        .arg(tmp.path().join("c"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("period 2024Q3") && err.contains("missing input `areas`"),
        "{err}"
    );
}

/// Earlier periods are judged on exactly the last period's groups per focus area: each area's
/// proposals keep their own filters (`voorstel_1` of one gemeente is not another's).
#[test]
fn each_area_keeps_its_own_segments_in_every_period() {
    let f = fixture();
    let s = read(&f.run.join("segments.parquet"));
    let area = wijkscan::frame::strings(&s, "area_code").unwrap();
    let seg = wijkscan::frame::strings(&s, "segment").unwrap();
    let filter = wijkscan::frame::strings(&s, "filter").unwrap();
    let period = wijkscan::frame::strings(&s, "period").unwrap();
    let mut filters: std::collections::BTreeMap<
        (String, String),
        std::collections::BTreeSet<String>,
    > = Default::default();
    let mut periods: std::collections::BTreeMap<(String, String), usize> = Default::default();
    for i in 0..s.height() {
        let key = (area[i].clone().unwrap(), seg[i].clone().unwrap());
        filters
            .entry(key.clone())
            .or_default()
            .insert(filter[i].clone().unwrap());
        *periods.entry(key).or_default() += 1;
        assert!(period[i].is_some());
    }
    let proposals: Vec<_> = filters
        .keys()
        .filter(|(_, s)| s.starts_with("voorstel_"))
        .collect();
    assert!(!proposals.is_empty(), "the run proposes segments");
    // The same name in two areas may be two rules; within one area it is one rule throughout.
    let names: std::collections::BTreeSet<&String> = proposals.iter().map(|(_, s)| s).collect();
    let differing = names.iter().any(|n| {
        let rules: std::collections::BTreeSet<&String> = filters
            .iter()
            .filter(|((_, s), _)| s == *n)
            .flat_map(|(_, f)| f.iter())
            .collect();
        rules.len() > 1
    });
    assert!(differing, "proposals differ between areas in this series");
    for (key, rules) in &filters {
        assert_eq!(rules.len(), 1, "{key:?} has {rules:?}");
        assert_eq!(periods[key], 8, "{key:?} is judged in every period");
    }
    // Live queries answer on the last period: what they are checked against is that
    // period's published cells only, not every period's.
    let shown = wijkscan::live_audit::published_segments(&f.run).unwrap();
    let last = s
        .clone()
        .lazy()
        .filter(col("period").eq(lit("2024Q4")).and(col("suppressed").not()))
        .collect()
        .unwrap();
    assert_eq!(shown.len(), last.height());
}
