//! One pass over (scores, targets) that accumulates every metric xent reports.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::binary_accuracy::BinaryAccuracy;
use super::calibration::{Calibration, ReliabilityBin};
use super::confusion::{ClassStats, ConfusionMatrix};
use super::multilabel::{MultiLabelCounts, MultiLabelMetrics};
use super::roc_auc::roc_auc_columns;
use super::top_k::{TopKAccuracy, rank_above};
use crate::targets::{LabelKind, argmax};

/// What the evaluator computes beyond the always-on metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluatorConfig {
    /// Score threshold for binary accuracy, a single sigmoid's class decision and multi-label
    /// decisions. Default 0.5 (Keras's).
    pub threshold: f32,
    /// The k of each top-k accuracy to compute (each must be ≥ 1). Default: none.
    pub top_k: Vec<usize>,
    /// Compute one-vs-rest ROC-AUC per class; this keeps every score in memory. Default true.
    pub roc_auc: bool,
    /// The dense K × K confusion matrix is produced for at most this many classes (above, only
    /// the metrics derived from it, which need O(K) memory). Default [`DEFAULT_MAX_CLASSES`].
    #[serde(default = "default_max_classes")]
    pub max_classes: usize,
}

/// Default of [`EvaluatorConfig::max_classes`]: 1,000 classes (an 8 MB dense matrix).
pub const DEFAULT_MAX_CLASSES: usize = 1_000;

fn default_max_classes() -> usize {
    DEFAULT_MAX_CLASSES
}

impl Default for EvaluatorConfig {
    fn default() -> Self {
        Self { threshold: 0.5, top_k: Vec::new(), roc_auc: true, max_classes: DEFAULT_MAX_CLASSES }
    }
}

/// Targets of a batch of rows, borrowed.
#[derive(Debug, Clone, Copy)]
pub enum TargetRows<'a> {
    /// One class index per row.
    Labels(&'a [u32]),
    /// One 0/1 row of K values per row (one-hot or multi-hot).
    Hot(&'a [f32]),
}

/// Accumulates metrics over batches of score rows.
///
/// Scores are the model's **reported outputs** (probabilities after its head: softmax rows or
/// sigmoid values), `K` per sample. A single output (`K = 1`) is one sigmoid unit: for the
/// single-label metrics it is read as the two classes `[1 − p, p]`, decided by `p > threshold`.
#[derive(Debug, Clone)]
pub struct Evaluator {
    cfg: EvaluatorConfig,
    outputs: usize,
    classes: usize,
    kind: LabelKind,
    n: usize,
    weighted: bool,
    binary: BinaryAccuracy,
    keras_categorical: (f64, f64),
    confusion: ConfusionMatrix,
    calibration: Calibration,
    top_k: Vec<TopKAccuracy>,
    multilabel: MultiLabelCounts,
    auc_scores: Vec<f32>,
    auc_truth: Vec<f32>,
    auc_weights: Vec<f32>,
}

/// Everything an evaluation yields. Every figure states its averaging in its doc line; with
/// sample weights every average is weighted (`Σ vᵢwᵢ / Σ wᵢ`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Number of samples.
    pub n: usize,
    /// Number of model outputs per sample (1 for a single sigmoid unit).
    pub num_outputs: usize,
    /// Number of classes (2 for a single sigmoid unit).
    pub num_classes: usize,
    /// Single- or multi-label targets.
    pub label_kind: LabelKind,
    /// Whether sample weights were applied.
    pub weighted: bool,
    /// Threshold used for binary decisions.
    pub threshold: f32,
    /// True (argmax) accuracy. Averaging: over samples. `None` for multi-label targets.
    pub accuracy: Option<f64>,
    /// Binary accuracy at `threshold`. Averaging: element-wise over all N·K outputs.
    pub binary_accuracy: f64,
    /// Keras's `categorical_accuracy`: `argmax(y) == argmax(scores)` on the raw output columns.
    /// Averaging: over samples.
    pub categorical_accuracy: f64,
    /// Top-k accuracy (`in_top_k`, ties inside) keyed by k. Averaging: over samples.
    pub top_k_accuracy: BTreeMap<String, f64>,
    /// Mean per-class recall over classes present in the targets. Averaging: macro.
    pub balanced_accuracy: Option<f64>,
    /// Mean per-class F1 over all classes. Averaging: macro.
    pub macro_f1: Option<f64>,
    /// Per-class F1 weighted by support. Averaging: support-weighted.
    pub weighted_f1: Option<f64>,
    /// Matthews correlation (multi-class R_K). Averaging: none (one statistic of the matrix).
    pub mcc: Option<f64>,
    /// Cohen's κ; `None` where undefined. Averaging: none (one statistic of the matrix).
    pub cohen_kappa: Option<f64>,
    /// NLL of the true class under the normalised scores. Averaging: over samples.
    pub nll: Option<f64>,
    /// Multi-class Brier score `Σₖ (qₖ − yₖ)²`. Averaging: over samples.
    pub brier: Option<f64>,
    /// Expected calibration error, 15 equal-width bins on max probability. Averaging: bins
    /// weighted by their share of samples.
    pub ece: Option<f64>,
    /// One-vs-rest ROC-AUC per class (per label for multi-label); `None` where a class has no
    /// positives or no negatives. Empty when not computed.
    pub roc_auc: Vec<Option<f64>>,
    /// Per-class precision, recall, specificity, F1 and support (single-label only).
    pub per_class: Vec<ClassStats>,
    /// Confusion matrix, rows = true class, columns = predicted (single-label only; empty when
    /// the number of classes exceeds [`EvaluatorConfig::max_classes`]).
    pub confusion_matrix: Vec<Vec<f64>>,
    /// The reliability table behind ECE (single-label only).
    pub reliability: Vec<ReliabilityBin>,
    /// Multi-label figures (multi-label targets only).
    pub multilabel: Option<MultiLabelMetrics>,
}

