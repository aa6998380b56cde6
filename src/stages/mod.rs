//! The stages of a run, each from frames to frames; only `pipeline` does file I/O.

pub mod compute;
pub mod load;
pub mod profile;
pub mod reconcile;
pub mod small_cells;
pub mod suppress;
