//! Which cells of the area tree to hide (SPEC 3.3, METHODS 7): primary suppression of small
//! rows and cells, then secondary suppression until nothing hidden can be had back by
//! subtraction, across the tree (a parent minus its published children) or within a row
//! (a row total minus its published parts).
//!
//! The attacker's view, per metric: every published node X gives the sum over its hidden
//! leaves that no published descendant covers — X's "atom". Atoms are disjoint, so the
//! attacker learns exactly the atom sums. The rule kept here: every atom is empty or describes
//! at least `min_cell` contributors and spans at least two hidden branches of X (one branch
//! alone would be the whole atom, hence known). A violated atom is enlarged by hiding the
//! published child of X with the fewest contributors and, below it, a path down to a leaf.
//! Within a row, a group with hidden members needs at least two of them, one describing at
//! least `min_cell` persons; else the member with the fewest contributors that fixes this is
//! hidden too (when none can, the row is hidden whole: its total would give the part away). Both
//! rules repeat until nothing changes; hiding only ever grows, so this ends.

/// The area tree: `parent[i]` of node i (None for the root) and its insured persons.
pub struct Tree {
    pub parent: Vec<Option<usize>>,
    pub persons: Vec<i64>,
}

/// An additive figure with, per node, the number of persons contributing to it.
pub struct Metric {
    pub name: String,
    pub contributors: Vec<i64>,
    /// Metrics of one group add up to a row total: the metric whose `total_of` names the
    /// group, or else a value published with the row itself.
    pub row_group: Option<String>,
    /// This metric's cell is the total of the named row group.
    pub total_of: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub row_hidden: Vec<bool>,
    pub row_primary: Vec<bool>,
    /// `[metric][node]`, including cells of hidden rows.
    pub cell_hidden: Vec<Vec<bool>>,
    pub cell_primary: Vec<Vec<bool>>,
    pub primary_rows: usize,
    pub secondary_rows: usize,
    pub primary_cells: usize,
    pub secondary_cells: usize,
}

/// Index of the row "metric" (persons) beside the cell metrics.
const ROW: usize = usize::MAX;

struct State<'a> {
    tree: &'a Tree,
    metrics: &'a [Metric],
    children: Vec<Vec<usize>>,
    /// Nodes ordered so that every child comes before its parent.
    bottom_up: Vec<usize>,
    row_hidden: Vec<bool>,
    cell_hidden: Vec<Vec<bool>>,
    min_cell: i64,
}

