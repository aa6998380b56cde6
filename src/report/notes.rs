//! The report's sentences: the summary's findings, the ledgers, and the notes on method,
//! privacy and the period, written from the run view in the report's language.

use crate::domain::Level;
use crate::text::labels;
use crate::text::Lang;
use crate::view::{FlagRow, RunView, SegmentRow};
use serde::Serialize;

#[derive(Serialize)]
pub(super) struct LedgerRow {
    pub(super) bucket: String,
    pub(super) rows: String,
    pub(super) eur: String,
}

#[derive(Serialize)]
pub(super) struct Ledger {
    pub(super) title: String,
    pub(super) rows: Vec<LedgerRow>,
    pub(super) balanced: String,
}

/// The name of an outlier metric (the `metric` column of `outliers`): a profile column's own
/// label, or the O/E against the norm.
pub fn metric_label(lang: Lang, metric: &str) -> String {
    match metric {
        "oe_norm" => lang.l(labels::COST_VS_NORM_O_E).into(),
        // Older run folders (manifest format 1) flagged capped O/E under its own name.
        "oe_norm_capped" => lang.l(labels::COST_VS_NORM_CAPPED_O_E).into(),
        m => crate::published::find(m).map_or_else(|| m.into(), |c| c.label(lang).to_string()),
    }
}

/// Formats an observed or expected value in the metric's unit.
pub fn metric_value(metric: &str, v: f64, lang: Lang) -> String {
    if metric == "wmo_clients_per_1000" {
        lang.number(v, 1)
    } else {
        lang.euro(v)
    }
}

/// The level the summary speaks of: wijk when the run has it, else the coarsest below gemeente.
pub fn summary_level(view: &RunView) -> Option<Level> {
    let levels = view.chart_levels();
    [Level::Wijk, Level::Buurt, Level::Pc5, Level::Gemeente]
        .into_iter()
        .find(|l| levels.contains(l))
}

/// The best-scoring focus group: among published groups with enough volume that cost more
/// than the rest of their area, the largest total excess cost (persons × excess per person),
/// ties to the lower coefficient of variation.
pub fn best_segment(segments: &[SegmentRow]) -> Option<&SegmentRow> {
    segments
        .iter()
        .filter(|s| !s.suppressed && s.passes_volume == Some(true))
        .filter_map(|s| {
            let excess = s.excess_per_person()?;
            let persons = s.persons?;
            (excess > 0.0).then_some((s, excess * persons))
        })
        .max_by(|(a, x), (b, y)| {
            x.total_cmp(y)
                .then_with(|| {
                    b.cv_cost
                        .unwrap_or(f64::MAX)
                        .total_cmp(&a.cv_cost.unwrap_or(f64::MAX))
                })
                .then_with(|| b.segment.cmp(&a.segment))
        })
        .map(|(s, _)| s)
}

