//! How a failing rule or an unreadable file is shown: the row number added to every frame,
//! up to five example rows (values only where they name no person), and reads of a damaged
//! file turned into an error instead of a crash.

use crate::columns::{Kind, ALL_INPUTS, INSURED, WMO_PROVISIONS, ZVW_CLAIMS};
use crate::problem::{fmt_value, Problem, MAX_EXAMPLES};
use polars::prelude::*;

use super::files::csv_read_problem;
use super::input_set::{Format, InputFile};

/// Name of the 1-based row number added for error messages.
pub(super) const ROW: &str = "__row";

/// A read polars refused, as the problem shown; for a CSV, the line where the file breaks.
pub(super) fn unreadable(file: &InputFile, name: &str, error: &str) -> Problem {
    match file.format {
        Format::Csv => csv_read_problem(file, name, error),
        Format::Parquet => Problem::error(
            name,
            None,
            format!("cannot be read as {}: {error}", file.format.describe()),
        ),
    }
}

/// Runs a read of a user's file, turning a panic inside the reader into an error. polars 0.55's
/// Parquet decoder asserts on some damaged pages instead of returning an error (found by
/// `tests/fuzz.rs`: one flipped bit in a dictionary page); a damaged file must be refused by
/// name, not crash the program. The panic message is kept out of the terminal while it runs.
pub(super) fn guarded_read<T>(read: impl FnOnce() -> PolarsResult<T>) -> Result<T, String> {
    static HOOK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = HOOK.lock().unwrap_or_else(|e| e.into_inner());
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(read));
    std::panic::set_hook(previous);
    match outcome {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.to_string()),
        Err(panic) => {
            let why = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(format!(
                "the file is damaged: its data does not decode ({why})"
            ))
        }
    }
}

/// Whether examples of a column may show its values. In the person-level files only code
/// columns do (a wrong care type says what is wrong and no one's value); ids, postcodes,
/// ages, dates and amounts of a person show the row number alone (SPEC 3.3: no person-level
/// value leaves the run, an error message included).
fn shows_values(file: &str, column: &str) -> bool {
    let personal = [INSURED.name, ZVW_CLAIMS.name, WMO_PROVISIONS.name].contains(&file);
    !personal
        || matches!(
            column,
            "sex" | "care_type" | "provision_type" | "household" | "education" | "social_minimum"
        )
}

pub(super) fn example_rows(
    frame: &LazyFrame,
    bad: &Expr,
    file: &str,
    column: &str,
    format: Format,
) -> Vec<String> {
    if !shows_values(file, column) {
        let picked = guarded_read(|| {
            frame
                .clone()
                .filter(bad.clone().fill_null(false))
                .select([col(ROW)])
                .limit(MAX_EXAMPLES as IdxSize)
                .collect()
        });
        let Ok(df) = picked else { return Vec::new() };
        let Ok(rows) = df.column(ROW) else {
            return Vec::new();
        };
        let rows: Vec<String> = (0..df.height())
            .filter_map(|i| rows.get(i).ok().map(|v| v.to_string()))
            .collect();
        return match rows.len() {
            0 => Vec::new(),
            1 => vec![format!("row {}", rows[0])],
            _ => vec![format!("rows {}", rows.join(", "))],
        };
    }
    let shown = if format == Format::Csv && frame_has_raw(column) {
        format!("{column}__raw")
    } else {
        column.to_string()
    };
    let picked = guarded_read(|| {
        frame
            .clone()
            .filter(bad.clone().fill_null(false))
            .select([col(ROW), col(shown.as_str())])
            .limit(MAX_EXAMPLES as IdxSize)
            .collect()
    });
    let Ok(df) = picked else { return Vec::new() };
    let (Ok(rows), Ok(vals)) = (df.column(ROW), df.column(shown.as_str())) else {
        return Vec::new();
    };
    (0..df.height())
        .map(|i| {
            let r = rows.get(i).map(|v| v.to_string()).unwrap_or_default();
            let v = vals.get(i).map(fmt_value).unwrap_or_default();
            format!("row {r}: {v}")
        })
        .collect()
}

/// CSV frames carry the raw text of typed (non-string) columns; show that in examples,
/// since the typed value of an unparsable cell is empty.
fn frame_has_raw(column: &str) -> bool {
    ALL_INPUTS
        .iter()
        .flat_map(|s| s.columns.iter())
        .any(|c| c.name == column && c.kind != Kind::Str)
}
