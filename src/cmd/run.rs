//! `wijkscan run`: everything a pipeline file (or --inputs/--period/--out) describes.

use super::common::{settings, RunArgs};
use crate::error::Result;
use crate::{pipeline, progress};

pub fn run(args: &RunArgs) -> Result<u8> {
    let settings = settings(args, args.overrides())?;
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
