//! The run folder on disk: a run is written into a hidden staging folder beside it and only a
//! complete run takes the folder's name (SPEC 4: atomic). With `--force` the new folder is
//! swapped in with one `renameat2(RENAME_EXCHANGE)` on Linux, so at every instant — also when
//! the process is killed — the name holds either the previous complete run or the new one.
//! Where the exchange is not available the old folder is first renamed aside; a run killed in
//! between is repaired by the next one (`recover`).

use std::path::{Path, PathBuf};

fn file_name(out: &Path) -> String {
    out.file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "run".into())
}

/// Where a run is written before it is complete.
pub fn staging_dir(out: &Path) -> PathBuf {
    out.with_file_name(format!(".{}.tmp-{}", file_name(out), std::process::id()))
}

/// Private state of a run that must never be shared with it (the live-query audit): a hidden
/// folder beside the run folder, untouched by `--force` and by `recover`.
pub fn private_dir(out: &Path) -> PathBuf {
    out.with_file_name(format!(".{}.private", file_name(out)))
}

fn aside_dir(out: &Path) -> PathBuf {
    out.with_file_name(format!(".{}.old-{}", file_name(out), std::process::id()))
}

/// Leftovers of earlier runs into `out` that were killed: staging folders are removed; a
/// previous run renamed aside by the fallback swap goes back when `out` itself is missing.
pub fn recover(out: &Path) -> std::io::Result<()> {
    let Some(parent) = out.parent().filter(|p| p.is_dir()) else {
        return Ok(());
    };
    let name = file_name(out);
    let (tmp, old) = (format!(".{name}.tmp-"), format!(".{name}.old-"));
    let mut aside = Vec::new();
    for e in std::fs::read_dir(parent)?.flatten() {
        let n = e.file_name().to_string_lossy().to_string();
        if n.starts_with(&tmp) {
            std::fs::remove_dir_all(e.path())?;
        } else if n.starts_with(&old) {
            aside.push(e.path());
        }
    }
    aside.sort();
    for a in aside {
        if out.exists() {
            std::fs::remove_dir_all(&a)?;
        } else {
            std::fs::rename(&a, out)?;
        }
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let ca = CString::new(a.as_os_str().as_bytes())?;
    let cb = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: two valid NUL-terminated paths; the call only reads them.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Puts the complete run in `staging` at `out`, replacing what is there.
pub fn publish(staging: &Path, out: &Path) -> std::io::Result<()> {
    if !out.exists() {
        return std::fs::rename(staging, out);
    }
    match exchange(staging, out) {
        Ok(()) => {
            // `staging` now holds the previous run.
            abort_point("swap");
            std::fs::remove_dir_all(staging)
        }
        Err(_) => {
            let aside = aside_dir(out);
            std::fs::rename(out, &aside)?;
            abort_point("swap");
            std::fs::rename(staging, out)?;
            std::fs::remove_dir_all(&aside)
        }
    }
}

/// Test hook: `WIJKSCAN_TEST_ABORT_AFTER=<point>` aborts the process (as a `kill -9` would
/// end it) when the run reaches that point: `validate`, `profile`, `outliers`, `focus`,
/// `table`, `tables`, `manifest`, `chart`, `charts`, `report`, `swap`. Used by the tests
/// that prove a killed `--force` run leaves the previous folder or the new one, never a mix.
pub fn abort_point(point: &str) {
    if std::env::var("WIJKSCAN_TEST_ABORT_AFTER").is_ok_and(|p| p == point) {
        eprintln!("wijkscan: aborting after `{point}` (WIJKSCAN_TEST_ABORT_AFTER)");
        std::process::abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On Linux the swap is the atomic exchange, not the fallback: prove the call works here.
    #[cfg(target_os = "linux")]
    #[test]
    fn exchange_swaps_two_folders() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        std::fs::create_dir(&a).unwrap();
        std::fs::create_dir(&b).unwrap();
        std::fs::write(a.join("x"), "new").unwrap();
        std::fs::write(b.join("x"), "old").unwrap();
        exchange(&a, &b).unwrap();
        assert_eq!(std::fs::read_to_string(b.join("x")).unwrap(), "new");
        assert_eq!(std::fs::read_to_string(a.join("x")).unwrap(), "old");
    }

    #[test]
    fn publish_replaces_and_cleans_up() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("run");
        for text in ["first", "second"] {
            let staging = staging_dir(&out);
            std::fs::create_dir(&staging).unwrap();
            std::fs::write(staging.join("f"), text).unwrap();
            publish(&staging, &out).unwrap();
            assert_eq!(std::fs::read_to_string(out.join("f")).unwrap(), text);
        }
        let names: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 1);
    }
}
