//! The code lists of SPEC 2.6 and the reporting period: the vocabulary every stage shares.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Zvw cost categories as Vektis groups them (SPEC 2.6), in report order.
pub const CARE_TYPES: [&str; 13] = [
    "huisarts",
    "farmacie",
    "msz",
    "ggz_basis",
    "ggz_specialistisch",
    "wijkverpleging",
    "fysiotherapie",
    "paramedisch",
    "hulpmiddelen",
    "ziekenvervoer",
    "kraamzorg",
    "mondzorg",
    "overig",
];

/// Wmo provision types (SPEC 2.6).
pub const PROVISION_TYPES: [&str; 8] = [
    "huishoudelijke_hulp",
    "begeleiding_individueel",
    "dagbesteding",
    "kortdurend_verblijf",
    "hulpmiddelen_woonvoorziening",
    "vervoer",
    "beschermd_wonen",
    "overig",
];

pub const HOUSEHOLDS: [&str; 5] = [
    "single",
    "couple",
    "couple_children",
    "single_parent",
    "other",
];
pub const EDUCATIONS: [&str; 3] = ["low", "middle", "high"];
/// `F` is accepted as `V` (vrouw) and normalised on load.
pub const SEXES: [&str; 3] = ["M", "V", "F"];

/// pc5: four digits (no leading zero) and the first letter, e.g. `7544A`.
pub const PC5_PATTERN: &str = r"^[1-9][0-9]{3}[A-Z]$";
pub const BUURT_PATTERN: &str = r"^BU[0-9A-Za-z]{8}$";
pub const WIJK_PATTERN: &str = r"^WK[0-9A-Za-z]{6}$";
pub const GEMEENTE_PATTERN: &str = r"^GM[0-9]{4}$";
/// AGB code of a GP practice: 8 digits (Vektis AGB register).
pub const AGB_PATTERN: &str = r"^[0-9]{8}$";

/// Days in a year for `insured_years` (SPEC 2.1: insured_days / 365, also in leap years).
pub const DAYS_PER_YEAR: f64 = 365.0;

/// Largest amount one claim line or one Wmo provision may carry, in euros (either sign for
/// claims). No real line reaches it; a larger one is a unit or export error (cents as euros,
/// a scientific-notation glitch), and left in, it would not fit the exact cent sums.
pub const MAX_LINE_EUR: f64 = 10_000_000.0;
/// Largest norm cost of one pc5 row, in euros (a pc5 holds at most a few thousand insured).
pub const MAX_NORM_EUR: f64 = 1_000_000_000.0;
/// Largest number of norm insured years of one pc5 row.
pub const MAX_NORM_YEARS: f64 = 1_000_000.0;

/// A reporting period: inclusive start and end dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Period {
    /// Parses `YYYY`, `YYYYQn`, or two ISO dates separated by `..` (or `/` or `,`).
    pub fn parse(s: &str) -> Result<Period, String> {
        let s = s.trim();
        let bad =
            || format!("`{s}` is not a period: use `YYYY`, `YYYYQn` or `YYYY-MM-DD..YYYY-MM-DD`");
        for sep in ["..", "/", ","] {
            if let Some((a, b)) = s.split_once(sep) {
                let start = NaiveDate::parse_from_str(a.trim(), "%Y-%m-%d").map_err(|_| bad())?;
                let end = NaiveDate::parse_from_str(b.trim(), "%Y-%m-%d").map_err(|_| bad())?;
                if end < start {
                    return Err(format!("period `{s}` ends before it starts"));
                }
                return Ok(Period { start, end });
            }
        }
        let (year, quarter) = match s.split_once(['Q', 'q']) {
            Some((y, q)) => (y, Some(q)),
            None => (s, None),
        };
        if year.len() != 4 {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        let (m0, m1) = match quarter {
            None => (1, 12),
            Some(q) => match q {
                "1" => (1, 3),
                "2" => (4, 6),
                "3" => (7, 9),
                "4" => (10, 12),
                _ => return Err(bad()),
            },
        };
        let start = NaiveDate::from_ymd_opt(year, m0, 1).ok_or_else(bad)?;
        let end = last_day_of_month(year, m1).ok_or_else(bad)?;
        Ok(Period { start, end })
    }

    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }

    /// Days since 1970-01-01, as polars stores a `Date`.
    pub fn start_epoch_days(&self) -> i32 {
        epoch_days(self.start)
    }

    pub fn end_epoch_days(&self) -> i32 {
        epoch_days(self.end)
    }

    /// Short label: `2024Q3`, `2024`, or `2024-01-01..2024-02-15`.
    pub fn label(&self) -> String {
        let (y0, y1) = (self.start.year(), self.end.year());
        if y0 == y1
            && self.start.day() == 1
            && Some(self.end) == last_day_of_month(y1, self.end.month())
        {
            let (m0, m1) = (self.start.month(), self.end.month());
            if m0 == 1 && m1 == 12 {
                return format!("{y0}");
            }
            if (m0 - 1) % 3 == 0 && m1 == m0 + 2 {
                return format!("{y0}Q{}", (m0 - 1) / 3 + 1);
            }
        }
        format!("{}..{}", self.start, self.end)
    }
}

