//! The stages of a run, each from frames to frames; only `pipeline` does I/O.

pub mod load;
pub mod suppress;
