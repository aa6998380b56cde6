//! The area profile of SPEC 3.1, built for the scale of SPEC 6.
//!
//! Claim lines are streamed, never held: a pass over their ids finds the repeated ones
//! (`claim_identity`); only lines with such an id are grouped by `claim_id` (which both removes
//! exact copies and detects conflicting ids), and when none repeats the ids are not read again.
//! The lines are then summed per person (`claim_sums`) into cents per care type and the cents
//! of every reconciliation bucket. Everything after that works on one row per person, and the
//! levels (pc5 → buurt → wijk → gemeente → total) are group-bys over that person frame, so
//! distinct counts are counted at each level and never summed from the level below.
//! Money is integer cents throughout; euros appear only in the published columns.

use crate::columns::wmo_type_col;
use crate::domain::{Level, Period, CARE_TYPES, DAYS_PER_YEAR, PROVISION_TYPES};
use crate::domain::{TOTAL_CODE, TOTAL_NAME};
use crate::stages::inputs::claim_identity::mark_repeated;
use crate::stages::inputs::claim_identity::{claim_id_aggs, conflict_after_aggs};
use crate::stages::profile::expected;
// Derived column names live in `columns.rs`, frame helpers in `frame.rs`.
use crate::columns::{ct_col, ct_contrib};
use crate::frame::cents;
use polars::prelude::*;

/// Typed inputs (contract columns and types, see `stages::inputs::validate`).
#[derive(Clone)]
pub struct Inputs {
    pub insured: LazyFrame,
    pub claims: LazyFrame,
    pub wmo: LazyFrame,
    pub norm: LazyFrame,
    pub areas: LazyFrame,
    /// (rows, cents) of the claim lines when validation already summed them; else scanned.
    pub claims_total: Option<(i64, i64)>,
    /// The newest service date (days since 1970) of the claim lines, when validation saw it.
    pub claims_newest_day: Option<i32>,
    /// The optional `gp_practices` list (SPEC 3.7).
    pub gp_practices: Option<LazyFrame>,
}

/// Dates as days since the epoch, for plain integer comparisons with the period.
fn days(c: &str) -> Expr {
    col(c).cast(DataType::Int32)
}

/// One row per distinct claim id: the line's content, how many identical copies it had,
/// whether its copies conflict, its amount in cents and whether it falls in the period.
/// `repeated` holds the id hashes of `repeated_id_hashes`; lines with any other id are single and pass
/// straight through.
pub fn claim_lines(
    claims: LazyFrame,
    repeated: &DataFrame,
    period: &Period,
) -> PolarsResult<LazyFrame> {
    let line = [
        col("claim_id"),
        col("person_id"),
        col("service_date"),
        col("care_type"),
        col("amount_eur"),
    ];
    let mut content = line.to_vec();
    content.extend([col("copies"), col("conflict")]);
    let in_period = || {
        days("service_date")
            .gt_eq(lit(period.start_epoch_days()))
            .and(days("service_date").lt_eq(lit(period.end_epoch_days())))
            .alias("in_period")
    };
    // No id on more than one line: every line is its own claim. The id is then not read at
    // all, nor hashed and looked up (it was half the step's time).
    if repeated.height() == 0 {
        let mut single = line.to_vec();
        single.extend([
            lit(1i64).cast(DataType::Int64).alias("copies"),
            lit(false).alias("conflict"),
            cents("amount_eur").alias("cents"),
            in_period(),
        ]);
        return Ok(claims.select(single));
    }
    let marked = mark_repeated(claims, repeated)?;
    let singles = marked
        .clone()
        .filter(col("__repeated").not())
        .with_columns([
            lit(1i64).cast(DataType::Int64).alias("copies"),
            lit(false).alias("conflict"),
        ])
        .select(content.clone());
    let repeats = marked
        .filter(col("__repeated"))
        .group_by([col("claim_id")])
        .agg(claim_id_aggs())
        .with_columns([conflict_after_aggs()])
        .select(content);
    Ok(concat([singles, repeats], UnionArgs::default())?
        .with_columns([cents("amount_eur").alias("cents"), in_period()]))
}

