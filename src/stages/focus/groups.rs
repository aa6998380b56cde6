//! Focus groups in a focus area (SPEC 3.5, METHODS 6): for each segment, its volume, share
//! of the area, cost per person against the rest of the area, concentration against the
//! gemeente (relative rate), homogeneity (CV of cost, share of the top two care types, R² of
//! the split) and whether it passes `min_volume`. Segments under `min_cell` persons are
//! suppressed like any cell.

use crate::domain::{Level, CARE_TYPES};
use crate::stages::privacy::segment_cells;
use polars::prelude::*;
use rayon::prelude::*;

use super::segment_rows::{blank, to_frame, CellSpec, FocusArea, Segment, SegmentRow};
use super::suppression::protect_table;

/// z for the 95% funnel half-width in the volume rule (METHODS 6).
const Z95: f64 = 1.959964;
/// Relative precision δ of the volume rule n ≥ (z·CV/δ)².
pub const DELTA: f64 = 0.2;

/// Focus-group settings, resolved.
#[derive(Debug, Clone)]
pub struct FocusSettings {
    pub areas: Vec<String>,
    pub min_volume: i64,
    pub segments: Vec<crate::stages::focus::segments::SegmentDef>,
    pub propose: bool,
    pub max_depth: usize,
}

fn f64_at(df: &DataFrame, c: &str) -> PolarsResult<Option<f64>> {
    Ok(df.column(c)?.cast(&DataType::Float64)?.f64()?.get(0))
}

fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b != 0.0 && a.is_finite() && b.is_finite() => Some(a / b),
        _ => None,
    }
}

