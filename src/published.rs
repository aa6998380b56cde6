//! The published profile's columns, each declared once: its name, how its value follows from
//! the area's raw sums, which small-cell rule protects it (SPEC 3.3) and its label in Dutch
//! and English. `stages::profile::levels::derive` computes the columns from this list in this order,
//! `stages::privacy::profile_cells` protects them by it, and the report labels them with it. A column
//! added here without a protection does not compile; `tests/cli.rs` checks that every column
//! a run publishes is declared.
//!
//! The raw sums (`stages::profile::levels::level_frame`) are distinct persons counted at each level
//! and integer cents summed per level; `insured_years`, `norm_insured_years`, `zvw_cost_eur`
//! and `norm_cost_eur` are converted from days, micro-years and cents before these values.

use crate::columns::{ct_col, ct_contrib};
use crate::domain::{CARE_TYPES, PROVISION_TYPES};
use crate::frame::safe_div;
use crate::text::Lang;
use polars::prelude::*;

/// A group of cells that is hidden together when 1 to min_cell − 1 persons contribute
/// (SPEC 3.3), with the row equations it takes part in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellGroup {
    pub name: String,
    /// Raw column counting the persons (or clients) behind the group's cells.
    pub contributors: String,
    /// Row equation the group is a term of (e.g. the care types add up to total Zvw cost).
    pub row_group: Option<&'static str>,
    /// The row equation whose total this group holds.
    pub total_of: Option<&'static str>,
}

/// How a published column is protected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protection {
    /// Identifies the row; not a figure.
    Key,
    /// A figure about the whole row (all its insured persons, its residents or its norm):
    /// protected by whole-row suppression and secondary suppression over the area tree.
    Row,
    /// A cell of a guarded group.
    Cell(CellGroup),
}

/// One published profile column.
#[derive(Debug, Clone)]
pub struct Published {
    pub name: String,
    /// Its value from the level frame's raw sums; `None` for a column another stage adds
    /// (the outlier stage's `oe_for_flags`, the privacy stage's `suppressed` is a literal).
    pub value: Option<Expr>,
    pub protection: Protection,
    pub nl: String,
    pub en: String,
}

impl Published {
    pub fn label(&self, lang: Lang) -> &str {
        match lang {
            Lang::Nl => &self.nl,
            Lang::En => &self.en,
        }
    }
}

fn eur(c: &str) -> Expr {
    col(c).cast(DataType::Float64) / lit(100.0)
}

/// Expected cost at the extract's age/sex rates, in euros (METHODS 2).
fn expected_eur() -> Expr {
    col("exp_total").cast(DataType::Float64) / lit(crate::columns::EXP_SCALE)
}

fn column(name: &str, value: Expr, protection: Protection, nl: &str, en: &str) -> Published {
    Published {
        name: name.to_string(),
        value: Some(value),
        protection,
        nl: nl.to_string(),
        en: en.to_string(),
    }
}

fn group(name: &str, contributors: &str) -> CellGroup {
    CellGroup {
        name: name.to_string(),
        contributors: contributors.to_string(),
        row_group: None,
        total_of: None,
    }
}

