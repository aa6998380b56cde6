//! SPEC 3.2 as a property: for random inputs, every bucket equals what a plain model of the
//! rules computes, the buckets add up to the input to the cent, and every level of the profile
//! sums to the area bucket.

use polars::prelude::*;
use proptest::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use wijkscan::domain::Period;
use wijkscan::pipeline;
use wijkscan::pipeline::Stage;

const KNOWN_PC5: [&str; 4] = ["7511A", "7511B", "7512A", "6811C"];
const UNKNOWN_PC5: [&str; 2] = ["9999Z", "1000A"];
const CARE: [&str; 4] = ["msz", "farmacie", "huisarts", "wijkverpleging"];

#[derive(Debug, Clone)]
struct Claim {
    person: usize, // index into persons; beyond insured = unassigned
    day: i64,      // offset from 2024-07-01; <0 or >91 lies outside 2024Q3
    care: usize,
    cents: i64,
    copies: usize,
}

#[derive(Debug, Clone)]
struct Case {
    pc5_of: Vec<usize>, // per insured person: index into KNOWN ++ UNKNOWN
    claims: Vec<Claim>,
    wmo: Vec<(usize, usize, i64, Option<i64>, i64)>, // person, pc5, start offset, end offset, cents
}

fn case() -> impl Strategy<Value = Case> {
    (1usize..25).prop_flat_map(|n| {
        let claim = (
            0..n + 3,
            -10i64..100,
            0..CARE.len(),
            -20_000i64..200_000,
            1usize..3,
        )
            .prop_map(|(person, day, care, cents, copies)| Claim {
                person,
                day,
                care,
                cents,
                copies,
            });
        let wmo = (
            0..n + 3,
            0..6usize,
            -400i64..100,
            proptest::option::of(-200i64..300),
            0i64..90_000,
        );
        (
            proptest::collection::vec(0..6usize, n),
            proptest::collection::vec(claim, 1..60),
            proptest::collection::vec(wmo, 0..15),
        )
            .prop_map(|(pc5_of, claims, wmo)| Case {
                pc5_of,
                claims,
                wmo: wmo
                    .into_iter()
                    .map(|(p, a, s, e, c)| (p, a, s, e.map(|e| e.max(s)), c))
                    .collect(),
            })
    })
}

fn pc5(i: usize) -> &'static str {
    if i < KNOWN_PC5.len() {
        KNOWN_PC5[i]
    } else {
        UNKNOWN_PC5[i - KNOWN_PC5.len()]
    }
}

fn date(offset: i64) -> String {
    let d = chrono::NaiveDate::from_ymd_opt(2024, 7, 1).unwrap() + chrono::Duration::days(offset);
    d.to_string()
}

