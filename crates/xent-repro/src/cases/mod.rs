//! The three published cases as pipelines. Each `run` returns a serialisable result whose
//! `markdown()` is the case's section of the report; nothing in a result is typed in.

mod grid;
pub mod mnist;
pub mod pima;
pub mod temperature;

use serde::{Deserialize, Serialize};
use xent_core::metrics::evaluator::TargetRows;
use xent_core::train::EpochMetrics;
use xent_core::{Classifier, DataSource, Evaluation, Evaluator, EvaluatorConfig, LabelKind, LossConfig};

use crate::error::Result;

/// True and Keras-reported accuracies of one model on one split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Accuracies {
    /// Argmax accuracy (for one sigmoid unit: accuracy at 0.5).
    pub true_accuracy: f64,
    /// What `metrics=['accuracy']` printed under Keras 2 for this configuration's loss.
    pub keras2_reported: f64,
    /// What it prints under Keras 3.
    pub keras3_reported: f64,
    /// Mean loss of the configuration on the split.
    pub loss: f64,
    /// NLL of the true class.
    pub nll: Option<f64>,
    /// Expected calibration error (15 bins).
    pub ece: Option<f64>,
    /// Samples evaluated.
    pub n: usize,
    /// Macro-F1.
    pub macro_f1: f64,
    /// Predicted count per class (columns of the confusion matrix).
    pub predicted_per_class: Vec<f64>,
}

impl Accuracies {
    /// From an evaluation and its mean loss, for `config` on class-index targets.
    pub fn new(loss: f64, eval: &Evaluation, config: LossConfig) -> Self {
        let m = EpochMetrics::new(loss, eval, config, true);
        let k = eval.confusion_matrix.first().map_or(0, Vec::len);
        let predicted_per_class = (0..k).map(|c| eval.confusion_matrix.iter().map(|r| r[c]).sum()).collect();
        Self {
            true_accuracy: m.accuracy.unwrap_or(f64::NAN),
            keras2_reported: m.keras2_reported_accuracy,
            keras3_reported: m.keras3_reported_accuracy,
            loss,
            nll: eval.nll,
            ece: eval.ece,
            n: eval.n,
            macro_f1: eval.macro_f1.unwrap_or(f64::NAN),
            predicted_per_class,
        }
    }

    /// From a split report of the engine.
    pub fn of_split(r: &xent_core::train::SplitReport) -> Self {
        let k = r.evaluation.confusion_matrix.first().map_or(0, Vec::len);
        Self {
            true_accuracy: r.summary.accuracy.unwrap_or(f64::NAN),
            keras2_reported: r.summary.keras2_reported_accuracy,
            keras3_reported: r.summary.keras3_reported_accuracy,
            loss: r.summary.loss,
            nll: r.summary.nll,
            ece: r.summary.ece,
            n: r.evaluation.n,
            macro_f1: r.summary.macro_f1.unwrap_or(f64::NAN),
            predicted_per_class: (0..k).map(|c| r.evaluation.confusion_matrix.iter().map(|row| row[c]).sum()).collect(),
        }
    }
}

/// Evaluates a trained model (validation copy) on all of `data` under `config`.
///
/// # Errors
/// Engine errors naming the batch.
pub fn evaluate<M, D>(model: &M, data: &D, config: LossConfig) -> Result<Accuracies>
where
    M: Classifier,
    D: DataSource<Batch = M::Batch>,
{
    let loss = xent_core::TrainingLoss::new(config);
    let (eval, l) =
        xent_core::train::evaluate(model, data, None, &loss, &EvaluatorConfig::default(), 256, &xent_core::default_device())?;
    Ok(Accuracies::new(l, &eval, config))
}

/// The raw logits `N × K` of `data` (row-major) and K ([`xent_core::train::logits`], batches of 256).
///
/// # Errors
/// Batch errors of the data source.
pub fn logits<M, D>(model: &M, data: &D) -> Result<(Vec<f32>, usize)>
where
    M: Classifier,
    D: DataSource<Batch = M::Batch>,
{
    let z = xent_core::train::logits(model, data, 256, &xent_core::default_device())?;
    let k = z.cols();
    Ok((z.into_vec(), k))
}

/// Softmax of each row of `logits / t`.
pub fn softmax_rows(logits: &[f32], k: usize, t: f64) -> Vec<f32> {
    let mut out = vec![0.0; logits.len()];
    let scaled: Vec<f32> = logits.iter().map(|&z| (f64::from(z) / t) as f32).collect();
    for (z, p) in scaled.chunks_exact(k).zip(out.chunks_exact_mut(k)) {
        xent_core::Head::Softmax.apply_row(z, p);
    }
    out
}

/// The full metric set of probability rows against class indices.
pub fn evaluate_probs(probs: &[f32], k: usize, labels: &[u32]) -> Evaluation {
    let mut e = Evaluator::new(k, LabelKind::SingleLabel, EvaluatorConfig::default());
    e.update(probs, TargetRows::Labels(labels), None);
    e.finish()
}

/// A percentage with two decimals.
pub fn pct(v: f64) -> String {
    format!("{:.2} %", 100.0 * v)
}

/// An optional number with `d` decimals, `–` when absent.
pub fn opt(v: Option<f64>, d: usize) -> String {
    v.map_or_else(|| "–".into(), |v| format!("{v:.d$}"))
}
