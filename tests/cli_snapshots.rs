//! CLI snapshots in the style of uv's `uv_snapshot!` (issue 10, point 6): exit code, stdout and
//! stderr of the main commands and of a few bad inputs, with the temporary folder and the
//! repository path filtered, so a change in what an analyst sees shows up in review.
//! Update with `INSTA_UPDATE=always cargo test --test cli_snapshots` and read the diff.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// Runs `wijkscan args…` in the repository root; the transcript with paths filtered.
fn transcript(args: &[&str], tmp: &Path) -> String {
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .current_dir(root())
        .args(args)
        .output()
        .unwrap();
    let filter = |s: &[u8]| {
        String::from_utf8_lossy(s)
            .replace(tmp.to_str().unwrap(), "[TMP]")
            .replace(root().to_str().unwrap(), "[ROOT]")
    };
    format!(
        "exit: {:?}\n----- stdout -----\n{}----- stderr -----\n{}",
        o.status.code(),
        filter(&o.stdout),
        filter(&o.stderr)
    )
}

/// A copy of the tiny fixture in `tmp/inputs`, with `edit` applied.
fn inputs(tmp: &Path, edit: impl FnOnce(&Path)) -> String {
    let dir = tmp.join("inputs");
    std::fs::create_dir_all(&dir).unwrap();
    for e in std::fs::read_dir(root().join("tests/fixtures/tiny")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
    edit(&dir);
    dir.to_str().unwrap().to_string()
}

fn replace(dir: &Path, file: &str, from: &str, to: &str) {
    let p = dir.join(file);
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn validate_and_run_the_tiny_fixture() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    insta::assert_snapshot!(
        "validate_tiny",
        transcript(
            &[
                "validate",
                "--inputs",
                "tests/fixtures/tiny",
                "--period",
                "2024Q3"
            ],
            t
        )
    );
    let out = t.join("run");
    insta::assert_snapshot!(
        "run_tiny",
        transcript(
            &[
                "run",
                "--inputs",
                "tests/fixtures/tiny",
                "--period",
                "2024Q3",
                "--out",
                out.to_str().unwrap()
            ],
            t
        )
    );
    // Again without --force: refused, nothing touched.
    insta::assert_snapshot!(
        "run_tiny_exists",
        transcript(
            &[
                "run",
                "--inputs",
                "tests/fixtures/tiny",
                "--period",
                "2024Q3",
                "--out",
                out.to_str().unwrap()
            ],
            t
        )
    );
    insta::assert_snapshot!(
        "profile_gemeente",
        transcript(
            &["profile", out.to_str().unwrap(), "--level", "gemeente"],
            t
        )
    );
}

/// A change to a copy of the fixture.
type Edit = fn(&Path);

#[test]
fn bad_inputs() {
    let cases: [(&str, Edit); 4] = [
        ("bad_missing_column", |d| {
            replace(d, "insured.csv", "insured_days", "days")
        }),
        ("bad_semicolons", |d| {
            let p = d.join("areas.csv");
            let text = std::fs::read_to_string(&p).unwrap();
            std::fs::write(&p, text.replace(',', ";")).unwrap();
        }),
        ("bad_absurd_amount", |d| {
            replace(d, "zvw_claims.csv", "-40.00", "1e17")
        }),
        ("bad_blank_person", |d| {
            replace(d, "insured.csv", "p3,", "\"\",")
        }),
    ];
    for (name, edit) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let dir = inputs(tmp.path(), edit);
        let out = tmp.path().join("run");
        let t = transcript(
            &[
                "run",
                "--inputs",
                &dir,
                "--period",
                "2024Q3",
                "--out",
                out.to_str().unwrap(),
            ],
            tmp.path(),
        );
        insta::assert_snapshot!(name, t);
    }
}
