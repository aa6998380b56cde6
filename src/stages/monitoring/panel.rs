//! Each period's area outcomes for the effect of an intervention (METHODS 10): per buurt, wijk
//! and gemeente, the capped cost per insured year above κ × norm and the raw cost per insured
//! year above the norm, each with its SE (METHODS 1: the period's person-level variance), and
//! whether the area is published that period. Kept in the run's private cache, read by the
//! effects step and `wijkscan effect`; an effect uses only areas published in every period.

use crate::domain::Level;
use crate::stages::outliers::basis::Basis;
use polars::prelude::*;

/// One area in one period.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelRow {
    pub level: Level,
    pub area_code: String,
    pub period: String,
    /// Published this period (not suppressed, with the raw outcome and its SE).
    pub published: bool,
    /// Its capped figure is published too (monitoring's `judged_value`): not where 1 to
    /// min_cell − 1 persons were capped, whose cost above the cap it would give away.
    pub capped_shown: bool,
    pub insured_years: Option<f64>,
    pub norm_per_iy: Option<f64>,
    /// κ of the period (1 when the run is not capped).
    pub kappa: f64,
    /// Capped cost per insured year − κ × norm per insured year, and its SE.
    pub capped: Option<f64>,
    pub capped_se: Option<f64>,
    /// z of the capped figure against κ × norm (the flags' test, METHODS 1), kept also where
    /// the capped figure itself is not shown (z alone gives no one's cost away).
    pub capped_z: Option<f64>,
    /// Cost per insured year − norm per insured year, and its SE.
    pub raw: Option<f64>,
    pub raw_se: Option<f64>,
}

fn total(b: &Basis) -> Option<&crate::stages::outliers::basis::PerArea> {
    b.metric("total")
}

/// The period's panel rows from its published profile and its two cost bases, capped (the
/// flags' own; raw when the run is not capped) and raw, aligned with the profile's rows.
pub fn rows(
    period: &str,
    profile: &DataFrame,
    capped: &Basis,
    raw: &Basis,
    min_cell: i64,
) -> PolarsResult<Vec<PanelRow>> {
    let level = crate::frame::strings(profile, "level")?;
    let code = crate::frame::strings(profile, "area_code")?;
    let years = crate::frame::floats(profile, "insured_years")?;
    let norm = crate::frame::floats(profile, "norm_cost_per_insured_year")?;
    let suppressed: Vec<bool> = profile
        .column("suppressed")?
        .bool()?
        .iter()
        .map(|b| b.unwrap_or(true))
        .collect();
    let kappa = capped
        .caps
        .iter()
        .find(|c| c.metric == "total")
        .map_or(1.0, |c| c.kappa);
    let (Some(c), Some(r)) = (total(capped), total(raw)) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for i in 0..profile.height() {
        let Some(l) = level[i].as_deref().and_then(Level::parse) else {
            continue;
        };
        if !matches!(l, Level::Buurt | Level::Wijk | Level::Gemeente) {
            continue;
        }
        let n = years[i].filter(|y| *y > 0.0);
        let m = norm[i].filter(|m| m.is_finite());
        let per_iy = |sum: Option<&f64>| Some(sum? / n?);
        let se = |var: Option<&f64>| Some(var?.sqrt() / n?).filter(|s| s.is_finite() && *s > 0.0);
        let capped_persons = c.capped_persons.get(i).copied().unwrap_or(0.0);
        // As the monitoring table: a capped figure beside the raw one would give the cost above
        // the cap of 1 to min_cell − 1 persons.
        let capped_shown =
            !capped.capped || capped_persons == 0.0 || capped_persons >= min_cell as f64;
        let capped_v = per_iy(c.observed.get(i)).zip(m).map(|(v, m)| v - kappa * m);
        let raw_v = per_iy(r.observed.get(i)).zip(m).map(|(v, m)| v - m);
        let (capped_se, raw_se) = (se(c.variance.get(i)), se(r.variance.get(i)));
        let published = !suppressed[i] && raw_v.is_some() && raw_se.is_some();
        let capped_shown = published && capped_shown && capped_v.is_some() && capped_se.is_some();
        // Nothing of an area not published is kept, not even in the private cache.
        let keep = |v: Option<f64>| v.filter(|_| published);
        let keep_capped = |v: Option<f64>| v.filter(|_| capped_shown);
        out.push(PanelRow {
            level: l,
            area_code: code[i].clone().unwrap_or_default(),
            period: period.to_string(),
            published,
            capped_shown,
            insured_years: keep(n),
            norm_per_iy: keep(m),
            kappa,
            capped: keep_capped(capped_v),
            capped_se: keep_capped(capped_se),
            capped_z: keep(capped_v.zip(capped_se).map(|(v, se)| v / se)),
            raw: keep(raw_v),
            raw_se: keep(raw_se),
        });
    }
    Ok(out)
}

