//! Which focus groups a reader sees, and by what name (issue 31). The regression tree proposes
//! a group per leaf, including leaves that cost less than the rest of the area; the report and
//! its charts show, per focus area, every segment the analyst defined (built-in or own) and at
//! most `MAX_PROPOSALS` proposals: those with enough volume that cost more than the rest,
//! largest total excess (persons × excess per person) first. `segments.csv` keeps them all.
//! A proposal is named by what it is, in words (`4 zorgvormen, met msz`), never `voorstel_N`.

use super::segment_words;
use super::SegmentRow;
use crate::text::Lang;

/// At most this many proposals per focus area in the report.
pub const MAX_PROPOSALS: usize = 5;

/// Whether a row is a proposal of the tree (not a segment the analyst defined).
pub fn is_proposal(s: &SegmentRow) -> bool {
    s.segment
        .starts_with(crate::stages::focus::segment_rows::PROPOSAL_PREFIX)
}

/// Persons × excess cost per person, for a published group with enough volume that costs more
/// than the rest of its area.
pub fn total_excess(s: &SegmentRow) -> Option<f64> {
    if s.suppressed || s.passes_volume != Some(true) {
        return None;
    }
    let excess = s.excess_per_person()?;
    (excess > 0.0).then(|| excess * s.persons.unwrap_or(0.0))
}

/// The rows of one focus area a reader sees: the analyst's segments in their order, then the
/// proposals worth a council's attention, largest total excess first.
pub fn shown<'a>(rows: impl Iterator<Item = &'a SegmentRow>) -> Vec<&'a SegmentRow> {
    let (proposals, own): (Vec<&SegmentRow>, Vec<&SegmentRow>) = rows.partition(|s| is_proposal(s));
    let mut ranked: Vec<(&SegmentRow, f64)> = proposals
        .into_iter()
        .filter_map(|s| Some((s, total_excess(s)?)))
        .collect();
    ranked.sort_by(|(a, x), (b, y)| y.total_cmp(x).then_with(|| a.segment.cmp(&b.segment)));
    own.into_iter()
        .chain(ranked.into_iter().take(MAX_PROPOSALS).map(|(s, _)| s))
        .collect()
}

/// A group's name for a reader: a proposal's filter in words (or the filter itself where it
/// does not read as words), an analyst's segment by its own name.
pub fn name(s: &SegmentRow, lang: Lang) -> String {
    if is_proposal(s) {
        segment_words::describe(&s.filter, lang).unwrap_or_else(|| s.filter.clone())
    } else {
        s.segment.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(segment: &str, persons: f64, cost: f64, rest: f64, volume: bool) -> SegmentRow {
        SegmentRow {
            segment: segment.into(),
            area_code: "GM0153".into(),
            suppressed: false,
            persons: Some(persons),
            share_of_area: None,
            cost_per_person: Some(cost),
            cost_per_person_rest: Some(rest),
            relative_rate: None,
            cv_cost: None,
            passes_volume: Some(volume),
            filter: "care_forms >= 3".into(),
        }
    }

    #[test]
    fn at_most_five_proposals_that_cost_more_largest_total_excess_first() {
        let mut rows = vec![row("eigen", 50.0, 100.0, 900.0, false)];
        for i in 1..=9 {
            // voorstel_i: i × 100 persons, excess (i − 3) × 100: 1–3 cost no more than the rest.
            rows.push(row(
                &format!("voorstel_{i}"),
                100.0 * i as f64,
                1000.0 + 100.0 * (i as f64 - 3.0),
                1000.0,
                true,
            ));
        }
        rows.push(row("voorstel_10", 5000.0, 9000.0, 1000.0, false)); // too small a group
        let shown: Vec<&str> = shown(rows.iter())
            .iter()
            .map(|s| s.segment.as_str())
            .collect();
        assert_eq!(
            shown,
            [
                "eigen",
                "voorstel_9",
                "voorstel_8",
                "voorstel_7",
                "voorstel_6",
                "voorstel_5"
            ]
        );
    }

    #[test]
    fn a_proposal_is_named_in_words() {
        let r = row("voorstel_1", 100.0, 2000.0, 1000.0, true);
        let n = name(&r, Lang::Nl);
        assert!(!n.contains("voorstel") && !n.is_empty(), "{n}");
        assert_eq!(
            name(&row("ggz_met_wmo", 1.0, 1.0, 1.0, true), Lang::Nl),
            "ggz_met_wmo"
        );
    }
}
