//! Focus-group segments (SPEC 3.5): named filters over person features, written as SQL
//! expressions (`household = 'single' AND education = 'low' AND care_forms >= 3`).
//!
//! sqlparser (the parser polars-sql uses) checks the syntax first, so an error points at the
//! segment and the column where it goes wrong. The parsed filter must then keep to a small
//! allow-list (features, values, comparisons, AND/OR/NOT, IN, BETWEEN, IS NULL, + - * of
//! numbers) and compare like with like: anything else (functions, division, subqueries, a
//! feature compared with a value of another type) could silently select everyone or no one.
//! Only then does polars-sql turn the text into a polars expression. SQL's three-valued logic
//! is kept: a person whose education is unknown is neither `education = 'low'` nor
//! `education <> 'low'`.

use polars::prelude::{DataFrame, Expr, IntoLazy, PolarsError, Schema};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;
use std::fmt;

use super::filter_check::{check_tokens, identifier_columns, Checker, Refusal};

/// A segment as the analyst wrote it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct SegmentDef {
    pub name: String,
    pub filter: String,
}

/// A segment definition that cannot be used, with where it goes wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentError {
    pub segment: String,
    pub filter: String,
    /// 1-based column in `filter`, when known.
    pub column: Option<u64>,
    pub message: String,
}

impl fmt::Display for SegmentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The column first, then the filter with a caret under it: three lines at most.
        match self.column {
            Some(c) => write!(
                f,
                "segment `{}`, column {c}: {}\n    {}\n    {}^",
                self.segment,
                self.message,
                self.filter,
                " ".repeat(c.saturating_sub(1) as usize)
            ),
            None => write!(f, "segment `{}`: {}", self.segment, self.message),
        }
    }
}

/// The built-in segments of SPEC 3.5, from practice.
pub fn builtin() -> Vec<SegmentDef> {
    let def = |name: &str, filter: &str| SegmentDef {
        name: name.into(),
        filter: filter.into(),
    };
    vec![
        def("alleenstaand_laag_opgeleid_multi", "household = 'single' AND education = 'low' AND care_forms >= 3"),
        def("kwetsbare_ouderen", "age >= 75 AND (wmo OR zvw_wijkverpleging > 0)"),
        def("jongeren_16_17_ggz", "age BETWEEN 16 AND 17 AND (zvw_ggz_basis > 0 OR zvw_ggz_specialistisch > 0)"),
        def("sociaal_minimum", "social_minimum"),
        def("ggz_met_wmo", "(zvw_ggz_basis > 0 OR zvw_ggz_specialistisch > 0) AND wmo"),
        def(
            "lichamelijk_beperkt_35plus",
            "age >= 35 AND (zvw_hulpmiddelen > 0 OR wmo_hulpmiddelen_woonvoorziening) AND wmo_begeleiding_individueel",
        ),
    ]
}

/// Finds a built-in segment by name.
pub fn builtin_named(name: &str) -> Option<SegmentDef> {
    builtin().into_iter().find(|s| s.name == name)
}

/// Column (1-based) in a one-line filter from sqlparser's "… at Line: 1, Column: N".
fn column_of(message: &str) -> (Option<u64>, String) {
    if let Some(i) = message.rfind(" at Line: ") {
        let tail = &message[i..];
        let col = tail
            .rsplit("Column: ")
            .next()
            .and_then(|c| c.trim().parse().ok());
        return (col, message[..i].to_string());
    }
    (None, message.to_string())
}

/// The first line of a polars error, at most 200 characters: polars appends its query plan
/// over several lines.
pub fn short_message(e: &PolarsError) -> String {
    let text = e.to_string();
    let line = text.lines().next().unwrap_or("").trim();
    if line.chars().count() <= 200 {
        return line.to_string();
    }
    let cut: String = line.chars().take(199).collect();
    format!("{cut}…")
}

