//! "Effect van de aanpak" (SPEC 3.10, METHODS 10): each intervention's estimate in words — in
//! euros per insured year, percent of the treated pre-level and total over the post-periods,
//! "geen aantoonbaar effect" when the interval holds 0 (never "geen effect") — its checks, and
//! the table.

use crate::text::Lang;
use crate::view::effects::EffectRow;
use serde::Serialize;

fn what(row: &EffectRow, lang: Lang) -> &'static str {
    match row.outcome.as_str() {
        "capped_cost_above_norm" => lang.t(
            "kosten per verzekerdenjaar boven de norm (afgetopt)",
            "cost per insured year above the norm (capped)",
        ),
        "raw_cost_above_norm" => lang.t(
            "kosten per verzekerdenjaar boven de norm (niet afgetopt)",
            "cost per insured year above the norm (not capped)",
        ),
        _ => lang.t(
            "kosten per persoon van de groep",
            "cost per person of the group",
        ),
    }
}

fn per(row: &EffectRow, lang: Lang) -> &'static str {
    if row.outcome == "segment_cost_per_person" {
        lang.t("per persoon", "per person")
    } else {
        lang.t("per verzekerdenjaar", "per insured year")
    }
}

/// The estimate and its checks in sentences, the conclusion first.
pub fn words(row: &EffectRow, lang: Lang) -> Vec<String> {
    let euro = |v: f64| lang.euro(v);
    let pct = row
        .pct
        .map(|p| format!(" ({}{})", if p > 0.0 { "+" } else { "" }, lang.percent(p)))
        .unwrap_or_default();
    let target = match &row.segment {
        Some(s) => format!(
            "{} {s} {} {}",
            lang.t("groep", "group"),
            lang.t("in", "in"),
            row.areas.join(", ")
        ),
        None => row.areas.join(", "),
    };
    let direction = if row.estimate < 0.0 {
        lang.t("daalden", "fell")
    } else {
        lang.t("stegen", "rose")
    };
    let mut out = Vec::new();
    let head = format!(
        "{} ({target}, {} {}): {} {} {direction} {} {} {} {}{pct}",
        row.intervention,
        lang.t("vanaf", "from"),
        row.start,
        lang.t("de", "the"),
        what(row, lang),
        lang.t("met", "by"),
        euro(row.estimate.abs()),
        per(row, lang),
        lang.t(
            "ten opzichte van de vergelijkingsgebieden",
            "relative to the comparison areas"
        ),
    );
    out.push(format!("{head}."));
    let conclusion = match row.ci {
        None => format!(
            "{} {} {} {} (p = {}): {}.",
            lang.t("Met", "With"),
            row.placebos,
            lang.t("vergelijkingsgebieden", "comparison areas"),
            lang.t(
                "kan geen p onder 0,05 bestaan en is het 95%-interval onbegrensd",
                "no p below 0.05 can exist and the 95% interval is unbounded"
            ),
            lang.number(row.p_value, 2),
            lang.t("geen aantoonbaar effect", "no demonstrable effect")
        ),
        Some((lo, hi)) if lo <= 0.0 && hi >= 0.0 => format!(
            "{}: {} {} {} {} {}; p = {}.",
            lang.t("Geen aantoonbaar effect", "No demonstrable effect"),
            lang.t("het 95%-interval", "the 95% interval"),
            euro(lo),
            lang.t("tot", "to"),
            euro(hi),
            lang.t("bevat 0", "contains 0"),
            lang.number(row.p_value, 2)
        ),
        Some((lo, hi)) => format!(
            "{}: {} {} {} {}, p = {} ({} {} {}).",
            lang.t("Aantoonbaar", "Demonstrable"),
            lang.t("95%-interval", "95% interval"),
            euro(lo),
            lang.t("tot", "to"),
            euro(hi),
            lang.number(row.p_value, 3),
            lang.t("tegen", "against"),
            row.placebos,
            lang.t(
                "vergelijkingsgebieden als schijnbehandeling",
                "comparison areas treated as placebos"
            )
        ),
    };
    out.push(conclusion);
    if row.outcome != "segment_cost_per_person" {
        out.push(format!(
            "{} {} {} {} {}.",
            lang.t("Over de", "Over the"),
            row.post_periods,
            lang.t(
                "perioden na de start is dat in totaal",
                "periods after the start that is"
            ),
            euro(row.total),
            lang.t(
                "tegen de ontwikkeling bij de vergelijkingsgebieden",
                "in total against the development in the comparison areas"
            )
        ));
    }
    if row.pre_trend_differs {
        if let Some((d, se)) = row.pre_trend {
            out.push(format!(
                "{} {} {} {}); {}",
                lang.t("Let op: vóór de start liep het gebied al anders dan de vergelijking (verschil in helling", "Note: before the start the area already moved differently from the comparison (slope difference"),
                euro(d),
                lang.t("per periode, SE", "per period, SE"),
                euro(se),
                lang.t("de schatting rust op een aanname die de gegevens betwijfelen.", "the estimate rests on an assumption the data question.")
            ));
        }
    }
    if row.regression_to_the_mean {
        out.push(lang.t(
            "Let op: het gebied was vóór de start hoog gemarkeerd; een deel van een daling kan terugval naar het gemiddelde zijn.",
            "Note: the area was flagged high before its start; part of a fall may be regression to the mean.",
        ).into());
    }
    if let Some((e, se)) = row.in_time {
        out.push(format!(
            "{} {} (SE {}).",
            lang.t(
                "Controle: een schijnstart midden in de periode vóór de start geeft",
                "Check: a false start in the middle of the pre-period gives"
            ),
            euro(e),
            euro(se)
        ));
    }
    if let Some((e, rmspe)) = row.synth {
        out.push(format!(
            "{} {} ({} {}).",
            lang.t(
                "Synthetische controle (gewogen vergelijkingsgebieden):",
                "Synthetic control (weighted comparison areas):"
            ),
            euro(e),
            lang.t("afwijking vóór de start", "pre-period RMSPE"),
            euro(rmspe)
        ));
    }
    out.push(format!(
        "{} {} {}.",
        lang.t(
            "Kleinste effect dat deze opzet met 80% kans vindt:",
            "Smallest effect this design finds with 80% power:"
        ),
        euro(row.mde),
        per(row, lang)
    ));
    out
}

