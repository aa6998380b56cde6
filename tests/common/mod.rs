//! A pure-chance book shared by the calibration tests: persons placed at random over 800 pc5s
//! (40 wijken of 20), heavy-tailed costs drawn with the sample generator's own cost model, a
//! sixth of the persons insured for part of the period, and a norm that is the exact age/sex
//! expectation of each pc5's persons under the book's own (unplanted) rates. Optionally GP
//! practices with patients assigned at random, and four gemeenten of ten wijken.

#![allow(dead_code)]

pub mod served;

use polars::prelude::*;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_distr::Distribution;
use rand_pcg::Pcg64;
use wijkscan::domain::AGE_CLASS_LOWER;
use wijkscan::domain::{Period, CARE_TYPES};
use wijkscan::sample::calibration::INSURED_YEARS;
use wijkscan::sample::people::{draw_costs, frailty, use_probabilities};

pub const PC5S: usize = 800;
pub const PC5_PER_WIJK: usize = 20;

fn pc5_code(i: usize) -> String {
    format!("{}{}", 1000 + i / 26, (b'A' + (i % 26) as u8) as char)
}

/// What to write besides the five inputs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extras {
    /// GP practices (0: none, and no `gp_practices` file). Patients are assigned at random, in
    /// equal numbers (persons / practices, the rest one more), each practice placed in a
    /// random pc5; wijken are then split over four gemeenten.
    pub practices: usize,
    /// Instead of at random, each practice takes the patients of whole pc5s (PC5S / practices
    /// neighbouring ones): its attributed norm is then its patients' exact age/sex expectation.
    pub whole_pc5s: bool,
}

/// Writes the five inputs of a pure-chance book into `dir`; `plant` multiplies every cost of
/// the persons in wijk 0 (its 20 pc5s).
pub fn write_book(dir: &std::path::Path, period: &Period, persons: usize, seed: u64, plant: f64) {
    write_book_with(dir, period, persons, seed, plant, Extras::default())
}

