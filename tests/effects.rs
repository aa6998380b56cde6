//! The effect of an intervention (SPEC 3.10, METHODS 10) end to end on a generated series of
//! eight quarters with an effect planted from 2024Q1 in one wijk: the `effects` tables and the
//! report's section, `wijkscan effect` answering as the run, the checks of a declaration, the
//! pre-trend and regression-to-the-mean warnings, and privacy — no effect output depends on
//! anything the run did not publish.

use assert_cmd::Command;
use polars::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use wijkscan::domain::Period;
use wijkscan::sample::effect::PlantedEffect;
use wijkscan::sample::series::{generate_series, SeriesOptions};
use wijkscan::stages::effects::estimate::{estimate, Outcome};
use wijkscan::stages::effects::intervention::Intervention;
use wijkscan::stages::monitoring::panel::{from_frame, PanelRow};

/// The wijk with the planted effect (−20% on every claim from 2024Q1).
const TREATED: &str = "WK001402";

struct Fixture {
    _tmp: tempfile::TempDir,
    run: PathBuf,
    trend_wijk: String,
}

fn wijkscan() -> Command {
    Command::cargo_bin("wijkscan").unwrap()
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("series");
        let opts = SeriesOptions {
            lines_per_person_year: 6.0,
            effect: Some(PlantedEffect::parse(&format!("{TREATED},2024Q1,-0.2")).unwrap()),
            ..SeriesOptions::new(60_000, Period::series("2023Q1..2024Q4").unwrap(), 2024)
        };
        let summary = generate_series(&opts, &data, &wijkscan::progress::Silent).unwrap();
        let mut toml = std::fs::read_to_string(data.join("pipeline.toml")).unwrap();
        // The generator declared the planted programme ("Aanpak WK001402"); a segment's too.
        assert!(toml.contains(&format!("name = \"Aanpak {TREATED}\"")), "{toml}");
        toml.push_str(
            "\n[[interventions]]\nname = \"Ouderen\"\nareas = [\"GM0014\"]\nstart = \"2024Q1\"\nsegment = \"kwetsbare_ouderen\"\n\
             \n[[interventions]]\nname = \"Geen groep\"\nareas = [\"GM0014\"]\nstart = \"2024Q1\"\nsegment = \"bestaat_niet\"\n",
        );
        std::fs::write(data.join("pipeline.toml"), toml).unwrap();
        let run = tmp.path().join("run");
        let o = wijkscan()
            .arg("run")
            .arg(data.join("pipeline.toml"))
            .arg("--out")
            .arg(&run)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
        // An intervention that cannot be estimated does not stop the run: it is said.
        assert!(String::from_utf8_lossy(&o.stderr).contains("intervention `Geen groep`"));
        Fixture {
            _tmp: tmp,
            run,
            trend_wijk: summary.planted.trend_wijk,
        }
    })
}

fn read(path: &Path) -> DataFrame {
    wijkscan::frame::read_parquet(path).unwrap()
}

fn text(df: &DataFrame, c: &str) -> Vec<String> {
    wijkscan::frame::strings(df, c)
        .unwrap()
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect()
}

fn num(df: &DataFrame, c: &str) -> Vec<Option<f64>> {
    wijkscan::frame::floats(df, c).unwrap()
}

fn panel(run: &Path) -> Vec<PanelRow> {
    from_frame(
        &wijkscan::pipeline::cache::read_panel(run)
            .unwrap()
            .expect("the effect panel"),
    )
    .unwrap()
}

fn periods() -> Vec<String> {
    Period::series("2023Q1..2024Q4")
        .unwrap()
        .iter()
        .map(|p| p.label())
        .collect()
}

fn wijk(code: &str) -> Intervention {
    Intervention {
        name: "t".into(),
        areas: vec![code.into()],
        start: "2024Q1".into(),
        segment: None,
        comparison: None,
    }
}

