//! The GP-practice view beside the neighbourhood view (SPEC 3.7; seed 004 §3.2): each
//! practice's registered population profiled like an area, the practice × area cross table
//! ("who lives where"), both populations per focus area, and funnel flags per practice.
//!
//! - Every insured person in a known area lands in exactly one practice bucket: a practice,
//!   `ONBEKEND` (an id the `gp_practices` list does not know) or `NIET_INGESCHREVEN` (no
//!   practice). The ledger checks that the buckets add up to the area total to the cent.
//!   Persons in "onbekend gebied" are in the area ledger's own bucket and not here.
//! - The norm of a practice is attributed from where its patients live: the norm per insured
//!   year of each patient's pc5 × the patient's insured years; O/E and resultaat follow SPEC 3.1
//!   per insured year.
//! - A practice's location is its `gp_practices` pc5 (or `location_wijk_code`); without the
//!   list, the wijk where most of its patients live (ties: the lowest code), and the run says so.
//! - Small cells (SPEC 3.3): the practice table is protected like a level under the total
//!   (`stages::privacy::area_tree`), the cross table against all three linked tables
//!   (`stages::privacy::practice_cells`).
//!
//! Everything here works on the person frame (one group-by per table) and small frames.

use crate::columns::{ct_col, ct_contrib, PRACTICE};
use crate::domain::{Level, CARE_TYPES, DAYS_PER_YEAR};
use crate::stages::outliers::basis::GroupSums;
use crate::stages::privacy::area_tree::{self, Metric, Tree};
use crate::stages::privacy::practice_cells;
use crate::stats::overdispersion::Method;
use crate::stats::{funnel, overdispersion, Limit};
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Practice key of persons registered with an id the `gp_practices` list does not hold.
pub const UNKNOWN: &str = "ONBEKEND";
/// Practice key of persons registered with no practice.
pub const NOT_REGISTERED: &str = "NIET_INGESCHREVEN";
/// Fingertips' National General Practice Profiles flag no practice under this many
/// registered persons.
pub const MIN_FLAG_PERSONS: i64 = 750;

/// Adds the practice key (`columns::PRACTICE`) to the person frame; `listed` holds the ids of
/// the `gp_practices` list when there is one.
pub fn with_practice(persons: LazyFrame, listed: Option<&[String]>) -> LazyFrame {
    // A blank id is no registration either.
    let id = col("gp_practice_id");
    let blank = id
        .clone()
        .str()
        .strip_chars(lit(NULL))
        .str()
        .len_bytes()
        .eq(lit(0u32));
    let id = when(blank)
        .then(lit(NULL).cast(DataType::String))
        .otherwise(id);
    let key = match listed {
        None => when(id.clone().is_null())
            .then(lit(NOT_REGISTERED))
            .otherwise(id),
        Some(ids) => {
            let known = lit(Series::new("".into(), ids.to_vec())).implode(false);
            when(id.clone().is_null())
                .then(lit(NOT_REGISTERED))
                .when(id.clone().is_in(known, false).not())
                .then(lit(UNKNOWN))
                .otherwise(id)
        }
    };
    persons.with_columns([key.alias(PRACTICE)])
}

/// Plan: the raw sums per practice key over persons in known areas (the area profile's person
/// sums, the patients with Wmo and the attributed norm).
pub fn raw_plan(persons: LazyFrame) -> LazyFrame {
    // The area rows' own sums, and the patients with Wmo, in one pass.
    let mut aggs = crate::stages::profile::levels::person_agg_exprs();
    aggs.push(
        col("wmo_types")
            .gt(lit(0i64))
            .cast(DataType::Int64)
            .sum()
            .alias("wmo_clients"),
    );
    persons
        .filter(col("in_areas"))
        .group_by([col(PRACTICE).alias("practice_id")])
        .agg(aggs)
}

/// Fixed-point scale of attributed norms (1/10,000 euro).
const NORM_SCALE: f64 = 1e4;

/// The norm per insured year of each pc5 of `norm_costs` (SPEC 3.1: cost / insured years).
fn norm_rates(norm: LazyFrame) -> PolarsResult<HashMap<String, f64>> {
    let df = norm
        .select([col("pc5"), col("norm_cost_eur"), col("insured_years")])
        .collect()?;
    let pc5 = strs(&df, "pc5")?;
    let (cost, years) = (
        crate::frame::floats(&df, "norm_cost_eur")?,
        crate::frame::floats(&df, "insured_years")?,
    );
    Ok((0..df.height())
        .filter_map(|i| match (&pc5[i], cost[i], years[i]) {
            (Some(p), Some(c), Some(y)) if y > 0.0 => Some((p.clone(), c / y)),
            _ => None,
        })
        .collect())
}

/// The norm attributed to groups of persons (SPEC 3.7): per group, Σ over its pc5s of the pc5's
/// norm per insured year × the group's insured years there, in 1/10,000 euro, and the insured
/// days it covers (persons in a pc5 without norm have none). `days` holds the group key columns,
/// `pc5` and `days`. Computed here rather than in a query, so that every run gives the same last
/// digit (polars may divide by a literal as a multiplication by its reciprocal).
fn attributed(
    days: &DataFrame,
    keys: &[&str],
    rates: &HashMap<String, f64>,
) -> PolarsResult<Attributed> {
    let key_cols: Vec<Vec<Option<String>>> = keys
        .iter()
        .map(|k| strs(days, k))
        .collect::<PolarsResult<_>>()?;
    let pc5 = strs(days, "pc5")?;
    let d = crate::frame::counts(days, "days")?;
    let mut out: Attributed = HashMap::new();
    for i in 0..days.height() {
        let Some(rate) = pc5[i].as_ref().and_then(|p| rates.get(p)) else {
            continue;
        };
        let key: Vec<Option<String>> = key_cols.iter().map(|c| c[i].clone()).collect();
        let e = out.entry(key).or_insert((0, 0));
        e.0 += (rate * d[i] as f64 / DAYS_PER_YEAR * NORM_SCALE).round() as i64;
        e.1 += d[i];
    }
    Ok(out)
}

/// Per group key: (attributed norm in 1/10,000 euro, insured days covered).
type Attributed = HashMap<Vec<Option<String>>, (i64, i64)>;

/// Plan: insured days per group of `keys` × pc5 over persons in known areas.
fn days_plan(persons: LazyFrame, keys: Vec<Expr>) -> LazyFrame {
    let mut by = keys;
    by.push(col("pc5"));
    persons
        .filter(col("in_areas"))
        .group_by(by)
        .agg([col("insured_days")
            .sum()
            .cast(DataType::Int64)
            .alias("days")])
}