impl Evaluator {
    /// A new evaluator for `outputs` scores per sample and targets of the given kind.
    pub fn new(outputs: usize, kind: LabelKind, cfg: EvaluatorConfig) -> Self {
        let classes = if outputs == 1 { 2 } else { outputs };
        let top_k = cfg.top_k.iter().map(|&k| TopKAccuracy::new(k)).collect();
        Self {
            binary: BinaryAccuracy::new(cfg.threshold),
            multilabel: MultiLabelCounts::new(outputs, cfg.threshold),
            cfg,
            outputs,
            classes,
            kind,
            n: 0,
            weighted: false,
            keras_categorical: (0.0, 0.0),
            confusion: ConfusionMatrix::new(classes),
            calibration: Calibration::default(),
            top_k,
            auc_scores: Vec::new(),
            auc_truth: Vec::new(),
            auc_weights: Vec::new(),
        }
    }

    /// Number of samples seen so far.
    pub fn len(&self) -> usize {
        self.n
    }

    /// True when no sample was added.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Adds a batch: `scores` holds `rows × K` values, `targets` the matching targets, `weights`
    /// one weight per row. The caller has validated shapes and label ranges
    /// ([`crate::Targets::check_against`]); rows beyond the shorter input are ignored.
    pub fn update(&mut self, scores: &[f32], targets: TargetRows<'_>, weights: Option<&[f32]>) {
        let k = self.outputs;
        let threshold = self.cfg.threshold;
        let mut y = vec![0.0f32; k];
        let mut c = vec![0.0f32; self.classes];
        let mut q = vec![0.0f32; self.classes];
        self.weighted |= weights.is_some();
        for (i, s) in scores.chunks_exact(k).enumerate() {
            let w = weights.map_or(1.0, |w| w[i]);
            match targets {
                TargetRows::Labels(l) => {
                    y.fill(0.0);
                    if k == 1 {
                        y[0] = l[i] as f32;
                    } else {
                        y[l[i] as usize] = 1.0;
                    }
                }
                TargetRows::Hot(h) => y.copy_from_slice(&h[i * k..(i + 1) * k]),
            }
            self.n += 1;
            self.binary.update(&y, s, w);
            let hit = argmax(&y) == argmax(s);
            self.keras_categorical.0 += if hit { f64::from(w) } else { 0.0 };
            self.keras_categorical.1 += f64::from(w);
            if self.kind == LabelKind::MultiLabel {
                self.multilabel.update(&y, s, w);
                if self.cfg.roc_auc {
                    self.auc_scores.extend_from_slice(s);
                    self.auc_truth.extend_from_slice(&y);
                    self.auc_weights.push(w);
                }
                continue;
            }
            let (truth, pred) = if k == 1 {
                c[0] = 1.0 - s[0];
                c[1] = s[0];
                (y[0] as usize, usize::from(s[0] > threshold))
            } else {
                c.copy_from_slice(s);
                (argmax(&y), argmax(s))
            };
            let total: f32 = c.iter().sum();
            if total > 0.0 {
                for (qv, &cv) in q.iter_mut().zip(&c) {
                    *qv = cv / total;
                }
            } else {
                q.fill(1.0 / self.classes as f32);
            }
            self.confusion.add(truth, pred, w);
            self.calibration.update(&q, truth, pred, w);
            if !self.top_k.is_empty() {
                let above = rank_above(&c, truth);
                for t in &mut self.top_k {
                    t.update_ranked(above, w);
                }
            }
            if self.cfg.roc_auc {
                self.auc_scores.extend_from_slice(&c);
                self.auc_truth.push(truth as f32);
                self.auc_weights.push(w);
            }
        }
    }

