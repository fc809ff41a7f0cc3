//! The confusion matrix and every metric derived from it.

use serde::{Deserialize, Serialize};

/// A K × K confusion matrix of (optionally weighted) counts; rows are true classes, columns
/// predicted classes.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfusionMatrix {
    k: usize,
    counts: Vec<f64>,
}

/// Per-class figures, one-vs-rest. Precision, recall and F1 are 0 where undefined (0/0), as
/// scikit-learn with `zero_division=0`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassStats {
    /// Class index.
    pub class: usize,
    /// Class name, when names were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// TP / (TP + FP), a.k.a. positive predictive value.
    pub precision: f64,
    /// TP / (TP + FN), a.k.a. sensitivity.
    pub recall: f64,
    /// TN / (TN + FP).
    pub specificity: f64,
    /// 2·TP / (2·TP + FP + FN).
    pub f1: f64,
    /// (Weighted) number of samples whose true class this is.
    pub support: f64,
}

fn ratio(num: f64, den: f64) -> f64 {
    if den > 0.0 { num / den } else { 0.0 }
}

impl ConfusionMatrix {
    /// An empty K × K matrix.
    pub fn new(k: usize) -> Self {
        Self { k, counts: vec![0.0; k * k] }
    }

    /// Number of classes.
    pub fn num_classes(&self) -> usize {
        self.k
    }

    /// Adds one sample with true class `truth`, predicted class `pred` and weight `w`.
    #[inline]
    pub fn add(&mut self, truth: usize, pred: usize, w: f32) {
        self.counts[truth * self.k + pred] += f64::from(w);
    }

