//! Both populations per focus area: its residents against the patients of the practices
//! located in it, with the cells the area profile and the cross table hide kept hidden.

use super::plans::{attributed, days_plan, NORM_SCALE};
use super::tables::area_names;
use super::view::{Context, Row};
use crate::columns::{ct_col, PRACTICE};
use crate::domain::{Level, CARE_TYPES, DAYS_PER_YEAR};
use crate::frame::strings;
use crate::stages::privacy::practice_cells;
use polars::prelude::*;
use std::collections::{BTreeMap, HashMap};

/// Per focus area: its residents against the patients of the practices located in it (seed 004
/// §3.2): size, overlap both ways, cost per insured year, O/E, top care types.
#[allow(clippy::too_many_arguments)]
pub(super) fn populations(
    persons: &DataFrame,
    rates: &HashMap<String, f64>,
    rows: &[Row],
    row_hidden: &[bool],
    cross: &practice_cells::Outcome,
    cells_of_practice: &HashMap<&str, Vec<(&str, usize)>>,
    care_hidden: &[Vec<bool>],
    cx: &Context,
) -> PolarsResult<DataFrame> {
    // Looked up once: at an insurer's scale there are thousands of practices and tens of
    // thousands of profile rows, so a scan per focus area would be quadratic.
    let profile_row = profile_rows(cx)?;
    let mut by_level: BTreeMap<Level, Vec<String>> = BTreeMap::new();
    for a in cx.focus_areas {
        if let Some(l) = Level::of_code(a) {
            by_level.entry(l).or_default().push(a.clone());
        }
    }
    let mut out: Vec<PopulationRow> = Vec::new();
    for (level, areas) in by_level {
        let Some(code_col) = level.code_column() else {
            continue;
        };
        // The location of each practice at this level.
        let loc: Vec<(String, String)> = rows
            .iter()
            .filter_map(|r| {
                let l = &r.location;
                let code = match level {
                    Level::Buurt => l.buurt.clone(),
                    Level::Wijk => l.wijk.clone(),
                    Level::Gemeente => l.gemeente.clone(),
                    _ => None,
                }?;
                Some((r.key.clone(), code))
            })
            .collect();
        let loc_df = df!(
            PRACTICE => loc.iter().map(|x| x.0.clone()).collect::<Vec<_>>(),
            "__loc" => loc.iter().map(|x| x.1.clone()).collect::<Vec<_>>(),
        )?;
        let mut aggs = vec![
            len().cast(DataType::Int64).alias("persons"),
            col("insured_days")
                .sum()
                .cast(DataType::Int64)
                .alias("days"),
            col("zvw_cents").sum().cast(DataType::Int64).alias("cents"),
        ];
        for ct in CARE_TYPES {
            aggs.push(col(ct_col(ct).as_str()).sum().alias(ct_col(ct).as_str()));
        }
        let located_persons = persons.clone().lazy().filter(col("in_areas")).left_join(
            loc_df.lazy(),
            col(PRACTICE),
            col(PRACTICE),
        );
        let pairs = located_persons
            .clone()
            .group_by([col(code_col).alias("__home"), col("__loc")])
            .agg(aggs)
            .collect()?;
        // The norm of both populations on one basis: each person's pc5 rate × insured years.
        let norm_days = days_plan(
            located_persons,
            vec![col(code_col).alias("__home"), col("__loc")],
        )
        .collect()?;
        let norms = attributed(&norm_days, &["__home", "__loc"], rates)?;
        let home = strings(&pairs, "__home")?;
        let at = strings(&pairs, "__loc")?;
        let ints = |c: &str| crate::frame::counts(&pairs, c);
        let (p, d, c) = (ints("persons")?, ints("days")?, ints("cents")?);
        let cts: Vec<Vec<i64>> = CARE_TYPES
            .iter()
            .map(|ct| ints(&ct_col(ct)))
            .collect::<PolarsResult<_>>()?;
        let pair_norm: Vec<(i64, i64)> = (0..pairs.height())
            .map(|i| {
                norms
                    .get(&vec![home[i].clone(), at[i].clone()])
                    .copied()
                    .unwrap_or((0, 0))
            })
            .collect();
        // The pairs touching each area (as home or as location), and the practices located in it.
        let mut pairs_of: HashMap<&str, Vec<usize>> = HashMap::new();
        for i in 0..pairs.height() {
            if let Some(h) = home[i].as_deref() {
                pairs_of.entry(h).or_default().push(i);
            }
            if let Some(l) = at[i].as_deref() {
                if home[i].as_deref() != Some(l) {
                    pairs_of.entry(l).or_default().push(i);
                }
            }
        }
        let located_at: std::collections::HashSet<(&str, &str)> =
            loc.iter().map(|(k, c)| (k.as_str(), c.as_str())).collect();
        for area in areas {
            let mut res = Sums::new();
            let mut pat = Sums::new();
            let mut both = 0i64;
            for &i in pairs_of
                .get(area.as_str())
                .map(Vec::as_slice)
                .unwrap_or(&[])
            {
                let is_home = home[i].as_deref() == Some(area.as_str());
                let is_loc = at[i].as_deref() == Some(area.as_str());
                let (nf, nd) = pair_norm[i];
                let add = |s: &mut Sums| {
                    s.persons += p[i];
                    s.days += d[i];
                    s.cents += c[i];
                    s.norm_fixed += nf;
                    s.norm_days += nd;
                    for (k, v) in cts.iter().enumerate() {
                        s.ct[k] += v[i];
                    }
                };
                if is_home {
                    add(&mut res);
                }
                if is_loc {
                    add(&mut pat);
                }
                if is_home && is_loc {
                    both += p[i];
                }
            }
            let located: Vec<usize> = rows
                .iter()
                .enumerate()
                .filter(|(_, r)| located_at.contains(&(r.key.as_str(), area.as_str())))
                .map(|(i, _)| i)
                .collect();
            // The residents' figures are the area profile's; the patients' are the sum of the
            // located practices' rows, so one hidden practice hides them; the overlap is a sum
            // of cross cells (practice located here × area within here) where the cross level
            // lies within the focus area.
            let area_hidden = area_suppressed(cx, &profile_row, &area)?;
            let patients_hidden = located.iter().any(|&i| row_hidden[i])
                || (pat.persons > 0 && pat.persons < cx.min_cell);
            let small = |n: i64| n > 0 && n < cx.min_cell;
            let overlap_cells_hidden = located.iter().any(|&i| {
                cells_of_practice
                    .get(rows[i].key.as_str())
                    .is_some_and(|cells| {
                        cells.iter().any(|&(a, c)| {
                            cross.hidden[c]
                                && level.ancestor_of(a).as_deref() == Some(area.as_str())
                        })
                    })
            });
            // A focus area finer than the cross table: its overlap beside a published cross cell
            // would count the practice's patients in the rest of that cell.
            let finer = level < cx.cross_level;
            let overlap_hidden = area_hidden
                || finer
                || patients_hidden
                || small(both)
                || small(res.persons - both)
                || small(pat.persons - both)
                || overlap_cells_hidden;
            // The largest care types by name, among the care types published for the residents
            // (the profile's row) and for every located practice: a hidden cell is never ranked.
            let shown = profile_care_shown(cx, &profile_row, &area)?;
            for (k, ok) in shown.iter().enumerate() {
                if !ok {
                    res.ct[k] = 0;
                }
                if located.iter().any(|&i| care_hidden[i][k]) {
                    pat.ct[k] = 0;
                }
            }
            out.push(PopulationRow {
                area_code: area.clone(),
                level,
                practices: located.len() as i64,
                residents: (!area_hidden).then_some(res),
                patients: (!patients_hidden && !located.is_empty()).then_some(pat),
                overlap: (!overlap_hidden && !located.is_empty()).then_some(both),
            });
        }
    }
    population_frame(&out, cx)
}

