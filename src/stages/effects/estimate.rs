//! From the run's per-period outcomes to the effect of one intervention: the treated series,
//! the donors (untreated areas of the same level, published in every period, optionally a list
//! or the same gemeente), the estimator of `stats::effect` on the capped and the raw outcome
//! (or a segment's cost per person), and what the words need: percent of the treated pre-level,
//! total euros over the post-periods, the regression-to-the-mean check.

use super::intervention::{Comparison, Intervention};
use crate::domain::Level;
use crate::stages::monitoring::panel::PanelRow;
use crate::stats::effect::{self, Estimate};
use polars::prelude::*;
use std::collections::{BTreeSet, HashMap};

/// Which outcome an estimate is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Capped cost per insured year above κ × norm (METHODS 8, 10): the main line.
    Capped,
    /// Cost per insured year above the norm: the second line.
    Raw,
    /// A segment's cost per person (no norm exists for a segment).
    Segment,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Capped => "capped_cost_above_norm",
            Outcome::Raw => "raw_cost_above_norm",
            Outcome::Segment => "segment_cost_per_person",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        [Outcome::Capped, Outcome::Raw, Outcome::Segment]
            .into_iter()
            .find(|o| o.name() == s)
    }
}

/// What a run's effects step gives: the estimates, and the interventions that could not be
/// estimated with why (the run goes on; stderr says so).
#[derive(Default)]
pub struct Effects {
    pub results: Vec<EffectResult>,
    pub failed: Vec<(String, String)>,
}

/// One intervention × outcome.
#[derive(Debug, Clone)]
pub struct EffectResult {
    pub intervention: String,
    pub outcome: Outcome,
    pub level: Level,
    pub areas: Vec<String>,
    pub segment: Option<String>,
    pub start: String,
    pub periods: Vec<String>,
    pub provisional: Vec<bool>,
    pub donors: Vec<String>,
    pub estimate: Estimate,
    /// The treated areas' pre-period cost per insured year (per person for a segment).
    pub pre_cost: f64,
    /// Δ / pre_cost.
    pub pct: Option<f64>,
    /// Δ × the treated insured years (persons) of the post-periods.
    pub total_eur: f64,
    /// A treated area was flagged high (capped, 95%) in a period before the start.
    pub regression_to_the_mean: bool,
    /// Segment interventions: the segment's persons in the treated areas per period.
    pub persons: Vec<Option<f64>>,
    /// Listed comparison areas that could not be used, and why.
    pub unusable: Vec<String>,
}

impl EffectResult {
    /// Warnings in English (the table's `warnings`; the report says them in its language).
    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.estimate.too_few_donors {
            w.push(format!(
                "{} comparison sets: no p below 0.05 exists and the interval is unbounded",
                self.estimate.placebo_t.len()
            ));
        }
        if self.estimate.pre_trend_differs {
            w.push("the pre-trend differs from the comparison: the estimate rests on an assumption the data question".into());
        }
        if self.regression_to_the_mean {
            w.push("a treated area was flagged high before its start: part of a fall may be regression to the mean".into());
        }
        let provisional: Vec<&str> = self
            .periods
            .iter()
            .zip(&self.provisional)
            .filter(|(_, p)| **p)
            .map(|(p, _)| p.as_str())
            .collect();
        if !provisional.is_empty() {
            w.push(format!(
                "provisional periods (claims still arriving): {}",
                provisional.join(", ")
            ));
        }
        w.extend(self.unusable.iter().cloned());
        w
    }
}

/// One area's series of an outcome, with what turns it back into cost (κ × norm, or norm)
/// and its weight (insured years, or persons) per period.
#[derive(Debug, Clone)]
struct Series {
    code: String,
    y: Vec<f64>,
    var: Vec<f64>,
    add: Vec<f64>,
    weight: Vec<f64>,
    high: Vec<bool>,
}

