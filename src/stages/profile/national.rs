//! "This area against Nederland" (issue #10, SPEC 3.8): what each area would cost at national
//! amounts, from an imported Vektis table (`wijkscan reference vektis`): the national cost per
//! insured year per sex × 5-year age class of the chosen year (all insurers, the gemeente rows;
//! the rest row has no sex or age and stays out of the rates), times each insured person's
//! insured years, summed per area. Beside it, the area's gemeente's own all-insurer cost per
//! insured year. Summed in 1/10,000 euro as integers, so the figures are the same every run.

use crate::domain::{class_of_age, Level, AGE_CLASS_LABELS, DAYS_PER_YEAR, TOTAL_CODE};
use polars::prelude::*;
use std::collections::HashMap;

const SCALE: f64 = 1e4;

/// National rates and gemeente figures of one Vektis year.
#[derive(Debug, Clone)]
pub struct National {
    pub year: i32,
    /// Euros per insured year, `[sex][class]` (sex 0 = M, 1 = V; classes of `AGE_CLASS_LABELS`).
    pub rates: [[Option<f64>; 19]; 2],
    /// Gemeente code → its cost per insured year (all insurers).
    pub gemeenten: HashMap<String, f64>,
    /// The national cost per insured year over every row (the rest row included).
    pub national: f64,
}

