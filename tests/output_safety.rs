//! Nothing but a run folder is ever replaced (issue 34): `--force` and output paths may not
//! delete a user's inputs, other runs or files; a run name is one plain folder name; `report`,
//! `sample` and `reference` refuse to write over what they did not write. Every data-loss case
//! asserts that each file around it is byte-identical afterwards.

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn tiny() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny")
}

/// A temp folder with a copy of the tiny fixture in `inputs/`.
fn workspace() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = tmp.path().join("inputs");
    std::fs::create_dir(&inputs).unwrap();
    for e in std::fs::read_dir(tiny()).unwrap().flatten() {
        std::fs::copy(e.path(), inputs.join(e.file_name())).unwrap();
    }
    (tmp, inputs)
}

/// Every file and folder under `dir` (relative path → bytes; folders as empty), hidden ones too.
fn snapshot(dir: &Path) -> BTreeMap<String, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().to_string();
            if p.is_dir() {
                out.insert(rel, None);
                stack.push(p);
            } else {
                out.insert(rel, Some(std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

fn wijkscan(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::cargo_bin("wijkscan")
        .unwrap()
        .args(args)
        .output()
        .unwrap()
}

fn run(inputs: &Path, out: &Path, force: bool) -> std::process::Output {
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "run".as_ref(),
        "--inputs".as_ref(),
        inputs.as_os_str(),
        "--period".as_ref(),
        "2024Q3".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ];
    if force {
        args.push("--force".as_ref());
    }
    wijkscan(&args)
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Exit 2, stderr names every needle, and the whole workspace is as it was.
fn refused(
    o: &std::process::Output,
    root: &Path,
    before: &BTreeMap<String, Option<Vec<u8>>>,
    needles: &[&str],
) {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    for n in needles {
        assert!(e.contains(n), "`{n}` not in: {e}");
    }
    assert!(
        e.contains("nothing was changed")
            || e.contains("nothing was written")
            || e.contains("configuration error"),
        "{e}"
    );
    assert_eq!(&snapshot(root), before, "something was touched: {e}");
}

#[test]
fn force_onto_the_inputs_folder_is_refused_and_keeps_every_input() {
    let (tmp, inputs) = workspace();
    let before = snapshot(tmp.path());
    let o = run(&inputs, &inputs, true);
    refused(&o, tmp.path(), &before, &["inputs", "which the run reads"]);
}

#[test]
fn force_onto_a_folder_that_holds_the_inputs_is_refused() {
    let (tmp, inputs) = workspace();
    let before = snapshot(tmp.path());
    let o = run(&inputs, tmp.path(), true);
    refused(&o, tmp.path(), &before, &["holds", "inputs"]);
}

#[test]
fn force_onto_a_folder_of_other_files_is_refused_naming_them() {
    let (tmp, inputs) = workspace();
    let other = tmp.path().join("notes");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("minutes.docx"), "the group's minutes").unwrap();
    let before = snapshot(tmp.path());
    let o = run(&inputs, &other, true);
    refused(
        &o,
        tmp.path(),
        &before,
        &["not a finished run folder", "minutes.docx"],
    );
}

#[test]
fn force_onto_a_regular_file_is_refused_and_the_file_stays_where_it_was() {
    let (tmp, inputs) = workspace();
    let file = tmp.path().join("notes.txt");
    std::fs::write(&file, "mine").unwrap();
    let before = snapshot(tmp.path());
    let o = run(&inputs, &file, true);
    refused(&o, tmp.path(), &before, &["notes.txt", "is a file"]);
    // And a later run to the same path says the same, not only "Not a directory".
    let again = run(&inputs, &file, true);
    refused(&again, tmp.path(), &before, &["is a file"]);
}

#[test]
fn force_onto_the_folder_wijkscan_runs_in_is_refused() {
    let (tmp, inputs) = workspace();
    let here = tmp.path().join("project");
    std::fs::create_dir(&here).unwrap();
    std::fs::write(here.join("Cargo.toml"), "[package]").unwrap();
    let before = snapshot(tmp.path());
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .current_dir(&here)
        .args(["run", "--period", "2024Q3", "--force", "--inputs"])
        .arg(&inputs)
        .args(["--out", "../project"])
        .output()
        .unwrap();
    refused(&o, tmp.path(), &before, &["which the run reads or runs in"]);
}

#[test]
fn a_run_folder_with_a_users_file_inside_is_not_replaced() {
    let (tmp, inputs) = workspace();
    let out = tmp.path().join("run");
    assert_eq!(run(&inputs, &out, false).status.code(), Some(0));
    std::fs::write(out.join("my_notes.txt"), "written by hand").unwrap();
    let before = snapshot(tmp.path());
    let o = run(&inputs, &out, true);
    refused(&o, tmp.path(), &before, &["my_notes.txt", "did not write"]);
}

#[test]
fn an_earlier_run_folder_is_replaced_with_force_and_an_empty_folder_is_used() {
    let (tmp, inputs) = workspace();
    let out = tmp.path().join("run");
    assert_eq!(run(&inputs, &out, false).status.code(), Some(0));
    let o = run(&inputs, &out, true);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let o = run(&inputs, &empty, false);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(empty.join("manifest.json").is_file());
}

fn pipeline(dir: &Path, name: &str) -> PathBuf {
    let p = dir.join("pipeline.toml");
    std::fs::write(
        &p,
        format!("name = {name:?}\nperiod = \"2024Q3\"\n\n[inputs]\ndir = \"inputs\"\n"),
    )
    .unwrap();
    p
}

#[test]
fn run_names_are_plain_folder_names() {
    for name in [
        "",
        "   ",
        "../../x",
        "a/b",
        "a\\b",
        "..",
        ".",
        ".hidden",
        "two\nlines",
        "tab\there",
    ] {
        let (tmp, _inputs) = workspace();
        let p = pipeline(tmp.path(), name);
        let o = Command::cargo_bin("wijkscan")
            .unwrap()
            .current_dir(tmp.path())
            .arg("run")
            .arg(&p)
            .arg("--force")
            .output()
            .unwrap();
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{name:?}: {e}");
        assert!(e.contains("run name"), "{name:?}: {e}");
        assert!(
            !tmp.path().join("reports").exists(),
            "{name:?} wrote a folder"
        );
        // `../../x` from reports/runs/ would have landed beside the pipeline file.
        assert!(!tmp.path().join("x").exists());
    }
}

#[test]
fn an_empty_name_with_force_does_not_replace_the_runs_beside_it() {
    let (tmp, inputs) = workspace();
    // An earlier run under reports/runs/, as the default layout puts it.
    let runs = tmp.path().join("reports/runs");
    std::fs::create_dir_all(&runs).unwrap();
    assert_eq!(
        run(&inputs, &runs.join("earlier"), false).status.code(),
        Some(0)
    );
    let p = pipeline(tmp.path(), "");
    let before = snapshot(tmp.path());
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .current_dir(tmp.path())
        .arg("run")
        .arg(&p)
        .arg("--force")
        .output()
        .unwrap();
    refused(&o, tmp.path(), &before, &["run name"]);
    // Even an `--out` naming the runs folder itself is refused: it is not a run.
    let o = run(&inputs, &runs, true);
    refused(
        &o,
        tmp.path(),
        &before,
        &["not a finished run folder", "earlier"],
    );
}

#[test]
fn report_redraws_only_a_run_folder() {
    let (tmp, inputs) = workspace();
    let before = snapshot(tmp.path());
    let o = wijkscan(&["report".as_ref(), inputs.as_os_str()]);
    refused(
        &o,
        tmp.path(),
        &before,
        &["not a finished run folder", "insured.csv"],
    );
}

#[test]
fn sample_force_writes_only_over_an_earlier_sample() {
    let (tmp, inputs) = workspace();
    let before = snapshot(tmp.path());
    for force in [false, true] {
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "sample".as_ref(),
            "--persons".as_ref(),
            "50".as_ref(),
            "--out".as_ref(),
            inputs.as_os_str(),
        ];
        if force {
            args.push("--force".as_ref());
        }
        let o = wijkscan(&args);
        refused(&o, tmp.path(), &before, &["did not write"]);
    }
    // A folder the generator wrote may be written over with --force, and only with it.
    let sample = tmp.path().join("sample");
    let args = |force: bool| -> Vec<std::ffi::OsString> {
        let mut a: Vec<std::ffi::OsString> = ["sample", "--persons", "50", "--out"]
            .iter()
            .map(|s| s.into())
            .collect();
        a.push(sample.clone().into());
        if force {
            a.push("--force".into());
        }
        a
    };
    let out = |force: bool| {
        Command::cargo_bin("wijkscan")
            .unwrap()
            .args(args(force))
            .output()
            .unwrap()
    };
    assert_eq!(out(false).status.code(), Some(0));
    assert!(sample.join(".wijkscan-sample").is_file());
    assert_eq!(out(false).status.code(), Some(2));
    assert_eq!(out(true).status.code(), Some(0));
}

#[test]
fn reference_import_never_overwrites_a_users_file() {
    let (tmp, _inputs) = workspace();
    let out = tmp.path().join("refs");
    std::fs::create_dir(&out).unwrap();
    // A user's own file with the import's name, and the import's source in the same folder.
    std::fs::write(out.join("vektis.csv"), "mine").unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/real/vektis_zvw_2023_gemeente.csv");
    assert!(source.is_file(), "{} is missing", source.display());
    let before = snapshot(tmp.path());
    let o = wijkscan(&[
        "reference".as_ref(),
        "vektis".as_ref(),
        source.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    refused(
        &o,
        tmp.path(),
        &before,
        &["vektis.csv", "not an earlier vektis import"],
    );
}
