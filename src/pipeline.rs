//! Runs the stages in order and writes the run folder atomically: everything is written into
//! a hidden sibling folder first and renamed into place only when the whole run succeeded.

use crate::config::Settings;
use crate::error::{Error, Result};
use crate::manifest::{Manifest, OutliersRecord, Reconciliation, RunInfo};
use crate::progress::Reporter;
use crate::stages::compute::{self, FileNames, Profiled};
use crate::stages::load::{self, format_problems, Checked, InputSet, Problem};
use crate::stages::profile::{level_rank, Inputs};
use polars::prelude::*;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What `validate` found: every problem, and the rows per input.
pub struct Validated {
    pub checked: Vec<Checked>,
    pub problems: Vec<Problem>,
    pub inputs: InputSet,
}

impl Validated {
    pub fn fatal(&self) -> bool {
        self.problems.iter().any(Problem::is_fatal)
    }
}

/// Checks all inputs; `claim_ids` adds the (heavier) conflicting-claim-id check, which a run
/// gets for free from its profile query instead.
pub fn validate(
    settings: &Settings,
    claim_ids: bool,
    reporter: &dyn Reporter,
) -> Result<Validated> {
    reporter.start("validate", None);
    let (inputs, mut problems) = load::find_inputs(&settings.inputs);
    let checked = load::check_all(&inputs, &settings.period);
    for c in &checked {
        problems.extend(c.problems.iter().cloned());
    }
    // The optional map geometry is an input too: a broken file stops the run before any
    // work, features the maps cannot place are a warning.
    if let Some(path) = &inputs.geometry {
        let name = path.display().to_string();
        match crate::geometry::MapGeometry::read(path) {
            Err(message) => problems.push(Problem::error(&name, None, message)),
            Ok(g) if g.uncoded > 0 => problems.push(Problem::warning(
                &name,
                None,
                format!(
                    "{} feature{} without a CBS buurt, wijk or gemeente code in any property, left out of the maps",
                    g.uncoded,
                    if g.uncoded == 1 { "" } else { "s" }
                ),
            )),
            Ok(_) => {}
        }
    }
    if claim_ids {
        if let Some(c) = checked.iter().find(|c| c.file.spec.name == "zvw_claims") {
            if let Some(typed) = &c.typed {
                if let Some(p) = load::claim_id_conflicts(typed, &c.file.display_name())? {
                    problems.push(p);
                }
            }
        }
    }
    reporter.finish();
    Ok(Validated {
        checked,
        problems,
        inputs,
    })
}

/// Finds, checks and types the inputs of a folder; fails with every fatal problem.
pub fn load(dir: &Path, period: &crate::domain::Period) -> Result<(Validated, Inputs)> {
    let settings = Settings {
        name: String::new(),
        pipeline_file: None,
        inputs: dir.to_path_buf(),
        period: *period,
        out: PathBuf::new(),
        min_cell: crate::config::DEFAULT_MIN_CELL,
        levels: Vec::new(),
        force: false,
        lang: crate::report::text::Lang::Nl,
        focus: crate::config::FocusSettings {
            areas: Vec::new(),
            min_volume: crate::config::DEFAULT_MIN_VOLUME,
            segments: Vec::new(),
            propose: false,
            max_depth: 4,
        },
        outliers: crate::stages::outliers::Settings::default(),
    };
    let v = validate(&settings, false, &crate::progress::Silent)?;
    if v.fatal() {
        return Err(Error::Input {
            report: format_problems(&v.problems),
        });
    }
    let inputs = typed_inputs(&v)?;
    Ok((v, inputs))
}

pub fn file_names(v: &Validated) -> FileNames {
    let name = |n: &str| {
        v.inputs
            .get(n)
            .map(|f| f.display_name())
            .unwrap_or_else(|| n.to_string())
    };
    FileNames {
        insured: name("insured"),
        zvw_claims: name("zvw_claims"),
        norm_costs: name("norm_costs"),
    }
}

