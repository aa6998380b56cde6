//! Loading and validating the inputs of the data contract (SPEC 2).
//!
//! Every input is scanned lazily (Parquet or CSV with a header), its schema is checked
//! against `columns.rs`, and every rule of SPEC 2.1–2.6 is evaluated in one pass per file:
//! all rule counts come from a single `select`, and only failing rules cost a second, small
//! query for up to five example rows. All problems are collected, never only the first.

use crate::columns::{ColumnSpec, InputSpec, Kind, ALL_INPUTS, GEOMETRY_FILE};
use crate::domain::{self, Period};
use polars::prelude::*;
// Diagnostics live in `crate::problem`; re-exported here for the stages that report them.
pub use crate::problem::{format_problems, plural, Problem, Severity};
pub use crate::stages::claim_identity::{claim_id_conflicts, conflict_expr};
use std::path::{Path, PathBuf};

/// Name of the 1-based row number added for error messages.
const ROW: &str = "__row";
pub(crate) const MAX_EXAMPLES: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Parquet,
    Csv,
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
    let geometry = Some(dir.join(GEOMETRY_FILE)).filter(|p| p.is_file());
    (InputSet { files, geometry }, problems)
}

/// Scans a file without any typing: Parquet as stored, CSV with every column as string.
fn scan_raw(file: &InputFile) -> PolarsResult<LazyFrame> {
    let path = PlRefPath::new(file.path.to_string_lossy().as_ref());
    match file.format {
        Format::Parquet => LazyFrame::scan_parquet(path, ScanArgsParquet::default()),
        Format::Csv => LazyCsvReader::new(path)
            .with_has_header(true)
            // Read everything as text so that a bad value becomes a reported row, not a crash.
            .with_infer_schema_length(Some(0))
            .finish(),
    }
}

fn compatible(kind: Kind, dtype: &DataType) -> bool {
    match kind {
        Kind::Str => matches!(dtype, DataType::String),
        Kind::Int => dtype.is_integer(),
        Kind::Float => dtype.is_primitive_numeric(),
        Kind::Date => matches!(dtype, DataType::Date | DataType::Datetime(_, _)),
        Kind::Bool => matches!(dtype, DataType::Boolean),
    }
}

/// The contract type a column is cast to.
pub fn contract_dtype(kind: Kind) -> DataType {
    match kind {
        Kind::Str => DataType::String,
        Kind::Int => DataType::Int64,
        Kind::Float => DataType::Float64,
        Kind::Date => DataType::Date,
        Kind::Bool => DataType::Boolean,
    }
}

/// Expression turning a raw column into its contract type. CSV text that does not parse
/// becomes null, which the type rule then reports.
fn typed_expr(c: &ColumnSpec, format: Format) -> Expr {
    let raw = col(c.name);
    let e = match (format, c.kind) {
        (_, Kind::Str) => raw,
        (Format::Parquet, kind) => raw.cast(contract_dtype(kind)),
        (Format::Csv, Kind::Int) => raw.str().strip_chars(lit(NULL)).cast(DataType::Int64),
        (Format::Csv, Kind::Float) => raw.str().strip_chars(lit(NULL)).cast(DataType::Float64),
        (Format::Csv, Kind::Date) => {
            raw.str()
                .strip_chars(lit(NULL))
                .str()
                .to_date(StrptimeOptions {
                    format: Some("%Y-%m-%d".into()),
                    strict: false,
                    exact: true,
                    cache: true,
                })
        }
        (Format::Csv, Kind::Bool) => {
            let t = raw.clone().str().to_lowercase();
            when(
                t.clone()
                    .is_in(str_list(&["true", "1", "yes", "ja"]), false),
            )
            .then(lit(true))
            .when(t.is_in(str_list(&["false", "0", "no", "nee"]), false))
            .then(lit(false))
            .otherwise(lit(NULL).cast(DataType::Boolean))
        }
    };
    // `F` (female) is accepted as `V` (vrouw): normalised here so every stage sees M/V.
    let e = if c.name == "sex" {
        when(e.clone().eq(lit("F"))).then(lit("V")).otherwise(e)
    } else {
        e
    };
    e.alias(c.name)
}

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
struct Rule {
    column: &'static str,
    message: String,
    bad: Expr,
    fatal: bool,
}

