//! `wijkscan sample --periods …`: a series of extracts, one folder per period, of one
//! persistent population (SPEC 3.6): the same pseudonym for a person in every period, ageing,
//! moving house, dying, being born and switching insurer (a few percent a year), a persistent
//! individual risk (frailty), seasonality by care type, late claims ("ijlen") in the newest
//! periods, and two planted changes: a rising trend in one wijk and a drop in another, each
//! from a named period. A third large wijk is left alone, to show that it has no trend.
//!
//! Each person's draws come from generators seeded by (seed, person) and (seed, person, period),
//! so a person is the same in every period and every folder can be written on its own, in
//! parallel chunks like the one-period sample.

use super::calibration::{COST_PER_YEAR, INSURED_YEARS};
use super::geography::{self, Area};
use super::people::{
    draw_costs, frailty, household, pick, use_probabilities, wmo_annual, wmo_base_rate, wmo_type,
    Chunk,
};
use super::seed::mix;
use super::{frames, io, Sink};
use crate::domain::AGE_CLASS_LOWER;
use crate::domain::{epoch_days, Period, CARE_TYPES};
use crate::error::{Error, Result};
use crate::progress::Reporter;
use polars::prelude::*;
use rand::Rng;
use rand_distr::{Distribution, LogNormal, Normal, Poisson};
use rand_pcg::Pcg64;
use rayon::prelude::*;
use std::path::Path;

pub struct SeriesOptions {
    /// Insured persons at the start; about as many at the end (joiners replace leavers).
    pub persons: usize,
    pub periods: Vec<Period>,
    pub seed: u64,
    pub lines_per_person_year: f64,
    /// Plant the rising and the dropping wijk (off: areas differ by chance only, for the
    /// calibration of the change and trend tests).
    pub plant: bool,
    /// Months after the last period's end the extract is taken (1: the newest periods miss
    /// late claims; 12 or more: every period is complete).
    pub extract_months_after: u32,
    /// An intervention's effect to plant (METHODS 10 calibration): independent of `plant`.
    pub effect: Option<super::effect::PlantedEffect>,
}

impl SeriesOptions {
    /// The series `wijkscan sample --periods` writes: planted changes, extracted a month after.
    pub fn new(persons: usize, periods: Vec<Period>, seed: u64) -> SeriesOptions {
        SeriesOptions {
            persons,
            periods,
            seed,
            lines_per_person_year: 28.0,
            plant: true,
            extract_months_after: 1,
            effect: None,
        }
    }
}

/// What was planted, for the summary and the tests.
#[derive(Debug, Clone)]
pub struct Planted {
    /// The wijk whose cost rises by `TREND_STEP` a period from `trend_from` on.
    pub trend_wijk: String,
    pub trend_from: Period,
    /// The wijk whose cost drops to `DROP_FACTOR` from `drop_from` on.
    pub drop_wijk: String,
    pub drop_from: Period,
    /// A large wijk with no planted change.
    pub stable_wijk: String,
    /// When every period's extract was taken (one extract of the whole series).
    pub extracted_on: chrono::NaiveDate,
}

pub struct SeriesSummary {
    pub folders: Vec<(String, Vec<(String, u64)>)>,
    pub planted: Planted,
}

/// Rise per period of the trend wijk's cost (relative to its level before).
pub const TREND_STEP: f64 = 0.12;
/// The drop wijk's cost after the drop.
pub const DROP_FACTOR: f64 = 0.6;
/// Per quarter: leaving the insurer, moving house; joiners per quarter (incl. births).
const LEAVE_PER_QUARTER: f64 = 0.0075;
const MOVE_PER_QUARTER: f64 = 0.005;
const JOIN_PER_QUARTER: f64 = 0.0095;
const CHUNK: u64 = 25_000;

/// Seasonal factor of a care type in quarter `q` (1–4); a year is 1. Mean 1 over a year.
pub fn season(ct: &str, q: u32) -> f64 {
    let f: [f64; 4] = match ct {
        "farmacie" => [1.10, 0.98, 0.94, 0.98],
        "huisarts" => [1.06, 0.98, 0.94, 1.02],
        "msz" => [0.98, 1.00, 0.94, 1.08],
        "ggz_basis" | "ggz_specialistisch" => [1.03, 1.02, 0.90, 1.05],
        "fysiotherapie" => [1.02, 1.00, 0.92, 1.06],
        _ => [1.0; 4],
    };
    f[(q as usize).clamp(1, 4) - 1]
}

