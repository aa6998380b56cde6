//! A live focus-group query from the page: the filter is parsed and checked like
//! `focus --segment`, judged in the area on the features held in memory, and checked by the
//! run's live audit (the same file as the terminal's, under its lock) before anything is sent.

use super::session::{Answer, Outcome};
use super::state::{Live, Served};
use crate::domain::Level;
use crate::stages::focus::segment_rows::{CellSpec, FocusArea};
use crate::stages::focus::segments::SegmentDef;
use crate::text::Lang;
use polars::prelude::*;

/// A query the page could not even ask: the filter's error and where it goes wrong.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FilterError {
    pub message: String,
    /// 1-based column in the filter, when known.
    pub column: Option<u64>,
}

/// What a query gives: an outcome for the log, or a bad request.
pub enum Reply {
    Outcome(Outcome),
    BadFilter(FilterError),
    /// The area is not one live segments can be judged in.
    BadArea(String),
    /// Live segments are not available (no private cache).
    Unavailable(String),
}

/// Answers `filter` in `area` for the page (`lang` for the refusal's words).
pub fn query(served: &Served, area: &str, filter: &str, lang: Lang) -> crate::error::Result<Reply> {
    let live = match &served.live {
        Ok(l) => l,
        Err(why) => return Ok(Reply::Unavailable(why.clone())),
    };
    let Some(level) =
        Level::of_code(area).filter(|l| matches!(l, Level::Buurt | Level::Wijk | Level::Gemeente))
    else {
        return Ok(Reply::BadArea(format!(
            "`{area}` is not a buurt (BU…), wijk (WK…) or gemeente (GM…) code"
        )));
    };
    let view = served.view(None).map_err(crate::error::Error::Other)?;
    let view = view.as_ref();
    match view.area(area) {
        None => {
            return Ok(Reply::BadArea(format!(
                "`{area}` is not an area of this run"
            )))
        }
        Some(a) if a.suppressed => {
            return Ok(Reply::Outcome(Outcome::Refused {
                reason: lang
                    .t(
                        "het gebied zelf heeft te weinig personen om groepen in te tonen",
                        "the area itself has too few persons to show groups in",
                    )
                    .into(),
            }))
        }
        Some(_) => {}
    }
    let number = served
        .session
        .lock()
        .map_err(super::state::poisoned)?
        .entries
        .len()
        + 1;
    let def = SegmentDef {
        name: format!("sessie_{number}"),
        filter: filter.trim().to_string(),
    };
    if def.filter.is_empty() {
        return Ok(Reply::BadFilter(FilterError {
            message: "the filter is empty".into(),
            column: None,
        }));
    }
    let compiled = match crate::stages::focus::groups::compile_all(std::slice::from_ref(&def)) {
        Ok(c) => c,
        Err(e) => {
            return Ok(Reply::BadFilter(FilterError {
                message: e.message,
                column: e.column,
            }))
        }
    };
    if let Err(e) = crate::stages::focus::segments::check_on_schema(
        &def.name,
        &def.filter,
        &compiled[0].expr,
        live.features.schema(),
    ) {
        return Ok(Reply::BadFilter(FilterError {
            message: e.message,
            column: e.column,
        }));
    }
    let focus_area = FocusArea {
        level,
        code: area.to_string(),
    };
    let local = local_frame(live, area);
    let mut rows = match crate::stages::focus::groups::evaluate(
        &local,
        &compiled,
        &focus_area,
        served.min_volume,
        served.min_cell,
    ) {
        Ok(rows) => rows,
        // An area without insured persons in the cache (none live there this period).
        Err(e) => {
            return Ok(Reply::BadArea(
                crate::stages::focus::segments::short_message(&e),
            ))
        }
    };
    let cells = vec![CellSpec {
        area: focus_area,
        expr: compiled[0].expr.clone(),
    }];
    let answer = crate::live_audit::answer(
        &served.dir,
        false,
        &live.features,
        Some(&live.by_gemeente),
        &mut rows,
        &cells,
        served.min_cell,
    )?;
    let row = &rows[0];
    let outcome = if answer.refused[0] {
        Outcome::Refused {
            reason: format!(
                "{} {} {}",
                lang.t(
                    "samen met wat deze run al liet zien zou dit een groep van 1 tot",
                    "together with what this run has already shown, this would let a group of 1 to"
                ),
                served.min_cell - 1,
                lang.t(
                    "personen door aftrekken herkenbaar maken",
                    "persons be computed by difference"
                )
            ),
        }
    } else if row.suppressed {
        Outcome::Refused {
            reason: format!(
                "{} {} {}",
                lang.t("minder dan", "fewer than"),
                served.min_cell,
                lang.t(
                    "personen: te klein om te tonen (of het verschil met de rest van het gebied is te klein)",
                    "persons: too small to show (or the rest of the area is too small)"
                )
            ),
        }
    } else {
        Outcome::Answered(Answer {
            persons: row.persons.unwrap_or(0),
            share: row.share_of_area.unwrap_or(0.0),
            cost_per_person: row.cost_per_person,
            rest_cost_per_person: row.cost_per_person_rest,
            cv: row.cv_cost,
            passes_volume: row.passes_volume,
        })
    };
    Ok(Reply::Outcome(outcome))
}

/// The persons of the area's gemeente (everything a segment's figures use lies there).
fn local_frame(live: &Live, area: &str) -> LazyFrame {
    match Level::Gemeente
        .ancestor_of(area)
        .and_then(|g| live.by_gemeente.get(&g))
    {
        Some(df) => df.clone().lazy(),
        None => live.features.clone().lazy(),
    }
}
