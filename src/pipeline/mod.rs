//! The orchestrator: the only place that sequences stages and collects their plans. Every
//! entry point — `wijkscan run`, the stage commands (`profile`, `outliers`, `focus`), the
//! tests and the generator's self-checks — calls [`execute`] with the stage to go up to.
//!
//! - `profile`: validate → the claim-line pass → ledgers → persons → levels → small cells;
//! - this module: outliers and focus on the profile's frames, or all of it from a finished
//!   run's private cache;
//! - `write`: the run folder, written atomically (a hidden sibling folder first, renamed into
//!   place only when the whole run succeeded), then the charts and report drawn from it.

pub mod cache;
pub mod effects;
pub mod period;
pub mod profile_step;
mod references;
mod series;
pub mod write;

use references::References;

use crate::pipeline::profile_step::Profiled;
use profile_step::FileNames;

use crate::config::Settings;
use crate::error::{Error, Result};
use crate::problem::{format_problems, Problem};
use crate::progress::Reporter;
use crate::stages::inputs::input_set::{find_inputs_with, InputSet};
use crate::stages::inputs::validate::{self, Checked};
use crate::stages::profile::levels::Inputs;
use polars::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

/// What `validate` found: every problem, and the rows per input.
pub struct Validated {
    pub checked: Vec<Checked>,
    pub problems: Vec<Problem>,
    pub inputs: InputSet,
}

impl Validated {
    pub fn fatal(&self) -> bool {
        self.problems.iter().any(Problem::is_fatal)
    }
}

/// Checks all inputs; `claim_ids` adds the (heavier) conflicting-claim-id check, which a run
/// gets for free from its profile query instead.
pub fn validate(
    settings: &Settings,
    claim_ids: bool,
    reporter: &dyn Reporter,
) -> Result<Validated> {
    reporter.start("validate", None);
    let (inputs, mut problems) = find_inputs_with(&settings.inputs, &settings.shared_inputs);
    let checked = validate::check_all(&inputs, &settings.period);
    for c in &checked {
        problems.extend(c.problems.iter().cloned());
    }
    let mut laps = crate::progress::Laps::new("validate");
    // The optional map geometry is an input too: a broken file stops the run before any
    // work, features the maps cannot place are a warning.
    if let Some(path) = &inputs.geometry {
        let name = path.display().to_string();
        match crate::geometry::MapGeometry::read(path) {
            Err(message) => problems.push(Problem::error(&name, None, message)),
            Ok(g) => problems.extend(geometry_warnings(&name, &g)),
        }
        laps.lap("geometry");
    }
    if claim_ids {
        if let Some(c) = checked.iter().find(|c| c.file.spec.name == "zvw_claims") {
            if let Some(typed) = &c.typed {
                if let Some(p) = crate::stages::inputs::claim_identity::claim_id_conflicts(
                    typed,
                    &c.file.display_name(),
                )? {
                    problems.push(p);
                }
            }
        }
    }
    reporter.finish();
    Ok(Validated {
        checked,
        problems,
        inputs,
    })
}

/// Most invalid or degenerate features named one by one; the rest are counted.
const MAX_SHAPE_WARNINGS: usize = 20;

/// Warnings about the map geometry: features without a code, and each feature whose shape
/// was invalid or degenerate (fixed, drawn or skipped; never fatal).
fn geometry_warnings(name: &str, g: &crate::geometry::MapGeometry) -> Vec<Problem> {
    let mut out = Vec::new();
    if g.uncoded > 0 {
        out.push(Problem::warning(
            name,
            None,
            format!(
                "{} feature{} without a CBS buurt, wijk or gemeente code in any property, left out of the maps",
                g.uncoded,
                if g.uncoded == 1 { "" } else { "s" }
            ),
        ));
    }
    for w in g.warnings.iter().take(MAX_SHAPE_WARNINGS) {
        out.push(Problem::warning(name, None, w.clone()));
    }
    if g.warnings.len() > MAX_SHAPE_WARNINGS {
        out.push(Problem::warning(
            name,
            None,
            format!(
                "{} more features with invalid or degenerate shapes",
                g.warnings.len() - MAX_SHAPE_WARNINGS
            ),
        ));
    }
    out
}

