//! Funnel plot of O/E against insured years (METHODS 1 and 4): the target line at 1, the 95%
//! and 99.8% limits at the level's pooled norm per insured year (widened for overdispersion as
//! the run did), every shown area as a point, flagged areas filled and named.

use super::style::{
    anchored, blank, frame, legend, nice_ceil, DrawResult, INK, LABEL, MUTED, NO_LINE,
};
use crate::stats::{Z95, Z998};
use crate::text::labels;
use crate::text::Lang;
use crate::view::FunnelFit;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

#[derive(Debug, Clone)]
pub struct FunnelPoint {
    pub years: f64,
    pub oe: f64,
    /// The area's name when it is flagged at this level.
    pub flag: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Funnel {
    pub title: String,
    pub points: Vec<FunnelPoint>,
    pub fit: FunnelFit,
    /// `none`, `multiplicative` or `additive`, as the run used.
    pub method: String,
    /// Whether the run judged capped cost (METHODS 8): the axis says so.
    pub capped: bool,
    /// What a point is, for the legend: an area, or a GP practice.
    pub practices: bool,
    pub lang: Lang,
}

impl Funnel {
    /// SE of O/E at `years` insured years, widened as the run's overdispersion method did.
    pub fn se(&self, years: f64) -> f64 {
        let se = self.fit.sigma_eur / (self.fit.norm_per_iy * years.sqrt());
        match self.method.as_str() {
            "multiplicative" => match self.fit.phi {
                Some(phi) if self.fit.widened => se * phi.sqrt(),
                _ => se,
            },
            "additive" => (se * se + self.fit.tau2.unwrap_or(0.0)).sqrt(),
            _ => se,
        }
    }

    /// The O/E window: all points, but a few extreme small areas may not squash the funnel;
    /// the top is kept near the 95th percentile and the 99.8% limit at the median size, and
    /// points above it are drawn on the top edge with their value.
    pub fn y_range(&self) -> (f64, f64) {
        let mut oe: Vec<f64> = self.points.iter().map(|p| p.oe).collect();
        oe.sort_by(f64::total_cmp);
        let mut years: Vec<f64> = self.points.iter().map(|p| p.years).collect();
        years.sort_by(f64::total_cmp);
        let (lo, hi) = (
            oe.first().copied().unwrap_or(1.0).min(0.8),
            oe.last().copied().unwrap_or(1.0).max(1.2),
        );
        let q95 = oe.get(oe.len() * 95 / 100).copied().unwrap_or(hi);
        let median = years.get(years.len() / 2).copied().unwrap_or(1.0);
        let cap = (q95 * 1.15)
            .max(1.0 + 1.25 * Z998 * self.se(median))
            .max(1.3);
        let top = hi.min(cap);
        let pad = (top - lo) * 0.06;
        ((lo - pad).max(0.0), top + pad)
    }

    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        blank(root)?;
        let lang = self.lang;
        let xmax = nice_ceil(self.points.iter().map(|p| p.years).fold(1.0, f64::max) * 1.05);
        let (ymin, ymax) = self.y_range();
        let mut chart = frame(root, &self.title, 56).build_cartesian_2d(0f64..xmax, ymin..ymax)?;
        chart
            .configure_mesh()
            .x_labels(6)
            .y_labels(8)
            .x_label_formatter(&|v| lang.number(*v, 0))
            .y_label_formatter(&|v| lang.ratio(*v))
            .x_desc(lang.l(labels::INSURED_YEARS))
            .y_desc(if self.capped {
                lang.l(labels::CAPPED_ACTUAL_NORM_COST_O)
            } else {
                lang.l(labels::ACTUAL_NORM_COST_O_E)
            })
            .label_style(LABEL)
            .light_line_style(NO_LINE)
            .draw()?;

