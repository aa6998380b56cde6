//! The monitoring table's columns as they are filled, row by row, and the frame they make.

use polars::prelude::*;

#[derive(Default)]
pub(super) struct Compared<'a> {
    pub(super) period: Vec<Option<&'a str>>,
    pub(super) value: Vec<Option<f64>>,
    pub(super) change: Vec<Option<f64>>,
    pub(super) pct: Vec<Option<f64>>,
    pub(super) z: Vec<Option<f64>>,
    pub(super) flag: Vec<Option<&'static str>>,
}

#[derive(Default)]
pub(super) struct Table<'a> {
    pub(super) level: Vec<&'static str>,
    pub(super) area_code: Vec<&'a str>,
    pub(super) area_name: Vec<&'a str>,
    pub(super) segment: Vec<Option<&'a str>>,
    pub(super) period: Vec<&'a str>,
    pub(super) metric: Vec<&'a str>,
    pub(super) value: Vec<Option<f64>>,
    pub(super) judged: Vec<Option<f64>>,
    pub(super) se: Vec<Option<f64>>,
    pub(super) previous: Compared<'a>,
    pub(super) year: Compared<'a>,
    pub(super) trend: Vec<&'static str>,
    pub(super) trend_chi2: Vec<Option<f64>>,
    pub(super) trend_points: Vec<i64>,
    pub(super) provisional: Vec<bool>,
}

impl Compared<'_> {
    pub(super) fn with_capacity(n: usize) -> Self {
        Compared {
            period: Vec::with_capacity(n),
            value: Vec::with_capacity(n),
            change: Vec::with_capacity(n),
            pct: Vec::with_capacity(n),
            z: Vec::with_capacity(n),
            flag: Vec::with_capacity(n),
        }
    }
}

impl Table<'_> {
    /// Room for `n` rows up front: growing columns of millions of rows copied each of them
    /// over and over (a fifth of the table's time).
    pub(super) fn with_capacity(n: usize) -> Self {
        Table {
            level: Vec::with_capacity(n),
            area_code: Vec::with_capacity(n),
            area_name: Vec::with_capacity(n),
            segment: Vec::with_capacity(n),
            period: Vec::with_capacity(n),
            metric: Vec::with_capacity(n),
            value: Vec::with_capacity(n),
            judged: Vec::with_capacity(n),
            se: Vec::with_capacity(n),
            previous: Compared::with_capacity(n),
            year: Compared::with_capacity(n),
            trend: Vec::with_capacity(n),
            trend_chi2: Vec::with_capacity(n),
            trend_points: Vec::with_capacity(n),
            provisional: Vec::with_capacity(n),
        }
    }

    pub(super) fn frame(self) -> PolarsResult<DataFrame> {
        let mut cols = vec![
            Column::new("level".into(), self.level),
            Column::new("area_code".into(), self.area_code),
            Column::new("area_name".into(), self.area_name),
            Column::new("segment".into(), self.segment),
            Column::new("period".into(), self.period),
            Column::new("metric".into(), self.metric),
            Column::new("value".into(), self.value),
            Column::new("judged_value".into(), self.judged),
            Column::new("se".into(), self.se),
        ];
        for (prefix, c) in [("previous", self.previous), ("year_earlier", self.year)] {
            let (change, pct, z, flag) = if prefix == "previous" {
                ("change", "change_pct", "change_z", "change_flag")
            } else {
                (
                    "change_year",
                    "change_year_pct",
                    "change_year_z",
                    "change_year_flag",
                )
            };
            cols.extend([
                Column::new(format!("{prefix}_period").into(), c.period),
                Column::new(format!("{prefix}_value").into(), c.value),
                Column::new(change.into(), c.change),
                Column::new(pct.into(), c.pct),
                Column::new(z.into(), c.z),
                Column::new(flag.into(), c.flag),
            ]);
        }
        cols.extend([
            Column::new("trend".into(), self.trend),
            Column::new("trend_chi2".into(), self.trend_chi2),
            Column::new("trend_points".into(), self.trend_points),
            Column::new("provisional".into(), self.provisional),
        ]);
        DataFrame::new_infer_height(cols)
    }
}