/// The area profile's row of each area code (the first, as a scan would find it).
fn profile_rows(cx: &Context) -> PolarsResult<HashMap<String, usize>> {
    let mut out = HashMap::new();
    for (i, c) in strings(cx.area_profile, "area_code")?
        .into_iter()
        .enumerate()
    {
        if let Some(c) = c {
            out.entry(c).or_insert(i);
        }
    }
    Ok(out)
}

/// Per care type: whether the profile publishes the area's cell.
fn profile_care_shown(
    cx: &Context,
    profile_row: &HashMap<String, usize>,
    code: &str,
) -> PolarsResult<Vec<bool>> {
    let Some(&i) = profile_row.get(code) else {
        return Ok(vec![false; CARE_TYPES.len()]);
    };
    CARE_TYPES
        .iter()
        .map(|ct| {
            let name = format!("zvw_{ct}_per_insured_year");
            Ok(match cx.area_profile.column(&name) {
                Ok(c) => !c.get(i)?.is_null(),
                Err(_) => false,
            })
        })
        .collect()
}

fn area_suppressed(
    cx: &Context,
    profile_row: &HashMap<String, usize>,
    code: &str,
) -> PolarsResult<bool> {
    let sup = cx.area_profile.column("suppressed")?.bool()?;
    Ok(profile_row
        .get(code)
        .is_none_or(|&i| sup.get(i).unwrap_or(true)))
}

