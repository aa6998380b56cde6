//! The monitoring table over the periods: figures grouped by key in period order, rows made in
//! parts on their own threads and stacked.

use super::changes::{compare, trend_at};
use super::columns::Table;
use super::figures::{area_metrics, Figure, PeriodFigures, SEGMENT_METRIC};
use super::series::{BorrowedKey, Entry, Series};
use crate::domain::{Level, Period};
use crate::stats::trend;
use polars::prelude::*;
use std::collections::BTreeMap;

/// The monitoring table over the periods (oldest first). One row per (level, area, segment,
/// metric, period) of every figure; see the module comment for what each column means.
///
/// Every figure is sorted once by its key and period (in parallel), and the rows of each part
/// of the keys are made on their own thread: at eight quarters of pc5s (3.7 M rows) a map
/// from key to series, filled and read on one thread, took about 4 s at the end of a run.
pub fn monitoring(periods: &[PeriodFigures]) -> PolarsResult<DataFrame> {
    use rayon::prelude::*;
    let metrics = table_metrics();
    let rank = metric_ranks(&metrics);
    // Every figure with its key, in (key, period) order; of two figures with the same key in
    // one period the later one counts (as a map's insert would).
    let mut all: Vec<(BorrowedKey, usize, usize, &Figure)> =
        Vec::with_capacity(periods.iter().map(|p| p.figures.len()).sum());
    for (j, p) in periods.iter().enumerate() {
        for f in &p.figures {
            let key = (
                f.level,
                &*f.area_code,
                f.segment.as_deref(),
                rank(&f.metric),
            );
            all.push((key, j, all.len(), f));
        }
    }
    all.par_sort_unstable_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
    let entries: Vec<Entry> = all
        .iter()
        .enumerate()
        .filter(|(i, e)| all.get(i + 1).is_none_or(|n| (n.0, n.1) != (e.0, e.1)))
        .map(|(_, e)| Entry {
            key: e.0,
            j: e.1,
            f: e.3,
        })
        .collect();
    drop(all);
    // The series: runs of one key.
    let mut series: Vec<std::ops::Range<usize>> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        match series.last_mut() {
            Some(r) if entries[r.start].key == e.key => r.end = i + 1,
            _ => series.push(i..i + 1),
        }
    }
    let context = Context::new(periods, &metrics, &entries, &series);
    // Parts of about equal rows, in key order; their frames stacked in the same order.
    let parts = rayon::current_num_threads().max(1) * 4;
    let per_part = entries.len().div_ceil(parts).max(1);
    let mut bounds = vec![0usize];
    let mut rows = 0;
    for (k, r) in series.iter().enumerate() {
        rows += r.len();
        if rows >= per_part * bounds.len() && k + 1 < series.len() {
            bounds.push(k + 1);
        }
    }
    bounds.push(series.len());
    let frames: Vec<DataFrame> = bounds
        .par_windows(2)
        .map(|w| context.rows(&series[w[0]..w[1]]).frame())
        .collect::<PolarsResult<_>>()?;
    let mut frames = frames.into_iter();
    let mut table = frames.next().map_or_else(|| Table::default().frame(), Ok)?;
    for f in frames {
        table.vstack_mut_owned(f)?;
    }
    // One chunk, as one table built in one piece: the Parquet file does not depend on the
    // number of threads.
    table.rechunk_mut_par();
    Ok(table)
}

fn table_metrics() -> Vec<String> {
    area_metrics()
        .into_iter()
        .chain([SEGMENT_METRIC.to_string()])
        .collect()
}

fn metric_ranks(metrics: &[String]) -> impl Fn(&str) -> usize + '_ {
    |m: &str| metrics.iter().position(|x| x == m).unwrap_or(usize::MAX)
}

/// What every row needs: the periods' labels, places in time and neighbours, and the whole
/// extract's series per metric (cost trends are relative to it).
struct Context<'a> {
    periods: &'a [PeriodFigures],
    metrics: &'a [String],
    entries: &'a [Entry<'a>],
    labels: Vec<String>,
    x: Vec<f64>,
    previous: Vec<Option<usize>>,
    year_earlier: Vec<Option<usize>>,
    totals: BTreeMap<usize, Series<'a>>,
}