/// Parses and checks a segment against the known feature names; returns a polars expression.
pub fn compile(def: &SegmentDef, features: &[&str]) -> Result<Expr, SegmentError> {
    let err = |column: Option<u64>, message: String| SegmentError {
        segment: def.name.clone(),
        filter: def.filter.clone(),
        column,
        message,
    };
    let refused = |(column, message): Refusal| err(Some(column), message);
    if def.filter.contains('\n') {
        return Err(err(None, "write the filter on one line".into()));
    }
    let dialect = GenericDialect {};
    let mut parser = Parser::new(&dialect)
        .try_with_sql(&def.filter)
        .map_err(|e| {
            let (c, m) = column_of(&e.to_string());
            err(c, m)
        })?;
    let ast = parser.parse_expr().map_err(|e| {
        let (c, m) = column_of(&e.to_string());
        err(c, m)
    })?;
    let checker = Checker {
        filter: &def.filter,
        features,
    };
    // Unknown names first: `age >= AND wmo` parses `AND` as a name, the place to point at.
    checker.unknown_feature(&ast).map_err(refused)?;
    let next = parser.peek_token();
    if next.token != Token::EOF {
        return Err(err(
            Some(next.span.start.column),
            format!("unexpected `{}` after a complete expression", next.token),
        ));
    }
    check_tokens(&def.filter, &identifier_columns(&ast)).map_err(refused)?;
    checker.condition(&ast).map_err(refused)?;
    polars::sql::sql_expr(&def.filter).map_err(|e| err(None, short_message(&e)))
}

