//! The checks a parsed segment filter must pass before polars-sql sees it: every token on a
//! small allow-list, every feature known, and like compared with like (a feature with a value
//! of its kind, numbers in arithmetic within bounds). A refusal is a column and a message.

use crate::columns::wmo_type_col;
use crate::domain::PROVISION_TYPES;
use polars::prelude::Schema;
use sqlparser::ast::{
    visit_expressions, BinaryOperator as Op, Expr as Sql, Spanned, UnaryOperator, Value,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, Tokenizer};
use std::fmt;
use std::ops::ControlFlow;

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
pub(super) type Refusal = (u64, String);

/// Every token must be an allowed one, so a refusal points at the exact operator or word
/// (the parse tree's spans start at an operator's left operand, or inside `CAST(…)`).
/// `identifiers` are the columns of words the parser read as identifiers: a feature-like
/// name that happens to be an SQL keyword (`level`) gets the unknown-feature message.
pub(super) fn check_tokens(filter: &str, identifiers: &[u64]) -> Result<(), Refusal> {
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
pub(super) struct Typed {
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
pub(super) struct Checker<'a> {
    pub(super) filter: &'a str,
    pub(super) features: &'a [&'a str],
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
    pub(super) fn condition(&self, e: &Sql) -> Result<Typed, Refusal> {
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
    pub(super) fn unknown_feature(&self, ast: &Sql) -> Result<(), Refusal> {
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
pub(super) fn identifier_columns(ast: &Sql) -> Vec<u64> {
    let mut columns = Vec::new();
    let _ = visit_expressions(ast, |e| {
        if let Sql::Identifier(i) = e {
            columns.push(i.span.start.column);
        }
        ControlFlow::<()>::Continue(())
    });
    columns
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

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::{DataType, Field};

    /// A feature whose real type is not the kind the checks take it as is an internal error.
    #[test]
    fn the_features_real_types_must_be_the_checked_kinds() {
        let wrong = Schema::from_iter([
            Field::new("age".into(), DataType::Int64),
            Field::new("household".into(), DataType::Int64),
        ]);
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
    }
}
