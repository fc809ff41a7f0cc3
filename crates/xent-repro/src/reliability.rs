//! Reliability tables of several runs pooled into one. The bins themselves come from xent-core's
//! 15-bin ECE accumulator ([`xent_core::metrics::Calibration`], via
//! [`xent_core::calibrate::ViewMetrics::reliability`]); pooling only adds their counts and
//! count-weights their mean confidence and accuracy, so nothing is re-binned here.

use serde::{Deserialize, Serialize};
use xent_core::metrics::ReliabilityBin;

use crate::error::{ReproError, Result};

/// One reliability table pooled over runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reliability {
    /// The bins (equal width, `(lo, hi]`), counts summed over the pooled runs.
    pub bins: Vec<ReliabilityBin>,
}

impl Reliability {
    /// Pools per-run tables that share their bin edges.
    ///
    /// # Errors
    /// No table, or tables whose bin edges differ.
    pub fn pool(tables: &[&[ReliabilityBin]]) -> Result<Self> {
        let Some(first) = tables.first() else {
            return Err(ReproError::InvalidArgument("no reliability table to pool".into()));
        };
        for (i, t) in tables.iter().enumerate() {
            let same = t.len() == first.len() && t.iter().zip(first.iter()).all(|(a, b)| a.lo == b.lo && a.hi == b.hi);
            if !same {
                return Err(ReproError::InvalidArgument(format!(
                    "reliability table {i} has other bins ({} bins) than table 0 ({} bins)",
                    t.len(),
                    first.len()
                )));
            }
        }
        let bins = first
            .iter()
            .enumerate()
            .map(|(b, edge)| {
                let count: f64 = tables.iter().map(|t| t[b].count).sum();
                let mean = |f: fn(&ReliabilityBin) -> f64| {
                    if count > 0.0 { tables.iter().map(|t| f(&t[b]) * t[b].count).sum::<f64>() / count } else { 0.0 }
                };
                ReliabilityBin { lo: edge.lo, hi: edge.hi, count, confidence: mean(|x| x.confidence), accuracy: mean(|x| x.accuracy) }
            })
            .collect();
        Ok(Self { bins })
    }

    /// Samples in all bins.
    pub fn total(&self) -> f64 {
        self.bins.iter().map(|b| b.count).sum()
    }

    /// The expected calibration error of the pooled samples, `Σ_b (n_b / N) |acc_b − conf_b|`
    /// (equal to xent-core's ECE computed over all pooled predictions at once).
    pub fn ece(&self) -> f64 {
        let n = self.total();
        if n > 0.0 { self.bins.iter().map(|b| b.count / n * (b.accuracy - b.confidence).abs()).sum() } else { 0.0 }
    }

    /// The non-empty bins.
    pub fn filled(&self) -> impl Iterator<Item = &ReliabilityBin> {
        self.bins.iter().filter(|b| b.count > 0.0)
    }
}

#[cfg(test)]
mod tests {
    use xent_core::metrics::Calibration;

    use super::*;

    fn table(rows: &[([f32; 2], usize)]) -> Calibration {
        let mut c = Calibration::default();
        for (q, truth) in rows {
            let pred = usize::from(q[1] > q[0]);
            c.update(q, *truth, pred, 1.0);
        }
        c
    }

    #[test]
    fn pooling_equals_binning_everything_at_once() {
        let a = [([0.9, 0.1], 0), ([0.2, 0.8], 0), ([0.55, 0.45], 1)];
        let b = [([0.95, 0.05], 0), ([0.3, 0.7], 1), ([0.1, 0.9], 1), ([0.58, 0.42], 0)];
        let all: Vec<_> = a.iter().chain(b.iter()).copied().collect();
        let (ta, tb, tall) = (table(&a), table(&b), table(&all));
        let pooled = Reliability::pool(&[&ta.reliability(), &tb.reliability()]).unwrap();
        assert_eq!(pooled.total(), 7.0);
        assert!((pooled.ece() - tall.ece()).abs() < 1e-12, "{} vs {}", pooled.ece(), tall.ece());
        for (p, q) in pooled.bins.iter().zip(tall.reliability()) {
            assert_eq!(p.count, q.count);
            assert!((p.confidence - q.confidence).abs() < 1e-12 && (p.accuracy - q.accuracy).abs() < 1e-12);
        }
    }

    #[test]
    fn pooling_nothing_or_mismatched_bins_is_an_error() {
        assert!(Reliability::pool(&[]).is_err());
        let t = table(&[([0.9, 0.1], 0)]).reliability();
        let e = Reliability::pool(&[&t, &t[..3]]).unwrap_err().to_string();
        assert!(e.contains("table 1 has other bins (3 bins) than table 0 (15 bins)"), "{e}");
    }
}
