//! Effect of an intervention (METHODS.md §10): difference in differences against the mean of
//! the untreated areas (donors), inference by in-space placebos, an event study with a placebo
//! band, a pre-trend test, an in-time placebo and a synthetic-control robustness line.
//!
//! Std only: the caller turns its frames into a [`Panel`] and renders the [`Estimate`].
//! (Issue #33: this estimator core is in place and tested here; the pipeline step, the
//! `wijkscan effect` command, the outputs and the report section are not built yet.)

use std::fmt;

mod synth;
use synth::synth_weights;

/// Fewer pre periods leave the base and the pre-trend resting on too few points.
const MIN_PRE: usize = 4;
/// Above this many K-subsets of donors the placebo sets are sampled instead of enumerated.
const MAX_PLACEBO_SETS: usize = 2000;
/// Fixed seed ("wijkscan" in ASCII) so a sampled placebo distribution is reproducible.
const PLACEBO_SEED: u64 = 0x7769_6A6B_7363_616E;

/// Outcomes of all areas over all periods.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// Period labels, oldest first.
    pub periods: Vec<String>,
    /// Index of the first post period: pre = `0..start`, post = `start..`.
    pub start: usize,
    /// Areas; treated ones and donors (all with `treated == false`).
    pub units: Vec<Unit>,
}

/// One area's outcome series.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    pub code: String,
    pub treated: bool,
    /// `y[t]`: euros above the norm per insured year in period `t`.
    pub y: Vec<f64>,
    /// `var[t]`: sampling variance (SE²) of `y[t]`.
    pub var: Vec<f64>,
}

/// Synthetic-control robustness line.
#[derive(Debug, Clone, PartialEq)]
pub struct Synth {
    /// mean_post(T − S) − mean_pre(T − S), S = Σ w_j y_j.
    pub estimate: f64,
    /// sqrt(mean_pre (T − S)²).
    pub rmspe_pre: f64,
    /// Donor code and weight, in donor order (zeros included).
    pub weights: Vec<(String, f64)>,
}

/// One period of the event study.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesPoint {
    pub period: String,
    /// T_t: mean of the treated series.
    pub treated: f64,
    /// D_t: mean of the donor series.
    pub donors: f64,
    /// gap_t = T_t − D_t.
    pub gap: f64,
    /// event_t = gap_t − mean_pre(gap).
    pub event: f64,
    /// SE of event_t.
    pub se: f64,
    /// Placebo band around 0: −c_t·SE_t and +c_t·SE_t; None when there are under 19 placebos.
    pub band_low: Option<f64>,
    pub band_high: Option<f64>,
}

/// Everything §10 reports for one intervention.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// Δ = (post_T − pre_T) − (post_D − pre_D).
    pub delta: f64,
    /// SE(Δ) = sqrt(Var(post_T) + Var(pre_T) + Var(post_D) + Var(pre_D)).
    pub se: f64,
    /// t = Δ / SE(Δ).
    pub t: f64,
    /// p = (1 + #{|t_j| ≥ |t|}) / (1 + N), N = number of placebo sets.
    pub p_value: f64,
    /// Δ ± c·SE(Δ), c = m-th largest |t_j|, m = floor(0.05·(N + 1)); None when m = 0.
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// m = 0: fewer than 19 placebo sets, so no p below 0.05 exists and the interval is unbounded.
    pub too_few_donors: bool,
    /// Studentized placebo effects t_j, one per placebo set.
    pub placebo_t: Vec<f64>,
    /// Number of donors (untreated units).
    pub donors: usize,
    /// MDE = 2.8 × SE(Δ) × SD(t_j) (sample SD, n − 1).
    pub mde: f64,
    /// Pre mean of the treated series T.
    pub pre_level: f64,
    /// (slope, SE) of gap_t on t over the pre periods, weighted by 1/Var(gap_t).
    pub pre_trend: Option<(f64, f64)>,
    /// |slope / SE| > 1.96.
    pub pre_trend_differs: bool,
    /// (Δ, SE, t) with a false start at start/2 on the pre periods only.
    pub in_time: Option<(f64, f64, f64)>,
    pub synth: Option<Synth>,
    pub series: Vec<SeriesPoint>,
}

