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
    /// Where each point's label stands (in euros on the y axis): at its point, or higher where
    /// the label below would overlap it — labels are stacked at least a text line apart, in
    /// order of their points' height.
    pub fn label_heights(&self, span: f64) -> Vec<f64> {
        // About one text line (16 px) of the plot's ~400 px, on the axis the chart will draw.
        let line = 1.2 * span * 16.0 / 400.0;
        let mut order: Vec<usize> = (0..self.points.len()).collect();
        order.sort_by(|a, b| {
            self.points[*a]
                .excess
                .total_cmp(&self.points[*b].excess)
                .then(a.cmp(b))
        });
        let mut at = vec![0.0; self.points.len()];
        let mut last = f64::NEG_INFINITY;
        for i in order {
            let y = self.points[i].excess.max(last + line);
            at[i] = y;
            last = y;
        }
        at
    }

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
        let labels_at = self.label_heights(span);
        let top = labels_at.iter().copied().fold(hi, f64::max);
        let (ymin, ymax) = (lo - 0.08 * span, top + 0.12 * span);
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
        // A label moved up to stay clear of the one below is tied to its point by a line.
        chart.draw_series(
            self.points
                .iter()
                .zip(&labels_at)
                .filter(|(p, at)| **at > p.excess)
                .map(|(p, at)| {
                    PathElement::new(
                        [(p.persons, p.excess), (p.persons, *at)],
                        MUTED.stroke_width(1),
                    )
                }),
        )?;
        chart.draw_series(self.points.iter().zip(&labels_at).map(|(p, at)| {
            Text::new(
                shorten(&p.segment, 34),
                (p.persons, *at),
                anchored(LABEL, HPos::Left, VPos::Bottom),
            )
        }))?;
        legend(&mut chart, SeriesLabelPosition::LowerRight)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Labels of points close in height are stacked a line apart, in the points' order.
    #[test]
    fn labels_never_overlap() {
        let point = |excess: f64| FocusPoint {
            segment: "x".into(),
            persons: 100.0,
            excess,
            passes_volume: true,
        };
        let c = FocusChart {
            title: String::new(),
            points: vec![point(500.0), point(100.0), point(110.0), point(2000.0)],
            min_volume: 100.0,
            lang: Lang::Nl,
        };
        let span = 1900.0;
        let at = c.label_heights(span);
        let line = 1.2 * span * 16.0 / 400.0;
        let mut sorted = at.clone();
        sorted.sort_by(f64::total_cmp);
        assert!(
            sorted.windows(2).all(|w| w[1] - w[0] >= line - 1e-9),
            "{at:?}"
        );
        assert_eq!(at[1], 100.0, "the lowest label stays at its point");
        assert!(at.iter().zip(&c.points).all(|(a, p)| *a >= p.excess));
    }
}
