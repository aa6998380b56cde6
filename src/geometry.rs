//! Map geometry (SPEC 2.5, optional `geometry.geojson`): buurt or wijk polygons with CBS codes
//! in a property. Each feature is keyed by the finest CBS code among its properties; coarser
//! levels are coloured through the code's own structure (BUggggwwbb → WKggggww → GMgggg).

use crate::domain::Level;
use geo::kernels::{Kernel, Orientation, RobustKernel};
use geo::line_intersection::line_intersection;
use geo::{Area, Coord, InteriorPoint, Line, LineIntersection, LineString, Polygon};
use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

/// One feature: its CBS code and its polygons' outer rings in plot coordinates.
#[derive(Debug, Clone)]
pub struct Shape {
    pub code: String,
    pub rings: Vec<Vec<(f64, f64)>>,
    /// A point inside the shape, for a marker.
    pub label_at: (f64, f64),
    pub area: f64,
}

#[derive(Debug, Clone, Default)]
pub struct MapGeometry {
    /// Largest first, so enclaves are drawn over their surroundings.
    pub shapes: Vec<Shape>,
    /// Features without any CBS code in their properties (left out, reported).
    pub uncoded: usize,
    /// One line per feature whose shape was invalid or degenerate: its code, what was wrong,
    /// and whether it was drawn or skipped (reported as warnings, never fatal).
    pub warnings: Vec<String>,
}

fn finest_code(props: &serde_json::Map<String, serde_json::Value>) -> Option<String> {
    let codes: Vec<&str> = props
        .values()
        .filter_map(|v| v.as_str())
        .filter(|s| Level::of_code(s).is_some())
        .collect();
    [Level::Buurt, Level::Wijk, Level::Gemeente]
        .iter()
        .find_map(|l| {
            codes
                .iter()
                .find(|c| Level::of_code(c) == Some(*l))
                .map(|c| c.to_string())
        })
}

/// The polygons (rings of positions, outer ring first) of a GeoJSON geometry. Read from the
/// JSON positions rather than through geo-types, whose conversion indexes a position's
/// second number without checking it is there.
fn polygons(g: &geojson::Value) -> Vec<&[Vec<geojson::Position>]> {
    match g {
        geojson::Value::Polygon(p) => vec![p.as_slice()],
        geojson::Value::MultiPolygon(m) => m.iter().map(Vec::as_slice).collect(),
        geojson::Value::GeometryCollection(c) => {
            c.iter().flat_map(|g| polygons(&g.value)).collect()
        }
        _ => Vec::new(),
    }
}

/// A ring closed, without repeated consecutive points, with at least three distinct points
/// that are not all on one line; `Err` says why the ring is unusable. Fixes go to `notes`.
fn clean_ring(
    ring: &[geojson::Position],
    notes: &mut BTreeSet<String>,
) -> Result<Vec<Coord>, &'static str> {
    // Far beyond any map's metres or degrees; bigger values overflow geo's arithmetic
    // (infinite intersections), on which its sweep line can loop forever.
    const FAR: f64 = 1e9;
    let usable = |v: &f64| v.is_finite() && v.abs() <= FAR;
    let mut pts: Vec<Coord> = Vec::with_capacity(ring.len());
    for p in ring {
        match p.as_slice() {
            [x, y, ..] if usable(x) && usable(y) => pts.push(Coord { x: *x, y: *y }),
            _ => return Err("a coordinate missing, not finite or beyond 1e9"),
        }
    }
    if pts.len() > 1 && pts.first() != pts.last() {
        notes.insert("ring not closed (closed it)".into());
        pts.push(pts[0]);
    }
    let before = pts.len();
    pts.dedup();
    if pts.len() < before {
        notes.insert("repeated points (dropped them)".into());
    }
    // The closing point repeats the first; the distinct ones are the rest.
    let open = &pts[..pts.len().saturating_sub(1)];
    let mut distinct: Vec<(u64, u64)> = open
        .iter()
        .map(|c| (c.x.to_bits(), c.y.to_bits()))
        .collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 3 {
        return Err("fewer than 3 distinct points");
    }
    let (a, b) = (open[0], open[1]);
    if open[2..]
        .iter()
        .all(|c| RobustKernel::orient2d(a, b, *c) == Orientation::Collinear)
    {
        return Err("zero area");
    }
    Ok(pts)
}

