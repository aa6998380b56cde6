//! Where each practice is: from the `gp_practices` list, else where most of its patients live.

use super::view::{Location, Row};
use crate::columns::PRACTICE;
use crate::frame::strings;
use polars::prelude::*;
use std::collections::HashMap;

/// Locations: from the list (pc5, or `location_wijk_code` where given), else the wijk where
/// most of the practice's patients live.
pub(super) fn locate(
    rows: &mut [Row],
    list: Option<&DataFrame>,
    area_codes: &DataFrame,
    wijk_cross: &DataFrame,
) -> PolarsResult<()> {
    let pc5s = strings(area_codes, "pc5")?;
    let buurten = strings(area_codes, "buurt_code")?;
    let wijken = strings(area_codes, "wijk_code")?;
    let gemeenten = strings(area_codes, "gemeente_code")?;
    let mut by_pc5: HashMap<String, (String, String, String)> = HashMap::new();
    let mut gemeente_of: HashMap<String, String> = HashMap::new();
    for i in 0..pc5s.len() {
        if let (Some(p), Some(b), Some(w), Some(g)) =
            (&pc5s[i], &buurten[i], &wijken[i], &gemeenten[i])
        {
            by_pc5.insert(p.clone(), (b.clone(), w.clone(), g.clone()));
            gemeente_of.insert(w.clone(), g.clone());
        }
    }
    let mut listed: HashMap<String, (Option<String>, Option<String>)> = HashMap::new();
    if let Some(l) = list {
        let ids = strings(l, "practice_id")?;
        let pc5 = strings(l, "pc5")?;
        let wijk = strings(l, "location_wijk_code")?;
        for i in 0..l.height() {
            if let Some(id) = &ids[i] {
                listed.insert(id.clone(), (pc5[i].clone(), wijk[i].clone()));
            }
        }
    }
    // Majority wijk per practice key (ties: the lowest code, as the cross table is sorted).
    let keys = strings(wijk_cross, PRACTICE)?;
    let codes = strings(wijk_cross, "area_code")?;
    let persons = crate::frame::counts(wijk_cross, "persons")?;
    let mut majority: HashMap<String, (i64, String)> = HashMap::new();
    for i in 0..keys.len() {
        if let (Some(k), Some(c)) = (&keys[i], &codes[i]) {
            let e = majority.entry(k.clone()).or_insert((0, c.clone()));
            if persons[i] > e.0 {
                *e = (persons[i], c.clone());
            }
        }
    }
    for r in rows.iter_mut() {
        if r.kind != "praktijk" {
            continue;
        }
        r.location = match (list, listed.get(&r.key)) {
            (Some(_), Some((pc5, wijk))) => {
                let at = pc5.as_ref().and_then(|p| by_pc5.get(p));
                let wijk = wijk.clone().or_else(|| at.map(|a| a.1.clone()));
                Location {
                    pc5: pc5.clone(),
                    // The buurt only where the pc5's own wijk is the location's wijk.
                    buurt: at
                        .filter(|a| Some(&a.1) == wijk.as_ref())
                        .map(|a| a.0.clone()),
                    gemeente: wijk.as_ref().and_then(|w| gemeente_of.get(w).cloned()),
                    wijk,
                    source: Some("gp_practices"),
                }
            }
            _ => match majority.get(&r.key) {
                Some((_, w)) => Location {
                    pc5: None,
                    buurt: None,
                    wijk: Some(w.clone()),
                    gemeente: gemeente_of.get(w).cloned(),
                    source: Some("patients"),
                },
                None => Location::default(),
            },
        };
    }
    Ok(())
}
