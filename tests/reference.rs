//! `wijkscan reference vektis` on the real Vektis files in `../shared/data/real/` (2015:
//! UPPERCASE header, 27 columns, Latin-1; 2023: lowercase, 31 columns cut at 32 characters):
//! every row kept, every euro accounted for to the cent against an independent reading of the
//! file, the rest row national only, names matched to CBS codes or listed.
//!
//! A run against the imported tables is in `reference_run.rs`.

mod reference_files;

use assert_cmd::Command;
use polars::prelude::*;
use reference_files::{head_of_2023, import_vektis, real};
use std::path::Path;

fn strs(df: &DataFrame, c: &str) -> Vec<Option<String>> {
    df.column(c)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

/// The file read independently: (rows, Σ cost in cents over every `kosten_` cell, Σ insured
/// years, the rest row's cents and insured years).
fn raw_sums(path: &Path) -> (usize, i64, f64, i64, f64) {
    let bytes = std::fs::read(path).unwrap();
    let text: String = bytes.iter().map(|&b| b as char).collect();
    let mut lines = text.lines();
    let head: Vec<String> = lines
        .next()
        .unwrap()
        .split(';')
        .map(|h| h.to_lowercase())
        .collect();
    let cost: Vec<usize> = (0..head.len())
        .filter(|&i| head[i].starts_with("kosten_"))
        .collect();
    let years = head
        .iter()
        .position(|h| h == "aantal_verzekerdejaren")
        .unwrap();
    let (mut rows, mut cents, mut yrs, mut rest_cents, mut rest_years) = (0, 0i64, 0.0, 0i64, 0.0);
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split(';').collect();
        let c: i64 = cost
            .iter()
            .map(|&i| (f[i].trim().parse::<f64>().unwrap_or(0.0) * 100.0).round() as i64)
            .sum();
        let y: f64 = f[years].trim().parse().unwrap_or(0.0);
        if f[0].trim().is_empty() && f[2].trim().is_empty() {
            rest_cents += c;
            rest_years += y;
        }
        rows += 1;
        cents += c;
        yrs += y;
    }
    (rows, cents, yrs, rest_cents, rest_years)
}