pub fn write_book_with(
    dir: &std::path::Path,
    period: &Period,
    persons: usize,
    seed: u64,
    plant: f64,
    extras: Extras,
) {
    let mut rng = Pcg64::seed_from_u64(seed);
    let days = period.days();
    let start = (period.start - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days();
    let cells: Vec<((usize, usize), f64)> = (0..2)
        .flat_map(|s| (0..19).map(move |c| ((s, c), INSURED_YEARS[s][c])))
        .collect();
    let total_w: f64 = cells.iter().map(|c| c.1).sum();
    let fr = frailty();
    let (mut pid, mut pc5, mut age, mut sex, mut idays) = (vec![], vec![], vec![], vec![], vec![]);
    let mut home: Vec<usize> = Vec::new();
    let (mut cid, mut cperson, mut cdate, mut ctype, mut camount) =
        (vec![], vec![], vec![], vec![], vec![]);
    // Exact age/sex expectation per pc5 needs the data's own rates: sums per (sex, band).
    let band = |a: i64| {
        [5, 15, 25, 45, 65, 75, 85]
            .iter()
            .filter(|&&u| a >= u)
            .count()
    };
    let mut stratum_cost = [[0.0f64; 8]; 2];
    let mut stratum_years = [[0.0f64; 8]; 2];
    let mut pc5_years = vec![[[0.0f64; 8]; 2]; PC5S];
    for k in 0..persons {
        let mut r = rng.gen::<f64>() * total_w;
        let mut cell = cells[cells.len() - 1].0;
        for (c, w) in &cells {
            if r < *w {
                cell = *c;
                break;
            }
            r -= w;
        }
        let (s, class) = cell;
        let a = AGE_CLASS_LOWER[class] as i64 + rng.gen_range(0..5);
        let area = rng.gen_range(0..PC5S);
        // A sixth of the persons are insured for part of the period only.
        let d = if rng.gen_bool(1.0 / 6.0) {
            rng.gen_range(1..days)
        } else {
            days
        };
        let t = d as f64 / 365.0;
        let probs = use_probabilities(a as u32, s == 1, t);
        let f = fr.sample(&mut rng);
        let costs = draw_costs(&mut rng, s, class, t, f, &probs);
        let factor = if area / PC5_PER_WIJK == 0 { plant } else { 1.0 };
        let id = format!("P{k:07}");
        let mut person_cost = 0.0;
        for (c, ct) in CARE_TYPES.iter().enumerate() {
            let cents = (costs[c] * factor * 100.0).round() as i64;
            if cents <= 0 {
                continue;
            }
            cid.push(format!("C{k:07}{c:02}"));
            cperson.push(id.clone());
            cdate.push((start + rng.gen_range(0..days)) as i32);
            ctype.push(*ct);
            camount.push(cents as f64 / 100.0);
            if factor == 1.0 {
                person_cost += cents as f64 / 100.0;
            } else {
                // The norm knows nothing of the plant: it expects unplanted cost.
                person_cost += (costs[c] * 100.0).round() / 100.0;
            }
        }
        let b = band(a);
        stratum_cost[s][b] += person_cost;
        stratum_years[s][b] += t;
        pc5_years[area][s][b] += t;
        pid.push(id);
        pc5.push(pc5_code(area));
        home.push(area);
        age.push(a);
        sex.push(if s == 1 { "V" } else { "M" });
        idays.push(d);
    }
    let write = |name: &str, mut df: DataFrame| {
        let f = std::fs::File::create(dir.join(format!("{name}.parquet"))).unwrap();
        ParquetWriter::new(f).finish(&mut df).unwrap();
    };
    let n = pid.len();
    // Patients to practices at random, in equal numbers: a shuffled round-robin, on a stream of
    // its own so the book without practices is the same.
    let practice_ids: Vec<String> = (0..extras.practices)
        .map(|i| format!("{:08}", 1_000_000 + i))
        .collect();
    let gp: Vec<Option<String>> = if extras.practices == 0 {
        vec![None; n]
    } else if extras.whole_pc5s {
        assert_eq!(PC5S % extras.practices, 0, "whole pc5s per practice");
        home.iter()
            .map(|&a| Some(practice_ids[a / (PC5S / extras.practices)].clone()))
            .collect()
    } else {
        let mut order: Vec<usize> = (0..n).map(|k| k % extras.practices).collect();
        order.shuffle(&mut Pcg64::seed_from_u64(seed ^ 0x5eed_9a7e));
        order
            .into_iter()
            .map(|i| Some(practice_ids[i].clone()))
            .collect()
    };
    write(
        "insured",
        df!(
            "person_id" => pid,
            "pc5" => pc5,
            "age" => age,
            "sex" => sex,
            "gp_practice_id" => gp,
            "insured_days" => idays,
            "household" => vec![Some("single"); n],
            "education" => vec![Some("middle"); n],
            "social_minimum" => vec![Some(false); n],
        )
        .unwrap(),
    );
    let claims = df!(
        "claim_id" => cid,
        "person_id" => cperson,
        "service_date" => cdate,
        "care_type" => ctype,
        "amount_eur" => camount,
    )
    .unwrap()
    .lazy()
    .with_columns([col("service_date").cast(DataType::Date)])
    .collect()
    .unwrap();
    write("zvw_claims", claims);
    let wmo = df!(
        "provision_id" => Vec::<String>::new(),
        "person_id" => Vec::<String>::new(),
        "pc5" => Vec::<String>::new(),
        "provision_type" => Vec::<String>::new(),
        "start_date" => Vec::<i32>::new(),
        "end_date" => Vec::<Option<i32>>::new(),
        "cost_eur" => Vec::<f64>::new(),
    )
    .unwrap()
    .lazy()
    .with_columns([
        col("start_date").cast(DataType::Date),
        col("end_date").cast(DataType::Date),
    ])
    .collect()
    .unwrap();
    write("wmo_provisions", wmo);
    // Norm: Σ_b ρ_b·n_ab with ρ_b the book's own (unplanted) rate per stratum.
    let (mut npc5, mut nyears, mut ncost) = (vec![], vec![], vec![]);
    for (i, y) in pc5_years.iter().enumerate() {
        let mut years = 0.0;
        let mut cost = 0.0;
        for s in 0..2 {
            for b in 0..8 {
                years += y[s][b];
                if stratum_years[s][b] > 0.0 {
                    cost += y[s][b] * stratum_cost[s][b] / stratum_years[s][b];
                }
            }
        }
        if years > 0.0 {
            npc5.push(pc5_code(i));
            nyears.push(years);
            ncost.push((cost * 100.0).round() / 100.0);
        }
    }
    write(
        "norm_costs",
        df!("pc5" => npc5, "insured_years" => nyears, "norm_cost_eur" => ncost).unwrap(),
    );
    // One gemeente, or four of ten wijken each when there are practices to compare with theirs.
    let gemeente = |i: usize| -> (String, String) {
        if extras.practices == 0 {
            ("GM0901".into(), "Toeval".into())
        } else {
            let g = i / PC5_PER_WIJK / 10 + 1;
            (format!("GM090{g}"), format!("Toeval {g}"))
        }
    };
    let codes: Vec<(String, String, String)> = (0..PC5S)
        .map(|i| {
            let w = i / PC5_PER_WIJK;
            let b = (i % PC5_PER_WIJK) / 4;
            (
                pc5_code(i),
                format!("BU{}{w:02}{b:02}", &gemeente(i).0[2..]),
                format!("WK{}{w:02}", &gemeente(i).0[2..]),
            )
        })
        .collect();
    write(
        "areas",
        df!(
            "pc5" => codes.iter().map(|c| c.0.clone()).collect::<Vec<_>>(),
            "buurt_code" => codes.iter().map(|c| c.1.clone()).collect::<Vec<_>>(),
            "buurt_name" => codes.iter().map(|c| format!("Buurt {}", c.1)).collect::<Vec<_>>(),
            "wijk_code" => codes.iter().map(|c| c.2.clone()).collect::<Vec<_>>(),
            "wijk_name" => codes.iter().map(|c| format!("Wijk {}", c.2)).collect::<Vec<_>>(),
            "gemeente_code" => (0..PC5S).map(|i| gemeente(i).0).collect::<Vec<_>>(),
            "gemeente_name" => (0..PC5S).map(|i| gemeente(i).1).collect::<Vec<_>>(),
            "residents" => vec![Some(300i64); PC5S],
        )
        .unwrap(),
    );
    if extras.practices > 0 {
        let mut rng = Pcg64::seed_from_u64(seed ^ 0x0010_ca7e);
        let places: Vec<String> = (0..extras.practices)
            .map(|_| pc5_code(rng.gen_range(0..PC5S)))
            .collect();
        write(
            "gp_practices",
            df!(
                "practice_id" => practice_ids.clone(),
                "practice_name" => (0..extras.practices)
                    .map(|i| format!("Praktijk {i}"))
                    .collect::<Vec<_>>(),
                "pc5" => places,
                "location_wijk_code" => vec![Option::<&str>::None; extras.practices],
            )
            .unwrap(),
        );
    }
}
