//! The council report (SPEC 4.3): charts and `report.html` drawn from a finished run folder
//! alone, so `wijkscan run` and `wijkscan report RUN_DIR` produce the same files.
//!
//! It reads the run through `crate::view` (the run folder as plain structs, and every label
//! in both languages), the layer it shares with `charts`; `html` builds the page's view model
//! and renders the minijinja template.

pub mod effects;
pub mod html;
pub mod notes;
pub mod practices;
mod warnings;

use crate::charts::plan::plan;
use crate::charts::render::render_all;
use crate::columns::GEOMETRY_FILE;
use crate::error::Result;
use crate::geometry::MapGeometry;
use crate::text::Lang;
use std::path::Path;
use std::time::Instant;

pub const REPORT_FILE: &str = "report.html";
pub const CHARTS_DIR: &str = "charts";

/// What rendering wrote, and how long charts and the page took.
#[derive(Debug, Clone)]
pub struct Written {
    pub outputs: Vec<String>,
    pub charts_seconds: f64,
    pub report_seconds: f64,
}

/// Draws every chart into `charts/` (replacing what was there) and writes `report.html`.
/// Both are written beside their final names first and then renamed, so a failure leaves the
/// previous report in place.
pub fn render(run_dir: &Path, lang: Lang) -> Result<Written> {
    let view = crate::view::RunView::load(run_dir)?;
    let geometry_path = run_dir.join(GEOMETRY_FILE);
    let geometry = if geometry_path.is_file() {
        Some(
            MapGeometry::read(&geometry_path).map_err(|m| crate::error::Error::Input {
                report: format!("`{}`: {m}", geometry_path.display()),
            })?,
        )
    } else {
        None
    };

    let t = Instant::now();
    let planned = plan(&view, geometry.as_ref(), lang);
    let staging = run_dir.join(format!(".{CHARTS_DIR}.tmp-{}", std::process::id()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    let drawn = render_all(&planned, &staging);
    let drawn = match drawn {
        Ok(d) => d,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    // Swapped in whole, as the run folder is: `wijkscan report` on a finished run killed here
    // leaves the old charts or the new ones.
    crate::run_folder::publish(&staging, &run_dir.join(CHARTS_DIR))?;
    crate::run_folder::abort_point("charts");
    let charts_seconds = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let page = html::render(&view, &drawn, lang)?;
    let tmp = run_dir.join(format!(".{REPORT_FILE}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, page)?;
    std::fs::rename(&tmp, run_dir.join(REPORT_FILE))?;
    let report_seconds = t.elapsed().as_secs_f64();

    let mut outputs: Vec<String> = drawn
        .iter()
        .flat_map(|c| {
            [
                format!("{CHARTS_DIR}/{}.svg", c.stem),
                format!("{CHARTS_DIR}/{}.png", c.stem),
            ]
        })
        .collect();
    outputs.push(REPORT_FILE.into());
    Ok(Written {
        outputs,
        charts_seconds,
        report_seconds,
    })
}
