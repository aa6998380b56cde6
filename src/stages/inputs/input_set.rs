//! The input set: which file stands for each contract input in a folder (Parquet or CSV, or a
//! shared file named by the pipeline), and the optional geometry.

use crate::columns::{InputSpec, ALL_INPUTS, GEOMETRY_FILE, OPTIONAL_INPUTS};
use crate::problem::Problem;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Parquet,
    Csv,
}

impl Format {
    pub(super) fn describe(self) -> &'static str {
        match self {
            Format::Parquet => "Parquet",
            Format::Csv => "CSV",
        }
    }
}

/// One input file found for a contract name.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub spec: InputSpec,
    pub path: PathBuf,
    pub format: Format,
}

impl InputFile {
    pub fn new(spec: InputSpec, path: PathBuf) -> InputFile {
        let is_csv = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        let format = if is_csv { Format::Csv } else { Format::Parquet };
        InputFile { spec, path, format }
    }

    pub fn display_name(&self) -> String {
        self.path.display().to_string()
    }
}

/// The five contract inputs (plus optional geometry) in a folder.
#[derive(Debug, Clone)]
pub struct InputSet {
    pub files: Vec<InputFile>,
    pub geometry: Option<PathBuf>,
}

impl InputSet {
    pub fn get(&self, name: &str) -> Option<&InputFile> {
        self.files.iter().find(|f| f.spec.name == name)
    }
}

/// Finds `<name>.parquet` or `<name>.csv` for each contract input in `dir`.
/// A missing file is a problem; both present is a problem too (which one would be meant?).
pub fn find_inputs(dir: &Path) -> (InputSet, Vec<Problem>) {
    find_inputs_with(dir, &[])
}

/// `find_inputs`, where an input missing from `dir` may be a shared file named by the
/// pipeline (`norm_costs`, `areas` of a monitoring run).
pub fn find_inputs_with(dir: &Path, shared: &[(String, PathBuf)]) -> (InputSet, Vec<Problem>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    if !dir.is_dir() {
        problems.push(Problem::error(
            &dir.display().to_string(),
            None,
            "input folder does not exist or is not a folder",
        ));
        return (
            InputSet {
                files,
                geometry: None,
            },
            problems,
        );
    }
    for spec in ALL_INPUTS {
        let parquet = dir.join(format!("{}.parquet", spec.name));
        let csv = dir.join(format!("{}.csv", spec.name));
        match (parquet.is_file(), csv.is_file()) {
            (true, false) => files.push(InputFile::new(spec, parquet)),
            (false, true) => files.push(InputFile::new(spec, csv)),
            (true, true) => problems.push(Problem::error(
                &parquet.display().to_string(),
                None,
                format!(
                    "both `{}.parquet` and `{}.csv` exist; keep one",
                    spec.name, spec.name
                ),
            )),
            (false, false) if shared.iter().any(|(n, _)| n == spec.name) => {
                let path = shared
                    .iter()
                    .find(|(n, _)| n == spec.name)
                    .map(|(_, p)| p.clone())
                    .unwrap_or_default();
                if path.is_file() {
                    files.push(InputFile::new(spec, path));
                } else {
                    problems.push(Problem::error(
                        &path.display().to_string(),
                        None,
                        format!(
                            "shared input `{}` named in the pipeline file does not exist",
                            spec.name
                        ),
                    ));
                }
            }
            (false, false) => problems.push(Problem::error(
                &parquet.display().to_string(),
                None,
                format!(
                    "missing input `{}` (expected `{0}.parquet` or `{0}.csv`)",
                    spec.name
                ),
            )),
        }
    }
    // Optional inputs: used when present (in the folder or shared by the pipeline file).
    for spec in OPTIONAL_INPUTS {
        let parquet = dir.join(format!("{}.parquet", spec.name));
        let csv = dir.join(format!("{}.csv", spec.name));
        match (parquet.is_file(), csv.is_file()) {
            (true, false) => files.push(InputFile::new(spec, parquet)),
            (false, true) => files.push(InputFile::new(spec, csv)),
            (true, true) => problems.push(Problem::error(
                &parquet.display().to_string(),
                None,
                format!(
                    "both `{}.parquet` and `{}.csv` exist; keep one",
                    spec.name, spec.name
                ),
            )),
            (false, false) => {
                if let Some((_, path)) = shared.iter().find(|(n, _)| n == spec.name) {
                    if path.is_file() {
                        files.push(InputFile::new(spec, path.clone()));
                    } else {
                        problems.push(Problem::error(
                            &path.display().to_string(),
                            None,
                            format!(
                                "shared input `{}` named in the pipeline file does not exist",
                                spec.name
                            ),
                        ));
                    }
                }
            }
        }
    }
    let geometry = Some(dir.join(GEOMETRY_FILE))
        .filter(|p| p.is_file())
        .or_else(|| {
            shared
                .iter()
                .find(|(n, p)| n == "geometry" && p.is_file())
                .map(|(_, p)| p.clone())
        });
    (InputSet { files, geometry }, problems)
}
