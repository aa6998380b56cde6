//! What the server holds for a run, loaded once at start: each period's view (the published
//! tables read back), the published profile table, the geometry, and — when the private cache
//! belongs to the run — the person features for live focus groups, split by gemeente. Charts
//! are drawn on first request and kept.

use super::session::Session;
use crate::domain::Level;
use crate::error::{Error, Result};
use crate::geometry::MapGeometry;
use crate::text::Lang;
use crate::view::RunView;
use polars::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Person features for live segments; never sent anywhere, only aggregated through
/// `live::answer`.
pub struct Live {
    /// No rows, only the features' schema: the persons are held once, in `by_gemeente`
    /// (a segment, its area and the disclosure check of it lie in one gemeente). Holding the
    /// whole frame beside the split took another 0.6 GB at 2.1 M insured.
    pub features: DataFrame,
    pub by_gemeente: HashMap<String, DataFrame>,
    /// Feature names and, for coded features, their values (with at least min_cell persons).
    pub vocabulary: BTreeMap<String, Vec<String>>,
    /// The period the cache holds (the run's own, its last).
    pub period: String,
}

pub struct Served {
    pub dir: PathBuf,
    pub lang: Lang,
    /// Periods oldest first (one for a one-period run).
    pub periods: Vec<String>,
    /// The run's own period (its last): the one flags and live segments are of.
    pub run_period: String,
    /// Each period's view, read when first asked for (the run's own at start): a twelve-quarter
    /// whole book took 8.8 s and 4.8 GB to serve with every period read up front.
    views: Mutex<BTreeMap<String, std::sync::Arc<RunView>>>,
    /// `profile.parquet` as published (suppressed cells null), every period.
    pub profile: DataFrame,
    /// The other published tables the page shows (those the run has), by stem.
    pub tables: BTreeMap<&'static str, DataFrame>,
    pub geometry: Option<MapGeometry>,
    /// The features, or why live segments are not available.
    pub live: std::result::Result<Live, String>,
    pub session: Mutex<Session>,
    pub min_cell: i64,
    pub min_volume: i64,
    charts: Mutex<HashMap<String, std::sync::Arc<String>>>,
}

/// The published tables besides the profile that pages and downloads show.
pub const TABLES: [&str; 6] = [
    "outliers",
    "segments",
    "monitoring",
    "practices",
    "practice_areas",
    "focus_populations",
];

fn read_parquet(path: &Path) -> Result<DataFrame> {
    crate::frame::read_parquet(path)
        .map_err(|e| Error::Output(format!("cannot read `{}`: {e}", path.display())))
}

impl Served {
    pub fn load(dir: &Path, lang: Lang) -> Result<Served> {
        if let Some(why) = crate::run_folder::not_a_run_folder(dir) {
            return Err(Error::Output(format!(
                "`{}` {why}: `serve` shows a finished run folder",
                dir.display()
            )));
        }
        let report_view = RunView::load(dir)?;
        let run_period = report_view.period.clone();
        let mut periods = report_view.periods.clone();
        if periods.is_empty() {
            periods.push(run_period.clone());
        }
        let min_cell = report_view.min_cell;
        let min_volume = report_view.min_volume.max(min_cell);
        let mut views = BTreeMap::new();
        views.insert(run_period.clone(), std::sync::Arc::new(report_view));
        let profile = read_parquet(&dir.join("profile.parquet"))?;
        let mut tables = BTreeMap::new();
        for stem in TABLES {
            let path = dir.join(format!("{stem}.parquet"));
            if path.is_file() {
                let mut df = read_parquet(&path)?;
                // pc5 rows are most of a whole-book monitoring table (they stay in the CSV):
                // an area page is of a buurt, wijk or gemeente.
                if stem == "monitoring" && df.column("level").is_ok() {
                    df = df.lazy().filter(col("level").neq(lit("pc5"))).collect()?;
                }
                tables.insert(stem, df);
            }
        }
        let geometry_path = dir.join(crate::columns::GEOMETRY_FILE);
        let geometry = if geometry_path.is_file() {
            Some(MapGeometry::read(&geometry_path).map_err(|m| Error::Input {
                report: format!("`{}`: {m}", geometry_path.display()),
            })?)
        } else {
            None
        };
        let live = load_live(dir, min_cell, &run_period);
        Ok(Served {
            dir: dir.to_path_buf(),
            lang,
            periods,
            run_period,
            views: Mutex::new(views),
            profile,
            tables,
            geometry,
            live,
            session: Mutex::new(Session::default()),
            min_cell,
            min_volume,
            charts: Mutex::new(HashMap::new()),
        })
    }