/// Whether any two edges of the rings cross, touch or overlap, apart from consecutive edges
/// meeting at their shared point. geo's sweep-line algorithms (e.g. `interior_point`) may
/// panic on such rings. Edges are compared only when their x ranges overlap.
fn rings_cross(rings: &[Vec<Coord>]) -> bool {
    // (ring, edge index, edges in the ring, edge)
    let mut edges: Vec<(usize, usize, usize, Line)> = rings
        .iter()
        .enumerate()
        .flat_map(|(r, ring)| {
            let n = ring.len() - 1;
            ring.windows(2)
                .enumerate()
                .map(move |(i, w)| (r, i, n, Line::new(w[0], w[1])))
        })
        .collect();
    let min_x = |l: &Line| l.start.x.min(l.end.x);
    edges.sort_by(|a, b| min_x(&a.3).total_cmp(&min_x(&b.3)));
    for (k, &(r, i, n, a)) in edges.iter().enumerate() {
        let max_x = a.start.x.max(a.end.x);
        for &(s, j, _, b) in edges[k + 1..].iter().take_while(|e| min_x(&e.3) <= max_x) {
            let next = r == s && (i.abs_diff(j) == 1 || i.abs_diff(j) == n - 1);
            match line_intersection(a, b) {
                None => {}
                Some(LineIntersection::SinglePoint { .. }) if next => {}
                Some(_) => return true,
            }
        }
    }
    false
}

/// The mean of a closed ring's points (the closing one counted once): a label point for a
/// ring geo cannot be trusted with.
fn vertex_mean(ring: &[Coord]) -> Coord {
    let open = &ring[..ring.len() - 1];
    let n = open.len() as f64;
    Coord {
        x: open.iter().map(|c| c.x).sum::<f64>() / n,
        y: open.iter().map(|c| c.y).sum::<f64>() / n,
    }
}

/// One feature's usable polygons, in source coordinates.
struct Checked {
    /// Rings of each polygon, outer first, and whether they cross.
    polygons: Vec<(Vec<Vec<Coord>>, bool)>,
    /// What was wrong with the feature's shape, for its warning.
    notes: BTreeSet<String>,
    /// Polygons left out.
    skipped: usize,
}

/// Checks each polygon of a feature before any geo algorithm sees it.
fn check_feature(raw: &[&[Vec<geojson::Position>]]) -> Checked {
    let mut notes = BTreeSet::new();
    let mut polygons = Vec::new();
    let mut skipped = 0;
    for rings in raw {
        let Some((outer, holes)) = rings.split_first() else {
            notes.insert("a polygon without rings".into());
            skipped += 1;
            continue;
        };
        let outer = match clean_ring(outer, &mut notes) {
            Ok(r) => r,
            Err(why) => {
                notes.insert(format!("ring with {why}"));
                skipped += 1;
                continue;
            }
        };
        let mut cleaned = vec![outer];
        for hole in holes.iter() {
            match clean_ring(hole, &mut notes) {
                Ok(r) => cleaned.push(r),
                Err(why) => {
                    notes.insert(format!("hole with {why} (left out)"));
                }
            }
        }
        let crossing = rings_cross(&cleaned);
        if crossing {
            notes.insert("ring crosses or touches itself".into());
        }
        polygons.push((cleaned, crossing));
    }
    Checked {
        polygons,
        notes,
        skipped,
    }
}

