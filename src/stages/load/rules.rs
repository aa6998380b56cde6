//! The value rules of SPEC 2.1–2.5: one boolean expression per rule, true on the rows that
//! break it, evaluated together in one pass per file by `check_input`.

use crate::columns::InputSpec;
use crate::domain::{self, Period};
use polars::prelude::*;

/// A literal list of strings for `is_in` (small frames only: see `one_of`).
pub fn str_list(values: &[&str]) -> Expr {
    lit(Series::new("".into(), values)).implode(false)
}

/// `e` equals one of `values`, as a chain of `==` (null where `e` is null). In polars 0.55 an
/// `is_in` against a literal list is not streamed: validation's query over claim lines holding
/// one fell back to reading every line into memory (6 GB at 60 M lines). Code lists are short.
pub fn one_of(e: Expr, values: &[&str]) -> Expr {
    values
        .iter()
        .map(|v| e.clone().eq(lit(*v)))
        .reduce(|a, b| a.or(b))
        .unwrap_or(lit(false))
}

/// A rule over typed columns: rows where `bad` is true break it.
pub(super) struct Rule {
    pub(super) column: &'static str,
    pub(super) message: String,
    pub(super) bad: Expr,
    pub(super) fatal: bool,
}

pub(super) fn rule(column: &'static str, message: impl Into<String>, bad: Expr) -> Rule {
    Rule {
        column,
        message: message.into(),
        bad,
        fatal: true,
    }
}

pub(super) fn not_in(column: &'static str, values: &[&str]) -> Rule {
    rule(
        column,
        format!("value outside the code list ({})", values.join(", ")),
        col(column)
            .is_not_null()
            .and(one_of(col(column), values).not()),
    )
}

pub(super) fn pattern(column: &'static str, regex: &str, what: &str) -> Rule {
    rule(
        column,
        format!("not a valid {what} (pattern `{regex}`)"),
        col(column)
            .is_not_null()
            .and(col(column).str().contains(lit(regex), true).not()),
    )
}

pub(super) fn unique(column: &'static str) -> Rule {
    rule(
        column,
        "duplicate value in a column that must be unique",
        col(column).is_not_null().and(col(column).is_duplicated()),
    )
}

