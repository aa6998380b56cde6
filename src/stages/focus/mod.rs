//! Focus groups (SPEC 3.5, METHODS 6): person features built once (`features`), segments as
//! filter expressions over them (`segments`, whose parsed filters `filter_check` vets), each
//! segment's measures in each focus area (`groups`, making the rows of `segment_rows`, which
//! `suppression` protects) and proposed segments from a small regression tree (`proposals`).
//! In: the person frame. Out: the segments table (protected by `privacy::segment_cells`).

pub mod features;
pub mod filter_check;
pub mod groups;
pub mod proposals;
pub mod segment_rows;
pub mod segments;
pub mod simplify;
pub mod suppression;
