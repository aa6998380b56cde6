//! One function per subcommand: resolve settings, call the library, print in one voice.
//! The only place that prints to stdout.

use crate::cli::{RunArgs, SampleArgs};
use crate::config::{self, Overrides, Settings};
use crate::domain::Period;
use crate::error::{Error, Result};
use crate::progress;
use crate::stages::load::format_problems;
use crate::{pipeline, sample};

fn settings(args: &RunArgs) -> Result<Settings> {
    let over = Overrides {
        inputs: args.inputs.clone(),
        period: args.period.clone(),
        out: args.out.clone(),
        min_cell: args.min_cell,
        force: args.force,
    };
    config::resolve(args.pipeline.as_deref(), &over)
}

pub fn run(args: &RunArgs) -> Result<u8> {
    let settings = settings(args)?;
    let reporter = progress::for_stderr();
    let summary = pipeline::run(&settings, reporter.as_ref())?;
    for w in &summary.warnings {
        eprintln!("{w}");
    }
    let p = &summary.profiled;
    println!("run written to `{}`", summary.out.display());
    println!(
        "  Zvw: € {} in, € {} in areas; Wmo: € {} in, € {} in areas (reconciled to the cent)",
        p.zvw.input.eur,
        p.zvw
            .buckets
            .last()
            .map(|b| b.eur.clone())
            .unwrap_or_default(),
        p.wmo.input.eur,
        p.wmo
            .buckets
            .last()
            .map(|b| b.eur.clone())
            .unwrap_or_default(),
    );
    println!(
        "  suppressed (min_cell {}): {} rows and {} cells primary, {} rows and {} cells secondary",
        p.suppression.min_cell,
        p.suppression.primary_rows,
        p.suppression.primary_cells,
        p.suppression.secondary_rows,
        p.suppression.secondary_cells
    );
    Ok(0)
}

pub fn validate(args: &RunArgs) -> Result<u8> {
    let settings = settings(args)?;
    let reporter = progress::for_stderr();
    let v = pipeline::validate(&settings, true, reporter.as_ref())?;
    for p in v.problems.iter().filter(|p| !p.is_fatal()) {
        eprintln!("{p}");
    }
    if v.fatal() {
        return Err(Error::Input {
            report: format_problems(&v.problems),
        });
    }
    for c in &v.checked {
        println!(
            "ok  {:<16} {:>12} rows  `{}`",
            c.file.spec.name,
            c.rows,
            c.file.display_name()
        );
    }
    Ok(0)
}

pub fn sample(args: &SampleArgs) -> Result<u8> {
    let period = Period::parse(&args.period).map_err(|m| Error::Config {
        path: "command line".into(),
        message: m,
    })?;
    if args.out.exists() && !args.force && args.out.read_dir()?.next().is_some() {
        return Err(Error::Output(format!(
            "`{}` exists and is not empty; use `--force` to write into it",
            args.out.display()
        )));
    }
    let opts = sample::SampleOptions {
        persons: args.persons,
        period,
        seed: args.seed,
        lines_per_person_year: args.lines_per_person_year,
        dirt: !args.clean,
    };
    let reporter = progress::for_stderr();
    let summary = sample::generate(&opts, &args.out, reporter.as_ref())?;
    println!("sample written to `{}`", args.out.display());
    for (file, rows) in &summary.files {
        println!("  {file:<24} {rows:>12} rows");
    }
    for p in &summary.planted {
        println!("  planted: {p}");
    }
    Ok(0)
}