#[test]
fn the_run_writes_its_effects_and_the_report_says_them() {
    let f = fixture();
    let e = read(&f.run.join("effects.parquet"));
    let name = format!("Aanpak {TREATED}");
    assert_eq!(
        text(&e, "intervention"),
        [name.as_str(), name.as_str(), "Ouderen"]
    );
    assert_eq!(
        text(&e, "outcome"),
        [
            "capped_cost_above_norm",
            "raw_cost_above_norm",
            "segment_cost_per_person"
        ],
        "the capped outcome first"
    );
    let est = num(&e, "estimate_eur");
    let pct = num(&e, "estimate_pct");
    // The planted −20% on every claim shows as a fall on both lines.
    assert!(est[0].unwrap() < 0.0 && est[1].unwrap() < 0.0, "{est:?}");
    assert!((-0.40..-0.05).contains(&pct[1].unwrap()), "raw {pct:?}");
    // Total over the post-periods = estimate × the treated insured years after the start.
    let total = num(&e, "total_eur");
    assert!(
        (total[0].unwrap() / est[0].unwrap() - total[1].unwrap() / est[1].unwrap()).abs() < 1e-6
    );
    // Three gemeenten: two comparison sets, so no p below 0.05 and no interval, said so.
    assert_eq!(num(&e, "donors")[2], Some(2.0));
    assert_eq!(num(&e, "ci_low")[2], None);
    assert!(text(&e, "warnings")[2].contains("no p below 0.05"));
    let s = read(&f.run.join("effects_series.parquet"));
    assert_eq!(s.height(), 3 * 8);
    let post: Vec<bool> = s
        .column("post")
        .unwrap()
        .bool()
        .unwrap()
        .iter()
        .map(|b| b.unwrap())
        .collect();
    assert_eq!(post.iter().filter(|p| **p).count(), 3 * 4);
    // The event value is the gap relative to its pre-start mean: the pre values average 0.
    let event = num(&s, "event");
    let pre_mean: f64 = (0..4).map(|t| event[t].unwrap()).sum::<f64>() / 4.0;
    assert!(pre_mean.abs() < 1e-6, "{pre_mean}");
    // With a segment, its persons in the area per period.
    assert!(num(&s, "segment_persons")[16..]
        .iter()
        .all(|p| p.is_some_and(|n| n >= 10.0)));
    let html = std::fs::read_to_string(f.run.join("report.html")).unwrap();
    assert!(
        html.contains(&format!("Effect van de aanpak: {name}")),
        "the section"
    );
    assert!(html.contains("daalden met"));
    assert!(html.contains("Personen in de groep per periode"));
    assert!(html.contains("Effect van de aanpak: Geen groep"));
    assert!(html.contains("Voor deze aanpak kan de run geen effect tonen (intervention `Geen groep`: segment `bestaat_niet` in GM0014 is not in the run)"), "the reason");
    let m = wijkscan::manifest::Manifest::read(&f.run).unwrap();
    assert_eq!(m.effects_not_estimated.len(), 1);
    assert!(
        f.run.join("charts/effect_1.svg").is_file() && f.run.join("charts/effect_2.png").is_file()
    );
    let svg = std::fs::read_to_string(f.run.join("charts/effect_1.svg")).unwrap();
    assert!(
        svg.contains("start 2024Q1") && svg.contains("voorlopig"),
        "start and provisional quarters marked"
    );
}

