//! Errors sorted by cause: configuration, input data, and internal faults.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The pipeline file or command line is wrong.
    #[error("configuration error in `{path}`: {message}")]
    Config { path: PathBuf, message: String },

    /// Input data breaks the contract; `report` lists every problem found.
    #[error("{report}")]
    Input { report: String },

    /// Reconciliation failed: money was lost or created. Always a bug or corrupt input.
    #[error("reconciliation failed: {0}")]
    Reconciliation(String),

    /// The output folder exists and `--force` was not given, or could not be written.
    #[error("{0}")]
    Output(String),

    #[error(transparent)]
    Polars(#[from] polars::error::PolarsError),

    #[error(transparent)]
    Io(#[from] std::io::Error),

    #[error("{0}")]
    Other(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Widest line printed of an error message.
const MAX_WIDTH: usize = 500;
/// Lines printed of a contract report (one per problem) and of any other message.
const MAX_REPORT_LINES: usize = 100;
const MAX_LINES: usize = 5;

impl Error {
    /// The message as the terminal shows it, cut to a sane length: a message passed through
    /// from a library (polars' can repeat a whole input file, person ids included) must not
    /// flood the terminal. A contract report keeps one line per problem.
    pub fn for_terminal(&self) -> String {
        let text = self.to_string();
        match self {
            Error::Input { .. } => cut_message(&text, MAX_REPORT_LINES, MAX_WIDTH),
            _ => cut_message(&text, MAX_LINES, MAX_WIDTH),
        }
    }
}

/// `text` in at most `lines` lines and `width` characters in all of those; a cut says so.
fn cut_message(text: &str, lines: usize, width: usize) -> String {
    let budget = lines * width;
    let mut out = String::new();
    let mut used = 0;
    let mut cut = false;
    for (i, line) in text.lines().enumerate() {
        if i == lines || used >= budget {
            cut = true;
            break;
        }
        let room = width.min(budget - used);
        let kept: String = line.chars().take(room).collect();
        cut |= kept.len() < line.len();
        used += kept.chars().count();
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&kept);
    }
    if cut {
        out.push_str("… (message cut)");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_is_cut_to_a_few_lines() {
        let flood = format!(
            "could not parse `{}`",
            "C1,P1,2024-07-16,msz,5.82\n".repeat(500_000)
        );
        let shown = Error::Other(flood).for_terminal();
        assert!(shown.len() < 1_000, "{} bytes", shown.len());
        assert!(shown.lines().count() <= MAX_LINES, "{shown}");
        assert!(shown.ends_with("(message cut)"), "{shown}");
        let wide = Error::Other("x".repeat(10_000)).for_terminal();
        assert_eq!(wide, format!("{}… (message cut)", "x".repeat(MAX_WIDTH)));
    }

    #[test]
    fn a_report_keeps_a_line_per_problem_and_short_messages_stay_whole() {
        let report = (0..20)
            .map(|i| format!("  error: problem {i}"))
            .collect::<Vec<_>>()
            .join("\n");
        let e = Error::Input {
            report: report.clone(),
        };
        assert_eq!(e.for_terminal(), report);
        let e = Error::Other("one\ntwo".into());
        assert_eq!(e.for_terminal(), "one\ntwo");
    }
}
