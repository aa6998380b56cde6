//! Monitoring (SPEC 3.6, METHODS 9): per area, segment and metric, each period's published
//! value beside the previous period's and the same period a year earlier — the change in
//! euros (or points) and percent, its z and flag — and Fingertips' recent-trend marker over
//! the last five periods.
//!
//! Changes are computed only between published values: a value hidden in either period gives
//! no change, so nothing suppressed in one period can be had from the monitoring table (and no
//! sum over periods is published that could be differenced).
//!
//! The values and changes shown are the published (raw) ones; whether a change or a trend is
//! real is judged, like the outlier flags, on cost capped per person at the period's 99th
//! percentile (METHODS 8, the default; raw with `capped = false`), scaled back by the period's
//! κ, with the SEs of METHODS 1–3 from each period's own person-level variance. Raw quarterly
//! cost is so heavy-tailed that one person's treatment moves a buurt by a factor ten, and the
//! stratum variance of METHODS 1 does not see it: judged raw, such a quarter reads as a trend.
//! The judged value and its SE are published (`judged_value`, `se`) except where 1 to
//! min_cell − 1 persons were capped (they would give those persons' cost above the cap beside
//! the raw figure, SPEC 3.3); there only the z is.
//!
//! Cost trends are judged on the area's value relative to the whole extract's value of the
//! same period, so seasonality, growth and late claims shared by every area (METHODS 9) do not
//! count as an area's trend; the total itself and proportions are judged as they are.
//!
//! In: each period's published profile, cost basis and segment rows (`figures`); out: the
//! monitoring table (`table::monitoring`); `panel` each period's area outcomes for the effect of an
//! intervention (METHODS 10). `series` holds the grouping key shared by the table
//! and its comparisons and trends (`changes`); `columns` the table's columns as they fill.

mod changes;
mod columns;
pub mod figures;
pub mod panel;
mod series;
pub mod table;