/// The file-level checks of every input (`validate::check_structure`: files found, readable,
/// the contract's columns and types), without reading rows.
pub fn check_structure(settings: &Settings) -> Vec<Problem> {
    let (inputs, mut problems) = find_inputs_with(&settings.inputs, &settings.shared_inputs);
    for f in &inputs.files {
        if let Err(p) = validate::check_structure(f) {
            problems.extend(p);
        }
    }
    problems
}

/// Validates the inputs and types them; fails with every fatal problem.
pub fn load_inputs(settings: &Settings, reporter: &dyn Reporter) -> Result<(Validated, Inputs)> {
    let validated = validate(settings, false, reporter)?;
    if validated.fatal() {
        return Err(Error::Input {
            report: format_problems(&validated.problems),
        });
    }
    let inputs = typed_inputs(&validated)?;
    Ok((validated, inputs))
}

pub fn file_names(v: &Validated) -> FileNames {
    let name = |n: &str| {
        v.inputs
            .get(n)
            .map(|f| f.display_name())
            .unwrap_or_else(|| n.to_string())
    };
    FileNames {
        insured: name("insured"),
        zvw_claims: name("zvw_claims"),
        norm_costs: name("norm_costs"),
    }
}

/// The typed frames of a validation without fatal problems.
pub fn typed_inputs(v: &Validated) -> Result<Inputs> {
    let get = |name: &str| -> Result<LazyFrame> {
        v.checked
            .iter()
            .find(|c| c.file.spec.name == name)
            .and_then(|c| c.typed.clone())
            .ok_or_else(|| Error::Other(format!("input `{name}` is not usable")))
    };
    Ok(Inputs {
        insured: get("insured")?,
        claims: get("zvw_claims")?,
        wmo: get("wmo_provisions")?,
        norm: get("norm_costs")?,
        areas: get("areas")?,
        claims_total: v
            .checked
            .iter()
            .find(|c| c.file.spec.name == "zvw_claims")
            .and_then(|c| c.amount_cents.map(|cents| (c.rows as i64, cents))),
        claims_newest_day: v
            .checked
            .iter()
            .find(|c| c.file.spec.name == "zvw_claims")
            .and_then(|c| c.newest_service_day),
        gp_practices: v
            .checked
            .iter()
            .find(|c| c.file.spec.name == crate::columns::GP_PRACTICES.name)
            .and_then(|c| c.typed.clone()),
    })
}

/// Refuses to start unless the run may be written to `settings.out`: a new name, an empty
/// folder, or with `--force` an earlier run folder (`run_folder::check_target`). Decided before
/// anything is touched, so a refused run changes nothing.
pub fn check_out(settings: &Settings) -> Result<()> {
    let mut protected: Vec<&Path> = vec![settings.inputs.as_path()];
    protected.extend(settings.shared_inputs.iter().map(|(_, p)| p.as_path()));
    protected.extend(settings.pipeline_file.as_deref());
    protected.extend(settings.reference_vektis.as_ref().map(|(p, _)| p.as_path()));
    protected.extend(settings.reference_cbs.as_deref());
    crate::run_folder::check_target(&settings.out, settings.force, &protected)
        .map_err(Error::Output)?;
    // A killed earlier run may have left a staging folder, or the previous run renamed aside
    // (which then goes back to its name).
    let existed = settings.out.exists();
    crate::run_folder::recover(&settings.out)?;
    if !existed && settings.out.exists() && !settings.force {
        return Err(Error::Output(format!(
            "run folder `{}` already exists (an earlier run, put back); use `--force` to replace it",
            settings.out.display()
        )));
    }
    Ok(())
}

/// How far a run goes. Each stage includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// The profile, ledgers and small-cell protection (the person frame kept in memory).
    Profile,
    /// … and the outlier flags (METHODS 1–4).
    Outliers,
    /// … and the focus-area segments (SPEC 3.5).
    Focus,
    /// … and the run folder: tables, manifest, charts, report, private cache.
    Publish,
}

/// Flags, fits and the cost basis, from `stages::outliers::flags::detect`.
pub type Outliers = crate::stages::outliers::flags::Detected;

