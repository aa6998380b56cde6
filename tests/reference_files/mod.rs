//! What the reference tests share: the real downloaded files in `../shared/data/real/`, a
//! short head of the 2023 Vektis file, and the `wijkscan reference vektis` command.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

pub fn real(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/real")
        .join(name)
}

/// The first `lines` lines (the header included) of the real 2023 Vektis file, written as
/// `name` in `dir`.
pub fn head_of_2023(dir: &Path, name: &str, lines: usize) -> PathBuf {
    let bytes = std::fs::read(real("vektis_zvw_2023_gemeente.csv")).unwrap();
    let head: Vec<&[u8]> = bytes.split(|&b| b == b'\n').take(lines).collect();
    let p = dir.join(name);
    std::fs::write(&p, [head.join(&b'\n'), b"\n".to_vec()].concat()).unwrap();
    p
}

/// `wijkscan reference vektis FILE… --out DIR`, as (exit code, stderr).
pub fn import_vektis(files: &[&Path], out: &Path) -> (Option<i32>, String) {
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .args(["reference", "vektis"])
        .args(files)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    (o.status.code(), String::from_utf8_lossy(&o.stderr).into())
}