/// Why no estimate could be made.
#[derive(Debug, Clone, PartialEq)]
pub enum EffectError {
    StartOutOfRange {
        start: usize,
        periods: usize,
    },
    TooFewPrePeriods {
        has: usize,
    },
    NoPostPeriod,
    NoTreated,
    TooFewDonors {
        need: usize,
        has: usize,
        treated: usize,
    },
    LengthMismatch {
        unit: String,
        field: &'static str,
        expected: usize,
        got: usize,
    },
    NonFiniteOutcome {
        unit: String,
        period: String,
        value: f64,
    },
    BadVariance {
        unit: String,
        period: String,
        value: f64,
    },
}

impl fmt::Display for EffectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EffectError::StartOutOfRange { start, periods } => write!(
                f,
                "start index {start} lies beyond the {periods} periods of the panel"
            ),
            EffectError::TooFewPrePeriods { has } => write!(
                f,
                "needs at least {MIN_PRE} periods before the start, has {has}"
            ),
            EffectError::NoPostPeriod => {
                write!(f, "needs at least 1 period from the start on, has 0")
            }
            EffectError::NoTreated => write!(f, "needs at least 1 treated area, has 0"),
            EffectError::TooFewDonors { need, has, treated } => {
                write!(
                    f,
                    "needs at least {need} untreated areas (donors), has {has}"
                )?;
                if *treated > 1 {
                    // A placebo set of K donors must keep at least one donor to compare with.
                    write!(f, " (one more than the {treated} treated areas)")?;
                }
                Ok(())
            }
            EffectError::LengthMismatch {
                unit,
                field,
                expected,
                got,
            } => write!(
                f,
                "area {unit}: {field} has {got} values, expected {expected} (one per period)"
            ),
            EffectError::NonFiniteOutcome {
                unit,
                period,
                value,
            } => write!(
                f,
                "area {unit}, period {period}: outcome is not a finite number ({value})"
            ),
            EffectError::BadVariance {
                unit,
                period,
                value,
            } => write!(
                f,
                "area {unit}, period {period}: variance must be finite and above 0, is {value}"
            ),
        }
    }
}

impl std::error::Error for EffectError {}

/// A group's mean series and the sampling variance of that mean per period.
#[derive(Debug, Clone)]
struct Group {
    y: Vec<f64>,
    v: Vec<f64>,
}

/// Mean of a series and the variance of that mean: (Σ y_t / n, Σ var_t / n²).
fn mean_var(y: &[f64], v: &[f64]) -> (f64, f64) {
    let n = y.len() as f64;
    (y.iter().sum::<f64>() / n, v.iter().sum::<f64>() / (n * n))
}

/// Difference in differences with a universal base, pre = `0..start`, post = `start..end`:
/// Δ = (post_T − pre_T) − (post_D − pre_D),
/// SE(Δ) = sqrt(Var(post_T) + Var(pre_T) + Var(post_D) + Var(pre_D)).
fn did(t: &Group, d: &Group, start: usize, end: usize) -> (f64, f64) {
    let (pre_t, vpre_t) = mean_var(&t.y[..start], &t.v[..start]);
    let (post_t, vpost_t) = mean_var(&t.y[start..end], &t.v[start..end]);
    let (pre_d, vpre_d) = mean_var(&d.y[..start], &d.v[..start]);
    let (post_d, vpost_d) = mean_var(&d.y[start..end], &d.v[start..end]);
    let delta = (post_t - pre_t) - (post_d - pre_d);
    (delta, (vpost_t + vpre_t + vpost_d + vpre_d).sqrt())
}

