//! Proposed focus groups (SPEC 3.5): a small regression tree on annualised cost per person,
//! weighted by insured years, over coded person features. Leaves hold at least `min_volume`
//! persons, depth ≤ `max_depth`; each leaf is printed as a segment filter an analyst can paste
//! into the pipeline file, one condition per feature (`simplify`). Features have few distinct codes, so splits are found from per-code
//! sums (one pass over the persons per level), which keeps this linear at 2 million persons.
//! Deterministic: ties go to the lower feature index, then the lower threshold.

use super::features::Feature;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Leaf {
    /// SQL filter describing the leaf.
    pub rule: String,
    pub persons: usize,
    pub insured_years: f64,
    /// Insured-year-weighted mean of annualised cost (= cost / insured years).
    pub cost_per_year: f64,
    /// `cost_per_year` minus the overall mean.
    pub excess_per_year: f64,
    /// Weighted coefficient of variation of annualised cost within the leaf.
    pub cv: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Proposal {
    /// Leaves ranked by excess cost (high first), then homogeneity (low CV first).
    pub leaves: Vec<Leaf>,
    /// 1 − SS_within / SS_total (weighted).
    pub r2: Option<f64>,
}

/// The splits on the way to a node: (feature, codes that go this way).
type Splits = Vec<(usize, Vec<u16>)>;

#[derive(Default, Clone, Copy)]
struct Acc {
    n: usize,
    w: f64,
    wy: f64,
    wyy: f64,
}

impl Acc {
    fn add(&mut self, w: f64, y: f64) {
        self.n += 1;
        self.w += w;
        self.wy += w * y;
        self.wyy += w * y * y;
    }
    fn merge(&mut self, o: &Acc) {
        self.n += o.n;
        self.w += o.w;
        self.wy += o.wy;
        self.wyy += o.wyy;
    }
    fn mean(&self) -> f64 {
        if self.w > 0.0 {
            self.wy / self.w
        } else {
            0.0
        }
    }
    /// Weighted sum of squared deviations from the mean.
    fn sse(&self) -> f64 {
        if self.w > 0.0 {
            (self.wyy - self.wy * self.wy / self.w).max(0.0)
        } else {
            0.0
        }
    }
}

struct Split {
    feature: usize,
    /// Codes going left (in feature order).
    left: Vec<u16>,
    gain: f64,
}

/// Fits the tree. `y` is annualised cost, `w` insured years; all slices have one entry per person.
pub fn propose(
    features: &[Feature],
    y: &[f64],
    w: &[f64],
    min_volume: usize,
    max_depth: usize,
) -> Proposal {
    let all: Vec<u32> = (0..y.len() as u32).collect();
    let mut total = Acc::default();
    for &i in &all {
        total.add(w[i as usize], y[i as usize]);
    }
    let overall = total.mean();
    let mut leaves = Vec::new();
    grow(
        features,
        y,
        w,
        all,
        Vec::new(),
        0,
        min_volume.max(1),
        max_depth,
        &mut leaves,
    );
    let ss_within: f64 = leaves.iter().map(|(_, a)| a.sse()).sum();
    let r2 = if total.sse() > 0.0 {
        Some(1.0 - ss_within / total.sse())
    } else {
        None
    };
    let mut out: Vec<Leaf> = leaves
        .into_iter()
        .map(|(path, a)| {
            let mean = a.mean();
            let sd = if a.w > 0.0 {
                (a.sse() / a.w).sqrt()
            } else {
                0.0
            };
            Leaf {
                rule: super::simplify::filter(features, &path),
                persons: a.n,
                insured_years: a.w,
                cost_per_year: mean,
                excess_per_year: mean - overall,
                cv: if mean > 0.0 { Some(sd / mean) } else { None },
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.excess_per_year
            .total_cmp(&a.excess_per_year)
            .then(
                a.cv.unwrap_or(f64::INFINITY)
                    .total_cmp(&b.cv.unwrap_or(f64::INFINITY)),
            )
            .then(a.rule.cmp(&b.rule))
    });
    Proposal { leaves: out, r2 }
}

#[allow(clippy::too_many_arguments)]
fn grow(
    features: &[Feature],
    y: &[f64],
    w: &[f64],
    rows: Vec<u32>,
    path: Splits,
    depth: usize,
    min_volume: usize,
    max_depth: usize,
    leaves: &mut Vec<(Splits, Acc)>,
) {
    let mut acc = Acc::default();
    for &i in &rows {
        acc.add(w[i as usize], y[i as usize]);
    }
    let split = if depth < max_depth && rows.len() >= 2 * min_volume {
        best_split(features, y, w, &rows, &acc, min_volume)
    } else {
        None
    };
    let Some(split) = split else {
        leaves.push((path, acc));
        return;
    };
    let f = &features[split.feature];
    let mut goes_left = vec![false; f.conditions.len()];
    for &c in &split.left {
        goes_left[c as usize] = true;
    }
    let (left, right): (Vec<u32>, Vec<u32>) = rows
        .into_iter()
        .partition(|&i| goes_left[f.codes[i as usize] as usize]);
    let right_codes: Vec<u16> = (0..f.conditions.len() as u16)
        .filter(|c| !goes_left[*c as usize])
        .collect();
    for (part, codes) in [(left, split.left.clone()), (right, right_codes)] {
        let mut r = path.clone();
        r.push((split.feature, codes));
        grow(
            features,
            y,
            w,
            part,
            r,
            depth + 1,
            min_volume,
            max_depth,
            leaves,
        );
    }
}

fn best_split(
    features: &[Feature],
    y: &[f64],
    w: &[f64],
    rows: &[u32],
    node: &Acc,
    min_volume: usize,
) -> Option<Split> {
    let mut best: Option<Split> = None;
    for (fi, f) in features.iter().enumerate() {
        let k = f.conditions.len();
        let mut per = vec![Acc::default(); k];
        for &i in rows {
            let i = i as usize;
            per[f.codes[i] as usize].add(w[i], y[i]);
        }
        let mut order: Vec<u16> = (0..k as u16).filter(|c| per[*c as usize].n > 0).collect();
        if !f.ordinal {
            // For squared error, the best binary partition of categories is a threshold in
            // the order of their means (Breiman et al. 1984, CART §9.4).
            order.sort_by(|a, b| {
                per[*a as usize]
                    .mean()
                    .total_cmp(&per[*b as usize].mean())
                    .then(a.cmp(b))
            });
        }
        let mut left = Acc::default();
        for (pos, c) in order.iter().enumerate().take(order.len().saturating_sub(1)) {
            left.merge(&per[*c as usize]);
            let mut right = *node;
            right.n -= left.n;
            right.w -= left.w;
            right.wy -= left.wy;
            right.wyy -= left.wyy;
            if left.n < min_volume || right.n < min_volume {
                continue;
            }
            let gain = node.sse() - left.sse() - right.sse();
            // A relative floor so float noise never decides a split.
            if gain <= 1e-9 * node.sse().max(1.0) {
                continue;
            }
            if best.as_ref().is_none_or(|b| gain > b.gain * (1.0 + 1e-12)) {
                best = Some(Split {
                    feature: fi,
                    left: order[..=pos].to_vec(),
                    gain,
                });
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn feature(name: &str, k: usize, ordinal: bool, codes: Vec<u16>) -> Feature {
        Feature {
            name: name.into(),
            conditions: (0..k).map(|c| format!("{name} = {c}")).collect(),
            ordinal,
            codes,
        }
    }

    #[test]
    fn finds_the_planted_group() {
        // 400 persons; those with a = 1 and b = 2 cost 5,000, the rest 1,000.
        let n = 400;
        let a: Vec<u16> = (0..n).map(|i| (i % 2) as u16).collect();
        let b: Vec<u16> = (0..n).map(|i| (i / 2 % 3) as u16).collect();
        let y: Vec<f64> = (0..n)
            .map(|i| {
                if a[i] == 1 && b[i] == 2 {
                    5000.0
                } else {
                    1000.0
                }
            })
            .collect();
        let w = vec![1.0; n];
        let p = propose(
            &[feature("a", 2, true, a), feature("b", 3, false, b)],
            &y,
            &w,
            20,
            4,
        );
        let top = &p.leaves[0];
        assert!((top.cost_per_year - 5000.0).abs() < 1e-9, "{p:?}");
        assert!(
            top.rule.contains("a = 1") && top.rule.contains("b = 2"),
            "{}",
            top.rule
        );
        assert!((p.r2.unwrap() - 1.0).abs() < 1e-9);
        assert_eq!(top.cv, Some(0.0));
    }

    proptest! {
        #[test]
        fn leaves_hold_min_volume_and_partition_everyone(
            rows in proptest::collection::vec((0u16..4, 0u16..3, 0.0f64..10_000.0, 0.1f64..1.0), 1..400),
            min_volume in 5usize..60,
        ) {
            let a: Vec<u16> = rows.iter().map(|r| r.0).collect();
            let b: Vec<u16> = rows.iter().map(|r| r.1).collect();
            let y: Vec<f64> = rows.iter().map(|r| r.2).collect();
            let w: Vec<f64> = rows.iter().map(|r| r.3).collect();
            let fs = [feature("a", 4, true, a), feature("b", 3, false, b)];
            let p = propose(&fs, &y, &w, min_volume, 4);
            let total: usize = p.leaves.iter().map(|l| l.persons).sum();
            prop_assert_eq!(total, rows.len());
            if p.leaves.len() > 1 {
                for l in &p.leaves {
                    prop_assert!(l.persons >= min_volume, "{} < {}", l.persons, min_volume);
                }
            }
            for l in &p.leaves {
                prop_assert!(l.rule.matches(" AND ").count() < 4, "depth > 4: {}", l.rule);
            }
            // Deterministic.
            prop_assert_eq!(propose(&fs, &y, &w, min_volume, 4), p);
        }
    }
}
