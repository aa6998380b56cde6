//! The GP-practice flags under pure chance (SPEC 3.7, issue #9): a book where areas and
//! practices differ only by chance — persons placed at random over pc5s, patients assigned to
//! 400 practices at random (about 780 each, all above the 750 the flags need), no planted
//! effect, a sixth of the persons insured for part of the year. Against the norm, the whole
//! extract and the practice's gemeente, about 5% of practices should pass the 95% limits (low
//! as well as high) and few the 99.8% limits, after the overdispersion widening: φ comes out
//! above 1 for random practices (their age/sex mix against their patients' home pc5s) and about
//! 1 for practices made of whole pc5s.
//!
//! Where a practice has 1 to min_cell − 1 capped persons its z against extract and gemeente is
//! not published, but its limit and direction are: judged on all practices, not on a selection.
//! The extract and the gemeente contain the practice itself, which makes those two z's a little
//! conservative, so their rates may fall somewhat below nominal, not far above.

mod common;

use common::{write_book_with, Extras};
use polars::prelude::*;
use wijkscan::domain::Period;
use wijkscan::pipeline::{self, Source, Stage};
use wijkscan::stages::practices::view::PracticeView;

const PRACTICES: usize = 400;

struct Rates {
    judged: usize,
    high: f64,
    low: f64,
    beyond: f64,
}

/// Shares of the judged practices by published limit and direction (`<suffix>` empty for the
/// norm, `_extract`, `_gemeente`). Where a practice's capped figure is hidden its z against the
/// extract and the gemeente is not published, but its limit and direction are.
fn rates(t: &DataFrame, suffix: &str, judged: &[bool]) -> Rates {
    let limit = wijkscan::frame::strings(t, &format!("limit{suffix}")).unwrap();
    let direction = wijkscan::frame::strings(t, &format!("direction{suffix}")).unwrap();
    let n = judged.iter().filter(|j| **j).count();
    let share = |p: &dyn Fn(usize) -> bool| {
        (0..t.height()).filter(|&i| judged[i] && p(i)).count() as f64 / n as f64
    };
    Rates {
        judged: n,
        high: share(&|i| direction[i].as_deref() == Some("high")),
        low: share(&|i| direction[i].as_deref() == Some("low")),
        beyond: share(&|i| limit[i].as_deref() == Some("99.8")),
    }
}

/// Writes a pure-chance book with practices, runs it through to the published view.
fn practice_view(persons: usize, seed: u64, extras: Extras) -> PracticeView {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = tmp.path().join("inputs");
    std::fs::create_dir_all(&inputs).unwrap();
    let period = Period::parse("2024").unwrap();
    write_book_with(&inputs, &period, persons, seed, 1.0, extras);
    let mut settings = wijkscan::config::Settings::for_inputs(&inputs, period, 10);
    settings.out = tmp.path().join("run");
    let computed = pipeline::execute(
        &settings,
        Stage::Publish,
        Source::Inputs,
        &wijkscan::progress::Silent,
    )
    .unwrap();
    computed.practices.expect("a practice view")
}

/// A practice made of whole pc5s has its patients' exact age/sex expectation as attributed
/// norm, and then its z's need no widening: φ comes out about 1, as for areas. (Against the
/// random practices below, this shows what makes their φ larger.)
#[test]
fn practices_of_whole_pc5s_need_no_overdispersion() {
    let view = practice_view(
        PRACTICES * 850,
        20261124,
        Extras {
            practices: PRACTICES,
            whole_pc5s: true,
        },
    );
    let fit = &view.fit;
    let phi = fit.phi.expect("φ estimated");
    eprintln!(
        "whole pc5s: {} practices judged, φ = {phi:.3}, {} flagged against the norm",
        fit.judged, fit.flags
    );
    assert_eq!(fit.judged, PRACTICES);
    assert!((0.8..=1.15).contains(&phi), "φ = {phi}");
    let share = fit.flags as f64 / fit.judged as f64;
    assert!((0.025..=0.085).contains(&share), "{:.2}%", 100.0 * share);
}

