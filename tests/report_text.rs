//! Snapshot of the report's text for the sample run, in Dutch and in English (insta). A change
//! in any figure, label or sentence of the council report shows up here as a diff to review.

use assert_cmd::Command;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The visible text of an HTML page: no style block, no tags, one line per text run.
fn text_of(html: &str) -> String {
    let body = html.split("</style>").nth(1).unwrap_or(html);
    let mut out = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push('\n');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&#x2f;", "/")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn report_text_in_both_languages() {
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
    let nl = text_of(&std::fs::read_to_string(run.join("report.html")).unwrap());
    insta::assert_snapshot!("report_nl", nl);

    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .arg("report")
        .arg(&run)
        .args(["--lang", "en"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let en = text_of(&std::fs::read_to_string(run.join("report.html")).unwrap());
    insta::assert_snapshot!("report_en", en);
}
