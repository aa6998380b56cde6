//! `wijkscan serve` in-process (no port): the router over a finished sample run answers the
//! JSON API with published rows only, answers live segments and refuses a differencing pair
//! and a small group in words (in the same audit file as `focus --segment`), locates a filter
//! error, logs the session, serves everything but live segments without the private cache,
//! and keeps its audit whole under concurrent queries.

use assert_cmd::Command;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use polars::prelude::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;
use wijkscan::serve::{router, state::Served};
use wijkscan::text::Lang;

mod common;
use common::served::{ages, big_wijk, small_age};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run_pipeline(pipeline: &str, out: &Path) {
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .arg("run")
        .arg(root().join(pipeline))
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// One sample run, never queried itself: each test serves a copy (the audit is per run).
fn base_run() -> &'static Path {
    static RUN: OnceLock<tempfile::TempDir> = OnceLock::new();
    RUN.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        run_pipeline("pipelines/sample.toml", &tmp.path().join("run"));
        tmp
    })
    .path()
    .join("run")
    .leak()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// A copy of the sample run (with its private cache unless `private` is false).
fn fresh_run(private: bool) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    copy_dir(base_run(), &run);
    if private {
        let p = wijkscan::run_folder::private_dir(base_run());
        copy_dir(&p, &wijkscan::run_folder::private_dir(&run));
        // Queries of other tests never reach the base run; start with no live answers.
        let _ =
            std::fs::remove_file(wijkscan::run_folder::private_dir(&run).join("live_audit.json"));
    }
    (tmp, run)
}

fn app(run: &Path) -> axum::Router {
    router(Arc::new(Served::load(run, Lang::Nl).unwrap()))
}

