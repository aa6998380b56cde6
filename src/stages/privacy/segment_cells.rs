//! Small-cell protection of the segments table across nested focus areas, overlapping segments
//! and live queries (SPEC 3.3, METHODS 7, issue 14).
//!
//! The attacker's view, per gemeente: every published cell is a sum over a set of persons —
//! a segment cell (segment × focus area: its persons, cost, sums of squares, care types all
//! sum over the same persons), the population of each focus area and of the gemeente (the
//! profile publishes them), and the gemeente's count of each segment (`relative_rate` gives it
//! away). Persons that lie in exactly the same published cells form an *atom*; published
//! figures are linear combinations of atom sums, and nothing finer can be had. An atom — or two
//! atoms together — of 1 to min_cell − 1 persons whose indicator lies in the row space of the
//! published cells can be computed by difference: that is a leak. Leaks are closed by hiding
//! more segment cells (fewest persons first), which merges atoms, until none is left.
//!
//! This covers a gemeente minus its published wijken, a segment minus a narrower one ("A" and
//! "A AND x"), an area minus its other regression-tree leaves, and any mix of them.

use polars::prelude::*;
use std::collections::HashMap;

/// One segment cell of the table: the attacker rows it publishes (its persons in the area; for
/// `relative_rate` also its filter over the whole gemeente), whether it is published, and its
/// focus area (to tell the reasons apart).
#[derive(Debug, Clone)]
pub struct Cell {
    pub rows: Vec<usize>,
    pub persons: i64,
    pub published: bool,
    pub area: usize,
}

/// Why a segment cell was hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The segment or the rest of its area has 1 to min_cell − 1 persons.
    Small,
    /// It would let a small group be computed from areas that contain one another.
    NestedAreas,
    /// It would let a small group be computed from overlapping segments of one area.
    OverlappingSegments,
}

/// Segment cells suppressed per reason, for the manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SegmentSuppression {
    pub small: usize,
    pub nested_areas: usize,
    pub overlapping_segments: usize,
}

impl SegmentSuppression {
    pub fn add(&mut self, reason: Reason) {
        match reason {
            Reason::Small => self.small += 1,
            Reason::NestedAreas => self.nested_areas += 1,
            Reason::OverlappingSegments => self.overlapping_segments += 1,
        }
    }
}

/// Every row the attacker could see (margins and all cells' rows), as person masks collapsed
/// into *fine atoms*: persons with the same membership in all rows, with their count. Atoms of
/// a published subset of rows are unions of fine atoms, so checks never revisit persons.
#[derive(Debug, Clone)]
pub struct System {
    n_rows: usize,
    fine: Vec<(Vec<usize>, i64)>,
    /// The fine atoms of each row.
    row_atoms: Vec<Vec<usize>>,
    /// `inside[r]`: the rows whose persons are a strict part of row r's (an identical row,
    /// such as an area cell and its own gemeente-wide row, is no part of it).
    inside: Vec<Vec<usize>>,
}

impl System {
    /// `masks[r][p]`: person p is in row r.
    pub fn new(masks: &[Vec<bool>]) -> System {
        let persons = masks.first().map_or(0, Vec::len);
        let mut by_pattern: HashMap<Vec<usize>, i64> = HashMap::new();
        for p in 0..persons {
            let pattern: Vec<usize> = (0..masks.len()).filter(|&r| masks[r][p]).collect();
            if !pattern.is_empty() {
                *by_pattern.entry(pattern).or_insert(0) += 1;
            }
        }
        let mut fine: Vec<(Vec<usize>, i64)> = by_pattern.into_iter().collect();
        fine.sort();
        let n_rows = masks.len();
        let mut row_atoms = vec![Vec::new(); n_rows];
        for (f, (pattern, _)) in fine.iter().enumerate() {
            for &r in pattern {
                row_atoms[r].push(f);
            }
        }
        let sets: Vec<std::collections::HashSet<usize>> = row_atoms
            .iter()
            .map(|a| a.iter().copied().collect())
            .collect();
        let inside = (0..n_rows)
            .map(|r| {
                (0..n_rows)
                    .filter(|&q| {
                        q != r
                            && !row_atoms[q].is_empty()
                            && row_atoms[q].len() < row_atoms[r].len()
                            && row_atoms[q].iter().all(|f| sets[r].contains(f))
                    })
                    .collect()
            })
            .collect();
        System {
            n_rows,
            fine,
            row_atoms,
            inside,
        }
    }

