//! Outlier flags on generated data: the planted deviation is found, a comparable area without
//! one is not, and nothing suppressed is ever flagged.

use polars::prelude::*;
use wijkscan::domain::Period;
use wijkscan::pipeline;
use wijkscan::pipeline::Stage;
use wijkscan::progress::Silent;
use wijkscan::sample::{generate, SampleOptions};
use wijkscan::stages::outliers::flags::{detect, Settings};
use wijkscan::stats::overdispersion::Method;

#[test]
fn the_planted_msz_wijk_is_flagged_and_a_like_sized_wijk_is_not() {
    // One year of 80,000 persons: wijk WK015303 (Enschede) has msz × 1.5 planted.
    let dir = tempfile::tempdir().unwrap();
    let period = Period::parse("2024").unwrap();
    let opts = SampleOptions {
        persons: 80_000,
        period,
        seed: 5,
        dirt: false,
        ..Default::default()
    };
    generate(&opts, dir.path(), &Silent).unwrap();
    let p = pipeline::execute_folder(dir.path(), &period, 10, Stage::Profile)
        .unwrap()
        .profiled;
    // Default settings: capped costs, multiplicative correction, φ from the MAD of z.
    let d = detect(&p.raw, &p.profile, &p.persons, Settings::default(), 10).unwrap();
    let (flags, fits) = (&d.flags, &d.fits);
    let msz = "zvw_msz_per_insured_year";
    let planted = flags
        .iter()
        .find(|f| f.area_code == "WK015303" && f.metric == msz);
    let planted = planted.unwrap_or_else(|| {
        panic!(
            "WK015303 not flagged; fits {:?}",
            fits.iter()
                .find(|f| f.metric == msz && f.level.as_str() == "wijk")
        )
    });
    assert_eq!(planted.direction, "high");
    assert!(planted.observed > 1.3 * planted.expected, "{planted:?}");

    // The Enschede wijk closest in insured years, without a plant, is not flagged on msz.
    let wijken = p
        .raw
        .clone()
        .lazy()
        .filter(
            col("level")
                .eq(lit("wijk"))
                .and(col("area_code").str().starts_with(lit("WK0153"))),
        )
        .select([col("area_code"), col("insured_days")])
        .collect()
        .unwrap();
    let codes: Vec<String> = wijken
        .column("area_code")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.unwrap().to_string())
        .collect();
    let days: Vec<i64> = wijken
        .column("insured_days")
        .unwrap()
        .i64()
        .unwrap()
        .iter()
        .map(|v| v.unwrap())
        .collect();
    let size = days[codes.iter().position(|c| c == "WK015303").unwrap()];
    let control = codes
        .iter()
        .zip(&days)
        .filter(|(c, _)| c.as_str() != "WK015303")
        .min_by_key(|(_, d)| (*d - size).abs())
        .unwrap()
        .0;
    assert!(
        !flags
            .iter()
            .any(|f| &f.area_code == control && f.metric == msz),
        "control wijk {control} flagged on msz"
    );
    // Costs were capped, per metric, and the basis says how much cost that removed.
    assert!(d.basis.capped);
    assert_eq!(d.basis.caps.len(), 1 + wijkscan::domain::CARE_TYPES.len());
    assert!(d.basis.caps[0].share_of_cost_removed > 0.0 && d.basis.kappa < 1.0);
}

/// The shipped sample has area effects beyond the norm (the generator's wijk and pc5 effects),
/// so φ > 1 at wijk and buurt level for O/E. The limits widen only where φ exceeds its chance
/// threshold (METHODS 4.4): there the multiplicative correction shrinks every z, elsewhere it
/// leaves z as it is.
#[test]
fn the_sample_is_overdispersed_and_the_correction_acts_only_where_it_is_evidence() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data-samples");
    let period = Period::parse("2024Q3").unwrap();
    let p = pipeline::execute_folder(&dir, &period, 10, Stage::Profile)
        .unwrap()
        .profiled;
    let d = detect(&p.raw, &p.profile, &p.persons, Settings::default(), 10).unwrap();
    let mut judged = 0;
    for level in ["pc5", "buurt", "wijk"] {
        let fit = d
            .fits
            .iter()
            .find(|f| f.level.as_str() == level && f.metric == "oe_norm")
            .unwrap();
        let (phi, threshold) = (fit.phi.unwrap(), fit.phi_threshold.unwrap());
        if level != "pc5" {
            assert!(phi > 1.0, "{fit:?}");
        }
        assert_eq!(fit.widened, phi > threshold, "{fit:?}");
        let n = fit.areas as f64;
        assert!((threshold - (1.0 + 1.92 / n.sqrt()).powi(2)).abs() < 1e-12);
        for f in d
            .flags
            .iter()
            .filter(|f| f.level.as_str() == level && f.metric == "oe_norm")
        {
            judged += 1;
            if fit.widened {
                assert!(f.z.abs() < f.z_unadjusted.abs(), "{level}: {f:?}");
            } else {
                assert_eq!(f.z, f.z_unadjusted, "{level}: {f:?}");
            }
        }
    }
    assert!(judged > 0, "no O/E flag to check");
}