/// Plan: persons, insured days and cents per practice key × area of `level`.
pub fn cross_plan(persons: LazyFrame, level: Level) -> LazyFrame {
    let code = level.code_column().unwrap_or("gemeente_code");
    persons
        .filter(col("in_areas"))
        .group_by([col(PRACTICE), col(code).alias("area_code")])
        .agg([
            len().cast(DataType::Int64).alias("persons"),
            col("insured_days")
                .sum()
                .cast(DataType::Int64)
                .alias("days"),
            col("zvw_cents").sum().cast(DataType::Int64).alias("cents"),
        ])
        .sort([PRACTICE, "area_code"], SortMultipleOptions::default())
}

/// A practice's location.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Location {
    pub pc5: Option<String>,
    pub buurt: Option<String>,
    pub wijk: Option<String>,
    pub gemeente: Option<String>,
    /// `gp_practices` or `patients` (where most patients live).
    pub source: Option<&'static str>,
}

/// One row of the practice table before publication.
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub key: String,
    pub name: String,
    pub kind: &'static str,
    pub location: Location,
    pub persons: i64,
    pub days: i64,
    pub cents: i64,
    pub ct_cents: Vec<i64>,
    pub ct_contrib: Vec<i64>,
    pub n_75plus: i64,
    pub multi_care: i64,
    pub wmo_clients: i64,
    pub norm_eur: Option<f64>,
    pub norm_days: i64,
    pub own_wijk: i64,
}

impl Row {
    fn years(&self) -> f64 {
        self.days as f64 / DAYS_PER_YEAR
    }
    fn zvw_piy(&self) -> Option<f64> {
        (self.days > 0).then(|| self.cents as f64 / 100.0 / self.years())
    }
    fn norm_piy(&self) -> Option<f64> {
        let y = self.norm_days as f64 / DAYS_PER_YEAR;
        self.norm_eur.filter(|_| y > 0.0).map(|n| n / y)
    }
    pub fn oe(&self) -> Option<f64> {
        let n = self.norm_piy()?;
        (n > 0.0).then_some(self.zvw_piy()? / n)
    }
}

/// The practice bucket ledger (SPEC 3.2's discipline for the practice view).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Ledger {
    /// The area total (persons in known areas).
    pub area_persons: i64,
    pub area_eur: String,
    pub buckets: Vec<LedgerBucket>,
    pub balanced: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LedgerBucket {
    pub bucket: String,
    pub practices: usize,
    pub persons: i64,
    pub eur: String,
}

/// The practice outlier fit, for the manifest and the report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Fit {
    pub min_persons: i64,
    pub judged: usize,
    pub too_small: usize,
    pub phi: Option<f64>,
    /// τ² (METHODS 4), used where `[outliers] overdispersion = "additive"`.
    #[serde(default)]
    pub tau2: Option<f64>,
    pub flags: usize,
    pub flags_vs_gemeente: usize,
    /// Against the whole extract's own capped O/E (`extract_oe_for_flags`).
    #[serde(default)]
    pub flags_vs_extract: usize,
    #[serde(default)]
    pub extract_oe_for_flags: Option<f64>,
    /// For the funnel chart's limits: pooled s and the extract's κ × norm per insured year.
    pub sigma_eur: f64,
    pub norm_per_insured_year: Option<f64>,
}

/// How many cells the practice view hid.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Suppression {
    pub practice_rows_primary: usize,
    pub practice_rows_secondary: usize,
    pub practice_cells_primary: usize,
    pub practice_cells_secondary: usize,
    pub cross_primary: usize,
    pub cross_secondary: usize,
    pub cross_unresolved: usize,
}

/// What the practice view publishes.
pub struct PracticeView {
    /// `practices`: one row per practice and bucket.
    pub table: DataFrame,
    /// `practice_areas`: practice × area of the cross level.
    pub cross: DataFrame,
    /// `focus_populations`: per focus area, residents against patients of its practices.
    pub populations: DataFrame,
    pub ledger: Ledger,
    pub fit: Fit,
    pub suppression: Suppression,
    /// True when no `gp_practices` list was given (locations from the patients).
    pub located_by_patients: bool,
    pub cross_level: Level,
}

/// The inputs of the view besides the person frame.
pub struct Context<'a> {
    /// The `gp_practices` list (practice_id, practice_name, pc5, location_wijk_code).
    pub list: Option<&'a DataFrame>,
    pub norm: LazyFrame,
    pub areas: LazyFrame,
    /// The area profile before suppression and as published (same rows).
    pub area_raw: &'a DataFrame,
    pub area_profile: &'a DataFrame,
    /// Per area row: the O/E the area flags judged (capped), for "against the gemeente".
    pub area_oe_for_flags: &'a [Option<f64>],
    /// The total cost's flag basis per practice key, κ and pooled s.
    pub basis: &'a BTreeMap<String, GroupSums>,
    pub kappa: f64,
    pub pooled_s: f64,
    pub capped: bool,
    /// The run's `[outliers]` settings: how φ is estimated and the limits widened.
    pub outliers: crate::stages::outliers::flags::Settings,
    pub focus_areas: &'a [String],
    pub min_cell: i64,
    pub cross_level: Level,
}

fn strs(df: &DataFrame, c: &str) -> PolarsResult<Vec<Option<String>>> {
    crate::frame::strings(df, c)
}

