//! Public reference data (issue #10, SPEC 3.8): importers that turn the messy yearly files of
//! Vektis (and, later, CBS) into normalised tables. No file I/O beyond reading the given files;
//! `commands::reference` writes the result.

pub mod cbs;
pub mod vektis;