/// A row of the report's effects table, formatted.
#[derive(Serialize)]
pub struct EffectLine {
    pub intervention: String,
    pub outcome: String,
    pub estimate: String,
    pub pct: String,
    pub total: String,
    pub interval: String,
    pub p: String,
    pub donors: String,
}

pub fn line(row: &EffectRow, lang: Lang) -> EffectLine {
    EffectLine {
        intervention: row.intervention.clone(),
        outcome: what(row, lang).into(),
        estimate: lang.euro(row.estimate),
        pct: row
            .pct
            .map(|p| lang.percent(p))
            .unwrap_or_else(|| "–".into()),
        total: if row.outcome == "segment_cost_per_person" {
            "–".into()
        } else {
            lang.euro(row.total)
        },
        interval: row
            .ci
            .map(|(a, b)| format!("{} {} {}", lang.euro(a), lang.t("tot", "to"), lang.euro(b)))
            .unwrap_or_else(|| lang.t("onbegrensd", "unbounded").into()),
        p: lang.number(row.p_value, 3),
        donors: row.donors.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(ci: Option<(f64, f64)>) -> EffectRow {
        EffectRow {
            intervention: "Wijkaanpak Centrum".into(),
            outcome: "capped_cost_above_norm".into(),
            areas: vec!["WK001401".into()],
            segment: None,
            start: "2024Q1".into(),
            post_periods: 4,
            pre_level: 3000.0,
            estimate: -300.0,
            pct: Some(-0.1),
            total: -120_000.0,
            ci,
            p_value: 0.03,
            donors: 38,
            placebos: 38,
            pre_trend: Some((5.0, 20.0)),
            pre_trend_differs: false,
            in_time: Some((12.0, 90.0)),
            mde: 250.0,
            synth: Some((-280.0, 40.0)),
            regression_to_the_mean: true,
        }
    }

    #[test]
    fn an_interval_holding_zero_is_no_demonstrable_effect_never_no_effect() {
        let w = words(&row(Some((-500.0, 40.0))), Lang::Nl).join(" ");
        assert!(
            w.contains("Geen aantoonbaar effect: het 95%-interval € -500 tot € 40 bevat 0"),
            "{w}"
        );
        assert!(
            !w.contains("geen effect") && !w.contains("Geen effect"),
            "{w}"
        );
        let w = words(&row(Some((-520.0, -80.0))), Lang::Nl).join(" ");
        assert!(w.contains("daalden met € 300 per verzekerdenjaar ten opzichte van de vergelijkingsgebieden (-10,0%)"), "{w}");
        assert!(
            w.contains("(-10,0%)") && w.contains("Aantoonbaar") && w.contains("€ -120.000"),
            "{w}"
        );
        assert!(w.contains("terugval naar het gemiddelde"), "{w}");
        let w = words(&row(None), Lang::En).join(" ");
        assert!(w.contains("no p below 0.05 can exist"), "{w}");
        assert!(w.contains("no demonstrable effect"), "{w}");
    }
}
