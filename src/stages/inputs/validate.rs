//! Loading and validating the inputs of the data contract (SPEC 2).
//!
//! Every input is scanned lazily (Parquet or CSV with a header), its schema is checked
//! against `columns.rs`, and every rule of SPEC 2.1–2.6 is evaluated in one pass per file:
//! all rule counts come from a single `select`, and only failing rules cost a second, small
//! query for up to five example rows. All problems are collected, never only the first.

use crate::columns::Kind;
use crate::domain::Period;
use crate::problem::{Problem, Severity};
use polars::prelude::*;

use super::diagnostics::{example_rows, guarded_read, unreadable, ROW};
use super::files::{check_csv_header, check_parquet_footer};
use super::input_set::{Format, InputFile, InputSet};
use super::rules::{blank, proven_distinct, rule, value_rules, Rule};
use super::typing::{compatible, contract_dtype, typed_expr};

/// Scans a file without any typing: Parquet as stored, CSV with every column as string.
fn scan_raw(file: &InputFile) -> PolarsResult<LazyFrame> {
    let path = PlRefPath::new(file.path.to_string_lossy().as_ref());
    match file.format {
        Format::Parquet => LazyFrame::scan_parquet(path, ScanArgsParquet::default()),
        Format::Csv => LazyCsvReader::new(path)
            .with_has_header(true)
            // Read everything as text so that a bad value becomes a reported row, not a crash.
            .with_infer_schema_length(Some(0))
            .finish(),
    }
}

/// The result of checking one input.
pub struct Checked {
    pub file: InputFile,
    /// Contract columns in contract types, `sex` normalised; `None` when the file is unusable.
    pub typed: Option<LazyFrame>,
    pub rows: u64,
    pub problems: Vec<Problem>,
    /// For claim lines: Σ amount in cents over every row, summed in the same pass as the
    /// rules, so the ledger's input total costs no extra scan of the claim lines.
    pub amount_cents: Option<i64>,
    /// For claim lines: the newest service date (days since 1970) in the file, from the same
    /// pass; when a monitoring period's extract was taken, unless the pipeline says.
    pub newest_service_day: Option<i32>,
}