/// A label with runs of spaces as one (`"0 t/m  4 jaar"` as the import stores it).
fn fold_label(label: &str) -> String {
    label.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The rates of `year` (default: the latest year in the table).
pub fn national(vektis: &DataFrame, year: Option<i32>) -> PolarsResult<National> {
    let years = crate::frame::floats(vektis, "year")?;
    let year = year.unwrap_or_else(|| years.iter().flatten().fold(0.0f64, |a, b| a.max(*b)) as i32);
    let sex = crate::frame::strings(vektis, "sex")?;
    let age = crate::frame::strings(vektis, "age_class")?;
    let code = crate::frame::strings(vektis, "gemeente_code")?;
    let iy = crate::frame::floats(vektis, "insured_years")?;
    let cost = crate::frame::floats(vektis, "cost_total_eur")?;
    let class_of: HashMap<String, usize> = AGE_CLASS_LABELS
        .iter()
        .enumerate()
        .map(|(k, l)| (fold_label(l), k))
        .collect();
    let mut cells = [[(0i64, 0.0f64); 19]; 2];
    let mut gem: HashMap<String, (i64, f64)> = HashMap::new();
    let (mut all_cents, mut all_years) = (0i64, 0.0);
    for i in 0..vektis.height() {
        if years[i].map(|y| y as i32) != Some(year) {
            continue;
        }
        let cents = (cost[i].unwrap_or(0.0) * 100.0).round() as i64;
        let y = iy[i].unwrap_or(0.0);
        all_cents += cents;
        all_years += y;
        if let Some(g) = &code[i] {
            let e = gem.entry(g.clone()).or_insert((0, 0.0));
            e.0 += cents;
            e.1 += y;
        }
        let s = match sex[i].as_deref() {
            Some("M") => 0,
            Some("V") => 1,
            _ => continue,
        };
        if let Some(&k) = age[i].as_deref().and_then(|a| class_of.get(&fold_label(a))) {
            cells[s][k].0 += cents;
            cells[s][k].1 += y;
        }
    }
    let mut rates = [[None; 19]; 2];
    for s in 0..2 {
        for k in 0..19 {
            let (c, y) = cells[s][k];
            rates[s][k] = (y > 0.0).then(|| c as f64 / 100.0 / y);
        }
    }
    Ok(National {
        year,
        rates,
        gemeenten: gem
            .into_iter()
            .filter(|(_, (_, y))| *y > 0.0)
            .map(|(g, (c, y))| (g, c as f64 / 100.0 / y))
            .collect(),
        national: if all_years > 0.0 {
            all_cents as f64 / 100.0 / all_years
        } else {
            0.0
        },
    })
}

/// The class of an age: 0–4 … 85–89, 90+.
/// Per raw row: (expected cost at national amounts, the gemeente's all-insurer figure).
pub type PerArea = (Vec<Option<f64>>, Vec<Option<f64>>);

/// Per raw profile row: the expected cost at national amounts (euros), and the gemeente's own
/// all-insurer cost per insured year (the national figure on the total row).
pub fn per_area(persons: &DataFrame, raw: &DataFrame, nl: &National) -> PolarsResult<PerArea> {
    let age = crate::frame::counts(persons, "age")?;
    let sex = crate::frame::strings(persons, "sex")?;
    let days = crate::frame::counts(persons, "insured_days")?;
    let inside: Vec<bool> = crate::frame::bools(persons, "in_areas", false)?;
    let codes: Vec<(Level, Vec<Option<String>>)> = Level::ALL
        .iter()
        .filter_map(|l| Some((*l, crate::frame::strings(persons, l.code_column()?).ok()?)))
        .collect();
    // (level, code) → (expected in 1/10,000 euro, persons without a rate).
    let mut sums: HashMap<(Level, &str), (i64, i64)> = HashMap::new();
    for i in 0..persons.height() {
        if !inside[i] {
            continue;
        }
        let s = match sex[i].as_deref() {
            Some("M") => 0,
            Some("V") | Some("F") => 1,
            _ => continue,
        };
        let rate = nl.rates[s][class_of_age(age[i])];
        let fixed = rate.map_or(0, |r| {
            (r * days[i] as f64 / DAYS_PER_YEAR * SCALE).round() as i64
        });
        let missing = i64::from(rate.is_none());
        let mut add = |key| {
            let e = sums.entry(key).or_insert((0, 0));
            e.0 += fixed;
            e.1 += missing;
        };
        for (level, c) in &codes {
            if let Some(code) = &c[i] {
                add((*level, code.as_str()));
            }
        }
        add((Level::Total, TOTAL_CODE));
    }
    let levels = crate::frame::strings(raw, "level")?;
    let area = crate::frame::strings(raw, "area_code")?;
    let mut expected = Vec::with_capacity(raw.height());
    let mut gemeente = Vec::with_capacity(raw.height());
    for i in 0..raw.height() {
        let (Some(l), Some(code)) = (levels[i].as_deref().and_then(Level::parse), &area[i]) else {
            expected.push(None);
            gemeente.push(None);
            continue;
        };
        // An area with a person of no national rate has no national expectation (not a low one).
        expected.push(
            sums.get(&(l, code.as_str()))
                .filter(|(_, missing)| *missing == 0)
                .map(|(f, _)| *f as f64 / SCALE),
        );
        gemeente.push(if l == Level::Total {
            Some(nl.national)
        } else {
            Level::Gemeente
                .ancestor_of(code)
                .and_then(|g| nl.gemeenten.get(&g).copied())
        });
    }
    Ok((expected, gemeente))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two classes of one sex in one gemeente: the rate is Σ cost / Σ insured years per class,
    /// and an area of 2 insured years at the first class expects twice its rate.
    #[test]
    fn rates_and_expectation_by_hand() {
        let vektis = df!(
            "year" => [2023i32, 2023, 2023, 2022],
            "gemeente_code" => [Some("GM0001"), Some("GM0001"), None, Some("GM0001")],
            "sex" => [Some("M"), Some("M"), None, Some("M")],
            "age_class" => [Some("0 t/m  4 jaar"), Some("90+"), None, Some("90+")],
            "insured_years" => [10.0, 5.0, 5.0, 1.0],
            "cost_total_eur" => [1_000.0, 5_000.0, 0.0, 9.0],
        )
        .unwrap();
        let nl = national(&vektis, None).unwrap();
        assert_eq!(nl.year, 2023);
        assert_eq!(nl.rates[0][0], Some(100.0));
        assert_eq!(nl.rates[0][18], Some(1_000.0));
        assert_eq!(nl.rates[1][0], None);
        assert!((nl.gemeenten["GM0001"] - 6_000.0 / 15.0).abs() < 1e-9);
        assert!((nl.national - 6_000.0 / 20.0).abs() < 1e-9);
        let persons = df!(
            "age" => [3i64, 95],
            "sex" => ["M", "M"],
            "insured_days" => [730i64, 365],
            "in_areas" => [true, true],
            "pc5" => ["1111A", "1111A"],
            "buurt_code" => ["BU00010101", "BU00010101"],
            "wijk_code" => ["WK000101", "WK000101"],
            "gemeente_code" => ["GM0001", "GM0001"],
        )
        .unwrap();
        let raw = df!(
            "level" => ["wijk", "total"],
            "area_code" => ["WK000101", TOTAL_CODE],
        )
        .unwrap();
        let (e, g) = per_area(&persons, &raw, &nl).unwrap();
        assert_eq!(e, vec![Some(1_200.0), Some(1_200.0)]);
        assert_eq!(g[1], Some(300.0));
        assert!((g[0].unwrap() - 400.0).abs() < 1e-9);
    }
}