/// Every published profile column, in publication order (SPEC 4.1 fixed columns, then the
/// care types, then the extras).
pub fn profile_columns() -> Vec<Published> {
    use Protection::{Cell, Key, Row};
    let zvw_piy = || safe_div(eur("zvw_cents"), col("insured_years"));
    let norm_piy = || safe_div(eur("norm_cents"), col("norm_insured_years"));
    let wmo_clients = CellGroup {
        total_of: Some("wmo_provision_types"),
        ..group("wmo_clients", "wmo_clients")
    };
    let ratio = || safe_div(col("norm_insured_years"), col("insured_years"));
    let mut cols = vec![
        column("level", col("level"), Key, "Niveau", "Level"),
        column(
            "area_code",
            col("area_code"),
            Key,
            "Gebiedscode",
            "Area code",
        ),
        column("area_name", col("area_name"), Key, "Gebied", "Area"),
        column(
            "insured_persons",
            col("insured_persons"),
            Row,
            "Verzekerden",
            "Insured",
        ),
        column(
            "insured_years",
            col("insured_years"),
            Row,
            "Verzekerdenjaren",
            "Insured years",
        ),
        column("residents", col("residents"), Row, "Inwoners", "Residents"),
        column(
            "zvw_cost_eur",
            col("zvw_cost_eur"),
            Row,
            "Zvw-kosten",
            "Zvw cost",
        ),
        column(
            "zvw_cost_per_insured_year",
            zvw_piy(),
            Row,
            "Kosten per verzekerdenjaar",
            "Cost per insured year",
        ),
        column(
            "norm_insured_years",
            col("norm_insured_years"),
            Row,
            "Verzekerdenjaren in de norm",
            "Insured years in the norm",
        ),
        column(
            "norm_cost_eur",
            col("norm_cost_eur"),
            Row,
            "Normkosten",
            "Norm cost",
        ),
        column(
            "norm_cost_per_insured_year",
            norm_piy(),
            Row,
            "Normkosten per verzekerdenjaar",
            "Norm cost per insured year",
        ),
        // SPEC 3.1: the norm is compared per insured year, so O/E > 1 exactly when
        // resultaat < 0; resultaat_eur scales the per-insured-year difference to the area's
        // own insured years.
        column(
            "oe_ratio",
            safe_div(zvw_piy(), norm_piy()),
            Row,
            "O/E",
            "O/E",
        ),
        column(
            "resultaat_eur",
            (norm_piy() - zvw_piy()) * col("insured_years"),
            Row,
            "Resultaat",
            "Resultaat",
        ),
        column(
            "resultaat_per_insured_year",
            norm_piy() - zvw_piy(),
            Row,
            "Resultaat per verzekerdenjaar",
            "Resultaat per insured year",
        ),
        column(
            "wmo_clients",
            col("wmo_clients"),
            Cell(wmo_clients.clone()),
            "Wmo-cliënten",
            "Wmo clients",
        ),
        column(
            "wmo_clients_per_1000",
            lit(1000.0) * safe_div(col("wmo_clients"), col("residents")),
            Cell(wmo_clients.clone()),
            "Wmo-cliënten per 1.000 inwoners",
            "Wmo clients per 1,000 residents",
        ),
        column(
            "wmo_cost_eur",
            eur("wmo_cents"),
            Cell(wmo_clients.clone()),
            "Wmo-kosten",
            "Wmo cost",
        ),
        column(
            "multi_care_persons",
            col("multi_care_persons"),
            Cell(group("multi_care_persons", "multi_care_persons")),
            "Personen met meerdere zorgvormen",
            "Persons with several kinds of care",
        ),
        column("suppressed", lit(false), Key, "Onderdrukt", "Suppressed"),
    ];
    for ct in CARE_TYPES {
        cols.push(Published {
            name: format!("zvw_{ct}_per_insured_year"),
            value: Some(safe_div(eur(&ct_col(ct)), col("insured_years"))),
            // The care types add up to total Zvw cost of the row: a row equation.
            protection: Cell(CellGroup {
                row_group: Some("zvw_care_types"),
                ..group(&format!("zvw_{ct}"), &ct_contrib(ct))
            }),
            nl: format!("{} per verzekerdenjaar", Lang::Nl.care_type(ct)),
            en: format!("{} per insured year", Lang::En.care_type(ct)),
        });
    }
    let share = |name: &str, n: &str, of: &str, nl: &str, en: &str| {
        column(
            name,
            safe_div(col(n), col(of)),
            Cell(group(name, n)),
            nl,
            en,
        )
    };
    cols.extend([
        share(
            "share_65plus",
            "n_65plus",
            "insured_persons",
            "Aandeel 65+",
            "Share aged 65+",
        ),
        share(
            "share_75plus",
            "n_75plus",
            "insured_persons",
            "Aandeel 75+",
            "Share aged 75+",
        ),
        share(
            "share_single",
            "n_single",
            "n_household_known",
            "Aandeel alleenwonend",
            "Share living alone",
        ),
        share(
            "share_low_education",
            "n_low_education",
            "n_education_known",
            "Aandeel laag opgeleid",
            "Share with low education",
        ),
        share(
            "share_social_minimum",
            "n_social_minimum",
            "n_social_minimum_known",
            "Aandeel rond het sociaal minimum",
            "Share at the social minimum",
        ),
        column(
            "insured_years_ratio",
            ratio(),
            Row,
            "Verzekerdenjaren norm / werkelijk",
            "Insured years norm / actual",
        ),
        column(
            "insured_years_mismatch",
            (ratio() - lit(1.0)).abs().gt(lit(0.02)),
            Row,
            "Verzekerdenjaren wijken meer dan 2% af",
            "Insured years differ by more than 2%",
        ),
        column(
            "wmo_cost_per_resident",
            safe_div(eur("wmo_cents"), col("residents")),
            Cell(wmo_clients),
            "Wmo-kosten per inwoner",
            "Wmo cost per resident",
        ),
        column(
            "zvw_wmo_persons",
            col("zvw_wmo_persons"),
            Cell(group("zvw_wmo_persons", "zvw_wmo_persons")),
            "Personen met Zvw- en Wmo-zorg",
            "Persons with Zvw and Wmo care",
        ),
        column(
            "top5_cost_share",
            safe_div(col("top5_cents"), col("zvw_cents")),
            Cell(group("top5_cost_share", "n_top5")),
            "Kostenaandeel van de duurste 5%",
            "Cost share of the costliest 5%",
        ),
        // METHODS 2: what the area would cost at the extract's rates for its age/sex mix.
        column(
            "expected_cost_eur",
            expected_eur(),
            Row,
            "Verwachte kosten naar leeftijd en geslacht",
            "Expected cost by age and sex",
        ),
        column(
            "expected_cost_per_insured_year",
            safe_div(expected_eur(), col("insured_years")),
            Row,
            "Verwachte kosten per verzekerdenjaar",
            "Expected cost per insured year",
        ),
        column(
            "oe_age_sex",
            safe_div(col("zvw_cost_eur"), expected_eur()),
            Row,
            "O/E naar leeftijd en geslacht",
            "O/E by age and sex",
        ),
        // Where `residents` comes from: `areas`, or CBS kerncijfers where `areas` has none.
        column(
            "residents_source",
            col("residents_source"),
            Key,
            "Bron inwoners",
            "Source of residents",
        ),
    ]);
    // Per provision type: clients and cost; the types' costs add up to wmo_cost_eur.
    for t in PROVISION_TYPES {
        let g = CellGroup {
            row_group: Some("wmo_provision_types"),
            ..group(&format!("wmo_{t}"), &format!("wmo_clients_{t}"))
        };
        let words = t.replace('_', " ");
        cols.push(column(
            &format!("wmo_clients_{t}"),
            col(format!("wmo_clients_{t}").as_str()),
            Cell(g.clone()),
            &format!("Wmo-cliënten {words}"),
            &format!("Wmo clients {words}"),
        ));
        cols.push(column(
            &format!("wmo_cost_{t}"),
            eur(&format!("wmo_cents_{t}")),
            Cell(g),
            &format!("Wmo-kosten {words}"),
            &format!("Wmo cost {words}"),
        ));
    }
    // Added by the outlier stage beside the profile (a figure about the whole row).
    cols.push(Published {
        name: crate::columns::OE_FOR_FLAGS.to_string(),
        value: None,
        protection: Row,
        nl: "O/E waarop de uitschieters zijn beoordeeld".into(),
        en: "O/E the outliers were judged on".into(),
    });
    // Added from the Vektis reference table (`stages::profile::national`; null without `[reference]`).
    for (name, nl, en) in [
        (
            crate::columns::EXPECTED_NL,
            "Kosten tegen landelijke bedragen",
            "Cost at national amounts",
        ),
        (
            crate::columns::OE_NL,
            "Werkelijk / landelijk (O/E)",
            "Actual / national (O/E)",
        ),
        (
            crate::columns::GEMEENTE_VEKTIS,
            "Kosten per verzekerdenjaar in de gemeente, alle verzekeraars",
            "Cost per insured year in the gemeente, all insurers",
        ),
    ] {
        cols.push(Published {
            name: name.to_string(),
            value: None,
            protection: Row,
            nl: nl.into(),
            en: en.into(),
        });
    }
    cols
}