/// Builds the practice view from the person frame (with the practice key).
pub fn build(persons: &DataFrame, cx: &Context) -> PolarsResult<PracticeView> {
    let raw = raw_plan(persons.clone().lazy()).collect()?;
    let rates = norm_rates(cx.norm.clone())?;
    let practice_days = days_plan(persons.clone().lazy(), vec![col(PRACTICE)]).collect()?;
    let practice_norm = attributed(&practice_days, &[PRACTICE], &rates)?;
    let wijk_cross = cross_plan(persons.clone().lazy(), Level::Wijk).collect()?;
    let cross = if cx.cross_level == Level::Wijk {
        wijk_cross.clone()
    } else {
        cross_plan(persons.clone().lazy(), cx.cross_level).collect()?
    };
    let area_codes = cx
        .areas
        .clone()
        .select([
            col("pc5"),
            col("buurt_code"),
            col("wijk_code"),
            col("gemeente_code"),
        ])
        .collect()?;
    let mut rows = rows_of(&raw, cx.list)?;
    for r in &mut rows {
        if let Some(&(fixed, days)) = practice_norm.get(&vec![Some(r.key.clone())]) {
            r.norm_eur = Some(fixed as f64 / NORM_SCALE);
            r.norm_days = days;
        }
    }
    locate(&mut rows, cx.list, &area_codes, &wijk_cross)?;
    // Persons living in the practice's own wijk.
    let wk = strs(&wijk_cross, PRACTICE)?;
    let wa = strs(&wijk_cross, "area_code")?;
    let wp = crate::frame::counts(&wijk_cross, "persons")?;
    let mut own: HashMap<(String, String), i64> = HashMap::new();
    for i in 0..wijk_cross.height() {
        if let (Some(k), Some(a)) = (&wk[i], &wa[i]) {
            own.insert((k.clone(), a.clone()), wp[i]);
        }
    }
    for r in &mut rows {
        if let Some(w) = &r.location.wijk {
            r.own_wijk = own.get(&(r.key.clone(), w.clone())).copied().unwrap_or(0);
        }
    }

    // Small cells of the practice table: a level of its own under the total.
    let total_persons: i64 = rows.iter().map(|r| r.persons).sum();
    let mut parent = vec![None];
    parent.extend(rows.iter().map(|_| Some(0)));
    let mut persons_n = vec![total_persons];
    persons_n.extend(rows.iter().map(|r| r.persons));
    let with_root = |f: &dyn Fn(&Row) -> i64| -> Vec<i64> {
        let mut v = vec![rows.iter().map(f).sum()];
        v.extend(rows.iter().map(f));
        v
    };
    let mut metrics: Vec<Metric> = Vec::new();
    for (k, ct) in CARE_TYPES.iter().enumerate() {
        metrics.push(Metric {
            name: format!("zvw_{ct}"),
            contributors: with_root(&|r: &Row| r.ct_contrib[k]),
            row_group: Some("zvw_care_types".into()),
            total_of: None,
        });
    }
    metrics.push(Metric {
        name: "wmo_clients".into(),
        contributors: with_root(&|r: &Row| r.wmo_clients),
        row_group: None,
        total_of: None,
    });
    metrics.push(Metric {
        name: "multi_care_persons".into(),
        contributors: with_root(&|r: &Row| r.multi_care),
        row_group: None,
        total_of: None,
    });
    metrics.push(Metric {
        name: "share_75plus".into(),
        contributors: with_root(&|r: &Row| r.n_75plus),
        row_group: None,
        total_of: None,
    });
    let tree = Tree {
        parent,
        persons: persons_n,
    };
    let outcome = area_tree::suppress(&tree, &metrics, cx.min_cell);
    let table_hidden: Vec<bool> = outcome.row_hidden[1..].to_vec();
    let cell_hidden = |m: usize, i: usize| outcome.cell_hidden[m][i + 1];

    // The cross table against the three linked tables; it may hide a practice row more.
    let (cross_df, cross_outcome, cell_of) = protect_cross(&rows, &table_hidden, &cross, cx)?;
    let row_hidden = cross_outcome.row_hidden.clone();

    // share_own_wijk is a cross cell over the practice's persons: hidden with that cell.
    // (at buurt level the own wijk is a sum of buurt cells: any hidden one hides the share).
    let cells_of_practice = by_practice(&cell_of);
    let own_hidden: Vec<bool> = rows
        .iter()
        .map(|r| {
            r.location.wijk.as_ref().is_some_and(|w| {
                cells_of_practice.get(r.key.as_str()).is_some_and(|cells| {
                    cells.iter().any(|&(a, c)| {
                        cross_outcome.hidden[c]
                            && Level::Wijk.ancestor_of(a).as_deref() == Some(w.as_str())
                    })
                })
            })
        })
        .collect();

    let (flags, fit) = judge(&rows, &row_hidden, cx)?;
    let table = publish(&rows, &row_hidden, &cell_hidden, &own_hidden, &flags, cx)?;
    let care_hidden: Vec<Vec<bool>> = (0..rows.len())
        .map(|i| (0..CARE_TYPES.len()).map(|k| cell_hidden(k, i)).collect())
        .collect();
    let populations = populations(
        persons,
        &rates,
        &rows,
        &row_hidden,
        &cross_outcome,
        &cells_of_practice,
        &care_hidden,
        cx,
    )?;
    let ledger = ledger(&rows, cx.area_raw)?;
    let suppression = Suppression {
        practice_rows_primary: outcome.row_primary[1..].iter().filter(|&&h| h).count(),
        practice_rows_secondary: row_hidden.iter().filter(|&&h| h).count()
            - outcome.row_primary[1..].iter().filter(|&&h| h).count(),
        practice_cells_primary: outcome
            .cell_primary
            .iter()
            .map(|m| m[1..].iter().filter(|&&h| h).count())
            .sum(),
        practice_cells_secondary: outcome
            .cell_hidden
            .iter()
            .zip(&outcome.cell_primary)
            .map(|(h, p)| {
                h[1..]
                    .iter()
                    .zip(&p[1..])
                    .filter(|(h, p)| **h && !**p)
                    .count()
            })
            .sum(),
        cross_primary: cross_outcome.primary,
        cross_secondary: cross_outcome.secondary,
        cross_unresolved: cross_outcome.unresolved,
    };
    Ok(PracticeView {
        table,
        cross: cross_df,
        populations,
        ledger,
        fit,
        suppression,
        located_by_patients: cx.list.is_none(),
        cross_level: cx.cross_level,
    })
}

/// Rows in publication order: practices by id, then the two buckets. Practices of the list
/// without any patient in a known area get a row of zeros (they are suppressed as small).
fn rows_of(raw: &DataFrame, list: Option<&DataFrame>) -> PolarsResult<Vec<Row>> {
    let keys = strs(raw, "practice_id")?;
    let ints = |c: &str| crate::frame::counts(raw, c);
    let (persons, days, cents) = (
        ints("insured_persons")?,
        ints("insured_days")?,
        ints("zvw_cents")?,
    );
    let (n75, multi, wmo) = (
        ints("n_75plus")?,
        ints("multi_care_persons")?,
        ints("wmo_clients")?,
    );

    let ct_cents: Vec<Vec<i64>> = CARE_TYPES
        .iter()
        .map(|ct| ints(&ct_col(ct)))
        .collect::<PolarsResult<_>>()?;
    let ct_n: Vec<Vec<i64>> = CARE_TYPES
        .iter()
        .map(|ct| ints(&ct_contrib(ct)))
        .collect::<PolarsResult<_>>()?;
    let names: HashMap<String, String> = match list {
        Some(l) => strs(l, "practice_id")?
            .into_iter()
            .zip(strs(l, "practice_name")?)
            .filter_map(|(k, n)| Some((k?, n.unwrap_or_default())))
            .collect(),
        None => HashMap::new(),
    };
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    for i in 0..raw.height() {
        let Some(key) = keys[i].clone() else { continue };
        let kind = match key.as_str() {
            UNKNOWN => "praktijk_onbekend",
            NOT_REGISTERED => "niet_ingeschreven",
            _ => "praktijk",
        };
        let name = match kind {
            "praktijk_onbekend" => "praktijk onbekend".to_string(),
            "niet_ingeschreven" => "niet ingeschreven".to_string(),
            _ => names.get(&key).cloned().unwrap_or_default(),
        };
        rows.insert(
            key.clone(),
            Row {
                key,
                name,
                kind,
                persons: persons[i],
                days: days[i],
                cents: cents[i],
                ct_cents: ct_cents.iter().map(|c| c[i]).collect(),
                ct_contrib: ct_n.iter().map(|c| c[i]).collect(),
                n_75plus: n75[i],
                multi_care: multi[i],
                wmo_clients: wmo[i],

                ..Row::default()
            },
        );
    }
    for (id, name) in &names {
        rows.entry(id.clone()).or_insert_with(|| Row {
            key: id.clone(),
            name: name.clone(),
            kind: "praktijk",
            ct_cents: vec![0; CARE_TYPES.len()],
            ct_contrib: vec![0; CARE_TYPES.len()],
            ..Row::default()
        });
    }
    let bucket = |k: &str| k == UNKNOWN || k == NOT_REGISTERED;
    let mut out: Vec<Row> = rows.values().filter(|r| !bucket(&r.key)).cloned().collect();
    for k in [UNKNOWN, NOT_REGISTERED] {
        if let Some(r) = rows.get(k) {
            out.push(r.clone());
        }
    }
    Ok(out)
}