#[test]
fn the_command_answers_as_the_run() {
    let f = fixture();
    let e = read(&f.run.join("effects.parquet"));
    let o = wijkscan()
        .arg("effect")
        .arg(&f.run)
        .args([
            "--area",
            TREATED,
            "--start",
            "2024Q1",
            "--name",
            "Wijkaanpak",
        ])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8_lossy(&o.stdout);
    for est in num(&e, "estimate_eur")[..2].iter() {
        let shown = wijkscan::text::Lang::Nl.euro(est.unwrap());
        assert!(out.contains(&format!("effect {shown}")), "{shown} in {out}");
    }
    // English on request.
    let o = wijkscan()
        .arg("effect")
        .arg(&f.run)
        .args(["--area", TREATED, "--start", "2024Q1", "--lang", "en"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("relative to the comparison areas"));
}

#[test]
fn a_declaration_needs_four_periods_before_and_one_after() {
    let f = fixture();
    let o = wijkscan()
        .arg("effect")
        .arg(&f.run)
        .args(["--area", TREATED, "--start", "2023Q4"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("at least 4 periods before its start 2023Q4, the run has 3"),
        "{err}"
    );
    let o = wijkscan()
        .arg("effect")
        .arg(&f.run)
        .args(["--area", TREATED, "--start", "2025Q1"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a period of the run"));
    // In a pipeline file: refused before anything is read.
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("p.toml");
    std::fs::write(
        &p,
        "periods = \"2023Q1..2024Q4\"\n[inputs]\ndir = \"nowhere\"\n[[interventions]]\nname = \"x\"\nareas = [\"WK001402\"]\nstart = \"2023Q3\"\n",
    )
    .unwrap();
    let o = wijkscan().arg("validate").arg(&p).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("at least 4 periods before its start 2023Q3")
    );
    // A run of one period has no effects.
    let one = tempfile::tempdir().unwrap();
    let run = one.path().join("run");
    let o = wijkscan()
        .arg("run")
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("pipelines/sample.toml"))
        .arg("--out")
        .arg(&run)
        .output()
        .unwrap();
    assert!(o.status.success());
    let o = wijkscan()
        .arg("effect")
        .arg(&run)
        .args(["--area", "WK001401", "--start", "2024Q3"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("a run of one period"));
}

#[test]
fn without_the_private_cache_the_command_says_why() {
    let f = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("run");
    std::fs::create_dir_all(&copy).unwrap();
    for e in std::fs::read_dir(&f.run).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), copy.join(e.file_name())).unwrap();
        }
    }
    let o = wijkscan()
        .arg("effect")
        .arg(&copy)
        .args(["--area", TREATED, "--start", "2024Q1"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("private cache"));
}

#[test]
fn a_divergent_pre_trend_is_reported() {
    let f = fixture();
    // The generator's trend wijk rises 12% a quarter from 2023Q3: before a 2024Q1 start it
    // already moves away from the comparison.
    let r = estimate(
        &wijk(&f.trend_wijk),
        &panel(&f.run),
        None,
        &periods(),
        &[false; 8],
    )
    .unwrap();
    assert!(
        r.iter().any(|r| r.estimate.pre_trend_differs),
        "{:?}",
        r.iter().map(|r| r.estimate.pre_trend).collect::<Vec<_>>()
    );
    let quiet = estimate(
        &wijk(TREATED),
        &panel(&f.run),
        None,
        &periods(),
        &[false; 8],
    )
    .unwrap();
    assert!(
        quiet.iter().all(|r| !r.estimate.pre_trend_differs),
        "no planted pre-trend in {TREATED}"
    );
}

#[test]
fn a_wijk_flagged_high_before_the_start_gets_the_regression_warning() {
    let f = fixture();
    let panel = panel(&f.run);
    let pre: Vec<String> = periods()[..4].to_vec();
    let flagged = |code: &str| {
        panel.iter().any(|r| {
            r.area_code == code
                && pre.contains(&r.period)
                && r.capped_z.is_some_and(|z| z > 1.959964)
        })
    };
    let mut codes: Vec<&str> = panel
        .iter()
        .filter(|r| r.level == wijkscan::domain::Level::Wijk)
        .map(|r| r.area_code.as_str())
        .collect();
    codes.sort();
    codes.dedup();
    let (mut high, mut not) = (0, 0);
    for code in codes {
        let Ok(r) = estimate(&wijk(code), &panel, None, &periods(), &[false; 8]) else {
            continue;
        };
        let warned = r[0]
            .warnings()
            .iter()
            .any(|w| w.contains("regression to the mean"));
        assert_eq!(warned, flagged(code), "{code}");
        if warned {
            high += 1
        } else {
            not += 1
        }
    }
    assert!(
        high > 0 && not > 0,
        "both kinds occur: {high} flagged, {not} not"
    );
}

