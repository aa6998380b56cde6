//! The profile part of a run: sequences the profile, reconciliation and small-cell stages on
//! typed inputs, collecting only where a result is reused: the per-person claim sums (once),
//! the person frame (once) and the small level table. No file I/O here.

use crate::domain::{Level, Period, CARE_TYPES};
use crate::error::{Error, Result};
use crate::problem::{format_problems, plural, Fact, Problem};
use crate::progress::Reporter;
use crate::stages::collect_streaming;
use crate::stages::inputs::claim_identity::{claim_id_conflicts, collect_repeated_ids};
use crate::stages::inputs::claim_sums;
use crate::stages::privacy::profile_cells;
use crate::stages::profile::expected;
use crate::stages::profile::levels::{self as p, Inputs};
use crate::stages::profile::reconcile::{self, Bucket, Ledger};
use polars::prelude::*;

/// What the profile stages produce, suppression included (`execute` collects it; the private
/// cache keeps it).
pub struct Profiled {
    /// The published profile: SPEC 4.1 columns, small cells blanked.
    pub profile: DataFrame,
    /// Counts and cents per area before suppression (never written; for later stages).
    pub raw: DataFrame,
    /// One row per insured person (never written unless asked).
    pub persons: DataFrame,
    pub zvw: crate::stages::profile::reconcile::Ledger,
    pub wmo: crate::stages::profile::reconcile::Ledger,
    pub suppression: crate::stages::privacy::profile_cells::SuppressionCounts,
    pub warnings: Vec<crate::problem::Problem>,
    /// The `gp_practices` list as read (small), when given; not kept in the private cache.
    pub practice_list: Option<DataFrame>,
}

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

fn scalar_i64(df: &DataFrame, name: &str) -> PolarsResult<i64> {
    let v = df.column(name)?.cast(&DataType::Int64)?;
    Ok(v.i64()?.get(0).unwrap_or(0))
}

