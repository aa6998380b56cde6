//! The binary on the shipped sample (`data-samples/`, via `pipelines/sample.toml`):
//! it runs, reconciles, is deterministic, and publishes no small cell.

use assert_cmd::Command;
use polars::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run_sample(out: &Path) -> std::process::Output {
    Command::cargo_bin("wijkscan")
        .unwrap()
        .arg("run")
        .arg(root().join("pipelines/sample.toml"))
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

fn read_profile(dir: &Path) -> DataFrame {
    let p = dir.join("profile.parquet");
    LazyFrame::scan_parquet(
        PlRefPath::new(p.to_string_lossy().as_ref()),
        Default::default(),
    )
    .unwrap()
    .collect()
    .unwrap()
}

#[test]
fn validate_accepts_the_sample() {
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .arg("validate")
        .arg(root().join("pipelines/sample.toml"))
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    for name in [
        "insured",
        "zvw_claims",
        "wmo_provisions",
        "norm_costs",
        "areas",
    ] {
        assert!(stdout.contains(name), "{stdout}");
    }
}

#[test]
fn sample_run_is_deterministic_and_reconciled() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let oa = run_sample(&a);
    assert_eq!(
        oa.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&oa.stderr)
    );
    // Piped output: no progress bars, but the warnings about the sample's dirt.
    let stderr = String::from_utf8_lossy(&oa.stderr);
    assert!(!stderr.contains('\r'), "progress drawn while piped");
    assert!(stderr.contains("unassigned"), "{stderr}");
    let ob = run_sample(&b);
    assert_eq!(ob.status.code(), Some(0));
    for f in [
        "profile.parquet",
        "profile.csv",
        "segments.parquet",
        "segments.csv",
        "report.html",
        "charts/funnel_wijk.svg",
        "charts/map_oe_buurt.png",
    ] {
        let (x, y) = (
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
        );
        assert!(x == y, "{f} differs between two runs");
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(a.join("manifest.json")).unwrap()).unwrap();
    for source in ["zvw", "wmo"] {
        let ledger = &manifest["reconciliation"][source];
        assert_eq!(ledger["balanced"], true, "{source}");
        let sum: i64 = ledger["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["cents"].as_i64().unwrap())
            .sum();
        assert_eq!(sum, ledger["input"]["cents"].as_i64().unwrap());
    }
    // The sample carries every kind of dirt: each bucket holds money.
    for bucket in manifest["reconciliation"]["zvw"]["buckets"]
        .as_array()
        .unwrap()
    {
        assert!(
            bucket["rows"].as_i64().unwrap() > 0,
            "empty bucket {bucket}"
        );
    }
    assert_eq!(manifest["inputs"].as_array().unwrap().len(), 6);
    assert!(manifest["suppression"]["primary_rows"].as_u64().unwrap() > 0);
    assert!(manifest["timings_seconds"]["profile"].as_f64().is_some());
}

/// Every published value of the sample run describes at least min_cell persons, and no
/// suppressed value can be had back as a parent's value minus its published children.
#[test]
fn sample_run_publishes_no_small_cell() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let o = run_sample(&out);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let df = read_profile(&out);
    let min_cell = 10.0;
    let get = |c: &str| -> Vec<Option<f64>> {
        df.column(c)
            .unwrap()
            .cast(&DataType::Float64)
            .unwrap()
            .f64()
            .unwrap()
            .iter()
            .collect()
    };
    let suppressed: Vec<bool> = df
        .column("suppressed")
        .unwrap()
        .bool()
        .unwrap()
        .iter()
        .map(|v| v.unwrap())
        .collect();
    let persons = get("insured_persons");
    for (i, s) in suppressed.iter().enumerate() {
        if !s {
            assert!(
                persons[i].unwrap() >= min_cell,
                "row {i} published with {:?} persons",
                persons[i]
            );
        }
    }
    let mut counts = vec![
        "wmo_clients".to_string(),
        "multi_care_persons".into(),
        "zvw_wmo_persons".into(),
    ];
    counts.extend(
        wijkscan::domain::PROVISION_TYPES
            .iter()
            .map(|t| format!("wmo_clients_{t}")),
    );
    for c in &counts {
        for v in get(c).into_iter().flatten() {
            assert!(v == 0.0 || v >= min_cell, "{c} = {v} published");
        }
    }
    assert!(
        suppressed.iter().any(|s| *s),
        "the sample has small pc5s; some must be suppressed"
    );

    // Parent − published children, for the row-level cost and every care type.
    let areas_path = root().join("data-samples/areas.parquet");
    let areas = LazyFrame::scan_parquet(
        PlRefPath::new(areas_path.to_string_lossy().as_ref()),
        Default::default(),
    )
    .unwrap()
    .collect()
    .unwrap();
    let s = |c: &str| -> Vec<String> {
        areas
            .column(c)
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|v| v.unwrap().to_string())
            .collect()
    };
    let (pc5, buurt, wijk, gemeente) = (
        s("pc5"),
        s("buurt_code"),
        s("wijk_code"),
        s("gemeente_code"),
    );
    let mut parent: HashMap<String, String> = HashMap::new();
    for i in 0..pc5.len() {
        parent.insert(pc5[i].clone(), buurt[i].clone());
        parent.insert(buurt[i].clone(), wijk[i].clone());
        parent.insert(wijk[i].clone(), gemeente[i].clone());
        parent.insert(gemeente[i].clone(), "TOTAAL".into());
    }
    let codes: Vec<String> = df
        .column("area_code")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.unwrap().to_string())
        .collect();
    let row_of: HashMap<&str, usize> = codes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    let mut columns = vec!["zvw_cost_eur".to_string()];
    columns.extend(
        wijkscan::domain::CARE_TYPES
            .iter()
            .map(|ct| format!("zvw_{ct}_per_insured_year")),
    );
    for c in &columns {
        let values = get(c);
        let mut hidden_children: HashMap<&str, usize> = HashMap::new();
        for (i, code) in codes.iter().enumerate() {
            if values[i].is_none() {
                if let Some(p) = parent.get(code) {
                    *hidden_children.entry(p.as_str()).or_default() += 1;
                }
            }
        }
        for (p, n) in hidden_children {
            let parent_published = values[row_of[p]].is_some();
            assert!(
                !(parent_published && n == 1),
                "{c}: {p} is published with exactly one hidden child, which subtraction gives away"
            );
        }
    }
}

