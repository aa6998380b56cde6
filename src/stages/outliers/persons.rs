//! The persons the flag basis is taken over, read once into plain columns with their stratum
//! (age band × sex), pc5 group (a pc5 and its area codes) and GP practice as indices.

use crate::domain::Level;
use crate::stages::profile::expected::BAND_UPPER;
use polars::prelude::*;

/// The levels whose person frame column holds their area code, in the order of a pc5
/// group's key.
pub(super) const CODE_LEVELS: [Level; 4] = [Level::Pc5, Level::Buurt, Level::Wijk, Level::Gemeente];

/// A hash map with a fast hash for the per-person lookups (ids are assigned in order of
/// first appearance, so nothing depends on the hash).
type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// The persons the basis is taken over — in a known area (`in_areas`) and insured some days
/// in the period — as plain columns, with their stratum, pc5 group and practice as indices.
pub(super) struct Inside {
    pub(super) days: Vec<i64>,
    /// The kept persons' columns this stage reads; their cents per metric by `cents`.
    kept: DataFrame,
    cents_columns: Vec<String>,
    /// Index of the person's (age band, sex) among the `strata` present.
    pub(super) stratum: Vec<u32>,
    pub(super) strata: usize,
    /// Index into `groups`: the person's codes of `CODE_LEVELS` (a pc5 and its areas).
    pub(super) group: Vec<u32>,
    pub(super) groups: Vec<[Option<String>; 4]>,
    /// Index into `practices` (empty without the practice sums); a person without a key has
    /// none.
    pub(super) practice: Vec<Option<u32>>,
    pub(super) practices: Vec<String>,
}

impl Inside {
    pub(super) fn read(
        persons: &DataFrame,
        metrics: &[(String, String)],
        practice: bool,
    ) -> PolarsResult<Inside> {
        let code_names: Vec<&str> = CODE_LEVELS
            .iter()
            .map(|l| l.code_column().expect("a level with a code column"))
            .collect();
        let mut names: Vec<&str> = vec!["insured_days", "age", "sex"];
        names.extend(&code_names);
        names.extend(metrics.iter().map(|(_, c)| c.as_str()));
        if practice {
            names.push(crate::columns::PRACTICE);
        }
        // A null `in_areas` or insured days keeps the person out, as a filter does.
        let insured = persons
            .column("insured_days")?
            .cast(&DataType::Int64)?
            .i64()?
            .gt(0);
        let mask = persons.column("in_areas")?.bool()? & &insured;
        let mut kept = persons.select(names)?.filter(&mask)?;
        kept.rechunk_mut();
        let n = kept.height();
        let ints = |name: &str, null_as: i64| -> PolarsResult<Vec<i64>> {
            let c = kept.column(name)?.cast(&DataType::Int64)?;
            let ca = c.i64()?;
            Ok(match ca.cont_slice() {
                Ok(v) => v.to_vec(),
                Err(_) => ca.iter().map(|v| v.unwrap_or(null_as)).collect(),
            })
        };
        let days = ints("insured_days", 0)?;
        // The age band as `expected::band`: the first upper bound the age is below; an
        // unknown age falls in the last band.
        let ages = kept.column("age")?.cast(&DataType::Int64)?;
        let mut stratum_of = FastMap::default();
        let stratum: Vec<u32> = ages
            .i64()?
            .iter()
            .zip(kept.column("sex")?.str()?.iter())
            .map(|(age, sex)| {
                let band = age
                    .and_then(|a| BAND_UPPER.iter().position(|u| a < *u))
                    .unwrap_or(BAND_UPPER.len());
                let next = stratum_of.len() as u32;
                *stratum_of.entry((band, sex)).or_insert(next)
            })
            .collect();
        let strata = stratum_of.len();

        // Groups: a person's four codes hashed together and compared with the codes of the
        // groups of that hash (a pc5 has one set of area codes; should it not, it splits).
        let codes = code_names
            .iter()
            .map(|c| kept.column(c)?.str())
            .collect::<PolarsResult<Vec<_>>>()?;
        // The map holds each key's hash, and the keys are owned: comparing a row with a key
        // kept as borrowed from its first row would read that row's far-away memory each time.
        use std::hash::BuildHasher;
        let hasher = foldhash::fast::FixedState::default();
        let mut ids_of: FastMap<u64, Vec<u32>> = FastMap::default();
        let mut group = Vec::with_capacity(n);
        let mut groups: Vec<[Option<String>; 4]> = Vec::new();
        for (pc5, (buurt, (wijk, gemeente))) in codes[0]
            .iter()
            .zip(codes[1].iter().zip(codes[2].iter().zip(codes[3].iter())))
        {
            let key = [pc5, buurt, wijk, gemeente];
            let ids = ids_of.entry(hasher.hash_one(key)).or_default();
            let same = |id: &&u32| {
                groups[**id as usize]
                    .iter()
                    .zip(&key)
                    .all(|(a, b)| a.as_deref() == *b)
            };
            let id = match ids.iter().find(same) {
                Some(id) => *id,
                None => {
                    groups.push(key.map(|c| c.map(str::to_string)));
                    ids.push((groups.len() - 1) as u32);
                    (groups.len() - 1) as u32
                }
            };
            group.push(id);
        }
        let mut practices = Vec::new();
        let mut practice_ix = Vec::new();
        if practice {
            let mut of = FastMap::default();
            practice_ix = kept
                .column(crate::columns::PRACTICE)?
                .str()?
                .iter()
                .map(|p| {
                    p.map(|p| {
                        *of.entry(p).or_insert_with(|| {
                            practices.push(p.to_string());
                            (practices.len() - 1) as u32
                        })
                    })
                })
                .collect();
        }
        Ok(Inside {
            days,
            cents_columns: metrics.iter().map(|(_, c)| c.clone()).collect(),
            stratum,
            strata,
            group,
            groups,
            practice: practice_ix,
            practices,
            kept,
        })
    }

    /// Each metric's cents (`metrics()` order) of the kept persons: borrowed where the frame
    /// holds them as integers without nulls, as the person frame does (copying fourteen
    /// columns of 2 M persons cost more than the loops over them); else converted, a null
    /// counting as 0 as in a sum.
    pub(super) fn cents(&self) -> PolarsResult<Vec<std::borrow::Cow<'_, [i64]>>> {
        self.cents_columns
            .iter()
            .map(|name| {
                let c = self.kept.column(name)?;
                if let Ok(v) = c.i64().and_then(|ca| ca.cont_slice()) {
                    return Ok(std::borrow::Cow::Borrowed(v));
                }
                let c = c.cast(&DataType::Int64)?;
                Ok(std::borrow::Cow::Owned(
                    c.i64()?.iter().map(|v| v.unwrap_or(0)).collect(),
                ))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_levels_are_the_levels_with_a_code_column() {
        let coded: Vec<Level> = Level::ALL
            .into_iter()
            .filter(|l| l.code_column().is_some())
            .collect();
        assert_eq!(coded, CODE_LEVELS.to_vec());
    }
}
