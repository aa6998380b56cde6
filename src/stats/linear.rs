//! The attacker of the small-cell tests (METHODS 7): given every published figure as a linear
//! equation over the unknown cells, which unknowns do the equations fix? An unknown is fixed
//! when its unit vector lies in the row space of the equations. Gaussian elimination in f64 on
//! small systems (coefficients 0 and ±1), with tolerances far above rounding.

/// The equations reduced to a basis: each row normalised on its pivot column.
pub struct Equations {
    width: usize,
    basis: Vec<(usize, Vec<f64>)>,
}

impl Equations {
    /// Reduces `rows` (each of `width` coefficients over the unknowns).
    pub fn reduce(mut rows: Vec<Vec<f64>>, width: usize) -> Equations {
        let mut basis: Vec<(usize, Vec<f64>)> = Vec::new();
        for col in 0..width {
            let Some(pos) = rows.iter().position(|r| r[col].abs() > 1e-9) else {
                continue;
            };
            let mut pivot = rows.swap_remove(pos);
            let p = pivot[col];
            pivot.iter_mut().for_each(|v| *v /= p);
            for r in rows.iter_mut() {
                let f = r[col];
                if f.abs() > 1e-12 {
                    r.iter_mut().zip(&pivot).for_each(|(a, b)| *a -= f * b);
                }
            }
            for (_, b) in basis.iter_mut() {
                let f = b[col];
                if f.abs() > 1e-12 {
                    b.iter_mut().zip(&pivot).for_each(|(a, p)| *a -= f * p);
                }
            }
            basis.push((col, pivot));
        }
        Equations { width, basis }
    }

    /// Whether unknown `i` can be recomputed from the equations.
    pub fn determines(&self, i: usize) -> bool {
        let mut v = vec![0.0f64; self.width];
        v[i] = 1.0;
        for (col, row) in &self.basis {
            let f = v[*col];
            if f.abs() > 1e-12 {
                v.iter_mut().zip(row).for_each(|(a, b)| *a -= f * b);
            }
        }
        v.iter().all(|x| x.abs() < 1e-7)
    }
}

#[cfg(test)]
mod tests {
    use super::Equations;

    #[test]
    fn a_total_and_all_but_one_part_give_the_last_part_away() {
        // x0 + x1 + x2 = total, x0 and x1 published: x2 follows; with x1 hidden, neither does.
        let eqs = Equations::reduce(
            vec![
                vec![1.0, 1.0, 1.0],
                vec![1.0, 0.0, 0.0],
                vec![0.0, 1.0, 0.0],
            ],
            3,
        );
        assert!(eqs.determines(2) && eqs.determines(0));
        let eqs = Equations::reduce(vec![vec![1.0, 1.0, 1.0], vec![1.0, 0.0, 0.0]], 3);
        assert!(eqs.determines(0));
        assert!(!eqs.determines(1) && !eqs.determines(2));
    }
}
