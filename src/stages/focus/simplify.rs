//! A proposed group's filter as a council can read it: the tree's path (one condition per
//! split, e.g. `(care_forms = 0 OR … = 3) AND … AND (care_forms = 0 OR care_forms = 1)`)
//! reduced to one condition per feature — the codes allowed by every split of that feature
//! intersected, a run of ordinal codes merged into one range (`care_forms BETWEEN 0 AND 1`),
//! values into one `IN` — and a feature whose codes are all allowed dropped. The result selects
//! exactly the persons the path selects (features are integers or codes).

use super::features::Feature;

/// What one code's condition says, when it is one of the shapes the features write.
#[derive(Debug, Clone, PartialEq)]
enum Shape {
    /// `name BETWEEN lo AND hi`, `name = k`, `name >= lo`, `name <= hi` (integers).
    Range(Option<i64>, Option<i64>),
    /// `name = 'v'`.
    Value(String),
    /// `name IS NULL`.
    Null,
    /// Anything else (kept as written).
    Other,
}

fn shape(name: &str, condition: &str) -> Shape {
    let Some(rest) = condition
        .strip_prefix(name)
        .and_then(|r| r.strip_prefix(' '))
    else {
        return Shape::Other;
    };
    let int = |s: &str| s.trim().parse::<i64>().ok();
    if rest == "IS NULL" {
        return Shape::Null;
    }
    if let Some(v) = rest.strip_prefix("BETWEEN ") {
        if let Some((a, b)) = v.split_once(" AND ") {
            if let (Some(a), Some(b)) = (int(a), int(b)) {
                return Shape::Range(Some(a), Some(b));
            }
        }
        return Shape::Other;
    }
    if let Some(v) = rest.strip_prefix(">= ").and_then(int) {
        return Shape::Range(Some(v), None);
    }
    if let Some(v) = rest.strip_prefix("<= ").and_then(int) {
        return Shape::Range(None, Some(v));
    }
    if let Some(v) = rest.strip_prefix("= ") {
        if let Some(k) = int(v) {
            return Shape::Range(Some(k), Some(k));
        }
        if v.len() >= 2
            && v.starts_with('\'')
            && v.ends_with('\'')
            && !v[1..v.len() - 1].contains('\'')
        {
            return Shape::Value(v[1..v.len() - 1].to_string());
        }
    }
    Shape::Other
}

/// One condition for the codes `allowed` of `f`, or None when every code is allowed.
pub fn condition(f: &Feature, allowed: &[bool]) -> Option<String> {
    let codes: Vec<usize> = (0..f.conditions.len()).filter(|&c| allowed[c]).collect();
    if codes.len() == f.conditions.len() {
        return None;
    }
    if codes.is_empty() {
        // No code allowed: no person passes (a split never leaves this, but say it exactly).
        return Some("FALSE".into());
    }
    if codes.len() == 1 {
        return Some(f.conditions[codes[0]].clone());
    }
    let shapes: Vec<Shape> = codes
        .iter()
        .map(|&c| shape(&f.name, &f.conditions[c]))
        .collect();
    let contiguous = codes.windows(2).all(|w| w[1] == w[0] + 1);
    if f.ordinal && contiguous {
        // Ranges of consecutive codes that touch: one range.
        let ranges: Option<Vec<(Option<i64>, Option<i64>)>> = shapes
            .iter()
            .map(|s| match s {
                Shape::Range(a, b) => Some((*a, *b)),
                _ => None,
            })
            .collect();
        if let Some(r) = ranges {
            let touch = r
                .windows(2)
                .all(|w| matches!((w[0].1, w[1].0), (Some(hi), Some(lo)) if lo == hi + 1));
            if touch {
                let (lo, hi) = (r[0].0, r[r.len() - 1].1);
                let n = &f.name;
                return Some(match (lo, hi) {
                    (Some(a), Some(b)) if a == b => format!("{n} = {a}"),
                    (Some(a), Some(b)) => format!("{n} BETWEEN {a} AND {b}"),
                    (Some(a), None) => format!("{n} >= {a}"),
                    (None, Some(b)) => format!("{n} <= {b}"),
                    (None, None) => return None,
                });
            }
        }
    }
    let values: Option<Vec<&str>> = shapes
        .iter()
        .filter(|s| **s != Shape::Null)
        .map(|s| match s {
            Shape::Value(v) => Some(v.as_str()),
            _ => None,
        })
        .collect();
    if let Some(values) = values {
        let null = shapes.contains(&Shape::Null);
        let listed: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
        let n = &f.name;
        let within = match listed.len() {
            0 => None,
            1 => Some(format!("{n} = {}", listed[0])),
            _ => Some(format!("{n} IN ({})", listed.join(", "))),
        };
        return Some(match (within, null) {
            (Some(w), true) => format!("({w} OR {n} IS NULL)"),
            (Some(w), false) => w,
            (None, _) => format!("{n} IS NULL"),
        });
    }
    let parts: Vec<&str> = codes.iter().map(|&c| f.conditions[c].as_str()).collect();
    Some(format!("({})", parts.join(" OR ")))
}