/// The typed frames of a validation without fatal problems.
pub fn typed_inputs(v: &Validated) -> Result<Inputs> {
    let get = |name: &str| -> Result<LazyFrame> {
        v.checked
            .iter()
            .find(|c| c.file.spec.name == name)
            .and_then(|c| c.typed.clone())
            .ok_or_else(|| Error::Other(format!("input `{name}` is not usable")))
    };
    Ok(Inputs {
        insured: get("insured")?,
        claims: get("zvw_claims")?,
        wmo: get("wmo_provisions")?,
        norm: get("norm_costs")?,
        areas: get("areas")?,
        claims_total: v
            .checked
            .iter()
            .find(|c| c.file.spec.name == "zvw_claims")
            .and_then(|c| c.amount_cents.map(|cents| (c.rows as i64, cents))),
    })
}

fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Refuses to start when the run folder exists and `--force` was not given.
pub fn check_out(settings: &Settings) -> Result<()> {
    // A killed earlier run may have left a staging folder, or the previous run renamed aside.
    crate::run_folder::recover(&settings.out)?;
    if settings.out.exists() && !settings.force {
        return Err(Error::Output(format!(
            "run folder `{}` already exists; use `--force` to replace it",
            settings.out.display()
        )));
    }
    Ok(())
}

/// Flags, fits and the cost basis, from `stages::outliers::detect`.
pub type Outliers = crate::stages::outliers::Detected;

pub struct RunSummary {
    pub out: PathBuf,
    pub warnings: Vec<Problem>,
    pub profiled: Profiled,
    pub outliers: Outliers,
}

/// validate → profile → reconcile → suppress → write.
pub fn run(settings: &Settings, reporter: &dyn Reporter) -> Result<RunSummary> {
    check_out(settings)?;
    // Segment filters are checked before any data is read.
    let segments =
        crate::stages::focus::compile_all(&settings.focus.segments).map_err(|e| Error::Config {
            path: settings
                .pipeline_file
                .clone()
                .unwrap_or_else(|| "command line".into()),
            message: e.to_string(),
        })?;
    let mut timings = BTreeMap::new();
    let t = Instant::now();
    let validated = validate(settings, false, reporter)?;
    timings.insert("validate".to_string(), t.elapsed().as_secs_f64());
    crate::run_folder::abort_point("validate");
    if validated.fatal() {
        return Err(Error::Input {
            report: format_problems(&validated.problems),
        });
    }
    let inputs = typed_inputs(&validated)?;
    let files = file_names(&validated);

    let t = Instant::now();
    let mut profiled = compute::compute(
        &inputs,
        &settings.period,
        settings.min_cell,
        &files,
        reporter,
    )?;
    timings.insert("profile".to_string(), t.elapsed().as_secs_f64());
    crate::run_folder::abort_point("profile");

    let t = Instant::now();
    reporter.start("outliers", None);
    let outliers = crate::stages::outliers::detect(
        &profiled.raw,
        &profiled.profile,
        &profiled.persons,
        settings.outliers,
        settings.min_cell,
    )?;
    // The O/E the flags judge goes beside the profile's own, so the funnel chart can be
    // redrawn from the run folder (null where not judged, e.g. suppressed rows).
    profiled.profile.with_column(Column::new(
        crate::columns::OE_FOR_FLAGS.into(),
        outliers.oe_for_flags.clone(),
    ))?;
    reporter.finish();
    timings.insert("outliers".to_string(), t.elapsed().as_secs_f64());
    crate::run_folder::abort_point("outliers");

    let t = Instant::now();
    reporter.start("focus", None);
    let focused = crate::stages::focus::run(
        &profiled.persons,
        &segments,
        &settings.focus,
        settings.min_cell,
    )?;
    reporter.finish();
    timings.insert("focus".to_string(), t.elapsed().as_secs_f64());
    crate::run_folder::abort_point("focus");

    let t = Instant::now();
    let staging = crate::run_folder::staging_dir(&settings.out);
    let written = write_run(
        settings,
        &validated,
        &profiled,
        Tables {
            outliers: &outliers,
            segments: focused.table,
            segment_suppression: &focused.suppression,
        },
        &staging,
        &mut timings,
        t,
    )
    .and_then(|()| {
        // Charts and report are drawn from the written folder, as `wijkscan report` does.
        reporter.start("report", None);
        let rendered = crate::report::render(&staging, settings.lang);
        reporter.finish();
        add_to_manifest(&staging, &rendered?)
    });
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    crate::run_folder::abort_point("report");
    if let Err(e) = crate::run_folder::publish(&staging, &settings.out) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(Error::Output(format!(
            "cannot move the run into `{}`: {e}",
            settings.out.display()
        )));
    }
    // The private cache for working sessions (person-level: beside the run, never in it). The
    // run is complete without it, so a failure here is a warning.
    let t = Instant::now();
    if let Err(e) = crate::cache::write(&settings.out, &profiled) {
        eprintln!("wijkscan: warning: the private cache for working sessions was not written: {e}");
    }
    tracing::info!(seconds = t.elapsed().as_secs_f64(), "private cache");
    let mut warnings: Vec<Problem> = validated
        .problems
        .into_iter()
        .filter(|p| !p.is_fatal())
        .collect();
    warnings.extend(profiled.warnings.iter().cloned());
    Ok(RunSummary {
        out: settings.out.clone(),
        warnings,
        profiled,
        outliers,
    })
}

