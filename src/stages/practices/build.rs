//! Builds the practice view from the person frame: the plans, locations, small cells of the
//! practice table and the cross table, flags, the published tables and the ledger.

use super::judging::judge;
use super::location::locate;
use super::plans::{attributed, cross_plan, days_plan, norm_rates, raw_plan, NORM_SCALE};
use super::populations::populations;
use super::tables::{by_practice, ledger, protect_cross, publish, rows_of};
use super::view::{Context, PracticeView, Row, Suppression};
use crate::columns::PRACTICE;
use crate::domain::{Level, CARE_TYPES};
use crate::frame::strings;
use crate::stages::privacy::area_tree::{self, Metric, Tree};
use polars::prelude::*;
use std::collections::HashMap;

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
    let wk = strings(&wijk_cross, PRACTICE)?;
    let wa = strings(&wijk_cross, "area_code")?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::columns::ct_col;
    use crate::stages::practices::plans::{with_practice, NOT_REGISTERED, UNKNOWN};
    use std::collections::BTreeMap;

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
            strings(l, "practice_id")
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
            strings(t, "practice_id").unwrap(),
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
            strings(t, "location_wijk_code").unwrap()[0].as_deref(),
            Some("WK000101")
        );
        assert_eq!(
            strings(t, "location_source").unwrap()[0].as_deref(),
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
        let ids = strings(t, "practice_id").unwrap();
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
            strings(t, "location_wijk_code").unwrap()[0].as_deref(),
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
