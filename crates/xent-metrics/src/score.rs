//! Auditing predictions made anywhere (Keras, PyTorch, xent): every metric, the Keras-exact
//! losses, and what `metrics=['accuracy']` would have reported beside the true accuracy.

use std::borrow::Cow;
use std::fmt::Write as _;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::loss::keras::{self, KerasLossOptions};
use crate::loss::Head;
use crate::matrix::Matrix;
use crate::metrics::{DEFAULT_MAX_CLASSES, Evaluation, Evaluator, EvaluatorConfig, TargetRows, roc_auc_columns};
use crate::rule::KerasReported;
use crate::targets::{LabelKind, Targets};

/// How to read and score a prediction matrix.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScoreOptions {
    /// The predictions are logits (`from_logits=True`); otherwise probabilities. Default false.
    pub from_logits: bool,
    /// The activation that turns logits into probabilities for the metrics. Default: softmax for
    /// K > 1, sigmoid for one output. Ignored for probabilities.
    pub activation: Option<Head>,
    /// One weight per sample; weights every metric (`Σ vw / Σ w`) and the losses (`Σ lw / N`).
    /// Default none.
    pub sample_weight: Option<Vec<f32>>,
    /// Label smoothing for the losses, in `[0, 1]`. Default 0.
    pub label_smoothing: f32,
    /// Threshold for binary decisions. Default 0.5 (`ScoreOptions::default()` gives 0; use
    /// [`ScoreOptions::new`]).
    pub threshold: f32,
    /// The k of each top-k accuracy. Default none.
    pub top_k: Vec<usize>,
    /// Class names, one per class. Default none.
    pub class_names: Option<Vec<String>>,
    /// The dense K × K confusion matrix is reported for at most this many classes; above, it is
    /// omitted with a warning and every metric is still computed (from O(K) per-class counts).
    /// Default `None`: [`DEFAULT_MAX_CLASSES`] (1,000).
    pub max_classes: Option<usize>,
}

impl ScoreOptions {
    /// Defaults: probabilities, threshold 0.5, no weights, no smoothing, no top-k.
    pub fn new() -> Self {
        Self { threshold: 0.5, ..Self::default() }
    }
}

/// Whether scores were probabilities or logits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    /// Probabilities (after the model's activation).
    Probabilities,
    /// Raw logits.
    Logits,
}

/// Keras-exact loss values (reduction `Σ lw / N`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LossValues {
    /// `binary_crossentropy`, mean over the K outputs per sample.
    pub binary_crossentropy: f64,
    /// `categorical_crossentropy`; `None` for a single output.
    pub categorical_crossentropy: Option<f64>,
    /// `sparse_categorical_crossentropy`; `None` for multi-label targets, a single output, or
    /// with label smoothing (Keras's sparse loss has none).
    pub sparse_categorical_crossentropy: Option<f64>,
    /// The label smoothing applied.
    pub label_smoothing: f32,
}

/// The result of auditing one prediction matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreReport {
    /// Probabilities or logits.
    pub input: InputKind,
    /// Keras-exact losses.
    pub loss: LossValues,
    /// Every metric (flattened into the JSON object).
    #[serde(flatten)]
    pub metrics: Evaluation,
    /// What `metrics=['accuracy']` would have printed under each Keras rule and loss.
    pub keras_reported_accuracy: KerasReported,
    /// Class names, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class_names: Option<Vec<String>>,
    /// Plain-language warnings (e.g. a reported accuracy that differs from the true one).
    pub warnings: Vec<String>,
}

/// Rows per parallel chunk.
const CHUNK_ROWS: usize = 1 << 15;

