//! A monitoring run (SPEC 3.6): several periods, one input folder each. Every period's files
//! are checked first (found, readable, the contract's columns), and every row of a period is
//! validated just before the period is computed; a bad period stops the run by name before
//! anything is written. The last period — the report's — runs first, as a one-period run does (profile,
//! outliers, focus); each earlier period is profiled on its own and its focus groups judged
//! with the last period's segment definitions, keeping only its small tables. Two earlier
//! periods are computed at once; beside the report period's persons, at most those two
//! periods' person frames are in memory, so memory does not grow with the number of periods.

use super::period::{Monitoring, PeriodOutput};
use super::{
    add_time, compile_segments, focus_step, outliers_step, profile_step, typed_inputs, validate,
    Computed, Profiled, Validated,
};
use crate::config::Settings;
use crate::domain::Period;
use crate::error::{Error, Result};
use crate::problem::format_problems;
use crate::progress::Reporter;
use crate::stages::monitoring::figures::{self, PeriodFigures};
use crate::stages::monitoring::table;
use crate::stages::profile::levels::Inputs;
use chrono::NaiveDate;
use polars::prelude::*;
use std::collections::BTreeMap;
use std::time::Instant;

/// A period's claims are complete only some months after it ends ("ijlen", SPEC 3.6).
pub const PROVISIONAL_MONTHS: u32 = 6;

/// Whether a period extracted on `extracted_on` is still provisional.
pub fn provisional(period: &Period, extracted_on: NaiveDate) -> bool {
    period
        .end
        .checked_add_months(chrono::Months::new(PROVISIONAL_MONTHS))
        .is_none_or(|complete| extracted_on < complete)
}

/// When the period's extract was taken: the pipeline's date, else the newest service date in
/// its claims file (lines outside the period included).
fn extracted_on(settings: &Settings, inputs: &Inputs) -> (NaiveDate, &'static str) {
    if let Some(d) = settings.extracted_on.get(&settings.period.label()) {
        return (*d, "pipeline");
    }
    // Validation found it in its pass over the claim lines (no second pass here).
    let days = inputs
        .claims_newest_day
        .unwrap_or(settings.period.end_epoch_days());
    (
        crate::domain::date_from_epoch_days(days),
        "newest service date",
    )
}

pub(super) fn run(settings: &Settings, reporter: &dyn Reporter) -> Result<Computed> {
    super::check_out(settings)?;
    let segments = compile_segments(settings)?;
    let references = super::References::load(settings)?;
    let mut timings = BTreeMap::new();

    // 1. Every period's files checked before any work (found, readable, the contract's
    // columns and types; no rows read): a missing or misnamed period stops the run at once.
    let t = Instant::now();
    let mut validated: std::collections::VecDeque<Settings> = settings
        .periods
        .iter()
        .map(|p| settings.for_period(*p))
        .collect();
    let damaged = validated.iter().any(|s| {
        super::check_structure(s)
            .iter()
            .any(crate::problem::Problem::is_fatal)
    });
    add_time(&mut timings, "validate", t);
    if damaged {
        // Every period validated in full then, so the error says all it said when every
        // period was validated first: row problems of those periods and other bad periods too.
        let fatal = all_fatal(validated.make_contiguous(), reporter)?;
        return Err(cannot_be_used(&fatal, settings));
    }
    // Then each period is validated in full (every row) just before it is computed, not all
    // up front: a period's files are then read again while the operating system still holds
    // them (pages unused for a while are dropped, and a cold re-read is slow). A bad period still stops the run before anything is
    // written, and the rest are validated then too, so the error names every bad one.
    let last_settings = validated.pop_back().expect("at least two periods");
    let t = Instant::now();
    let last_validated = validate(&last_settings, false, reporter)?;
    add_time(&mut timings, "validate", t);
    if last_validated.fatal() {
        let mut fatal = all_fatal(validated.make_contiguous(), reporter)?;
        fatal.push(fatal_report(&last_settings, &last_validated.problems));
        return Err(cannot_be_used(&fatal, settings));
    }
    crate::run_folder::abort_point("validate");
    let mut pending = validated;
    let computed = compute(
        settings,
        &segments,
        references,
        timings,
        last_settings,
        last_validated,
        &mut pending,
        reporter,
    );
    match computed {
        Ok(c) => Ok(c),
        // A period not validated yet may be bad: its validation error comes first, as when
        // every period was validated before any work (a conflicting claim id of the report's
        // period, found by its profile, would otherwise hide a bad row of 2023Q1).
        Err(e) => {
            let fatal = all_fatal(pending.make_contiguous(), reporter)?;
            if fatal.is_empty() {
                Err(e)
            } else {
                Err(cannot_be_used(&fatal, settings))
            }
        }
    }
}

