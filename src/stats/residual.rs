//! The variance of an area's period cost (METHODS 1): per stratum b (age band × sex),
//! ρ_b = ΣC / Σt and s_b² = Σ(C − ρ_b·t)² / Σt, with C a person's cost *in the period* and t
//! their insured years, so Var(C_i) ≈ t_i·s_b². Computed from exact integer sums, so the result
//! does not depend on the order a parallel group-by adds persons in.

/// Integer sums over the persons of one stratum (or of all, for the pooled fallback).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sums {
    pub persons: i64,
    /// Σ insured days.
    pub days: i64,
    /// Σ insured days².
    pub days2: i64,
    /// Σ C in cents.
    pub cents: i64,
    /// Σ C·days in cents × days.
    pub cents_days: i64,
    /// Σ C² in whole euro² (rounded per person: the rounding is far below the sum's size).
    pub eur2: i64,
}

impl std::ops::Add for Sums {
    type Output = Sums;
    fn add(self, o: Sums) -> Sums {
        Sums {
            persons: self.persons + o.persons,
            days: self.days + o.days,
            days2: self.days2 + o.days2,
            cents: self.cents + o.cents,
            cents_days: self.cents_days + o.cents_days,
            eur2: self.eur2 + o.eur2,
        }
    }
}

/// Rate (euros per insured year) and residual variance per insured year (euro²) of a stratum.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stratum {
    pub rate: f64,
    pub s2: f64,
}

impl Sums {
    /// ρ and s² = Σe²/Σt with Σe² = ΣC² − 2ρ·ΣCt + ρ²·Σt²; None without insured time.
    pub fn stratum(&self, days_per_year: f64) -> Option<Stratum> {
        if self.days <= 0 {
            return None;
        }
        let t = self.days as f64 / days_per_year;
        let c = self.cents as f64 / 100.0;
        let ct = self.cents_days as f64 / 100.0 / days_per_year;
        let t2 = self.days2 as f64 / (days_per_year * days_per_year);
        let rate = c / t;
        let e2 = self.eur2 as f64 - 2.0 * rate * ct + rate * rate * t2;
        Some(Stratum {
            rate,
            // Rounding of Σ C² can leave a tiny negative; a variance never is.
            s2: (e2 / t).max(0.0),
        })
    }
}

/// The insured-year-weighted `p`-quantile of annualised values: the smallest value at which
/// the cumulative weight of values ≤ it reaches p of the total. `sorted` holds (value, weight)
/// pairs ordered by value; weights are integers (insured days) so the comparison is exact.
pub fn weighted_quantile(sorted: &[(f64, i64)], p_percent: i64) -> Option<f64> {
    let total: i128 = sorted.iter().map(|(_, w)| *w as i128).sum();
    if total <= 0 {
        return None;
    }
    crossing(sorted, 0, total, p_percent)
}

/// The first value of `sorted` at which the cumulative weight, starting from `below`, reaches
/// p of `total`; the last value if none does.
fn crossing(sorted: &[(f64, i64)], below: i128, total: i128, p_percent: i64) -> Option<f64> {
    let mut acc = below;
    for (v, w) in sorted {
        acc += *w as i128;
        if acc * 100 >= total * p_percent as i128 {
            return Some(*v);
        }
    }
    sorted.last().map(|(v, _)| *v)
}

