//! Claim lines summed per person: the cents per care type of the lines that count, and the
//! cents and lines of each bucket that comes before the person's area (copies, outside the
//! period), from the one-row-per-claim-id frame of `profile::claim_lines`.
//!
//! Extracts often list a person's lines together (the sample series does). Such lines are
//! first summed over runs of the same person id, a morsel at a time in one plain loop
//! (`run_sums`, on all cores); the streaming group-by then adds those partial rows per person
//! with plain sums, far cheaper than masked sums over every line. Lines in any other order
//! stream into a table with one row per person (`PersonTable`), because polars' streaming
//! group-by keeps partial sums per morsel until its end, which costs gigabytes on a whole book
//! in random order (BENCHMARKS.md). `grouped_by_person` judges the order on the first lines.
//! Both give the same sums:
//! integer sums in any grouping, wrapping as polars' own. Unlike most stages this one runs its
//! query: the table is filled by the query's sink.

use crate::columns::ct_col;
use crate::domain::CARE_TYPES;
use polars::prelude::*;
use std::sync::{Arc, Mutex};

/// The sums per person before the care types, in this order.
const BUCKETS: [&str; 8] = [
    "input_cents",
    "input_lines",
    "dup_cents",
    "dup_lines",
    "out_cents",
    "out_lines",
    "in_lines",
    "conflicts",
];
const N: usize = BUCKETS.len() + CARE_TYPES.len();
/// The columns of a claim line the sums are made of.
const LINE_COLUMNS: [&str; 6] = [
    "person_id",
    "care_type",
    "cents",
    "in_period",
    "copies",
    "conflict",
];

fn sum_names() -> Vec<String> {
    BUCKETS
        .iter()
        .map(|b| b.to_string())
        .chain(CARE_TYPES.iter().map(|ct| ct_col(ct)))
        .collect()
}

fn sums_schema() -> SchemaRef {
    let mut schema = Schema::with_capacity(N + 1);
    schema.insert("person_id".into(), DataType::String);
    for name in sum_names() {
        schema.insert(name.into(), DataType::Int64);
    }
    Arc::new(schema)
}

/// Per person: `input_cents`/`input_lines` (every copy), `dup_cents`/`dup_lines` (the copies
/// beyond the first), `out_cents`/`out_lines` (outside the period), `in_lines`, `conflicts`,
/// the cents per care type of the lines in the period (`c_<care type>`) and `in_cents`, their sum.
/// Nulls count as in masked sums: a null amount adds no cents, a null `in_period` neither in
/// nor out, a null or unknown care type to no care type. `grouped`: the lines come grouped by
/// person (`grouped_by_person`); the sums are the same either way, only the work differs.
/// Rows in no particular order.
pub fn claims_by_person(lines: LazyFrame, grouped: bool) -> PolarsResult<DataFrame> {
    let sums = if grouped {
        let sums: Vec<Expr> = sum_names().iter().map(|n| col(n.as_str()).sum()).collect();
        crate::stages::collect_streaming(runs_plan(lines).group_by([col("person_id")]).agg(sums))?
    } else {
        person_table(lines)?
    };
    // One row per person: `in_cents` as the person frame's `zvw_cents`, by the same sum.
    sums.lazy()
        .with_columns([crate::frame::care_type_cents().alias("in_cents")])
        .collect()
}

/// Plan: the claim lines as one row per run of one person's consecutive lines (`run_sums`),
/// with the sums of `claims_by_person` but `in_cents`.
fn runs_plan(lines: LazyFrame) -> LazyFrame {
    let schema = sums_schema();
    let output: Arc<dyn UdfSchema> = Arc::new(move |_: &Schema| Ok(schema.clone()));
    lines.select(LINE_COLUMNS.map(col)).map(
        run_sums,
        OptFlags::STREAMING,
        Some(output),
        Some("claim lines summed per run of a person"),
    )
}

/// Lines read to judge the order of the claim lines (the first row group or two).
const SAMPLE_LINES: u32 = 100_000;

