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
