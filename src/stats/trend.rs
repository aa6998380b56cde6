//! Change over time (METHODS 9): the z of a change between two periods, and Fingertips'
//! recent-trend marker over the last five or more points.
//!
//! The trend rule follows `PholioVisualisationWS/Analysis/TrendMarkers/TrendMarkerCalculator.cs`:
//! for proportions the chi-squared test for trend, otherwise a weighted linear regression with
//! weights 1/SE²; a trend counts at 99.8% (χ² > 9.55 on one degree of freedom) only if the fits
//! with all points and with each point left out agree in the sign of the slope.

use serde::{Deserialize, Serialize};

/// χ² (1 df) above which a trend counts: 99.8%, Fingertips' threshold.
pub const TREND_CHI2: f64 = 9.55;
/// Fewest points a trend is computed over.
pub const TREND_MIN_POINTS: usize = 5;

/// z of the difference `v1 − v0` with SE √(SE₁² + SE₀²) (the two periods treated as
/// independent: persons present in both make this conservative).
pub fn change_z(v1: f64, se1: f64, v0: f64, se0: f64) -> Option<f64> {
    let se = (se1 * se1 + se0 * se0).sqrt();
    (se > 0.0 && se.is_finite() && v1.is_finite() && v0.is_finite()).then(|| (v1 - v0) / se)
}

/// The flag of a z: `99.8` beyond 3.09, `95` beyond 1.96, else none.
pub fn flag(z: f64) -> Option<&'static str> {
    if z.abs() > super::Z998 {
        Some("99.8")
    } else if z.abs() > super::Z95 {
        Some("95")
    } else {
        None
    }
}

/// A point of a trend: (period index, value, SE) for `weighted_fit`, (period index, events,
/// denominator) for `proportion_fit`.
pub type Point = (f64, f64, f64);

/// A trend fit over points.
pub type FitFn = fn(&[Point]) -> Option<Fit>;

/// A fitted trend: the slope per period and its χ² (1 df).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    pub slope: f64,
    pub chi2: f64,
}

/// Weighted least squares of `y` on the period index with weights 1/SE² (known variances):
/// slope b = Σw(x−x̄)(y−ȳ)/Σw(x−x̄)², Var(b) = 1/Σw(x−x̄)², χ² = b²/Var(b).
pub fn weighted_fit(points: &[(f64, f64, f64)]) -> Option<Fit> {
    if points.len() < 2
        || points
            .iter()
            .any(|&(_, _, se)| se <= 0.0 || !se.is_finite())
    {
        return None;
    }
    let w: Vec<f64> = points.iter().map(|&(_, _, se)| 1.0 / (se * se)).collect();
    let sw: f64 = w.iter().sum();
    let xbar = points.iter().zip(&w).map(|(p, w)| w * p.0).sum::<f64>() / sw;
    let ybar = points.iter().zip(&w).map(|(p, w)| w * p.1).sum::<f64>() / sw;
    let sxx: f64 = points
        .iter()
        .zip(&w)
        .map(|(p, w)| w * (p.0 - xbar).powi(2))
        .sum();
    if sxx <= 0.0 {
        return None;
    }
    let sxy: f64 = points
        .iter()
        .zip(&w)
        .map(|(p, w)| w * (p.0 - xbar) * (p.1 - ybar))
        .sum();
    let slope = sxy / sxx;
    Some(Fit {
        slope,
        chi2: slope * slope * sxx,
    })
}

/// Chi-squared test for trend in proportions (Cochran–Armitage) over (score, events, n):
/// χ² = [Σ c(x − x̄)]² / [p̄(1 − p̄) Σ n(x − x̄)²], x̄ weighted by n; the slope's sign is the
/// numerator's.
pub fn proportion_fit(points: &[(f64, f64, f64)]) -> Option<Fit> {
    if points.len() < 2 || points.iter().any(|&(_, c, n)| n <= 0.0 || c < 0.0 || c > n) {
        return None;
    }
    let n: f64 = points.iter().map(|p| p.2).sum();
    let c: f64 = points.iter().map(|p| p.1).sum();
    let p = c / n;
    let xbar = points.iter().map(|q| q.2 * q.0).sum::<f64>() / n;
    let num: f64 = points.iter().map(|q| q.1 * (q.0 - xbar)).sum();
    let den = p
        * (1.0 - p)
        * points
            .iter()
            .map(|q| q.2 * (q.0 - xbar).powi(2))
            .sum::<f64>();
    if den <= 0.0 {
        return None;
    }
    Some(Fit {
        slope: num,
        chi2: num * num / den,
    })
}

/// Fingertips' recent-trend marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Marker {
    Increasing,
    Decreasing,
    NoSignificantChange,
    /// Fewer than five published points, or no usable SE.
    CannotBeCalculated,
}

impl Marker {
    pub fn as_str(self) -> &'static str {
        match self {
            Marker::Increasing => "increasing",
            Marker::Decreasing => "decreasing",
            Marker::NoSignificantChange => "no_significant_change",
            Marker::CannotBeCalculated => "cannot_be_calculated",
        }
    }
}

