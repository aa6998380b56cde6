//! Pipeline files: raw TOML (unknown keys are errors) resolved into the settings a run uses.
//! Paths in a pipeline file are relative to the file's folder; command-line flags override it.

use crate::domain::Level;
use crate::domain::Period;
use crate::error::{Error, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

pub const DEFAULT_MIN_CELL: i64 = 10;

/// The TOML as written. See README "Pipeline files".
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPipeline {
    pub name: Option<String>,
    pub period: Option<String>,
    /// Monitoring: `"2023Q1..2024Q4"` or a list of periods; one input folder per period.
    pub periods: Option<RawPeriods>,
    /// When each period's extract was taken (`2024Q4 = "2025-01-20"`); else the newest
    /// service date in its claims (SPEC 3.6).
    #[serde(default)]
    pub extracted_on: std::collections::BTreeMap<String, String>,
    pub out: Option<PathBuf>,
    #[serde(default)]
    pub inputs: RawInputs,
    #[serde(default)]
    pub privacy: RawPrivacy,
    #[serde(default)]
    pub profile: RawProfile,
    #[serde(default)]
    pub focus: RawFocus,
    #[serde(default)]
    pub outliers: RawOutliers,
    #[serde(default)]
    pub report: RawReport,
    #[serde(default)]
    pub monitoring: RawMonitoring,
    #[serde(default)]
    pub practices: RawPractices,
    #[serde(default)]
    pub reference: RawReference,
    /// `[[interventions]]` (SPEC 3.10).
    #[serde(default)]
    pub interventions: Vec<crate::stages::effects::intervention::Intervention>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReference {
    /// A table written by `wijkscan reference vektis` (vektis.parquet).
    pub vektis: Option<PathBuf>,
    /// Its year to use; default the latest in the table.
    pub vektis_year: Option<i32>,
    /// A table written by `wijkscan reference cbs` (cbs.parquet): residents where `areas` has
    /// none.
    pub cbs: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPractices {
    /// Level of the practice × area cross table: `wijk` (default) or `buurt`.
    pub cross_level: Option<String>,
    /// The GP-practice view (default true); `false` leaves it out of the run.
    pub enabled: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMonitoring {
    /// Levels of `monitoring.parquet`; default the profile's. pc5 rows make most of the table
    /// at whole-book scale.
    pub levels: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReport {
    /// `nl` (default) or `en`.
    pub lang: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutliers {
    /// `none`, `multiplicative` (default) or `additive`.
    pub overdispersion: Option<crate::stats::overdispersion::Method>,
    /// Judge costs with each person's cost capped at the 99th percentile (default true,
    /// METHODS 8); `false` flags raw cost.
    pub capped: Option<bool>,
    /// φ estimator: `mad` (default) or `winsorised` (FunnelPlotR).
    pub phi_estimator: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFocus {
    /// Focus area codes (BU…, WK… or GM…); default: every gemeente.
    pub areas: Option<Vec<String>>,
    pub min_volume: Option<i64>,
    /// Built-in segments to include by name; default all six.
    pub builtin: Option<Vec<String>>,
    /// Propose segments with the regression tree (default true).
    pub propose: Option<bool>,
    pub max_depth: Option<usize>,
    #[serde(default)]
    pub segments: Vec<crate::stages::focus::segments::SegmentDef>,
}

// Focus settings belong to their stage; kept reachable here for the callers that resolve
// pipeline files.
use crate::stages::focus::groups::FocusSettings;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInputs {
    /// Folder holding the inputs under their contract names (with `periods`: one folder per
    /// period, named by it).
    pub dir: Option<PathBuf>,
    /// A `norm_costs` file for periods whose folder has none.
    pub norm_costs: Option<PathBuf>,
    /// An `areas` file for periods whose folder has none.
    pub areas: Option<PathBuf>,
    /// The optional `gp_practices` list, when it is not in the inputs folder.
    pub gp_practices: Option<PathBuf>,
}

/// `periods` in a pipeline file: a range text or a list.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawPeriods {
    Range(String),
    List(Vec<String>),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPrivacy {
    pub min_cell: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProfile {
    pub levels: Option<Vec<String>>,
}

/// Values given on the command line (already parsed by clap); each overrides the pipeline
/// file. `resolve` is the one place they are applied.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub inputs: Option<PathBuf>,
    pub period: Option<Period>,
    pub periods: Option<Vec<Period>>,
    pub out: Option<PathBuf>,
    pub min_cell: Option<i64>,
    pub force: bool,
    pub lang: Option<crate::text::Lang>,
    /// `focus --area`: replaces the pipeline's focus areas when not empty.
    pub focus_areas: Vec<String>,
    /// `focus --segment`: filters tried live, added as `segment_1`, `segment_2`, …
    pub segments: Vec<String>,
    /// `focus --only`: the `segments` alone (no built-in or pipeline segments, no proposals).
    pub only_segments: bool,
    /// `focus --no-propose`.
    pub no_propose: bool,
    /// `outliers --overdispersion`.
    pub overdispersion: Option<crate::stats::overdispersion::Method>,
    /// `outliers --uncapped`.
    pub uncapped: bool,
    /// `outliers --phi-estimator`.
    pub phi_estimator: Option<crate::stats::overdispersion::Estimator>,
}

/// Everything a run needs, checked.
#[derive(Debug, Clone)]
pub struct Settings {
    pub name: String,
    pub pipeline_file: Option<PathBuf>,
    pub inputs: PathBuf,
    pub period: Period,
    /// Monitoring (SPEC 3.6): every period of the run, oldest first, the last being `period`;
    /// empty for a one-period run. Inputs then sit in `inputs/<period label>/`.
    pub periods: Vec<Period>,
    /// When each period's extract was taken, by period label, where the pipeline says.
    pub extracted_on: std::collections::BTreeMap<String, chrono::NaiveDate>,
    /// Inputs a period folder may omit (`norm_costs`, `areas`), by contract name.
    pub shared_inputs: Vec<(String, PathBuf)>,
    pub out: PathBuf,
    pub min_cell: i64,
    pub levels: Vec<Level>,
    /// Levels of the monitoring table (default: `levels`).
    pub monitoring_levels: Vec<Level>,
    pub force: bool,
    pub focus: FocusSettings,
    pub outliers: crate::stages::outliers::flags::Settings,
    /// Language of the report and charts.
    pub lang: crate::text::Lang,
    /// Level of the practice × area cross table (SPEC 3.7): wijk or buurt.
    pub practice_cross_level: Level,
    /// Whether the run has the GP-practice view (SPEC 3.7; default true).
    pub practices: bool,
    /// `[reference] vektis`: the imported Vektis table, and the year to use.
    pub reference_vektis: Option<(PathBuf, Option<i32>)>,
    /// `[reference] cbs`: the imported CBS kerncijfers table.
    pub reference_cbs: Option<PathBuf>,
    /// Interventions whose effect the run estimates (SPEC 3.10; monitoring runs).
    pub interventions: Vec<crate::stages::effects::intervention::Intervention>,
}

impl Settings {
    /// The settings of one period of a monitoring run: its own input folder, no periods.
    pub fn for_period(&self, period: Period) -> Settings {
        // The map geometry may sit beside the period folders, shared by all.
        let mut shared_inputs = self.shared_inputs.clone();
        shared_inputs.push((
            "geometry".into(),
            self.inputs.join(crate::columns::GEOMETRY_FILE),
        ));
        Settings {
            inputs: self.inputs.join(period.label()),
            period,
            periods: Vec::new(),
            shared_inputs,
            ..self.clone()
        }
    }

    /// The defaults for computing a folder of inputs without a pipeline file or run folder
    /// (tests and the generator's self-checks): every level, default outlier and focus settings.
    pub fn for_inputs(dir: &Path, period: Period, min_cell: i64) -> Settings {
        Settings {
            name: String::new(),
            pipeline_file: None,
            inputs: dir.to_path_buf(),
            period,
            periods: Vec::new(),
            extracted_on: Default::default(),
            shared_inputs: Vec::new(),
            out: PathBuf::new(),
            min_cell,
            levels: Level::ALL.to_vec(),
            monitoring_levels: Level::ALL.to_vec(),
            force: false,
            lang: crate::text::Lang::Nl,
            focus: FocusSettings {
                areas: Vec::new(),
                min_volume: DEFAULT_MIN_VOLUME,
                segments: Vec::new(),
                propose: false,
                max_depth: 4,
            },
            outliers: crate::stages::outliers::flags::Settings::default(),
            practice_cross_level: Level::Wijk,
            practices: true,
            reference_vektis: None,
            reference_cbs: None,
            interventions: Vec::new(),
        }
    }
}

pub fn read_pipeline(path: &Path) -> Result<RawPipeline> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Config {
        path: path.to_path_buf(),
        message: format!("cannot be read: {e}"),
    })?;
    toml::from_str(&text).map_err(|e| Error::Config {
        path: path.to_path_buf(),
        message: e.to_string().trim().replace('\n', " "),
    })
}

/// Resolves a pipeline file (optional) and command-line overrides into settings.
pub fn resolve(pipeline: Option<&Path>, over: &Overrides) -> Result<Settings> {
    let (raw, base) = match pipeline {
        Some(p) => (
            read_pipeline(p)?,
            p.parent().map(Path::to_path_buf).unwrap_or_default(),
        ),
        None => (RawPipeline::default(), PathBuf::new()),
    };
    let origin = pipeline
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("command line"));
    let bad = |message: String| Error::Config {
        path: origin.clone(),
        message,
    };
    let rel = |p: PathBuf| if p.is_absolute() { p } else { base.join(p) };

    let inputs = match (&over.inputs, raw.inputs.dir) {
        (Some(d), _) => d.clone(),
        (None, Some(d)) => rel(d),
        (None, None) => {
            return Err(bad(
                "no inputs: give `--inputs DIR` or `[inputs] dir` in the pipeline file".into(),
            ))
        }
    };
    let periods = match (&over.periods, raw.periods) {
        (Some(p), _) => p.clone(),
        (None, Some(RawPeriods::Range(p))) => Period::series(&p).map_err(bad)?,
        (None, Some(RawPeriods::List(list))) => Period::series(&list.join(",")).map_err(bad)?,
        (None, None) => Vec::new(),
    };
    // The text as given, for the message below.
    let given = match (over.period, raw.period) {
        (Some(p), _) => Some((p, p.label())),
        (None, Some(text)) => Some((Period::parse(&text).map_err(bad)?, text)),
        (None, None) => None,
    };
    let period = match (given, periods.last()) {
        (Some((p, text)), last) => {
            if last.is_some_and(|l| *l != p) {
                return Err(bad(format!(
                    "period `{text}` is not the last of the periods; the last period is the \
                     report's (drop `period` or make it the last)"
                )));
            }
            p
        }
        (None, Some(last)) => *last,
        (None, None) => {
            return Err(bad(
                "no period: give `--period` (e.g. 2024Q3) or `period` in the pipeline file".into(),
            ))
        }
    };
    // One period is an ordinary run; given as a series of one (`--periods 2024Q1..2024Q1`),
    // its inputs sit in the series layout's period folder when there is one.
    let one_period_folder = periods.len() == 1 && inputs.join(periods[0].label()).is_dir();
    let periods = if periods.len() > 1 {
        periods
    } else {
        Vec::new()
    };
    let mut extracted_on = std::collections::BTreeMap::new();
    for (label, date) in &raw.extracted_on {
        if !periods.iter().any(|p| &p.label() == label) && period.label() != *label {
            return Err(bad(format!(
                "[extracted_on] names `{label}`, which is not a period of the run"
            )));
        }
        let d = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| {
            bad(format!(
                "[extracted_on] {label} = \"{date}\" is not a date (YYYY-MM-DD)"
            ))
        })?;
        extracted_on.insert(label.clone(), d);
    }
    let mut shared_inputs = Vec::new();
    for (name, path) in [
        ("norm_costs", raw.inputs.norm_costs),
        ("areas", raw.inputs.areas),
        ("gp_practices", raw.inputs.gp_practices),
    ] {
        if let Some(p) = path {
            shared_inputs.push((name.to_string(), rel(p)));
        }
    }
    let name = raw
        .name
        .unwrap_or_else(|| format!("wijkscan-{}", period.label()));
    check_run_name(&name).map_err(bad)?;
    let out = match (&over.out, raw.out) {
        (Some(o), _) => o.clone(),
        (None, Some(o)) => rel(o),
        (None, None) => PathBuf::from("reports/runs").join(&name),
    };
    let min_cell = over
        .min_cell
        .or(raw.privacy.min_cell)
        .unwrap_or(DEFAULT_MIN_CELL);
    if min_cell < 1 {
        return Err(bad(format!("min_cell must be at least 1, got {min_cell}")));
    }
    let parse_levels = |names: Option<Vec<String>>, default: Vec<Level>| match names {
        None => Ok(default),
        Some(names) => names
            .iter()
            .map(|l| {
                Level::parse(l).ok_or_else(|| {
                    let known: Vec<&str> = Level::ALL.iter().map(|l| l.as_str()).collect();
                    bad(format!("unknown level `{l}` (known: {})", known.join(", ")))
                })
            })
            .collect::<Result<Vec<Level>>>(),
    };
    let levels = parse_levels(raw.profile.levels, Level::ALL.to_vec())?;
    let monitoring_levels = parse_levels(raw.monitoring.levels, levels.clone())?;
    for (table, given) in [("profile", &levels), ("monitoring", &monitoring_levels)] {
        if given.is_empty() {
            let known: Vec<&str> = Level::ALL.iter().map(|l| l.as_str()).collect();
            return Err(bad(format!(
                "[{table}] levels is empty: name at least one of {}",
                known.join(", ")
            )));
        }
    }
    let mut focus = resolve_focus(raw.focus).map_err(bad)?;
    if !over.focus_areas.is_empty() {
        focus.areas = over.focus_areas.clone();
    }
    if over.only_segments {
        focus.segments.clear();
    }
    for (i, f) in over.segments.iter().enumerate() {
        focus
            .segments
            .push(crate::stages::focus::segments::SegmentDef {
                name: format!("segment_{}", i + 1),
                filter: f.clone(),
            });
    }
    if over.no_propose || over.only_segments {
        focus.propose = false;
    }
    let practice_cross_level = match raw.practices.cross_level.as_deref() {
        None | Some("wijk") => Level::Wijk,
        Some("buurt") => Level::Buurt,
        Some(other) => {
            return Err(bad(format!(
                "[practices] cross_level = \"{other}\": use \"wijk\" or \"buurt\""
            )))
        }
    };
    let estimator = match (over.phi_estimator, raw.outliers.phi_estimator.as_deref()) {
        (Some(e), _) => e,
        (None, None) => crate::stats::overdispersion::Estimator::default(),
        (None, Some(e)) => crate::stats::overdispersion::Estimator::parse(e).ok_or_else(|| {
            bad(format!(
                "[outliers] phi_estimator = \"{e}\": use \"mad\" or \"winsorised\""
            ))
        })?,
    };
    let outliers = crate::stages::outliers::flags::Settings {
        method: over
            .overdispersion
            .or(raw.outliers.overdispersion)
            .unwrap_or(crate::stats::overdispersion::Method::Multiplicative),
        capped: !over.uncapped && raw.outliers.capped.unwrap_or(true),
        estimator,
    };
    let lang = match over.lang {
        Some(l) => l,
        None => {
            crate::text::Lang::parse(raw.report.lang.as_deref().unwrap_or("nl")).map_err(bad)?
        }
    };
    // Each intervention against the run's periods, before anything is read.
    let labels: Vec<String> = periods.iter().map(|p| p.label()).collect();
    for iv in &raw.interventions {
        if labels.is_empty() {
            return Err(bad(format!(
                "[[interventions]] `{}` needs a run over several periods (`periods = \"…\"`)",
                iv.name
            )));
        }
        iv.check(&labels).map_err(bad)?;
    }
    let settings = Settings {
        interventions: raw.interventions,
        lang,
        outliers,
        focus,
        name,
        pipeline_file: pipeline.map(Path::to_path_buf),
        inputs,
        period,
        periods,
        extracted_on,
        shared_inputs,
        out,
        min_cell,
        levels,
        monitoring_levels,
        force: over.force,
        practice_cross_level,
        practices: raw.practices.enabled.unwrap_or(true),
        reference_vektis: raw
            .reference
            .vektis
            .map(|p| (rel(p), raw.reference.vektis_year)),
        reference_cbs: raw.reference.cbs.map(rel),
    };
    Ok(if one_period_folder {
        settings.for_period(period)
    } else {
        settings
    })
}

/// A run name becomes a folder name under `reports/runs/`: it may not be empty, climb out
/// (`..`, a path separator), hide itself (a leading dot) or carry control characters.
pub fn check_run_name(name: &str) -> std::result::Result<(), String> {
    let why = if name.trim().is_empty() {
        Some("is empty")
    } else if name.contains(['/', '\\']) {
        Some("contains a path separator")
    } else if name.contains("..") {
        Some("contains `..`")
    } else if name.starts_with('.') {
        Some("starts with a dot")
    } else if name.chars().any(char::is_control) {
        Some("contains a control character or a line break")
    } else {
        None
    };
    match why {
        Some(why) => Err(format!(
            "run name {name:?} {why}: a name is one plain folder name, e.g. \"wijkscan-2024Q3\""
        )),
        None => Ok(()),
    }
}

pub const DEFAULT_MIN_VOLUME: i64 = 100;

fn resolve_focus(raw: RawFocus) -> std::result::Result<FocusSettings, String> {
    use crate::stages::focus::segments::{builtin, builtin_named};
    let mut segments = match raw.builtin {
        None => builtin(),
        Some(names) => names
            .iter()
            .map(|n| {
                builtin_named(n).ok_or_else(|| {
                    let known: Vec<String> = builtin().into_iter().map(|s| s.name).collect();
                    format!(
                        "unknown built-in segment `{n}` (known: {})",
                        known.join(", ")
                    )
                })
            })
            .collect::<std::result::Result<_, _>>()?,
    };
    for s in raw.segments {
        if segments.iter().any(|x| x.name == s.name) {
            return Err(format!("segment name `{}` is used twice", s.name));
        }
        segments.push(s);
    }
    let areas = raw.areas.unwrap_or_default();
    for a in &areas {
        if Level::of_code(a).is_none() {
            return Err(format!(
                "focus area `{a}` is not a buurt (BU…), wijk (WK…) or gemeente (GM…) code"
            ));
        }
    }
    let min_volume = raw.min_volume.unwrap_or(DEFAULT_MIN_VOLUME);
    if min_volume < 1 {
        return Err(format!("min_volume must be at least 1, got {min_volume}"));
    }
    Ok(FocusSettings {
        areas,
        min_volume,
        segments,
        propose: raw.propose.unwrap_or(true),
        max_depth: raw.max_depth.unwrap_or(4).clamp(1, 4),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("p.toml");
        std::fs::write(&p, text).unwrap();
        (dir, p)
    }

    #[test]
    fn resolves_relative_paths_and_overrides() {
        let (dir, p) = write("period = \"2024Q3\"\nout = \"runs/x\"\n[inputs]\ndir = \"data\"\n[privacy]\nmin_cell = 5\n");
        let s = resolve(Some(&p), &Overrides::default()).unwrap();
        assert_eq!(s.inputs, dir.path().join("data"));
        assert_eq!(s.out, dir.path().join("runs/x"));
        assert_eq!(s.min_cell, 5);
        assert_eq!(s.levels.len(), 5);
        let over = Overrides {
            period: Some(Period::parse("2024").unwrap()),
            min_cell: Some(11),
            ..Default::default()
        };
        let s = resolve(Some(&p), &over).unwrap();
        assert_eq!(s.period.label(), "2024");
        assert_eq!(s.min_cell, 11);
    }

    #[test]
    fn monitoring_settings_and_their_errors() {
        let err = |text: &str| {
            let (_d, p) = write(text);
            resolve(Some(&p), &Overrides::default())
                .unwrap_err()
                .to_string()
        };
        let (_d, p) = write(
            "periods = \"2024Q1..2024Q3\"\n[inputs]\ndir = \"d\"\nareas = \"a.parquet\"\n[extracted_on]\n\"2024Q3\" = \"2025-02-01\"\n[monitoring]\nlevels = [\"wijk\"]\n",
        );
        let s = resolve(Some(&p), &Overrides::default()).unwrap();
        assert_eq!(s.periods.len(), 3);
        assert_eq!(s.period.label(), "2024Q3");
        assert_eq!(s.monitoring_levels, vec![Level::Wijk]);
        assert_eq!(s.shared_inputs[0].0, "areas");
        assert_eq!(
            s.for_period(s.periods[0]).inputs,
            _d.path().join("d").join("2024Q1")
        );
        let e = err("periods = \"2024Q1..2024\"\n[inputs]\ndir = \"d\"\n");
        assert!(e.contains("2024Q1..2024"), "{e}");
        let e = err("periods = \"2024Q1..2024Q3\"\nperiod = \"2024Q2\"\n[inputs]\ndir = \"d\"\n");
        assert!(e.contains("not the last of the periods"), "{e}");
        let e = err("periods = \"2024Q1..2024Q3\"\n[inputs]\ndir = \"d\"\n[extracted_on]\n\"2023Q4\" = \"2025-01-01\"\n");
        assert!(
            e.contains("`2023Q4`, which is not a period of the run"),
            "{e}"
        );
        let e = err("periods = \"2024Q1..2024Q3\"\n[inputs]\ndir = \"d\"\n[extracted_on]\n\"2024Q3\" = \"1 feb\"\n");
        assert!(e.contains("is not a date"), "{e}");
        let e = err("periods = \"2024Q1..2024Q3\"\n[inputs]\ndir = \"d\"\n[monitoring]\nlevels = [\"straat\"]\n");
        assert!(e.contains("straat"), "{e}");
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors() {
        let (_d, p) = write("period = \"2024Q3\"\nmin_cel = 5\n[inputs]\ndir = \"d\"\n");
        let e = resolve(Some(&p), &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("min_cel"), "{e}");
        let (_d, p) = write("period = \"2024Q9\"\n[inputs]\ndir = \"d\"\n");
        assert!(resolve(Some(&p), &Overrides::default()).is_err());
        let (_d, p) =
            write("period = \"2024Q1\"\n[inputs]\ndir = \"d\"\n[profile]\nlevels = [\"straat\"]\n");
        assert!(resolve(Some(&p), &Overrides::default())
            .unwrap_err()
            .to_string()
            .contains("straat"));
        let (_d, p) =
            write("period = \"2024Q1\"\n[inputs]\ndir = \"d\"\n[report]\nlang = \"de\"\n");
        let e = resolve(Some(&p), &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown language `de`"), "{e}");
        // [outliers]: the φ estimator and capping (defaults: mad, capped).
        let (_d, p) = write(
            "period = \"2024Q1\"\n[inputs]\ndir = \"d\"\n[outliers]\nphi_estimator = \"median\"\n",
        );
        let e = resolve(Some(&p), &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("phi_estimator") && e.contains("median"), "{e}");
        let (_d, p) = write("period = \"2024Q1\"\n[inputs]\ndir = \"d\"\n");
        let s = resolve(Some(&p), &Overrides::default()).unwrap();
        assert!(s.outliers.capped);
        assert_eq!(
            s.outliers.estimator,
            crate::stats::overdispersion::Estimator::Mad
        );
        let (_d, p) = write(
            "period = \"2024Q1\"\n[inputs]\ndir = \"d\"\n[outliers]\ncapped = false\nphi_estimator = \"winsorised\"\n",
        );
        let s = resolve(Some(&p), &Overrides::default()).unwrap();
        assert!(!s.outliers.capped);
        assert_eq!(
            s.outliers.estimator,
            crate::stats::overdispersion::Estimator::Winsorised
        );
        let (_d, p) =
            write("period = \"2024Q1\"\n[inputs]\ndir = \"d\"\n[report]\nlang = \"en\"\n");
        let s = resolve(Some(&p), &Overrides::default()).unwrap();
        assert_eq!(s.lang, crate::text::Lang::En);
        let over = Overrides {
            lang: Some(crate::text::Lang::Nl),
            ..Default::default()
        };
        assert_eq!(
            resolve(Some(&p), &over).unwrap().lang,
            crate::text::Lang::Nl
        );
    }
}
