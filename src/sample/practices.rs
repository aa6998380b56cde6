//! GP practices of the synthetic sample (SPEC 3.7): practices of 1–6 GPs located in pc5s of
//! each gemeente, sized at about 2,000–2,500 patients per GP of whom the insurer has a share,
//! and the choice of practice per person: mostly in the own wijk, else elsewhere in the
//! gemeente (20–40% of a practice's patients live in another wijk), 1–2% not registered.
//! A few practices draw markedly older patients, a few markedly frailer (costlier) ones.
//!
//! The choice uses its own random stream per person, so adding practices left every other
//! generated value (ages, costs, claim lines) exactly as it was.

use super::geography::Area;
use super::seed::mix;
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;
use std::collections::BTreeMap;

/// The insurer's share of a practice's patients (2.1 M insured ↔ about 1,000 practices).
const MARKET_SHARE: f64 = 0.4;
/// How much more likely a person registers with a practice in the own wijk than with one
/// elsewhere in the gemeente, per unit of capacity.
const OWN_WIJK_PULL: f64 = 40.0;
/// Share of persons registered with no practice.
pub const NOT_REGISTERED: f64 = 0.015;
/// Extra pull of an "older" practice on persons aged 75+, of a "costlier" one on frail persons.
const SPECIAL_PULL: f64 = 4.0;

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Ordinary,
    /// Draws persons aged 75+ (a practice near care homes).
    Older,
    /// Draws frail persons (a practice with many chronically ill patients).
    Costlier,
}

#[derive(Debug, Clone)]
pub struct Practice {
    pub id: String,
    pub name: String,
    pub pc5: String,
    pub wijk_code: String,
    pub gemeente_code: String,
    pub gps: u32,
    /// Expected insured patients.
    pub capacity: f64,
    pub kind: Kind,
}

/// Practices and, per wijk, the cumulative choice weights over its gemeente's practices.
pub struct PracticePlan {
    pub seed: u64,
    pub practices: Vec<Practice>,
    /// wijk code → (practice indices, cumulative weights).
    by_wijk: BTreeMap<String, (Vec<usize>, Vec<f64>)>,
}

const GP_COUNTS: [(u32, f64); 6] = [
    (1, 0.30),
    (2, 0.30),
    (3, 0.18),
    (4, 0.11),
    (5, 0.06),
    (6, 0.05),
];

fn gp_count(r: f64) -> u32 {
    let mut acc = 0.0;
    for (n, p) in GP_COUNTS {
        acc += p;
        if r < acc {
            return n;
        }
    }
    6
}

const NAMES: [&str; 12] = [
    "Huisartsenpraktijk",
    "Gezondheidscentrum",
    "Huisartsen",
    "Medisch Centrum",
    "Huisartsengroep",
    "Praktijk",
    "Huisartsenpraktijk",
    "Gezondheidscentrum",
    "Huisartsen",
    "Huisartsenpraktijk",
    "Zorgcentrum",
    "Huisartsenpraktijk",
];

