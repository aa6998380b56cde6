//! Small cells of the practice × area cross table (SPEC 3.3 and 3.7), protected against
//! linked tables: the cross table's row totals are the practice table, its column totals the
//! area profile, and an attacker may combine all three.
//!
//! The model. Every published additive figure (persons, insured years, cost) obeys equations:
//! a practice's cells add up to the practice (row), an area's cells add up to the area
//! (column), the areas add up along the area tree, the practices add up to the total. With the
//! published values moved to the right-hand side, the hidden values are the unknowns. Here each
//! unknown joins exactly two equations, so the system is a graph: nodes are the practices
//! (row sums), the areas at and above the cross level (column and tree sums) and the practice
//! root (Σ practices = total); edges are the hidden cells, the hidden practice rows (practice ↔
//! practice root) and the hidden areas (area ↔ its parent). An unknown is determined exactly when
//! its edge is a bridge of that graph (the null space of an incidence matrix is its cycle space).
//! So the rule kept: no hidden edge is a bridge, and a row or column whose total is published
//! hides either nothing or at least `min_cell` persons (its hidden part is known as a sum).
//!
//! Levels below the cross level (buurten, pc5s under a wijk) are left out of the graph: the area
//! stage already keeps a hidden path from every hidden area down to a hidden leaf, through which
//! any change of a hidden area can flow. `tests` below check the whole system — the area tree
//! down to its leaves, the practice table and the cross table — by exact elimination.

use std::collections::BinaryHeap;

/// The cross table and the margins' protection as the other tables decided it.
pub struct Cross<'a> {
    /// Per practice row: hidden in the practice table.
    pub row_hidden: &'a [bool],
    /// Area nodes at and above the cross level: parent (None for the total) and hidden flag
    /// from the area profile. Columns of the cross table are among them.
    pub area_parent: &'a [Option<usize>],
    pub area_hidden: &'a [bool],
    /// Cells: (practice row, area node, persons), persons > 0.
    pub cells: &'a [(usize, usize, i64)],
    pub min_cell: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Per cell: hidden.
    pub hidden: Vec<bool>,
    /// Per practice row: hidden, the practice table's own decision plus the rows this stage
    /// had to hide (a practice whose every patient lives in one hidden area, say).
    pub row_hidden: Vec<bool>,
    pub primary: usize,
    pub secondary: usize,
    /// Bridges no hiding of cells could remove (none expected; counted for the manifest).
    pub unresolved: usize,
}

#[derive(Clone, Copy)]
enum Edge {
    Cell(usize),
    Row(usize),
    Area(usize),
}

/// Node numbering: practices, then areas, then the practice root.
struct Graph {
    rows: usize,
    areas: usize,
}

impl Graph {
    fn area(&self, a: usize) -> usize {
        self.rows + a
    }
    fn root(&self) -> usize {
        self.rows + self.areas
    }
    fn nodes(&self) -> usize {
        self.rows + self.areas + 1
    }
}