    /// Atoms of the published rows: (published rows containing it, persons, fine atoms).
    fn atoms(&self, published: &[bool]) -> (Vec<usize>, Vec<Atom>) {
        let rows: Vec<usize> = (0..self.n_rows).filter(|&r| published[r]).collect();
        let index: HashMap<usize, usize> = rows.iter().enumerate().map(|(i, &r)| (r, i)).collect();
        let mut by: HashMap<Vec<usize>, (i64, Vec<usize>)> = HashMap::new();
        for (f, (pattern, count)) in self.fine.iter().enumerate() {
            let projected: Vec<usize> = pattern
                .iter()
                .filter_map(|r| index.get(r).copied())
                .collect();
            if projected.is_empty() {
                continue; // in no published row: nothing published sums over these persons
            }
            let e = by.entry(projected).or_insert((0, Vec::new()));
            e.0 += count;
            e.1.push(f);
        }
        let mut atoms: Vec<Atom> = by.into_iter().map(|(k, (c, f))| (k, c, f)).collect();
        atoms.sort();
        (rows, atoms)
    }

    /// A group of 1 to min_cell − 1 persons the published rows give away, as fine-atom ids;
    /// None when there is none. Groups tried: every atom and pair of atoms of the published
    /// rows, every row in `targets` (the hidden cells), and every published row minus the
    /// published rows inside it, together (a gemeente minus its wijken, an area minus the other
    /// leaves) and one at a time ("A" minus "A AND x") — the differences an attacker reaches
    /// for.
    pub fn leak(
        &self,
        published: &[bool],
        margins: &[bool],
        targets: &[usize],
        min_cell: i64,
    ) -> Option<Vec<usize>> {
        let full = Space::new(self, published);
        // What the margins alone give away is the profile's to protect (and it does): no
        // segment cell causes it, and hiding cells cannot undo it.
        let margin_space = Space::new(self, margins);
        let counts = |g: &[usize]| -> i64 { g.iter().map(|&f| self.fine[f].1).sum() };
        let mut groups: Vec<Vec<usize>> = full.small_atoms_and_pairs(min_cell);
        groups.extend(targets.iter().map(|&r| self.row_atoms[r].clone()));
        for r in (0..self.n_rows).filter(|&r| published[r]) {
            let inner: std::collections::HashSet<usize> = self.inside[r]
                .iter()
                .filter(|&&q| published[q])
                .flat_map(|&q| self.row_atoms[q].iter().copied())
                .collect();
            if !inner.is_empty() {
                groups.push(
                    self.row_atoms[r]
                        .iter()
                        .copied()
                        .filter(|f| !inner.contains(f))
                        .collect(),
                );
            }
            // And minus each one alone: with several cells nested in "A" (a working session
            // tries many), the union of them covers A, while "A" minus "A AND age <> 97"
            // alone is a few persons spread over many atoms.
            for &q in self.inside[r].iter().filter(|&&q| published[q]) {
                let inner: std::collections::HashSet<usize> =
                    self.row_atoms[q].iter().copied().collect();
                groups.push(
                    self.row_atoms[r]
                        .iter()
                        .copied()
                        .filter(|f| !inner.contains(f))
                        .collect(),
                );
            }
        }
        groups.into_iter().find_map(|mut g| {
            let persons = counts(&g);
            let leaks = persons > 0
                && persons < min_cell
                && full.contains(&g)
                && !margin_space.contains(&g);
            leaks.then(|| {
                g.sort();
                g
            })
        })
    }

    /// Whether row r holds any person of the fine atoms `group`.
    fn touches(&self, r: usize, group: &[usize]) -> bool {
        group.iter().any(|&f| self.fine[f].0.contains(&r))
    }
}

