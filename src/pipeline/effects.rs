//! The effects step of a monitoring run (SPEC 3.10, METHODS 10): every period's area outcomes
//! (`monitoring::panel`) gathered into one panel — kept in the run's private cache for
//! `wijkscan effect` — and the declared interventions estimated on it.

use super::period::Monitoring;
use crate::config::Settings;
use crate::stages::effects::estimate::{estimate, Effects};
use crate::stages::effects::intervention::Intervention;
use crate::stages::monitoring::figures::PeriodFigures;
use crate::stages::monitoring::panel::PanelRow;
use polars::prelude::DataFrame;

/// Every period's panel rows, oldest period first.
pub fn panel(figures: &[PeriodFigures]) -> Vec<PanelRow> {
    let mut by_period: Vec<&PeriodFigures> = figures.iter().collect();
    by_period.sort_by_key(|f| f.period.start);
    by_period
        .iter()
        .flat_map(|f| f.panel.iter().cloned())
        .collect()
}

/// Estimates `interventions` on a run's panel and its segments (every period, with `period`).
pub fn estimate_all(
    interventions: &[Intervention],
    panel: &[PanelRow],
    segments: Option<&DataFrame>,
    periods: &[String],
    provisional: &[bool],
) -> Effects {
    let mut out = Effects::default();
    for iv in interventions {
        match estimate(iv, panel, segments, periods, provisional) {
            Ok(r) => out.results.extend(r),
            Err(why) => {
                eprintln!("wijkscan: warning: {why}");
                out.failed.push((iv.name.clone(), why));
            }
        }
    }
    out
}

/// The run's declared interventions, on its monitoring periods.
pub fn run(
    settings: &Settings,
    m: &Monitoring,
    panel: &[PanelRow],
) -> crate::error::Result<Effects> {
    if settings.interventions.is_empty() {
        return Ok(Effects::default());
    }
    let periods: Vec<String> = m.periods.iter().map(|p| p.period.label()).collect();
    let provisional: Vec<bool> = m.periods.iter().map(|p| p.provisional).collect();
    let segments = super::write::stack_periods(m, |p| Ok(p.segments.clone()))?;
    Ok(estimate_all(
        &settings.interventions,
        panel,
        Some(&segments),
        &periods,
        &provisional,
    ))
}
