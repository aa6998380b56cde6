//! The value rules of SPEC 2.1–2.5: one boolean expression per rule, true on the rows that
//! break it, evaluated together in one pass per file by `check_input`.

use crate::columns::InputSpec;
use crate::domain::{self, Period};
use polars::prelude::*;

/// A literal list of strings for `is_in` (small frames only: see `frame::one_of`).
pub fn str_list(values: &[&str]) -> Expr {
    lit(Series::new("".into(), values)).implode(false)
}

/// A rule over typed columns: rows where `bad` is true break it.
pub(super) struct Rule {
    pub(super) column: &'static str,
    pub(super) message: String,
    pub(super) bad: Expr,
    pub(super) fatal: bool,
    /// A uniqueness rule: `proven_distinct` may show it has no bad rows without evaluating it.
    pub(super) distinct: bool,
}

pub(super) fn rule(column: &'static str, message: impl Into<String>, bad: Expr) -> Rule {
    Rule {
        column,
        message: message.into(),
        bad,
        fatal: true,
        distinct: false,
    }
}

pub(super) fn not_in(column: &'static str, values: &[&str]) -> Rule {
    rule(
        column,
        format!("value outside the code list ({})", values.join(", ")),
        col(column)
            .is_not_null()
            .and(crate::frame::one_of(col(column), values).not()),
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
    Rule {
        distinct: true,
        ..rule(
            column,
            "duplicate value in a column that must be unique",
            col(column).is_not_null().and(col(column).is_duplicated()),
        )
    }
}

/// True when `column` of `frame` provably holds no value twice: the 64-bit hashes of its
/// values (nulls left out, as the rule leaves them out) are all different. Equal hashes — a
/// repeat, or a rare collision — or a failed read prove nothing, and the exact rule decides.
/// Sorting 8 bytes a row costs a fraction of the exact rule's table of the strings.
pub(super) fn proven_distinct(frame: LazyFrame, column: &str) -> bool {
    let hashes = frame
        .select([col(column)])
        .filter(col(column).is_not_null())
        .select([col(column)
            .hash(0x7769_6a6b, 0x7363_616e, 0x756e_6971, 0x7565_2121)
            .alias("__hash")]);
    let Ok(df) = crate::stages::collect_streaming(hashes) else {
        return false;
    };
    let Ok(hashes) = df.column("__hash").and_then(|c| c.u64().cloned()) else {
        return false;
    };
    let v: Vec<u64> = hashes.iter().flatten().collect();
    if v.len() != df.height() {
        return false;
    }
    drop(df);
    crate::stages::inputs::claim_identity::repeated_hashes(v).is_empty()
}

/// `text` is empty or all whitespace (as `str::trim` and polars' `strip_chars` see it), per
/// row; a null is not blank (the null rule reports it). An element-wise function: the
/// `strip_chars` expression it replaces built a trimmed copy of every string. Most values are told apart by their first byte, which polars keeps
/// in the row's view (its inline prefix): an ASCII byte that is not whitespace.
pub(super) fn blank(text: Expr) -> Expr {
    text.map(
        |c| {
            let ca = c.str()?;
            let mut out: Vec<bool> = Vec::with_capacity(ca.len());
            for arr in ca.downcast_iter() {
                for (i, view) in arr.views().iter().enumerate() {
                    let first = view.prefix.to_le_bytes()[0];
                    let plainly_not_blank = view.length > 0
                        && first.is_ascii()
                        && !matches!(first, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ');
                    out.push(!plainly_not_blank && arr.get(i).is_some_and(|s| s.trim().is_empty()));
                }
            }
            Ok(BooleanChunked::from_slice(c.name().clone(), &out).into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::Boolean)),
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
            // CBS codes nest by construction (BU gggg ww bb, WK gggg ww, GM gggg): a wijk code
            // of another gemeente than its row's is a mix-up of two code lists.
            rule(
                "wijk_code",
                "wijk_code not inside its row's gemeente_code (its digits 1-4 differ)",
                col("wijk_code")
                    .str()
                    .slice(lit(2), lit(4))
                    .neq(col("gemeente_code").str().slice(lit(2), lit(4))),
            ),
            rule(
                "buurt_code",
                "buurt_code not inside its row's wijk_code (its digits 1-6 differ)",
                col("buurt_code")
                    .str()
                    .slice(lit(2), lit(6))
                    .neq(col("wijk_code").str().slice(lit(2), lit(6))),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_agrees_with_strip_chars() {
        let values: Vec<Option<&str>> = vec![
            Some(""),
            Some(" "),
            Some("\t\n\r"),
            Some("\u{0b}\u{0c}"),
            Some("\u{a0}"),
            Some("\u{3000}\u{2003} "),
            Some("                    "),
            Some(" a"),
            Some("a "),
            Some("\u{a0}x"),
            Some("abc"),
            Some("a long identifier of more than twelve bytes"),
            Some("   whitespace first, then text   "),
            Some("\u{feff}"), // not White_Space: not blank
            None,
        ];
        let df = df!("t" => values.clone()).unwrap();
        let out = df
            .lazy()
            .select([
                blank(col("t")).alias("udf"),
                col("t")
                    .str()
                    .strip_chars(lit(NULL))
                    .str()
                    .len_bytes()
                    .eq(lit(0u32))
                    .fill_null(false)
                    .alias("strip"),
            ])
            .collect()
            .unwrap();
        let udf: Vec<Option<bool>> = out.column("udf").unwrap().bool().unwrap().iter().collect();
        let strip: Vec<Option<bool>> = out
            .column("strip")
            .unwrap()
            .bool()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(udf, strip);
        // Seven blanks among them (the null is not one).
        assert_eq!(udf.iter().filter(|v| **v == Some(true)).count(), 7);
    }

    #[test]
    fn distinct_is_proven_only_without_repeats() {
        let frame = |v: Vec<Option<&str>>| df!("id" => v).unwrap().lazy();
        assert!(proven_distinct(
            frame(vec![Some("a"), Some("b"), None, None]),
            "id"
        ));
        assert!(!proven_distinct(
            frame(vec![Some("a"), Some("b"), Some("a")]),
            "id"
        ));
        // Many values, one repeat far from its twin.
        let ids: Vec<String> = (0..50_000).map(|i| format!("P{i:08}")).collect();
        let mut with_repeat: Vec<Option<&str>> = ids.iter().map(|s| Some(s.as_str())).collect();
        assert!(proven_distinct(frame(with_repeat.clone()), "id"));
        with_repeat.push(Some("P00000007"));
        assert!(!proven_distinct(frame(with_repeat), "id"));
    }
}