/// For each atom, its coordinates in a basis of the null space of the row × atom matrix: the
/// indicator of a set S of atoms lies in the row space exactly when the coordinates of S's
/// atoms sum to zero in every basis vector.
fn null_space_coordinates(n_rows: usize, atoms: &[(Vec<usize>, i64)]) -> Vec<Vec<f64>> {
    let n = atoms.len();
    let mut m = vec![vec![0.0f64; n]; n_rows];
    for (j, (rows, _)) in atoms.iter().enumerate() {
        for &r in rows {
            m[r][j] = 1.0;
        }
    }
    // Reduced row echelon form with partial pivoting; entries stay small (0/1 data).
    let mut pivots: Vec<usize> = Vec::new();
    let mut r = 0;
    for c in 0..n {
        if r == n_rows {
            break;
        }
        let best = (r..n_rows).max_by(|&a, &b| m[a][c].abs().total_cmp(&m[b][c].abs()));
        let Some(best) = best.filter(|&b| m[b][c].abs() > 1e-9) else {
            continue;
        };
        m.swap(r, best);
        let pv = m[r][c];
        for v in m[r].iter_mut() {
            *v /= pv;
        }
        let pivot_row = m[r].clone();
        for (i, row) in m.iter_mut().enumerate() {
            if i != r && row[c].abs() > 1e-12 {
                let f = row[c];
                for (o, p) in row.iter_mut().zip(pivot_row.iter()) {
                    *o -= f * p;
                }
            }
        }
        pivots.push(c);
        r += 1;
    }
    let mut pivot_of = vec![None; n];
    for (row, &c) in pivots.iter().enumerate() {
        pivot_of[c] = Some(row);
    }
    let free: Vec<usize> = (0..n).filter(|&c| pivot_of[c].is_none()).collect();
    // Basis vector for free column f: x_f = 1, x_pivot = −R[row][f].
    (0..n)
        .map(|j| match pivot_of[j] {
            None => free
                .iter()
                .map(|&f| if f == j { 1.0 } else { 0.0 })
                .collect(),
            Some(row) => free.iter().map(|&f| -m[row][f]).collect(),
        })
        .collect()
}

/// A group of 1 to min_cell − 1 persons the published rows give away: one atom, or two atoms
/// together (atoms as (rows, persons), `coords` from `null_space_coordinates`). Returns the
/// atoms' indices.
fn leak_in(atoms: &[(Vec<usize>, i64)], coords: &[Vec<f64>], min_cell: i64) -> Option<Vec<usize>> {
    let zero = |v: &[f64]| v.iter().all(|x| x.abs() < 1e-7);
    let small: Vec<usize> = (0..atoms.len())
        .filter(|&j| atoms[j].1 > 0 && atoms[j].1 < min_cell)
        .collect();
    if let Some(&j) = small.iter().find(|&&j| zero(&coords[j])) {
        return Some(vec![j]);
    }
    // Two atoms whose coordinates cancel: their union is in the row space.
    let key = |v: &[f64], sign: f64| -> Vec<i64> {
        v.iter().map(|x| (sign * x * 1e6).round() as i64).collect()
    };
    let mut seen: HashMap<Vec<i64>, usize> = HashMap::new();
    for &j in &small {
        if let Some(&i) = seen.get(&key(&coords[j], -1.0)) {
            if atoms[i].1 + atoms[j].1 < min_cell {
                return Some(vec![i, j]);
            }
        }
        seen.entry(key(&coords[j], 1.0)).or_insert(j);
    }
    None
}

/// An atom of a set of published rows: the rows holding it, its persons, its fine atoms.
type Atom = (Vec<usize>, i64, Vec<usize>);

/// The row space of a set of published rows, over its atoms.
struct Space {
    /// Coarse atom of each fine atom (None: in no published row).
    coarse: Vec<Option<usize>>,
    /// Persons and fine atoms of each coarse atom.
    atoms: Vec<Atom>,
    coords: Vec<Vec<f64>>,
}

