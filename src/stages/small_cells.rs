//! Applies the small-cell rule (SPEC 3.3) to the profile: which published columns hang on
//! which person count, and blanking what `suppress` decides to hide. The decision itself —
//! primary and secondary suppression over the area tree — lives in `stages::suppress`.

use crate::domain::Level;
use crate::domain::CARE_TYPES;
use crate::stages::profile::ct_contrib;
use crate::stages::suppress::{self, Metric, Tree};
use polars::prelude::*;
use serde::Serialize;
use std::collections::HashMap;

/// How many cells were hidden, for the manifest and the report.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct SuppressionCounts {
    pub min_cell: i64,
    pub primary_rows: usize,
    pub secondary_rows: usize,
    pub primary_cells: usize,
    pub secondary_cells: usize,
}

/// A group of published columns whose values describe the persons counted in `contributors`.
struct Guarded {
    name: String,
    contributors: String,
    row_group: Option<&'static str>,
    /// The row group whose total these columns hold.
    total_of: Option<&'static str>,
    columns: Vec<String>,
}

fn guarded() -> Vec<Guarded> {
    let mut g: Vec<Guarded> = CARE_TYPES
        .iter()
        .map(|ct| Guarded {
            name: format!("zvw_{ct}"),
            contributors: ct_contrib(ct),
            // The care types add up to total Zvw cost of the row: a row equation.
            row_group: Some("zvw_care_types"),
            total_of: None,
            columns: vec![format!("zvw_{ct}_per_insured_year")],
        })
        .collect();
    let one = |name: &str, contributors: &str, columns: &[&str]| Guarded {
        name: name.to_string(),
        contributors: contributors.to_string(),
        row_group: None,
        total_of: None,
        columns: columns.iter().map(|c| c.to_string()).collect(),
    };
    // Wmo cost is the total the provision types add up to.
    g.push(Guarded {
        total_of: Some("wmo_provision_types"),
        ..one(
            "wmo_clients",
            "wmo_clients",
            &[
                "wmo_clients",
                "wmo_clients_per_1000",
                "wmo_cost_eur",
                "wmo_cost_per_resident",
            ],
        )
    });
    g.push(one(
        "multi_care_persons",
        "multi_care_persons",
        &["multi_care_persons"],
    ));
    g.push(one(
        "zvw_wmo_persons",
        "zvw_wmo_persons",
        &["zvw_wmo_persons"],
    ));
    g.push(one("share_65plus", "n_65plus", &["share_65plus"]));
    g.push(one("share_75plus", "n_75plus", &["share_75plus"]));
    g.push(one("share_single", "n_single", &["share_single"]));
    g.push(one(
        "share_low_education",
        "n_low_education",
        &["share_low_education"],
    ));
    g.push(one(
        "share_social_minimum",
        "n_social_minimum",
        &["share_social_minimum"],
    ));
    g.push(one("top5_cost_share", "n_top5", &["top5_cost_share"]));
    // Per provision type: clients and cost; the types' costs add up to wmo_cost_eur.
    for t in crate::domain::PROVISION_TYPES {
        g.push(Guarded {
            name: format!("wmo_{t}"),
            contributors: format!("wmo_clients_{t}"),
            row_group: Some("wmo_provision_types"),
            total_of: None,
            columns: vec![format!("wmo_clients_{t}"), format!("wmo_cost_{t}")],
        });
    }
    g
}

/// Published columns that identify a row, not figures.
pub const KEY_COLUMNS: [&str; 4] = ["level", "area_code", "area_name", "suppressed"];

/// Figures about the whole row: all its insured persons (at least min_cell when the row is
/// published), its residents or its norm. They are protected by whole-row suppression and the
/// secondary suppression over the area tree; no count inside them can be small.
pub const ROW_FIGURES: [&str; 17] = [
    "insured_persons",
    "insured_years",
    "residents",
    "zvw_cost_eur",
    "zvw_cost_per_insured_year",
    "norm_insured_years",
    "norm_cost_eur",
    "norm_cost_per_insured_year",
    "oe_ratio",
    "resultaat_eur",
    "resultaat_per_insured_year",
    "insured_years_ratio",
    "insured_years_mismatch",
    "expected_cost_eur",
    "expected_cost_per_insured_year",
    "oe_age_sex",
    crate::columns::OE_FOR_FLAGS,
];

