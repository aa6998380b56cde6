//! The stages of a run, each from frames to frames; only `pipeline` does file I/O. One folder
//! per sub-pipeline, in the order a run passes them; a stage may use the folders above it in
//! this list (and `stats`, `domain`, `columns`, `published`), never one below:
//!
//! - `inputs`: the data contract checked and typed; claim lines to one row per claim id and
//!   per person;
//! - `profile`: persons → the level tables (pc5 … total), expected and national costs, and the
//!   reconciliation of every euro;
//! - `privacy`: what may be published — small cells in the profile, the segments and the
//!   practice tables;
//! - `outliers`: the cost basis the flags judge and the funnel flags;
//! - `focus`: person features, segments, focus-group measures and proposals;
//! - `practices`: the GP-practice view (SPEC 3.7);
//! - `monitoring`: several periods side by side (SPEC 3.6);
//! - `effects`: the effect of an intervention over the periods (SPEC 3.10, METHODS 10).

pub mod effects;
pub mod focus;
pub mod inputs;
pub mod monitoring;
pub mod outliers;
pub mod practices;
pub mod privacy;
pub mod profile;

use polars::prelude::{DataFrame, Engine, LazyFrame, PolarsResult};

/// Collects with polars' streaming engine: for the queries that scan every claim line, so
/// memory stays bounded by the aggregates rather than the extract.
pub fn collect_streaming(lf: LazyFrame) -> PolarsResult<DataFrame> {
    // A query without multiple sinks always has a single result (as `LazyFrame::collect`).
    Ok(lf.collect_with_engine(Engine::Streaming)?.unwrap_single())
}
