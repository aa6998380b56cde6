//! The robust comparison (METHODS 5): z = (x − median) / (1.4826·MAD), flagged at |z| > 3.

pub const ROBUST_LIMIT: f64 = 3.0;

/// The median (sorts `v`); None when empty.
pub fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Robust z for every value; None for all when the MAD is zero (no spread to judge against).
pub fn robust_z(x: &[f64]) -> Vec<Option<f64>> {
    let mut v = x.to_vec();
    let Some(med) = median(&mut v) else {
        return Vec::new();
    };
    let mut dev: Vec<f64> = x.iter().map(|x| (x - med).abs()).collect();
    let mad = median(&mut dev).unwrap_or(0.0);
    if mad <= 0.0 {
        return vec![None; x.len()];
    }
    x.iter().map(|x| Some((x - med) / (1.4826 * mad))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_hand() {
        // median 3, deviations 2,1,0,1,7 → MAD 1.
        let z = robust_z(&[1.0, 2.0, 3.0, 4.0, 10.0]);
        assert!((z[4].unwrap() - 7.0 / 1.4826).abs() < 1e-12);
        assert!((z[0].unwrap() + 2.0 / 1.4826).abs() < 1e-12);
        assert_eq!(robust_z(&[5.0, 5.0, 5.0]), vec![None, None, None]);
    }
}