impl Space {
    fn new(system: &System, published: &[bool]) -> Space {
        let (rows, atoms) = system.atoms(published);
        let simple: Vec<(Vec<usize>, i64)> =
            atoms.iter().map(|(r, c, _)| (r.clone(), *c)).collect();
        let coords = null_space_coordinates(rows.len(), &simple);
        let mut coarse = vec![None; system.fine.len()];
        for (j, (_, _, fs)) in atoms.iter().enumerate() {
            for &f in fs {
                coarse[f] = Some(j);
            }
        }
        Space {
            coarse,
            atoms,
            coords,
        }
    }

    /// Single atoms and pairs of atoms of 1 to min_cell − 1 persons that lie in the space, as
    /// fine-atom sets.
    fn small_atoms_and_pairs(&self, min_cell: i64) -> Vec<Vec<usize>> {
        let simple: Vec<(Vec<usize>, i64)> =
            self.atoms.iter().map(|(r, c, _)| (r.clone(), *c)).collect();
        let mut out = Vec::new();
        // `leak_in` returns the first; collect by masking what was found (few in practice).
        let mut masked = simple.clone();
        while let Some(a) = leak_in(&masked, &self.coords, min_cell) {
            out.push(a.iter().flat_map(|&j| self.atoms[j].2.clone()).collect());
            for &j in &a {
                masked[j].1 = 0;
            }
        }
        out
    }

    /// Whether the indicator of the fine atoms `group` lies in the space: it must be a union
    /// of whole atoms whose null-space coordinates cancel.
    fn contains(&self, group: &[usize]) -> bool {
        let Some(mut js) = group
            .iter()
            .map(|&f| self.coarse[f])
            .collect::<Option<Vec<_>>>()
        else {
            return false;
        };
        js.sort();
        js.dedup();
        let whole: usize = js.iter().map(|&j| self.atoms[j].2.len()).sum();
        if whole != group.iter().collect::<std::collections::HashSet<_>>().len() {
            return false;
        }
        let k = self.coords.first().map_or(0, Vec::len);
        (0..k).all(|d| js.iter().map(|&j| self.coords[j][d]).sum::<f64>().abs() < 1e-7)
    }
}

fn published_rows(n_rows: usize, margins: &[usize], cells: &[Cell]) -> Vec<bool> {
    let mut p = vec![false; n_rows];
    for &m in margins {
        p[m] = true;
    }
    for c in cells.iter().filter(|c| c.published && c.persons > 0) {
        for &r in &c.rows {
            p[r] = true;
        }
    }
    p
}

/// The first leak of the published cells and the margins, as fine-atom ids.
pub fn find_leak(
    system: &System,
    margins: &[usize],
    cells: &[Cell],
    min_cell: i64,
) -> Option<Vec<usize>> {
    // The hidden cells are what an attacker is after: each is tried as a group.
    let targets: Vec<usize> = cells
        .iter()
        .filter(|c| !c.published)
        .filter_map(|c| c.rows.first().copied())
        .collect();
    let mut margin_rows = vec![false; system.n_rows];
    for &m in margins {
        margin_rows[m] = true;
    }
    system.leak(
        &published_rows(system.n_rows, margins, cells),
        &margin_rows,
        &targets,
        min_cell,
    )
}

