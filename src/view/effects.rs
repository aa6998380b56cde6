//! The effects of a run's interventions (`effects`, `effects_series`), read back for the report
//! and the terminal; also made straight from an estimate (`wijkscan effect` prints without
//! writing).

use crate::error::Result;
use crate::frame::{floats, strings};
use crate::stages::effects::estimate::EffectResult;
use std::path::Path;

/// One row of `effects`.
#[derive(Debug, Clone, PartialEq)]
pub struct EffectRow {
    pub intervention: String,
    pub outcome: String,
    pub areas: Vec<String>,
    pub segment: Option<String>,
    pub start: String,
    pub post_periods: i64,
    pub pre_level: f64,
    pub estimate: f64,
    pub pct: Option<f64>,
    pub total: f64,
    pub ci: Option<(f64, f64)>,
    pub p_value: f64,
    pub donors: i64,
    pub placebos: i64,
    pub pre_trend: Option<(f64, f64)>,
    pub pre_trend_differs: bool,
    pub in_time: Option<(f64, f64)>,
    pub mde: f64,
    pub synth: Option<(f64, f64)>,
    pub regression_to_the_mean: bool,
}

/// One period of `effects_series`.
#[derive(Debug, Clone, PartialEq)]
pub struct EffectPoint {
    pub intervention: String,
    pub outcome: String,
    pub period: String,
    pub post: bool,
    pub provisional: bool,
    pub event: f64,
    pub band: Option<(f64, f64)>,
    pub segment_persons: Option<f64>,
}

#[derive(Debug, Clone, Default)]
pub struct Effects {
    pub rows: Vec<EffectRow>,
    pub series: Vec<EffectPoint>,
}

impl EffectRow {
    pub fn from_result(r: &EffectResult) -> EffectRow {
        let e = &r.estimate;
        EffectRow {
            intervention: r.intervention.clone(),
            outcome: r.outcome.name().into(),
            areas: r.areas.clone(),
            segment: r.segment.clone(),
            start: r.start.clone(),
            post_periods: (r.periods.len()
                - r.periods.iter().position(|p| *p == r.start).unwrap_or(0))
                as i64,
            pre_level: r.pre_cost,
            estimate: e.delta,
            pct: r.pct,
            total: r.total_eur,
            ci: e.ci_low.zip(e.ci_high),
            p_value: e.p_value,
            donors: r.donors.len() as i64,
            placebos: e.placebo_t.len() as i64,
            pre_trend: e.pre_trend,
            pre_trend_differs: e.pre_trend_differs,
            in_time: e.in_time.map(|x| (x.0, x.1)),
            mde: e.mde,
            synth: e.synth.as_ref().map(|s| (s.estimate, s.rmspe_pre)),
            regression_to_the_mean: r.regression_to_the_mean,
        }
    }
}

impl EffectPoint {
    pub fn from_result(r: &EffectResult) -> Vec<EffectPoint> {
        let start = r.periods.iter().position(|p| *p == r.start).unwrap_or(0);
        r.estimate
            .series
            .iter()
            .enumerate()
            .map(|(t, p)| EffectPoint {
                intervention: r.intervention.clone(),
                outcome: r.outcome.name().into(),
                period: p.period.clone(),
                post: t >= start,
                provisional: r.provisional.get(t).copied().unwrap_or(false),
                event: p.event,
                band: p.band_low.zip(p.band_high),
                segment_persons: r.persons.get(t).copied().flatten(),
            })
            .collect()
    }
}

impl Effects {
    /// The run's effects, or none when it has no `effects.parquet`.
    pub fn load(dir: &Path) -> Result<Effects> {
        let path = dir.join("effects.parquet");
        if !path.is_file() {
            return Ok(Effects::default());
        }
        let df = crate::frame::read_parquet(&path)?;
        let s = |c: &str| strings(&df, c);
        let f = |c: &str| floats(&df, c);
        let b = |c: &str| crate::frame::bools(&df, c, false);
        let (iv, outcome, areas, segment, start) = (
            s("intervention")?,
            s("outcome")?,
            s("areas")?,
            s("segment")?,
            s("start")?,
        );
        let (post, pre, est, pct, total) = (
            f("post_periods")?,
            f("pre_level_eur")?,
            f("estimate_eur")?,
            f("estimate_pct")?,
            f("total_eur")?,
        );
        let (lo, hi, p, donors, placebos) = (
            f("ci_low")?,
            f("ci_high")?,
            f("p_value")?,
            f("donors")?,
            f("placebos")?,
        );
        let (td, tse, tdiff, it, itse) = (
            f("pre_trend_diff")?,
            f("pre_trend_se")?,
            b("pre_trend_differs")?,
            f("in_time_estimate_eur")?,
            f("in_time_se")?,
        );
        let (mde, sy, syr, rtm) = (
            f("mde_eur")?,
            f("synth_estimate_eur")?,
            f("synth_rmspe_pre")?,
            b("regression_to_the_mean")?,
        );
        let txt = |v: &Option<String>| v.clone().unwrap_or_default();
        let rows = (0..df.height())
            .map(|i| EffectRow {
                intervention: txt(&iv[i]),
                outcome: txt(&outcome[i]),
                areas: txt(&areas[i])
                    .split(';')
                    .filter(|a| !a.is_empty())
                    .map(str::to_string)
                    .collect(),
                segment: segment[i].clone(),
                start: txt(&start[i]),
                post_periods: post[i].unwrap_or(0.0) as i64,
                pre_level: pre[i].unwrap_or(f64::NAN),
                estimate: est[i].unwrap_or(f64::NAN),
                pct: pct[i],
                total: total[i].unwrap_or(f64::NAN),
                ci: lo[i].zip(hi[i]),
                p_value: p[i].unwrap_or(f64::NAN),
                donors: donors[i].unwrap_or(0.0) as i64,
                placebos: placebos[i].unwrap_or(0.0) as i64,
                pre_trend: td[i].zip(tse[i]),
                pre_trend_differs: tdiff[i],
                in_time: it[i].zip(itse[i]),
                mde: mde[i].unwrap_or(f64::NAN),
                synth: sy[i].zip(syr[i]),
                regression_to_the_mean: rtm[i],
            })
            .collect();
        let df = crate::frame::read_parquet(&dir.join("effects_series.parquet"))?;
        let s = |c: &str| strings(&df, c);
        let f = |c: &str| floats(&df, c);
        let b = |c: &str| crate::frame::bools(&df, c, false);
        let (iv, outcome, period, post, prov) = (
            s("intervention")?,
            s("outcome")?,
            s("period")?,
            b("post")?,
            b("provisional")?,
        );
        let (event, lo, hi, persons) = (
            f("event")?,
            f("band_low")?,
            f("band_high")?,
            f("segment_persons")?,
        );
        let series = (0..df.height())
            .map(|i| EffectPoint {
                intervention: txt(&iv[i]),
                outcome: txt(&outcome[i]),
                period: txt(&period[i]),
                post: post[i],
                provisional: prov[i],
                event: event[i].unwrap_or(f64::NAN),
                band: lo[i].zip(hi[i]),
                segment_persons: persons[i],
            })
            .collect();
        Ok(Effects { rows, series })
    }
}