impl State<'_> {
    fn contrib(&self, m: usize, n: usize) -> i64 {
        if m == ROW {
            self.tree.persons[n]
        } else {
            self.metrics[m].contributors[n]
        }
    }

    fn hidden(&self, m: usize, n: usize) -> bool {
        self.row_hidden[n] || (m != ROW && self.cell_hidden[m][n])
    }

    /// Hides (m, n); returns true when that changed anything.
    fn hide(&mut self, m: usize, n: usize) -> bool {
        if self.hidden(m, n) {
            return false;
        }
        if m == ROW {
            self.row_hidden[n] = true;
        } else {
            self.cell_hidden[m][n] = true;
        }
        true
    }

    /// down[n]: contributors of the hidden leaves under n reached through hidden nodes only;
    /// for a published node this is its atom.
    fn down(&self, m: usize) -> Vec<i64> {
        let mut down = vec![0i64; self.tree.parent.len()];
        for &n in &self.bottom_up {
            down[n] = self.children[n]
                .iter()
                .filter(|&&c| self.hidden(m, c))
                .map(|&c| {
                    if self.children[c].is_empty() {
                        self.contrib(m, c)
                    } else {
                        down[c]
                    }
                })
                .sum();
        }
        down
    }

    /// Enlarges the atom of published node x: hide its published child with the fewest
    /// (but some) contributors, and below it a path until the merged mass is large enough.
    fn enlarge(&mut self, m: usize, x: usize, down: &[i64]) -> bool {
        let mut candidates: Vec<usize> = self.children[x]
            .iter()
            .copied()
            .filter(|&c| !self.hidden(m, c) && self.contrib(m, c) > 0)
            .collect();
        candidates.sort_by_key(|&c| (self.contrib(m, c), c));
        let Some(&first) = candidates.first() else {
            return false;
        };
        let mut changed = self.hide(m, first);
        // The child's own hidden mass now joins x's atom; without any, hide a path below it.
        if !self.children[first].is_empty() && down[first] == 0 {
            changed |= self.descend(m, first);
        }
        changed
    }

    /// Hides a path from hidden node `n` down to a leaf carrying contributors, so that n's
    /// value is not simply the sum of its published children.
    fn descend(&mut self, m: usize, mut n: usize) -> bool {
        let mut changed = false;
        while !self.children[n].is_empty() {
            let mut kids: Vec<usize> = self.children[n]
                .iter()
                .copied()
                .filter(|&c| self.contrib(m, c) > 0)
                .collect();
            kids.sort_by_key(|&c| (self.hidden(m, c), self.contrib(m, c), c));
            // Prefer extending an existing hidden branch; else the smallest published child.
            let Some(&k) = kids.iter().find(|&&c| self.hidden(m, c)).or(kids.first()) else {
                break;
            };
            changed |= self.hide(m, k);
            n = k;
        }
        changed
    }

    /// The across-areas rule for one metric; true when something was hidden. For every
    /// published node X: (i) its atom is empty or holds at least min_cell contributors;
    /// (ii) a non-empty atom spans at least two hidden branches of X, so no branch is its
    /// whole atom; (iii) every hidden intermediate node with contributors has a hidden path
    /// to a leaf with contributors, else its children give its value away.
    fn columns(&mut self, m: usize) -> bool {
        let down = self.down(m);
        let mut changed = false;
        for x in self.bottom_up.clone() {
            if self.children[x].is_empty() {
                continue;
            }
            if self.hidden(m, x) {
                if self.contrib(m, x) > 0 && down[x] == 0 {
                    changed |= self.descend(m, x);
                }
                continue;
            }
            let mass = down[x];
            let branches = self.children[x]
                .iter()
                .filter(|&&c| {
                    self.hidden(m, c)
                        && (if self.children[c].is_empty() {
                            self.contrib(m, c)
                        } else {
                            down[c]
                        }) > 0
                })
                .count();
            if mass > 0 && (mass < self.min_cell || branches < 2) {
                if self.enlarge(m, x, &down) {
                    changed = true;
                } else {
                    // Nothing below can cover it: the parent itself must go.
                    changed |= self.hide(m, x);
                }
            }
        }
        changed
    }

    /// The within-row rule for one group of metrics; true when something was hidden.
    fn rows(&mut self, group: &[usize], total: Option<usize>) -> bool {
        let mut changed = false;
        for n in 0..self.tree.parent.len() {
            // Without a published total there is no row equation to protect against.
            if self.row_hidden[n] || total.is_some_and(|t| self.cell_hidden[t][n]) {
                continue;
            }
            let hidden: Vec<usize> = group
                .iter()
                .copied()
                .filter(|&m| self.cell_hidden[m][n] && self.contrib(m, n) > 0)
                .collect();
            if hidden.is_empty() {
                continue;
            }
            // Safe when at least two members are hidden (one alone is the total minus the
            // rest) and one of them alone describes min_cell persons (so their union does).
            let big = hidden.iter().any(|&m| self.contrib(m, n) >= self.min_cell);
            if hidden.len() >= 2 && big {
                continue;
            }
            let open: Vec<usize> = group
                .iter()
                .copied()
                .filter(|&m| !self.cell_hidden[m][n] && self.contrib(m, n) > 0)
                .collect();
            let partner = open
                .iter()
                .copied()
                .filter(|&m| big || self.contrib(m, n) >= self.min_cell)
                .min_by_key(|&m| (self.contrib(m, n), m));
            match partner {
                Some(m) => changed |= self.hide(m, n),
                // No member can cover it (the others have no contributors): the total would
                // give the hidden part away, so the total goes (or the row, if it is the row's).
                None => changed |= self.hide(total.unwrap_or(ROW), n),
            }
        }
        changed
    }
}