/// What a run computed, up to the stage asked for.
pub struct Computed {
    /// The inputs' validation; `None` when the profile came from a run's private cache.
    pub validated: Option<Validated>,
    pub profiled: Profiled,
    pub outliers: Option<Outliers>,
    pub focused: Option<crate::stages::focus::groups::Focused>,
    /// The earlier periods and the changes between periods, for a monitoring run.
    pub monitoring: Option<period::Monitoring>,
    /// The GP-practice view (SPEC 3.7) of the run's (last) period, when publishing.
    pub practices: Option<crate::stages::practices::view::PracticeView>,
    /// The reference tables of `[reference]`, read once.
    pub references: References,
    /// Seconds per stage, for the manifest.
    pub timings: BTreeMap<String, f64>,
}

impl Computed {
    /// Warnings of validation and of the profile, for the terminal and the manifest.
    pub fn warnings(&self) -> Vec<Problem> {
        let mut warnings: Vec<Problem> = self
            .validated
            .iter()
            .flat_map(|v| v.problems.iter().filter(|p| !p.is_fatal()).cloned())
            .collect();
        warnings.extend(self.profiled.warnings.iter().cloned());
        warnings
    }
}

/// Where a run's profile comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source<'a> {
    /// Validate and profile the inputs named by the settings.
    Inputs,
    /// The private cache of this finished run folder when it belongs to it (same inputs,
    /// period and min_cell), else the inputs.
    CacheOf(&'a Path),
}

/// Runs the stages up to `upto`. `Stage::Publish` writes the run folder (`settings.out`).
pub fn execute(
    settings: &Settings,
    upto: Stage,
    source: Source,
    reporter: &dyn Reporter,
) -> Result<Computed> {
    if upto == Stage::Publish {
        check_out(settings)?;
    }
    // Segment filters are checked before any data is read.
    let segments = if upto >= Stage::Focus {
        compile_segments(settings)?
    } else {
        Vec::new()
    };
    let references = References::load(settings)?;
    let mut timings = BTreeMap::new();
    let cached = match source {
        Source::CacheOf(dir) => cache::read(dir, settings.min_cell)?.inspect(|_| {
            eprintln!(
                "using the private cache of run `{}` ({})",
                dir.display(),
                cache::dir(dir).display()
            )
        }),
        Source::Inputs => None,
    };
    let (validated, mut profiled, inputs) = match cached {
        Some(p) => (None, p, None),
        None => {
            let t = Instant::now();
            let (validated, inputs) = load_inputs(settings, reporter)?;
            timings.insert("validate".to_string(), t.elapsed().as_secs_f64());
            crate::run_folder::abort_point("validate");
            let profiled = profile_step(
                settings,
                &validated,
                &inputs,
                &references,
                &mut timings,
                reporter,
            )?;
            (Some(validated), profiled, Some(inputs))
        }
    };
    let outliers = if upto >= Stage::Outliers {
        Some(outliers_step(
            settings,
            &mut profiled,
            upto == Stage::Publish,
            None,
            &references,
            &mut timings,
            reporter,
        )?)
    } else {
        None
    };
    let focused = if upto >= Stage::Focus {
        Some(focus_step(
            settings,
            &segments,
            None,
            &profiled,
            true,
            &mut timings,
            reporter,
        )?)
    } else {
        None
    };
    let practices = match (&outliers, &inputs, upto == Stage::Publish) {
        (Some(o), Some(i), true) if settings.practices => Some(practices_step(
            settings,
            &profiled,
            i,
            o,
            &mut timings,
            reporter,
        )?),
        _ => None,
    };
    let mut computed = Computed {
        validated,
        profiled,
        outliers,
        focused,
        monitoring: None,
        practices,
        references,
        timings,
    };
    if upto == Stage::Publish {
        write::publish(settings, &mut computed, reporter)?;
    }
    Ok(computed)
}

/// The run: validate → profile → reconcile → suppress → outliers → focus → write; with
/// several periods, the same per period and the monitoring between them (`monitor`).
pub fn run(settings: &Settings, reporter: &dyn Reporter) -> Result<Computed> {
    if settings.periods.is_empty() {
        execute(settings, Stage::Publish, Source::Inputs, reporter)
    } else {
        series::run(settings, reporter)
    }
}