pub fn findings(view: &RunView, lang: Lang) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(level) = summary_level(view) {
        let worst = view
            .shown(level)
            .filter(|a| a.resultaat_eur.is_some_and(|r| r < 0.0))
            .min_by(|a, b| {
                a.resultaat_eur
                    .unwrap_or(0.0)
                    .total_cmp(&b.resultaat_eur.unwrap_or(0.0))
                    .then_with(|| a.code.cmp(&b.code))
            });
        out.push(match worst {
            Some(a) => format!(
                "{} {} {} ({}) {} {} ({} {}; O/E {}).",
                lang.l(labels::THE),
                lang.level(level),
                a.name,
                a.code,
                lang.l(labels::HAS_THE_LARGEST_NEGATIVE_RESULTAAT),
                lang.euro(a.resultaat_eur.unwrap_or(0.0)),
                lang.euro(a.resultaat_per_iy.unwrap_or(0.0)),
                lang.l(labels::PER_INSURED_YEAR),
                a.oe.map(|v| lang.ratio(v)).unwrap_or_else(|| "–".into()),
            ),
            None => format!(
                "{} {}.",
                lang.l(labels::NO_AREA_WITH_A_NEGATIVE),
                lang.level(level)
            ),
        });
    }
    let mut flags: Vec<&FlagRow> = view.flags.iter().collect();
    flags.sort_by(|a, b| b.z.abs().total_cmp(&a.z.abs()).then(a.code.cmp(&b.code)));
    if flags.is_empty() {
        out.push(lang.l(labels::THERE_ARE_NO_OUTLIERS).into());
    } else {
        let top: Vec<String> = flags
            .iter()
            .take(3)
            .map(|f| {
                format!(
                    "{} ({}, {}: {} {} {} {}, z = {})",
                    f.name,
                    lang.level(f.level),
                    metric_label(lang, &f.metric),
                    metric_value(&f.metric, f.observed, lang),
                    lang.l(labels::AGAINST),
                    metric_value(&f.metric, f.expected, lang),
                    lang.l(labels::EXPECTED),
                    lang.number(f.z, 1)
                )
            })
            .collect();
        out.push(format!(
            "{} {}.",
            lang.l(labels::STRONGEST_OUTLIERS),
            top.join("; ")
        ));
    }
    out.push(match best_segment(&view.segments) {
        Some(s) => {
            let area = view
                .area(&s.area_code)
                .map(|a| a.name.clone())
                .unwrap_or_else(|| s.area_code.clone());
            let excess = s.excess_per_person().unwrap_or(0.0);
            let persons = s.persons.unwrap_or(0.0);
            format!(
                "{} {} (filter: {}) {} {area}: {} {}, {} {} ({} {} {}).",
                lang.l(labels::BEST_SCORING_FOCUS_GROUP),
                crate::view::focus_groups::name(s, lang),
                s.filter,
                lang.l(labels::IN),
                lang.number(persons, 0),
                lang.l(labels::PERSONS),
                lang.euro(excess),
                lang.l(labels::PER_PERSON_MORE_THAN_THE),
                lang.l(labels::TOGETHER),
                lang.euro(excess * persons),
                lang.l(labels::EXCESS_COST),
            )
        }
        None => lang
            .t(
                "Geen focusgroep met voldoende volume kost meer dan de rest van haar gebied.",
                "No focus group with enough volume costs more than the rest of its area.",
            )
            .into(),
    });
    out
}

pub(super) fn ledgers(view: &RunView, lang: Lang) -> Vec<Ledger> {
    let bucket = |b: &str| -> String {
        match b {
            "input" => lang.l(labels::READ),
            "excluded_duplicates" => lang.l(labels::DUPLICATE_LINES_EXCLUDED),
            "excluded_outside_period" => lang.l(labels::OUTSIDE_THE_PERIOD_EXCLUDED),
            "unassigned" => lang.l(labels::UNASSIGNED_NOT_INSURED),
            "onbekend_gebied" => lang.l(labels::UNKNOWN_AREA_ONBEKEND_GEBIED),
            "areas" => lang.l(labels::IN_AREAS),
            other => return other.to_string(),
        }
        .to_string()
    };
    let mut out = Vec::new();
    for (key, title) in [
        ("zvw", lang.l(labels::ZVW_CLAIMS)),
        ("wmo", lang.l(labels::WMO_PROVISIONS)),
    ] {
        let Some(l) = view.manifest.ledger(key) else {
            continue;
        };
        let row = |b: &crate::stages::profile::reconcile::Bucket| LedgerRow {
            bucket: bucket(&b.bucket),
            rows: lang.number(b.rows as f64, 0),
            eur: lang.euro_decimals(b.cents as f64 / 100.0, 2),
        };
        let mut rows = vec![row(&l.input)];
        rows.extend(l.buckets.iter().map(row));
        out.push(Ledger {
            title: title.into(),
            rows,
            balanced: if l.balanced {
                lang.l(labels::BALANCES_TO_THE_CENT_READ)
            } else {
                lang.l(labels::DOES_NOT_BALANCE)
            }
            .into(),
        });
    }
    out
}

