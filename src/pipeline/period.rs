//! What a monitoring run's periods give back (SPEC 3.6): computed by `monitor`, written by
//! `write`; in a module of their own so neither needs the other.

use super::Validated;
use crate::domain::Period;
use chrono::NaiveDate;
use polars::prelude::*;

/// What a monitoring run keeps of each period (oldest first, the last period included).
pub struct PeriodOutput {
    pub period: Period,
    pub extracted_on: NaiveDate,
    /// `pipeline` or `newest service date`.
    pub extracted_on_source: &'static str,
    pub provisional: bool,
    /// Its published profile (every level, small cells hidden), as `Profiled::profile`.
    pub profile: DataFrame,
    /// Its segments table.
    pub segments: DataFrame,
    pub zvw: crate::stages::profile::reconcile::Ledger,
    pub wmo: crate::stages::profile::reconcile::Ledger,
    pub suppression: crate::stages::privacy::profile_cells::SuppressionCounts,
    /// Its warnings (validation and profile); empty for the last period, whose warnings are
    /// the run's own.
    pub warnings: Vec<crate::problem::Problem>,
    /// Its validation (inputs and warnings); None for the last period, whose validation is
    /// the run's own (`Computed::validated`).
    pub validated: Option<Validated>,
}

/// The periods of a monitoring run and the monitoring table.
pub struct Monitoring {
    pub periods: Vec<PeriodOutput>,
    pub table: DataFrame,
    /// Every period's area outcomes (`monitoring::panel`), for effects; private.
    pub panel: DataFrame,
    /// The declared interventions' effects (SPEC 3.10).
    pub effects: crate::stages::effects::estimate::Effects,
}
