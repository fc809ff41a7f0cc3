//! Probability-quality metrics: negative log-likelihood, Brier score, expected calibration error.

use serde::{Deserialize, Serialize};

use crate::loss::keras::EPSILON;

/// Number of equal-width confidence bins used by ECE.
pub const ECE_BINS: usize = 15;

/// One bin of a reliability diagram.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    /// Lower edge (exclusive, except 0 for the first bin).
    pub lo: f64,
    /// Upper edge (inclusive).
    pub hi: f64,
    /// (Weighted) number of samples whose confidence falls in the bin.
    pub count: f64,
    /// Mean confidence in the bin (0 when empty).
    pub confidence: f64,
    /// Argmax accuracy in the bin (0 when empty).
    pub accuracy: f64,
}

/// Accumulates NLL, Brier score and the 15-bin reliability table from normalised probability
/// rows `q` (each summing to 1) and the true class.
///
/// Averaging, all over samples (weighted `Σ vᵢwᵢ / Σ wᵢ`):
/// - NLL: `−ln clip(q_y, ε, 1−ε)` (Keras's categorical cross-entropy without smoothing);
/// - Brier: `Σₖ (qₖ − yₖ)²` per sample (the multi-class form, range [0, 2]);
/// - ECE: bins `(lo, hi]` of width 1/15 on the confidence `max q` (the first bin includes 0),
///   `Σ_b (n_b / N) |acc_b − conf_b|`.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    nll: f64,
    brier: f64,
    weight: f64,
    bin_count: [f64; ECE_BINS],
    bin_conf: [f64; ECE_BINS],
    bin_correct: [f64; ECE_BINS],
}

impl Default for Calibration {
    fn default() -> Self {
        Self {
            nll: 0.0,
            brier: 0.0,
            weight: 0.0,
            bin_count: [0.0; ECE_BINS],
            bin_conf: [0.0; ECE_BINS],
            bin_correct: [0.0; ECE_BINS],
        }
    }
}

/// The ECE bin of a confidence value: `(lo, hi]` bins, confidence 0 in the first.
#[inline]
pub fn ece_bin(confidence: f32) -> usize {
    let b = (f64::from(confidence) * ECE_BINS as f64).ceil() as isize - 1;
    b.clamp(0, ECE_BINS as isize - 1) as usize
}

impl Calibration {
    /// Adds one sample: normalised probabilities `q`, true class, predicted (argmax) class, weight.
    #[inline]
    pub fn update(&mut self, q: &[f32], truth: usize, pred: usize, w: f32) {
        let w64 = f64::from(w);
        let py = q[truth].clamp(EPSILON, 1.0 - EPSILON);
        self.nll -= w64 * f64::from(py.ln());
        let mut brier = 0.0f64;
        for (c, &v) in q.iter().enumerate() {
            let d = f64::from(v) - if c == truth { 1.0 } else { 0.0 };
            brier += d * d;
        }
        self.brier += w64 * brier;
        self.weight += w64;
        let conf = q[pred];
        let b = ece_bin(conf);
        self.bin_count[b] += w64;
        self.bin_conf[b] += w64 * f64::from(conf);
        if truth == pred {
            self.bin_correct[b] += w64;
        }
    }

    /// Adds another accumulator.
    pub fn merge(&mut self, other: &Self) {
        self.nll += other.nll;
        self.brier += other.brier;
        self.weight += other.weight;
        for b in 0..ECE_BINS {
            self.bin_count[b] += other.bin_count[b];
            self.bin_conf[b] += other.bin_conf[b];
            self.bin_correct[b] += other.bin_correct[b];
        }
    }

    fn mean(&self, sum: f64) -> f64 {
        if self.weight > 0.0 { sum / self.weight } else { 0.0 }
    }

    /// Mean negative log-likelihood of the true class.
    pub fn nll(&self) -> f64 {
        self.mean(self.nll)
    }

    /// Mean multi-class Brier score.
    pub fn brier(&self) -> f64 {
        self.mean(self.brier)
    }

    /// Expected calibration error over 15 equal-width bins.
    pub fn ece(&self) -> f64 {
        let ece: f64 = (0..ECE_BINS)
            .filter(|&b| self.bin_count[b] > 0.0)
            .map(|b| (self.bin_correct[b] - self.bin_conf[b]).abs())
            .sum();
        self.mean(ece)
    }

    /// The reliability table behind [`Self::ece`].
    pub fn reliability(&self) -> Vec<ReliabilityBin> {
        (0..ECE_BINS)
            .map(|b| {
                let n = self.bin_count[b];
                ReliabilityBin {
                    lo: b as f64 / ECE_BINS as f64,
                    hi: (b + 1) as f64 / ECE_BINS as f64,
                    count: n,
                    confidence: if n > 0.0 { self.bin_conf[b] / n } else { 0.0 },
                    accuracy: if n > 0.0 { self.bin_correct[b] / n } else { 0.0 },
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_are_right_closed() {
        assert_eq!(ece_bin(0.0), 0);
        assert_eq!(ece_bin(0.066), 0);
        assert_eq!(ece_bin(0.067), 1);
        assert_eq!(ece_bin(1.0), 14);
        assert_eq!(ece_bin(0.5), 7);
    }

    #[test]
    fn confident_and_right_is_calibrated() {
        let mut c = Calibration::default();
        c.update(&[1.0, 0.0], 0, 0, 1.0);
        assert!(c.ece() < 1e-12);
        assert!(c.brier() < 1e-12);
        // 60 % confident and right half the time: ECE = |0.5 − 0.6| = 0.1.
        let mut c = Calibration::default();
        c.update(&[0.6, 0.4], 0, 0, 1.0);
        c.update(&[0.6, 0.4], 1, 0, 1.0);
        assert!((c.ece() - 0.1).abs() < 1e-6);
        assert!((c.nll() - (-(0.6f64.ln() + 0.4f64.ln()) / 2.0)).abs() < 1e-6);
    }
}
