//! Effects of an intervention (SPEC 3.10, METHODS 10): for an intervention declared with its
//! areas (or a segment in them) and its start period, over a multi-period run, the difference
//! in differences against untreated comparison areas with the universal base, the event-study
//! series, placebo p-value and interval, pre-trend, in-time placebo, synthetic control, minimum
//! detectable effect and the regression-to-the-mean warning — in euros per insured year, percent
//! and total.
//!
//! In: every period's area outcomes (`monitoring::panel`, capped and raw cost above the norm
//! with their SEs; only areas published in every period enter) or, for a segment, the published
//! segment cells of every period; the declared interventions. Out: one `EffectResult` per
//! intervention × outcome (`estimate`), as the `effects` and `effects_series` tables (`table`).
//! The statistics themselves are `stats::effect`.

pub mod estimate;
pub mod intervention;
pub mod table;
