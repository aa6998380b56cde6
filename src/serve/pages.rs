//! The working group's pages: the overview (map, findings, the areas of a level), an area
//! (figures, care types, charts, flags and changes in words, practices, the focus-group
//! builder) and the session log. Server-side HTML from an embedded minijinja template and the
//! report's own charts as inline SVG; a little plain JS (`assets/serve.js`) for the map clicks
//! and the builder. Nothing on a page is fetched from anywhere but this server.

use super::api::{blocking, internal, Params, Shared};
use super::state::Served;
use crate::domain::Level;
use crate::error::Result;
use crate::text::Lang;
use crate::view::{AreaRow, RunView};
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use std::collections::HashMap;

const TEMPLATES: [(&str, &str); 4] = [
    ("layout.html.j2", include_str!("assets/layout.html.j2")),
    ("overview.html.j2", include_str!("assets/overview.html.j2")),
    ("area.html.j2", include_str!("assets/area.html.j2")),
    ("session.html.j2", include_str!("assets/session.html.j2")),
];
pub const CSS: &str = include_str!("assets/serve.css");
pub const JS: &str = include_str!("assets/serve.js");

fn env() -> &'static minijinja::Environment<'static> {
    static ENV: std::sync::OnceLock<minijinja::Environment<'static>> = std::sync::OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = minijinja::Environment::new();
        for (name, text) in TEMPLATES {
            env.add_template(name, text)
                .expect("the embedded templates parse");
        }
        env
    })
}

pub(super) fn render(template: &str, ctx: impl Serialize) -> Result<String> {
    env()
        .get_template(template)
        .and_then(|t| t.render(ctx))
        .map_err(|e| crate::error::Error::Other(format!("page `{template}`: {e}")))
}

/// What every page shares: language, its switch, the run and its periods.
#[derive(Serialize)]
pub(super) struct Frame {
    lang: &'static str,
    other_lang: &'static str,
    other_lang_name: &'static str,
    run: String,
    period: String,
    periods: Vec<String>,
    run_period: String,
    live: Option<String>,
    t: HashMap<&'static str, &'static str>,
}

pub(super) fn lang_of(s: &Served, q: &HashMap<String, String>) -> Lang {
    q.get("lang")
        .and_then(|l| Lang::parse(l).ok())
        .unwrap_or(s.lang)
}

pub(super) fn frame(s: &Served, view: &RunView, lang: Lang) -> Frame {
    Frame {
        lang: lang.code(),
        other_lang: match lang {
            Lang::Nl => "en",
            Lang::En => "nl",
        },
        other_lang_name: match lang {
            Lang::Nl => "English",
            Lang::En => "Nederlands",
        },
        run: view.name.clone(),
        period: view.period.clone(),
        periods: s.periods.clone(),
        run_period: s.run_period.clone(),
        live: s.live.as_ref().err().cloned(),
        t: lang.serve_labels(),
    }
}

fn page(result: Result<String>) -> Response {
    match result {
        Ok(html) => Html(html).into_response(),
        Err(e) => internal(e),
    }
}

pub(super) fn not_found(message: String) -> Response {
    (StatusCode::NOT_FOUND, Html(format!("<!doctype html><meta charset=utf-8><title>wijkscan</title><p>{}</p><p><a href=\"/\">wijkscan</a></p>", escape(&message)))).into_response()
}

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub async fn css() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS).into_response()
}

pub async fn js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        JS,
    )
        .into_response()
}

/// A row of an area table: formatted, with hidden cells said as such.
#[derive(Serialize)]
struct AreaLine {
    code: String,
    name: String,
    hidden: bool,
    persons: String,
    cost: String,
    norm: String,
    oe: String,
    resultaat: String,
    flagged: String,
}

pub(super) fn fmt(v: Option<f64>, f: impl Fn(f64) -> String, hidden: bool, lang: Lang) -> String {
    match v {
        Some(v) => f(v),
        None if hidden => lang.t("te weinig personen", "too few persons").into(),
        None => "–".into(),
    }
}

fn area_line(a: &AreaRow, view: &RunView, lang: Lang) -> AreaLine {
    let flags: Vec<&str> = view
        .flags
        .iter()
        .filter(|f| f.code == a.code && f.level == a.level)
        .map(|f| if f.direction == "high" { "▲" } else { "▼" })
        .collect();
    AreaLine {
        code: a.code.clone(),
        name: a.name.clone(),
        hidden: a.suppressed,
        persons: fmt(a.insured_persons, |v| lang.number(v, 0), a.suppressed, lang),
        cost: fmt(a.zvw_per_iy, |v| lang.euro(v), a.suppressed, lang),
        norm: fmt(a.norm_per_iy, |v| lang.euro(v), a.suppressed, lang),
        oe: fmt(a.oe, |v| lang.ratio(v), a.suppressed, lang),
        resultaat: fmt(a.resultaat_per_iy, |v| lang.euro(v), a.suppressed, lang),
        flagged: flags.join(""),
    }
}