/// The profile stages on typed inputs: the claim-line pass, the ledgers, the person frame,
/// the levels and small-cell protection. Each step is a plan built by its stage; the collects
/// are here, with what each one holds in memory.
pub fn profile(
    inputs: &Inputs,
    period: &Period,
    min_cell: i64,
    files: &FileNames,
    practice_view: bool,
    cbs_residents: Option<&std::collections::BTreeMap<String, f64>>,
    reporter: &dyn Reporter,
) -> Result<Profiled> {
    let claims_file = files.zvw_claims.as_str();
    let mut warnings = Vec::new();
    // Step timings for `WIJKSCAN_LOG=info` (the manifest has the stage totals).
    let mut laps = crate::progress::Laps::new("profile");
    let mut lap = |step: &str| laps.lap(step);

    // 1. The claim lines: their repeated ids (a pass over the ids), then one streamed query
    // summing them per person (`claim_sums`: over runs of a person first when the first lines
    // come grouped by person, else into a table with one row per person); lines with a
    // repeated id are grouped per claim id in it.
    reporter.start("claims", None);
    let repeated = collect_repeated_ids(&inputs.claims)?;
    lap("repeated claim ids");
    let lines = p::claim_lines(inputs.claims.clone(), &repeated, period)?;
    let grouped = claim_sums::grouped_by_person(&inputs.claims)?;
    let claims_person = claim_sums::claims_by_person(lines, grouped)?;
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

    // 2. The Zvw input total (the buckets are placed by the person join, step 4).
    reporter.start("reconcile", None);
    // The input total, summed over the raw lines independently of the buckets: validation
    // already did it in its pass over the claim lines; scan (streamed) only when it did not.
    let (input_rows, input_cents) = match inputs.claims_total {
        Some(t) => t,
        None => {
            let df = collect_streaming(inputs.claims.clone().select([
                crate::frame::cents("amount_eur").sum().alias("cents"),
                len().cast(DataType::Int64).alias("rows"),
            ]))?;
            (scalar_i64(&df, "rows")?, scalar_i64(&df, "cents")?)
        }
    };
    let zvw_input = Bucket::new("input", input_rows, input_cents);
    lap("zvw input");
    // 3. Wmo provisions (small: hundreds of thousands of rows).
    let wmo_lines = p::wmo_lines(inputs.wmo.clone(), inputs.areas.clone(), period);
    let (wmo_input, wmo_buckets) =
        reconcile::wmo_buckets(&reconcile::wmo_bucket_plan(wmo_lines.clone()).collect()?)?;
    reporter.finish();

    lap("wmo");
    // 4. Persons, once: the frame every later stage reads (one row and ~60 columns per
    // insured person: the largest thing the run holds).
    reporter.start("persons", None);
    let wmo_person = p::wmo_by_person(wmo_lines.clone());
    let mut persons = p::persons(
        inputs.insured.clone(),
        claims_person.clone().lazy(),
        wmo_person,
        inputs.areas.clone(),
    )
    .collect()?;
    // The Zvw buckets (SPEC 3.2 order) from where the person join placed each claim person.
    let (zvw_buckets, unassigned_persons) =
        reconcile::zvw_buckets_placed(&claims_person, &persons)?;
    drop(claims_person);
    persons.drop_in_place(reconcile::PLACED_LINES)?;
    // A period none of whose claims fall in it profiles € 0 everywhere: say so, never silently.
    let in_period: i64 = zvw_buckets
        .iter()
        .filter(|b| !b.bucket.starts_with("excluded_"))
        .map(|b| b.rows)
        .sum();
    if input_rows > 0 && in_period == 0 {
        warnings.push(
            Problem::warning(
                claims_file,
                Some("service_date"),
                format!(
                    "all {} fall outside the period {} ({} to {}): every area shows € 0 Zvw \
                 cost; check the period or the extract",
                    plural(input_rows as u64, "claim line"),
                    period.label(),
                    period.start,
                    period.end
                ),
            )
            .with_fact(Fact::AllClaimsOutsidePeriod {
                lines: input_rows as u64,
                period: period.label(),
            }),
        );
    }
    let unassigned = &zvw_buckets[2];
    if unassigned.rows > 0 {
        warnings.push(
            Problem::warning(
                claims_file,
                Some("person_id"),
                format!(
                    "{} in the period (€ {}) of {} not in `insured`, reported as unassigned",
                    plural(unassigned.rows as u64, "claim line"),
                    unassigned.eur,
                    plural(unassigned_persons as u64, "person")
                ),
            )
            .with_fact(Fact::UnassignedClaims {
                lines: unassigned.rows as u64,
                cents: unassigned.cents,
                persons: unassigned_persons as u64,
            }),
        );
    }
    // The GP practice key (SPEC 3.7): the list's ids, `ONBEKEND` for ids it lacks.
    let practice_list = match &inputs.gp_practices {
        Some(l) if practice_view => Some(l.clone().collect()?),
        _ => None,
    };
    let listed: Option<Vec<String>> = match &practice_list {
        Some(l) => Some(
            crate::frame::strings(l, "practice_id")?
                .into_iter()
                .flatten()
                .collect(),
        ),
        None => None,
    };
    let persons = if practice_view {
        crate::stages::practices::plans::with_practice(persons.lazy(), listed.as_deref())
            .collect()?
    } else {
        persons
    };
    if listed.is_some() {
        unknown_practice_warning(&persons, &files.insured, &mut warnings)?;
    }
    let persons = p::flag_high_cost(&persons)?;
    // The age/sex reference rates are a small table; the expected costs join onto persons.
    let reference = expected::reference(persons.clone().lazy()).collect()?;
    let persons = expected::with_expected(persons.lazy(), reference.lazy()).collect()?;
    let onbekend_persons = persons
        .column("in_areas")?
        .bool()?
        .iter()
        .filter(|v| *v == Some(false))
        .count();
    if onbekend_persons > 0 {
        warnings.push(
            Problem::warning(
                &files.insured,
                Some("pc5"),
                format!(
                    "{} in a pc5 missing from `areas`, reported as onbekend gebied",
                    plural(onbekend_persons as u64, "insured person")
                ),
            )
            .with_fact(Fact::OnbekendGebied {
                persons: onbekend_persons as u64,
            }),
        );
    }
    reporter.finish();

    lap("persons");
    // 5. Levels: the person sums once per pc5, rolled up to every level (small frames).
    reporter.start("profile", None);
    // Streamed (faster than in memory): its rows come in another order, but every sum is an
    // integer sum and the levels sort.
    let pc5_sums = collect_streaming(p::pc5_person_sums(persons.clone().lazy()))?;
    let mut frames = Vec::new();
    for level in Level::ALL {
        let df = p::level_frame(
            level,
            &pc5_sums,
            wmo_lines.clone(),
            inputs.norm.clone(),
            inputs.areas.clone(),
        )
        .collect()?;
        frames.push(df);
    }
    let raw = p::stack_levels(frames)?;
    lap("levels");
    let zvw = Ledger::new(
        "zvw_claims",
        zvw_input,
        zvw_buckets,
        reconcile::level_buckets(&raw, "zvw_cents")?,
    );
    let wmo = Ledger::new(
        "wmo_provisions",
        wmo_input,
        wmo_buckets,
        reconcile::level_buckets(&raw, "wmo_cents")?,
    );
    zvw.check()?;
    wmo.check()?;
    let orphans = p::norm_orphans(inputs.norm.clone(), inputs.areas.clone()).collect()?;
    norm_warning(&orphans, &files.norm_costs, &mut warnings)?;

    lap("ledgers");
    let raw = with_residents_source(raw, cbs_residents)?;
    let derived = p::derive(raw.clone().lazy()).collect()?;
    mismatch_warning(&derived, &files.norm_costs, &mut warnings)?;
    let (profile, suppression) = profile_cells::protect(&raw, derived, min_cell)?;
    lap("suppression");
    reporter.finish();
    Ok(Profiled {
        practice_list,
        profile,
        raw,
        persons,
        zvw,
        wmo,
        suppression,
        warnings,
    })
}

