#![allow(clippy::needless_range_loop)] // cells are indexed by (sex, class, care type) on purpose
//! The generator against reality: its constants are the Vektis 2023 national figures (recomputed
//! here from the real file), and a generated year reproduces them within 10%.

use polars::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use wijkscan::domain::{Period, CARE_TYPES};
use wijkscan::domain::{AGE_CLASS_LABELS, AGE_CLASS_LOWER};
use wijkscan::progress::Silent;
use wijkscan::sample::calibration::COST_PER_YEAR;
use wijkscan::sample::people::{
    draw_costs, frailty, relative_se, relative_se_total, use_probabilities,
};
use wijkscan::sample::{generate, SampleOptions};

fn real(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/real")
        .join(file)
}

/// Vektis columns per care type (the mapping documented in calibration.rs).
fn mapping() -> Vec<(&'static str, Vec<&'static str>)> {
    vec![
        (
            "huisarts",
            vec![
                "kosten_huisarts_inschrijftarief",
                "kosten_huisarts_consult",
                "kosten_huisarts_mdz",
                "kosten_huisarts_overig",
            ],
        ),
        ("farmacie", vec!["kosten_farmacie"]),
        ("msz", vec!["kosten_medisch_specialistische_z"]),
        ("ggz_basis", vec!["kosten_consulten_ggz"]),
        (
            "ggz_specialistisch",
            vec![
                "kosten_intramuraal_verblijf_ggz",
                "kosten_overige_prestaties_ggz",
                "kosten_innovatiegelden_ggz",
            ],
        ),
        ("wijkverpleging", vec!["kosten_verpleging_en_verzorging"]),
        ("fysiotherapie", vec!["kosten_paramedische_zorg_fysioth"]),
        ("paramedisch", vec!["kosten_paramedische_zorg_overig"]),
        ("hulpmiddelen", vec!["kosten_hulpmiddelen"]),
        (
            "ziekenvervoer",
            vec![
                "kosten_ziekenvervoer_zittend",
                "kosten_ziekenvervoer_liggend",
            ],
        ),
        (
            "kraamzorg",
            vec![
                "kosten_kraamzorg",
                "kosten_verloskundige_zorg",
                "kosten_integrale_geboortezorg",
            ],
        ),
        ("mondzorg", vec!["kosten_mondzorg"]),
        (
            "overig",
            vec![
                "kosten_grensoverschrijdende_zorg",
                "kosten_eerstelijns_ondersteuning",
                "kosten_geriatrische_revalidatiez",
                "kosten_eerstelijnsverblijf",
                "kosten_gzsp",
                "kosten_overig",
            ],
        ),
    ]
}

