//! Claim identity (SPEC 3.1): rows identical in every contract column are one line, the same
//! `claim_id` with different content is fatal. Claim ids are counted as 64-bit hashes in the one
//! pass over every id, and only lines whose id repeats are compared in full.

use crate::problem::MAX_EXAMPLES;
use crate::problem::{Problem, Severity};
use polars::prelude::*;
use rayon::prelude::*;

/// The 64-bit hash of a line's claim id (fixed seeds: the same every run).
pub fn claim_id_hash() -> Expr {
    col("claim_id")
        .hash(0x5769_6a6b, 0x7363_616e, 0x636c_6169, 0x6d5f_6964)
        .alias("__id_hash")
}

/// Hashes of claim ids that occur on more than one line: usually a tiny share, so only these
/// lines need the full comparison of copies. Counting 64-bit hashes instead of the id strings
/// keeps this pass, the only one over every id of the book, at a fraction of the memory. A
/// rare hash collision only sends a single line
/// through the exact comparison, which groups by the id itself.
pub fn repeated_id_hashes(claims: LazyFrame) -> LazyFrame {
    claims
        .select([claim_id_hash()])
        .group_by([col("__id_hash")])
        .agg([len().alias("__lines")])
        .filter(col("__lines").gt(lit(1)))
        .select([col("__id_hash")])
}

/// The hashes `repeated_id_hashes` finds, found by sorting instead of a hash table: a flat
/// vector of 8 bytes a line, sorted in parallel, costs half the time of a group-by whose table
/// holds every id of the book (15 M a quarter), and less memory.
pub fn collect_repeated_ids(claims: &LazyFrame) -> PolarsResult<DataFrame> {
    let df = crate::stages::collect_streaming(claims.clone().select([claim_id_hash()]))?;
    let hashes = df.column("__id_hash")?.u64()?;
    if hashes.null_count() > 0 {
        // Not expected (a hash is never null); the plan handles it as the group-by did.
        return crate::stages::collect_streaming(repeated_id_hashes(claims.clone()));
    }
    let v: Vec<u64> = hashes.into_no_null_iter().collect();
    drop(df);
    DataFrame::new_infer_height(vec![Column::new("__id_hash".into(), repeated_hashes(v))])
}

/// The values that occur more than once in `hashes`, each once, ascending: a parallel sort
/// and one pass over neighbours (also the validation's uniqueness pre-check).
pub(crate) fn repeated_hashes(mut hashes: Vec<u64>) -> Vec<u64> {
    hashes.par_sort_unstable();
    let mut repeated: Vec<u64> = Vec::new();
    for w in hashes.windows(2) {
        if w[0] == w[1] && repeated.last() != Some(&w[0]) {
            repeated.push(w[0]);
        }
    }
    repeated
}

/// `claims` with `__repeated`: true on lines whose id hash is in `repeated`, looked up in a
/// hash set of those (few) hashes line by line as the lines stream by: semi/anti joins and
/// `is_in` do not stream in polars 0.55.
pub fn mark_repeated(claims: LazyFrame, repeated: &DataFrame) -> PolarsResult<LazyFrame> {
    let set: Arc<std::collections::HashSet<u64, foldhash::fast::FixedState>> = Arc::new(
        repeated
            .column("__id_hash")?
            .u64()?
            .iter()
            .flatten()
            .collect(),
    );
    let lookup = move |c: Column| -> PolarsResult<Column> {
        let out: BooleanChunked = c
            .u64()?
            .iter()
            .map(|h| Some(h.is_some_and(|h| set.contains(&h))))
            .collect();
        Ok(out.with_name("__repeated".into()).into_column())
    };
    Ok(claims
        .with_columns([claim_id_hash()])
        .with_columns([col("__id_hash")
            .map(lookup, |_, f| {
                Ok(Field::new(f.name().clone(), DataType::Boolean))
            })
            .alias("__repeated")]))
}

/// Per claim id: each column's min and max (equal unless the id's lines conflict) and the
/// number of copies. Copies identical in every column share one min, which is the line.
pub(crate) fn claim_id_aggs() -> Vec<Expr> {
    let mut aggs = vec![len().cast(DataType::Int64).alias("copies")];
    for c in ["person_id", "service_date", "care_type", "amount_eur"] {
        aggs.push(col(c).min().alias(c));
        aggs.push(col(c).max().alias(format!("{c}__max").as_str()));
    }
    aggs
}

/// True where a claim id's copies differ in some column (after `claim_id_aggs`).
pub(crate) fn conflict_after_aggs() -> Expr {
    ["person_id", "service_date", "care_type", "amount_eur"]
        .iter()
        .map(|c| col(*c).neq(col(format!("{c}__max").as_str())))
        .reduce(|a, b| a.or(b))
        .unwrap_or(lit(false))
        .alias("conflict")
}