#[test]
fn practice_flags_come_out_about_as_often_as_chance() {
    let view = practice_view(
        PRACTICES * 780,
        20261123,
        Extras {
            practices: PRACTICES,
            whole_pc5s: false,
        },
    );
    let fit = &view.fit;
    let t = &view.table;
    let note = wijkscan::frame::strings(t, "not_judged").unwrap();
    let kind = wijkscan::frame::strings(t, "kind").unwrap();
    let practices = kind
        .iter()
        .filter(|k| k.as_deref() == Some("praktijk"))
        .count();
    assert_eq!(practices, PRACTICES, "every practice has a row");
    // Random equal shares of 780 leave every practice judged: none small, none hidden.
    let notes: Vec<_> = kind
        .iter()
        .zip(note.iter())
        .filter(|(k, n)| k.as_deref() == Some("praktijk") && n.is_some())
        .collect();
    assert!(notes.is_empty(), "not judged: {notes:?}");
    assert_eq!(fit.judged, PRACTICES);
    let phi = fit.phi.expect("φ estimated");
    let z = wijkscan::frame::floats(t, "z").unwrap();
    let judged: Vec<bool> = z.iter().map(Option::is_some).collect();
    let (norm, extract, gemeente) = (
        rates(t, "", &judged),
        rates(t, "_extract", &judged),
        rates(t, "_gemeente", &judged),
    );
    // Practices whose capped figure is hidden are judged against extract and gemeente too:
    // flags without a z value, and `figures` says their `oe_for_flags` is raw O/E / κ.
    let figures = wijkscan::frame::strings(t, "figures").unwrap();
    for suffix in ["_extract", "_gemeente"] {
        let zs = wijkscan::frame::floats(t, &format!("z{suffix}")).unwrap();
        let limit = wijkscan::frame::strings(t, &format!("limit{suffix}")).unwrap();
        let unseen = (0..t.height())
            .filter(|&i| zs[i].is_none() && limit[i].is_some())
            .inspect(|&i| assert_eq!(figures[i].as_deref(), Some("raw")))
            .count();
        assert!(unseen > 0, "{suffix}: no flag of a hidden capped figure");
    }
    // The z values against extract and gemeente are published only where the capped figure
    // is (no or ≥ min_cell capped persons), and then agree with the published limit.
    for suffix in ["_extract", "_gemeente"] {
        let zs = wijkscan::frame::floats(t, &format!("z{suffix}")).unwrap();
        let limit = wijkscan::frame::strings(t, &format!("limit{suffix}")).unwrap();
        let shown = zs.iter().flatten().count();
        assert!(
            shown > 0 && shown < PRACTICES,
            "{suffix}: {shown} z values published"
        );
        for (z, l) in zs.iter().zip(&limit) {
            if let Some(z) = z {
                let want = if z.abs() > 3.090232 {
                    Some("99.8")
                } else if z.abs() > 1.959964 {
                    Some("95")
                } else {
                    None
                };
                assert_eq!(l.as_deref(), want, "z{suffix} = {z}");
            }
        }
    }
    for (what, r) in [
        ("norm", &norm),
        ("extract", &extract),
        ("gemeente", &gemeente),
    ] {
        eprintln!(
            "against the {what}: {} practices, outside 95%: {:.2}% ({:.2}% high, {:.2}% low), beyond 99.8%: {:.2}%",
            r.judged,
            100.0 * (r.high + r.low),
            100.0 * r.high,
            100.0 * r.low,
            100.0 * r.beyond
        );
    }
    eprintln!(
        "φ = {phi:.3}; flags: {} against the norm, {} the extract, {} the gemeente",
        fit.flags, fit.flags_vs_extract, fit.flags_vs_gemeente
    );
    // φ is above 1 here although nothing is planted: the attributed norm is the average of the
    // patients' home pc5s, not their own age/sex expectation, and a random practice's age/sex
    // mix differs from that average by chance (φ ≈ 1 for practices of whole pc5s, above). The
    // widening by √φ absorbs it, which is what keeps the flags calibrated.
    assert!((1.05..=1.5).contains(&phi), "φ = {phi}");
    for (what, r, floor) in [
        ("norm", &norm, 0.02),
        ("extract", &extract, 0.02),
        ("gemeente", &gemeente, 0.02),
    ] {
        assert_eq!(r.judged, PRACTICES, "{what}: every practice judged");
        let outside = r.high + r.low;
        // 400 practices: the binomial SE of a 5% rate is 1.1 points.
        assert!(
            (floor..=0.085).contains(&outside),
            "against the {what}: {:.2}% outside the 95% limits",
            100.0 * outside
        );
        assert!(
            r.high > 0.0 && r.low > 0.0,
            "against the {what}: low and high flags both expected"
        );
        assert!(
            r.beyond <= 0.0125,
            "against the {what}: {:.2}% beyond 99.8%",
            100.0 * r.beyond
        );
    }
    // The fit's flag counts are the published flags.
    let count = |r: &Rates| ((r.high + r.low) * r.judged as f64).round() as usize;
    assert_eq!(fit.flags, count(&norm));
    assert_eq!(fit.flags_vs_extract, count(&extract));
    assert_eq!(fit.flags_vs_gemeente, count(&gemeente));
}