/// Evaluates segments in one focus area. `features` is `stages::focus::features::features`.
pub fn evaluate(
    features: &LazyFrame,
    segments: &[Segment],
    area: &FocusArea,
    min_volume: i64,
    min_cell: i64,
) -> PolarsResult<Vec<SegmentRow>> {
    let code_col = area.level.code_column().unwrap_or("gemeente_code");
    let x = col("zvw_cost");
    // Which gemeente holds the focus area, for the relative rate.
    let gemeente = features
        .clone()
        .filter(col(code_col).eq(lit(area.code.as_str())))
        .select([col("gemeente_code").first()])
        .collect()?;
    let gemeente = gemeente
        .column("gemeente_code")?
        .str()?
        .get(0)
        .map(str::to_string);
    let Some(gemeente) = gemeente else {
        return Err(
            polars_err!(ComputeError: "focus area `{}` has no insured persons at level {}", area.code, area.level),
        );
    };

    let mut rows = Vec::new();
    // One query for every segment of the area: each aggregate carries its segment's prefix.
    // The masks are columns first, so each is evaluated once, not once per aggregate (24
    // aggregates a segment, some 20 segments an area): 2.0 → 0.55 s a quarter at 2.1 M.
    let in_area = col("__in_area");
    let in_gm = col("__in_gm");
    let mut masks = vec![
        col(code_col).eq(lit(area.code.as_str())).alias("__in_area"),
        col("gemeente_code")
            .eq(lit(gemeente.as_str()))
            .alias("__in_gm"),
    ];
    let mut aggs = Vec::new();
    for (k, seg) in segments.iter().enumerate() {
        masks.push(
            seg.expr
                .clone()
                .fill_null(lit(false))
                .alias(format!("__s{k}").as_str()),
        );
        let s = col(format!("__s{k}").as_str());
        aggs.extend([
            in_area
                .clone()
                .cast(DataType::Int64)
                .sum()
                .alias(format!("s{k}_area_persons").as_str()),
            in_area
                .clone()
                .and(s.clone())
                .cast(DataType::Int64)
                .sum()
                .alias(format!("s{k}_persons").as_str()),
            in_gm
                .clone()
                .cast(DataType::Int64)
                .sum()
                .alias(format!("s{k}_gm_persons").as_str()),
            in_gm
                .clone()
                .and(s.clone())
                .cast(DataType::Int64)
                .sum()
                .alias(format!("s{k}_gm_seg_persons").as_str()),
            x.clone()
                .filter(in_area.clone().and(s.clone()))
                .mean()
                .alias(format!("s{k}_mean_seg").as_str()),
            x.clone()
                .filter(in_area.clone().and(s.clone()))
                .std(1)
                .alias(format!("s{k}_sd_seg").as_str()),
            x.clone()
                .filter(in_area.clone().and(s.clone().not()))
                .mean()
                .alias(format!("s{k}_mean_rest").as_str()),
            // Sums of squares for R² of the split segment vs rest within the area.
            x.clone()
                .filter(in_area.clone())
                .var(0)
                .alias(format!("s{k}_var_area").as_str()),
            x.clone()
                .filter(in_area.clone().and(s.clone()))
                .var(0)
                .alias(format!("s{k}_var_seg").as_str()),
            x.clone()
                .filter(in_area.clone().and(s.clone().not()))
                .var(0)
                .alias(format!("s{k}_var_rest").as_str()),
            in_area
                .clone()
                .and(s.clone().not())
                .cast(DataType::Int64)
                .sum()
                .alias(format!("s{k}_rest_persons").as_str()),
        ]);
        for ct in CARE_TYPES {
            aggs.push(
                col(format!("zvw_{ct}").as_str())
                    .filter(in_area.clone().and(s.clone()))
                    .sum()
                    .alias(format!("s{k}_ct_{ct}").as_str()),
            );
        }
    }
    let df = features
        .clone()
        .with_columns(masks)
        .select(aggs)
        .collect()?;
    for (k, seg) in segments.iter().enumerate() {
        let n = f64_at(&df, &format!("s{k}_persons"))?.unwrap_or(0.0);
        let area_n = f64_at(&df, &format!("s{k}_area_persons"))?.unwrap_or(0.0);
        let rest_n = f64_at(&df, &format!("s{k}_rest_persons"))?.unwrap_or(0.0);
        let persons = n as i64;
        let suppressed = persons > 0 && persons < min_cell
            // The rest of the area is a cell too: area minus segment must not be small either.
            || (rest_n as i64 > 0 && (rest_n as i64) < min_cell);
        let mut row = SegmentRow {
            segment: seg.name.clone(),
            area_code: area.code.clone(),
            persons: Some(persons),
            share_of_area: ratio(Some(n), Some(area_n)),
            cost_per_person: f64_at(&df, &format!("s{k}_mean_seg"))?,
            cost_per_person_rest: f64_at(&df, &format!("s{k}_mean_rest"))?,
            relative_rate: ratio(
                ratio(Some(n), Some(area_n)),
                ratio(
                    f64_at(&df, &format!("s{k}_gm_seg_persons"))?,
                    f64_at(&df, &format!("s{k}_gm_persons"))?,
                ),
            ),
            cv_cost: ratio(
                f64_at(&df, &format!("s{k}_sd_seg"))?,
                f64_at(&df, &format!("s{k}_mean_seg"))?,
            ),
            passes_volume: Some(persons >= min_volume),
            min_persons_for_precision: None,
            top2_care_types: None,
            top2_care_share: None,
            r2_split: None,
            r2_tree: None,
            suppressed,
            filter: seg.filter.clone(),
        };
        row.min_persons_for_precision = row.cv_cost.map(|cv| (Z95 * cv / DELTA).powi(2).ceil());
        let mut cts: Vec<(f64, &str)> = CARE_TYPES
            .iter()
            .map(|ct| Ok((f64_at(&df, &format!("s{k}_ct_{ct}"))?.unwrap_or(0.0), *ct)))
            .collect::<PolarsResult<_>>()?;
        let total: f64 = cts.iter().map(|(v, _)| v).sum();
        cts.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        if total > 0.0 {
            row.top2_care_types = Some(format!("{}, {}", cts[0].1, cts[1].1));
            row.top2_care_share = Some((cts[0].0 + cts[1].0) / total);
        }
        let ss = |v: Option<f64>, k: f64| v.map(|v| v * k);
        let ss_total = ss(f64_at(&df, &format!("s{k}_var_area"))?, area_n);
        let ss_within = match (
            ss(f64_at(&df, &format!("s{k}_var_seg"))?, n),
            ss(f64_at(&df, &format!("s{k}_var_rest"))?, rest_n),
        ) {
            (Some(a), Some(b)) => Some(a + b),
            (Some(a), None) | (None, Some(a)) => Some(a),
            _ => None,
        };
        row.r2_split = ratio(ss_within, ss_total).map(|r| 1.0 - r);
        if suppressed {
            row = blank(row);
        }
        rows.push(row);
    }
    Ok(rows)
}

