//! Charts and the council report on the shipped sample: every chart renders as SVG and PNG,
//! suppressed areas are absent, axes use euro formatting, `wijkscan report` re-renders from
//! the run folder alone, and bad report input fails clearly.

use assert_cmd::Command;
use polars::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One sample run shared by the tests of this file (read only).
fn sample_run() -> &'static Path {
    static RUN: OnceLock<tempfile::TempDir> = OnceLock::new();
    RUN.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let o = Command::cargo_bin("wijkscan")
            .unwrap()
            .arg("run")
            .arg(root().join("pipelines/sample.toml"))
            .arg("--out")
            .arg(tmp.path().join("run"))
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        tmp
    })
    .path()
    .join("run")
    .leak()
}

/// The text elements of an SVG, trimmed and unescaped enough for names and numbers.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|part| {
            let body = part.split_once('>')?.1;
            let text = body.split_once("</text>")?.0;
            Some(
                text.trim()
                    .replace("&amp;", "&")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">"),
            )
        })
        .collect()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// (level, area_name, suppressed) of the published profile.
fn profile_rows(dir: &Path) -> Vec<(String, String, bool)> {
    let p = dir.join("profile.parquet");
    let df = LazyFrame::scan_parquet(
        PlRefPath::new(p.to_string_lossy().as_ref()),
        Default::default(),
    )
    .unwrap()
    .collect()
    .unwrap();
    let s = |c: &str| -> Vec<String> {
        df.column(c)
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|v| v.unwrap_or_default().to_string())
            .collect()
    };
    let (level, name) = (s("level"), s("area_name"));
    let sup: Vec<bool> = df
        .column("suppressed")
        .unwrap()
        .bool()
        .unwrap()
        .iter()
        .map(|v| v.unwrap())
        .collect();
    (0..df.height())
        .map(|i| (level[i].clone(), name[i].clone(), sup[i]))
        .collect()
}

