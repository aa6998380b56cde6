//! The view layer below `charts` and `report`: a finished run folder read back into plain
//! structs (the published, suppressed profile, the outlier flags, the segments and the
//! manifest); with `crate::text` (every label in both languages) it is all they draw from, so
//! `wijkscan report RUN_DIR` re-renders without touching the inputs.

use crate::domain::{Level, CARE_TYPES};
use crate::error::{Error, Result};
use crate::frame::{floats, strings};
use polars::prelude::*;
use std::path::{Path, PathBuf};

pub mod effects;
pub mod focus_groups;
pub mod practices;
pub mod segment_words;
use practices::Practices;

/// One published profile row. `None` is a hidden (suppressed) or undefined cell.
#[derive(Debug, Clone)]
pub struct AreaRow {
    pub level: Level,
    pub code: String,
    pub name: String,
    pub suppressed: bool,
    pub insured_persons: Option<f64>,
    pub insured_years: Option<f64>,
    pub zvw_cost_eur: Option<f64>,
    pub zvw_per_iy: Option<f64>,
    pub norm_per_iy: Option<f64>,
    pub oe: Option<f64>,
    /// The O/E the outlier flags judged (capped by default); the funnel chart plots it.
    pub oe_for_flags: Option<f64>,
    pub resultaat_eur: Option<f64>,
    pub resultaat_per_iy: Option<f64>,
    pub wmo_per_1000: Option<f64>,
    /// Cost per insured year per care type, in the order of `CARE_TYPES`.
    pub care: Vec<Option<f64>>,
    /// Against Nederland (issue #10; None without `[reference]` or in older runs).
    pub expected_nl: Option<f64>,
    pub oe_nl: Option<f64>,
    pub gemeente_vektis_piy: Option<f64>,
    pub share_65plus: Option<f64>,
    pub share_75plus: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct FlagRow {
    pub level: Level,
    pub code: String,
    pub name: String,
    pub metric: String,
    pub observed: f64,
    pub expected: f64,
    pub z: f64,
    pub limit: String,
    pub direction: String,
}

#[derive(Debug, Clone)]
pub struct SegmentRow {
    pub segment: String,
    pub area_code: String,
    pub suppressed: bool,
    pub persons: Option<f64>,
    pub share_of_area: Option<f64>,
    pub cost_per_person: Option<f64>,
    pub cost_per_person_rest: Option<f64>,
    pub relative_rate: Option<f64>,
    pub cv_cost: Option<f64>,
    pub passes_volume: Option<bool>,
    pub filter: String,
}

impl SegmentRow {
    /// Cost per person above the rest of the focus area.
    pub fn excess_per_person(&self) -> Option<f64> {
        Some(self.cost_per_person? - self.cost_per_person_rest?)
    }
}

/// One row of `monitoring.parquet`, as the report reads it.
#[derive(Debug, Clone)]
pub struct ChangeRow {
    pub level: Level,
    pub code: String,
    pub name: String,
    pub segment: Option<String>,
    pub period: String,
    pub metric: String,
    pub value: Option<f64>,
    /// The value changes are judged on (capped cost / κ), with its SE, where published.
    pub judged: Option<f64>,
    pub se: Option<f64>,
    pub previous_period: Option<String>,
    pub change_pct: Option<f64>,
    pub change_flag: Option<String>,
    pub year_period: Option<String>,
    pub change_year_pct: Option<f64>,
    pub change_year_flag: Option<String>,
    pub trend: String,
    pub provisional: bool,
}

/// The monitoring rows the report uses (None for a one-period run).
fn read_changes(dir: &Path) -> Result<Vec<ChangeRow>> {
    if !dir.join("monitoring.parquet").is_file() {
        return Ok(Vec::new());
    }
    // Scanned with the filter pushed down: a whole-book monitoring table is millions of pc5
    // and care-type rows this view never holds (read whole, it peaked at 2 GB in `serve`).
    let path = dir.join("monitoring.parquet");
    let df = LazyFrame::scan_parquet(
        PlRefPath::new(path.to_string_lossy().as_ref()),
        ScanArgsParquet::default(),
    )?
    .filter(col("level").neq(lit("pc5")).and(crate::frame::one_of(
        col("metric"),
        &["oe_ratio", "zvw_cost_per_insured_year", "cost_per_person"],
    )))
    .collect()?;
    let s = |c: &str| strings(&df, c);
    let f = |c: &str| floats(&df, c);
    let (level, code, name, segment, period, metric) = (
        levels(&df, dir)?,
        text(&df, "area_code")?,
        text(&df, "area_name")?,
        s("segment")?,
        text(&df, "period")?,
        text(&df, "metric")?,
    );
    let (value, judged, se, cp, cyp) = (
        f("value")?,
        f("judged_value")?,
        f("se")?,
        f("change_pct")?,
        f("change_year_pct")?,
    );
    let (pp, cf, yp, cyf, trend) = (
        s("previous_period")?,
        s("change_flag")?,
        s("year_earlier_period")?,
        s("change_year_flag")?,
        text(&df, "trend")?,
    );
    let provisional = bools(&df, "provisional")?;
    Ok((0..df.height())
        .map(|i| ChangeRow {
            level: level[i],
            code: code[i].clone(),
            name: name[i].clone(),
            segment: segment[i].clone(),
            period: period[i].clone(),
            metric: metric[i].clone(),
            value: value[i],
            judged: judged[i],
            se: se[i],
            previous_period: pp[i].clone(),
            change_pct: cp[i],
            change_flag: cf[i].clone(),
            year_period: yp[i].clone(),
            change_year_pct: cyp[i],
            change_year_flag: cyf[i].clone(),
            trend: trend[i].clone(),
            provisional: provisional[i].unwrap_or(false),
        })
        .collect())
}

/// The funnel of O/E against the norm at one level: what the limit curves need.
#[derive(Debug, Clone, Copy)]
pub struct FunnelFit {
    /// Pooled residual s of period cost per insured year (euros, METHODS 1).
    pub sigma_eur: f64,
    /// Pooled expected cost per insured year of the level's areas (κ × norm when capped).
    pub norm_per_iy: f64,
    pub phi: Option<f64>,
    pub tau2: Option<f64>,
    /// Whether the run widened the limits (METHODS 4.4); the chart draws what was judged.
    pub widened: bool,
}

#[derive(Debug, Clone)]
pub struct RunView {
    pub dir: PathBuf,
    pub name: String,
    pub period: String,
    pub period_start: String,
    pub period_end: String,
    pub min_cell: i64,
    pub levels: Vec<Level>,
    pub overdispersion: String,
    pub min_volume: i64,
    pub focus_areas: Vec<String>,
    pub areas: Vec<AreaRow>,
    pub flags: Vec<FlagRow>,
    pub segments: Vec<SegmentRow>,
    /// A monitoring run's periods, oldest first (empty for one period).
    pub periods: Vec<String>,
    /// A monitoring run's changes (`monitoring.parquet`) at gemeente, wijk, buurt and total,
    /// for O/E and cost per insured year, and of the segments; empty for one period.
    pub changes: Vec<ChangeRow>,
    pub manifest: crate::manifest::Manifest,
    /// The GP-practice view (SPEC 3.7); empty for run folders without one.
    pub practices: Practices,
    /// The effects of the run's interventions (SPEC 3.10); empty without.
    pub effects: effects::Effects,
    /// Row of each (level, area code) in `areas`.
    index: std::collections::HashMap<(Level, String), usize>,
}

fn read_parquet(dir: &Path, stem: &str) -> Result<DataFrame> {
    let path = dir.join(format!("{stem}.parquet"));
    if !path.is_file() {
        return Err(Error::Output(format!(
            "`{}` is not a finished run folder: `{stem}.parquet` is missing",
            dir.display()
        )));
    }
    crate::frame::read_parquet(&path)
        .map_err(|e| Error::Output(format!("cannot read `{}`: {e}", path.display())))
}

/// The rows of `period` when the table has a `period` column (a monitoring run's).
fn of_period(df: DataFrame, period: &str) -> Result<DataFrame> {
    if df.column("period").is_err() {
        return Ok(df);
    }
    Ok(df.lazy().filter(col("period").eq(lit(period))).collect()?)
}

fn text(df: &DataFrame, c: &str) -> Result<Vec<String>> {
    Ok(strings(df, c)?
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect())
}

/// The `level` column as `Level`s; an unknown text means the folder is not ours.
fn levels(df: &DataFrame, dir: &Path) -> Result<Vec<Level>> {
    text(df, "level")?
        .iter()
        .map(|l| {
            Level::parse(l).ok_or_else(|| {
                Error::Output(format!(
                    "`{}` has a table with an unknown level `{l}`",
                    dir.display()
                ))
            })
        })
        .collect()
}

fn bools(df: &DataFrame, c: &str) -> Result<Vec<Option<bool>>> {
    Ok(df.column(c)?.bool()?.iter().collect())
}

impl RunView {
    pub fn load(dir: &Path) -> Result<RunView> {
        RunView::load_period(dir, None)
    }