/// Event study: gap_t = T_t − D_t, event_t = gap_t − mean_pre(gap), with
/// Var(gap_t) = var_T,t + Var(D_t), b = Σ_pre Var(gap_s) / n_pre², and (periods independent)
/// Var(event_t) = Var(gap_t) + b for post t,
/// Var(event_t) = (1 − 1/n)² Var(gap_t) + Σ_{s≠t} Var(gap_s)/n² = Var(gap_t)(1 − 2/n) + b for pre t.
/// Returns (gap_t, event_t, SE_t) per period.
fn event_study(t: &Group, d: &Group, start: usize) -> Vec<(f64, f64, f64)> {
    let n = start as f64;
    let gap: Vec<f64> = t.y.iter().zip(&d.y).map(|(a, b)| a - b).collect();
    let vgap: Vec<f64> = t.v.iter().zip(&d.v).map(|(a, b)| a + b).collect();
    let (base, vbase) = mean_var(&gap[..start], &vgap[..start]);
    (0..gap.len())
        .map(|i| {
            let var = if i < start {
                vgap[i] * (1.0 - 2.0 / n) + vbase
            } else {
                vgap[i] + vbase
            };
            (gap[i], gap[i] - base, var.sqrt())
        })
        .collect()
}

/// Pre-trend: weighted least squares of gap_t on t over the pre periods, w_t = 1/Var(gap_t):
/// slope = Σ w (t − t̄_w)(gap − ḡ_w) / Σ w (t − t̄_w)², SE = sqrt(1 / Σ w (t − t̄_w)²).
/// Needs ≥ 3 pre periods (two points always fit a line exactly).
fn pre_trend(t: &Group, d: &Group, start: usize) -> Option<(f64, f64)> {
    if start < 3 {
        return None;
    }
    let pts: Vec<(f64, f64, f64)> = (0..start)
        .map(|i| (i as f64, t.y[i] - d.y[i], 1.0 / (t.v[i] + d.v[i])))
        .collect();
    let sw: f64 = pts.iter().map(|p| p.2).sum();
    let xbar = pts.iter().map(|p| p.2 * p.0).sum::<f64>() / sw;
    let gbar = pts.iter().map(|p| p.2 * p.1).sum::<f64>() / sw;
    let sxx: f64 = pts.iter().map(|p| p.2 * (p.0 - xbar).powi(2)).sum();
    let sxg: f64 = pts.iter().map(|p| p.2 * (p.0 - xbar) * (p.1 - gbar)).sum();
    Some((sxg / sxx, (1.0 / sxx).sqrt()))
}

/// In-time placebo: the pre periods only, false start at start/2, same Δ and SE: (Δ, SE, t).
/// Needs ≥ 2 periods on each side of the false start.
fn in_time(t: &Group, d: &Group, start: usize) -> Option<(f64, f64, f64)> {
    let fake = start / 2;
    if fake < 2 || start - fake < 2 {
        return None;
    }
    let (delta, se) = did(t, d, fake, start);
    Some((delta, se, delta / se))
}

/// Donor outcomes with per-period totals, so a placebo split costs O(K·periods), not O(N·periods).
struct Pool<'a> {
    y: Vec<&'a [f64]>,
    v: Vec<&'a [f64]>,
    sum_y: Vec<f64>,
    sum_v: Vec<f64>,
}