        chart.draw_series(LineSeries::new(
            [(0.0, 1.0), (xmax, 1.0)],
            INK.stroke_width(1),
        ))?;
        // Limit curves, kept to the part that lies inside the plot.
        let grid: Vec<f64> = (1..=240).map(|k| xmax * k as f64 / 240.0).collect();
        let inside = |v: f64| v >= ymin && v <= ymax;
        for (z, dashed, label) in [
            (Z95, true, lang.l(labels::N95_LIMITS)),
            (Z998, false, lang.l(labels::N99_8_LIMITS)),
        ] {
            for sign in [1.0, -1.0] {
                let pts: Vec<(f64, f64)> = grid
                    .iter()
                    .map(|&n| (n, 1.0 + sign * z * self.se(n)))
                    .filter(|(_, v)| inside(*v))
                    .collect();
                let first = sign > 0.0;
                if dashed {
                    let s = chart.draw_series(DashedLineSeries::new(
                        pts,
                        6,
                        4,
                        MUTED.stroke_width(2),
                    ))?;
                    if first {
                        s.label(label).legend(|(x, y)| {
                            PathElement::new([(x, y), (x + 8, y)], MUTED.stroke_width(2))
                        });
                    }
                } else {
                    let s = chart.draw_series(LineSeries::new(pts, INK.stroke_width(1)))?;
                    if first {
                        s.label(label).legend(|(x, y)| {
                            PathElement::new([(x, y), (x + 16, y)], INK.stroke_width(1))
                        });
                    }
                }
            }
        }
        // Points above the window sit on its top edge as triangles, labelled with their O/E.
        let top = ymax - (ymax - ymin) * 0.02;
        let above: Vec<&FunnelPoint> = self.points.iter().filter(|p| p.oe > ymax).collect();
        chart.draw_series(
            above
                .iter()
                .map(|p| TriangleMarker::new((p.years, top), 6, INK.filled())),
        )?;
        chart.draw_series(above.iter().map(|p| {
            Text::new(
                format!(
                    "{}O/E {}",
                    p.flag
                        .as_ref()
                        .map(|n| format!("{n}: "))
                        .unwrap_or_default(),
                    lang.ratio(p.oe)
                ),
                (p.years, top),
                anchored(LABEL, HPos::Left, VPos::Top),
            )
        }))?;
        let inside_window = |p: &&FunnelPoint| p.oe <= ymax;
        chart
            .draw_series(
                self.points
                    .iter()
                    .filter(inside_window)
                    .filter(|p| p.flag.is_none())
                    .map(|p| Circle::new((p.years, p.oe), 3, INK.stroke_width(1))),
            )?
            .label(lang.l(if self.practices {
                labels::PRACTICE
            } else {
                labels::AREA
            }))
            .legend(|(x, y)| Circle::new((x + 6, y), 3, INK.stroke_width(1)));
        chart
            .draw_series(
                self.points
                    .iter()
                    .filter(inside_window)
                    .filter(|p| p.flag.is_some())
                    .map(|p| Circle::new((p.years, p.oe), 4, INK.filled())),
            )?
            .label(lang.l(if self.practices {
                labels::FLAGGED_PRACTICE
            } else {
                labels::FLAGGED_AREA
            }))
            .legend(|(x, y)| Circle::new((x + 6, y), 4, INK.filled()));
        chart.draw_series(self.points.iter().filter(inside_window).filter_map(|p| {
            p.flag.as_ref().map(|name| {
                Text::new(
                    name.clone(),
                    (p.years, p.oe),
                    anchored(LABEL, HPos::Left, VPos::Bottom),
                )
            })
        }))?;
        legend(&mut chart, SeriesLabelPosition::UpperRight)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn funnel(method: &str, phi: f64, tau2: f64, widened: bool) -> Funnel {
        Funnel {
            title: String::new(),
            points: vec![],
            fit: FunnelFit {
                sigma_eur: 8000.0,
                norm_per_iy: 2625.0,
                phi: Some(phi),
                tau2: Some(tau2),
                widened,
            },
            method: method.into(),
            capped: true,
            practices: false,
            lang: Lang::Nl,
        }
    }

    /// METHODS 1 worked check on the ratio scale: 2625 ± 1.96·8000/√1000 is O/E 1 ± 0.18889.
    #[test]
    fn limits_match_the_methods_check() {
        let f = funnel("none", 4.0, 0.0, false);
        let hi = 1.0 + Z95 * f.se(1000.0);
        assert!((hi * 2625.0 - 3120.84).abs() < 0.01, "{}", hi * 2625.0);
        // Multiplicative widens by √φ where the run widened (METHODS 4.4: φ above its chance
        // threshold), else not at all; additive adds τ² to the variance.
        let wide = funnel("multiplicative", 4.0, 0.0, true).se(1000.0);
        assert!((wide - 2.0 * f.se(1000.0)).abs() < 1e-12);
        assert_eq!(
            funnel("multiplicative", 4.0, 0.0, false).se(1000.0),
            f.se(1000.0)
        );
        let a = funnel("additive", 4.0, 0.01, true).se(1000.0);
        assert!((a * a - (f.se(1000.0).powi(2) + 0.01)).abs() < 1e-12);
    }
}
