//! The effect estimate is calibrated (METHODS 10): with no effect planted, p < 0.05 in about 5%
//! of (area, seed) draws — each wijk of each generated series taken as treated in turn — and a
//! planted effect is found.
//!
//! In CI (debug, about half a minute a seed) five series of 60,000 insured: the raw line has
//! some 40 wijken a series; the capped line only the wijken whose capped figure is published in
//! all eight quarters (0 or at least min_cell persons capped), too few here for a p below 0.05
//! in most draws, so its calibration at scale is `#[ignore]`d and run in release by
//! `scripts/effect_power.sh` with the power study; the figures are in BENCHMARKS.md.

use assert_cmd::Command;
use std::path::Path;
use wijkscan::domain::{Level, Period};
use wijkscan::sample::effect::PlantedEffect;
use wijkscan::sample::series::{generate_series, SeriesOptions};
use wijkscan::stages::effects::estimate::{estimate, EffectResult, Outcome};
use wijkscan::stages::effects::intervention::Intervention;
use wijkscan::stages::monitoring::panel::{from_frame, PanelRow};

const PERIODS: &str = "2023Q1..2024Q4";

fn periods() -> Vec<String> {
    Period::series(PERIODS)
        .unwrap()
        .iter()
        .map(|p| p.label())
        .collect()
}