#[derive(Debug, Clone)]
struct Sums {
    persons: i64,
    days: i64,
    cents: i64,
    norm_fixed: i64,
    norm_days: i64,
    ct: Vec<i64>,
}

impl Sums {
    fn new() -> Sums {
        Sums {
            persons: 0,
            days: 0,
            cents: 0,
            norm_fixed: 0,
            norm_days: 0,
            ct: vec![0; CARE_TYPES.len()],
        }
    }
    fn piy(&self) -> Option<f64> {
        (self.days > 0).then(|| self.cents as f64 / 100.0 / (self.days as f64 / DAYS_PER_YEAR))
    }
    fn oe(&self) -> Option<f64> {
        let ny = self.norm_days as f64 / DAYS_PER_YEAR;
        let n = (ny > 0.0).then(|| self.norm_fixed as f64 / NORM_SCALE / ny)?;
        (n > 0.0).then_some(self.piy()? / n)
    }
    /// The three care types with the most cost, by name (shares could give a hidden
    /// care-type cell of the profile or of a practice back).
    fn top(&self) -> Option<String> {
        if self.ct.iter().all(|&c| c <= 0) {
            return None;
        }
        let mut idx: Vec<usize> = (0..self.ct.len()).collect();
        idx.sort_by_key(|&k| (-self.ct[k], k));
        Some(
            idx.iter()
                .take(3)
                .filter(|&&k| self.ct[k] > 0)
                .map(|&k| CARE_TYPES[k])
                .collect::<Vec<_>>()
                .join(", "),
        )
    }
}

struct PopulationRow {
    area_code: String,
    level: Level,
    practices: i64,
    residents: Option<Sums>,
    patients: Option<Sums>,
    overlap: Option<i64>,
}

fn population_frame(rows: &[PopulationRow], cx: &Context) -> PolarsResult<DataFrame> {
    let names = area_names(cx.area_raw)?;
    // The residents' cost and O/E are the area profile's own published figures.
    let codes = strings(cx.area_profile, "area_code")?;
    let piy = crate::frame::floats(cx.area_profile, "zvw_cost_per_insured_year")?;
    let profile_of = |code: &str, v: &[Option<f64>]| {
        codes
            .iter()
            .position(|c| c.as_deref() == Some(code))
            .and_then(|i| v[i])
    };
    let opt = |s: &Option<Sums>, f: &dyn Fn(&Sums) -> Option<f64>| s.as_ref().and_then(f);
    let share = |a: Option<i64>, b: Option<&Sums>| match (a, b) {
        (Some(a), Some(b)) if b.persons > 0 => Some(a as f64 / b.persons as f64),
        _ => None,
    };
    df!(
        "area_code" => rows.iter().map(|r| r.area_code.clone()).collect::<Vec<_>>(),
        "area_name" => rows.iter().map(|r| names.get(&r.area_code).cloned()).collect::<Vec<_>>(),
        "level" => rows.iter().map(|r| r.level.as_str()).collect::<Vec<_>>(),
        "practices_located" => rows.iter().map(|r| r.practices).collect::<Vec<_>>(),
        "residents" => rows.iter().map(|r| r.residents.as_ref().map(|s| s.persons)).collect::<Vec<_>>(),
        "patients" => rows.iter().map(|r| r.patients.as_ref().map(|s| s.persons)).collect::<Vec<_>>(),
        "overlap" => rows.iter().map(|r| r.overlap).collect::<Vec<_>>(),
        "share_of_residents_registered_here" => rows.iter().map(|r| share(r.overlap, r.residents.as_ref())).collect::<Vec<_>>(),
        "share_of_patients_living_here" => rows.iter().map(|r| share(r.overlap, r.patients.as_ref())).collect::<Vec<_>>(),
        "residents_cost_per_insured_year" => rows.iter().map(|r| r.residents.as_ref().and_then(|_| profile_of(&r.area_code, &piy))).collect::<Vec<_>>(),
        "patients_cost_per_insured_year" => rows.iter().map(|r| opt(&r.patients, &|s| s.piy())).collect::<Vec<_>>(),
        "residents_oe_ratio" => rows.iter().map(|r| opt(&r.residents, &|s| s.oe())).collect::<Vec<_>>(),
        "patients_oe_ratio" => rows.iter().map(|r| opt(&r.patients, &|s| s.oe())).collect::<Vec<_>>(),
        "residents_top_care_types" => rows.iter().map(|r| r.residents.as_ref().and_then(Sums::top)).collect::<Vec<_>>(),
        "patients_top_care_types" => rows.iter().map(|r| r.patients.as_ref().and_then(Sums::top)).collect::<Vec<_>>(),
    )
}
