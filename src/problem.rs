//! Validation diagnostics (SPEC 2): one broken rule or warning — which file, which column, how
//! many rows, a few examples — and how a list of them reads on the terminal.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One broken rule: which file, which column, how many rows, and a few examples.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Problem {
    pub severity: Severity,
    pub file: String,
    pub column: Option<String>,
    pub message: String,
    pub rows: Option<u64>,
    pub examples: Vec<String>,
    /// What a run warning says, as figures, so the report can say it in its own language;
    /// `message` stays the English technical form (stderr, manifest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fact: Option<Box<Fact>>,
    /// The period of a monitoring run the warning belongs to (None: the run's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
}

/// The run warnings a council report shows, as figures (rendered by `report::notes`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fact {
    /// Every claim line falls outside the period.
    AllClaimsOutsidePeriod { lines: u64, period: String },
    /// Claim lines in the period of persons not in the insured file.
    UnassignedClaims {
        lines: u64,
        cents: i64,
        persons: u64,
    },
    /// Insured persons in a pc5 the areas table lacks.
    OnbekendGebied { persons: u64 },
    /// Insured persons registered with a practice id the practice list lacks.
    UnknownPractice { persons: u64, practices: u64 },
    /// pc5s whose norm insured years differ from the insured file's by more than 2%.
    InsuredYearsMismatch { areas: u64 },
    /// Norm rows with a pc5 the areas table lacks.
    NormOutsideAreas { rows: u64, cents: i64 },
    /// Claim lines dated after the day of the run.
    FutureServiceDates { lines: u64 },
}

impl Problem {
    pub fn error(file: &str, column: Option<&str>, message: impl Into<String>) -> Problem {
        Problem {
            severity: Severity::Error,
            file: file.to_string(),
            column: column.map(str::to_string),
            message: message.into(),
            rows: None,
            examples: Vec::new(),
            fact: None,
            period: None,
        }
    }

    pub fn warning(file: &str, column: Option<&str>, message: impl Into<String>) -> Problem {
        Problem {
            severity: Severity::Warning,
            ..Problem::error(file, column, message)
        }
    }

    /// The warning with its figures for the report.
    pub fn with_fact(self, fact: Fact) -> Problem {
        Problem {
            fact: Some(Box::new(fact)),
            ..self
        }
    }

    /// The warning as one of a monitoring run's periods.
    pub fn with_period(self, period: &str) -> Problem {
        Problem {
            period: Some(period.to_string()),
            ..self
        }
    }

    pub fn is_fatal(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{kind}: `{}`", self.file)?;
        if let Some(c) = &self.column {
            write!(f, ", column `{c}`")?;
        }
        write!(f, ": ")?;
        if let Some(n) = self.rows {
            write!(f, "{}: ", plural(n, "row"))?;
        }
        write!(f, "{}", self.message)?;
        if !self.examples.is_empty() {
            write!(f, " (e.g. {})", self.examples.join("; "))?;
        }
        Ok(())
    }
}

/// `1 row`, `2 rows`.
pub fn plural(n: u64, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// Formats problems as the one paragraph a failed command prints.
pub fn format_problems(problems: &[Problem]) -> String {
    let errors = problems.iter().filter(|p| p.is_fatal()).count();
    let mut out = format!(
        "the inputs break the data contract ({errors} problem{}); nothing was written:",
        if errors == 1 { "" } else { "s" }
    );
    for p in problems.iter().filter(|p| p.is_fatal()) {
        out.push_str("\n  ");
        out.push_str(&p.to_string());
    }
    out
}

pub const MAX_EXAMPLES: usize = 5;

/// A value as shown in an example: text quoted, null as "empty".
pub fn fmt_value(av: polars::prelude::AnyValue) -> String {
    match av {
        polars::prelude::AnyValue::Null => "empty".to_string(),
        polars::prelude::AnyValue::String(s) => format!("{s:?}"),
        polars::prelude::AnyValue::StringOwned(s) => format!("{:?}", s.as_str()),
        other => other.to_string(),
    }
}