/// Whether the claim lines come grouped by person: the first `SAMPLE_LINES` lines hold at
/// least two lines per run of one person id on average. Reads only those lines' person ids.
pub fn grouped_by_person(claims: &LazyFrame) -> PolarsResult<bool> {
    let head = crate::stages::collect_streaming(
        claims
            .clone()
            .select([col("person_id")])
            .slice(0, SAMPLE_LINES),
    )?;
    let ids = head.column("person_id")?.str()?;
    let mut runs = 0usize;
    let mut previous = None;
    for id in ids.iter() {
        if previous != Some(id) {
            runs += 1;
            previous = Some(id);
        }
    }
    Ok(ids.len() >= 2 * runs)
}

/// One morsel of claim lines as one row per run of consecutive lines of the same person
/// (the same person in two runs gives two rows; the group-by after adds them).
fn run_sums(df: DataFrame) -> PolarsResult<DataFrame> {
    with_runs(&df, |ids, sums| {
        let mut columns = Vec::with_capacity(N + 1);
        columns.push(Column::new("person_id".into(), ids));
        for (k, name) in sum_names().into_iter().enumerate() {
            let values: Vec<i64> = sums.iter().map(|s| s[k]).collect();
            columns.push(Column::new(name.into(), values));
        }
        DataFrame::new(sums.len(), columns)
    })
}

/// The runs of consecutive lines of one person in a frame of claim lines: each run's person
/// id and sums, handed to `then` (the ids borrow from the frame).
fn with_runs<R>(
    df: &DataFrame,
    then: impl FnOnce(&[Option<&str>], &[[i64; N]]) -> PolarsResult<R>,
) -> PolarsResult<R> {
    let person = df.column("person_id")?.str()?.rechunk();
    let care_type = df.column("care_type")?.str()?.rechunk();
    let cents = df.column("cents")?.i64()?.rechunk();
    let in_period = df.column("in_period")?.bool()?.rechunk();
    let copies = df.column("copies")?.i64()?.rechunk();
    let conflict = df.column("conflict")?.bool()?.rechunk();
    let lines = person
        .downcast_as_array()
        .iter()
        .zip(care_type.downcast_as_array().iter())
        .zip(cents.downcast_as_array().iter())
        .zip(in_period.downcast_as_array().iter())
        .zip(copies.downcast_as_array().iter())
        .zip(conflict.downcast_as_array().iter());
    let mut ids: Vec<Option<&str>> = Vec::new();
    let mut sums: Vec<[i64; N]> = Vec::new();
    for (((((id, ct), c), inside), n), conflicting) in lines {
        if ids.last() != Some(&id) {
            ids.push(id);
            sums.push([0; N]);
        }
        // Indices: the sums of BUCKETS in order, then the care types.
        let s = sums.last_mut().expect("a run was just started");
        let add = |s: &mut i64, v: i64| *s = s.wrapping_add(v);
        // A null operand makes the line's term null, which a sum skips: it adds nothing.
        let n = n.copied();
        let c = c.copied();
        if let (Some(c), Some(n)) = (c, n) {
            add(&mut s[0], c.wrapping_mul(n));
            add(&mut s[2], c.wrapping_mul(n.wrapping_sub(1)));
        }
        if let Some(n) = n {
            add(&mut s[1], n);
            add(&mut s[3], n.wrapping_sub(1));
        }
        match inside {
            Some(true) => {
                add(&mut s[6], 1);
                let k = ct.and_then(|t| CARE_TYPES.iter().position(|x| *x == t));
                if let (Some(k), Some(c)) = (k, c) {
                    add(&mut s[BUCKETS.len() + k], c);
                }
            }
            Some(false) => {
                if let Some(c) = c {
                    add(&mut s[4], c);
                }
                add(&mut s[5], 1);
            }
            None => {}
        }
        if conflicting == Some(true) {
            add(&mut s[7], 1);
        }
    }
    then(&ids, &sums)
}

/// `claims_by_person` for lines in any order: each morsel's runs go into a table with one row
/// per person as the lines stream by. Memory is that table, not the lines.
fn person_table(lines: LazyFrame) -> PolarsResult<DataFrame> {
    let table = Arc::new(Mutex::new(PersonTable::new()));
    let sink = Arc::clone(&table);
    lines
        .select(LINE_COLUMNS.map(col))
        .sink_batches(
            PlanCallback::new(move |morsel: DataFrame| {
                let mut table = sink.lock().unwrap_or_else(|e| e.into_inner());
                with_runs(&morsel, |ids, sums| {
                    table.add(ids, sums);
                    Ok(())
                })?;
                Ok(false)
            }),
            false,
            None,
        )?
        .collect_with_engine(Engine::Streaming)?;
    let table = std::mem::replace(
        &mut *table.lock().unwrap_or_else(|e| e.into_inner()),
        PersonTable::new(),
    );
    table.into_frame()
}

