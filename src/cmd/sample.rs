//! `wijkscan sample`: realistic synthetic extracts (seeded, deterministic), one period or a
//! series of one persistent population.

use crate::domain::Period;
use crate::error::{Error, Result};
use crate::{progress, sample};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct SampleArgs {
    /// Folder to write the extracts into.
    #[arg(long)]
    pub out: PathBuf,
    /// Insured persons.
    #[arg(long, default_value_t = 20_000)]
    pub persons: usize,
    /// Period the extracts cover.
    #[arg(long, default_value = "2024Q3", value_parser = Period::parse)]
    pub period: Period,
    /// A series instead: one folder per period (e.g. 2022Q1..2024Q4) of one persistent
    /// population, with a pipeline.toml to run it.
    // The full path keeps clap from reading `Vec` as "the flag repeats": one value, a series.
    #[arg(long, value_parser = Period::series)]
    pub periods: Option<std::vec::Vec<Period>>,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Claim lines per person per insured year.
    #[arg(long, default_value_t = 28.0)]
    pub lines_per_person_year: f64,
    /// With --periods: plant an intervention's effect, AREA,START,SIZE (e.g.
    /// WK015303,2024Q1,-0.2: every claim of the area's residents 20% lower from 2024Q1 on).
    #[arg(long, value_parser = sample::effect::PlantedEffect::parse)]
    pub plant_effect: Option<sample::effect::PlantedEffect>,
    /// Leave out the realistic dirt (duplicates, corrections, unknown persons and pc5s, …).
    #[arg(long)]
    pub clean: bool,
    /// Replace an existing folder.
    #[arg(long)]
    pub force: bool,
}

pub fn sample(args: &SampleArgs) -> Result<u8> {
    check_sample_out(&args.out, args.force)?;
    if let Some(periods) = &args.periods {
        let opts = sample::series::SeriesOptions {
            lines_per_person_year: args.lines_per_person_year,
            effect: args.plant_effect.clone(),
            ..sample::series::SeriesOptions::new(args.persons, periods.clone(), args.seed)
        };
        let reporter = progress::for_stderr();
        let summary = sample::series::generate_series(&opts, &args.out, reporter.as_ref())?;
        println!("series written to `{}`", args.out.display());
        for (period, files) in &summary.folders {
            let rows: Vec<String> = files.iter().map(|(f, n)| format!("{f} {n}")).collect();
            println!("  {period}: {}", rows.join(", "));
        }
        let p = &summary.planted;
        println!(
            "  planted: wijk {} rising {:.0}% a period from {}; wijk {} down to {:.0}% from {}; wijk {} unchanged",
            p.trend_wijk,
            100.0 * sample::series::TREND_STEP,
            p.trend_from,
            p.drop_wijk,
            100.0 * sample::series::DROP_FACTOR,
            p.drop_from,
            p.stable_wijk
        );
        if let Some(e) = &args.plant_effect {
            println!(
                "  planted intervention: {} claims {:+.0}% from {}",
                e.area,
                100.0 * e.size,
                e.start
            );
        }
        println!(
            "  run it: wijkscan run {}",
            args.out.join("pipeline.toml").display()
        );
        return Ok(0);
    }
    if args.plant_effect.is_some() {
        return Err(Error::Other(
            "--plant-effect needs a series (--periods): an effect is a change over periods".into(),
        ));
    }
    let opts = sample::SampleOptions {
        persons: args.persons,
        period: args.period,
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

/// `sample` writes into a new or empty folder, or with `--force` into a folder an earlier
/// `sample` wrote (its marker file says so): never over a user's extract.
fn check_sample_out(out: &Path, force: bool) -> Result<()> {
    let refuse = |why: &str| {
        Err(Error::Output(format!(
            "`{}` {why}; nothing was changed",
            out.display()
        )))
    };
    if out.exists() && !out.is_dir() {
        return refuse("is a file, not a folder");
    }
    let empty = !out.exists() || out.read_dir()?.next().is_none();
    if empty {
        return Ok(());
    }
    if !out.join(sample::MARKER).is_file() {
        return refuse(&format!(
            "holds files that `wijkscan sample` did not write (no `{}`): choose a new folder",
            sample::MARKER
        ));
    }
    if !force {
        return refuse("holds an earlier sample; use `--force` to write over it");
    }
    Ok(())
}