/// The segment filters of the settings, compiled (a bad filter names the pipeline file).
fn compile_segments(
    settings: &Settings,
) -> Result<Vec<crate::stages::focus::segment_rows::Segment>> {
    crate::stages::focus::groups::compile_all(&settings.focus.segments).map_err(|e| Error::Config {
        path: settings
            .pipeline_file
            .clone()
            .unwrap_or_else(|| "command line".into()),
        message: e.to_string(),
    })
}

/// The profile stages on validated, typed inputs.
fn profile_step(
    settings: &Settings,
    validated: &Validated,
    inputs: &Inputs,
    references: &References,
    timings: &mut BTreeMap<String, f64>,
    reporter: &dyn Reporter,
) -> Result<Profiled> {
    let t = Instant::now();
    let profiled = profile_step::profile(
        inputs,
        &settings.period,
        settings.min_cell,
        &file_names(validated),
        settings.practices,
        references.cbs.as_ref().map(|c| &c.residents),
        reporter,
    )?;
    add_time(timings, "profile", t);
    crate::run_folder::abort_point("profile");
    Ok(profiled)
}

/// The outlier flags; when publishing, the O/E the flags judge goes beside the profile's own,
/// so the funnel chart can be redrawn from the run folder (null where not judged).
fn outliers_step(
    settings: &Settings,
    profiled: &mut Profiled,
    publish: bool,
    basis: Option<&crate::stages::outliers::basis::Basis>,
    references: &References,
    timings: &mut BTreeMap<String, f64>,
    reporter: &dyn Reporter,
) -> Result<Outliers> {
    let t = Instant::now();
    reporter.start("outliers", None);
    let detected = match basis {
        // A monitoring run has the period's cost basis already (its changes are judged on it).
        Some(b) => crate::stages::outliers::flags::detect_on(
            &profiled.raw,
            &profiled.profile,
            b,
            settings.outliers,
            settings.min_cell,
        )?,
        None => crate::stages::outliers::flags::detect(
            &profiled.raw,
            &profiled.profile,
            &profiled.persons,
            settings.outliers,
            settings.min_cell,
        )?,
    };
    if publish {
        profiled.profile.with_column(Column::new(
            crate::columns::OE_FOR_FLAGS.into(),
            detected.oe_for_flags.clone(),
        ))?;
        national_columns(references, profiled)?;
    }
    reporter.finish();
    add_time(timings, "outliers", t);
    crate::run_folder::abort_point("outliers");
    Ok(detected)
}

fn focus_step(
    settings: &Settings,
    segments: &[crate::stages::focus::segment_rows::Segment],
    fixed: Option<&crate::stages::focus::groups::FixedSegments>,
    profiled: &Profiled,
    keep_features: bool,
    timings: &mut BTreeMap<String, f64>,
    reporter: &dyn Reporter,
) -> Result<crate::stages::focus::groups::Focused> {
    let t = Instant::now();
    reporter.start("focus", None);
    let focused = crate::stages::focus::groups::run_with(
        &profiled.persons,
        segments,
        fixed,
        &settings.focus,
        settings.min_cell,
        keep_features,
    )?;
    reporter.finish();
    add_time(timings, "focus", t);
    crate::run_folder::abort_point("focus");
    Ok(focused)
}

/// "Against Nederland" (issue #10): expected cost at the national amounts of the Vektis table
/// named by `[reference] vektis`, O/E against it and the gemeente's all-insurer cost per
/// insured year; null columns without a table, and null on suppressed rows.
fn national_columns(references: &References, profiled: &mut Profiled) -> Result<()> {
    use crate::columns::{EXPECTED_NL, GEMEENTE_VEKTIS, OE_NL};
    use crate::stages::profile::national;
    let n = profiled.profile.height();
    let (expected, gemeente) = match &references.vektis {
        None => (vec![None; n], vec![None; n]),
        Some(v) => national::per_area(&profiled.persons, &profiled.raw, &v.national)?,
    };
    let hidden: Vec<bool> = crate::frame::bools(&profiled.profile, "suppressed", true)?;
    let cents = crate::frame::floats(&profiled.raw, "zvw_cents")?;
    let shown = |v: &[Option<f64>]| -> Vec<Option<f64>> {
        v.iter()
            .zip(&hidden)
            .map(|(v, h)| if *h { None } else { *v })
            .collect()
    };
    let oe: Vec<Option<f64>> = (0..n)
        .map(|i| match (cents[i], expected[i]) {
            (Some(c), Some(e)) if e > 0.0 => Some(c / 100.0 / e),
            _ => None,
        })
        .collect();
    for (name, v) in [
        (EXPECTED_NL, shown(&expected)),
        (OE_NL, shown(&oe)),
        (GEMEENTE_VEKTIS, shown(&gemeente)),
    ] {
        profiled.profile.with_column(Column::new(name.into(), v))?;
    }
    Ok(())
}