#[test]
fn suppressed_areas_and_hidden_cells_are_never_flagged() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data-samples");
    let period = Period::parse("2024Q3").unwrap();
    let p = pipeline::execute_folder(&dir, &period, 10, Stage::Profile)
        .unwrap()
        .profiled;
    for (method, capped) in [
        (Method::None, true),
        (Method::Multiplicative, true),
        (Method::Additive, true),
        (Method::None, false),
        (Method::Multiplicative, false),
    ] {
        let flags = detect(
            &p.raw,
            &p.profile,
            &p.persons,
            Settings {
                method,
                capped,
                ..Settings::default()
            },
            10,
        )
        .unwrap()
        .flags;
        assert!(!flags.is_empty(), "{method:?}: the sample has outliers");
        for f in &flags {
            let row = p
                .profile
                .clone()
                .lazy()
                .filter(
                    col("level")
                        .eq(lit(f.level.as_str()))
                        .and(col("area_code").eq(lit(f.area_code.as_str()))),
                )
                .collect()
                .unwrap();
            assert_eq!(
                row.column("suppressed").unwrap().bool().unwrap().get(0),
                Some(false),
                "{f:?}"
            );
            let cell = match f.metric.as_str() {
                "oe_norm" => "oe_ratio",
                "wmo_clients_per_1000" => "wmo_clients_per_1000",
                m => m,
            };
            assert!(
                row.column(cell).unwrap().get(0).unwrap() != AnyValue::Null,
                "{f:?} flags a hidden cell"
            );
            assert!(f.limit == "95" || f.limit == "99.8");
            assert_eq!(f.direction == "high", f.z > 0.0, "{f:?}");
        }
    }
}

/// SPEC 3.3 for capped figures: where 1 to min_cell − 1 persons were capped in an area, its
/// capped total next to the published raw total would give their cost above the cap. There the
/// run publishes only what the raw profile already gives: `oe_for_flags` = O/E / κ, and flags
/// show the published raw figures (`figures = raw`).
#[test]
fn capped_figures_of_few_capped_persons_are_not_published() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data-samples");
    let period = Period::parse("2024Q3").unwrap();
    let p = pipeline::execute_folder(&dir, &period, 10, Stage::Profile)
        .unwrap()
        .profiled;
    let d = detect(&p.raw, &p.profile, &p.persons, Settings::default(), 10).unwrap();
    let basis = wijkscan::stages::outliers::basis::basis(&p.persons, &p.raw, true).unwrap();
    let total = basis.metric("total").unwrap();
    let oe = wijkscan::frame::floats(&p.profile, "oe_ratio").unwrap();
    let codes = wijkscan::frame::strings(&p.raw, "area_code").unwrap();
    let levels = wijkscan::frame::strings(&p.raw, "level").unwrap();
    let (mut hidden, mut shown) = (0, 0);
    for i in 0..p.raw.height() {
        let Some(plotted) = d.oe_for_flags[i] else {
            continue;
        };
        let k = total.capped_persons[i];
        if k > 0.0 && k < 10.0 {
            hidden += 1;
            let want = oe[i].unwrap() / d.basis.kappa;
            assert!(
                (plotted - want).abs() < 1e-9,
                "row {i}: {plotted} vs {want}"
            );
            for f in d.flags.iter().filter(|f| {
                f.metric == "oe_norm"
                    && Some(&f.area_code) == codes[i].as_ref()
                    && Some(f.level.as_str()) == levels[i].as_deref()
            }) {
                assert_eq!(f.figures, "raw", "{f:?}");
            }
        } else {
            shown += 1;
        }
    }
    assert!(hidden > 0 && shown > 0, "hidden {hidden}, shown {shown}");
    assert!(d.flags.iter().any(|f| f.figures == "capped"));
}
