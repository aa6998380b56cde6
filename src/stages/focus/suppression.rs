//! Secondary suppression of the segments table: per gemeente, the cells an attacker could
//! difference against the published margins are found and blanked.

use super::segment_rows::{blank, CellSpec, FocusArea, SegmentRow};
use crate::domain::Level;
use crate::stages::privacy::segment_cells;
use polars::prelude::*;
use rayon::prelude::*;

/// Secondary suppression of the segments table (`stages::privacy::segment_cells`): per gemeente,
/// the margins an attacker has (each focus area's and the gemeente's population, published in
/// the profile) and every segment cell (its persons in the area and, through `relative_rate`,
/// its filter over the whole gemeente). `fixed[i]` marks cells already shown that must not be
/// hidden now (live queries); a cell hidden here is blanked. Returns what was hidden, by reason.
pub fn protect_table(
    features: &DataFrame,
    split: Option<&std::collections::HashMap<String, DataFrame>>,
    cells: &[CellSpec],
    rows: &mut [SegmentRow],
    fixed: &[bool],
    min_cell: i64,
) -> crate::error::Result<Vec<(usize, segment_cells::Reason)>> {
    let gemeente_of = |a: &FocusArea| -> String {
        Level::Gemeente
            .ancestor_of(&a.code)
            .unwrap_or_else(|| a.code.clone())
    };
    let mut by_gemeente: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
    for (i, c) in cells.iter().enumerate() {
        by_gemeente.entry(gemeente_of(&c.area)).or_default().push(i);
    }
    // Gemeenten are independent systems (a cell's rows lie in its own gemeente), so they are
    // checked side by side; what each hides is applied after, in gemeente order.
    let published: Vec<bool> = rows.iter().map(|r| !r.suppressed).collect();
    // A gemeente's cells (indexes into `cells`) and which of them it hides, by reason.
    type GemeenteHidden = (Vec<usize>, Vec<(usize, segment_cells::Reason)>);
    let checked = by_gemeente
        .into_par_iter()
        .map(|(gemeente, idx)| -> PolarsResult<GemeenteHidden> {
            // The gemeente's persons: from the split the caller already made (stable, so in the
            // same order as this filter), else filtered out of the whole book.
            let local = match split.and_then(|m| m.get(&gemeente)) {
                Some(df) => df.clone().lazy(),
                None => features
                    .clone()
                    .lazy()
                    .filter(col("gemeente_code").eq(lit(gemeente.as_str()))),
            };
            let mut area_codes: Vec<(Level, String)> = idx
                .iter()
                .map(|&i| (cells[i].area.level, cells[i].area.code.clone()))
                .collect();
            area_codes.sort();
            area_codes.dedup();
            let in_area = |level: Level, code: &str| {
                col(level.code_column().unwrap_or("gemeente_code")).eq(lit(code))
            };
            // Rows: the gemeente, each focus area, then per cell (in area, over the gemeente).
            let mut exprs = vec![col("gemeente_code").is_not_null().alias("__m_gm")];
            for (k, (level, code)) in area_codes.iter().enumerate() {
                exprs.push(in_area(*level, code).alias(format!("__m_{k}").as_str()));
            }
            for (j, &i) in idx.iter().enumerate() {
                let s = cells[i].expr.clone().fill_null(lit(false));
                exprs.push(
                    in_area(cells[i].area.level, &cells[i].area.code)
                        .and(s.clone())
                        .alias(format!("__c{j}").as_str()),
                );
                exprs.push(s.alias(format!("__g{j}").as_str()));
            }
            let df = local.select(exprs).collect()?;
            let names: Vec<String> = df
                .get_column_names()
                .iter()
                .map(|n| n.to_string())
                .collect();
            let masks = segment_cells::masks(&df, &names)?;
            let margins: Vec<usize> = (0..1 + area_codes.len()).collect();
            let first_cell_row = margins.len();
            let mut local_cells: Vec<segment_cells::Cell> = idx
                .iter()
                .enumerate()
                .map(|(j, &i)| {
                    let row = first_cell_row + 2 * j;
                    let area = area_codes
                        .iter()
                        .position(|(l, c)| *l == cells[i].area.level && *c == cells[i].area.code)
                        .unwrap_or(0);
                    segment_cells::Cell {
                        rows: vec![row, row + 1],
                        persons: masks[row].iter().filter(|b| **b).count() as i64,
                        published: published[i],
                        area,
                    }
                })
                .collect();
            let system = segment_cells::System::new(&masks);
            let local_fixed: Vec<bool> = idx
                .iter()
                .map(|&i| fixed.get(i).copied().unwrap_or(false))
                .collect();
            let hidden =
                segment_cells::protect(&system, &margins, &mut local_cells, &local_fixed, min_cell);
            tracing::debug!(
                gemeente,
                cells = local_cells.len(),
                hidden = hidden.len(),
                "segment disclosure check"
            );
            Ok((idx, hidden))
        })
        .collect::<PolarsResult<Vec<_>>>()?;
    let mut hidden_all = Vec::new();
    for (idx, hidden) in checked {
        for (j, reason) in hidden {
            let i = idx[j];
            rows[i] = blank(rows[i].clone());
            hidden_all.push((i, reason));
        }
    }
    // R² of a tree's whole segmentation sums over every leaf: with a leaf hidden it would give
    // that leaf's sum of squares away, so it goes from all leaves of that area.
    let mut hidden_tree_areas = std::collections::BTreeSet::new();
    for r in rows.iter() {
        if r.suppressed && r.segment.starts_with(super::segment_rows::PROPOSAL_PREFIX) {
            hidden_tree_areas.insert(r.area_code.clone());
        }
    }
    for r in rows.iter_mut() {
        if hidden_tree_areas.contains(&r.area_code)
            && r.segment.starts_with(super::segment_rows::PROPOSAL_PREFIX)
        {
            r.r2_tree = None;
        }
    }
    Ok(hidden_all)
}
