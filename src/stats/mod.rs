//! Pure statistics for outlier flags (SPEC 3.4, METHODS 1–5): funnel limits for costs and
//! proportions, overdispersion, and the robust comparison. Plain slices in, plain numbers out;
//! undefined results are `None`, never NaN or infinity.

pub mod effect;
pub mod funnel;
pub mod linear;
pub mod overdispersion;
pub mod proportion;
pub mod residual;
pub mod robust;
pub mod trend;

/// Two-sided 95% and 99.8% normal quantiles (METHODS).
pub const Z95: f64 = 1.959964;
pub const Z998: f64 = 3.090232;

/// Which control limit a z-score passes, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Limit {
    P95,
    P998,
}

impl Limit {
    pub fn of(z: f64) -> Option<Limit> {
        if z.abs() > Z998 {
            Some(Limit::P998)
        } else if z.abs() > Z95 {
            Some(Limit::P95)
        } else {
            None
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Limit::P95 => "95",
            Limit::P998 => "99.8",
        }
    }
}
