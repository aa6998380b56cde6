//! Vektis open data, Zvw cost per gemeente × sex × age class (all insurers, yearly since 2011),
//! imported into one normalised table (issue #10, SPEC 3.8).
//!
//! What changes between the yearly files, and what is done about it:
//! - separator (`;` as published, `,` or tab) and decimal mark (`.`; a `,` where `;` separates);
//! - header case (UPPERCASE in 2015, lowercase in 2023) and names cut at 32 characters: columns
//!   are recognised by a prefix, so `kosten_medisch_specialistische_z` is medisch-specialistische
//!   zorg;
//! - GGZ renamed and split differently over the years (basis/specialistisch/langdurig until the
//!   2022 zorgprestatiemodel; consulten/intramuraal verblijf/overige prestaties after): mapped onto
//!   the SPEC 2.6 care types as `sample::calibration` documents; a cost column nobody knows goes to
//!   `overig` with a warning naming it;
//! - no year column: the year is taken from the file name (a file without one is refused);
//! - the rest row ("overig/onbekend": cells under 10 insured, empty dimensions, anywhere in the
//!   file) is kept with `rest = true` and no gemeente: it counts nationally, never in a gemeente;
//! - gemeente names in capitals without apostrophes or accents (`'S-GRAVENHAGE`, later
//!   `S GRAVENHAGE`): matched to CBS codes through the bundled gemeente list of 2024 after the
//!   same folding; a gemeente merged since (AALBURG, 2019 into Altena) gets its successor's code
//!   through the bundled, sourced table of herindelingen (`herindelingen.csv`); one split over
//!   several (HAAREN, 2021) and a name nobody knows are listed warnings, and their rows keep a
//!   null code — never dropped. `gemeente_code_via` says how each code was found.
//!
//! Money is summed in cents, and each file's national total over its own cost cells is checked
//! against the imported table to the cent.

use super::gemeenten::{fold, gemeente_codes, herindelingen};
use crate::domain::CARE_TYPES;
use crate::error::{Error, Result};
use crate::stages::inputs::files::split_header;
use polars::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The SPEC 2.6 care type of a Vektis cost column (lowercase, without `kosten_`), by prefix so
/// that names cut at 32 characters still match; None for a column nobody knows.
pub fn care_type_of(column: &str) -> Option<&'static str> {
    const MAP: &[(&str, &str)] = &[
        ("medisch_specialistische", "msz"),
        ("farmacie", "farmacie"),
        ("huisarts", "huisarts"),
        // Until 2021: basis and specialistische GGZ (langdurig with the latter); from 2022
        // (zorgprestatiemodel) consulten as basis, the rest as specialistisch.
        ("generalistische_basis_ggz", "ggz_basis"),
        ("consulten_ggz", "ggz_basis"),
        ("specialistische_ggz", "ggz_specialistisch"),
        ("langdurige_ggz", "ggz_specialistisch"),
        ("intramuraal_verblijf_ggz", "ggz_specialistisch"),
        ("overige_prestaties_ggz", "ggz_specialistisch"),
        ("innovatiegelden_ggz", "ggz_specialistisch"),
        ("verpleging_en_verzorging", "wijkverpleging"),
        ("wijkverpleging", "wijkverpleging"),
        ("paramedische_zorg_fysio", "fysiotherapie"),
        ("paramedische_zorg_overig", "paramedisch"),
        ("hulpmiddelen", "hulpmiddelen"),
        ("ziekenvervoer", "ziekenvervoer"),
        ("kraamzorg", "kraamzorg"),
        ("verloskundige_zorg", "kraamzorg"),
        ("integrale_geboortezorg", "kraamzorg"),
        ("mondzorg", "mondzorg"),
        ("tandheelkundige_zorg", "mondzorg"),
        ("grensoverschrijdende_zorg", "overig"),
        ("eerstelijns_ondersteuning", "overig"),
        ("eerstelijnsverblijf", "overig"),
        ("geriatrische_revalidatie", "overig"),
        ("gzsp", "overig"),
        ("overig", "overig"),
    ];
    // Names cut at 32 characters keep 25 after `kosten_`: only such a name may be shorter
    // than the prefix it stands for.
    MAP.iter()
        .find(|(prefix, _)| {
            column.starts_with(prefix) || (column.len() >= 24 && prefix.starts_with(column))
        })
        .map(|(_, ct)| *ct)
}

