//! Writes a run folder: tables, manifest, then charts and report drawn from the written
//! folder (as `wijkscan report` does), all in a staging folder renamed into place at the end;
//! then the private cache beside it.

use super::{Computed, Validated};
use crate::config::Settings;
use crate::domain::Level;
use crate::error::{Error, Result};
use crate::manifest::{Manifest, OutliersRecord, PeriodRecord, Reconciliation, RunInfo};
use crate::problem::Problem;
use crate::progress::Reporter;
use crate::stages::profile::levels::level_rank;
use polars::prelude::*;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

/// Writes the run folder of what `execute` computed, atomically, then the private cache.
pub(super) fn publish(
    settings: &Settings,
    computed: &mut Computed,
    reporter: &dyn Reporter,
) -> Result<()> {
    let (Some(validated), Some(outliers), Some(focused)) = (
        computed.validated.as_ref(),
        computed.outliers.as_ref(),
        computed.focused.as_ref(),
    ) else {
        return Err(Error::Other(
            "a run folder is written only from validated inputs with every stage run".into(),
        ));
    };
    let t = Instant::now();
    let staging = crate::run_folder::staging_dir(&settings.out);
    // The private cache's person-level frames (for working sessions; beside the run, never in
    // it) are written aside while the run folder is; tied to the run once it is published.
    let (written, cache) = rayon::join(
        || {
            write_run(
                settings,
                validated,
                computed,
                Tables {
                    outliers,
                    segments: focused.table.clone(),
                    segment_suppression: &focused.suppression,
                },
                &staging,
                t,
            )
            .and_then(|timings| {
                // Charts and report are drawn from the written folder, as `wijkscan report` does.
                reporter.start("report", None);
                let rendered = crate::report::render(&staging, settings.lang);
                reporter.finish();
                add_to_manifest(&staging, &rendered?).map(|()| timings)
            })
        },
        || {
            let t = Instant::now();
            let panel = computed.monitoring.as_ref().map(|m| &m.panel);
            let staged = super::cache::stage(&settings.out, &computed.profiled, panel);
            tracing::info!(seconds = t.elapsed().as_secs_f64(), "private cache frames");
            staged
        },
    );
    match written {
        Ok(timings) => computed.timings = timings,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            drop(cache); // removes the frames written aside
            return Err(e);
        }
    }
    crate::run_folder::abort_point("report");
    if let Err(e) = crate::run_folder::publish_run(&staging, &settings.out) {
        let _ = std::fs::remove_dir_all(&staging);
        drop(cache);
        return Err(Error::Output(format!(
            "cannot move the run into `{}`: {e}",
            settings.out.display()
        )));
    }
    // The private cache for working sessions (person-level: beside the run, never in it). The
    // run is complete without it, so a failure here is a warning.
    let t = Instant::now();
    if let Err(e) = cache.and_then(|c| super::cache::finish(c, &settings.out, &computed.profiled)) {
        eprintln!("wijkscan: warning: the private cache for working sessions was not written: {e}");
    }
    tracing::info!(seconds = t.elapsed().as_secs_f64(), "private cache");
    Ok(())
}

/// The published profile restricted to the levels asked for, in a fixed order.
pub fn published_profile(profile: &DataFrame, levels: &[Level]) -> Result<DataFrame> {
    let levels: Vec<&str> = levels.iter().map(|l| l.as_str()).collect();
    Ok(profile
        .clone()
        .lazy()
        .filter(col("level").is_in(crate::stages::inputs::rules::str_list(&levels), false))
        .sort_by_exprs(
            [level_rank(), col("area_code")],
            SortMultipleOptions::default(),
        )
        .collect()?)
}

/// `stem.parquet` and `stem.csv`, written side by side: each writer leaves a core idle much
/// of the time.
pub fn write_table(df: &mut DataFrame, dir: &Path, stem: &str) -> Result<Vec<String>> {
    let t = Instant::now();
    let parquet = dir.join(format!("{stem}.parquet"));
    let csv = dir.join(format!("{stem}.csv"));
    let mut for_csv = df.clone();
    let (p, c) = rayon::join(
        || -> Result<()> {
            ParquetWriter::new(std::fs::File::create(&parquet)?).finish(df)?;
            Ok(())
        },
        || -> Result<()> {
            CsvWriter::new(std::fs::File::create(&csv)?)
                .include_header(true)
                .finish(&mut for_csv)?;
            Ok(())
        },
    );
    p?;
    c?;
    tracing::info!(table = stem, seconds = t.elapsed().as_secs_f64(), "written");
    Ok(vec![format!("{stem}.parquet"), format!("{stem}.csv")])
}

