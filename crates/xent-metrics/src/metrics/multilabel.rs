//! Multi-label metrics for multi-hot targets, at a score threshold.

use serde::{Deserialize, Serialize};

/// Per-label counts for multi-label classification.
///
/// Averaging is stated per figure in [`MultiLabelMetrics`].
#[derive(Debug, Clone, PartialEq)]
pub struct MultiLabelCounts {
    threshold: f32,
    tp: Vec<f64>,
    fp: Vec<f64>,
    fn_: Vec<f64>,
    subset_correct: f64,
    weight: f64,
}

/// Multi-label figures at one threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MultiLabelMetrics {
    /// The score threshold: a label is predicted when its score is above it.
    pub threshold: f32,
    /// Fraction of samples whose whole label set is predicted exactly (scikit-learn's
    /// `accuracy_score` on multi-hot rows). Averaging: over samples.
    pub subset_accuracy: f64,
    /// Fraction of the N·K label decisions that are wrong (= 1 − binary accuracy). Averaging:
    /// element-wise over N·K.
    pub hamming_loss: f64,
    /// F1 of the pooled TP/FP/FN over all labels. Averaging: micro.
    pub micro_f1: f64,
    /// Unweighted mean of the per-label F1 (0 for a label with no TP, FP, FN). Averaging: macro.
    pub macro_f1: f64,
    /// Per-label precision, recall, F1 and support (the specificity field is not computed and 0).
    pub per_label: Vec<LabelStats>,
}

/// One label's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelStats {
    /// Label index.
    pub label: usize,
    /// TP / (TP + FP), 0 when undefined.
    pub precision: f64,
    /// TP / (TP + FN), 0 when undefined.
    pub recall: f64,
    /// 2·TP / (2·TP + FP + FN), 0 when undefined.
    pub f1: f64,
    /// (Weighted) number of samples carrying the label.
    pub support: f64,
}

fn f1(tp: f64, fp: f64, fn_: f64) -> f64 {
    let den = 2.0 * tp + fp + fn_;
    if den > 0.0 { 2.0 * tp / den } else { 0.0 }
}

impl MultiLabelCounts {
    /// Empty counts for `k` labels at `threshold`.
    pub fn new(k: usize, threshold: f32) -> Self {
        Self {
            threshold,
            tp: vec![0.0; k],
            fp: vec![0.0; k],
            fn_: vec![0.0; k],
            subset_correct: 0.0,
            weight: 0.0,
        }
    }

    /// Adds one sample (multi-hot targets, scores, weight).
    #[inline]
    pub fn update(&mut self, y_true: &[f32], scores: &[f32], w: f32) {
        let w = f64::from(w);
        let mut exact = true;
        for (c, (&y, &s)) in y_true.iter().zip(scores).enumerate() {
            let predicted = s > self.threshold;
            let truth = y == 1.0;
            match (truth, predicted) {
                (true, true) => self.tp[c] += w,
                (false, true) => self.fp[c] += w,
                (true, false) => self.fn_[c] += w,
                (false, false) => {}
            }
            exact &= truth == predicted;
        }
        if exact {
            self.subset_correct += w;
        }
        self.weight += w;
    }

    /// Adds another accumulator's counts.
    pub fn merge(&mut self, other: &Self) {
        for c in 0..self.tp.len() {
            self.tp[c] += other.tp[c];
            self.fp[c] += other.fp[c];
            self.fn_[c] += other.fn_[c];
        }
        self.subset_correct += other.subset_correct;
        self.weight += other.weight;
    }

    /// The figures so far.
    pub fn metrics(&self) -> MultiLabelMetrics {
        let k = self.tp.len();
        let (tp, fp, fn_): (f64, f64, f64) = (
            self.tp.iter().sum(),
            self.fp.iter().sum(),
            self.fn_.iter().sum(),
        );
        let per_label: Vec<LabelStats> = (0..k)
            .map(|c| {
                let (t, p, n) = (self.tp[c], self.fp[c], self.fn_[c]);
                LabelStats {
                    label: c,
                    precision: if t + p > 0.0 { t / (t + p) } else { 0.0 },
                    recall: if t + n > 0.0 { t / (t + n) } else { 0.0 },
                    f1: f1(t, p, n),
                    support: t + n,
                }
            })
            .collect();
        let decisions = self.weight * k as f64;
        MultiLabelMetrics {
            threshold: self.threshold,
            subset_accuracy: if self.weight > 0.0 { self.subset_correct / self.weight } else { 0.0 },
            hamming_loss: if decisions > 0.0 { (fp + fn_) / decisions } else { 0.0 },
            micro_f1: f1(tp, fp, fn_),
            macro_f1: if k > 0 { per_label.iter().map(|l| l.f1).sum::<f64>() / k as f64 } else { 0.0 },
            per_label,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_counted_example() {
        let mut m = MultiLabelCounts::new(3, 0.5);
        m.update(&[1.0, 0.0, 1.0], &[0.9, 0.1, 0.8], 1.0); // exact
        m.update(&[1.0, 1.0, 0.0], &[0.9, 0.2, 0.7], 1.0); // one FN, one FP
        let r = m.metrics();
        assert_eq!(r.subset_accuracy, 0.5);
        assert!((r.hamming_loss - 2.0 / 6.0).abs() < 1e-12);
        // micro: TP 3, FP 1, FN 1 → 6 / 8.
        assert!((r.micro_f1 - 0.75).abs() < 1e-12);
        // per label F1: 1, 0, 2/3 → macro 5/9.
        assert!((r.macro_f1 - 5.0 / 9.0).abs() < 1e-12);
    }
}
