//! Map geometry (SPEC 2.5, optional `geometry.geojson`): buurt or wijk polygons with CBS codes
//! in a property. Each feature is keyed by the finest CBS code among its properties; coarser
//! levels are coloured through the code's own structure (BUggggwwbb → WKggggww → GMgggg).

use crate::domain::Level;
use geo::{Area, BoundingRect, Geometry, InteriorPoint, Polygon};
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

fn polygons(g: Geometry<f64>) -> Vec<Polygon<f64>> {
    match g {
        Geometry::Polygon(p) => vec![p],
        Geometry::MultiPolygon(m) => m.0,
        Geometry::GeometryCollection(c) => c.0.into_iter().flat_map(polygons).collect(),
        _ => Vec::new(),
    }
}

impl MapGeometry {
    /// Reads and checks the file; the error is a message for a `Problem` naming the file.
    pub fn read(path: &Path) -> std::result::Result<MapGeometry, String> {
        let bad = |m: String| m;
        let text =
            std::fs::read_to_string(path).map_err(|e| bad(format!("cannot be read: {e}")))?;
        let gj: geojson::GeoJson = text
            .parse()
            .map_err(|e| bad(format!("is not valid GeoJSON: {e}")))?;
        let features = match gj {
            geojson::GeoJson::FeatureCollection(fc) => fc.features,
            geojson::GeoJson::Feature(f) => vec![f],
            geojson::GeoJson::Geometry(_) => {
                return Err(bad(
                    "holds a bare geometry; expected features with a CBS code property".into(),
                ))
            }
        };
        let mut raw: Vec<(String, Vec<Polygon<f64>>)> = Vec::new();
        let mut uncoded = 0;
        for (i, f) in features.into_iter().enumerate() {
            let code = f.properties.as_ref().and_then(finest_code);
            let Some(code) = code else {
                uncoded += 1;
                continue;
            };
            let Some(geom) = f.geometry else {
                uncoded += 1;
                continue;
            };
            let g: Geometry<f64> = geom
                .value
                .try_into()
                .map_err(|e| bad(format!("feature {} ({code}): {e}", i + 1)))?;
            raw.push((code, polygons(g)));
        }
        // Longitude/latitude is drawn with the longitude shrunk by cos(latitude), so shapes
        // keep their proportions; projected metres (RD New) are drawn as they are.
        let lonlat = raw.iter().flat_map(|(_, ps)| ps).all(|p| {
            p.bounding_rect().is_some_and(|r| {
                r.min().x >= -180.0 && r.max().x <= 180.0 && r.min().y >= -90.0 && r.max().y <= 90.0
            })
        });
        let mean_lat = {
            let ys: Vec<f64> = raw
                .iter()
                .flat_map(|(_, ps)| ps)
                .filter_map(|p| p.bounding_rect().map(|r| r.center().y))
                .collect();
            ys.iter().sum::<f64>() / ys.len().max(1) as f64
        };
        let kx = if lonlat {
            mean_lat.to_radians().cos()
        } else {
            1.0
        };
        let mut shapes: Vec<Shape> = raw
            .into_iter()
            .filter(|(_, ps)| !ps.is_empty())
            .map(|(code, ps)| {
                let area = ps.iter().map(|p| p.unsigned_area()).sum::<f64>() * kx;
                let biggest = ps
                    .iter()
                    .max_by(|a, b| a.unsigned_area().total_cmp(&b.unsigned_area()))
                    .and_then(|p| p.interior_point())
                    .map(|pt| (pt.x() * kx, pt.y()))
                    .unwrap_or_default();
                Shape {
                    code,
                    rings: ps
                        .iter()
                        .map(|p| p.exterior().coords().map(|c| (c.x * kx, c.y)).collect())
                        .collect(),
                    label_at: biggest,
                    area,
                }
            })
            .collect();
        shapes.sort_by(|a, b| b.area.total_cmp(&a.area).then(a.code.cmp(&b.code)));
        Ok(MapGeometry { shapes, uncoded })
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
}