/// The file-level checks — exists, not empty, a readable header or footer, the contract's
/// columns in compatible types — without reading a row: what a monitoring run checks of every
/// period before any work. The raw scan when they pass.
pub fn check_structure(file: &InputFile) -> std::result::Result<LazyFrame, Vec<Problem>> {
    let name = file.display_name();
    match std::fs::metadata(&file.path) {
        Err(e) => {
            return Err(vec![Problem::error(
                &name,
                None,
                format!("cannot be opened: {e}"),
            )])
        }
        Ok(m) if m.len() == 0 => {
            return Err(vec![Problem::error(
                &name,
                None,
                "is an empty file (0 bytes)",
            )])
        }
        Ok(_) => {}
    }
    let checked = match file.format {
        Format::Csv => check_csv_header(file, &name),
        Format::Parquet => check_parquet_footer(file, &name),
    };
    if let Err(problem) = checked {
        return Err(vec![problem]);
    }
    let raw = match scan_raw(file) {
        Ok(lf) => lf,
        Err(e) => return Err(vec![unreadable(file, &name, &e.to_string())]),
    };
    let mut raw_probe = raw.clone();
    let schema = match raw_probe.collect_schema() {
        Ok(s) => s,
        Err(e) => return Err(vec![unreadable(file, &name, &e.to_string())]),
    };
    let mut problems = Vec::new();
    let mut absent = Vec::new();
    for c in file.spec.columns {
        match schema.get(c.name) {
            None if c.optional => absent.push(c),
            None => problems.push(Problem::error(
                &name,
                Some(c.name),
                format!(
                    "required column is missing (found: {})",
                    join_names(&schema)
                ),
            )),
            // An instant in a zone is not a date: casting it takes the UTC date and moves
            // every claim stamped at local midnight one day back (across period boundaries).
            Some(DataType::Datetime(_, Some(tz)))
                if c.kind == crate::columns::Kind::Date && *tz != TimeZone::UTC =>
            {
                problems.push(Problem::error(
                    &name,
                    Some(c.name),
                    format!(
                        "is a timestamp in time zone {tz}; wijkscan reads dates and will not \
                         shift them between zones: store the local date (type date), e.g. \
                         `.dt.date()` on the local time before writing"
                    ),
                ))
            }
            Some(dt) if file.format == Format::Parquet && !compatible(c.kind, dt) => {
                problems.push(Problem::error(
                    &name,
                    Some(c.name),
                    format!("has type {dt}, expected {}", c.kind.describe()),
                ))
            }
            Some(_) => {}
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    // An optional column left out is read as all null, in the type the file would store it.
    let nulls: Vec<Expr> = absent
        .iter()
        .map(|c| {
            let stored = match file.format {
                Format::Csv => DataType::String,
                Format::Parquet => contract_dtype(c.kind),
            };
            lit(NULL).cast(stored).alias(c.name)
        })
        .collect();
    Ok(if nulls.is_empty() {
        raw
    } else {
        raw.with_columns(nulls)
    })
}

/// Checks one input against the contract: file, columns, types, nulls and value rules.
pub fn check_input(file: &InputFile, period: &Period) -> Checked {
    let name = file.display_name();
    let fail = |problem: Problem| Checked {
        file: file.clone(),
        typed: None,
        rows: 0,
        problems: vec![problem],
        amount_cents: None,
        newest_service_day: None,
    };
    let raw = match check_structure(file) {
        Ok(raw) => raw,
        Err(problems) => {
            return Checked {
                file: file.clone(),
                typed: None,
                rows: 0,
                problems,
                amount_cents: None,
                newest_service_day: None,
            }
        }
    };
    let mut problems = Vec::new();

    let typed_cols: Vec<Expr> = file
        .spec
        .columns
        .iter()
        .map(|c| typed_expr(c, file.format))
        .collect();
    let typed = raw.clone().select(typed_cols.clone());

    // Rules over one frame holding the row number, the raw text (CSV type checks) and typed values.
    let mut frame_cols = vec![col(ROW)];
    frame_cols.extend(typed_cols);
    let mut rules: Vec<Rule> = Vec::new();
    for c in file.spec.columns {
        if file.format == Format::Csv && c.kind != Kind::Str {
            let raw_name = format!("{}__raw", c.name);
            frame_cols.push(col(c.name).alias(raw_name.as_str()));
            rules.push(Rule {
                column: c.name,
                message: format!("not a valid {}", c.kind.describe()),
                bad: col(raw_name.as_str())
                    .is_not_null()
                    .and(col(c.name).is_null()),
                fatal: true,
                distinct: false,
            });
        }
        if !c.nullable {
            let is_null = if file.format == Format::Csv && c.kind != Kind::Str {
                col(format!("{}__raw", c.name).as_str()).is_null()
            } else {
                col(c.name).is_null()
            };
            rules.push(rule(
                c.name,
                "empty (null), but the column is required",
                is_null,
            ));
            // An empty or all-blank text is no id, code or name either (Parquet keeps "" as a
            // value where CSV reads an empty field as null).
            if c.kind == Kind::Str {
                rules.push(rule(
                    c.name,
                    "blank text, but the column is required",
                    blank(col(c.name)),
                ));
            }
        }
    }
    match value_rules(&file.spec, period) {
        Ok(r) => rules.extend(r),
        Err(e) => {
            return fail(Problem::error(
                &name,
                None,
                format!("internal error building rules: {e}"),
            ))
        }
    }

    let frame = raw.with_row_index(ROW, Some(1)).select(frame_cols);
    let mut counts_exprs = vec![len().alias("__rows")];
    let is_claims = file.spec.name == crate::columns::ZVW_CLAIMS.name;
    if is_claims {
        counts_exprs.push(
            crate::frame::cents("amount_eur")
                .sum()
                .alias("__amount_cents"),
        );
        // The newest plausible service date stands in for the extract date (SPEC 3.6): a line
        // dated after today (9999-12-31 as "no date") is an error in the data, not a date.
        let day = || col("service_date").cast(DataType::Int32);
        let today = today_epoch_days();
        counts_exprs.push(
            day()
                .filter(day().lt_eq(lit(today)))
                .max()
                .alias("__newest_service"),
        );
        counts_exprs.push(
            day()
                .gt(lit(today))
                .cast(DataType::UInt64)
                .sum()
                .alias("__future_service"),
        );
    }
    // Uniqueness shown by sorted hashes costs a fraction of the exact rule; only a column
    // where that proves nothing is checked in full (and then has its rows counted).
    let proven: Vec<bool> = rules
        .iter()
        .map(|r| {
            r.distinct
                && guarded_read(|| Ok(proven_distinct(typed.clone(), r.column))).unwrap_or(false)
        })
        .collect();
    for (i, r) in rules.iter().enumerate() {
        if proven[i] {
            continue;
        }
        counts_exprs.push(
            r.bad
                .clone()
                .fill_null(false)
                .sum()
                .alias(format!("__r{i}").as_str()),
        );
    }
    let counts =
        match guarded_read(|| crate::stages::collect_streaming(frame.clone().select(counts_exprs)))
        {
            Ok(df) => df,
            Err(e) => return fail(unreadable(file, &name, &e)),
        };
    let get = |c: &str| -> u64 {
        counts
            .column(c)
            .ok()
            .and_then(|s| s.get(0).ok())
            .and_then(|v| v.extract::<u64>())
            .unwrap_or(0)
    };
    let rows = get("__rows");
    if rows == 0 {
        // Without persons, claims or areas there is nothing to profile; a run without Wmo
        // provisions or norm costs still makes sense, with those figures empty.
        let optional = matches!(file.spec.name, "wmo_provisions" | "norm_costs");
        if !optional {
            problems.push(Problem::error(&name, None, "has a header but no rows"));
            return Checked {
                file: file.clone(),
                typed: None,
                rows,
                problems,
                amount_cents: None,
                newest_service_day: None,
            };
        }
        problems.push(Problem::warning(&name, None, "has a header but no rows"));
    }
    for (i, r) in rules.iter().enumerate() {
        let n = if proven[i] {
            0
        } else {
            get(&format!("__r{i}"))
        };
        if n == 0 {
            continue;
        }
        let examples = example_rows(&frame, &r.bad, file.spec.name, r.column, file.format);
        problems.push(Problem {
            severity: if r.fatal {
                Severity::Error
            } else {
                Severity::Warning
            },
            file: name.clone(),
            column: Some(r.column.to_string()),
            message: r.message.clone(),
            rows: Some(n),
            examples,
            fact: None,
            period: None,
        });
    }
    let amount_cents = is_claims.then(|| {
        counts
            .column("__amount_cents")
            .ok()
            .and_then(|c| c.get(0).ok())
            .and_then(|v| v.extract::<i64>())
            .unwrap_or(0)
    });
    let future = get("__future_service");
    if is_claims && future > 0 {
        problems.push(
            Problem::warning(
                &name,
                Some("service_date"),
                format!(
                    "{} dated after today: not taken as the extract date",
                    if future == 1 {
                        "1 line is".to_string()
                    } else {
                        format!("{future} lines are")
                    }
                ),
            )
            .with_fact(crate::problem::Fact::FutureServiceDates { lines: future }),
        );
    }
    let newest_service_day = is_claims
        .then(|| {
            counts
                .column("__newest_service")
                .ok()
                .and_then(|c| c.get(0).ok())
                .and_then(|v| v.extract::<i32>())
        })
        .flatten();
    Checked {
        file: file.clone(),
        typed: Some(typed),
        rows,
        problems,
        amount_cents,
        newest_service_day,
    }
}

/// Today as days since 1970-01-01 (UTC; a day either way does not matter for a bound).
fn today_epoch_days() -> i32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| (d.as_secs() / 86_400) as i32)
}