/// Hides published cells until no small group can be computed by difference; `fixed` cells
/// (already shown elsewhere) are never chosen. Returns the reason for each cell hidden here.
pub fn protect(
    system: &System,
    margins: &[usize],
    cells: &mut [Cell],
    fixed: &[bool],
    min_cell: i64,
) -> Vec<(usize, Reason)> {
    let mut hidden = Vec::new();
    while let Some(group) = find_leak(system, margins, cells, min_cell) {
        // Is the leak there within one area alone (overlapping segments), or only across
        // areas that contain one another?
        let areas: std::collections::BTreeSet<usize> = cells.iter().map(|c| c.area).collect();
        let within_one_area = areas.iter().any(|&a| {
            let local: Vec<Cell> = cells
                .iter()
                .map(|c| Cell {
                    published: c.published && c.area == a,
                    ..c.clone()
                })
                .collect();
            find_leak(system, margins, &local, min_cell).is_some()
        });
        let reason = if within_one_area {
            Reason::OverlappingSegments
        } else {
            Reason::NestedAreas
        };
        // Candidates: published cells holding the group's persons first, then the rest; the
        // fewest persons first. Take the first whose hiding removes this group's leak.
        let touches = |c: &Cell| c.rows.iter().any(|&r| system.touches(r, &group));
        let mut candidates: Vec<usize> = (0..cells.len())
            .filter(|&i| {
                cells[i].published
                    && cells[i].persons > 0
                    && !fixed.get(i).copied().unwrap_or(false)
            })
            .collect();
        candidates.sort_by_key(|&i| (!touches(&cells[i]), cells[i].persons, i));
        let mut chosen = None;
        for &i in &candidates {
            cells[i].published = false;
            let still = find_leak(system, margins, cells, min_cell);
            cells[i].published = true;
            if still.as_ref() != Some(&group) {
                chosen = Some(i);
                break;
            }
        }
        // A group the margins or fixed cells alone give away is no candidate's doing.
        let Some(i) = chosen.or(candidates.first().copied()) else {
            break;
        };
        cells[i].published = false;
        hidden.push((i, reason));
    }
    hidden
}

/// Person masks of boolean columns of `df`.
pub fn masks(df: &DataFrame, columns: &[String]) -> PolarsResult<Vec<Vec<bool>>> {
    columns
        .iter()
        .map(|c| crate::frame::bools(df, c, false))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask(n: usize, members: impl IntoIterator<Item = usize>) -> Vec<bool> {
        let m: Vec<usize> = members.into_iter().collect();
        (0..n).map(|p| m.contains(&p)).collect()
    }

    /// Rows 0.. are margins, then one row per cell, in order.
    fn setup(
        n: usize,
        margins: Vec<Vec<bool>>,
        cells: Vec<(Vec<bool>, usize, bool)>,
    ) -> (System, Vec<usize>, Vec<Cell>) {
        let m = margins.len();
        let mut all = margins;
        let mut out = Vec::new();
        for (i, (members, area, published)) in cells.into_iter().enumerate() {
            let persons = members.iter().filter(|b| **b).count() as i64;
            all.push(members);
            out.push(Cell {
                rows: vec![m + i],
                persons,
                published,
                area,
            });
        }
        assert!(all.iter().all(|r| r.len() == n));
        (System::new(&all), (0..m).collect(), out)
    }

    /// A gemeente of 40 in the segment: wijk A 20, wijk B 15, wijk C 5. With C hidden (small),
    /// the gemeente minus A and B gives C back: one more wijk must go.
    #[test]
    fn a_gemeente_minus_its_published_wijken() {
        let n = 40;
        let (sys, margins, mut cells) = setup(
            n,
            vec![mask(n, 0..n)],
            vec![
                (mask(n, 0..n), 0, true),
                (mask(n, 0..20), 1, true),
                (mask(n, 20..35), 2, true),
                (mask(n, 35..40), 3, false),
            ],
        );
        assert!(find_leak(&sys, &margins, &cells, 10).is_some());
        let hidden = protect(&sys, &margins, &mut cells, &[], 10);
        assert_eq!(hidden.len(), 1);
        assert_eq!(hidden[0].1, Reason::NestedAreas);
        assert!(find_leak(&sys, &margins, &cells, 10).is_none());
        // The smaller published wijk went: B (15) with C makes a group of 20.
        assert!(!cells[2].published && cells[1].published);
    }

    /// "A" (30 persons) and "A AND x" (27) in one area: 3 persons by difference.
    #[test]
    fn overlapping_segments_of_one_area() {
        let n = 100;
        let (sys, margins, mut cells) = setup(
            n,
            vec![mask(n, 0..n)],
            vec![(mask(n, 0..30), 0, true), (mask(n, 0..27), 0, true)],
        );
        let hidden = protect(&sys, &margins, &mut cells, &[], 10);
        // One of the two goes (the one holding the 3: A); then nothing can be differenced.
        assert_eq!(hidden, vec![(0, Reason::OverlappingSegments)]);
        assert!(find_leak(&sys, &margins, &cells, 10).is_none());
        // A cell already shown is never the one hidden: the other goes instead.
        let (sys, margins, mut cells) = setup(
            n,
            vec![mask(n, 0..n)],
            vec![(mask(n, 0..30), 0, true), (mask(n, 0..27), 0, true)],
        );
        let hidden = protect(&sys, &margins, &mut cells, &[true, false], 10);
        assert_eq!(hidden, vec![(1, Reason::OverlappingSegments)]);
        // Overlapping but not nested (A∖B = 3, B∖A = 5): no group is computable.
        let (sys, margins, mut cells) = setup(
            n,
            vec![mask(n, 0..n)],
            vec![(mask(n, 0..30), 0, true), (mask(n, 3..35), 0, true)],
        );
        assert!(protect(&sys, &margins, &mut cells, &[], 10).is_empty());
    }

    /// Tree leaves partition their area: a hidden leaf is the area minus the others.
    #[test]
    fn a_partition_with_one_hidden_leaf() {
        let n = 60;
        let (sys, margins, mut cells) = setup(
            n,
            vec![mask(n, 0..n)],
            vec![
                (mask(n, 0..25), 0, true),
                (mask(n, 25..55), 0, true),
                (mask(n, 55..60), 0, false),
            ],
        );
        let hidden = protect(&sys, &margins, &mut cells, &[], 10);
        assert_eq!(hidden, vec![(0, Reason::OverlappingSegments)]);
    }

    /// Two small atoms that only together lie in the row space are found as a pair: a (3) and
    /// b (3) with c (20) and d (20); published a+b+c, c and b+d give a+b but neither alone.
    #[test]
    fn a_pair_of_atoms() {
        let n = 46;
        let (sys, margins, cells) = setup(
            n,
            vec![],
            vec![
                (mask(n, 0..26), 0, true),
                (mask(n, 6..26), 0, true),
                (mask(n, (3..6).chain(26..46)), 0, true),
            ],
        );
        let g = find_leak(&sys, &margins, &cells, 10).unwrap();
        let persons: i64 = g.iter().map(|&f| sys.fine[f].1).sum();
        assert_eq!(persons, 6);
        // With min_cell 6 the pair (6 persons) is no leak.
        assert!(find_leak(&sys, &margins, &cells, 6).is_none());
    }
}