/// The GP-practice view on the profile's person frame (SPEC 3.7): practices, the practice ×
/// area cross table and both populations per focus area.
fn practices_step(
    settings: &Settings,
    profiled: &Profiled,
    inputs: &Inputs,
    outliers: &Outliers,
    timings: &mut BTreeMap<String, f64>,
    reporter: &dyn Reporter,
) -> Result<crate::stages::practices::view::PracticeView> {
    let t = Instant::now();
    reporter.start("practices", None);
    let focus_areas: Vec<String> = if settings.focus.areas.is_empty() {
        crate::frame::strings(&profiled.raw, "area_code")?
            .into_iter()
            .zip(crate::frame::strings(&profiled.raw, "level")?)
            .filter(|(_, l)| l.as_deref() == Some("gemeente"))
            .filter_map(|(c, _)| c)
            .collect()
    } else {
        settings.focus.areas.clone()
    };
    let oe_for_flags = outliers.oe_for_flags.clone();
    let view = crate::stages::practices::build::build(
        &profiled.persons,
        &crate::stages::practices::view::Context {
            list: profiled.practice_list.as_ref(),
            norm: inputs.norm.clone(),
            areas: inputs.areas.clone(),
            area_raw: &profiled.raw,
            area_profile: &profiled.profile,
            area_oe_for_flags: &oe_for_flags,
            basis: &outliers.practices,
            kappa: outliers.basis.kappa,
            pooled_s: outliers.pooled_s,
            capped: outliers.basis.capped,
            outliers: settings.outliers,
            focus_areas: &focus_areas,
            min_cell: settings.min_cell,
            cross_level: settings.practice_cross_level,
        },
    )?;
    if !view.ledger.balanced {
        return Err(Error::Other(format!(
            "the practice buckets do not add up to the area total: {:?}",
            view.ledger
        )));
    }
    reporter.finish();
    add_time(timings, "practices", t);
    Ok(view)
}

/// Adds a stage's seconds (summed over the periods of a monitoring run).
fn add_time(timings: &mut BTreeMap<String, f64>, stage: &str, started: Instant) {
    *timings.entry(stage.to_string()).or_insert(0.0) += started.elapsed().as_secs_f64();
}

/// [`execute`] on a folder of inputs with default settings (tests and the generator's
/// self-checks), silently.
pub fn execute_folder(
    dir: &Path,
    period: &crate::domain::Period,
    min_cell: i64,
    upto: Stage,
) -> Result<Computed> {
    let settings = Settings::for_inputs(dir, *period, min_cell);
    execute(&settings, upto, Source::Inputs, &crate::progress::Silent)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each bad feature is a warning naming it, up to a limit; the rest are counted, so a
    /// map of thousands of broken shapes does not flood the terminal.
    #[test]
    fn geometry_warnings_name_each_feature_up_to_a_limit() {
        let g = crate::geometry::MapGeometry {
            warnings: (0..25)
                .map(|i| format!("feature BU{i:08}: zero area"))
                .collect(),
            ..Default::default()
        };
        let w = geometry_warnings("g.geojson", &g);
        assert_eq!(w.len(), MAX_SHAPE_WARNINGS + 1);
        assert!(w.iter().all(|p| !p.is_fatal() && p.file == "g.geojson"));
        assert_eq!(w[0].message, "feature BU00000000: zero area");
        assert_eq!(
            w[20].message,
            "5 more features with invalid or degenerate shapes"
        );
    }
}