/// The published profile restricted to the levels asked for, in a fixed order.
pub fn published_profile(profiled: &Profiled, levels: &[String]) -> Result<DataFrame> {
    let levels: Vec<&str> = levels.iter().map(String::as_str).collect();
    Ok(profiled
        .profile
        .clone()
        .lazy()
        .filter(col("level").is_in(load::str_list(&levels), false))
        .sort_by_exprs(
            [level_rank(), col("area_code")],
            SortMultipleOptions::default(),
        )
        .collect()?)
}

pub fn write_table(df: &mut DataFrame, dir: &Path, stem: &str) -> Result<Vec<String>> {
    let parquet = dir.join(format!("{stem}.parquet"));
    ParquetWriter::new(std::fs::File::create(&parquet)?).finish(df)?;
    let csv = dir.join(format!("{stem}.csv"));
    CsvWriter::new(std::fs::File::create(&csv)?)
        .include_header(true)
        .finish(df)?;
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
    outliers: &'a Outliers,
    segments: DataFrame,
    segment_suppression: &'a crate::stages::segment_privacy::SegmentSuppression,
}

fn write_run(
    settings: &Settings,
    validated: &Validated,
    profiled: &Profiled,
    tables: Tables,
    dir: &Path,
    timings: &mut BTreeMap<String, f64>,
    started: Instant,
) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    let mut outputs = Vec::new();
    let mut profile = published_profile(profiled, &settings.levels)?;
    outputs.extend(write_table(&mut profile, dir, "profile")?);
    crate::run_folder::abort_point("table");
    let (outliers, mut segments) = (tables.outliers, tables.segments);
    let segment_suppression = tables.segment_suppression;
    outputs.extend(write_table(&mut segments, dir, "segments")?);
    let mut flags = crate::stages::outliers::to_frame(&outliers.flags)?;
    outputs.extend(write_table(&mut flags, dir, "outliers")?);
    // The geometry travels with the run, so `wijkscan report` can redraw the maps later.
    if let Some(g) = &validated.inputs.geometry {
        std::fs::copy(g, dir.join(crate::columns::GEOMETRY_FILE))?;
        outputs.push(crate::columns::GEOMETRY_FILE.into());
    }
    timings.insert("write".to_string(), started.elapsed().as_secs_f64());
    crate::run_folder::abort_point("tables");

    // Checksums of the inputs, files in parallel (plain file reads, no polars inside).
    let inputs: Vec<crate::manifest::InputRecord> = validated
        .checked
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
                sha256: sha256_file(&c.file.path)?,
                rows: c.rows,
            })
        })
        .collect::<std::io::Result<_>>()?;

    let mut warnings: Vec<Problem> = validated
        .problems
        .iter()
        .filter(|p| !p.is_fatal())
        .cloned()
        .collect();
    warnings.extend(profiled.warnings.iter().cloned());
    outputs.push(crate::manifest::FILE.into());
    let manifest = Manifest {
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
        timings_seconds: timings.clone(),
        outputs,
    };
    manifest.write(dir)?;
    crate::run_folder::abort_point("manifest");
    Ok(())
}
