//! Language of the report and charts: Dutch by default, English on request. Every label of
//! the outputs lives here (the profile columns' own labels beside their declarations in
//! `published`, built from the names here), and so does the number formatting (`€ 1.234` in Dutch,
//! `€1,234` in English).
//!
//! In: a language (`nl`, `en`). Out: the texts of the outputs in it; the labels themselves
//! are in `labels`, the number formatting in `numbers`.

use crate::domain::Level;
use labels::Label;
use serde::Serialize;

pub mod labels;
mod numbers;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Nl,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Result<Lang, String> {
        match s.to_ascii_lowercase().as_str() {
            "nl" => Ok(Lang::Nl),
            "en" => Ok(Lang::En),
            other => Err(format!("unknown language `{other}`; use `nl` or `en`")),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }

    /// Picks the Dutch or English text.
    pub fn t(self, nl: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Nl => nl,
            Lang::En => en,
        }
    }

    /// A label in this language.
    pub fn l(self, label: Label) -> &'static str {
        self.t(label.nl, label.en)
    }

    /// The name of a level, singular.
    pub fn level(self, level: Level) -> String {
        match (self, level) {
            (_, Level::Pc5) => "pc5".into(),
            (Lang::Nl, Level::Buurt) => "buurt".into(),
            (Lang::Nl, Level::Wijk) => "wijk".into(),
            (Lang::Nl, Level::Gemeente) => "gemeente".into(),
            (Lang::Nl, Level::Total) => "totaal".into(),
            (Lang::En, Level::Buurt) => "neighbourhood (buurt)".into(),
            (Lang::En, Level::Wijk) => "district (wijk)".into(),
            (Lang::En, Level::Gemeente) => "municipality".into(),
            (Lang::En, Level::Total) => "total".into(),
        }
    }

    /// The name of a care type (SPEC 2.6).
    pub fn care_type(self, ct: &str) -> String {
        let (nl, en) = match ct {
            "huisarts" => ("huisartsenzorg", "GP care"),
            "farmacie" => ("farmacie", "pharmacy"),
            "msz" => ("medisch-specialistische zorg", "hospital care"),
            "ggz_basis" => ("basis-ggz", "basic mental health"),
            "ggz_specialistisch" => ("specialistische ggz", "specialist mental health"),
            "wijkverpleging" => ("wijkverpleging", "district nursing"),
            "fysiotherapie" => ("fysiotherapie", "physiotherapy"),
            "paramedisch" => ("paramedische zorg", "allied health"),
            "hulpmiddelen" => ("hulpmiddelen", "medical aids"),
            "ziekenvervoer" => ("ziekenvervoer", "patient transport"),
            "kraamzorg" => ("kraamzorg", "maternity care"),
            "mondzorg" => ("mondzorg", "dental care"),
            "overig" => ("overig", "other"),
            other => return other.to_string(),
        };
        self.t(nl, en).to_string()
    }

    /// The report page's fixed labels, by the key its template uses. Column headings of
    /// profile figures come from the columns' declarations (`published`), added by the report.
    /// The served pages' labels (`wijkscan serve`), by key.
    pub fn serve_labels(self) -> std::collections::HashMap<&'static str, &'static str> {
        let pairs: [(&str, &str, &str); 41] = [
            ("whole_book", "Hele bestand", "Whole book"),
            ("overview", "Overzicht", "Overview"),
            ("session", "Sessielog", "Session log"),
            ("period", "Periode", "Period"),
            ("level", "Niveau", "Level"),
            (
                "map_click",
                "Klik op een gebied om het te openen.",
                "Click an area to open it.",
            ),
            (
                "no_map",
                "Geen kaart: de run heeft geen geometrie voor dit niveau.",
                "No map: the run has no geometry for this level.",
            ),
            ("findings", "Wat opvalt", "Findings"),
            ("changes", "Wat veranderde", "What changed"),
            ("areas", "Gebieden", "Areas"),
            ("download_csv", "download als CSV", "download as CSV"),
            ("area", "Gebied", "Area"),
            ("persons", "Verzekerden", "Insured persons"),
            (
                "cost_iy",
                "Kosten per verzekerdenjaar",
                "Cost per insured year",
            ),
            (
                "norm_iy",
                "Normkosten per verzekerdenjaar",
                "Norm cost per insured year",
            ),
            ("oe", "Werkelijk / norm (O/E)", "Actual / norm (O/E)"),
            (
                "resultaat_iy",
                "Resultaat per verzekerdenjaar",
                "Resultaat per insured year",
            ),
            ("hidden", "te weinig personen", "too few persons"),
            ("key_figures", "Kerncijfers", "Key figures"),
            ("norm_actual", "Norm tegen werkelijk", "Norm against actual"),
            (
                "care_types",
                "Zorgsoorten (kosten per verzekerdenjaar)",
                "Care types (cost per insured year)",
            ),
            ("flags", "Uitschieters", "Outliers"),
            (
                "no_flags",
                "Geen uitschieters in deze periode.",
                "No outliers in this period.",
            ),
            ("area_changes", "Veranderingen", "Changes"),
            ("practices", "Huisartspraktijken", "GP practices"),
            (
                "no_practices",
                "Geen gepubliceerde praktijkcellen voor dit gebied.",
                "No published practice cells for this area.",
            ),
            ("residents", "Bewoners", "Residents"),
            (
                "patients",
                "Patiënten van praktijken hier",
                "Patients of practices here",
            ),
            ("builder", "Focusgroepen proberen", "Try focus groups"),
            (
                "segments",
                "Focusgroepen van de run",
                "The run's focus groups",
            ),
            ("filter", "Filter", "Filter"),
            ("try", "Probeer", "Try"),
            (
                "builder_help",
                "Schrijf een filter op persoonskenmerken, bijvoorbeeld",
                "Write a filter on person features, for example",
            ),
            (
                "no_live",
                "Live focusgroepen zijn niet beschikbaar",
                "Live focus groups are not available",
            ),
            ("share", "Aandeel", "Share"),
            ("cost_pp", "Kosten per persoon", "Cost per person"),
            ("rest_pp", "Rest van het gebied", "Rest of the area"),
            ("volume", "Volume", "Volume"),
            ("log_empty", "Nog geen vragen gesteld.", "No queries yet."),
            (
                "download_md",
                "download als Markdown (notulen)",
                "download as Markdown (minutes)",
            ),
            ("gemeente", "Gemeente", "Gemeente"),
        ];
        pairs
            .into_iter()
            .map(|(k, nl, en)| (k, self.t(nl, en)))
            .collect()
    }

    pub fn page_labels(self) -> std::collections::BTreeMap<&'static str, String> {
        let pairs: &[(&str, &str, &str)] = &[
            ("summary", "Samenvatting", "Summary"),
            ("effect", "Effect van de aanpak", "Effect of the programme"),
            ("effect_outcome", "Uitkomst", "Outcome"),
            ("effect_estimate", "Effect", "Effect"),
            (
                "effect_total",
                "Totaal na de start",
                "Total after the start",
            ),
            ("effect_interval", "95%-interval", "95% interval"),
            ("effect_donors", "Vergelijkingsgebieden", "Comparison areas"),
            (
                "effect_persons",
                "Personen in de groep per periode",
                "Persons in the group per period",
            ),
            ("key_figures", "Kerncijfers", "Key figures"),
            ("focus_area", "Focusgebied", "Focus area"),
            ("areas", "Gebieden vergeleken", "Areas compared"),
            ("outliers", "Uitschieters", "Outliers"),
            ("focus_groups", "Focusgroepen", "Focus groups"),
            ("method", "Methode", "Method"),
            ("privacy", "Privacy", "Privacy"),
            ("reconciliation", "Aansluiting", "Reconciliation"),
            (
                "warnings",
                "Waarschuwingen bij het inlezen",
                "Warnings on reading the inputs",
            ),
            ("inputs", "Bronbestanden", "Input files"),
            ("metric", "Maat", "Measure"),
            ("observed", "Waargenomen", "Observed"),
            ("expected", "Verwacht", "Expected"),
            ("limit", "Grens", "Limit"),
            ("direction", "Richting", "Direction"),
            ("segment", "Groep", "Group"),
            ("share", "Aandeel", "Share"),
            ("cost_pp", "Kosten per persoon", "Cost per person"),
            ("rest", "Rest van het gebied", "Rest of the area"),
            ("relative_rate", "Relatief aandeel", "Relative rate"),
            ("cv", "Variatiecoëfficiënt", "Coefficient of variation"),
            ("volume", "Volume", "Volume"),
            ("hidden", "te weinig personen", "too few persons"),
            ("bucket", "Post", "Bucket"),
            ("rows", "Regels", "Rows"),
            ("what_changed", "Wat is er veranderd", "What changed"),
            ("appendix", "Bijlage: pc5", "Appendix: pc5"),
            ("eur", "€", "€"),
            ("practices", "Huisartspraktijken", "GP practices"),
            (
                "national",
                "Tegen landelijke bedragen",
                "Against national amounts",
            ),
            ("practice", "Praktijk", "Practice"),
            ("located_in", "Gevestigd in", "Located in"),
            ("registered", "Ingeschreven", "Registered"),
            ("own_wijk", "Woont in eigen wijk", "Living in own wijk"),
            ("vs_norm", "t.o.v. norm", "vs norm"),
            ("vs_extract", "t.o.v. heel bestand", "vs whole extract"),
            ("vs_gemeente", "t.o.v. gemeente", "vs gemeente"),
            ("population", "Populatie", "Population"),
            ("residents_here", "Bewoners", "Residents"),
            (
                "patients_here",
                "Patiënten van praktijken hier",
                "Patients of practices here",
            ),
            ("overlap", "Overlap", "Overlap"),
            ("top_care", "Grootste zorgvormen", "Largest care types"),
            (
                "of_area",
                "Aandeel van de bewoners",
                "Share of the residents",
            ),
            (
                "of_practice",
                "Aandeel van de patiënten",
                "Share of the patients",
            ),
            (
                "serving",
                "Praktijken met patiënten in dit gebied",
                "Practices with patients in this area",
            ),
        ];
        let mut m: std::collections::BTreeMap<_, _> = pairs
            .iter()
            .map(|(k, nl, en)| (*k, self.t(nl, en).to_string()))
            .collect();
        for (key, label) in [
            ("file", labels::FILE),
            ("checksum", labels::CHECKSUM_SHA_256),
            ("no_flags", labels::NO_OUTLIERS_FOUND),
            ("no_segments", labels::NO_FOCUS_GROUPS_JUDGED),
            ("filter", labels::FILTER),
        ] {
            m.insert(key, self.l(label).to_string());
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_parse() {
        assert_eq!(Lang::parse("NL"), Ok(Lang::Nl));
        assert!(Lang::parse("de").is_err());
    }
}