/// The value rules of SPEC 2.1–2.5 for one input (type and null rules are added generically).
pub(super) fn value_rules(spec: &InputSpec, period: &Period) -> PolarsResult<Vec<Rule>> {
    use crate::columns as c;
    let days = period.days();
    Ok(match spec.name {
        n if n == c::INSURED.name => vec![
            unique("person_id"),
            pattern("pc5", domain::PC5_PATTERN, "pc5 postcode"),
            rule(
                "age",
                "outside 0–120",
                col("age").lt(lit(0)).or(col("age").gt(lit(120))),
            ),
            not_in("sex", &domain::SEXES),
            rule(
                "insured_days",
                format!("outside 1–{days} (days in period {period})"),
                col("insured_days")
                    .lt(lit(1))
                    .or(col("insured_days").gt(lit(days))),
            ),
            not_in("household", &domain::HOUSEHOLDS),
            not_in("education", &domain::EDUCATIONS),
        ],
        n if n == c::ZVW_CLAIMS.name => vec![
            not_in("care_type", &domain::CARE_TYPES),
            rule(
                "amount_eur",
                "not a finite number",
                col("amount_eur").is_finite().not(),
            ),
            rule(
                "amount_eur",
                format!(
                    "outside ± € {} per claim line (a unit or export error?)",
                    eur_limit(domain::MAX_LINE_EUR)
                ),
                col("amount_eur").abs().gt(lit(domain::MAX_LINE_EUR)),
            ),
        ],
        n if n == c::WMO_PROVISIONS.name => vec![
            unique("provision_id"),
            pattern("pc5", domain::PC5_PATTERN, "pc5 postcode"),
            not_in("provision_type", &domain::PROVISION_TYPES),
            rule(
                "end_date",
                "end before start_date",
                col("end_date").lt(col("start_date")),
            ),
            rule(
                "cost_eur",
                "negative or not finite",
                col("cost_eur")
                    .lt(lit(0.0))
                    .or(col("cost_eur").is_finite().not()),
            ),
            rule(
                "cost_eur",
                format!(
                    "above € {} per provision (a unit or export error?)",
                    eur_limit(domain::MAX_LINE_EUR)
                ),
                col("cost_eur").gt(lit(domain::MAX_LINE_EUR)),
            ),
        ],
        n if n == c::NORM_COSTS.name => vec![
            unique("pc5"),
            pattern("pc5", domain::PC5_PATTERN, "pc5 postcode"),
            rule(
                "insured_years",
                "not greater than 0",
                col("insured_years")
                    .lt_eq(lit(0.0))
                    .or(col("insured_years").is_finite().not()),
            ),
            rule(
                "insured_years",
                format!(
                    "above {} insured years for one pc5",
                    eur_limit(domain::MAX_NORM_YEARS)
                ),
                col("insured_years").gt(lit(domain::MAX_NORM_YEARS)),
            ),
            rule(
                "norm_cost_eur",
                "negative or not finite",
                col("norm_cost_eur")
                    .lt(lit(0.0))
                    .or(col("norm_cost_eur").is_finite().not()),
            ),
            rule(
                "norm_cost_eur",
                format!(
                    "above € {} for one pc5 (a unit or export error?)",
                    eur_limit(domain::MAX_NORM_EUR)
                ),
                col("norm_cost_eur").gt(lit(domain::MAX_NORM_EUR)),
            ),
        ],
        n if n == c::AREAS.name => vec![
            unique("pc5"),
            pattern("pc5", domain::PC5_PATTERN, "pc5 postcode"),
            pattern("buurt_code", domain::BUURT_PATTERN, "CBS buurt code"),
            pattern("wijk_code", domain::WIJK_PATTERN, "CBS wijk code"),
            pattern(
                "gemeente_code",
                domain::GEMEENTE_PATTERN,
                "CBS gemeente code",
            ),
            rule("residents", "negative", col("residents").lt(lit(0))),
            // The hierarchy must nest: one wijk per buurt, one gemeente per wijk, one name per code.
            rule(
                "buurt_code",
                "buurt_code listed under more than one wijk",
                several_per("wijk_code", "buurt_code")?,
            ),
            rule(
                "buurt_name",
                "buurt_code with more than one name",
                several_per("buurt_name", "buurt_code")?,
            ),
            rule(
                "wijk_code",
                "wijk_code listed under more than one gemeente",
                several_per("gemeente_code", "wijk_code")?,
            ),
            rule(
                "wijk_name",
                "wijk_code with more than one name",
                several_per("wijk_name", "wijk_code")?,
            ),
            rule(
                "gemeente_name",
                "gemeente_code with more than one name",
                several_per("gemeente_name", "gemeente_code")?,
            ),
        ],
        n if n == c::GP_PRACTICES.name => vec![
            unique("practice_id"),
            pattern("practice_id", domain::AGB_PATTERN, "AGB code (8 digits)"),
            pattern("pc5", domain::PC5_PATTERN, "pc5 postcode"),
            pattern("location_wijk_code", domain::WIJK_PATTERN, "CBS wijk code"),
        ],
        _ => Vec::new(),
    })
}

/// A limit as Dutch-style thousands (10.000.000), as the analysts read amounts.
pub(super) fn eur_limit(v: f64) -> String {
    let digits = format!("{}", v as i64);
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(ch);
    }
    out
}

/// True on rows whose `key` has more than one distinct `value` in the file.
pub(super) fn several_per(value: &str, key: &str) -> PolarsResult<Expr> {
    Ok(col(value).n_unique().over([col(key)])?.gt(lit(1)))
}