/// Decides every hidden row and cell. Ties go to the lower node index (the caller orders
/// nodes by level and area code), so the outcome is deterministic.
pub fn suppress(tree: &Tree, metrics: &[Metric], min_cell: i64) -> Outcome {
    let n = tree.parent.len();
    let mut children = vec![Vec::new(); n];
    for (i, p) in tree.parent.iter().enumerate() {
        if let Some(p) = p {
            children[*p].push(i);
        }
    }
    let depth = |mut i: usize| {
        let mut d = 0;
        while let Some(p) = tree.parent[i] {
            d += 1;
            i = p;
        }
        d
    };
    let mut bottom_up: Vec<usize> = (0..n).collect();
    bottom_up.sort_by_key(|&i| (std::cmp::Reverse(depth(i)), i));

    let row_primary: Vec<bool> = tree.persons.iter().map(|&p| p < min_cell).collect();
    let cell_primary: Vec<Vec<bool>> = metrics
        .iter()
        .map(|m| {
            (0..n)
                .map(|i| !row_primary[i] && m.contributors[i] > 0 && m.contributors[i] < min_cell)
                .collect()
        })
        .collect();
    let mut st = State {
        tree,
        metrics,
        children,
        bottom_up,
        row_hidden: row_primary.clone(),
        cell_hidden: cell_primary.clone(),
        min_cell,
    };
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, m) in metrics.iter().enumerate() {
        if let Some(g) = &m.row_group {
            match groups.iter_mut().find(|(name, _)| name == g) {
                Some((_, members)) => members.push(i),
                None => groups.push((g.clone(), vec![i])),
            }
        }
    }
    loop {
        let mut changed = st.columns(ROW);
        for m in 0..metrics.len() {
            changed |= st.columns(m);
        }
        for (name, members) in &groups {
            let total = metrics
                .iter()
                .position(|m| m.total_of.as_deref() == Some(name.as_str()));
            changed |= st.rows(members, total);
        }
        if !changed {
            break;
        }
    }

    let mut cell_hidden = st.cell_hidden;
    for cells in cell_hidden.iter_mut() {
        for (cell, row) in cells.iter_mut().zip(&st.row_hidden) {
            *cell |= *row;
        }
    }
    let primary_rows = row_primary.iter().filter(|&&r| r).count();
    let secondary_rows = st.row_hidden.iter().filter(|&&r| r).count() - primary_rows;
    let (mut primary_cells, mut secondary_cells) = (0, 0);
    for (m, cells) in cell_hidden.iter().enumerate() {
        for i in 0..n {
            if cells[i] && !st.row_hidden[i] {
                if cell_primary[m][i] {
                    primary_cells += 1;
                } else {
                    secondary_cells += 1;
                }
            }
        }
    }
    Outcome {
        row_hidden: st.row_hidden,
        row_primary,
        cell_hidden,
        cell_primary,
        primary_rows,
        secondary_rows,
        primary_cells,
        secondary_cells,
    }
}

