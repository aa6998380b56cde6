//! `wijkscan sample`: seeded, deterministic, realistic synthetic extracts of any size.
//!
//! Persons are generated in chunks (in parallel with rayon, each chunk with its own seeded
//! generator) and written in order through batched Parquet writers, so 2 million persons and
//! tens of millions of claim lines never sit in memory at once. Areas, norm costs and the
//! geometry follow from the generated population. See `calibration.rs` for the cost model's
//! source and `people.rs` for its shape and the dirt it plants.

pub mod calibration;
pub mod effect;
pub mod geography;
pub mod people;
pub mod practices;
pub mod seed;
pub mod series;
mod world;

use crate::domain::{epoch_days, Period, CARE_TYPES};
use crate::error::{Error, Result};
use crate::progress::Reporter;
use people::{Chunk, Plan};
use polars::prelude::*;
use rand::Rng;
use rand_distr::{Distribution, Normal};
use rayon::prelude::*;
use std::path::Path;

pub struct SampleOptions {
    pub persons: usize,
    pub period: Period,
    pub seed: u64,
    /// Claim lines per person per insured year (SPEC 6: ≈ 60 million a year for 2.1 million).
    pub lines_per_person_year: f64,
    /// Plant realistic dirt: duplicates, corrections, out-of-period and unassigned claims,
    /// unknown pc5s, Wmo clients who are not insured, provisions that ended before the period.
    pub dirt: bool,
}

impl Default for SampleOptions {
    fn default() -> Self {
        SampleOptions {
            persons: 20_000,
            period: Period::parse("2024Q3").expect("valid period"),
            seed: 42,
            lines_per_person_year: 28.0,
            dirt: true,
        }
    }
}

pub struct SampleSummary {
    pub files: Vec<(String, u64)>,
    pub planted: Vec<String>,
}

const CHUNK: u64 = 25_000;

/// Planted deviations: (area code prefix, care type or None for all, factor, description).
const PLANTED: [(&str, Option<&str>, f64, &str); 3] = [
    (
        "WK015303",
        Some("msz"),
        1.5,
        "wijk WK015303 (Enschede): medisch-specialistische zorg × 1.5",
    ),
    (
        "BU02020501",
        Some("ggz_specialistisch"),
        2.0,
        "buurt BU02020501 (Arnhem): specialistische GGZ × 2",
    ),
    (
        "WK001404",
        None,
        0.7,
        "wijk WK001404 (Groningen): all Zvw care × 0.7",
    ),
];

pub(super) fn io(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Output(format!("cannot write `{}`: {e}", path.display()))
}

fn dates(name: &str, days: Vec<i32>) -> PolarsResult<Column> {
    Column::new(name.into(), days).cast(&DataType::Date)
}

fn opt_dates(name: &str, days: Vec<Option<i32>>) -> PolarsResult<Column> {
    Column::new(name.into(), days).cast(&DataType::Date)
}

pub(super) fn frames(c: Chunk) -> PolarsResult<(DataFrame, DataFrame, DataFrame)> {
    let insured = DataFrame::new_infer_height(vec![
        Column::new("person_id".into(), c.person_id),
        Column::new("pc5".into(), c.pc5),
        Column::new("age".into(), c.age),
        Column::new("sex".into(), c.sex),
        Column::new("gp_practice_id".into(), c.gp),
        Column::new("insured_days".into(), c.insured_days),
        Column::new("household".into(), c.household),
        Column::new("education".into(), c.education),
        Column::new("social_minimum".into(), c.social_minimum),
    ])?;
    let claims = DataFrame::new_infer_height(vec![
        Column::new("claim_id".into(), c.claim_id),
        Column::new("person_id".into(), c.claim_person),
        dates("service_date", c.service_date)?,
        Column::new("care_type".into(), c.care_type),
        Column::new("amount_eur".into(), c.amount),
    ])?;
    let wmo = DataFrame::new_infer_height(vec![
        Column::new("provision_id".into(), c.provision_id),
        Column::new("person_id".into(), c.wmo_person),
        Column::new("pc5".into(), c.wmo_pc5),
        Column::new("provision_type".into(), c.provision_type),
        dates("start_date", c.start_date)?,
        opt_dates("end_date", c.end_date)?,
        Column::new("cost_eur".into(), c.cost),
    ])?;
    Ok((insured, claims, wmo))
}