/// Wmo provisions with cents, whether they overlap the period, and their area codes.
pub fn wmo_lines(wmo: LazyFrame, areas: LazyFrame, period: &Period) -> LazyFrame {
    let overlap = days("start_date").lt_eq(lit(period.end_epoch_days())).and(
        col("end_date")
            .is_null()
            .or(days("end_date").gt_eq(lit(period.start_epoch_days()))),
    );
    wmo.with_columns([cents("cost_eur").alias("cents"), overlap.alias("counts")])
        .left_join(area_codes(areas), col("pc5"), col("pc5"))
}

/// pc5 → the codes of every level, plus `in_areas` to tell "onbekend gebied" after a left join.
fn area_codes(areas: LazyFrame) -> LazyFrame {
    areas.select([
        col("pc5"),
        col("buurt_code"),
        col("wijk_code"),
        col("gemeente_code"),
        lit(true).alias("in_areas"),
    ])
}

/// Wmo per person over counting provisions (anywhere): distinct provision types.
pub fn wmo_by_person(wmo_lines: LazyFrame) -> LazyFrame {
    wmo_lines
        .filter(col("counts"))
        .group_by([col("person_id")])
        .agg(wmo_person_aggs())
}

fn wmo_person_aggs() -> Vec<Expr> {
    let mut aggs = vec![col("provision_type")
        .n_unique()
        .cast(DataType::Int64)
        .alias("wmo_types")];
    for t in PROVISION_TYPES {
        aggs.push(
            col("provision_type")
                .eq(lit(t))
                .any(true)
                .alias(wmo_type_col(t).as_str()),
        );
    }
    aggs
}

/// One row per insured person with everything the levels need.
/// `claims_person` is the collected result of `claims_by_person`.
pub fn persons(
    insured: LazyFrame,
    claims_person: LazyFrame,
    wmo_person: LazyFrame,
    areas: LazyFrame,
) -> LazyFrame {
    let mut cp_cols = vec![col("person_id")];
    cp_cols.extend(CARE_TYPES.iter().map(|ct| col(ct_col(ct).as_str())));
    // For the Zvw buckets (`reconcile::zvw_buckets_placed`), dropped once they are placed.
    cp_cols.push(col(crate::stages::profile::reconcile::PLACED_LINES));
    let mut fill: Vec<Expr> = CARE_TYPES
        .iter()
        .map(|ct| col(ct_col(ct).as_str()).fill_null(lit(0i64)))
        .collect();
    fill.push(col("wmo_types").fill_null(lit(0i64)));
    fill.extend(
        PROVISION_TYPES
            .iter()
            .map(|t| col(wmo_type_col(t).as_str()).fill_null(lit(false))),
    );
    fill.push(col("in_areas").fill_null(lit(false)));
    let zvw_forms = CARE_TYPES
        .iter()
        .map(|ct| col(ct_col(ct).as_str()).gt(lit(0i64)).cast(DataType::Int64))
        .reduce(|a, b| a + b)
        .unwrap_or(lit(0i64));
    // In the insured file's order: the person frame is never sorted, and every later stage
    // that adds floats sorts its own rows or sums integers, but a fixed order costs nothing.
    let left = || JoinArgs {
        maintain_order: MaintainOrderJoin::Left,
        ..JoinArgs::new(JoinType::Left)
    };
    insured
        .join(
            claims_person.select(cp_cols),
            [col("person_id")],
            [col("person_id")],
            left(),
        )
        .join(wmo_person, [col("person_id")], [col("person_id")], left())
        .join(area_codes(areas), [col("pc5")], [col("pc5")], left())
        .with_columns(fill)
        .with_columns([
            crate::frame::care_type_cents().alias("zvw_cents"),
            zvw_forms.alias("zvw_forms"),
        ])
        .with_columns([
            (col("zvw_forms") + col("wmo_types")).alias("care_forms"),
            col("zvw_forms")
                .gt(lit(0i64))
                .and(col("wmo_types").gt(lit(0i64)))
                .alias("zvw_and_wmo"),
        ])
}