    /// Adds the counts of another evaluator built with the same configuration (for parallel
    /// evaluation over chunks: merge in chunk order to keep ROC-AUC inputs in order).
    pub fn merge(&mut self, other: &Self) {
        self.n += other.n;
        self.weighted |= other.weighted;
        self.binary.merge(&other.binary);
        self.keras_categorical.0 += other.keras_categorical.0;
        self.keras_categorical.1 += other.keras_categorical.1;
        self.confusion.merge(&other.confusion);
        self.calibration.merge(&other.calibration);
        for (a, b) in self.top_k.iter_mut().zip(&other.top_k) {
            a.merge(b);
        }
        self.multilabel.merge(&other.multilabel);
        self.auc_scores.extend_from_slice(&other.auc_scores);
        self.auc_truth.extend_from_slice(&other.auc_truth);
        self.auc_weights.extend_from_slice(&other.auc_weights);
    }

    fn roc_auc_per_class(&self) -> Vec<Option<f64>> {
        if !self.cfg.roc_auc || self.n == 0 {
            return Vec::new();
        }
        let cols = if self.kind == LabelKind::MultiLabel { self.outputs } else { self.classes };
        let weights = self.weighted.then_some(self.auc_weights.as_slice());
        let truth = &self.auc_truth;
        if self.kind == LabelKind::MultiLabel {
            roc_auc_columns(&self.auc_scores, cols, |i, c| truth[i * cols + c] == 1.0, weights)
        } else {
            roc_auc_columns(&self.auc_scores, cols, |i, c| truth[i] as usize == c, weights)
        }
    }

    /// The figures accumulated so far.
    pub fn finish(&self) -> Evaluation {
        let single = self.kind == LabelKind::SingleLabel;
        let some = |v: f64| single.then_some(v);
        let top_k_accuracy = if single {
            self.top_k.iter().map(|t| (t.k().to_string(), t.value())).collect()
        } else {
            BTreeMap::new()
        };
        Evaluation {
            n: self.n,
            num_outputs: self.outputs,
            num_classes: self.classes,
            label_kind: self.kind,
            weighted: self.weighted,
            threshold: self.cfg.threshold,
            accuracy: some(self.confusion.accuracy()),
            binary_accuracy: self.binary.value(),
            categorical_accuracy: if self.keras_categorical.1 > 0.0 {
                self.keras_categorical.0 / self.keras_categorical.1
            } else {
                0.0
            },
            top_k_accuracy,
            balanced_accuracy: some(self.confusion.balanced_accuracy()),
            macro_f1: some(self.confusion.macro_f1()),
            weighted_f1: some(self.confusion.weighted_f1()),
            mcc: some(self.confusion.mcc()),
            cohen_kappa: if single { self.confusion.cohen_kappa() } else { None },
            nll: some(self.calibration.nll()),
            brier: some(self.calibration.brier()),
            ece: some(self.calibration.ece()),
            roc_auc: self.roc_auc_per_class(),
            per_class: if single { self.confusion.per_class() } else { Vec::new() },
            confusion_matrix: if single && self.classes <= self.cfg.max_classes {
                self.confusion.rows()
            } else {
                Vec::new()
            },
            reliability: if single { self.calibration.reliability() } else { Vec::new() },
            multilabel: (!single).then(|| self.multilabel.metrics()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_sigmoid_is_read_as_two_classes() {
        let mut e = Evaluator::new(1, LabelKind::SingleLabel, EvaluatorConfig::default());
        e.update(&[0.9, 0.2, 0.6], TargetRows::Labels(&[1, 0, 0]), None);
        let r = e.finish();
        assert_eq!(r.num_classes, 2);
        assert!((r.accuracy.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert!((r.binary_accuracy - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(r.confusion_matrix, vec![vec![1.0, 1.0], vec![0.0, 1.0]]);
    }

    #[test]
    fn merging_chunks_equals_one_pass() {
        let scores = [0.7, 0.2, 0.1, 0.1, 0.8, 0.1, 0.3, 0.3, 0.4, 0.5, 0.4, 0.1];
        let labels = [0, 1, 1, 2];
        let cfg = EvaluatorConfig { top_k: vec![2], ..Default::default() };
        let mut whole = Evaluator::new(3, LabelKind::SingleLabel, cfg.clone());
        whole.update(&scores, TargetRows::Labels(&labels), None);
        let mut a = Evaluator::new(3, LabelKind::SingleLabel, cfg.clone());
        a.update(&scores[..6], TargetRows::Labels(&labels[..2]), None);
        let mut b = Evaluator::new(3, LabelKind::SingleLabel, cfg);
        b.update(&scores[6..], TargetRows::Labels(&labels[2..]), None);
        a.merge(&b);
        assert_eq!(a.finish(), whole.finish());
    }
}