/// The fatal reports of those of `periods` whose full validation fails.
fn all_fatal(periods: &[Settings], reporter: &dyn Reporter) -> Result<Vec<String>> {
    let mut fatal = Vec::new();
    for s in periods {
        let v = validate(s, false, reporter)?;
        if v.fatal() {
            fatal.push(fatal_report(s, &v.problems));
        }
    }
    Ok(fatal)
}

/// The periods after validation: the report's period first, then each earlier period, popped
/// from `pending` and validated just before it is computed; the monitoring table, the
/// practice view and the run folder.
#[allow(clippy::too_many_arguments)]
fn compute(
    settings: &Settings,
    segments: &[crate::stages::focus::segment_rows::Segment],
    references: super::References,
    mut timings: BTreeMap<String, f64>,
    last_settings: Settings,
    last_validated: Validated,
    pending: &mut std::collections::VecDeque<Settings>,
    reporter: &dyn Reporter,
) -> Result<Computed> {
    // The report's period and the earlier periods, two at a time, each earlier one validated
    // just before it is computed. One period's work leaves a core idle a third of the time
    // (small queries, single-threaded steps); a second period fills it. Each worker takes the
    // oldest period not yet started, so the periods started are always the oldest ones, as
    // one after the other.
    let mut periods = Vec::new();
    let mut all_figures = Vec::new();
    let queue = std::sync::Mutex::new(
        pending
            .drain(..)
            .enumerate()
            .collect::<std::collections::VecDeque<(usize, Settings)>>(),
    );
    let stop = std::sync::atomic::AtomicBool::new(false);
    let done = std::sync::Mutex::new(Vec::<(usize, Settings, Result<Earlier>)>::new());
    // The report period's segments, which an earlier period's focus groups are judged on:
    // set once it is computed (None when it failed, and the earlier periods stop).
    let fixed: std::sync::OnceLock<Option<crate::stages::focus::groups::FixedSegments>> =
        std::sync::OnceLock::new();
    let worker = || loop {
        if stop.load(std::sync::atomic::Ordering::SeqCst) {
            break;
        }
        let Some((i, s)) = queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front() else {
            break;
        };
        let r = earlier_period(&s, &references, &fixed, reporter);
        if !matches!(r, Ok(Earlier::Done { .. })) {
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
        }
        done.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((i, s, r));
    };
    // 2. The report's period, as a one-period run, on this thread; meanwhile one worker
    // validates and profiles the oldest earlier periods (they need the report period only for
    // their focus groups). Then this thread is the second worker.
    let report = std::thread::scope(|scope| {
        scope.spawn(worker);
        // Should the report period panic, the worker waiting for its segments is let go (and
        // stops), so the panic reaches the caller instead of the scope waiting forever.
        let _unblock = Unblock(&fixed, &stop);
        let report = (|| -> Result<_> {
            let inputs = typed_inputs(&last_validated)?;
            let mut profiled = profile_step(
                &last_settings,
                &last_validated,
                &inputs,
                &references,
                &mut timings,
                reporter,
            )?;
            // The cost basis changes are judged on is the outlier flags' own: computed once.
            let t = Instant::now();
            let last_basis = basis(&last_settings, &profiled, true)?;
            add_time(&mut timings, "monitoring", t);
            let outliers = outliers_step(
                &last_settings,
                &mut profiled,
                true,
                Some(&last_basis),
                &references,
                &mut timings,
                reporter,
            )?;
            // The person features serve live queries only (`wijkscan focus RUN`); not kept here:
            // only the report period's persons stay beside the earlier periods being computed.
            let focused = focus_step(
                &last_settings,
                segments,
                None,
                &profiled,
                false,
                &mut timings,
                reporter,
            )?;
            let t = Instant::now();
            let last_figures = figures(
                &last_settings,
                &profiled,
                &last_basis,
                &focused.rows,
                &inputs,
            )?;
            drop(last_basis);
            add_time(&mut timings, "monitoring", t);
            // Earlier periods are judged on the same groups per focus area, each area's proposals by
            // their own filters (`voorstel_1` of one gemeente is not that of another).
            let mut defs: BTreeMap<String, Vec<crate::stages::focus::segments::SegmentDef>> =
                BTreeMap::new();
            for r in &focused.rows {
                defs.entry(r.area_code.clone()).or_default().push(
                    crate::stages::focus::segments::SegmentDef {
                        name: r.segment.clone(),
                        filter: r.filter.clone(),
                    },
                );
            }
            let mut earlier_segments = crate::stages::focus::groups::FixedSegments::new();
            for (area, d) in &defs {
                let compiled = crate::stages::focus::groups::compile_all(d).map_err(|e| {
                    Error::Other(format!("a proposed segment does not compile again: {e}"))
                })?;
                earlier_segments.insert(area.clone(), compiled);
            }
            Ok((
                inputs,
                profiled,
                outliers,
                focused,
                last_figures,
                earlier_segments,
            ))
        })();
        match report {
            Ok((inputs, profiled, outliers, focused, figures, segments)) => {
                let _ = fixed.set(Some(segments));
                worker();
                Ok((inputs, profiled, outliers, focused, figures))
            }
            Err(e) => {
                stop.store(true, std::sync::atomic::Ordering::SeqCst);
                let _ = fixed.set(None);
                Err(e)
            }
        }
    });
    let mut done = done.into_inner().unwrap_or_else(|e| e.into_inner());
    done.sort_by_key(|(i, _, _)| *i);
    let not_started: Vec<Settings> = queue
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    // The report period failing comes first, as when it ran before any earlier period: every
    // earlier period goes back to `pending`, validated for the error report.
    let (inputs, profiled, outliers, focused, last_figures) = match report {
        Ok(r) => r,
        Err(e) => {
            pending.extend(done.into_iter().map(|(_, s, _)| s));
            pending.extend(not_started);
            return Err(e);
        }
    };
    // The first period (oldest) that did not come through decides, as when the periods ran one
    // after the other: every later period goes back to `pending`, validated again for the
    // error report.
    let mut later: Vec<Settings> = Vec::new();
    let mut failed: Option<(Settings, Result<Earlier>)> = None;
    for (_, s, r) in done {
        if failed.is_some() {
            later.push(s);
            continue;
        }
        match r {
            Ok(Earlier::Done {
                output,
                figures,
                timings: t,
            }) => {
                for (k, v) in t {
                    *timings.entry(k).or_insert(0.0) += v;
                }
                periods.push(*output);
                all_figures.push(figures);
            }
            other => failed = Some((s, other)),
        }
    }
    later.extend(not_started);
    pending.extend(later);
    match failed {
        None => {}
        Some((s, Ok(Earlier::Fatal(problems)))) => {
            let mut fatal = vec![fatal_report(&s, &problems)];
            let rest: Vec<Settings> = pending.drain(..).collect();
            fatal.extend(all_fatal(&rest, reporter)?);
            return Err(cannot_be_used(&fatal, settings));
        }
        Some((_, Err(e))) => return Err(e),
        Some((_, Ok(Earlier::Done { .. } | Earlier::Cancelled))) => {
            return Err(Error::Other(
                "internal: an earlier period was stopped without a reason".into(),
            ))
        }
    }
    let (last_figures, last_extracted_on, last_source) = last_figures;
    let last_provisional = last_figures.provisional;
    all_figures.push(last_figures);
    let mut laps = crate::progress::Laps::new("monitoring");
    // The monitoring table (one thread) and the report period's practice view side by side;
    // each has its own stage time.
    let mut practice_timings = BTreeMap::new();
    let mut table_seconds = 0.0;
    let (table, practices) = rayon::join(
        || {
            let t = Instant::now();
            let table = table::monitoring(&all_figures);
            table_seconds = t.elapsed().as_secs_f64();
            tracing::info!(seconds = table_seconds, "monitoring table");
            table
        },
        || -> Result<_> {
            if !settings.practices {
                return Ok(None);
            }
            Ok(Some(super::practices_step(
                &last_settings,
                &profiled,
                &inputs,
                &outliers,
                &mut practice_timings,
                reporter,
            )?))
        },
    );
    let (table, practices) = (table?, practices?);
    laps.lap("table and practices");
    for (k, v) in practice_timings {
        *timings.entry(k).or_insert(0.0) += v;
    }
    *timings.entry("monitoring".into()).or_insert(0.0) += table_seconds;
    let last = PeriodOutput {
        period: last_settings.period,
        extracted_on: last_extracted_on,
        extracted_on_source: last_source,
        provisional: last_provisional,
        profile: profiled.profile.clone(),
        segments: focused.table.clone(),
        zvw: profiled.zvw.clone(),
        wmo: profiled.wmo.clone(),
        suppression: profiled.suppression.clone(),
        warnings: Vec::new(),
        validated: None,
    };
    periods.push(last);
    let panel = super::effects::panel(&all_figures);
    let mut monitoring = Monitoring {
        periods,
        table: table_with_levels(table, settings),
        panel: crate::stages::monitoring::panel::frame(&panel)?,
        effects: Default::default(),
    };
    monitoring.effects = super::effects::run(settings, &monitoring, &panel)?;
    laps.lap("effects");
    let mut computed = Computed {
        validated: Some(last_validated),
        profiled,
        outliers: Some(outliers),
        focused: Some(focused),
        monitoring: Some(monitoring),
        practices: None,
        references,
        timings,
    };
    computed.practices = practices;
    laps.lap("levels");
    super::write::publish(settings, &mut computed, reporter)?;
    laps.lap("publish");
    Ok(computed)
}

