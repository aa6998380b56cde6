//! `wijkscan profile`: the (suppressed) profile of one level as a table; writes nothing.

use super::common::{computed, settings, RunArgs};
use crate::config::Overrides;
use crate::domain::Level;
use crate::error::Result;
use crate::text::Lang;
use crate::{pipeline, progress};
use clap::Args;
use polars::prelude::*;

#[derive(Debug, Args)]
pub struct ProfileArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Level to print.
    #[arg(long, default_value = "wijk")]
    pub level: Level,
}

pub fn profile(args: &ProfileArgs) -> Result<u8> {
    // Nothing is written, so an existing run folder is no obstacle.
    let over = Overrides {
        force: true,
        ..args.run.overrides()
    };
    let s = settings(&args.run, over)?;
    let reporter = progress::for_stderr();
    let c = computed(&s, &args.run, pipeline::Stage::Profile, reporter.as_ref())?;
    let df = pipeline::write::published_profile(&c.profiled.profile, &[args.level])?;
    print!("{}", profile_table(&df)?);
    Ok(0)
}

/// The columns an analyst scans first, one line per area; suppressed rows say so.
pub fn profile_table(df: &DataFrame) -> Result<String> {
    let s = |c: &str| crate::frame::strings(df, c);
    let f = |c: &str| crate::frame::floats(df, c);
    let (codes, names) = (s("area_code")?, s("area_name")?);
    let persons = f("insured_persons")?;
    let cost = f("zvw_cost_per_insured_year")?;
    let norm = f("norm_cost_per_insured_year")?;
    let oe = f("oe_ratio")?;
    let res = f("resultaat_eur")?;
    let wmo = f("wmo_clients_per_1000")?;
    let sup: Vec<Option<bool>> = df.column("suppressed")?.bool()?.iter().collect();
    let dash = |v: Option<String>| v.unwrap_or_else(|| "–".into());
    let euro = |v: f64| Lang::Nl.euro(v);
    let mut out = format!(
        "{:<12} {:<28} {:>9} {:>12} {:>12} {:>6} {:>14} {:>9}\n",
        "area", "name", "persons", "cost/year", "norm/year", "O/E", "resultaat", "wmo/1000"
    );
    for i in 0..df.height() {
        let name: String = dash(names[i].clone()).chars().take(28).collect();
        if sup[i] == Some(true) {
            out.push_str(&format!(
                "{:<12} {:<28} {:>9}\n",
                dash(codes[i].clone()),
                name,
                "suppressed (too few persons)"
            ));
            continue;
        }
        out.push_str(&format!(
            "{:<12} {:<28} {:>9} {:>12} {:>12} {:>6} {:>14} {:>9}\n",
            dash(codes[i].clone()),
            name,
            dash(persons[i].map(|v| format!("{v:.0}"))),
            dash(cost[i].map(euro)),
            dash(norm[i].map(euro)),
            dash(oe[i].map(|v| format!("{v:.2}"))),
            dash(res[i].map(euro)),
            dash(wmo[i].map(|v| format!("{v:.1}"))),
        ));
    }
    Ok(out)
}
