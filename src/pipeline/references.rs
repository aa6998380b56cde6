//! The reference tables of `[reference]` (issue #10): read once per run — the CBS residents
//! for the profile of every period, the Vektis national amounts for the profile columns — and
//! recorded in the manifest from what was read.

use crate::config::Settings;
use crate::error::{Error, Result};
use crate::stages::profile::national::{self, National};
use polars::prelude::DataFrame;
use std::collections::{BTreeMap, BTreeSet};
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
        let config = |message: String| Error::Config {
            path: settings
                .pipeline_file
                .clone()
                .unwrap_or_else(|| "command line".into()),
            message,
        };
        let read = |kind: &str, path: &Path| {
            crate::frame::read_parquet(path).map_err(|e| {
                config(format!(
                    "[reference] {kind} = `{}` cannot be read as a table of `wijkscan reference {kind}`: {e}",
                    path.display()
                ))
            })
        };
        let vektis = match &settings.reference_vektis {
            None => None,
            Some((path, year)) => {
                let table = read("vektis", path)?;
                let national = vektis_national(&table, *year)?.map_err(|m| {
                    config(format!("[reference] vektis = `{}`: {m}", path.display()))
                })?;
                Some(Vektis {
                    path: path.clone(),
                    rows: table.height(),
                    national,
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

/// The national amounts of `year` (default: the latest), or why the table cannot give them: a
/// year it does not hold, or one without insured years, cost or a single rate, would otherwise
/// publish Nederland at € 0 per insured year. Polars errors are the outer result.
fn vektis_national(
    table: &DataFrame,
    year: Option<i32>,
) -> Result<std::result::Result<National, String>> {
    let held: BTreeSet<i32> = crate::frame::floats(table, "year")?
        .into_iter()
        .flatten()
        .map(|y| y as i32)
        .collect();
    let list = held
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    match year {
        _ if held.is_empty() => {
            return Ok(Err(
                "the table holds no year (an empty import): import a Vektis file again".into(),
            ))
        }
        Some(y) if !held.contains(&y) => {
            return Ok(Err(format!(
                "vektis_year = {y} is not in the table, which holds {list}"
            )))
        }
        _ => {}
    }
    let nl = national::national(table, year)?;
    let y = nl.year;
    Ok(if !nl.national.is_finite() || nl.national <= 0.0 {
        Err(format!(
            "year {y} has no national cost per insured year (no insured years or € 0 cost in its rows; the table holds {list})"
        ))
    } else if nl.rates.iter().flatten().all(Option::is_none) {
        Err(format!(
            "year {y} has no national rate for any sex × age class (the table holds {list})"
        ))
    } else {
        Ok(nl)
    })
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
    use polars::prelude::*;

    /// A Vektis table of one gemeente row per year, with these insured years and cost.
    fn table(rows: &[(i32, f64, f64)]) -> DataFrame {
        let n = rows.len();
        df!(
            "year" => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            "gemeente_code" => vec![Some("GM0153"); n],
            "sex" => vec![Some("M"); n],
            "age_class" => vec![Some("90+"); n],
            "insured_years" => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            "cost_total_eur" => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
        )
        .unwrap()
    }

    /// A year asked that the table lacks, an empty table, and a year without insured years or
    /// cost are refused with the year and the years held; a usable year gives its amounts.
    #[test]
    fn a_vektis_year_absent_or_empty_is_refused() {
        let t = table(&[(2015, 10.0, 1_000.0), (2023, 4.0, 400.0)]);
        let e = vektis_national(&t, Some(1999)).unwrap().err().unwrap();
        assert!(e.contains("1999") && e.contains("2015, 2023"), "{e}");
        let nl = vektis_national(&t, None).unwrap().unwrap();
        assert_eq!((nl.year, nl.national), (2023, 100.0));
        assert_eq!(vektis_national(&t, Some(2015)).unwrap().unwrap().year, 2015);
        let e = vektis_national(&table(&[]), None).unwrap().err().unwrap();
        assert!(e.contains("holds no year"), "{e}");
        for (years, cost) in [(0.0, 100.0), (10.0, 0.0)] {
            let t = table(&[(2015, 10.0, 1_000.0), (2023, years, cost)]);
            let e = vektis_national(&t, None).unwrap().err().unwrap();
            assert!(e.contains("year 2023 has no national cost"), "{e}");
        }
        // Only a rest row (no sex or age class): no rate for anybody.
        let mut t = table(&[(2023, 10.0, 1_000.0)]);
        t.with_column(Column::new("sex".into(), [None::<&str>]))
            .unwrap();
        let e = vektis_national(&t, None).unwrap().err().unwrap();
        assert!(e.contains("no national rate"), "{e}");
    }

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
