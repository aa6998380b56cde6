//! `wijkscan reference vektis|cbs FILE… --out DIR`: public reference data imported into a
//! normalised table beside its record (`reference_<kind>.json`, read back by a run).

use crate::error::{Error, Result};
use clap::{Args, Subcommand};
use polars::prelude::DataFrame;
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum ReferenceCommand {
    /// Vektis open data, Zvw cost per gemeente × sex × age class, any year from 2011:
    /// writes vektis.parquet, vektis.csv and reference_vektis.json into --out.
    Vektis(ReferenceArgs),
    /// CBS kerncijfers wijken en buurten (StatLine CSV, any year from 2013): writes cbs.parquet,
    /// cbs.csv and reference_cbs.json into --out.
    Cbs(ReferenceArgs),
}

#[derive(Debug, Args)]
pub struct ReferenceArgs {
    /// The downloaded files (CSV, the year in the file name).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Folder to write the table into (created; existing files are replaced).
    #[arg(long)]
    pub out: PathBuf,
}

/// An imported reference table into `out`: `<kind>.parquet/.csv` and the import's record,
/// `reference_<kind>.json` (read back by a run for the manifest).
fn write_reference(
    out: &Path,
    kind: &str,
    mut table: DataFrame,
    files: &impl serde::Serialize,
) -> Result<()> {
    check_reference_out(out, kind, files)?;
    std::fs::create_dir_all(out)?;
    crate::pipeline::write::write_table(&mut table, out, kind)?;
    let record = serde_json::to_string_pretty(files).map_err(|e| Error::Other(e.to_string()))?;
    std::fs::write(out.join(format!("reference_{kind}.json")), record + "\n")?;
    Ok(())
}

/// An import writes `<kind>.parquet/.csv` and `reference_<kind>.json`: it may replace an
/// earlier import of the same kind, never a file of the user's (an input file included).
fn check_reference_out(out: &Path, kind: &str, files: &impl serde::Serialize) -> Result<()> {
    let refuse = |why: String| {
        Err(Error::Output(format!(
            "`{}` {why}; nothing was written",
            out.display()
        )))
    };
    if out.exists() && !out.is_dir() {
        return refuse("is a file, not a folder".into());
    }
    let record = out.join(format!("reference_{kind}.json"));
    let targets = [
        out.join(format!("{kind}.parquet")),
        out.join(format!("{kind}.csv")),
        record.clone(),
    ];
    // The files being imported, as the import recorded them.
    let sources: Vec<PathBuf> = serde_json::to_value(files)
        .ok()
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|f| f.get("path").and_then(|p| p.as_str()))
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    for t in &targets {
        let Ok(canon) = std::fs::canonicalize(t) else {
            continue;
        };
        if sources.contains(&canon) {
            return refuse(format!(
                "would overwrite `{}`, a file being imported: choose another --out",
                t.display()
            ));
        }
        if !record.is_file() {
            return refuse(format!(
                "holds `{}`, which is not an earlier {kind} import (no `{}`): choose another --out",
                t.display(),
                record.display()
            ));
        }
    }
    Ok(())
}

/// `wijkscan reference cbs FILE… --out DIR`.
pub fn cbs(args: &ReferenceArgs) -> Result<u8> {
    let imported = crate::reference::cbs::import(&args.files)?;
    write_reference(&args.out, "cbs", imported.table, &imported.files)?;
    for f in &imported.files {
        let levels: Vec<String> = f.levels.iter().map(|(l, n)| format!("{n} {l}")).collect();
        println!("{}: {} rows ({})", f.path, f.rows, levels.join(", "));
        for w in &f.warnings {
            eprintln!("wijkscan: warning: `{}`: {w}", f.path);
        }
    }
    println!("written to `{}`", args.out.display());
    Ok(0)
}

/// `wijkscan reference vektis FILE… --out DIR`.
pub fn vektis(args: &ReferenceArgs) -> Result<u8> {
    let imported = crate::reference::vektis::import(&args.files)?;
    write_reference(&args.out, "vektis", imported.table, &imported.files)?;
    for f in &imported.files {
        println!(
            "{} ({}): {} rows ({} rest), € {} in all (file and table agree to the cent), € {:.2} per insured year",
            f.path,
            f.year,
            f.rows,
            f.rest_rows,
            f.national_cost_eur_file,
            f.national_cost_per_insured_year
        );
        for w in &f.warnings {
            eprintln!("wijkscan: warning: `{}`: {w}", f.path);
        }
    }
    println!("written to `{}`", args.out.display());
    Ok(0)
}