impl Period {
    /// Parses a series of periods for monitoring: `2023Q1..2024Q4` (every quarter from the
    /// first to the last), `2020..2024` (every year), or a comma-separated list of periods.
    /// The periods must be quarters or years of one kind, in order, without repeats.
    pub fn series(s: &str) -> Result<Vec<Period>, String> {
        let s = s.trim();
        let periods: Vec<Period> = if let Some((a, b)) = s.split_once("..") {
            let (first, last) = (Period::parse(a)?, Period::parse(b)?);
            let mut out = vec![first];
            while let Some(next) = out.last().and_then(|p| p.next()) {
                if next.start > last.start {
                    break;
                }
                out.push(next);
            }
            if out.last() != Some(&last) {
                return Err(format!(
                    "`{s}`: give a range of quarters (2023Q1..2024Q4) or years (2020..2024)"
                ));
            }
            out
        } else {
            s.split(',').map(Period::parse).collect::<Result<_, _>>()?
        };
        if periods.iter().any(|p| p.kind().is_none()) {
            return Err(format!(
                "`{s}`: monitoring compares quarters or years, not other date ranges"
            ));
        }
        if periods
            .windows(2)
            .any(|w| w[0].kind() != w[1].kind() || w[1].start <= w[0].start)
        {
            return Err(format!(
                "`{s}`: periods must be all quarters or all years, in order, without repeats"
            ));
        }
        Ok(periods)
    }

    /// `Some("quarter")` or `Some("year")` for a calendar quarter or year.
    pub fn kind(&self) -> Option<&'static str> {
        let label = self.label();
        if label.contains('Q') {
            Some("quarter")
        } else if label.len() == 4 {
            Some("year")
        } else {
            None
        }
    }

    /// The quarter or year after this one.
    pub fn next(&self) -> Option<Period> {
        let months = match self.kind()? {
            "quarter" => 3,
            _ => 12,
        };
        let start = self.start.checked_add_months(chrono::Months::new(months))?;
        let end = start
            .checked_add_months(chrono::Months::new(months))?
            .pred_opt()?;
        Some(Period { start, end })
    }

    /// The position of a quarter or year on the calendar, counted in its own kind (quarters
    /// since year 0, or the year): the x of a trend, so a gap in a series is a gap in x.
    pub fn ordinal(&self) -> Option<i64> {
        let year = self.start.year() as i64;
        match self.kind()? {
            "quarter" => Some(year * 4 + (self.start.month0() / 3) as i64),
            _ => Some(year),
        }
    }

    /// The same quarter (or the year) one year earlier.
    pub fn year_earlier(&self) -> Option<Period> {
        let months = match self.kind()? {
            "quarter" => 3,
            _ => 12,
        };
        let start = self.start.checked_sub_months(chrono::Months::new(12))?;
        let end = start
            .checked_add_months(chrono::Months::new(months))?
            .pred_opt()?;
        Some(Period { start, end })
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

pub fn epoch_days(d: NaiveDate) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid epoch");
    (d - epoch).num_days() as i32
}

pub fn date_from_epoch_days(days: i32) -> NaiveDate {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid epoch");
    epoch + chrono::Duration::days(days as i64)
}

fn last_day_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(ny, nm, 1)?.pred_opt()
}