#[test]
fn constants_are_the_vektis_2023_figures_to_the_cent() {
    let text = std::fs::read_to_string(real("vektis_zvw_2023_gemeente.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(';').collect();
    let at = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let map = mapping();
    // Every cost column is mapped exactly once.
    let mut mapped: Vec<&str> = map.iter().flat_map(|(_, cs)| cs.iter().copied()).collect();
    mapped.sort();
    let mut costs: Vec<&str> = header
        .iter()
        .copied()
        .filter(|h| h.starts_with("kosten_"))
        .collect();
    costs.sort();
    assert_eq!(mapped, costs);
    let mut sums: HashMap<(String, String), (f64, [f64; 13])> = HashMap::new();
    let mut rest_rows = 0;
    for line in lines {
        let f: Vec<&str> = line.split(';').collect();
        let (sex, class, gemeente) = (
            f[at("geslacht")],
            f[at("leeftijdsklasse")].trim(),
            f[at("gemeentenaam")],
        );
        if sex.is_empty() || class.is_empty() || gemeente.is_empty() {
            rest_rows += 1; // the rest row of cells under 10 insured
            continue;
        }
        let num = |c: &str| f[at(c)].trim().parse::<f64>().unwrap_or(0.0);
        let e = sums
            .entry((sex.to_string(), class.to_string()))
            .or_insert((0.0, [0.0; 13]));
        e.0 += num("aantal_verzekerdejaren");
        for (i, (_, cols)) in map.iter().enumerate() {
            e.1[i] += cols.iter().map(|c| num(c)).sum::<f64>();
        }
    }
    assert_eq!(rest_rows, 1);
    for (s, sex) in ["M", "V"].iter().enumerate() {
        for (c, label) in AGE_CLASS_LABELS.iter().enumerate() {
            let (years, cost) = &sums[&(sex.to_string(), label.to_string())];
            for (i, (ct, _)) in map.iter().enumerate() {
                let want = (cost[i] / years * 100.0).round() / 100.0;
                assert_eq!(CARE_TYPES[i], *ct);
                assert!(
                    (COST_PER_YEAR[s][c][i] - want).abs() < 0.005,
                    "{sex} {label} {ct}: constant {} vs file {want}",
                    COST_PER_YEAR[s][c][i]
                );
            }
        }
    }
}

/// The generator's cost model per cell: 40,000 simulated persons per (sex, age class), one
/// insured year each, drawn by `draw_costs` (the function the generator uses). Every cell —
/// (sex, class) totals and (sex, class, care type) — whose relative standard error under the
/// model is at most 2.5% must be within 10% (four standard errors); the test counts how many.
#[test]
fn the_cost_model_matches_vektis_per_cell() {
    use rand::SeedableRng;
    use rand_distr::Distribution;
    let n = 40_000;
    let mut rng = rand_pcg::Pcg64::seed_from_u64(2023);
    let frailty = frailty();
    let (mut cells, mut totals) = (0, 0);
    for s in 0..2 {
        for c in 0..19 {
            let age = AGE_CLASS_LOWER[c] + 2;
            let probs = use_probabilities(age, s == 1, 1.0);
            let mut sums = [0.0f64; 13];
            for _ in 0..n {
                let f = frailty.sample(&mut rng);
                let x = draw_costs(&mut rng, s, c, 1.0, f, &probs);
                for k in 0..13 {
                    sums[k] += x[k];
                }
            }
            let want: f64 = COST_PER_YEAR[s][c].iter().sum();
            let got: f64 = sums.iter().sum::<f64>() / n as f64;
            if relative_se_total(&COST_PER_YEAR[s][c], age, s == 1, n as f64) <= 0.025 {
                assert!(
                    (got / want - 1.0).abs() < 0.10,
                    "sex {s} class {c}: {got:.0} vs {want:.0}"
                );
                totals += 1;
            }
            for k in 0..13 {
                let want = COST_PER_YEAR[s][c][k];
                if want <= 0.0 || relative_se(CARE_TYPES[k], age, s == 1, n as f64) > 0.025 {
                    continue;
                }
                let got = sums[k] / n as f64;
                assert!(
                    (got / want - 1.0).abs() < 0.10,
                    "sex {s} class {c} {}: {got:.2} vs {want:.2}",
                    CARE_TYPES[k]
                );
                cells += 1;
            }
        }
    }
    assert_eq!(
        totals, 38,
        "every (sex, class) total is precise enough at this size"
    );
    // 126 cells qualify at this size; rare, heavy-tailed cells (e.g. specialist GGZ) need far
    // more persons to judge and are left out rather than tested on noise.
    assert!(
        cells >= 120,
        "only {cells} of 494 cells were precise enough to check"
    );
}

/// A generated year written to Parquet and read back with polars: cost per care type over all
/// ages within 10% of the constants applied to the sample's own persons (for the care types whose
/// model SE is at most 2.5% at this size), and the heavy tail: the top 1% of persons carry
/// 20–40% of cost.
#[test]
fn generated_files_match_per_care_type_and_are_heavy_tailed() {
    let dir = tempfile::tempdir().unwrap();
    let opts = SampleOptions {
        persons: 60_000,
        period: Period::parse("2023").unwrap(),
        seed: 11,
        dirt: false,
        ..Default::default()
    };
    generate(&opts, dir.path(), &Silent).unwrap();
    let scan = |f: &str| {
        LazyFrame::scan_parquet(
            PlRefPath::new(dir.path().join(f).to_string_lossy().as_ref()),
            Default::default(),
        )
        .unwrap()
    };
    let mut aggs = vec![col("amount_eur").sum().alias("total")];
    for ct in CARE_TYPES {
        aggs.push(
            col("amount_eur")
                .filter(col("care_type").eq(lit(ct)))
                .sum()
                .alias(ct),
        );
    }
    let per_person = scan("zvw_claims.parquet")
        .group_by([col("person_id")])
        .agg(aggs);
    let df = scan("insured.parquet")
        .left_join(per_person, col("person_id"), col("person_id"))
        .collect()
        .unwrap();
    let ints = |c: &str| -> Vec<i64> {
        df.column(c)
            .unwrap()
            .cast(&DataType::Int64)
            .unwrap()
            .i64()
            .unwrap()
            .iter()
            .map(|v| v.unwrap())
            .collect()
    };
    let (ages, days) = (ints("age"), ints("insured_days"));
    let women: Vec<bool> = df
        .column("sex")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v == Some("V"))
        .collect();
    let cost = |c: &str| -> Vec<f64> {
        df.column(c)
            .unwrap()
            .f64()
            .unwrap()
            .iter()
            .map(|v| v.unwrap_or(0.0))
            .collect()
    };
    let class_of = |age: i64| {
        AGE_CLASS_LOWER
            .iter()
            .rposition(|l| age >= *l as i64)
            .unwrap()
    };
    let mut checked = 0;
    for (k, ct) in CARE_TYPES.iter().enumerate() {
        // The precision of an all-ages mean, judged at a middle age; rare types are skipped.
        if relative_se(ct, 45, false, df.height() as f64) > 0.025 {
            continue;
        }
        checked += 1;
        let got: f64 = cost(ct).iter().sum();
        let want: f64 = (0..df.height())
            .map(|i| {
                COST_PER_YEAR[usize::from(women[i])][class_of(ages[i])][k] * days[i] as f64 / 365.0
            })
            .sum();
        assert!(
            (got / want - 1.0).abs() < 0.10,
            "{ct}: {got:.0} vs {want:.0}"
        );
    }
    assert!(checked >= 5, "only {checked} care types precise enough");
    let mut total = cost("total");
    total.sort_by(|a, b| b.total_cmp(a));
    let top: f64 = total[..total.len() / 100].iter().sum();
    let share = top / total.iter().sum::<f64>();
    assert!(
        (0.20..=0.40).contains(&share),
        "top 1% carry {share:.3} of cost"
    );
}