/// A point inside the polygon from geo; a crossing polygon, or one that geo fails on (panics
/// or finds nothing), gets the mean of its outer ring's points instead.
fn label_point(rings: &[Vec<Coord>], crossing: bool, notes: &mut BTreeSet<String>) -> Coord {
    let fallback = vertex_mean(&rings[0]);
    if crossing {
        return fallback;
    }
    let polygon = Polygon::new(
        LineString::new(rings[0].clone()),
        rings[1..].iter().cloned().map(LineString::new).collect(),
    );
    match catch_unwind(AssertUnwindSafe(|| polygon.interior_point())) {
        Ok(Some(p)) => p.0,
        Ok(None) => fallback,
        Err(panic) => {
            notes.insert(format!(
                "no point inside found ({}; marker at the mean of its points)",
                panic_text(&*panic)
            ));
            fallback
        }
    }
}

/// What a caught panic said (geo's messages name no data, only its own state).
fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown error".into())
}

/// A feature's shape in plot coordinates (x shrunk by `kx`); None when nothing is drawable.
fn shape(code: &str, checked: &Checked, kx: f64, notes: &mut BTreeSet<String>) -> Option<Shape> {
    // geo's area (plain arithmetic, safe on any ring), so shapes sort as they always did.
    let area_of = |rings: &[Vec<Coord>]| {
        Polygon::new(
            LineString::from(rings[0].clone()),
            rings[1..]
                .iter()
                .map(|r| LineString::from(r.clone()))
                .collect(),
        )
        .unsigned_area()
    };
    let biggest = checked
        .polygons
        .iter()
        .max_by(|a, b| area_of(&a.0).total_cmp(&area_of(&b.0)))?;
    let at = label_point(&biggest.0, biggest.1, notes);
    Some(Shape {
        code: code.to_string(),
        rings: checked
            .polygons
            .iter()
            .map(|(rings, _)| rings[0].iter().map(|c| (c.x * kx, c.y)).collect())
            .collect(),
        label_at: (at.x * kx, at.y),
        area: checked
            .polygons
            .iter()
            .map(|(r, _)| area_of(r))
            .sum::<f64>()
            * kx,
    })
}

/// Longitude/latitude is drawn with the longitude shrunk by cos(latitude), so shapes keep
/// their proportions; projected metres (RD New) are drawn as they are.
fn x_scale<'a>(outer_rings: impl Iterator<Item = &'a Vec<Coord>> + Clone) -> f64 {
    let lonlat = outer_rings
        .clone()
        .flatten()
        .all(|c| (-180.0..=180.0).contains(&c.x) && (-90.0..=90.0).contains(&c.y));
    // The latitude of the map: the mean of the rings' box centres.
    let centres: Vec<f64> = outer_rings
        .map(|r| {
            let (lo, hi) = r.iter().fold((f64::MAX, f64::MIN), |(lo, hi), c| {
                (lo.min(c.y), hi.max(c.y))
            });
            (lo + hi) / 2.0
        })
        .collect();
    let mean_lat = centres.iter().sum::<f64>() / centres.len().max(1) as f64;
    if lonlat {
        mean_lat.to_radians().cos()
    } else {
        1.0
    }
}

/// The warning line for a feature: its code, what was wrong, and what became of it.
fn warning(code: &str, notes: &BTreeSet<String>, drawn: bool, skipped: usize) -> String {
    let what = notes.iter().cloned().collect::<Vec<_>>().join("; ");
    let fate = match (drawn, skipped) {
        (false, _) => "skipped, not on the maps".to_string(),
        (true, 0) => "drawn".to_string(),
        (true, n) => format!("drawn without {n} of its polygons"),
    };
    format!("feature {code}: {what}; {fate}")
}

impl MapGeometry {
    /// Reads and checks the file; the error is a message for a `Problem` naming the file.
    /// Invalid or degenerate shapes are no error: they are fixed, drawn or skipped, each with
    /// a line in `warnings`.
    pub fn read(path: &Path) -> std::result::Result<MapGeometry, String> {
        let bad = |m: String| m;
        let text =
            std::fs::read_to_string(path).map_err(|e| bad(format!("cannot be read: {e}")))?;
        let gj: geojson::GeoJson = text
            .parse()
            .map_err(|e| bad(format!("is not valid GeoJSON: {e}")))?;
        Self::from_geojson(gj)
    }

