//! The confusion matrix and every metric derived from it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A K × K confusion matrix of (optionally weighted) counts; rows are true classes, columns
/// predicted classes.
///
/// Stored sparsely (only the cells that received a sample, at most one per sample), so memory and
/// every derived metric are linear in K and N; [`Self::rows`] alone builds the dense K × K table.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfusionMatrix {
    k: usize,
    cells: BTreeMap<(usize, usize), f64>,
}

/// The margins of a matrix, summed in row-major cell order.
struct Margins {
    /// Row sums (true class).
    truth: Vec<f64>,
    /// Column sums (predicted class).
    predicted: Vec<f64>,
    /// Diagonal.
    diagonal: Vec<f64>,
    total: f64,
    trace: f64,
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
        Self { k, cells: BTreeMap::new() }
    }

    /// Number of classes.
    pub fn num_classes(&self) -> usize {
        self.k
    }

    /// Adds one sample with true class `truth`, predicted class `pred` and weight `w`.
    #[inline]
    pub fn add(&mut self, truth: usize, pred: usize, w: f32) {
        *self.cells.entry((truth, pred)).or_insert(0.0) += f64::from(w);
    }

    /// Adds another matrix's counts (same K).
    pub fn merge(&mut self, other: &Self) {
        for (&cell, &v) in &other.cells {
            *self.cells.entry(cell).or_insert(0.0) += v;
        }
    }

    /// Count at (true `t`, predicted `p`).
    pub fn get(&self, t: usize, p: usize) -> f64 {
        self.cells.get(&(t, p)).copied().unwrap_or(0.0)
    }

    /// The non-zero cells `((true, predicted), count)` in row-major order.
    pub fn cells(&self) -> impl Iterator<Item = ((usize, usize), f64)> + '_ {
        self.cells.iter().map(|(&c, &v)| (c, v))
    }

    /// The matrix as rows (true class) of columns (predicted class): K × K values.
    pub fn rows(&self) -> Vec<Vec<f64>> {
        let mut rows = vec![vec![0.0; self.k]; self.k];
        for (&(t, p), &v) in &self.cells {
            rows[t][p] = v;
        }
        rows
    }

    /// Total (weighted) count.
    pub fn total(&self) -> f64 {
        self.cells.values().sum()
    }

    fn margins(&self) -> Margins {
        let mut m = Margins {
            truth: vec![0.0; self.k],
            predicted: vec![0.0; self.k],
            diagonal: vec![0.0; self.k],
            total: 0.0,
            trace: 0.0,
        };
        for (&(t, p), &v) in &self.cells {
            m.truth[t] += v;
            m.predicted[p] += v;
            m.total += v;
            if t == p {
                m.diagonal[t] = v;
                m.trace += v;
            }
        }
        m
    }

    /// Argmax accuracy, `trace / total`. Averaging: over samples (weighted).
    pub fn accuracy(&self) -> f64 {
        let m = self.margins();
        ratio(m.trace, m.total)
    }

    /// One-vs-rest figures for every class.
    pub fn per_class(&self) -> Vec<ClassStats> {
        let m = self.margins();
        let total = m.total;
        (0..self.k)
            .map(|c| {
                let tp = m.diagonal[c];
                let support = m.truth[c];
                let predicted = m.predicted[c];
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
        let m = self.margins();
        let recalls: Vec<f64> = (0..self.k)
            .filter_map(|c| {
                let support = m.truth[c];
                (support > 0.0).then(|| m.diagonal[c] / support)
            })
            .collect();
        ratio(recalls.iter().sum(), recalls.len() as f64)
    }

    /// Matthews correlation coefficient, multi-class (Gorodkin's R_K, as scikit-learn):
    /// `(c·s − Σ tₖpₖ) / √((s² − Σ pₖ²)(s² − Σ tₖ²))`, 0 when the denominator is 0.
    pub fn mcc(&self) -> f64 {
        let m = self.margins();
        let (s, c, t, p) = (m.total, m.trace, &m.truth, &m.predicted);
        let tp: f64 = t.iter().zip(p).map(|(a, b)| a * b).sum();
        let pp: f64 = p.iter().map(|v| v * v).sum();
        let tt: f64 = t.iter().map(|v| v * v).sum();
        let den = ((s * s - pp) * (s * s - tt)).sqrt();
        if den > 0.0 { (c * s - tp) / den } else { 0.0 }
    }

    /// Cohen's κ between true and predicted labels: `(pₒ − pₑ) / (1 − pₑ)`. `None` when
    /// `pₑ = 1` (both raters constant), where scikit-learn returns NaN.
    pub fn cohen_kappa(&self) -> Option<f64> {
        let m = self.margins();
        let s = m.total;
        if s <= 0.0 {
            return None;
        }
        let po = m.trace / s;
        let pe: f64 = m.truth.iter().zip(&m.predicted).map(|(t, p)| t * p).sum::<f64>() / (s * s);
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
