//! The command line: one file per subcommand, each owning its clap `Args` and its function.
//!
//! In: the parsed arguments (values already typed by clap: language, level, period,
//! overdispersion method, φ estimator). Out: what the command prints (the only place that
//! prints to stdout) and an exit code; errors go back to `main`, which maps them to exit 2.
//! `common` holds what several commands share (the pipeline arguments, settings from a
//! pipeline file or a finished run folder); this file holds only the top-level parser.

pub mod common;
pub mod effect;
pub mod focus;
pub mod outliers;
pub mod profile;
pub mod reference;
pub mod report;
pub mod run;
pub mod sample;
pub mod serve;
pub mod validate;

use crate::error::Result;
use clap::{Parser, Subcommand};

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
    Run(common::RunArgs),
    /// Check the inputs against the data contract and report every problem.
    Validate(common::RunArgs),
    /// Print the (suppressed) profile of one level as a table; writes nothing.
    Profile(profile::ProfileArgs),
    /// Judge focus groups in focus areas and print them; try a filter live with --segment.
    Focus(focus::FocusArgs),
    /// Print the outlier flags (funnel limits, overdispersion-corrected); writes nothing.
    Outliers(outliers::OutliersArgs),
    /// The effect of an intervention on a finished multi-period run (printed, nothing written).
    Effect(effect::EffectArgs),
    /// Re-render the charts and report.html of a finished run folder (no recomputation).
    Report(report::ReportArgs),
    /// Serve a finished run to the browser for a working session (127.0.0.1 by default).
    Serve(serve::ServeArgs),
    /// Write realistic synthetic extracts (seeded, deterministic).
    Sample(sample::SampleArgs),
    /// Import public reference data (Vektis open data) into a normalised table.
    #[command(subcommand)]
    Reference(reference::ReferenceCommand),
}

/// Runs the subcommand; the exit code on success.
pub fn dispatch(command: &Command) -> Result<u8> {
    match command {
        Command::Run(args) => run::run(args),
        Command::Validate(args) => validate::validate(args),
        Command::Profile(args) => profile::profile(args),
        Command::Focus(args) => focus::focus(args),
        Command::Outliers(args) => outliers::outliers(args),
        Command::Report(args) => report::report(args),
        Command::Effect(args) => effect::effect(args),
        Command::Sample(args) => sample::sample(args),
        Command::Serve(args) => serve::serve(args),
        Command::Reference(reference::ReferenceCommand::Vektis(args)) => reference::vektis(args),
        Command::Reference(reference::ReferenceCommand::Cbs(args)) => reference::cbs(args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> std::result::Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("wijkscan").chain(args.iter().copied()))
    }

    #[test]
    fn the_parser_is_consistent() {
        Cli::command().debug_assert();
    }

    /// Values are typed by clap; a bad one is a usage error (exit 2) naming the value.
    #[test]
    fn values_are_parsed_by_clap() {
        let Command::Profile(p) = parse(&[
            "profile", "--level", "gemeente", "--lang", "EN", "--period", "2024",
        ])
        .unwrap()
        .command
        else {
            panic!("not the profile command")
        };
        assert_eq!(p.level, crate::domain::Level::Gemeente);
        assert_eq!(p.run.lang, Some(crate::text::Lang::En));
        assert_eq!(p.run.period.map(|p| p.label()), Some("2024".into()));
        let Command::Run(r) = parse(&["run", "--periods", "2024Q1..2024Q3"])
            .unwrap()
            .command
        else {
            panic!("not the run command")
        };
        assert_eq!(r.periods.map(|p| p.len()), Some(3));
        for (args, shown) in [
            (
                &["report", "r", "--lang", "de"][..],
                "unknown language `de`",
            ),
            (&["profile", "--level", "county"][..], "county"),
            (&["outliers", "--overdispersion", "big"][..], "big"),
            (&["run", "--period", "2024Q5"][..], "2024Q5"),
            (
                &["sample", "--out", "o", "--periods", "2024Q3..2024Q1"][..],
                "2024Q3",
            ),
        ] {
            let e = parse(args).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{args:?}");
            assert!(e.to_string().contains(shown), "{args:?}: {e}");
        }
    }
}