/// Compiles segment definitions against the person features; the first bad one is an error.
pub fn compile_all(
    defs: &[crate::stages::focus::segments::SegmentDef],
) -> Result<Vec<Segment>, crate::stages::focus::segments::SegmentError> {
    let names = crate::stages::focus::features::feature_names();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    defs.iter()
        .map(|d| {
            Ok(Segment {
                name: d.name.clone(),
                filter: d.filter.clone(),
                expr: crate::stages::focus::segments::compile(d, &names)?,
            })
        })
        .collect()
}

/// Every segment run once over no rows of the real feature types, before the areas: a polars
/// error then names its segment, is one short line, and holds no person's value.
fn check_segments(
    schema: &Schema,
    segments: &[Segment],
    fixed: Option<&FixedSegments>,
) -> crate::error::Result<()> {
    use crate::stages::focus::filter_check::kinds_agree;
    use crate::stages::focus::segments::check_on_schema;
    kinds_agree(schema).map_err(crate::error::Error::Other)?;
    let fixed = fixed.into_iter().flat_map(|f| f.values().flatten());
    for s in segments.iter().chain(fixed) {
        check_on_schema(&s.name, &s.filter, &s.expr, schema)
            .map_err(|e| crate::error::Error::Other(e.to_string()))?;
    }
    Ok(())
}

/// Segments and tree proposals in every focus area (default: every gemeente).
pub fn run(
    persons: &DataFrame,
    segments: &[Segment],
    focus: &FocusSettings,
    min_cell: i64,
) -> crate::error::Result<Focused> {
    run_with(persons, segments, None, focus, min_cell, true)
}

/// Segments fixed per focus area (area code → its segments, in order): an earlier period of a
/// monitoring run is judged on exactly the groups the last period published for each area,
/// each area's proposals by their own filters.
pub type FixedSegments = std::collections::BTreeMap<String, Vec<Segment>>;