pub(super) fn method_notes(view: &RunView, lang: Lang) -> Vec<String> {
    let m = &view.manifest;
    let mut out = vec![
        lang.l(labels::COST_IS_THE_ZVW_CLAIMS).to_string(),
        lang.l(labels::NORM_AND_ACTUAL_COST_ARE).to_string(),
    ];
    let method = match view.overdispersion.as_str() {
        "multiplicative" => lang.t(
            "multiplicatief (grenzen verbreed met √φ)",
            "multiplicative (limits widened by √φ)",
        ),
        "additive" => lang.t(
            "additief (τ² opgeteld bij de variantie)",
            "additive (τ² added to the variance)",
        ),
        _ => lang.l(labels::NONE),
    };
    out.push(format!(
        "{} {method}. {}",
        lang.l(labels::OUTLIERS_FUNNEL_LIMITS_AT_95),
        lang.t(
            "φ wordt alleen geschat bij minstens 20 beoordeelde gebieden op een niveau, en de grenzen \
             worden alleen verbreed als φ boven wat bij toeval voorkomt ligt: (1 + 1,92/√n)², de \
             95%-grens van φ bij n gebieden zonder echte verschillen.",
            "φ is estimated only with at least 20 judged areas at a level, and the limits are \
             widened only when φ exceeds what chance gives: (1 + 1.92/√n)², the 95% quantile of φ \
             for n areas without real differences.",
        )
    ));
    // Per level, O/E against the norm: φ, the threshold, and whether the limits widened.
    let per_level: Vec<String> = m
        .outliers
        .fits
        .iter()
        .filter(|f| f.metric == "oe_norm")
        .map(|f| match (f.phi, f.phi_threshold) {
            (Some(phi), Some(t)) => format!(
                "{} ({} {}): φ = {}, {} {}, {}",
                lang.level(f.level),
                f.areas,
                lang.t("gebieden", "areas"),
                lang.number(phi, 2),
                lang.t("grens", "threshold"),
                lang.number(t, 2),
                if f.widened {
                    lang.t("grenzen verbreed", "limits widened")
                } else {
                    lang.t("niet verbreed", "not widened")
                }
            ),
            _ => format!(
                "{} ({} {}): {}",
                lang.level(f.level),
                f.areas,
                lang.t("gebieden", "areas"),
                lang.t(
                    "te weinig gebieden, φ niet geschat",
                    "too few areas, φ not estimated"
                )
            ),
        })
        .collect();
    if !per_level.is_empty() {
        out.push(format!("O/E: {}.", per_level.join("; ")));
    }
    let basis = &m.outliers.cost_basis;
    let total_cap = basis.caps.iter().find(|c| c.metric == "total");
    match total_cap {
        Some(cap) => out.push(format!(
            "{} {} {} {} {} {}",
            lang.l(labels::COST_OUTLIERS_ARE_JUDGED_ON),
            lang.euro(cap.cap_per_insured_year_eur),
            lang.l(labels::PER_INSURED_YEAR_THE_99TH),
            lang.percent(cap.share_of_cost_removed),
            lang.l(labels::OF_COST_THE_NORM_IS),
            lang.l(labels::THE_SPREAD_COMES_FROM_THE),
        )),
        None => out.push(lang.l(labels::COST_OUTLIERS_ARE_JUDGED_ON_2).to_string()),
    }
    if basis.estimator == "winsorised" {
        out.push(lang.l(labels::IS_ESTIMATED_WITH_FUNNELPLOTR_S).to_string());
    } else {
        out.push(lang.l(labels::IS_ESTIMATED_FROM_THE_ROBUST).to_string());
    }
    out.push(format!(
        "{} {} {}",
        lang.l(labels::FOCUS_GROUPS_ENOUGH_VOLUME_IS),
        lang.number(view.min_volume as f64, 0),
        lang.l(labels::PERSONS_THE_BEST_SCORING_GROUP)
    ));
    out
}