/// Scores `predictions` (`N × K`) against `targets`.
///
/// # Errors
/// [`Error::Mismatch`] when the shapes, labels, weights or class names do not fit;
/// [`Error::InvalidArgument`] for a bad option value: a top-k with k ≥ the number of classes,
/// sample weights that are negative, not finite or sum to zero.
pub fn score(predictions: &Matrix, targets: &Targets, opts: &ScoreOptions) -> Result<ScoreReport> {
    let (n, k) = (predictions.rows(), predictions.cols());
    if n == 0 {
        return Err(Error::Mismatch("no predictions to score".into()));
    }
    targets.check_against(n, k)?;
    let loss_opts = KerasLossOptions { from_logits: opts.from_logits, label_smoothing: opts.label_smoothing };
    loss_opts.validate()?;
    if !(0.0..=1.0).contains(&opts.threshold) {
        return Err(Error::InvalidArgument(format!("threshold must lie in [0, 1], got {}", opts.threshold)));
    }
    let classes = if k == 1 { 2 } else { k };
    if let Some(&bad) = opts.top_k.iter().find(|&&k| k == 0) {
        return Err(Error::InvalidArgument(format!("top-k needs k ≥ 1, got {bad}")));
    }
    if let Some(&bad) = opts.top_k.iter().find(|&&t| t >= classes) {
        return Err(Error::InvalidArgument(format!(
            "top-{bad} accuracy of {classes} classes is 1 by definition: --top-k needs k < {classes}"
        )));
    }
    let weights = opts.sample_weight.as_deref();
    if let Some(w) = weights {
        if w.len() != n {
            return Err(Error::Mismatch(format!("{} sample weights for {n} prediction rows", w.len())));
        }
        if let Some(i) = w.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(Error::InvalidArgument(format!(
                "sample weight {} (row {}) is not a finite number ≥ 0",
                w[i],
                i + 1
            )));
        }
        if w.iter().map(|&v| f64::from(v)).sum::<f64>() <= 0.0 {
            return Err(Error::InvalidArgument(
                "sample weights sum to zero: every metric would be 0/0".into(),
            ));
        }
    }
    let kind = targets.kind();
    if let Some(names) = &opts.class_names
        && names.len() != classes
    {
        return Err(Error::Mismatch(format!("{} class names for {classes} classes", names.len())));
    }

    // Probabilities for the metrics.
    let probabilities = if opts.from_logits {
        let head = opts.activation.unwrap_or(if k == 1 { Head::Sigmoid } else { Head::Softmax });
        Cow::Owned(predictions.map_rows(|z, p| head.apply_row(z, p)))
    } else {
        Cow::Borrowed(predictions)
    };

    let labels = targets.labels();
    // Losses and metrics are independent passes: let rayon interleave them.
    let (loss, metrics) = rayon::join(
        || losses(predictions, targets, labels.as_deref(), kind, &loss_opts, weights),
        || evaluate(&probabilities, targets, kind, opts, weights),
    );
    let loss = loss?;
    let keras_reported_accuracy = KerasReported::from_evaluation(&metrics, targets.is_sparse());
    let mut metrics = metrics;
    if k > 1 {
        // ROC-AUC straight from the score matrix (the evaluator would keep a copy of it).
        let cols = k;
        metrics.roc_auc = match (kind, &labels, targets) {
            (LabelKind::SingleLabel, Some(l), _) => {
                roc_auc_columns(probabilities.as_slice(), cols, |i, c| l[i] as usize == c, weights)
            }
            (_, _, Targets::Hot(m)) => {
                let hot = m.as_slice();
                roc_auc_columns(probabilities.as_slice(), cols, |i, c| hot[i * cols + c] == 1.0, weights)
            }
            _ => Vec::new(),
        };
    }
    if let Some(names) = &opts.class_names {
        for c in &mut metrics.per_class {
            c.name = names.get(c.class).cloned();
        }
    }
    let mut warnings = warnings(&probabilities, opts, &metrics, &keras_reported_accuracy);
    let max_classes = opts.max_classes.unwrap_or(DEFAULT_MAX_CLASSES);
    if kind == LabelKind::SingleLabel && classes > max_classes {
        warnings.push(format!(
            "the {classes} × {classes} confusion matrix is omitted ({classes} classes > --max-classes \
             {max_classes}); every metric is computed from per-class counts. Raise --max-classes to \
             include it"
        ));
    }
    Ok(ScoreReport {
        input: if opts.from_logits { InputKind::Logits } else { InputKind::Probabilities },
        loss,
        metrics,
        keras_reported_accuracy,
        class_names: opts.class_names.clone(),
        warnings,
    })
}