impl<'a> Pool<'a> {
    fn new(donors: &[&'a Unit], periods: usize) -> Self {
        let mut sum_y = vec![0.0; periods];
        let mut sum_v = vec![0.0; periods];
        for u in donors {
            for i in 0..periods {
                sum_y[i] += u.y[i];
                sum_v[i] += u.var[i];
            }
        }
        Pool {
            y: donors.iter().map(|u| u.y.as_slice()).collect(),
            v: donors.iter().map(|u| u.var.as_slice()).collect(),
            sum_y,
            sum_v,
        }
    }

    /// Mean of the pool without `skip`: D_t = Σ y / r, Var(D_t) = Σ var / r² (r = remaining).
    fn rest(&self, skip: &[usize]) -> Group {
        let r = (self.y.len() - skip.len()) as f64;
        let mut g = Group {
            y: self.sum_y.clone(),
            v: self.sum_v.clone(),
        };
        for &j in skip {
            for i in 0..g.y.len() {
                g.y[i] -= self.y[j][i];
                g.v[i] -= self.v[j][i];
            }
        }
        for i in 0..g.y.len() {
            g.y[i] /= r;
            g.v[i] /= r * r;
        }
        g
    }

    /// Unweighted mean of the members: T_t = Σ y / K, Var(T_t) = Σ var / K².
    fn mean_of(&self, members: &[usize]) -> Group {
        mean_group(
            &members.iter().map(|&j| self.y[j]).collect::<Vec<_>>(),
            &members.iter().map(|&j| self.v[j]).collect::<Vec<_>>(),
        )
    }
}

/// T_t = Σ_k y_kt / K, Var(T_t) = Σ_k var_kt / K².
fn mean_group(y: &[&[f64]], v: &[&[f64]]) -> Group {
    let k = y.len() as f64;
    let periods = y[0].len();
    Group {
        y: (0..periods)
            .map(|i| y.iter().map(|s| s[i]).sum::<f64>() / k)
            .collect(),
        v: (0..periods)
            .map(|i| v.iter().map(|s| s[i]).sum::<f64>() / (k * k))
            .collect(),
    }
}

/// Small deterministic PRNG (splitmix64); enough for drawing placebo sets.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform index below n by multiply-shift; the bias (n / 2⁶⁴) is nil for area counts.
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

/// C(n, k), saturating at `cap + 1` so a large count never overflows.
fn choose_capped(n: usize, k: usize, cap: usize) -> usize {
    let mut c: u128 = 1;
    for i in 0..k {
        // Exact at every step: c·(n − i)/(i + 1) = C(n, i + 1).
        c = c * (n - i) as u128 / (i + 1) as u128;
        if c > cap as u128 {
            return cap + 1;
        }
    }
    c as usize
}

/// Placebo sets: all K-subsets of 0..n in lexicographic order if there are at most
/// MAX_PLACEBO_SETS, else MAX_PLACEBO_SETS subsets drawn independently (partial Fisher–Yates)
/// from a fixed seed, so the result is deterministic.
fn placebo_sets(n: usize, k: usize) -> Vec<Vec<usize>> {
    if choose_capped(n, k, MAX_PLACEBO_SETS) <= MAX_PLACEBO_SETS {
        let mut out = Vec::new();
        let mut idx: Vec<usize> = (0..k).collect();
        loop {
            out.push(idx.clone());
            // Advance the rightmost index that still has room.
            let Some(pos) = (0..k).rev().find(|&p| idx[p] < n - k + p) else {
                return out;
            };
            idx[pos] += 1;
            for p in pos + 1..k {
                idx[p] = idx[p - 1] + 1;
            }
        }
    }
    let mut rng = SplitMix64(PLACEBO_SEED);
    (0..MAX_PLACEBO_SETS)
        .map(|_| {
            let mut perm: Vec<usize> = (0..n).collect();
            for i in 0..k {
                let j = i + rng.below(n - i);
                perm.swap(i, j);
            }
            let mut set = perm[..k].to_vec();
            set.sort_unstable();
            set
        })
        .collect()
}

/// The m-th largest of |values| (m ≥ 1).
fn mth_largest_abs(values: &[f64], m: usize) -> f64 {
    let mut a: Vec<f64> = values.iter().map(|x| x.abs()).collect();
    a.sort_by(|x, y| y.total_cmp(x));
    a[m - 1]
}

/// Placebo test and its inversion: p = (1 + #{|t_j| ≥ |t|}) / (1 + N);
/// m = floor(0.05·(N + 1)), c = m-th largest |t_j|, interval [Δ − c·SE, Δ + c·SE] (None if m = 0).
/// Returns (p, m, interval).
fn placebo_test(delta: f64, se: f64, placebo_t: &[f64]) -> (f64, usize, Option<(f64, f64)>) {
    let t = delta / se;
    let n = placebo_t.len();
    let exceed = placebo_t.iter().filter(|x| x.abs() >= t.abs()).count();
    let p = (1 + exceed) as f64 / (1 + n) as f64;
    // floor(0.05·(N + 1)) in integers, so 0.05·20 cannot round below 1.
    let m = (n + 1) / 20;
    let interval = (m > 0).then(|| {
        let c = mth_largest_abs(placebo_t, m);
        (delta - c * se, delta + c * se)
    });
    (p, m, interval)
}

/// Sample standard deviation (n − 1); 0 for fewer than two values.
fn sample_sd(values: &[f64]) -> f64 {
    let n = values.len();
    if n < 2 {
        return 0.0;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    (values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
}

/// Synthetic control for the treated mean series against the donors.
fn synth(t: &Group, pool: &Pool, codes: &[&str], start: usize) -> Synth {
    let pre: Vec<&[f64]> = pool.y.iter().map(|s| &s[..start]).collect();
    let (w, _) = synth_weights(&t.y[..start], &pre);
    let gap: Vec<f64> = (0..t.y.len())
        .map(|i| t.y[i] - pool.y.iter().zip(&w).map(|(s, wj)| wj * s[i]).sum::<f64>())
        .collect();
    let n_pre = start as f64;
    let n_post = (gap.len() - start) as f64;
    let pre_mean = gap[..start].iter().sum::<f64>() / n_pre;
    let post_mean = gap[start..].iter().sum::<f64>() / n_post;
    Synth {
        estimate: post_mean - pre_mean,
        rmspe_pre: (gap[..start].iter().map(|e| e * e).sum::<f64>() / n_pre).sqrt(),
        weights: codes.iter().map(|c| c.to_string()).zip(w).collect(),
    }
}

/// Checks the panel and splits it into treated units and donors.
fn validate(panel: &Panel) -> Result<(Vec<&Unit>, Vec<&Unit>), EffectError> {
    let np = panel.periods.len();
    if panel.start > np {
        return Err(EffectError::StartOutOfRange {
            start: panel.start,
            periods: np,
        });
    }
    if panel.start < MIN_PRE {
        return Err(EffectError::TooFewPrePeriods { has: panel.start });
    }
    if panel.start == np {
        return Err(EffectError::NoPostPeriod);
    }
    let treated: Vec<&Unit> = panel.units.iter().filter(|u| u.treated).collect();
    let donors: Vec<&Unit> = panel.units.iter().filter(|u| !u.treated).collect();
    if treated.is_empty() {
        return Err(EffectError::NoTreated);
    }
    let need = 2.max(treated.len() + 1);
    if donors.len() < need {
        return Err(EffectError::TooFewDonors {
            need,
            has: donors.len(),
            treated: treated.len(),
        });
    }
    for u in &panel.units {
        for (field, vals) in [("y", &u.y), ("var", &u.var)] {
            if vals.len() != np {
                return Err(EffectError::LengthMismatch {
                    unit: u.code.clone(),
                    field,
                    expected: np,
                    got: vals.len(),
                });
            }
        }
        for i in 0..np {
            if !u.y[i].is_finite() {
                return Err(EffectError::NonFiniteOutcome {
                    unit: u.code.clone(),
                    period: panel.periods[i].clone(),
                    value: u.y[i],
                });
            }
            // `!(v > 0)` also catches NaN.
            if !(u.var[i] > 0.0 && u.var[i].is_finite()) {
                return Err(EffectError::BadVariance {
                    unit: u.code.clone(),
                    period: panel.periods[i].clone(),
                    value: u.var[i],
                });
            }
        }
    }
    Ok((treated, donors))
}

/// Estimates the effect of the intervention on the treated areas (METHODS.md §10).
///
/// Inference: placebo sets are the K-subsets of the donors (K = number of treated), each
/// against the remaining donors; p = (1 + #{|t_j| ≥ |t|}) / (1 + N). The 95% interval inverts
/// that test: m = floor(0.05·(N + 1)), c = m-th largest |t_j|, closed interval Δ ± c·SE(Δ).
/// It excludes 0 ⇔ |t| > c ⇔ fewer than m placebos have |t_j| ≥ |t| ⇔ 1 + # ≤ m ⇔ p ≤ 0.05.
/// Ties (|t| = c) count against the treated unit on both sides: the tied placebo enters #, so
/// p > 0.05, and the closed interval then just touches 0.
pub fn estimate(panel: &Panel) -> Result<Estimate, EffectError> {
    estimate_inner(panel, true)
}

/// `estimate` with the synthetic control optional: the simulation tests only need the placebo
/// inference, and the solver dominates their run time.
fn estimate_inner(panel: &Panel, with_synth: bool) -> Result<Estimate, EffectError> {
    let (treated, donor_units) = validate(panel)?;
    let np = panel.periods.len();
    let start = panel.start;
    let k = treated.len();
    let n_donors = donor_units.len();

    let t_group = mean_group(
        &treated.iter().map(|u| u.y.as_slice()).collect::<Vec<_>>(),
        &treated.iter().map(|u| u.var.as_slice()).collect::<Vec<_>>(),
    );
    let pool = Pool::new(&donor_units, np);
    let d_group = pool.rest(&[]);

    let (delta, se) = did(&t_group, &d_group, start, np);
    let t = delta / se;
    let events = event_study(&t_group, &d_group, start);

    // Placebos: the same estimator with each set of K donors as treated.
    let sets = placebo_sets(n_donors, k);
    let mut placebo_t = Vec::with_capacity(sets.len());
    // Studentized placebo event_t / SE_t, per period.
    let mut placebo_event: Vec<Vec<f64>> = vec![Vec::with_capacity(sets.len()); np];
    for set in &sets {
        let pt = pool.mean_of(set);
        let pd = pool.rest(set);
        let (pdelta, pse) = did(&pt, &pd, start, np);
        placebo_t.push(pdelta / pse);
        for (i, (_, ev, ese)) in event_study(&pt, &pd, start).into_iter().enumerate() {
            placebo_event[i].push(ev / ese);
        }
    }
    let (p_value, m, interval) = placebo_test(delta, se, &placebo_t);
    let (ci_low, ci_high) = match interval {
        Some((lo, hi)) => (Some(lo), Some(hi)),
        None => (None, None),
    };
    let mde = 2.8 * se * sample_sd(&placebo_t);

    let series = (0..np)
        .map(|i| {
            let (gap, event, ese) = events[i];
            let half = (m > 0).then(|| mth_largest_abs(&placebo_event[i], m) * ese);
            SeriesPoint {
                period: panel.periods[i].clone(),
                treated: t_group.y[i],
                donors: d_group.y[i],
                gap,
                event,
                se: ese,
                band_low: half.map(|h| -h),
                band_high: half,
            }
        })
        .collect();

    let pre_trend = pre_trend(&t_group, &d_group, start);
    let pre_trend_differs = pre_trend.is_some_and(|(s, e)| (s / e).abs() > 1.96);
    let codes: Vec<&str> = donor_units.iter().map(|u| u.code.as_str()).collect();

    Ok(Estimate {
        delta,
        se,
        t,
        p_value,
        ci_low,
        ci_high,
        too_few_donors: m == 0,
        placebo_t,
        donors: n_donors,
        mde,
        pre_level: t_group.y[..start].iter().sum::<f64>() / start as f64,
        pre_trend,
        pre_trend_differs,
        in_time: in_time(&t_group, &d_group, start),
        synth: with_synth.then(|| synth(&t_group, &pool, &codes, start)),
        series,
    })
}

#[cfg(test)]
mod tests;