/// The attack: every output of an effect is a function of published figures only. Areas the
/// run did not publish in some period (suppressed, or with a capped figure it hid) are given
/// other values in the panel; no output changes, so nothing of them can be had back.
#[test]
fn nothing_unpublished_can_be_had_back_from_an_effect() {
    let f = fixture();
    let panel = panel(&f.run);
    let iv = wijk(TREATED);
    let before = estimate(&iv, &panel, None, &periods(), &[false; 8]).unwrap();
    // Each line's areas are published in every period (capped: its capped figure too).
    let published_everywhere = |code: &str, outcome: Outcome| {
        periods().iter().all(|p| {
            panel.iter().any(|r| {
                r.area_code == code
                    && r.period == *p
                    && match outcome {
                        Outcome::Raw => r.published,
                        _ => r.capped_shown,
                    }
            })
        })
    };
    for r in &before {
        for d in r.donors.iter().chain(&r.areas) {
            assert!(published_everywhere(d, r.outcome), "{d} in {:?}", r.outcome);
        }
    }
    // Change whatever the private cache holds of an area-period that was not published (it
    // holds nothing: the values are gone) and of areas with a hidden period anywhere.
    let mut hidden_somewhere: std::collections::BTreeSet<String> = Default::default();
    for r in &panel {
        if !r.published {
            assert!(
                r.raw.is_none() && r.capped.is_none() && r.insured_years.is_none(),
                "{r:?}"
            );
            hidden_somewhere.insert(r.area_code.clone());
        }
    }
    assert!(
        !hidden_somewhere.is_empty(),
        "the series has areas hidden in some period"
    );
    let mut changed = panel.clone();
    for r in &mut changed {
        if hidden_somewhere.contains(&r.area_code) {
            r.raw = r.raw.map(|v| v * 3.0 + 1000.0);
            r.capped = r.capped.map(|v| v - 500.0);
            r.raw_se = r.raw_se.map(|v| v * 2.0);
        }
        if !r.capped_shown {
            r.capped = Some(12345.0);
            r.capped_se = Some(1.0);
        }
    }
    let after = estimate(&iv, &changed, None, &periods(), &[false; 8]).unwrap();
    for (a, b) in before.iter().zip(&after) {
        assert_eq!(a.estimate, b.estimate);
        assert_eq!(a.donors, b.donors);
        assert_eq!(a.total_eur, b.total_eur);
    }
    // Donor weights of the synthetic control are not published (one weight near 1 would
    // name the area the treated one is compared with period by period).
    let s = read(&f.run.join("effects_series.parquet"));
    for name in s.get_column_names() {
        assert!(
            !name.contains("weight"),
            "no donor weights are published: {name}"
        );
    }
    let e = read(&f.run.join("effects.parquet"));
    for name in e.get_column_names() {
        assert!(
            !name.contains("weight"),
            "no donor weights are published: {name}"
        );
    }
}