/// Parts of the person table: a person's part is fixed by the hash of the id. A morsel's runs
/// are added part by part, the parts side by side, so that each part's rows stay in cache and
/// both cores add (the query's sink itself is called on one thread).
const PART_BITS: u32 = 6;
const PARTS: usize = 1 << PART_BITS;

/// Sums per person, filled from runs in any order, in `PARTS` parts.
struct PersonTable {
    parts: Vec<TablePart>,
    hasher: foldhash::fast::FixedState,
}

#[derive(Default)]
struct TablePart {
    index: std::collections::HashMap<PlSmallStr, usize, foldhash::fast::FixedState>,
    /// The row of the null person id, should a line have one (a group of its own, as in polars).
    null_row: Option<usize>,
    ids: Vec<Option<PlSmallStr>>,
    sums: Vec<[i64; N]>,
}

impl TablePart {
    fn add(&mut self, id: Option<&str>, sums: &[i64; N]) {
        let existing = match id {
            Some(id) => self.index.get(id).copied(),
            None => self.null_row,
        };
        let row = existing.unwrap_or_else(|| {
            let row = self.sums.len();
            match id {
                Some(id) => {
                    self.index.insert(PlSmallStr::from_str(id), row);
                }
                None => self.null_row = Some(row),
            }
            self.ids.push(id.map(PlSmallStr::from_str));
            self.sums.push([0; N]);
            row
        });
        for (total, v) in self.sums[row].iter_mut().zip(sums) {
            *total = total.wrapping_add(*v);
        }
    }
}

impl PersonTable {
    fn new() -> PersonTable {
        PersonTable {
            parts: (0..PARTS).map(|_| TablePart::default()).collect(),
            hasher: foldhash::fast::FixedState::with_seed(0x7761_6a6b),
        }
    }

    fn add(&mut self, ids: &[Option<&str>], sums: &[[i64; N]]) {
        use rayon::prelude::*;
        use std::hash::BuildHasher;
        let mut by_part: Vec<Vec<u32>> = vec![Vec::new(); PARTS];
        for (r, id) in ids.iter().enumerate() {
            let part = id.map_or(0, |id| {
                (self.hasher.hash_one(id) >> (64 - PART_BITS)) as usize
            });
            by_part[part].push(r as u32);
        }
        self.parts
            .par_iter_mut()
            .zip(by_part)
            .for_each(|(part, rows)| {
                for r in rows {
                    part.add(ids[r as usize], &sums[r as usize]);
                }
            });
    }

