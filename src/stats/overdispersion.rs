//! Overdispersion (METHODS 4, Spiegelhalter 2005, 2012). φ by default from a robust scale of
//! z, φ = (1.4826·MAD(z))² (median-centred): ≈ 1 under pure chance when z is near normal, and a
//! few true outliers barely move it. FunnelPlotR's estimator (`od_adjustment`: winsorise z at
//! 10%/90%, φ = mean of winsorised z²) is kept as an option for parity; it is biased low
//! (≈ 0.68 for normal z). Multiplicative widening by √φ, or additive
//! τ² = max(0, (nφ − (n − 1)) / (Σw − Σw²/Σw)), w = 1/s². φ from few areas is noise
//! (METHODS 4.4): it is estimated only with at least `MIN_AREAS` judged areas, and the limits
//! are widened only when φ exceeds its 95% quantile under chance, (1 + 1.92/√n)².

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    None,
    Multiplicative,
    Additive,
}

/// How φ is estimated from the z-scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Estimator {
    /// (1.4826·MAD(z))², median-centred (METHODS 4.2; the default).
    #[default]
    Mad,
    /// FunnelPlotR's mean of winsorised z² (METHODS 4.3).
    Winsorised,
}

impl Estimator {
    pub fn parse(s: &str) -> Option<Estimator> {
        match s {
            "mad" => Some(Estimator::Mad),
            "winsorised" | "winsorized" => Some(Estimator::Winsorised),
            _ => None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Estimator::Mad => "mad",
            Estimator::Winsorised => "winsorised",
        }
    }
    pub fn phi(self, z: &[f64]) -> Option<f64> {
        match self {
            Estimator::Mad => phi_mad(z),
            Estimator::Winsorised => phi(z),
        }
    }

    /// φ of a level's z-scores when there are enough of them, and whether it widens.
    pub fn assess(self, z: &[f64]) -> Dispersion {
        if z.len() < MIN_AREAS {
            return Dispersion {
                phi: None,
                threshold: None,
                widened: false,
            };
        }
        let phi = self.phi(z);
        let threshold = chance_threshold(z.len());
        Dispersion {
            phi,
            threshold: Some(threshold),
            widened: phi.is_some_and(|p| p > threshold),
        }
    }
}

/// Fewer judged areas than this at a level: φ is not estimated ("te weinig gebieden").
pub const MIN_AREAS: usize = 20;

/// φ's 95% quantile under pure chance for `n` areas, (1 + 1.92/√n)² (METHODS 4.4: the MAD
/// scale's SD is ≈ 1.166/√n).
pub fn chance_threshold(n: usize) -> f64 {
    (1.0 + 1.92 / (n as f64).sqrt()).powi(2)
}

/// φ of one level and metric, and whether it is evidence enough to widen the limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dispersion {
    /// None with fewer than `MIN_AREAS` areas (or no z-scores).
    pub phi: Option<f64>,
    /// `chance_threshold(n)`, when φ was estimated.
    pub threshold: Option<f64>,
    /// φ above the threshold: the limits are widened (multiplicative or additive).
    pub widened: bool,
}

impl Dispersion {
    /// τ² of the additive model: 0 unless the limits are widened.
    pub fn tau2(&self, s: &[f64]) -> Option<f64> {
        if self.widened {
            tau2(self.phi, s)
        } else {
            Some(0.0)
        }
    }

    /// The multiplicative factor on the standard error: √φ when widened, else 1.
    pub fn se_factor(&self) -> f64 {
        match self.phi {
            Some(p) if self.widened => p.sqrt(),
            _ => 1.0,
        }
    }
}

/// φ = (1.4826·MAD(z))², MAD = median |z − median(z)|; None without z-scores.
pub fn phi_mad(z: &[f64]) -> Option<f64> {
    let mut v = z.to_vec();
    let med = crate::stats::robust::median(&mut v)?;
    let mut dev: Vec<f64> = z.iter().map(|x| (x - med).abs()).collect();
    let mad = crate::stats::robust::median(&mut dev)?;
    Some((1.4826 * mad).powi(2))
}

/// Winsorises at the 10% and 90% points: the k = ⌊0.1·n⌋ lowest values are raised to the
/// (k+1)-th lowest and the k highest lowered to the (k+1)-th highest (so nothing moves for
/// n < 10).
pub fn winsorise(z: &[f64]) -> Vec<f64> {
    let n = z.len();
    let k = (n as f64 * 0.1).floor() as usize;
    if k == 0 {
        return z.to_vec();
    }
    let mut sorted = z.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let (lo, hi) = (sorted[k], sorted[n - 1 - k]);
    z.iter().map(|v| v.clamp(lo, hi)).collect()
}

/// FunnelPlotR's φ: the mean of the winsorised z², or None without z-scores.
pub fn phi(z: &[f64]) -> Option<f64> {
    if z.is_empty() {
        return None;
    }
    let w = winsorise(z);
    Some(w.iter().map(|v| v * v).sum::<f64>() / w.len() as f64)
}