/// The map SVG with each area's polygons marked for the page's clicks (`data-code`) and
/// named on hover; the SVG as drawn when the counts do not agree.
pub fn clickable_map(svg: &str, codes: &[&str], titles: &HashMap<String, String>) -> String {
    if svg.matches("<polygon").count() != codes.len() {
        tracing::warn!("map polygons and shapes differ in number; the map is not clickable");
        return svg.to_string();
    }
    let mut out = String::with_capacity(svg.len() + codes.len() * 64);
    let mut rest = svg;
    for code in codes {
        let Some(i) = rest.find("<polygon") else {
            break;
        };
        out.push_str(&rest[..i]);
        let tail = &rest[i + "<polygon".len()..];
        let end = tail.find("/>").unwrap_or(tail.len());
        let code = escape(code);
        let title = titles
            .get(code.as_str())
            .map(|t| escape(t))
            .unwrap_or_else(|| code.clone());
        out.push_str(&format!(
            "<polygon class=\"area\" data-code=\"{code}\"{}><title>{title}</title></polygon>",
            &tail[..end]
        ));
        rest = tail.get(end + 2..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

#[derive(Serialize)]
struct Overview {
    frame: Frame,
    level: String,
    levels: Vec<(String, String)>,
    map: Option<String>,
    findings: Vec<String>,
    changes: Vec<String>,
    areas: Vec<AreaLine>,
}

fn overview_page(s: &Served, q: &HashMap<String, String>) -> std::result::Result<String, Response> {
    let lang = lang_of(s, q);
    let view = s
        .view(q.get("period").map(String::as_str))
        .map_err(not_found)?;
    let view = view.as_ref();
    let levels = view.chart_levels();
    let level = q
        .get("level")
        .and_then(|l| Level::parse(l))
        .filter(|l| levels.contains(l))
        .or_else(|| crate::report::notes::summary_level(view))
        .unwrap_or(Level::Gemeente);
    // Planned, titled and drawn once per period, level and language (planning copies every
    // shape of the level's geometry: not per request).
    let map = match &s.geometry {
        Some(geo) => {
            let key = format!("map/{}/{level}/{}", view.period, lang.code());
            let svg = s
                .chart(&key, || {
                    let Some(chart) = crate::charts::plan::level_maps(view, geo, level, lang)
                        .into_iter()
                        .next()
                    else {
                        return Ok(String::new());
                    };
                    let crate::charts::chart::Kind::Map(m) = &chart.kind else {
                        return crate::charts::render::svg(&chart);
                    };
                    let titles: HashMap<String, String> = view
                        .areas
                        .iter()
                        .filter(|a| a.level == level)
                        .map(|a| {
                            let oe =
                                a.oe.map(|v| format!(": O/E {}", lang.ratio(v)))
                                    .unwrap_or_default();
                            (a.code.clone(), format!("{} ({}){oe}", a.name, a.code))
                        })
                        .collect();
                    Ok(clickable_map(
                        &crate::charts::render::svg(&chart)?,
                        &m.polygon_codes(),
                        &titles,
                    ))
                })
                .map_err(internal)?;
            (!svg.is_empty()).then(|| svg.to_string())
        }
        None => None,
    };
    let ctx = Overview {
        frame: frame(s, view, lang),
        level: level.as_str().into(),
        levels: levels
            .iter()
            .map(|l| (l.as_str().to_string(), lang.level(*l)))
            .collect(),
        map,
        findings: crate::report::notes::findings(view, lang),
        changes: crate::report::notes::changes(view, lang),
        areas: view
            .areas
            .iter()
            .filter(|a| a.level == level)
            .map(|a| area_line(a, view, lang))
            .collect(),
    };
    render("overview.html.j2", ctx).map_err(internal)
}

pub async fn overview(State(s): State<Shared>, Query(q): Params) -> Response {
    match blocking(move || overview_page(&s, &q)).await {
        Ok(Ok(html)) => Html(html).into_response(),
        Ok(Err(r)) | Err(r) => r,
    }
}

#[derive(Serialize)]
struct SessionPage {
    frame: Frame,
    entries: Vec<[String; 4]>,
}

pub async fn session(State(s): State<Shared>, Query(q): Params) -> Response {
    let lang = lang_of(&s, &q);
    let Ok(view) = s.view(None) else {
        return internal("the run's own period has no view");
    };
    let view = view.as_ref();
    let entries = match s.session.lock() {
        Ok(g) => g
            .entries
            .iter()
            .map(|e| {
                let what = match &e.outcome {
                    super::session::Outcome::Answered(a) => super::session::answer_words(a, lang),
                    super::session::Outcome::Refused { reason } => {
                        format!("{}: {reason}", lang.t("geweigerd", "refused"))
                    }
                    super::session::Outcome::Invalid { message } => {
                        format!("{}: {message}", lang.t("niet te lezen", "not readable"))
                    }
                };
                [e.time.clone(), e.area.clone(), e.filter.clone(), what]
            })
            .collect(),
        Err(e) => return internal(super::state::poisoned(e)),
    };
    page(render(
        "session.html.j2",
        SessionPage {
            frame: frame(&s, view, lang),
            entries,
        },
    ))
}

/// Any other page.
pub async fn missing() -> Response {
    not_found("no such page".into())
}