fn rule(column: &'static str, message: impl Into<String>, bad: Expr) -> Rule {
    Rule {
        column,
        message: message.into(),
        bad,
        fatal: true,
    }
}

fn not_in(column: &'static str, values: &[&str]) -> Rule {
    rule(
        column,
        format!("value outside the code list ({})", values.join(", ")),
        col(column)
            .is_not_null()
            .and(one_of(col(column), values).not()),
    )
}

fn pattern(column: &'static str, regex: &str, what: &str) -> Rule {
    rule(
        column,
        format!("not a valid {what} (pattern `{regex}`)"),
        col(column)
            .is_not_null()
            .and(col(column).str().contains(lit(regex), true).not()),
    )
}

fn unique(column: &'static str) -> Rule {
    rule(
        column,
        "duplicate value in a column that must be unique",
        col(column).is_not_null().and(col(column).is_duplicated()),
    )
}

/// The value rules of SPEC 2.1–2.5 for one input (type and null rules are added generically).
fn value_rules(spec: &InputSpec, period: &Period) -> PolarsResult<Vec<Rule>> {
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
        _ => Vec::new(),
    })
}

/// A limit as Dutch-style thousands (10.000.000), as the analysts read amounts.
fn eur_limit(v: f64) -> String {
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
fn several_per(value: &str, key: &str) -> PolarsResult<Expr> {
    Ok(col(value).n_unique().over([col(key)])?.gt(lit(1)))
}

/// The result of checking one input.
pub struct Checked {
    pub file: InputFile,
    /// Contract columns in contract types, `sex` normalised; `None` when the file is unusable.
    pub typed: Option<LazyFrame>,
    pub rows: u64,
    pub problems: Vec<Problem>,
    /// For claim lines: Σ amount in cents over every row, summed in the same pass as the
    /// rules, so the ledger's input total costs no extra scan of the claim lines.
    pub amount_cents: Option<i64>,
}

pub(crate) fn fmt_value(av: AnyValue) -> String {
    match av {
        AnyValue::Null => "empty".to_string(),
        AnyValue::String(s) => format!("{s:?}"),
        AnyValue::StringOwned(s) => format!("{:?}", s.as_str()),
        other => other.to_string(),
    }
}

/// Checks one input against the contract: file, columns, types, nulls and value rules.
pub fn check_input(file: &InputFile, period: &Period) -> Checked {
    let name = file.display_name();
    let fail = |problem: Problem| Checked {
        file: file.clone(),
        typed: None,
        rows: 0,
        problems: vec![problem],
        amount_cents: None,
    };
    match std::fs::metadata(&file.path) {
        Err(e) => {
            return fail(Problem::error(
                &name,
                None,
                format!("cannot be opened: {e}"),
            ))
        }
        Ok(m) if m.len() == 0 => {
            return fail(Problem::error(&name, None, "is an empty file (0 bytes)"))
        }
        Ok(_) => {}
    }
    let what = match file.format {
        Format::Parquet => "Parquet",
        Format::Csv => "CSV",
    };
    let checked = match file.format {
        Format::Csv => check_csv_header(file, &name),
        Format::Parquet => check_parquet_footer(file, &name),
    };
    if let Err(problem) = checked {
        return fail(problem);
    }
    let raw = match scan_raw(file) {
        Ok(lf) => lf,
        Err(e) => {
            return fail(Problem::error(
                &name,
                None,
                format!("cannot be read as {what}: {e}"),
            ))
        }
    };
    let mut raw_probe = raw.clone();
    let schema = match raw_probe.collect_schema() {
        Ok(s) => s,
        Err(e) => {
            return fail(Problem::error(
                &name,
                None,
                format!("cannot be read as {what}: {e}"),
            ))
        }
    };

    let mut problems = Vec::new();
    for c in file.spec.columns {
        match schema.get(c.name) {
            None => problems.push(Problem::error(
                &name,
                Some(c.name),
                format!(
                    "required column is missing (found: {})",
                    join_names(&schema)
                ),
            )),
            Some(dt) if file.format == Format::Parquet && !compatible(c.kind, dt) => {
                problems.push(Problem::error(
                    &name,
                    Some(c.name),
                    format!("has type {dt}, expected {}", c.kind.describe()),
                ))
            }
            Some(_) => {}
        }
    }
    if !problems.is_empty() {
        return Checked {
            file: file.clone(),
            typed: None,
            rows: 0,
            problems,
            amount_cents: None,
        };
    }

    let typed_cols: Vec<Expr> = file
        .spec
        .columns
        .iter()
        .map(|c| typed_expr(c, file.format))
        .collect();
    let typed = raw.clone().select(typed_cols.clone());

    // Rules over one frame holding the row number, the raw text (CSV type checks) and typed values.
    let mut frame_cols = vec![col(ROW)];
    frame_cols.extend(typed_cols);
    let mut rules: Vec<Rule> = Vec::new();
    for c in file.spec.columns {
        if file.format == Format::Csv && c.kind != Kind::Str {
            let raw_name = format!("{}__raw", c.name);
            frame_cols.push(col(c.name).alias(raw_name.as_str()));
            rules.push(Rule {
                column: c.name,
                message: format!("not a valid {}", c.kind.describe()),
                bad: col(raw_name.as_str())
                    .is_not_null()
                    .and(col(c.name).is_null()),
                fatal: true,
            });
        }
        if !c.nullable {
            let is_null = if file.format == Format::Csv && c.kind != Kind::Str {
                col(format!("{}__raw", c.name).as_str()).is_null()
            } else {
                col(c.name).is_null()
            };
            rules.push(rule(
                c.name,
                "empty (null), but the column is required",
                is_null,
            ));
            // An empty or all-blank text is no id, code or name either (Parquet keeps "" as a
            // value where CSV reads an empty field as null).
            if c.kind == Kind::Str {
                rules.push(rule(
                    c.name,
                    "blank text, but the column is required",
                    col(c.name)
                        .str()
                        .strip_chars(lit(NULL))
                        .str()
                        .len_bytes()
                        .eq(lit(0u32)),
                ));
            }
        }
    }
    match value_rules(&file.spec, period) {
        Ok(r) => rules.extend(r),
        Err(e) => {
            return fail(Problem::error(
                &name,
                None,
                format!("internal error building rules: {e}"),
            ))
        }
    }

    let frame = raw.with_row_index(ROW, Some(1)).select(frame_cols);
    let mut counts_exprs = vec![len().alias("__rows")];
    let is_claims = file.spec.name == crate::columns::ZVW_CLAIMS.name;
    if is_claims {
        counts_exprs.push(
            crate::stages::profile::cents("amount_eur")
                .sum()
                .alias("__amount_cents"),
        );
    }
    for (i, r) in rules.iter().enumerate() {
        counts_exprs.push(
            r.bad
                .clone()
                .fill_null(false)
                .sum()
                .alias(format!("__r{i}").as_str()),
        );
    }
    let counts =
        match guarded_read(|| crate::stages::collect_streaming(frame.clone().select(counts_exprs)))
        {
            Ok(df) => df,
            Err(e) => {
                return fail(Problem::error(
                    &name,
                    None,
                    format!("cannot be read as {what}: {e}"),
                ))
            }
        };
    let get = |c: &str| -> u64 {
        counts
            .column(c)
            .ok()
            .and_then(|s| s.get(0).ok())
            .and_then(|v| v.extract::<u64>())
            .unwrap_or(0)
    };
    let rows = get("__rows");
    if rows == 0 {
        // Without persons, claims or areas there is nothing to profile; a run without Wmo
        // provisions or norm costs still makes sense, with those figures empty.
        let optional = matches!(file.spec.name, "wmo_provisions" | "norm_costs");
        if !optional {
            problems.push(Problem::error(&name, None, "has a header but no rows"));
            return Checked {
                file: file.clone(),
                typed: None,
                rows,
                problems,
                amount_cents: None,
            };
        }
        problems.push(Problem::warning(&name, None, "has a header but no rows"));
    }
    for (i, r) in rules.iter().enumerate() {
        let n = get(&format!("__r{i}"));
        if n == 0 {
            continue;
        }
        let examples = example_rows(&frame, &r.bad, r.column, file.format);
        problems.push(Problem {
            severity: if r.fatal {
                Severity::Error
            } else {
                Severity::Warning
            },
            file: name.clone(),
            column: Some(r.column.to_string()),
            message: r.message.clone(),
            rows: Some(n),
            examples,
        });
    }
    let amount_cents = is_claims.then(|| {
        counts
            .column("__amount_cents")
            .ok()
            .and_then(|c| c.get(0).ok())
            .and_then(|v| v.extract::<i64>())
            .unwrap_or(0)
    });
    Checked {
        file: file.clone(),
        typed: Some(typed),
        rows,
        problems,
        amount_cents,
    }
}

/// Runs a read of a user's file, turning a panic inside the reader into an error. polars 0.55's
/// Parquet decoder asserts on some damaged pages instead of returning an error (found by
/// `tests/fuzz.rs`: one flipped bit in a dictionary page); a damaged file must be refused by
/// name, not crash the program. The panic message is kept out of the terminal while it runs.
fn guarded_read<T>(read: impl FnOnce() -> PolarsResult<T>) -> Result<T, String> {
    static HOOK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = HOOK.lock().unwrap_or_else(|e| e.into_inner());
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(read));
    std::panic::set_hook(previous);
    match outcome {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.to_string()),
        Err(panic) => {
            let why = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(format!(
                "the file is damaged: its data does not decode ({why})"
            ))
        }
    }
}