/// The series of every area of `level` published in every period, by code.
fn area_series(
    panel: &[PanelRow],
    periods: &[String],
    level: Level,
    outcome: Outcome,
) -> (HashMap<String, Series>, HashMap<String, String>) {
    let at: HashMap<(&str, &str), &PanelRow> = panel
        .iter()
        .filter(|r| r.level == level)
        .map(|r| ((r.area_code.as_str(), r.period.as_str()), r))
        .collect();
    let codes: BTreeSet<&str> = at.keys().map(|(c, _)| *c).collect();
    let mut out = HashMap::new();
    // Why an area is out: its first period without a published figure.
    let mut missing = HashMap::new();
    for code in codes {
        let mut s = Series {
            code: code.to_string(),
            y: Vec::new(),
            var: Vec::new(),
            add: Vec::new(),
            weight: Vec::new(),
            high: Vec::new(),
        };
        for p in periods {
            let row = at.get(&(code, p.as_str())).filter(|r| match outcome {
                Outcome::Raw => r.published,
                _ => r.capped_shown,
            });
            let value = row.and_then(|r| {
                let (y, se, add) = match outcome {
                    Outcome::Raw => (r.raw?, r.raw_se?, r.norm_per_iy?),
                    _ => (r.capped?, r.capped_se?, r.kappa * r.norm_per_iy?),
                };
                // Flagged high: capped above κ × norm at 95% (METHODS 1).
                let high = r.capped_z.is_some_and(|z| z > crate::stats::Z95);
                Some((y, se * se, add, r.insured_years?, high))
            });
            match value {
                Some((y, v, a, w, h)) => {
                    s.y.push(y);
                    s.var.push(v);
                    s.add.push(a);
                    s.weight.push(w);
                    s.high.push(h);
                }
                None => {
                    let capped_hidden = outcome != Outcome::Raw
                        && at.get(&(code, p.as_str())).is_some_and(|r| r.published);
                    missing.insert(
                        code.to_string(),
                        if capped_hidden {
                            format!("had 1 to min_cell − 1 persons capped in {p} (its capped figure is not published)")
                        } else {
                            format!("is not published in {p} (too few persons, or hidden to protect another cell)")
                        },
                    );
                    break;
                }
            }
        }
        if s.y.len() == periods.len() {
            out.insert(code.to_string(), s);
        }
    }
    (out, missing)
}

/// Whether a treated area was flagged high (capped, 95%) in a period before `start`.
fn flagged_before(panel: &[PanelRow], areas: &[String], periods: &[String], start: usize) -> bool {
    panel.iter().any(|r| {
        areas.contains(&r.area_code)
            && periods[..start].contains(&r.period)
            && r.capped_z.is_some_and(|z| z > crate::stats::Z95)
    })
}

/// A segment's published cells of every period (the run's `segments` table, with `period`),
/// by area code: its cost per person, variance (CV × mean)² / persons, and persons.
fn segment_series(
    segments: &DataFrame,
    periods: &[String],
    segment: &str,
    level: Level,
) -> PolarsResult<(HashMap<String, Series>, HashMap<String, String>)> {
    let df = segments
        .clone()
        .lazy()
        .filter(col("segment").eq(lit(segment)))
        .collect()?;
    let code = crate::frame::strings(&df, "area_code")?;
    let period = crate::frame::strings(&df, "period")?;
    let cost = crate::frame::floats(&df, "cost_per_person")?;
    let cv = crate::frame::floats(&df, "cv_cost")?;
    let persons = crate::frame::floats(&df, "persons")?;
    let hidden: Vec<bool> = df
        .column("suppressed")?
        .bool()?
        .iter()
        .map(|b| b.unwrap_or(true))
        .collect();
    let mut at: HashMap<(String, String), (f64, f64, f64)> = HashMap::new();
    for i in 0..df.height() {
        let (Some(c), Some(p)) = (&code[i], &period[i]) else {
            continue;
        };
        if Level::of_code(c) != Some(level) || hidden[i] {
            continue;
        }
        if let (Some(y), Some(cv), Some(n)) = (cost[i], cv[i], persons[i]) {
            let var = (cv * y).powi(2) / n;
            if n > 0.0 && var.is_finite() && var > 0.0 {
                at.insert((c.clone(), p.clone()), (y, var, n));
            }
        }
    }
    let codes: BTreeSet<String> = at.keys().map(|(c, _)| c.clone()).collect();
    let (mut out, mut missing) = (HashMap::new(), HashMap::new());
    for c in codes {
        let mut s = Series {
            code: c.clone(),
            y: Vec::new(),
            var: Vec::new(),
            add: Vec::new(),
            weight: Vec::new(),
            high: Vec::new(),
        };
        for p in periods {
            match at.get(&(c.clone(), p.clone())) {
                Some(&(y, v, n)) => {
                    s.y.push(y);
                    s.var.push(v);
                    s.add.push(0.0);
                    s.weight.push(n);
                    s.high.push(false);
                }
                None => {
                    missing.insert(
                        c.clone(),
                        format!("has fewer than min_cell persons, or is hidden, in {p}"),
                    );
                    break;
                }
            }
        }
        if s.y.len() == periods.len() {
            out.insert(c, s);
        }
    }
    Ok((out, missing))
}