pub(super) fn privacy_notes(view: &RunView, lang: Lang) -> Vec<String> {
    let s = &view.manifest.suppression;
    let n = |v: usize| lang.number(v as f64, 0);
    vec![
        format!(
            "{} {} {}",
            lang.l(labels::NO_PUBLISHED_FIGURE_DESCRIBES_FEWER),
            view.min_cell,
            lang.l(labels::PERSONS_SMALLER_CELLS_ARE_HIDDEN)
        ),
        format!(
            "{}: {} {} {} {}; {}: {} {} {} {}.",
            lang.l(labels::HIDDEN_PRIMARY),
            n(s.primary_rows),
            lang.l(labels::AREAS_AND),
            n(s.primary_cells),
            lang.l(labels::CELLS),
            lang.l(labels::HIDDEN_SECONDARY),
            n(s.secondary_rows),
            lang.l(labels::AREAS_AND),
            n(s.secondary_cells),
            lang.l(labels::CELLS),
        ),
        lang.l(labels::THE_DATA_ARE_PSEUDONYMISED_THIS).into(),
    ]
}

pub(super) fn period_text(view: &RunView, lang: Lang) -> String {
    let date = |s: &str| -> String {
        match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => {
                let months_nl = [
                    "januari",
                    "februari",
                    "maart",
                    "april",
                    "mei",
                    "juni",
                    "juli",
                    "augustus",
                    "september",
                    "oktober",
                    "november",
                    "december",
                ];
                let months_en = [
                    "January",
                    "February",
                    "March",
                    "April",
                    "May",
                    "June",
                    "July",
                    "August",
                    "September",
                    "October",
                    "November",
                    "December",
                ];
                use chrono::Datelike;
                let m = d.month0() as usize;
                match lang {
                    Lang::Nl => format!("{} {} {}", d.day(), months_nl[m], d.year()),
                    Lang::En => format!("{} {} {}", d.day(), months_en[m], d.year()),
                }
            }
            Err(_) => s.to_string(),
        }
    };
    let (start, end) = (date(&view.period_start), date(&view.period_end));
    match lang {
        Lang::Nl => format!("Periode {} ({start} t/m {end})", view.period),
        Lang::En => format!("Period {} ({start} to {end} inclusive)", view.period),
    }
}

/// "▲ 12,3% hoger" / "▼ 4,0% lager" / "gelijk": a change in symbols and words.
pub fn change_words(pct: f64, lang: Lang) -> String {
    if pct.abs() < 0.05 {
        return lang.l(labels::UNCHANGED).into();
    }
    let (mark, word) = if pct > 0.0 {
        ("▲", lang.l(labels::HIGHER))
    } else {
        ("▼", lang.l(labels::LOWER))
    };
    format!("{mark} {} {word}", lang.percent(pct.abs() / 100.0))
}

pub fn significance(flag: Option<&str>, lang: Lang) -> String {
    match flag {
        Some("99.8") => lang.l(labels::SIGNIFICANT_AT_99_8).into(),
        Some(_) => lang.l(labels::SIGNIFICANT_AT_95).into(),
        None => lang.l(labels::WITHIN_CHANCE).into(),
    }
}