/// Residents from CBS kerncijfers (issue #10) for buurt, wijk and gemeente rows whose `areas`
/// residents are all unknown, and `residents_source` saying which (`areas`, `cbs`, or null).
fn with_residents_source(
    mut raw: DataFrame,
    cbs: Option<&std::collections::BTreeMap<String, f64>>,
) -> Result<DataFrame> {
    let levels = crate::frame::strings(&raw, "level")?;
    let codes = crate::frame::strings(&raw, "area_code")?;
    let residents: Vec<Option<i64>> = raw
        .column("residents")?
        .cast(&DataType::Int64)?
        .i64()?
        .iter()
        .collect();
    let mut filled = Vec::with_capacity(raw.height());
    let mut source: Vec<Option<&str>> = Vec::with_capacity(raw.height());
    for i in 0..raw.height() {
        let from_cbs = match (residents[i], cbs, levels[i].as_deref(), &codes[i]) {
            (None, Some(map), Some("buurt" | "wijk" | "gemeente"), Some(code)) => {
                map.get(code).map(|r| r.round() as i64)
            }
            _ => None,
        };
        filled.push(residents[i].or(from_cbs));
        source.push(residents[i].map(|_| "areas").or(from_cbs.map(|_| "cbs")));
    }
    raw.with_column(Column::new("residents".into(), filled))?;
    raw.with_column(Column::new("residents_source".into(), source))?;
    Ok(raw)
}

/// Persons registered with a practice the `gp_practices` list lacks: counted under "praktijk
/// onbekend", with the ids named.
fn unknown_practice_warning(
    persons: &DataFrame,
    file: &str,
    warnings: &mut Vec<Problem>,
) -> Result<()> {
    let unknown = persons
        .clone()
        .lazy()
        .filter(col(crate::columns::PRACTICE).eq(lit(crate::stages::practices::plans::UNKNOWN)))
        .group_by([col("gp_practice_id")])
        .agg([len().alias("n")])
        .sort(["gp_practice_id"], SortMultipleOptions::default())
        .collect()?;
    if unknown.height() == 0 {
        return Ok(());
    }
    let persons_n: i64 = crate::frame::counts(&unknown, "n")?.iter().sum();
    let ids: Vec<String> = crate::frame::strings(&unknown, "gp_practice_id")?
        .into_iter()
        .flatten()
        .take(5)
        .collect();
    warnings.push(Problem::warning(
        file,
        Some("gp_practice_id"),
        format!(
            "{} registered with {} not in `gp_practices` (e.g. {}), counted under \"praktijk onbekend\"",
            plural(persons_n as u64, "insured person"),
            plural(unknown.height() as u64, "practice id"),
            ids.join(", ")
        ),
    )
    .with_fact(Fact::UnknownPractice {
        persons: persons_n as u64,
        practices: unknown.height() as u64,
    }));
    Ok(())
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
        warnings.push(
            Problem::warning(
                file,
                Some("insured_years"),
                format!(
                "{} where norm insured years differ from insured years by more than 2% (e.g. {})",
                plural(off.height() as u64, "pc5 area"),
                codes.join(", ")
            ),
            )
            .with_fact(Fact::InsuredYearsMismatch {
                areas: off.height() as u64,
            }),
        );
    }
    Ok(())
}

/// Norm rows whose pc5 is not in `areas` cannot be placed: say so rather than drop them
/// quietly (`orphans`: the one-row result of `profile::norm_orphans`).
fn norm_warning(orphans: &DataFrame, file: &str, warnings: &mut Vec<Problem>) -> Result<()> {
    let rows = scalar_i64(orphans, "rows")?;
    if rows > 0 {
        warnings.push(
            Problem::warning(
                file,
                Some("pc5"),
                format!(
                    "{} (€ {}) with a pc5 missing from `areas`, in no area",
                    plural(rows as u64, "norm row"),
                    crate::stages::profile::reconcile::eur_text(scalar_i64(orphans, "cents")?)
                ),
            )
            .with_fact(Fact::NormOutsideAreas {
                rows: rows as u64,
                cents: scalar_i64(orphans, "cents")?,
            }),
        );
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