/// Adds the report's files and its chart and page timings to the manifest written before it.
fn add_to_manifest(dir: &Path, rendered: &crate::report::Written) -> Result<()> {
    let mut m = Manifest::read(dir)?;
    m.timings_seconds
        .insert("charts".into(), rendered.charts_seconds);
    m.timings_seconds
        .insert("report".into(), rendered.report_seconds);
    m.outputs.extend(rendered.outputs.iter().cloned());
    m.write(dir)
}

/// The tables a run writes beside the profile.
struct Tables<'a> {
    outliers: &'a super::Outliers,
    segments: DataFrame,
    segment_suppression: &'a crate::stages::privacy::segment_cells::SegmentSuppression,
}

/// Tables and manifest into `dir`; returns the stage timings with `write` added.
fn write_run(
    settings: &Settings,
    validated: &Validated,
    computed: &Computed,
    tables: Tables,
    dir: &Path,
    started: Instant,
) -> Result<BTreeMap<String, f64>> {
    let profiled = &computed.profiled;
    let mut timings = computed.timings.clone();
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    let mut outputs = Vec::new();
    let (outliers, segments) = (tables.outliers, tables.segments);
    let segment_suppression = tables.segment_suppression;
    let (mut profile, mut segments) = match &computed.monitoring {
        None => (
            published_profile(&profiled.profile, &settings.levels)?,
            segments,
        ),
        // Every period's table with its `period`, oldest first.
        Some(m) => (
            stack_periods(m, |p| published_profile(&p.profile, &settings.levels))?,
            stack_periods(m, |p| Ok(p.segments.clone()))?,
        ),
    };
    outputs.extend(write_table(&mut profile, dir, "profile")?);
    crate::run_folder::abort_point("table");
    outputs.extend(write_table(&mut segments, dir, "segments")?);
    if let Some(m) = &computed.monitoring {
        let mut table = m.table.clone();
        outputs.extend(write_table(&mut table, dir, "monitoring")?);
        if !m.effects.results.is_empty() {
            let r = &m.effects.results;
            outputs.extend(write_table(
                &mut crate::stages::effects::table::effects(r)?,
                dir,
                "effects",
            )?);
            outputs.extend(write_table(
                &mut crate::stages::effects::table::series(r)?,
                dir,
                "effects_series",
            )?);
        }
    }
    if let Some(v) = &computed.practices {
        outputs.extend(write_table(&mut v.table.clone(), dir, "practices")?);
        outputs.extend(write_table(&mut v.cross.clone(), dir, "practice_areas")?);
        outputs.extend(write_table(
            &mut v.populations.clone(),
            dir,
            "focus_populations",
        )?);
    }
    let mut flags = crate::stages::outliers::flags::to_frame(&outliers.flags)?;
    outputs.extend(write_table(&mut flags, dir, "outliers")?);
    // The geometry travels with the run, so `wijkscan report` can redraw the maps later.
    if let Some(g) = &validated.inputs.geometry {
        std::fs::copy(g, dir.join(crate::columns::GEOMETRY_FILE))?;
        outputs.push(crate::columns::GEOMETRY_FILE.into());
    }
    timings.insert("write".to_string(), started.elapsed().as_secs_f64());
    crate::run_folder::abort_point("tables");

    // Checksums of the inputs (every period's, oldest first), files in parallel (plain file
    // reads, no polars inside).
    let checked: Vec<&crate::stages::inputs::validate::Checked> = computed
        .monitoring
        .iter()
        .flat_map(|m| m.periods.iter().filter_map(|p| p.validated.as_ref()))
        .chain([validated])
        .flat_map(|v| v.checked.iter())
        .collect();
    let inputs: Vec<crate::manifest::InputRecord> = checked
        .par_iter()
        .map(|c| {
            let bytes = std::fs::metadata(&c.file.path)
                .map(|m| m.len())
                .unwrap_or(0);
            Ok(crate::manifest::InputRecord {
                name: c.file.spec.name.to_string(),
                path: std::fs::canonicalize(&c.file.path)
                    .unwrap_or_else(|_| c.file.path.clone())
                    .display()
                    .to_string(),
                bytes,
                sha256: crate::checksum::sha256_file(&c.file.path)?,
                rows: c.rows,
            })
        })
        .collect::<std::io::Result<_>>()?;

    let mut warnings: Vec<Problem> = Vec::new();
    if let Some(m) = &computed.monitoring {
        for p in &m.periods {
            let label = p.period.label();
            warnings.extend(p.warnings.iter().map(|w| Problem {
                period: Some(label.clone()),
                ..w.clone()
            }));
        }
    }
    // A monitoring run's own warnings are its last period's.
    let last = (!settings.periods.is_empty()).then(|| settings.period.label());
    warnings.extend(computed.warnings().into_iter().map(|w| Problem {
        period: last.clone(),
        ..w
    }));
    outputs.push(crate::manifest::FILE.into());
    let manifest = Manifest {
        effects_not_estimated: computed
            .monitoring
            .iter()
            .flat_map(|m| m.effects.failed.iter())
            .map(|(name, why)| crate::manifest::NotEstimated {
                intervention: name.clone(),
                reason: why.clone(),
            })
            .collect(),
        manifest_format: crate::manifest::FORMAT,
        program: crate::manifest::Program::this(),
        run: RunInfo {
            name: settings.name.clone(),
            period: settings.period.label(),
            period_start: settings.period.start.to_string(),
            period_end: settings.period.end.to_string(),
            min_cell: settings.min_cell,
            levels: settings.levels.clone(),
            focus_min_volume: settings.focus.min_volume,
            focus_areas: settings.focus.areas.clone(),
            pipeline_file: settings
                .pipeline_file
                .as_ref()
                .map(|p| p.display().to_string()),
        },
        periods: computed
            .monitoring
            .iter()
            .flat_map(|m| m.periods.iter())
            .map(|p| PeriodRecord {
                period: p.period.label(),
                period_start: p.period.start.to_string(),
                period_end: p.period.end.to_string(),
                // Absolute, as the input paths, so stage commands find it from any folder.
                inputs_dir: {
                    let dir = settings.for_period(p.period).inputs;
                    std::fs::canonicalize(&dir)
                        .unwrap_or(dir)
                        .display()
                        .to_string()
                },
                extracted_on: p.extracted_on.to_string(),
                extracted_on_source: p.extracted_on_source.to_string(),
                provisional: p.provisional,
                reconciliation: Reconciliation {
                    wmo: p.wmo.clone(),
                    zvw: p.zvw.clone(),
                },
                suppression: p.suppression.clone(),
            })
            .collect(),
        inputs,
        warnings,
        reconciliation: Reconciliation {
            wmo: profiled.wmo.clone(),
            zvw: profiled.zvw.clone(),
        },
        suppression: profiled.suppression.clone(),
        segment_suppression: segment_suppression.clone(),
        outliers: OutliersRecord {
            overdispersion: settings.outliers.method,
            phi_estimator: outliers.basis.estimator.clone(),
            flags: outliers.flags.len(),
            fits: outliers.fits.clone(),
            cost_basis: outliers.basis.clone(),
        },
        practices: computed
            .practices
            .as_ref()
            .map(|v| crate::manifest::PracticesRecord {
                located_by_patients: v.located_by_patients,
                cross_level: v.cross_level,
                reconciliation: v.ledger.clone(),
                suppression: v.suppression.clone(),
                outliers: v.fit.clone(),
            }),
        reference: computed.references.records()?,
        timings_seconds: timings.clone(),
        outputs,
    };
    manifest.write(dir)?;
    crate::run_folder::abort_point("manifest");
    Ok(timings)
}

/// One table of every period of a monitoring run, each with its `period` as the last column
/// (columns a period lacks, e.g. the last period's `oe_for_flags`, are null there).
pub(super) fn stack_periods(
    m: &super::period::Monitoring,
    table: impl Fn(&super::period::PeriodOutput) -> Result<DataFrame>,
) -> Result<DataFrame> {
    // The last period's columns and types, `period` last.
    let last = table(m.periods.last().expect("periods"))?;
    let schema = last.schema().clone();
    let mut frames = Vec::new();
    for p in &m.periods {
        let df = table(p)?;
        let mut exprs: Vec<Expr> = schema
            .iter()
            .map(|(name, dtype)| {
                if df.column(name).is_ok() {
                    col(name.clone())
                } else {
                    lit(NULL).cast(dtype.clone()).alias(name.clone())
                }
            })
            .collect();
        exprs.push(lit(p.period.label()).alias("period"));
        frames.push(df.lazy().select(exprs));
    }
    Ok(concat(frames, UnionArgs::default())?.collect()?)
}
