//! Funnel flags per practice: against the norm, the whole extract and the practice's gemeente.

use super::view::{Context, Fit, Row};
use crate::frame::strings;
use crate::stats::overdispersion::Method;
use crate::stats::{funnel, Limit};
use polars::prelude::*;
use std::collections::HashMap;

/// Fingertips' National General Practice Profiles flag no practice under this many
/// registered persons.
pub const MIN_FLAG_PERSONS: i64 = 750;

/// Funnel flags per practice (METHODS 1, capped as METHODS 8): capped O/E per insured year
/// against κ × the attributed norm, and against the practice's gemeente; practices under
/// `MIN_FLAG_PERSONS` registered persons, buckets and hidden rows are not judged.
#[derive(Debug, Clone, Default)]
pub(super) struct Judged {
    pub(super) oe_for_flags: Option<f64>,
    /// `capped` where `oe_for_flags` is the capped O/E the flags judged; `raw` where it is raw
    /// O/E / κ because the capped one is hidden (the flags still judge the capped one).
    pub(super) figures: Option<&'static str>,
    pub(super) z: Option<f64>,
    pub(super) limit: Option<&'static str>,
    pub(super) direction: Option<&'static str>,
    pub(super) gemeente_oe: Option<f64>,
    pub(super) z_extract: Option<f64>,
    pub(super) limit_extract: Option<&'static str>,
    pub(super) direction_extract: Option<&'static str>,
    pub(super) z_gemeente: Option<f64>,
    pub(super) limit_gemeente: Option<&'static str>,
    pub(super) direction_gemeente: Option<&'static str>,
    pub(super) note: Option<&'static str>,
}

fn limit_of(z: f64) -> Option<&'static str> {
    Limit::of(z).map(Limit::label)
}

