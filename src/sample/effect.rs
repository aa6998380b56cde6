//! An intervention's effect planted in a generated series (METHODS 10 calibration and
//! demonstrations): `wijkscan sample --periods … --plant-effect WK015303,2024Q1,-0.2`.

use super::geography::Area;
use crate::domain::{Level, Period};
use crate::error::{Error, Result};

/// An intervention's effect planted in one area: every claim of its residents is multiplied by
/// `1 + size` from period `start` on (`size = -0.2`: claims 20% lower). The norm does not
/// follow it, as a real programme's would not.
#[derive(Debug, Clone, PartialEq)]
pub struct PlantedEffect {
    /// A wijk or buurt code (or a gemeente's).
    pub area: String,
    pub start: Period,
    pub size: f64,
}

impl PlantedEffect {
    /// `AREA,START,SIZE`, e.g. `WK015303,2024Q1,-0.2`.
    pub fn parse(s: &str) -> std::result::Result<PlantedEffect, String> {
        let parts: Vec<&str> = s.split(',').map(str::trim).collect();
        let [area, start, size] = parts[..] else {
            return Err(format!(
                "`{s}`: write AREA,START,SIZE, e.g. WK015303,2024Q1,-0.2"
            ));
        };
        if Level::of_code(area).is_none() {
            return Err(format!("`{area}` is not a buurt, wijk or gemeente code"));
        }
        let start = Period::parse(start)?;
        let size: f64 = size
            .parse()
            .map_err(|_| format!("size `{size}` is not a number (−0.2 for 20% lower)"))?;
        if !(size > -1.0 && size.is_finite()) {
            return Err(format!("size {size} must be above −1"));
        }
        Ok(PlantedEffect {
            area: area.to_string(),
            start,
            size,
        })
    }
}

impl PlantedEffect {
    /// Which of `areas` (pc5s) lie in the planted area, the index of its first period in
    /// `periods`, and the factor on every claim of its residents from then on.
    pub(super) fn plan(
        &self,
        areas: &[Area],
        periods: &[Period],
    ) -> Result<(Vec<bool>, usize, f64)> {
        let from = periods
            .iter()
            .position(|p| *p == self.start)
            .ok_or_else(|| {
                Error::Other(format!(
                    "planted effect: {} is not a period of the series",
                    self.start.label()
                ))
            })?;
        let level = Level::of_code(&self.area).unwrap_or(Level::Wijk);
        let inside: Vec<bool> = areas
            .iter()
            .map(|a| {
                let code = match level {
                    Level::Buurt => &a.buurt_code,
                    Level::Gemeente => &a.gemeente_code,
                    _ => &a.wijk_code,
                };
                *code == self.area
            })
            .collect();
        if !inside.iter().any(|b| *b) {
            return Err(Error::Other(format!(
                "planted effect: area {} is not in the series' geography",
                self.area
            )));
        }
        Ok((inside, from, 1.0 + self.size))
    }
}
