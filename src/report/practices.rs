//! The report's GP-practice parts (SPEC 3.7): the practice section (funnel, table, notes) and,
//! per focus area, its residents against the patients of its practices and the practices
//! that serve it. Everything from the published tables; a hidden cell is shown as hidden.

use crate::domain::Level;
use crate::text::Lang;
use crate::view::practices::PracticeRow;
use crate::view::RunView;
use serde::Serialize;

#[derive(Serialize)]
pub struct PracticeLine {
    pub name: String,
    pub id: String,
    pub location: String,
    pub persons: String,
    pub cost: String,
    pub oe: String,
    pub own: String,
    pub flag: String,
    pub flag_extract: String,
    pub flag_gemeente: String,
    pub hidden: bool,
}

#[derive(Serialize)]
pub struct ServingLine {
    pub name: String,
    pub persons: String,
    pub of_area: String,
    pub of_practice: String,
}

/// A focus area's two populations and the practices serving it.
#[derive(Serialize)]
pub struct PopulationView {
    /// (label, residents, patients of the practices located here).
    pub rows: Vec<[String; 3]>,
    pub note: String,
    pub serving: Vec<ServingLine>,
}

fn t(lang: Lang, nl: &'static str, en: &'static str) -> String {
    lang.t(nl, en).to_string()
}

fn or_hidden(v: Option<f64>, f: impl Fn(f64) -> String, lang: Lang) -> String {
    v.map(f).unwrap_or_else(|| t(lang, "–", "–"))
}

fn flag_words(limit: &Option<String>, direction: &Option<String>, lang: Lang) -> String {
    match (limit.as_deref(), direction.as_deref()) {
        (Some(l), Some(d)) => format!(
            "{} ({l}%)",
            match d {
                "high" => t(lang, "▲ hoger", "▲ higher"),
                _ => t(lang, "▼ lager", "▼ lower"),
            }
        ),
        _ => String::new(),
    }
}

/// A practice's name; the buckets by what they are, in the report's language.
fn display_name(p: &PracticeRow, lang: Lang) -> String {
    match p.kind.as_str() {
        "praktijk_onbekend" => t(lang, "praktijk onbekend", "practice unknown"),
        "niet_ingeschreven" => t(lang, "niet ingeschreven", "not registered"),
        _ if p.name.is_empty() => p.id.clone(),
        _ => p.name.clone(),
    }
}

fn line(p: &PracticeRow, lang: Lang) -> PracticeLine {
    let not_judged = match p.not_judged.as_deref() {
        Some("too_small") => t(lang, "< 750: niet beoordeeld", "< 750: not judged"),
        Some("no_norm") => t(lang, "geen norm", "no norm"),
        _ => String::new(),
    };
    let flag = flag_words(&p.limit, &p.direction, lang);
    PracticeLine {
        name: display_name(p, lang),
        id: p.id.clone(),
        location: p
            .wijk_name
            .clone()
            .or_else(|| p.wijk_code.clone())
            .unwrap_or_default(),
        persons: or_hidden(p.persons, |v| lang.number(v, 0), lang),
        cost: or_hidden(p.cost_per_iy, |v| lang.euro(v), lang),
        oe: or_hidden(p.oe, |v| lang.ratio(v), lang),
        own: or_hidden(p.share_own_wijk, |v| lang.percent(v), lang),
        flag: if flag.is_empty() { not_judged } else { flag },
        flag_extract: flag_words(&p.limit_extract, &p.direction_extract, lang),
        flag_gemeente: flag_words(&p.limit_gemeente, &p.direction_gemeente, lang),
        hidden: p.suppressed,
    }
}

/// The practice table of the report: practices first (by id), then the buckets.
pub fn lines(view: &RunView, lang: Lang) -> Vec<PracticeLine> {
    view.practices.rows.iter().map(|p| line(p, lang)).collect()
}

