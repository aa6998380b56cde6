//! The cap of the flag basis (METHODS 8): q, the insured-year-weighted 99th percentile of
//! annualised cost, a person's cost capped at q·t, and the exact rounding the integer sums use.

use crate::domain::DAYS_PER_YEAR;
use crate::stats::residual::weighted_quantile_of;

/// The cap's percentile (METHODS 8).
pub const CAP_PERCENT: i64 = 99;

/// `x.round() as i64` (half away from zero), without the call to the C library's `round`
/// that `f64::round` is on this target: it was a sixth of this stage's time, three roundings
/// per person and metric. Exact: below 2^52 the fraction `x − trunc(x)` is exact, above it
/// every double is an integer already.
pub(super) fn round_to_i64(x: f64) -> i64 {
    // NaN, infinities and |x| ≥ 2^52 (integers already) the library way.
    if x.is_nan() || x.abs() >= 4_503_599_627_370_496.0 {
        return x.round() as i64;
    }
    let t = x as i64;
    let frac = x - t as f64;
    if frac >= 0.5 {
        t + 1
    } else if frac <= -0.5 {
        t - 1
    } else {
        t
    }
}

/// A person's flag cents: min(cost, round(q·t)) when capped at q (cents per insured year).
pub(super) fn flagged(cents: i64, days: i64, q: Option<f64>) -> i64 {
    match q {
        Some(q) => cents.min(round_to_i64(q * days as f64 / DAYS_PER_YEAR)),
        None => cents,
    }
}

/// q (cents per insured year) of one metric: the insured-year-weighted 99th percentile of
/// annualised cost, over every person for the total and over those with cost of the type
/// for a care type.
pub(super) fn cap_of(days: &[i64], cents: &[i64], everyone: bool) -> Option<f64> {
    let mut pairs: Vec<(f64, i64)> = days
        .iter()
        .zip(cents)
        .filter(|(_, c)| everyone || **c > 0)
        .map(|(d, c)| (*c as f64 * DAYS_PER_YEAR / *d as f64, *d))
        .collect();
    weighted_quantile_of(&mut pairs, CAP_PERCENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_without_the_c_library_is_exact() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_pcg::Pcg64::seed_from_u64(3);
        let mut xs = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            -1.5,
            2.5,
            -2.5,
            0.49999999999999994,
            -0.49999999999999994,
            4_503_599_627_370_495.5,
            -4_503_599_627_370_495.5,
            4_503_599_627_370_496.0,
            9.007_199_254_740_993e15,
            1e300,
            -1e300,
            f64::NAN,
            f64::INFINITY,
        ];
        for _ in 0..200_000 {
            let scale = 10f64.powi(rng.gen_range(-3..16));
            xs.push(rng.gen_range(-1.0..1.0) * scale);
            xs.push((rng.gen_range(-100_000i64..100_000) as f64) / 2.0);
        }
        for x in xs {
            assert_eq!(round_to_i64(x), x.round() as i64, "{x:e}");
        }
    }
}