#[test]
fn profile_command_prints_a_suppressed_table() {
    let tiny = root().join("tests/fixtures/tiny");
    let run = |min_cell: &str| {
        Command::cargo_bin("wijkscan")
            .unwrap()
            .args([
                "profile",
                "--period",
                "2024Q3",
                "--level",
                "pc5",
                "--min-cell",
                min_cell,
                "--inputs",
            ])
            .arg(&tiny)
            .output()
            .unwrap()
    };
    let o = run("1");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8_lossy(&o.stdout);
    // 7511A: € 90.10 over 138/365 insured years = € 238 per year, norm € 300, O/E 0.79
    // (per insured year, SPEC 3.1).
    assert!(
        out.contains("7511A")
            && out.contains("€ 238")
            && out.contains("€ 300")
            && out.contains("0.79"),
        "{out}"
    );
    let o = run("10");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("suppressed") && !out.contains("€ 238"),
        "{out}"
    );
}

#[test]
fn focus_command_tries_a_segment_live() {
    let tiny = root().join("tests/fixtures/tiny");
    let focus = |extra: &[&str]| {
        Command::cargo_bin("wijkscan")
            .unwrap()
            .args([
                "focus",
                "--period",
                "2024Q3",
                "--min-cell",
                "1",
                "--only",
                "--inputs",
            ])
            .arg(&tiny)
            .args(extra)
            .output()
            .unwrap()
    };
    let o = focus(&["--area", "WK015301", "--segment", "age >= 40 AND wmo"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8_lossy(&o.stdout);
    // p1 (70, Wmo) and p2 (40, Wmo in an unknown pc5) of the wijk's three persons.
    assert!(out.contains("WK015301") && out.contains("66.7%"), "{out}");
    let o = focus(&["--segment", "age >= 40 AND wmoo"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("segment_1")
            && err.contains("unknown feature `wmoo`")
            && err.contains("column 15"),
        "{err}"
    );
}

#[test]
fn segment_outside_the_allow_list_is_refused_in_a_few_lines() {
    // Polars would take `sqrt(-1) > 0` (NaN > 0) and select everyone without a word.
    let tmp = tempfile::tempdir().unwrap();
    let inputs = tmp.path().join("data-samples");
    std::fs::create_dir(&inputs).unwrap();
    for e in std::fs::read_dir(root().join("data-samples")).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), inputs.join(e.file_name())).unwrap();
        }
    }
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .current_dir(tmp.path())
        .args([
            "focus",
            "--inputs",
            "data-samples",
            "--period",
            "2024Q3",
            "--segment",
            "sqrt(-1) > 0",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("segment `segment_1`, column 1: `sqrt` is not allowed in a filter"),
        "{err}"
    );
    assert!(err.lines().count() <= 4 && err.len() < 400, "{err}");
}

#[test]
fn bad_segment_in_pipeline_file_stops_before_reading_data() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("p.toml");
    std::fs::write(
        &p,
        "period = \"2024Q3\"\n[inputs]\ndir = \"nowhere\"\n[[focus.segments]]\nname = \"mijn\"\nfilter = \"age >= AND wmo\"\n",
    )
    .unwrap();
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .arg("run")
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("p.toml") && err.contains("segment `mijn`") && err.contains("column 8"),
        "{err}"
    );
}

