//! The audit of live focus queries on a finished run (`wijkscan focus RUN --segment …`):
//! every answer is checked against what was already shown for the run — its published segments
//! and earlier answers — so no small group can be had by differencing answers. What was shown
//! and refused is kept beside the run folder in `.<run>.private/live_audit.json`, never in it.

use crate::domain::Level;
use crate::error::{Error, Result};
use crate::stages::focus::groups::compile_all;
use crate::stages::focus::segment_rows::{blank, CellSpec, FocusArea, SegmentRow};
use crate::stages::focus::suppression::protect_table;
use polars::prelude::*;

/// A cell already shown to someone: its filter and focus area code.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ShownCell {
    pub segment: String,
    pub filter: String,
    pub area_code: String,
}

/// Checks a live answer (`rows`, with their `cells`) against everything already shown for the
/// run: answers that would let a small group be computed by difference are blanked. Returns the
/// indices of the rows refused.
pub fn audit(
    features: &DataFrame,
    split: Option<&std::collections::HashMap<String, DataFrame>>,
    shown: &[ShownCell],
    rows: &mut [SegmentRow],
    cells: &[CellSpec],
    min_cell: i64,
) -> crate::error::Result<Vec<usize>> {
    let mut all_cells = Vec::new();
    let mut all_rows = Vec::new();
    let mut fixed = Vec::new();
    // Gemeenten are independent systems (a cell's persons lie in its gemeente): only what was
    // shown in the gemeenten of the new cells can combine with them.
    let gemeente = |code: &str| Level::Gemeente.ancestor_of(code);
    let asked: std::collections::BTreeSet<Option<String>> =
        cells.iter().map(|c| gemeente(&c.area.code)).collect();
    for s in shown
        .iter()
        .filter(|s| asked.contains(&gemeente(&s.area_code)))
    {
        let def = crate::stages::focus::segments::SegmentDef {
            name: s.segment.clone(),
            filter: s.filter.clone(),
        };
        let Some(level) = Level::of_code(&s.area_code) else {
            continue;
        };
        let Ok(compiled) = compile_all(std::slice::from_ref(&def)) else {
            continue; // a filter of another program version: it cannot be re-evaluated
        };
        all_cells.push(CellSpec {
            area: FocusArea {
                level,
                code: s.area_code.clone(),
            },
            expr: compiled[0].expr.clone(),
        });
        all_rows.push(SegmentRow::empty(
            s.segment.clone(),
            s.area_code.clone(),
            s.filter.clone(),
        ));
        fixed.push(true);
    }
    let first_new = all_rows.len();
    all_cells.extend(cells.iter().cloned());
    all_rows.extend(rows.iter().cloned());
    fixed.extend(std::iter::repeat_n(false, rows.len()));
    let hidden = protect_table(features, split, &all_cells, &mut all_rows, &fixed, min_cell)?;
    let mut refused: Vec<usize> = hidden
        .into_iter()
        .filter(|(i, _)| *i >= first_new)
        .map(|(i, _)| i - first_new)
        .collect();
    refused.sort();
    for &i in &refused {
        rows[i] = blank(rows[i].clone());
    }
    Ok(refused)
}

/// The live-query audit of a run: what `focus` has shown and refused, kept beside the run
/// folder (never in it, so it is never shared with the run).
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct LiveAudit {
    #[serde(skip)]
    pub path: std::path::PathBuf,
    pub shown: Vec<ShownCell>,
    pub refused: Vec<ShownCell>,
}

impl LiveAudit {
    pub fn load(run: &std::path::Path, reset: bool) -> Result<LiveAudit> {
        let path = crate::run_folder::private_dir(run).join("live_audit.json");
        if reset {
            if path.is_file() {
                std::fs::remove_file(&path)?;
            }
            eprintln!(
                "live-query audit reset for `{}`: earlier answers are no longer checked against",
                run.display()
            );
        }
        let mut audit = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| Error::Config {
                path: path.clone(),
                message: format!("is not a live-query audit: {e} (use --reset to start anew)"),
            })?,
            Err(_) => LiveAudit::default(),
        };
        audit.path = path;
        Ok(audit)
    }

    /// Written beside its name and renamed over it: a reader (the terminal, the served page,
    /// a crash) sees the old audit or the new one, never half of one.
    pub fn save(&self) -> Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let text = serde_json::to_string_pretty(self).map_err(|e| Error::Other(e.to_string()))?;
        let tmp = self
            .path
            .with_extension(format!("json.tmp-{}", std::process::id()));
        std::fs::write(&tmp, text)?;
        if let Err(e) = std::fs::rename(&tmp, &self.path) {
            let _ = std::fs::remove_file(&tmp);
            return Err(e.into());
        }
        Ok(())
    }
}