/// `run`, or with `fixed` per-area segments instead of `segments` and no proposals. Without
/// `keep_features` the person features are not returned (`Focused::features` is empty), and
/// the whole frame is let go once it is split by gemeente: a monitoring run's periods keep
/// only their tables, and the copy was the largest thing a period held in the focus stage.
pub fn run_with(
    persons: &DataFrame,
    segments: &[Segment],
    fixed: Option<&FixedSegments>,
    focus: &FocusSettings,
    min_cell: i64,
    keep_features: bool,
) -> crate::error::Result<Focused> {
    let mut laps = crate::progress::Laps::new("focus");
    // A fixed row order and one chunk, so float means and SDs come out the same every run:
    // the person frame's own order, the insured file's (every join of the profile keeps it).
    // Sorting by person_id instead cost 1.2 s a quarter at 2.1 M (a string sort of 38 columns).
    let mut features =
        crate::stages::focus::features::features(persons.clone().lazy()).collect()?;
    features.rechunk_mut();
    laps.lap("features");
    check_segments(features.schema(), segments, fixed)?;
    let lf = features.clone().lazy();
    let mut areas: Vec<String> = focus.areas.clone();
    if areas.is_empty() {
        let g = lf
            .clone()
            .select([col("gemeente_code").unique().sort(SortOptions::default())])
            .collect()?;
        areas = g
            .column("gemeente_code")?
            .str()?
            .iter()
            .flatten()
            .map(str::to_string)
            .collect();
    }
    // A proposed group must be a publishable cell as well as a workable volume.
    let min_volume = focus.min_volume.max(min_cell);
    // Everything a focus area's figures use lies in its gemeente (the area itself, the rest of
    // it, the gemeente for the relative rate), so each area works on its gemeente's persons
    // only: the book is split by gemeente once instead of scanned in full per area.
    let by_gemeente = crate::frame::by_gemeente(&features)?;
    // An area outside the split (no gemeente in its code, or none of its persons) is worked
    // on over the whole frame, which is then kept.
    let whole_needed = areas.iter().any(|code| {
        Level::Gemeente
            .ancestor_of(code)
            .and_then(|g| by_gemeente.get(&g))
            .is_none()
    });
    let (features, lf) = if keep_features || whole_needed {
        (features, lf)
    } else {
        let empty = features.clear();
        // Shadowing would keep the whole frame alive to the end of the function.
        drop(features);
        drop(lf);
        (empty.clone(), empty.lazy())
    };
    laps.lap("split by gemeente");
    // Focus areas side by side: each one's queries are small (one gemeente's persons), too
    // small for polars to spread over the cores; the rows keep the order of `areas`.
    type AreaRows = (Vec<SegmentRow>, Vec<CellSpec>);
    let per_area = areas
        .par_iter()
        .map(|code| -> crate::error::Result<AreaRows> {
            let mut rows = Vec::new();
            let mut cells: Vec<CellSpec> = Vec::new();
            let level = Level::of_code(code).unwrap_or(Level::Gemeente);
            let area = FocusArea {
                level,
                code: code.clone(),
            };
            let lf = match Level::Gemeente
                .ancestor_of(code)
                .and_then(|g| by_gemeente.get(&g))
            {
                Some(df) => df.clone().lazy(),
                None => lf.clone(),
            };
            let segments = match fixed {
                Some(by_area) => by_area.get(code).map(Vec::as_slice).unwrap_or(&[]),
                None => segments,
            };
            rows.extend(evaluate(&lf, segments, &area, min_volume, min_cell)?);
            cells.extend(segments.iter().map(|s| CellSpec {
                area: area.clone(),
                expr: s.expr.clone(),
            }));
            if focus.propose && fixed.is_none() {
                let code_col = format!("{level}_code");
                let local = lf
                    .clone()
                    .filter(col(code_col.as_str()).eq(lit(code.as_str())))
                    .collect()?;
                let (fs, y, w) = crate::stages::focus::features::tree_inputs(&local)?;
                let proposal = crate::stages::focus::proposals::propose(
                    &fs,
                    &y,
                    &w,
                    min_volume as usize,
                    focus.max_depth,
                );
                if proposal.leaves.len() > 1 {
                    let defs: Vec<crate::stages::focus::segments::SegmentDef> = proposal
                        .leaves
                        .iter()
                        .enumerate()
                        .map(|(i, l)| crate::stages::focus::segments::SegmentDef {
                            name: format!("{}{}", super::segment_rows::PROPOSAL_PREFIX, i + 1),
                            filter: l.rule.clone(),
                        })
                        .collect();
                    let compiled = compile_all(&defs).map_err(|e| {
                        crate::error::Error::Other(format!(
                            "internal: a proposed rule does not compile: {e}"
                        ))
                    })?;
                    let mut evaluated = evaluate(&lf, &compiled, &area, min_volume, min_cell)?;
                    for r in &mut evaluated {
                        r.r2_tree = proposal.r2;
                    }
                    rows.extend(evaluated);
                    cells.extend(compiled.iter().map(|s| CellSpec {
                        area: area.clone(),
                        expr: s.expr.clone(),
                    }));
                }
            }
            Ok((rows, cells))
        })
        .collect::<crate::error::Result<Vec<_>>>()?;
    let mut rows = Vec::new();
    let mut cells: Vec<CellSpec> = Vec::new();
    for (r, c) in per_area {
        rows.extend(r);
        cells.extend(c);
    }
    laps.lap("segments");
    let mut suppression = segment_cells::SegmentSuppression {
        small: rows.iter().filter(|r| r.suppressed).count(),
        ..Default::default()
    };
    for (_, reason) in protect_table(
        &features,
        Some(&by_gemeente),
        &cells,
        &mut rows,
        &[],
        min_cell,
    )? {
        suppression.add(reason);
    }
    laps.lap("disclosure check");
    let table = to_frame(&rows)?;
    Ok(Focused {
        table,
        rows,
        cells,
        suppression,
        features,
    })
}