/// Donors of `iv` among `all` (untreated, published in every period): a listed comparison, the
/// treated areas' gemeente, or all. Listed areas that cannot be used are named.
fn donors(
    iv: &Intervention,
    all: &HashMap<String, Series>,
    missing: &HashMap<String, String>,
) -> (Vec<String>, Vec<String>) {
    let treated: BTreeSet<&str> = iv.areas.iter().map(String::as_str).collect();
    // An area that holds, or lies in, a treated area is not a comparison for it.
    let related = |c: &str| {
        iv.areas.iter().any(|t| {
            Level::of_code(c)
                .and_then(|l| l.ancestor_of(t))
                .is_some_and(|a| a == c)
                || Level::of_code(t)
                    .and_then(|l| l.ancestor_of(c))
                    .is_some_and(|a| a == *t)
        })
    };
    let mut unusable = Vec::new();
    let mut out: Vec<String> = match &iv.comparison {
        Some(Comparison::Areas(list)) => list
            .iter()
            .filter(|c| {
                let why = if treated.contains(c.as_str()) {
                    Some("is treated".to_string())
                } else if let Some(why) = missing.get(c.as_str()) {
                    Some(why.clone())
                } else if !all.contains_key(c.as_str()) {
                    Some("is not an area of the treated areas' level in the run".to_string())
                } else {
                    None
                };
                if let Some(why) = &why {
                    unusable.push(format!("comparison area {c} {why}; left out"));
                }
                why.is_none()
            })
            .cloned()
            .collect(),
        Some(Comparison::Keyword(_)) => {
            let gemeenten: BTreeSet<String> = iv
                .areas
                .iter()
                .filter_map(|a| Level::Gemeente.ancestor_of(a))
                .collect();
            all.keys()
                .filter(|c| {
                    Level::Gemeente
                        .ancestor_of(c)
                        .is_some_and(|g| gemeenten.contains(&g))
                })
                .cloned()
                .collect()
        }
        None => all.keys().cloned().collect(),
    };
    out.retain(|c| !treated.contains(c.as_str()) && !related(c));
    out.sort();
    out.dedup();
    (out, unusable)
}

