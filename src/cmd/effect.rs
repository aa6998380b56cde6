//! `wijkscan effect`: the effect of an intervention on a finished multi-period run, for a
//! working session (SPEC 3.10): printed, nothing written. Reads the run's per-period area
//! outcomes from its private cache (a segment's from the published segments table).

use crate::domain::Level;
use crate::error::{Error, Result};
use crate::stages::effects::intervention::{Comparison, Intervention};
use crate::text::Lang;
use crate::view::effects::EffectRow;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct EffectArgs {
    /// A finished run over several periods (with its private cache beside it).
    pub run_dir: PathBuf,
    /// Treated area (BU…, WK… or GM…); repeatable, all of one level.
    #[arg(long = "area", required = true)]
    pub areas: Vec<String>,
    /// First period of the programme, e.g. 2024Q1 (at least four periods before it).
    #[arg(long)]
    pub start: String,
    /// A segment of the run (built-in or own name): the effect on that group in the areas.
    #[arg(long)]
    pub segment: Option<String>,
    /// Comparison areas (repeatable), or `same_gemeente`; default: every untreated area.
    #[arg(long = "comparison")]
    pub comparison: Vec<String>,
    /// A name for the intervention in the output.
    #[arg(long, default_value = "aanpak")]
    pub name: String,
    /// Language of the words: nl (default) or en.
    #[arg(long, default_value = "nl", value_parser = Lang::parse)]
    pub lang: Lang,
}

pub fn effect(args: &EffectArgs) -> Result<u8> {
    let dir = &args.run_dir;
    if let Some(why) = crate::run_folder::not_a_run_folder(dir) {
        return Err(Error::Output(format!("`{}` {why}", dir.display())));
    }
    let m = crate::manifest::Manifest::read(dir)?;
    if m.periods.len() < 2 {
        return Err(Error::Output(format!(
            "`{}` is a run of one period; an effect needs a run over several periods (at least four before the start and one after)",
            dir.display()
        )));
    }
    let periods: Vec<String> = m.periods.iter().map(|p| p.period.clone()).collect();
    let provisional: Vec<bool> = m.periods.iter().map(|p| p.provisional).collect();
    let comparison = match args.comparison.as_slice() {
        [] => None,
        [one] if one == "same_gemeente" => Some(Comparison::Keyword(one.clone())),
        list => Some(Comparison::Areas(list.to_vec())),
    };
    let iv = Intervention {
        name: args.name.clone(),
        areas: args.areas.clone(),
        start: args.start.clone(),
        segment: args.segment.clone(),
        comparison,
    };
    iv.check(&periods).map_err(Error::Other)?;
    let panel = match crate::pipeline::cache::read_panel(dir)? {
        Some(df) => crate::stages::monitoring::panel::from_frame(&df).map_err(|e| {
            Error::Output(format!(
                "the private cache's per-period area outcomes (`{}`) are not of this wijkscan \
                 ({}); run the pipeline again",
                crate::pipeline::cache::dir(dir).join("effect_panel.parquet").display(),
                e.to_string().lines().next().unwrap_or_default()
            ))
        })?,
        None if args.segment.is_some() => Vec::new(),
        None => {
            return Err(Error::Output(format!(
                "the run's private cache (`{}`) has no per-period area outcomes: it is missing, \
                 belongs to other inputs, or was written by an older wijkscan; run the pipeline again",
                crate::pipeline::cache::dir(dir).display()
            )))
        }
    };
    let segments = match &args.segment {
        Some(_) => Some(crate::frame::read_parquet(&dir.join("segments.parquet"))?),
        None => None,
    };
    let t = std::time::Instant::now();
    let results = crate::stages::effects::estimate::estimate(
        &iv,
        &panel,
        segments.as_ref(),
        &periods,
        &provisional,
    )
    .map_err(Error::Other)?;
    let lang = args.lang;
    let level = Level::of_code(&args.areas[0])
        .map(|l| lang.level(l))
        .unwrap_or_default();
    println!(
        "{} — {level} {} {} {} ({} {})",
        iv.name,
        iv.areas.join(", "),
        lang.t("vanaf", "from"),
        iv.start,
        results.first().map(|r| r.donors.len()).unwrap_or(0),
        lang.t("vergelijkingsgebieden", "comparison areas")
    );
    for r in &results {
        let row = EffectRow::from_result(r);
        println!();
        for w in crate::report::effects::words(&row, lang) {
            println!("  {w}");
        }
        let l = crate::report::effects::line(&row, lang);
        println!(
            "  [{}] {} {} ({}), {} {}, p {}",
            l.outcome,
            lang.t("effect", "effect"),
            l.estimate,
            l.pct,
            lang.t("interval", "interval"),
            l.interval,
            l.p
        );
        if !r.persons.is_empty() {
            let persons: Vec<String> = r
                .periods
                .iter()
                .zip(&r.persons)
                .map(|(p, n)| {
                    format!(
                        "{p} {}",
                        n.map(|n| lang.number(n, 0)).unwrap_or_else(|| "–".into())
                    )
                })
                .collect();
            println!(
                "  {}: {}",
                lang.t("personen in de groep", "persons in the group"),
                persons.join(", ")
            );
        }
        for w in r.warnings() {
            eprintln!("wijkscan: warning: {w}");
        }
    }
    tracing::info!(seconds = t.elapsed().as_secs_f64(), "effect");
    Ok(0)
}
