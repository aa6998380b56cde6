//! The effect of an intervention (SPEC 3.10): per period the treated areas' gap to the
//! comparison relative to its mean before the start (the event study), with the placebo band
//! of that period (where the comparison areas' own gaps fall by chance), the start marked and
//! provisional periods drawn open. Readable in black and white: the band is grey, the line ink.

use super::style::{
    blank, period_tick, text, DrawResult, ACTUAL, HIDDEN, INK, MUTED, NOTE, PANEL_TITLE, SMALL,
    TITLE,
};
use crate::text::Lang;
use plotters::coord::Shift;
use plotters::prelude::*;

#[derive(Debug, Clone)]
pub struct EffectPoint {
    pub period: String,
    /// Gap to the comparison minus its pre-start mean (euros).
    pub event: f64,
    /// The placebo band around 0, where there is one.
    pub band: Option<(f64, f64)>,
    pub provisional: bool,
}

#[derive(Debug, Clone)]
pub struct EffectChart {
    pub title: String,
    pub subtitle: String,
    pub points: Vec<EffectPoint>,
    /// Index of the first period of the programme.
    pub start: usize,
    /// Labels: the start line, the band, provisional.
    pub start_label: String,
    pub band_label: String,
    pub provisional_label: String,
    /// Said instead of the band's key when there is no band (too few comparison areas).
    pub no_band_label: String,
    pub lang: Lang,
}

impl EffectChart {
    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        blank(root)?;
        let root = root.titled(&self.title, TITLE)?;
        let n = self.points.len().max(1);
        let (mut lo, mut hi) = (0.0f64, 0.0f64);
        for p in &self.points {
            lo = lo.min(p.event);
            hi = hi.max(p.event);
            if let Some((a, b)) = p.band {
                lo = lo.min(a);
                hi = hi.max(b);
            }
        }
        let pad = 0.1 * (hi - lo).max(1.0);
        let (lo, hi) = (lo - pad, hi + pad);
        let labels: Vec<String> = self.points.iter().map(|p| p.period.clone()).collect();
        let lang = self.lang;
        let mut chart = ChartBuilder::on(&root)
            .caption(&self.subtitle, PANEL_TITLE)
            .margin(12)
            .margin_top(30)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), lo..hi)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&|x| period_tick(&labels, *x))
            .y_label_formatter(&|v| lang.euro(*v))
            .label_style(SMALL)
            .draw()?;
        // The placebo band per period, grey, around 0.
        chart.draw_series(self.points.iter().enumerate().filter_map(|(i, p)| {
            let (a, b) = p.band?;
            Some(Rectangle::new(
                [(i as f64 - 0.3, a), (i as f64 + 0.3, b)],
                HIDDEN.filled(),
            ))
        }))?;
        chart.draw_series(LineSeries::new(
            [(-0.5, 0.0), (n as f64 - 0.5, 0.0)],
            MUTED.stroke_width(1),
        ))?;
        // The start: a dashed vertical line before the first period of the programme.
        let x = self.start as f64 - 0.5;
        let steps = 24;
        for k in (0..steps).step_by(2) {
            let (y0, y1) = (
                lo + (hi - lo) * k as f64 / steps as f64,
                lo + (hi - lo) * (k + 1) as f64 / steps as f64,
            );
            chart.draw_series(LineSeries::new([(x, y0), (x, y1)], INK.stroke_width(2)))?;
        }
        chart.draw_series(std::iter::once(Text::new(
            self.start_label.clone(),
            (x + 0.05, hi - 0.04 * (hi - lo)),
            text(SMALL, &INK),
        )))?;
        chart.draw_series(LineSeries::new(
            self.points
                .iter()
                .enumerate()
                .map(|(i, p)| (i as f64, p.event)),
            INK.stroke_width(2),
        ))?;
        // Settled periods filled, provisional ones open.
        chart.draw_series(self.points.iter().enumerate().map(|(i, p)| {
            let style = if p.provisional {
                WHITE.filled()
            } else {
                ACTUAL.filled()
            };
            Circle::new((i as f64, p.event), 5, style)
        }))?;
        chart.draw_series(
            self.points
                .iter()
                .enumerate()
                .map(|(i, p)| Circle::new((i as f64, p.event), 5, ACTUAL.stroke_width(2))),
        )?;
        chart.draw_series(
            self.points
                .iter()
                .enumerate()
                .filter(|(_, p)| p.provisional)
                .map(|(i, _)| {
                    Text::new(
                        self.provisional_label.clone(),
                        (i as f64 - 0.3, lo + 0.04 * (hi - lo)),
                        text(NOTE, &MUTED),
                    )
                }),
        )?;
        // The key, under the subtitle on the right.
        let (w, _) = root.dim_in_pixel();
        let x = w as i32 - 300;
        if self.points.iter().any(|p| p.band.is_some()) {
            root.draw(&Rectangle::new([(x, 4), (x + 14, 16)], HIDDEN.filled()))?;
            root.draw(&Text::new(
                self.band_label.clone(),
                (x + 20, 4),
                text(NOTE, &MUTED),
            ))?;
        } else {
            root.draw(&Text::new(
                self.no_band_label.clone(),
                (x - 100, 4),
                text(NOTE, &MUTED),
            ))?;
        }
        Ok(())
    }
}