/// Locations: from the list (pc5, or `location_wijk_code` where given), else the wijk where
/// most of the practice's patients live.
fn locate(
    rows: &mut [Row],
    list: Option<&DataFrame>,
    area_codes: &DataFrame,
    wijk_cross: &DataFrame,
) -> PolarsResult<()> {
    let pc5s = strs(area_codes, "pc5")?;
    let buurten = strs(area_codes, "buurt_code")?;
    let wijken = strs(area_codes, "wijk_code")?;
    let gemeenten = strs(area_codes, "gemeente_code")?;
    let mut by_pc5: HashMap<String, (String, String, String)> = HashMap::new();
    let mut gemeente_of: HashMap<String, String> = HashMap::new();
    for i in 0..pc5s.len() {
        if let (Some(p), Some(b), Some(w), Some(g)) =
            (&pc5s[i], &buurten[i], &wijken[i], &gemeenten[i])
        {
            by_pc5.insert(p.clone(), (b.clone(), w.clone(), g.clone()));
            gemeente_of.insert(w.clone(), g.clone());
        }
    }
    let mut listed: HashMap<String, (Option<String>, Option<String>)> = HashMap::new();
    if let Some(l) = list {
        let ids = strs(l, "practice_id")?;
        let pc5 = strs(l, "pc5")?;
        let wijk = strs(l, "location_wijk_code")?;
        for i in 0..l.height() {
            if let Some(id) = &ids[i] {
                listed.insert(id.clone(), (pc5[i].clone(), wijk[i].clone()));
            }
        }
    }
    // Majority wijk per practice key (ties: the lowest code, as the cross table is sorted).
    let keys = strs(wijk_cross, PRACTICE)?;
    let codes = strs(wijk_cross, "area_code")?;
    let persons = crate::frame::counts(wijk_cross, "persons")?;
    let mut majority: HashMap<String, (i64, String)> = HashMap::new();
    for i in 0..keys.len() {
        if let (Some(k), Some(c)) = (&keys[i], &codes[i]) {
            let e = majority.entry(k.clone()).or_insert((0, c.clone()));
            if persons[i] > e.0 {
                *e = (persons[i], c.clone());
            }
        }
    }
    for r in rows.iter_mut() {
        if r.kind != "praktijk" {
            continue;
        }
        r.location = match (list, listed.get(&r.key)) {
            (Some(_), Some((pc5, wijk))) => {
                let at = pc5.as_ref().and_then(|p| by_pc5.get(p));
                let wijk = wijk.clone().or_else(|| at.map(|a| a.1.clone()));
                Location {
                    pc5: pc5.clone(),
                    // The buurt only where the pc5's own wijk is the location's wijk.
                    buurt: at
                        .filter(|a| Some(&a.1) == wijk.as_ref())
                        .map(|a| a.0.clone()),
                    gemeente: wijk.as_ref().and_then(|w| gemeente_of.get(w).cloned()),
                    wijk,
                    source: Some("gp_practices"),
                }
            }
            _ => match majority.get(&r.key) {
                Some((_, w)) => Location {
                    pc5: None,
                    buurt: None,
                    wijk: Some(w.clone()),
                    gemeente: gemeente_of.get(w).cloned(),
                    source: Some("patients"),
                },
                None => Location::default(),
            },
        };
    }
    Ok(())
}

/// The area nodes at and above the cross level (index, parent, hidden), the cells, and the
/// published cross table.
#[allow(clippy::type_complexity)]
fn protect_cross(
    rows: &[Row],
    row_hidden: &[bool],
    cross: &DataFrame,
    cx: &Context,
) -> PolarsResult<(
    DataFrame,
    practice_cells::Outcome,
    HashMap<(String, String), usize>,
)> {
    let levels = strs(cx.area_raw, "level")?;
    let codes = strs(cx.area_raw, "area_code")?;
    let names = strs(cx.area_raw, "area_name")?;
    let parents = strs(cx.area_raw, "parent_code")?;
    let persons_area = crate::frame::counts(cx.area_raw, "insured_persons")?;
    let suppressed: Vec<bool> = crate::frame::bools(cx.area_profile, "suppressed", true)?;
    let mut wanted = vec![cx.cross_level];
    let mut l = cx.cross_level;
    while let Some(p) = l.parent() {
        wanted.push(p);
        l = p;
    }
    let mut node_of: HashMap<(String, String), usize> = HashMap::new();
    let mut raw_row: Vec<usize> = Vec::new();
    for i in 0..cx.area_raw.height() {
        let (Some(lv), Some(c)) = (&levels[i], &codes[i]) else {
            continue;
        };
        if wanted.iter().any(|w| w.as_str() == lv) {
            node_of.insert((lv.clone(), c.clone()), raw_row.len());
            raw_row.push(i);
        }
    }
    let area_parent: Vec<Option<usize>> = raw_row
        .iter()
        .map(|&i| {
            let up = Level::parse(levels[i].as_deref()?)?.parent()?;
            node_of
                .get(&(up.as_str().to_string(), parents[i].clone()?))
                .copied()
        })
        .collect();
    let area_hidden: Vec<bool> = raw_row.iter().map(|&i| suppressed[i]).collect();
    let row_of: HashMap<&str, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.key.as_str(), i))
        .collect();
    let keys = strs(cross, PRACTICE)?;
    let acodes = strs(cross, "area_code")?;
    let cp = crate::frame::counts(cross, "persons")?;
    let cd = crate::frame::counts(cross, "days")?;
    let cc = crate::frame::counts(cross, "cents")?;
    let level = cx.cross_level.as_str().to_string();
    let mut cells = Vec::new();
    let mut at = Vec::new();
    for i in 0..cross.height() {
        let (Some(k), Some(a)) = (&keys[i], &acodes[i]) else {
            continue;
        };
        let (Some(&r), Some(&n)) = (
            row_of.get(k.as_str()),
            node_of.get(&(level.clone(), a.clone())),
        ) else {
            continue;
        };
        cells.push((r, n, cp[i]));
        at.push(i);
    }
    let outcome = practice_cells::protect(&practice_cells::Cross {
        row_hidden,
        area_parent: &area_parent,
        area_hidden: &area_hidden,
        cells: &cells,
        min_cell: cx.min_cell,
    });
    let mut cell_of = HashMap::new();
    let mut out: [Vec<Option<String>>; 4] = Default::default();
    let (mut persons, mut years, mut eur, mut piy, mut sp, mut sa, mut hid) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for (c, (&(r, n, p), &i)) in cells.iter().zip(&at).enumerate() {
        let row = &rows[r];
        let a = raw_row[n];
        cell_of.insert((row.key.clone(), codes[a].clone().unwrap_or_default()), c);
        let h = outcome.hidden[c];
        out[0].push(Some(row.key.clone()));
        out[1].push(Some(row.name.clone()));
        out[2].push(codes[a].clone());
        out[3].push(names[a].clone());
        let y = cd[i] as f64 / DAYS_PER_YEAR;
        persons.push((!h).then_some(p));
        years.push((!h).then_some(y));
        eur.push((!h).then_some(cc[i] as f64 / 100.0));
        piy.push((!h && y > 0.0).then(|| cc[i] as f64 / 100.0 / y));
        // A share beside a published cell gives its margin: only where the margin is published.
        let (row_shown, area_shown) = (!outcome.row_hidden[r], !area_hidden[n]);
        sp.push((!h && row_shown && row.persons > 0).then(|| p as f64 / row.persons as f64));
        sa.push(
            (!h && area_shown && persons_area[a] > 0).then(|| p as f64 / persons_area[a] as f64),
        );
        hid.push(h);
    }
    let [pid, pname, acode, aname] = out;
    let df = DataFrame::new_infer_height(vec![
        Column::new("practice_id".into(), pid),
        Column::new("practice_name".into(), pname),
        Column::new("level".into(), vec![level.clone(); hid.len()]),
        Column::new("area_code".into(), acode),
        Column::new("area_name".into(), aname),
        Column::new("persons".into(), persons),
        Column::new("insured_years".into(), years),
        Column::new("zvw_cost_eur".into(), eur),
        Column::new("zvw_cost_per_insured_year".into(), piy),
        Column::new("share_of_practice".into(), sp),
        Column::new("share_of_area".into(), sa),
        Column::new("suppressed".into(), hid),
    ])?;
    Ok((df, outcome, cell_of))
}

