//! Focus-group segments (SPEC 3.5): named filters over person features, written as SQL
//! expressions (`household = 'single' AND education = 'low' AND care_forms >= 3`).
//!
//! sqlparser (the parser polars-sql uses) checks the syntax and every identifier first, so an
//! error points at the segment and the column where it goes wrong; polars-sql then turns the
//! text into a polars expression. SQL's three-valued logic is kept: a person whose education
//! is unknown is neither `education = 'low'` nor `education <> 'low'`.

use polars::prelude::Expr;
use sqlparser::ast::{visit_expressions, Expr as Sql};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;
use std::fmt;
use std::ops::ControlFlow;

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
        write!(f, "segment `{}`: {}", self.segment, self.message)?;
        if let Some(c) = self.column {
            write!(
                f,
                " at column {c}\n    {}\n    {}^",
                self.filter,
                " ".repeat(c.saturating_sub(1) as usize)
            )?;
        }
        Ok(())
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

/// Parses and checks a segment against the known feature names; returns a polars expression.
pub fn compile(def: &SegmentDef, features: &[&str]) -> Result<Expr, SegmentError> {
    let err = |column: Option<u64>, message: String| SegmentError {
        segment: def.name.clone(),
        filter: def.filter.clone(),
        column,
        message,
    };
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
    // Every identifier must name a feature; say which ones exist.
    let mut unknown: Option<SegmentError> = None;
    let _ = visit_expressions(&ast, |e| {
        let ident = match e {
            Sql::Identifier(i) => Some(i),
            Sql::CompoundIdentifier(parts) => parts.first(),
            _ => None,
        };
        if let Some(i) = ident {
            if !features.contains(&i.value.as_str()) {
                unknown = Some(err(
                    Some(i.span.start.column),
                    format!(
                        "unknown feature `{}` (features: {})",
                        i.value,
                        features.join(", ")
                    ),
                ));
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    });
    if let Some(e) = unknown {
        return Err(e);
    }
    let next = parser.peek_token();
    if next.token != Token::EOF {
        return Err(err(
            Some(next.span.start.column),
            format!("unexpected `{}` after a complete expression", next.token),
        ));
    }
    polars::sql::sql_expr(&def.filter).map_err(|e| err(None, e.to_string()))
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

    #[test]
    fn builtins_compile_against_person_features() {
        let names = crate::stages::features::feature_names();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        for s in builtin() {
            let _ = compile(&s, &names).unwrap_or_else(|e| panic!("{e}"));
        }
        assert_eq!(builtin().len(), 6);
    }
}
