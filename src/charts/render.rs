//! Drawing the planned charts: each as `<stem>.svg` and `<stem>.png` in the run's `charts/`,
//! in parallel with rayon (after every polars collect is done).

use super::chart::{Chart, Section};
use super::style;
use crate::error::{Error, Result};
use plotters::prelude::*;
use rayon::prelude::*;
use std::path::Path;

/// A drawn chart, as the report embeds it.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub stem: String,
    pub caption: String,
    pub section: Section,
    pub svg: String,
}

fn draw_err(stem: &str, e: impl std::fmt::Display) -> Error {
    Error::Output(format!("chart `{stem}` could not be drawn: {e}"))
}

/// Draws one chart as SVG text only (the served page draws its charts on request).
pub fn svg(chart: &Chart) -> Result<String> {
    style::register_font();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, chart.size).into_drawing_area();
        chart
            .kind
            .draw(&root)
            .map_err(|e| draw_err(&chart.stem, e))?;
        root.present().map_err(|e| draw_err(&chart.stem, e))?;
    }
    Ok(svg)
}

/// Draws one chart as `<stem>.svg` and `<stem>.png` in `dir`; returns the SVG text.
pub fn render(chart: &Chart, dir: &Path) -> Result<Rendered> {
    let svg = svg(chart)?;
    std::fs::write(dir.join(format!("{}.svg", chart.stem)), &svg)?;
    let png = dir.join(format!("{}.png", chart.stem));
    {
        let root = BitMapBackend::new(&png, chart.size).into_drawing_area();
        chart
            .kind
            .draw(&root)
            .map_err(|e| draw_err(&chart.stem, e))?;
        root.present().map_err(|e| draw_err(&chart.stem, e))?;
    }
    Ok(Rendered {
        stem: chart.stem.clone(),
        caption: chart.caption.clone(),
        section: chart.section.clone(),
        svg,
    })
}

/// Renders every chart in parallel, in plan order.
pub fn render_all(charts: &[Chart], dir: &Path) -> Result<Vec<Rendered>> {
    std::fs::create_dir_all(dir)?;
    charts
        .par_iter()
        .map(|c| {
            let r = render(c, dir);
            crate::run_folder::abort_point("chart");
            r
        })
        .collect()
}