    /// The geometry of parsed GeoJSON (see [`MapGeometry::read`]).
    pub fn from_geojson(gj: geojson::GeoJson) -> std::result::Result<MapGeometry, String> {
        let features = match gj {
            geojson::GeoJson::FeatureCollection(fc) => fc.features,
            geojson::GeoJson::Feature(f) => vec![f],
            geojson::GeoJson::Geometry(_) => {
                return Err(
                    "holds a bare geometry; expected features with a CBS code property".into(),
                )
            }
        };
        let mut checked: Vec<(String, Checked)> = Vec::new();
        let mut uncoded = 0;
        let mut warnings = Vec::new();
        for f in &features {
            let code = f.properties.as_ref().and_then(finest_code);
            let (Some(code), Some(geom)) = (code, f.geometry.as_ref()) else {
                uncoded += 1;
                continue;
            };
            let raw = polygons(&geom.value);
            if raw.is_empty() {
                warnings.push(format!(
                    "feature {code}: no polygon; skipped, not on the maps"
                ));
                continue;
            }
            // The last line of defence: a panic on one feature skips that feature only.
            match catch_unwind(AssertUnwindSafe(|| check_feature(&raw))) {
                Ok(c) => checked.push((code, c)),
                Err(panic) => warnings.push(format!(
                    "feature {code}: its shape could not be checked ({}); skipped, not on the maps",
                    panic_text(&*panic)
                )),
            }
        }
        let kx = x_scale(
            checked
                .iter()
                .flat_map(|(_, c)| &c.polygons)
                .map(|p| &p.0[0]),
        );
        let mut shapes = Vec::new();
        for (code, mut c) in checked {
            let mut notes = std::mem::take(&mut c.notes);
            let s = catch_unwind(AssertUnwindSafe(|| shape(&code, &c, kx, &mut notes)));
            let s = s.unwrap_or_else(|panic| {
                notes.insert(format!(
                    "its shape could not be placed ({})",
                    panic_text(&*panic)
                ));
                None
            });
            if !notes.is_empty() {
                warnings.push(warning(&code, &notes, s.is_some(), c.skipped));
            }
            shapes.extend(s);
        }
        shapes.sort_by(|a, b| b.area.total_cmp(&a.area).then(a.code.cmp(&b.code)));
        Ok(MapGeometry {
            shapes,
            uncoded,
            warnings,
        })
    }

    /// Levels this geometry can colour: its codes' own levels and every coarser one.
    pub fn levels(&self) -> Vec<Level> {
        [Level::Buurt, Level::Wijk, Level::Gemeente]
            .into_iter()
            .filter(|l| self.shapes.iter().any(|s| l.ancestor_of(&s.code).is_some()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The real CBS buurtkaart of Baarn (shared/data/real): 21 buurten keyed by `buurtcode`,
    /// beside `wijkcode`, `gemeentecode` and a `jrstatcode` that is no code.
    #[test]
    fn reads_the_real_cbs_buurt_map() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/data/real/cbs_wijkenbuurten2024_buurten_baarn.geojson");
        let g = MapGeometry::read(&path).unwrap();
        assert_eq!(g.shapes.len() + g.uncoded, 21);
        assert_eq!(g.uncoded, 0);
        assert!(g.shapes.iter().all(|s| s.code.starts_with("BU0308")));
        assert_eq!(g.levels(), vec![Level::Buurt, Level::Wijk, Level::Gemeente]);
        assert!(g
            .shapes
            .iter()
            .all(|s| s.rings.iter().all(|r| r.len() >= 4)));
    }

    #[test]
    fn reads_features_by_their_finest_code() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.geojson");
        std::fs::write(
            &path,
            r#"{"type":"FeatureCollection","features":[
              {"type":"Feature","properties":{"wijkcode":"WK015301","buurtcode":"BU01530101"},
               "geometry":{"type":"Polygon","coordinates":[[[6.8,52.2],[6.9,52.2],[6.9,52.3],[6.8,52.3],[6.8,52.2]]]}},
              {"type":"Feature","properties":{"name":"no code"},
               "geometry":{"type":"Polygon","coordinates":[[[6.8,52.2],[6.9,52.2],[6.9,52.3],[6.8,52.2]]]}}
            ]}"#,
        )
        .unwrap();
        let g = MapGeometry::read(&path).unwrap();
        assert_eq!(g.shapes.len(), 1);
        assert_eq!(g.shapes[0].code, "BU01530101");
        assert_eq!(g.uncoded, 1);
        assert_eq!(g.levels(), vec![Level::Buurt, Level::Wijk, Level::Gemeente]);
        // Longitude is shrunk by cos(52.25°).
        let w = g.shapes[0].rings[0][1].0 - g.shapes[0].rings[0][0].0;
        assert!((w - 0.1 * 52.25f64.to_radians().cos()).abs() < 1e-9, "{w}");