fn euros(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

fn write_case(dir: &std::path::Path, c: &Case) {
    let mut areas = String::from(
        "pc5,buurt_code,buurt_name,wijk_code,wijk_name,gemeente_code,gemeente_name,residents\n",
    );
    areas += "7511A,BU01530101,A,WK015301,W1,GM0153,Enschede,40\n";
    areas += "7511B,BU01530101,A,WK015301,W1,GM0153,Enschede,\n";
    areas += "7512A,BU01530201,B,WK015302,W2,GM0153,Enschede,70\n";
    areas += "6811C,BU02020101,C,WK020201,W3,GM0202,Arnhem,10\n";
    std::fs::write(dir.join("areas.csv"), areas).unwrap();
    let mut ins = String::from(
        "person_id,pc5,age,sex,gp_practice_id,insured_days,household,education,social_minimum\n",
    );
    for (i, p) in c.pc5_of.iter().enumerate() {
        writeln!(
            ins,
            "p{i},{},{},M,,{},,,",
            pc5(*p),
            (i * 7) % 100,
            1 + (i * 13) % 92
        )
        .unwrap();
    }
    std::fs::write(dir.join("insured.csv"), ins).unwrap();
    let mut cl = String::from("claim_id,person_id,service_date,care_type,amount_eur\n");
    for (k, x) in c.claims.iter().enumerate() {
        for _ in 0..x.copies {
            writeln!(
                cl,
                "c{k},p{},{},{},{}",
                x.person,
                date(x.day),
                CARE[x.care],
                euros(x.cents)
            )
            .unwrap();
        }
    }
    std::fs::write(dir.join("zvw_claims.csv"), cl).unwrap();
    let mut w =
        String::from("provision_id,person_id,pc5,provision_type,start_date,end_date,cost_eur\n");
    for (k, (p, a, s, e, cents)) in c.wmo.iter().enumerate() {
        let end = e.map(date).unwrap_or_default();
        writeln!(
            w,
            "w{k},p{p},{},vervoer,{},{end},{}",
            pc5(*a),
            date(*s),
            euros(*cents)
        )
        .unwrap();
    }
    std::fs::write(dir.join("wmo_provisions.csv"), w).unwrap();
    std::fs::write(
        dir.join("norm_costs.csv"),
        "pc5,insured_years,norm_cost_eur\n7511A,1.5,900.10\n",
    )
    .unwrap();
}

/// The buckets by the plain rules of SPEC 3.2, in cents.
fn model(c: &Case) -> (i64, [i64; 5], [i64; 3]) {
    let insured: HashMap<usize, usize> = c.pc5_of.iter().copied().enumerate().collect();
    let mut zvw = [0i64; 5];
    let mut input = 0;
    for x in &c.claims {
        input += x.cents * x.copies as i64;
        zvw[0] += x.cents * (x.copies as i64 - 1);
        let slot = if !(0..=91).contains(&x.day) {
            1
        } else {
            match insured.get(&x.person) {
                None => 2,
                Some(p) if *p >= KNOWN_PC5.len() => 3,
                Some(_) => 4,
            }
        };
        zvw[slot] += x.cents;
    }
    let mut wmo = [0i64; 3];
    for (_, a, s, e, cents) in &c.wmo {
        let overlaps = *s <= 91 && e.is_none_or(|e| e >= 0);
        let slot = if !overlaps {
            0
        } else if *a >= KNOWN_PC5.len() {
            1
        } else {
            2
        };
        wmo[slot] += cents;
    }
    (input, zvw, wmo)
}

fn level_sums(df: &DataFrame, column: &str) -> Vec<(String, i64)> {
    let out = df
        .clone()
        .lazy()
        .group_by([col("level")])
        .agg([col(column).sum().cast(DataType::Int64)])
        .sort(["level"], Default::default())
        .collect()
        .unwrap();
    let levels = out.column("level").unwrap().str().unwrap();
    let sums = out.column(column).unwrap().i64().unwrap();
    levels
        .iter()
        .zip(sums.iter())
        .map(|(l, s)| (l.unwrap().to_string(), s.unwrap_or(0)))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn every_level_reconciles_to_the_input(c in case()) {
        let dir = tempfile::tempdir().unwrap();
        write_case(dir.path(), &c);
        let period = Period::parse("2024Q3").unwrap();
        // min_cell 1: nothing with a person in it is hidden, so published sums are checkable.
        let p = pipeline::execute_folder(dir.path(), &period, 1, Stage::Profile)
            .unwrap()
            .profiled;
        let (input, zvw, wmo) = model(&c);
        prop_assert_eq!(p.zvw.input.cents, input);
        let got: Vec<i64> = p.zvw.buckets.iter().map(|b| b.cents).collect();
        prop_assert_eq!(&got[..], &zvw[..]);
        prop_assert_eq!(zvw.iter().sum::<i64>(), input);
        let got: Vec<i64> = p.wmo.buckets.iter().map(|b| b.cents).collect();
        prop_assert_eq!(&got[..], &wmo[..]);
        prop_assert!(p.zvw.balanced && p.wmo.balanced);
        // Level sums from the unsuppressed level table (the published one hides empty areas).
        let levels: BTreeSet<String> = level_sums(&p.raw, "zvw_cents").into_iter().map(|(l, s)| {
            assert_eq!(s, zvw[4], "zvw at level {l}");
            l
        }).collect();
        prop_assert_eq!(levels.len(), 5);
        for (l, s) in level_sums(&p.raw, "wmo_cents") {
            prop_assert_eq!(s, wmo[2], "wmo at level {}", l);
        }
    }
}
