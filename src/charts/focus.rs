//! Focus groups in one focus area: size against excess cost per person (the segment's cost
//! per person minus the rest of the area's), with the volume threshold drawn.

use super::style::{
    anchored, blank, frame, legend, nice_ceil, shorten, DrawResult, INK, LABEL, MUTED, NO_LINE,
};
use crate::text::labels;
use crate::text::Lang;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

#[derive(Debug, Clone)]
pub struct FocusPoint {
    pub segment: String,
    pub persons: f64,
    pub excess: f64,
    pub passes_volume: bool,
}

#[derive(Debug, Clone)]
pub struct FocusChart {
    pub title: String,
    pub points: Vec<FocusPoint>,
    pub min_volume: f64,
    pub lang: Lang,
}

impl FocusChart {
    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        blank(root)?;
        let lang = self.lang;
        let xmax = nice_ceil(
            self.points
                .iter()
                .map(|p| p.persons)
                .fold(self.min_volume, f64::max)
                * 1.1,
        );
        let (lo, hi) = self.points.iter().fold((0.0f64, 0.0f64), |(l, h), p| {
            (l.min(p.excess), h.max(p.excess))
        });
        let span = (hi - lo).max(100.0);
        let (ymin, ymax) = (lo - 0.08 * span, hi + 0.12 * span);
        let mut chart = frame(root, &self.title, 80).build_cartesian_2d(0f64..xmax, ymin..ymax)?;
        chart
            .configure_mesh()
            .x_labels(6)
            .y_labels(7)
            .x_label_formatter(&|v| lang.number(*v, 0))
            .y_label_formatter(&|v| lang.euro(*v))
            .x_desc(lang.l(labels::PERSONS_IN_THE_GROUP))
            .y_desc(lang.l(labels::EXCESS_COST_PER_PERSON_VS))
            .label_style(LABEL)
            .light_line_style(NO_LINE)
            .draw()?;
        chart.draw_series(LineSeries::new(
            [(0.0, 0.0), (xmax, 0.0)],
            MUTED.stroke_width(1),
        ))?;
        chart
            .draw_series(DashedLineSeries::new(
                [(self.min_volume, ymin), (self.min_volume, ymax)],
                6,
                4,
                INK.stroke_width(2),
            ))?
            .label(format!(
                "{} ({})",
                lang.l(labels::MINIMUM_VOLUME),
                lang.number(self.min_volume, 0)
            ))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 8, y)], INK.stroke_width(2)));
        chart
            .draw_series(
                self.points
                    .iter()
                    .filter(|p| p.passes_volume)
                    .map(|p| Circle::new((p.persons, p.excess), 5, INK.filled())),
            )?
            .label(lang.l(labels::ENOUGH_VOLUME))
            .legend(|(x, y)| Circle::new((x + 6, y), 5, INK.filled()));
        chart
            .draw_series(
                self.points
                    .iter()
                    .filter(|p| !p.passes_volume)
                    .map(|p| Circle::new((p.persons, p.excess), 5, INK.stroke_width(2))),
            )?
            .label(lang.l(labels::TOO_SMALL))
            .legend(|(x, y)| Circle::new((x + 6, y), 5, INK.stroke_width(2)));
        chart.draw_series(self.points.iter().map(|p| {
            Text::new(
                shorten(&p.segment, 34),
                (p.persons, p.excess),
                anchored(LABEL, HPos::Left, VPos::Bottom),
            )
        }))?;
        legend(&mut chart, SeriesLabelPosition::LowerRight)
    }
}