/// Plans the practices for `persons` insured over `areas` (deterministic for the seed).
pub fn plan(areas: &[Area], persons: usize, seed: u64) -> PracticePlan {
    let mut rng = Pcg64::seed_from_u64(mix(seed ^ 0x6750_5241_4354_0000));
    let total_weight: f64 = areas.iter().map(|a| a.weight).sum::<f64>().max(1e-9);
    // Areas per gemeente, in file order.
    let mut gemeenten: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, a) in areas.iter().enumerate() {
        gemeenten
            .entry(a.gemeente_code.as_str())
            .or_default()
            .push(i);
    }
    let mut practices = Vec::new();
    for (g, idx) in &gemeenten {
        let weight: f64 = idx.iter().map(|&i| areas[i].weight).sum();
        let expected = persons as f64 * weight / total_weight;
        let mut capacity = 0.0;
        // At least one practice per gemeente; then until the expected patients are served.
        while capacity < expected || practices.iter().all(|p: &Practice| p.gemeente_code != *g) {
            let gps = gp_count(rng.gen());
            let size = f64::from(gps) * rng.gen_range(2000.0..2500.0) * MARKET_SHARE;
            // Located in a pc5 drawn by residents: practices sit where people live.
            let r = rng.gen::<f64>() * weight;
            let mut acc = 0.0;
            let mut at = idx[idx.len() - 1];
            for &i in idx {
                acc += areas[i].weight;
                if r < acc {
                    at = i;
                    break;
                }
            }
            let n = practices.len();
            let kind = match rng.gen_range(0..100) {
                0..=3 => Kind::Older,
                4..=7 => Kind::Costlier,
                _ => Kind::Ordinary,
            };
            let area = &areas[at];
            practices.push(Practice {
                // AGB codes of GP practices start with 01 (zorgverlenerssoort huisartsen).
                id: format!("01{:06}", 10_000 + mix(seed ^ n as u64) % 890_000),
                name: format!("{} {} {}", NAMES[n % NAMES.len()], area.wijk_name, n + 1),
                pc5: area.pc5.clone(),
                wijk_code: area.wijk_code.clone(),
                gemeente_code: area.gemeente_code.clone(),
                gps,
                capacity: size,
                kind,
            });
            capacity += size;
        }
    }
    // AGB codes must be unique: a collision of the hash takes the next free number.
    let mut seen = std::collections::BTreeSet::new();
    for p in &mut practices {
        while !seen.insert(p.id.clone()) {
            let n: u64 = p.id[2..].parse().unwrap_or(0);
            p.id = format!("01{:06}", (n + 1) % 1_000_000);
        }
    }
    let mut by_wijk = BTreeMap::new();
    for a in areas {
        if by_wijk.contains_key(&a.wijk_code) {
            continue;
        }
        let mut ids = Vec::new();
        let mut cum = Vec::new();
        let mut acc = 0.0;
        for (i, p) in practices.iter().enumerate() {
            if p.gemeente_code != a.gemeente_code {
                continue;
            }
            let pull = if p.wijk_code == a.wijk_code {
                OWN_WIJK_PULL
            } else {
                1.0
            };
            acc += p.capacity * pull;
            ids.push(i);
            cum.push(acc);
        }
        by_wijk.insert(a.wijk_code.clone(), (ids, cum));
    }
    PracticePlan {
        seed,
        practices,
        by_wijk,
    }
}

impl PracticePlan {
    /// The practice of person `idx` living in `wijk`, aged `age`, with frailty `frailty`;
    /// None when not registered.
    pub fn choose(&self, idx: u64, wijk: &str, age: u32, frailty: f64) -> Option<&Practice> {
        let mut rng = Pcg64::seed_from_u64(mix(self.seed ^ 0x9AC7_1CE0_0000_0000 ^ idx));
        if rng.gen_bool(NOT_REGISTERED) {
            return None;
        }
        let (ids, cum) = self.by_wijk.get(wijk)?;
        let total = *cum.last()?;
        // A special practice pulls harder on the persons it draws: re-weigh by rejection.
        loop {
            let r = rng.gen::<f64>() * total;
            let k = cum.partition_point(|&c| c <= r).min(ids.len() - 1);
            let p = &self.practices[ids[k]];
            let drawn = match p.kind {
                Kind::Older => age >= 75,
                Kind::Costlier => frailty > 1.5,
                Kind::Ordinary => true,
            };
            if drawn || rng.gen::<f64>() < 1.0 / SPECIAL_PULL {
                return Some(p);
            }
        }
    }
}

