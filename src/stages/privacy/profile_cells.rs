//! Applies the small-cell rule (SPEC 3.3) to the profile: which published columns hang on
//! which person count, and blanking what `suppress` decides to hide. The decision itself —
//! primary and secondary suppression over the area tree — lives in `stages::privacy::area_tree`.

use crate::domain::Level;
use crate::published::{self, Protection};
use crate::stages::privacy::area_tree::{self, Metric, Tree};
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

/// How a published profile column is protected (SPEC 3.3): `key`, `row` (a figure about the
/// whole row) or the name of the guarded cell group it belongs to, from its declaration in
/// `published`; None for a column nobody declared — which `tests/cli.rs` refuses for every
/// column a run publishes.
pub fn protection_of(column: &str) -> Option<String> {
    Some(match published::find(column)?.protection {
        Protection::Key => "key".into(),
        Protection::Row => "row".into(),
        Protection::Cell(g) => g.name,
    })
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
    let groups = published::cell_groups();
    let metrics: Vec<Metric> = groups
        .iter()
        .map(|(g, _)| {
            Ok(Metric {
                name: g.name.clone(),
                contributors: i64_values(raw, &g.contributors)?,
                row_group: g.row_group.map(str::to_string),
                total_of: g.total_of.map(str::to_string),
            })
        })
        .collect::<PolarsResult<_>>()?;
    let outcome = area_tree::suppress(&tree, &metrics, min_cell);

    let mut df = published;
    df.with_column(Column::new(
        "__row_hidden".into(),
        outcome.row_hidden.clone(),
    ))?;
    for (i, hidden) in outcome.cell_hidden.iter().enumerate() {
        df.with_column(Column::new(format!("__h{i}").into(), hidden.clone()))?;
    }
    let mut exprs: Vec<Expr> = Vec::new();
    let mut cell_cols: HashMap<&str, usize> = HashMap::new();
    for (i, (_, columns)) in groups.iter().enumerate() {
        for c in columns {
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
        } else if published::find(name).is_some_and(|p| p.protection == Protection::Key) {
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
