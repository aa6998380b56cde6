//! Proportions (METHODS 3–4): Wilson score limits around a pooled p̄ (as PHE Fingertips
//! computes them) and the arcsine z used for overdispersion.

/// Lower and upper Wilson limits for denominator `n` around pooled proportion `p_bar`:
/// (2E + z² ∓ z·√(z² + 4E(1 − E/n))) / (2(n + z²)), E = n·p̄.
pub fn wilson_limits(p_bar: f64, n: f64, z: f64) -> Option<(f64, f64)> {
    if n <= 0.0 || !(0.0..=1.0).contains(&p_bar) {
        return None;
    }
    let e = n * p_bar;
    let root = (z * z + 4.0 * e * (1.0 - e / n)).sqrt();
    let den = 2.0 * (n + z * z);
    Some((
        (2.0 * e + z * z - z * root) / den,
        (2.0 * e + z * z + z * root) / den,
    ))
}

/// Arcsine z of `events` out of `n` against target proportion `p_bar`: Y = asin√(r/n),
/// s = 1/(2√n), z = (Y − asin√p̄)/s. Returns (z, s).
pub fn arcsine_z(events: f64, n: f64, p_bar: f64) -> Option<(f64, f64)> {
    if n <= 0.0 || !(0.0..=1.0).contains(&p_bar) {
        return None;
    }
    let y = (events / n).clamp(0.0, 1.0).sqrt().asin();
    let target = p_bar.sqrt().asin();
    let s = 1.0 / (2.0 * n.sqrt());
    Some(((y - target) / s, s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{Z95, Z998};

    /// METHODS 3 worked check. METHODS prints p̄ rounded (8.9611%); the limits it quotes come
    /// from Fingertips' unrounded p̄ and its z values 1.96 and 3.0902 (`New95_0`, `New99_8` in
    /// PublicHealthEngland fingertips `SpcForProportionsComparerTest.cs`). With those, both
    /// limits agree to 7 significant digits; with our z₉₅/z₉₉.₈ they differ in the 6th.
    #[test]
    fn fingertips_lower_limits() {
        let p_bar = 8.961_108_687_627_933 / 100.0;
        let (lo95, _) = wilson_limits(p_bar, 5930.0, 1.96).unwrap();
        let (lo998, _) = wilson_limits(p_bar, 5930.0, 3.0902).unwrap();
        assert!((lo95 * 100.0 - 8.260446).abs() < 5e-7, "{}", lo95 * 100.0);
        assert!((lo998 * 100.0 - 7.879930).abs() < 5e-7, "{}", lo998 * 100.0);
        assert!(0.077066 < lo95 && 0.077066 < lo998);
        let (ours, _) = wilson_limits(p_bar, 5930.0, Z95).unwrap();
        assert!((ours * 100.0 - 8.260459).abs() < 5e-7);
    }

    /// Five more vectors from the same Fingertips test file: (p̄ %, value %, denominator) and
    /// the expected outcome at 95% and 99.8% (−1 below, 0 inside, 1 above).
    #[test]
    #[allow(clippy::excessive_precision)] // the values exactly as the Fingertips test has them
    fn fingertips_significance_vectors() {
        let cases = [
            // TestComparisionWithDifferentConfidencesWhereSignifancesSame (IndicatorId 1, 2010)
            (8.9611086876279327, 7.7065767284991562, 5930.0, -1, -1),
            (8.9611086876279327, 9.8988121425428961, 2273.0, 0, 0),
            (8.9611086876279327, 12.474645030425965, 1972.0, 1, 1),
            // TestComparisionWithDifferentConfidencesWhereSignifancesDifferent (IndicatorId 514)
            (12.8379546895717, 10.9783420463032, 1339.0, -1, 0),
            (12.8379546895717, 15.9065628476085, 899.0, 1, 0),
        ];
        let side = |p: f64, (lo, hi): (f64, f64)| {
            if p < lo {
                -1
            } else if p > hi {
                1
            } else {
                0
            }
        };
        for (p_bar, value, n, want95, want998) in cases {
            let (p_bar, value) = (p_bar / 100.0, value / 100.0);
            assert_eq!(
                side(value, wilson_limits(p_bar, n, 1.96).unwrap()),
                want95,
                "{value} of {n} at 95%"
            );
            assert_eq!(
                side(value, wilson_limits(p_bar, n, 3.0902).unwrap()),
                want998,
                "{value} of {n} at 99.8%"
            );
            // The same outcomes with the z values of METHODS.
            assert_eq!(side(value, wilson_limits(p_bar, n, Z95).unwrap()), want95);
            assert_eq!(side(value, wilson_limits(p_bar, n, Z998).unwrap()), want998);
        }
    }

    #[test]
    fn limits_bracket_the_mean_and_widen_for_small_areas() {
        let (lo, hi) = wilson_limits(0.07, 100.0, Z95).unwrap();
        let (lo2, hi2) = wilson_limits(0.07, 10_000.0, Z95).unwrap();
        assert!(lo < lo2 && lo2 < 0.07 && 0.07 < hi2 && hi2 < hi);
        let (z, s) = arcsine_z(7.0, 100.0, 0.07).unwrap();
        assert!(z.abs() < 1e-12 && (s - 0.05).abs() < 1e-12);
    }
}
