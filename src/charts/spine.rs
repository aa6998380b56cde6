//! "This area against Nederland" (issue #10): a spine chart in the style of Fingertips' area
//! profiles. One row per indicator: the benchmark (Nederland where known, else the whole book)
//! as the centre line, the range of the areas of the same level as a light bar (lowest to
//! highest) with a darker middle half (25th to 75th percentile), the gemeente as an open
//! diamond and the area itself as a filled circle; each row scaled so that the farthest of
//! range, gemeente and area from the benchmark touches the edge. Values are printed beside.

use super::style::{
    anchored, blank, frame, shorten, text, DrawResult, INK, LABEL, MUTED, ROW_LABEL,
};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

#[derive(Debug, Clone)]
pub struct SpineRow {
    pub label: String,
    /// The area's value, printed as given.
    pub value: Option<f64>,
    pub text: String,
    pub gemeente: Option<f64>,
    pub benchmark: f64,
    /// (lowest, 25th percentile, 75th percentile, highest) over the level's published areas.
    pub range: Option<(f64, f64, f64, f64)>,
}

#[derive(Debug, Clone)]
pub struct SpineChart {
    pub title: String,
    pub rows: Vec<SpineRow>,
    /// Legend words: area, gemeente, benchmark, range, middle half.
    pub legend: [String; 5],
}

/// (lowest, 25th, 75th, highest) of `values` (nearest-rank percentiles).
pub fn spread(values: &[f64]) -> Option<(f64, f64, f64, f64)> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.len() < 2 {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let q = |p: f64| v[((p * (v.len() - 1) as f64).round() as usize).min(v.len() - 1)];
    Some((v[0], q(0.25), q(0.75), v[v.len() - 1]))
}

impl SpineChart {
    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        blank(root)?;
        let n = self.rows.len().max(1) as f64;
        // Room at the right for the printed values, and no x labels below.
        let mut chart = frame(root, &self.title, 260)
            .margin_right(150)
            .x_label_area_size(30)
            .build_cartesian_2d(-1.1f64..1.1, 0f64..n)?;
        let labels: Vec<String> = self.rows.iter().map(|r| shorten(&r.label, 40)).collect();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .disable_y_mesh()
            .x_labels(0)
            .y_labels(self.rows.len() * 2 + 1)
            .y_label_formatter(&|y| {
                let i = (n - y - 0.5).round();
                if (y.fract() - 0.5).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len() {
                    labels[i as usize].clone()
                } else {
                    String::new()
                }
            })
            .label_style(ROW_LABEL)
            .draw()?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 0.0), (0.0, n)],
            INK.stroke_width(2),
        )))?;
        let light = RGBColor(220, 220, 220);
        let dark = RGBColor(150, 150, 150);
        for (i, r) in self.rows.iter().enumerate() {
            let y = n - i as f64 - 0.5;
            let b = r.benchmark;
            let mut reach: f64 = 0.0;
            for v in [r.value, r.gemeente].into_iter().flatten() {
                reach = reach.max((v - b).abs());
            }
            if let Some((lo, _, _, hi)) = r.range {
                reach = reach.max((lo - b).abs()).max((hi - b).abs());
            }
            let scale = |v: f64| if reach > 0.0 { (v - b) / reach } else { 0.0 };
            if let Some((lo, q1, q3, hi)) = r.range {
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(scale(lo), y - 0.25), (scale(hi), y + 0.25)],
                    light.filled(),
                )))?;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(scale(q1), y - 0.25), (scale(q3), y + 0.25)],
                    dark.filled(),
                )))?;
            }
            if let Some(g) = r.gemeente {
                let x = scale(g);
                chart.draw_series(std::iter::once(Polygon::new(
                    vec![(x, y + 0.3), (x + 0.04, y), (x, y - 0.3), (x - 0.04, y)],
                    WHITE.filled(),
                )))?;
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![
                        (x, y + 0.3),
                        (x + 0.04, y),
                        (x, y - 0.3),
                        (x - 0.04, y),
                        (x, y + 0.3),
                    ],
                    INK.stroke_width(1),
                )))?;
            }
            if let Some(v) = r.value {
                chart.draw_series(std::iter::once(Circle::new((scale(v), y), 6, INK.filled())))?;
            }
            chart.draw_series(std::iter::once(Text::new(
                r.text.clone(),
                (1.13, y),
                anchored(ROW_LABEL, HPos::Left, VPos::Center),
            )))?;
        }
        // Legend along the bottom.
        let [area, gemeente, benchmark, range, middle] = &self.legend;
        let style = text(LABEL, &MUTED);
        let (w, h) = root.dim_in_pixel();
        let y = h as i32 - 12;
        let x0 = 270;
        root.draw(&Circle::new((x0, y), 5, INK.filled()))?;
        root.draw(&Text::new(area.clone(), (x0 + 10, y - 6), style.clone()))?;
        root.draw(&Polygon::new(
            vec![
                (x0 + 120, y - 6),
                (x0 + 124, y),
                (x0 + 120, y + 6),
                (x0 + 116, y),
            ],
            INK.stroke_width(1),
        ))?;
        root.draw(&Text::new(
            gemeente.clone(),
            (x0 + 130, y - 6),
            style.clone(),
        ))?;
        root.draw(&Rectangle::new(
            [(x0 + 240, y - 6), (x0 + 242, y + 6)],
            INK.filled(),
        ))?;
        root.draw(&Text::new(
            benchmark.clone(),
            (x0 + 248, y - 6),
            style.clone(),
        ))?;
        let xr = (x0 + 420).min(w as i32 - 200);
        root.draw(&Rectangle::new(
            [(xr, y - 5), (xr + 20, y + 5)],
            light.filled(),
        ))?;
        root.draw(&Text::new(range.clone(), (xr + 24, y - 6), style.clone()))?;
        root.draw(&Rectangle::new(
            [(xr + 90, y - 5), (xr + 110, y + 5)],
            dark.filled(),
        ))?;
        root.draw(&Text::new(middle.clone(), (xr + 114, y - 6), style))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_by_nearest_rank() {
        assert_eq!(spread(&[1.0]), None);
        assert_eq!(
            spread(&[4.0, 1.0, 3.0, 2.0, 5.0]),
            Some((1.0, 2.0, 4.0, 5.0))
        );
    }
}