/// Notes under the practice section: where locations come from, the 750 rule, the ledger,
/// the fit and the cells hidden.
pub fn notes(view: &RunView, lang: Lang) -> Vec<String> {
    let Some(r) = &view.manifest.practices else {
        return Vec::new();
    };
    let mut out = Vec::new();
    out.push(if r.located_by_patients {
        t(
            lang,
            "Er is geen lijst met huisartspraktijken (gp_practices) meegegeven: een praktijk is hier gevestigd in de wijk waar de meeste van haar patiënten wonen.",
            "No list of GP practices (gp_practices) was given: a practice is located here in the wijk where most of its patients live.",
        )
    } else {
        t(
            lang,
            "Vestiging van een praktijk: haar pc5 (of opgegeven wijk) in de lijst gp_practices.",
            "A practice's location: its pc5 (or given wijk) in the gp_practices list.",
        )
    });
    out.push(format!(
        "{} {}",
        t(
            lang,
            "Trechter: afgetopte kosten per verzekerdenjaar tegen de norm van de woon-pc5 van elke patiënt, met correctie voor overdispersie",
            "Funnel: capped cost per insured year against the norm of each patient's home pc5, corrected for overdispersion",
        ),
        match (r.outliers.phi, r.outliers.phi_threshold) {
            (Some(phi), Some(threshold)) => format!(
                "(φ = {}, {} {}: {}).",
                lang.number(phi, 2),
                t(lang, "grens", "threshold"),
                lang.number(threshold, 2),
                if r.outliers.widened {
                    t(lang, "grenzen verbreed", "limits widened")
                } else {
                    t(lang, "niet verbreed", "not widened")
                }
            ),
            _ => t(
                lang,
                "(te weinig praktijken om φ te schatten).",
                "(too few practices to estimate φ).",
            ),
        }
    ));
    out.push(format!(
        "{} {} {}; {} {}.",
        t(lang, "Praktijken met minder dan", "Practices with fewer than"),
        lang.number(r.outliers.min_persons as f64, 0),
        t(
            lang,
            "ingeschreven verzekerden staan in de tabel maar worden niet gemarkeerd (regel van Fingertips)",
            "registered insured persons are in the table but never flagged (Fingertips' rule)",
        ),
        t(lang, "beoordeeld", "judged"),
        lang.number(r.outliers.judged as f64, 0),
    ));
    let b = &r.reconciliation.buckets;
    let eur = |text: &str| {
        text.parse::<f64>()
            .map(|v| lang.euro_decimals(v, 2))
            .unwrap_or_else(|_| text.to_string())
    };
    if b.len() == 3 {
        out.push(format!(
            "{} {} {}: {} {}, {} {}, {} {}.",
            t(lang, "Alle", "All"),
            eur(&r.reconciliation.area_eur),
            t(
                lang,
                "in de gebieden komt in precies één post",
                "in the areas lands in exactly one bucket"
            ),
            eur(&b[0].eur),
            t(lang, "bij praktijken", "with practices"),
            eur(&b[1].eur),
            t(lang, "praktijk onbekend", "practice unknown"),
            eur(&b[2].eur),
            t(lang, "niet ingeschreven", "not registered"),
        ));
    }
    let s = &r.suppression;
    out.push(format!(
        "{} {} {} {} {} ({} {}, {} {}).",
        t(lang, "In de tabel praktijk ×", "In the practice ×"),
        lang.level(r.cross_level).to_lowercase(),
        t(lang, "zijn", "table"),
        lang.number((s.cross_primary + s.cross_secondary) as f64, 0),
        t(lang, "cellen verborgen", "cells are hidden"),
        s.cross_primary,
        t(lang, "te klein", "too small"),
        s.cross_secondary,
        t(
            lang,
            "omdat ze anders uit de praktijk- of gebiedstotalen terug te rekenen zijn",
            "because they could otherwise be recomputed from the practice or area totals",
        )
    ));
    out
}