    /// Adds another matrix's counts (same K).
    pub fn merge(&mut self, other: &Self) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
    }

    /// Count at (true `t`, predicted `p`).
    pub fn get(&self, t: usize, p: usize) -> f64 {
        self.counts[t * self.k + p]
    }

    /// The matrix as rows (true class) of columns (predicted class).
    pub fn rows(&self) -> Vec<Vec<f64>> {
        self.counts.chunks(self.k.max(1)).map(<[f64]>::to_vec).collect()
    }

    /// Total (weighted) count.
    pub fn total(&self) -> f64 {
        self.counts.iter().sum()
    }

    fn row_sum(&self, t: usize) -> f64 {
        (0..self.k).map(|p| self.get(t, p)).sum()
    }

    fn col_sum(&self, p: usize) -> f64 {
        (0..self.k).map(|t| self.get(t, p)).sum()
    }

    fn trace(&self) -> f64 {
        (0..self.k).map(|c| self.get(c, c)).sum()
    }

    /// Argmax accuracy, `trace / total`. Averaging: over samples (weighted).
    pub fn accuracy(&self) -> f64 {
        ratio(self.trace(), self.total())
    }

    /// One-vs-rest figures for every class.
    pub fn per_class(&self) -> Vec<ClassStats> {
        let total = self.total();
        (0..self.k)
            .map(|c| {
                let tp = self.get(c, c);
                let support = self.row_sum(c);
                let predicted = self.col_sum(c);
                let fn_ = support - tp;
                let fp = predicted - tp;
                let tn = total - tp - fn_ - fp;
                ClassStats {
                    class: c,
                    name: None,
                    precision: ratio(tp, tp + fp),
                    recall: ratio(tp, tp + fn_),
                    specificity: ratio(tn, tn + fp),
                    f1: ratio(2.0 * tp, 2.0 * tp + fp + fn_),
                    support,
                }
            })
            .collect()
    }

    /// Macro-F1: the unweighted mean of the K per-class F1 scores (every class counts, also one
    /// with no support, as scikit-learn with `labels=range(K)`).
    pub fn macro_f1(&self) -> f64 {
        let stats = self.per_class();
        ratio(stats.iter().map(|s| s.f1).sum(), stats.len() as f64)
    }

    /// Weighted-F1: per-class F1 averaged with weights equal to the class supports.
    pub fn weighted_f1(&self) -> f64 {
        let stats = self.per_class();
        let support: f64 = stats.iter().map(|s| s.support).sum();
        ratio(stats.iter().map(|s| s.f1 * s.support).sum(), support)
    }

    /// Balanced accuracy: the unweighted mean of per-class recall over the classes that occur
    /// among the true labels (scikit-learn's `balanced_accuracy_score`).
    pub fn balanced_accuracy(&self) -> f64 {
        let recalls: Vec<f64> = (0..self.k)
            .filter_map(|c| {
                let support = self.row_sum(c);
                (support > 0.0).then(|| self.get(c, c) / support)
            })
            .collect();
        ratio(recalls.iter().sum(), recalls.len() as f64)
    }

    /// Matthews correlation coefficient, multi-class (Gorodkin's R_K, as scikit-learn):
    /// `(c·s − Σ tₖpₖ) / √((s² − Σ pₖ²)(s² − Σ tₖ²))`, 0 when the denominator is 0.
    pub fn mcc(&self) -> f64 {
        let s = self.total();
        let c = self.trace();
        let t: Vec<f64> = (0..self.k).map(|i| self.row_sum(i)).collect();
        let p: Vec<f64> = (0..self.k).map(|i| self.col_sum(i)).collect();
        let tp: f64 = t.iter().zip(&p).map(|(a, b)| a * b).sum();
        let pp: f64 = p.iter().map(|v| v * v).sum();
        let tt: f64 = t.iter().map(|v| v * v).sum();
        let den = ((s * s - pp) * (s * s - tt)).sqrt();
        if den > 0.0 { (c * s - tp) / den } else { 0.0 }
    }

    /// Cohen's κ between true and predicted labels: `(pₒ − pₑ) / (1 − pₑ)`. `None` when
    /// `pₑ = 1` (both raters constant), where scikit-learn returns NaN.
    pub fn cohen_kappa(&self) -> Option<f64> {
        let s = self.total();
        if s <= 0.0 {
            return None;
        }
        let po = self.trace() / s;
        let pe: f64 = (0..self.k).map(|i| self.row_sum(i) * self.col_sum(i)).sum::<f64>() / (s * s);
        (pe < 1.0).then(|| (po - pe) / (1.0 - pe))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn always_majority_has_balanced_accuracy_one_over_k_and_macro_f1_below_majority_share() {
        // 82.76 % of 1,000 samples in class 0 of K = 3; always predict class 0.
        let mut cm = ConfusionMatrix::new(3);
        for i in 0..1000 {
            let t = if i < 828 { 0 } else if i < 914 { 1 } else { 2 };
            cm.add(t, 0, 1.0);
        }
        assert!((cm.accuracy() - 0.828).abs() < 1e-12);
        assert!((cm.balanced_accuracy() - 1.0 / 3.0).abs() < 1e-12);
        // F1 of class 0 = 2·828 / (2·828 + 172); the other two are 0.
        let f1_0 = 2.0 * 828.0 / (2.0 * 828.0 + 172.0);
        assert!((cm.macro_f1() - f1_0 / 3.0).abs() < 1e-12);
        assert_eq!(cm.mcc(), 0.0);
        assert_eq!(cm.cohen_kappa(), Some(0.0));
    }

    #[test]
    fn perfect_predictions_score_one_everywhere() {
        let mut cm = ConfusionMatrix::new(2);
        cm.add(0, 0, 1.0);
        cm.add(1, 1, 2.0);
        assert_eq!(cm.accuracy(), 1.0);
        assert_eq!(cm.macro_f1(), 1.0);
        assert!((cm.mcc() - 1.0).abs() < 1e-12);
        assert_eq!(cm.cohen_kappa(), Some(1.0));
        assert_eq!(cm.per_class()[1].support, 2.0);
    }
}
