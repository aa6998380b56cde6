//! The code lists of SPEC 2.6 and the reporting period: the vocabulary every stage shares.

use chrono::{Datelike, NaiveDate};
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

/// The level of a focus area code: `buurt`, `wijk` or `gemeente`.
pub fn level_of_code(code: &str) -> Option<&'static str> {
    match code.get(..2) {
        Some("BU") => Some("buurt"),
        Some("WK") => Some("wijk"),
        Some("GM") => Some("gemeente"),
        _ => None,
    }
}

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
}