impl<'a> Context<'a> {
    fn new(
        periods: &'a [PeriodFigures],
        metrics: &'a [String],
        entries: &'a [Entry<'a>],
        series: &[std::ops::Range<usize>],
    ) -> Self {
        let index_of =
            |p: Option<Period>| p.and_then(|p| periods.iter().position(|q| q.period == p));
        let previous: Vec<Option<usize>> = (0..periods.len())
            .map(|j| {
                j.checked_sub(1)
                    .filter(|&i| periods[i].period.next() == Some(periods[j].period))
            })
            .collect();
        let year_earlier: Vec<Option<usize>> = periods
            .iter()
            .map(|p| index_of(p.period.year_earlier()))
            .collect();
        // The x of a trend: the period's place on the calendar, so gaps in a series count.
        let x: Vec<f64> = periods
            .iter()
            .enumerate()
            .map(|(j, p)| p.period.ordinal().map_or(j as f64, |o| o as f64))
            .collect();
        // Labels made once: the table holds borrowed strings.
        let labels: Vec<String> = periods.iter().map(|p| p.period.label()).collect();
        let totals = series
            .iter()
            .filter_map(|r| {
                let (level, code, segment, m) = entries[r.start].key;
                (level == Level::Total && code == crate::domain::TOTAL_CODE && segment.is_none())
                    .then(|| (m, Series(&entries[r.clone()])))
            })
            .collect();
        Context {
            periods,
            metrics,
            entries,
            labels,
            x,
            previous,
            year_earlier,
            totals,
        }
    }

    /// The table's rows of these series.
    fn rows(&self, series: &[std::ops::Range<usize>]) -> Table<'_> {
        let mut t = Table::with_capacity(series.iter().map(|r| r.len()).sum());
        for r in series {
            let s = Series(&self.entries[r.clone()]);
            let (level, code, segment, m) = s.0[0].key;
            let metric = self.metrics[m].as_str();
            let name =
                s.0.iter()
                    .rev()
                    .find(|e| !e.f.area_name.is_empty())
                    .map_or("", |e| &*e.f.area_name);
            let total = self.totals.get(&m);
            for e in s.0 {
                let (j, f) = (e.j, e.f);
                let other = |i: Option<usize>| i.and_then(|i| s.get(i).map(|g| (i, g)));
                let prev = other(self.previous[j]);
                let year = other(self.year_earlier[j]);
                t.level.push(level.as_str());
                t.area_code.push(code);
                t.area_name.push(name);
                t.segment.push(segment);
                t.period.push(self.labels[j].as_str());
                t.metric.push(metric);
                t.value.push(f.value);
                t.judged.push(f.judged.filter(|_| f.se_shown));
                t.se.push(f.se.filter(|_| f.se_shown));
                for (cmp, cols) in [(prev, &mut t.previous), (year, &mut t.year)] {
                    let (label, value, change, pct, z, flag) = compare(f, cmp, &self.labels);
                    cols.period.push(label);
                    cols.value.push(value);
                    cols.change.push(change);
                    cols.pct.push(pct);
                    cols.z.push(z);
                    cols.flag.push(flag);
                }
                let (marker, chi2, points) = trend_at(j, s, total.copied(), level, metric, &self.x);
                t.trend.push(marker.as_str());
                t.trend_chi2.push(chi2);
                t.trend_points.push(points as i64);
                // Provisional when any period the row's changes or trend rest on is.
                let window = j + 1 - trend::TREND_MIN_POINTS.min(j + 1);
                let involved = (window..=j)
                    .chain(prev.map(|p| p.0))
                    .chain(year.map(|p| p.0));
                t.provisional
                    .push(involved.into_iter().any(|i| self.periods[i].provisional));
            }
        }
        t
    }
}

