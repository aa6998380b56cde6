//! A `--force` run onto an existing run folder that is killed at any point — between stages,
//! while tables, charts and the report are written, or in the swap itself — leaves the
//! previous run complete or the new one complete, never a mix (issue 15). The kill is the
//! `WIJKSCAN_TEST_ABORT_AFTER` hook: `std::process::abort()`, which ends the process without
//! unwinding or cleanup, as `kill -9` does.

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The shipped sample: enough areas for every kind of chart, and a geometry for maps.
fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data-samples")
}

/// Every file under `dir` (relative path → bytes), without the manifest (it holds timings).
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().to_string();
                if rel != "manifest.json" {
                    out.insert(rel, std::fs::read(&p).unwrap());
                }
            }
        }
    }
    out
}

fn run(out: &Path, lang: &str, abort: Option<&str>) -> std::process::Output {
    let mut cmd = Command::cargo_bin("wijkscan").unwrap();
    cmd.args(["run", "--inputs"])
        .arg(fixture())
        .args(["--period", "2024Q3", "--force", "--lang", lang, "--out"])
        .arg(out);
    if let Some(point) = abort {
        cmd.env("WIJKSCAN_TEST_ABORT_AFTER", point);
    }
    cmd.output().unwrap()
}

#[test]
fn a_killed_force_run_leaves_the_old_or_the_new_folder_whole() {
    let tmp = tempfile::tempdir().unwrap();
    // The previous run (Dutch) and, elsewhere, what a complete new run (English) looks like.
    let out = tmp.path().join("run");
    assert_eq!(run(&out, "nl", None).status.code(), Some(0));
    let old = files(&out);
    let reference = tmp.path().join("reference");
    assert_eq!(run(&reference, "en", None).status.code(), Some(0));
    let new = files(&reference);
    assert_ne!(
        old, new,
        "the two runs must differ for the test to mean anything"
    );
    assert!(old.contains_key("report.html") && old.keys().any(|k| k.starts_with("charts")));

    for point in [
        "validate", "profile", "outliers", "focus", "table", "tables", "manifest", "chart",
        "charts", "report", "swap",
    ] {
        let o = run(&out, "en", Some(point));
        assert_ne!(o.status.code(), Some(0), "{point}: the run was not killed");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(point),
            "{point}: the hook did not fire: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let now = files(&out);
        if point == "swap" {
            // Killed after the exchange: the new run is in place, whole.
            assert_eq!(now, new, "{point}: not the new run");
        } else {
            assert_eq!(now, old, "{point}: the previous run was touched");
        }
        assert!(out.join("manifest.json").is_file(), "{point}: no manifest");
        // Put the previous run back for the next point (after `swap` the new one is there).
        if point == "swap" {
            assert_eq!(run(&out, "nl", None).status.code(), Some(0));
            assert_eq!(files(&out), old);
        }
    }
    // A later run cleans what the killed ones left beside the folder and completes.
    assert_eq!(run(&out, "en", None).status.code(), Some(0));
    assert_eq!(files(&out), new);
    let leftovers: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        // The private state (cache, live-query audit) stays beside the run by design.
        .filter(|n| n.starts_with('.') && !n.ends_with(".private"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// The fallback swap (rename aside, then into place) killed half-way leaves the previous run
/// aside; the next run puts it back before it starts.
#[test]
fn a_run_renamed_aside_is_recovered() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    assert_eq!(run(&out, "nl", None).status.code(), Some(0));
    let old = files(&out);
    let aside = tmp.path().join(".run.old-12345");
    std::fs::rename(&out, &aside).unwrap();
    std::fs::create_dir(tmp.path().join(".run.tmp-12345")).unwrap();
    // Without --force: recovery happens first, so the restored folder is refused, not lost.
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .args(["run", "--inputs"])
        .arg(fixture())
        .args(["--period", "2024Q3", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    assert_eq!(files(&out), old);
    assert!(!aside.exists() && !tmp.path().join(".run.tmp-12345").exists());
}

fn run_with_failing_swap(out: &Path, steps: &str) -> std::process::Output {
    Command::cargo_bin("wijkscan")
        .unwrap()
        .args(["run", "--inputs"])
        .arg(fixture())
        .args(["--period", "2024Q3", "--force", "--lang", "en", "--out"])
        .arg(out)
        .env("WIJKSCAN_TEST_SWAP_FAIL", steps)
        .output()
        .unwrap()
}

/// Hidden entries beside the run other than its private state: staging or aside folders.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with('.') && !n.ends_with(".private"))
        .collect()
}

/// The swap itself fails (issue 34): when the exchange is refused the fallback completes the
/// run; when the fallback's move fails too, the previous run is put back whole, the staged run
/// is removed, and the command says so with exit 2. A first run whose move fails leaves nothing.
#[test]
fn a_failed_swap_leaves_the_previous_run_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    assert_eq!(run(&out, "nl", None).status.code(), Some(0));
    let old = files(&out);
    let manifest = std::fs::read(out.join("manifest.json")).unwrap();

    let o = run_with_failing_swap(&out, "exchange,move");
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(
        e.contains("move") && e.contains("cannot move the run"),
        "{e}"
    );
    assert_eq!(files(&out), old, "the previous run was not restored");
    assert_eq!(std::fs::read(out.join("manifest.json")).unwrap(), manifest);
    assert!(
        leftovers(tmp.path()).is_empty(),
        "{:?}",
        leftovers(tmp.path())
    );

    // The exchange alone failing: the fallback swap completes the new run.
    let o = run_with_failing_swap(&out, "exchange");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_ne!(files(&out), old);
    assert!(
        leftovers(tmp.path()).is_empty(),
        "{:?}",
        leftovers(tmp.path())
    );

    // A first run whose move into place fails leaves no folder and nothing hidden.
    let fresh = tmp.path().join("fresh");
    let o = run_with_failing_swap(&fresh, "move");
    assert_eq!(o.status.code(), Some(2));
    assert!(!fresh.exists());
    assert!(
        leftovers(tmp.path()).is_empty(),
        "{:?}",
        leftovers(tmp.path())
    );
}
