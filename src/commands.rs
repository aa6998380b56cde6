//! One function per subcommand: resolve settings, call the library, print in one voice.
//! The only place that prints to stdout.

use crate::cli::{FocusArgs, OutliersArgs, ProfileArgs, ReportArgs, RunArgs, SampleArgs};
use crate::config::{self, Overrides, Settings};
use crate::domain::Period;
use crate::error::{Error, Result};
use crate::problem::format_problems;
use crate::progress;
use crate::{pipeline, sample};
use polars::prelude::*;

fn settings(args: &RunArgs) -> Result<Settings> {
    let over = Overrides {
        inputs: args.inputs.clone(),
        period: args.period.clone(),
        periods: args.periods.clone(),
        out: args.out.clone(),
        min_cell: args.min_cell,
        force: args.force,
        lang: args.lang.clone(),
    };
    // A finished run folder stands in for its pipeline: its manifest names inputs and period.
    if let Some(dir) = args
        .pipeline
        .as_deref()
        .filter(|p| p.join("manifest.json").is_file())
    {
        return from_run(dir, over);
    }
    config::resolve(args.pipeline.as_deref(), &over)
}

/// Settings to recompute from a finished run (persons are never stored, so stage commands
/// read the same inputs again).
fn from_run(dir: &std::path::Path, mut over: Overrides) -> Result<Settings> {
    let m = crate::manifest::Manifest::read(dir)?;
    let path = dir.join(crate::manifest::FILE);
    let bad = |message: &str| Error::Config {
        path: path.clone(),
        message: message.into(),
    };
    let first_input = m
        .inputs
        .first()
        .map(|i| i.path.clone())
        .ok_or_else(|| bad("names no inputs"))?;
    // A monitoring run's stage commands work on its last period (the report's), whose folder
    // the manifest records; a one-period run's inputs sit beside its first input file.
    let inputs = match m.periods.last() {
        Some(p) => std::path::PathBuf::from(&p.inputs_dir),
        None => std::path::Path::new(&first_input)
            .parent()
            .map(std::path::Path::to_path_buf)
            .ok_or_else(|| bad("has an input path without a folder"))?,
    };
    over.inputs.get_or_insert(inputs);
    // The run folder itself is "the run" (its live-query audit sits beside it).
    over.out.get_or_insert(dir.to_path_buf());
    if over.period.is_none() {
        over.period = Some(format!("{}..{}", m.run.period_start, m.run.period_end));
    }
    if over.min_cell.is_none() {
        over.min_cell = Some(m.run.min_cell);
    }
    let pipeline = m
        .run
        .pipeline_file
        .map(std::path::PathBuf::from)
        .filter(|p| p.is_file());
    config::resolve(pipeline.as_deref(), &over)
}

pub fn run(args: &RunArgs) -> Result<u8> {
    let settings = settings(args)?;
    let reporter = progress::for_stderr();
    let done = pipeline::run(&settings, reporter.as_ref())?;
    for w in &done.warnings() {
        eprintln!("{w}");
    }
    let p = &done.profiled;
    println!("run written to `{}`", settings.out.display());
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
    // A monitoring run's periods are each validated, every problem named with its period.
    let periods: Vec<Option<Period>> = if settings.periods.is_empty() {
        vec![None]
    } else {
        settings.periods.iter().copied().map(Some).collect()
    };
    let mut fatal = Vec::new();
    for period in periods {
        let s = match period {
            Some(p) => settings.for_period(p),
            None => settings.clone(),
        };
        let label = period.map(|p| format!("{p}: ")).unwrap_or_default();
        let v = pipeline::validate(&s, true, reporter.as_ref())?;
        for p in v.problems.iter().filter(|p| !p.is_fatal()) {
            eprintln!("{label}{p}");
        }
        if v.fatal() {
            fatal.push(format!("{label}{}", format_problems(&v.problems)));
            continue;
        }
        for c in &v.checked {
            println!(
                "ok  {label}{:<16} {:>12} rows  `{}`",
                c.file.spec.name,
                c.rows,
                c.file.display_name()
            );
        }
    }
    if !fatal.is_empty() {
        return Err(Error::Input {
            report: fatal.join("\n"),
        });
    }
    Ok(0)
}