#[cfg(test)]
#[allow(clippy::needless_range_loop)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// total → buurt → three pc5s.
    fn small_tree(pc5: [i64; 3]) -> Tree {
        let b: i64 = pc5.iter().sum();
        Tree {
            parent: vec![None, Some(0), Some(1), Some(1), Some(1)],
            persons: vec![b, b, pc5[0], pc5[1], pc5[2]],
        }
    }

    #[test]
    fn a_small_pc5_takes_its_smallest_sibling_along() {
        let t = small_tree([4, 30, 40]);
        let o = suppress(&t, &[], 10);
        assert_eq!(o.row_hidden, vec![false, false, true, true, false]);
        assert_eq!((o.primary_rows, o.secondary_rows), (1, 1));
    }

    #[test]
    fn two_small_pc5s_that_together_pass_need_nothing_more() {
        let t = small_tree([6, 7, 40]);
        let o = suppress(&t, &[], 10);
        assert_eq!(o.row_hidden, vec![false, false, true, true, false]);
        assert_eq!(o.secondary_rows, 0);
    }

    #[test]
    fn a_small_care_type_cell_takes_a_partner_in_its_row() {
        let t = small_tree([20, 30, 40]);
        let group = Some("zvw".to_string());
        let metrics = vec![
            Metric {
                name: "a".into(),
                contributors: vec![60, 60, 3, 25, 32],
                row_group: group.clone(),
                total_of: None,
            },
            Metric {
                name: "b".into(),
                contributors: vec![80, 80, 15, 30, 35],
                row_group: group.clone(),
                total_of: None,
            },
            Metric {
                name: "c".into(),
                contributors: vec![90, 90, 20, 30, 40],
                row_group: group,
                total_of: None,
            },
        ];
        let o = suppress(&t, &metrics, 10);
        assert!(o.cell_primary[0][2]);
        // Within pc5 #2: `b` (15) is the smallest publishable partner.
        assert!(o.cell_hidden[1][2]);
        assert!(!o.cell_hidden[2][2]);
        // Across the buurt, `a` of pc5 #2 needs a hidden sibling too: the one with 25.
        assert!(o.cell_hidden[0][3]);
        assert!(o.row_hidden.iter().all(|h| !h));
        assert_eq!(o.primary_cells, 1);
        assert!(o.secondary_cells >= 2);
    }

    #[test]
    fn a_group_with_its_own_total_hides_the_total_not_the_row() {
        // pc5 #2: a Wmo total of 30 clients, one type with 3 clients, the other with none.
        let t = small_tree([20, 30, 40]);
        let g = Some("wmo".to_string());
        let metrics = vec![
            Metric {
                name: "total".into(),
                contributors: vec![90, 90, 30, 30, 30],
                row_group: None,
                total_of: g.clone(),
            },
            Metric {
                name: "a".into(),
                contributors: vec![30, 30, 3, 12, 15],
                row_group: g.clone(),
                total_of: None,
            },
            Metric {
                name: "b".into(),
                contributors: vec![60, 60, 0, 18, 42],
                row_group: g,
                total_of: None,
            },
        ];
        let o = suppress(&t, &metrics, 10);
        assert!(o.cell_primary[1][2]);
        assert!(
            o.cell_hidden[0][2],
            "the total of pc5 #2 would give type a away"
        );
        assert!(o.row_hidden.iter().all(|h| !h), "no row needs to go");
    }

    #[test]
    fn a_lone_small_child_hides_its_parent_when_nothing_else_can_cover() {
        // buurt of 12 persons with pc5s of 3 and 9: both primary; their sum (12) passes.
        let t = small_tree([3, 9, 0]);
        let o = suppress(&t, &[], 10);
        assert_eq!(o.row_hidden, vec![false, false, true, true, true]);
    }

    use crate::stats::linear::Equations;

    // ---- the attacker: linear algebra over every published equation ----

    fn random_tree() -> impl Strategy<Value = (Vec<Option<usize>>, Vec<i64>, Vec<[i64; 2]>)> {
        // Depth 4 below the root, 1–3 children each; leaves get persons and contributors.
        proptest::collection::vec((1usize..4, 0i64..45, 0.0f64..1.0, 0.0f64..1.0), 1..60).prop_map(
            |spec| {
                let mut parent = vec![None];
                let mut level = vec![0usize];
                let mut k = 0;
                for _ in 0..4 {
                    let mut next = Vec::new();
                    for &p in &level {
                        let kids = spec[k % spec.len()].0;
                        k += 1;
                        for _ in 0..kids {
                            parent.push(Some(p));
                            next.push(parent.len() - 1);
                        }
                    }
                    level = next;
                }
                let n = parent.len();
                let mut persons = vec![0i64; n];
                let mut contrib = vec![[0i64; 2]; n];
                for (j, &leaf) in level.iter().enumerate() {
                    let s = spec[j % spec.len()];
                    persons[leaf] = s.1;
                    contrib[leaf] = [(s.1 as f64 * s.2) as i64, (s.1 as f64 * s.3) as i64];
                }
                for i in (1..n).rev() {
                    let p = parent[i].unwrap();
                    persons[p] += persons[i];
                    contrib[p][0] += contrib[i][0];
                    contrib[p][1] += contrib[i][1];
                }
                (parent, persons, contrib)
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

        #[test]
        fn no_primary_cell_can_be_recomputed((parent, persons, contrib) in random_tree()) {
            let min_cell = 10;
            let n = parent.len();
            let group = Some("g".to_string());
            let metrics = vec![
                Metric { name: "g0".into(), contributors: contrib.iter().map(|c| c[0]).collect(), row_group: group.clone(), total_of: None },
                Metric { name: "g1".into(), contributors: contrib.iter().map(|c| c[1]).collect(), row_group: group, total_of: None },
            ];
            let tree = Tree { parent: parent.clone(), persons: persons.clone() };
            let o = suppress(&tree, &metrics, min_cell);

            // Published cells are never small.
            for i in 0..n {
                if !o.row_hidden[i] {
                    prop_assert!(persons[i] >= min_cell);
                    for (m, metric) in metrics.iter().enumerate() {
                        let c = metric.contributors[i];
                        prop_assert!(o.cell_hidden[m][i] || c == 0 || c >= min_cell);
                    }
                }
            }
            // Unknowns: P (row value with contributors = persons), T (row total), G0, G1 per hidden cell.
            // Equations: for each of P, T, G0, G1: node = Σ children; per published row: T = G0 + G1.
            let hidden = |k: usize, i: usize| match k {
                0 | 1 => o.row_hidden[i],
                _ => o.cell_hidden[k - 2][i],
            };
            let mut index = std::collections::HashMap::new();
            for k in 0..4 {
                for i in 0..n {
                    if hidden(k, i) {
                        let next = index.len();
                        index.insert((k, i), next);
                    }
                }
            }
            let width = index.len();
            let mut eqs = Vec::new();
            let mut children = vec![Vec::new(); n];
            for (i, p) in parent.iter().enumerate() {
                if let Some(p) = p { children[*p].push(i); }
            }
            for k in 0..4 {
                for x in 0..n {
                    if children[x].is_empty() { continue; }
                    let mut row = vec![0.0; width];
                    if let Some(&j) = index.get(&(k, x)) { row[j] += 1.0; }
                    for &c in &children[x] {
                        if let Some(&j) = index.get(&(k, c)) { row[j] -= 1.0; }
                    }
                    eqs.push(row);
                }
            }
            for i in 0..n {
                if o.row_hidden[i] { continue; }
                let mut row = vec![0.0; width];
                for k in 2..4 {
                    if let Some(&j) = index.get(&(k, i)) { row[j] -= 1.0; }
                }
                eqs.push(row);
            }
            let basis = Equations::reduce(eqs, width);
            for (&(k, i), &j) in &index {
                let primary_small = match k {
                    0 | 1 => o.row_primary[i] && persons[i] > 0,
                    _ => o.cell_primary[k - 2][i],
                };
                if primary_small {
                    prop_assert!(!basis.determines(j), "metric {k} of node {i} can be recomputed");
                }
            }
        }
    }
}
