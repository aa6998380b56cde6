//! wijkscan: population health analytics per neighbourhood.
//!
//! ```text
//! inputs (Parquet/CSV) ──load──▶ validate ──▶ profile (persons once, then levels)
//!                                              │
//!                                              ├─▶ reconcile (conservation, SPEC 3.2)
//!                                              └─▶ suppress (small cells, SPEC 3.3) ──▶ write run folder
//! ```
//!
//! Modules, one concept each:
//! - `domain`: code lists, the period and the area `Level`s; `columns`: the data contract;
//!   `published`: every published profile column, declared once (value, protection, labels);
//! - `pipeline`: the orchestrator — `execute` runs the stages up to a `Stage` and is the only
//!   place that collects plans over the inputs or the person frame (stages may collect only
//!   their own small frames, but for the claim-line passes of `claim_identity` and
//!   `claim_sums`, whose ways of collecting are the point); `pipeline::write` writes the run
//!   folder atomically (`run_folder`) with its typed record (`manifest`) and the private cache
//!   (`cache`);
//! - `stages`: plan builders and pure functions on frames — `load` (validation, diagnostics in
//!   `problem`), `claim_identity`, `claim_sums`, `profile`, `reconcile`,
//!   `small_cells`/`suppress`, `expected`, `flag_basis`, `outliers`, `features`, `segments`,
//!   `focus`, `segment_privacy`, `tree`;
//! - `stats`: pure statistics; `text`: every nl/en label and number format; `view`: the run
//!   folder as structs, below `charts` and `report`; `live_audit`: live focus queries checked against what was shown;
//! - `config`: pipeline files; `cmd`: the command line, one file per subcommand; `sample`: the synthetic data
//!   generator; `progress`: the `Reporter` trait.

pub mod charts;
pub mod checksum;
pub mod cmd;
pub mod columns;
pub mod config;
pub mod domain;
pub mod error;
pub mod frame;
pub mod geometry;
pub mod live_audit;
pub mod manifest;
pub mod pipeline;
pub mod problem;
pub mod progress;
pub mod published;
pub mod reference;
pub mod report;
pub mod run_folder;
pub mod sample;
pub mod stages;
pub mod stats;
pub mod text;
pub mod view;
