//! Funnel limits for a continuous outcome (METHODS 1): θ₀ ± z·s/√n, and the O/E of costs per
//! insured year against a norm per insured year with SE(r) = √V / (m·n), V the variance of the
//! area's period cost (Σ_b n_b·s_b², `stats::residual`).

/// Lower and upper funnel limits around `theta0` at precision `n`.
pub fn limits(theta0: f64, sigma: f64, n: f64, z: f64) -> Option<(f64, f64)> {
    if n <= 0.0 || !sigma.is_finite() {
        return None;
    }
    let h = z * sigma / n.sqrt();
    Some((theta0 - h, theta0 + h))
}

/// z of a mean against `theta0` (the same form, solved for z).
pub fn z_mean(mean: f64, theta0: f64, sigma: f64, n: f64) -> Option<f64> {
    let se = sigma / n.sqrt();
    (n > 0.0 && se > 0.0 && se.is_finite()).then(|| (mean - theta0) / se)
}

/// O/E of an area's actual period cost `actual` over `years` insured years against a norm of
/// `m` per insured year, with `variance` the variance of the period cost (euro²):
/// (r, SE(r), z) with r = (actual / years) / m and SE(r) = √variance / (m·years).
pub fn oe_cost(actual: f64, years: f64, m: f64, variance: f64) -> Option<(f64, f64, f64)> {
    if m <= 0.0 || years <= 0.0 || variance <= 0.0 || !variance.is_finite() {
        return None;
    }
    let r = actual / years / m;
    let se = variance.sqrt() / (m * years);
    Some((r, se, (r - 1.0) / se))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{Z95, Z998};
    use proptest::prelude::*;

    fn close(a: f64, b: f64, digits: i32) -> bool {
        (a - b).abs() <= 10f64.powi(-digits) * b.abs().max(1.0)
    }

    /// METHODS 1 worked check: θ₀ = 2625, σ = 8000, n = 1000.
    #[test]
    fn methods_worked_check() {
        let (lo, hi) = limits(2625.0, 8000.0, 1000.0, Z95).unwrap();
        assert!(
            close(lo, 2129.16, 6) || (lo - 2129.16).abs() < 0.005,
            "{lo}"
        );
        assert!((hi - 3120.84).abs() < 0.005, "{hi}");
        let (lo, hi) = limits(2625.0, 8000.0, 1000.0, Z998).unwrap();
        assert!((lo - 1843.23).abs() < 0.005, "{lo}");
        assert!((hi - 3406.77).abs() < 0.005, "{hi}");
        let z = z_mean(3100.0, 2625.0, 8000.0, 1000.0).unwrap();
        assert!((z - 1.877602).abs() < 5e-7, "{z}");
    }

    #[test]
    fn oe_is_the_same_funnel_on_the_ratio_scale() {
        // A mean of 3100 against a norm of 2625 per year over 1000 years (all t = 1, one
        // stratum, so V = n·s²): r = 3100/2625, SE = s / (m·√n).
        let (r, se, z) = oe_cost(3_100_000.0, 1000.0, 2625.0, 1000.0 * 8000.0 * 8000.0).unwrap();
        assert!((r - 3100.0 / 2625.0).abs() < 1e-12);
        assert!((se - 8000.0 / (2625.0 * 1000f64.sqrt())).abs() < 1e-12);
        assert!((z - 1.877602).abs() < 5e-7, "{z}");
        assert_eq!(oe_cost(1.0, 10.0, 0.0, 1.0), None);
    }

    proptest! {
        #[test]
        fn limits_widen_as_areas_shrink(n in 1.0f64..1e6, k in 1.01f64..100.0, sigma in 1.0f64..1e5) {
            let (lo_big, hi_big) = limits(1.0, sigma, n * k, Z95).unwrap();
            let (lo_small, hi_small) = limits(1.0, sigma, n, Z95).unwrap();
            prop_assert!(hi_small - lo_small > hi_big - lo_big);
            let (lo998, hi998) = limits(1.0, sigma, n, Z998).unwrap();
            prop_assert!(lo998 < lo_small && hi998 > hi_small);
        }

        #[test]
        fn z_sign_follows_the_side(actual in 1.0f64..1e7, norm in 1.0f64..1e7, years in 1.0f64..1e4) {
            let (r, _, z) = oe_cost(actual, years, norm / years, 9e6 * years).unwrap();
            prop_assert_eq!(z > 0.0, r > 1.0);
        }
    }
}
