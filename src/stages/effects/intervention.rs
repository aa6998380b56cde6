//! An intervention as a pipeline file declares it (`[[interventions]]`) or `wijkscan effect`
//! asks for it, and its checks against the run's periods.

use crate::domain::{Level, Period};

/// Who the treated areas are compared with.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(untagged)]
pub enum Comparison {
    /// `"same_gemeente"`: the untreated areas of the treated areas' gemeente.
    Keyword(String),
    /// A list of area codes of the treated areas' level.
    Areas(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Intervention {
    pub name: String,
    pub areas: Vec<String>,
    /// The first period of the programme (`2024Q1`).
    pub start: String,
    /// A built-in or own segment: the effect on that group's cost per person in the areas.
    #[serde(default)]
    pub segment: Option<String>,
    /// Default: every untreated area of the level.
    #[serde(default)]
    pub comparison: Option<Comparison>,
}

/// Periods needed before the start (METHODS 10: the base and the pre-trend).
pub const MIN_PRE: usize = 4;

impl Intervention {
    /// The treated areas' level, checked: buurten, wijken or gemeenten, all of one level.
    pub fn level(&self) -> Result<Level, String> {
        let mut level = None;
        if self.areas.is_empty() {
            return Err(format!("intervention `{}`: `areas` is empty", self.name));
        }
        for a in &self.areas {
            let l = Level::of_code(a).ok_or_else(|| {
                format!(
                    "intervention `{}`: `{a}` is not a buurt (BU…), wijk (WK…) or gemeente (GM…) code",
                    self.name
                )
            })?;
            if level.is_some_and(|x| x != l) {
                return Err(format!(
                    "intervention `{}`: its areas are of different levels; declare one intervention per level",
                    self.name
                ));
            }
            level = Some(l);
        }
        Ok(level.expect("areas is not empty"))
    }

    /// Checks the declaration against the run's periods (labels, oldest first); the index of
    /// the start period.
    pub fn check(&self, periods: &[String]) -> Result<usize, String> {
        if self.name.trim().is_empty() {
            return Err("an intervention needs a `name`".into());
        }
        self.level()?;
        Period::parse(&self.start)
            .map_err(|e| format!("intervention `{}`: start `{}`: {e}", self.name, self.start))?;
        let Some(start) = periods.iter().position(|p| *p == self.start) else {
            return Err(format!(
                "intervention `{}`: start `{}` is not a period of the run ({})",
                self.name,
                self.start,
                periods.join(", ")
            ));
        };
        if start < MIN_PRE {
            return Err(format!(
                "intervention `{}`: needs at least {MIN_PRE} periods before its start {}, the run has {start} ({})",
                self.name,
                self.start,
                if start == 0 { "none".to_string() } else { periods[..start].join(", ") }
            ));
        }
        if start >= periods.len() {
            return Err(format!(
                "intervention `{}`: needs at least one period from its start {} on",
                self.name, self.start
            ));
        }
        match &self.comparison {
            Some(Comparison::Keyword(k)) if k != "same_gemeente" => Err(format!(
                "intervention `{}`: comparison `{k}` is neither \"same_gemeente\" nor a list of area codes",
                self.name
            )),
            _ => Ok(start),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quarters(n: usize) -> Vec<String> {
        Period::series("2023Q1..2025Q4").unwrap()[..n]
            .iter()
            .map(|p| p.label())
            .collect()
    }

    fn wijk(start: &str) -> Intervention {
        Intervention {
            name: "aanpak".into(),
            areas: vec!["WK001401".into()],
            start: start.into(),
            segment: None,
            comparison: None,
        }
    }

    #[test]
    fn four_periods_before_and_one_after() {
        assert_eq!(wijk("2024Q1").check(&quarters(5)), Ok(4));
        let e = wijk("2023Q4").check(&quarters(8)).unwrap_err();
        assert!(
            e.contains("at least 4 periods before its start 2023Q4, the run has 3"),
            "{e}"
        );
        let e = wijk("2025Q1").check(&quarters(8)).unwrap_err();
        assert!(e.contains("not a period of the run"), "{e}");
        let e = wijk("2024Q5").check(&quarters(8)).unwrap_err();
        assert!(e.contains("2024Q5"), "{e}");
    }

    #[test]
    fn areas_of_one_level_and_a_known_comparison() {
        let mut i = wijk("2024Q1");
        i.areas.push("BU00140101".into());
        assert!(i
            .check(&quarters(6))
            .unwrap_err()
            .contains("different levels"));
        let mut i = wijk("2024Q1");
        i.areas = vec!["1234AB".into()];
        assert!(i
            .check(&quarters(6))
            .unwrap_err()
            .contains("`1234AB` is not"));
        let mut i = wijk("2024Q1");
        i.comparison = Some(Comparison::Keyword("elsewhere".into()));
        assert!(i.check(&quarters(6)).unwrap_err().contains("elsewhere"));
        let i: Intervention = toml::from_str(
            "name = \"x\"\nareas = [\"WK001401\"]\nstart = \"2024Q1\"\ncomparison = [\"WK001402\", \"WK001403\"]",
        )
        .unwrap();
        assert_eq!(
            i.comparison,
            Some(Comparison::Areas(vec![
                "WK001402".into(),
                "WK001403".into()
            ]))
        );
    }
}