    /// The view of one period of a monitoring run (`None`: the report's, the last). The
    /// outlier flags are the report period's only (the run judges its last period); changes
    /// hold every period.
    pub fn load_period(dir: &Path, period: Option<&str>) -> Result<RunView> {
        let manifest = crate::manifest::Manifest::read(dir)?;
        let mut run = manifest.run.clone();
        if let Some(p) = period {
            if p != run.period {
                let known = manifest
                    .periods
                    .iter()
                    .find(|x| x.period == p)
                    .ok_or_else(|| {
                        Error::Output(format!(
                            "`{}` has no period `{p}` (periods: {})",
                            dir.display(),
                            manifest
                                .periods
                                .iter()
                                .map(|x| x.period.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                    })?;
                run.period = known.period.clone();
                run.period_start = known.period_start.clone();
                run.period_end = known.period_end.clone();
            }
        }
        let report_period = period.is_none_or(|p| p == manifest.run.period);

        // A monitoring run's tables hold every period: the view is of the report's period.
        let p = of_period(read_parquet(dir, "profile")?, &run.period)?;
        let level = levels(&p, dir)?;
        let code = text(&p, "area_code")?;
        let name = text(&p, "area_name")?;
        let suppressed = bools(&p, "suppressed")?;
        let f = |c: &str| floats(&p, c);
        let (persons, years, cost, per_iy, norm, oe, res, res_iy, wmo) = (
            f("insured_persons")?,
            f("insured_years")?,
            f("zvw_cost_eur")?,
            f("zvw_cost_per_insured_year")?,
            f("norm_cost_per_insured_year")?,
            f("oe_ratio")?,
            f("resultaat_eur")?,
            f("resultaat_per_insured_year")?,
            f("wmo_clients_per_1000")?,
        );
        // Run folders of manifest format 1 have no such column: plot O/E itself there.
        let oe_flags = if p.column(crate::columns::OE_FOR_FLAGS).is_ok() {
            f(crate::columns::OE_FOR_FLAGS)?
        } else {
            oe.clone()
        };
        // Columns later rounds added: absent (None) in older run folders.
        let optional = |c: &str| -> PolarsResult<Vec<Option<f64>>> {
            if p.column(c).is_ok() {
                f(c)
            } else {
                Ok(vec![None; p.height()])
            }
        };
        let (exp_nl, oe_nl, gem_nl, s65, s75) = (
            optional(crate::columns::EXPECTED_NL)?,
            optional(crate::columns::OE_NL)?,
            optional(crate::columns::GEMEENTE_VEKTIS)?,
            optional("share_65plus")?,
            optional("share_75plus")?,
        );
        let care: Vec<Vec<Option<f64>>> = CARE_TYPES
            .iter()
            .map(|ct| f(&format!("zvw_{ct}_per_insured_year")))
            .collect::<PolarsResult<_>>()?;
        let areas: Vec<AreaRow> = (0..p.height())
            .map(|i| AreaRow {
                level: level[i],
                code: code[i].clone(),
                name: name[i].clone(),
                suppressed: suppressed[i].unwrap_or(true),
                insured_persons: persons[i],
                insured_years: years[i],
                zvw_cost_eur: cost[i],
                zvw_per_iy: per_iy[i],
                norm_per_iy: norm[i],
                oe: oe[i],
                oe_for_flags: oe_flags[i],
                resultaat_eur: res[i],
                resultaat_per_iy: res_iy[i],
                wmo_per_1000: wmo[i],
                care: care.iter().map(|c| c[i]).collect(),
                expected_nl: exp_nl[i],
                oe_nl: oe_nl[i],
                gemeente_vektis_piy: gem_nl[i],
                share_65plus: s65[i],
                share_75plus: s75[i],
            })
            .collect();

        let mut o = read_parquet(dir, "outliers")?;
        if !report_period {
            o = o.clear();
        }
        let (ol, oc, on, om) = (
            levels(&o, dir)?,
            text(&o, "area_code")?,
            text(&o, "area_name")?,
            text(&o, "metric")?,
        );
        let (obs, exp, z) = (
            floats(&o, "observed")?,
            floats(&o, "expected")?,
            floats(&o, "z")?,
        );
        let (lim, dir_) = (text(&o, "limit")?, text(&o, "direction")?);
        let flags = (0..o.height())
            .map(|i| FlagRow {
                level: ol[i],
                code: oc[i].clone(),
                name: on[i].clone(),
                metric: om[i].clone(),
                observed: obs[i].unwrap_or(f64::NAN),
                expected: exp[i].unwrap_or(f64::NAN),
                z: z[i].unwrap_or(f64::NAN),
                limit: lim[i].clone(),
                direction: dir_[i].clone(),
            })
            .collect();

        let g = of_period(read_parquet(dir, "segments")?, &run.period)?;
        let sf = |c: &str| floats(&g, c);
        let (seg, area, filter) = (
            text(&g, "segment")?,
            text(&g, "area_code")?,
            text(&g, "filter")?,
        );
        let (persons, share, cpp, rest, rr, cv) = (
            sf("persons")?,
            sf("share_of_area")?,
            sf("cost_per_person")?,
            sf("cost_per_person_rest")?,
            sf("relative_rate")?,
            sf("cv_cost")?,
        );
        let (passes, sup) = (bools(&g, "passes_volume")?, bools(&g, "suppressed")?);
        let segments = (0..g.height())
            .map(|i| SegmentRow {
                segment: seg[i].clone(),
                area_code: area[i].clone(),
                suppressed: sup[i].unwrap_or(true),
                persons: persons[i],
                share_of_area: share[i],
                cost_per_person: cpp[i],
                cost_per_person_rest: rest[i],
                relative_rate: rr[i],
                cv_cost: cv[i],
                passes_volume: passes[i],
                filter: filter[i].clone(),
            })
            .collect();

        let index = areas
            .iter()
            .enumerate()
            .map(|(i, a)| ((a.level, a.code.clone()), i))
            .collect();
        Ok(RunView {
            index,
            dir: dir.to_path_buf(),
            name: run.name,
            period: run.period,
            period_start: run.period_start,
            period_end: run.period_end,
            min_cell: run.min_cell,
            levels: run.levels,
            overdispersion: serde_json::to_value(manifest.outliers.overdispersion)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_else(|| "none".into()),
            min_volume: run.focus_min_volume,
            focus_areas: run.focus_areas,
            areas,
            flags,
            segments,
            periods: manifest.periods.iter().map(|p| p.period.clone()).collect(),
            changes: read_changes(dir)?,
            practices: Practices::load(dir)?,
            effects: effects::Effects::load(dir)?,
            manifest,
        })
    }

    /// One area's (or segment's) rows of a metric, in period order.
    pub fn series(&self, code: &str, segment: Option<&str>, metric: &str) -> Vec<&ChangeRow> {
        let mut rows: Vec<&ChangeRow> = self
            .changes
            .iter()
            .filter(|r| r.code == code && r.segment.as_deref() == segment && r.metric == metric)
            .collect();
        rows.sort_by_key(|r| self.periods.iter().position(|p| *p == r.period));
        rows
    }

    /// The rows of the report's period at `level` for `metric` (areas, not segments).
    pub fn latest_changes(&self, level: Level, metric: &str) -> Vec<&ChangeRow> {
        self.changes
            .iter()
            .filter(|r| {
                r.level == level
                    && r.segment.is_none()
                    && r.metric == metric
                    && r.period == self.period
            })
            .collect()
    }

    /// The published areas of one level that are not suppressed.
    pub fn shown(&self, level: Level) -> impl Iterator<Item = &AreaRow> {
        self.areas
            .iter()
            .filter(move |a| a.level == level && !a.suppressed)
    }

    /// The area with this code, at the level its code belongs to (pc5, CBS code or TOTAAL).
    pub fn area(&self, code: &str) -> Option<&AreaRow> {
        let level = Level::of_code(code).unwrap_or(if code == crate::domain::TOTAL_CODE {
            Level::Total
        } else {
            Level::Pc5
        });
        self.index
            .get(&(level, code.to_string()))
            .map(|&i| &self.areas[i])
    }

    /// The levels charts are drawn for: the run's levels with more than one area.
    pub fn chart_levels(&self) -> Vec<Level> {
        self.levels
            .iter()
            .copied()
            .filter(|l| *l != Level::Total)
            .filter(|l| self.areas.iter().filter(|a| a.level == *l).count() > 1)
            .collect()
    }

    /// The O/E funnel at `level`, from the fit in the manifest.
    pub fn funnel(&self, level: Level) -> Option<FunnelFit> {
        let fit = self
            .manifest
            .outliers
            .fits
            .iter()
            .find(|f| f.level == level && f.metric == "oe_norm")?;
        Some(FunnelFit {
            sigma_eur: fit.sigma_eur?,
            norm_per_iy: fit.norm_per_insured_year?,
            phi: fit.phi,
            tau2: fit.tau2,
            widened: fit.widened,
        })
    }

    /// Focus areas named in the run, else every gemeente.
    pub fn focus_area_codes(&self) -> Vec<String> {
        if !self.focus_areas.is_empty() {
            return self.focus_areas.clone();
        }
        let mut codes: Vec<String> = Vec::new();
        for s in &self.segments {
            if !codes.contains(&s.area_code) {
                codes.push(s.area_code.clone());
            }
        }
        if codes.is_empty() {
            codes = self
                .areas
                .iter()
                .filter(|a| a.level == Level::Gemeente)
                .map(|a| a.code.clone())
                .collect();
        }
        codes
    }
}