/// Marks the top 5% of insured persons by Zvw cost over the whole extract (ties broken by
/// person_id so the group is deterministic); persons without cost are never in it. The k-th
/// largest cost is selected, not sorted for: only the persons tied at it need ordering.
pub fn flag_high_cost(persons: &DataFrame) -> PolarsResult<DataFrame> {
    let n = persons.height();
    let k = (n as f64 * 0.05).ceil() as usize;
    let cents = persons.column("zvw_cents")?.cast(&DataType::Int64)?;
    let cents = cents.i64()?;
    if cents.null_count() > 0 {
        return Err(PolarsError::ComputeError(
            "zvw_cents is null for some person".into(),
        ));
    }
    let c: Vec<i64> = cents.into_no_null_iter().collect();
    let mut high = vec![false; n];
    if k > 0 {
        let mut sorted = c.clone();
        let (_, &mut kth, _) = sorted.select_nth_unstable_by(k - 1, |a, b| b.cmp(a));
        let above = c.iter().filter(|&&v| v > kth).count();
        let ids = persons.column("person_id")?.str()?;
        let mut tied: Vec<(&str, usize)> = (0..n)
            .filter(|&i| c[i] == kth)
            .map(|i| (ids.get(i).unwrap_or(""), i))
            .collect();
        tied.sort_unstable();
        for (i, v) in c.iter().enumerate() {
            high[i] = *v > kth;
        }
        for &(_, i) in tied.iter().take(k - above) {
            high[i] = true;
        }
        for (h, v) in high.iter_mut().zip(&c) {
            *h = *h && *v > 0;
        }
    }
    let mut out = persons.clone();
    out.with_column(Column::new("high_cost".into(), high))?;
    Ok(out)
}

fn count(e: Expr) -> Expr {
    e.cast(DataType::Int64).sum()
}

fn level_key(code_col: Option<&str>) -> Expr {
    match code_col {
        Some(c) => col(c).alias("area_code"),
        None => lit(TOTAL_CODE).alias("area_code"),
    }
}

/// The person sums of every pc5 in a known area, with the pc5's area codes. Every person sum
/// is a count or an integer sum, and a person lives in one pc5, so a level's sums are its
/// pc5s' sums added up — exactly, and with one pass over the persons instead of one a level.
pub fn pc5_person_sums(persons: LazyFrame) -> LazyFrame {
    let keys: Vec<Expr> = Level::ALL
        .iter()
        .filter_map(|l| l.code_column())
        .map(col)
        .collect();
    persons
        .filter(col("in_areas"))
        .group_by(keys)
        .agg(person_agg_exprs())
}

/// Aggregates of insured persons per area of one level, from `pc5_person_sums` (collected).
pub fn person_aggs(pc5_sums: &DataFrame, code_col: Option<&str>) -> LazyFrame {
    let keys: Vec<&str> = Level::ALL.iter().filter_map(|l| l.code_column()).collect();
    let sums: Vec<Expr> = pc5_sums
        .schema()
        .iter()
        .filter(|(name, _)| !keys.contains(&name.as_str()))
        .map(|(name, dtype)| col(name.clone()).sum().cast(dtype.clone()))
        .collect();
    pc5_sums
        .clone()
        .lazy()
        .group_by([level_key(code_col)])
        .agg(sums)
}

