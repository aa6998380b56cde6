//! The key a figure is grouped by and one key's figures in period order, shared by the table
//! and its changes and trends.

use super::figures::Figure;
use crate::domain::Level;

/// (level, area code, segment, metric's place in the table).
pub(super) type BorrowedKey<'a> = (Level, &'a str, Option<&'a str>, usize);

/// One figure in (key, period) order.
#[derive(Clone, Copy)]
pub(super) struct Entry<'a> {
    pub(super) key: BorrowedKey<'a>,
    pub(super) j: usize,
    pub(super) f: &'a Figure,
}

/// One key's figures, by period.
#[derive(Clone, Copy)]
pub(super) struct Series<'a>(pub(super) &'a [Entry<'a>]);

impl<'a> Series<'a> {
    pub(super) fn get(&self, j: usize) -> Option<&'a Figure> {
        self.0
            .binary_search_by_key(&j, |e| e.j)
            .ok()
            .map(|i| self.0[i].f)
    }
}
