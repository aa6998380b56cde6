//! wijkscan: population health analytics per neighbourhood.
//!
//! ```text
//! inputs (Parquet/CSV) ─▶ stages::inputs ─▶ stages::profile ─▶ stages::privacy ─▶ stages::outliers
//!                          (validate, claims)  (levels, ledgers)   (small cells)     (basis, flags)
//!                       ─▶ stages::focus ─▶ stages::practices ─▶ stages::monitoring ─▶ run folder
//! ```
//!
//! Every module, from the top of the house down (a module uses only those below it;
//! `scripts/check_imports.py` keeps it so):
//! - `cmd`: the command line, one file per subcommand (`main.rs` only dispatches);
//! - `serve`: the working group's local web page and JSON API over a finished run
//!   (`wijkscan serve`), drawn from `view`, `report` and `charts`, live segments through
//!   `live_audit`;
//! - `pipeline`: the orchestrator — `execute` runs the stages up to a `Stage` (mod.rs), the
//!   profile step (`profile_step`), a run over several periods (`series`, with what each period
//!   returns in `period`), reference tables (`references`), the run folder and manifest
//!   (`write`) and the private cache beside it (`cache`);
//! - `report` and `charts`: the council report and every chart, drawn from `view`, the run
//!   folder read back into structs; `live_audit`: live focus queries checked against what a
//!   run has shown;
//! - `run_folder`: what may be replaced, the atomic swap, recovery; `manifest`: the run record;
//!   `config`: pipeline files and command-line overrides into `Settings`;
//! - `reference`: importers of Vektis and CBS open data;
//! - `stages`: plan builders and pure functions on frames, one folder per sub-pipeline
//!   (`inputs`, `profile`, `privacy`, `outliers`, `focus`, `practices`, `monitoring`; see
//!   `stages/mod.rs`);
//! - `published`: every published profile column, declared once (value, protection, labels);
//!   `geometry`: map shapes keyed by CBS code; `text`: every nl/en label and number format;
//! - `domain`: code lists, periods, area levels, age classes; `columns`: the data contract and
//!   derived column names; `problem`: diagnostics; `frame`: small frame helpers; `stats`: pure
//!   statistics; `error`, `progress` (the `Reporter` trait), `checksum`;
//! - `sample`: the synthetic data generator, used only by `cmd::sample` and the tests.

// A validation problem travels by value, once per file and rule; boxing it buys nothing.
#![allow(clippy::result_large_err)]

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
pub mod serve;
pub mod stages;
pub mod stats;
pub mod text;
pub mod view;