pub fn sample(args: &SampleArgs) -> Result<u8> {
    let period = Period::parse(&args.period).map_err(|m| Error::Config {
        path: "command line".into(),
        message: m,
    })?;
    check_sample_out(&args.out, args.force)?;
    if let Some(text) = &args.periods {
        let periods = Period::series(text).map_err(|m| Error::Config {
            path: "command line".into(),
            message: m,
        })?;
        let opts = sample::series::SeriesOptions {
            lines_per_person_year: args.lines_per_person_year,
            ..sample::series::SeriesOptions::new(args.persons, periods, args.seed)
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
        println!(
            "  run it: wijkscan run {}",
            args.out.join("pipeline.toml").display()
        );
        return Ok(0);
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

/// `sample` writes into a new or empty folder, or with `--force` into a folder an earlier
/// `sample` wrote (its marker file says so): never over a user's extract.
fn check_sample_out(out: &std::path::Path, force: bool) -> Result<()> {
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

/// `€ 1.234` (Dutch thousands separator, no decimals) for terminal tables.
pub fn euro(v: f64) -> String {
    let sign = if v < 0.0 { "-" } else { "" };
    let digits = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(ch);
    }
    format!("{sign}€ {out}")
}

/// Validate and compute, as a run does, for the stage commands that only print.
/// A finished run folder named on the command line, if that is what it is.
fn run_folder(args: &RunArgs) -> Option<&std::path::Path> {
    args.pipeline
        .as_deref()
        .filter(|p| p.join(crate::manifest::FILE).is_file())
}

/// Runs up to `upto` for a stage command that only prints: from the run's private cache when
/// the command names a finished run whose cache belongs to it, else from the inputs.
fn computed(
    s: &Settings,
    args: &RunArgs,
    upto: pipeline::Stage,
    reporter: &dyn progress::Reporter,
) -> Result<pipeline::Computed> {
    let source = match run_folder(args) {
        Some(dir) => pipeline::Source::CacheOf(dir),
        None => pipeline::Source::Inputs,
    };
    pipeline::execute(s, upto, source, reporter)
}

pub fn profile(args: &ProfileArgs) -> Result<u8> {
    let mut s = settings(&args.run)?;
    s.force = true; // nothing is written
    let reporter = progress::for_stderr();
    let level = crate::domain::Level::parse(&args.level).ok_or_else(|| Error::Config {
        path: "command line".into(),
        message: format!(
            "no rows at level `{}` (levels: pc5, buurt, wijk, gemeente, total)",
            args.level
        ),
    })?;
    let c = computed(&s, &args.run, pipeline::Stage::Profile, reporter.as_ref())?;
    let df = pipeline::write::published_profile(&c.profiled.profile, &[level])?;
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

pub fn focus(args: &FocusArgs) -> Result<u8> {
    let mut s = settings(&args.run)?;
    if !args.areas.is_empty() {
        for a in &args.areas {
            if crate::domain::Level::of_code(a).is_none() {
                return Err(Error::Config {
                    path: "command line".into(),
                    message: format!(
                        "`--area {a}` is not a buurt (BU…), wijk (WK…) or gemeente (GM…) code"
                    ),
                });
            }
        }
        s.focus.areas = args.areas.clone();
    }
    if args.only {
        s.focus.segments.clear();
    }
    for (i, f) in args.segments.iter().enumerate() {
        s.focus
            .segments
            .push(crate::stages::focus::segments::SegmentDef {
                name: format!("segment_{}", i + 1),
                filter: f.clone(),
            });
    }
    if args.no_propose || args.only {
        s.focus.propose = false;
    }
    let reporter = progress::for_stderr();
    let c = computed(&s, &args.run, pipeline::Stage::Focus, reporter.as_ref())?;
    let focused = c
        .focused
        .ok_or_else(|| Error::Other("the focus stage did not run".into()))?;
    let mut rows = focused.rows;
    // Every answer is checked against what was already shown for this run (its published
    // segments and earlier answers), so no small group can be had by differencing answers.
    let mut audit = crate::live_audit::LiveAudit::load(&s.out, args.reset)?;
    let mut shown = audit.shown.clone();
    shown.extend(crate::live_audit::published_segments(&s.out)?);
    let refused = crate::live_audit::audit(
        &focused.features,
        &shown,
        &mut rows,
        &focused.cells,
        s.min_cell,
    )?;
    let mut is_refused = vec![false; rows.len()];
    for &i in &refused {
        is_refused[i] = true;
    }
    print!(
        "{}",
        focus_table(&rows, &is_refused, s.focus.min_volume.max(s.min_cell))
    );
    for &i in &refused {
        let r = &rows[i];
        eprintln!(
            "refused: segment `{}` in {}: together with what was already shown for this run it \
             would let a group of 1 to {} persons be computed by difference (logged in {})",
            r.segment,
            r.area_code,
            s.min_cell - 1,
            audit.path.display()
        );
        audit.refused.push(crate::live_audit::ShownCell {
            segment: r.segment.clone(),
            filter: r.filter.clone(),
            area_code: r.area_code.clone(),
        });
    }
    for (r, refused) in rows.iter().zip(&is_refused) {
        let cell = crate::live_audit::ShownCell {
            segment: r.segment.clone(),
            filter: r.filter.clone(),
            area_code: r.area_code.clone(),
        };
        if !r.suppressed && !refused && !shown.contains(&cell) {
            audit.shown.push(cell);
        }
    }
    audit.save()?;
    Ok(0)
}

pub fn outliers(args: &OutliersArgs) -> Result<u8> {
    use crate::stats::overdispersion::Method;
    let mut s = settings(&args.run)?;
    if let Some(m) = &args.overdispersion {
        s.outliers.method = match m.as_str() {
            "none" => Method::None,
            "multiplicative" => Method::Multiplicative,
            "additive" => Method::Additive,
            other => {
                return Err(Error::Config {
                    path: "command line".into(),
                    message: format!(
                        "`--overdispersion {other}`: use none, multiplicative or additive"
                    ),
                })
            }
        };
    }
    if args.uncapped {
        s.outliers.capped = false;
    }
    if let Some(e) = &args.phi_estimator {
        s.outliers.estimator =
            crate::stats::overdispersion::Estimator::parse(e).ok_or_else(|| Error::Config {
                path: "command line".into(),
                message: format!("`--phi-estimator {e}`: use mad or winsorised"),
            })?;
    }
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
        .filter(|f| args.level.as_ref().is_none_or(|l| l == f.level.as_str()))
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
            euro(c.cap_per_insured_year_eur),
            100.0 * c.share_of_cost_removed
        ),
        None => eprintln!("costs not capped (raw cost)"),
    }
    Ok(0)
}

/// Segments per focus area, for the working session's screen.
pub fn focus_table(
    rows: &[crate::stages::focus::segment_rows::SegmentRow],
    refused: &[bool],
    min_volume: i64,
) -> String {
    let dash = |v: Option<String>| v.unwrap_or_else(|| "–".into());
    let mut out = String::new();
    let mut area = String::new();
    for (out_row, r) in rows.iter().enumerate() {
        if r.area_code != area {
            area = r.area_code.clone();
            out.push_str(&format!(
                "\nfocus area {area} (volume threshold {min_volume})\n{:<34} {:>8} {:>7} {:>11} {:>11} {:>6} {:>5} {:>5}  {}\n",
                "segment", "persons", "share", "cost/pers", "rest/pers", "RR", "CV", "pass", "filter"
            ));
        }
        if refused.get(out_row).copied().unwrap_or(false) {
            out.push_str(&format!(
                "{:<34} {:>8}  {}\n",
                r.segment, "refused (would reveal a small group by difference)", r.filter
            ));
            continue;
        }
        if r.suppressed {
            out.push_str(&format!(
                "{:<34} {:>8}  {}\n",
                r.segment, "suppressed (too few persons, or protecting another cell)", r.filter
            ));
            continue;
        }
        out.push_str(&format!(
            "{:<34} {:>8} {:>7} {:>11} {:>11} {:>6} {:>5} {:>5}  {}\n",
            r.segment,
            dash(r.persons.map(|v| v.to_string())),
            dash(r.share_of_area.map(|v| format!("{:.1}%", 100.0 * v))),
            dash(r.cost_per_person.map(euro)),
            dash(r.cost_per_person_rest.map(euro)),
            dash(r.relative_rate.map(|v| format!("{v:.2}"))),
            dash(r.cv_cost.map(|v| format!("{v:.2}"))),
            match r.passes_volume {
                Some(true) => "yes",
                Some(false) => "no",
                None => "–",
            },
            r.filter
        ));
    }
    out
}

/// Re-renders charts and `report.html` of a finished run folder from its tables.
pub fn report(args: &ReportArgs) -> Result<u8> {
    let lang = crate::text::Lang::parse(&args.lang).map_err(|message| Error::Config {
        path: "command line".into(),
        message,
    })?;
    // `report` replaces charts/ and report.html: only inside a wijkscan run folder.
    if let Some(why) = crate::run_folder::not_a_run_folder(&args.run_dir) {
        return Err(Error::Output(format!(
            "`{}` {why}: `report` redraws only a run folder; nothing was changed",
            args.run_dir.display()
        )));
    }
    let rendered = crate::report::render(&args.run_dir, lang)?;
    println!(
        "report written to `{}` ({} charts)",
        args.run_dir.join(crate::report::REPORT_FILE).display(),
        rendered.outputs.len() / 2
    );
    Ok(0)
}

/// An imported reference table into `out`: `<kind>.parquet/.csv` and the import's record,
/// `reference_<kind>.json` (read back by a run for the manifest).
fn write_reference(
    out: &std::path::Path,
    kind: &str,
    mut table: polars::prelude::DataFrame,
    files: &impl serde::Serialize,
) -> Result<()> {
    check_reference_out(out, kind, files)?;
    std::fs::create_dir_all(out)?;
    crate::pipeline::write::write_table(&mut table, out, kind)?;
    let record = serde_json::to_string_pretty(files).map_err(|e| Error::Other(e.to_string()))?;
    std::fs::write(out.join(format!("reference_{kind}.json")), record + "\n")?;
    Ok(())
}

/// An import writes `<kind>.parquet/.csv` and `reference_<kind>.json`: it may replace an
/// earlier import of the same kind, never a file of the user's (an input file included).
fn check_reference_out(
    out: &std::path::Path,
    kind: &str,
    files: &impl serde::Serialize,
) -> Result<()> {
    let refuse = |why: String| {
        Err(Error::Output(format!(
            "`{}` {why}; nothing was written",
            out.display()
        )))
    };
    if out.exists() && !out.is_dir() {
        return refuse("is a file, not a folder".into());
    }
    let record = out.join(format!("reference_{kind}.json"));
    let targets = [
        out.join(format!("{kind}.parquet")),
        out.join(format!("{kind}.csv")),
        record.clone(),
    ];
    // The files being imported, as the import recorded them.
    let sources: Vec<std::path::PathBuf> = serde_json::to_value(files)
        .ok()
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|f| f.get("path").and_then(|p| p.as_str()))
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    for t in &targets {
        let Ok(canon) = std::fs::canonicalize(t) else {
            continue;
        };
        if sources.contains(&canon) {
            return refuse(format!(
                "would overwrite `{}`, a file being imported: choose another --out",
                t.display()
            ));
        }
        if !record.is_file() {
            return refuse(format!(
                "holds `{}`, which is not an earlier {kind} import (no `{}`): choose another --out",
                t.display(),
                record.display()
            ));
        }
    }
    Ok(())
}

/// `wijkscan reference cbs FILE… --out DIR`.
pub fn reference_cbs(args: &crate::cli::ReferenceArgs) -> Result<u8> {
    let imported = crate::reference::cbs::import(&args.files)?;
    write_reference(&args.out, "cbs", imported.table, &imported.files)?;
    for f in &imported.files {
        let levels: Vec<String> = f.levels.iter().map(|(l, n)| format!("{n} {l}")).collect();
        println!("{}: {} rows ({})", f.path, f.rows, levels.join(", "));
        for w in &f.warnings {
            eprintln!("wijkscan: warning: `{}`: {w}", f.path);
        }
    }
    println!("written to `{}`", args.out.display());
    Ok(0)
}

/// `wijkscan reference vektis FILE… --out DIR`.
pub fn reference_vektis(args: &crate::cli::ReferenceArgs) -> Result<u8> {
    let imported = crate::reference::vektis::import(&args.files)?;
    write_reference(&args.out, "vektis", imported.table, &imported.files)?;
    for f in &imported.files {
        println!(
            "{} ({}): {} rows ({} rest), € {} in all (file and table agree to the cent), € {:.2} per insured year",
            f.path,
            f.year,
            f.rows,
            f.rest_rows,
            f.national_cost_eur_file,
            f.national_cost_per_insured_year
        );
        for w in &f.warnings {
            eprintln!("wijkscan: warning: `{}`: {w}", f.path);
        }
    }
    println!("written to `{}`", args.out.display());
    Ok(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn euros_in_dutch_notation() {
        assert_eq!(super::euro(1234.4), "€ 1.234");
        assert_eq!(super::euro(-1234567.6), "-€ 1.234.568");
        assert_eq!(super::euro(12.0), "€ 12");
    }
}
