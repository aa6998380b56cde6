//! Outliers (SPEC 3.4, METHODS 1–5, 8): the cost basis the flags judge — capped or raw
//! observed and expected per area (`basis`, over the persons read by `persons`, capped by
//! `cap`; `basis_oracle` is its earlier implementation, kept as the tests' oracle) — and the
//! funnel flags with overdispersion and robust z (`flags`). In: the person frame and the
//! published level table. Out: flags and fits.

pub mod basis;
#[cfg(test)]
mod basis_oracle;
pub mod cap;
pub mod flags;
mod persons;
