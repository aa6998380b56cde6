//! Published tables as the API sends them: rows as JSON objects (column → value, a suppressed
//! cell null, exactly as in the run's CSV) and as CSV downloads of what a page shows.

use crate::error::Result;
use polars::prelude::*;
use serde_json::{Map, Value};

fn json_value(v: AnyValue) -> Value {
    match v {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => Value::Bool(b),
        AnyValue::String(s) => Value::String(s.to_string()),
        AnyValue::StringOwned(s) => Value::String(s.to_string()),
        AnyValue::Int8(x) => Value::from(x),
        AnyValue::Int16(x) => Value::from(x),
        AnyValue::Int32(x) => Value::from(x),
        AnyValue::Int64(x) => Value::from(x),
        AnyValue::UInt8(x) => Value::from(x),
        AnyValue::UInt16(x) => Value::from(x),
        AnyValue::UInt32(x) => Value::from(x),
        AnyValue::UInt64(x) => Value::from(x),
        // Non-finite floats have no JSON form: null, as an undefined figure.
        AnyValue::Float32(x) => {
            serde_json::Number::from_f64(f64::from(x)).map_or(Value::Null, Value::Number)
        }
        AnyValue::Float64(x) => serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number),
        other => Value::String(other.to_string()),
    }
}

/// Every row of `df` as an object in column order.
pub fn rows_json(df: &DataFrame) -> Vec<Value> {
    let columns = df.columns();
    (0..df.height())
        .map(|i| {
            let mut m = Map::new();
            for c in columns {
                let v = c.get(i).map(json_value).unwrap_or(Value::Null);
                m.insert(c.name().to_string(), v);
            }
            Value::Object(m)
        })
        .collect()
}

/// `df` as CSV text (the run's own CSV form: header, nulls empty).
pub fn csv(df: &DataFrame) -> Result<String> {
    let mut buf = Vec::new();
    let mut df = df.clone();
    CsvWriter::new(&mut buf)
        .include_header(true)
        .finish(&mut df)?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// The rows of `df` whose text column `column` equals `value` (all rows when the table has no
/// such column).
pub fn where_eq(df: &DataFrame, column: &str, value: &str) -> Result<DataFrame> {
    if df.column(column).is_err() {
        return Ok(df.clone());
    }
    Ok(df
        .clone()
        .lazy()
        .filter(col(column).eq(lit(value)))
        .collect()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_nulls_and_types() {
        let df = df!(
            "area_code" => ["WK01", "WK02"],
            "persons" => [Some(12i64), None],
            "oe" => [Some(1.25f64), Some(f64::NAN)],
            "suppressed" => [false, true],
        )
        .unwrap();
        let rows = rows_json(&df);
        assert_eq!(
            rows[0],
            serde_json::json!({"area_code": "WK01", "persons": 12, "oe": 1.25, "suppressed": false})
        );
        assert_eq!(
            rows[1],
            serde_json::json!({"area_code": "WK02", "persons": null, "oe": null, "suppressed": true})
        );
        let text = csv(&where_eq(&df, "area_code", "WK02").unwrap()).unwrap();
        assert_eq!(
            text.lines().collect::<Vec<_>>(),
            ["area_code,persons,oe,suppressed", "WK02,,NaN,true"]
        );
    }
}
