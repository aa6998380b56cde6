//! Runs the profile, reconciliation and small-cell stages on typed inputs, collecting only
//! where a result is reused: the per-person claim sums (once), the person frame (once) and
//! the small level table. No file I/O here; `pipeline` reads and writes.

use crate::domain::{Period, CARE_TYPES};
use crate::error::{Error, Result};
use crate::progress::Reporter;
use crate::stages::collect_streaming;
use crate::stages::expected;
use crate::stages::load::{claim_id_conflicts, format_problems, plural, Problem};
use crate::stages::profile::{self as p, Inputs, LEVELS};
use crate::stages::reconcile::{Bucket, Ledger};
use crate::stages::small_cells::{self, SuppressionCounts};
use polars::prelude::*;

/// Input file names, for messages.
#[derive(Debug, Clone)]
pub struct FileNames {
    pub insured: String,
    pub zvw_claims: String,
    pub norm_costs: String,
}

impl Default for FileNames {
    fn default() -> Self {
        FileNames {
            insured: "insured".into(),
            zvw_claims: "zvw_claims".into(),
            norm_costs: "norm_costs".into(),
        }
    }
}

pub struct Profiled {
    /// The published profile: SPEC 4.1 columns, small cells blanked.
    pub profile: DataFrame,
    /// Counts and cents per area before suppression (never written; for later stages).
    pub raw: DataFrame,
    /// One row per insured person (never written unless asked).
    pub persons: DataFrame,
    pub zvw: Ledger,
    pub wmo: Ledger,
    pub suppression: SuppressionCounts,
    pub warnings: Vec<Problem>,
}

fn scalar_i64(df: &DataFrame, name: &str) -> PolarsResult<i64> {
    let v = df.column(name)?.cast(&DataType::Int64)?;
    Ok(v.i64()?.get(0).unwrap_or(0))
}

/// `filter(mask).sum()` of an integer column, as a named scalar.
fn sum_where(c: &str, mask: Expr, name: &str) -> Expr {
    col(c).filter(mask).sum().cast(DataType::Int64).alias(name)
}

