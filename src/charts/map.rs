//! Choropleth maps: one panel per gemeente, each shape filled with its area's class of a
//! diverging scale (blue below the norm, red above), grey where the area has too few persons.
//! Small maps carry a `+`/`−` per shape so the side of the norm survives grey printing.

use super::style::{
    anchored, blank, key_box, text, DrawResult, DIVERGING, HIDDEN, INK, LABEL, MUTED, PANEL_TITLE,
    SMALL, TITLE,
};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// Shapes beyond this many get no `+`/`−` marks (they would be unreadable).
const MAX_MARKS: usize = 400;

#[derive(Debug, Clone)]
pub struct MapShape {
    /// The area the shape is coloured by (its code at the map's level); the served page makes
    /// the shape a link to it.
    pub code: String,
    pub rings: Vec<Vec<(f64, f64)>>,
    pub label_at: (f64, f64),
    pub fill: Fill,
}

/// How a shape is filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// A class of the scale.
    Class(usize),
    /// The area is suppressed: too few persons.
    Hidden,
    /// The area is published but has no value (e.g. no norm cost).
    NoData,
}

/// A point on a map (a GP practice): where, and its radius in pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct MapPoint {
    pub at: (f64, f64),
    pub radius: u32,
}

#[derive(Debug, Clone)]
pub struct Panel {
    pub title: String,
    pub shapes: Vec<MapShape>,
    pub points: Vec<MapPoint>,
}

#[derive(Debug, Clone)]
pub struct MapChart {
    pub title: String,
    pub panels: Vec<Panel>,
    /// Labels of the seven classes, low to high.
    pub classes: Vec<String>,
    /// Colour the classes from red (low) to blue (high) instead, for resultaat where low is bad.
    pub reversed: bool,
    pub hidden_label: String,
    pub no_data_label: String,
    pub marks_note: String,
    /// What the points are, under the legend (maps with points only).
    pub points_note: Option<String>,
}

/// Most gemeenten one map shows.
pub const MAX_PANELS: usize = 12;

/// (rows, columns) of the panel grid: up to four side by side.
pub fn grid(panels: usize) -> (usize, usize) {
    let cols = panels.clamp(1, 4);
    (panels.max(1).div_ceil(cols), cols)
}

/// The class (0..7) of `v` against six ascending edges.
pub fn classify(v: f64, edges: &[f64; 6]) -> usize {
    edges.iter().take_while(|e| v >= **e).count()
}

impl MapChart {
    fn colour(&self, class: usize) -> RGBColor {
        let k = class.min(6);
        DIVERGING[if self.reversed { 6 - k } else { k }]
    }

