//! The JSON API under the page (README "wijkscan serve"): published rows only, errors as JSON
//! with a message. Scripts may use it as the page does.

use super::live::{self, Reply};
use super::session::Outcome;
use super::state::{poisoned, Served};
use super::tables;
use crate::domain::Level;
use crate::text::Lang;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

pub type Shared = Arc<Served>;
pub type Params = Query<HashMap<String, String>>;

/// An error the API sends: a status and a JSON message.
pub fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

/// A failure inside the program: logged, and sent as a JSON 500 (never a panic page).
pub fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!("serve: {e}");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("internal error: {e}"),
    )
}

/// Runs blocking work (polars, drawing) off the async threads; a panic becomes a JSON 500.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Response> {
    tokio::task::spawn_blocking(f).await.map_err(internal)
}

pub fn csv_response(name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// The `level` and `period` of a request, checked against the run.
fn level_period(served: &Served, q: &HashMap<String, String>) -> Result<(Level, String), Response> {
    let level = match q.get("level") {
        None => Level::Wijk,
        Some(l) => Level::parse(l).ok_or_else(|| {
            error(
                StatusCode::BAD_REQUEST,
                format!("unknown level `{l}` (pc5, buurt, wijk, gemeente or total)"),
            )
        })?,
    };
    let period = q
        .get("period")
        .cloned()
        .unwrap_or(served.run_period.clone());
    if !served.periods.contains(&period) {
        return Err(error(
            StatusCode::NOT_FOUND,
            format!(
                "the run has no period `{period}` (periods: {})",
                served.periods.join(", ")
            ),
        ));
    }
    Ok((level, period))
}

/// `GET /api/areas?level=wijk[&period=P]`: the published profile rows of that level.
pub async fn areas(State(s): State<Shared>, Query(q): Params) -> Response {
    let (level, period) = match level_period(&s, &q) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match s.profile_rows(level, &period) {
        Ok(df) => Json(Value::Array(tables::rows_json(&df))).into_response(),
        Err(e) => internal(e),
    }
}

/// `GET /api/areas.csv?level=wijk[&period=P]`: the same rows as CSV.
pub async fn areas_csv(State(s): State<Shared>, Query(q): Params) -> Response {
    let (level, period) = match level_period(&s, &q) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match s
        .profile_rows(level, &period)
        .and_then(|df| tables::csv(&df))
    {
        Ok(text) => csv_response(&format!("profile_{level}_{period}.csv"), text),
        Err(e) => internal(e),
    }
}

/// The rows of published table `stem` about area `code` (in `period` where the table has one).
pub fn area_rows(
    s: &Served,
    stem: &str,
    code: &str,
    period: &str,
) -> crate::error::Result<Option<polars::prelude::DataFrame>> {
    let Some(df) = s.tables.get(stem) else {
        return Ok(None);
    };
    let df = tables::where_eq(df, "area_code", code)?;
    Ok(Some(tables::where_eq(&df, "period", period)?))
}

/// `GET /api/areas/{code}[?period=P]`: one area's profile row, flags, changes, segments and
/// the practices serving it.
pub async fn area(State(s): State<Shared>, Path(code): Path<String>, Query(q): Params) -> Response {
    let period = q.get("period").cloned().unwrap_or(s.run_period.clone());
    if !s.periods.contains(&period) {
        return error(
            StatusCode::NOT_FOUND,
            format!("the run has no period `{period}`"),
        );
    }
    let Some(level) = Level::of_code(&code).or_else(|| (code.len() == 5).then_some(Level::Pc5))
    else {
        return error(
            StatusCode::NOT_FOUND,
            format!("`{code}` is not an area code"),
        );
    };
    let profile = match s
        .profile_rows(level, &period)
        .and_then(|df| tables::where_eq(&df, "area_code", &code))
    {
        Ok(df) => df,
        Err(e) => return internal(e),
    };
    let Some(row) = tables::rows_json(&profile).into_iter().next() else {
        return error(
            StatusCode::NOT_FOUND,
            format!("`{code}` is not an area of this run"),
        );
    };
    let mut out = serde_json::Map::new();
    out.insert("period".into(), json!(period));
    out.insert("area".into(), row);
    for (key, stem) in [
        ("flags", "outliers"),
        ("changes", "monitoring"),
        ("segments", "segments"),
        ("practices", "practice_areas"),
        ("populations", "focus_populations"),
    ] {
        let rows = match area_rows(&s, stem, &code, &period) {
            Ok(Some(df)) => tables::rows_json(&df),
            Ok(None) => Vec::new(),
            Err(e) => return internal(e),
        };
        // The flags are of the run's own period only.
        let rows = if stem == "outliers" && period != s.run_period {
            Vec::new()
        } else {
            rows
        };
        out.insert(key.into(), Value::Array(rows));
    }
    Json(Value::Object(out)).into_response()
}

/// `GET /api/table/{stem}.csv?area=…&level=…&period=…`: a published table (or the rows of one
/// area, level or period), as the page's download links fetch it.
pub async fn table_csv(
    State(s): State<Shared>,
    Path(file): Path<String>,
    Query(q): Params,
) -> Response {
    let stem = file.strip_suffix(".csv").unwrap_or(&file);
    let df = if stem == "profile" {
        Some(&s.profile)
    } else {
        s.tables.get(stem)
    };
    let Some(df) = df else {
        return error(
            StatusCode::NOT_FOUND,
            format!("the run has no table `{stem}`"),
        );
    };
    let mut df = df.clone();
    for (param, column) in [
        ("area", "area_code"),
        ("level", "level"),
        ("period", "period"),
        ("practice", "practice_id"),
    ] {
        if let Some(v) = q.get(param) {
            df = match tables::where_eq(&df, column, v) {
                Ok(d) => d,
                Err(e) => return internal(e),
            };
        }
    }
    match tables::csv(&df) {
        Ok(text) => csv_response(&format!("{stem}.csv"), text),
        Err(e) => internal(e),
    }
}

/// `GET /api/features`: the names a filter may use, and the values of coded ones.
pub async fn features(State(s): State<Shared>) -> Response {
    match &s.live {
        Ok(l) => Json(json!({ "features": l.vocabulary, "period": l.period })).into_response(),
        Err(why) => error(StatusCode::SERVICE_UNAVAILABLE, why.clone()),
    }
}

#[derive(serde::Deserialize)]
struct SegmentQuery {
    area: String,
    filter: String,
    #[serde(default)]
    lang: Option<String>,
}

/// `POST /api/segment` with `{"area", "filter"}`: the answer, a refusal in words, or HTTP 400
/// with the position where the filter goes wrong.
pub async fn segment(State(s): State<Shared>, body: Bytes) -> Response {
    let q: SegmentQuery = match serde_json::from_slice(&body) {
        Ok(q) => q,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("the body must be JSON {{\"area\": \"WK…\", \"filter\": \"…\"}}: {e}"),
            )
        }
    };
    let lang = q
        .lang
        .as_deref()
        .and_then(|l| Lang::parse(l).ok())
        .unwrap_or(s.lang);
    let served = s.clone();
    let (area, filter) = (q.area.clone(), q.filter.clone());
    let reply = match blocking(move || live::query(&served, &area, &filter, lang)).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return internal(e),
        Err(r) => return r,
    };
    let mut session = match s.session.lock().map_err(poisoned) {
        Ok(g) => g,
        Err(e) => return internal(e),
    };
    match reply {
        Reply::Unavailable(why) => error(StatusCode::SERVICE_UNAVAILABLE, why),
        Reply::BadArea(why) => error(StatusCode::BAD_REQUEST, why),
        Reply::BadFilter(e) => {
            let entry = session.record(
                &q.area,
                &q.filter,
                Outcome::Invalid {
                    message: match e.column {
                        Some(c) => format!("column {c}: {}", e.message),
                        None => e.message.clone(),
                    },
                },
            );
            (
                StatusCode::BAD_REQUEST,
                Json(json!({ "error": e.message, "column": e.column, "entry": entry.number })),
            )
                .into_response()
        }
        Reply::Outcome(outcome) => {
            let entry = session.record(&q.area, &q.filter, outcome.clone());
            match outcome {
                Outcome::Answered(a) => Json(json!({
                    "persons": a.persons,
                    "share": a.share,
                    "cost_per_person": a.cost_per_person,
                    "rest_cost_per_person": a.rest_cost_per_person,
                    "cv": a.cv,
                    "passes_volume": a.passes_volume,
                    "refused": false,
                    "words": super::session::answer_words(&a, lang),
                    "entry": entry.number,
                }))
                .into_response(),
                Outcome::Refused { reason } => {
                    Json(json!({ "refused": true, "reason": reason, "entry": entry.number }))
                        .into_response()
                }
                Outcome::Invalid { message } => error(StatusCode::BAD_REQUEST, message),
            }
        }
    }
}

/// `GET /api/session`: every query of this session with its outcome.
pub async fn session(State(s): State<Shared>) -> Response {
    match s.session.lock() {
        Ok(g) => Json(json!({ "entries": g.entries })).into_response(),
        Err(e) => internal(poisoned(e)),
    }
}

pub async fn session_csv(State(s): State<Shared>) -> Response {
    match s.session.lock() {
        Ok(g) => csv_response("sessie.csv", g.csv()),
        Err(e) => internal(poisoned(e)),
    }
}

pub async fn session_md(State(s): State<Shared>, Query(q): Params) -> Response {
    let lang = q
        .get("lang")
        .and_then(|l| Lang::parse(l).ok())
        .unwrap_or(s.lang);
    let name = s.view(None).map(|v| v.name.clone()).unwrap_or_default();
    match s.session.lock() {
        Ok(g) => (
            [
                (
                    header::CONTENT_TYPE,
                    "text/markdown; charset=utf-8".to_string(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"sessie.md\"".to_string(),
                ),
            ],
            g.markdown(lang, &name),
        )
            .into_response(),
        Err(e) => internal(poisoned(e)),
    }
}

/// Anything else under `/api/`.
pub async fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "no such API route (see the README: wijkscan serve)",
    )
}