/// The year in a file name (2011 and later), e.g. `vektis_zvw_2023_gemeente.csv` → 2023.
pub fn year_of(path: &Path) -> Option<i32> {
    let name = path.file_name()?.to_string_lossy().to_string();
    let bytes = name.as_bytes();
    (0..bytes.len().saturating_sub(3))
        .filter(|&i| {
            bytes[i..i + 4].iter().all(u8::is_ascii_digit)
                && (i == 0 || !bytes[i - 1].is_ascii_digit())
                && bytes.get(i + 4).is_none_or(|b| !b.is_ascii_digit())
        })
        .filter_map(|i| name[i..i + 4].parse::<i32>().ok())
        .find(|y| (2011..=2100).contains(y))
}

/// Cents of a Vektis amount: `.` decimals (0–2 places), or `,` where the file is `;`-separated.
fn cents(text: &str) -> Option<i64> {
    let t = text.trim().replace(',', ".");
    if t.is_empty() {
        return Some(0);
    }
    let v: f64 = t.parse().ok()?;
    v.is_finite().then(|| (v * 100.0).round() as i64)
}

/// Why a file's rows make no usable year (None when they do): without gemeente rows, insured
/// years or cost, a run would publish Nederland's cost per insured year as € 0.
fn unusable(rows: usize, rest_rows: usize, insured_years: f64, cents: i64) -> Option<String> {
    if rows == 0 {
        Some("has a header but no data rows".into())
    } else if rows == rest_rows {
        Some(format!(
            "has only the rest row ({rows} rows), no gemeente rows"
        ))
    } else if insured_years.is_nan() || insured_years <= 0.0 {
        Some(format!("has {rows} rows but no insured years in them"))
    } else if cents == 0 {
        Some(format!(
            "has {rows} rows but € 0 cost in them (no `kosten_` column, or all empty)"
        ))
    } else {
        None
    }
}

/// One imported file: its record for `reference_vektis.json`.
#[derive(Debug, Clone, Serialize)]
pub struct FileRecord {
    pub path: String,
    pub year: i32,
    pub sha256: String,
    pub rows: usize,
    pub rest_rows: usize,
    /// Σ of every cost cell of the file, in euros (to the cent), and of the imported table.
    pub national_cost_eur_file: String,
    pub national_cost_eur_table: String,
    pub insured_years: f64,
    /// National cost per insured year: all rows, the rest row included.
    pub national_cost_per_insured_year: f64,
    /// The same over the gemeente rows only (the rest row left out).
    pub gemeenten_cost_per_insured_year: f64,
    /// Names found through the table of herindelingen: "AALBURG → Altena (2019)".
    pub herindelingen: Vec<String>,
    pub warnings: Vec<String>,
}

/// What an import produced.
pub struct Imported {
    pub table: DataFrame,
    pub files: Vec<FileRecord>,
}

#[derive(Default)]
struct Columns {
    year: Vec<i32>,
    code: Vec<Option<String>>,
    via: Vec<Option<&'static str>>,
    name: Vec<Option<String>>,
    sex: Vec<Option<String>>,
    age: Vec<Option<String>>,
    persons: Vec<Option<i64>>,
    years: Vec<Option<f64>>,
    cost: Vec<Vec<i64>>,
    rest: Vec<bool>,
}

fn eur(cents: i64) -> String {
    crate::stages::profile::reconcile::eur_text(cents)
}