/// The filter of a path of splits: per feature (in feature order) the codes every split of it
/// allows, as one condition each; `TRUE` for the root.
pub fn filter(features: &[Feature], path: &[(usize, Vec<u16>)]) -> String {
    let mut allowed: Vec<Vec<bool>> = features
        .iter()
        .map(|f| vec![true; f.conditions.len()])
        .collect();
    for (fi, codes) in path {
        let mut keep = vec![false; features[*fi].conditions.len()];
        for &c in codes {
            keep[c as usize] = true;
        }
        for (a, k) in allowed[*fi].iter_mut().zip(keep) {
            *a &= k;
        }
    }
    let parts: Vec<String> = features
        .iter()
        .zip(&allowed)
        .filter_map(|(f, a)| condition(f, a))
        .collect();
    if parts.is_empty() {
        "TRUE".into()
    } else {
        parts.join(" AND ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;
    use proptest::prelude::*;

    fn care_forms() -> Feature {
        let mut conditions: Vec<String> = (0..5).map(|k| format!("care_forms = {k}")).collect();
        conditions.push("care_forms >= 5".into());
        Feature {
            name: "care_forms".into(),
            conditions,
            ordinal: true,
            codes: Vec::new(),
        }
    }

    fn household() -> Feature {
        Feature {
            name: "household".into(),
            conditions: vec![
                "household = 'single'".into(),
                "household = 'couple'".into(),
                "household = 'other'".into(),
                "household IS NULL".into(),
            ],
            ordinal: false,
            codes: Vec::new(),
        }
    }

    fn msz() -> Feature {
        Feature {
            name: "zvw_msz".into(),
            conditions: vec!["zvw_msz <= 0".into(), "zvw_msz > 0".into()],
            ordinal: true,
            codes: Vec::new(),
        }
    }

    /// The issue's example: four conditions on care_forms and one on msz become two.
    #[test]
    fn the_tree_path_of_the_issue_reads_as_two_conditions() {
        let f = [care_forms(), msz()];
        let path = vec![
            (0, vec![0, 1, 2, 3]),
            (1, vec![0]),
            (0, vec![0, 1, 2]),
            (0, vec![0, 1]),
        ];
        assert_eq!(
            filter(&f, &path),
            "care_forms BETWEEN 0 AND 1 AND zvw_msz <= 0"
        );
        assert_eq!(filter(&f, &[(0, vec![3, 4, 5])]), "care_forms >= 3");
        assert_eq!(filter(&f, &[(0, vec![2])]), "care_forms = 2");
        assert_eq!(
            filter(&f, &[(0, vec![0, 2])]),
            "(care_forms = 0 OR care_forms = 2)"
        );
        assert_eq!(filter(&f, &[(0, vec![0, 1, 2, 3, 4, 5])]), "TRUE");
        let h = [household()];
        assert_eq!(
            filter(&h, &[(0, vec![0, 2, 3])]),
            "(household IN ('single', 'other') OR household IS NULL)"
        );
        assert_eq!(
            filter(&h, &[(0, vec![1, 3]), (0, vec![1, 2])]),
            "household = 'couple'"
        );
    }

    /// Persons with a code per feature, as a frame the SQL filters run on.
    fn frame(people: &[(u16, u16, u16)]) -> DataFrame {
        let forms: Vec<i64> = people.iter().map(|p| i64::from(p.0)).collect();
        let labels = ["single", "couple", "other"];
        let hh: Vec<Option<&str>> = people
            .iter()
            .map(|p| labels.get(p.1 as usize).copied())
            .collect();
        let msz: Vec<f64> = people
            .iter()
            .map(|p| if p.2 == 1 { 120.0 } else { 0.0 })
            .collect();
        df!("care_forms" => forms, "household" => hh, "zvw_msz" => msz).unwrap()
    }

    /// The row numbers a filter keeps.
    fn selected(df: &DataFrame, sql: &str) -> Vec<u32> {
        let e = polars::sql::sql_expr(sql).unwrap();
        let out = df
            .clone()
            .lazy()
            .with_row_index("i", None)
            .filter(e)
            .collect()
            .unwrap();
        out.column("i")
            .unwrap()
            .idx()
            .unwrap()
            .into_no_null_iter()
            .collect()
    }

    fn path_filter(features: &[Feature], path: &[(usize, Vec<u16>)]) -> String {
        // As the tree printed it before: each split's codes as one condition, joined by AND.
        let parts: Vec<String> = path
            .iter()
            .map(|(fi, codes)| {
                let f = &features[*fi];
                let c: Vec<&str> = codes
                    .iter()
                    .map(|c| f.conditions[*c as usize].as_str())
                    .collect();
                if c.len() == 1 {
                    c[0].to_string()
                } else {
                    format!("({})", c.join(" OR "))
                }
            })
            .collect();
        if parts.is_empty() {
            "TRUE".into()
        } else {
            parts.join(" AND ")
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// The simplified filter selects exactly the persons of the tree path.
        #[test]
        fn simplified_filters_select_the_same_persons(
            people in proptest::collection::vec((0u16..6, 0u16..4, 0u16..2), 1..60),
            path in proptest::collection::vec(
                (0usize..3, proptest::collection::vec(any::<bool>(), 6)), 0..5),
        ) {
            let features = [care_forms(), household(), msz()];
            let path: Vec<(usize, Vec<u16>)> = path
                .into_iter()
                .map(|(fi, mask)| {
                    let k = features[fi].conditions.len();
                    let mut codes: Vec<u16> =
                        (0..k as u16).filter(|c| mask[*c as usize]).collect();
                    if codes.is_empty() { codes.push(0); }
                    (fi, codes)
                })
                .collect();
            let df = frame(&people);
            let before = selected(&df, &path_filter(&features, &path));
            let after_sql = filter(&features, &path);
            let after = selected(&df, &after_sql);
            prop_assert_eq!(before, after, "{}", after_sql);
        }
    }
}