/// An exclusive lock on a run's live-query audit, held from reading it to saving it, so that
/// two answers (two browsers, or the page and the terminal) are checked one after the other,
/// each against what the other showed. Released when dropped (the file is closed).
pub struct AuditLock {
    _file: std::fs::File,
}

impl AuditLock {
    pub fn take(run: &std::path::Path) -> Result<AuditLock> {
        use std::os::unix::io::AsRawFd;
        let dir = crate::run_folder::private_dir(run);
        std::fs::create_dir_all(&dir)?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join("live_audit.lock"))?;
        // SAFETY: flock on a descriptor this function owns; blocks until the lock is free.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
        if rc != 0 {
            return Err(std::io::Error::last_os_error().into());
        }
        Ok(AuditLock { _file: file })
    }
}

/// The published (unsuppressed) segment cells of a finished run, if there is one.
pub fn published_segments(run: &std::path::Path) -> Result<Vec<ShownCell>> {
    let path = run.join("segments.parquet");
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let mut df = ParquetReader::new(std::fs::File::open(&path)?).finish()?;
    // A monitoring run's table holds every period; live queries answer on the last (the
    // run's own period, whose persons the private cache holds).
    if df.column("period").is_ok() {
        let period = crate::manifest::Manifest::read(run)?.run.period;
        df = df.lazy().filter(col("period").eq(lit(period))).collect()?;
    }
    let seg = crate::frame::strings(&df, "segment")?;
    let filter = crate::frame::strings(&df, "filter")?;
    let area = crate::frame::strings(&df, "area_code")?;
    let suppressed: Vec<bool> = crate::frame::bools(&df, "suppressed", true)?;
    Ok((0..df.height())
        .filter(|&i| !suppressed[i])
        .map(|i| ShownCell {
            segment: seg[i].clone().unwrap_or_default(),
            filter: filter[i].clone().unwrap_or_default(),
            area_code: area[i].clone().unwrap_or_default(),
        })
        .collect())
}

/// A live answer after the audit: which rows were refused, and where that was logged.
#[derive(Debug)]
pub struct LiveAnswer {
    /// One per row: refused because it would reveal a small group by difference.
    pub refused: Vec<bool>,
    /// The audit file the answer was recorded in.
    pub log: std::path::PathBuf,
}

/// What `focus` does with a live answer on run `run`: checks `rows` against what was already
/// shown (the run's published segments and earlier answers; `reset` forgets the answers),
/// blanks the refused rows, records what is now shown and refused, and saves the audit —
/// before anything is printed, so nothing is shown that the audit does not know.
pub fn answer(
    run: &std::path::Path,
    reset: bool,
    features: &DataFrame,
    split: Option<&std::collections::HashMap<String, DataFrame>>,
    rows: &mut [SegmentRow],
    cells: &[CellSpec],
    min_cell: i64,
) -> Result<LiveAnswer> {
    let _lock = AuditLock::take(run)?;
    let mut log = LiveAudit::load(run, reset)?;
    let mut shown = log.shown.clone();
    shown.extend(published_segments(run)?);
    let refused_rows = audit(features, split, &shown, rows, cells, min_cell)?;
    let mut refused = vec![false; rows.len()];
    for &i in &refused_rows {
        refused[i] = true;
        let r = &rows[i];
        log.refused.push(ShownCell {
            segment: r.segment.clone(),
            filter: r.filter.clone(),
            area_code: r.area_code.clone(),
        });
    }
    for (r, refused) in rows.iter().zip(&refused) {
        let cell = ShownCell {
            segment: r.segment.clone(),
            filter: r.filter.clone(),
            area_code: r.area_code.clone(),
        };
        // Against the cells shown before this answer: a repeat within it is recorded twice,
        // as before.
        if !r.suppressed && !refused && !shown.contains(&cell) {
            log.shown.push(cell);
        }
    }
    log.save()?;
    Ok(LiveAnswer {
        refused,
        log: log.path,
    })
}
