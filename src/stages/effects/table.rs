//! The `effects` table (one row per intervention × outcome, the capped outcome first) and
//! `effects_series` (per intervention, outcome and period: treated, donor mean, gap, event value
//! and its placebo band) for the chart.

use super::estimate::EffectResult;
use polars::prelude::*;

/// `effects`: the estimate in euros per insured year (per person for a segment), percent of the
/// treated pre-level, total euros over the post-periods, interval, p, donors, pre-trend,
/// in-time placebo, MDE, synthetic control and warnings.
pub fn effects(results: &[EffectResult]) -> PolarsResult<DataFrame> {
    let s = |f: &dyn Fn(&EffectResult) -> String| results.iter().map(f).collect::<Vec<_>>();
    let x = |f: &dyn Fn(&EffectResult) -> Option<f64>| results.iter().map(f).collect::<Vec<_>>();
    let b = |f: &dyn Fn(&EffectResult) -> bool| results.iter().map(f).collect::<Vec<_>>();
    let n = |f: &dyn Fn(&EffectResult) -> i64| results.iter().map(f).collect::<Vec<_>>();
    let post = |r: &EffectResult| {
        r.periods.len() - r.periods.iter().position(|p| *p == r.start).unwrap_or(0)
    };
    df!(
        "intervention" => s(&|r| r.intervention.clone()),
        "outcome" => s(&|r| r.outcome.name().to_string()),
        "level" => s(&|r| r.level.as_str().to_string()),
        "areas" => s(&|r| r.areas.join(";")),
        "segment" => results.iter().map(|r| r.segment.clone()).collect::<Vec<_>>(),
        "start" => s(&|r| r.start.clone()),
        "pre_periods" => n(&|r| (r.periods.len() - post(r)) as i64),
        "post_periods" => n(&|r| post(r) as i64),
        "pre_level_eur" => x(&|r| Some(r.pre_cost)),
        "estimate_eur" => x(&|r| Some(r.estimate.delta)),
        "estimate_pct" => x(&|r| r.pct),
        "total_eur" => x(&|r| Some(r.total_eur)),
        "se" => x(&|r| Some(r.estimate.se)),
        "ci_low" => x(&|r| r.estimate.ci_low),
        "ci_high" => x(&|r| r.estimate.ci_high),
        "p_value" => x(&|r| Some(r.estimate.p_value)),
        "donors" => n(&|r| r.donors.len() as i64),
        "placebos" => n(&|r| r.estimate.placebo_t.len() as i64),
        "donor_areas" => s(&|r| r.donors.join(";")),
        "pre_trend_diff" => x(&|r| r.estimate.pre_trend.map(|p| p.0)),
        "pre_trend_se" => x(&|r| r.estimate.pre_trend.map(|p| p.1)),
        "pre_trend_differs" => b(&|r| r.estimate.pre_trend_differs),
        "in_time_estimate_eur" => x(&|r| r.estimate.in_time.map(|p| p.0)),
        "in_time_se" => x(&|r| r.estimate.in_time.map(|p| p.1)),
        "mde_eur" => x(&|r| Some(r.estimate.mde)),
        "synth_estimate_eur" => x(&|r| r.estimate.synth.as_ref().map(|s| s.estimate)),
        "synth_rmspe_pre" => x(&|r| r.estimate.synth.as_ref().map(|s| s.rmspe_pre)),
        "regression_to_the_mean" => b(&|r| r.regression_to_the_mean),
        "warnings" => s(&|r| r.warnings().join("; ")),
    )
}

/// `effects_series`: per intervention, outcome and period.
pub fn series(results: &[EffectResult]) -> PolarsResult<DataFrame> {
    type Keys<'a> = (Vec<String>, Vec<&'a str>, Vec<String>, Vec<bool>, Vec<bool>);
    let mut cols: Keys = Default::default();
    let mut v: [Vec<Option<f64>>; 8] = Default::default();
    for r in results {
        let start = r.periods.iter().position(|p| *p == r.start).unwrap_or(0);
        for (t, p) in r.estimate.series.iter().enumerate() {
            cols.0.push(r.intervention.clone());
            cols.1.push(r.outcome.name());
            cols.2.push(p.period.clone());
            cols.3.push(t >= start);
            cols.4.push(r.provisional.get(t).copied().unwrap_or(false));
            for (k, x) in [
                Some(p.treated),
                Some(p.donors),
                Some(p.gap),
                Some(p.event),
                Some(p.se),
                p.band_low,
                p.band_high,
                r.persons.get(t).copied().flatten(),
            ]
            .into_iter()
            .enumerate()
            {
                v[k].push(x);
            }
        }
    }
    let [treated, donors, gap, event, se, lo, hi, persons] = v;
    df!(
        "intervention" => cols.0,
        "outcome" => cols.1,
        "period" => cols.2,
        "post" => cols.3,
        "provisional" => cols.4,
        "treated" => treated,
        "donor_mean" => donors,
        "gap" => gap,
        "event" => event,
        "event_se" => se,
        "band_low" => lo,
        "band_high" => hi,
        "segment_persons" => persons,
    )
}
