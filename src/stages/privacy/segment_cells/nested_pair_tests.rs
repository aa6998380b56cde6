//! A working session's "A" then "A AND age <> 97" (5 persons fewer), with other cells nested
//! in A that together cover it and split the 5 over four atoms: the union of A's inner cells
//! leaves nothing, atoms and pairs of atoms are all larger or not in the space, yet A minus
//! the one cell is 5 persons. Found when 2.1 M insured were served (issue #32).

use super::*;

fn mask(n: usize, members: impl IntoIterator<Item = usize>) -> Vec<bool> {
    let mut m = vec![false; n];
    for i in members {
        m[i] = true;
    }
    m
}

#[test]
fn a_cell_minus_one_cell_inside_it() {
    let n = 120;
    let small = 10..15;
    let rows = vec![
        mask(n, 0..n),                                   // the area (a margin)
        mask(n, 0..60),                                  // A
        mask(n, (0..60).filter(|p| !small.contains(p))), // A minus the five
        mask(n, 0..30),                                  // inside A
        mask(n, 30..60),                                 // inside A
        mask(n, [10].into_iter().chain(60..80)),         // splits the five
        mask(n, [11].into_iter().chain(80..95)),
        mask(n, [12].into_iter().chain(95..110)),
    ];
    let sys = System::new(&rows);
    let cells: Vec<Cell> = (1..rows.len())
        .map(|r| Cell {
            rows: vec![r],
            persons: rows[r].iter().filter(|b| **b).count() as i64,
            published: true,
            area: 0,
        })
        .collect();
    let g = find_leak(&sys, &[0], &cells, 10).expect("A minus the one cell is found");
    let persons: i64 = g.iter().map(|&f| sys.fine[f].1).sum();
    assert_eq!(persons, 5);
    assert!(
        g.len() > 2,
        "the five are spread over more than two atoms: {g:?}"
    );
    // The second query is what protect hides (the first was shown: fixed).
    let mut cells = cells;
    let fixed: Vec<bool> = (0..cells.len()).map(|i| i != 1).collect();
    let hidden = protect(&sys, &[0], &mut cells, &fixed, 10);
    assert_eq!(hidden.iter().map(|h| h.0).collect::<Vec<_>>(), vec![1]);
}