/// On drop, ends the wait for the report period's segments (as failed, when they were not set)
/// and stops the workers from taking another period.
struct Unblock<'a>(
    &'a std::sync::OnceLock<Option<crate::stages::focus::groups::FixedSegments>>,
    &'a std::sync::atomic::AtomicBool,
);

impl Drop for Unblock<'_> {
    fn drop(&mut self) {
        if self.0.set(None).is_ok() {
            self.1.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }
}

/// What became of an earlier period.
enum Earlier {
    /// Its full validation failed: these problems.
    Fatal(Vec<crate::problem::Problem>),
    /// Not computed: the report period failed.
    Cancelled,
    /// Computed: what the run keeps of it, its monitoring figures and its stage timings.
    Done {
        output: Box<PeriodOutput>,
        figures: PeriodFigures,
        timings: BTreeMap<String, f64>,
    },
}

/// One earlier period: validated in full, profiled, its focus groups judged on the report
/// period's segments (`fixed`, waited for), its cost basis and monitoring figures. Its person
/// frame is dropped on return.
fn earlier_period(
    s: &Settings,
    references: &super::References,
    fixed: &std::sync::OnceLock<Option<crate::stages::focus::groups::FixedSegments>>,
    reporter: &dyn Reporter,
) -> Result<Earlier> {
    let mut timings = BTreeMap::new();
    let t = Instant::now();
    let v = validate(s, false, reporter)?;
    add_time(&mut timings, "validate", t);
    if v.fatal() {
        return Ok(Earlier::Fatal(v.problems));
    }
    let mut s = s.clone();
    s.focus.propose = false;
    let inputs = typed_inputs(&v)?;
    let p = profile_step(&s, &v, &inputs, references, &mut timings, reporter)?;
    // The report period's segments; it failed when there are none (this period is then
    // not computed: the report period's error is the run's).
    let Some(fixed) = fixed.wait() else {
        return Ok(Earlier::Cancelled);
    };
    let f = focus_step(&s, &[], Some(fixed), &p, false, &mut timings, reporter)?;
    let t = Instant::now();
    let b = basis(&s, &p, false)?;
    let fig = figures(&s, &p, &b, &f.rows, &inputs)?;
    add_time(&mut timings, "monitoring", t);
    let output = output(&fig, &s, p, f.table, Some(v));
    Ok(Earlier::Done {
        output: Box::new(output),
        figures: fig.0,
        timings,
    })
}

