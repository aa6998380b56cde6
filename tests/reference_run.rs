//! Runs against imported reference tables: `[reference] vektis` (each area's cost at national
//! amounts, O/E against it, a year not imported refused) and `[reference] cbs` (residents from
//! CBS where `areas` has none). The importers themselves are tested in `reference.rs`.

mod reference_files;

use assert_cmd::Command;
use polars::prelude::*;
use reference_files::{head_of_2023, import_vektis, real};
use std::path::{Path, PathBuf};

/// `[reference] vektis` in a run: each area's cost at national amounts (the 2023 rates per sex ×
/// age class times its insured persons' insured years), O/E against it, and the gemeente's
/// all-insurer figure. The sample is calibrated to the same national figures, so the book as a
/// whole costs about what Nederland would.
#[test]
fn a_run_against_national_amounts() {
    let tmp = tempfile::tempdir().unwrap();
    let reference = tmp.path().join("reference");
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .args(["reference", "vektis"])
        .arg(real("vektis_zvw_2015_gemeente.csv"))
        .arg(real("vektis_zvw_2023_gemeente.csv"))
        .arg("--out")
        .arg(&reference)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("data-samples");
    let pipeline = tmp.path().join("p.toml");
    std::fs::write(
        &pipeline,
        format!(
            "period = \"2024Q3\"\n[inputs]\ndir = \"{}\"\n[reference]\nvektis = \"{}\"\n",
            samples.display(),
            reference.join("vektis.parquet").display()
        ),
    )
    .unwrap();
    let out = tmp.path().join("run");
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .arg("run")
        .arg(&pipeline)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let read = |p: PathBuf| {
        LazyFrame::scan_parquet(
            PlRefPath::new(p.to_string_lossy().as_ref()),
            Default::default(),
        )
        .unwrap()
        .collect()
        .unwrap()
    };
    let profile = read(out.join("profile.parquet"));
    let total = profile
        .clone()
        .lazy()
        .filter(col("level").eq(lit("total")))
        .collect()
        .unwrap();
    let get = |df: &DataFrame, c: &str| df.column(c).unwrap().f64().unwrap().get(0).unwrap();
    let expected = get(&total, "expected_cost_nl_eur");
    // Independently: national rates per (sex, class) from the table, times every insured
    // person's insured years (persons in a pc5 of `areas`). The table holds 2015 too; without
    // `vektis_year` the run takes the latest year.
    let vektis = read(reference.join("vektis.parquet"));
    let rates = vektis
        .lazy()
        .filter(col("rest").not().and(col("year").eq(lit(2023))))
        .group_by([col("sex"), col("age_class")])
        .agg([(col("cost_total_eur").sum() / col("insured_years").sum()).alias("rate")])
        .collect()
        .unwrap();
    let classes = [
        "0 t/m 4 jaar",
        "5 t/m 9 jaar",
        "10 t/m 14 jaar",
        "15 t/m 19 jaar",
        "20 t/m 24 jaar",
        "25 t/m 29 jaar",
        "30 t/m 34 jaar",
        "35 t/m 39 jaar",
        "40 t/m 44 jaar",
        "45 t/m 49 jaar",
        "50 t/m 54 jaar",
        "55 t/m 59 jaar",
        "60 t/m 64 jaar",
        "65 t/m 69 jaar",
        "70 t/m 74 jaar",
        "75 t/m 79 jaar",
        "80 t/m 84 jaar",
        "85 t/m 89 jaar",
        "90+",
    ];
    let rate_of: std::collections::HashMap<(String, String), f64> = (0..rates.height())
        .map(|i| {
            let s = rates
                .column("sex")
                .unwrap()
                .str()
                .unwrap()
                .get(i)
                .unwrap()
                .to_string();
            let a = rates
                .column("age_class")
                .unwrap()
                .str()
                .unwrap()
                .get(i)
                .unwrap()
                .to_string();
            let r = rates.column("rate").unwrap().f64().unwrap().get(i).unwrap();
            ((s, a), r)
        })
        .collect();
    let insured = read(samples.join("insured.parquet"));
    let areas = read(samples.join("areas.parquet"));
    let known: std::collections::HashSet<String> = areas
        .column("pc5")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|p| p.unwrap().to_string())
        .collect();
    let mut independent = 0.0;
    for i in 0..insured.height() {
        let pc5 = insured
            .column("pc5")
            .unwrap()
            .str()
            .unwrap()
            .get(i)
            .unwrap();
        if !known.contains(pc5) {
            continue;
        }
        let age = insured
            .column("age")
            .unwrap()
            .cast(&DataType::Int64)
            .unwrap()
            .i64()
            .unwrap()
            .get(i)
            .unwrap();
        let sex = match insured
            .column("sex")
            .unwrap()
            .str()
            .unwrap()
            .get(i)
            .unwrap()
        {
            "M" => "M",
            _ => "V",
        };
        let days = insured
            .column("insured_days")
            .unwrap()
            .cast(&DataType::Int64)
            .unwrap()
            .i64()
            .unwrap()
            .get(i)
            .unwrap();
        let class = classes[((age / 5) as usize).min(18)];
        independent += rate_of[&(sex.to_string(), class.to_string())] * days as f64 / 365.0;
    }
    assert!(
        (expected - independent).abs() < 0.5,
        "{expected} vs {independent}"
    );
    let oe = get(&total, "oe_nl");
    assert!(
        (0.9..1.1).contains(&oe),
        "the calibrated book against Nederland: {oe}"
    );
    // The gemeente's all-insurer figure on its own rows and its wijken's.
    let enschede = profile
        .clone()
        .lazy()
        .filter(col("area_code").eq(lit("GM0153")))
        .collect()
        .unwrap();
    let g = get(&enschede, "gemeente_vektis_cost_per_insured_year");
    assert!((2500.0..4500.0).contains(&g), "{g}");
    let wijk = profile
        .lazy()
        .filter(col("area_code").eq(lit("WK015303")))
        .collect()
        .unwrap();
    assert_eq!(get(&wijk, "gemeente_vektis_cost_per_insured_year"), g);
    // The report: per focus area the spine chart and the table "tegen landelijke bedragen".
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Tegen landelijke bedragen"));
    for gm in ["GM0014", "GM0153", "GM0202"] {
        let svg = std::fs::read_to_string(out.join(format!("charts/spine_{gm}.svg"))).unwrap();
        assert!(
            svg.contains("Nederland") && svg.contains("Vektis 2023"),
            "{gm}"
        );
    }
    // The manifest records the table: year (the latest of the two imported), checksum, rows,
    // and the import's warnings for that year only (2015's split gemeenten are not 2023's).
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let r = &m["reference"][0];
    assert_eq!(r["kind"], "vektis");
    assert_eq!(r["year"], 2023);
    assert_eq!(r["rows"], 14735 + 12989);
    assert_eq!(r["sha256"].as_str().unwrap().len(), 64);
    let imported: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(reference.join("reference_vektis.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(imported[1]["year"], 2023);
    assert_eq!(r["warnings"], imported[1]["warnings"]);
    assert!(imported[0]["warnings"].to_string().contains("HAAREN"));
    assert!(!r["warnings"].to_string().contains("HAAREN"));
}

/// `[reference] cbs` in a run: residents from CBS for the areas whose `areas` residents are all
/// unknown, and `residents_source` saying so; the manifest records the table.
#[test]
fn residents_from_cbs_where_areas_has_none() {
    let tmp = tempfile::tempdir().unwrap();
    // Inputs: the tiny fixture with the gemeente's residents blanked, and a CBS table for it.
    let inputs = tmp.path().join("inputs");
    std::fs::create_dir(&inputs).unwrap();
    let tiny = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny");
    for e in std::fs::read_dir(&tiny).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), inputs.join(e.file_name())).unwrap();
    }
    let areas = std::fs::read_to_string(inputs.join("areas.csv")).unwrap();
    let blanked: Vec<String> = areas
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                l.to_string()
            } else {
                let mut f: Vec<&str> = l.split(',').collect();
                let last = f.len() - 1;
                f[last] = "";
                f.join(",")
            }
        })
        .collect();
    std::fs::write(inputs.join("areas.csv"), blanked.join("\n") + "\n").unwrap();
    let cbs = tmp.path().join("kwb-2024.csv");
    std::fs::write(
        &cbs,
        "gemeentecode;gemeentenaam;aantal_inwoners\nGM0153;Enschede;160000\n",
    )
    .unwrap();
    let reference = tmp.path().join("reference");
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .args(["reference", "cbs"])
        .arg(&cbs)
        .arg("--out")
        .arg(&reference)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let pipeline = tmp.path().join("p.toml");
    std::fs::write(
        &pipeline,
        format!(
            "period = \"2024Q3\"\n[inputs]\ndir = \"{}\"\n[reference]\ncbs = \"{}\"\n",
            inputs.display(),
            reference.join("cbs.parquet").display()
        ),
    )
    .unwrap();
    let out = tmp.path().join("run");
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .arg("run")
        .arg(&pipeline)
        .args(["--min-cell", "1", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let p = LazyFrame::scan_parquet(
        PlRefPath::new(out.join("profile.parquet").to_string_lossy().as_ref()),
        Default::default(),
    )
    .unwrap()
    .filter(col("area_code").eq(lit("GM0153")))
    .collect()
    .unwrap();
    let residents = p
        .column("residents")
        .unwrap()
        .cast(&DataType::Int64)
        .unwrap();
    assert_eq!(residents.i64().unwrap().get(0), Some(160_000));
    assert_eq!(
        p.column("residents_source").unwrap().str().unwrap().get(0),
        Some("cbs")
    );
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["reference"][0]["kind"], "cbs");
    assert_eq!(m["reference"][0]["year"], 2024);
    // The import's warnings (the figures this file lacks) come along into the manifest.
    let imported: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(reference.join("reference_cbs.json")).unwrap(),
    )
    .unwrap();
    let w = &m["reference"][0]["warnings"];
    assert!(!w.as_array().unwrap().is_empty(), "{w}");
    assert_eq!(w, &imported[0]["warnings"]);
}

/// A run asking a `vektis_year` the table does not hold would take Nederland as € 0: a
/// configuration error naming the table, the year asked and the year it holds.
#[test]
fn a_run_with_a_vektis_year_not_imported_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let reference = tmp.path().join("reference");
    let p = head_of_2023(tmp.path(), "vektis_zvw_2023_gemeente.csv", 20);
    let (code, stderr) = import_vektis(&[&p], &reference);
    assert_eq!(code, Some(0), "{stderr}");
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("data-samples");
    let pipeline = tmp.path().join("p.toml");
    std::fs::write(
        &pipeline,
        format!(
            "period = \"2024Q3\"\n[inputs]\ndir = \"{}\"\n[reference]\nvektis = \"{}\"\nvektis_year = 1999\n",
            samples.display(),
            reference.join("vektis.parquet").display()
        ),
    )
    .unwrap();
    let out = tmp.path().join("run");
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .arg("run")
        .arg(&pipeline)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("vektis.parquet") && stderr.contains("1999") && stderr.contains("2023"),
        "{stderr}"
    );
    assert!(!out.join("profile.parquet").exists());
}
