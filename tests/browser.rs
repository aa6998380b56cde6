//! The report in a real browser: headless Chromium (Debian's `chromium`, installed by
//! `scripts/test.sh`) opens `report.html` from disk with the network cut off, through the
//! Playwright driver in `tests/browser/check.mjs`. It fails on any request, console error or
//! image that did not load, and takes a full-page screenshot.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// Runs the checker; (exit code, its JSON line and stderr).
fn check(report: &Path, shot: &Path) -> (Option<i32>, String) {
    let dir = root().join("tests/browser");
    assert!(
        chromium().is_file() && dir.join("node_modules/playwright-core").is_dir(),
        "the browser test needs Chromium at {} and the checker's node modules in {}: \
         run `scripts/test.sh`, which installs both",
        chromium().display(),
        dir.display()
    );
    let o = std::process::Command::new("node")
        .arg(dir.join("check.mjs"))
        .arg(report)
        .arg(shot)
        .env("CHROMIUM", chromium())
        .output()
        .expect("node runs");
    (
        o.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

#[test]
fn sample_report_loads_offline_without_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .arg("run")
        .arg(root().join("pipelines/sample.toml"))
        .arg("--out")
        .arg(&run)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let shot = tmp.path().join("report.png");
    let (code, out) = check(&run.join("report.html"), &shot);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("\"problems\":[]"), "{out}");
    let png = std::fs::read(&shot).unwrap();
    assert_eq!(&png[..4], b"\x89PNG");
    assert!(png.len() > 100_000, "screenshot is nearly empty");
}

/// The checker itself catches what it is there to catch.
#[test]
fn checker_fails_on_requests_console_errors_and_broken_images() {
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("bad.html");
    let filler = "<p>".to_string() + &"tekst ".repeat(200) + "</p>";
    std::fs::write(
        &page,
        format!(
            "<!DOCTYPE html><html><body>{filler}\
             <img alt=\"remote\" src=\"https://example.org/chart.png\">\
             <img alt=\"missing\" src=\"charts/none.svg\">\
             <script>console.error('boom')</script></body></html>"
        ),
    )
    .unwrap();
    let (code, out) = check(&page, &tmp.path().join("bad.png"));
    assert_eq!(code, Some(1), "{out}");
    for expected in [
        "request: https://example.org",
        "console error: boom",
        "image did not load: missing",
    ] {
        assert!(out.contains(expected), "`{expected}` not reported: {out}");
    }
}

mod common;

/// `wijkscan serve` in Chromium: the served overview, a click on a wijk of the map, its O/E,
/// a segment answered, a differencing pair refused, a filter error located, the session log —
/// and no request anywhere but 127.0.0.1.
#[test]
fn served_page_works_in_chromium() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .arg("run")
        .arg(root().join("pipelines/sample.toml"))
        .arg("--out")
        .arg(&run)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let wijk = common::served::big_wijk(&run);
    let age = common::served::small_age(&run, &wijk);
    let mut server = std::process::Command::new(assert_cmd::cargo::cargo_bin("wijkscan"))
        .arg("serve")
        .arg(&run)
        .args(["--port", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The first line names the URL.
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(server.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no URL in `{line}`"))
        .trim_end_matches('/')
        .to_string();
    let dir = root().join("tests/browser");
    assert!(
        chromium().is_file() && dir.join("node_modules/playwright-core").is_dir(),
        "run `scripts/test.sh`, which installs Chromium and the checker"
    );
    let shot = tmp.path().join("serve.png");
    let o = std::process::Command::new("node")
        .arg(dir.join("serve.mjs"))
        .arg(&url)
        .arg(&wijk)
        .arg("age >= 18")
        .arg(format!("age >= 18 AND age <> {age}"))
        .arg(&shot)
        .env("CHROMIUM", chromium())
        .output()
        .expect("node runs");
    let _ = server.kill();
    let _ = server.wait();
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("\"problems\":[]"), "{out}");
    assert!(std::fs::read(&shot).unwrap().starts_with(b"\x89PNG"));
}