/// A per-sample loss of (row index, targets, predictions).
type RowLoss<'a> = dyn Fn(usize, &[f32], &[f32]) -> f64 + Sync + 'a;

fn losses(
    predictions: &Matrix,
    targets: &Targets,
    labels: Option<&[u32]>,
    kind: LabelKind,
    opts: &KerasLossOptions,
    weights: Option<&[f32]>,
) -> Result<LossValues> {
    let k = predictions.cols();
    // Target row i into `y` (one-hot for labels; the 0/1 label itself for one output).
    let fill = |i: usize, y: &mut [f32]| match targets {
        Targets::Hot(m) => y.copy_from_slice(m.row(i)),
        Targets::Labels(l) if k == 1 => y[0] = l[i] as f32,
        Targets::Labels(l) => {
            y.fill(0.0);
            y[l[i] as usize] = 1.0;
        }
    };
    let per_row = |f: &RowLoss| -> Vec<f64> {
        predictions
            .as_slice()
            .par_chunks(k)
            .enumerate()
            .map_init(
                || vec![0.0f32; k],
                |y, (i, p)| {
                    fill(i, y);
                    f(i, y, p)
                },
            )
            .collect()
    };
    let bce = per_row(&|_, y, p| keras::binary_crossentropy_row(y, p, opts));
    let cce = (k > 1).then(|| per_row(&|_, y, p| keras::categorical_crossentropy_row(y, p, opts)));
    let sparse = match (labels, kind) {
        (Some(labels), LabelKind::SingleLabel) if k > 1 && opts.label_smoothing == 0.0 => Some(per_row(&|i, _, p| {
            keras::sparse_categorical_crossentropy_row(labels[i] as usize, p, opts.from_logits)
        })),
        _ => None,
    };
    let reduce = |v: &[f64]| keras::reduce_sum_over_batch_size(v, weights);
    Ok(LossValues {
        binary_crossentropy: reduce(&bce),
        categorical_crossentropy: cce.as_deref().map(reduce),
        sparse_categorical_crossentropy: sparse.as_deref().map(reduce),
        label_smoothing: opts.label_smoothing,
    })
}

fn evaluate(
    probabilities: &Matrix,
    targets: &Targets,
    kind: LabelKind,
    opts: &ScoreOptions,
    weights: Option<&[f32]>,
) -> Evaluation {
    let k = probabilities.cols();
    let cfg = EvaluatorConfig {
        threshold: opts.threshold,
        top_k: opts.top_k.clone(),
        // score() computes ROC-AUC from the matrix itself for K > 1.
        roc_auc: k == 1,
        max_classes: opts.max_classes.unwrap_or(DEFAULT_MAX_CLASSES),
    };
    let n = probabilities.rows();
    let chunks: Vec<usize> = (0..n).step_by(CHUNK_ROWS).collect();
    let parts: Vec<Evaluator> = chunks
        .par_iter()
        .map(|&start| {
            let end = (start + CHUNK_ROWS).min(n);
            let mut e = Evaluator::new(k, kind, cfg.clone());
            let scores = &probabilities.as_slice()[start * k..end * k];
            let rows = match targets {
                Targets::Labels(l) => TargetRows::Labels(&l[start..end]),
                Targets::Hot(m) => TargetRows::Hot(&m.as_slice()[start * k..end * k]),
            };
            e.update(scores, rows, weights.map(|w| &w[start..end]));
            e
        })
        .collect();
    let mut parts = parts.into_iter();
    let mut total = parts.next().unwrap_or_else(|| Evaluator::new(k, kind, cfg.clone()));
    for p in parts {
        total.merge(&p);
    }
    total.finish()
}

