//! Persons, their claim lines and their Wmo provisions, one chunk of persons at a time.
//!
//! Cost per care type is zero-inflated and heavy-tailed but exactly calibrated in expectation:
//! a person uses a care type with probability p, and then costs mean/p times a log-normal
//! with mean 1 times a personal frailty (also mean 1, shared by all care types, so the
//! costly are costly across the board). The mean is the Vektis 2023 figure for the person's
//! sex and age class, scaled by insured days. Frail persons are likelier to get Wmo support.

use super::calibration::{COST_PER_YEAR, INSURED_YEARS};
use super::geography::{Area, UNKNOWN_PC5};
use super::seed::mix;
use crate::domain::AGE_CLASS_LOWER;
use crate::domain::CARE_TYPES;
use rand::Rng;
use rand_distr::{Distribution, LogNormal, Poisson};
use rand_pcg::Pcg64;

/// σ of the log of personal frailty (mean 1): shared by all care types of a person.
pub const FRAILTY_SIGMA: f64 = 0.9;

/// One person's Zvw cost per care type for `d` insured years, before any planted deviation:
/// used with probability p, then mean/p × log-normal(mean 1) × frailty. The generator and the
/// calibration test both draw through this function.
pub fn draw_costs(
    rng: &mut Pcg64,
    sex: usize,
    class: usize,
    d: f64,
    frailty: f64,
    probs: &[f64; 13],
) -> [f64; 13] {
    let mut out = [0.0; 13];
    for (c, ct) in CARE_TYPES.iter().enumerate() {
        let mean = COST_PER_YEAR[sex][class][c] * d;
        if mean <= 0.0 || !rng.gen_bool(probs[c].clamp(0.0, 1.0)) {
            continue;
        }
        let s = sigma(ct);
        let l = LogNormal::new(-s * s / 2.0, s)
            .map(|l| l.sample(rng))
            .unwrap_or(1.0);
        out[c] = mean / probs[c] * l * frailty;
    }
    out
}

/// Use probabilities over `d` insured years.
pub fn use_probabilities(age: u32, woman: bool, d: f64) -> [f64; 13] {
    let mut p = [0.0; 13];
    for (c, ct) in CARE_TYPES.iter().enumerate() {
        p[c] = 1.0 - (1.0 - use_probability(ct, age, woman)).powf(d.max(1.0 / 365.0));
    }
    p
}

/// A log-normal frailty with mean 1.
pub fn frailty() -> LogNormal<f64> {
    LogNormal::new(-FRAILTY_SIGMA * FRAILTY_SIGMA / 2.0, FRAILTY_SIGMA).expect("valid log-normal")
}

/// Everything shared by all chunks.
pub struct Plan<'a> {
    pub seed: u64,
    pub areas: &'a [Area],
    /// Cumulative area weights for picking a pc5.
    pub cum_weights: Vec<f64>,
    /// Planted cost factor per area and care type.
    pub planted: Vec<[f64; 13]>,
    pub start: i32,
    pub end: i32,
    pub days: i32,
    pub lines_per_person_year: f64,
    pub dirt: bool,
    /// The GP practices persons register with (`sample::practices`).
    pub practices: &'a super::practices::PracticePlan,
}

#[derive(Default)]
pub struct Chunk {
    pub person_id: Vec<String>,
    pub pc5: Vec<String>,
    pub age: Vec<i32>,
    pub sex: Vec<&'static str>,
    pub gp: Vec<Option<String>>,
    pub insured_days: Vec<i32>,
    pub household: Vec<Option<&'static str>>,
    pub education: Vec<Option<&'static str>>,
    pub social_minimum: Vec<Option<bool>>,

    pub claim_id: Vec<String>,
    pub claim_person: Vec<String>,
    pub service_date: Vec<i32>,
    pub care_type: Vec<&'static str>,
    pub amount: Vec<f64>,

    pub provision_id: Vec<String>,
    pub wmo_person: Vec<String>,
    pub wmo_pc5: Vec<String>,
    pub provision_type: Vec<&'static str>,
    pub start_date: Vec<i32>,
    pub end_date: Vec<Option<i32>>,
    pub cost: Vec<f64>,

    /// Per area: insured persons, insured years and age/sex-expected cost (for norm costs).
    pub per_area: Vec<(u64, f64, f64)>,
}

