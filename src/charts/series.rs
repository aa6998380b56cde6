//! Monitoring charts (SPEC 3.6): per focus area, small multiples of a measure per period with
//! its 95% band (provisional periods drawn open and named), and the "changes" chart: areas
//! ranked by their change against the same period a year earlier, significant ones dark.

use super::style::{
    blank, frame, label_width, legend, period_tick, swatch, text, DrawResult, Rows, ACTUAL, INK,
    LABEL, MUTED, NORM, NOTE, PANEL_TITLE, SMALL, TITLE,
};
use crate::text::labels;
use crate::text::Lang;
use plotters::coord::Shift;
use plotters::prelude::*;

/// One period's point of a measure.
#[derive(Debug, Clone)]
pub struct SeriesPoint {
    pub period: String,
    /// None where the value is hidden (small cells).
    pub value: Option<f64>,
    /// Half-width of the 95% band (1.96 × SE), where published.
    pub band: Option<f64>,
    pub provisional: bool,
}

/// One panel: a measure over the periods.
#[derive(Debug, Clone)]
pub struct Panel {
    pub title: String,
    pub points: Vec<SeriesPoint>,
    /// Euros on the axis (else a ratio).
    pub euros: bool,
    /// A reference line (1 for O/E), if any.
    pub reference: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct SeriesChart {
    pub title: String,
    pub panels: Vec<Panel>,
    pub lang: Lang,
}

impl SeriesChart {
    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        blank(root)?;
        let root = root.titled(&self.title, TITLE)?;
        let cells = root.split_evenly((1, self.panels.len().max(1)));
        for (panel, area) in self.panels.iter().zip(cells.iter()) {
            panel.draw(area, self.lang)?;
        }
        Ok(())
    }
}

impl Panel {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, lang: Lang) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let n = self.points.len().max(1);
        let (lo, hi) = self
            .points
            .iter()
            .filter_map(|p| Some((p.value?, p.band.unwrap_or(0.0))))
            .fold((f64::MAX, f64::MIN), |(l, h), (v, b)| {
                (l.min(v - b), h.max(v + b))
            });
        let (lo, hi) = if lo > hi {
            (0.0, 1.0)
        } else {
            let reference = self.reference.unwrap_or(lo);
            let (lo, hi) = (lo.min(reference), hi.max(reference));
            let pad = 0.08 * (hi - lo).max(1e-9);
            ((lo - pad).max(0.0), hi + pad)
        };
        let labels: Vec<String> = self.points.iter().map(|p| p.period.clone()).collect();
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, PANEL_TITLE)
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), lo..hi)?;
        let euros = self.euros;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&|x| period_tick(&labels, *x))
            .y_label_formatter(&|v| {
                if euros {
                    lang.euro(*v)
                } else {
                    lang.number(*v, 2)
                }
            })
            .label_style(SMALL)
            .draw()?;
        if let Some(r) = self.reference {
            chart.draw_series(LineSeries::new(
                [(-0.5, r), (n as f64 - 0.5, r)],
                MUTED.stroke_width(1),
            ))?;
        }
        // The 95% band of each period, then the line through the published values.
        chart.draw_series(self.points.iter().enumerate().filter_map(|(i, p)| {
            let (v, b) = (p.value?, p.band?);
            Some(Rectangle::new(
                [(i as f64 - 0.18, v - b), (i as f64 + 0.18, v + b)],
                NORM.filled(),
            ))
        }))?;
        let mut run: Vec<(f64, f64)> = Vec::new();
        for (i, p) in self.points.iter().enumerate() {
            match p.value {
                Some(v) => run.push((i as f64, v)),
                None => {
                    if run.len() > 1 {
                        chart.draw_series(LineSeries::new(run.clone(), INK.stroke_width(2)))?;
                    }
                    run.clear();
                }
            }
        }
        if run.len() > 1 {
            chart.draw_series(LineSeries::new(run, INK.stroke_width(2)))?;
        }
        // Settled periods filled, provisional ones open (claims still to come).
        chart.draw_series(self.points.iter().enumerate().filter_map(|(i, p)| {
            let v = p.value?;
            let style = if p.provisional {
                WHITE.filled()
            } else {
                ACTUAL.filled()
            };
            Some(Circle::new((i as f64, v), 5, style))
        }))?;
        chart.draw_series(self.points.iter().enumerate().filter_map(|(i, p)| {
            Some(Circle::new((i as f64, p.value?), 5, ACTUAL.stroke_width(2)))
        }))?;
        chart.draw_series(
            self.points
                .iter()
                .enumerate()
                .filter(|(_, p)| p.provisional && p.value.is_some())
                .map(|(i, _)| {
                    Text::new(
                        lang.l(labels::PROVISIONAL).to_string(),
                        (i as f64 - 0.3, lo + 0.04 * (hi - lo)),
                        text(NOTE, &MUTED),
                    )
                }),
        )?;
        Ok(())
    }
}

/// One area's change against the same period a year earlier.
#[derive(Debug, Clone)]
pub struct ChangeBar {
    pub label: String,
    /// Percent.
    pub change_pct: f64,
    pub significant: bool,
}

#[derive(Debug, Clone)]
pub struct ChangesChart {
    pub title: String,
    pub bars: Vec<ChangeBar>,
    pub lang: Lang,
}

impl ChangesChart {
    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        blank(root)?;
        let lang = self.lang;
        let n = self.bars.len().max(1);
        let (lo, hi) = self.bars.iter().fold((0.0f64, 0.0f64), |(l, h), b| {
            (l.min(b.change_pct), h.max(b.change_pct))
        });
        let pad = 0.08 * (hi - lo).max(1.0);
        let names: Vec<String> = self.bars.iter().map(|b| b.label.clone()).collect();
        let width = label_width(names.iter().map(String::as_str));
        let rows = Rows { n };
        let mut chart = frame(root, &self.title, width)
            .margin_right(30)
            .build_cartesian_2d((lo - pad)..(hi + pad), rows)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_labels(7)
            .x_label_formatter(&|v| format!("{}%", lang.number(*v, 0)))
            .y_label_formatter(&|v| rows.label(&names, *v))
            .x_desc(lang.l(labels::CHANGE_AGAINST_A_YEAR_EARLIER))
            .label_style(LABEL)
            .draw()?;
        let y = |i: usize| rows.top_down(i);
        chart
            .draw_series(
                self.bars
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| b.significant)
                    .map(|(i, b)| {
                        Rectangle::new(
                            [(0.0, y(i) + 0.18), (b.change_pct, y(i) + 0.82)],
                            ACTUAL.filled(),
                        )
                    }),
            )?
            .label(lang.l(labels::SIGNIFICANT_95))
            .legend(|p| swatch(p, ACTUAL));
        chart
            .draw_series(
                self.bars
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| !b.significant)
                    .map(|(i, b)| {
                        Rectangle::new(
                            [(0.0, y(i) + 0.18), (b.change_pct, y(i) + 0.82)],
                            NORM.filled(),
                        )
                    }),
            )?
            .label(lang.l(labels::WITHIN_CHANCE))
            .legend(|p| swatch(p, NORM));
        chart.draw_series(self.bars.iter().enumerate().map(|(i, b)| {
            Rectangle::new(
                [(0.0, y(i) + 0.18), (b.change_pct, y(i) + 0.82)],
                INK.stroke_width(1),
            )
        }))?;
        legend(&mut chart, SeriesLabelPosition::LowerRight)
    }
}
