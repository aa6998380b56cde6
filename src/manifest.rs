//! The run record (SPEC 4.3): one typed `Manifest`, written by the pipeline and read back by the
//! stage commands and the report, so renaming a field breaks the build, not the report. A run
//! folder of another record format is refused with a message naming both versions.

use crate::error::{Error, Result};
use crate::problem::Problem;
use crate::stages::outliers::flags::{CostBasis, Fit};
use crate::stages::privacy::profile_cells::SuppressionCounts;
use crate::stages::privacy::segment_cells::SegmentSuppression;
use crate::stages::profile::reconcile::Ledger;
use crate::stats::overdispersion::Method;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub const FILE: &str = "manifest.json";
/// The format of this record: 2 (folders without the field are format 1).
pub const FORMAT: u32 = 2;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub manifest_format: u32,
    pub program: Program,
    pub run: RunInfo,
    /// A monitoring run's periods, oldest first (the last is `run.period`); absent for a
    /// one-period run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub periods: Vec<PeriodRecord>,
    pub inputs: Vec<InputRecord>,
    pub warnings: Vec<Problem>,
    pub reconciliation: Reconciliation,
    pub suppression: SuppressionCounts,
    /// Segment cells hidden per reason (small, nested areas, overlapping segments).
    pub segment_suppression: SegmentSuppression,
    pub outliers: OutliersRecord,
    /// The GP-practice view (SPEC 3.7): its ledger, suppression and outlier fit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub practices: Option<PracticesRecord>,
    /// Reference tables the run used (`[reference]`, issue #10).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reference: Vec<ReferenceRecord>,
    /// Declared interventions no effect could be shown for (SPEC 3.10), with why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub effects_not_estimated: Vec<NotEstimated>,
    pub timings_seconds: BTreeMap<String, f64>,
    pub outputs: Vec<String>,
}

/// An intervention the run could not estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotEstimated {
    pub intervention: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Program {
    pub name: String,
    pub version: String,
}

impl Program {
    pub fn this() -> Program {
        Program {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunInfo {
    pub name: String,
    pub period: String,
    pub period_start: String,
    pub period_end: String,
    pub min_cell: i64,
    pub levels: Vec<crate::domain::Level>,
    pub focus_min_volume: i64,
    pub focus_areas: Vec<String>,
    pub pipeline_file: Option<String>,
}

/// One period of a monitoring run: where its inputs were, when its extract was taken, whether
/// its figures are provisional, and its own ledgers and suppression counts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PeriodRecord {
    pub period: String,
    pub period_start: String,
    pub period_end: String,
    pub inputs_dir: String,
    pub extracted_on: String,
    /// `pipeline` (given per period) or `newest service date` (in its claims file).
    pub extracted_on_source: String,
    /// Extracted less than six months after the period's end: late claims still to come.
    pub provisional: bool,
    pub reconciliation: Reconciliation,
    pub suppression: SuppressionCounts,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InputRecord {
    pub name: String,
    /// Absolute, so stage commands can find the inputs again from any folder.
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
    pub rows: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reconciliation {
    pub wmo: Ledger,
    pub zvw: Ledger,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutliersRecord {
    pub overdispersion: Method,
    pub phi_estimator: String,
    pub flags: usize,
    pub fits: Vec<Fit>,
    pub cost_basis: CostBasis,
}

impl Manifest {
    /// Reads the record of the run folder `dir`.
    pub fn read(dir: &Path) -> Result<Manifest> {
        let path = dir.join(FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::Output(format!(
                "`{}` is not a finished run folder: cannot read `{FILE}`: {e}",
                dir.display()
            ))
        })?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| Error::Output(format!("`{}` is not valid JSON: {e}", path.display())))?;
        let format = value["manifest_format"].as_u64().unwrap_or(1);
        if format != u64::from(FORMAT) {
            return Err(Error::Output(format!(
                "`{}` was written by {} {} (run record format {format}); this is {} {} \
                 (format {FORMAT}): run it again with this version",
                dir.display(),
                value["program"]["name"].as_str().unwrap_or("wijkscan"),
                value["program"]["version"].as_str().unwrap_or("?"),
                env!("CARGO_PKG_NAME"),
                env!("CARGO_PKG_VERSION"),
            )));
        }
        serde_json::from_value(value)
            .map_err(|e| Error::Output(format!("`{}` is not a run record: {e}", path.display())))
    }

    pub fn write(&self, dir: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(|e| Error::Other(e.to_string()))?;
        std::fs::write(dir.join(FILE), text)?;
        Ok(())
    }

    /// The ledger of `zvw` or `wmo`.
    pub fn ledger(&self, source: &str) -> Option<&Ledger> {
        match source {
            "zvw" => Some(&self.reconciliation.zvw),
            "wmo" => Some(&self.reconciliation.wmo),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_of_another_format_is_refused_by_version() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE),
            r#"{"program": {"name": "wijkscan", "version": "0.0.9"}, "run": {}}"#,
        )
        .unwrap();
        let e = Manifest::read(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("0.0.9") && e.contains("format 1") && e.contains("format 2"),
            "{e}"
        );
        let e = Manifest::read(&dir.path().join("missing"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a finished run folder"), "{e}");
    }
}

/// The practice view's record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PracticesRecord {
    /// True when no `gp_practices` list was given: practices are located in the wijk where
    /// most of their patients live.
    pub located_by_patients: bool,
    /// Level of `practice_areas` (wijk or buurt).
    pub cross_level: crate::domain::Level,
    pub reconciliation: crate::stages::practices::view::Ledger,
    pub suppression: crate::stages::practices::view::Suppression,
    pub outliers: crate::stages::practices::view::Fit,
}

/// One reference table a run used.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReferenceRecord {
    /// `vektis`.
    pub kind: String,
    pub path: String,
    pub sha256: String,
    pub rows: u64,
    /// The year whose national amounts were used (vektis), or the file's year (cbs).
    pub year: Option<i32>,
    /// The national cost per insured year of that year (all rows; vektis).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub national_cost_per_insured_year: Option<f64>,
    /// The import's warnings for the file(s) of that year (from the `reference_<kind>.json`
    /// the import wrote beside the table), or a note that there was no such record.
    #[serde(default)]
    pub warnings: Vec<String>,
}