/// The marker over `points` with `fit` (weighted or proportion): significant at χ² > 9.55
/// and every leave-one-out fit with the same slope sign. Returns the marker and the full χ².
pub fn recent_trend(points: &[Point], fit: FitFn) -> (Marker, Option<f64>) {
    if points.len() < TREND_MIN_POINTS {
        return (Marker::CannotBeCalculated, None);
    }
    let Some(all) = fit(points) else {
        return (Marker::CannotBeCalculated, None);
    };
    if all.chi2 <= TREND_CHI2 || all.slope == 0.0 {
        return (Marker::NoSignificantChange, Some(all.chi2));
    }
    let agree = (0..points.len()).all(|leave| {
        let rest: Vec<(f64, f64, f64)> = points
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != leave)
            .map(|(_, p)| *p)
            .collect();
        // A flat fit has no sign: it does not agree (f64::signum(0.0) is 1).
        fit(&rest).is_some_and(|f| f.slope != 0.0 && f.slope.signum() == all.slope.signum())
    });
    let marker = match (agree, all.slope > 0.0) {
        (false, _) => Marker::NoSignificantChange,
        (true, true) => Marker::Increasing,
        (true, false) => Marker::Decreasing,
    };
    (marker, Some(all.chi2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_z_by_hand() {
        // (110 − 100) / √(3² + 4²) = 2.
        assert_eq!(change_z(110.0, 3.0, 100.0, 4.0), Some(2.0));
        assert_eq!(change_z(110.0, 0.0, 100.0, 0.0), None);
        assert_eq!(flag(2.0), Some("95"));
        assert_eq!(flag(-3.2), Some("99.8"));
        assert_eq!(flag(1.5), None);
    }

    /// y = 2x exactly with SE 1 at x = 0..4: slope 2, Σw(x−x̄)² = 10, χ² = 4·10 = 40.
    #[test]
    fn weighted_fit_by_hand() {
        let pts: Vec<(f64, f64, f64)> = (0..5).map(|x| (x as f64, 2.0 * x as f64, 1.0)).collect();
        let f = weighted_fit(&pts).unwrap();
        assert!((f.slope - 2.0).abs() < 1e-12);
        assert!((f.chi2 - 40.0).abs() < 1e-9);
        assert_eq!(recent_trend(&pts, weighted_fit).0, Marker::Increasing);
        // Weights matter: a point with a huge SE barely moves the slope.
        let mut noisy = pts.clone();
        noisy[4] = (4.0, -100.0, 1e6);
        let f = weighted_fit(&noisy).unwrap();
        assert!((f.slope - 2.0).abs() < 1e-3);
    }

    /// Cochran–Armitage by hand: events 10, 20, 30 of 100 at x = 0, 1, 2: p̄ = 0.2, x̄ = 1,
    /// numerator = −10 + 0 + 30 = 20, denominator = 0.16 · 200 = 32, χ² = 400/32 = 12.5.
    #[test]
    fn proportion_fit_by_hand() {
        let f =
            proportion_fit(&[(0.0, 10.0, 100.0), (1.0, 20.0, 100.0), (2.0, 30.0, 100.0)]).unwrap();
        assert!((f.chi2 - 12.5).abs() < 1e-12);
        assert!(f.slope > 0.0);
    }

    #[test]
    fn markers_need_five_points_and_agreeing_leave_one_out_fits() {
        let four: Vec<(f64, f64, f64)> = (0..4).map(|x| (x as f64, x as f64, 0.1)).collect();
        assert_eq!(
            recent_trend(&four, weighted_fit).0,
            Marker::CannotBeCalculated
        );
        // Flat with noise: no trend.
        let flat = [
            (0.0, 1.0, 0.1),
            (1.0, 1.1, 0.1),
            (2.0, 0.9, 0.1),
            (3.0, 1.05, 0.1),
            (4.0, 0.95, 0.1),
        ];
        assert_eq!(
            recent_trend(&flat, weighted_fit).0,
            Marker::NoSignificantChange
        );
        // One jump at the end carries the whole fit: significant with all points, but
        // leaving the jump out the slope turns, so no trend is claimed.
        let jump = [
            (0.0, 1.02, 0.01),
            (1.0, 1.01, 0.01),
            (2.0, 1.00, 0.01),
            (3.0, 0.99, 0.01),
            (4.0, 2.0, 0.01),
        ];
        let fit = weighted_fit(&jump).unwrap();
        assert!(fit.chi2 > TREND_CHI2 && fit.slope > 0.0);
        assert_eq!(
            recent_trend(&jump, weighted_fit).0,
            Marker::NoSignificantChange
        );
        // Flat with one jump at the end: leaving the jump out gives slope 0, which is no sign.
        let flat_jump = [
            (0.0, 1.0, 0.01),
            (1.0, 1.0, 0.01),
            (2.0, 1.0, 0.01),
            (3.0, 1.0, 0.01),
            (4.0, 2.0, 0.01),
        ];
        assert_eq!(
            recent_trend(&flat_jump, weighted_fit).0,
            Marker::NoSignificantChange
        );
        let counts = [
            (0.0, 10.0, 1000.0),
            (1.0, 10.0, 1000.0),
            (2.0, 10.0, 1000.0),
            (3.0, 10.0, 1000.0),
            (4.0, 40.0, 1000.0),
        ];
        assert_eq!(
            recent_trend(&counts, proportion_fit).0,
            Marker::NoSignificantChange
        );
        let down: Vec<(f64, f64, f64)> = (0..6).map(|x| (x as f64, 10.0 - x as f64, 0.2)).collect();
        assert_eq!(recent_trend(&down, weighted_fit).0, Marker::Decreasing);
    }
}