fn join_names(schema: &Schema) -> String {
    schema
        .iter_names()
        .map(|n| n.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks every input in a set; the typed frames of usable files come back by contract name.
pub fn check_all(set: &InputSet, period: &Period) -> Vec<Checked> {
    let mut laps = crate::progress::Laps::new("validate");
    set.files
        .iter()
        .map(|f| {
            let checked = check_input(f, period);
            laps.lap(f.spec.name);
            checked
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::columns::ALL_INPUTS;
    use crate::stages::inputs::claim_identity::claim_id_conflicts;
    use std::io::Write;
    use std::path::Path;

    fn write_csv(dir: &Path, name: &str, body: &str) -> InputFile {
        let path = dir.join(format!("{name}.csv"));
        let mut f = std::fs::File::create(&path).unwrap();
        f.write_all(body.as_bytes()).unwrap();
        let spec = ALL_INPUTS.iter().find(|s| s.name == name).copied().unwrap();
        InputFile::new(spec, path)
    }

    fn q3() -> Period {
        Period::parse("2024Q3").unwrap()
    }

    #[test]
    fn insured_rules_report_rows_and_examples() {
        let dir = tempfile::tempdir().unwrap();
        let f = write_csv(
            dir.path(),
            "insured",
            "person_id,pc5,age,sex,gp_practice_id,insured_days,household,education,social_minimum\n\
             a,7544A,40,M,,92,single,low,false\n\
             a,7544a,130,X,,93,alone,,maybe\n\
             c,7544B,x,F,,0,,,\n",
        );
        let checked = check_input(&f, &q3());
        let msgs: Vec<String> = checked.problems.iter().map(|p| p.to_string()).collect();
        let has = |col: &str, n: u64| {
            checked
                .problems
                .iter()
                .any(|p| p.column.as_deref() == Some(col) && p.rows == Some(n))
        };
        assert!(has("person_id", 2), "{msgs:#?}");
        assert!(has("pc5", 1), "{msgs:#?}");
        assert!(has("sex", 1), "{msgs:#?}"); // F is accepted, X is not
        assert!(has("insured_days", 2), "{msgs:#?}"); // 93 > 92 and 0
        assert!(has("household", 1), "{msgs:#?}");
        assert!(has("social_minimum", 1), "{msgs:#?}"); // "maybe" is not a boolean
                                                        // age: "x" is not an integer (type rule) and 130 is out of range
        assert!(
            checked
                .problems
                .iter()
                .filter(|p| p.column.as_deref() == Some("age"))
                .count()
                == 2,
            "{msgs:#?}"
        );
        let pc5 = checked
            .problems
            .iter()
            .find(|p| p.column.as_deref() == Some("pc5"))
            .unwrap();
        // A person's postcode is person-level: the row, not the value (SPEC 3.3).
        assert_eq!(pc5.examples, vec!["row 2".to_string()]);
        // F became V in the typed frame
        let typed = checked.typed.unwrap().collect().unwrap();
        let sex = typed
            .column("sex")
            .unwrap()
            .str()
            .unwrap()
            .get(2)
            .map(str::to_string);
        assert_eq!(sex.as_deref(), Some("V"));
    }

    #[test]
    fn areas_must_nest() {
        let dir = tempfile::tempdir().unwrap();
        let f = write_csv(
            dir.path(),
            "areas",
            "pc5,buurt_code,buurt_name,wijk_code,wijk_name,gemeente_code,gemeente_name,residents\n\
             7511A,BU01530101,Centrum,WK015301,Binnenstad,GM0153,Enschede,100\n\
             7511B,BU01530101,Centrum,WK015302,Noord,GM0153,Enschede,-1\n",
        );
        let checked = check_input(&f, &q3());
        let cols: Vec<_> = checked
            .problems
            .iter()
            .filter_map(|p| p.column.clone())
            .collect();
        assert!(cols.contains(&"buurt_code".to_string()), "{cols:?}");
        assert!(cols.contains(&"residents".to_string()), "{cols:?}");
    }

    #[test]
    fn missing_column_and_empty_file() {
        let dir = tempfile::tempdir().unwrap();
        let f = write_csv(dir.path(), "norm_costs", "pc5,insured_years\n7511A,3\n");
        let checked = check_input(&f, &q3());
        assert_eq!(checked.problems.len(), 1);
        assert_eq!(checked.problems[0].column.as_deref(), Some("norm_cost_eur"));
        let f = write_csv(dir.path(), "areas", "");
        let checked = check_input(&f, &q3());
        assert!(checked.problems[0].message.contains("empty"));
    }

    #[test]
    fn conflicting_claim_ids_are_found_but_exact_copies_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let f = write_csv(
            dir.path(),
            "zvw_claims",
            "claim_id,person_id,service_date,care_type,amount_eur\n\
             c1,p1,2024-07-01,msz,10.00\n\
             c1,p1,2024-07-01,msz,10.00\n\
             c2,p1,2024-07-01,msz,10.00\n\
             c2,p1,2024-07-01,msz,10.01\n",
        );
        let checked = check_input(&f, &q3());
        assert!(checked.problems.is_empty(), "{:?}", checked.problems);
        let p = claim_id_conflicts(&checked.typed.unwrap(), "zvw_claims.csv")
            .unwrap()
            .unwrap();
        assert_eq!(p.rows, Some(2));
        // Named by the rows of its lines, not by the id.
        assert!(p.message.ends_with("rows 3, 4"), "{}", p.message);
        assert!(!p.message.contains("c2"), "{}", p.message);
    }
}
