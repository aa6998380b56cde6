//! The practice view's shared types: what goes in (`Context`), what comes out
//! (`PracticeView` with its ledger, fit and suppression counts), and one practice's `Row`.
//! Kept apart so that the files that build the view import them without importing each other.

use crate::domain::{Level, DAYS_PER_YEAR};
use crate::stages::outliers::basis::GroupSums;
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A practice's location.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Location {
    pub pc5: Option<String>,
    pub buurt: Option<String>,
    pub wijk: Option<String>,
    pub gemeente: Option<String>,
    /// `gp_practices` or `patients` (where most patients live).
    pub source: Option<&'static str>,
}

/// One row of the practice table before publication.
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub key: String,
    pub name: String,
    pub kind: &'static str,
    pub location: Location,
    pub persons: i64,
    pub days: i64,
    pub cents: i64,
    pub ct_cents: Vec<i64>,
    pub ct_contrib: Vec<i64>,
    pub n_75plus: i64,
    pub multi_care: i64,
    pub wmo_clients: i64,
    pub norm_eur: Option<f64>,
    pub norm_days: i64,
    pub own_wijk: i64,
}

impl Row {
    pub(super) fn years(&self) -> f64 {
        self.days as f64 / DAYS_PER_YEAR
    }
    pub(super) fn zvw_piy(&self) -> Option<f64> {
        (self.days > 0).then(|| self.cents as f64 / 100.0 / self.years())
    }
    pub(super) fn norm_piy(&self) -> Option<f64> {
        let y = self.norm_days as f64 / DAYS_PER_YEAR;
        self.norm_eur.filter(|_| y > 0.0).map(|n| n / y)
    }
    pub fn oe(&self) -> Option<f64> {
        let n = self.norm_piy()?;
        (n > 0.0).then_some(self.zvw_piy()? / n)
    }
}

/// The practice bucket ledger (SPEC 3.2's discipline for the practice view).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Ledger {
    /// The area total (persons in known areas).
    pub area_persons: i64,
    pub area_eur: String,
    pub buckets: Vec<LedgerBucket>,
    pub balanced: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LedgerBucket {
    pub bucket: String,
    pub practices: usize,
    pub persons: i64,
    pub eur: String,
}

/// The practice outlier fit, for the manifest and the report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Fit {
    pub min_persons: i64,
    pub judged: usize,
    pub too_small: usize,
    pub phi: Option<f64>,
    /// τ² (METHODS 4), used where `[outliers] overdispersion = "additive"`.
    #[serde(default)]
    pub tau2: Option<f64>,
    /// φ's 95% quantile under chance for this many practices (METHODS 4.4).
    #[serde(default)]
    pub phi_threshold: Option<f64>,
    /// Whether the limits were widened.
    #[serde(default)]
    pub widened: bool,
    pub flags: usize,
    pub flags_vs_gemeente: usize,
    /// Against the whole extract's own capped O/E (`extract_oe_for_flags`).
    #[serde(default)]
    pub flags_vs_extract: usize,
    #[serde(default)]
    pub extract_oe_for_flags: Option<f64>,
    /// For the funnel chart's limits: pooled s and the extract's κ × norm per insured year.
    pub sigma_eur: f64,
    pub norm_per_insured_year: Option<f64>,
}

/// How many cells the practice view hid.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Suppression {
    pub practice_rows_primary: usize,
    pub practice_rows_secondary: usize,
    pub practice_cells_primary: usize,
    pub practice_cells_secondary: usize,
    pub cross_primary: usize,
    pub cross_secondary: usize,
    pub cross_unresolved: usize,
}

/// What the practice view publishes.
pub struct PracticeView {
    /// `practices`: one row per practice and bucket.
    pub table: DataFrame,
    /// `practice_areas`: practice × area of the cross level.
    pub cross: DataFrame,
    /// `focus_populations`: per focus area, residents against patients of its practices.
    pub populations: DataFrame,
    pub ledger: Ledger,
    pub fit: Fit,
    pub suppression: Suppression,
    /// True when no `gp_practices` list was given (locations from the patients).
    pub located_by_patients: bool,
    pub cross_level: Level,
}

/// The inputs of the view besides the person frame.
pub struct Context<'a> {
    /// The `gp_practices` list (practice_id, practice_name, pc5, location_wijk_code).
    pub list: Option<&'a DataFrame>,
    pub norm: LazyFrame,
    pub areas: LazyFrame,
    /// The area profile before suppression and as published (same rows).
    pub area_raw: &'a DataFrame,
    pub area_profile: &'a DataFrame,
    /// Per area row: the O/E the area flags judged (capped), for "against the gemeente".
    pub area_oe_for_flags: &'a [Option<f64>],
    /// The total cost's flag basis per practice key, κ and pooled s.
    pub basis: &'a BTreeMap<String, GroupSums>,
    pub kappa: f64,
    pub pooled_s: f64,
    pub capped: bool,
    /// The run's `[outliers]` settings: how φ is estimated and the limits widened.
    pub outliers: crate::stages::outliers::flags::Settings,
    pub focus_areas: &'a [String],
    pub min_cell: i64,
    pub cross_level: Level,
}
