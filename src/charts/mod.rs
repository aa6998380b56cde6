//! Charts (SPEC 4.2) with plotters, from plain structs. In: the finished run's view
//! (`crate::view::RunView`) and, for maps, its geometry. `plan` decides which charts a run gets
//! (per level, per focus area, practices, monitoring) as `chart::Chart` specs; `render` draws
//! each as SVG and PNG in `charts/` and hands the report `render::Rendered`. The chart files
//! (bars, funnel, map, focus, series, spine, effect) draw one kind each, with the look in `style`.
//! Suppressed areas and hidden cells are never drawn as values.

pub mod bars;
pub mod chart;
pub mod effect;
pub mod focus;
pub mod funnel;
pub mod map;
pub mod plan;
pub mod render;
pub mod series;
pub mod spine;
pub mod style;