/// Annual probability of any use of a care type, by age and sex (shapes the zeros only;
/// the mean is fixed by the calibration).
fn use_probability(ct: &str, age: u32, woman: bool) -> f64 {
    let old = (age as f64 / 90.0).min(1.0);
    match ct {
        "huisarts" => 0.97,
        "farmacie" => 0.45 + 0.5 * old,
        "msz" => 0.30 + 0.5 * old,
        "ggz_basis" => 0.07,
        "ggz_specialistisch" => 0.025,
        "wijkverpleging" => 0.003 + 0.3 * old.powi(4),
        "fysiotherapie" => 0.12 + 0.1 * old,
        "paramedisch" => {
            if age < 18 {
                0.15
            } else {
                0.04
            }
        }
        "hulpmiddelen" => 0.08 + 0.45 * old.powi(2),
        "ziekenvervoer" => 0.01 + 0.15 * old.powi(3),
        "kraamzorg" => {
            if woman && (20..45).contains(&age) {
                0.06
            } else {
                0.01
            }
        }
        "mondzorg" => {
            if age < 18 {
                0.6
            } else {
                0.05
            }
        }
        _ => 0.12,
    }
}

/// Spread (σ of log cost) given use: hospital care and mental health are the heaviest tails.
fn sigma(ct: &str) -> f64 {
    match ct {
        "msz" | "ggz_specialistisch" | "wijkverpleging" => 1.3,
        "huisarts" => 0.5,
        _ => 1.0,
    }
}

pub(super) fn household(age: u32, r: f64) -> &'static str {
    let table: &[(&'static str, f64)] = if age < 18 {
        &[
            ("couple_children", 0.8),
            ("single_parent", 0.17),
            ("other", 0.03),
        ]
    } else if age < 30 {
        &[
            ("single", 0.45),
            ("couple", 0.2),
            ("couple_children", 0.15),
            ("single_parent", 0.05),
            ("other", 0.15),
        ]
    } else if age < 65 {
        &[
            ("single", 0.2),
            ("couple", 0.25),
            ("couple_children", 0.45),
            ("single_parent", 0.07),
            ("other", 0.03),
        ]
    } else if age < 80 {
        &[("single", 0.35), ("couple", 0.6), ("other", 0.05)]
    } else {
        &[("single", 0.6), ("couple", 0.35), ("other", 0.05)]
    };
    pick(table, r)
}

pub(super) fn pick<T: Copy>(table: &[(T, f64)], r: f64) -> T {
    let total: f64 = table.iter().map(|t| t.1).sum();
    let mut acc = 0.0;
    for (v, w) in table {
        acc += w / total;
        if r < acc {
            return *v;
        }
    }
    table[table.len() - 1].0
}

pub(super) fn wmo_type(age: u32, r: f64) -> &'static str {
    if age >= 65 {
        pick(
            &[
                ("huishoudelijke_hulp", 0.40),
                ("hulpmiddelen_woonvoorziening", 0.25),
                ("vervoer", 0.20),
                ("begeleiding_individueel", 0.07),
                ("dagbesteding", 0.05),
                ("kortdurend_verblijf", 0.03),
            ],
            r,
        )
    } else {
        pick(
            &[
                ("begeleiding_individueel", 0.35),
                ("dagbesteding", 0.15),
                ("huishoudelijke_hulp", 0.20),
                ("hulpmiddelen_woonvoorziening", 0.10),
                ("vervoer", 0.10),
                ("beschermd_wonen", 0.05),
                ("overig", 0.05),
            ],
            r,
        )
    }
}

/// Annual cost of one Wmo provision of a type, in euros.
pub(super) fn wmo_annual(t: &str) -> f64 {
    match t {
        "huishoudelijke_hulp" => 2400.0,
        "begeleiding_individueel" => 6000.0,
        "dagbesteding" => 5000.0,
        "kortdurend_verblijf" => 3000.0,
        "hulpmiddelen_woonvoorziening" => 1500.0,
        "vervoer" => 600.0,
        "beschermd_wonen" => 36000.0,
        _ => 1200.0,
    }
}

pub(super) fn wmo_base_rate(age: u32) -> f64 {
    match age {
        0..=17 => 0.01,
        18..=64 => 0.03,
        65..=74 => 0.10,
        75..=84 => 0.30,
        _ => 0.55,
    }
}

fn cents(v: f64) -> i64 {
    (v * 100.0).round() as i64
}

