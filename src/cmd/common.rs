//! What several commands share: the pipeline arguments, settings from a pipeline file or a
//! finished run folder, and the stages computed for a command that only prints.

use crate::config::{self, Overrides, Settings};
use crate::domain::{Level, Period};
use crate::error::{Error, Result};
use crate::text::Lang;
use crate::{pipeline, progress};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Pipeline file (TOML), or a finished run folder (stage commands); optional when
    /// --inputs and --period are given.
    pub pipeline: Option<PathBuf>,
    /// Folder with insured, zvw_claims, wmo_provisions, norm_costs, areas (.parquet or .csv).
    #[arg(long)]
    pub inputs: Option<PathBuf>,
    /// Period: YYYY, YYYYQn, or YYYY-MM-DD..YYYY-MM-DD.
    #[arg(long, value_parser = Period::parse)]
    pub period: Option<Period>,
    /// Monitoring: several periods, e.g. 2023Q1..2024Q4, with one input folder per period
    /// (`--inputs DIR` holding `DIR/2023Q1/`, …); the last is the report's period.
    // The full path keeps clap from reading `Vec` as "the flag repeats": one value, a series.
    #[arg(long, value_parser = Period::series)]
    pub periods: Option<std::vec::Vec<Period>>,
    /// Run folder to create.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Smallest number of persons a published cell may describe.
    #[arg(long)]
    pub min_cell: Option<i64>,
    /// Replace an existing run folder.
    #[arg(long)]
    pub force: bool,
    /// Language of the report and charts: nl (default) or en.
    #[arg(long, value_parser = Lang::parse)]
    pub lang: Option<Lang>,
}

impl RunArgs {
    /// The pipeline arguments as overrides; a command adds its own before `settings`.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            inputs: self.inputs.clone(),
            period: self.period,
            periods: self.periods.clone(),
            out: self.out.clone(),
            min_cell: self.min_cell,
            force: self.force,
            lang: self.lang,
            ..Default::default()
        }
    }

    /// A finished run folder named on the command line, if that is what it is.
    pub fn run_folder(&self) -> Option<&Path> {
        self.pipeline
            .as_deref()
            .filter(|p| p.join(crate::manifest::FILE).is_file())
    }
}

/// The settings of a command: the pipeline file, or a finished run folder standing in for its
/// pipeline (its manifest names inputs and period), with the command line's overrides.
pub fn settings(args: &RunArgs, over: Overrides) -> Result<Settings> {
    match args.run_folder() {
        Some(dir) => from_run(dir, over),
        None => config::resolve(args.pipeline.as_deref(), &over),
    }
}

/// Settings to recompute from a finished run (persons are never stored, so stage commands
/// read the same inputs again).
fn from_run(dir: &Path, mut over: Overrides) -> Result<Settings> {
    let m = crate::manifest::Manifest::read(dir)?;
    let path = dir.join(crate::manifest::FILE);
    let bad = |message: String| Error::Config {
        path: path.clone(),
        message,
    };
    let first_input = m
        .inputs
        .first()
        .map(|i| i.path.clone())
        .ok_or_else(|| bad("names no inputs".into()))?;
    // A monitoring run's stage commands work on its last period (the report's), whose folder
    // the manifest records; a one-period run's inputs sit beside its first input file.
    let inputs = match m.periods.last() {
        Some(p) => PathBuf::from(&p.inputs_dir),
        None => Path::new(&first_input)
            .parent()
            .map(Path::to_path_buf)
            .ok_or_else(|| bad("has an input path without a folder".into()))?,
    };
    over.inputs.get_or_insert(inputs);
    // The run folder itself is "the run" (its live-query audit sits beside it).
    over.out.get_or_insert(dir.to_path_buf());
    if over.period.is_none() {
        let text = format!("{}..{}", m.run.period_start, m.run.period_end);
        over.period = Some(Period::parse(&text).map_err(bad)?);
    }
    if over.min_cell.is_none() {
        over.min_cell = Some(m.run.min_cell);
    }
    let pipeline = m
        .run
        .pipeline_file
        .map(PathBuf::from)
        .filter(|p| p.is_file());
    config::resolve(pipeline.as_deref(), &over)
}

/// Runs up to `upto` for a stage command that only prints: from the run's private cache when
/// the command names a finished run whose cache belongs to it, else from the inputs.
pub fn computed(
    s: &Settings,
    args: &RunArgs,
    upto: pipeline::Stage,
    reporter: &dyn progress::Reporter,
) -> Result<pipeline::Computed> {
    let source = match args.run_folder() {
        Some(dir) => pipeline::Source::CacheOf(dir),
        None => pipeline::Source::Inputs,
    };
    pipeline::execute(s, upto, source, reporter)
}

// `--level` of `profile` and `outliers`: clap checks the name and lists the levels in --help.
impl clap::ValueEnum for Level {
    fn value_variants<'a>() -> &'a [Self] {
        &Level::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}
