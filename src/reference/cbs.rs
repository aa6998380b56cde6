//! CBS "Kerncijfers wijken en buurten" (StatLine, yearly since 2013) into one normalised table
//! per gemeente, wijk and buurt code (issue #10, SPEC 3.8).
//!
//! What differs between downloads, and what is done about it:
//! - separator (`;` as StatLine writes, `,` or tab) and quoted fields;
//! - column names with a position or year suffix (`AantalInwoners_5`) or in snake case
//!   (`aantal_inwoners`): compared after lowercasing, dropping a trailing `_<digits>` and every
//!   non-alphanumeric character;
//! - codes space-padded (`"GM0014    "`) and in a column named `Codering`, `gemeentecode` or
//!   `WijkenEnBuurten` depending on the table; the region level is read from the code (GM, WK, BU),
//!   so a file may mix levels; a row of the whole country (`NL00`) is kept as level `land`;
//! - `.`, empty, `x`, `?` and the secret markers -99995 / -99997 are null, never zero;
//! - age groups and single-person households as counts in older tables and as percentages in newer
//!   ones: both become shares (0–1); income and WOZ in thousands of euros become euros;
//! - water parts of a gemeente published as their own row (`water = JA`, all values secret) are
//!   left out and counted in a warning. A figure the file does not have is null, and says so.

use crate::error::{Error, Result};
use crate::stages::inputs::files::split_header;
use polars::prelude::*;
use serde::Serialize;
use std::path::PathBuf;

/// A column name compared across tables: lowercase, no `_<digits>` suffix, alphanumerics only.
pub fn key(name: &str) -> String {
    let lower = name.trim().trim_matches('"').to_lowercase();
    let base = match lower.rsplit_once('_') {
        Some((b, suffix)) if !suffix.is_empty() && suffix.bytes().all(|c| c.is_ascii_digit()) => {
            b.to_string()
        }
        _ => lower,
    };
    base.chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

/// A CBS value: null for `.`, empty, `x`, `?` and the secret markers.
pub fn value(text: &str) -> Option<f64> {
    let t = text.trim().trim_matches('"').trim();
    if matches!(
        t,
        "" | "." | "x" | "?" | "-99995" | "-99997" | "-99995.0" | "-99997.0"
    ) {
        return None;
    }
    t.replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

/// An output figure: its name and the column keys it may come from, as a count or a percentage.
struct Figure {
    name: &'static str,
    counts: &'static [&'static str],
    percentages: &'static [&'static str],
    /// Multiply by this (thousands of euros → euros).
    scale: f64,
}

const FIGURES: &[Figure] = &[
    Figure {
        name: "residents",
        counts: &["aantalinwoners"],
        percentages: &[],
        scale: 1.0,
    },
    Figure {
        name: "share_0_15",
        counts: &["k0tot15jaar"],
        percentages: &["percentagepersonen0tot15jaar"],
        scale: 1.0,
    },
    Figure {
        name: "share_15_25",
        counts: &["k15tot25jaar"],
        percentages: &["percentagepersonen15tot25jaar"],
        scale: 1.0,
    },
    Figure {
        name: "share_25_45",
        counts: &["k25tot45jaar"],
        percentages: &["percentagepersonen25tot45jaar"],
        scale: 1.0,
    },
    Figure {
        name: "share_45_65",
        counts: &["k45tot65jaar"],
        percentages: &["percentagepersonen45tot65jaar"],
        scale: 1.0,
    },
    Figure {
        name: "share_65plus",
        counts: &["k65jaarofouder", "k65jaarenouder"],
        percentages: &["percentagepersonen65jaarenouder"],
        scale: 1.0,
    },
    Figure {
        name: "households",
        counts: &["huishoudenstotaal", "aantalhuishoudens"],
        percentages: &[],
        scale: 1.0,
    },
    Figure {
        name: "share_single_person_households",
        counts: &["eenpersoonshuishoudens"],
        percentages: &["percentageeenpersoonshuishoudens"],
        scale: 1.0,
    },
    Figure {
        name: "income_per_resident_eur",
        counts: &["gemiddeldinkomenperinwoner", "gemiddeldinkomeninwoner"],
        percentages: &[],
        scale: 1000.0,
    },
    Figure {
        name: "woz_eur",
        counts: &["gemiddeldewoningwaarde", "gemiddeldewozwaardevanwoningen"],
        percentages: &[],
        scale: 1000.0,
    },
];

/// One imported file, for `reference_cbs.json`.
#[derive(Debug, Clone, Serialize)]
pub struct FileRecord {
    pub path: String,
    pub year: Option<i32>,
    pub sha256: String,
    pub rows: usize,
    /// Rows per level (gemeente, wijk, buurt, land).
    pub levels: std::collections::BTreeMap<String, usize>,
    pub warnings: Vec<String>,
}

