//! The stages of a run, each from frames to frames; only `pipeline` does file I/O.

pub mod claim_identity;
pub mod claim_sums;
pub mod expected;
pub mod features;
pub mod flag_basis;
pub mod focus;
pub mod load;
pub mod monitoring;
pub mod national;
pub mod outliers;
pub mod practice_privacy;
pub mod practices;
pub mod profile;
pub mod reconcile;
pub mod segment_privacy;
pub mod segments;
pub mod small_cells;
pub mod suppress;
pub mod tree;

use polars::prelude::{DataFrame, Engine, LazyFrame, PolarsResult};

/// Collects with polars' streaming engine: for the queries that scan every claim line, so
/// memory stays bounded by the aggregates rather than the extract.
pub fn collect_streaming(lf: LazyFrame) -> PolarsResult<DataFrame> {
    // A query without multiple sinks always has a single result (as `LazyFrame::collect`).
    Ok(lf.collect_with_engine(Engine::Streaming)?.unwrap_single())
}
