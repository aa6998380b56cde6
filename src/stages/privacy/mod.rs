//! Privacy (SPEC 3.3, METHODS 7): which cells may be published. `area_tree` decides primary
//! and secondary suppression over the area tree; `profile_cells` applies it to the profile's
//! columns; `segment_cells` protects the segments table across nested areas, overlapping
//! segments and live queries; `practice_cells` the practice × area table against its linked
//! totals. In: raw tables with their person counts. Out: the same tables with hidden cells
//! null, and the suppression counts.

pub mod area_tree;
pub mod practice_cells;
pub mod profile_cells;
pub mod segment_cells;