/// What changed, for the summary of a quarterly report (empty for a one-period run): the
/// whole extract against the same period a year earlier and the previous period, the
/// significant changes of the summary level, and the areas with a recent trend. A change
/// involving a provisional period says so.
pub fn changes(view: &RunView, lang: Lang) -> Vec<String> {
    if view.periods.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let provisional_note = |provisional: bool| {
        if provisional {
            format!(" ({})", lang.l(labels::PROVISIONAL_CLAIMS_STILL_ARRIVING))
        } else {
            String::new()
        }
    };
    let total = view
        .latest_changes(Level::Total, "zvw_cost_per_insured_year")
        .into_iter()
        .next();
    if let Some(t) = total {
        let mut s = format!(
            "{} {}: {}",
            lang.l(labels::WHOLE_EXTRACT_COST_PER_INSURED_YEAR),
            view.period,
            t.value.map(|v| lang.euro(v)).unwrap_or_else(|| "–".into())
        );
        if let (Some(p), Some(y)) = (t.change_year_pct, &t.year_period) {
            s.push_str(&format!(
                "; {} {} {y} ({})",
                change_words(p, lang),
                lang.l(labels::THAN),
                significance(t.change_year_flag.as_deref(), lang)
            ));
        }
        if let (Some(p), Some(q)) = (t.change_pct, &t.previous_period) {
            s.push_str(&format!(
                "; {} {} {q} ({})",
                change_words(p, lang),
                lang.l(labels::THAN),
                significance(t.change_flag.as_deref(), lang)
            ));
        }
        s.push_str(&provisional_note(t.provisional));
        s.push('.');
        out.push(s);
    }
    if let Some(level) = summary_level(view) {
        let mut flagged: Vec<&crate::view::ChangeRow> = view
            .latest_changes(level, "oe_ratio")
            .into_iter()
            .filter(|r| r.change_year_flag.is_some() && r.change_year_pct.is_some())
            .collect();
        flagged.sort_by(|a, b| {
            b.change_year_pct
                .unwrap_or(0.0)
                .abs()
                .total_cmp(&a.change_year_pct.unwrap_or(0.0).abs())
                .then(a.code.cmp(&b.code))
        });
        let n = flagged.len();
        for r in flagged.iter().take(5) {
            out.push(format!(
                "{} {} ({}): O/E {}, {} {} {} ({}){}.",
                lang.level(level),
                r.name,
                r.code,
                r.value.map(|v| lang.ratio(v)).unwrap_or_else(|| "–".into()),
                change_words(r.change_year_pct.unwrap_or(0.0), lang),
                lang.l(labels::THAN),
                r.year_period.clone().unwrap_or_default(),
                significance(r.change_year_flag.as_deref(), lang),
                provisional_note(r.provisional)
            ));
        }
        if n > 5 {
            out.push(format!(
                "{} {} {}.",
                n - 5,
                lang.l(labels::MORE_SIGNIFICANT_CHANGES),
                "monitoring.csv"
            ));
        }
        if n == 0 {
            out.push(format!(
                "{} {}.",
                lang.l(labels::NO_SIGNIFICANT_CHANGE_AT_LEVEL),
                lang.level(level)
            ));
        }
        for (trend, mark, words) in [
            ("increasing", "▲", labels::RISING_TREND_OVER_THE_LAST),
            ("decreasing", "▼", labels::FALLING_TREND_OVER_THE_LAST),
        ] {
            let names: Vec<String> = view
                .latest_changes(level, "oe_ratio")
                .into_iter()
                .filter(|r| r.trend == trend)
                .map(|r| format!("{} ({})", r.name, r.code))
                .collect();
            if !names.is_empty() {
                out.push(format!("{mark} {}: {}.", lang.l(words), names.join(", ")));
            }
        }
    }
    out.push(lang.l(labels::QUARTERS_ARE_COMPARED_FIRST).into());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(name: &str, persons: f64, cost: f64, rest: f64, passes: bool) -> SegmentRow {
        SegmentRow {
            segment: name.into(),
            area_code: "GM0153".into(),
            suppressed: false,
            persons: Some(persons),
            share_of_area: None,
            cost_per_person: Some(cost),
            cost_per_person_rest: Some(rest),
            relative_rate: None,
            cv_cost: Some(1.0),
            passes_volume: Some(passes),
            filter: String::new(),
        }
    }

    #[test]
    fn best_segment_is_the_largest_total_excess_with_volume() {
        let s = vec![
            seg("a", 200.0, 3000.0, 1000.0, true),  // 400,000
            seg("b", 1000.0, 1500.0, 1000.0, true), // 500,000
            seg("c", 50.0, 90000.0, 1000.0, false), // too small
            seg("d", 5000.0, 900.0, 1000.0, true),  // cheaper than the rest
        ];
        assert_eq!(best_segment(&s).map(|s| s.segment.as_str()), Some("b"));
        let mut hidden = s.clone();
        hidden[1].suppressed = true;
        assert_eq!(best_segment(&hidden).map(|s| s.segment.as_str()), Some("a"));
        assert!(best_segment(&s[2..]).is_none());
    }
}