/// Share of a period's late-arriving claims (msz, specialist GGZ) already in an extract taken
/// `months` after the period's end.
pub fn completeness(months: f64) -> f64 {
    (0.55 + 0.45 * months / 6.0).clamp(0.55, 1.0)
}

fn rng_for(a: u64, b: u64) -> Pcg64 {
    Pcg64::new(
        ((mix(a) as u128) << 64) | mix(b) as u128,
        (mix(b ^ 0x5EED_5E71) as u128) | 1,
    )
}

/// Per area: insured persons, insured years and age/sex-expected cost (for the norm).
type AreaSums = Vec<(u64, f64, f64)>;

/// Who a person is, drawn once.
struct Person {
    woman: bool,
    sex: usize,
    age0: u32,
    /// Months into the first period at which the person has a birthday.
    birthday: u32,
    home: usize,
    frailty: f64,
    household: &'static str,
    education: Option<&'static str>,
    social_minimum: Option<bool>,
    wmo: Option<(&'static str, f64)>,
    /// First period present, and the day (offset) they joined in it.
    joined: (usize, i32),
}

/// The person's state in one period.
struct State {
    age: u32,
    class: usize,
    area: usize,
    /// First and last insured day offsets in the period (inclusive start, exclusive end).
    from: i32,
    to: i32,
}

struct Plan<'a> {
    /// A planted intervention: its pc5s, first period index and cost factor.
    effect_plan: Option<(Vec<bool>, usize, f64)>,
    seed: u64,
    practices: &'a super::practices::PracticePlan,
    base: u64,
    joiners_per_period: u64,
    periods: &'a [Period],
    months_per_period: u32,
    areas: &'a [Area],
    cum_weights: Vec<f64>,
    /// Per area and care type: the wijk and pc5 effects beyond the norm.
    effect: Vec<f64>,
    trend_area: Vec<bool>,
    drop_area: Vec<bool>,
    trend_from: usize,
    drop_from: usize,
    lines_per_person_year: f64,
    extracted_on: i32,
}