    /// `+` for the red side, `−` for the blue side, nothing in the middle class.
    fn mark(&self, class: usize) -> Option<&'static str> {
        let above = if self.reversed { class < 3 } else { class > 3 };
        let below = if self.reversed { class > 3 } else { class < 3 };
        if above {
            Some("+")
        } else if below {
            Some("−")
        } else {
            None
        }
    }

    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        blank(root)?;
        let (w, h) = root.dim_in_pixel();
        let titled = root.titled(&self.title, TITLE)?;
        let (maps, legend) = titled.split_vertically(h as i32 - 110);
        let panels = maps.split_evenly(grid(self.panels.len()));
        for (area, panel) in panels.iter().zip(&self.panels) {
            self.draw_panel(area, panel)?;
        }
        // Legend: seven classes, then too few persons and no value.
        let box_w = ((w as i32 - 40) / 9).min(130);
        for k in 0..=8 {
            let x = 20 + k * box_w;
            let (colour, label) = match k {
                0..=6 => (self.colour(k as usize), self.classes[k as usize].clone()),
                7 => (HIDDEN, self.hidden_label.clone()),
                _ => (WHITE, self.no_data_label.clone()),
            };
            key_box(&legend, [(x, 14), (x + 22, 30)], colour)?;
            legend.draw(&Text::new(label, (x, 36), text(SMALL, &INK)))?;
        }
        legend.draw(&Text::new(
            self.marks_note.clone(),
            (20, 60),
            text(SMALL, &MUTED),
        ))?;
        if let Some(note) = &self.points_note {
            legend.draw(&Circle::new((25, 82), 4, INK.filled()))?;
            legend.draw(&Text::new(note.clone(), (36, 76), text(SMALL, &INK)))?;
        }
        Ok(())
    }

    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        panel: &Panel,
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let (pw, ph) = area.dim_in_pixel();
        let Some((x0, y0, x1, y1)) = bounds(&panel.shapes) else {
            return Ok(());
        };
        // Equal scales on both axes: widen the shorter side of the box to the panel's shape.
        let (pw_f, ph_f) = (f64::from(pw.max(1)) - 16.0, f64::from(ph.max(1)) - 40.0);
        let (dx, dy) = ((x1 - x0).max(1e-9), (y1 - y0).max(1e-9));
        let scale = (pw_f / dx).min(ph_f / dy);
        let (ex, ey) = ((pw_f / scale - dx) / 2.0, (ph_f / scale - dy) / 2.0);
        let mut chart = ChartBuilder::on(area)
            .caption(&panel.title, PANEL_TITLE)
            .margin(8)
            .build_cartesian_2d((x0 - ex)..(x1 + ex), (y0 - ey)..(y1 + ey))?;
        for s in &panel.shapes {
            let fill = match s.fill {
                Fill::Class(c) => self.colour(c),
                Fill::Hidden => HIDDEN,
                Fill::NoData => WHITE,
            };
            for ring in &s.rings {
                chart.draw_series(std::iter::once(Polygon::new(ring.clone(), fill.filled())))?;
                // White borders between coloured shapes; a grey one around a white shape.
                let border = if s.fill == Fill::NoData { MUTED } else { WHITE };
                chart.draw_series(std::iter::once(PathElement::new(
                    ring.clone(),
                    border.stroke_width(1),
                )))?;
            }
        }
        if panel.shapes.len() <= MAX_MARKS {
            chart.draw_series(panel.shapes.iter().filter_map(|s| {
                let Fill::Class(class) = s.fill else {
                    return None;
                };
                let mark = self.mark(class)?;
                Some(Text::new(
                    mark,
                    s.label_at,
                    anchored(LABEL, HPos::Center, VPos::Center),
                ))
            }))?;
        }
        for p in &panel.points {
            chart.draw_series([
                Circle::new(p.at, p.radius + 1, WHITE.filled()),
                Circle::new(p.at, p.radius, INK.filled()),
            ])?;
        }
        Ok(())
    }
}

impl MapChart {
    /// The area code of every filled ring, in the order `draw` draws them: each ring is one
    /// polygon, drawn panel by panel and shape by shape (nothing else on a map is a polygon),
    /// so the served page can tell which area a polygon of the SVG belongs to.
    pub fn polygon_codes(&self) -> Vec<&str> {
        self.panels
            .iter()
            .flat_map(|p| p.shapes.iter())
            .flat_map(|s| s.rings.iter().map(move |_| s.code.as_str()))
            .collect()
    }
}

/// The box (x0, y0, x1, y1) around the shapes' rings; None for no points.
pub fn bounds(shapes: &[MapShape]) -> Option<(f64, f64, f64, f64)> {
    let pts = shapes.iter().flat_map(|s| s.rings.iter().flatten());
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for &(x, y) in pts {
        (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
    }
    (x0 <= x1).then_some((x0, y0, x1, y1))
}

/// Spreads `n` points around `centre` (a sunflower spiral, `step` map units apart), so that
/// several practices of one wijk stay apart and the first sits at the centre.
pub fn spread(centre: (f64, f64), n: usize, step: f64) -> Vec<(f64, f64)> {
    const GOLDEN_ANGLE: f64 = 2.399_963_229_728_653;
    (0..n)
        .map(|k| {
            let r = step * (k as f64).sqrt();
            let a = k as f64 * GOLDEN_ANGLE;
            (centre.0 + r * a.cos(), centre.1 + r * a.sin())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_points_start_at_the_centre_and_keep_apart() {
        let p = spread((10.0, 20.0), 6, 1.0);
        assert_eq!(p[0], (10.0, 20.0));
        for i in 0..p.len() {
            for j in 0..i {
                let d = ((p[i].0 - p[j].0).powi(2) + (p[i].1 - p[j].1).powi(2)).sqrt();
                assert!(d > 0.6, "{i} and {j} are {d} apart");
            }
        }
    }

    #[test]
    fn classes_split_at_the_edges() {
        let edges = [0.8, 0.9, 0.95, 1.05, 1.1, 1.2];
        assert_eq!(classify(0.5, &edges), 0);
        assert_eq!(classify(0.8, &edges), 1);
        assert_eq!(classify(1.0, &edges), 3);
        assert_eq!(classify(1.19, &edges), 5);
        assert_eq!(classify(3.0, &edges), 6);
    }
}
