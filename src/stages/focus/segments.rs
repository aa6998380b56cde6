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

use crate::columns::wmo_type_col;
use crate::domain::PROVISION_TYPES;
use polars::prelude::{DataFrame, Expr, IntoLazy, PolarsError, Schema};
use sqlparser::ast::{
    visit_expressions, BinaryOperator as Op, Expr as Sql, Spanned, UnaryOperator, Value,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};
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

/// What a feature, a value or a part of a filter holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Number,
    Text,
    Flag,
    Null,
}

impl Kind {
    fn words(self) -> &'static str {
        match self {
            Kind::Number => "a number",
            Kind::Text => "text",
            Kind::Flag => "true/false",
            Kind::Null => "NULL",
        }
    }

    /// The kind of a polars column type; `None` for types no feature has.
    fn of_dtype(dtype: &polars::prelude::DataType) -> Option<Kind> {
        if dtype.is_primitive_numeric() {
            Some(Kind::Number)
        } else if dtype.is_bool() {
            Some(Kind::Flag)
        } else if dtype.is_string() {
            Some(Kind::Text)
        } else {
            None
        }
    }
}

/// Text features (`features::features`); `kinds_agree` checks this against the real frame.
const TEXT_FEATURES: [&str; 8] = [
    "age_band",
    "sex",
    "household",
    "education",
    "pc5",
    "buurt_code",
    "wijk_code",
    "gemeente_code",
];

/// True/false features besides one per Wmo provision type.
const FLAG_FEATURES: [&str; 3] = ["social_minimum", "wmo", "high_cost"];

/// The kind of a person feature; every other feature is a number.
fn feature_kind(name: &str) -> Kind {
    if TEXT_FEATURES.contains(&name) {
        Kind::Text
    } else if FLAG_FEATURES.contains(&name)
        || PROVISION_TYPES.iter().any(|t| wmo_type_col(t) == name)
    {
        Kind::Flag
    } else {
        Kind::Number
    }
}

/// How to write a filter, for every refusal of a part that is not allowed.
const ALLOWED: &str = "use comparisons of features with values, AND, OR, NOT, IN, BETWEEN, IS NULL";

/// The words a filter may hold besides feature names.
const KEYWORDS: [Keyword; 9] = [
    Keyword::AND,
    Keyword::OR,
    Keyword::NOT,
    Keyword::IN,
    Keyword::BETWEEN,
    Keyword::IS,
    Keyword::NULL,
    Keyword::TRUE,
    Keyword::FALSE,
];

/// Upper bound on a number feature's size, for the overflow check of arithmetic.
const FEATURE_BOUND: f64 = 1e9;
/// Largest arithmetic result allowed: integer features wrap silently past 9.2e18.
const ARITHMETIC_BOUND: f64 = 1e18;

/// A part of a filter refused: its 1-based column and why.
type Refusal = (u64, String);

/// Every token must be an allowed one, so a refusal points at the exact operator or word
/// (the parse tree's spans start at an operator's left operand, or inside `CAST(…)`).
/// `identifiers` are the columns of words the parser read as identifiers: a feature-like
/// name that happens to be an SQL keyword (`level`) gets the unknown-feature message.
fn check_tokens(filter: &str, identifiers: &[u64]) -> Result<(), Refusal> {
    let dialect = GenericDialect {};
    let tokens = Tokenizer::new(&dialect, filter)
        .tokenize_with_location()
        .map_err(|e| (e.location.column.max(1), e.message))?;
    let tokens: Vec<_> = tokens
        .into_iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    for (i, t) in tokens.iter().enumerate() {
        let column = t.span.start.column;
        let refuse = || {
            Err((
                column,
                format!("`{}` is not allowed in a filter ({ALLOWED})", t.token),
            ))
        };
        match &t.token {
            Token::Word(w) => {
                let plain = w.quote_style.is_none();
                if plain && KEYWORDS.contains(&w.keyword) {
                    continue;
                }
                // A word before `(` is a function call (`sqrt(…)`, `EXISTS (…)`, `CAST(…)`).
                let call = matches!(tokens.get(i + 1).map(|n| &n.token), Some(Token::LParen));
                let keyword = plain && w.keyword != Keyword::NoKeyword;
                if call || (keyword && !identifiers.contains(&column)) {
                    return refuse();
                }
            }
            Token::Number(..)
            | Token::SingleQuotedString(_)
            | Token::LParen
            | Token::RParen
            | Token::Comma
            | Token::Eq
            | Token::Neq
            | Token::Lt
            | Token::LtEq
            | Token::Gt
            | Token::GtEq
            | Token::Plus
            | Token::Minus
            | Token::Mul
            | Token::EOF => {}
            _ => return refuse(),
        }
    }
    Ok(())
}

/// A checked part of a filter: its kind, whether it reads a feature (a condition that reads
/// none selects everyone or no one), and a bound on its size when it is a number.
#[derive(Debug, Clone, Copy)]
struct Typed {
    kind: Kind,
    feature: bool,
    bound: f64,
}

