//! The synthetic world both generators (`sample` and `sample --periods`) start from: the areas
//! drawn from the seed, the cumulative weights for drawing a person's pc5, and each pc5's
//! unexplained cost effect.

use super::geography::{self, Area};
use super::seed::mix;
use rand::SeedableRng;
use rand_distr::{Distribution, LogNormal};
use rand_pcg::Pcg64;

/// σ of the log of the wijk and pc5 cost effects beyond the norm (≈ 7% and 3%).
pub const WIJK_EFFECT_SIGMA: f64 = 0.07;
pub const PC5_EFFECT_SIGMA: f64 = 0.03;

pub(crate) struct World {
    pub areas: Vec<Area>,
    /// Cumulative area weights for picking a pc5.
    pub cum_weights: Vec<f64>,
    /// Per area: the wijk's and the pc5's effect multiplied (mean 1).
    pub effect: Vec<f64>,
    /// The seed's stream after the areas were drawn, for what the generator draws next.
    pub rng: Pcg64,
}

pub(crate) fn world(persons: usize, seed: u64) -> World {
    let mut rng = Pcg64::seed_from_u64(mix(seed));
    let areas = geography::areas(persons, &mut rng);
    let mut acc = 0.0;
    let cum_weights: Vec<f64> = areas
        .iter()
        .map(|a| {
            acc += a.weight;
            acc
        })
        .collect();
    // Real areas differ more than their norm explains (the overdispersion of METHODS 4): a
    // log-normal effect per wijk and a smaller one per pc5, mean 1, on every care type. The
    // norm does not know them. Drawn from their own stream so the geography stays as it was.
    let mut effects_rng = Pcg64::seed_from_u64(mix(seed ^ 0xEFFE_C700_0000_0000));
    let wijk_effect = LogNormal::new(-WIJK_EFFECT_SIGMA.powi(2) / 2.0, WIJK_EFFECT_SIGMA)
        .expect("valid log-normal");
    let pc5_effect = LogNormal::new(-PC5_EFFECT_SIGMA.powi(2) / 2.0, PC5_EFFECT_SIGMA)
        .expect("valid log-normal");
    let mut wijk_factor: std::collections::BTreeMap<String, f64> = Default::default();
    let effect: Vec<f64> = areas
        .iter()
        .map(|a| {
            let w = *wijk_factor
                .entry(a.wijk_code.clone())
                .or_insert_with(|| wijk_effect.sample(&mut effects_rng));
            w * pc5_effect.sample(&mut effects_rng)
        })
        .collect();
    World {
        areas,
        cum_weights,
        effect,
        rng,
    }
}
