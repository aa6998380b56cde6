//! The reference tables of `[reference]` (issue #10): read once per run — the CBS residents
//! for the profile of every period, the Vektis national amounts for the profile columns — and
//! recorded in the manifest from what was read.

use crate::config::Settings;
use crate::error::{Error, Result};
use crate::stages::national::{self, National};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `[reference] vektis`: the table and the national amounts of the year used.
pub struct Vektis {
    pub path: PathBuf,
    pub rows: usize,
    pub national: National,
}

/// `[reference] cbs`: the table's year and residents per CBS code.
pub struct Cbs {
    pub path: PathBuf,
    pub rows: usize,
    pub year: Option<i32>,
    pub residents: BTreeMap<String, f64>,
}

#[derive(Default)]
pub struct References {
    pub vektis: Option<Vektis>,
    pub cbs: Option<Cbs>,
}

impl References {
    /// Reads the tables the settings name; one that cannot be read is a configuration error.
    pub fn load(settings: &Settings) -> Result<References> {
        let read = |kind: &str, path: &Path| {
            crate::frame::read_parquet(path).map_err(|e| Error::Config {
                path: settings
                    .pipeline_file
                    .clone()
                    .unwrap_or_else(|| "command line".into()),
                message: format!(
                    "[reference] {kind} = `{}` cannot be read as a table of `wijkscan reference {kind}`: {e}",
                    path.display()
                ),
            })
        };
        let vektis = match &settings.reference_vektis {
            None => None,
            Some((path, year)) => {
                let table = read("vektis", path)?;
                Some(Vektis {
                    path: path.clone(),
                    rows: table.height(),
                    national: national::national(&table, *year)?,
                })
            }
        };
        let cbs = match &settings.reference_cbs {
            None => None,
            Some(path) => {
                let table = read("cbs", path)?;
                let year = crate::frame::floats(&table, "year")?
                    .into_iter()
                    .flatten()
                    .next()
                    .map(|y| y as i32);
                Some(Cbs {
                    path: path.clone(),
                    rows: table.height(),
                    year,
                    residents: crate::reference::cbs::residents(&table)?,
                })
            }
        };
        Ok(References { vektis, cbs })
    }

    /// The manifest's records: path, checksum, rows, the year used and the import's warnings.
    pub fn records(&self) -> Result<Vec<crate::manifest::ReferenceRecord>> {
        let record = |kind: &str, path: &Path, rows: usize, year: Option<i32>, national| {
            Ok::<_, Error>(crate::manifest::ReferenceRecord {
                kind: kind.into(),
                path: std::fs::canonicalize(path)
                    .unwrap_or_else(|_| path.to_path_buf())
                    .display()
                    .to_string(),
                sha256: crate::checksum::sha256_file(path)?,
                rows: rows as u64,
                year,
                national_cost_per_insured_year: national,
                warnings: import_warnings(kind, path, rows, year),
            })
        };
        let mut out = Vec::new();
        if let Some(v) = &self.vektis {
            out.push(record(
                "vektis",
                &v.path,
                v.rows,
                Some(v.national.year),
                Some(v.national.national),
            )?);
        }
        if let Some(c) = &self.cbs {
            out.push(record("cbs", &c.path, c.rows, c.year, None)?);
        }
        Ok(out)
    }
}

/// The warnings `wijkscan reference <kind>` recorded for the files of `year`, read from the
/// `reference_<kind>.json` it wrote beside the table; a note instead where that record is
/// missing, unreadable, of another table (its rows do not add up to the table's) or has no
/// file of that year — so an empty list means a clean import.
fn import_warnings(kind: &str, table: &Path, rows: usize, year: Option<i32>) -> Vec<String> {
    let name = format!("reference_{kind}.json");
    let path = table.with_file_name(&name);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return vec![format!(
            "no import record `{name}` beside the table: the import's warnings are not known"
        )];
    };
    /// What a run needs of an import's record (the rest is for the reader).
    #[derive(serde::Deserialize)]
    struct Record {
        year: Option<i32>,
        rows: u64,
        #[serde(default)]
        warnings: Vec<String>,
    }
    let Ok(records) = serde_json::from_str::<Vec<Record>>(&text) else {
        return vec![format!(
            "`{name}` beside the table is not an import record: the import's warnings are not known"
        )];
    };
    let recorded: u64 = records.iter().map(|r| r.rows).sum();
    if recorded != rows as u64 {
        return vec![format!(
            "`{name}` records {recorded} rows, the table has {rows}: it belongs to another import, and this one's warnings are not known"
        )];
    }
    let of_year: Vec<&Record> = records
        .iter()
        .filter(|r| year.is_none() || r.year == year)
        .collect();
    if of_year.is_empty() {
        return vec![format!(
            "`{name}` has no file of {}: the import's warnings are not known",
            year.map_or("that year".to_string(), |y| y.to_string())
        )];
    }
    of_year.iter().flat_map(|r| r.warnings.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The import's warnings of the year used; a note where the record cannot be trusted.
    #[test]
    fn import_warnings_of_the_year_or_a_note_why_not() {
        let dir = tempfile::tempdir().unwrap();
        let table = dir.path().join("vektis.parquet");
        let none = import_warnings("vektis", &table, 5, Some(2023));
        assert!(none[0].contains("no import record"), "{none:?}");
        let record = |json: &str| {
            std::fs::write(dir.path().join("reference_vektis.json"), json).unwrap();
            import_warnings("vektis", &table, 5, Some(2023))
        };
        let two_years = r#"[{"year": 2015, "rows": 2, "warnings": ["HAAREN split"]},
                            {"year": 2023, "rows": 3, "warnings": ["x"]}]"#;
        assert_eq!(record(two_years), ["x"]);
        let clean = r#"[{"year": 2023, "rows": 5, "warnings": []}]"#;
        assert!(record(clean).is_empty());
        let other = r#"[{"year": 2023, "rows": 4, "warnings": []}]"#;
        assert!(record(other)[0].contains("another import"));
        let no_year = r#"[{"year": 2022, "rows": 5, "warnings": []}]"#;
        assert!(record(no_year)[0].contains("no file of 2023"));
        assert!(record("{")[0].contains("not an import record"));
    }
}