/// The person sums of every area row (and of every GP practice, `stages::practices`).
pub fn person_agg_exprs() -> Vec<Expr> {
    let mut aggs = vec![
        len().cast(DataType::Int64).alias("insured_persons"),
        col("insured_days").sum().alias("insured_days"),
        col("zvw_cents").sum().alias("zvw_cents"),
        count(col("age").gt_eq(lit(65))).alias("n_65plus"),
        count(col("age").gt_eq(lit(75))).alias("n_75plus"),
        count(col("household").eq(lit("single")).fill_null(false)).alias("n_single"),
        count(col("household").is_not_null()).alias("n_household_known"),
        count(col("education").eq(lit("low")).fill_null(false)).alias("n_low_education"),
        count(col("education").is_not_null()).alias("n_education_known"),
        count(col("social_minimum").fill_null(false)).alias("n_social_minimum"),
        count(col("social_minimum").is_not_null()).alias("n_social_minimum_known"),
        count(col("care_forms").gt_eq(lit(3i64))).alias("multi_care_persons"),
        count(col("zvw_and_wmo")).alias("zvw_wmo_persons"),
        count(col("high_cost")).alias("n_top5"),
        // A masked sum, not `filter().sum()`, which would gather every group's rows.
        when(col("high_cost"))
            .then(col("zvw_cents"))
            .otherwise(lit(0i64))
            .sum()
            .alias("top5_cents"),
    ];
    for ct in CARE_TYPES {
        let c = ct_col(ct);
        aggs.push(col(c.as_str()).sum().alias(c.as_str()));
        aggs.push(count(col(c.as_str()).neq(lit(0i64))).alias(ct_contrib(ct).as_str()));
    }
    // Age/sex-expected cost (stages::profile::expected), summed per area.
    aggs.push(col(expected::EXP_TOTAL).sum().alias(expected::EXP_TOTAL));
    aggs
}

fn wmo_aggs(wmo_lines: LazyFrame, code_col: Option<&str>) -> LazyFrame {
    wmo_lines
        .filter(col("counts").and(col("in_areas").fill_null(false)))
        .group_by([level_key(code_col)])
        .agg(wmo_level_aggs())
}

/// Wmo per area: distinct clients and cents, in all and per provision type (SPEC 3.1).
fn wmo_level_aggs() -> Vec<Expr> {
    let mut aggs = vec![
        col("person_id")
            .n_unique()
            .cast(DataType::Int64)
            .alias("wmo_clients"),
        col("cents").sum().alias("wmo_cents"),
    ];
    for t in PROVISION_TYPES {
        let of_type = col("provision_type").eq(lit(t));
        aggs.push(
            col("person_id")
                .filter(of_type.clone())
                .n_unique()
                .cast(DataType::Int64)
                .alias(format!("wmo_clients_{t}").as_str()),
        );
        aggs.push(
            col("cents")
                .filter(of_type)
                .sum()
                .alias(format!("wmo_cents_{t}").as_str()),
        );
    }
    aggs
}

/// Norm figures per area, summed exactly: insured years in millionths, cost in cents.
fn norm_aggs(norm: LazyFrame, areas: LazyFrame, code_col: Option<&str>) -> LazyFrame {
    norm.inner_join(area_codes(areas), col("pc5"), col("pc5"))
        .group_by([level_key(code_col)])
        .agg([
            (col("insured_years") * lit(1e6))
                .round(0, RoundMode::HalfAwayFromZero)
                .cast(DataType::Int64)
                .sum()
                .alias("norm_micro_years"),
            cents("norm_cost_eur").sum().alias("norm_cents"),
        ])
}

/// Codes, names and residents of the areas of one level (every area of `areas`, even empty).
fn area_list(areas: LazyFrame, level: Level) -> LazyFrame {
    let code_col = level.code_column();
    let name = level.name_column().map_or(lit(TOTAL_NAME), col);
    // The code of the area one level up, to build the tree for secondary suppression.
    let parent = match level.parent() {
        Some(Level::Total) => lit(TOTAL_CODE),
        Some(up) => col(up.code_column().unwrap_or_default()),
        None => lit(NULL).cast(DataType::String),
    };
    // Null residents are skipped; an area whose residents are all unknown has null residents.
    let residents = when(col("residents").count().gt(lit(0)))
        .then(col("residents").sum())
        .otherwise(lit(NULL).cast(DataType::Int64));
    areas
        .group_by([level_key(code_col)])
        .agg([
            name.first().alias("area_name"),
            parent.first().alias("parent_code"),
            residents.alias("residents"),
        ])
        .with_columns([lit(level.as_str()).alias("level")])
}