/// Claim ids that occur with different content (SPEC 3.1: fatal). Rows identical in every
/// contract column are duplicates, not conflicts. Returns (conflicting ids, example lines).
pub fn claim_id_conflicts(claims: &LazyFrame, file: &str) -> PolarsResult<Option<Problem>> {
    // Only ids on more than one line can conflict: their hashes are counted first, then only
    // their lines are compared (streamed; the in-memory engine would hold every line).
    let repeated = collect_repeated_ids(claims)?;
    let conflicts = crate::stages::collect_streaming(
        mark_repeated(claims.clone(), &repeated)?
            .filter(col("__repeated"))
            .group_by([col("claim_id")])
            .agg([len().alias("lines"), conflict_expr()])
            .filter(col("conflict")),
    )?
    .lazy()
    .sort(["claim_id"], SortMultipleOptions::default());
    let counted = conflicts
        .clone()
        .select([len().alias("ids"), col("lines").sum().alias("lines")])
        .collect()?;
    let ids: u64 = counted.column("ids")?.get(0)?.extract().unwrap_or(0);
    if ids == 0 {
        return Ok(None);
    }
    let lines: u64 = counted.column("lines")?.get(0)?.extract().unwrap_or(0);
    // Named by the data rows (1-based) of their lines, never by the id: an error carries no
    // person-level value (issue 34). Only on this error path, for a few ids.
    let found = conflicts.limit(MAX_EXAMPLES as IdxSize).collect()?;
    let ex = found.column("claim_id")?;
    let shown_ids: Vec<String> = (0..found.height())
        .map(|i| ex.get(i).map(|v| v.str_value().to_string()))
        .collect::<PolarsResult<_>>()?;
    let id_refs: Vec<&str> = shown_ids.iter().map(String::as_str).collect();
    // One streamed pass over the lines of these few ids (an `==` chain, as `is_in` does not
    // stream), their rows gathered per id.
    let id_lines = crate::stages::collect_streaming(
        claims
            .clone()
            .with_row_index("__row", Some(1))
            .filter(crate::frame::one_of(col("claim_id"), &id_refs))
            .select([col("claim_id"), col("__row")]),
    )?;
    let (line_ids, line_rows) = (
        id_lines.column("claim_id")?.str()?,
        id_lines.column("__row")?.idx()?,
    );
    let mut rows_of: std::collections::BTreeMap<&str, Vec<IdxSize>> = Default::default();
    for (id, row) in line_ids.iter().zip(line_rows.iter()) {
        if let (Some(id), Some(row)) = (id, row) {
            rows_of.entry(id).or_default().push(row);
        }
    }
    let examples: Vec<String> = id_refs
        .iter()
        .map(|id| {
            let mut rows = rows_of.remove(id).unwrap_or_default();
            rows.sort_unstable();
            let shown: Vec<String> = rows
                .iter()
                .take(MAX_EXAMPLES)
                .map(|r| r.to_string())
                .collect();
            format!("rows {}", shown.join(", "))
        })
        .collect();
    Ok(Some(Problem {
        severity: Severity::Error,
        file: file.to_string(),
        column: Some("claim_id".into()),
        message: format!(
            "same claim_id with different content ({ids} claim id{} over {lines} lines; \
             identical copies are allowed, differing ones are not): {}",
            if ids == 1 { "" } else { "s" },
            examples.join("; ")
        ),
        rows: Some(lines),
        examples: Vec::new(),
        fact: None,
        period: None,
    }))
}

/// True for a claim-id group whose lines differ in some contract column.
pub fn conflict_expr() -> Expr {
    let differs = |c: &str| col(c).min().neq(col(c).max());
    differs("person_id")
        .or(differs("service_date"))
        .or(differs("care_type"))
        .or(differs("amount_eur"))
        .alias("conflict")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only lines whose id occurs more than once are marked, whatever the id looks like, and
    /// every line keeps its place in one of the two branches.
    #[test]
    fn repeated_ids_are_marked_by_hash() {
        let claims = df!(
            "claim_id" => ["a1", "a1", "b", "é", "é", "", "c-9"],
            "amount_eur" => [1.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        )
        .unwrap();
        let repeated = collect_repeated_ids(&claims.clone().lazy()).unwrap();
        assert_eq!(repeated.height(), 2);
        let marked = mark_repeated(claims.lazy(), &repeated)
            .unwrap()
            .collect()
            .unwrap();
        let flags: Vec<bool> = marked
            .column("__repeated")
            .unwrap()
            .bool()
            .unwrap()
            .iter()
            .map(|v| v.unwrap())
            .collect();
        assert_eq!(flags, vec![true, true, false, true, true, false, false]);
    }

    /// The sorted scan finds exactly the hashes of the group-by plan, each once (an id on three
    /// lines included).
    #[test]
    fn sorting_finds_what_the_group_by_finds() {
        let ids: Vec<String> = (0..5000)
            .map(|i| format!("id{}", (i * 7919) % 4000))
            .chain(["x".into(), "x".into(), "x".into()])
            .collect();
        let claims = df!("claim_id" => ids).unwrap().lazy();
        let sorted_hashes = |df: DataFrame| -> Vec<u64> {
            let mut v: Vec<u64> = df
                .column("__id_hash")
                .unwrap()
                .u64()
                .unwrap()
                .into_no_null_iter()
                .collect();
            v.sort_unstable();
            v
        };
        let by_sort = sorted_hashes(collect_repeated_ids(&claims).unwrap());
        let by_group = sorted_hashes(repeated_id_hashes(claims).collect().unwrap());
        assert_eq!(by_sort.len(), 1001);
        assert_eq!(by_sort, by_group);
    }
}