        std::fs::write(&path, "{ not json").unwrap();
        // The message says what is wrong; the validation problem around it names the file
        // (tests/report.rs checks both on the command line).
        let e = MapGeometry::read(&path).unwrap_err();
        assert!(e.contains("not valid GeoJSON"), "{e}");
    }

    fn write(dir: &tempfile::TempDir, features: &str) -> std::path::PathBuf {
        let path = dir.path().join("g.geojson");
        let text = format!(r#"{{"type":"FeatureCollection","features":[{features}]}}"#);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn feature(code: &str, geometry: &str) -> String {
        format!(
            r#"{{"type":"Feature","properties":{{"buurtcode":"{code}"}},"geometry":{geometry}}}"#
        )
    }

    fn polygon(ring: &str) -> String {
        format!(r#"{{"type":"Polygon","coordinates":[{ring}]}}"#)
    }

    /// A ring that crosses itself (and found by a random search) made geo's sweep line panic
    /// ("segment not found in active-vec-set") inside `interior_point`, so `read` panicked and
    /// run, validate and focus exited with 101. Now it is drawn as its outline, its marker at
    /// the mean of its points, with a warning naming the buurt.
    #[test]
    fn a_self_crossing_ring_is_drawn_with_a_warning_instead_of_panicking() {
        let ring = "[[-2,1],[0,0],[0,1],[-2,0],[1,2],[2,1],[2,0],[-2,1]]";
        let coords: Vec<Coord> = serde_json::from_str::<Vec<(f64, f64)>>(ring)
            .unwrap()
            .into_iter()
            .map(Coord::from)
            .collect();
        // The ring still makes geo panic, so this test keeps exercising the guarded path.
        let p = Polygon::new(LineString::new(coords.clone()), vec![]);
        assert!(catch_unwind(|| p.interior_point()).is_err());

        let dir = tempfile::tempdir().unwrap();
        // A square in metres far away: the map is not lon/lat, so x is not shrunk.
        let square = "[[300000,0],[300001,0],[300001,1],[300000,1],[300000,0]]";
        let path = write(
            &dir,
            &format!(
                "{},{}",
                feature("BU01530101", &polygon(ring)),
                feature("BU01530102", &polygon(square))
            ),
        );
        let g = MapGeometry::read(&path).unwrap();
        assert_eq!(g.shapes.len(), 2);
        let bow = g.shapes.iter().find(|s| s.code == "BU01530101").unwrap();
        assert_eq!(
            bow.rings,
            vec![coords.iter().map(|c| (c.x, c.y)).collect::<Vec<_>>()]
        );
        assert_eq!(bow.label_at, (1.0 / 7.0, 5.0 / 7.0));
        assert_eq!(
            g.warnings,
            vec!["feature BU01530101: ring crosses or touches itself; drawn"]
        );
    }

    #[test]
    fn degenerate_rings_are_fixed_or_skipped_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let features = [
            // A corner on a straight edge is fine: no warning.
            feature(
                "BU01530101",
                &polygon("[[0,0],[1,0],[2,0],[2,2],[0,2],[0,0]]"),
            ),
            feature("BU01530102", &polygon("[[0,0],[1,0],[1,1],[0,1]]")),
            feature(
                "BU01530103",
                &polygon("[[0,0],[1,0],[1,0],[1,1],[0,1],[0,1],[0,0]]"),
            ),
            feature("BU01530104", &polygon("[[0,0],[1,1],[2,2],[0,0]]")),
            feature("BU01530105", &polygon("[[0,0],[1,1],[0,0],[1,1],[0,0]]")),
            feature("BU01530107", r#"{"type":"Point","coordinates":[0,0]}"#),
            // A spike: the ring runs back over its own edge.
            feature("BU01530108", &polygon("[[0,0],[2,0],[1,0],[1,1],[0,0]]")),
            feature(
                "BU01530109",
                r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[5,5],[5,5]]]]}"#,
            ),
            // A hole that crosses the outer ring.
            feature(
                "BU01530110",
                r#"{"type":"Polygon","coordinates":[[[0,0],[4,0],[4,4],[0,4],[0,0]],[[1,1],[5,1],[5,2],[1,2],[1,1]]]}"#,
            ),
            feature(
                "BU01530111",
                r#"{"type":"Polygon","coordinates":[[[0,0],[4,0],[4,4],[0,4],[0,0]],[[1,1],[1,1]]]}"#,
            ),
        ];
        let g = MapGeometry::read(&write(&dir, &features.join(","))).unwrap();
        let warned = |code: &str| {
            g.warnings
                .iter()
                .find(|w| w.starts_with(&format!("feature {code}:")))
                .cloned()
                .unwrap_or_default()
        };
        let drawn = |code: &str| g.shapes.iter().any(|s| s.code == code);
        assert!(drawn("BU01530101") && warned("BU01530101").is_empty());
        assert_eq!(
            warned("BU01530102"),
            "feature BU01530102: ring not closed (closed it); drawn"
        );
        assert_eq!(
            warned("BU01530103"),
            "feature BU01530103: repeated points (dropped them); drawn"
        );
        let square = g.shapes.iter().find(|s| s.code == "BU01530103").unwrap();
        assert_eq!(square.rings[0].len(), 5);
        assert_eq!(
            warned("BU01530104"),
            "feature BU01530104: ring with zero area; skipped, not on the maps"
        );
        assert!(warned("BU01530105").contains("fewer than 3 distinct points; skipped"));
        assert_eq!(
            warned("BU01530107"),
            "feature BU01530107: no polygon; skipped, not on the maps"
        );
        assert!(drawn("BU01530108") && warned("BU01530108").contains("crosses"));
        assert!(drawn("BU01530109"));
        assert!(warned("BU01530109").ends_with("drawn without 1 of its polygons"));
        assert!(drawn("BU01530110") && warned("BU01530110").contains("crosses"));
        assert!(warned("BU01530111").contains("hole with fewer than 3 distinct points (left out)"));
        for s in &g.shapes {
            assert!(s.label_at.0.is_finite() && s.label_at.1.is_finite());
            assert!(s
                .rings
                .iter()
                .all(|r| r.len() >= 4 && r.first() == r.last()));
        }
        assert_eq!(g.warnings.len(), 9, "{:#?}", g.warnings);
    }

    /// A coordinate: mostly on a small grid, so rings cross, repeat points and lie on lines;
    /// sometimes lon/lat-like, rarely huge, tiny or not finite (one such makes a ring unusable).
    fn coordinate() -> impl Strategy<Value = f64> {
        prop_oneof![
            40 => (-3i32..4).prop_map(f64::from),
            8 => (-3i32..4).prop_map(|v| 52.2 + f64::from(v) * 1e-3),
            1 => prop_oneof![Just(1e300), Just(-1e300), Just(1e-300), Just(f64::MAX), Just(f64::MIN_POSITIVE)],
            1 => prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY)],
        ]
    }

    /// A ring of 0–12 positions, closed or not; a position sometimes has one or three numbers.
    fn ring() -> impl Strategy<Value = Vec<Vec<f64>>> {
        let position = prop_oneof![
            40 => (coordinate(), coordinate()).prop_map(|(x, y)| vec![x, y]),
            1 => coordinate().prop_map(|x| vec![x]),
            1 => (coordinate(), coordinate()).prop_map(|(x, y)| vec![x, y, 0.0]),
        ];
        (proptest::collection::vec(position, 0..12), any::<bool>()).prop_map(|(mut r, close)| {
            if close && !r.is_empty() {
                r.push(r[0].clone());
            }
            r
        })
    }

    /// Features of 1–3 polygons of 1–2 rings each.
    fn features() -> impl Strategy<Value = Vec<Vec<Vec<Vec<Vec<f64>>>>>> {
        let polygon = proptest::collection::vec(ring(), 1..3);
        proptest::collection::vec(proptest::collection::vec(polygon, 1..3), 1..4)
    }

    fn collection(features: &[Vec<Vec<Vec<Vec<f64>>>>]) -> geojson::GeoJson {
        let features = features
            .iter()
            .enumerate()
            .map(|(i, polygons)| {
                let mut properties = serde_json::Map::new();
                properties.insert("buurtcode".into(), format!("BU015301{i:02}").into());
                geojson::Feature {
                    geometry: Some(geojson::Geometry::new(geojson::Value::MultiPolygon(
                        polygons.clone(),
                    ))),
                    properties: Some(properties),
                    ..Default::default()
                }
            })
            .collect();
        geojson::GeoJson::FeatureCollection(geojson::FeatureCollection {
            features,
            bbox: None,
            foreign_members: None,
        })
    }

    /// Draws every shape on one map panel, as the report's maps do.
    fn draw(g: &MapGeometry) {
        use crate::charts::map::{Fill, MapChart, MapShape, Panel};
        use plotters::prelude::*;
        crate::charts::style::register_font();
        let shapes = g
            .shapes
            .iter()
            .enumerate()
            .map(|(i, s)| MapShape {
                code: s.code.clone(),
                rings: s.rings.clone(),
                label_at: s.label_at,
                fill: Fill::Class(i % 7),
            })
            .collect();
        let chart = MapChart {
            title: "t".into(),
            panels: vec![Panel {
                title: "p".into(),
                shapes,
                points: Vec::new(),
            }],
            classes: (0..7).map(|k| k.to_string()).collect(),
            reversed: false,
            hidden_label: "h".into(),
            no_data_label: "n".into(),
            marks_note: "m".into(),
            points_note: None,
        };
        let mut svg = String::new();
        let root = SVGBackend::with_string(&mut svg, (400, 300)).into_drawing_area();
        // An error is a failed chart (reported), not a panic; only a panic fails here.
        let _ = chart.draw(&root);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        /// No ring makes `read` (or the map drawn from it) panic: every feature is drawn,
        /// skipped with a warning, or drawn with a warning.
        #[test]
        fn no_ring_makes_reading_or_drawing_panic(features in features()) {
            let gj = collection(&features);
            let g = MapGeometry::from_geojson(gj.clone()).unwrap();
            prop_assert!(g.shapes.len() + g.warnings.len() >= 1);
            for s in &g.shapes {
                prop_assert!(s.rings.iter().flatten().all(|(x, y)| x.is_finite() && y.is_finite()));
            }
            draw(&g);
            // Through a file too, where JSON can hold the numbers (not NaN or infinity).
            let text = gj.to_string();
            if text.parse::<geojson::GeoJson>().is_ok() {
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("g.geojson");
                std::fs::write(&path, text).unwrap();
                prop_assert!(MapGeometry::read(&path).is_ok());
            }
        }
    }
}