pub(super) fn judge(
    rows: &[Row],
    row_hidden: &[bool],
    cx: &Context,
) -> PolarsResult<(Vec<Judged>, Fit)> {
    let levels = strings(cx.area_raw, "level")?;
    let codes = strings(cx.area_raw, "area_code")?;
    let mut gemeente_oe: HashMap<String, f64> = HashMap::new();
    let mut total_norm_piy = None;
    // The whole extract's own capped O/E (the total row's), the benchmark beside the norm.
    let mut extract_oe = None;
    let ncents = crate::frame::floats(cx.area_raw, "norm_cents")?;
    let nmicro = crate::frame::floats(cx.area_raw, "norm_micro_years")?;
    for i in 0..cx.area_raw.height() {
        if levels[i].as_deref() == Some("gemeente") {
            if let (Some(c), Some(v)) = (&codes[i], cx.area_oe_for_flags.get(i).copied().flatten())
            {
                gemeente_oe.insert(c.clone(), v);
            }
        }
        if levels[i].as_deref() == Some("total") {
            extract_oe = cx.area_oe_for_flags.get(i).copied().flatten();
            if let (Some(c), Some(y)) = (ncents[i], nmicro[i]) {
                if y > 0.0 {
                    total_norm_piy = Some(c / 100.0 / (y / 1e6));
                }
            }
        }
    }
    let mut out = vec![Judged::default(); rows.len()];
    let mut capped_shown = vec![true; rows.len()];
    let mut points: Vec<(usize, f64, f64, f64)> = Vec::new(); // (row, r, se, z)
    let mut too_small = 0;
    for (i, r) in rows.iter().enumerate() {
        let note = if r.kind != "praktijk" {
            Some("bucket")
        } else if row_hidden[i] {
            Some("suppressed")
        } else if r.persons < MIN_FLAG_PERSONS {
            too_small += 1;
            Some("too_small")
        } else {
            None
        };
        out[i].note = note;
        if r.kind != "praktijk" || row_hidden[i] {
            continue;
        }
        let (Some(norm), Some(s)) = (r.norm_piy(), cx.basis.get(&r.key)) else {
            out[i].note = out[i].note.or(Some("no_norm"));
            continue;
        };
        let years = r.years();
        let m = norm * cx.kappa;
        let Some((ratio, se, z)) = funnel::oe_cost(s.observed, years, m, s.variance) else {
            continue;
        };
        // A capped figure beside the published raw one gives 1 to min_cell − 1 capped
        // persons' cost above the cap away: show raw O/E / κ then (as the area funnel does).
        let capped_ok =
            !cx.capped || s.capped_persons == 0.0 || s.capped_persons >= cx.min_cell as f64;
        out[i].oe_for_flags = if capped_ok {
            Some(ratio)
        } else {
            r.oe().map(|o| o / cx.kappa)
        };
        out[i].figures = out[i]
            .oe_for_flags
            .map(|_| if capped_ok { "capped" } else { "raw" });
        out[i].gemeente_oe = r
            .location
            .gemeente
            .as_ref()
            .and_then(|g| gemeente_oe.get(g).copied());
        if note.is_none() {
            points.push((i, ratio, se, z));
        }
        capped_shown[i] = capped_ok;
    }
    // φ, τ² and the widening as the run's `[outliers]` settings say (METHODS 4), as for areas.
    let zs: Vec<f64> = points.iter().map(|p| p.3).collect();
    let ses: Vec<f64> = points.iter().map(|p| p.2).collect();
    let dispersion = cx.outliers.estimator.assess(&zs);
    let tau2 = dispersion.tau2(&ses);
    let scale = |se: f64| match cx.outliers.method {
        Method::None => se,
        Method::Multiplicative => se * dispersion.se_factor(),
        Method::Additive => (se * se + tau2.unwrap_or(0.0)).sqrt(),
    };
    let (mut flags, mut flags_g, mut flags_e) = (0, 0, 0);
    for &(i, ratio, se, _) in &points {
        let z = (ratio - 1.0) / scale(se);
        out[i].z = Some(z);
        out[i].limit = limit_of(z);
        if out[i].limit.is_some() {
            flags += 1;
            out[i].direction = Some(if z > 0.0 { "high" } else { "low" });
        }
        // Where the capped figure is not shown, one z value only: two z's of one ratio against
        // two published benchmarks would give the ratio (and so the capped persons' cost) back.
        // The comparisons themselves are still judged, on the same capped figure, and published
        // as limit and direction: leaving them out would keep them only for practices with no
        // or ≥ min_cell capped persons, a selection that under pure chance flags high only.
        // Beside the exact norm z, a category against another benchmark bounds the practice's
        // SE (so the capped ratio) to an interval; it does not give its value.
        let shown = capped_shown[i];
        if let Some(e) = extract_oe {
            let ze = (ratio - e) / scale(se);
            out[i].z_extract = shown.then_some(ze);
            out[i].limit_extract = limit_of(ze);
            if out[i].limit_extract.is_some() {
                flags_e += 1;
                out[i].direction_extract = Some(if ze > 0.0 { "high" } else { "low" });
            }
        }
        if let Some(g) = out[i].gemeente_oe {
            let zg = (ratio - g) / scale(se);
            out[i].z_gemeente = shown.then_some(zg);
            out[i].limit_gemeente = limit_of(zg);
            if out[i].limit_gemeente.is_some() {
                flags_g += 1;
                out[i].direction_gemeente = Some(if zg > 0.0 { "high" } else { "low" });
            }
        }
    }
    Ok((
        out,
        Fit {
            min_persons: MIN_FLAG_PERSONS,
            judged: points.len(),
            too_small,
            phi: dispersion.phi,
            tau2,
            phi_threshold: dispersion.threshold,
            widened: dispersion.widened && cx.outliers.method != Method::None,
            flags,
            flags_vs_gemeente: flags_g,
            flags_vs_extract: flags_e,
            extract_oe_for_flags: extract_oe,
            sigma_eur: cx.pooled_s,
            norm_per_insured_year: total_norm_piy.map(|n| n * cx.kappa),
        },
    ))
}