#[test]
fn stage_commands_work_on_a_finished_run() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    assert_eq!(run_sample(&run).status.code(), Some(0));
    // From another working directory: the manifest holds absolute input paths.
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .current_dir(tmp.path())
        .args([
            "focus",
            "run",
            "--only",
            "--area",
            "WK015303",
            "--segment",
            "age >= 75",
        ])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("focus area WK015303"));
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .current_dir(tmp.path())
        .args(["outliers", "run"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8_lossy(&o.stdout);
    // The same flags as the run wrote.
    let written = std::fs::read_to_string(run.join("outliers.csv")).unwrap();
    assert_eq!(out.lines().count(), written.lines().count(), "{out}");
}

/// A run folder written by another record format (round 1 wrote none) is refused with a
/// message naming the versions, by the report and by the stage commands alike.
#[test]
fn a_run_folder_of_another_version_is_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("manifest.json"),
        r#"{"program": {"name": "wijkscan", "version": "0.0.1"}, "run": {"name": "old"}}"#,
    )
    .unwrap();
    for cmd in ["report", "profile", "focus"] {
        let o = Command::cargo_bin("wijkscan")
            .unwrap()
            .arg(cmd)
            .arg(tmp.path())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{cmd}: {err}");
        assert!(
            err.contains("0.0.1") && err.contains("format 1"),
            "{cmd}: {err}"
        );
    }
}

/// A run keeps a private cache beside (never in) its folder; `focus`, `outliers` and `profile`
/// on the run folder answer from it with the same bytes as when they recompute, and a cache
/// that does not belong to the question (another min_cell) is not used.
#[test]
fn stage_commands_answer_from_the_private_cache() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .args(["run", "--inputs"])
        .arg(root().join("data-samples"))
        .args(["--period", "2024Q3", "--out"])
        .arg(&run)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let cache = tmp.path().join(".run.private/cache");
    assert!(cache.join("persons.parquet").is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(tmp.path().join(".run.private"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the private folder is owner-only");
    }
    // Nothing person-level inside the shareable folder.
    for e in std::fs::read_dir(&run).unwrap().flatten() {
        assert!(!e.file_name().to_string_lossy().contains("persons"));
    }
    let ask = |args: &[&str]| {
        let o = Command::cargo_bin("wijkscan")
            .unwrap()
            .args(args)
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        (
            String::from_utf8_lossy(&o.stdout).to_string(),
            String::from_utf8_lossy(&o.stderr).to_string(),
        )
    };
    let r = run.to_str().unwrap();
    for args in [
        vec!["focus", r, "--area", "WK015303", "--reset"],
        vec!["outliers", r],
        vec!["profile", r, "--level", "wijk"],
    ] {
        let (cached, err) = ask(&args);
        assert!(err.contains("private cache"), "{args:?}: {err}");
        std::fs::rename(&cache, tmp.path().join("aside")).unwrap();
        let (fresh, err) = ask(&args);
        assert!(!err.contains("private cache"), "{args:?}: {err}");
        std::fs::rename(tmp.path().join("aside"), &cache).unwrap();
        assert_eq!(cached, fresh, "{args:?}");
    }
    let (_, err) = ask(&["profile", r, "--level", "wijk", "--min-cell", "20"]);
    assert!(!err.contains("private cache"), "{err}");
}

/// Every column a run publishes in the profile has a declared protection: a key, a figure about
/// the whole row, or a guarded cell group. A new column without one fails here instead of being
/// protected only by whole-row suppression by accident.
#[test]
fn every_published_profile_column_has_a_suppression_rule() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .args(["run", "--inputs"])
        .arg(root().join("data-samples"))
        .args(["--period", "2024Q3", "--out"])
        .arg(&run)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let df = ParquetReader::new(std::fs::File::open(run.join("profile.parquet")).unwrap())
        .finish()
        .unwrap();
    let undeclared: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .filter(|c| wijkscan::stages::privacy::profile_cells::protection_of(c).is_none())
        .collect();
    assert!(
        undeclared.is_empty(),
        "published without a rule: {undeclared:?}"
    );
    // And the walk can fail: a made-up column has no rule.
    assert!(wijkscan::stages::privacy::profile_cells::protection_of("zvw_new_figure").is_none());
    // The run publishes exactly the declared columns, in declaration order, and each has its
    // labels in both languages.
    let declared: Vec<String> = wijkscan::published::profile_columns()
        .into_iter()
        .map(|c| c.name)
        .collect();
    let published: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(published, declared);
    for c in wijkscan::published::profile_columns() {
        assert!(
            !c.nl.is_empty() && !c.en.is_empty(),
            "{} has no label",
            c.name
        );
    }
}

/// `--phi-estimator` with an unknown name is refused by name; `--uncapped` judges raw cost.
#[test]
fn outlier_options_are_checked() {
    let tiny = root().join("tests/fixtures/tiny");
    let run = |extra: &[&str]| {
        Command::cargo_bin("wijkscan")
            .unwrap()
            .args(["outliers", "--inputs"])
            .arg(&tiny)
            .args(["--period", "2024Q3"])
            .args(extra)
            .output()
            .unwrap()
    };
    let o = run(&["--phi-estimator", "median"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--phi-estimator median"));
    let o = run(&["--uncapped"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("costs not capped"));
}