#[cfg(test)]
mod nested_pair_tests;

#[cfg(test)]
mod margin_tests {
    use super::*;

    #[test]
    fn gemeente_with_area_margins() {
        // Persons 0..90: wijk Y1 0..30 (seg 0..10), Y2 30..60 (seg 30..42), X 60..90 (seg 60..68).
        let n = 90;
        let m = |f: &dyn Fn(usize) -> bool| (0..n).map(f).collect::<Vec<bool>>();
        let seg = |p: usize| p < 10 || (30..42).contains(&p) || (60..68).contains(&p);
        let masks = vec![
            m(&|_| true),
            m(&|p| p < 30),
            m(&|p| (30..60).contains(&p)),
            m(&|p| p >= 60),
            m(&|p| seg(p)), // gm cell (in area)
            m(&|p| seg(p)), // gm cell (over gemeente)
            m(&|p| seg(p) && p < 30),
            m(&|p| seg(p)),
            m(&|p| seg(p) && (30..60).contains(&p)),
            m(&|p| seg(p)),
            m(&|p| seg(p) && p >= 60),
            m(&|p| seg(p)),
        ];
        let sys = System::new(&masks);
        let mut cells = vec![
            Cell {
                rows: vec![4, 5],
                persons: 30,
                published: true,
                area: 0,
            },
            Cell {
                rows: vec![6, 7],
                persons: 10,
                published: true,
                area: 1,
            },
            Cell {
                rows: vec![8, 9],
                persons: 12,
                published: true,
                area: 2,
            },
            Cell {
                rows: vec![10, 11],
                persons: 8,
                published: false,
                area: 3,
            },
        ];
        let margins = vec![0, 1, 2, 3];
        assert!(find_leak(&sys, &margins, &cells, 10).is_some());
        let h = protect(&sys, &margins, &mut cells, &[], 10);
        assert_eq!(h.len(), 1, "{h:?}");
    }
}