/// A period's fatal problems, under its name and folder.
fn fatal_report(s: &Settings, problems: &[crate::problem::Problem]) -> String {
    format!(
        "period {} (`{}`):\n{}",
        s.period.label(),
        s.inputs.display(),
        format_problems(problems)
    )
}

fn cannot_be_used(fatal: &[String], settings: &Settings) -> Error {
    Error::Input {
        report: format!(
            "{} of {} periods cannot be used; nothing was written.\n{}",
            fatal.len(),
            settings.periods.len(),
            fatal.join("\n")
        ),
    }
}

/// The monitoring rows of the levels asked for (`[monitoring] levels`, default the profile's;
/// segments always).
fn table_with_levels(table: DataFrame, settings: &Settings) -> DataFrame {
    let levels: Vec<&str> = settings
        .monitoring_levels
        .iter()
        .map(|l| l.as_str())
        .collect();
    table
        .clone()
        .lazy()
        .filter(
            col("level")
                .is_in(crate::stages::inputs::rules::str_list(&levels), false)
                .or(col("segment").is_not_null()),
        )
        .collect()
        .unwrap_or(table)
}

/// The cost basis a period's changes are judged on: the outlier flags' (capped by default,
/// METHODS 8). Its sums per GP practice only for the report's period (`practice_sums`): the
/// practice view is of that period alone.
fn basis(
    settings: &Settings,
    profiled: &Profiled,
    practice_sums: bool,
) -> Result<crate::stages::outliers::basis::Basis> {
    Ok(crate::stages::outliers::basis::basis_with(
        &profiled.persons,
        &profiled.raw,
        settings.outliers.capped,
        practice_sums,
    )?)
}

