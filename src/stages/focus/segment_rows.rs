//! A segment as compiled, the focus area it is judged in, and the row it makes in the segments
//! table (with the cell the disclosure checks see), shared by the evaluation and the
//! suppression of the table.

use crate::domain::Level;
use polars::prelude::*;

/// The name of the tree's proposals (`voorstel_1`, …), which the report names in words.
pub const PROPOSAL_PREFIX: &str = "voorstel_";

/// A compiled segment.
pub struct Segment {
    pub name: String,
    pub filter: String,
    pub expr: Expr,
}

/// Where and how to judge segments.
#[derive(Debug, Clone)]
pub struct FocusArea {
    /// Buurt, wijk or gemeente: the features column holding the code is the level's
    /// `code_column`.
    pub level: Level,
    pub code: String,
}

/// One evaluated segment; `None` where suppressed or undefined.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SegmentRow {
    pub segment: String,
    pub area_code: String,
    pub persons: Option<i64>,
    pub share_of_area: Option<f64>,
    pub cost_per_person: Option<f64>,
    pub cost_per_person_rest: Option<f64>,
    pub relative_rate: Option<f64>,
    pub cv_cost: Option<f64>,
    pub passes_volume: Option<bool>,
    pub min_persons_for_precision: Option<f64>,
    pub top2_care_types: Option<String>,
    pub top2_care_share: Option<f64>,
    pub r2_split: Option<f64>,
    /// For proposed segments: R² of the whole tree segmentation of the area.
    pub r2_tree: Option<f64>,
    pub suppressed: bool,
    pub filter: String,
}

/// A suppressed row: every figure gone, name, area and filter kept.
pub(crate) fn blank(row: SegmentRow) -> SegmentRow {
    SegmentRow {
        suppressed: true,
        ..SegmentRow::empty(row.segment, row.area_code, row.filter)
    }
}

impl SegmentRow {
    /// A row with no figures, not (yet) suppressed.
    pub fn empty(segment: String, area_code: String, filter: String) -> SegmentRow {
        SegmentRow {
            segment,
            area_code,
            persons: None,
            share_of_area: None,
            cost_per_person: None,
            cost_per_person_rest: None,
            relative_rate: None,
            cv_cost: None,
            passes_volume: None,
            min_persons_for_precision: None,
            top2_care_types: None,
            top2_care_share: None,
            r2_split: None,
            r2_tree: None,
            suppressed: false,
            filter,
        }
    }
}

/// A segment cell for the disclosure check: its focus area and its filter.
#[derive(Clone)]
pub struct CellSpec {
    pub area: FocusArea,
    pub expr: Expr,
}

/// The rows as a frame with the SPEC 4.1 columns first.
pub fn to_frame(rows: &[SegmentRow]) -> PolarsResult<DataFrame> {
    let s = |f: &dyn Fn(&SegmentRow) -> String| rows.iter().map(f).collect::<Vec<_>>();
    df!(
        "segment" => s(&|r| r.segment.clone()),
        "area_code" => s(&|r| r.area_code.clone()),
        "persons" => rows.iter().map(|r| r.persons).collect::<Vec<_>>(),
        "share_of_area" => rows.iter().map(|r| r.share_of_area).collect::<Vec<_>>(),
        "cost_per_person" => rows.iter().map(|r| r.cost_per_person).collect::<Vec<_>>(),
        "cost_per_person_rest" => rows.iter().map(|r| r.cost_per_person_rest).collect::<Vec<_>>(),
        "relative_rate" => rows.iter().map(|r| r.relative_rate).collect::<Vec<_>>(),
        "cv_cost" => rows.iter().map(|r| r.cv_cost).collect::<Vec<_>>(),
        "passes_volume" => rows.iter().map(|r| r.passes_volume).collect::<Vec<_>>(),
        "min_persons_for_precision" => rows.iter().map(|r| r.min_persons_for_precision).collect::<Vec<_>>(),
        "top2_care_types" => rows.iter().map(|r| r.top2_care_types.clone()).collect::<Vec<_>>(),
        "top2_care_share" => rows.iter().map(|r| r.top2_care_share).collect::<Vec<_>>(),
        "r2_split" => rows.iter().map(|r| r.r2_split).collect::<Vec<_>>(),
        "r2_tree" => rows.iter().map(|r| r.r2_tree).collect::<Vec<_>>(),
        "suppressed" => rows.iter().map(|r| r.suppressed).collect::<Vec<_>>(),
        "filter" => s(&|r| r.filter.clone()),
    )
}