pub fn compute(
    inputs: &Inputs,
    period: &Period,
    min_cell: i64,
    files: &FileNames,
    reporter: &dyn Reporter,
) -> Result<Profiled> {
    let claims_file = files.zvw_claims.as_str();
    let mut warnings = Vec::new();
    // Step timings for `WIJKSCAN_LOG=info` (the manifest has the stage totals).
    let mut clock = std::time::Instant::now();
    let mut lap = |step: &str| {
        tracing::info!(
            step,
            seconds = clock.elapsed().as_secs_f64(),
            "profile step"
        );
        clock = std::time::Instant::now();
    };

    // 1. The only pass over claim lines: per claim id, then per person.
    reporter.start("claims", None);
    let repeated = p::collect_repeated_ids(&inputs.claims)?;
    lap("repeated claim ids");
    let lines = p::claim_lines(inputs.claims.clone(), &repeated, period)?;
    let claims_person = collect_streaming(p::claims_by_person(lines))?;
    lap("claims per person");
    reporter.finish();
    let conflicts: i64 = claims_person
        .column("conflicts")?
        .as_materialized_series()
        .sum()?;
    if conflicts > 0 {
        let problem = claim_id_conflicts(&inputs.claims, claims_file)?.ok_or_else(|| {
            Error::Other("conflicting claim ids were counted but not found".into())
        })?;
        return Err(Error::Input {
            report: format_problems(&[problem]),
        });
    }

    // 2. Zvw buckets, in the order of SPEC 3.2.
    reporter.start("reconcile", None);
    // The input total, summed over the raw lines independently of the buckets: validation
    // already did it in its pass over the claim lines; scan only when it did not.
    let (input_rows, input_cents) = match inputs.claims_total {
        Some(t) => t,
        None => {
            let df = collect_streaming(inputs.claims.clone().select([
                p::cents("amount_eur").sum().alias("cents"),
                len().cast(DataType::Int64).alias("rows"),
            ]))?;
            (scalar_i64(&df, "rows")?, scalar_i64(&df, "cents")?)
        }
    };
    let insured_keys =
        inputs
            .insured
            .clone()
            .select([col("person_id"), col("pc5"), lit(true).alias("insured")]);
    let area_keys = inputs
        .areas
        .clone()
        .select([col("pc5"), lit(true).alias("in_areas")]);
    let placed = claims_person
        .clone()
        .lazy()
        .left_join(insured_keys, col("person_id"), col("person_id"))
        .left_join(area_keys.clone(), col("pc5"), col("pc5"))
        .with_columns([
            col("insured").fill_null(lit(false)),
            col("in_areas").fill_null(lit(false)),
        ]);
    let ins = col("insured");
    let known = col("in_areas");
    let b = placed
        .select([
            col("dup_cents").sum().alias("dup_cents"),
            col("dup_lines").sum().alias("dup_lines"),
            col("out_cents").sum().alias("out_cents"),
            col("out_lines").sum().alias("out_lines"),
            sum_where("in_cents", ins.clone().not(), "unassigned_cents"),
            sum_where("in_lines", ins.clone().not(), "unassigned_lines"),
            sum_where(
                "in_cents",
                ins.clone().and(known.clone().not()),
                "onbekend_cents",
            ),
            sum_where(
                "in_lines",
                ins.clone().and(known.clone().not()),
                "onbekend_lines",
            ),
            sum_where("in_cents", ins.clone().and(known.clone()), "areas_cents"),
            sum_where("in_lines", ins.clone().and(known), "areas_lines"),
            col("person_id")
                .filter(ins.not())
                .n_unique()
                .cast(DataType::Int64)
                .alias("unassigned_persons"),
        ])
        .collect()?;
    let g = |n: &str| scalar_i64(&b, n);
    let zvw_buckets = vec![
        Bucket::new("excluded_duplicates", g("dup_lines")?, g("dup_cents")?),
        Bucket::new("excluded_outside_period", g("out_lines")?, g("out_cents")?),
        Bucket::new("unassigned", g("unassigned_lines")?, g("unassigned_cents")?),
        Bucket::new(
            "onbekend_gebied",
            g("onbekend_lines")?,
            g("onbekend_cents")?,
        ),
        Bucket::new("areas", g("areas_lines")?, g("areas_cents")?),
    ];
    let zvw_input = Bucket::new("input", input_rows, input_cents);
    if g("unassigned_lines")? > 0 {
        warnings.push(Problem::warning(
            claims_file,
            Some("person_id"),
            format!(
                "{} in the period (€ {}) of {} not in `insured`, reported as unassigned",
                plural(g("unassigned_lines")? as u64, "claim line"),
                crate::stages::reconcile::eur_text(g("unassigned_cents")?),
                plural(g("unassigned_persons")? as u64, "person")
            ),
        ));
    }

    lap("zvw buckets");
    // 3. Wmo provisions (small: hundreds of thousands of rows).
    let wmo_lines = p::wmo_lines(inputs.wmo.clone(), inputs.areas.clone(), period);
    let counts = col("counts");
    let known = col("in_areas").fill_null(lit(false));
    let w = wmo_lines
        .clone()
        .select([
            col("cents").sum().alias("input_cents"),
            len().cast(DataType::Int64).alias("input_rows"),
            sum_where("cents", counts.clone().not(), "out_cents"),
            counts
                .clone()
                .not()
                .cast(DataType::Int64)
                .sum()
                .alias("out_rows"),
            sum_where(
                "cents",
                counts.clone().and(known.clone().not()),
                "onbekend_cents",
            ),
            counts
                .clone()
                .and(known.clone().not())
                .cast(DataType::Int64)
                .sum()
                .alias("onbekend_rows"),
            sum_where("cents", counts.clone().and(known.clone()), "areas_cents"),
            counts
                .and(known)
                .cast(DataType::Int64)
                .sum()
                .alias("areas_rows"),
        ])
        .collect()?;
    let wg = |n: &str| scalar_i64(&w, n);
    let wmo_input = Bucket::new("input", wg("input_rows")?, wg("input_cents")?);
    let wmo_buckets = vec![
        Bucket::new("excluded_outside_period", wg("out_rows")?, wg("out_cents")?),
        Bucket::new(
            "onbekend_gebied",
            wg("onbekend_rows")?,
            wg("onbekend_cents")?,
        ),
        Bucket::new("areas", wg("areas_rows")?, wg("areas_cents")?),
    ];
    reporter.finish();

    lap("wmo");
    // 4. Persons, once.
    reporter.start("persons", None);
    let wmo_person = p::wmo_by_person(wmo_lines.clone());
    let persons = p::persons(
        inputs.insured.clone(),
        claims_person.lazy(),
        wmo_person,
        inputs.areas.clone(),
    )
    .collect()?;
    let persons = p::flag_high_cost(&persons)?;
    let reference = expected::reference(persons.clone().lazy()).collect()?;
    let persons = expected::with_expected(persons.lazy(), reference.lazy()).collect()?;
    let onbekend_persons = persons
        .column("in_areas")?
        .bool()?
        .iter()
        .filter(|v| *v == Some(false))
        .count();
    if onbekend_persons > 0 {
        warnings.push(Problem::warning(
            &files.insured,
            Some("pc5"),
            format!(
                "{} in a pc5 missing from `areas`, reported as onbekend gebied",
                plural(onbekend_persons as u64, "insured person")
            ),
        ));
    }
    reporter.finish();

    lap("persons");
    // 5. Levels.
    reporter.start("profile", None);
    let raw = p::all_levels(
        persons.clone().lazy(),
        wmo_lines,
        inputs.norm.clone(),
        inputs.areas.clone(),
    )?;
    lap("levels");
    let level_sum = |value: &str| -> Result<Vec<Bucket>> {
        let sums = raw
            .clone()
            .lazy()
            .group_by([col("level")])
            .agg([col(value).sum().cast(DataType::Int64)])
            .collect()?;
        let levels = crate::frame::strings(&sums, "level")?;
        let cents = crate::frame::counts(&sums, value)?;
        let of = |level: &str| {
            levels
                .iter()
                .position(|l| l.as_deref() == Some(level))
                .map_or(0, |i| cents[i])
        };
        let out: Vec<Bucket> = LEVELS
            .iter()
            .map(|(level, _)| Bucket::new(level, 0, of(level)))
            .collect();
        Ok(out)
    };
    let zvw = Ledger::new(
        "zvw_claims",
        zvw_input,
        zvw_buckets,
        level_sum("zvw_cents")?,
    );
    let wmo = Ledger::new(
        "wmo_provisions",
        wmo_input,
        wmo_buckets,
        level_sum("wmo_cents")?,
    );
    zvw.check()?;
    wmo.check()?;
    norm_warnings(inputs, &files.norm_costs, &mut warnings)?;

    lap("ledgers");
    let derived = p::derive(raw.clone().lazy()).collect()?;
    mismatch_warning(&derived, &files.norm_costs, &mut warnings)?;
    let (profile, suppression) = small_cells::protect(&raw, derived, min_cell)?;
    lap("suppression");
    reporter.finish();
    Ok(Profiled {
        profile,
        raw,
        persons,
        zvw,
        wmo,
        suppression,
        warnings,
    })
}