impl Plan<'_> {
    fn pick_area(&self, r: f64) -> usize {
        let total = self.cum_weights.last().copied().unwrap_or(1.0);
        self.cum_weights
            .partition_point(|&c| c <= r * total)
            .min(self.areas.len() - 1)
    }

    fn person(&self, idx: u64) -> Person {
        let mut rng = rng_for(self.seed ^ 0x5E71_E500, idx);
        let cells: Vec<((usize, usize), f64)> = (0..2)
            .flat_map(|s| (0..19).map(move |c| ((s, c), INSURED_YEARS[s][c])))
            .collect();
        let joiner = idx >= self.base;
        let newborn = joiner && rng.gen_bool(0.25);
        let (sex, class) = if newborn {
            (rng.gen_range(0..2), 0)
        } else {
            pick(&cells, rng.gen())
        };
        let age0 = if newborn {
            0
        } else if class == 18 {
            90 + rng.gen_range(0..12)
        } else {
            AGE_CLASS_LOWER[class] + rng.gen_range(0..5)
        };
        let joined = if joiner {
            let j = 1 + ((idx - self.base) / self.joiners_per_period.max(1)) as usize;
            let days = self.periods.get(j).map_or(1, |p| p.days() as i32);
            (j, rng.gen_range(0..days.max(1)))
        } else {
            (0, 0)
        };
        let f = frailty().sample(&mut rng);
        let hh = household(age0, rng.gen());
        let education = if age0 < 16 {
            None
        } else {
            let low = if age0 >= 65 { 0.45 } else { 0.28 };
            Some(pick(
                &[("low", low), ("middle", 0.4), ("high", 0.6 - low)],
                rng.gen(),
            ))
        };
        let poor =
            0.05 + if matches!(hh, "single" | "single_parent") {
                0.08
            } else {
                0.0
            } + if education == Some("low") { 0.07 } else { 0.0 };
        let home = self.pick_area(rng.gen());
        let wmo = rng
            .gen_bool((wmo_base_rate(age0) * f.min(4.0)).min(0.95))
            .then(|| {
                let spread = LogNormal::new(-0.125, 0.5).expect("valid log-normal");
                (wmo_type(age0, rng.gen()), spread.sample(&mut rng))
            });
        let birthday = rng.gen_range(0..12);
        let social_minimum = Some(rng.gen_bool(poor));
        // Drawn where the practice used to be, so every later draw of the series stays as it
        // was (the practice now comes from the practice plan's own stream).
        let _ = rng.gen_range(0..3u64);
        Person {
            woman: sex == 1,
            sex,
            age0,
            birthday,
            home,
            frailty: f,
            household: hh,
            education,
            social_minimum,
            wmo,
            joined,
        }
    }

    /// The person's state in period `j`, or None when not insured here then.
    fn state(&self, idx: u64, p: &Person, j: usize) -> Option<State> {
        if p.joined.0 > j {
            return None;
        }
        let scale = self.months_per_period as f64 / 3.0;
        let mut area = p.home;
        for k in p.joined.0..=j {
            let mut rng = rng_for(self.seed ^ idx ^ 0xE7E7_0000, k as u64);
            let days = self.periods[k].days() as i32;
            let age = p.age0 + (k as u32 * self.months_per_period + p.birthday) / 12;
            // Gompertz-like mortality: about 0.5‰ a year at 30, 3.5% at 80.
            let die = (0.0005 * ((age as f64 - 30.0) * 0.085).exp()).min(0.3) / 4.0 * scale;
            let day = rng.gen_range(0..days.max(1));
            let ends = rng.gen_bool(die.min(1.0)) || rng.gen_bool(LEAVE_PER_QUARTER * scale);
            if rng.gen_bool(MOVE_PER_QUARTER * scale) {
                area = self.pick_area(rng.gen());
            }
            let from = if k == p.joined.0 { p.joined.1 } else { 0 };
            if k == j {
                let to = if ends { day.max(from + 1) } else { days };
                let class = crate::domain::class_of_age(i64::from(age));
                return Some(State {
                    age,
                    class,
                    area,
                    from,
                    to,
                });
            }
            if ends {
                return None;
            }
        }
        None
    }

    /// Cost factor of an area in period `j` beyond its effect: the planted trend and drop.
    fn planted(&self, area: usize, j: usize) -> f64 {
        let mut f = 1.0;
        if self.trend_area[area] && j >= self.trend_from {
            f *= 1.0 + TREND_STEP * (j - self.trend_from + 1) as f64;
        }
        if self.drop_area[area] && j >= self.drop_from {
            f *= DROP_FACTOR;
        }
        if let Some((areas, from, factor)) = &self.effect_plan {
            if areas[area] && j >= *from {
                f *= factor;
            }
        }
        f
    }

    fn chunk(&self, j: usize, first: u64, n: u64) -> (Chunk, AreaSums) {
        let period = &self.periods[j];
        let start = epoch_days(period.start);
        let quarter = if self.months_per_period == 3 {
            (period
                .start
                .format("%m")
                .to_string()
                .parse::<u32>()
                .unwrap_or(1)
                - 1)
                / 3
                + 1
        } else {
            0
        };
        let months_after = (self.extracted_on - epoch_days(period.end)) as f64 / 30.4;
        let complete = completeness(months_after);
        let mut out = Chunk::default();
        let mut per_area = vec![(0u64, 0.0f64, 0.0f64); self.areas.len()];
        for idx in first..first + n {
            let p = self.person(idx);
            let Some(s) = self.state(idx, &p, j) else {
                continue;
            };
            let mut rng = rng_for(self.seed ^ idx ^ 0xC057_0000, j as u64);
            let person_id = format!("P{:016x}", mix(self.seed ^ idx));
            let insured_days = (s.to - s.from).max(1);
            let d = insured_days as f64 / 365.0;
            let area = &self.areas[s.area];
            out.person_id.push(person_id.clone());
            out.pc5.push(area.pc5.clone());
            out.age.push(s.age as i32);
            out.sex.push(if p.woman { "V" } else { "M" });
            // Registered with one practice of the list for the whole series (chosen near the
            // first home, on the practice plan's own stream).
            out.gp.push(
                self.practices
                    .choose(idx, &self.areas[p.home].wijk_code, p.age0, p.frailty)
                    .map(|pr| pr.id.clone()),
            );
            out.insured_days.push(insured_days);
            out.household.push(Some(p.household));
            out.education.push(p.education);
            out.social_minimum.push(p.social_minimum);
            let a = &mut per_area[s.area];
            a.0 += 1;
            a.1 += d;
            a.2 += COST_PER_YEAR[p.sex][s.class].iter().sum::<f64>() * d;

            let probs = use_probabilities(s.age, p.woman, d);
            let costs = draw_costs(&mut rng, p.sex, s.class, d, p.frailty, &probs);
            let factor = self.effect[s.area] * self.planted(s.area, j);
            let expected_types: f64 = probs.iter().sum();
            let extra = (self.lines_per_person_year * d / expected_types.max(0.1) - 1.0).max(0.0);
            let extra_lines = Poisson::new(extra.max(1e-9)).ok();
            let mut line = 0u64;
            for (c, ct) in CARE_TYPES.iter().enumerate() {
                let seasonal = if quarter > 0 {
                    season(ct, quarter)
                } else {
                    1.0
                };
                let amount = costs[c] * factor * seasonal;
                if amount <= 0.0 {
                    continue;
                }
                let total = (amount * 100.0).round().max(1.0) as i64;
                let k = 1 + extra_lines
                    .as_ref()
                    .map(|p| p.sample(&mut rng) as i64)
                    .unwrap_or(0)
                    .min(200);
                let late = matches!(*ct, "msz" | "ggz_specialistisch");
                let mut left = total;
                for l in 0..k {
                    let part = if l == k - 1 { left } else { total / k };
                    left -= part;
                    line += 1;
                    // Late claims not yet in the extract (ijlen).
                    if late && !rng.gen_bool(complete) {
                        continue;
                    }
                    let date = start + s.from + rng.gen_range(0..insured_days);
                    let id = format!(
                        "C{:016x}",
                        mix(self.seed ^ (idx << 20) ^ ((j as u64) << 12) ^ line)
                    );
                    out.push_claim(&id, &person_id, date, ct, part as f64 / 100.0);
                }
            }
            if let Some((t, spread)) = p.wmo {
                out.provision_id
                    .push(format!("V{:016x}", mix(self.seed ^ 0x57_4D4F ^ idx)));
                out.wmo_person.push(person_id.clone());
                out.wmo_pc5.push(area.pc5.clone());
                out.provision_type.push(t);
                // Running since before the series, or since joining.
                let since = if p.joined.0 == 0 {
                    epoch_days(self.periods[0].start) - 400 + (idx % 300) as i32
                } else {
                    epoch_days(self.periods[p.joined.0].start) + p.joined.1
                };
                out.start_date.push(since);
                out.end_date.push(None);
                out.cost
                    .push((wmo_annual(t) * d * spread * 100.0).round() / 100.0);
            }
        }
        (out, per_area)
    }
}

