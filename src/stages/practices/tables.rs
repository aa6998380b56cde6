//! The published tables of the view: the rows per practice and bucket, the protected
//! practice × area cross table, the practice table, and the bucket ledger.

use super::judging::Judged;
use super::plans::{NOT_REGISTERED, UNKNOWN};
use super::view::{Context, Ledger, LedgerBucket, Row};
use crate::columns::{ct_col, ct_contrib, PRACTICE};
use crate::domain::{Level, CARE_TYPES, DAYS_PER_YEAR};
use crate::frame::strings;
use crate::stages::privacy::practice_cells;
use polars::prelude::*;
use std::collections::{BTreeMap, HashMap};

/// Rows in publication order: practices by id, then the two buckets. Practices of the list
/// without any patient in a known area get a row of zeros (they are suppressed as small).
pub(super) fn rows_of(raw: &DataFrame, list: Option<&DataFrame>) -> PolarsResult<Vec<Row>> {
    let keys = strings(raw, "practice_id")?;
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
        Some(l) => strings(l, "practice_id")?
            .into_iter()
            .zip(strings(l, "practice_name")?)
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

/// The area nodes at and above the cross level (index, parent, hidden), the cells, and the
/// published cross table.
#[allow(clippy::type_complexity)]
pub(super) fn protect_cross(
    rows: &[Row],
    row_hidden: &[bool],
    cross: &DataFrame,
    cx: &Context,
) -> PolarsResult<(
    DataFrame,
    practice_cells::Outcome,
    HashMap<(String, String), usize>,
)> {
    let levels = strings(cx.area_raw, "level")?;
    let codes = strings(cx.area_raw, "area_code")?;
    let names = strings(cx.area_raw, "area_name")?;
    let parents = strings(cx.area_raw, "parent_code")?;
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
    let keys = strings(cross, PRACTICE)?;
    let acodes = strings(cross, "area_code")?;
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

/// The published practice table.
pub(super) fn publish(
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

pub(super) fn area_names(area_raw: &DataFrame) -> PolarsResult<HashMap<String, String>> {
    Ok(strings(area_raw, "area_code")?
        .into_iter()
        .zip(strings(area_raw, "area_name")?)
        .filter_map(|(c, n)| Some((c?, n?)))
        .collect())
}

/// Every euro and person of the area total in exactly one practice bucket.
pub(super) fn ledger(rows: &[Row], area_raw: &DataFrame) -> PolarsResult<Ledger> {
    let levels = strings(area_raw, "level")?;
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

/// The cross cells of each practice: (area code, cell index), from the cross table's index.
pub(super) fn by_practice(
    cell_of: &HashMap<(String, String), usize>,
) -> HashMap<&str, Vec<(&str, usize)>> {
    let mut out: HashMap<&str, Vec<(&str, usize)>> = HashMap::new();
    for ((k, a), &c) in cell_of {
        out.entry(k.as_str()).or_default().push((a.as_str(), c));
    }
    out
}