/// Writes the practice list (SPEC 3.7) of `plan` to `path`; a few practices give their location
/// wijk themselves. Returns the number of rows.
pub fn write_list(plan: &PracticePlan, path: &std::path::Path) -> crate::error::Result<u64> {
    use polars::prelude::*;
    let ps = &plan.practices;
    let mut df = df!(
        "practice_id" => ps.iter().map(|p| p.id.clone()).collect::<Vec<_>>(),
        "practice_name" => ps.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
        "pc5" => ps.iter().map(|p| p.pc5.clone()).collect::<Vec<_>>(),
        "location_wijk_code" => ps
            .iter()
            .enumerate()
            .map(|(i, p)| (i % 4 == 0).then(|| p.wijk_code.clone()))
            .collect::<Vec<_>>(),
        "gps" => ps.iter().map(|p| p.gps as i32).collect::<Vec<_>>(),
    )?;
    let file = std::fs::File::create(path).map_err(|e| {
        crate::error::Error::Output(format!("cannot write `{}`: {e}", path.display()))
    })?;
    ParquetWriter::new(file).finish(&mut df)?;
    Ok(df.height() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn practices_are_sized_located_and_chosen_near_home() {
        let mut rng = Pcg64::seed_from_u64(1);
        let areas = super::super::geography::areas(200_000, &mut rng);
        let plan = plan(&areas, 200_000, 5);
        // ~2,100 insured per practice on average, 1–6 GPs each, unique 8-digit AGB codes.
        let n = plan.practices.len() as f64;
        assert!(
            (200_000.0 / n) > 1_500.0 && (200_000.0 / n) < 3_000.0,
            "{n}"
        );
        let ids: std::collections::BTreeSet<_> = plan.practices.iter().map(|p| &p.id).collect();
        assert_eq!(ids.len(), plan.practices.len());
        assert!(plan
            .practices
            .iter()
            .all(|p| p.id.len() == 8 && (1..=6).contains(&p.gps)));
        // Choices: own wijk for most, but 20–40% of patients from another wijk overall.
        let mut elsewhere = 0;
        let mut registered = 0;
        let mut none = 0;
        for (i, a) in areas.iter().cycle().take(40_000).enumerate() {
            match plan.choose(i as u64, &a.wijk_code, 40, 1.0) {
                Some(p) => {
                    registered += 1;
                    if p.wijk_code != a.wijk_code {
                        elsewhere += 1;
                    }
                }
                None => none += 1,
            }
        }
        let share = elsewhere as f64 / registered as f64;
        assert!((0.2..0.4).contains(&share), "{share}");
        let unregistered = none as f64 / 40_000.0;
        assert!((0.008..0.025).contains(&unregistered), "{unregistered}");
    }

    /// "Older" practices draw persons aged 75+, "costlier" ones frail persons: markedly more
    /// of them than an ordinary practice of the same wijk gets.
    #[test]
    fn special_practices_draw_their_patients() {
        let mut rng = Pcg64::seed_from_u64(2);
        let areas = super::super::geography::areas(200_000, &mut rng);
        let plan = plan(&areas, 200_000, 9);
        assert!(plan.practices.iter().any(|p| p.kind == Kind::Older));
        assert!(plan.practices.iter().any(|p| p.kind == Kind::Costlier));
        // Share of a group among the patients of each kind, over many persons half of whom
        // are in the group.
        let share = |kind: Kind, older: bool| {
            let (mut n, mut of) = (0.0, 0.0);
            for (i, a) in areas.iter().cycle().take(60_000).enumerate() {
                let in_group = i % 2 == 0;
                let (age, frailty) = match (older, in_group) {
                    (true, true) => (80, 1.0),
                    (false, true) => (40, 3.0),
                    _ => (40, 1.0),
                };
                if let Some(p) = plan.choose(i as u64, &a.wijk_code, age, frailty) {
                    if p.kind == kind {
                        of += 1.0;
                        n += f64::from(u8::from(in_group));
                    }
                }
            }
            n / of
        };
        assert!(
            share(Kind::Older, true) > 0.7,
            "{}",
            share(Kind::Older, true)
        );
        assert!(share(Kind::Costlier, false) > 0.7);
        assert!((0.4..0.6).contains(&share(Kind::Ordinary, true)));
    }
}
