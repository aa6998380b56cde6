//! Inputs (SPEC 2): each file found (`input_set`), its schema and every rule of the data
//! contract checked (`validate`, with `files`, `rules`, `typing`, and `diagnostics` for the
//! examples and unreadable files), then the claim lines reduced: one row per
//! claim id with its copies and conflicts (`claim_identity`) and one row per person with the
//! sums per care type (`claim_sums`). In: the input folder. Out: typed lazy frames, the
//! problems found, and the per-person claim sums.

pub mod claim_identity;
pub mod claim_sums;
mod csv_scan;
mod diagnostics;
pub mod files;
pub mod input_set;
pub mod rules;
pub mod typing;
pub mod validate;