#[test]
fn every_chart_renders_as_svg_and_png() {
    let charts = sample_run().join("charts");
    let mut expected: Vec<String> = Vec::new();
    for level in ["pc5", "buurt", "wijk", "gemeente"] {
        for kind in ["norm_vs_actual", "care_types", "funnel"] {
            expected.push(format!("{kind}_{level}"));
        }
    }
    // The sample's geometry has buurt polygons: maps at buurt and every coarser level.
    for level in ["buurt", "wijk", "gemeente"] {
        for kind in ["map_oe", "map_resultaat"] {
            expected.push(format!("{kind}_{level}"));
        }
    }
    for gm in ["GM0014", "GM0153", "GM0202"] {
        expected.push(format!("focus_groups_{gm}"));
    }
    // The GP practices' funnel (SPEC 3.7) and the practices on the wijk map.
    expected.push("funnel_practices".into());
    expected.push("map_practices_wijk".into());
    for stem in &expected {
        let svg = read(&charts.join(format!("{stem}.svg")));
        assert!(svg.starts_with("<svg"), "{stem}.svg");
        assert!(svg_texts(&svg).len() > 5, "{stem}.svg has almost no text");
        let png = std::fs::read(charts.join(format!("{stem}.png"))).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{stem}.png");
        assert!(png.len() > 5_000, "{stem}.png is nearly empty");
    }
    let count = std::fs::read_dir(&charts).unwrap().count();
    assert_eq!(count, 2 * expected.len(), "unexpected chart files");
    // The manifest lists them, and the chart and report timings.
    let m: serde_json::Value =
        serde_json::from_str(&read(&sample_run().join("manifest.json"))).unwrap();
    let outputs: Vec<&str> = m["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(outputs.contains(&"report.html") && outputs.contains(&"charts/funnel_wijk.png"));
    assert!(m["timings_seconds"]["charts"].as_f64().is_some());
    assert!(m["timings_seconds"]["report"].as_f64().is_some());
}

#[test]
fn charts_leave_out_suppressed_areas() {
    let dir = sample_run();
    let rows = profile_rows(dir);
    let mut checked = 0;
    for level in ["pc5", "buurt"] {
        let hidden: Vec<&str> = rows
            .iter()
            .filter(|(l, _, s)| l == level && *s)
            .map(|(_, n, _)| n.as_str())
            .collect();
        let shown: Vec<&str> = rows
            .iter()
            .filter(|(l, _, s)| l == level && !*s)
            .map(|(_, n, _)| n.as_str())
            .collect();
        assert!(
            !hidden.is_empty(),
            "the sample has suppressed {level} areas"
        );
        for kind in ["norm_vs_actual", "care_types", "funnel"] {
            let texts = svg_texts(&read(&dir.join(format!("charts/{kind}_{level}.svg"))));
            for name in &hidden {
                assert!(
                    !texts.iter().any(|t| t.trim_end_matches(" *") == *name),
                    "suppressed {level} `{name}` appears in {kind}_{level}.svg"
                );
                checked += 1;
            }
        }
        // The check can fail: shown areas do appear as labels.
        let texts = svg_texts(&read(
            &dir.join(format!("charts/norm_vs_actual_{level}.svg")),
        ));
        assert!(shown.iter().any(|n| texts.iter().any(|t| t == n)));
    }
    assert!(checked > 0);
    // On maps, areas with too few persons are grey and the legend says why.
    let map = read(&dir.join("charts/map_oe_buurt.svg"));
    assert!(
        map.contains("#C8C8C8"),
        "no grey (hidden) area on the buurt map"
    );
    assert!(svg_texts(&map).iter().any(|t| t == "te weinig personen"));
}

/// `€ 1.234` in Dutch: the euro sign, a space, dots between thousands.
fn is_dutch_euro(t: &str) -> bool {
    let Some(n) = t.strip_prefix("€ ") else {
        return false;
    };
    let n = n.strip_prefix('-').unwrap_or(n);
    let groups: Vec<&str> = n.split('.').collect();
    !groups[0].is_empty()
        && groups[0].len() <= 3
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
        && groups[1..].iter().all(|g| g.len() == 3)
}

#[test]
fn euro_axes_are_formatted_the_dutch_way() {
    let dir = sample_run();
    for stem in [
        "norm_vs_actual_wijk",
        "care_types_buurt",
        "focus_groups_GM0153",
    ] {
        let texts = svg_texts(&read(&dir.join(format!("charts/{stem}.svg"))));
        let euros: Vec<&String> = texts.iter().filter(|t| t.starts_with('€')).collect();
        assert!(euros.len() >= 3, "{stem}: {texts:?}");
        for t in &euros {
            assert!(is_dutch_euro(t), "{stem}: `{t}` is not `€ 1.234`");
        }
        assert!(
            euros.iter().any(|t| t.contains('.')),
            "{stem}: no thousands separator in {euros:?}"
        );
    }
    assert!(is_dutch_euro("€ 12.345") && !is_dutch_euro("€ 12,345") && !is_dutch_euro("€12.345"));
}

#[test]
fn report_rerenders_from_the_run_folder_alone_in_english() {
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("copy");
    std::fs::create_dir_all(&copy).unwrap();
    for entry in std::fs::read_dir(sample_run()).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, copy.join(p.file_name().unwrap())).unwrap();
        }
    }
    // Point the manifest at inputs that do not exist: nothing may be recomputed.
    let mpath = copy.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_str(&read(&mpath)).unwrap();
    for i in m["inputs"].as_array_mut().unwrap() {
        i["path"] = serde_json::json!("/nonexistent/input.parquet");
    }
    std::fs::write(&mpath, serde_json::to_string(&m).unwrap()).unwrap();
    let profile_before = std::fs::read(copy.join("profile.parquet")).unwrap();

    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .args(["report"])
        .arg(&copy)
        .args(["--lang", "en"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let html = read(&copy.join("report.html"));
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("Summary") && html.contains("Reconciliation"));
    assert!(!html.contains("Samenvatting"));
    assert!(copy.join("charts/map_oe_wijk.svg").is_file());
    let texts = svg_texts(&read(&copy.join("charts/norm_vs_actual_wijk.svg")));
    assert!(texts.iter().any(|t| t == "€2,000"), "{texts:?}");
    assert_eq!(
        std::fs::read(copy.join("profile.parquet")).unwrap(),
        profile_before
    );

    // Dutch again gives the run's own report back, byte for byte.
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .arg("report")
        .arg(&copy)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(
        std::fs::read(copy.join("report.html")).unwrap()
            == std::fs::read(sample_run().join("report.html")).unwrap(),
        "re-rendered report differs from the run's"
    );
}