/// The figures grouped as the table first did (a map from key to a map from period to figure,
/// a later figure of the same key and period replacing an earlier one), its rows made in one
/// part: the oracle for the sort, the grouping, the parts and their stacking.
#[cfg(test)]
fn monitoring_by_map(periods: &[PeriodFigures]) -> PolarsResult<DataFrame> {
    let metrics = table_metrics();
    let rank = metric_ranks(&metrics);
    let mut by_key: BTreeMap<BorrowedKey, BTreeMap<usize, &Figure>> = BTreeMap::new();
    for (j, p) in periods.iter().enumerate() {
        for f in &p.figures {
            let key = (
                f.level,
                &*f.area_code,
                f.segment.as_deref(),
                rank(&f.metric),
            );
            by_key.entry(key).or_default().insert(j, f);
        }
    }
    let mut entries = Vec::new();
    let mut series = Vec::new();
    for (key, by_period) in &by_key {
        let start = entries.len();
        entries.extend(by_period.iter().map(|(&j, &f)| Entry { key: *key, j, f }));
        series.push(start..entries.len());
    }
    Context::new(periods, &metrics, &entries, &series)
        .rows(&series)
        .frame()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fig(code: &str, level: Level, metric: &str, value: Option<f64>, se: f64) -> Figure {
        Figure {
            level,
            area_code: code.into(),
            area_name: code.into(),
            segment: None,
            metric: metric.into(),
            value,
            judged: value,
            se: Some(se),
            se_shown: true,
            n: Some(1000.0),
        }
    }

    fn period(label: &str, figures: Vec<Figure>) -> PeriodFigures {
        PeriodFigures {
            panel: Vec::new(),
            period: Period::parse(label).unwrap(),
            provisional: false,
            figures,
        }
    }

    /// Six quarters of one wijk against a flat total: changes by hand, a year-earlier
    /// comparison only where that quarter is in the run, nothing from a hidden value, and a
    /// rising trend relative to the total.
    #[test]
    fn changes_and_trend_by_hand() {
        let labels = ["2023Q1", "2023Q2", "2023Q3", "2023Q4", "2024Q1", "2024Q2"];
        let wijk = [
            Some(100.0),
            Some(104.0),
            Some(108.0),
            None,
            Some(116.0),
            Some(120.0),
        ];
        let m = "zvw_cost_per_insured_year";
        let periods: Vec<PeriodFigures> = labels
            .iter()
            .zip(wijk)
            .map(|(l, v)| {
                period(
                    l,
                    vec![
                        fig("TOTAAL", Level::Total, m, Some(100.0), 0.5),
                        fig("WK000101", Level::Wijk, m, v, 1.0),
                    ],
                )
            })
            .collect();
        let df = monitoring(&periods).unwrap();
        let w = df
            .lazy()
            .filter(col("area_code").eq(lit("WK000101")))
            .collect()
            .unwrap();
        assert_eq!(w.height(), 6);
        let change = crate::frame::floats(&w, "change").unwrap();
        let z = crate::frame::floats(&w, "change_z").unwrap();
        // 2023Q2 − 2023Q1 = 4 with SE √2.
        assert_eq!(change[1], Some(4.0));
        assert!((z[1].unwrap() - 4.0 / 2f64.sqrt()).abs() < 1e-12);
        // 2023Q4 hidden: no change into it, none out of it.
        assert_eq!(change[3], None);
        assert_eq!(change[4], None);
        let year = crate::frame::floats(&w, "change_year").unwrap();
        let year_period = crate::frame::strings(&w, "year_earlier_period").unwrap();
        assert_eq!(year[4], Some(16.0));
        assert_eq!(year_period[4].as_deref(), Some("2023Q1"));
        assert_eq!(year_period[0], None);
        let pct = crate::frame::floats(&w, "change_year_pct").unwrap();
        assert!((pct[5].unwrap() - 100.0 * 16.0 / 104.0).abs() < 1e-9);
        let flag = crate::frame::strings(&w, "change_year_flag").unwrap();
        assert_eq!(flag[5].as_deref(), Some("99.8"));
        // The last five quarters hold a hidden one: no trend; a run without it has one.
        let trend = crate::frame::strings(&w, "trend").unwrap();
        assert_eq!(trend[5].as_deref(), Some("cannot_be_calculated"));
        let mut all = periods.clone();
        all[3].figures[1].value = Some(112.0);
        all[3].figures[1].judged = Some(112.0);
        let df = monitoring(&all).unwrap();
        let w = df
            .lazy()
            .filter(col("area_code").eq(lit("WK000101")))
            .collect()
            .unwrap();
        let trend = crate::frame::strings(&w, "trend").unwrap();
        assert_eq!(trend[5].as_deref(), Some("increasing"));
        assert_eq!(trend[3].as_deref(), Some("cannot_be_calculated"));
        // A provisional quarter inside the trend window marks the rows that rest on it.
        all[1].provisional = true;
        let df = monitoring(&all).unwrap();
        let w = df
            .lazy()
            .filter(col("area_code").eq(lit("WK000101")))
            .collect()
            .unwrap();
        let prov: Vec<Option<bool>> = w
            .column("provisional")
            .unwrap()
            .bool()
            .unwrap()
            .iter()
            .collect();
        // 2023Q2 is in the windows of 2023Q2..2024Q2; 2023Q1 rests on nothing provisional.
        assert_eq!(
            prov,
            vec![
                Some(false),
                Some(true),
                Some(true),
                Some(true),
                Some(true),
                Some(true)
            ]
        );
    }

    /// The parallel build gives the map's table row for row: random figures over nine
    /// quarters with a gap, every level, segments, hidden values, unnamed areas, a total for
    /// some metrics only, provisional quarters, and the same key twice in a quarter.
    #[test]
    fn the_parallel_table_is_the_maps_table() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_pcg::Pcg64::seed_from_u64(11);
        let labels = [
            "2022Q3", "2022Q4", "2023Q1", "2023Q2", "2023Q4", "2024Q1", "2024Q2", "2024Q3",
            "2024Q4",
        ];
        let metrics = table_metrics();
        let levels = [
            Level::Total,
            Level::Gemeente,
            Level::Wijk,
            Level::Buurt,
            Level::Pc5,
        ];
        let mut periods: Vec<PeriodFigures> = labels.iter().map(|l| period(l, vec![])).collect();
        for p in periods.iter_mut() {
            p.provisional = rng.gen_bool(0.2);
            for _ in 0..3000 {
                let level = levels[rng.gen_range(0..levels.len())];
                let code = if level == Level::Total {
                    crate::domain::TOTAL_CODE.to_string()
                } else {
                    format!("{}{:03}", level.as_str(), rng.gen_range(0..60))
                };
                let mut f = fig(
                    &code,
                    level,
                    &metrics[rng.gen_range(0..metrics.len() - 2)],
                    rng.gen_bool(0.85).then(|| rng.gen_range(50.0..150.0)),
                    rng.gen_range(0.5..5.0),
                );
                if rng.gen_bool(0.2) {
                    f.segment = Some(format!("seg{}", rng.gen_range(0..3)).into());
                    f.metric = SEGMENT_METRIC.into();
                }
                if rng.gen_bool(0.3) {
                    f.area_name = "".into();
                }
                f.se_shown = rng.gen_bool(0.9);
                f.judged = f.value.map(|v| v * rng.gen_range(0.9..1.1));
                p.figures.push(f);
            }
        }
        let want = monitoring_by_map(&periods).unwrap();
        let got = monitoring(&periods).unwrap();
        assert!(want.height() > 10_000, "{}", want.height());
        assert!(got.equals_missing(&want));
        assert_eq!(got.first_col_n_chunks(), 1);
        // Without any figure, and with one.
        assert_eq!(monitoring(&[]).unwrap().height(), 0);
        let one = vec![period(
            "2024Q4",
            vec![fig("TOTAAL", Level::Total, "oe_ratio", Some(1.0), 0.1)],
        )];
        assert!(monitoring(&one)
            .unwrap()
            .equals_missing(&monitoring_by_map(&one).unwrap()));
    }

    /// Trends run on calendar time: yearly points with a gap keep their spacing.
    #[test]
    fn a_gap_in_the_series_is_a_gap_in_time() {
        let m = "zvw_cost_per_insured_year";
        // +5 a year from 2019 with 2020 missing: a straight line in time.
        let years = [
            ("2019", 100.0),
            ("2021", 110.0),
            ("2022", 115.0),
            ("2023", 120.0),
            ("2024", 125.0),
        ];
        let periods: Vec<PeriodFigures> = years
            .iter()
            .map(|(y, v)| period(y, vec![fig("TOTAAL", Level::Total, m, Some(*v), 0.5)]))
            .collect();
        let df = monitoring(&periods).unwrap();
        let chi2 = crate::frame::floats(&df, "trend_chi2").unwrap();
        // Points on one line in time: weighted slope 5 a year over x = 2019, 2021..2024
        // (x̄ = 2021.8, Σw(x − x̄)² = 4·(2.8² + 0.8² + 0.2² + 1.2² + 2.2²) = 59.2, χ² = 25·59.2;
        // numbered 0..4 instead, the points would not lie on one line).
        assert!(
            (chi2[4].unwrap() / (25.0 * 59.2) - 1.0).abs() < 1e-9,
            "{:?}",
            chi2[4]
        );
    }

    /// A rise shared by every area (the total rises alike) is no area trend.
    #[test]
    fn shared_growth_is_not_an_area_trend() {
        let m = "zvw_cost_per_insured_year";
        let labels = ["2023Q1", "2023Q2", "2023Q3", "2023Q4", "2024Q1"];
        let periods: Vec<PeriodFigures> = labels
            .iter()
            .enumerate()
            .map(|(j, l)| {
                let v = 100.0 * (1.0 + 0.05 * j as f64);
                period(
                    l,
                    vec![
                        fig("TOTAAL", Level::Total, m, Some(v), 0.1),
                        fig("WK000101", Level::Wijk, m, Some(v), 0.5),
                    ],
                )
            })
            .collect();
        let df = monitoring(&periods).unwrap();
        let trend = crate::frame::strings(&df, "trend").unwrap();
        let codes = crate::frame::strings(&df, "area_code").unwrap();
        let at = |code: &str| {
            (0..df.height())
                .rev()
                .find(|&i| codes[i].as_deref() == Some(code))
                .and_then(|i| trend[i].clone())
        };
        assert_eq!(at("WK000101").as_deref(), Some("no_significant_change"));
        assert_eq!(at("TOTAAL").as_deref(), Some("increasing"));
    }
}
