//! Calibration of the outlier flags (issue: "calibration is tested, not assumed"): on data where
//! areas differ only by chance — persons placed at random over pc5s, heavy-tailed costs drawn
//! with the sample generator's own cost model, norm = the exact age/sex expectation of each
//! pc5's persons — about 5% of pc5s fall outside the 95% limits (low as well as high) and few
//! beyond 99.8%, for a year and for a quarter with part-period insured persons. A +30% wijk in
//! quarter data is flagged high with the default settings.

mod common;

use common::write_book;
use wijkscan::domain::Period;
use wijkscan::pipeline;
use wijkscan::pipeline::Stage;
use wijkscan::stages::outliers::flags::{detect, Detected, Settings};
use wijkscan::stats::overdispersion::Method;

fn judge(period: &str, persons: usize, seed: u64, plant: f64, settings: Settings) -> Detected {
    let dir = tempfile::tempdir().unwrap();
    let period = Period::parse(period).unwrap();
    write_book(dir.path(), &period, persons, seed, plant);
    let p = pipeline::execute_folder(dir.path(), &period, 10, Stage::Profile)
        .unwrap()
        .profiled;
    detect(&p.raw, &p.profile, &p.persons, settings, 10).unwrap()
}

/// Shares of pc5s outside the 95% limits (high, low) and beyond 99.8%, with the count judged.
fn pc5_shares(d: &Detected) -> (f64, f64, f64, usize) {
    let fit = d
        .fits
        .iter()
        .find(|f| f.level.as_str() == "pc5" && f.metric == "oe_norm")
        .expect("an O/E fit at pc5 level");
    let flags: Vec<_> = d
        .flags
        .iter()
        .filter(|f| f.level.as_str() == "pc5" && f.metric == "oe_norm")
        .collect();
    let n = fit.areas as f64;
    let high = flags.iter().filter(|f| f.direction == "high").count() as f64 / n;
    let low = flags.iter().filter(|f| f.direction == "low").count() as f64 / n;
    let beyond = flags.iter().filter(|f| f.limit == "99.8").count() as f64 / n;
    (high, low, beyond, fit.areas)
}

fn pure_chance(period: &str, persons: usize, seed: u64) {
    let settings = Settings {
        method: Method::None,
        ..Settings::default()
    };
    let d = judge(period, persons, seed, 1.0, settings);
    let (high, low, beyond, n) = pc5_shares(&d);
    let outside = high + low;
    eprintln!(
        "{period}: {n} pc5s, outside 95%: {:.2}% ({:.2}% high, {:.2}% low), beyond 99.8%: {:.2}%",
        100.0 * outside,
        100.0 * high,
        100.0 * low,
        100.0 * beyond
    );
    assert!(n >= 700, "{n} pc5s judged");
    assert!(
        (0.035..=0.065).contains(&outside),
        "{period}: {:.2}% outside the 95% limits",
        100.0 * outside
    );
    assert!(
        low >= 0.01 && high >= 0.01,
        "{period}: low and high flags both expected"
    );
    assert!(
        beyond <= 0.012,
        "{period}: {:.2}% beyond 99.8%",
        100.0 * beyond
    );
    // The care-type metrics (capped per care type, against age/sex standardisation): over all
    // pc5 points of all care types, about 5% outside the 95% limits too.
    let judged: usize = d
        .fits
        .iter()
        .filter(|f| f.level.as_str() == "pc5" && f.metric.starts_with("zvw_"))
        .map(|f| f.areas)
        .sum();
    let flagged = d
        .flags
        .iter()
        .filter(|f| f.level.as_str() == "pc5" && f.metric.starts_with("zvw_"))
        .count();
    let share = flagged as f64 / judged as f64;
    eprintln!(
        "{period}: care types, {judged} pc5 points, {:.2}% outside 95%",
        100.0 * share
    );
    assert!(judged > 3000, "{judged}");
    assert!(
        (0.025..=0.065).contains(&share),
        "{period}: care types {:.2}%",
        100.0 * share
    );
    // The capped default was used and is reported.
    assert!(d.basis.capped && d.basis.kappa < 1.0 && d.basis.kappa > 0.8);
}

#[test]
fn pure_chance_quarter_with_part_period_persons() {
    pure_chance("2024Q3", 140_000, 11);
}

#[test]
fn pure_chance_year_with_part_period_persons() {
    pure_chance("2024", 140_000, 12);
}

#[test]
fn a_thirty_percent_wijk_is_flagged_high_in_a_quarter() {
    let d = judge("2024Q3", 140_000, 13, 1.3, Settings::default());
    let flag = d
        .flags
        .iter()
        .find(|f| f.level.as_str() == "wijk" && f.area_code == "WK090100" && f.metric == "oe_norm");
    let fit = d
        .fits
        .iter()
        .find(|f| f.level.as_str() == "wijk" && f.metric == "oe_norm");
    let flag = flag.unwrap_or_else(|| panic!("WK090100 not flagged; fit {fit:?}"));
    assert_eq!(flag.direction, "high", "{flag:?}");
    // No other wijk is flagged high at 99.8% on O/E: the rest is chance.
    assert!(
        !d.flags.iter().any(|f| f.level.as_str() == "wijk"
            && f.metric == "oe_norm"
            && f.area_code != "WK090100"
            && f.limit == "99.8"),
        "{:?}",
        d.flags
    );
}