/// τ² for the additive model from φ, the number of areas and their standard errors `s`.
pub fn tau2(phi: Option<f64>, s: &[f64]) -> Option<f64> {
    let n = s.len() as f64;
    let phi = phi?;
    if phi <= 1.0 {
        return Some(0.0);
    }
    let w: Vec<f64> = s.iter().map(|s| 1.0 / (s * s)).collect();
    let sw: f64 = w.iter().sum();
    let sw2: f64 = w.iter().map(|w| w * w).sum();
    let den = sw - sw2 / sw;
    if den <= 0.0 {
        return None;
    }
    Some(((n * phi - (n - 1.0)) / den).max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn shmi_z(o: &[f64], e: &[f64]) -> Vec<f64> {
        o.iter()
            .zip(e)
            .map(|(o, e)| e.sqrt() * (o / e).ln())
            .collect()
    }

    /// METHODS 4 worked check (FunnelPlotR `tests/testthat/test-classes_methods.R`).
    #[test]
    fn funnelplotr_phi() {
        let z = shmi_z(
            &[100.0, 150.0, 180.0, 80.0, 120.0, 225.0],
            &[108.0, 112.0, 165.0, 95.0, 100.0, 220.0],
        );
        assert_eq!(winsorise(&z), z, "nothing is trimmed at n = 6");
        let p = phi(&z).unwrap();
        assert!((p - 2.948033).abs() < 5e-7, "{p}");
    }

    #[test]
    fn winsorising_clamps_the_tails_at_n_twenty() {
        let z: Vec<f64> = (0..20).map(|i| i as f64).collect();
        let w = winsorise(&z);
        assert_eq!(w[0], 2.0);
        assert_eq!(w[1], 2.0);
        assert_eq!(w[19], 17.0);
        assert_eq!(w[10], 10.0);
    }

    #[test]
    fn tau2_by_hand() {
        // z = ±2 for four areas with s = 0.1: φ = 4; w = 100 each;
        // τ² = (4·4 − 3) / (400 − 40000/400) = 13 / 300.
        let z = [2.0, -2.0, 2.0, -2.0];
        let t = tau2(phi(&z), &[0.1; 4]).unwrap();
        assert!((t - 13.0 / 300.0).abs() < 1e-12);
        assert_eq!(tau2(phi(&[0.5, -0.5]), &[0.1, 0.1]), Some(0.0));
        // The MAD estimator on the same z: median 0, |z| all 2 → φ = (1.4826·2)².
        let p = phi_mad(&z).unwrap();
        assert!((p - (1.4826f64 * 2.0).powi(2)).abs() < 1e-12);
    }

    #[test]
    fn mad_phi_by_hand_and_robust_to_one_outlier() {
        // z = 1..5 and 100: median 3.5, deviations 2.5 1.5 0.5 0.5 1.5 96.5 → MAD 1.5.
        let p = phi_mad(&[1.0, 2.0, 3.0, 4.0, 5.0, 100.0]).unwrap();
        assert!((p - (1.4826f64 * 1.5).powi(2)).abs() < 1e-12, "{p}");
        assert_eq!(phi_mad(&[]), None);
    }

    /// Under pure chance with normal z, the MAD estimator is ≈ 1 and FunnelPlotR's ≈ 0.68
    /// (METHODS 4): 20,000 normal draws from a fixed seed.
    #[test]
    fn mad_phi_is_one_under_chance_and_winsorised_is_low() {
        use rand::SeedableRng;
        use rand_distr::{Distribution, StandardNormal};
        let mut rng = rand_pcg::Pcg64::seed_from_u64(7);
        let z: Vec<f64> = (0..20_000)
            .map(|_| StandardNormal.sample(&mut rng))
            .collect();
        let mad = phi_mad(&z).unwrap();
        let win = phi(&z).unwrap();
        assert!((mad - 1.0).abs() < 0.05, "{mad}");
        assert!((win - 0.68).abs() < 0.05, "{win}");
    }

    /// METHODS 4.4: the threshold's values, and under pure chance (normal z) a level of n areas
    /// is widened in at most 7% of draws (the form aims at 5%), for n from 20 to 400; with
    /// fewer than 20 areas φ is not estimated.
    #[test]
    fn under_chance_a_level_is_rarely_widened() {
        use rand::SeedableRng;
        use rand_distr::{Distribution, StandardNormal};
        for (n, want) in [(20, 2.04), (40, 1.70), (100, 1.42), (400, 1.20)] {
            assert!((chance_threshold(n) - want).abs() < 0.01, "{n}");
        }
        for n in [20usize, 34, 40, 100, 400] {
            let draws = 2000;
            let mut widened = 0;
            for seed in 0..draws {
                let mut rng = rand_pcg::Pcg64::seed_from_u64(1000 * n as u64 + seed);
                let z: Vec<f64> = (0..n).map(|_| StandardNormal.sample(&mut rng)).collect();
                widened += usize::from(Estimator::Mad.assess(&z).widened);
            }
            let share = widened as f64 / draws as f64;
            println!(
                "n = {n}: widened in {:.1}% of {draws} chance draws",
                100.0 * share
            );
            assert!(
                share <= 0.07,
                "n = {n}: widened in {:.1}% of draws",
                100.0 * share
            );
            assert!(
                share >= 0.01,
                "n = {n}: never widened ({share}): the test means nothing"
            );
        }
        let few = Estimator::Mad.assess(&[3.0; 19]);
        assert_eq!((few.phi, few.widened), (None, false));
        // Real spread at many areas is widened: z with SD 1.2 (φ ≈ 1.44) at 400 areas.
        let mut rng = rand_pcg::Pcg64::seed_from_u64(5);
        let z: Vec<f64> = (0..400)
            .map(|_| {
                let v: f64 = StandardNormal.sample(&mut rng);
                1.2 * v
            })
            .collect();
        assert!(Estimator::Mad.assess(&z).widened);
    }

    proptest! {
        #[test]
        fn phi_and_tau2_are_never_negative(z in proptest::collection::vec(-10.0f64..10.0, 2..50), s in 0.01f64..1.0) {
            prop_assert!(phi(&z).unwrap() >= 0.0);
            prop_assert!(phi_mad(&z).unwrap() >= 0.0);
            let ss = vec![s; z.len()];
            if let Some(t) = tau2(phi(&z), &ss) { prop_assert!(t >= 0.0); }
            if let Some(t) = tau2(phi_mad(&z), &ss) { prop_assert!(t >= 0.0); }
        }
    }
}