/// Funnel flags per practice (METHODS 1, capped as METHODS 8): capped O/E per insured year
/// against κ × the attributed norm, and against the practice's gemeente; practices under
/// `MIN_FLAG_PERSONS` registered persons, buckets and hidden rows are not judged.
#[derive(Debug, Clone, Default)]
struct Judged {
    oe_for_flags: Option<f64>,
    /// `capped` where `oe_for_flags` is the capped O/E the flags judged; `raw` where it is raw
    /// O/E / κ because the capped one is hidden (the flags still judge the capped one).
    figures: Option<&'static str>,
    z: Option<f64>,
    limit: Option<&'static str>,
    direction: Option<&'static str>,
    gemeente_oe: Option<f64>,
    z_extract: Option<f64>,
    limit_extract: Option<&'static str>,
    direction_extract: Option<&'static str>,
    z_gemeente: Option<f64>,
    limit_gemeente: Option<&'static str>,
    direction_gemeente: Option<&'static str>,
    note: Option<&'static str>,
}

fn limit_of(z: f64) -> Option<&'static str> {
    Limit::of(z).map(Limit::label)
}

fn judge(rows: &[Row], row_hidden: &[bool], cx: &Context) -> PolarsResult<(Vec<Judged>, Fit)> {
    let levels = strs(cx.area_raw, "level")?;
    let codes = strs(cx.area_raw, "area_code")?;
    let mut gemeente_oe: HashMap<String, f64> = HashMap::new();
    let mut total_norm_piy = None;
    // The whole extract's own capped O/E (the total row's), the benchmark beside the norm.
    let mut extract_oe = None;
    let ncents = crate::frame::floats(cx.area_raw, "norm_cents")?;
    let nmicro = crate::frame::floats(cx.area_raw, "norm_micro_years")?;
    for i in 0..cx.area_raw.height() {
        if levels[i].as_deref() == Some("gemeente") {
            if let (Some(c), Some(v)) = (&codes[i], cx.area_oe_for_flags.get(i).copied().flatten())
            {
                gemeente_oe.insert(c.clone(), v);
            }
        }
        if levels[i].as_deref() == Some("total") {
            extract_oe = cx.area_oe_for_flags.get(i).copied().flatten();
            if let (Some(c), Some(y)) = (ncents[i], nmicro[i]) {
                if y > 0.0 {
                    total_norm_piy = Some(c / 100.0 / (y / 1e6));
                }
            }
        }
    }
    let mut out = vec![Judged::default(); rows.len()];
    let mut capped_shown = vec![true; rows.len()];
    let mut points: Vec<(usize, f64, f64, f64)> = Vec::new(); // (row, r, se, z)
    let mut too_small = 0;
    for (i, r) in rows.iter().enumerate() {
        let note = if r.kind != "praktijk" {
            Some("bucket")
        } else if row_hidden[i] {
            Some("suppressed")
        } else if r.persons < MIN_FLAG_PERSONS {
            too_small += 1;
            Some("too_small")
        } else {
            None
        };
        out[i].note = note;
        if r.kind != "praktijk" || row_hidden[i] {
            continue;
        }
        let (Some(norm), Some(s)) = (r.norm_piy(), cx.basis.get(&r.key)) else {
            out[i].note = out[i].note.or(Some("no_norm"));
            continue;
        };
        let years = r.years();
        let m = norm * cx.kappa;
        let Some((ratio, se, z)) = funnel::oe_cost(s.observed, years, m, s.variance) else {
            continue;
        };
        // A capped figure beside the published raw one gives 1 to min_cell − 1 capped
        // persons' cost above the cap away: show raw O/E / κ then (as the area funnel does).
        let capped_ok =
            !cx.capped || s.capped_persons == 0.0 || s.capped_persons >= cx.min_cell as f64;
        out[i].oe_for_flags = if capped_ok {
            Some(ratio)
        } else {
            r.oe().map(|o| o / cx.kappa)
        };
        out[i].figures = out[i]
            .oe_for_flags
            .map(|_| if capped_ok { "capped" } else { "raw" });
        out[i].gemeente_oe = r
            .location
            .gemeente
            .as_ref()
            .and_then(|g| gemeente_oe.get(g).copied());
        if note.is_none() {
            points.push((i, ratio, se, z));
        }
        capped_shown[i] = capped_ok;
    }
    // φ, τ² and the widening as the run's `[outliers]` settings say (METHODS 4), as for areas.
    let zs: Vec<f64> = points.iter().map(|p| p.3).collect();
    let ses: Vec<f64> = points.iter().map(|p| p.2).collect();
    let phi = cx.outliers.estimator.phi(&zs);
    let tau2 = overdispersion::tau2(phi, &ses);
    let scale = |se: f64| match cx.outliers.method {
        Method::None => se,
        Method::Multiplicative => se * phi.filter(|&p| p > 1.0).map_or(1.0, f64::sqrt),
        Method::Additive => (se * se + tau2.unwrap_or(0.0)).sqrt(),
    };
    let (mut flags, mut flags_g, mut flags_e) = (0, 0, 0);
    for &(i, ratio, se, _) in &points {
        let z = (ratio - 1.0) / scale(se);
        out[i].z = Some(z);
        out[i].limit = limit_of(z);
        if out[i].limit.is_some() {
            flags += 1;
            out[i].direction = Some(if z > 0.0 { "high" } else { "low" });
        }
        // Where the capped figure is not shown, one z value only: two z's of one ratio against
        // two published benchmarks would give the ratio (and so the capped persons' cost) back.
        // The comparisons themselves are still judged, on the same capped figure, and published
        // as limit and direction: leaving them out would keep them only for practices with no
        // or ≥ min_cell capped persons, a selection that under pure chance flags high only.
        // Beside the exact norm z, a category against another benchmark bounds the practice's
        // SE (so the capped ratio) to an interval; it does not give its value.
        let shown = capped_shown[i];
        if let Some(e) = extract_oe {
            let ze = (ratio - e) / scale(se);
            out[i].z_extract = shown.then_some(ze);
            out[i].limit_extract = limit_of(ze);
            if out[i].limit_extract.is_some() {
                flags_e += 1;
                out[i].direction_extract = Some(if ze > 0.0 { "high" } else { "low" });
            }
        }
        if let Some(g) = out[i].gemeente_oe {
            let zg = (ratio - g) / scale(se);
            out[i].z_gemeente = shown.then_some(zg);
            out[i].limit_gemeente = limit_of(zg);
            if out[i].limit_gemeente.is_some() {
                flags_g += 1;
                out[i].direction_gemeente = Some(if zg > 0.0 { "high" } else { "low" });
            }
        }
    }
    Ok((
        out,
        Fit {
            min_persons: MIN_FLAG_PERSONS,
            judged: points.len(),
            too_small,
            phi,
            tau2,
            flags,
            flags_vs_gemeente: flags_g,
            flags_vs_extract: flags_e,
            extract_oe_for_flags: extract_oe,
            sigma_eur: cx.pooled_s,
            norm_per_insured_year: total_norm_piy.map(|n| n * cx.kappa),
        },
    ))
}

