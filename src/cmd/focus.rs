//! `wijkscan focus`: focus groups judged in focus areas, printed; `--segment` tries a filter
//! live, checked against what was already shown for the run (`live_audit`).

use super::common::{computed, settings, RunArgs};
use crate::config::Overrides;
use crate::domain::Level;
use crate::error::{Error, Result};
use crate::stages::focus::segment_rows::SegmentRow;
use crate::text::Lang;
use crate::{live_audit, pipeline, progress};
use clap::Args;

#[derive(Debug, Args)]
pub struct FocusArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Focus area code (BU…, WK… or GM…); repeatable. Default: the pipeline's, else every gemeente.
    #[arg(long = "area", value_parser = parse_area)]
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

/// A focus area is a buurt, wijk or gemeente code.
fn parse_area(a: &str) -> std::result::Result<String, String> {
    match Level::of_code(a) {
        Some(_) => Ok(a.to_string()),
        None => Err(format!(
            "`--area {a}` is not a buurt (BU…), wijk (WK…) or gemeente (GM…) code"
        )),
    }
}

impl FocusArgs {
    fn overrides(&self) -> Overrides {
        Overrides {
            focus_areas: self.areas.clone(),
            segments: self.segments.clone(),
            only_segments: self.only,
            no_propose: self.no_propose,
            ..self.run.overrides()
        }
    }
}

pub fn focus(args: &FocusArgs) -> Result<u8> {
    let s = settings(&args.run, args.overrides())?;
    let reporter = progress::for_stderr();
    let c = computed(&s, &args.run, pipeline::Stage::Focus, reporter.as_ref())?;
    let focused = c
        .focused
        .ok_or_else(|| Error::Other("the focus stage did not run".into()))?;
    let mut rows = focused.rows;
    let answer = live_audit::answer(
        &s.out,
        args.reset,
        &focused.features,
        None,
        &mut rows,
        &focused.cells,
        s.min_cell,
    )?;
    print!(
        "{}",
        focus_table(&rows, &answer.refused, s.focus.min_volume.max(s.min_cell))
    );
    for (r, _) in rows.iter().zip(&answer.refused).filter(|(_, &no)| no) {
        eprintln!(
            "refused: segment `{}` in {}: together with what was already shown for this run it \
             would let a group of 1 to {} persons be computed by difference (logged in {})",
            r.segment,
            r.area_code,
            s.min_cell - 1,
            answer.log.display()
        );
    }
    Ok(0)
}

/// Segments per focus area, for the working session's screen.
pub fn focus_table(rows: &[SegmentRow], refused: &[bool], min_volume: i64) -> String {
    let dash = |v: Option<String>| v.unwrap_or_else(|| "–".into());
    let euro = |v: f64| Lang::Nl.euro(v);
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    // The command's own arguments alone (the top-level parser lives in `cmd`, which imports
    // this file).
    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        args: FocusArgs,
    }

    #[test]
    fn focus_flags_reach_the_settings() {
        let cli = Cli::try_parse_from([
            "wijkscan",
            "--inputs",
            "d",
            "--period",
            "2024Q1",
            "--area",
            "WK036300",
            "--segment",
            "care_forms >= 3",
            "--only",
        ])
        .unwrap();
        let args = cli.args;
        let s = settings(&args.run, args.overrides()).unwrap();
        assert_eq!(s.focus.areas, vec!["WK036300".to_string()]);
        assert_eq!(s.focus.segments.len(), 1);
        assert_eq!(s.focus.segments[0].name, "segment_1");
        assert_eq!(s.focus.segments[0].filter, "care_forms >= 3");
        assert!(!s.focus.propose);
        let e = Cli::try_parse_from(["wijkscan", "--area", "XX12"]).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("is not a buurt"), "{e}");
    }
}