/// Runs a compiled segment over no rows of the features' schema: what the checks above
/// missed fails here, with the segment's name and without any person's value.
pub fn check_on_schema(
    name: &str,
    filter: &str,
    expr: &Expr,
    schema: &Schema,
) -> Result<(), SegmentError> {
    DataFrame::empty_with_schema(schema)
        .lazy()
        .filter(expr.clone())
        .collect()
        .map(|_| ())
        .map_err(|e| SegmentError {
            segment: name.to_string(),
            filter: filter.to_string(),
            column: None,
            message: short_message(&e),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;

    const FEATURES: [&str; 6] = [
        "age",
        "household",
        "education",
        "care_forms",
        "social_minimum",
        "wmo",
    ];

    fn people() -> DataFrame {
        df!(
            "id" => [1i32, 2, 3, 4, 5],
            "age" => [80i64, 40, 17, 75, 30],
            "household" => [Some("single"), Some("single"), None, Some("couple"), Some("single")],
            "education" => [Some("low"), None, Some("low"), Some("high"), Some("low")],
            "care_forms" => [4i64, 5, 1, 3, 2],
            "social_minimum" => [Some(true), Some(false), None, Some(true), Some(false)],
            "wmo" => [true, false, false, true, false],
        )
        .unwrap()
    }

    fn ids(filter: &str) -> Vec<i32> {
        let def = SegmentDef {
            name: "t".into(),
            filter: filter.into(),
        };
        let e = compile(&def, &FEATURES).unwrap();
        let out = people()
            .lazy()
            .filter(e)
            .select([col("id")])
            .collect()
            .unwrap();
        out.column("id")
            .unwrap()
            .i32()
            .unwrap()
            .iter()
            .map(|v| v.unwrap())
            .collect()
    }

    #[test]
    fn and_binds_tighter_than_or() {
        assert_eq!(
            ids("age >= 75 OR household = 'single' AND care_forms >= 5"),
            vec![1, 2, 4]
        );
        assert_eq!(
            ids("(age >= 75 OR household = 'single') AND care_forms >= 5"),
            vec![2]
        );
    }

    #[test]
    fn in_lists_and_between() {
        assert_eq!(ids("household IN ('couple', 'other')"), vec![4]);
        assert_eq!(ids("age BETWEEN 16 AND 40"), vec![2, 3, 5]);
        assert_eq!(ids("household NOT IN ('single')"), vec![4]);
    }

    #[test]
    fn unknown_values_never_match() {
        // Person 2's education is unknown: neither low nor not-low.
        assert_eq!(ids("education = 'low'"), vec![1, 3, 5]);
        assert_eq!(ids("education <> 'low'"), vec![4]);
        assert_eq!(ids("NOT (education = 'low')"), vec![4]);
        assert_eq!(ids("education IS NULL"), vec![2]);
        assert_eq!(ids("social_minimum"), vec![1, 4]);
        assert_eq!(
            ids("household = 'single' AND education = 'low' AND care_forms >= 3"),
            vec![1]
        );
    }

    #[test]
    fn errors_point_at_the_segment_and_column() {
        let def = |f: &str| SegmentDef {
            name: "mijn_groep".into(),
            filter: f.into(),
        };
        let e = compile(&def("age >= 75 AND eduction = 'low'"), &FEATURES).unwrap_err();
        assert_eq!(e.column, Some(15));
        assert!(e.message.contains("unknown feature `eduction`"), "{e}");
        assert!(e.to_string().contains("segment `mijn_groep`"));
        let e = compile(&def("age >= AND wmo"), &FEATURES).unwrap_err();
        assert_eq!(e.column, Some(8), "{e}");
        let e = compile(&def("age >= 75 wmo"), &FEATURES).unwrap_err();
        assert_eq!(e.column, Some(11), "{e}");
        let e = compile(&def("household = 'single"), &FEATURES).unwrap_err();
        assert!(e.column.is_some(), "{e}");
    }

    fn refusal(filter: &str) -> SegmentError {
        let def = SegmentDef {
            name: "x".into(),
            filter: filter.into(),
        };
        match compile(&def, &FEATURES) {
            Ok(_) => panic!("`{filter}` compiled"),
            Err(e) => e,
        }
    }

    /// A refusal names the segment and the column, is short, and shows no parser or plan dump.
    fn assert_refused(filter: &str, column: u64, needle: &str) {
        let e = refusal(filter);
        let text = e.to_string();
        assert_eq!(e.column, Some(column), "{text}");
        assert!(
            text.starts_with(&format!("segment `x`, column {column}: ")),
            "{text}"
        );
        assert!(text.contains(needle), "{text}");
        assert!(
            text.chars().count() < 300 && text.lines().count() <= 3,
            "{text}"
        );
        for dump in ["Identifier(", "Value(", "Resolved plan", "FILTER", "col(\""] {
            assert!(!text.contains(dump), "{text}");
        }
    }

    #[test]
    fn parts_outside_the_allow_list_are_refused_where_they_stand() {
        assert_refused(
            "sqrt(-1) > 0",
            1,
            "`sqrt` is not allowed in a filter (use comparisons",
        );
        assert_refused("age / 0 > 1", 5, "`/` is not allowed");
        assert_refused("age % 2 = 0", 5, "`%` is not allowed");
        assert_refused("EXISTS (SELECT 1)", 1, "`EXISTS` is not allowed");
        assert_refused("age IN (SELECT 1)", 9, "`SELECT` is not allowed");
        assert_refused(
            "CASE WHEN age > 1 THEN 1 ELSE 0 END = 1",
            1,
            "`CASE` is not allowed",
        );
        assert_refused("CAST(age AS TEXT) = '1'", 1, "`CAST` is not allowed");
        assert_refused("wmo AND household LIKE 's%'", 19, "`LIKE` is not allowed");
        assert_refused("age || 'x' = 'y'", 5, "`||` is not allowed");
        assert_refused("wmo IS TRUE", 1, "write `wmo` or `NOT wmo`");
        // A keyword the parser reads as a name is an unknown feature, not a refused word.
        assert_refused("level = 'x'", 1, "unknown feature `level`");
    }

    #[test]
    fn a_filter_must_be_a_condition() {
        assert_refused("'abc'", 1, "`'abc'` is a value, not a condition");
        assert_refused("1", 1, "`1` is a value, not a condition");
        assert_refused(
            "age",
            1,
            "`age` is a feature, not a condition: compare it, e.g. `age >= 75`",
        );
        assert_refused(
            "wmo AND household",
            9,
            "`household` is a feature, not a condition",
        );
        assert_refused(
            "NOT care_forms",
            5,
            "`care_forms` is a feature, not a condition",
        );
        assert_refused("age + 1", 1, "`age + 1` is a number, not a condition");
        assert_refused("(age)", 2, "`age` is a feature");
    }

    #[test]
    fn conditions_that_read_no_feature_are_refused() {
        assert_refused(
            "1 = 1",
            1,
            "reads no feature, so it would select everyone or no one",
        );
        assert_refused("TRUE", 1, "`TRUE` is a value");
        assert_refused("wmo OR NOT FALSE", 12, "`FALSE` is a value");
        assert_refused("'a' IS NULL", 1, "reads no feature");
        assert_refused("2 BETWEEN 1 AND 3", 1, "reads no feature");
        assert_refused("age IN (1, care_forms)", 12, "an IN list holds values only");
    }

    #[test]
    fn values_of_another_kind_than_the_feature_are_refused() {
        assert_refused(
            "age = 'abc'",
            7,
            "`age` is a number and `'abc'` is text: they cannot be compared",
        );
        assert_refused(
            "household = 1",
            13,
            "`household` is text and `1` is a number",
        );
        assert_refused("wmo = 'yes'", 7, "`wmo` is true/false and `'yes'` is text");
        assert_refused("wmo = 1", 7, "is true/false and `1` is a number");
        assert_refused("age = TRUE", 7, "is a number and `TRUE` is true/false");
        assert_refused("household IN ('single', 2)", 25, "`2` is a number");
        assert_refused("age BETWEEN 'a' AND 'z'", 13, "`'a'` is text");
        assert_refused(
            "household + 1 > 2",
            1,
            "`+` works on numbers, and `household` is text",
        );
        assert_refused("education = NULL", 13, "use `IS NULL`");
        assert_refused("household NOT IN ('single', NULL)", 29, "use `IS NULL`");
    }

    #[test]
    fn arithmetic_of_numbers_works_unless_it_could_overflow() {
        assert_eq!(ids("age + 5 >= 80"), vec![1, 4]);
        assert_eq!(ids("care_forms * 2 - 1 >= 7"), vec![1, 2]);
        assert_eq!(ids("-age < -70"), vec![1, 4]);
        assert_eq!(ids("age > -1 AND care_forms IN (-1, 1)"), vec![3]);
        // Integers wrap silently in polars: 4611686018427387904 · 80 is negative.
        assert_refused("age * 4611686018427387904 > 0", 1, "could overflow");
        assert_refused("age + 9223372036854775807 > 0", 1, "could overflow");
    }

    #[test]
    fn polars_messages_are_cut_to_one_short_line() {
        let long = format!(
            "first {}\n\nResolved plan until failure:\nFILTER",
            "x".repeat(300)
        );
        let e = PolarsError::ComputeError(long.into());
        let m = short_message(&e);
        assert!(m.starts_with("first ") && !m.contains('\n'), "{m}");
        assert_eq!(m.chars().count(), 200);
    }

    #[test]
    fn a_type_the_checks_miss_fails_on_no_rows_naming_the_segment() {
        let wrong = Schema::from_iter([
            Field::new("age".into(), DataType::Int64),
            Field::new("household".into(), DataType::Int64),
        ]);
        let def = SegmentDef {
            name: "mijn".into(),
            filter: "household = 'single'".into(),
        };
        let expr = compile(&def, &FEATURES).unwrap();
        let e = check_on_schema(&def.name, &def.filter, &expr, &wrong).unwrap_err();
        let text = e.to_string();
        assert!(
            text.starts_with("segment `mijn`: ") && text.lines().count() == 1,
            "{text}"
        );
        // polars' multi-line plan is cut to its first line.
        let e = check_on_schema("mijn", "age", &col("age"), &wrong).unwrap_err();
        assert!(
            e.message.contains("Boolean") && !e.to_string().contains('\n'),
            "{e}"
        );
        let right = Schema::from_iter([
            Field::new("age".into(), DataType::Int64),
            Field::new("household".into(), DataType::String),
            Field::new("wmo_vervoer".into(), DataType::Boolean),
            Field::new("zvw_cost".into(), DataType::Float64),
        ]);
        check_on_schema(&def.name, &def.filter, &expr, &right).unwrap();
    }

    #[test]
    fn builtins_compile_against_person_features() {
        let names = crate::stages::focus::features::feature_names();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        for s in builtin() {
            let _ = compile(&s, &names).unwrap_or_else(|e| panic!("{e}"));
        }
        assert_eq!(builtin().len(), 6);
        // The shapes of the tree's proposed rules (features::tree_inputs) and of filters in
        // tests/ and the docs' examples.
        for filter in [
            "age BETWEEN 75 AND 84 AND sex = 'V' AND household IS NULL",
            "social_minimum = false AND NOT wmo AND care_forms >= 5 AND zvw_msz <= 0",
            "age >= 85 AND sex = 'V'",
            "age < 40 OR education IS NOT NULL",
            "\"age\" >= 75 AND age_band IN ('75-84', '85+')",
            "household = 'O''Brien' OR cost_per_year > 1.5e3",
        ] {
            let def = SegmentDef {
                name: "t".into(),
                filter: filter.into(),
            };
            let _ = compile(&def, &names).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}
