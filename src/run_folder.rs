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

/// Why `dir` is not a wijkscan run folder, if it is not: a run folder has a `manifest.json`
/// written by wijkscan and nothing but what that manifest lists (and our own staging).
pub fn not_a_run_folder(dir: &Path) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Stamp {
        program: crate::manifest::Program,
        #[serde(default)]
        outputs: Vec<String>,
    }
    let manifest = dir.join(crate::manifest::FILE);
    let stamp = std::fs::read_to_string(&manifest)
        .ok()
        .and_then(|t| serde_json::from_str::<Stamp>(&t).ok())
        .filter(|s| s.program.name == env!("CARGO_PKG_NAME"));
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e
            .flatten()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect::<Vec<_>>(),
        Err(e) => return Some(format!("cannot be listed ({e})")),
    };
    let Some(stamp) = stamp else {
        return Some(format!(
            "is not a finished run folder (no wijkscan `{}`){}",
            crate::manifest::FILE,
            holds(&entries)
        ));
    };
    let ours: std::collections::BTreeSet<&str> = stamp
        .outputs
        .iter()
        .filter_map(|o| o.split('/').next())
        .chain([crate::manifest::FILE, "charts"])
        .collect();
    let mut foreign: Vec<String> = entries
        .into_iter()
        .filter(|n| {
            !ours.contains(n.as_str())
                && !n.starts_with(".charts.tmp-")
                && !n.starts_with(".report.html.tmp-")
        })
        .collect();
    foreign.sort();
    (!foreign.is_empty()).then(|| {
        format!(
            "is a run folder but also holds what the run did not write{}",
            holds(&foreign)
        )
    })
}

/// `: a, b, c and 4 more` for a message (names only, never contents).
fn holds(names: &[String]) -> String {
    if names.is_empty() {
        return String::new();
    }
    let mut sorted = names.to_vec();
    sorted.sort();
    let shown: Vec<String> = sorted.iter().take(5).map(|n| format!("`{n}`")).collect();
    let more = sorted.len().saturating_sub(5);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!("; it holds {}{more}", shown.join(", "))
}

/// The absolute form of `p` (resolving links) also when `p` does not exist yet.
fn absolute(p: &Path) -> PathBuf {
    if let Ok(c) = std::fs::canonicalize(p) {
        return c;
    }
    match (p.parent(), p.file_name()) {
        (Some(parent), Some(name)) if !parent.as_os_str().is_empty() => absolute(parent).join(name),
        (_, Some(name)) => std::env::current_dir().unwrap_or_default().join(name),
        _ => p.to_path_buf(),
    }
}

/// Whether a run may be written to `out`, decided before anything is touched: a new name, an
/// empty folder, or — with `force` — a wijkscan run folder holding nothing else. Anything else
/// (a file, a folder of other files, the inputs or a folder holding them, the folder wijkscan
/// runs in) is refused with a message saying what is there. `protected` are the run's inputs.
pub fn check_target(out: &Path, force: bool, protected: &[&Path]) -> Result<(), String> {
    let shown = out.display();
    let refuse = |why: String| Err(format!("`{shown}` {why}; nothing was changed"));
    if out.as_os_str().is_empty() || out.file_name().is_none() {
        return refuse("is not a folder name a run can take (give a new folder)".into());
    }
    let here = absolute(out);
    for p in protected
        .iter()
        .copied()
        .chain(std::env::current_dir().ok().as_deref())
    {
        let p = absolute(p);
        if p.starts_with(&here) {
            let what = if p == here { "is" } else { "holds" };
            return refuse(format!(
                "{what} `{}`, which the run reads or runs in: choose a new folder for --out",
                p.display()
            ));
        }
    }
    let meta = match std::fs::symlink_metadata(out) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return match out.parent().filter(|p| !p.as_os_str().is_empty()) {
                Some(parent) if parent.exists() && !parent.is_dir() => refuse(format!(
                    "cannot be made: `{}` is not a folder",
                    parent.display()
                )),
                _ => Ok(()),
            };
        }
        Err(e) => return refuse(format!("cannot be inspected ({e})")),
        Ok(m) => m,
    };
    if meta.file_type().is_symlink() {
        return refuse("is a link; give the folder itself".into());
    }
    if !meta.is_dir() {
        return refuse("is a file, not a run folder: a run replaces only an earlier run".into());
    }
    let empty = std::fs::read_dir(out).is_ok_and(|mut d| d.next().is_none());
    if empty {
        return Ok(());
    }
    if let Some(why) = not_a_run_folder(out) {
        return refuse(format!(
            "{why}: a run replaces only an earlier run (choose a new --out)"
        ));
    }
    if !force {
        return Err(format!(
            "run folder `{shown}` already exists; use `--force` to replace it"
        ));
    }
    Ok(())
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
        // Only folders of ours: a file that happens to match the pattern is left alone.
        if !e.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
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