/// The practices with patients living in area `code`: (practice id, patients from its
/// published cells of the practice × area table, whether some cells were hidden — then the
/// count is a lower bound), most patients first. Used by the report's focus areas and the
/// served area page.
pub fn serving(view: &RunView, code: &str) -> Vec<(String, f64, bool)> {
    let level = Level::of_code(code);
    let cross_level = view.manifest.practices.as_ref().map(|r| r.cross_level);
    let mut serving: Vec<(String, f64, bool)> = Vec::new();
    if let (Some(level), Some(cl)) = (level, cross_level) {
        if cl <= level {
            for c in &view.practices.cells {
                if level.ancestor_of(&c.area_code).as_deref() != Some(code) {
                    continue;
                }
                let e = match serving.iter_mut().find(|s| s.0 == c.practice_id) {
                    Some(e) => e,
                    None => {
                        serving.push((c.practice_id.clone(), 0.0, false));
                        serving.last_mut().expect("pushed")
                    }
                };
                match c.persons {
                    Some(n) if !c.suppressed => e.1 += n,
                    _ => e.2 = true,
                }
            }
        }
    }
    serving.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    serving
}

/// The two populations of focus area `code` and the practices serving it.
pub fn population(view: &RunView, code: &str, lang: Lang) -> Option<PopulationView> {
    let p = view
        .practices
        .populations
        .iter()
        .find(|p| p.area_code == code)?;
    let count = |v: Option<f64>| or_hidden(v, |x| lang.number(x, 0), lang);
    let euro = |v: Option<f64>| or_hidden(v, |x| lang.euro(x), lang);
    let ratio = |v: Option<f64>| or_hidden(v, |x| lang.ratio(x), lang);
    let pct = |v: Option<f64>| or_hidden(v, |x| lang.percent(x), lang);
    let rows = vec![
        [
            t(lang, "Personen", "Persons"),
            count(p.residents),
            count(p.patients),
        ],
        [
            t(lang, "In beide", "In both"),
            count(p.overlap),
            count(p.overlap),
        ],
        [
            t(lang, "Aandeel in beide", "Share in both"),
            pct(p.share_residents),
            pct(p.share_patients),
        ],
        [
            t(lang, "Kosten per verzekerdenjaar", "Cost per insured year"),
            euro(p.residents_cost),
            euro(p.patients_cost),
        ],
        ["O/E".into(), ratio(p.residents_oe), ratio(p.patients_oe)],
        [
            t(lang, "Grootste zorgvormen", "Largest care types"),
            p.residents_top.clone().unwrap_or_default(),
            p.patients_top.clone().unwrap_or_default(),
        ],
    ];
    let note = format!(
        "{} {} {}",
        lang.number(p.practices_located, 0),
        t(
            lang,
            "praktijk(en) gevestigd in dit gebied. Niet alle patiënten van een praktijk in de wijk wonen in de wijk (Menzis, Leidraad Integrale Gebiedsaanpak); \"–\" is verborgen omdat het te weinig personen beschrijft of verborgen cellen terug zou geven.",
            "practice(s) located in this area. Not all patients of a practice in the wijk live in the wijk (Menzis, Leidraad Integrale Gebiedsaanpak — the guide to area-based cooperation); \"–\" is hidden because it describes too few persons or would give hidden cells back.",
        ),
        ""
    );
    let serving = serving(view, code);
    let residents = p.residents;
    let serving = serving
        .into_iter()
        .filter(|s| s.1 > 0.0)
        .take(8)
        .map(|(id, n, partial)| {
            let row = view.practices.rows.iter().find(|r| r.id == id);
            let at_least = if partial { "≥ " } else { "" };
            ServingLine {
                name: row.map(|r| display_name(r, lang)).unwrap_or(id),
                persons: format!("{at_least}{}", lang.number(n, 0)),
                of_area: residents
                    .filter(|r| *r > 0.0)
                    .map(|r| format!("{at_least}{}", lang.percent(n / r)))
                    .unwrap_or_else(|| "–".into()),
                of_practice: row
                    .and_then(|r| r.persons)
                    .filter(|p| *p > 0.0)
                    .map(|p| format!("{at_least}{}", lang.percent(n / p)))
                    .unwrap_or_else(|| "–".into()),
            }
        })
        .collect();
    Some(PopulationView {
        rows,
        note,
        serving,
    })
}