/// The published practice table.
fn publish(
    rows: &[Row],
    row_hidden: &[bool],
    cell_hidden: &dyn Fn(usize, usize) -> bool,
    own_hidden: &[bool],
    flags: &[Judged],
    cx: &Context,
) -> PolarsResult<DataFrame> {
    let names = area_names(cx.area_raw)?;
    let show = |i: usize| !row_hidden[i];
    let f = |i: usize, v: Option<f64>| if show(i) { v } else { None };
    let n = rows.len();
    let div = |a: f64, b: f64| (b != 0.0).then(|| a / b);
    let mut cols = vec![
        Column::new(
            "practice_id".into(),
            rows.iter().map(|r| r.key.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "practice_name".into(),
            rows.iter().map(|r| r.name.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "kind".into(),
            rows.iter().map(|r| r.kind).collect::<Vec<_>>(),
        ),
        Column::new(
            "location_pc5".into(),
            rows.iter()
                .map(|r| r.location.pc5.clone())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "location_wijk_code".into(),
            rows.iter()
                .map(|r| r.location.wijk.clone())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "location_wijk_name".into(),
            rows.iter()
                .map(|r| r.location.wijk.as_ref().and_then(|w| names.get(w).cloned()))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "location_gemeente_code".into(),
            rows.iter()
                .map(|r| r.location.gemeente.clone())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "location_gemeente_name".into(),
            rows.iter()
                .map(|r| {
                    r.location
                        .gemeente
                        .as_ref()
                        .and_then(|g| names.get(g).cloned())
                })
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "location_source".into(),
            rows.iter().map(|r| r.location.source).collect::<Vec<_>>(),
        ),
    ];
    let per = |g: &dyn Fn(&Row) -> Option<f64>| -> Vec<Option<f64>> {
        rows.iter().enumerate().map(|(i, r)| f(i, g(r))).collect()
    };
    let count = |g: &dyn Fn(&Row) -> i64, hide: &dyn Fn(usize) -> bool| -> Vec<Option<i64>> {
        rows.iter()
            .enumerate()
            .map(|(i, r)| (show(i) && !hide(i)).then(|| g(r)))
            .collect()
    };
    let never = |_: usize| false;
    let m_wmo = CARE_TYPES.len();
    let m_multi = m_wmo + 1;
    let m_75 = m_wmo + 2;
    cols.extend([
        Column::new("registered_persons".into(), count(&|r| r.persons, &never)),
        Column::new("insured_years".into(), per(&|r| Some(r.years()))),
        Column::new(
            "zvw_cost_eur".into(),
            per(&|r| Some(r.cents as f64 / 100.0)),
        ),
        Column::new("zvw_cost_per_insured_year".into(), per(&|r| r.zvw_piy())),
        Column::new(
            "norm_insured_years".into(),
            per(&|r| r.norm_eur.map(|_| r.norm_days as f64 / DAYS_PER_YEAR)),
        ),
        Column::new(
            "norm_cost_eur".into(),
            per(&|r| r.norm_eur.map(|e| (e * 100.0).round() / 100.0)),
        ),
        Column::new("norm_cost_per_insured_year".into(), per(&|r| r.norm_piy())),
        Column::new("oe_ratio".into(), per(&|r| r.oe())),
        Column::new(
            "resultaat_eur".into(),
            per(&|r| Some((r.norm_piy()? - r.zvw_piy()?) * r.years())),
        ),
        Column::new(
            "resultaat_per_insured_year".into(),
            per(&|r| Some(r.norm_piy()? - r.zvw_piy()?)),
        ),
        Column::new(
            "wmo_clients".into(),
            count(&|r| r.wmo_clients, &|i| cell_hidden(m_wmo, i)),
        ),
        Column::new(
            "wmo_clients_per_1000_patients".into(),
            rows.iter()
                .enumerate()
                .map(|(i, r)| {
                    (show(i) && !cell_hidden(m_wmo, i))
                        .then(|| div(1000.0 * r.wmo_clients as f64, r.persons as f64))
                        .flatten()
                })
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "multi_care_persons".into(),
            count(&|r| r.multi_care, &|i| cell_hidden(m_multi, i)),
        ),
        Column::new(
            "share_75plus".into(),
            rows.iter()
                .enumerate()
                .map(|(i, r)| {
                    (show(i) && !cell_hidden(m_75, i))
                        .then(|| div(r.n_75plus as f64, r.persons as f64))
                        .flatten()
                })
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "share_own_wijk".into(),
            rows.iter()
                .enumerate()
                .map(|(i, r)| {
                    (show(i) && !own_hidden[i] && r.location.wijk.is_some())
                        .then(|| div(r.own_wijk as f64, r.persons as f64))
                        .flatten()
                })
                .collect::<Vec<_>>(),
        ),
        Column::new("suppressed".into(), row_hidden.to_vec()),
    ]);
    for (k, ct) in CARE_TYPES.iter().enumerate() {
        cols.push(Column::new(
            format!("zvw_{ct}_per_insured_year").into(),
            rows.iter()
                .enumerate()
                .map(|(i, r)| {
                    (show(i) && !cell_hidden(k, i) && r.days > 0)
                        .then(|| r.ct_cents[k] as f64 / 100.0 / r.years())
                })
                .collect::<Vec<_>>(),
        ));
    }
    let j = |g: &dyn Fn(&Judged) -> Option<f64>| flags.iter().map(g).collect::<Vec<_>>();
    let s = |g: &dyn Fn(&Judged) -> Option<&'static str>| flags.iter().map(g).collect::<Vec<_>>();
    cols.extend([
        Column::new("oe_for_flags".into(), j(&|x| x.oe_for_flags)),
        Column::new("figures".into(), s(&|x| x.figures)),
        Column::new("z".into(), j(&|x| x.z)),
        Column::new("limit".into(), s(&|x| x.limit)),
        Column::new("direction".into(), s(&|x| x.direction)),
        Column::new("z_extract".into(), j(&|x| x.z_extract)),
        Column::new("limit_extract".into(), s(&|x| x.limit_extract)),
        Column::new("direction_extract".into(), s(&|x| x.direction_extract)),
        Column::new("gemeente_oe_for_flags".into(), j(&|x| x.gemeente_oe)),
        Column::new("z_gemeente".into(), j(&|x| x.z_gemeente)),
        Column::new("limit_gemeente".into(), s(&|x| x.limit_gemeente)),
        Column::new("direction_gemeente".into(), s(&|x| x.direction_gemeente)),
        Column::new("not_judged".into(), s(&|x| x.note)),
    ]);
    debug_assert!(cols.iter().all(|c| c.len() == n));
    DataFrame::new_infer_height(cols)
}

fn area_names(area_raw: &DataFrame) -> PolarsResult<HashMap<String, String>> {
    Ok(strs(area_raw, "area_code")?
        .into_iter()
        .zip(strs(area_raw, "area_name")?)
        .filter_map(|(c, n)| Some((c?, n?)))
        .collect())
}

/// Every euro and person of the area total in exactly one practice bucket.
fn ledger(rows: &[Row], area_raw: &DataFrame) -> PolarsResult<Ledger> {
    let levels = strs(area_raw, "level")?;
    let i = levels
        .iter()
        .position(|l| l.as_deref() == Some("total"))
        .unwrap_or(0);
    let area_persons = crate::frame::counts(area_raw, "insured_persons")?[i];
    let area_cents = crate::frame::counts(area_raw, "zvw_cents")?[i];
    let mut buckets = Vec::new();
    let (mut persons, mut cents) = (0i64, 0i64);
    for (name, kind) in [
        ("praktijken", "praktijk"),
        ("praktijk onbekend", "praktijk_onbekend"),
        ("niet ingeschreven", "niet_ingeschreven"),
    ] {
        let of: Vec<&Row> = rows.iter().filter(|r| r.kind == kind).collect();
        let p: i64 = of.iter().map(|r| r.persons).sum();
        let c: i64 = of.iter().map(|r| r.cents).sum();
        persons += p;
        cents += c;
        buckets.push(LedgerBucket {
            bucket: name.into(),
            practices: if kind == "praktijk" {
                of.iter().filter(|r| r.persons > 0).count()
            } else {
                0
            },
            persons: p,
            eur: crate::stages::profile::reconcile::eur_text(c),
        });
    }
    Ok(Ledger {
        area_persons,
        area_eur: crate::stages::profile::reconcile::eur_text(area_cents),
        buckets,
        balanced: persons == area_persons && cents == area_cents,
    })
}

/// Per focus area: its residents against the patients of the practices located in it (seed 004
/// §3.2): size, overlap both ways, cost per insured year, O/E, top care types.
#[allow(clippy::too_many_arguments)]
fn populations(
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
        let home = strs(&pairs, "__home")?;
        let at = strs(&pairs, "__loc")?;
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

/// The cross cells of each practice: (area code, cell index), from the cross table's index.
fn by_practice(cell_of: &HashMap<(String, String), usize>) -> HashMap<&str, Vec<(&str, usize)>> {
    let mut out: HashMap<&str, Vec<(&str, usize)>> = HashMap::new();
    for ((k, a), &c) in cell_of {
        out.entry(k.as_str()).or_default().push((a.as_str(), c));
    }
    out
}

/// The area profile's row of each area code (the first, as a scan would find it).
fn profile_rows(cx: &Context) -> PolarsResult<HashMap<String, usize>> {
    let mut out = HashMap::new();
    for (i, c) in strs(cx.area_profile, "area_code")?.into_iter().enumerate() {
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
    let codes = strs(cx.area_profile, "area_code")?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Five persons in known areas: three with practice A (two in wijk W1 at pc5 1111A, one in
    /// W2 at 2222A), one with an id the list lacks, one with none.
    fn persons(listed: Option<&[String]>) -> DataFrame {
        let n = 5;
        let mut cols = vec![
            Column::new("person_id".into(), ["p1", "p2", "p3", "p4", "p5"]),
            Column::new(
                "gp_practice_id".into(),
                [
                    Some("01000001"),
                    Some("01000001"),
                    Some("01000001"),
                    Some("01999999"),
                    None,
                ],
            ),
            Column::new("pc5".into(), ["1111A", "1111A", "2222A", "1111A", "2222A"]),
            Column::new(
                "buurt_code".into(),
                [
                    "BU00010101",
                    "BU00010101",
                    "BU00010201",
                    "BU00010101",
                    "BU00010201",
                ],
            ),
            Column::new(
                "wijk_code".into(),
                ["WK000101", "WK000101", "WK000102", "WK000101", "WK000102"],
            ),
            Column::new("gemeente_code".into(), vec!["GM0001"; n]),
            Column::new("in_areas".into(), vec![true; n]),
            Column::new("insured_days".into(), [365i64, 365, 73, 365, 365]),
            Column::new(
                "zvw_cents".into(),
                [100_000i64, 50_000, 20_000, 7_000, 3_000],
            ),
            Column::new("age".into(), [80i64, 40, 30, 50, 20]),
            Column::new("household".into(), vec![None::<&str>; n]),
            Column::new("education".into(), vec![None::<&str>; n]),
            Column::new("social_minimum".into(), vec![None::<bool>; n]),
            Column::new("care_forms".into(), [3i64, 1, 1, 1, 1]),
            Column::new("zvw_and_wmo".into(), [true, false, false, false, false]),
            Column::new("high_cost".into(), [true, false, false, false, false]),
            Column::new("wmo_types".into(), [1i64, 0, 0, 0, 0]),
            Column::new(
                crate::stages::profile::expected::EXP_TOTAL.into(),
                vec![0i64; n],
            ),
        ];
        for ct in CARE_TYPES {
            let v: Vec<i64> = if *ct == *"msz" {
                vec![100_000, 50_000, 20_000, 7_000, 3_000]
            } else {
                vec![0; n]
            };
            cols.push(Column::new(ct_col(ct).into(), v));
        }
        let df = DataFrame::new_infer_height(cols).unwrap();
        with_practice(df.lazy(), listed).collect().unwrap()
    }

    fn area_tables() -> (DataFrame, DataFrame) {
        let raw = df!(
            "level" => ["wijk", "wijk", "gemeente", "total"],
            "area_code" => ["WK000101", "WK000102", "GM0001", "TOTAAL"],
            "area_name" => ["Een", "Twee", "Gemeente", "Totaal"],
            "parent_code" => [Some("GM0001"), Some("GM0001"), Some("TOTAAL"), None],
            "insured_persons" => [3i64, 2, 5, 5],
            "zvw_cents" => [157_000i64, 23_000, 180_000, 180_000],
            "norm_cents" => [Some(100_000.0), Some(200_000.0), Some(300_000.0), Some(300_000.0)],
            "norm_micro_years" => [Some(1e6), Some(1e6), Some(2e6), Some(2e6)],
        )
        .unwrap();
        let profile = df!(
            "area_code" => ["WK000101", "WK000102", "GM0001", "TOTAAL"],
            "suppressed" => [false, false, false, false],
            "zvw_cost_per_insured_year" => [Some(1.0), Some(2.0), Some(3.0), Some(4.0)],
            "oe_ratio" => [Some(1.0), Some(1.0), Some(1.0), Some(1.0)],
        )
        .unwrap();
        (raw, profile)
    }

    fn view(list: Option<&DataFrame>) -> PracticeView {
        let listed: Option<Vec<String>> = list.map(|l| {
            strs(l, "practice_id")
                .unwrap()
                .into_iter()
                .flatten()
                .collect()
        });
        let persons = persons(listed.as_deref());
        let (raw, profile) = area_tables();
        let norm = df!(
            "pc5" => ["1111A", "2222A"],
            "insured_years" => [10.0, 5.0],
            "norm_cost_eur" => [10_000.0, 10_000.0],
        )
        .unwrap();
        let areas = df!(
            "pc5" => ["1111A", "2222A"],
            "buurt_code" => ["BU00010101", "BU00010201"],
            "wijk_code" => ["WK000101", "WK000102"],
            "gemeente_code" => ["GM0001", "GM0001"],
        )
        .unwrap();
        let basis = BTreeMap::new();
        build(
            &persons,
            &Context {
                list,
                norm: norm.lazy(),
                areas: areas.lazy(),
                area_raw: &raw,
                area_profile: &profile,
                area_oe_for_flags: &[None, None, None, None],
                basis: &basis,
                kappa: 1.0,
                pooled_s: 0.0,
                capped: true,
                outliers: Default::default(),
                focus_areas: &["WK000101".to_string()],
                min_cell: 1,
                cross_level: Level::Wijk,
            },
        )
        .unwrap()
    }

    fn value(df: &DataFrame, column: &str, row: usize) -> Option<f64> {
        crate::frame::floats(df, column).unwrap()[row]
    }

    #[test]
    fn buckets_norm_and_location_without_a_list() {
        let v = view(None);
        let t = &v.table;
        // Without a list every id is a practice: 01000001, 01999999, then "niet ingeschreven".
        assert_eq!(
            strs(t, "practice_id").unwrap(),
            vec![
                Some("01000001".into()),
                Some("01999999".into()),
                Some(NOT_REGISTERED.into())
            ]
        );
        // Norm per insured year: 1111A € 1,000, 2222A € 2,000; A has 2 years at 1111A and
        // 0.2 at 2222A: € 2,400 over 2.2 years. Actual € 1,700 over 2.2 years.
        assert!((value(t, "norm_cost_eur", 0).unwrap() - 2_400.0).abs() < 1e-9);
        assert!((value(t, "zvw_cost_eur", 0).unwrap() - 1_700.0).abs() < 1e-9);
        assert!((value(t, "oe_ratio", 0).unwrap() - 1_700.0 / 2_400.0).abs() < 1e-12);
        // Located where most patients live (2 of 3 in WK000101), and said so.
        assert_eq!(
            strs(t, "location_wijk_code").unwrap()[0].as_deref(),
            Some("WK000101")
        );
        assert_eq!(
            strs(t, "location_source").unwrap()[0].as_deref(),
            Some("patients")
        );
        assert!((value(t, "share_own_wijk", 0).unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(value(t, "wmo_clients", 0), Some(1.0));
        assert!(v.located_by_patients && v.ledger.balanced);
    }

    #[test]
    fn a_listed_practice_list_sends_unknown_ids_to_their_bucket() {
        let list = df!(
            "practice_id" => ["01000001", "01000002"],
            "practice_name" => ["Praktijk A", "Praktijk zonder patiënten"],
            "pc5" => ["2222A", "1111A"],
            "location_wijk_code" => [None::<&str>, None],
        )
        .unwrap();
        let v = view(Some(&list));
        let t = &v.table;
        let ids = strs(t, "practice_id").unwrap();
        assert_eq!(
            ids,
            vec![
                Some("01000001".into()),
                Some("01000002".into()),
                Some(UNKNOWN.into()),
                Some(NOT_REGISTERED.into())
            ]
        );
        // The list's location (2222A → WK000102), not the patients'.
        assert_eq!(
            strs(t, "location_wijk_code").unwrap()[0].as_deref(),
            Some("WK000102")
        );
        assert!((value(t, "share_own_wijk", 0).unwrap() - 1.0 / 3.0).abs() < 1e-12);
        // Every euro of the area total in one bucket.
        let b = &v.ledger.buckets;
        assert_eq!((b[0].persons, b[1].persons, b[2].persons), (3, 1, 1));
        assert_eq!(
            (b[0].eur.as_str(), b[1].eur.as_str(), b[2].eur.as_str()),
            ("1700.00", "70.00", "30.00")
        );
        assert!(v.ledger.balanced);
        // The cross table: A × WK000101 = 2 persons, A × WK000102 = 1; shares of the practice.
        let c = &v.cross;
        assert_eq!(crate::frame::counts(c, "persons").unwrap()[..2], [2, 1]);
        assert!((value(c, "share_of_practice", 0).unwrap() - 2.0 / 3.0).abs() < 1e-12);
        // Focus area WK000101: 3 residents; located there only the practice without patients.
        let p = &v.populations;
        assert_eq!(crate::frame::counts(p, "residents").unwrap(), vec![3]);
        assert_eq!(
            crate::frame::counts(p, "practices_located").unwrap(),
            vec![1]
        );
        assert_eq!(crate::frame::counts(p, "patients").unwrap(), vec![0]);
    }
}