    /// The view of `period` (None: the run's own), read on first use.
    pub fn view(
        &self,
        period: Option<&str>,
    ) -> std::result::Result<std::sync::Arc<RunView>, String> {
        let p = period.unwrap_or(&self.run_period);
        if !self.periods.iter().any(|x| x == p) {
            return Err(format!(
                "the run has no period `{p}` (periods: {})",
                self.periods.join(", ")
            ));
        }
        let mut views = self.views.lock().map_err(|e| poisoned(e).to_string())?;
        if let Some(v) = views.get(p) {
            return Ok(v.clone());
        }
        let v = std::sync::Arc::new(
            RunView::load_period(&self.dir, Some(p)).map_err(|e| e.to_string())?,
        );
        views.insert(p.to_string(), v.clone());
        Ok(v)
    }

    /// The published profile rows of `level` in `period`, in the table's order.
    pub fn profile_rows(&self, level: Level, period: &str) -> Result<DataFrame> {
        let mut lf = self
            .profile
            .clone()
            .lazy()
            .filter(col("level").eq(lit(level.as_str())));
        if self.profile.column("period").is_ok() {
            lf = lf.filter(col("period").eq(lit(period)));
        }
        Ok(lf.collect()?)
    }

    /// A drawn chart by key, drawn once.
    pub fn chart(
        &self,
        key: &str,
        draw: impl FnOnce() -> Result<String>,
    ) -> Result<std::sync::Arc<String>> {
        if let Some(svg) = self.charts.lock().map_err(poisoned)?.get(key) {
            return Ok(svg.clone());
        }
        let svg = std::sync::Arc::new(draw()?);
        self.charts
            .lock()
            .map_err(poisoned)?
            .insert(key.to_string(), svg.clone());
        Ok(svg)
    }
}

pub fn poisoned<T>(_: std::sync::PoisonError<T>) -> Error {
    Error::Other("internal: a lock was poisoned by an earlier failure".into())
}

/// The person features from the run's private cache, or why there are none.
fn load_live(dir: &Path, min_cell: i64, period: &str) -> std::result::Result<Live, String> {
    let lang_free = |e: Error| e.to_string();
    let profiled = crate::pipeline::cache::read(dir, min_cell).map_err(lang_free)?;
    let Some(profiled) = profiled else {
        return Err(format!(
            "the run's private cache (`{}`) is missing or belongs to other inputs; published \
             tables are served, live focus groups need the cache written by `wijkscan run`",
            crate::pipeline::cache::dir(dir).display()
        ));
    };
    let mut features = crate::stages::focus::features::features(profiled.persons.lazy())
        .collect()
        .map_err(|e| e.to_string())?;
    features.rechunk_mut();
    let by_gemeente = crate::frame::by_gemeente(&features).map_err(|e| e.to_string())?;
    let vocabulary = vocabulary(&features, min_cell).map_err(|e| e.to_string())?;
    Ok(Live {
        features: features.clear(),
        by_gemeente,
        vocabulary,
        period: period.to_string(),
    })
}

/// Every feature name; for text features with few values (household, education, sex, age
/// band), the values held by at least `min_cell` persons — area codes and numbers are typed.
pub fn vocabulary(
    features: &DataFrame,
    min_cell: i64,
) -> PolarsResult<BTreeMap<String, Vec<String>>> {
    let mut out = BTreeMap::new();
    for name in crate::stages::focus::features::feature_names() {
        let Ok(c) = features.column(&name) else {
            continue;
        };
        let mut values = Vec::new();
        let coded = c.dtype() == &DataType::String && !name.ends_with("_code") && name != "pc5";
        if coded {
            let counts = features
                .clone()
                .lazy()
                .select([col(name.as_str())])
                .drop_nulls(None)
                .group_by([col(name.as_str())])
                .agg([len().alias("n")])
                .filter(col("n").gt_eq(lit(min_cell)))
                .sort([name.as_str()], SortMultipleOptions::default())
                .collect()?;
            values = crate::frame::strings(&counts, &name)?
                .into_iter()
                .flatten()
                .collect();
            if values.len() > 30 {
                values.clear();
            }
        }
        out.insert(name, values);
    }
    Ok(out)
}