/// Hides cells until no hidden value of the three linked tables can be recomputed.
pub fn protect(x: &Cross) -> Outcome {
    let g = Graph {
        rows: x.row_hidden.len(),
        areas: x.area_parent.len(),
    };
    // Primary: the small cells. A large cell of a hidden practice or area stays published
    // unless the bridge rule needs it: hiding it outright could leave it recomputable from
    // its published other margin (a practice living wholly in a hidden wijk).
    let mut hidden: Vec<bool> = x
        .cells
        .iter()
        .map(|&(_, _, n)| n > 0 && n < x.min_cell)
        .collect();
    let primary = hidden.iter().filter(|&&h| h).count();
    // Persons behind each margin: a hidden margin of nobody may well be recomputable (as 0).
    let mut row_mass = vec![0i64; g.rows];
    let mut area_mass = vec![0i64; g.areas];
    for &(r, a, n) in x.cells {
        row_mass[r] += n;
        let mut at = Some(a);
        while let Some(k) = at {
            area_mass[k] += n;
            at = x.area_parent[k];
        }
    }
    let mut rows = x.row_hidden.to_vec();
    let mut unresolved;
    loop {
        let mut changed = atoms(x, &g, &rows, &mut hidden);
        let kinds = hidden_edges(x, &rows, &hidden);
        let mut edges: Vec<(usize, usize)> = kinds.iter().map(|&e| ends(x, &g, e)).collect();
        unresolved = 0;
        for k in bridges(g.nodes(), &edges) {
            let empty = match kinds[k] {
                Edge::Cell(_) => false,
                Edge::Row(r) => row_mass[r] == 0,
                Edge::Area(a) => area_mass[a] == 0,
            };
            if empty {
                continue;
            }
            let (u, v) = edges[k];
            match cheapest_path(x, &g, &rows, &row_mass, &hidden, &edges, k, u, v) {
                Some(path) => {
                    for h in path {
                        let (slot, edge) = match h {
                            Hide::Cell(c) => (&mut hidden[c], Edge::Cell(c)),
                            Hide::Row(r) => (&mut rows[r], Edge::Row(r)),
                        };
                        if !*slot {
                            *slot = true;
                            changed = true;
                            // Hidden now: the next bridge's path may use it at no cost (a
                            // bridge this path already closed then needs nothing more).
                            edges.push(ends(x, &g, edge));
                        }
                    }
                }
                None => unresolved += 1,
            }
        }
        if !changed {
            break;
        }
    }
    let total = hidden.iter().filter(|&&h| h).count();
    Outcome {
        hidden,
        row_hidden: rows,
        primary,
        secondary: total - primary,
        unresolved,
    }
}

/// A published row or column whose hidden cells sum to 1 to min_cell − 1 persons gives that
/// small group away: hide its smallest published cell until the sum is large enough.
fn atoms(x: &Cross, g: &Graph, rows: &[bool], hidden: &mut [bool]) -> bool {
    // Sums kept up to date as cells are hidden, and each node's cells indexed once: with
    // thousands of practices and a hundred thousand cells a rescan per hidden cell is quadratic.
    let mut sum = vec![0i64; g.nodes()];
    let mut cells_of: Vec<Vec<usize>> = vec![Vec::new(); g.nodes()];
    for (i, &(r, a, n)) in x.cells.iter().enumerate() {
        cells_of[r].push(i);
        cells_of[g.area(a)].push(i);
        if hidden[i] {
            sum[r] += n;
            sum[g.area(a)] += n;
        }
    }
    let published = |node: usize| {
        if node < g.rows {
            !rows[node]
        } else {
            !x.area_hidden[node - g.rows]
        }
    };
    let mut changed = false;
    loop {
        let fix = (0..g.rows + g.areas)
            .find(|&node| published(node) && sum[node] > 0 && sum[node] < x.min_cell);
        let Some(node) = fix else {
            return changed;
        };
        let smallest = cells_of[node]
            .iter()
            .copied()
            .filter(|&i| !hidden[i])
            .min_by_key(|&i| (x.cells[i].2, i));
        match smallest {
            Some(i) => {
                hidden[i] = true;
                let (r, a, n) = x.cells[i];
                sum[r] += n;
                sum[g.area(a)] += n;
                changed = true;
            }
            // Nothing left to hide in it: the row or column is hidden whole already in effect.
            None => return changed,
        }
    }
}

fn hidden_edges(x: &Cross, rows: &[bool], hidden: &[bool]) -> Vec<Edge> {
    let mut edges = Vec::new();
    for (i, &h) in hidden.iter().enumerate() {
        if h {
            edges.push(Edge::Cell(i));
        }
    }
    for (r, &h) in rows.iter().enumerate() {
        if h {
            edges.push(Edge::Row(r));
        }
    }
    for (a, &h) in x.area_hidden.iter().enumerate() {
        if h {
            edges.push(Edge::Area(a));
        }
    }
    edges
}