/// SPEC 3.1: the norm's insured years should match the insured population's within 2%.
fn mismatch_warning(derived: &DataFrame, file: &str, warnings: &mut Vec<Problem>) -> Result<()> {
    let off = derived
        .clone()
        .lazy()
        .filter(
            col("level")
                .eq(lit("pc5"))
                .and(col("insured_years_mismatch").fill_null(false)),
        )
        .sort(["area_code"], SortMultipleOptions::default())
        .select([col("area_code")])
        .collect()?;
    if off.height() > 0 {
        let codes: Vec<String> = off
            .column("area_code")?
            .str()?
            .iter()
            .take(5)
            .map(|c| c.unwrap_or_default().to_string())
            .collect();
        warnings.push(Problem::warning(
            file,
            Some("insured_years"),
            format!(
                "{} where norm insured years differ from insured years by more than 2% (e.g. {})",
                plural(off.height() as u64, "pc5 area"),
                codes.join(", ")
            ),
        ));
    }
    Ok(())
}

/// Norm rows whose pc5 is not in `areas` cannot be placed: say so rather than drop them quietly.
fn norm_warnings(inputs: &Inputs, file: &str, warnings: &mut Vec<Problem>) -> Result<()> {
    let area_keys = inputs
        .areas
        .clone()
        .select([col("pc5"), lit(true).alias("in_areas")]);
    let orphans = inputs
        .norm
        .clone()
        .left_join(area_keys, col("pc5"), col("pc5"))
        .filter(col("in_areas").is_null())
        .select([
            len().cast(DataType::Int64).alias("rows"),
            p::cents("norm_cost_eur")
                .sum()
                .cast(DataType::Int64)
                .alias("cents"),
        ])
        .collect()?;
    let rows = scalar_i64(&orphans, "rows")?;
    if rows > 0 {
        warnings.push(Problem::warning(
            file,
            Some("pc5"),
            format!(
                "{} (€ {}) with a pc5 missing from `areas`, in no area",
                plural(rows as u64, "norm row"),
                crate::stages::reconcile::eur_text(scalar_i64(&orphans, "cents")?)
            ),
        ));
    }
    Ok(())
}

/// Care-type columns of the published profile, in SPEC order.
pub fn care_type_columns() -> Vec<String> {
    CARE_TYPES
        .iter()
        .map(|ct| format!("zvw_{ct}_per_insured_year"))
        .collect()
}