pub struct Imported {
    pub table: DataFrame,
    pub files: Vec<FileRecord>,
}

fn level_of(code: &str) -> Option<&'static str> {
    match code.get(..2)? {
        "GM" => Some("gemeente"),
        "WK" => Some("wijk"),
        "BU" => Some("buurt"),
        "NL" => Some("land"),
        _ => None,
    }
}

/// Imports kerncijfers files into one table: year, level, area code and name, the figures.
pub fn import(paths: &[PathBuf]) -> Result<Imported> {
    let mut years: Vec<Option<i32>> = Vec::new();
    let mut levels: Vec<String> = Vec::new();
    let mut codes: Vec<String> = Vec::new();
    let mut names: Vec<Option<String>> = Vec::new();
    let mut figures: Vec<Vec<Option<f64>>> = vec![Vec::new(); FIGURES.len()];
    let mut files = Vec::new();
    for path in paths {
        let name = path.display().to_string();
        let bad = |m: String| Error::Input {
            report: format!("`{name}`: {m}"),
        };
        let super::CsvText { bytes, text, sep } =
            super::CsvText::read(path).map_err(|e| bad(format!("cannot be read: {e}")))?;
        let mut lines = text.lines();
        let header = lines.next().ok_or_else(|| bad("is empty".into()))?;
        let head: Vec<String> = split_header(header, sep).iter().map(|h| key(h)).collect();
        let find = |keys: &[&str]| keys.iter().find_map(|k| head.iter().position(|h| h == k));
        // The code: a column whose values look like CBS codes.
        let code_col = find(&[
            "codering",
            "gemeentecode",
            "wijkcode",
            "buurtcode",
            "regiocode",
        ])
        .or_else(|| find(&["wijkenenbuurten"]))
        .ok_or_else(|| {
            bad(format!(
                "no column with CBS region codes (Codering, gemeentecode, …; found: {})",
                head.join(", ")
            ))
        })?;
        let name_col = find(&["regioaanduiding", "wijkenenbuurten", "gemeentenaam", "naam"])
            .filter(|&c| c != code_col);
        let water_col = find(&["water"]);
        let mut warnings = Vec::new();
        let sources: Vec<Option<(usize, bool)>> = FIGURES
            .iter()
            .map(|f| {
                let found = find(f.counts)
                    .map(|c| (c, false))
                    .or_else(|| find(f.percentages).map(|c| (c, true)));
                if found.is_none() {
                    warnings.push(format!("no column for `{}`: left empty", f.name));
                }
                found
            })
            .collect();
        let residents_col = sources[0].map(|s| s.0);
        let year = super::vektis::year_of(path);
        let (mut rows, mut water, mut unknown) = (0, 0, 0);
        let mut per_level = std::collections::BTreeMap::new();
        for line in lines {
            if line.trim().is_empty() {
                continue;
            }
            let f = split_header(line, sep);
            let get = |i: usize| f.get(i).map(String::as_str).unwrap_or("");
            let code = get(code_col).trim().trim_matches('"').trim().to_string();
            let Some(level) = level_of(&code) else {
                unknown += 1;
                continue;
            };
            if water_col.is_some_and(|w| get(w).trim().eq_ignore_ascii_case("ja")) {
                water += 1;
                continue;
            }
            let residents = residents_col.and_then(|c| value(get(c)));
            for (k, (fig, src)) in FIGURES.iter().zip(&sources).enumerate() {
                let v = src.and_then(|(c, percent)| {
                    let v = value(get(c))?;
                    Some(if fig.name.starts_with("share_") {
                        if percent {
                            v / 100.0
                        } else {
                            // A count: its share of the residents (or households).
                            let of = if fig.name == "share_single_person_households" {
                                sources[6].and_then(|(h, _)| value(get(h)))
                            } else {
                                residents
                            };
                            v / of.filter(|d| *d > 0.0)?
                        }
                    } else {
                        v * fig.scale
                    })
                });
                figures[k].push(v);
            }
            years.push(year);
            levels.push(level.to_string());
            codes.push(code);
            names.push(name_col.map(|c| get(c).trim().trim_matches('"').trim().to_string()));
            *per_level.entry(level.to_string()).or_insert(0) += 1;
            rows += 1;
        }
        // An empty import would give a run no residents at all, silently.
        if rows == 0 {
            return Err(bad(format!(
                "has a header but no data rows with a CBS region code (GM, WK, BU, NL; {water} water and {unknown} other rows left out): nothing imported"
            )));
        }
        if water > 0 {
            warnings.push(format!(
                "{water} water rows (water = JA: the water part of a gemeente, all values secret) left out"
            ));
        }
        if unknown > 0 {
            warnings.push(format!(
                "{unknown} rows without a CBS region code (GM, WK, BU, NL) left out"
            ));
        }
        files.push(FileRecord {
            path: name,
            year,
            sha256: crate::checksum::sha256(&bytes),
            rows,
            levels: per_level,
            warnings,
        });
    }
    let mut cols = vec![
        Column::new("year".into(), years),
        Column::new("level".into(), levels),
        Column::new("area_code".into(), codes),
        Column::new("area_name".into(), names),
    ];
    for (f, v) in FIGURES.iter().zip(figures) {
        cols.push(Column::new(f.name.into(), v));
    }
    Ok(Imported {
        table: DataFrame::new_infer_height(cols)?,
        files,
    })
}