/// The raw (unsuppressed) profile of one level: counts and cents, no derived figures yet.
pub fn level_frame(
    level: Level,
    pc5_sums: &DataFrame,
    wmo_lines: LazyFrame,
    norm: LazyFrame,
    areas: LazyFrame,
) -> LazyFrame {
    let mut fill = vec![
        col("insured_persons").fill_null(lit(0i64)),
        col("insured_days").fill_null(lit(0i64)),
        col("zvw_cents").fill_null(lit(0i64)),
        col("wmo_clients").fill_null(lit(0i64)),
        col("wmo_cents").fill_null(lit(0i64)),
    ];
    for t in PROVISION_TYPES {
        fill.push(col(format!("wmo_clients_{t}").as_str()).fill_null(lit(0i64)));
        fill.push(col(format!("wmo_cents_{t}").as_str()).fill_null(lit(0i64)));
    }
    for c in [
        "n_65plus",
        "n_75plus",
        "n_single",
        "n_household_known",
        "n_low_education",
        "n_education_known",
        "n_social_minimum",
        "n_social_minimum_known",
        "multi_care_persons",
        "zvw_wmo_persons",
        "n_top5",
        "top5_cents",
    ] {
        fill.push(col(c).fill_null(lit(0i64)));
    }
    for ct in CARE_TYPES {
        fill.push(col(ct_col(ct).as_str()).fill_null(lit(0i64)));
        fill.push(col(ct_contrib(ct).as_str()).fill_null(lit(0i64)));
    }
    fill.push(col(expected::EXP_TOTAL).fill_null(lit(0i64)));
    let code_col = level.code_column();
    area_list(areas.clone(), level)
        .left_join(
            person_aggs(pc5_sums, code_col),
            col("area_code"),
            col("area_code"),
        )
        .left_join(
            wmo_aggs(wmo_lines, code_col),
            col("area_code"),
            col("area_code"),
        )
        .left_join(
            norm_aggs(norm, areas, code_col),
            col("area_code"),
            col("area_code"),
        )
        .with_columns(fill)
}

fn eur(c: &str) -> Expr {
    col(c).cast(DataType::Float64) / lit(100.0)
}

/// The published columns (SPEC 4.1 fixed columns, then care types, then extras) from the raw
/// level frame. `suppressed` is set later by the privacy stage.
pub fn derive(raw: LazyFrame) -> LazyFrame {
    let iy = col("insured_days").cast(DataType::Float64) / lit(DAYS_PER_YEAR);
    let norm_iy = col("norm_micro_years").cast(DataType::Float64) / lit(1e6);
    // Every published column from its one declaration, in publication order.
    let cols: Vec<Expr> = crate::published::profile_columns()
        .into_iter()
        .filter_map(|c| Some(c.value?.alias(c.name.as_str())))
        .collect();
    raw.with_columns([
        iy.alias("insured_years"),
        norm_iy.alias("norm_insured_years"),
        eur("zvw_cents").alias("zvw_cost_eur"),
        eur("norm_cents").alias("norm_cost_eur"),
    ])
    .select(cols)
}

/// Sort key: levels in publication order, then area code.
pub fn level_rank() -> Expr {
    Level::ALL.iter().rev().fold(lit(99i32), |rest, level| {
        when(col("level").eq(lit(level.as_str())))
            .then(lit(level.rank() as i32))
            .otherwise(rest)
    })
}

/// The level tables (collected one at a time by the orchestrator) as one raw profile in
/// publication order: levels by rank, then area code.
pub fn stack_levels(frames: Vec<DataFrame>) -> PolarsResult<DataFrame> {
    let frames: Vec<LazyFrame> = frames.into_iter().map(DataFrame::lazy).collect();
    concat(frames, UnionArgs::default())?
        .with_columns([level_rank().alias("__level_rank")])
        .sort(
            ["__level_rank", "area_code"],
            SortMultipleOptions::default(),
        )
        .collect()
}