/// The levels of the area hierarchy, in publication order (finest first). Frames carry the
/// level as its `as_str` text in a `level` column; code compares `Level`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Pc5,
    Buurt,
    Wijk,
    Gemeente,
    Total,
}

impl Level {
    /// Publication order: the order of the profile's rows and of every level list.
    pub const ALL: [Level; 5] = [
        Level::Pc5,
        Level::Buurt,
        Level::Wijk,
        Level::Gemeente,
        Level::Total,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Pc5 => "pc5",
            Level::Buurt => "buurt",
            Level::Wijk => "wijk",
            Level::Gemeente => "gemeente",
            Level::Total => "total",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// Position in publication order (the sort key of the profile).
    pub fn rank(self) -> usize {
        self as usize
    }

    /// The `areas` column that holds this level's code (none for the total).
    pub fn code_column(self) -> Option<&'static str> {
        match self {
            Level::Pc5 => Some("pc5"),
            Level::Buurt => Some("buurt_code"),
            Level::Wijk => Some("wijk_code"),
            Level::Gemeente => Some("gemeente_code"),
            Level::Total => None,
        }
    }

    /// The `areas` column that holds this level's name (pc5s are named by their code).
    pub fn name_column(self) -> Option<&'static str> {
        match self {
            Level::Pc5 => Some("pc5"),
            Level::Buurt => Some("buurt_name"),
            Level::Wijk => Some("wijk_name"),
            Level::Gemeente => Some("gemeente_name"),
            Level::Total => None,
        }
    }

    /// The level one up in the tree (none above the total).
    pub fn parent(self) -> Option<Level> {
        Level::ALL.get(self.rank() + 1).copied()
    }

    /// The level of a CBS area code, if it is one: a four-digit gemeente number, then (wijk,
    /// buurt) two characters each, digits or, as in Amsterdam since 2023, letters. The only
    /// parser of area codes: focus areas, map features and report rows all use it.
    pub fn of_code(code: &str) -> Option<Level> {
        // Checked before slicing by byte: codes may come from user data and be any text.
        if !code.is_ascii() {
            return None;
        }
        let shaped = |n: usize| {
            code.len() == n + 2
                && code[2..6].bytes().all(|b| b.is_ascii_digit())
                && code[6..].bytes().all(|b| b.is_ascii_alphanumeric())
        };
        match code.get(..2)? {
            "BU" if shaped(8) => Some(Level::Buurt),
            "WK" if shaped(6) => Some(Level::Wijk),
            "GM" if shaped(4) => Some(Level::Gemeente),
            _ => None,
        }
    }

    /// The code of the area at this level that contains the CBS area `code`.
    pub fn ancestor_of(self, code: &str) -> Option<String> {
        let own = Level::of_code(code)?;
        if self < own {
            return None;
        }
        Some(match self {
            Level::Buurt => code.to_string(),
            Level::Wijk => format!("WK{}", &code[2..8]),
            Level::Gemeente => format!("GM{}", &code[2..6]),
            Level::Pc5 | Level::Total => return None,
        })
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

pub const TOTAL_CODE: &str = "TOTAAL";
pub const TOTAL_NAME: &str = "Totaal";

/// The Vektis 5-year age classes (SPEC 3.8, the national reference and the generator's
/// calibration): lower bound of each; the last class is 90+.
pub const AGE_CLASS_LOWER: [u32; 19] = [
    0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90,
];

/// The 5-year age class (index into `AGE_CLASS_LOWER`) of an age; 90 and over is the last.
pub fn class_of_age(age: i64) -> usize {
    AGE_CLASS_LOWER
        .iter()
        .rposition(|&lower| age >= i64::from(lower))
        .unwrap_or(0)
}

/// Vektis labels of the age classes, as in the file (trimmed).
pub const AGE_CLASS_LABELS: [&str; 19] = [
    "0 t/m  4 jaar",
    "5 t/m  9 jaar",
    "10 t/m 14 jaar",
    "15 t/m 19 jaar",
    "20 t/m 24 jaar",
    "25 t/m 29 jaar",
    "30 t/m 34 jaar",
    "35 t/m 39 jaar",
    "40 t/m 44 jaar",
    "45 t/m 49 jaar",
    "50 t/m 54 jaar",
    "55 t/m 59 jaar",
    "60 t/m 64 jaar",
    "65 t/m 69 jaar",
    "70 t/m 74 jaar",
    "75 t/m 79 jaar",
    "80 t/m 84 jaar",
    "85 t/m 89 jaar",
    "90+",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse() {
        let q = Period::parse("2024Q3").unwrap();
        assert_eq!(q.start, NaiveDate::from_ymd_opt(2024, 7, 1).unwrap());
        assert_eq!(q.end, NaiveDate::from_ymd_opt(2024, 9, 30).unwrap());
        assert_eq!(q.days(), 92);
        assert_eq!(q.label(), "2024Q3");
        let y = Period::parse("2024").unwrap();
        assert_eq!(y.days(), 366);
        assert_eq!(y.label(), "2024");
        let d = Period::parse("2024-02-01..2024-02-29").unwrap();
        assert_eq!(d.days(), 29);
        assert_eq!(d.label(), "2024-02-01..2024-02-29");
        assert!(Period::parse("2024Q5").is_err());
        assert!(Period::parse("24").is_err());
        assert!(Period::parse("2024-03-01..2024-02-01").is_err());
        assert_eq!(Period::parse("1970Q1").unwrap().start_epoch_days(), 0);
    }

    #[test]
    fn period_series() {
        let q = Period::series("2023Q3..2024Q2").unwrap();
        let labels: Vec<String> = q.iter().map(Period::label).collect();
        assert_eq!(labels, ["2023Q3", "2023Q4", "2024Q1", "2024Q2"]);
        let y = Period::series("2021..2023").unwrap();
        assert_eq!(y.len(), 3);
        assert_eq!(y[2].label(), "2023");
        assert_eq!(Period::series("2024Q1, 2024Q3").unwrap().len(), 2);
        assert!(Period::series("2024Q1..2024").is_err());
        assert!(Period::series("2024Q3..2024Q1").is_err());
        assert!(Period::series("2024Q1,2024").is_err());
        assert!(Period::series("2024-01-01..2024-02-01,2024Q1").is_err());
        let p = Period::parse("2024Q1").unwrap();
        assert_eq!(p.year_earlier().unwrap().label(), "2023Q1");
        assert_eq!(
            Period::parse("2024Q4").unwrap().next().unwrap().label(),
            "2025Q1"
        );
        assert_eq!(
            Period::parse("2024")
                .unwrap()
                .year_earlier()
                .unwrap()
                .label(),
            "2023"
        );
        assert_eq!(
            Period::parse("2024Q3")
                .unwrap()
                .year_earlier()
                .unwrap()
                .label(),
            "2023Q3"
        );
    }

    #[test]
    fn levels_order_parse_and_codes() {
        assert!(Level::ALL
            .windows(2)
            .all(|w| w[0] < w[1] && w[0].parent() == Some(w[1])));
        for l in Level::ALL {
            assert_eq!(Level::parse(l.as_str()), Some(l));
        }
        assert_eq!(Level::Total.parent(), None);
        assert_eq!(Level::of_code("BU01530301"), Some(Level::Buurt));
        assert_eq!(Level::of_code("WK015303"), Some(Level::Wijk));
        assert_eq!(Level::of_code("GM0153"), Some(Level::Gemeente));
        assert_eq!(Level::of_code("BU0363AF09"), Some(Level::Buurt));
        assert_eq!(Level::of_code("BU123"), None);
        assert_eq!(Level::of_code("BU0153"), None);
        assert_eq!(Level::of_code("7511A"), None);
        assert_eq!(Level::of_code("2024BU03080000"), None);
        assert_eq!(Level::of_code("GMé153"), None);
        assert_eq!(
            Level::Wijk.ancestor_of("BU01530301").as_deref(),
            Some("WK015303")
        );
        assert_eq!(
            Level::Gemeente.ancestor_of("WK015303").as_deref(),
            Some("GM0153")
        );
        assert_eq!(Level::Buurt.ancestor_of("WK015303"), None);
        assert_eq!(
            Level::Wijk.ancestor_of("BU0363AF09").as_deref(),
            Some("WK0363AF")
        );
    }
}
