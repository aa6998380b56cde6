//! Every fixed label of the charts and the report, in both languages, by what it says in
//! English. `Lang::l` picks one.

/// A fixed text in Dutch and English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label {
    pub nl: &'static str,
    pub en: &'static str,
}

pub const NO_COST: Label = Label {
    nl: "geen kosten",
    en: "no cost",
};
pub const UNCHANGED: Label = Label {
    nl: "gelijk",
    en: "unchanged",
};
pub const HIGHER: Label = Label {
    nl: "hoger",
    en: "higher",
};
pub const LOWER: Label = Label {
    nl: "lager",
    en: "lower",
};
pub const THAN: Label = Label {
    nl: "dan",
    en: "than",
};
pub const SIGNIFICANT_AT_99_8: Label = Label {
    nl: "significant, buiten de 99,8%-grens",
    en: "significant, beyond the 99.8% limit",
};
pub const SIGNIFICANT_AT_95: Label = Label {
    nl: "significant, buiten de 95%-grens",
    en: "significant, beyond the 95% limit",
};
pub const PROVISIONAL_CLAIMS_STILL_ARRIVING: Label = Label {
    nl: "voorlopig: er komen nog declaraties binnen",
    en: "provisional: claims are still arriving",
};
pub const WHOLE_EXTRACT_COST_PER_INSURED_YEAR: Label = Label {
    nl: "Hele bestand, kosten per verzekerdenjaar",
    en: "Whole extract, cost per insured year",
};
pub const MORE_SIGNIFICANT_CHANGES: Label = Label {
    nl: "andere significante veranderingen staan in",
    en: "more significant changes are in",
};
pub const NO_SIGNIFICANT_CHANGE_AT_LEVEL: Label = Label {
    nl: "Geen significante verandering van O/E t.o.v. een jaar eerder per",
    en: "No significant change in O/E against a year earlier per",
};
pub const RISING_TREND_OVER_THE_LAST: Label = Label {
    nl: "Stijgende trend over de laatste vijf perioden",
    en: "Rising trend over the last five periods",
};
pub const FALLING_TREND_OVER_THE_LAST: Label = Label {
    nl: "Dalende trend over de laatste vijf perioden",
    en: "Falling trend over the last five periods",
};
pub const QUARTERS_ARE_COMPARED_FIRST: Label = Label {
    nl: "Een kwartaal vergelijken we eerst met hetzelfde kwartaal een jaar eerder, omdat kwartalen seizoenen hebben (farmacie hoog in het eerste kwartaal, msz in het vierde); een trend telt pas als vijf perioden op rij hem dragen, ook met elk punt weggelaten (regel van Fingertips), en wordt afgemeten aan het hele bestand.",
    en: "A quarter is compared first with the same quarter a year earlier, because quarters are seasonal (pharmacy high in the first quarter, hospital care in the fourth); a trend counts only when five periods in a row carry it, also with each point left out (Fingertips' rule), and is measured against the whole extract.",
};
pub const PROVISIONAL: Label = Label {
    nl: "voorlopig",
    en: "provisional",
};
pub const CHANGE_AGAINST_A_YEAR_EARLIER: Label = Label {
    nl: "verandering t.o.v. een jaar eerder",
    en: "change against a year earlier",
};
pub const SIGNIFICANT_95: Label = Label {
    nl: "significant (95%)",
    en: "significant (95%)",
};
pub const WITHIN_CHANCE: Label = Label {
    nl: "binnen het toeval",
    en: "within chance",
};
pub const OVER_TIME: Label = Label {
    nl: "door de tijd",
    en: "over time",
};
pub const VALUE_PER_PERIOD_WITH_ITS_95_BAND: Label = Label {
    nl: "waarde per periode zoals de toetsen die beoordelen (kosten per persoon afgetopt op het 99e percentiel, teruggeschaald met κ) met 95%-band; open punten zijn voorlopig (declaraties komen nog binnen)",
    en: "value per period as the tests judge it (cost per person capped at the 99th percentile, scaled back by κ) with its 95% band; open points are provisional (claims still arriving)",
};
pub const O_E_CHANGE_OF: Label = Label {
    nl: "verandering O/E",
    en: "change in O/E",
};
pub const COST_VS_NORM_O_E: Label = Label {
    nl: "kosten t.o.v. norm (O/E)",
    en: "cost vs norm (O/E)",
};
pub const COST_VS_NORM_CAPPED_O_E: Label = Label {
    nl: "kosten t.o.v. norm, afgetopt (O/E)",
    en: "cost vs norm, capped (O/E)",
};
pub const ACTUAL_COST: Label = Label {
    nl: "werkelijke kosten",
    en: "actual cost",
};
pub const ACTUAL_NORM_COST_O_E: Label = Label {
    nl: "werkelijke / normkosten (O/E)",
    en: "actual / norm cost (O/E)",
};
pub const ACTUAL_NORM_COST_O_E_2: Label = Label {
    nl: "Werkelijke/normkosten (O/E)",
    en: "Actual/norm cost (O/E)",
};
pub const ADDITIVE_ADDED_TO_THE_VARIANCE: Label = Label {
    nl: "additief (τ² opgeteld bij de variantie)",
    en: "additive (τ² added to the variance)",
};
pub const AGAINST: Label = Label {
    nl: "tegen",
    en: "against",
};
pub const AREA: Label = Label {
    nl: "gebied",
    en: "area",
};
pub const AREAS_AND: Label = Label {
    nl: "gebieden en",
    en: "areas and",
};
pub const BALANCES_TO_THE_CENT_READ: Label = Label {
    nl: "Sluit tot op de cent: ingelezen = som van de posten, en elk niveau telt op tot de post ‘in gebieden’.",
    en: "Balances to the cent: read = sum of the buckets, and every level adds up to ‘in areas’.",
};
pub const BEST_SCORING_FOCUS_GROUP: Label = Label {
    nl: "Best scorende focusgroep:",
    en: "Best-scoring focus group:",
};
pub const CAPPED_ACTUAL_NORM_COST_O: Label = Label {
    nl: "afgetopte werkelijke / normkosten (O/E)",
    en: "capped actual / norm cost (O/E)",
};
pub const CELLS: Label = Label {
    nl: "cellen",
    en: "cells",
};
pub const CHECKSUM_SHA_256: Label = Label {
    nl: "Controlegetal (SHA-256)",
    en: "Checksum (SHA-256)",
};
pub const COST_BY_CARE_TYPE: Label = Label {
    nl: "Kosten naar zorgsoort",
    en: "Cost by care type",
};
pub const COST_IS_THE_ZVW_CLAIMS: Label = Label {
    nl: "Kosten zijn de Zvw-declaraties met een behandeldatum in de periode, zonder dubbele regels, met correcties verrekend. Per gebied gedeeld door de verzekerdenjaren van de verzekerden die er wonen.",
    en: "Cost is the Zvw claims with a service date in the period, without duplicate lines, with corrections netted. Per area divided by the insured years of the insured living there.",
};
pub const COST_OUTLIERS_ARE_JUDGED_ON: Label = Label {
    nl: "De uitschieters op kosten zijn berekend met afgetopte kosten: wat één persoon in de periode kost, telt mee tot",
    en: "Cost outliers are judged on capped cost: what one person costs in the period counts up to",
};
pub const COST_OUTLIERS_ARE_JUDGED_ON_2: Label = Label {
    nl: "De uitschieters op kosten zijn berekend met de werkelijke kosten, niet afgetopt: een paar zeer dure patiënten kunnen een kleine wijk laten opvallen. De spreiding komt uit de kosten in de periode zelf, per leeftijdsgroep en geslacht.",
    en: "Cost outliers are judged on actual cost, not capped: a few very expensive patients can make a small area stand out. The spread comes from the period's own costs, per age band and sex.",
};
pub const COST_PER_INSURED_YEAR: Label = Label {
    nl: "kosten per verzekerdenjaar",
    en: "cost per insured year",
};
pub const COST_PER_INSURED_YEAR_BY: Label = Label {
    nl: "Kosten per verzekerdenjaar naar zorgsoort",
    en: "Cost per insured year by care type",
};
pub const DOES_NOT_BALANCE: Label = Label {
    nl: "Sluit NIET.",
    en: "Does NOT balance.",
};
pub const DUPLICATE_LINES_EXCLUDED: Label = Label {
    nl: "dubbele regels (niet meegeteld)",
    en: "duplicate lines (excluded)",
};
pub const ENOUGH: Label = Label {
    nl: "voldoende",
    en: "enough",
};
pub const ENOUGH_VOLUME: Label = Label {
    nl: "voldoende volume",
    en: "enough volume",
};
pub const EXCESS_COST: Label = Label {
    nl: "meerkosten",
    en: "excess cost",
};
pub const EXCESS_COST_PER_PERSON_VS: Label = Label {
    nl: "meerkosten per persoon t.o.v. de rest",
    en: "excess cost per person vs the rest",
};
pub const EXPECTED: Label = Label {
    nl: "verwacht",
    en: "expected",
};
pub const FILE: Label = Label {
    nl: "Bestand",
    en: "File",
};
pub const FILTER: Label = Label {
    nl: "Filter",
    en: "Filter",
};
pub const PRACTICE: Label = Label {
    nl: "praktijk",
    en: "practice",
};
pub const FLAGGED_PRACTICE: Label = Label {
    nl: "gemarkeerde praktijk",
    en: "flagged practice",
};
pub const FLAGGED_AREA: Label = Label {
    nl: "gemarkeerd gebied",
    en: "flagged area",
};
pub const FLAGS: Label = Label {
    nl: "markeringen",
    en: "flags",
};
pub const FOCUS_GROUPS_ENOUGH_VOLUME_IS: Label = Label {
    nl: "Focusgroepen: voldoende volume is minstens",
    en: "Focus groups: enough volume is at least",
};
pub const FOCUS_GROUPS_IN: Label = Label {
    nl: "Focusgroepen in",
    en: "Focus groups in",
};
pub const FUNNEL_O_E: Label = Label {
    nl: "Trechter O/E",
    en: "Funnel O/E",
};
pub const FUNNEL_PLOT_ACTUAL_NORM_COST: Label = Label {
    nl: "Trechterdiagram: werkelijke/normkosten (O/E, per verzekerdenjaar) tegen verzekerdenjaren, met 95%- en 99,8%-grenzen",
    en: "Funnel plot: actual/norm cost (O/E, per insured year) against insured years, with 95% and 99.8% limits",
};
pub const GP_PRACTICES: Label = Label {
    nl: "huisartspraktijken",
    en: "GP practices",
};
pub const FUNNEL_PLOT_CAPPED_ACTUAL_NORM: Label = Label {
    nl: "Trechterdiagram: afgetopte werkelijke kosten / normkosten (O/E, per verzekerdenjaar) tegen verzekerdenjaren, met 95%- en 99,8%-grenzen",
    en: "Funnel plot: capped actual / norm cost (O/E, per insured year) against insured years, with 95% and 99.8% limits",
};
pub const HAS_THE_LARGEST_NEGATIVE_RESULTAAT: Label = Label {
    nl: "heeft het grootste negatieve resultaat:",
    en: "has the largest negative resultaat:",
};
pub const HIDDEN_PRIMARY: Label = Label {
    nl: "Primair verborgen",
    en: "Hidden (primary)",
};
pub const HIDDEN_SECONDARY: Label = Label {
    nl: "aanvullend verborgen",
    en: "hidden (secondary)",
};
pub const HIGH: Label = Label {
    nl: "hoog",
    en: "high",
};
pub const IN: Label = Label { nl: "in", en: "in" };
pub const INSURED_YEARS: Label = Label {
    nl: "verzekerdenjaren",
    en: "insured years",
};
pub const IN_AREAS: Label = Label {
    nl: "in gebieden",
    en: "in areas",
};
pub const IN_TOTAL: Label = Label {
    nl: "In totaal",
    en: "In total",
};
pub const IS_ESTIMATED_FROM_THE_ROBUST: Label = Label {
    nl: "φ is geschat uit de robuuste spreiding van de z-scores: φ = (1,4826 · MAD(z))².",
    en: "φ is estimated from the robust spread of the z-scores: φ = (1.4826 · MAD(z))².",
};
pub const IS_ESTIMATED_WITH_FUNNELPLOTR_S: Label = Label {
    nl: "φ is geschat met de gewinsoriseerde methode van FunnelPlotR (schat φ te laag bij toeval).",
    en: "φ is estimated with FunnelPlotR's winsorised method (biased low under chance).",
};
pub const LOW: Label = Label {
    nl: "laag",
    en: "low",
};
pub const LOWEST_AND_HIGHEST_RESULTAAT_OF: Label = Label {
    nl: "laagste en hoogste resultaat van",
    en: "lowest and highest resultaat of",
};
pub const MINIMUM_VOLUME: Label = Label {
    nl: "minimaal volume",
    en: "minimum volume",
};
pub const MULTIPLICATIVE_LIMITS_WIDENED_BY_WHEN: Label = Label {
    nl: "multiplicatief (grenzen verbreed met √φ als φ > 1)",
    en: "multiplicative (limits widened by √φ when φ > 1)",
};
pub const N95_LIMITS: Label = Label {
    nl: "95%-grenzen",
    en: "95% limits",
};
pub const N99_8_LIMITS: Label = Label {
    nl: "99,8%-grenzen",
    en: "99.8% limits",
};
pub const NONE: Label = Label {
    nl: "geen",
    en: "none",
};
pub const NORM_AND_ACTUAL: Label = Label {
    nl: "Norm en werkelijk",
    en: "Norm and actual",
};
pub const NORM_AND_ACTUAL_COST_ARE: Label = Label {
    nl: "Normkosten en werkelijke kosten worden per verzekerdenjaar vergeleken: de normkosten gedeeld door de verzekerdenjaren uit het normbestand, de werkelijke kosten door die van de verzekerden in het gebied. Resultaat per verzekerdenjaar = norm − werkelijk; het resultaat in euro's is dat verschil maal de verzekerdenjaren van het gebied. Negatief betekent duurder dan de norm uit de risicoverevening. O/E = werkelijke kosten / normkosten per verzekerdenjaar, dus O/E boven 1 precies als het resultaat negatief is.",
    en: "Norm and actual cost are compared per insured year: norm cost divided by the norm file's insured years, actual cost by the insured years of the area's insured. Resultaat per insured year = norm − actual; resultaat in euros is that difference times the area's insured years. Negative means costlier than the risk-equalisation norm. O/E = actual / norm cost per insured year, so O/E is above 1 exactly when resultaat is negative.",
};
pub const NORM_AND_ACTUAL_COST_PER: Label = Label {
    nl: "Normkosten en werkelijke kosten per verzekerdenjaar, gesorteerd op resultaat",
    en: "Norm and actual cost per insured year, sorted by resultaat",
};
pub const NORM_COST: Label = Label {
    nl: "normkosten",
    en: "norm cost",
};
pub const NOT_EVERY_CARE_TYPE_SHOWN: Label = Label {
    nl: "* niet alle zorgsoorten getoond (te weinig personen)",
    en: "* not every care type shown (too few persons)",
};
pub const NO_AREA_WITH_A_NEGATIVE: Label = Label {
    nl: "Geen gebied met een negatief resultaat op niveau",
    en: "No area with a negative resultaat at level",
};
pub const NO_DATA: Label = Label {
    nl: "geen gegevens",
    en: "no data",
};
pub const NO_FOCUS_GROUPS_JUDGED: Label = Label {
    nl: "Geen focusgroepen beoordeeld.",
    en: "No focus groups judged.",
};
pub const NO_OUTLIERS_FOUND: Label = Label {
    nl: "Geen uitschieters gevonden.",
    en: "No outliers found.",
};
pub const NO_PUBLISHED_FIGURE_DESCRIBES_FEWER: Label = Label {
    nl: "Geen enkel gepubliceerd getal beschrijft minder dan",
    en: "No published figure describes fewer than",
};
pub const OF_COST_THE_NORM_IS: Label = Label {
    nl: "van de kosten weg; de normkosten worden met dezelfde factor verlaagd, zodat afgetopt met afgetopt wordt vergeleken. Zorgsoorten worden op dezelfde manier afgetopt, elk met een eigen grens. De bedragen in de tabellen zijn nooit afgetopt.",
    en: "of cost; the norm is lowered by the same factor, so capped is compared with capped. Care types are capped the same way, each with its own cap. The amounts in the tables are never capped.",
};
pub const OTHER_CARE_TYPES: Label = Label {
    nl: "overige zorgsoorten",
    en: "other care types",
};
pub const OUTLIERS_FUNNEL_LIMITS_AT_95: Label = Label {
    nl: "Uitschieters: trechtergrenzen op 95% en 99,8% (z = 1,96 en 3,09); correctie voor overdispersie:",
    en: "Outliers: funnel limits at 95% and 99.8% (z = 1.96 and 3.09); overdispersion correction:",
};
pub const OUTSIDE_THE_PERIOD_EXCLUDED: Label = Label {
    nl: "buiten de periode (niet meegeteld)",
    en: "outside the period (excluded)",
};
pub const PERSONS: Label = Label {
    nl: "personen",
    en: "persons",
};
pub const PERSONS_IN_THE_GROUP: Label = Label {
    nl: "personen in de groep",
    en: "persons in the group",
};
pub const PERSONS_SMALLER_CELLS_ARE_HIDDEN: Label = Label {
    nl: "personen. Kleinere cellen zijn verborgen, en zo nodig ook andere cellen, zodat een verborgen getal niet uit totalen of andere zorgsoorten terug te rekenen is.",
    en: "persons. Smaller cells are hidden, and where needed other cells too, so that a hidden figure cannot be derived from totals or other care types.",
};
pub const PERSONS_THE_BEST_SCORING_GROUP: Label = Label {
    nl: "personen. De best scorende groep heeft met voldoende volume de grootste totale meerkosten (personen × meerkosten per persoon t.o.v. de rest van het gebied).",
    en: "persons. The best-scoring group has, with enough volume, the largest total excess cost (persons × excess cost per person against the rest of the area).",
};
pub const PER_INSURED_YEAR: Label = Label {
    nl: "per verzekerdenjaar",
    en: "per insured year",
};
pub const PER_INSURED_YEAR_THE_99TH: Label = Label {
    nl: "per verzekerdenjaar (het 99e percentiel); daarboven telt het niet mee. Zo bepalen een paar zeer dure patiënten niet of een wijk opvalt. Dit haalt",
    en: "per insured year (the 99th percentile); anything above that does not count. That way a few very expensive patients do not decide whether an area stands out. This removes",
};
pub const PER_PERSON_MORE_THAN_THE: Label = Label {
    nl: "per persoon meer dan de rest van het gebied",
    en: "per person more than the rest of the area",
};
pub const READ: Label = Label {
    nl: "ingelezen",
    en: "read",
};
pub const RESULTAAT_PER_INSURED_YEAR_NORM: Label = Label {
    nl: "Resultaat per verzekerdenjaar (norm − werkelijk)",
    en: "Resultaat per insured year (norm − actual)",
};
pub const SHOWN_HERE_ALL_IN_OUTLIERS: Label = Label {
    nl: "(alle in outliers.csv)",
    en: "shown here (all in outliers.csv)",
};
pub const SIZE_AGAINST_EXCESS_COST_PER: Label = Label {
    nl: "omvang tegen meerkosten per persoon, met de volumedrempel",
    en: "size against excess cost per person, with the volume threshold",
};
pub const SMALLER_MUNICIPALITIES_SEE_THE_TABLES: Label = Label {
    nl: "kleinere gemeenten; zie de tabellen",
    en: "smaller municipalities; see the tables",
};
pub const STRONGEST_OUTLIERS: Label = Label {
    nl: "Sterkste uitschieters:",
    en: "Strongest outliers:",
};
pub const THE: Label = Label {
    nl: "De",
    en: "The",
};
pub const THERE_ARE_NO_OUTLIERS: Label = Label {
    nl: "Er zijn geen uitschieters.",
    en: "There are no outliers.",
};
pub const THE_DATA_ARE_PSEUDONYMISED_THIS: Label = Label {
    nl: "De gegevens zijn gepseudonimiseerd; dit rapport bevat alleen aggregaten. Gebieden met te weinig personen staan niet in de grafieken en zijn grijs op de kaarten.",
    en: "The data are pseudonymised; this report holds aggregates only. Areas with too few persons are left out of the charts and grey on the maps.",
};
pub const THE_SPREAD_COMES_FROM_THE: Label = Label {
    nl: "De spreiding komt uit de kosten in de periode zelf, per leeftijdsgroep en geslacht. Waar in een gebied maar enkele personen (minder dan de celgrens) zijn afgetopt, toont de tabel de werkelijke kosten en de norm: de afgetopte bedragen zouden hun kosten boven de grens verraden.",
    en: "The spread comes from the period's own costs, per age band and sex. Where only a few persons (fewer than the cell limit) were capped in an area, the table shows actual cost and the norm: the capped amounts would give away their cost above the cap.",
};
pub const THE_STRONGEST: Label = Label {
    nl: "hier de sterkste",
    en: "the strongest",
};
pub const TOGETHER: Label = Label {
    nl: "samen",
    en: "together",
};
pub const TOO_FEW_PERSONS: Label = Label {
    nl: "te weinig personen",
    en: "too few persons",
};
pub const TOO_SMALL: Label = Label {
    nl: "te klein",
    en: "too small",
};
pub const UNASSIGNED_NOT_INSURED: Label = Label {
    nl: "niet toe te wijzen (geen verzekerde)",
    en: "unassigned (not insured)",
};
pub const UNKNOWN_AREA_ONBEKEND_GEBIED: Label = Label {
    nl: "onbekend gebied",
    en: "unknown area (onbekend gebied)",
};
pub const WITHOUT: Label = Label {
    nl: "zonder",
    en: "without",
};
pub const WMO_PROVISIONS: Label = Label {
    nl: "Wmo-voorzieningen",
    en: "Wmo provisions",
};
pub const ZVW_CLAIMS: Label = Label {
    nl: "Zvw-declaraties",
    en: "Zvw claims",
};
