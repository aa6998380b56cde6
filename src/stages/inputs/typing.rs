//! The contract types: which stored types a column accepts, and the expression that casts a
//! raw column (CSV text or Parquet as stored) to its contract type.

use super::input_set::Format;
use super::rules::str_list;
use crate::columns::{ColumnSpec, Kind};
use polars::prelude::*;

pub(super) fn compatible(kind: Kind, dtype: &DataType) -> bool {
    match kind {
        Kind::Str => matches!(dtype, DataType::String),
        Kind::Int => dtype.is_integer(),
        Kind::Float => dtype.is_primitive_numeric(),
        Kind::Date => matches!(dtype, DataType::Date | DataType::Datetime(_, _)),
        Kind::Bool => matches!(dtype, DataType::Boolean),
    }
}

/// The contract type a column is cast to.
pub fn contract_dtype(kind: Kind) -> DataType {
    match kind {
        Kind::Str => DataType::String,
        Kind::Int => DataType::Int64,
        Kind::Float => DataType::Float64,
        Kind::Date => DataType::Date,
        Kind::Bool => DataType::Boolean,
    }
}

/// Expression turning a raw column into its contract type. CSV text that does not parse
/// becomes null, which the type rule then reports.
pub(super) fn typed_expr(c: &ColumnSpec, format: Format) -> Expr {
    let raw = col(c.name);
    let e = match (format, c.kind) {
        (_, Kind::Str) => raw,
        (Format::Parquet, kind) => raw.cast(contract_dtype(kind)),
        (Format::Csv, Kind::Int) => raw.str().strip_chars(lit(NULL)).cast(DataType::Int64),
        (Format::Csv, Kind::Float) => raw.str().strip_chars(lit(NULL)).cast(DataType::Float64),
        (Format::Csv, Kind::Date) => {
            raw.str()
                .strip_chars(lit(NULL))
                .str()
                .to_date(StrptimeOptions {
                    format: Some("%Y-%m-%d".into()),
                    strict: false,
                    exact: true,
                    cache: true,
                })
        }
        (Format::Csv, Kind::Bool) => {
            let t = raw.clone().str().to_lowercase();
            when(
                t.clone()
                    .is_in(str_list(&["true", "1", "yes", "ja"]), false),
            )
            .then(lit(true))
            .when(t.is_in(str_list(&["false", "0", "no", "nee"]), false))
            .then(lit(false))
            .otherwise(lit(NULL).cast(DataType::Boolean))
        }
    };
    // `F` (female) is accepted as `V` (vrouw): normalised here so every stage sees M/V.
    let e = if c.name == "sex" {
        when(e.clone().eq(lit("F"))).then(lit("V")).otherwise(e)
    } else {
        e
    };
    e.alias(c.name)
}