/// Puts the complete run in `staging` at `out`, replacing the run folder that is there.
/// On an error nothing has moved: what the swap moved aside is back at `out`, and `staging`
/// still holds the new run for the caller to remove.
pub fn publish(staging: &Path, out: &Path) -> std::io::Result<()> {
    swap(staging, out, |_| Ok(()))
}

/// `publish` for a whole run folder, with the tests' failure hook (`WIJKSCAN_TEST_SWAP_FAIL`).
pub fn publish_run(staging: &Path, out: &Path) -> std::io::Result<()> {
    swap(staging, out, test_failure)
}

fn swap(
    staging: &Path,
    out: &Path,
    test_failure: fn(&str) -> std::io::Result<()>,
) -> std::io::Result<()> {
    match std::fs::symlink_metadata(out) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            test_failure("move")?;
            return std::fs::rename(staging, out);
        }
        Err(e) => return Err(e),
        // Checked before the run started; checked again here in case something took the name
        // since: only a folder is ever swapped out (never a file or a link).
        Ok(m) if !m.is_dir() => {
            return Err(std::io::Error::other(format!(
                "`{}` is no longer a folder; the run was not moved there",
                out.display()
            )))
        }
        Ok(_) => {}
    }
    match test_failure("exchange").and_then(|()| exchange(staging, out)) {
        Ok(()) => {
            // `staging` now holds the previous run; the new one is in place whatever follows.
            abort_point("swap");
            discard_previous(staging);
            Ok(())
        }
        Err(_) => {
            let aside = aside_dir(out);
            std::fs::rename(out, &aside)?;
            abort_point("swap");
            if let Err(e) = test_failure("move").and_then(|()| std::fs::rename(staging, out)) {
                // Put the previous run back before reporting.
                std::fs::rename(&aside, out)?;
                return Err(e);
            }
            discard_previous(&aside);
            Ok(())
        }
    }
}

/// Removes a replaced run after the swap. The new run is in place by then, so a failure here
/// is a warning; the next run into the same folder removes the leftover (`recover`).
fn discard_previous(dir: &Path) {
    if let Err(e) = std::fs::remove_dir_all(dir) {
        eprintln!(
            "wijkscan: warning: the replaced run at `{}` could not be removed: {e}",
            dir.display()
        );
    }
}

/// Test hook: `WIJKSCAN_TEST_SWAP_FAIL=exchange,move` makes those steps of `publish` fail as a
/// full disk or a lost mount would, so the tests can show a failed swap restores the folder.
fn test_failure(step: &str) -> std::io::Result<()> {
    match std::env::var("WIJKSCAN_TEST_SWAP_FAIL") {
        Ok(v) if v.split(',').any(|s| s == step) => Err(std::io::Error::other(format!(
            "the `{step}` step failed (WIJKSCAN_TEST_SWAP_FAIL)"
        ))),
        _ => Ok(()),
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