#[test]
fn both_real_vektis_years_import_whole_and_reconcile_to_the_cent() {
    let tmp = tempfile::tempdir().unwrap();
    let (f15, f23) = (
        real("vektis_zvw_2015_gemeente.csv"),
        real("vektis_zvw_2023_gemeente.csv"),
    );
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .args(["reference", "vektis"])
        .arg(&f15)
        .arg(&f23)
        .arg("--out")
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    let t = LazyFrame::scan_parquet(
        PlRefPath::new(tmp.path().join("vektis.parquet").to_string_lossy().as_ref()),
        Default::default(),
    )
    .unwrap()
    .collect()
    .unwrap();
    let record: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("reference_vektis.json")).unwrap(),
    )
    .unwrap();
    for (k, (path, year)) in [(&f15, 2015), (&f23, 2023)].into_iter().enumerate() {
        let (rows, cents, years, rest_cents, rest_years) = raw_sums(path);
        let of_year = t
            .clone()
            .lazy()
            .filter(col("year").eq(lit(year)))
            .collect()
            .unwrap();
        // Every row kept, and exactly one rest row without a gemeente.
        assert_eq!(of_year.height(), rows, "{year}");
        let rest = of_year
            .clone()
            .lazy()
            .filter(col("rest"))
            .collect()
            .unwrap();
        assert_eq!(rest.height(), 1, "{year}");
        assert!(rest
            .column("gemeente_code")
            .unwrap()
            .get(0)
            .unwrap()
            .is_null());
        // Every euro: the table's care types add up to the file's every cost cell, to the cent.
        let table_cents: i64 = of_year
            .column("cost_total_eur")
            .unwrap()
            .f64()
            .unwrap()
            .iter()
            .map(|v| (v.unwrap() * 100.0).round() as i64)
            .sum();
        assert_eq!(table_cents, cents, "{year}");
        let f = &record[k];
        assert_eq!(f["year"], year);
        assert_eq!(f["national_cost_eur_file"], f["national_cost_eur_table"]);
        // National cost per insured year over the file's own rows, the rest row included.
        let national = f["national_cost_per_insured_year"].as_f64().unwrap();
        assert!(
            (national - cents as f64 / 100.0 / years).abs() < 1e-6,
            "{year}"
        );
        let gemeenten = f["gemeenten_cost_per_insured_year"].as_f64().unwrap();
        assert!(
            (gemeenten - (cents - rest_cents) as f64 / 100.0 / (years - rest_years)).abs() < 1e-6
        );
        if year == 2023 {
            // € 3,118.58 with the rest row, € 3,150.89 without it (the "about € 3,151").
            assert!((national - 3118.58).abs() < 0.01, "{national}");
            assert!((gemeenten - 3150.89).abs() < 0.01, "{gemeenten}");
        }
    }
    // 2023: every gemeente row has a CBS code (bare names like HENGELO, BERGEN LB included).
    let y23 = t
        .clone()
        .lazy()
        .filter(col("year").eq(lit(2023)).and(col("rest").not()))
        .collect()
        .unwrap();
    assert_eq!(y23.column("gemeente_code").unwrap().null_count(), 0);
    // 2015: gemeenten merged since get their successor's code through the table of
    // herindelingen; the three split since (Haaren, Littenseradiel, Winsum) keep none, are kept
    // and each named in a warning.
    let y15 = t
        .clone()
        .lazy()
        .filter(col("year").eq(lit(2015)).and(col("rest").not()))
        .collect()
        .unwrap();
    let names = strs(&y15, "gemeente_name_vektis");
    let codes = strs(&y15, "gemeente_code");
    let via = strs(&y15, "gemeente_code_via");
    let mut uncoded: Vec<&str> = (0..y15.height())
        .filter(|&i| codes[i].is_none())
        .map(|i| names[i].as_deref().unwrap())
        .collect();
    uncoded.dedup();
    assert_eq!(uncoded, ["HAAREN", "LITTENSERADIEL", "WINSUM"]);
    for name in &uncoded {
        assert!(
            stderr.contains(&format!("`{name}`")) && stderr.contains("split"),
            "{name} not warned"
        );
    }
    let mut merged: Vec<&str> = (0..y15.height())
        .filter(|&i| via[i].as_deref() == Some("herindeling"))
        .map(|i| names[i].as_deref().unwrap())
        .collect();
    merged.dedup();
    assert_eq!(merged.len(), 60, "{merged:?}");
    assert_eq!(
        record[0]["herindelingen"].as_array().unwrap().len(),
        60,
        "the import record lists each"
    );
    // Checked against the data itself: per 2024 gemeente, the insured years of 2015 (its
    // former gemeenten summed) against 2023's. A missing or misplaced merger would leave a
    // gemeente with a fraction of its 2023 population; the successors of the three split
    // gemeenten are left out (they lack the parts that went elsewhere).
    let per_code = |df: &DataFrame| -> std::collections::BTreeMap<String, f64> {
        let mut m = std::collections::BTreeMap::new();
        let c = strs(df, "gemeente_code");
        let y = df.column("insured_years").unwrap().f64().unwrap();
        for (c, y) in c.iter().zip(y.iter()) {
            if let (Some(c), Some(y)) = (c, y) {
                *m.entry(c.clone()).or_insert(0.0) += y;
            }
        }
        m
    };
    let (a, b) = (per_code(&y15), per_code(&y23));
    assert_eq!(a.len(), 342, "every 2024 gemeente has 2015 figures");
    let split_successors = [
        "GM0757", "GM0824", "GM0855", "GM0865", // Haaren
        "GM0080", "GM1900", "GM1949", // Littenseradiel
        "GM1966", "GM1969", // Winsum
    ];
    let mut worst = (String::new(), 1.0f64);
    for (code, y23) in &b {
        if split_successors.contains(&code.as_str()) {
            continue;
        }
        let ratio = y23 / a[code];
        if (ratio - 1.0).abs() > (worst.1 - 1.0).abs() {
            worst = (code.clone(), ratio);
        }
    }
    eprintln!("largest 2023/2015 ratio of insured years: {worst:?}");
    // Real growth reaches +35% (Westerveld), +29% (Blaricum, Waddinxveen); a successor
    // missing a third of its parts would be at +50%.
    assert!((0.85..=1.4).contains(&worst.1), "{worst:?}");
    // Accents in the Latin-1 file are read as such: SÚDWEST-FRYSLÂN is Súdwest-Fryslân.
    assert!(!stderr.contains('\u{fffd}'));
}