    fn into_frame(self) -> PolarsResult<DataFrame> {
        let height: usize = self.parts.iter().map(|p| p.sums.len()).sum();
        let ids: StringChunked = self
            .parts
            .iter()
            .flat_map(|p| p.ids.iter().map(|id| id.as_deref()))
            .collect();
        let mut columns = Vec::with_capacity(N + 1);
        columns.push(ids.with_name("person_id".into()).into_column());
        let rows = || self.parts.iter().flat_map(|p| p.sums.iter());
        for (k, name) in sum_names().into_iter().enumerate() {
            let values: Vec<i64> = rows().map(|s| s[k]).collect();
            columns.push(Column::new(name.into(), values));
        }
        DataFrame::new(height, columns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// The sums as 21 masked sums over every line: the plan this module replaced, the oracle.
    fn masked_sums(lines: LazyFrame) -> LazyFrame {
        let inp = col("in_period");
        let mut aggs = vec![
            (col("cents") * col("copies")).sum().alias("input_cents"),
            col("copies").sum().alias("input_lines"),
            (col("cents") * (col("copies") - lit(1i64)))
                .sum()
                .alias("dup_cents"),
            (col("copies") - lit(1i64)).sum().alias("dup_lines"),
            when(inp.clone().not())
                .then(col("cents"))
                .otherwise(lit(0i64))
                .sum()
                .alias("out_cents"),
            inp.clone()
                .not()
                .cast(DataType::Int64)
                .sum()
                .alias("out_lines"),
            inp.clone().cast(DataType::Int64).sum().alias("in_lines"),
            col("conflict")
                .cast(DataType::Int64)
                .sum()
                .alias("conflicts"),
        ];
        for ct in CARE_TYPES {
            aggs.push(
                when(inp.clone().and(col("care_type").eq(lit(ct))))
                    .then(col("cents"))
                    .otherwise(lit(0i64))
                    .sum()
                    .alias(ct_col(ct).as_str()),
            );
        }
        lines
            .group_by([col("person_id")])
            .agg(aggs)
            .with_columns([crate::frame::care_type_cents().alias("in_cents")])
    }

    fn sorted(df: DataFrame) -> DataFrame {
        df.sort(
            ["person_id"],
            SortMultipleOptions::default().with_nulls_last(true),
        )
        .unwrap()
    }

    /// Both ways of `claims_by_person` against the masked sums, row for row.
    fn both_ways_equal_the_oracle(lines: &DataFrame) -> DataFrame {
        let oracle = sorted(masked_sums(lines.clone().lazy()).collect().unwrap());
        for grouped in [true, false] {
            let ours = sorted(claims_by_person(lines.clone().lazy(), grouped).unwrap());
            assert_eq!(ours.schema(), oracle.schema(), "grouped: {grouped}");
            assert_eq!(ours.height(), oracle.height(), "grouped: {grouped}");
            assert!(
                ours.equals_missing(&oracle),
                "grouped: {grouped}\n{ours}\n{oracle}"
            );
        }
        oracle
    }

    fn frame(
        person: Vec<Option<&str>>,
        care_type: Vec<Option<&str>>,
        cents: Vec<Option<i64>>,
        in_period: Vec<Option<bool>>,
        copies: Vec<Option<i64>>,
        conflict: Vec<Option<bool>>,
    ) -> DataFrame {
        df!(
            "person_id" => person,
            "care_type" => care_type,
            "cents" => cents,
            "in_period" => in_period,
            "copies" => copies,
            "conflict" => conflict,
        )
        .unwrap()
    }

    fn get(df: &DataFrame, person: &str, column: &str) -> i64 {
        let row = crate::frame::strings(df, "person_id")
            .unwrap()
            .iter()
            .position(|p| p.as_deref() == Some(person))
            .unwrap();
        df.column(column).unwrap().i64().unwrap().get(row).unwrap()
    }

    #[test]
    fn hand_computed_sums_per_person() {
        // A: huisarts 10.00 twice over (one copy beyond the first), farmacie 2.50 outside the
        // period, then B, then A again (a second run of A: the group-by adds both).
        let lines = frame(
            vec![Some("A"), Some("A"), Some("B"), Some("A")],
            vec![
                Some("huisarts"),
                Some("farmacie"),
                Some("msz"),
                Some("huisarts"),
            ],
            vec![Some(1000), Some(250), Some(7), Some(1)],
            vec![Some(true), Some(false), Some(true), Some(true)],
            vec![Some(2), Some(1), Some(1), Some(1)],
            vec![Some(false), Some(false), Some(true), Some(false)],
        );
        let out = both_ways_equal_the_oracle(&lines);
        assert_eq!(out.height(), 2);
        assert_eq!(get(&out, "A", "input_cents"), 2000 + 250 + 1);
        assert_eq!(get(&out, "A", "input_lines"), 4);
        assert_eq!(get(&out, "A", "dup_cents"), 1000);
        assert_eq!(get(&out, "A", "dup_lines"), 1);
        assert_eq!(get(&out, "A", "out_cents"), 250);
        assert_eq!(get(&out, "A", "out_lines"), 1);
        assert_eq!(get(&out, "A", "in_lines"), 2);
        assert_eq!(get(&out, "A", "c_huisarts"), 1001);
        assert_eq!(get(&out, "A", "c_farmacie"), 0);
        assert_eq!(get(&out, "A", "in_cents"), 1001);
        assert_eq!(get(&out, "A", "conflicts"), 0);
        assert_eq!(get(&out, "B", "c_msz"), 7);
        assert_eq!(get(&out, "B", "conflicts"), 1);
        assert_eq!(get(&out, "B", "in_cents"), 7);
    }

    #[test]
    fn nulls_and_unknown_care_types_count_as_the_masked_sums_did() {
        let lines = frame(
            vec![Some("A"), Some("A"), Some("A"), None, None, Some("B")],
            vec![
                Some("onbekend"),
                None,
                Some("msz"),
                Some("msz"),
                Some("msz"),
                Some("ggz_basis"),
            ],
            vec![Some(5), Some(6), None, Some(8), Some(9), Some(10)],
            vec![
                Some(true),
                Some(true),
                Some(true),
                None,
                Some(true),
                Some(false),
            ],
            vec![Some(1), Some(3), Some(2), Some(1), None, Some(1)],
            vec![
                Some(false),
                None,
                Some(false),
                Some(true),
                Some(false),
                None,
            ],
        );
        let ours = both_ways_equal_the_oracle(&lines);
        // The unknown and the null care type are in period lines without a care type.
        assert_eq!(get(&ours, "A", "in_lines"), 3);
        assert_eq!(get(&ours, "A", "in_cents"), 0);
    }

    #[test]
    fn runs_split_across_morsels_sum_as_the_masked_sums() {
        // 300,000 lines (several streaming morsels), persons mostly in runs (6.7 lines on
        // average, so the order check calls them grouped) and coming back later, every column
        // with some nulls: both ways against the oracle.
        let mut rng = rand_pcg::Pcg64::seed_from_u64(11);
        let n = 300_000;
        let ids: Vec<String> = (0..40_000).map(|i| format!("P{i:06}")).collect();
        let mut person = Vec::with_capacity(n);
        let mut care_type = Vec::with_capacity(n);
        let mut cents = Vec::with_capacity(n);
        let mut in_period = Vec::with_capacity(n);
        let mut copies = Vec::with_capacity(n);
        let mut conflict = Vec::with_capacity(n);
        let mut current = 0usize;
        let null = |rng: &mut rand_pcg::Pcg64| rng.gen_bool(0.002);
        for _ in 0..n {
            if rng.gen_bool(0.15) {
                current = rng.gen_range(0..ids.len());
            }
            person.push((!null(&mut rng)).then(|| ids[current].as_str()));
            let ct = if rng.gen_bool(0.01) {
                "onbekend"
            } else {
                CARE_TYPES[rng.gen_range(0..CARE_TYPES.len())]
            };
            care_type.push((!null(&mut rng)).then_some(ct));
            cents.push((!null(&mut rng)).then(|| rng.gen_range(-50_000i64..500_000)));
            in_period.push((!null(&mut rng)).then(|| rng.gen_bool(0.9)));
            copies.push((!null(&mut rng)).then(|| 1 + rng.gen_range(0i64..3) / 2));
            conflict.push((!null(&mut rng)).then(|| rng.gen_bool(0.01)));
        }
        let lines = frame(person, care_type, cents, in_period, copies, conflict);
        both_ways_equal_the_oracle(&lines);
        assert!(grouped_by_person(&lines.lazy()).unwrap());
    }

    #[test]
    fn the_order_check_tells_grouped_lines_from_lines_in_any_order() {
        let grouped: Vec<String> = (0..1_000).map(|i| format!("P{:04}", i / 3)).collect();
        // The same ids, every third line's person next to a different one.
        let mixed: Vec<String> = (0..1_000)
            .map(|i| format!("P{:04}", (i * 7) % 333))
            .collect();
        let check =
            |ids: Vec<String>| grouped_by_person(&df!("person_id" => ids).unwrap().lazy()).unwrap();
        assert!(check(grouped));
        assert!(!check(mixed));
        // Only the first lines are read: grouped there, in any order after.
        let mut head_grouped: Vec<String> = (0..2 * SAMPLE_LINES as usize)
            .map(|i| format!("P{:07}", i / 4))
            .collect();
        for (i, id) in head_grouped
            .iter_mut()
            .enumerate()
            .skip(SAMPLE_LINES as usize)
        {
            *id = format!("Q{i:07}");
        }
        assert!(check(head_grouped));
        assert!(check(Vec::new()));
    }
}
