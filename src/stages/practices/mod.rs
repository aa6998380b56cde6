//! The GP-practice view beside the neighbourhood view (SPEC 3.7; seed 004 §3.2): each
//! practice's registered population profiled like an area, the practice × area cross table
//! ("who lives where"), both populations per focus area, and funnel flags per practice.
//!
//! - Every insured person in a known area lands in exactly one practice bucket: a practice,
//!   `ONBEKEND` (an id the `gp_practices` list does not know) or `NIET_INGESCHREVEN` (no
//!   practice). The ledger checks that the buckets add up to the area total to the cent.
//!   Persons in "onbekend gebied" are in the area ledger's own bucket and not here.
//! - The norm of a practice is attributed from where its patients live: the norm per insured
//!   year of each patient's pc5 × the patient's insured years; O/E and resultaat follow SPEC 3.1
//!   per insured year.
//! - A practice's location is its `gp_practices` pc5 (or `location_wijk_code`); without the
//!   list, the wijk where most of its patients live (ties: the lowest code), and the run says so.
//! - Small cells (SPEC 3.3): the practice table is protected like a level under the total
//!   (`stages::privacy::area_tree`), the cross table against all three linked tables
//!   (`stages::privacy::practice_cells`).
//!
//! Everything here works on the person frame (one group-by per table) and small frames.
//!
//! In: the person frame with the practice key (`plans::with_practice`) and a `view::Context`
//! (the `gp_practices` list, norms, areas, the area profile, the flag basis, settings). Out: a
//! `view::PracticeView` (tables `practices`, `practice_areas`, `focus_populations`, the
//! ledger, the fit, the suppression counts), made by `build::build`. `plans` holds the
//! queries, `location` places practices, `judging` flags them, `tables` writes the practice
//! and cross tables and the ledger, `populations` compares residents and patients per focus
//! area; `view` holds the types they share.

pub mod build;
pub mod judging;
pub mod location;
pub mod plans;
pub mod populations;
pub mod tables;
pub mod view;