/// The header line of a CSV, read before polars does: a file separated by `;` or tabs (the
/// Dutch Excel default) would otherwise be read as one column and refused nine times over as
/// "column missing", and a repeated column name would be silently renamed by the reader.
fn check_csv_header(file: &InputFile, name: &str) -> std::result::Result<(), Problem> {
    use std::io::{BufRead, Read};
    let f = std::fs::File::open(&file.path)
        .map_err(|e| Problem::error(name, None, format!("cannot be opened: {e}")))?;
    let mut line = Vec::new();
    // At most 64 KiB: a header longer than that is no header.
    std::io::BufReader::new(f)
        .take(64 * 1024)
        .read_until(b'\n', &mut line)
        .map_err(|e| Problem::error(name, None, format!("cannot be read as CSV: {e}")))?;
    let text = String::from_utf8_lossy(&line);
    let header = text
        .trim_start_matches('\u{feff}')
        .trim_end_matches(['\r', '\n']);
    let fields = split_header(header, ',');
    if fields.len() == 1 {
        for (sep, label) in [(';', "semicolons (`;`)"), ('\t', "tabs")] {
            if split_header(header, sep).len() > 1 {
                return Err(Problem::error(
                    name,
                    None,
                    format!(
                        "has a header separated by {label}, not by commas: save it as \
                         comma-separated CSV (decimal point, not comma) or as Parquet; Excel's \
                         Dutch \"CSV (puntkomma)\" uses `;`"
                    ),
                ));
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for f in &fields {
        if !seen.insert(f.as_str()) {
            return Err(Problem::error(
                name,
                Some(f),
                "appears more than once in the header: which one is meant is unclear",
            ));
        }
    }
    Ok(())
}

/// The Parquet footer, checked before polars streams the file: every row group's and column
/// chunk's byte range must lie inside the file. polars 0.55's streaming reader slices the
/// mapped file by these ranges unchecked, so a damaged footer (one flipped bit, found by
/// `tests/fuzz.rs`) would read outside the file instead of failing.
fn check_parquet_footer(file: &InputFile, name: &str) -> std::result::Result<(), Problem> {
    let unreadable = |e: &dyn std::fmt::Display| {
        Problem::error(name, None, format!("cannot be read as Parquet: {e}"))
    };
    let len = std::fs::metadata(&file.path)
        .map_err(|e| unreadable(&e))?
        .len();
    let f = std::fs::File::open(&file.path).map_err(|e| unreadable(&e))?;
    let mut reader = ParquetReader::new(f);
    let metadata = reader.get_metadata().map_err(|e| unreadable(&e))?;
    for (i, rg) in metadata.row_groups.iter().enumerate() {
        let full = rg.full_byte_range();
        let outside = |r: &std::ops::Range<u64>| r.start > r.end || r.end > len;
        if outside(&full) || rg.byte_ranges_iter().any(|r| outside(&r)) {
            return Err(unreadable(&format_args!(
                "row group {i} points outside the file ({len} bytes): the file is damaged \
                 or was cut short"
            )));
        }
    }
    Ok(())
}

/// Splits a CSV header on `sep`, honouring double quotes; names are trimmed of quotes.
fn split_header(header: &str, sep: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for ch in header.chars() {
        match ch {
            '"' => quoted = !quoted,
            c if c == sep && !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn example_rows(frame: &LazyFrame, bad: &Expr, column: &str, format: Format) -> Vec<String> {
    let shown = if format == Format::Csv && frame_has_raw(column) {
        format!("{column}__raw")
    } else {
        column.to_string()
    };
    let picked = guarded_read(|| {
        frame
            .clone()
            .filter(bad.clone().fill_null(false))
            .select([col(ROW), col(shown.as_str())])
            .limit(MAX_EXAMPLES as IdxSize)
            .collect()
    });
    let Ok(df) = picked else { return Vec::new() };
    let (Ok(rows), Ok(vals)) = (df.column(ROW), df.column(shown.as_str())) else {
        return Vec::new();
    };
    (0..df.height())
        .map(|i| {
            let r = rows.get(i).map(|v| v.to_string()).unwrap_or_default();
            let v = vals.get(i).map(fmt_value).unwrap_or_default();
            format!("row {r}: {v}")
        })
        .collect()
}

/// CSV frames carry the raw text of typed (non-string) columns; show that in examples,
/// since the typed value of an unparsable cell is empty.
fn frame_has_raw(column: &str) -> bool {
    ALL_INPUTS
        .iter()
        .flat_map(|s| s.columns.iter())
        .any(|c| c.name == column && c.kind != Kind::Str)
}

fn join_names(schema: &Schema) -> String {
    schema
        .iter_names()
        .map(|n| n.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks every input in a set; the typed frames of usable files come back by contract name.
pub fn check_all(set: &InputSet, period: &Period) -> Vec<Checked> {
    set.files.iter().map(|f| check_input(f, period)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write_csv(dir: &Path, name: &str, body: &str) -> InputFile {
        let path = dir.join(format!("{name}.csv"));
        let mut f = std::fs::File::create(&path).unwrap();
        f.write_all(body.as_bytes()).unwrap();
        let spec = ALL_INPUTS.iter().find(|s| s.name == name).copied().unwrap();
        InputFile::new(spec, path)
    }

    fn q3() -> Period {
        Period::parse("2024Q3").unwrap()
    }

    #[test]
    fn insured_rules_report_rows_and_examples() {
        let dir = tempfile::tempdir().unwrap();
        let f = write_csv(
            dir.path(),
            "insured",
            "person_id,pc5,age,sex,gp_practice_id,insured_days,household,education,social_minimum\n\
             a,7544A,40,M,,92,single,low,false\n\
             a,7544a,130,X,,93,alone,,maybe\n\
             c,7544B,x,F,,0,,,\n",
        );
        let checked = check_input(&f, &q3());
        let msgs: Vec<String> = checked.problems.iter().map(|p| p.to_string()).collect();
        let has = |col: &str, n: u64| {
            checked
                .problems
                .iter()
                .any(|p| p.column.as_deref() == Some(col) && p.rows == Some(n))
        };
        assert!(has("person_id", 2), "{msgs:#?}");
        assert!(has("pc5", 1), "{msgs:#?}");
        assert!(has("sex", 1), "{msgs:#?}"); // F is accepted, X is not
        assert!(has("insured_days", 2), "{msgs:#?}"); // 93 > 92 and 0
        assert!(has("household", 1), "{msgs:#?}");
        assert!(has("social_minimum", 1), "{msgs:#?}"); // "maybe" is not a boolean
                                                        // age: "x" is not an integer (type rule) and 130 is out of range
        assert!(
            checked
                .problems
                .iter()
                .filter(|p| p.column.as_deref() == Some("age"))
                .count()
                == 2,
            "{msgs:#?}"
        );
        let pc5 = checked
            .problems
            .iter()
            .find(|p| p.column.as_deref() == Some("pc5"))
            .unwrap();
        assert_eq!(pc5.examples, vec!["row 2: \"7544a\"".to_string()]);
        // F became V in the typed frame
        let typed = checked.typed.unwrap().collect().unwrap();
        let sex = typed
            .column("sex")
            .unwrap()
            .str()
            .unwrap()
            .get(2)
            .map(str::to_string);
        assert_eq!(sex.as_deref(), Some("V"));
    }

    #[test]
    fn areas_must_nest() {
        let dir = tempfile::tempdir().unwrap();
        let f = write_csv(
            dir.path(),
            "areas",
            "pc5,buurt_code,buurt_name,wijk_code,wijk_name,gemeente_code,gemeente_name,residents\n\
             7511A,BU01530101,Centrum,WK015301,Binnenstad,GM0153,Enschede,100\n\
             7511B,BU01530101,Centrum,WK015302,Noord,GM0153,Enschede,-1\n",
        );
        let checked = check_input(&f, &q3());
        let cols: Vec<_> = checked
            .problems
            .iter()
            .filter_map(|p| p.column.clone())
            .collect();
        assert!(cols.contains(&"buurt_code".to_string()), "{cols:?}");
        assert!(cols.contains(&"residents".to_string()), "{cols:?}");
    }

    #[test]
    fn missing_column_and_empty_file() {
        let dir = tempfile::tempdir().unwrap();
        let f = write_csv(dir.path(), "norm_costs", "pc5,insured_years\n7511A,3\n");
        let checked = check_input(&f, &q3());
        assert_eq!(checked.problems.len(), 1);
        assert_eq!(checked.problems[0].column.as_deref(), Some("norm_cost_eur"));
        let f = write_csv(dir.path(), "areas", "");
        let checked = check_input(&f, &q3());
        assert!(checked.problems[0].message.contains("empty"));
    }

    #[test]
    fn conflicting_claim_ids_are_found_but_exact_copies_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let f = write_csv(
            dir.path(),
            "zvw_claims",
            "claim_id,person_id,service_date,care_type,amount_eur\n\
             c1,p1,2024-07-01,msz,10.00\n\
             c1,p1,2024-07-01,msz,10.00\n\
             c2,p1,2024-07-01,msz,10.00\n\
             c2,p1,2024-07-01,msz,10.01\n",
        );
        let checked = check_input(&f, &q3());
        assert!(checked.problems.is_empty(), "{:?}", checked.problems);
        let p = claim_id_conflicts(&checked.typed.unwrap(), "zvw_claims.csv")
            .unwrap()
            .unwrap();
        assert_eq!(p.rows, Some(2));
        assert!(p.message.contains("\"c2\""), "{}", p.message);
    }
}
