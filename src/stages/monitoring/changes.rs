//! A row's comparisons with the previous period and the year earlier, and its recent trend.

use super::figures::{Figure, SEGMENT_METRIC};
use super::series::Series;
use crate::domain::Level;
use crate::stats::trend::{self, Marker};

/// (period, value, change, change %, z, flag) of `f` against the figure `cmp` (both must be
/// published; else only the compared period's label, if that period is in the run).
#[allow(clippy::type_complexity)]
pub(super) fn compare<'a>(
    f: &Figure,
    cmp: Option<(usize, &Figure)>,
    labels: &'a [String],
) -> (
    Option<&'a str>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<&'static str>,
) {
    let Some((i, g)) = cmp else {
        return (None, None, None, None, None, None);
    };
    let label = Some(labels[i].as_str());
    let (Some(v1), Some(v0)) = (f.value, g.value) else {
        return (label, None, None, None, None, None);
    };
    let change = v1 - v0;
    let pct = (v0 != 0.0).then(|| 100.0 * change / v0);
    let z = match (f.judged, f.se, g.judged, g.se) {
        (Some(j1), Some(s1), Some(j0), Some(s0)) => trend::change_z(j1, s1, j0, s0),
        _ => None,
    };
    (
        label,
        Some(v0),
        Some(change),
        pct,
        z,
        z.and_then(trend::flag),
    )
}

/// The recent-trend marker at period `j`: the last five periods up to `j`, all published.
pub(super) fn trend_at(
    j: usize,
    series: Series,
    total: Option<Series>,
    level: Level,
    metric: &str,
    x: &[f64],
) -> (Marker, Option<f64>, usize) {
    let first = j + 1 - trend::TREND_MIN_POINTS.min(j + 1);
    let window: Vec<(usize, &Figure)> = (first..=j)
        .filter_map(|i| series.get(i).map(|f| (i, f)))
        .filter(|(_, f)| f.value.is_some() && f.judged.is_some())
        .collect();
    if window.len() < trend::TREND_MIN_POINTS {
        return (Marker::CannotBeCalculated, None, window.len());
    }
    if metric == "wmo_clients_per_1000" {
        let pts: Option<Vec<(f64, f64, f64)>> = window
            .iter()
            .map(|(i, f)| {
                let n = f.n.filter(|n| *n > 0.0)?;
                Some((x[*i], (f.value? / 1000.0 * n).round(), n))
            })
            .collect();
        return match pts {
            Some(p) => {
                let (m, chi2) = trend::recent_trend(&p, trend::proportion_fit);
                (m, chi2, p.len())
            }
            None => (Marker::CannotBeCalculated, None, window.len()),
        };
    }
    // Costs below the total: relative to the whole extract's value of the same period.
    let relative = level != Level::Total && metric != SEGMENT_METRIC;
    let pts: Option<Vec<(f64, f64, f64)>> = window
        .iter()
        .map(|(i, f)| {
            let (v, se) = (f.judged?, f.se?);
            if relative {
                let t = total?.get(*i)?.judged.filter(|t| *t > 0.0)?;
                Some((x[*i], v / t, se / t))
            } else {
                Some((x[*i], v, se))
            }
        })
        .collect();
    match pts {
        Some(p) => {
            let (m, chi2) = trend::recent_trend(&p, trend::weighted_fit);
            (m, chi2, p.len())
        }
        None => (Marker::CannotBeCalculated, None, window.len()),
    }
}