/// The effect of `iv` on each of its outcomes: capped and raw cost above the norm for areas,
/// or the segment's cost per person. `panel` holds every period's area outcomes; `segments` the
/// run's segments table (every period) for segment interventions; `provisional` per period.
pub fn estimate(
    iv: &Intervention,
    panel: &[PanelRow],
    segments: Option<&DataFrame>,
    periods: &[String],
    provisional: &[bool],
) -> Result<Vec<EffectResult>, String> {
    let start = iv.check(periods)?;
    let level = iv.level()?;
    let outcomes: Vec<Outcome> = match &iv.segment {
        Some(_) => vec![Outcome::Segment],
        None => vec![Outcome::Capped, Outcome::Raw],
    };
    let mut out: Vec<EffectResult> = Vec::new();
    let mut skipped: Vec<(Outcome, String)> = Vec::new();
    for outcome in outcomes {
        let (all, missing) = match (&iv.segment, segments) {
            (Some(seg), Some(df)) => {
                segment_series(df, periods, seg, level).map_err(|e| e.to_string())?
            }
            (Some(seg), None) => {
                return Err(format!(
                    "intervention `{}`: the run has no segments table for segment `{seg}`",
                    iv.name
                ))
            }
            (None, _) => area_series(panel, periods, level, outcome),
        };
        let mut treated = Vec::new();
        let mut why_not = None;
        for a in &iv.areas {
            match all.get(a) {
                Some(s) => treated.push(s.clone()),
                None => {
                    let what = iv
                        .segment
                        .as_ref()
                        .map(|s| format!("segment `{s}` in {a}"))
                        .unwrap_or_else(|| a.clone());
                    why_not = Some(match missing.get(a) {
                        Some(why) => format!("{what} {why}"),
                        None => format!("{what} is not in the run"),
                    });
                    break;
                }
            }
        }
        if let Some(why) = why_not {
            // The capped line may be impossible where the raw one is not: say so beside it.
            skipped.push((outcome, why));
            continue;
        }
        let rtm = flagged_before(panel, &iv.areas, periods, start);
        let (donor_codes, unusable) = donors(iv, &all, &missing);
        let mut units: Vec<effect::Unit> = treated
            .iter()
            .map(|s| effect::Unit {
                code: s.code.clone(),
                treated: true,
                y: s.y.clone(),
                var: s.var.clone(),
            })
            .collect();
        units.extend(donor_codes.iter().map(|c| {
            let s = &all[c];
            effect::Unit {
                code: c.clone(),
                treated: false,
                y: s.y.clone(),
                var: s.var.clone(),
            }
        }));
        let panel = effect::Panel {
            periods: periods.to_vec(),
            start,
            units,
        };
        let estimate =
            effect::estimate(&panel).map_err(|e| format!("intervention `{}`: {e}", iv.name))?;
        let k = treated.len() as f64;
        let pre_cost = treated
            .iter()
            .map(|s| (0..start).map(|t| s.y[t] + s.add[t]).sum::<f64>() / start as f64)
            .sum::<f64>()
            / k;
        let post_weight: f64 = treated
            .iter()
            .map(|s| s.weight[start..].iter().sum::<f64>())
            .sum();
        let persons = match outcome {
            Outcome::Segment => (0..periods.len())
                .map(|t| Some(treated.iter().map(|s| s.weight[t]).sum()))
                .collect(),
            _ => Vec::new(),
        };
        out.push(EffectResult {
            intervention: iv.name.clone(),
            outcome,
            level,
            areas: iv.areas.clone(),
            segment: iv.segment.clone(),
            start: iv.start.clone(),
            periods: periods.to_vec(),
            provisional: provisional.to_vec(),
            donors: donor_codes,
            pct: (pre_cost.abs() > 0.0).then(|| estimate.delta / pre_cost),
            total_eur: estimate.delta * post_weight,
            estimate,
            pre_cost,
            regression_to_the_mean: rtm,
            persons,
            unusable,
        });
    }
    let line = |o: Outcome| match o {
        Outcome::Capped => "the capped line",
        Outcome::Raw => "the raw line",
        Outcome::Segment => "the segment",
    };
    if out.is_empty() {
        let why: Vec<String> = match skipped.as_slice() {
            [(_, why)] => vec![why.clone()],
            all => all
                .iter()
                .map(|(o, why)| format!("{}: {why}", line(*o)))
                .collect(),
        };
        return Err(format!("intervention `{}`: {}", iv.name, why.join("; ")));
    }
    for r in &mut out {
        r.unusable.extend(
            skipped
                .iter()
                .map(|(o, why)| format!("{} is not estimated: {why}", line(*o))),
        );
    }
    Ok(out)
}