fn pct(v: f64) -> String {
    format!("{:.2} %", 100.0 * v)
}

fn warnings(probabilities: &Matrix, opts: &ScoreOptions, m: &Evaluation, reported: &KerasReported) -> Vec<String> {
    let mut out = Vec::new();
    let k = probabilities.cols();
    if !opts.from_logits {
        if probabilities.as_slice().iter().any(|&v| !(0.0..=1.0).contains(&v)) {
            out.push("some scores lie outside [0, 1]: if these are logits, pass --from-logits".into());
        } else if k > 1 && probabilities.iter_rows().any(|r| (r.iter().sum::<f32>() - 1.0).abs() > 1e-3) {
            out.push(
                "rows do not sum to 1 (independent sigmoids?): NLL, Brier and ECE use the rows \
                 renormalised to sum to 1"
                    .into(),
            );
        }
    }
    if m.label_kind == LabelKind::MultiLabel {
        out.push(
            "multi-hot targets: multi-label metrics (subset accuracy, Hamming loss, micro/macro F1) \
             replace the single-label ones"
                .into(),
        );
        return out;
    }
    if let Some(acc) = m.accuracy {
        let legacy = reported.keras2.binary_crossentropy;
        if (legacy - acc).abs() >= 0.0005 {
            let kk = m.num_outputs as f64;
            out.push(format!(
                "Keras 2 would report 'accuracy' = {} under binary_crossentropy (element-wise binary \
                 accuracy over all {} outputs), but the true argmax accuracy is {}. Under binary \
                 accuracy an all-zeros predictor already scores (K−1)/K = {}.",
                pct(legacy),
                m.num_outputs,
                pct(acc),
                pct((kk - 1.0) / kk)
            ));
        }
    }
    out
}

impl ScoreReport {
    /// A readable report: per-class table (like scikit-learn's `classification_report`), the
    /// summary metrics, the losses, and the reported-vs-true accuracy block.
    pub fn to_text(&self) -> String {
        let m = &self.metrics;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{} samples, {} outputs, {} targets{}, scores read as {}",
            m.n,
            m.num_outputs,
            match m.label_kind {
                LabelKind::SingleLabel => "single-label",
                LabelKind::MultiLabel => "multi-label",
            },
            if m.weighted { ", sample-weighted" } else { "" },
            match self.input {
                InputKind::Probabilities => "probabilities",
                InputKind::Logits => "logits",
            }
        );
        let _ = writeln!(s);
        if let Some(acc) = m.accuracy {
            let width = m.per_class.iter().filter_map(|c| c.name.as_ref().map(String::len)).max().unwrap_or(5).max(5);
            let _ = writeln!(s, "{:>width$}  precision     recall  specificity   f1-score    support", "class");
            for c in &m.per_class {
                let name = c.name.clone().unwrap_or_else(|| c.class.to_string());
                let _ = writeln!(
                    s,
                    "{name:>width$}  {:>9.4}  {:>9.4}  {:>11.4}  {:>9.4}  {:>9}",
                    c.precision,
                    c.recall,
                    c.specificity,
                    c.f1,
                    fmt_count(c.support)
                );
            }
            let _ = writeln!(s);
            let _ = writeln!(s, "accuracy (true, argmax)      {:.4}", acc);
            let opt = |v: Option<f64>| v.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.4}"));
            let _ = writeln!(s, "balanced accuracy (macro)    {}", opt(m.balanced_accuracy));
            let _ = writeln!(s, "macro-F1                     {}", opt(m.macro_f1));
            let _ = writeln!(s, "weighted-F1 (by support)     {}", opt(m.weighted_f1));
            let _ = writeln!(s, "Matthews correlation         {}", opt(m.mcc));
            let _ = writeln!(s, "Cohen's kappa                {}", opt(m.cohen_kappa));
            for (k, v) in &m.top_k_accuracy {
                let _ = writeln!(s, "top-{k} accuracy               {v:.4}");
            }
            let _ = writeln!(s, "NLL (normalised scores)      {}", opt(m.nll));
            let _ = writeln!(s, "Brier (multi-class)          {}", opt(m.brier));
            let _ = writeln!(s, "ECE (15 bins)                {}", opt(m.ece));
        }
        if let Some(ml) = &m.multilabel {
            let _ = writeln!(s, "subset accuracy              {:.4}", ml.subset_accuracy);
            let _ = writeln!(s, "Hamming loss                 {:.4}", ml.hamming_loss);
            let _ = writeln!(s, "micro-F1                     {:.4}", ml.micro_f1);
            let _ = writeln!(s, "macro-F1                     {:.4}", ml.macro_f1);
        }
        let _ = writeln!(s, "binary accuracy (N·K, >{})  {:.4}", m.threshold, m.binary_accuracy);
        let _ = writeln!(s);
        let _ = writeln!(s, "losses (Keras semantics, Σ l·w / N)");
        let _ = writeln!(s, "  binary_crossentropy              {:.6}", self.loss.binary_crossentropy);
        if let Some(v) = self.loss.categorical_crossentropy {
            let _ = writeln!(s, "  categorical_crossentropy         {v:.6}");
        }
        if let Some(v) = self.loss.sparse_categorical_crossentropy {
            let _ = writeln!(s, "  sparse_categorical_crossentropy  {v:.6}");
        }
        let _ = writeln!(s);
        let r = &self.keras_reported_accuracy;
        let _ = writeln!(s, "what metrics=['accuracy'] would have printed");
        let _ = writeln!(s, "                         binary_crossentropy  categorical_crossentropy");
        let _ = writeln!(
            s,
            "  Keras 2 (legacy rule)  {:>19.4}  {:>24.4}",
            r.keras2.binary_crossentropy, r.keras2.categorical_crossentropy
        );
        let _ = writeln!(
            s,
            "  Keras 3 (shape rule)   {:>19.4}  {:>24.4}",
            r.keras3.binary_crossentropy, r.keras3.categorical_crossentropy
        );
        if let Some(acc) = m.accuracy {
            let _ = writeln!(s, "  true accuracy          {acc:>19.4}  {acc:>24.4}");
        }
        for w in &self.warnings {
            let _ = writeln!(s, "\nwarning: {w}");
        }
        s
    }
}

