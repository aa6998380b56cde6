//! Small helpers to read a column of a collected (small) frame into plain Rust values, for the
//! stages that work on the level table or hand values to pure math.

use polars::prelude::*;

/// A column as optional strings (any type, cast to text).
pub fn strings(df: &DataFrame, column: &str) -> PolarsResult<Vec<Option<String>>> {
    Ok(df
        .column(column)?
        .cast(&DataType::String)?
        .str()?
        .iter()
        .map(|v| v.map(str::to_string))
        .collect())
}

/// A column as optional floats.
pub fn floats(df: &DataFrame, column: &str) -> PolarsResult<Vec<Option<f64>>> {
    Ok(df
        .column(column)?
        .cast(&DataType::Float64)?
        .f64()?
        .iter()
        .collect())
}

/// A column as integers, null read as 0 (for counts).
pub fn counts(df: &DataFrame, column: &str) -> PolarsResult<Vec<i64>> {
    Ok(df
        .column(column)?
        .cast(&DataType::Int64)?
        .i64()?
        .iter()
        .map(|v| v.unwrap_or(0))
        .collect())
}

/// Division that gives null, never NaN or infinity, on a zero or null denominator.
pub fn safe_div(num: Expr, den: Expr) -> Expr {
    when(den.clone().is_null().or(den.clone().eq(lit(0.0))))
        .then(lit(NULL).cast(DataType::Float64))
        .otherwise(num.cast(DataType::Float64) / den.cast(DataType::Float64))
}

/// Euros (a float column of the contract) as integer cents, rounded half away from zero: all
/// money is summed in cents.
pub fn cents(c: &str) -> Expr {
    (col(c) * lit(100.0))
        .round(0, RoundMode::HalfAwayFromZero)
        .cast(DataType::Int64)
}

/// The sum of a frame's cents per care type (the `ct_col` columns, integer cents).
pub fn care_type_cents() -> Expr {
    crate::domain::CARE_TYPES
        .iter()
        .map(|ct| col(crate::columns::ct_col(ct).as_str()))
        .reduce(|a, b| a + b)
        .unwrap_or(lit(0i64))
}

/// A whole Parquet file as a frame.
pub fn read_parquet(path: &std::path::Path) -> PolarsResult<DataFrame> {
    LazyFrame::scan_parquet(
        PlRefPath::new(path.to_string_lossy().as_ref()),
        ScanArgsParquet::default(),
    )?
    .collect()
}

/// A boolean column, nulls read as `null_as`.
pub fn bools(df: &DataFrame, column: &str, null_as: bool) -> PolarsResult<Vec<bool>> {
    Ok(df
        .column(column)?
        .bool()?
        .iter()
        .map(|v| v.unwrap_or(null_as))
        .collect())
}

/// `e` equals one of `values`, as a chain of `==` (null where `e` is null). In polars 0.55 an
/// `is_in` against a literal list is not streamed: validation's query over claim lines holding
/// one fell back to reading every line into memory. Code lists are short.
pub fn one_of(e: Expr, values: &[&str]) -> Expr {
    values
        .iter()
        .map(|v| e.clone().eq(lit(*v)))
        .reduce(|a, b| a.or(b))
        .unwrap_or(lit(false))
}

/// `df` split by its `gemeente_code`, each part in `df`'s row order: a focus area's figures
/// and its disclosure checks lie within its gemeente, so they work on that part alone.
pub fn by_gemeente(df: &DataFrame) -> PolarsResult<std::collections::HashMap<String, DataFrame>> {
    Ok(df
        .partition_by_stable(["gemeente_code"], true)?
        .into_iter()
        .filter_map(|part| {
            let code = part
                .column("gemeente_code")
                .ok()?
                .str()
                .ok()?
                .get(0)?
                .to_string();
            Some((code, part))
        })
        .collect())
}