/// How a published profile column is protected (SPEC 3.3): `key`, `row` (a figure about the
/// whole row) or the name of the guarded cell group it belongs to; None for a column nobody
/// declared — which `tests/cli.rs` refuses for every column a run publishes.
pub fn protection_of(column: &str) -> Option<String> {
    if KEY_COLUMNS.contains(&column) {
        return Some("key".into());
    }
    if ROW_FIGURES.contains(&column) {
        return Some("row".into());
    }
    guarded()
        .into_iter()
        .find(|g| g.columns.iter().any(|c| c == column))
        .map(|g| g.name)
}

use crate::frame::{counts as i64_values, strings as str_values};

/// The area tree of the raw profile: each row's parent row, found by (parent level, code).
fn tree(raw: &DataFrame) -> PolarsResult<Tree> {
    let levels = str_values(raw, "level")?;
    let codes = str_values(raw, "area_code")?;
    let parents = str_values(raw, "parent_code")?;
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    for (i, (l, c)) in levels.iter().zip(&codes).enumerate() {
        if let (Some(l), Some(c)) = (l, c) {
            index.insert((l.clone(), c.clone()), i);
        }
    }
    let parent_level =
        |level: &str| -> Option<&str> { Some(Level::parse(level)?.parent()?.as_str()) };
    let parent = levels
        .iter()
        .zip(&parents)
        .map(|(l, p)| {
            let pl = parent_level(l.as_deref()?)?;
            index.get(&(pl.to_string(), p.clone()?)).copied()
        })
        .collect();
    Ok(Tree {
        parent,
        persons: i64_values(raw, "insured_persons")?,
    })
}

/// Blanks hidden cells of `published` (same rows, same order as `raw`) and sets `suppressed`.
pub fn protect(
    raw: &DataFrame,
    published: DataFrame,
    min_cell: i64,
) -> PolarsResult<(DataFrame, SuppressionCounts)> {
    let tree = tree(raw)?;
    let groups = guarded();
    let metrics: Vec<Metric> = groups
        .iter()
        .map(|g| {
            Ok(Metric {
                name: g.name.clone(),
                contributors: i64_values(raw, &g.contributors)?,
                row_group: g.row_group.map(str::to_string),
                total_of: g.total_of.map(str::to_string),
            })
        })
        .collect::<PolarsResult<_>>()?;
    let outcome = suppress::suppress(&tree, &metrics, min_cell);

    let mut df = published;
    df.with_column(Column::new(
        "__row_hidden".into(),
        outcome.row_hidden.clone(),
    ))?;
    for (i, hidden) in outcome.cell_hidden.iter().enumerate() {
        df.with_column(Column::new(format!("__h{i}").into(), hidden.clone()))?;
    }
    let keep = ["level", "area_code", "area_name", "suppressed"];
    let mut exprs: Vec<Expr> = Vec::new();
    let mut cell_cols: HashMap<&str, usize> = HashMap::new();
    for (i, g) in groups.iter().enumerate() {
        for c in &g.columns {
            cell_cols.insert(c.as_str(), i);
        }
    }
    let names: Vec<String> = df
        .get_column_names()
        .into_iter()
        .map(|n| n.to_string())
        .filter(|n| !n.starts_with("__"))
        .collect();
    for name in &names {
        let c = col(name.as_str());
        let e = if name == "suppressed" {
            col("__row_hidden").alias("suppressed")
        } else if keep.contains(&name.as_str()) {
            c
        } else {
            let mut hide = col("__row_hidden");
            if let Some(i) = cell_cols.get(name.as_str()) {
                hide = hide.or(col(format!("__h{i}").as_str()));
            }
            when(hide)
                .then(lit(NULL))
                .otherwise(c.clone())
                .alias(name.as_str())
        };
        exprs.push(e);
    }
    let out = df.lazy().select(exprs).collect()?;
    let counts = SuppressionCounts {
        min_cell,
        primary_rows: outcome.primary_rows,
        secondary_rows: outcome.secondary_rows,
        primary_cells: outcome.primary_cells,
        secondary_cells: outcome.secondary_cells,
    };
    Ok((out, counts))
}
