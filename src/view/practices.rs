//! The practice view's tables read back from a run folder (`practices`, `practice_areas`,
//! `focus_populations`); absent in run folders written before the practice view existed.

use crate::error::Result;
use crate::frame::{floats, strings};
use polars::prelude::*;
use std::path::Path;

/// One published row of `practices`; `None` is hidden or undefined.
#[derive(Debug, Clone)]
pub struct PracticeRow {
    pub id: String,
    pub name: String,
    /// `praktijk`, `praktijk_onbekend` or `niet_ingeschreven`.
    pub kind: String,
    pub wijk_code: Option<String>,
    pub wijk_name: Option<String>,
    pub gemeente_code: Option<String>,
    pub suppressed: bool,
    pub persons: Option<f64>,
    pub years: Option<f64>,
    pub cost_per_iy: Option<f64>,
    pub oe: Option<f64>,
    pub oe_for_flags: Option<f64>,
    pub share_own_wijk: Option<f64>,
    pub limit: Option<String>,
    pub direction: Option<String>,
    pub limit_extract: Option<String>,
    pub direction_extract: Option<String>,
    pub gemeente_oe: Option<f64>,
    pub limit_gemeente: Option<String>,
    pub direction_gemeente: Option<String>,
    pub not_judged: Option<String>,
}

/// One cell of `practice_areas`.
#[derive(Debug, Clone)]
pub struct PracticeAreaRow {
    pub practice_id: String,
    pub area_code: String,
    pub persons: Option<f64>,
    pub share_of_practice: Option<f64>,
    pub share_of_area: Option<f64>,
    pub suppressed: bool,
}

/// One row of `focus_populations`.
#[derive(Debug, Clone)]
pub struct PopulationRow {
    pub area_code: String,
    pub practices_located: f64,
    pub residents: Option<f64>,
    pub patients: Option<f64>,
    pub overlap: Option<f64>,
    pub share_residents: Option<f64>,
    pub share_patients: Option<f64>,
    pub residents_cost: Option<f64>,
    pub patients_cost: Option<f64>,
    pub residents_oe: Option<f64>,
    pub patients_oe: Option<f64>,
    pub residents_top: Option<String>,
    pub patients_top: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Practices {
    pub rows: Vec<PracticeRow>,
    pub cells: Vec<PracticeAreaRow>,
    pub populations: Vec<PopulationRow>,
}

fn read(dir: &Path, stem: &str) -> Result<Option<DataFrame>> {
    let path = dir.join(format!("{stem}.parquet"));
    if !path.is_file() {
        return Ok(None);
    }
    Ok(Some(crate::frame::read_parquet(&path)?))
}

impl Practices {
    /// The practice tables of a run folder; empty when it has none.
    pub fn load(dir: &Path) -> Result<Practices> {
        let mut out = Practices::default();
        if let Some(p) = read(dir, "practices")? {
            let s = |c: &str| strings(&p, c);
            let f = |c: &str| floats(&p, c);
            let (id, name, kind, wc, wn, gc) = (
                s("practice_id")?,
                s("practice_name")?,
                s("kind")?,
                s("location_wijk_code")?,
                s("location_wijk_name")?,
                s("location_gemeente_code")?,
            );
            let (lime, dire) = (s("limit_extract")?, s("direction_extract")?);
            let (lim, dir_, limg, dirg, nj) = (
                s("limit")?,
                s("direction")?,
                s("limit_gemeente")?,
                s("direction_gemeente")?,
                s("not_judged")?,
            );
            let (persons, years, cost, oe, oef, own, goe) = (
                f("registered_persons")?,
                f("insured_years")?,
                f("zvw_cost_per_insured_year")?,
                f("oe_ratio")?,
                f("oe_for_flags")?,
                f("share_own_wijk")?,
                f("gemeente_oe_for_flags")?,
            );
            let sup = crate::frame::bools(&p, "suppressed", true)?;
            out.rows = (0..p.height())
                .map(|i| PracticeRow {
                    id: id[i].clone().unwrap_or_default(),
                    name: name[i].clone().unwrap_or_default(),
                    kind: kind[i].clone().unwrap_or_default(),
                    wijk_code: wc[i].clone(),
                    wijk_name: wn[i].clone(),
                    gemeente_code: gc[i].clone(),
                    suppressed: sup[i],
                    persons: persons[i],
                    years: years[i],
                    cost_per_iy: cost[i],
                    oe: oe[i],
                    oe_for_flags: oef[i],
                    share_own_wijk: own[i],
                    limit: lim[i].clone(),
                    direction: dir_[i].clone(),
                    limit_extract: lime[i].clone(),
                    direction_extract: dire[i].clone(),
                    gemeente_oe: goe[i],
                    limit_gemeente: limg[i].clone(),
                    direction_gemeente: dirg[i].clone(),
                    not_judged: nj[i].clone(),
                })
                .collect();
        }
        if let Some(c) = read(dir, "practice_areas")? {
            let (pid, code) = (strings(&c, "practice_id")?, strings(&c, "area_code")?);
            let (persons, sp, sa) = (
                floats(&c, "persons")?,
                floats(&c, "share_of_practice")?,
                floats(&c, "share_of_area")?,
            );
            let sup = crate::frame::bools(&c, "suppressed", true)?;
            out.cells = (0..c.height())
                .map(|i| PracticeAreaRow {
                    practice_id: pid[i].clone().unwrap_or_default(),
                    area_code: code[i].clone().unwrap_or_default(),
                    persons: persons[i],
                    share_of_practice: sp[i],
                    share_of_area: sa[i],
                    suppressed: sup[i],
                })
                .collect();
        }
        if let Some(q) = read(dir, "focus_populations")? {
            let f = |c: &str| floats(&q, c);
            let code = strings(&q, "area_code")?;
            let (rt, pt) = (
                strings(&q, "residents_top_care_types")?,
                strings(&q, "patients_top_care_types")?,
            );
            let cols = [
                f("practices_located")?,
                f("residents")?,
                f("patients")?,
                f("overlap")?,
                f("share_of_residents_registered_here")?,
                f("share_of_patients_living_here")?,
                f("residents_cost_per_insured_year")?,
                f("patients_cost_per_insured_year")?,
                f("residents_oe_ratio")?,
                f("patients_oe_ratio")?,
            ];
            out.populations = (0..q.height())
                .map(|i| PopulationRow {
                    area_code: code[i].clone().unwrap_or_default(),
                    practices_located: cols[0][i].unwrap_or(0.0),
                    residents: cols[1][i],
                    patients: cols[2][i],
                    overlap: cols[3][i],
                    share_residents: cols[4][i],
                    share_patients: cols[5][i],
                    residents_cost: cols[6][i],
                    patients_cost: cols[7][i],
                    residents_oe: cols[8][i],
                    patients_oe: cols[9][i],
                    residents_top: rt[i].clone(),
                    patients_top: pt[i].clone(),
                })
                .collect();
        }
        Ok(out)
    }
}
