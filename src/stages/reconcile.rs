//! Conservation (SPEC 3.2): every euro of the input ends in exactly one bucket, and the
//! areas' totals at every level equal the area bucket to the cent. A ledger that does not
//! balance is a hard failure: it means money was lost or created.

use crate::error::{Error, Result};
use serde::Serialize;

/// Euros from cents, as text with exactly two decimals (no float rounding in the manifest).
pub fn eur_text(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let a = cents.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Bucket {
    pub bucket: String,
    /// Claim lines or provisions in the bucket.
    pub rows: i64,
    pub cents: i64,
    pub eur: String,
}

impl Bucket {
    pub fn new(bucket: &str, rows: i64, cents: i64) -> Bucket {
        Bucket {
            bucket: bucket.to_string(),
            rows,
            cents,
            eur: eur_text(cents),
        }
    }
}

/// The reconciliation of one source (Zvw claims or Wmo provisions).
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Ledger {
    pub source: String,
    /// Total of the input file, summed independently of the buckets.
    pub input: Bucket,
    /// In the order of SPEC 3.2; the last one is `areas`.
    pub buckets: Vec<Bucket>,
    /// Sum over the areas of each level, before suppression.
    pub levels: Vec<Bucket>,
    pub balanced: bool,
}

impl Ledger {
    pub fn new(source: &str, input: Bucket, buckets: Vec<Bucket>, levels: Vec<Bucket>) -> Ledger {
        let sum: i64 = buckets.iter().map(|b| b.cents).sum();
        let rows: i64 = buckets.iter().map(|b| b.rows).sum();
        let areas = buckets.last().map(|b| b.cents).unwrap_or(0);
        let balanced =
            sum == input.cents && rows == input.rows && levels.iter().all(|l| l.cents == areas);
        Ledger {
            source: source.to_string(),
            input,
            buckets,
            levels,
            balanced,
        }
    }

    /// Fails loudly, naming every difference, when the ledger does not balance.
    pub fn check(&self) -> Result<()> {
        if self.balanced {
            return Ok(());
        }
        let sum: i64 = self.buckets.iter().map(|b| b.cents).sum();
        let rows: i64 = self.buckets.iter().map(|b| b.rows).sum();
        let areas = self.buckets.last().map(|b| b.cents).unwrap_or(0);
        let mut msg = format!(
            "{}: input € {} in {} rows, buckets € {} in {} rows (difference € {})",
            self.source,
            self.input.eur,
            self.input.rows,
            eur_text(sum),
            rows,
            eur_text(self.input.cents - sum)
        );
        for l in self.levels.iter().filter(|l| l.cents != areas) {
            msg.push_str(&format!(
                "; level {} sums to € {} but the area bucket holds € {}",
                l.bucket,
                l.eur,
                eur_text(areas)
            ));
        }
        Err(Error::Reconciliation(msg))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euros_print_exactly() {
        assert_eq!(eur_text(123456), "1234.56");
        assert_eq!(eur_text(-5), "-0.05");
        assert_eq!(eur_text(0), "0.00");
    }

    #[test]
    fn a_lost_cent_fails() {
        let input = Bucket::new("input", 3, 1001);
        let ok = Ledger::new(
            "zvw",
            input.clone(),
            vec![
                Bucket::new("duplicates", 1, 1),
                Bucket::new("areas", 2, 1000),
            ],
            vec![Bucket::new("pc5", 0, 1000), Bucket::new("total", 0, 1000)],
        );
        assert!(ok.check().is_ok());
        let lost = Ledger::new(
            "zvw",
            input.clone(),
            vec![
                Bucket::new("duplicates", 1, 0),
                Bucket::new("areas", 2, 1000),
            ],
            vec![Bucket::new("pc5", 0, 1000)],
        );
        assert!(lost
            .check()
            .unwrap_err()
            .to_string()
            .contains("difference € 0.01"));
        let level_off = Ledger::new(
            "zvw",
            input,
            vec![
                Bucket::new("duplicates", 1, 1),
                Bucket::new("areas", 2, 1000),
            ],
            vec![Bucket::new("wijk", 0, 999)],
        );
        assert!(level_off
            .check()
            .unwrap_err()
            .to_string()
            .contains("level wijk"));
    }
}
