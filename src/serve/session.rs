//! The session log: every live query tried on the page, with its answer, its refusal or why it
//! could not be read — for the minutes, as CSV and as a Markdown list. It holds only what the
//! page showed (published-grade figures), never a refused group's figures.

use crate::text::Lang;
use serde::Serialize;

/// A live answer as the page shows it: published figures only.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Answer {
    pub persons: i64,
    pub share: f64,
    pub cost_per_person: Option<f64>,
    pub rest_cost_per_person: Option<f64>,
    pub cv: Option<f64>,
    pub passes_volume: Option<bool>,
}

/// What became of a query.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Answered(Answer),
    Refused {
        reason: String,
    },
    /// The filter did not parse or check (never reached the data).
    Invalid {
        message: String,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub number: usize,
    /// Local time of day, HH:MM:SS.
    pub time: String,
    pub area: String,
    pub filter: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Debug, Default)]
pub struct Session {
    pub entries: Vec<Entry>,
}

/// The local time of day (the minutes are read in the room's time zone).
fn now() -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as libc::time_t)
        .unwrap_or(0);
    // SAFETY: localtime_r writes only into `tm`, which lives on this stack frame.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let ok = unsafe { !libc::localtime_r(&t, &mut tm).is_null() };
    if !ok {
        return String::new();
    }
    format!("{:02}:{:02}:{:02}", tm.tm_hour, tm.tm_min, tm.tm_sec)
}

impl Session {
    pub fn record(&mut self, area: &str, filter: &str, outcome: Outcome) -> Entry {
        let e = Entry {
            number: self.entries.len() + 1,
            time: now(),
            area: area.to_string(),
            filter: filter.to_string(),
            outcome,
        };
        self.entries.push(e.clone());
        e
    }

    /// One row per query; refused and invalid queries have empty figures and a reason.
    pub fn csv(&self) -> String {
        let mut out = String::from(
            "number,time,area_code,filter,outcome,persons,share,cost_per_person,rest_cost_per_person,cv,passes_volume,reason\n",
        );
        let num = |v: Option<f64>| v.map(|v| format!("{v}")).unwrap_or_default();
        for e in &self.entries {
            let (outcome, figures, reason) = match &e.outcome {
                Outcome::Answered(a) => (
                    "answered",
                    format!(
                        "{},{},{},{},{},{}",
                        a.persons,
                        a.share,
                        num(a.cost_per_person),
                        num(a.rest_cost_per_person),
                        num(a.cv),
                        a.passes_volume.map(|b| b.to_string()).unwrap_or_default()
                    ),
                    String::new(),
                ),
                Outcome::Refused { reason } => ("refused", ",,,,,".to_string(), reason.clone()),
                Outcome::Invalid { message } => ("invalid", ",,,,,".to_string(), message.clone()),
            };
            out.push_str(&format!(
                "{},{},{},{},{outcome},{figures},{}\n",
                e.number,
                e.time,
                csv_field(&e.area),
                csv_field(&e.filter),
                csv_field(&reason)
            ));
        }
        out
    }

    /// A Markdown list for the minutes, in the page's language.
    pub fn markdown(&self, lang: Lang, run: &str) -> String {
        let mut out = format!(
            "# {} — {run}\n\n",
            lang.t(
                "Werksessie: geprobeerde groepen",
                "Working session: groups tried"
            )
        );
        if self.entries.is_empty() {
            out.push_str(lang.t("Nog geen vragen gesteld.\n", "No queries yet.\n"));
        }
        for e in &self.entries {
            let what = match &e.outcome {
                Outcome::Answered(a) => answer_words(a, lang),
                Outcome::Refused { reason } => {
                    format!("**{}**: {reason}", lang.t("geweigerd", "refused"))
                }
                Outcome::Invalid { message } => {
                    format!("{}: {message}", lang.t("niet te lezen", "not readable"))
                }
            };
            out.push_str(&format!(
                "- {} {} `{}` — {what}\n",
                e.time,
                e.area,
                e.filter.replace('`', "'")
            ));
        }
        out
    }
}

/// "123 personen (4,5%), € 1.234 per persoon tegen € 987 voor de rest; CV 1,20; genoeg volume".
pub fn answer_words(a: &Answer, lang: Lang) -> String {
    let euro = |v: Option<f64>| v.map(|v| lang.euro(v)).unwrap_or_else(|| "–".into());
    let mut s = format!(
        "{} {} ({}), {} {} {} {}{}",
        lang.number(a.persons as f64, 0),
        lang.t("personen", "persons"),
        lang.percent(a.share),
        euro(a.cost_per_person),
        lang.t("per persoon tegen", "per person against"),
        euro(a.rest_cost_per_person),
        lang.t("voor de rest van het gebied", "for the rest of the area"),
        a.cv.map(|v| format!("; CV {}", lang.ratio(v)))
            .unwrap_or_default()
    );
    match a.passes_volume {
        Some(true) => s.push_str(lang.t("; genoeg volume", "; enough volume")),
        Some(false) => s.push_str(lang.t("; te weinig volume", "; too little volume")),
        None => {}
    }
    s
}

/// A CSV field, quoted when it holds a comma, quote or line break.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Session {
        let mut s = Session::default();
        s.record(
            "WK001401",
            "age >= 75, or not",
            Outcome::Answered(Answer {
                persons: 120,
                share: 0.125,
                cost_per_person: Some(1500.0),
                rest_cost_per_person: Some(900.4),
                cv: Some(1.5),
                passes_volume: Some(true),
            }),
        );
        s.record(
            "WK001401",
            "age >= 75 AND sex = 'F'",
            Outcome::Refused {
                reason: "would reveal \"3\" persons".into(),
            },
        );
        s.record(
            "WK001401",
            "age >=",
            Outcome::Invalid {
                message: "column 7: expected an expression".into(),
            },
        );
        s
    }

    #[test]
    fn the_log_downloads_as_csv_with_quoted_fields() {
        let csv = session().csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(
            lines[1].ends_with(
                ",WK001401,\"age >= 75, or not\",answered,120,0.125,1500,900.4,1.5,true,"
            ),
            "{}",
            lines[1]
        );
        assert!(
            lines[2].contains(",refused,,,,,,,\"would reveal \"\"3\"\" persons\""),
            "{}",
            lines[2]
        );
        assert!(lines[3].contains(",invalid,"), "{}", lines[3]);
        // Every row has the header's number of fields (outside quotes).
        for l in &lines[..2] {
            let mut n = 1;
            let mut quoted = false;
            for c in l.chars() {
                match c {
                    '"' => quoted = !quoted,
                    ',' if !quoted => n += 1,
                    _ => {}
                }
            }
            assert_eq!(n, 12, "{l}");
        }
    }

    #[test]
    fn the_log_reads_as_minutes_in_dutch() {
        let md = session().markdown(Lang::Nl, "kwartaal");
        assert!(
            md.contains("120 personen (12,5%), € 1.500 per persoon tegen € 900"),
            "{md}"
        );
        assert!(md.contains("**geweigerd**: would reveal"), "{md}");
        assert!(md.contains("niet te lezen: column 7"), "{md}");
        assert_eq!(md.lines().filter(|l| l.starts_with("- ")).count(), 3);
    }
}