/// Residents per code from an imported table (for a run's `areas` without residents).
pub fn residents(table: &DataFrame) -> PolarsResult<std::collections::BTreeMap<String, f64>> {
    let codes = crate::frame::strings(table, "area_code")?;
    let r = crate::frame::floats(table, "residents")?;
    Ok(codes
        .into_iter()
        .zip(r)
        .filter_map(|(c, r)| Some((c?, r?)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_values_and_codes_across_tables() {
        assert_eq!(key("AantalInwoners_5"), "aantalinwoners");
        assert_eq!(key("aantal_inwoners"), "aantalinwoners");
        assert_eq!(key("\"k_0Tot15Jaar_8\""), "k0tot15jaar");
        assert_eq!(
            key("percentage_personen_0_tot_15_jaar"),
            "percentagepersonen0tot15jaar"
        );
        assert_eq!(value("."), None);
        assert_eq!(value("-99997"), None);
        assert_eq!(value(" 12,5 "), Some(12.5));
        assert_eq!(value("\"1 234\""), None);
        assert_eq!(level_of("WK001401"), Some("wijk"));
    }

    /// A header without data rows (or only rows left out) imports nothing: refused, naming
    /// the file.
    #[test]
    fn a_file_without_rows_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("kwb-2024.csv");
        let head = "gemeentecode;gemeentenaam;water;aantal_inwoners\n";
        for body in ["", "GM0014;Groningen;JA;-99997\nXX;Onbekend;NEE;5\n"] {
            std::fs::write(&p, format!("{head}{body}")).unwrap();
            let e = import(std::slice::from_ref(&p)).err().unwrap().to_string();
            assert!(
                e.contains("kwb-2024.csv") && e.contains("no data rows"),
                "{e}"
            );
        }
        std::fs::write(&p, format!("{head}GM0014;Groningen;NEE;5\n")).unwrap();
        assert_eq!(import(&[p]).unwrap().files[0].rows, 1);
    }

    /// A StatLine-style download: quoted, position suffixes, padded codes, three levels mixed,
    /// counts instead of percentages, "." for unknown, income in thousands.
    #[test]
    fn a_statline_download_with_mixed_levels() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("kwb-2019.csv");
        std::fs::write(
            &p,
            "\"ID\";\"WijkenEnBuurten\";\"Gemeentenaam_1\";\"SoortRegio_2\";\"Codering_3\";\"AantalInwoners_5\";\"k_0Tot15Jaar_8\";\"HuishoudensTotaal_28\";\"Eenpersoonshuishoudens_29\";\"GemiddeldInkomenPerInwoner_66\"\n\
             1;\"Groningen\";\"Groningen                               \";\"Gemeente  \";\"GM0014    \";232874;29000;140000;70000;25.1\n\
             2;\"Centrum\";\"Groningen                               \";\"Wijk      \";\"WK001401  \";23000;.;18000;12600;.\n\
             3;\"Binnenstad-Zuid\";\"Groningen                               \";\"Buurt     \";\"BU00140100\";5000;400;.;.;-99997\n",
        )
        .unwrap();
        let out = import(&[p]).unwrap();
        let f = &out.files[0];
        assert_eq!(f.year, Some(2019));
        assert_eq!(f.rows, 3);
        assert_eq!(f.levels.get("buurt"), Some(&1));
        assert!(f.warnings.iter().any(|w| w.contains("woz_eur")));
        let t = &out.table;
        assert_eq!(
            crate::frame::strings(t, "area_code").unwrap(),
            vec![
                Some("GM0014".into()),
                Some("WK001401".into()),
                Some("BU00140100".into())
            ]
        );
        assert_eq!(
            crate::frame::strings(t, "area_name").unwrap()[1].as_deref(),
            Some("Centrum")
        );
        let share = crate::frame::floats(t, "share_0_15").unwrap();
        assert!((share[0].unwrap() - 29000.0 / 232874.0).abs() < 1e-12);
        assert_eq!(share[1], None);
        assert!((share[2].unwrap() - 0.08).abs() < 1e-12);
        let single = crate::frame::floats(t, "share_single_person_households").unwrap();
        assert!((single[1].unwrap() - 0.7).abs() < 1e-12);
        let income = crate::frame::floats(t, "income_per_resident_eur").unwrap();
        assert_eq!(income, vec![Some(25_100.0), None, None]);
    }
}
