//! Horizontal bar charts per area: norm against actual cost per insured year (paired bars,
//! sorted by resultaat), and the composition of cost by care type (stacked bars).

use super::style::{label_width, nice_ceil, Rows, ACTUAL, FONT, INK, NORM, SEQUENTIAL};
use super::DrawResult;
use crate::text::labels;
use crate::text::Lang;
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

fn x_desc(lang: Lang) -> &'static str {
    lang.l(labels::COST_PER_INSURED_YEAR)
}

impl PairedBars {
    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE)?;
        let n = self.rows.len();
        let max = self
            .rows
            .iter()
            .map(|r| r.actual.max(r.norm))
            .fold(0.0, f64::max);
        let xmax = nice_ceil(max * 1.05);
        let labels: Vec<&str> = self.rows.iter().map(|r| r.label.as_str()).collect();
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, 17))
            .margin(12)
            .margin_right(40)
            .x_label_area_size(44)
            .y_label_area_size(label_width(labels.iter().copied()))
            .build_cartesian_2d(0f64..xmax, Rows { n })?;
        let lang = self.lang;
        // Row 0 is drawn at the top.
        let label_of = |v: &f64| -> String {
            let i = n.saturating_sub(1 + v.floor() as usize);
            labels.get(i).map(|s| s.to_string()).unwrap_or_default()
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_labels(6)
            .x_label_formatter(&|v| lang.euro(*v))
            .y_label_formatter(&label_of)
            .x_desc(x_desc(lang))
            .label_style((FONT, 12))
            .draw()?;
        let y = |i: usize| (n - 1 - i) as f64;
        chart
            .draw_series(self.rows.iter().enumerate().map(|(i, r)| {
                Rectangle::new(
                    [(0.0, y(i) + 0.5), (r.actual, y(i) + 0.88)],
                    ACTUAL.filled(),
                )
            }))?
            .label(lang.l(labels::ACTUAL_COST))
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], ACTUAL.filled()));
        chart
            .draw_series(self.rows.iter().enumerate().map(|(i, r)| {
                Rectangle::new([(0.0, y(i) + 0.12), (r.norm, y(i) + 0.5)], NORM.filled())
            }))?
            .label(lang.l(labels::NORM_COST))
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], NORM.filled()));
        chart.draw_series(self.rows.iter().enumerate().map(|(i, r)| {
            Rectangle::new(
                [(0.0, y(i) + 0.12), (r.norm, y(i) + 0.5)],
                INK.stroke_width(1),
            )
        }))?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(INK)
            .label_font((FONT, 12))
            .draw()?;
        Ok(())
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
        root.fill(&WHITE)?;
        let n = self.rows.len();
        let max = self
            .rows
            .iter()
            .map(|r| r.parts.iter().flatten().sum::<f64>())
            .fold(0.0, f64::max);
        let xmax = nice_ceil(max * 1.05);
        let labels: Vec<&str> = self.rows.iter().map(|r| r.label.as_str()).collect();
        let (plot, legend) = root.split_horizontally(root.dim_in_pixel().0 as i32 - 230);
        let mut chart = ChartBuilder::on(&plot)
            .caption(&self.title, (FONT, 17))
            .margin(12)
            .margin_right(40)
            .x_label_area_size(44)
            .y_label_area_size(label_width(labels.iter().copied()))
            .build_cartesian_2d(0f64..xmax, Rows { n })?;
        let lang = self.lang;
        let label_of = |v: &f64| -> String {
            let i = n.saturating_sub(1 + v.floor() as usize);
            labels.get(i).map(|s| s.to_string()).unwrap_or_default()
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_labels(6)
            .x_label_formatter(&|v| lang.euro(*v))
            .y_label_formatter(&label_of)
            .x_desc(x_desc(lang))
            .label_style((FONT, 12))
            .draw()?;
        let y = |i: usize| (n - 1 - i) as f64;
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
            legend.draw(&Rectangle::new(
                [(8, top), (24, top + 14)],
                SEQUENTIAL[k % SEQUENTIAL.len()].filled(),
            ))?;
            legend.draw(&Rectangle::new(
                [(8, top), (24, top + 14)],
                INK.stroke_width(1),
            ))?;
            legend.draw(&Text::new(
                c.clone(),
                (30, top),
                (FONT, 12).into_font().color(&INK),
            ))?;
        }
        Ok(())
    }
}
