//! Checks of a file's bytes before polars reads it: the CSV header (separator, repeated
//! names) and the Parquet footer's byte ranges.

use super::InputFile;
use crate::problem::Problem;
use polars::prelude::*;

/// The header line of a CSV, read before polars does: a file separated by `;` or tabs (the
/// Dutch Excel default) would otherwise be read as one column and refused nine times over as
/// "column missing", and a repeated column name would be silently renamed by the reader.
pub(super) fn check_csv_header(file: &InputFile, name: &str) -> std::result::Result<(), Problem> {
    use std::io::{BufRead, Read};
    let f = std::fs::File::open(&file.path)
        .map_err(|e| Problem::error(name, None, format!("cannot be opened: {e}")))?;
    let mut line = Vec::new();
    // At most 64 KiB: a header longer than that is no header.
    std::io::BufReader::new(f)
        .take(64 * 1024)
        .read_until(b'\n', &mut line)
        .map_err(|e| Problem::error(name, None, format!("cannot be read as CSV: {e}")))?;
    let text = String::from_utf8_lossy(&line);
    let header = text
        .trim_start_matches('\u{feff}')
        .trim_end_matches(['\r', '\n']);
    let fields = split_header(header, ',');
    if fields.len() == 1 {
        for (sep, label) in [(';', "semicolons (`;`)"), ('\t', "tabs")] {
            if split_header(header, sep).len() > 1 {
                return Err(Problem::error(
                    name,
                    None,
                    format!(
                        "has a header separated by {label}, not by commas: save it as \
                         comma-separated CSV (decimal point, not comma) or as Parquet; Excel's \
                         Dutch \"CSV (puntkomma)\" uses `;`"
                    ),
                ));
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for f in &fields {
        if !seen.insert(f.as_str()) {
            return Err(Problem::error(
                name,
                Some(f),
                "appears more than once in the header: which one is meant is unclear",
            ));
        }
    }
    Ok(())
}

/// The Parquet footer, checked before polars streams the file: every row group's and column
/// chunk's byte range must lie inside the file. polars 0.55's streaming reader slices the
/// mapped file by these ranges unchecked, so a damaged footer (one flipped bit, found by
/// `tests/fuzz.rs`) would read outside the file instead of failing.
pub(super) fn check_parquet_footer(
    file: &InputFile,
    name: &str,
) -> std::result::Result<(), Problem> {
    let unreadable = |e: &dyn std::fmt::Display| {
        Problem::error(name, None, format!("cannot be read as Parquet: {e}"))
    };
    let len = std::fs::metadata(&file.path)
        .map_err(|e| unreadable(&e))?
        .len();
    let f = std::fs::File::open(&file.path).map_err(|e| unreadable(&e))?;
    let mut reader = ParquetReader::new(f);
    let metadata = reader.get_metadata().map_err(|e| unreadable(&e))?;
    for (i, rg) in metadata.row_groups.iter().enumerate() {
        let full = rg.full_byte_range();
        let outside = |r: &std::ops::Range<u64>| r.start > r.end || r.end > len;
        if outside(&full) || rg.byte_ranges_iter().any(|r| outside(&r)) {
            return Err(unreadable(&format_args!(
                "row group {i} points outside the file ({len} bytes): the file is damaged \
                 or was cut short"
            )));
        }
    }
    Ok(())
}

/// Splits a CSV header on `sep`, honouring double quotes; names are trimmed of quotes.
pub fn split_header(header: &str, sep: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for ch in header.chars() {
        match ch {
            '"' => quoted = !quoted,
            c if c == sep && !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}