fn ends(x: &Cross, g: &Graph, e: Edge) -> (usize, usize) {
    match e {
        Edge::Cell(i) => {
            let (r, a, _) = x.cells[i];
            (r, g.area(a))
        }
        Edge::Row(r) => (r, g.root()),
        // A hidden total has no parent equation; Σ practices = total then holds an unknown
        // on both sides, which is what joining it to the practice root says.
        Edge::Area(a) => match x.area_parent[a] {
            Some(p) => (g.area(a), g.area(p)),
            None => (g.area(a), g.root()),
        },
    }
}

/// Indices of the bridges among `edges` (Tarjan's low-link, iterative; parallel edges and
/// self-loops are never bridges).
pub fn bridges(nodes: usize, edges: &[(usize, usize)]) -> Vec<usize> {
    let mut adj: Vec<Vec<(usize, usize)>> = vec![Vec::new(); nodes];
    for (k, &(u, v)) in edges.iter().enumerate() {
        adj[u].push((v, k));
        adj[v].push((u, k));
    }
    let mut disc = vec![usize::MAX; nodes];
    let mut low = vec![0usize; nodes];
    let mut out = Vec::new();
    let mut time = 0;
    for start in 0..nodes {
        if disc[start] != usize::MAX || adj[start].is_empty() {
            continue;
        }
        // Stack of (node, edge it was entered by, next neighbour index).
        let mut stack: Vec<(usize, usize, usize)> = vec![(start, usize::MAX, 0)];
        disc[start] = time;
        low[start] = time;
        time += 1;
        while let Some(top) = stack.last_mut() {
            let (u, via) = (top.0, top.1);
            if top.2 < adj[u].len() {
                let (w, k) = adj[u][top.2];
                top.2 += 1;
                if k == via {
                    continue;
                }
                if disc[w] == usize::MAX {
                    disc[w] = time;
                    low[w] = time;
                    time += 1;
                    stack.push((w, k, 0));
                } else {
                    low[u] = low[u].min(disc[w]);
                }
            } else {
                stack.pop();
                if let Some(&(p, _, _)) = stack.last() {
                    low[p] = low[p].min(low[u]);
                    if low[u] > disc[p] {
                        out.push(via);
                    }
                }
            }
        }
    }
    out.sort_unstable();
    out
}

/// What the bridge rule hides: a published cell, or as a last resort a whole practice row.
#[derive(Debug, Clone, Copy)]
enum Hide {
    Cell(usize),
    Row(usize),
}

/// Hiding a practice row costs more than any set of cells: only where no cells can do.
const ROW_COST: i64 = 1 << 40;