/// A period's figures (areas and segments), whether it is provisional, and its extract date.
fn figures(
    settings: &Settings,
    profiled: &Profiled,
    basis: &crate::stages::outliers::basis::Basis,
    segments: &[crate::stages::focus::segment_rows::SegmentRow],
    inputs: &Inputs,
) -> Result<(PeriodFigures, NaiveDate, &'static str)> {
    let mut figures = figures::figures(
        &profiled.profile,
        basis,
        &crate::domain::Level::ALL,
        settings.min_cell,
    )?;
    figures.extend(figures::segment_figures(segments));
    // The raw basis beside the flags' capped one: the effects' second line (METHODS 10).
    let raw = if basis.capped {
        crate::stages::outliers::basis::basis_with(&profiled.persons, &profiled.raw, false, false)?
    } else {
        basis.clone()
    };
    let panel = crate::stages::monitoring::panel::rows(
        &settings.period.label(),
        &profiled.profile,
        basis,
        &raw,
        settings.min_cell,
    )?;
    let (on, source) = extracted_on(settings, inputs);
    Ok((
        PeriodFigures {
            panel,
            period: settings.period,
            provisional: provisional(&settings.period, on),
            figures,
        },
        on,
        source,
    ))
}

fn output(
    fig: &(PeriodFigures, NaiveDate, &'static str),
    s: &Settings,
    p: Profiled,
    segments: DataFrame,
    validated: Option<Validated>,
) -> PeriodOutput {
    let mut warnings: Vec<crate::problem::Problem> = validated
        .iter()
        .flat_map(|v| v.problems.iter().filter(|p| !p.is_fatal()).cloned())
        .collect();
    warnings.extend(p.warnings.iter().cloned());
    PeriodOutput {
        warnings,
        period: s.period,
        extracted_on: fig.1,
        extracted_on_source: fig.2,
        provisional: fig.0.provisional,
        profile: p.profile,
        segments,
        zvw: p.zvw,
        wmo: p.wmo,
        suppression: p.suppression,
        validated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provisional_until_six_months_after_the_end() {
        let q = Period::parse("2024Q3").unwrap();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(provisional(&q, d("2024-10-15")));
        assert!(provisional(&q, d("2025-03-29")));
        assert!(!provisional(&q, d("2025-03-30")));
        assert!(!provisional(&q, d("2025-06-01")));
    }
}