/// Writes one folder per period under `out_dir`, the map geometry beside them and
/// `pipeline.toml` (the periods and when their extract was taken).
pub fn generate_series(
    opts: &SeriesOptions,
    out_dir: &Path,
    reporter: &dyn Reporter,
) -> Result<SeriesSummary> {
    let periods = &opts.periods;
    if opts.persons == 0 || periods.len() < 2 {
        return Err(Error::Other(
            "a series needs at least one person and two periods".into(),
        ));
    }
    let months_per_period = match periods[0].kind() {
        Some("quarter") => 3,
        Some("year") => 12,
        _ => return Err(Error::Other("a series is of quarters or years".into())),
    };
    std::fs::create_dir_all(out_dir).map_err(|e| io(out_dir, e))?;
    super::write_marker(out_dir)?;
    let super::world::World {
        areas,
        cum_weights,
        effect,
        ..
    } = super::world::world(opts.persons, opts.seed);
    // The three largest wijken: a trend, a drop, and one left alone.
    let mut weight: std::collections::BTreeMap<&str, f64> = Default::default();
    for a in &areas {
        *weight.entry(a.wijk_code.as_str()).or_default() += a.weight;
    }
    let mut wijken: Vec<(&str, f64)> = weight.into_iter().collect();
    wijken.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    let pick_wijk = |i: usize| wijken.get(i).map_or(String::new(), |w| w.0.to_string());
    let (trend_wijk, drop_wijk, stable_wijk) = (pick_wijk(0), pick_wijk(1), pick_wijk(2));
    let n = periods.len();
    let trend_from = n.saturating_sub(6).max(1);
    let drop_from = n.saturating_sub(4).max(1);
    let last = periods[n - 1];
    let extracted_on = last
        .end
        .checked_add_months(chrono::Months::new(opts.extract_months_after))
        .unwrap_or(last.end);
    let practice_plan = super::practices::plan(&areas, opts.persons, opts.seed);
    let path = out_dir.join("gp_practices.parquet");
    super::practices::write_list(&practice_plan, &path)?;
    let effect_plan = match &opts.effect {
        None => None,
        Some(e) => Some(e.plan(&areas, periods)?),
    };
    let plan = Plan {
        effect_plan,
        practices: &practice_plan,
        seed: opts.seed,
        base: opts.persons as u64,
        joiners_per_period: ((opts.persons as f64 * JOIN_PER_QUARTER * months_per_period as f64
            / 3.0)
            .round() as u64)
            .max(1),
        periods,
        months_per_period,
        cum_weights,
        effect,
        trend_area: areas
            .iter()
            .map(|a| opts.plant && a.wijk_code == trend_wijk)
            .collect(),
        drop_area: areas
            .iter()
            .map(|a| opts.plant && a.wijk_code == drop_wijk)
            .collect(),
        trend_from,
        drop_from,
        areas: &areas,
        lines_per_person_year: opts.lines_per_person_year,
        extracted_on: epoch_days(extracted_on),
    };
    let total = plan.base + plan.joiners_per_period * (n as u64 - 1);
    let chunks: Vec<(u64, u64)> = (0..total.div_ceil(CHUNK))
        .map(|c| (c * CHUNK, CHUNK.min(total - c * CHUNK)))
        .collect();
    reporter.start("sample", Some((chunks.len() * n) as u64));
    let mut folders = Vec::new();
    for (j, period) in periods.iter().enumerate() {
        let dir = out_dir.join(period.label());
        std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
        let mut insured = Sink::new(dir.join("insured.parquet"));
        let mut claims = Sink::new(dir.join("zvw_claims.parquet"));
        let mut wmo = Sink::new(dir.join("wmo_provisions.parquet"));
        let mut per_area = vec![(0u64, 0.0f64, 0.0f64); areas.len()];
        let wave = rayon::current_num_threads().max(1) * 2;
        for group in chunks.chunks(wave) {
            let generated: Vec<(Chunk, AreaSums)> = group
                .par_iter()
                .map(|&(first, n)| plan.chunk(j, first, n))
                .collect();
            for (chunk, areas_of) in generated {
                for (a, b) in per_area.iter_mut().zip(&areas_of) {
                    a.0 += b.0;
                    a.1 += b.1;
                    a.2 += b.2;
                }
                let (i, c, w) = frames(chunk)?;
                insured.write(&i)?;
                claims.write(&c)?;
                wmo.write(&w)?;
                reporter.advance(1);
            }
        }
        let mut files = vec![insured.finish()?, claims.finish()?, wmo.finish()?];
        files.extend(write_areas_and_norm(&dir, &areas, &per_area, opts.seed, j)?);
        folders.push((period.label(), files));
    }
    reporter.finish();

    let geo = geography::geometry(&areas);
    let path = out_dir.join(crate::columns::GEOMETRY_FILE);
    let text = serde_json::to_string(&geo).map_err(|e| Error::Other(e.to_string()))?;
    std::fs::write(&path, text).map_err(|e| io(&path, e))?;
    let mut toml = format!(
        "# Written by `wijkscan sample --periods`: one extract of the whole series, taken on\n\
         # {extracted_on}, so the newest periods still miss late claims (SPEC 3.6).\n\
         name = \"sample-series-{}\"\nperiods = \"{}..{}\"\n\n[inputs]\ndir = \".\"\ngp_practices = \"gp_practices.parquet\"\n\n[extracted_on]\n",
        last.label(),
        periods[0].label(),
        last.label()
    );
    for p in periods {
        toml.push_str(&format!("\"{}\" = \"{extracted_on}\"\n", p.label()));
    }
    // The planted programme, declared, when there are enough periods before it (METHODS 10).
    if let Some(e) = &opts.effect {
        let before = periods.iter().filter(|p| p.start < e.start.start).count();
        if before >= 4 {
            toml.push_str(&format!(
                "\n# The planted effect ({:+.0}% on every claim), as an intervention to estimate.\n\
                 [[interventions]]\nname = \"Aanpak {}\"\nareas = [\"{}\"]\nstart = \"{}\"\n",
                100.0 * e.size,
                e.area,
                e.area,
                e.start.label()
            ));
        }
    }
    let path = out_dir.join("pipeline.toml");
    std::fs::write(&path, toml).map_err(|e| io(&path, e))?;
    Ok(SeriesSummary {
        folders,
        planted: Planted {
            trend_wijk,
            trend_from: periods[trend_from],
            drop_wijk,
            drop_from: periods[drop_from],
            stable_wijk,
            extracted_on,
        },
    })
}