fn fmt_count(v: f64) -> String {
    if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v:.2}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_binary_accuracy_inflates_and_is_warned_about() {
        // K = 10, confident softmax-like rows, 9 of 10 right: true 0.9; legacy binary accuracy
        // counts 98 of 100 outputs right = 0.98 = 1 − 2(1 − 0.9)/10.
        let k = 10;
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        for i in 0..10u32 {
            let mut r = vec![0.0f32; k];
            let pred = if i == 0 { 1 } else { i as usize };
            r[pred] = 1.0;
            rows.push(r);
            labels.push(i);
        }
        let p = Matrix::from_rows(&rows).unwrap();
        let report = score(&p, &Targets::Labels(labels), &ScoreOptions::new()).unwrap();
        assert!((report.metrics.accuracy.unwrap() - 0.9).abs() < 1e-12);
        assert!((report.keras_reported_accuracy.keras2.binary_crossentropy - 0.98).abs() < 1e-12);
        assert!((report.keras_reported_accuracy.keras3.binary_crossentropy - 0.9).abs() < 1e-12);
        assert!(report.warnings.iter().any(|w| w.contains("98.00 %") && w.contains("90.00 %")));
        assert!(report.to_text().contains("Keras 2 (legacy rule)"));
    }

    #[test]
    fn mismatched_weights_are_an_error() {
        let p = Matrix::from_rows(&[[0.2f32, 0.8]]).unwrap();
        let opts = ScoreOptions { sample_weight: Some(vec![1.0, 2.0]), ..ScoreOptions::new() };
        let err = score(&p, &Targets::Labels(vec![1]), &opts).unwrap_err();
        assert!(err.to_string().contains("2 sample weights for 1"), "{err}");
    }
}
