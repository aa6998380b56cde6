//! The report's warnings section (issue 31): each distinct run warning once, in the report's
//! language and number format, naming the periods of a monitoring run it holds for; stderr and
//! the manifest keep the English technical form.

use crate::text::Lang;

/// One warning in the report's language: its figures where the run recorded them, else the
/// technical message with its file and column.
fn warning_text(w: &crate::problem::Problem, lang: Lang) -> String {
    use crate::problem::Fact;
    let n = |v: u64| lang.number(v as f64, 0);
    let eur = |cents: i64| lang.euro_decimals(cents as f64 / 100.0, 2);
    let many = |v: u64, one: &'static str, more: &'static str| if v == 1 { one } else { more };
    match w.fact.as_deref() {
        Some(Fact::AllClaimsOutsidePeriod { lines, period }) => format!(
            "{} {} {} {period}: {}",
            lang.t("alle", "all"),
            n(*lines),
            lang.t("declaratieregels vallen buiten de periode", "claim lines fall outside the period"),
            lang.t(
                "elk gebied toont € 0 Zvw-kosten; controleer de periode of het extract",
                "every area shows € 0 Zvw cost; check the period or the extract"
            )
        ),
        Some(Fact::UnassignedClaims { lines, cents, persons }) => format!(
            "{} {} ({}) {} {} {}",
            n(*lines),
            lang.t(many(*lines, "declaratieregel", "declaratieregels"), many(*lines, "claim line", "claim lines")),
            eur(*cents),
            lang.t("van", "of"),
            n(*persons),
            lang.t(
                many(*persons, "persoon die niet in het verzekerdenbestand staat", "personen die niet in het verzekerdenbestand staan"),
                many(*persons, "person not in the insured file", "persons not in the insured file")
            )
        ),
        Some(Fact::OnbekendGebied { persons }) => format!(
            "{} {}",
            n(*persons),
            lang.t(
                many(*persons, "verzekerde in een pc5 die niet in de gebiedentabel staat (onbekend gebied)", "verzekerden in een pc5 die niet in de gebiedentabel staat (onbekend gebied)"),
                many(*persons, "insured person in a pc5 missing from the areas table (unknown area)", "insured persons in a pc5 missing from the areas table (unknown area)")
            )
        ),
        Some(Fact::UnknownPractice { persons, practices }) => format!(
            "{} {} {} {}",
            n(*persons),
            lang.t(
                many(*persons, "verzekerde ingeschreven bij", "verzekerden ingeschreven bij"),
                many(*persons, "insured person registered with", "insured persons registered with")
            ),
            n(*practices),
            lang.t(
                many(*practices, "praktijk die niet in de praktijkenlijst staat (praktijk onbekend)", "praktijken die niet in de praktijkenlijst staan (praktijk onbekend)"),
                many(*practices, "practice missing from the practice list (practice unknown)", "practices missing from the practice list (practice unknown)")
            )
        ),
        Some(Fact::InsuredYearsMismatch { areas }) => format!(
            "{} {}",
            n(*areas),
            lang.t(
                many(*areas, "pc5 waar de verzekerdenjaren van de norm meer dan 2% afwijken van het verzekerdenbestand", "pc5's waar de verzekerdenjaren van de norm meer dan 2% afwijken van het verzekerdenbestand"),
                many(*areas, "pc5 whose norm insured years differ from the insured file by more than 2%", "pc5s whose norm insured years differ from the insured file by more than 2%")
            )
        ),
        Some(Fact::NormOutsideAreas { rows, cents }) => format!(
            "{} {} ({}) {}",
            n(*rows),
            lang.t(many(*rows, "normregel", "normregels"), many(*rows, "norm row", "norm rows")),
            eur(*cents),
            lang.t(
                "met een pc5 die niet in de gebiedentabel staat, in geen gebied meegeteld",
                "with a pc5 missing from the areas table, counted in no area"
            )
        ),
        Some(Fact::FutureServiceDates { lines }) => format!(
            "{} {}",
            n(*lines),
            lang.t(
                many(*lines, "declaratieregel met een datum na vandaag (niet gebruikt als extractiedatum)", "declaratieregels met een datum na vandaag (niet gebruikt als extractiedatum)"),
                many(*lines, "claim line dated after today (not taken as the extract date)", "claim lines dated after today (not taken as the extract date)")
            )
        ),
        None => {
            let file = std::path::Path::new(&w.file)
                .file_name()
                .map(|f| f.to_string_lossy().to_string())
                .unwrap_or_default();
            format!("{file}, {}: {}", w.column.as_deref().unwrap_or("–"), w.message)
        }
    }
}

/// The warnings section: each distinct warning once, naming the periods it holds for when the
/// run has several and it does not hold for all of them.
pub(super) fn warning_lines(
    warnings: &[crate::problem::Problem],
    periods: &[String],
    lang: Lang,
) -> Vec<String> {
    let mut lines: Vec<(String, Vec<String>)> = Vec::new();
    for w in warnings {
        let text = warning_text(w, lang);
        let at = match lines.iter().position(|(t, _)| *t == text) {
            Some(i) => i,
            None => {
                lines.push((text, Vec::new()));
                lines.len() - 1
            }
        };
        if let Some(p) = &w.period {
            if !lines[at].1.contains(p) {
                lines[at].1.push(p.clone());
            }
        }
    }
    lines
        .into_iter()
        .map(|(text, mut at)| {
            at.sort();
            if periods.len() < 2 || at.is_empty() || at.len() == periods.len() {
                text
            } else {
                format!("{text} ({})", at.join(", "))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 31: one line per distinct warning, in the report's language and number format,
    /// naming the periods it holds for unless it holds for all.
    #[test]
    fn each_distinct_warning_once_in_dutch_with_its_periods() {
        use crate::problem::{Fact, Problem};
        let unassigned = |period: &str| {
            Problem::warning("zvw_claims.parquet", Some("person_id"), "204 claim lines …")
                .with_fact(Fact::UnassignedClaims {
                    lines: 204,
                    cents: 6_437_979,
                    persons: 20,
                })
                .with_period(period)
        };
        let orphan = |period: &str| {
            Problem::warning("norm_costs.parquet", Some("pc5"), "1 norm row …")
                .with_fact(Fact::NormOutsideAreas {
                    rows: 1,
                    cents: 4_000_000,
                })
                .with_period(period)
        };
        let periods: Vec<String> = ["2024Q1", "2024Q2", "2024Q3"].map(String::from).to_vec();
        let warnings = vec![
            unassigned("2024Q1"),
            orphan("2024Q1"),
            unassigned("2024Q2"),
            orphan("2024Q2"),
            orphan("2024Q3"),
            unassigned("2024Q3"),
            orphan("2024Q3"),
        ];
        let lines = warning_lines(&warnings, &periods, Lang::Nl);
        assert_eq!(
            lines,
            [
                "204 declaratieregels (€ 64.379,79) van 20 personen die niet in het verzekerdenbestand staan",
                "1 normregel (€ 40.000,00) met een pc5 die niet in de gebiedentabel staat, in geen gebied meegeteld",
            ]
        );
        let some = warning_lines(&warnings[..3], &periods, Lang::En);
        assert_eq!(some.len(), 2);
        assert!(some[0].ends_with("(2024Q1, 2024Q2)"), "{}", some[0]);
        assert!(
            some[1].contains("€40,000.00") && some[1].ends_with("(2024Q1)"),
            "{}",
            some[1]
        );
    }
}