/// Plan (one row): norm rows whose pc5 is not in `areas`, and their cents.
pub fn norm_orphans(norm: LazyFrame, areas: LazyFrame) -> LazyFrame {
    let area_keys = areas.select([col("pc5"), lit(true).alias("in_areas")]);
    norm.left_join(area_keys, col("pc5"), col("pc5"))
        .filter(col("in_areas").is_null())
        .select([
            len().cast(DataType::Int64).alias("rows"),
            cents("norm_cost_eur")
                .sum()
                .cast(DataType::Int64)
                .alias("cents"),
        ])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Without repeated ids the lines skip the id lookup; they come out as the lookup path
    /// makes them (a set of hashes none of the lines has): copies, conflicts, cents, period.
    #[test]
    fn lines_without_repeated_ids_equal_the_lookup_path() {
        let period = Period::parse("2024Q3").unwrap();
        let date = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let claims = df!(
            "claim_id" => ["c1", "c2", "c3", "c4", "c5"],
            "person_id" => [Some("p1"), Some("p1"), Some("p2"), None, Some("p3")],
            "service_date" => [
                date("2024-07-01"), date("2024-06-30"), date("2024-09-30"),
                date("2024-10-01"), date("2024-08-15"),
            ],
            "care_type" => [Some("huisarts"), Some("farmacie"), None, Some("ggz"), Some("x")],
            "amount_eur" => [Some(12.345), Some(-3.0), Some(0.01), None, Some(1e6)],
        )
        .unwrap()
        .lazy()
        .with_columns([col("service_date").cast(DataType::Date)]);
        let none =
            DataFrame::new_infer_height(vec![Column::new("__id_hash".into(), Vec::<u64>::new())])
                .unwrap();
        let absent =
            DataFrame::new_infer_height(vec![Column::new("__id_hash".into(), vec![12345u64])])
                .unwrap();
        let sorted = |r: &DataFrame| {
            claim_lines(claims.clone(), r, &period)
                .unwrap()
                .sort(["claim_id"], SortMultipleOptions::default())
                .collect()
                .unwrap()
        };
        let (fast, general) = (sorted(&none), sorted(&absent));
        assert_eq!(fast.height(), 5);
        assert!(fast.equals_missing(&general), "{fast}\n{general}");
        let in_period: Vec<Option<bool>> = fast
            .column("in_period")
            .unwrap()
            .bool()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(
            in_period,
            vec![Some(true), Some(false), Some(true), Some(false), Some(true)]
        );
    }

    /// The top 5% by selection equals the definition by a full sort (cost descending, then
    /// person_id), with many ties at the boundary and persons without cost.
    #[test]
    fn high_cost_is_the_top_five_percent_with_ties_by_person_id() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_pcg::Pcg64::seed_from_u64(7);
        for n in [1usize, 19, 20, 21, 400, 1003] {
            let ids: Vec<String> = (0..n).map(|i| format!("p{:05}", (i * 7) % n)).collect();
            // Few distinct costs: ties everywhere, zeros included.
            let cents: Vec<i64> = (0..n).map(|_| rng.gen_range(0..6) * 100).collect();
            let persons = df!("person_id" => &ids, "zvw_cents" => &cents).unwrap();
            let got = flag_high_cost(&persons).unwrap();
            let got: Vec<bool> = got
                .column("high_cost")
                .unwrap()
                .bool()
                .unwrap()
                .iter()
                .map(|v| v.unwrap())
                .collect();
            let k = (n as f64 * 0.05).ceil() as usize;
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by(|&a, &b| cents[b].cmp(&cents[a]).then(ids[a].cmp(&ids[b])));
            let mut want = vec![false; n];
            for &i in order.iter().take(k) {
                want[i] = cents[i] > 0;
            }
            assert_eq!(got, want, "n = {n}");
        }
    }
}