impl Plan<'_> {
    fn pick_area(&self, r: f64) -> usize {
        let total = self.cum_weights.last().copied().unwrap_or(1.0);
        let target = r * total;
        self.cum_weights
            .partition_point(|&c| c <= target)
            .min(self.areas.len() - 1)
    }

    /// Generates persons `first .. first + n` (global indices) as chunk `chunk`.
    pub fn chunk(&self, chunk: u64, first: u64, n: u64) -> Chunk {
        let mut rng = Pcg64::new(
            ((mix(self.seed ^ 0x5A4D_504C_4531) as u128) << 64) | mix(chunk) as u128,
            (mix(chunk ^ 0x5EED) as u128) | 1,
        );
        let mut out = Chunk {
            per_area: vec![(0, 0.0, 0.0); self.areas.len()],
            ..Chunk::default()
        };
        let frailty = frailty();
        let wmo_spread = LogNormal::new(-0.125, 0.5).expect("valid log-normal");
        // Age pyramid over (sex, class) cells from the Vektis insured years.
        let cells: Vec<((usize, usize), f64)> = (0..2)
            .flat_map(|s| (0..19).map(move |c| ((s, c), INSURED_YEARS[s][c])))
            .collect();
        let mut line = 0u64;
        let next_id = |prefix: char, line: &mut u64| {
            *line += 1;
            format!(
                "{prefix}{:016x}",
                mix(self.seed ^ 0xC1A1_4000_0000_0000 ^ (chunk << 40) ^ *line)
            )
        };
        let q = self.days as f64 / 365.0;
        for k in 0..n {
            let idx = first + k;
            let (s, class) = pick(&cells, rng.gen());
            let woman = s == 1;
            let lower = AGE_CLASS_LOWER[class];
            let age = if class == 18 {
                90 + rng.gen_range(0..12)
            } else {
                lower + rng.gen_range(0..5)
            };
            let person_id = format!("P{:016x}", mix(self.seed ^ idx));
            let area = self.pick_area(rng.gen());
            let unknown_pc5 = self.dirt && rng.gen_bool(0.004);
            let pc5 = if unknown_pc5 {
                UNKNOWN_PC5[rng.gen_range(0..UNKNOWN_PC5.len())].to_string()
            } else {
                self.areas[area].pc5.clone()
            };
            let insured_days = if rng.gen_bool(0.95) {
                self.days
            } else {
                rng.gen_range(1..self.days.max(2))
            };
            let d = insured_days as f64 / 365.0;
            let f = frailty.sample(&mut rng);

            out.person_id.push(person_id.clone());
            out.pc5.push(pc5.clone());
            out.age.push(age as i32);
            out.sex.push(if woman {
                if self.dirt && rng.gen_bool(0.001) {
                    "F"
                } else {
                    "V"
                }
            } else {
                "M"
            });
            // Two draws of the main stream kept as they were before practices had their own
            // (see `practices`), so every other generated value stays the same.
            let _ = rng.gen_range(0u64..3);
            let _ = rng.gen_bool(0.03);
            let unknown_practice = self.dirt && mix(self.seed ^ 0xBAD0_A6B0 ^ idx) % 1000 < 3;
            let practice = self
                .practices
                .choose(idx, &self.areas[area].wijk_code, age, f)
                .map(|p| p.id.clone());
            out.gp.push(match practice {
                // A registration with a practice the practice list does not know (dirt).
                Some(_) if unknown_practice => Some(format!("01{:06}", 990_000 + idx % 9_000)),
                other => other,
            });
            out.insured_days.push(insured_days);
            let hh = household(age, rng.gen());
            out.household
                .push(if rng.gen_bool(0.07) { None } else { Some(hh) });
            let edu = if age < 16 || rng.gen_bool(0.08) {
                None
            } else {
                let low = if age >= 65 { 0.45 } else { 0.28 };
                Some(pick(
                    &[("low", low), ("middle", 0.4), ("high", 0.6 - low)],
                    rng.gen(),
                ))
            };
            out.education.push(edu);
            let poor =
                0.05 + if matches!(hh, "single" | "single_parent") {
                    0.08
                } else {
                    0.0
                } + if edu == Some("low") { 0.07 } else { 0.0 };
            out.social_minimum.push(if rng.gen_bool(0.06) {
                None
            } else {
                Some(rng.gen_bool(poor))
            });

            // Norm inputs: expected (unplanted) cost of this person.
            if !unknown_pc5 {
                let e: f64 = COST_PER_YEAR[s][class].iter().sum::<f64>() * d;
                let a = &mut out.per_area[area];
                a.0 += 1;
                a.1 += d;
                a.2 += e;
            }

            // Zvw claim lines: the person's cost per care type, split into lines.
            let probs = use_probabilities(age, woman, d);
            let costs = draw_costs(&mut rng, s, class, d, f, &probs);
            let expected_types: f64 = probs.iter().sum();
            let extra = (self.lines_per_person_year * d / expected_types.max(0.1) - 1.0).max(0.0);
            let extra_lines = Poisson::new(extra.max(1e-9)).ok();
            for (c, ct) in CARE_TYPES.iter().enumerate() {
                let planted = if unknown_pc5 {
                    1.0
                } else {
                    self.planted[area][c]
                };
                let amount = costs[c] * planted;
                if amount <= 0.0 {
                    continue;
                }
                let total = cents(amount).max(1);
                let k = 1 + extra_lines
                    .as_ref()
                    .map(|p| p.sample(&mut rng) as i64)
                    .unwrap_or(0)
                    .min(200);
                let weights: Vec<f64> = (0..k).map(|_| rng.gen_range(0.2..1.0)).collect();
                let wsum: f64 = weights.iter().sum();
                let mut left = total;
                for (j, w) in weights.iter().enumerate() {
                    let part = if j as i64 == k - 1 {
                        left
                    } else {
                        ((total as f64) * w / wsum).floor() as i64
                    };
                    left -= part;
                    let date = self.start + rng.gen_range(0..insured_days.max(1));
                    let r: f64 = rng.gen();
                    let eur = part as f64 / 100.0;
                    if self.dirt && r < 0.005 {
                        // An exact duplicate row.
                        let id = next_id('C', &mut line);
                        for _ in 0..2 {
                            out.push_claim(&id, &person_id, date, ct, eur);
                        }
                    } else if self.dirt && r < 0.02 {
                        // A wrong line, its reversal, and the corrected line.
                        let wrong = (eur * rng.gen_range(0.5..1.5) * 100.0).round() / 100.0;
                        out.push_claim(&next_id('C', &mut line), &person_id, date, ct, wrong);
                        out.push_claim(&next_id('C', &mut line), &person_id, date, ct, -wrong);
                        out.push_claim(&next_id('C', &mut line), &person_id, date, ct, eur);
                    } else {
                        out.push_claim(&next_id('C', &mut line), &person_id, date, ct, eur);
                    }
                }
            }
            if self.dirt && rng.gen_bool(0.03) {
                // A claim just outside the period.
                let date = if rng.gen_bool(0.5) {
                    self.start - rng.gen_range(1..30)
                } else {
                    self.end + rng.gen_range(1..30)
                };
                let ct = CARE_TYPES[rng.gen_range(0..3)];
                out.push_claim(
                    &next_id('C', &mut line),
                    &person_id,
                    date,
                    ct,
                    (rng.gen_range(5.0..400.0f64) * 100.0).round() / 100.0,
                );
            }
            if self.dirt && rng.gen_bool(0.003) {
                // Claims of someone not in the insured file.
                let stranger = format!("X{:016x}", mix(self.seed ^ 0x5752_4E47 ^ idx));
                for _ in 0..3 {
                    let date = self.start + rng.gen_range(0..self.days);
                    out.push_claim(
                        &next_id('C', &mut line),
                        &stranger,
                        date,
                        "huisarts",
                        (rng.gen_range(10.0..90.0f64) * 100.0).round() / 100.0,
                    );
                }
            }

            // Wmo: likelier for the old and the frail.
            let p_wmo = (wmo_base_rate(age) * f.min(4.0)).min(0.95);
            if rng.gen_bool(p_wmo) {
                // Every chunk's first client, and 1% of the others, live in a pc5 missing from
                // `areas`, so that bucket is never empty in a dirty sample.
                let first_client = out.provision_id.is_empty();
                let wmo_pc5 = if self.dirt && (first_client || rng.gen_bool(0.01)) {
                    UNKNOWN_PC5[rng.gen_range(0..UNKNOWN_PC5.len())].to_string()
                } else {
                    pc5.clone()
                };
                self.provisions(
                    &mut rng,
                    &mut out,
                    &person_id,
                    &wmo_pc5,
                    age,
                    q,
                    &wmo_spread,
                    &mut line,
                    chunk,
                );
                // The municipality also supports residents insured elsewhere (≈ 40% of clients).
                if rng.gen_bool(0.67) {
                    let other = format!("W{:016x}", mix(self.seed ^ 0x574D_4F00 ^ idx));
                    let other_age = (age as i32 + rng.gen_range(-5..6)).clamp(18, 105) as u32;
                    self.provisions(
                        &mut rng,
                        &mut out,
                        &other,
                        &wmo_pc5,
                        other_age,
                        q,
                        &wmo_spread,
                        &mut line,
                        chunk,
                    );
                }
            }
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn provisions(
        &self,
        rng: &mut Pcg64,
        out: &mut Chunk,
        person: &str,
        pc5: &str,
        age: u32,
        q: f64,
        spread: &LogNormal<f64>,
        line: &mut u64,
        chunk: u64,
    ) {
        let count = 1 + Poisson::new(0.4)
            .map(|p| p.sample(rng) as usize)
            .unwrap_or(0);
        for _ in 0..count.min(6) {
            *line += 1;
            let id = format!(
                "V{:016x}",
                mix(self.seed ^ 0x5052_4F56_0000_0000 ^ (chunk << 40) ^ *line)
            );
            let t = wmo_type(age, rng.gen());
            let (start, end) = if self.dirt && rng.gen_bool(0.10) {
                // Ended before the period: does not count.
                let end = self.start - rng.gen_range(1..120);
                (end - rng.gen_range(30..400), Some(end))
            } else {
                let start = if rng.gen_bool(0.8) {
                    self.start - rng.gen_range(0..1000)
                } else {
                    self.start + rng.gen_range(0..self.days)
                };
                let end = if rng.gen_bool(0.6) {
                    None
                } else {
                    Some(start.max(self.start) + rng.gen_range(0..800))
                };
                (start, end)
            };
            let cost = (wmo_annual(t) * q * spread.sample(rng) * 100.0).round() / 100.0;
            out.provision_id.push(id);
            out.wmo_person.push(person.to_string());
            out.wmo_pc5.push(pc5.to_string());
            out.provision_type.push(t);
            out.start_date.push(start);
            out.end_date.push(end);
            out.cost.push(cost.max(0.0));
        }
    }
}

impl Chunk {
    pub(super) fn push_claim(
        &mut self,
        id: &str,
        person: &str,
        date: i32,
        ct: &'static str,
        amount: f64,
    ) {
        self.claim_id.push(id.to_string());
        self.claim_person.push(person.to_string());
        self.service_date.push(date);
        self.care_type.push(ct);
        self.amount.push(amount);
    }
}

/// Relative standard error of a cell's mean annual cost over `n` person-years, from this
/// model's own distribution: X = B·(m/p)·L·F with B ~ Bernoulli(p), L and F log-normal with
/// mean 1, so E[X²]/m² = e^(σ² + σ_F²)/p. Used by the calibration test to pick cells where a
/// 10% tolerance is meaningful.
pub fn relative_se(ct: &str, age: u32, woman: bool, n: f64) -> f64 {
    let p = use_probability(ct, age, woman);
    let s = sigma(ct);
    (((s * s + FRAILTY_SIGMA * FRAILTY_SIGMA).exp() / p - 1.0).max(0.0) / n.max(1.0)).sqrt()
}

/// Relative standard error of the mean annual total (all care types) over `n` person-years
/// for a sex and age class with per-type means `means`. The shared frailty F makes the types
/// covary: Cov(X_j, X_k) = m_j·m_k·(E[F²] − 1).
pub fn relative_se_total(means: &[f64; 13], age: u32, woman: bool, n: f64) -> f64 {
    let ef2 = (FRAILTY_SIGMA * FRAILTY_SIGMA).exp();
    let mut var = 0.0;
    for (j, cj) in CARE_TYPES.iter().enumerate() {
        let p = use_probability(cj, age, woman);
        let s = sigma(cj);
        var += means[j] * means[j] * ((s * s + FRAILTY_SIGMA * FRAILTY_SIGMA).exp() / p - 1.0);
        for k in 0..13 {
            if k != j {
                var += means[j] * means[k] * (ef2 - 1.0);
            }
        }
    }
    let mean: f64 = means.iter().sum();
    if mean <= 0.0 {
        return f64::INFINITY;
    }
    (var.max(0.0) / n.max(1.0)).sqrt() / mean
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_by_construction() {
        let ids: std::collections::HashSet<u64> = (0..100_000u64).map(mix).collect();
        assert_eq!(ids.len(), 100_000);
    }

    #[test]
    fn tables_pick_by_weight() {
        let t = [("a", 1.0), ("b", 3.0)];
        assert_eq!(pick(&t, 0.2), "a");
        assert_eq!(pick(&t, 0.3), "b");
        assert_eq!(pick(&t, 0.999), "b");
    }
}