/// Every period's rows as one frame (the private cache's `effect_panel.parquet`).
pub fn frame(rows: &[PanelRow]) -> PolarsResult<DataFrame> {
    let f = |g: fn(&PanelRow) -> Option<f64>| rows.iter().map(g).collect::<Vec<_>>();
    df!(
        "level" => rows.iter().map(|r| r.level.as_str()).collect::<Vec<_>>(),
        "area_code" => rows.iter().map(|r| r.area_code.as_str()).collect::<Vec<_>>(),
        "period" => rows.iter().map(|r| r.period.as_str()).collect::<Vec<_>>(),
        "published" => rows.iter().map(|r| r.published).collect::<Vec<_>>(),
        "capped_shown" => rows.iter().map(|r| r.capped_shown).collect::<Vec<_>>(),
        "insured_years" => f(|r| r.insured_years),
        "norm_per_insured_year" => f(|r| r.norm_per_iy),
        "kappa" => rows.iter().map(|r| r.kappa).collect::<Vec<_>>(),
        "capped" => f(|r| r.capped),
        "capped_se" => f(|r| r.capped_se),
        "capped_z" => f(|r| r.capped_z),
        "raw" => f(|r| r.raw),
        "raw_se" => f(|r| r.raw_se),
    )
}

/// The rows back from `frame`.
pub fn from_frame(df: &DataFrame) -> PolarsResult<Vec<PanelRow>> {
    let s = |c: &str| crate::frame::strings(df, c);
    let f = |c: &str| crate::frame::floats(df, c);
    let (level, code, period) = (s("level")?, s("area_code")?, s("period")?);
    let flag = |c: &str| -> PolarsResult<Vec<bool>> {
        Ok(df
            .column(c)?
            .bool()?
            .iter()
            .map(|b| b.unwrap_or(false))
            .collect())
    };
    let (published, capped_shown) = (flag("published")?, flag("capped_shown")?);
    let (years, norm, kappa) = (
        f("insured_years")?,
        f("norm_per_insured_year")?,
        f("kappa")?,
    );
    let (capped, capped_se, raw, raw_se) = (f("capped")?, f("capped_se")?, f("raw")?, f("raw_se")?);
    let capped_z = f("capped_z")?;
    Ok((0..df.height())
        .filter_map(|i| {
            Some(PanelRow {
                level: Level::parse(level[i].as_deref()?)?,
                area_code: code[i].clone()?,
                period: period[i].clone()?,
                published: published[i],
                capped_shown: capped_shown[i],
                insured_years: years[i],
                norm_per_iy: norm[i],
                kappa: kappa[i].unwrap_or(1.0),
                capped: capped[i],
                capped_se: capped_se[i],
                capped_z: capped_z[i],
                raw: raw[i],
                raw_se: raw_se[i],
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_through_the_frame() {
        let rows = vec![
            PanelRow {
                level: Level::Wijk,
                area_code: "WK001401".into(),
                period: "2024Q1".into(),
                published: true,
                capped_shown: true,
                insured_years: Some(100.0),
                norm_per_iy: Some(3000.0),
                kappa: 0.9,
                capped: Some(-120.0),
                capped_se: Some(80.0),
                capped_z: Some(-1.5),
                raw: Some(-50.0),
                raw_se: Some(150.0),
            },
            PanelRow {
                level: Level::Buurt,
                area_code: "BU00140101".into(),
                period: "2024Q1".into(),
                published: false,
                capped_shown: false,
                insured_years: None,
                norm_per_iy: None,
                kappa: 0.9,
                capped: None,
                capped_se: None,
                capped_z: None,
                raw: None,
                raw_se: None,
            },
        ];
        assert_eq!(from_frame(&frame(&rows).unwrap()).unwrap(), rows);
    }
}