/// What the focus stage found: the published table, its rows, each row's cell (area and
/// filter) for later disclosure checks, and the suppression counts by reason.
pub struct Focused {
    pub table: DataFrame,
    pub rows: Vec<SegmentRow>,
    pub cells: Vec<CellSpec>,
    pub suppression: segment_cells::SegmentSuppression,
    /// The person features the segments were judged on (for checking live answers).
    pub features: DataFrame,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ten persons in wijk A (four in the segment), ten in wijk B (one in the segment).
    fn features() -> LazyFrame {
        let wijk: Vec<&str> = (0..20)
            .map(|i| if i < 10 { "WK000101" } else { "WK000102" })
            .collect();
        let seg: Vec<bool> = (0..20).map(|i| i < 4 || i == 10).collect();
        let cost: Vec<f64> = (0..20)
            .map(|i| {
                if i < 4 {
                    1000.0 + 100.0 * i as f64
                } else {
                    100.0
                }
            })
            .collect();
        let mut cols = vec![
            Column::new("wijk_code".into(), wijk),
            Column::new("gemeente_code".into(), vec!["GM0001"; 20]),
            Column::new("flag".into(), seg),
            Column::new("zvw_cost".into(), cost.clone()),
        ];
        for ct in CARE_TYPES {
            let v: Vec<f64> = match ct {
                "msz" => cost.iter().map(|c| c * 0.75).collect(),
                "farmacie" => cost.iter().map(|c| c * 0.25).collect(),
                _ => vec![0.0; 20],
            };
            cols.push(Column::new(format!("zvw_{ct}").into(), v));
        }
        DataFrame::new_infer_height(cols).unwrap().lazy()
    }

    #[test]
    fn segment_evidence_by_hand() {
        let seg = Segment {
            name: "s".into(),
            filter: "flag".into(),
            expr: col("flag"),
        };
        let area = FocusArea {
            level: Level::Wijk,
            code: "WK000101".into(),
        };
        let rows = evaluate(&features(), &[seg], &area, 3, 2).unwrap();
        let r = &rows[0];
        assert_eq!(r.persons, Some(4));
        assert_eq!(r.share_of_area, Some(0.4));
        assert_eq!(r.cost_per_person, Some(1150.0)); // 1000, 1100, 1200, 1300
        assert_eq!(r.cost_per_person_rest, Some(100.0));
        // 4/10 in the area against 5/20 in the gemeente.
        assert!((r.relative_rate.unwrap() - 1.6).abs() < 1e-12);
        let sd = (((150.0f64).powi(2) * 2.0 + 50.0f64.powi(2) * 2.0) / 3.0).sqrt();
        assert!((r.cv_cost.unwrap() - sd / 1150.0).abs() < 1e-12);
        assert_eq!(r.passes_volume, Some(true));
        assert_eq!(r.top2_care_types.as_deref(), Some("msz, farmacie"));
        assert!((r.top2_care_share.unwrap() - 1.0).abs() < 1e-12);
        // Between-group SS over total SS: means 1150 (n 4) and 100 (n 6), grand mean 520.
        let ss_between = 4.0 * 630.0f64.powi(2) + 6.0 * 420.0f64.powi(2);
        let ss_within = 150.0f64.powi(2) * 2.0 + 50.0f64.powi(2) * 2.0;
        let r2 = ss_between / (ss_between + ss_within);
        assert!(
            (r.r2_split.unwrap() - r2).abs() < 1e-9,
            "{:?} vs {r2}",
            r.r2_split
        );
    }

    #[test]
    fn small_segments_are_suppressed() {
        let seg = Segment {
            name: "s".into(),
            filter: "flag".into(),
            expr: col("flag"),
        };
        let area = FocusArea {
            level: Level::Wijk,
            code: "WK000101".into(),
        };
        let rows = evaluate(&features(), &[seg], &area, 3, 5).unwrap();
        assert!(rows[0].suppressed);
        assert_eq!(rows[0].persons, None);
        assert_eq!(rows[0].cost_per_person, None);
    }
}
