//! `wijkscan outliers`: the outlier flags (funnel limits, overdispersion-corrected) as a
//! table; writes nothing.

use super::common::{computed, settings, RunArgs};
use crate::config::Overrides;
use crate::domain::Level;
use crate::error::{Error, Result};
use crate::stats::overdispersion::{Estimator, Method};
use crate::text::Lang;
use crate::{pipeline, progress};
use clap::Args;

#[derive(Debug, Args)]
pub struct OutliersArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Only this level (no flags at total).
    #[arg(long)]
    pub level: Option<Level>,
    /// Overdispersion correction (default: the pipeline's, else multiplicative).
    #[arg(long)]
    pub overdispersion: Option<Method>,
    /// Flag raw cost instead of cost capped per person at the 99th percentile (METHODS 8).
    #[arg(long)]
    pub uncapped: bool,
    /// φ estimator for the overdispersion: mad (default) or winsorised (FunnelPlotR).
    #[arg(long, value_parser = parse_estimator)]
    pub phi_estimator: Option<Estimator>,
}

// `--overdispersion`: the names of the pipeline file's `[outliers] overdispersion`.
impl clap::ValueEnum for Method {
    fn value_variants<'a>() -> &'a [Self] {
        &[Method::None, Method::Multiplicative, Method::Additive]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(match self {
            Method::None => "none",
            Method::Multiplicative => "multiplicative",
            Method::Additive => "additive",
        }))
    }
}

/// `Estimator::parse` (which also takes "winsorized"), its refusal naming the flag and value.
fn parse_estimator(e: &str) -> std::result::Result<Estimator, String> {
    Estimator::parse(e).ok_or_else(|| format!("`--phi-estimator {e}`: use mad or winsorised"))
}

impl OutliersArgs {
    fn overrides(&self) -> Overrides {
        Overrides {
            overdispersion: self.overdispersion,
            uncapped: self.uncapped,
            phi_estimator: self.phi_estimator,
            ..self.run.overrides()
        }
    }
}

pub fn outliers(args: &OutliersArgs) -> Result<u8> {
    let s = settings(&args.run, args.overrides())?;
    let reporter = progress::for_stderr();
    let c = computed(&s, &args.run, pipeline::Stage::Outliers, reporter.as_ref())?;
    let detected = c
        .outliers
        .ok_or_else(|| Error::Other("the outlier stage did not run".into()))?;
    let flags = &detected.flags;
    println!(
        "{:<8} {:<12} {:<26} {:<36} {:>11} {:>11} {:>6} {:>5} {:<4} {:>7}",
        "level", "area", "name", "metric", "observed", "expected", "z", "limit", "dir", "robust z"
    );
    for f in flags
        .iter()
        .filter(|f| args.level.is_none_or(|l| l == f.level))
    {
        let name: String = f.area_name.chars().take(26).collect();
        println!(
            "{:<8} {:<12} {:<26} {:<36} {:>11.2} {:>11.2} {:>6.2} {:>5} {:<4} {:>7}",
            f.level,
            f.area_code,
            name,
            f.metric,
            f.observed,
            f.expected,
            f.z,
            f.limit,
            f.direction,
            f.z_robust
                .map(|z| format!("{z:.1}"))
                .unwrap_or_else(|| "–".into())
        );
    }
    eprintln!(
        "overdispersion: {:?} (φ estimator {}); φ per level and metric in the run manifest",
        s.outliers.method, detected.basis.estimator
    );
    match detected.basis.caps.first() {
        Some(c) => eprintln!(
            "costs capped at {} per insured year per person ({:.1}% of cost removed; --uncapped for raw cost)",
            Lang::Nl.euro(c.cap_per_insured_year_eur),
            100.0 * c.share_of_cost_removed
        ),
        None => eprintln!("costs not capped (raw cost)"),
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    // The command's own arguments alone (the top-level parser lives in `cmd`, which imports
    // this file).
    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        args: OutliersArgs,
    }

    #[test]
    fn outlier_flags_reach_the_settings() {
        let cli = Cli::try_parse_from([
            "wijkscan",
            "--inputs",
            "d",
            "--period",
            "2024Q1",
            "--level",
            "wijk",
            "--overdispersion",
            "additive",
            "--uncapped",
            "--phi-estimator",
            "winsorized",
        ])
        .unwrap();
        let args = cli.args;
        assert_eq!(args.level, Some(Level::Wijk));
        let s = settings(&args.run, args.overrides()).unwrap();
        assert_eq!(s.outliers.method, Method::Additive);
        assert!(!s.outliers.capped);
        assert_eq!(s.outliers.estimator, Estimator::Winsorised);
        let e = Cli::try_parse_from(["wijkscan", "--phi-estimator", "median"]).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("--phi-estimator median"), "{e}");
    }
}