#[test]
fn report_is_one_file_without_requests() {
    let html = read(&sample_run().join("report.html"));
    for bad in ["http://", "https://", "<script", "<link", "url("] {
        assert!(!html.contains(bad), "report.html contains `{bad}`");
    }
    let images = html
        .matches("<img src=\"data:image/svg+xml;base64,")
        .count();
    assert_eq!(images, html.matches("<img").count());
    assert!(images >= 20, "{images} charts inlined");
    for section in [
        "Samenvatting",
        "Focusgebied",
        "Uitschieters",
        "Focusgroepen",
        "Methode",
        "Privacy",
        "Aansluiting",
        "@page",
    ] {
        assert!(html.contains(section), "no `{section}` in the report");
    }
}

#[test]
fn report_on_a_folder_that_is_no_run_fails_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .arg("report")
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("not a finished run folder") && err.contains("manifest.json"),
        "{err}"
    );

    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .arg("report")
        .arg(sample_run())
        .args(["--lang", "de"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown language `de`"));
}

#[test]
fn broken_geometry_stops_the_run_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = tmp.path().join("in");
    std::fs::create_dir_all(&inputs).unwrap();
    for entry in std::fs::read_dir(root().join("data-samples")).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, inputs.join(p.file_name().unwrap())).unwrap();
        }
    }
    std::fs::write(
        inputs.join("geometry.geojson"),
        "{\"type\": \"FeatureCollection\", ",
    )
    .unwrap();
    let out = tmp.path().join("run");
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .arg("run")
        .arg("--inputs")
        .arg(&inputs)
        .args(["--period", "2024Q3", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("geometry.geojson") && err.contains("not valid GeoJSON"),
        "{err}"
    );
    assert!(!out.exists());
    // `validate` checks the geometry too.
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .arg("validate")
        .arg("--inputs")
        .arg(&inputs)
        .args(["--period", "2024Q3"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("geometry.geojson"));

    // Features without a CBS code are left off the maps with a warning on stderr and in the
    // manifest, naming the file.
    let mut g: serde_json::Value =
        serde_json::from_str(&read(&root().join("data-samples/geometry.geojson"))).unwrap();
    let features = g["features"].as_array_mut().unwrap();
    let mut uncoded = features[0].clone();
    uncoded["properties"] = serde_json::json!({"naam": "zonder code"});
    features.push(uncoded);
    std::fs::write(inputs.join("geometry.geojson"), g.to_string()).unwrap();
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .arg("run")
        .arg("--inputs")
        .arg(&inputs)
        .args(["--period", "2024Q3", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("geometry.geojson") && err.contains("1 feature without a CBS"),
        "{err}"
    );
    let m = read(&out.join("manifest.json"));
    assert!(m.contains("1 feature without a CBS"));
}

/// The practices on the wijk map: one dot (and its white halo) per practice located in a wijk
/// of a mapped gemeente, plus the legend's; the legend says the dot is not the address.
#[test]
fn the_wijk_map_shows_each_located_practice() {
    let dir = sample_run();
    let csv = std::fs::read_to_string(dir.join("practices.csv")).unwrap();
    let mut lines = csv.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |n: &str| head.iter().position(|h| *h == n).unwrap();
    let (kind, wijk) = (at("kind"), at("location_wijk_code"));
    let located = lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[kind] == "praktijk" && !f[wijk].is_empty())
        .count();
    assert!(located >= 10, "{located} practices located");
    let svg = read(&dir.join("charts/map_practices_wijk.svg"));
    assert_eq!(svg.matches("<circle").count(), 2 * located + 1);
    assert!(svg_texts(&svg)
        .iter()
        .any(|t| t.contains("niet op het adres")));
}
