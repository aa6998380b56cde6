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
//! - `domain`: code lists and the period; `columns`: the data contract;
//! - `stages::load`: scanning and validation; `stages::profile`: the area profile;
//!   `stages::reconcile`: where every euro went; `stages::suppress`: small-cell protection;
//! - `config`: pipeline files; `pipeline`: runs the stages and writes the run folder;
//! - `sample`: the synthetic data generator; `progress`: the `Reporter` trait.

pub mod cache;
pub mod charts;
pub mod cli;
pub mod columns;
pub mod commands;
pub mod config;
pub mod domain;
pub mod error;
pub mod frame;
pub mod geometry;
pub mod manifest;
pub mod pipeline;
pub mod problem;
pub mod progress;
pub mod published;
pub mod report;
pub mod run_folder;
pub mod sample;
pub mod stages;
pub mod stats;
pub mod view;