/// `weighted_quantile` of pairs in any order, ordering `pairs` only as far as needed: split
/// at the unweighted (p − 1)th percentile, only the part above it is sorted when the weight
/// below it falls short of p, as it does unless the weights are very uneven (then all of it
/// is sorted). The same value as sorting everything: with weights ≥ 0 the cumulative weight
/// cannot reach p inside the part below, whose values are all ≤ those above.
pub fn weighted_quantile_of(pairs: &mut [(f64, i64)], p_percent: i64) -> Option<f64> {
    let by_value = |a: &(f64, i64), b: &(f64, i64)| a.0.total_cmp(&b.0);
    let n = pairs.len();
    let k = (n as i128 * (p_percent as i128 - 1).max(0) / 100) as usize;
    if k > 0 && k < n && pairs.iter().all(|(_, w)| *w >= 0) {
        let total: i128 = pairs.iter().map(|(_, w)| *w as i128).sum();
        pairs.select_nth_unstable_by(k, by_value);
        let below: i128 = pairs[..k].iter().map(|(_, w)| *w as i128).sum();
        if total > 0 && below * 100 < total * p_percent as i128 {
            let upper = &mut pairs[k..];
            upper.sort_unstable_by(by_value);
            return crossing(upper, below, total, p_percent);
        }
    }
    pairs.sort_unstable_by(by_value);
    weighted_quantile(pairs, p_percent)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sums(people: &[(i64, i64)]) -> Sums {
        // (days, cents)
        people.iter().fold(Sums::default(), |s, &(d, c)| {
            let e = c as f64 / 100.0;
            s + Sums {
                persons: 1,
                days: d,
                days2: d * d,
                cents: c,
                cents_days: c * d,
                eur2: (e * e).round() as i64,
            }
        })
    }

    /// Two persons of one stratum, by hand: a full year with € 1,000 and a quarter-year (91.25
    /// days ≈ 91) with € 100. ρ = 1100 / (1 + 91/365); residuals C − ρt; s² = Σe² / Σt.
    #[test]
    fn residual_variance_by_hand() {
        let s = sums(&[(365, 100_000), (91, 10_000)])
            .stratum(365.0)
            .unwrap();
        let t = [1.0, 91.0 / 365.0];
        let c: [f64; 2] = [1000.0, 100.0];
        let rho = 1100.0 / (t[0] + t[1]);
        let e2: f64 = (0..2).map(|i| (c[i] - rho * t[i]).powi(2)).sum();
        assert!((s.rate - rho).abs() < 1e-9, "{} vs {rho}", s.rate);
        assert!(
            (s.s2 - e2 / (t[0] + t[1])).abs() < 1e-6,
            "{} vs {}",
            s.s2,
            e2
        );
    }

    /// With everyone insured the whole period and t = 1, s² is the plain (population) variance.
    #[test]
    fn full_year_is_the_population_variance() {
        let s = sums(&[(365, 10_000), (365, 30_000), (365, 50_000)])
            .stratum(365.0)
            .unwrap();
        assert!((s.rate - 300.0).abs() < 1e-12);
        let var = (200.0f64.powi(2) + 0.0 + 200.0f64.powi(2)) / 3.0;
        assert!((s.s2 - var).abs() < 1e-9, "{}", s.s2);
    }

    /// The round-2 point of METHODS 1: for a quarter, the period variance is about a quarter of
    /// the variance of annualised cost (which would overstate the SE twofold).
    #[test]
    fn a_quarter_has_a_quarter_of_the_annualised_variance() {
        let people: Vec<(i64, i64)> = (0..400).map(|i| (91, (i % 7) * 25_000)).collect();
        let s = sums(&people).stratum(365.0).unwrap();
        let t = 91.0 / 365.0;
        let annual: Vec<f64> = people.iter().map(|&(_, c)| c as f64 / 100.0 / t).collect();
        let mean = annual.iter().sum::<f64>() / annual.len() as f64;
        let var_annual =
            annual.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / annual.len() as f64;
        assert!(
            (s.s2 / var_annual - t).abs() < 1e-3,
            "{}",
            s.s2 / var_annual
        );
    }

    #[test]
    fn weighted_quantile_by_hand() {
        // Weights 50, 40, 10: 99% of 100 is reached only at the last value.
        let v = [(1.0, 50), (2.0, 40), (9.0, 10)];
        assert_eq!(weighted_quantile(&v, 99), Some(9.0));
        assert_eq!(weighted_quantile(&v, 90), Some(2.0));
        assert_eq!(weighted_quantile(&v, 50), Some(1.0));
        assert_eq!(weighted_quantile(&[], 99), None);
    }

    /// Ordering only the part above the split gives what sorting everything gives: ties,
    /// zero weights, one heavy weight below the split, every percentile.
    #[test]
    fn partial_order_equals_the_full_sort() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_pcg::Pcg64::seed_from_u64(7);
        for round in 0..300 {
            let n = rng.gen_range(0..400);
            let mut pairs: Vec<(f64, i64)> = (0..n)
                .map(|_| (rng.gen_range(-3..40) as f64 * 12.5, rng.gen_range(0..92)))
                .collect();
            if round % 5 == 0 && n > 0 {
                pairs[0] = (-100.0, 1_000_000);
            }
            for p in [1, 50, 95, 99, 100] {
                let mut sorted = pairs.clone();
                sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
                let mut any = pairs.clone();
                assert_eq!(
                    weighted_quantile_of(&mut any, p),
                    weighted_quantile(&sorted, p),
                    "round {round}, p {p}"
                );
            }
        }
    }
}
