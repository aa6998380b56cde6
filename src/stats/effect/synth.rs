//! The synthetic control of METHODS 10: non-negative donor weights summing to 1 fitted on the
//! pre-periods by projected gradient on the simplex.

/// Iteration cap and relative change of the objective that ends the solver.
const SYNTH_MAX_ITER: usize = 10_000;
const SYNTH_REL_TOL: f64 = 1e-12;

/// Exact Euclidean projection onto the probability simplex (Duchi et al. 2008):
/// sort descending u, ρ = max{j : u_j − (Σ_{i≤j} u_i − 1)/j > 0}, θ = (Σ_{i≤ρ} u_i − 1)/ρ,
/// w = max(v − θ, 0).
pub(super) fn project_simplex(v: &[f64]) -> Vec<f64> {
    let mut u = v.to_vec();
    u.sort_by(|a, b| b.total_cmp(a));
    let mut cum = 0.0;
    let mut theta = 0.0;
    for (j, &uj) in u.iter().enumerate() {
        cum += uj;
        let th = (cum - 1.0) / (j + 1) as f64;
        if uj - th > 0.0 {
            theta = th;
        }
    }
    v.iter().map(|&x| (x - theta).max(0.0)).collect()
}

/// Σ_t (target_t − Σ_j w_j x_j,t)² and its residuals.
fn synth_objective(target: &[f64], x: &[&[f64]], w: &[f64]) -> (f64, Vec<f64>) {
    let r: Vec<f64> = (0..target.len())
        .map(|t| target[t] - x.iter().zip(w).map(|(xj, wj)| wj * xj[t]).sum::<f64>())
        .collect();
    (r.iter().map(|e| e * e).sum(), r)
}

/// Synthetic-control weights: w ≥ 0, Σ w = 1 minimising f(w) = Σ_t (target_t − Σ_j w_j x_jt)².
///
/// Projected gradient from the uniform weights. On the simplex f is unchanged when the donors'
/// cross-sectional mean m_t is subtracted from every x_jt and from target_t (Σ w = 1), and the
/// projection ignores the resulting shift of the gradient along (1, …, 1); centring only removes
/// the shared level from the curvature, so the step 1/L (L = 2·λ_max(X̃ X̃ᵀ), power iteration) is
/// far longer. L is doubled while f(w⁺) ≤ f + ∇f·d + (L/2)|d|² fails, so every step descends.
/// Stops when f changes by less than 1e-12 relative to f (floored at 1e-12 of f at the start, so
/// an exact fit ends too), when the step no longer moves w, or after 10,000 iterations.
/// Returns the weights and the number of iterations.
pub(super) fn synth_weights(target: &[f64], x: &[&[f64]]) -> (Vec<f64>, usize) {
    let n = x.len();
    let np = target.len();
    let centre: Vec<f64> = (0..np)
        .map(|t| x.iter().map(|xj| xj[t]).sum::<f64>() / n as f64)
        .collect();
    let xc: Vec<Vec<f64>> = x
        .iter()
        .map(|xj| xj.iter().zip(&centre).map(|(a, m)| a - m).collect())
        .collect();
    let x: Vec<&[f64]> = xc.iter().map(|v| v.as_slice()).collect();
    let target: Vec<f64> = target.iter().zip(&centre).map(|(a, m)| a - m).collect();

    // λ_max of X̃ X̃ᵀ (np × np, small) by power iteration from a fixed vector.
    let gram: Vec<Vec<f64>> = (0..np)
        .map(|a| {
            (0..np)
                .map(|b| x.iter().map(|xj| xj[a] * xj[b]).sum())
                .collect()
        })
        .collect();
    let mut vec = vec![1.0; np];
    let mut lambda = 0.0;
    for _ in 0..200 {
        let mv: Vec<f64> = gram
            .iter()
            .map(|row| row.iter().zip(&vec).map(|(a, b)| a * b).sum())
            .collect();
        let norm = mv.iter().map(|a| a * a).sum::<f64>().sqrt();
        if norm == 0.0 {
            break;
        }
        lambda = norm / vec.iter().map(|a| a * a).sum::<f64>().sqrt();
        vec = mv.iter().map(|a| a / norm).collect();
    }
    let mut l = if lambda > 0.0 { 2.0 * lambda } else { 1.0 };

    let mut w = vec![1.0 / n as f64; n];
    let (mut f, mut r) = synth_objective(&target, &x, &w);
    let floor = 1e-12 * f;
    let mut iterations = 0;
    while iterations < SYNTH_MAX_ITER {
        iterations += 1;
        // ∇f = −2 X̃ᵀ r.
        let g: Vec<f64> = x
            .iter()
            .map(|xj| -2.0 * xj.iter().zip(&r).map(|(a, b)| a * b).sum::<f64>())
            .collect();
        let (w_new, f_new, r_new) = loop {
            let step: Vec<f64> = w.iter().zip(&g).map(|(wi, gi)| wi - gi / l).collect();
            let w_new = project_simplex(&step);
            let (f_new, r_new) = synth_objective(&target, &x, &w_new);
            let d: Vec<f64> = w_new.iter().zip(&w).map(|(a, b)| a - b).collect();
            let lin: f64 = g.iter().zip(&d).map(|(a, b)| a * b).sum();
            let quad: f64 = d.iter().map(|a| a * a).sum();
            // Rounding slack so a correct L is never doubled for noise.
            if f_new <= f + lin + 0.5 * l * quad + 1e-12 * f.max(floor) || l > 1e300 {
                break (w_new, f_new, r_new);
            }
            l *= 2.0;
        };
        let moved = w_new != w;
        let change = (f - f_new).abs();
        let prev = f;
        w = w_new;
        f = f_new;
        r = r_new;
        if !moved || change < SYNTH_REL_TOL * prev.max(floor) {
            break;
        }
    }
    (w, iterations)
}