/// A comparison limited to the treated wijk's gemeente, or to a list: listed areas that cannot
/// be used (the treated one, one not in the run) are named and left out.
#[test]
fn a_comparison_can_be_the_gemeente_or_a_list() {
    use wijkscan::stages::effects::intervention::Comparison;
    let f = fixture();
    let panel = panel(&f.run);
    let mut iv = wijk(TREATED);
    iv.comparison = Some(Comparison::Keyword("same_gemeente".into()));
    let r = estimate(&iv, &panel, None, &periods(), &[false; 8]).unwrap();
    assert!(!r[1].donors.is_empty());
    assert!(
        r[1].donors.iter().all(|d| d.starts_with("WK0014")),
        "{:?}",
        r[1].donors
    );
    let all = estimate(&wijk(TREATED), &panel, None, &periods(), &[false; 8]).unwrap();
    assert!(all[1].donors.len() > r[1].donors.len());
    let some: Vec<String> = all[1].donors.iter().take(5).cloned().collect();
    let mut list = some.clone();
    list.push(TREATED.into());
    list.push("WK999999".into());
    iv.comparison = Some(Comparison::Areas(list));
    let r = estimate(&iv, &panel, None, &periods(), &[false; 8]).unwrap();
    let raw = r.iter().find(|r| r.outcome == Outcome::Raw).unwrap();
    assert_eq!(raw.donors, some);
    let w = raw.warnings().join(" | ");
    assert!(
        w.contains(&format!("comparison area {TREATED} is treated")),
        "{w}"
    );
    assert!(w.contains("comparison area WK999999 is not an area"), "{w}");
    // From the command line too.
    let o = wijkscan()
        .arg("effect")
        .arg(&f.run)
        .args([
            "--area",
            TREATED,
            "--start",
            "2024Q1",
            "--comparison",
            "same_gemeente",
        ])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A damaged or foreign panel in the private cache is named, not a polars message.
#[test]
fn a_damaged_effect_panel_is_named() {
    let f = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("run");
    let private = wijkscan::run_folder::private_dir(&copy);
    for (from, to) in [
        (f.run.clone(), copy.clone()),
        (wijkscan::run_folder::private_dir(&f.run), private.clone()),
    ] {
        copy_tree(&from, &to);
    }
    let panel = private.join("cache/effect_panel.parquet");
    std::fs::write(&panel, b"not parquet").unwrap();
    let o = wijkscan()
        .arg("effect")
        .arg(&copy)
        .args(["--area", TREATED, "--start", "2024Q1"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("effect_panel.parquet") && err.contains("cannot be read"),
        "{err}"
    );
    // A panel without the columns of this version.
    let mut df = polars::df!("level" => ["wijk"], "area_code" => ["WK001402"]).unwrap();
    ParquetWriter::new(std::fs::File::create(&panel).unwrap())
        .finish(&mut df)
        .unwrap();
    let o = wijkscan()
        .arg("effect")
        .arg(&copy)
        .args(["--area", TREATED, "--start", "2024Q1"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("are not of this wijkscan"), "{err}");
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// `wijkscan serve` over this run of eight quarters: the period selector's pages and the API's
/// rows are of the period asked for, flags only of the run's own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_page_switches_periods() {
    use tower::ServiceExt;
    let f = fixture();
    let app = wijkscan::serve::router(std::sync::Arc::new(
        wijkscan::serve::state::Served::load(&f.run, wijkscan::text::Lang::Nl).unwrap(),
    ));
    let get = |uri: String| {
        let app = app.clone();
        async move {
            let r = app
                .oneshot(
                    axum::http::Request::get(uri)
                        .body(axum::body::Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            let status = r.status();
            let b = axum::body::to_bytes(r.into_body(), usize::MAX)
                .await
                .unwrap();
            (status, String::from_utf8(b.to_vec()).unwrap())
        }
    };
    let (s, html) = get("/?level=wijk&period=2023Q2".into()).await;
    assert_eq!(s, 200);
    assert!(
        html.contains("Overzicht — 2023Q2") && html.contains("<option value=\"2024Q4\""),
        "the selector"
    );
    let (_, rows) = get("/api/areas?level=wijk&period=2023Q2".into()).await;
    let rows: serde_json::Value = serde_json::from_str(&rows).unwrap();
    assert!(!rows.as_array().unwrap().is_empty());
    assert!(rows
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["period"] == "2023Q2"));
    let (_, one) = get(format!("/api/areas/{TREATED}?period=2023Q2")).await;
    let one: serde_json::Value = serde_json::from_str(&one).unwrap();
    assert_eq!(one["area"]["period"], "2023Q2");
    assert!(
        one["flags"].as_array().unwrap().is_empty(),
        "flags are the run's own period's"
    );
    assert!(one["changes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["period"] == "2023Q2"));
    let (s, _) = get("/?period=2019Q1".into()).await;
    assert_eq!(s, 404);
}
