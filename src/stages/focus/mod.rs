//! Focus groups (SPEC 3.5, METHODS 6): person features built once (`features`), segments as
//! filter expressions over them (`segments`), each segment's measures in each focus area
//! (`groups`) and proposed segments from a small regression tree (`proposals`). In: the
//! person frame. Out: the segments table (protected by `privacy::segment_cells`).

pub mod features;
pub mod groups;
pub mod proposals;
pub mod segments;
