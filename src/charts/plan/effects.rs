//! Per intervention, its event study (SPEC 3.10): the main outcome's gap per period with the
//! placebo band and the start marked.

use crate::charts::chart::{Chart, Kind, Section, WIDTH};
use crate::charts::effect::{EffectChart, EffectPoint};
use crate::text::Lang;
use crate::view::RunView;

/// The interventions of the run in table order, each once.
pub fn interventions(view: &RunView) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in &view.effects.rows {
        if !out.contains(&r.intervention) {
            out.push(r.intervention.clone());
        }
    }
    out
}

pub(super) fn effects_plan(view: &RunView, lang: Lang, out: &mut Vec<Chart>) {
    for (k, name) in interventions(view).iter().enumerate() {
        // The main line: capped cost above the norm, or the segment's cost.
        let Some(row) = view.effects.rows.iter().find(|r| r.intervention == *name) else {
            continue;
        };
        let points: Vec<EffectPoint> = view
            .effects
            .series
            .iter()
            .filter(|p| p.intervention == *name && p.outcome == row.outcome)
            .map(|p| EffectPoint {
                period: p.period.clone(),
                event: p.event,
                band: p.band,
                provisional: p.provisional,
            })
            .collect();
        let start = view
            .effects
            .series
            .iter()
            .filter(|p| p.intervention == *name && p.outcome == row.outcome)
            .position(|p| p.post)
            .unwrap_or(0);
        if points.is_empty() {
            continue;
        }
        let per = if row.segment.is_some() {
            lang.t("per persoon", "per person")
        } else {
            lang.t(
                "per verzekerdenjaar boven de norm (afgetopt)",
                "per insured year above the norm (capped)",
            )
        };
        out.push(Chart {
            stem: format!("effect_{}", k + 1),
            caption: format!(
                "{name}: {} {per}, {}",
                lang.t("verschil met de vergelijkingsgebieden", "difference from the comparison areas"),
                lang.t(
                    "ten opzichte van vóór de start; grijs: waar de verschillen van de vergelijkingsgebieden zelf vallen (placeboband)",
                    "relative to before the start; grey: where the comparison areas' own differences fall (placebo band)"
                )
            ),
            section: Section::Effects,
            size: (WIDTH, 440),
            kind: Kind::Effect(EffectChart {
                title: format!("{name} — {}", row.areas.join(", ")),
                subtitle: format!(
                    "{} {per}",
                    lang.t("Verschil met de vergelijking", "Difference from the comparison")
                ),
                points,
                start,
                start_label: format!("{} {}", lang.t("start", "start"), row.start),
                band_label: lang.t("placeboband (95%)", "placebo band (95%)").into(),
                provisional_label: lang.t("voorlopig", "provisional").into(),
                no_band_label: lang
                    .t(
                        "geen placeboband: te weinig vergelijkingsgebieden (minder dan 19)",
                        "no placebo band: too few comparison areas (fewer than 19)",
                    )
                    .into(),
                lang,
            }),
        });
    }
}