pub(super) struct Sink {
    path: std::path::PathBuf,
    writer: Option<polars::io::parquet::write::BatchedWriter<std::fs::File>>,
    rows: u64,
}

impl Sink {
    pub(super) fn new(path: std::path::PathBuf) -> Sink {
        Sink {
            path,
            writer: None,
            rows: 0,
        }
    }
    pub(super) fn write(&mut self, df: &DataFrame) -> Result<()> {
        if self.writer.is_none() {
            let f = std::fs::File::create(&self.path).map_err(|e| io(&self.path, e))?;
            self.writer = Some(
                ParquetWriter::new(f)
                    .batched(df.schema())
                    .map_err(|e| io(&self.path, e))?,
            );
        }
        if let Some(w) = self.writer.as_mut() {
            w.write_batch(df).map_err(|e| io(&self.path, e))?;
        }
        self.rows += df.height() as u64;
        Ok(())
    }
    pub(super) fn finish(self) -> Result<(String, u64)> {
        if let Some(w) = self.writer {
            w.finish().map_err(|e| io(&self.path, e))?;
        }
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        Ok((name, self.rows))
    }
}

/// The file that marks a folder as written by `wijkscan sample`, so `--force` may write over it
/// (and over nothing else: a folder of real extracts has no such file).
pub const MARKER: &str = ".wijkscan-sample";

/// Marks `dir` as a sample folder.
pub(crate) fn write_marker(dir: &Path) -> Result<()> {
    let path = dir.join(MARKER);
    std::fs::write(
        &path,
        "Written by `wijkscan sample`: synthetic data. `wijkscan sample --force` may write over \
         this folder.\n",
    )
    .map_err(|e| io(&path, e))
}