/// The period's `areas` (residents from the insured count and a market share per pc5) and
/// `norm_costs` (the age/sex expectation with noise, no planted effects).
fn write_areas_and_norm(
    dir: &Path,
    areas: &[Area],
    per_area: &[(u64, f64, f64)],
    seed: u64,
    j: usize,
) -> Result<Vec<(String, u64)>> {
    let mut rng = rng_for(seed ^ 0xA4EA_0000, j as u64);
    let residents: Vec<Option<i64>> = per_area
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let share = rng_for(seed ^ 0x5A4E, i as u64).gen_range(0.35..0.55);
            Some(((a.0 as f64 / share).round() as i64).max(a.0 as i64))
        })
        .collect();
    let mut areas_df = df!(
        "pc5" => areas.iter().map(|a| a.pc5.clone()).collect::<Vec<_>>(),
        "buurt_code" => areas.iter().map(|a| a.buurt_code.clone()).collect::<Vec<_>>(),
        "buurt_name" => areas.iter().map(|a| a.buurt_name.clone()).collect::<Vec<_>>(),
        "wijk_code" => areas.iter().map(|a| a.wijk_code.clone()).collect::<Vec<_>>(),
        "wijk_name" => areas.iter().map(|a| a.wijk_name.clone()).collect::<Vec<_>>(),
        "gemeente_code" => areas.iter().map(|a| a.gemeente_code.clone()).collect::<Vec<_>>(),
        "gemeente_name" => areas.iter().map(|a| a.gemeente_name.clone()).collect::<Vec<_>>(),
        "residents" => residents,
    )?;
    let path = dir.join("areas.parquet");
    ParquetWriter::new(std::fs::File::create(&path).map_err(|e| io(&path, e))?)
        .finish(&mut areas_df)?;
    let noise = Normal::<f64>::new(1.0, 0.06).map_err(|e| Error::Other(e.to_string()))?;
    let (mut pc5, mut years, mut cost) = (Vec::new(), Vec::new(), Vec::new());
    for (a, area) in per_area.iter().zip(areas) {
        if a.0 == 0 {
            continue;
        }
        pc5.push(area.pc5.clone());
        years.push((a.1 * 1e4).round() / 1e4);
        cost.push((a.2 * noise.sample(&mut rng).max(0.5) * 100.0).round() / 100.0);
    }
    let mut norm_df = df!("pc5" => pc5, "insured_years" => years, "norm_cost_eur" => cost)?;
    let path = dir.join("norm_costs.parquet");
    ParquetWriter::new(std::fs::File::create(&path).map_err(|e| io(&path, e))?)
        .finish(&mut norm_df)?;
    Ok(vec![
        ("areas.parquet".into(), areas_df.height() as u64),
        ("norm_costs.parquet".into(), norm_df.height() as u64),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seasons_average_to_one() {
        for ct in CARE_TYPES {
            let mean: f64 = (1..=4).map(|q| season(ct, q)).sum::<f64>() / 4.0;
            assert!((mean - 1.0).abs() < 1e-9, "{ct}: {mean}");
        }
        assert!(completeness(0.5) < 0.6 && completeness(7.0) == 1.0);
    }
}
