//! Invalid map geometry is no reason to stop: a buurt whose ring crosses itself made geo's
//! sweep line panic (exit 101) in `run` and `validate`; now it is a warning naming the buurt.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of data-samples/ in `dir` with the first buurt's polygon replaced by `ring`.
fn inputs_with_ring(dir: &Path, ring: serde_json::Value) -> (PathBuf, String) {
    let inputs = dir.join("in");
    std::fs::create_dir_all(&inputs).unwrap();
    for entry in std::fs::read_dir(root().join("data-samples")).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, inputs.join(p.file_name().unwrap())).unwrap();
        }
    }
    let path = inputs.join("geometry.geojson");
    let mut g: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let first = &mut g["features"][0];
    first["geometry"]["coordinates"] = serde_json::json!([ring]);
    let code = first["properties"]["buurt_code"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::write(&path, g.to_string()).unwrap();
    (inputs, code)
}

fn wijkscan(args: &[&str], inputs: &Path, out: Option<&Path>) -> std::process::Output {
    let mut cmd = Command::cargo_bin("wijkscan").unwrap();
    cmd.args(args).arg("--inputs").arg(inputs);
    cmd.args(["--period", "2024Q3"]);
    if let Some(out) = out {
        cmd.arg("--out").arg(out);
    }
    cmd.output().unwrap()
}

#[test]
fn a_self_crossing_buurt_is_a_warning_in_validate_and_run() {
    let tmp = tempfile::tempdir().unwrap();
    // A ring that crosses itself and on which geo's `interior_point` panics (found by a
    // random search; the unit test in src/geometry.rs checks it still does).
    let ring = serde_json::json!([
        [-2, 1],
        [0, 0],
        [0, 1],
        [-2, 0],
        [1, 2],
        [2, 1],
        [2, 0],
        [-2, 1]
    ]);
    let (inputs, code) = inputs_with_ring(tmp.path(), ring);
    let expected = format!("feature {code}: ring crosses or touches itself; drawn");

    let o = wijkscan(&["validate"], &inputs, None);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("warning: `") && err.contains("geometry.geojson") && err.contains(&expected),
        "{err}"
    );

    let out = tmp.path().join("run");
    let o = wijkscan(&["run"], &inputs, Some(&out));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains(&expected), "{err}");
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains(&expected), "not in the manifest");
    // The buurt maps are still drawn.
    let maps = std::fs::read_dir(out.join("charts"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            name.starts_with("map_") && name.ends_with("_buurt.svg")
        })
        .count();
    assert!(maps > 0);
}