/// Writes the five inputs and `geometry.geojson` into `out_dir`.
pub fn generate(
    opts: &SampleOptions,
    out_dir: &Path,
    reporter: &dyn Reporter,
) -> Result<SampleSummary> {
    if opts.persons == 0 {
        return Err(Error::Other("a sample needs at least one person".into()));
    }
    std::fs::create_dir_all(out_dir).map_err(|e| io(out_dir, e))?;
    write_marker(out_dir)?;
    let world::World {
        areas,
        cum_weights,
        effect: area_factor,
        mut rng,
    } = world::world(opts.persons, opts.seed);
    let planted: Vec<[f64; 13]> = areas
        .iter()
        .zip(&area_factor)
        .map(|(a, effect)| {
            let mut f = [*effect; 13];
            for (code, ct, factor, _) in PLANTED {
                if a.wijk_code == code || a.buurt_code == code {
                    for (i, c) in CARE_TYPES.iter().enumerate() {
                        if ct.is_none_or(|ct| ct == *c) {
                            f[i] *= factor;
                        }
                    }
                }
            }
            f
        })
        .collect();
    let practice_plan = practices::plan(&areas, opts.persons, opts.seed);
    let plan = Plan {
        practices: &practice_plan,
        seed: opts.seed,
        areas: &areas,
        cum_weights,
        planted,
        start: epoch_days(opts.period.start),
        end: epoch_days(opts.period.end),
        days: opts.period.days() as i32,
        lines_per_person_year: opts.lines_per_person_year,
        dirt: opts.dirt,
    };

    let total = opts.persons as u64;
    let chunks: Vec<(u64, u64, u64)> = (0..total.div_ceil(CHUNK))
        .map(|c| (c, c * CHUNK, CHUNK.min(total - c * CHUNK)))
        .collect();
    reporter.start("sample", Some(chunks.len() as u64));
    let mut insured = Sink::new(out_dir.join("insured.parquet"));
    let mut claims = Sink::new(out_dir.join("zvw_claims.parquet"));
    let mut wmo = Sink::new(out_dir.join("wmo_provisions.parquet"));
    let mut per_area = vec![(0u64, 0.0f64, 0.0f64); areas.len()];
    // Waves of chunks: generated in parallel, written in order; memory stays a few chunks.
    let wave = rayon::current_num_threads().max(1) * 2;
    for group in chunks.chunks(wave) {
        let generated: Vec<Chunk> = group
            .par_iter()
            .map(|&(c, first, n)| plan.chunk(c, first, n))
            .collect();
        for chunk in generated {
            for (a, b) in per_area.iter_mut().zip(&chunk.per_area) {
                a.0 += b.0;
                a.1 += b.1;
                a.2 += b.2;
            }
            let (i, c, w) = frames(chunk)?;
            insured.write(&i)?;
            claims.write(&c)?;
            wmo.write(&w)?;
            reporter.advance(1);
        }
    }
    reporter.finish();
    let mut files = vec![insured.finish()?, claims.finish()?, wmo.finish()?];

    // Areas: residents from the insured count and a market share; a few unknown (dirt).
    let mut residents = Vec::new();
    for (a, _) in per_area.iter().zip(&areas) {
        let share = rng.gen_range(0.35..0.55);
        let r = ((a.0 as f64 / share).round() as i64).max(a.0 as i64);
        residents.push(if opts.dirt && rng.gen_bool(0.02) {
            None
        } else {
            Some(r)
        });
    }
    let mut areas_df = df!(
        "pc5" => areas.iter().map(|a| a.pc5.clone()).collect::<Vec<_>>(),
        "buurt_code" => areas.iter().map(|a| a.buurt_code.clone()).collect::<Vec<_>>(),
        "buurt_name" => areas.iter().map(|a| a.buurt_name.clone()).collect::<Vec<_>>(),
        "wijk_code" => areas.iter().map(|a| a.wijk_code.clone()).collect::<Vec<_>>(),
        "wijk_name" => areas.iter().map(|a| a.wijk_name.clone()).collect::<Vec<_>>(),
        "gemeente_code" => areas.iter().map(|a| a.gemeente_code.clone()).collect::<Vec<_>>(),
        "gemeente_name" => areas.iter().map(|a| a.gemeente_name.clone()).collect::<Vec<_>>(),
        "residents" => residents,
    )?;
    let path = out_dir.join("areas.parquet");
    ParquetWriter::new(std::fs::File::create(&path).map_err(|e| io(&path, e))?)
        .finish(&mut areas_df)?;
    files.push(("areas.parquet".into(), areas_df.height() as u64));

    // Norm costs track the age/sex risk of each pc5 but differ from actual cost; a few pc5s
    // have none, a few have insured years off by more than 2%, one row has an unknown pc5.
    let noise = Normal::<f64>::new(1.0, 0.06).map_err(|e| Error::Other(e.to_string()))?;
    let (mut pc5, mut years, mut cost) = (Vec::new(), Vec::new(), Vec::new());
    for (a, area) in per_area.iter().zip(&areas) {
        if a.0 == 0 || (opts.dirt && rng.gen_bool(0.01)) {
            continue;
        }
        let off = if opts.dirt && rng.gen_bool(0.01) {
            1.05
        } else {
            1.0 + rng.gen_range(-0.004..0.004)
        };
        pc5.push(area.pc5.clone());
        years.push((a.1 * off * 1e4).round() / 1e4);
        cost.push((a.2 * noise.sample(&mut rng).max(0.5) * 100.0).round() / 100.0);
    }
    if opts.dirt {
        pc5.push(geography::UNKNOWN_PC5[0].to_string());
        years.push(12.5);
        cost.push(40_000.0);
    }
    let mut norm_df = df!("pc5" => pc5, "insured_years" => years, "norm_cost_eur" => cost)?;
    let path = out_dir.join("norm_costs.parquet");
    ParquetWriter::new(std::fs::File::create(&path).map_err(|e| io(&path, e))?)
        .finish(&mut norm_df)?;
    files.push(("norm_costs.parquet".into(), norm_df.height() as u64));

    let path = out_dir.join("gp_practices.parquet");
    let rows = practices::write_list(&practice_plan, &path)?;
    files.push(("gp_practices.parquet".into(), rows));

    let geo = geography::geometry(&areas);
    let path = out_dir.join(crate::columns::GEOMETRY_FILE);
    let text = serde_json::to_string(&geo).map_err(|e| Error::Other(e.to_string()))?;
    std::fs::write(&path, text).map_err(|e| io(&path, e))?;
    files.push((
        crate::columns::GEOMETRY_FILE.into(),
        geo["features"].as_array().map_or(0, |f| f.len()) as u64,
    ));

    Ok(SampleSummary {
        files,
        planted: PLANTED.iter().map(|p| p.3.to_string()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::Stage;
    use crate::progress::Silent;

    fn make(dir: &Path, seed: u64, dirt: bool) {
        let opts = SampleOptions {
            persons: 3_000,
            seed,
            dirt,
            ..SampleOptions::default()
        };
        generate(&opts, dir, &Silent).unwrap();
    }

    fn bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| {
                (
                    p.file_name().unwrap().to_string_lossy().to_string(),
                    std::fs::read(&p).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_data() {
        let (a, b, c) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        make(a.path(), 7, true);
        make(b.path(), 7, true);
        make(c.path(), 8, true);
        assert_eq!(bytes(a.path()), bytes(b.path()));
        let (x, z) = (bytes(a.path()), bytes(c.path()));
        let claims = |v: &Vec<(String, Vec<u8>)>| {
            v.iter()
                .find(|f| f.0 == "zvw_claims.parquet")
                .unwrap()
                .1
                .clone()
        };
        assert_ne!(claims(&x), claims(&z));
    }

    /// The generated files pass the program's own contract checks, and the dirt lands in
    /// every bucket of the reconciliation — or in none when asked for clean data.
    #[test]
    fn valid_inputs_with_dirt_only_when_asked() {
        let period = Period::parse("2024Q3").unwrap();
        for dirt in [true, false] {
            let dir = tempfile::tempdir().unwrap();
            make(dir.path(), 3, dirt);
            // Fails with every fatal problem, so the files pass the contract checks.
            let c =
                crate::pipeline::execute_folder(dir.path(), &period, 10, Stage::Profile).unwrap();
            let p = c.profiled;
            for b in &p.zvw.buckets[..4] {
                assert_eq!(b.rows > 0, dirt, "zvw bucket {} with dirt={dirt}", b.bucket);
            }
            for b in &p.wmo.buckets[..2] {
                assert_eq!(b.rows > 0, dirt, "wmo bucket {} with dirt={dirt}", b.bucket);
            }
            // Wmo clients who are not insured, open-ended provisions, and small pc5s.
            let wmo = LazyFrame::scan_parquet(
                PlRefPath::new(
                    dir.path()
                        .join("wmo_provisions.parquet")
                        .to_string_lossy()
                        .as_ref(),
                ),
                Default::default(),
            )
            .unwrap()
            .select([
                col("person_id")
                    .str()
                    .starts_with(lit("W"))
                    .sum()
                    .alias("not_insured"),
                col("end_date").is_null().sum().alias("open"),
            ])
            .collect()
            .unwrap();
            assert!(
                wmo.column("not_insured")
                    .unwrap()
                    .get(0)
                    .unwrap()
                    .extract::<u64>()
                    .unwrap()
                    > 0
            );
            assert!(
                wmo.column("open")
                    .unwrap()
                    .get(0)
                    .unwrap()
                    .extract::<u64>()
                    .unwrap()
                    > 0
            );
            assert!(p.suppression.primary_rows > 0);
        }
    }
}
