//! The private cache of a finished run: its person frame and level tables, so that working
//! sessions (`focus`, `outliers`, `profile` on a run folder) answer without redoing the pass
//! over every claim line. It holds **person-level data** (pseudonymised ids, each person's
//! costs and attributes), so it lives beside the run folder in `.<run>.private/cache/`
//! (owner-only permissions), never inside the shareable folder. It is used only while it
//! belongs to the run: same inputs (by checksum), period and min_cell as the run's manifest.

use crate::error::{Error, Result};
use crate::manifest::Manifest;
use crate::pipeline::profile_step::Profiled;
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What the cache was made from, and what of `Profiled` is not a frame.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Key {
    inputs: Vec<(String, String)>,
    period_start: String,
    period_end: String,
    min_cell: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Record {
    key: Key,
    zvw: crate::stages::profile::reconcile::Ledger,
    wmo: crate::stages::profile::reconcile::Ledger,
    suppression: crate::stages::privacy::profile_cells::SuppressionCounts,
    warnings: Vec<crate::problem::Problem>,
}

pub fn dir(run: &Path) -> PathBuf {
    crate::run_folder::private_dir(run).join("cache")
}

fn key(m: &Manifest, min_cell: i64) -> Key {
    Key {
        inputs: m
            .inputs
            .iter()
            .map(|i| (i.name.clone(), i.sha256.clone()))
            .collect(),
        period_start: m.run.period_start.clone(),
        period_end: m.run.period_end.clone(),
        min_cell,
    }
}

fn write_frame(df: &DataFrame, path: &Path) -> Result<()> {
    let mut df = df.clone();
    ParquetWriter::new(std::fs::File::create(path)?).finish(&mut df)?;
    Ok(())
}

fn read_frame(path: &Path) -> Result<DataFrame> {
    Ok(ParquetReader::new(std::fs::File::open(path)?).finish()?)
}

/// A cache whose person-level frames are written aside, not yet tied to its run. Dropped
/// without `finish` (the run was not written, or finishing failed), the frames are removed.
pub struct Staged {
    staging: PathBuf,
}

impl Drop for Staged {
    fn drop(&mut self) {
        // After `finish` the folder has been swapped in and is gone from here.
        if self.staging.exists() {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

/// The cache's frames for the run that will be at `run`, written aside: the slow part, which
/// needs no manifest, so it can be written while the run folder is.
pub fn stage(run: &Path, p: &Profiled, panel: Option<&DataFrame>) -> Result<Staged> {
    let dir = dir(run);
    // Written aside and swapped in whole, like the run folder itself.
    let staging = dir.with_file_name(format!("cache.tmp-{}", std::process::id()));
    // Leftovers of a cache write that was killed.
    if let Some(parent) = dir.parent().filter(|p| p.is_dir()) {
        for e in std::fs::read_dir(parent)?.flatten() {
            if e.file_name().to_string_lossy().starts_with("cache.tmp-") {
                std::fs::remove_dir_all(e.path())?;
            }
        }
    }
    std::fs::create_dir_all(&staging)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let parent = staging.parent().unwrap_or(&staging);
        std::fs::set_permissions(parent, std::fs::Permissions::from_mode(0o700))?;
    }
    let staged = Staged { staging };
    write_frame(&p.persons, &staged.staging.join("persons.parquet"))?;
    write_frame(&p.raw, &staged.staging.join("raw.parquet"))?;
    write_frame(&p.profile, &staged.staging.join("profile.parquet"))?;
    if let Some(panel) = panel {
        write_frame(panel, &staged.staging.join(PANEL))?;
    }
    Ok(staged)
}

/// A monitoring run's area outcomes of every period (`stages::monitoring::panel`).
const PANEL: &str = "effect_panel.parquet";

/// The effect panel of the run at `run`, when its private cache belongs to it and has one.
pub fn read_panel(run: &Path) -> Result<Option<DataFrame>> {
    let dir = dir(run);
    let Ok(text) = std::fs::read_to_string(dir.join("cache.json")) else {
        return Ok(None);
    };
    let Ok(record) = serde_json::from_str::<Record>(&text) else {
        return Ok(None);
    };
    let m = Manifest::read(run)?;
    let want = key(&m, record.key.min_cell);
    if serde_json::to_value(&record.key).ok() != serde_json::to_value(&want).ok() {
        return Ok(None);
    }
    let path = dir.join(PANEL);
    if !path.is_file() {
        return Ok(None);
    }
    read_frame(&path).map(Some).map_err(|e| {
        Error::Output(format!(
            "the private cache file `{}` cannot be read ({}); run the pipeline again",
            path.display(),
            e.to_string().lines().next().unwrap_or_default()
        ))
    })
}

/// Ties the staged frames to the run now published at `run` (its manifest's key) and swaps
/// the cache in whole.
pub fn finish(staged: Staged, run: &Path, p: &Profiled) -> Result<()> {
    let m = Manifest::read(run)?;
    let dir = dir(run);
    let staging = &staged.staging;
    let record = Record {
        key: key(&m, m.run.min_cell),
        zvw: p.zvw.clone(),
        wmo: p.wmo.clone(),
        suppression: p.suppression.clone(),
        warnings: p.warnings.clone(),
    };
    let text = serde_json::to_string_pretty(&record).map_err(|e| Error::Other(e.to_string()))?;
    std::fs::write(staging.join("cache.json"), text)?;
    crate::run_folder::publish(staging, &dir)?;
    Ok(())
}

/// The cached profile of the run at `run`, when the cache belongs to it and to `min_cell`;
/// None otherwise (the caller recomputes).
pub fn read(run: &Path, min_cell: i64) -> Result<Option<Profiled>> {
    let dir = dir(run);
    let Ok(text) = std::fs::read_to_string(dir.join("cache.json")) else {
        return Ok(None);
    };
    let Ok(record) = serde_json::from_str::<Record>(&text) else {
        return Ok(None);
    };
    let m = Manifest::read(run)?;
    let want = key(&m, min_cell);
    if serde_json::to_value(&record.key).ok() != serde_json::to_value(&want).ok() {
        return Ok(None);
    }
    // A damaged frame (a disk error, a half-copied folder) is recomputed, not an error.
    let frames = ["profile", "raw", "persons"].map(|f| {
        let path = dir.join(format!("{f}.parquet"));
        read_frame(&path).map_err(|e| (path, e))
    });
    let [profile, raw, persons] = match frames {
        [Ok(a), Ok(b), Ok(c)] => [a, b, c],
        frames => {
            for (path, e) in frames.into_iter().filter_map(|f| f.err()) {
                let e = e.to_string();
                let first = e.lines().next().unwrap_or_default();
                eprintln!(
                    "wijkscan: warning: the private cache file `{}` cannot be read ({}); \
                     recomputing from the inputs",
                    path.display(),
                    first.chars().take(160).collect::<String>()
                );
            }
            return Ok(None);
        }
    };
    Ok(Some(Profiled {
        practice_list: None,
        profile,
        raw,
        persons,
        zvw: record.zvw,
        wmo: record.wmo,
        suppression: record.suppression,
        warnings: record.warnings,
    }))
}