/// One series (no planted trend or drop; every period complete), run at wijk level without
/// the parts an effect does not use; its panel.
fn series_panel(
    dir: &Path,
    persons: usize,
    seed: u64,
    effect: Option<PlantedEffect>,
) -> Vec<PanelRow> {
    let tag = effect
        .as_ref()
        .map_or(String::new(), |e| format!("e{}", e.size));
    let data = dir.join(format!("s{seed}{tag}"));
    let opts = SeriesOptions {
        plant: false,
        extract_months_after: 12,
        lines_per_person_year: 3.0,
        effect,
        ..SeriesOptions::new(persons, Period::series(PERIODS).unwrap(), seed)
    };
    generate_series(&opts, &data, &wijkscan::progress::Silent).unwrap();
    let pipeline = dir.join(format!("p{seed}{tag}.toml"));
    std::fs::write(
        &pipeline,
        format!(
            "name = \"c{seed}{tag}\"\nperiods = \"{PERIODS}\"\n[inputs]\ndir = \"{}\"\n[profile]\nlevels = [\"wijk\", \"gemeente\", \"total\"]\n\
             [focus]\nbuiltin = []\npropose = false\n[practices]\nenabled = false\n",
            data.display()
        ),
    )
    .unwrap();
    let run = dir.join(format!("r{seed}{tag}"));
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .arg("run")
        .arg(&pipeline)
        .arg("--out")
        .arg(&run)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let panel = from_frame(
        &wijkscan::pipeline::cache::read_panel(&run)
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    for done in [data, run.clone(), wijkscan::run_folder::private_dir(&run)] {
        let _ = std::fs::remove_dir_all(done);
    }
    panel
}

fn wijken(panel: &[PanelRow]) -> Vec<String> {
    let mut w: Vec<String> = panel
        .iter()
        .filter(|r| r.level == Level::Wijk)
        .map(|r| r.area_code.clone())
        .collect();
    w.sort();
    w.dedup();
    w
}

fn effect_of(panel: &[PanelRow], code: &str) -> Vec<EffectResult> {
    let iv = Intervention {
        name: "t".into(),
        areas: vec![code.into()],
        start: "2024Q1".into(),
        segment: None,
        comparison: None,
    };
    estimate(&iv, panel, None, &periods(), &[false; 8]).unwrap_or_default()
}

/// p < 0.05 rates and interval coverage over every wijk of `seeds` series, per line.
fn null_draws(persons: usize, seeds: std::ops::Range<u64>) -> (Vec<f64>, Vec<f64>, usize) {
    let tmp = tempfile::tempdir().unwrap();
    let (mut capped, mut raw) = (Vec::new(), Vec::new());
    let mut covered = 0;
    for seed in seeds {
        let panel = series_panel(tmp.path(), persons, seed, None);
        for code in wijken(&panel) {
            for r in effect_of(&panel, &code) {
                if r.estimate.too_few_donors {
                    continue; // no p below 0.05 exists: not a draw of this test
                }
                if r.estimate
                    .ci_low
                    .zip(r.estimate.ci_high)
                    .is_some_and(|(a, b)| a <= 0.0 && b >= 0.0)
                {
                    covered += 1;
                }
                match r.outcome {
                    Outcome::Capped => capped.push(r.estimate.p_value),
                    _ => raw.push(r.estimate.p_value),
                }
            }
        }
    }
    (capped, raw, covered)
}

fn rate(ps: &[f64]) -> f64 {
    ps.iter().filter(|p| **p < 0.05).count() as f64 / ps.len().max(1) as f64
}

#[test]
fn under_no_effect_p_below_005_in_about_5_percent_of_draws() {
    let (capped, raw, covered) = null_draws(60_000, 9100..9105);
    let (rc, rr) = (rate(&capped), rate(&raw));
    println!(
        "no effect: raw p < 0.05 in {:.1}% of {} draws, capped in {:.1}% of {}; 95% interval holds 0 in {:.1}%",
        100.0 * rr,
        raw.len(),
        100.0 * rc,
        capped.len(),
        100.0 * covered as f64 / (capped.len() + raw.len()) as f64
    );
    assert!(raw.len() >= 200, "{} raw draws", raw.len());
    assert!((0.02..=0.09).contains(&rr), "raw: {rr}");
    // The interval and p agree by construction (METHODS 10): 0 is outside ⇔ p ≤ 0.05.
    let inside = covered as f64 / (capped.len() + raw.len()) as f64;
    assert!((0.9..=0.98).contains(&inside), "{inside}");
}

/// The capped line's calibration at scale (release): ≥ 200 draws.
#[test]
#[ignore]
fn under_no_effect_the_capped_line_is_calibrated_at_scale() {
    let seeds: u64 = std::env::var("SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let (capped, raw, _) = null_draws(120_000, 5100..5100 + seeds);
    println!(
        "no effect at 120,000 insured: capped p < 0.05 in {:.1}% of {} draws, raw in {:.1}% of {}",
        100.0 * rate(&capped),
        capped.len(),
        100.0 * rate(&raw),
        raw.len()
    );
    assert!(capped.len() >= 200, "{} capped draws", capped.len());
    assert!((0.02..=0.09).contains(&rate(&capped)));
}

/// The power study (release: `scripts/effect_power.sh`). Per seed the same series is made with
/// and without the effect planted in the largest wijk (about 4,000 insured), so the true effect
/// on the capped outcome is known (the difference of the two runs' treated series); the effect
/// is found when p < 0.05, and the interval covers the truth or not. SEEDS and SIZES (comma
/// separated, −0.2 …) from the environment.
#[test]
#[ignore]
fn a_planted_effect_is_found() {
    let seeds: u64 = std::env::var("SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let sizes: Vec<f64> = std::env::var("SIZES")
        .unwrap_or_else(|_| "-0.2,-0.1,-0.05".into())
        .split(',')
        .map(|s| s.trim().parse().unwrap())
        .collect();
    let persons: usize = std::env::var("PERSONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(80_000);
    let tmp = tempfile::tempdir().unwrap();
    let mut power_20 = None;
    for size in sizes {
        let (mut found, mut covered, mut n) = (0, 0, 0);
        let mut donors = Vec::new();
        for seed in 0..seeds {
            let seed = 7700 + seed;
            let base = series_panel(tmp.path(), persons, seed, None);
            // The largest wijk by insured years.
            let treated = base
                .iter()
                .filter(|r| r.level == Level::Wijk && r.period == "2023Q1")
                .max_by(|a, b| {
                    a.insured_years
                        .unwrap_or(0.0)
                        .total_cmp(&b.insured_years.unwrap_or(0.0))
                })
                .map(|r| r.area_code.clone())
                .unwrap();
            let effect = PlantedEffect::parse(&format!("{treated},2024Q1,{size}")).unwrap();
            let planted = series_panel(tmp.path(), persons, seed, Some(effect));
            let truth_of = |p: &[PanelRow]| -> Option<Vec<f64>> {
                periods()
                    .iter()
                    .map(|q| {
                        p.iter()
                            .find(|r| r.area_code == treated && r.period == *q)?
                            .capped
                    })
                    .collect()
            };
            let (Some(a), Some(b)) = (truth_of(&planted), truth_of(&base)) else {
                continue;
            };
            let d: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x - y).collect();
            let truth = d[4..].iter().sum::<f64>() / 4.0 - d[..4].iter().sum::<f64>() / 4.0;
            let Some(r) = effect_of(&planted, &treated)
                .into_iter()
                .find(|r| r.outcome == Outcome::Capped)
            else {
                continue;
            };
            n += 1;
            donors.push(r.donors.len());
            if r.estimate.p_value < 0.05 {
                found += 1;
            }
            if r.estimate
                .ci_low
                .zip(r.estimate.ci_high)
                .is_some_and(|(lo, hi)| lo <= truth && truth <= hi)
            {
                covered += 1;
            }
        }
        println!(
            "planted {:+.0}% on raw claims: found (p < 0.05) in {found} of {n} seeds, interval covers the true capped effect in {covered}; donors {:?}",
            100.0 * size,
            donors
        );
        if (size + 0.2).abs() < 1e-9 {
            power_20 = Some((found as f64 / n as f64, covered as f64 / n as f64));
        }
    }
    if let Some((power, coverage)) = power_20 {
        assert!(power >= 0.8, "power at −20%: {power}");
        assert!(coverage >= 0.9, "coverage at −20%: {coverage}");
    }
}
