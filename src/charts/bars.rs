//! Horizontal bar charts per area: norm against actual cost per insured year (paired bars,
//! sorted by resultaat), and the composition of cost by care type (stacked bars).

use super::style::{
    blank, frame, key_box, label_width, legend, nice_ceil, swatch, text, DrawResult, Rows, ACTUAL,
    INK, LABEL, NORM, SEQUENTIAL,
};
use crate::text::labels;
use crate::text::Lang;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

/// One area's bar: its label, actual and norm cost per insured year.
#[derive(Debug, Clone)]
pub struct PairedRow {
    pub label: String,
    pub actual: f64,
    pub norm: f64,
}

#[derive(Debug, Clone)]
pub struct PairedBars {
    pub title: String,
    pub rows: Vec<PairedRow>,
    pub lang: Lang,
}

pub fn height(rows: usize) -> u32 {
    110 + 24 * rows.max(1) as u32
}

/// Both bar charts' axes: euros per insured year along x, the areas' labels down the rows.
fn cost_axes<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, Rows>>,
    rows: Rows,
    names: &[&str],
    lang: Lang,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_labels(6)
        .x_label_formatter(&|v| lang.euro(*v))
        .y_label_formatter(&|v| rows.label(names, *v))
        .x_desc(lang.l(labels::COST_PER_INSURED_YEAR))
        .label_style(LABEL)
        .draw()?;
    Ok(())
}

impl PairedBars {
    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        blank(root)?;
        let n = self.rows.len();
        let max = self
            .rows
            .iter()
            .map(|r| r.actual.max(r.norm))
            .fold(0.0, f64::max);
        let xmax = nice_ceil(max * 1.05);
        let labels: Vec<&str> = self.rows.iter().map(|r| r.label.as_str()).collect();
        let rows = Rows { n };
        let mut chart = frame(root, &self.title, label_width(labels.iter().copied()))
            .build_cartesian_2d(0f64..xmax, rows)?;
        let lang = self.lang;
        cost_axes(&mut chart, rows, &labels, lang)?;
        let y = |i: usize| rows.top_down(i);
        chart
            .draw_series(self.rows.iter().enumerate().map(|(i, r)| {
                Rectangle::new(
                    [(0.0, y(i) + 0.5), (r.actual, y(i) + 0.88)],
                    ACTUAL.filled(),
                )
            }))?
            .label(lang.l(labels::ACTUAL_COST))
            .legend(|p| swatch(p, ACTUAL));
        chart
            .draw_series(self.rows.iter().enumerate().map(|(i, r)| {
                Rectangle::new([(0.0, y(i) + 0.12), (r.norm, y(i) + 0.5)], NORM.filled())
            }))?
            .label(lang.l(labels::NORM_COST))
            .legend(|p| swatch(p, NORM));
        chart.draw_series(self.rows.iter().enumerate().map(|(i, r)| {
            Rectangle::new(
                [(0.0, y(i) + 0.12), (r.norm, y(i) + 0.5)],
                INK.stroke_width(1),
            )
        }))?;
        legend(&mut chart, SeriesLabelPosition::LowerRight)
    }
}

/// One area's stack: cost per insured year per category; `None` where the cell is hidden.
#[derive(Debug, Clone)]
pub struct StackRow {
    pub label: String,
    pub parts: Vec<Option<f64>>,
}

#[derive(Debug, Clone)]
pub struct Composition {
    pub title: String,
    /// Category labels, in the order of each row's parts (at most seven).
    pub categories: Vec<String>,
    pub rows: Vec<StackRow>,
    pub lang: Lang,
}

impl Composition {
    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        blank(root)?;
        let n = self.rows.len();
        let max = self
            .rows
            .iter()
            .map(|r| r.parts.iter().flatten().sum::<f64>())
            .fold(0.0, f64::max);
        let xmax = nice_ceil(max * 1.05);
        let labels: Vec<&str> = self.rows.iter().map(|r| r.label.as_str()).collect();
        let (plot, side) = root.split_horizontally(root.dim_in_pixel().0 as i32 - 230);
        let rows = Rows { n };
        let mut chart = frame(&plot, &self.title, label_width(labels.iter().copied()))
            .build_cartesian_2d(0f64..xmax, rows)?;
        cost_axes(&mut chart, rows, &labels, self.lang)?;
        let y = |i: usize| rows.top_down(i);
        for (i, r) in self.rows.iter().enumerate() {
            let mut x0 = 0.0;
            for (k, part) in r.parts.iter().enumerate() {
                let Some(v) = part else { continue };
                let colour = SEQUENTIAL[k % SEQUENTIAL.len()];
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x0, y(i) + 0.15), (x0 + v, y(i) + 0.85)],
                    colour.filled(),
                )))?;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x0, y(i) + 0.15), (x0 + v, y(i) + 0.85)],
                    WHITE.stroke_width(1),
                )))?;
                x0 += v;
            }
        }
        // Legend at the right, in stacking order.
        for (k, c) in self.categories.iter().enumerate() {
            let top = 60 + 24 * k as i32;
            let colour = SEQUENTIAL[k % SEQUENTIAL.len()];
            key_box(&side, [(8, top), (24, top + 14)], colour)?;
            side.draw(&Text::new(c.clone(), (30, top), text(LABEL, &INK)))?;
        }
        Ok(())
    }
}
