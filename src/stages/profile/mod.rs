//! Profile (SPEC 3.1, 3.2, 3.8): the person frame rolled up to every level (`levels`), the
//! age/sex-expected cost (`expected`), the cost at national amounts (`national`) and the
//! reconciliation of every euro of the inputs over the buckets and levels (`reconcile`). In:
//! typed inputs and the per-person claim sums. Out: the person frame, the raw level table and
//! the ledgers.

pub mod expected;
pub mod levels;
pub mod national;
pub mod reconcile;