/// Imports Vektis gemeente files into one table (rows in file order, files in the order given).
pub fn import(paths: &[PathBuf]) -> Result<Imported> {
    let codes = gemeente_codes();
    let gone = herindelingen();
    let mut c = Columns {
        cost: vec![Vec::new(); CARE_TYPES.len()],
        ..Columns::default()
    };
    let mut files = Vec::new();
    // Year → the file that brought it: a second file of a year would double its rows.
    let mut file_of_year: BTreeMap<i32, String> = BTreeMap::new();
    for path in paths {
        let name = path.display().to_string();
        let bad = |m: String| Error::Input {
            report: format!("`{name}`: {m}"),
        };
        let super::CsvText { bytes, text, sep } =
            super::CsvText::read(path).map_err(|e| bad(format!("cannot be read: {e}")))?;
        let year = year_of(path).ok_or_else(|| {
            bad("no year (2011 or later) in the file name; Vektis files carry none inside".into())
        })?;
        if let Some(first) = file_of_year.insert(year, name.clone()) {
            return Err(bad(format!(
                "is of {year}, and so is `{first}`: two files of one year would count its rows twice; import one file per year"
            )));
        }
        let mut lines = text.lines();
        let header = lines.next().ok_or_else(|| bad("is empty".into()))?;
        let head: Vec<String> = split_header(header, sep)
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect();
        let find = |n: &str| head.iter().position(|h| h == n);
        let (Some(i_sex), Some(i_age), Some(i_gem), Some(i_bsn), Some(i_years)) = (
            find("geslacht"),
            find("leeftijdsklasse"),
            find("gemeentenaam"),
            find("aantal_bsn"),
            find("aantal_verzekerdejaren"),
        ) else {
            return Err(bad(format!(
                "not a Vektis gemeente file: needs geslacht, leeftijdsklasse, gemeentenaam, aantal_bsn and aantal_verzekerdejaren (found: {})",
                head.join(", ")
            )));
        };
        let mut warnings = Vec::new();
        let mut cost_cols: Vec<(usize, usize)> = Vec::new(); // (column, care type index)
        for (i, h) in head.iter().enumerate() {
            let Some(k) = h.strip_prefix("kosten_") else {
                continue;
            };
            let ct = care_type_of(k).unwrap_or_else(|| {
                warnings.push(format!("cost column `{h}` is not known: counted as overig"));
                "overig"
            });
            let idx = CARE_TYPES.iter().position(|c| *c == ct).unwrap_or(12);
            cost_cols.push((i, idx));
        }
        let (mut rows, mut rest_rows, mut file_cents, mut table_cents) = (0, 0, 0i64, 0i64);
        let (mut years_sum, mut rest_years, mut rest_cents) = (0.0, 0.0, 0i64);
        let mut unmatched: BTreeMap<String, usize> = BTreeMap::new();
        let mut herindeeld: BTreeMap<String, usize> = BTreeMap::new();
        for (n, line) in lines.enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let f = split_header(line, sep);
            let get = |i: usize| f.get(i).map_or("", |v| v.trim());
            let row = n + 2;
            let (sex, age, gem) = (get(i_sex), get(i_age), get(i_gem));
            let rest = sex.is_empty() && age.is_empty() && gem.is_empty();
            let persons = match get(i_bsn) {
                "" => None,
                v => Some(v.parse::<i64>().map_err(|_| {
                    bad(format!(
                        "row {row}, column `aantal_bsn`: `{v}` is not a count"
                    ))
                })?),
            };
            let years = match get(i_years) {
                "" => None,
                v => Some(v.replace(',', ".").parse::<f64>().map_err(|_| {
                    bad(format!(
                        "row {row}, column `aantal_verzekerdejaren`: `{v}` is not a number"
                    ))
                })?),
            };
            let mut cost = vec![0i64; CARE_TYPES.len()];
            for &(i, k) in &cost_cols {
                let v = cents(get(i)).ok_or_else(|| {
                    bad(format!(
                        "row {row}, column `{}`: `{}` is not an amount",
                        head[i],
                        get(i)
                    ))
                })?;
                file_cents += v;
                cost[k] += v;
            }
            let row_cents: i64 = cost.iter().sum();
            table_cents += row_cents;
            years_sum += years.unwrap_or(0.0);
            let (code, via) = if rest {
                rest_rows += 1;
                rest_years += years.unwrap_or(0.0);
                rest_cents += row_cents;
                (None, None)
            } else if let Some(code) = codes.get(&fold(gem)) {
                (Some(code.clone()), Some("name"))
            } else if let Some(h) = gone.get(&fold(gem)) {
                *herindeeld.entry(gem.to_string()).or_default() += 1;
                (h.code.clone(), h.code.as_ref().map(|_| "herindeling"))
            } else {
                *unmatched.entry(gem.to_string()).or_default() += 1;
                (None, None)
            };
            c.year.push(year);
            c.code.push(code);
            c.via.push(via);
            c.name.push((!gem.is_empty()).then(|| gem.to_string()));
            c.sex.push(match sex {
                "" => None,
                "V" | "F" | "v" | "f" => Some("V".into()),
                other => Some(other.to_ascii_uppercase()),
            });
            c.age.push(
                (!age.is_empty()).then(|| age.split_whitespace().collect::<Vec<_>>().join(" ")),
            );
            c.persons.push(persons);
            c.years.push(years);
            for (k, v) in cost.into_iter().enumerate() {
                c.cost[k].push(v);
            }
            c.rest.push(rest);
            rows += 1;
        }
        let mut found = Vec::new();
        for (g, n) in &herindeeld {
            let h = &gone[&fold(g)];
            if h.code.is_some() {
                found.push(format!("{g} → {} ({})", h.successors[0], h.since));
            } else {
                warnings.push(format!(
                    "gemeente `{g}` ({n} rows) was split in {} over {}: kept without a code (its cost counts nationally, in no gemeente)",
                    h.since,
                    h.successors.join(", ")
                ));
            }
        }
        for (g, n) in &unmatched {
            warnings.push(format!(
                "gemeente `{g}` ({n} rows) matches no CBS gemeente of 2024 nor a former one of the herindelingen table: kept without a code"
            ));
        }
        if let Some(why) = unusable(rows, rest_rows, years_sum, file_cents) {
            return Err(bad(format!(
                "{why}: no usable year {year}, nothing imported"
            )));
        }
        if file_cents != table_cents {
            return Err(bad(format!(
                "the imported cost (€ {}) does not add up to the file's (€ {})",
                eur(table_cents),
                eur(file_cents)
            )));
        }
        files.push(FileRecord {
            path: name.clone(),
            year,
            sha256: crate::checksum::sha256(&bytes),
            rows,
            rest_rows,
            national_cost_eur_file: eur(file_cents),
            national_cost_eur_table: eur(table_cents),
            insured_years: years_sum,
            national_cost_per_insured_year: if years_sum > 0.0 {
                file_cents as f64 / 100.0 / years_sum
            } else {
                0.0
            },
            gemeenten_cost_per_insured_year: if years_sum - rest_years > 0.0 {
                (file_cents - rest_cents) as f64 / 100.0 / (years_sum - rest_years)
            } else {
                0.0
            },
            herindelingen: found,
            warnings,
        });
    }
    let mut cols = vec![
        Column::new("year".into(), c.year),
        Column::new("gemeente_code".into(), c.code),
        Column::new("gemeente_code_via".into(), c.via),
        Column::new("gemeente_name_vektis".into(), c.name),
        Column::new("sex".into(), c.sex),
        Column::new("age_class".into(), c.age),
        Column::new("insured_persons".into(), c.persons),
        Column::new("insured_years".into(), c.years),
        Column::new("rest".into(), c.rest),
    ];
    let total: Vec<f64> = (0..cols[0].len())
        .map(|i| c.cost.iter().map(|v| v[i]).sum::<i64>() as f64 / 100.0)
        .collect();
    for (k, ct) in CARE_TYPES.iter().enumerate() {
        cols.push(Column::new(
            format!("cost_{ct}_eur").into(),
            c.cost[k]
                .iter()
                .map(|v| *v as f64 / 100.0)
                .collect::<Vec<_>>(),
        ));
    }
    cols.push(Column::new("cost_total_eur".into(), total));
    Ok(Imported {
        table: DataFrame::new_infer_height(cols)?,
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_by_prefix_even_when_cut() {
        assert_eq!(care_type_of("medisch_specialistische_z"), Some("msz"));
        assert_eq!(care_type_of("medisch_specialistische_zorg"), Some("msz"));
        assert_eq!(
            care_type_of("paramedische_zorg_fysioth"),
            Some("fysiotherapie")
        );
        assert_eq!(care_type_of("geriatrische_revalidatiez"), Some("overig"));
        assert_eq!(care_type_of("huisarts_mdz"), Some("huisarts"));
        assert_eq!(care_type_of("ruimtevaart"), None);
        assert_eq!(
            year_of(Path::new("a/vektis_zvw_2015_gemeente.csv")),
            Some(2015)
        );
        assert_eq!(
            year_of(Path::new("Vektis Open Databestand Zvw 2019 - gemeente.csv")),
            Some(2019)
        );
        assert_eq!(year_of(Path::new("zvw_gemeente.csv")), None);
        assert_eq!(cents("1234.5"), Some(123_450));
        assert_eq!(cents("-0.07"), Some(-7));
        assert_eq!(cents("12,30"), Some(1_230));
    }

    /// A synthetic file with every drift at once: tab-separated, mixed-case header, a cut
    /// column name, an unknown cost column, the rest row in the middle, a name with an
    /// apostrophe and a gemeente that no longer exists.
    #[test]
    fn a_drifting_file_is_imported_whole() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("zvw_2031_gemeente.tsv");
        std::fs::write(
            &p,
            "Geslacht\tLeeftijdsklasse\tGEMEENTENAAM\taantal_bsn\tAANTAL_VERZEKERDEJAREN\tkosten_medisch_specialistische_z\tKOSTEN_RUIMTEVAART\n\
             V\t 0 t/m  4 jaar\t'S-GRAVENHAGE\t20\t19.5\t1000.10\t5\n\
             \t\t\t\t3.25\t99.99\t0\n\
             M\t90+\tATLANTIS\t11\t10\t-2.5\t1.01\n\
             M\t90+\tLEEUWARDERADEEL\t11\t10\t0\t0\n",
        )
        .unwrap();
        let out = import(&[p]).unwrap();
        let f = &out.files[0];
        assert_eq!((f.year, f.rows, f.rest_rows), (2031, 4, 1));
        assert_eq!(f.national_cost_eur_file, "1103.60");
        assert_eq!(f.national_cost_eur_table, "1103.60");
        assert!(f.warnings.iter().any(|w| w.contains("kosten_ruimtevaart")));
        assert!(f.warnings.iter().any(|w| w.contains("ATLANTIS")));
        // A gemeente merged since (Leeuwarderadeel, 2018) gets its successor's code.
        assert_eq!(f.herindelingen, ["LEEUWARDERADEEL → Leeuwarden (2018)"]);
        let codes = crate::frame::strings(&out.table, "gemeente_code").unwrap();
        let code = |c: &str| Some(c.to_string());
        assert_eq!(codes, vec![code("GM0518"), None, None, code("GM0080")]);
        let via = crate::frame::strings(&out.table, "gemeente_code_via").unwrap();
        assert_eq!(via, vec![code("name"), None, None, code("herindeling")]);
        let ages = crate::frame::strings(&out.table, "age_class").unwrap();
        assert_eq!(ages[0].as_deref(), Some("0 t/m 4 jaar"));
        let overig = crate::frame::floats(&out.table, "cost_overig_eur").unwrap();
        assert_eq!(overig, vec![Some(5.0), Some(0.0), Some(1.01), Some(0.0)]);
    }

    /// The other drifts: `;` with decimal commas, the GGZ columns before (basis,
    /// specialistisch, langdurig) and after the 2022 zorgprestatiemodel (consulten,
    /// intramuraal verblijf, overige prestaties) in one file, and a gemeente split since.
    #[test]
    fn decimal_commas_ggz_renames_and_a_split_gemeente() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("vektis_2019.csv");
        std::fs::write(
            &p,
            "geslacht;leeftijdsklasse;gemeentenaam;aantal_bsn;aantal_verzekerdejaren;\
             kosten_generalistische_basis_ggz;kosten_specialistische_ggz;kosten_langdurige_ggz;\
             kosten_consulten_ggz;kosten_intramuraal_verblijf_ggz;kosten_overige_prestaties_ggz\n\
             M;20 t/m 24 jaar;ENSCHEDE;12;11,5;1,10;2,20;3,30;4,40;5,50;6,60\n\
             V;20 t/m 24 jaar;HAAREN;14;13,25;0,01;0;0;0;0;0,02\n",
        )
        .unwrap();
        let out = import(&[p]).unwrap();
        let f = &out.files[0];
        assert_eq!((f.year, f.rows), (2019, 2));
        assert_eq!(f.national_cost_eur_file, "23.13");
        assert!((f.insured_years - 24.75).abs() < 1e-9);
        let basis = crate::frame::floats(&out.table, "cost_ggz_basis_eur").unwrap();
        let spec = crate::frame::floats(&out.table, "cost_ggz_specialistisch_eur").unwrap();
        assert_eq!(basis[0], Some(1.10 + 4.40));
        assert!((spec[0].unwrap() - (2.20 + 3.30 + 5.50 + 6.60)).abs() < 1e-9);
        let codes = crate::frame::strings(&out.table, "gemeente_code").unwrap();
        assert_eq!(codes, vec![Some("GM0153".to_string()), None]);
        assert!(
            f.warnings.iter().any(|w| w.contains("HAAREN")
                && w.contains("split in 2021")
                && w.contains("Vught")),
            "{:?}",
            f.warnings
        );
        assert!(f.herindelingen.is_empty());
    }

    const HEAD: &str =
        "geslacht;leeftijdsklasse;gemeentenaam;aantal_bsn;aantal_verzekerdejaren;kosten_farmacie\n";

    /// The error of importing `body` (after the header) as `vektis_2023.csv`, or None.
    fn import_error(body: &str) -> Option<String> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("vektis_2023.csv");
        std::fs::write(&p, format!("{HEAD}{body}")).unwrap();
        import(&[p]).err().map(|e| e.to_string())
    }

    /// A header without data rows, only a rest row, no insured years or no cost: each would
    /// publish Nederland at € 0 per insured year, so each is refused, naming file and year.
    #[test]
    fn a_file_without_a_usable_year_is_refused() {
        for (body, why) in [
            ("", "no data rows"),
            ("\n\n", "no data rows"),
            (";;;;5;10\n", "only the rest row"),
            ("M;90+;ENSCHEDE;0;0;10\n", "no insured years"),
            ("M;90+;ENSCHEDE;3;2,5;\n", "€ 0 cost"),
        ] {
            let e = import_error(body).unwrap_or_else(|| panic!("`{body}` imported"));
            assert!(
                e.contains("vektis_2023.csv") && e.contains(why) && e.contains("year 2023"),
                "{e}"
            );
        }
        assert_eq!(import_error("M;90+;ENSCHEDE;3;2,5;1,00\n"), None);
        assert_eq!(unusable(1, 0, 2.5, 100), None);
        assert!(unusable(1, 0, f64::NAN, 100).is_some());
    }

    /// Two files of one year would double every row of it: refused, naming both and the year.
    #[test]
    fn two_files_of_one_year_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let row = "M;90+;ENSCHEDE;3;2,5;1,00\n";
        let paths: Vec<PathBuf> = ["vektis_2023.csv", "zvw_2023_gemeente.csv"]
            .iter()
            .map(|n| {
                let p = dir.path().join(n);
                std::fs::write(&p, format!("{HEAD}{row}")).unwrap();
                p
            })
            .collect();
        let e = import(&paths).err().unwrap().to_string();
        assert!(
            e.contains("vektis_2023.csv")
                && e.contains("zvw_2023_gemeente.csv")
                && e.contains("2023"),
            "{e}"
        );
        // Different years still import together.
        let other = dir.path().join("vektis_2022.csv");
        std::fs::write(&other, format!("{HEAD}{row}")).unwrap();
        assert_eq!(import(&[paths[0].clone(), other]).unwrap().files.len(), 2);
    }

    /// Comma-separated with quoted decimal commas: the quotes keep `"1,10"` one field.
    #[test]
    fn quoted_fields_keep_their_separators() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("vektis_2020.csv");
        std::fs::write(
            &p,
            "geslacht,leeftijdsklasse,gemeentenaam,aantal_bsn,aantal_verzekerdejaren,kosten_farmacie\n\
             M,20 t/m 24 jaar,\"ENSCHEDE\",12,\"11,5\",\"1,10\"\n",
        )
        .unwrap();
        let out = import(&[p]).unwrap();
        assert_eq!(out.files[0].national_cost_eur_file, "1.10");
        assert!((out.files[0].insured_years - 11.5).abs() < 1e-9);
        let codes = crate::frame::strings(&out.table, "gemeente_code").unwrap();
        assert_eq!(codes, vec![Some("GM0153".to_string())]);
    }
}
