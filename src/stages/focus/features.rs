//! Person-level features for focus groups (SPEC 3.5), built once from the person frame.
//! These rows never leave the program; segments and the tree only publish aggregates.

use crate::columns::ct_col;
use crate::columns::wmo_type_col;
use crate::domain::{CARE_TYPES, DAYS_PER_YEAR, PROVISION_TYPES};
use crate::frame::safe_div;
use crate::stages::profile::expected::{band, BAND_LABELS};
use polars::prelude::*;

/// The names an analyst can use in a segment filter.
pub fn feature_names() -> Vec<String> {
    let mut f: Vec<String> = [
        "age",
        "age_band",
        "sex",
        "household",
        "education",
        "social_minimum",
        "pc5",
        "buurt_code",
        "wijk_code",
        "gemeente_code",
        "insured_years",
        "zvw_cost",
        "cost_per_year",
        "care_forms",
        "zvw_care_forms",
        "wmo_types",
        "wmo",
        "high_cost",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    f.extend(CARE_TYPES.iter().map(|ct| format!("zvw_{ct}")));
    f.extend(PROVISION_TYPES.iter().map(|t| wmo_type_col(t)));
    f
}

/// Age band label of an `age` column (`0-4` … `85+`).
fn band_label() -> Expr {
    BAND_LABELS
        .iter()
        .enumerate()
        .rev()
        .fold(lit(NULL).cast(DataType::String), |rest, (i, label)| {
            when(col("band").eq(lit(i as i32)))
                .then(lit(*label))
                .otherwise(rest)
        })
        .alias("age_band")
}

/// Features per insured person living in a known area, plus `person_id` for joins.
pub fn features(persons: LazyFrame) -> LazyFrame {
    let eur = |c: &str| col(c).cast(DataType::Float64) / lit(100.0);
    let mut cols = vec![
        col("person_id"),
        col("age"),
        band_label(),
        col("sex"),
        col("household"),
        col("education"),
        col("social_minimum"),
        col("pc5"),
        col("buurt_code"),
        col("wijk_code"),
        col("gemeente_code"),
        (col("insured_days").cast(DataType::Float64) / lit(DAYS_PER_YEAR)).alias("insured_years"),
        eur("zvw_cents").alias("zvw_cost"),
        safe_div(
            eur("zvw_cents"),
            col("insured_days").cast(DataType::Float64) / lit(DAYS_PER_YEAR),
        )
        .alias("cost_per_year"),
        col("care_forms"),
        col("zvw_forms").alias("zvw_care_forms"),
        col("wmo_types"),
        col("wmo_types").gt(lit(0i64)).alias("wmo"),
        col("high_cost"),
    ];
    cols.extend(
        CARE_TYPES
            .iter()
            .map(|ct| eur(&ct_col(ct)).alias(format!("zvw_{ct}").as_str())),
    );
    cols.extend(
        PROVISION_TYPES
            .iter()
            .map(|t| col(wmo_type_col(t).as_str())),
    );
    persons
        .filter(col("in_areas"))
        .with_columns([band()])
        .select(cols)
}

/// One coded feature of the proposal tree (`proposals`): each person's code in `0..labels.len()`.
#[derive(Debug, Clone)]
pub struct Feature {
    /// Feature name as in segment filters (`age`, `household`, …).
    pub name: String,
    /// SQL condition per code, used to print rules (e.g. `age BETWEEN 75 AND 84`, `household IS NULL`).
    pub conditions: Vec<String>,
    /// Ordinal codes split by threshold in code order; nominal codes are ordered by mean first.
    pub ordinal: bool,
    pub codes: Vec<u16>,
}

/// Codes the tree features of SPEC 3.5 (age band, sex, household, education, social minimum,
/// care forms, Wmo use, care types used) from collected features; returns them with the
/// annualised cost and insured years of every person.
pub fn tree_inputs(features: &DataFrame) -> PolarsResult<(Vec<Feature>, Vec<f64>, Vec<f64>)> {
    let n = features.height();
    let strings = |c: &str| crate::frame::strings(features, c);
    let floats = |c: &str| -> PolarsResult<Vec<f64>> {
        Ok(crate::frame::floats(features, c)?
            .into_iter()
            .map(|v| v.unwrap_or(0.0))
            .collect())
    };
    // A nominal feature from a string column: one code per listed value, one for unknown.
    let nominal = |c: &str, values: &[&str]| -> PolarsResult<Feature> {
        let mut conditions: Vec<String> = values.iter().map(|v| format!("{c} = '{v}'")).collect();
        conditions.push(format!("{c} IS NULL"));
        let codes = strings(c)?
            .iter()
            .map(|v| {
                v.as_deref()
                    .and_then(|v| values.iter().position(|x| *x == v))
                    .unwrap_or(values.len()) as u16
            })
            .collect();
        Ok(Feature {
            name: c.into(),
            conditions,
            ordinal: false,
            codes,
        })
    };
    let mut out = Vec::new();
    let ages = floats("age")?;
    let band_conditions = [
        "age BETWEEN 0 AND 4",
        "age BETWEEN 5 AND 14",
        "age BETWEEN 15 AND 24",
        "age BETWEEN 25 AND 44",
        "age BETWEEN 45 AND 64",
        "age BETWEEN 65 AND 74",
        "age BETWEEN 75 AND 84",
        "age >= 85",
    ];
    out.push(Feature {
        name: "age".into(),
        conditions: band_conditions.iter().map(|s| s.to_string()).collect(),
        ordinal: true,
        codes: ages
            .iter()
            .map(|a| {
                crate::stages::profile::expected::BAND_UPPER
                    .iter()
                    .take_while(|u| *a >= **u as f64)
                    .count() as u16
            })
            .collect(),
    });
    out.push(nominal("sex", &["M", "V"])?);
    out.push(nominal("household", &crate::domain::HOUSEHOLDS)?);
    out.push(nominal("education", &crate::domain::EDUCATIONS)?);
    let social = strings("social_minimum")?;
    out.push(Feature {
        name: "social_minimum".into(),
        conditions: vec![
            "social_minimum = false".into(),
            "social_minimum = true".into(),
            "social_minimum IS NULL".into(),
        ],
        ordinal: false,
        codes: social
            .iter()
            .map(|v| match v.as_deref() {
                Some("false") => 0,
                Some("true") => 1,
                _ => 2,
            })
            .collect(),
    });
    let forms = floats("care_forms")?;
    let mut form_conditions: Vec<String> = (0..5).map(|k| format!("care_forms = {k}")).collect();
    form_conditions.push("care_forms >= 5".into());
    out.push(Feature {
        name: "care_forms".into(),
        conditions: form_conditions,
        ordinal: true,
        codes: forms
            .iter()
            .map(|f| (*f as i64).clamp(0, 5) as u16)
            .collect(),
    });
    let wmo = strings("wmo")?;
    out.push(Feature {
        name: "wmo".into(),
        conditions: vec!["NOT wmo".into(), "wmo".into()],
        ordinal: true,
        codes: wmo
            .iter()
            .map(|v| u16::from(v.as_deref() == Some("true")))
            .collect(),
    });
    for ct in CARE_TYPES {
        let c = format!("zvw_{ct}");
        let v = floats(&c)?;
        out.push(Feature {
            name: c.clone(),
            conditions: vec![format!("{c} <= 0"), format!("{c} > 0")],
            ordinal: true,
            codes: v.iter().map(|x| u16::from(*x > 0.0)).collect(),
        });
    }
    let years = floats("insured_years")?;
    let cost = floats("zvw_cost")?;
    let y: Vec<f64> = cost
        .iter()
        .zip(&years)
        .map(|(c, w)| if *w > 0.0 { c / w } else { 0.0 })
        .collect();
    debug_assert_eq!(y.len(), n);
    Ok((out, y, years))
}
