//! Command-line structs only; no logic.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "wijkscan",
    version,
    about = "Population health analytics per neighbourhood: profile, reconcile, suppress, report"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run everything a pipeline file (or --inputs/--period/--out) describes.
    Run(RunArgs),
    /// Check the inputs against the data contract and report every problem.
    Validate(RunArgs),
    /// Print the (suppressed) profile of one level as a table; writes nothing.
    Profile(ProfileArgs),
    /// Judge focus groups in focus areas and print them; try a filter live with --segment.
    Focus(FocusArgs),
    /// Print the outlier flags (funnel limits, overdispersion-corrected); writes nothing.
    Outliers(OutliersArgs),
    /// Re-render the charts and report.html of a finished run folder (no recomputation).
    Report(ReportArgs),
    /// Write realistic synthetic extracts (seeded, deterministic).
    Sample(SampleArgs),
    /// Import public reference data (Vektis open data) into a normalised table.
    #[command(subcommand)]
    Reference(ReferenceCommand),
}

#[derive(Debug, Subcommand)]
pub enum ReferenceCommand {
    /// Vektis open data, Zvw cost per gemeente × sex × age class, any year from 2011:
    /// writes vektis.parquet, vektis.csv and reference_vektis.json into --out.
    Vektis(ReferenceArgs),
    /// CBS kerncijfers wijken en buurten (StatLine CSV, any year from 2013): writes cbs.parquet,
    /// cbs.csv and reference_cbs.json into --out.
    Cbs(ReferenceArgs),
}

#[derive(Debug, Args)]
pub struct ReferenceArgs {
    /// The downloaded files (CSV, the year in the file name).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Folder to write the table into (created; existing files are replaced).
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A finished run folder (with manifest.json).
    pub run_dir: PathBuf,
    /// Language of the report and charts: nl (default) or en.
    #[arg(long, default_value = "nl")]
    pub lang: String,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Pipeline file (TOML), or a finished run folder (stage commands); optional when
    /// --inputs and --period are given.
    pub pipeline: Option<PathBuf>,
    /// Folder with insured, zvw_claims, wmo_provisions, norm_costs, areas (.parquet or .csv).
    #[arg(long)]
    pub inputs: Option<PathBuf>,
    /// Period: YYYY, YYYYQn, or YYYY-MM-DD..YYYY-MM-DD.
    #[arg(long)]
    pub period: Option<String>,
    /// Monitoring: several periods, e.g. 2023Q1..2024Q4, with one input folder per period
    /// (`--inputs DIR` holding `DIR/2023Q1/`, …); the last is the report's period.
    #[arg(long)]
    pub periods: Option<String>,
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
    #[arg(long)]
    pub lang: Option<String>,
}

#[derive(Debug, Args)]
pub struct SampleArgs {
    /// Folder to write the extracts into.
    #[arg(long)]
    pub out: PathBuf,
    /// Insured persons.
    #[arg(long, default_value_t = 20_000)]
    pub persons: usize,
    /// Period the extracts cover.
    #[arg(long, default_value = "2024Q3")]
    pub period: String,
    /// A series instead: one folder per period (e.g. 2022Q1..2024Q4) of one persistent
    /// population, with a pipeline.toml to run it.
    #[arg(long)]
    pub periods: Option<String>,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Claim lines per person per insured year.
    #[arg(long, default_value_t = 28.0)]
    pub lines_per_person_year: f64,
    /// Leave out the realistic dirt (duplicates, corrections, unknown persons and pc5s, …).
    #[arg(long)]
    pub clean: bool,
    /// Replace an existing folder.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ProfileArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Level to print: pc5, buurt, wijk, gemeente or total.
    #[arg(long, default_value = "wijk")]
    pub level: String,
}

#[derive(Debug, Args)]
pub struct FocusArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Focus area code (BU…, WK… or GM…); repeatable. Default: the pipeline's, else every gemeente.
    #[arg(long = "area")]
    pub areas: Vec<String>,
    /// A segment filter to try, e.g. "household = 'single' AND care_forms >= 3"; repeatable.
    #[arg(long = "segment")]
    pub segments: Vec<String>,
    /// Only the --segment filters, not the built-in and pipeline segments.
    #[arg(long)]
    pub only: bool,
    /// Skip the regression-tree proposals.
    #[arg(long)]
    pub no_propose: bool,
    /// Start a new live-query audit for this run: earlier answers are forgotten (say why).
    #[arg(long)]
    pub reset: bool,
}

#[derive(Debug, Args)]
pub struct OutliersArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Only this level: pc5, buurt, wijk or gemeente.
    #[arg(long)]
    pub level: Option<String>,
    /// Overdispersion correction: none, multiplicative or additive.
    #[arg(long)]
    pub overdispersion: Option<String>,
    /// Flag raw cost instead of cost capped per person at the 99th percentile (METHODS 8).
    #[arg(long)]
    pub uncapped: bool,
    /// φ estimator for the overdispersion: mad (default) or winsorised (FunnelPlotR).
    #[arg(long)]
    pub phi_estimator: Option<String>,
}