/// The declaration of a published column, if there is one.
pub fn find(name: &str) -> Option<Published> {
    profile_columns().into_iter().find(|c| c.name == name)
}

/// The guarded cell groups, each once, with their columns, in the order the small-cell stage
/// evaluates them: in the order their first column is declared.
pub fn cell_groups() -> Vec<(CellGroup, Vec<String>)> {
    let mut groups: Vec<(CellGroup, Vec<String>)> = Vec::new();
    for c in profile_columns() {
        if let Protection::Cell(g) = c.protection {
            match groups.iter_mut().find(|(x, _)| x.name == g.name) {
                Some((_, cols)) => cols.push(c.name),
                None => groups.push((g, vec![c.name])),
            }
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_every_group_has_contributors() {
        let cols = profile_columns();
        let mut names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
        names.sort();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n, "a column is declared twice");
        for (g, columns) in cell_groups() {
            assert!(!g.contributors.is_empty() && !columns.is_empty(), "{g:?}");
        }
        // Row equations: every group named as a total exists as a row group.
        let groups = cell_groups();
        for (g, _) in &groups {
            if let Some(t) = g.total_of {
                assert!(groups.iter().any(|(x, _)| x.row_group == Some(t)), "{t}");
            }
        }
        assert!(cols.iter().all(|c| !c.nl.is_empty() && !c.en.is_empty()));
    }
}
