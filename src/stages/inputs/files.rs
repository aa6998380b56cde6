//! Checks of a file's bytes before polars reads it: the CSV header (separator, repeated
//! names) and the Parquet footer's byte ranges; and what to say when polars refuses a CSV.

use super::csv_scan::find_fault;
use super::input_set::InputFile;
use crate::problem::Problem;
use polars::prelude::*;

/// Longest piece of a polars message shown for a CSV whose fault the scan did not find.
const MAX_POLARS_MESSAGE: usize = 200;

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

/// A CSV polars refused, told by where it breaks (`csv_scan`): polars' own message can repeat
/// the file for megabytes, person ids included, or count rows by chunk, and names no line.
/// When the scan finds nothing, polars' first line without its quoted parts stands in.
pub(super) fn csv_read_problem(file: &InputFile, name: &str, polars_error: &str) -> Problem {
    let found = std::fs::File::open(&file.path)
        .and_then(|f| find_fault(std::io::BufReader::with_capacity(1 << 16, f)));
    let why = match found {
        Ok(Some(fault)) => fault.to_string(),
        _ => without_data(polars_error),
    };
    Problem::error(name, None, format!("cannot be read as CSV: {why}"))
}

/// The first non-blank line of a polars message, every quoted part (`...`, "...", '...': they
/// can hold the file's data) replaced by `…`, at most `MAX_POLARS_MESSAGE` characters.
pub(super) fn without_data(message: &str) -> String {
    let mut out = String::new();
    let mut prev = ' ';
    let mut chars = message.chars();
    while let Some(c) = chars.next() {
        // An apostrophe inside a word ("doesn't") opens nothing.
        let opens = matches!(c, '`' | '"') || (c == '\'' && !prev.is_alphanumeric());
        prev = c;
        if !opens {
            out.push(c);
            continue;
        }
        out.push(c);
        out.push('…');
        // Skip to the closing quote; an unclosed one hides the rest.
        if chars.by_ref().any(|d| d == c) {
            out.push(c);
        } else {
            break;
        }
    }
    let line = out.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut cut: String = line.trim().chars().take(MAX_POLARS_MESSAGE).collect();
    if line.trim().chars().count() > MAX_POLARS_MESSAGE {
        cut.push('…');
    }
    cut
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polars_messages_lose_their_quoted_data_and_all_but_one_line() {
        let long = format!(
            "could not parse `\"C1,P1,2024-07-16\n{}` as dtype `str` at column 'person_id'",
            "C2,P2,1.0\n".repeat(100)
        );
        assert_eq!(
            without_data(&long),
            "could not parse `…` as dtype `…` at column '…'"
        );
        assert_eq!(
            without_data("\nfound more fields than defined in 'Schema'\n\nConsider setting x"),
            "found more fields than defined in '…'"
        );
        // An unclosed quote hides the rest; an apostrophe in a word is no quote.
        assert_eq!(without_data("doesn't parse \"P123,4"), "doesn't parse \"…");
        let cut = without_data(&"x".repeat(500));
        assert_eq!(cut.chars().count(), MAX_POLARS_MESSAGE + 1);
    }
}