impl Typed {
    fn condition() -> Typed {
        Typed {
            kind: Kind::Flag,
            feature: true,
            bound: 0.0,
        }
    }
}

/// The allow-list and type checks over the parse tree.
struct Checker<'a> {
    filter: &'a str,
    features: &'a [&'a str],
}

impl Checker<'_> {
    /// The filter's own text of a part (from its span), for messages.
    fn text(&self, e: &Sql) -> String {
        let s = e.span();
        if s.start.line != 1 || s.end.line != 1 || s.end.column <= s.start.column {
            return e.to_string();
        }
        let (from, to) = (s.start.column as usize - 1, s.end.column as usize - 1);
        self.filter.chars().skip(from).take(to - from).collect()
    }

    fn column(e: &Sql) -> u64 {
        e.span().start.column.max(1)
    }

    fn refuse<T>(&self, e: &Sql, message: String) -> Result<T, Refusal> {
        Err((Self::column(e), message))
    }

    /// The whole filter, or an operand of AND, OR, NOT: a condition that reads a feature.
    fn condition(&self, e: &Sql) -> Result<Typed, Refusal> {
        let t = self.walk(e)?;
        if t.kind == Kind::Flag && t.feature {
            return Ok(t);
        }
        let text = self.text(e);
        let mut bare = e;
        while let Sql::Nested(inner) = bare {
            bare = inner;
        }
        let message = match bare {
            Sql::Identifier(_) if t.kind == Kind::Number => {
                format!("`{text}` is a feature, not a condition: compare it, e.g. `{text} >= 75`")
            }
            Sql::Identifier(_) => {
                format!("`{text}` is a feature, not a condition: compare it, e.g. `{text} = '…'`")
            }
            _ if !t.feature => format!(
                "`{text}` is a value, not a condition: compare a feature with a value, \
                 e.g. `age >= 75`"
            ),
            _ => format!(
                "`{text}` is {}, not a condition: compare it with a value",
                t.kind.words()
            ),
        };
        self.refuse(e, message)
    }

    fn walk(&self, e: &Sql) -> Result<Typed, Refusal> {
        match e {
            Sql::Identifier(i) => self.feature(e, &i.value),
            Sql::Value(v) => self.value(e, &v.value),
            Sql::Nested(inner) => self.walk(inner),
            Sql::UnaryOp { op, expr } => match op {
                UnaryOperator::Not => self.condition(expr).map(|_| Typed::condition()),
                UnaryOperator::Minus | UnaryOperator::Plus => {
                    let t = self.walk(expr)?;
                    self.number(op, expr, t)?;
                    Ok(t)
                }
                _ => self.refuse(e, format!("`{op}` is not allowed in a filter ({ALLOWED})")),
            },
            Sql::BinaryOp { left, op, right } => self.binary(e, left, op, right),
            Sql::InList { expr, list, .. } => self.in_list(expr, list),
            Sql::Between {
                expr, low, high, ..
            } => {
                let t = self.tested(expr)?;
                for bound in [low, high] {
                    let b = self.walk(bound)?;
                    self.alike(expr, t, bound, b)?;
                }
                Ok(Typed::condition())
            }
            Sql::IsNull(x) | Sql::IsNotNull(x) => self.tested(x).map(|_| Typed::condition()),
            Sql::IsTrue(x) | Sql::IsNotTrue(x) | Sql::IsFalse(x) | Sql::IsNotFalse(x) => {
                let x = self.text(x);
                self.refuse(
                    e,
                    format!("`IS TRUE` and `IS FALSE` are not allowed: write `{x}` or `NOT {x}`"),
                )
            }
            _ => self.refuse(
                e,
                format!("`{}` is not allowed in a filter ({ALLOWED})", self.text(e)),
            ),
        }
    }

    /// The first identifier that names no feature.
    fn unknown_feature(&self, ast: &Sql) -> Result<(), Refusal> {
        let mut found = Ok(());
        let _ = visit_expressions(ast, |e| {
            if let Sql::Identifier(i) = e {
                found = self.feature(e, &i.value).map(|_| ());
                if found.is_err() {
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        });
        found
    }

    fn feature(&self, e: &Sql, name: &str) -> Result<Typed, Refusal> {
        if !self.features.contains(&name) {
            return self.refuse(
                e,
                format!(
                    "unknown feature `{name}` (features: {})",
                    self.features.join(", ")
                ),
            );
        }
        Ok(Typed {
            kind: feature_kind(name),
            feature: true,
            bound: FEATURE_BOUND,
        })
    }

    fn value(&self, e: &Sql, v: &Value) -> Result<Typed, Refusal> {
        let (kind, bound) = match v {
            // Unparseable as f64 means too large for any check: treat as unbounded.
            Value::Number(n, _) => (
                Kind::Number,
                n.to_string().parse::<f64>().map_or(f64::INFINITY, f64::abs),
            ),
            Value::SingleQuotedString(_) => (Kind::Text, 0.0),
            Value::Boolean(_) => (Kind::Flag, 0.0),
            Value::Null => (Kind::Null, 0.0),
            _ => {
                return self.refuse(
                    e,
                    format!("`{}` is not allowed in a filter ({ALLOWED})", self.text(e)),
                )
            }
        };
        Ok(Typed {
            kind,
            feature: false,
            bound,
        })
    }

    /// An operand of unary or binary + - * must be a number.
    fn number(&self, op: &dyn fmt::Display, e: &Sql, t: Typed) -> Result<(), Refusal> {
        if t.kind == Kind::Number {
            return Ok(());
        }
        let text = self.text(e);
        self.refuse(
            e,
            format!(
                "`{op}` works on numbers, and `{text}` is {}",
                t.kind.words()
            ),
        )
    }

    fn binary(&self, e: &Sql, left: &Sql, op: &Op, right: &Sql) -> Result<Typed, Refusal> {
        match op {
            Op::And | Op::Or => {
                self.condition(left)?;
                self.condition(right)?;
                Ok(Typed::condition())
            }
            Op::Eq | Op::NotEq | Op::Lt | Op::LtEq | Op::Gt | Op::GtEq => {
                let (l, r) = (self.walk(left)?, self.walk(right)?);
                self.alike(left, l, right, r)?;
                if !l.feature && !r.feature {
                    return self.constant(e);
                }
                Ok(Typed::condition())
            }
            Op::Plus | Op::Minus | Op::Multiply => {
                let (l, r) = (self.walk(left)?, self.walk(right)?);
                self.number(op, left, l)?;
                self.number(op, right, r)?;
                let bound = match op {
                    Op::Multiply => l.bound * r.bound,
                    _ => l.bound + r.bound,
                };
                if bound > ARITHMETIC_BOUND {
                    return self.refuse(
                        e,
                        format!(
                            "`{}` could overflow: keep the numbers in arithmetic smaller",
                            self.text(e)
                        ),
                    );
                }
                Ok(Typed {
                    kind: Kind::Number,
                    feature: l.feature || r.feature,
                    bound,
                })
            }
            _ => self.refuse(e, format!("`{op}` is not allowed in a filter ({ALLOWED})")),
        }
    }

    /// The left side of IN, BETWEEN, IS NULL: it must read a feature.
    fn tested(&self, e: &Sql) -> Result<Typed, Refusal> {
        let t = self.walk(e)?;
        if !t.feature {
            return self.constant(e);
        }
        Ok(t)
    }

    fn in_list(&self, expr: &Sql, list: &[Sql]) -> Result<Typed, Refusal> {
        let t = self.tested(expr)?;
        for item in list {
            let i = self.walk(item)?;
            if i.feature {
                return self.refuse(
                    item,
                    format!("an IN list holds values only, not `{}`", self.text(item)),
                );
            }
            self.alike(expr, t, item, i)?;
        }
        Ok(Typed::condition())
    }

    /// Two sides compared must be of one kind; NULL never compares equal to anything.
    fn alike(&self, a: &Sql, ka: Typed, b: &Sql, kb: Typed) -> Result<(), Refusal> {
        for (e, k) in [(a, ka), (b, kb)] {
            if k.kind == Kind::Null {
                return self.refuse(
                    e,
                    "a comparison with NULL matches no one: use `IS NULL` or `IS NOT NULL`".into(),
                );
            }
        }
        if ka.kind != kb.kind {
            return self.refuse(
                b,
                format!(
                    "`{}` is {} and `{}` is {}: they cannot be compared",
                    self.text(a),
                    ka.kind.words(),
                    self.text(b),
                    kb.kind.words()
                ),
            );
        }
        Ok(())
    }

    fn constant<T>(&self, e: &Sql) -> Result<T, Refusal> {
        self.refuse(
            e,
            format!(
                "`{}` reads no feature, so it would select everyone or no one",
                self.text(e)
            ),
        )
    }
}

/// Words the parser read as identifiers, by column (see `check_tokens`).
fn identifier_columns(ast: &Sql) -> Vec<u64> {
    let mut columns = Vec::new();
    let _ = visit_expressions(ast, |e| {
        if let Sql::Identifier(i) = e {
            columns.push(i.span.start.column);
        }
        ControlFlow::<()>::Continue(())
    });
    columns
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

/// Whether the person features' real types are the kinds the checks assume.
pub fn kinds_agree(schema: &Schema) -> Result<(), String> {
    for name in crate::stages::focus::features::feature_names() {
        let Some(dtype) = schema.get(&name) else {
            continue;
        };
        let kind = feature_kind(&name);
        if Kind::of_dtype(dtype) != Some(kind) {
            return Err(format!(
                "internal: feature `{name}` is {dtype}, segment filters take it as {}",
                kind.words()
            ));
        }
    }
    Ok(())
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
        assert!(kinds_agree(&wrong)
            .unwrap_err()
            .contains("`household` is i64"));
        let right = Schema::from_iter([
            Field::new("age".into(), DataType::Int64),
            Field::new("household".into(), DataType::String),
            Field::new("wmo_vervoer".into(), DataType::Boolean),
            Field::new("zvw_cost".into(), DataType::Float64),
        ]);
        assert_eq!(kinds_agree(&right), Ok(()));
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