/// What to hide so that hidden edge `skip` (from `from` to `to`) lies on a cycle: the cheapest
/// path between its ends over hidden edges (free), published cells (their persons) and, last,
/// published practice rows, without the edge itself. None when no path exists.
#[allow(clippy::too_many_arguments)]
fn cheapest_path(
    x: &Cross,
    g: &Graph,
    rows: &[bool],
    row_mass: &[i64],
    hidden: &[bool],
    edges: &[(usize, usize)],
    skip: usize,
    from: usize,
    to: usize,
) -> Option<Vec<Hide>> {
    // Adjacency: (neighbour, cost, what to hide to use it).
    let mut adj: Vec<Vec<(usize, i64, Option<Hide>)>> = vec![Vec::new(); g.nodes()];
    let mut link = |u: usize, v: usize, c: i64, h: Option<Hide>| {
        adj[u].push((v, c, h));
        adj[v].push((u, c, h));
    };
    for (k, &(u, v)) in edges.iter().enumerate() {
        if k != skip {
            link(u, v, 0, None);
        }
    }
    for (i, &(r, a, n)) in x.cells.iter().enumerate() {
        if !hidden[i] {
            link(r, g.area(a), n, Some(Hide::Cell(i)));
        }
    }
    for (r, &h) in rows.iter().enumerate() {
        if !h {
            link(r, g.root(), ROW_COST + row_mass[r], Some(Hide::Row(r)));
        }
    }
    let mut dist = vec![i64::MAX; g.nodes()];
    let mut back: Vec<Option<(usize, Option<Hide>)>> = vec![None; g.nodes()];
    let mut heap = BinaryHeap::new();
    dist[from] = 0;
    heap.push(std::cmp::Reverse((0i64, from)));
    while let Some(std::cmp::Reverse((d, u))) = heap.pop() {
        if d > dist[u] {
            continue;
        }
        if u == to {
            break;
        }
        for &(w, c, h) in &adj[u] {
            let nd = d + c;
            if nd < dist[w] {
                dist[w] = nd;
                back[w] = Some((u, h));
                heap.push(std::cmp::Reverse((nd, w)));
            }
        }
    }
    if dist[to] == i64::MAX {
        return None;
    }
    let mut path = Vec::new();
    let mut at = to;
    while let Some((prev, h)) = back[at] {
        path.extend(h);
        at = prev;
    }
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stages::privacy::area_tree::{suppress, Tree};
    use proptest::prelude::*;

    #[test]
    fn bridges_of_a_path_and_a_cycle() {
        // 0–1–2 is a path (both bridges); 2–3–4–2 a cycle (none); a doubled edge 4=5 none.
        let edges = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 2), (4, 5), (5, 4)];
        assert_eq!(bridges(6, &edges), vec![0, 1]);
    }

    /// Two practices × two wijken of one gemeente, every margin published: one small cell
    /// alone would be its row total minus the other cell, so the whole rectangle goes.
    #[test]
    fn a_small_cell_takes_its_rectangle_with_it() {
        // Areas: 0 = total, 1 = gemeente, 2 and 3 = wijken.
        let parent = [None, Some(0), Some(1), Some(1)];
        let cells = [(0, 2, 4), (0, 3, 40), (1, 2, 30), (1, 3, 50)];
        let o = protect(&Cross {
            row_hidden: &[false, false],
            area_parent: &parent,
            area_hidden: &[false; 4],
            cells: &cells,
            min_cell: 10,
        });
        assert_eq!(o.hidden, vec![true, true, true, true]);
        assert_eq!((o.primary, o.secondary, o.unresolved), (1, 3, 0));
    }

    /// Two small cells in one practice row: one rectangle protects both, with the cheaper
    /// other practice; the costlier one stays published.
    #[test]
    fn one_rectangle_serves_two_small_cells() {
        let parent = [None, Some(0), Some(1), Some(1)];
        let cells = [
            (0, 2, 5),
            (0, 3, 5),
            (1, 2, 30),
            (1, 3, 50),
            (2, 2, 60),
            (2, 3, 70),
        ];
        let o = protect(&Cross {
            row_hidden: &[false; 3],
            area_parent: &parent,
            area_hidden: &[false; 4],
            cells: &cells,
            min_cell: 10,
        });
        // The cheaper practice (1) completes the rectangle; practice 2 stays published.
        assert_eq!(o.hidden, vec![true, true, true, true, false, false]);
        assert_eq!(o.row_hidden, vec![false; 3], "no practice row hidden");
        assert_eq!((o.primary, o.secondary, o.unresolved), (2, 2, 0));
    }

    /// Large cells stay published; a hidden practice hides its cells, and a second practice's
    /// cells in the same wijken close the cycle through the practice root.
    #[test]
    fn nothing_small_nothing_hidden() {
        let parent = [None, Some(0), Some(1), Some(1)];
        let cells = [(0, 2, 14), (0, 3, 40), (1, 2, 30), (1, 3, 50)];
        let o = protect(&Cross {
            row_hidden: &[false, false],
            area_parent: &parent,
            area_hidden: &[false; 4],
            cells: &cells,
            min_cell: 10,
        });
        assert_eq!(o.hidden, vec![false; 4]);
    }

    use crate::stats::linear::Equations;

    // ---- the attacker: every published figure of the three linked tables ----

    /// A world: total → 2 gemeenten → 2–3 wijken → 2 buurten → 2 pc5s (leaves), and 2–5
    /// practices per gemeente whose patients live in its wijken, a few anywhere.
    /// (area parents, the wijk nodes, (practice, leaf, persons), practice rows).
    type World = (
        Vec<Option<usize>>,
        Vec<usize>,
        Vec<(usize, usize, i64)>,
        usize,
    );

    fn world() -> impl Strategy<Value = World> {
        (
            2usize..4,
            2usize..6,
            proptest::collection::vec((0usize..64, 0usize..64, 1i64..30), 4..40),
        )
            .prop_map(|(wijken, practices, draws)| {
                // Area nodes: 0 total, gemeenten, wijken, buurten, pc5s.
                let mut parent = vec![None];
                let mut level = vec![4usize];
                let mut wijk_nodes = Vec::new();
                let mut leaves = Vec::new();
                for _ in 0..2 {
                    parent.push(Some(0));
                    level.push(3);
                    let g = parent.len() - 1;
                    for _ in 0..wijken {
                        parent.push(Some(g));
                        level.push(2);
                        let w = parent.len() - 1;
                        wijk_nodes.push(w);
                        for _ in 0..2 {
                            parent.push(Some(w));
                            level.push(1);
                            let b = parent.len() - 1;
                            for _ in 0..2 {
                                parent.push(Some(b));
                                level.push(0);
                                leaves.push(parent.len() - 1);
                            }
                        }
                    }
                }
                // Persons per (practice, leaf).
                let rows = 2 * practices;
                let mut at: std::collections::BTreeMap<(usize, usize), i64> = Default::default();
                for (p, l, n) in draws {
                    let p = p % rows;
                    // Mostly within the practice's gemeente (leaves of gemeente p / practices).
                    let half = leaves.len() / 2;
                    let leaf = if l % 5 == 0 {
                        leaves[l % leaves.len()]
                    } else {
                        leaves[(p / practices) * half + l % half]
                    };
                    *at.entry((p, leaf)).or_default() += n;
                }
                let cells: Vec<(usize, usize, i64)> =
                    at.into_iter().map(|((p, l), n)| (p, l, n)).collect();
                let _ = level;
                (parent, wijk_nodes, cells, rows)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        /// Whatever the data, no hidden figure of the area profile, the practice table or the
        /// cross table follows from everything published, and every published row or column of
        /// the cross table hides 0 or at least min_cell persons.
        #[test]
        fn no_hidden_figure_of_the_linked_tables_is_recomputable(
            (parent, wijk_nodes, leaf_cells, rows) in world()
        ) {
            let min_cell = 10;
            let n_area = parent.len();
            // Area persons, from the leaves up.
            let mut persons = vec![0i64; n_area];
            for &(_, leaf, n) in &leaf_cells {
                persons[leaf] += n;
            }
            for i in (1..n_area).rev() {
                let p = parent[i].unwrap();
                persons[p] += persons[i];
            }
            let areas = suppress(&Tree { parent: parent.clone(), persons: persons.clone() }, &[], min_cell);
            // The practice table: a level under the total.
            let mut prow = vec![0i64; rows];
            for &(p, _, n) in &leaf_cells {
                prow[p] += n;
            }
            let mut pparent = vec![None];
            pparent.extend((0..rows).map(|_| Some(0)));
            let mut ppersons = vec![prow.iter().sum::<i64>()];
            ppersons.extend(prow.iter().copied());
            let practices = suppress(&Tree { parent: pparent, persons: ppersons }, &[], min_cell);
            let row_hidden: Vec<bool> = practices.row_hidden[1..].to_vec();
            // The cross table at wijk level; area nodes at and above it: total, gemeenten, wijken.
            let wijk_of = |mut a: usize| { while !wijk_nodes.contains(&a) { a = parent[a].unwrap(); } a };
            let up: Vec<usize> = (0..n_area).filter(|&a| a == 0 || parent[a] == Some(0) || wijk_nodes.contains(&a)).collect();
            let node = |a: usize| up.iter().position(|&x| x == a).unwrap();
            let mut cross: std::collections::BTreeMap<(usize, usize), i64> = Default::default();
            for &(p, leaf, n) in &leaf_cells {
                *cross.entry((p, node(wijk_of(leaf)))).or_default() += n;
            }
            let cells: Vec<(usize, usize, i64)> = cross.into_iter().map(|((p, a), n)| (p, a, n)).collect();
            let area_parent: Vec<Option<usize>> = up.iter().map(|&a| parent[a].map(node)).collect();
            let area_hidden: Vec<bool> = up.iter().map(|&a| areas.row_hidden[a]).collect();
            let o = protect(&Cross {
                row_hidden: &row_hidden,
                area_parent: &area_parent,
                area_hidden: &area_hidden,
                cells: &cells,
                min_cell,
            });
            let row_hidden = o.row_hidden.clone();
            // Unknowns: hidden areas (all levels), hidden practices, hidden cells.
            let mut var = std::collections::HashMap::new();
            for a in 0..n_area { if areas.row_hidden[a] { let k = var.len(); var.insert(("a", a), k); } }
            for (p, &h) in row_hidden.iter().enumerate() { if h { let k = var.len(); var.insert(("p", p), k); } }
            for (c, &h) in o.hidden.iter().enumerate() { if h { let k = var.len(); var.insert(("c", c), k); } }
            let width = var.len();
            let mut eqs: Vec<Vec<f64>> = Vec::new();
            let mut eq = |terms: Vec<((&'static str, usize), f64)>| {
                let mut row = vec![0.0; width];
                for (key, f) in terms { if let Some(&k) = var.get(&key) { row[k] += f; } }
                if row.iter().any(|v| *v != 0.0) { eqs.push(row); }
            };
            // Area tree: parent = Σ children.
            for x in 0..n_area {
                let kids: Vec<usize> = (0..n_area).filter(|&c| parent[c] == Some(x)).collect();
                if kids.is_empty() { continue; }
                let mut t = vec![(("a", x), 1.0)];
                t.extend(kids.iter().map(|&c| (("a", c), -1.0)));
                eq(t);
            }
            // Practices add up to the total.
            let mut t = vec![(("a", 0usize), 1.0)];
            t.extend((0..rows).map(|p| (("p", p), -1.0)));
            eq(t);
            // Cross rows and columns.
            for p in 0..rows {
                let mut t = vec![(("p", p), 1.0)];
                t.extend(cells.iter().enumerate().filter(|(_, c)| c.0 == p).map(|(i, _)| (("c", i), -1.0)));
                eq(t);
            }
            for (j, &a) in up.iter().enumerate() {
                if !wijk_nodes.contains(&a) { continue; }
                let mut t = vec![(("a", a), 1.0)];
                t.extend(cells.iter().enumerate().filter(|(_, c)| c.1 == j).map(|(i, _)| (("c", i), -1.0)));
                eq(t);
            }
            let basis = Equations::reduce(eqs, width);
            // The true value of each unknown: a recomputed 0 describes nobody.
            let value = |key: &(&str, usize)| -> i64 {
                match key.0 {
                    "a" => persons[key.1],
                    "p" => prow[key.1],
                    _ => cells[key.1].2,
                }
            };
            for (key, &k) in &var {
                let v = value(key);
                // Small values never; any hidden value unless the stage reported a dead end
                // (a hidden margin whose persons are exactly a published figure elsewhere).
                if v == 0 || (o.unresolved > 0 && v >= min_cell) {
                    continue;
                }
                prop_assert!(!basis.determines(k), "{:?} = {} is recomputable", key, v);
            }
            // Published rows and columns hide 0 or ≥ min_cell persons.
            for (p, &hidden) in row_hidden.iter().enumerate() {
                if hidden { continue; }
                let s: i64 = cells.iter().zip(&o.hidden).filter(|(c, h)| c.0 == p && **h).map(|(c, _)| c.2).sum();
                prop_assert!(s == 0 || s >= min_cell, "row {} hides {}", p, s);
            }
            for (j, &h) in area_hidden.iter().enumerate() {
                if h { continue; }
                let s: i64 = cells.iter().zip(&o.hidden).filter(|(c, hid)| c.1 == j && **hid).map(|(c, _)| c.2).sum();
                prop_assert!(s == 0 || s >= min_cell, "column {} hides {}", j, s);
            }
        }
    }
}