#[test]
fn a_file_without_a_year_in_its_name_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("vektis_gemeente.csv");
    std::fs::copy(real("vektis_zvw_2023_gemeente.csv"), &p).unwrap();
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .args(["reference", "vektis"])
        .arg(&p)
        .arg("--out")
        .arg(tmp.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("vektis_gemeente.csv") && stderr.contains("year"),
        "{stderr}"
    );
}

/// `wijkscan reference cbs` on the real CBS kerncijfers 2024 file: 342 gemeenten (the 81 water
/// rows, all secret, left out and said), secret markers null, percentages as shares.
#[test]
fn the_real_cbs_kerncijfers_file() {
    let tmp = tempfile::tempdir().unwrap();
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .args(["reference", "cbs"])
        .arg(real("cbs_kwb2024_gemeente_stats.csv"))
        .arg("--out")
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("81 water rows"), "{stderr}");
    let t = LazyFrame::scan_parquet(
        PlRefPath::new(tmp.path().join("cbs.parquet").to_string_lossy().as_ref()),
        Default::default(),
    )
    .unwrap()
    .collect()
    .unwrap();
    assert_eq!(t.height(), 342);
    let codes: Vec<String> = t
        .column("area_code")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|c| c.unwrap().to_string())
        .collect();
    let unique: std::collections::BTreeSet<_> = codes.iter().collect();
    assert_eq!(unique.len(), 342);
    let i = codes.iter().position(|c| c == "GM0106").unwrap();
    let residents = t.column("residents").unwrap().f64().unwrap().get(i);
    assert_eq!(residents, Some(69_701.0));
    let share = t
        .column("share_65plus")
        .unwrap()
        .f64()
        .unwrap()
        .get(i)
        .unwrap();
    assert!((share - 0.22).abs() < 1e-12);
    // No secret marker survives as a number.
    for c in ["residents", "households", "woz_eur", "share_0_15"] {
        let col = t.column(c).unwrap().f64().unwrap();
        assert!(col.iter().flatten().all(|v| v >= 0.0), "{c}");
    }
}

/// A Vektis file with only its header would publish Nederland at € 0 per insured year: the
/// import fails naming the file, and writes nothing.
#[test]
fn a_header_only_vektis_file_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let p = head_of_2023(tmp.path(), "vektis_zvw_2023_gemeente.csv", 1);
    let out = tmp.path().join("out");
    let (code, stderr) = import_vektis(&[&p], &out);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("vektis_zvw_2023_gemeente.csv") && stderr.contains("no data rows"),
        "{stderr}"
    );
    assert!(!out.join("vektis.parquet").exists());
}

/// Two files of one year would double every row of it: refused, naming both and the year.
#[test]
fn two_vektis_files_of_one_year_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let a = head_of_2023(tmp.path(), "vektis_zvw_2023_gemeente.csv", 20);
    let b = head_of_2023(tmp.path(), "zvw 2023 again.csv", 20);
    let out = tmp.path().join("out");
    let (code, stderr) = import_vektis(&[&a, &b], &out);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("vektis_zvw_2023_gemeente.csv")
            && stderr.contains("zvw 2023 again.csv")
            && stderr.contains("2023"),
        "{stderr}"
    );
    assert!(!out.join("vektis.parquet").exists());
}
