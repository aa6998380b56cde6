//! `wijkscan validate`: the inputs against the data contract, every problem reported.

use super::common::{settings, RunArgs};
use crate::domain::Period;
use crate::error::{Error, Result};
use crate::problem::format_problems;
use crate::{pipeline, progress};

pub fn validate(args: &RunArgs) -> Result<u8> {
    let settings = settings(args, args.overrides())?;
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