async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    body: Option<String>,
) -> (StatusCode, String) {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(body.map(Body::from).unwrap_or_else(Body::empty))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

async fn json_of(app: &axum::Router, uri: &str) -> (StatusCode, Value) {
    let (s, b) = call(app, "GET", uri, None).await;
    (
        s,
        serde_json::from_str(&b).unwrap_or_else(|e| panic!("{uri}: not JSON ({e}): {b}")),
    )
}

async fn segment(app: &axum::Router, area: &str, filter: &str) -> (StatusCode, Value) {
    let (s, b) = call(
        app,
        "POST",
        "/api/segment",
        Some(json!({"area": area, "filter": filter}).to_string()),
    )
    .await;
    (
        s,
        serde_json::from_str(&b).unwrap_or_else(|e| panic!("not JSON ({e}): {b}")),
    )
}

fn profile(run: &Path) -> DataFrame {
    common::served::profile(run)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn areas_are_the_published_rows() {
    let (_t, run) = fresh_run(true);
    let app = app(&run);
    let (s, v) = json_of(&app, "/api/areas?level=wijk").await;
    assert_eq!(s, StatusCode::OK);
    let rows = v.as_array().unwrap();
    let p = profile(&run)
        .lazy()
        .filter(col("level").eq(lit("wijk")))
        .collect()
        .unwrap();
    assert_eq!(rows.len(), p.height());
    let codes = p.column("area_code").unwrap().str().unwrap();
    let persons = p
        .column("insured_persons")
        .unwrap()
        .cast(&DataType::Float64)
        .unwrap();
    let persons = persons.f64().unwrap();
    let suppressed = p.column("suppressed").unwrap().bool().unwrap();
    let mut hidden = 0;
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r["area_code"], json!(codes.get(i).unwrap()));
        assert_eq!(r["insured_persons"].as_f64(), persons.get(i), "{r}");
        assert_eq!(
            r.as_object().unwrap().len(),
            p.width(),
            "every column of profile.csv"
        );
        if suppressed.get(i) == Some(true) {
            hidden += 1;
            // A suppressed area sends no figure at all.
            for (k, v) in r.as_object().unwrap() {
                if !["level", "area_code", "area_name", "suppressed", "period"]
                    .contains(&k.as_str())
                {
                    assert!(
                        v.is_null() || v == &json!(false) || v == &json!(true),
                        "{k} = {v} of a suppressed area"
                    );
                }
            }
        }
    }
    // Suppressed rows at the finest level: none of their figures is sent.
    let (_, v) = json_of(&app, "/api/areas?level=pc5").await;
    for r in v.as_array().unwrap() {
        if r["suppressed"] == json!(true) {
            hidden += 1;
            for k in [
                "insured_persons",
                "zvw_cost_eur",
                "oe_ratio",
                "resultaat_eur",
                "wmo_clients",
            ] {
                assert!(r[k].is_null(), "{k} of a suppressed pc5: {r}");
            }
        }
    }
    assert!(hidden > 0, "the sample has suppressed areas");
    let (s, v) = json_of(&app, "/api/areas?level=county").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["error"].as_str().unwrap().contains("county"), "{v}");
    let (s, v) = json_of(&app, "/api/areas?level=wijk&period=1999Q1").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(v["error"].as_str().unwrap().contains("1999Q1"), "{v}");
    let (s, csv) = call(&app, "GET", "/api/areas.csv?level=wijk", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(csv.lines().count(), p.height() + 1);
    let (s, v) = json_of(&app, "/api/nothing").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(v["error"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_area_has_its_flags_segments_and_practices() {
    let (_t, run) = fresh_run(true);
    let app = app(&run);
    let flags = wijkscan::frame::read_parquet(&run.join("outliers.parquet")).unwrap();
    let flagged = flags
        .column("area_code")
        .unwrap()
        .str()
        .unwrap()
        .get(0)
        .unwrap()
        .to_string();
    let (s, v) = json_of(&app, &format!("/api/areas/{flagged}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["area"]["area_code"], json!(flagged));
    assert!(!v["flags"].as_array().unwrap().is_empty(), "{v}");
    assert!(v["flags"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["area_code"] == json!(flagged)));
    let gm = "GM0014";
    let (s, v) = json_of(&app, &format!("/api/areas/{gm}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(
        !v["segments"].as_array().unwrap().is_empty(),
        "a gemeente is a focus area: {v}"
    );
    let (s, v) = json_of(&app, "/api/areas/WK999999").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(v["error"].as_str().unwrap().contains("WK999999"));
    // The area page in both languages.
    let wijk = big_wijk(&run);
    let (s, html) = call(&app, "GET", &format!("/area/{wijk}"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("Kerncijfers") && html.contains("segment-form"),
        "{html}"
    );
    let (s, html) = call(&app, "GET", &format!("/area/{wijk}?lang=en"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Key figures"));
    let (s, _) = call(&app, "GET", "/area/WK999999", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_map_is_clickable_area_by_area() {
    let (_t, run) = fresh_run(true);
    let app = app(&run);
    let (s, html) = call(&app, "GET", "/?level=wijk", None).await;
    assert_eq!(s, StatusCode::OK);
    let polygons = html.matches("<polygon").count();
    assert!(polygons > 0, "the overview has a map");
    assert_eq!(
        html.matches("<polygon class=\"area\" data-code=\"WK")
            .count(),
        polygons
    );
    // Every polygon names a wijk of the run, and the largest wijk is among them.
    let wijken: Vec<String> = profile(&run)
        .lazy()
        .filter(col("level").eq(lit("wijk")))
        .collect()
        .unwrap()
        .column("area_code")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .flatten()
        .map(str::to_string)
        .collect();
    for part in html.split("data-code=\"").skip(1) {
        let code = &part[..part.find('"').unwrap()];
        assert!(
            wijken.iter().any(|w| w == code),
            "{code} is not a wijk of the run"
        );
    }
    assert!(html.contains(&format!("data-code=\"{}\"", big_wijk(&run))));
    // Nothing on the page points outside the server (the SVG's xmlns is a name, not a request).
    for outside in [
        "src=\"http",
        "href=\"http",
        "url(http",
        "href=\"//",
        "src=\"//",
    ] {
        assert!(!html.contains(outside), "{outside}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn segments_are_answered_refused_and_located() {
    let (_t, run) = fresh_run(true);
    let app = app(&run);
    let wijk = big_wijk(&run);
    let age = small_age(&run, &wijk);
    let (s, v) = segment(&app, &wijk, "age >= 18").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["refused"], json!(false), "{v}");
    let persons = v["persons"].as_i64().unwrap();
    let adults: u32 = ages(&run, &wijk)
        .iter()
        .filter(|(a, _)| **a >= 18)
        .map(|(_, n)| n)
        .sum();
    assert_eq!(
        persons, adults as i64,
        "the answer counts the wijk's adults"
    );
    for key in [
        "share",
        "cost_per_person",
        "rest_cost_per_person",
        "cv",
        "passes_volume",
    ] {
        assert!(v.get(key).is_some(), "{key}: {v}");
    }
    // The differencing pair: one more condition that removes 1 to 9 persons.
    let (s, v) = segment(&app, &wijk, &format!("age >= 18 AND age <> {age}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["refused"], json!(true), "{v}");
    assert!(v["reason"].as_str().unwrap().contains("aftrekken"), "{v}");
    assert!(
        v.get("persons").is_none(),
        "a refusal carries no figure: {v}"
    );
    // A small group itself.
    let (s, v) = segment(&app, &wijk, &format!("age = {age}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["refused"], json!(true), "{v}");
    assert!(v.get("persons").is_none());
    // A filter that does not parse: 400 with the column.
    let (s, v) = segment(&app, &wijk, "age >= AND wmo").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["column"], json!(8), "{v}");
    let (s, v) = segment(&app, &wijk, "sqrt(age) > 3").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    // Bad requests are JSON too.
    let (s, b) = call(&app, "POST", "/api/segment", Some("{not json".into())).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        serde_json::from_str::<Value>(&b).unwrap()["error"].is_string(),
        "{b}"
    );
    let (s, v) = segment(&app, "XX1", "age > 3").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["error"].as_str().unwrap().contains("XX1"));
    // The log: every query with its outcome (the bad area never reached the data).
    let (_, log) = json_of(&app, "/api/session").await;
    let outcomes: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        ["answered", "refused", "refused", "invalid", "invalid"]
    );
    let (_, csv) = call(&app, "GET", "/api/session.csv", None).await;
    assert_eq!(csv.lines().count(), 6);
    let (_, md) = call(&app, "GET", "/api/session.md", None).await;
    assert_eq!(
        md.lines().filter(|l| l.starts_with("- ")).count(),
        5,
        "{md}"
    );
    assert!(md.contains("**geweigerd**"));
    let (s, html) = call(&app, "GET", "/session", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains(&format!("age &lt;&gt; {age}")) || html.contains(&format!("age <> {age}")),
        "{html}"
    );
}

/// A working session tries many groups nested in one another before the differencing attempt:
/// the difference of "A" and "A AND age <> a" is still found (it once hid behind the union of
/// A's other inner cells).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_differencing_pair_after_many_queries_is_refused() {
    let (_t, run) = fresh_run(true);
    let app = app(&run);
    let wijk = big_wijk(&run);
    let age = small_age(&run, &wijk);
    for filter in [
        "age >= 18",
        "age >= 18 AND age < 40",
        "age >= 40",
        "age >= 18 AND sex = 'M'",
        "age >= 18 AND wmo",
        "age >= 18 AND care_forms >= 2",
    ] {
        let (s, v) = segment(&app, &wijk, filter).await;
        assert_eq!(s, StatusCode::OK, "{filter}: {v}");
    }
    let (_, v) = segment(&app, &wijk, &format!("age >= 18 AND age <> {age}")).await;
    assert_eq!(v["refused"], json!(true), "{v}");
}

/// The page and the terminal keep one audit: what the page showed, the terminal cannot
/// difference against, and the other way round.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_and_terminal_share_the_audit() {
    let (_t, run) = fresh_run(true);
    let app = app(&run);
    let wijk = big_wijk(&run);
    let age = small_age(&run, &wijk);
    let (_, v) = segment(&app, &wijk, "age >= 18").await;
    assert_eq!(v["refused"], json!(false), "{v}");
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .args(["focus"])
        .arg(&run)
        .args([
            "--area",
            &wijk,
            "--only",
            "--no-propose",
            "--segment",
            &format!("age >= 18 AND age <> {age}"),
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("refused"), "{err}");
    // And the terminal's answer binds the page.
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .args(["focus"])
        .arg(&run)
        .args([
            "--area",
            &wijk,
            "--only",
            "--no-propose",
            "--segment",
            "age >= 30",
        ])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let thirties: u32 = ages(&run, &wijk)
        .iter()
        .filter(|(a, _)| (30..40).contains(*a))
        .map(|(_, n)| n)
        .sum();
    if (1..=9).contains(&thirties) {
        let (_, v) = segment(&app, &wijk, "age >= 40").await;
        assert_eq!(v["refused"], json!(true), "{v}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_private_cache_all_but_live_segments() {
    let (_t, run) = fresh_run(false);
    let app = app(&run);
    let (s, v) = json_of(&app, "/api/areas?level=buurt").await;
    assert_eq!(s, StatusCode::OK);
    assert!(!v.as_array().unwrap().is_empty());
    let wijk = big_wijk(&run);
    let (s, html) = call(&app, "GET", &format!("/area/{wijk}"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("id=\"no-live\"") && html.contains("private cache"),
        "{html}"
    );
    assert!(!html.contains("segment-form"));
    let (s, v) = segment(&app, &wijk, "age >= 18").await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        v["error"].as_str().unwrap().contains("private cache"),
        "{v}"
    );
    let (s, _) = json_of(&app, "/api/features").await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    let (s, _) = call(&app, "GET", "/", None).await;
    assert_eq!(s, StatusCode::OK);
}

/// Two browsers at once: queries side by side all land in the log and the audit, and the
/// audit file is whole JSON after.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_queries_keep_the_audit_whole() {
    let (_t, run) = fresh_run(true);
    let app = app(&run);
    let wijk = big_wijk(&run);
    let mut set = tokio::task::JoinSet::new();
    for k in 0..8 {
        let (app, wijk) = (app.clone(), wijk.clone());
        set.spawn(async move { segment(&app, &wijk, &format!("age >= {}", 20 + 5 * k)).await });
    }
    let mut answered = 0;
    while let Some(r) = set.join_next().await {
        let (s, v) = r.unwrap();
        assert_eq!(s, StatusCode::OK, "{v}");
        if v["refused"] == json!(false) {
            answered += 1;
        }
    }
    let (_, log) = json_of(&app, "/api/session").await;
    assert_eq!(log["entries"].as_array().unwrap().len(), 8);
    let text =
        std::fs::read_to_string(wijkscan::run_folder::private_dir(&run).join("live_audit.json"))
            .unwrap();
    let audit: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(audit["shown"].as_array().unwrap().len(), answered, "{text}");
    let leftovers: Vec<_> = std::fs::read_dir(wijkscan::run_folder::private_dir(&run))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
