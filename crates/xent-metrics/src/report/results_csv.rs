//! `results.csv`: every figure of every run of an experiment in long ("tidy") form, one row per
//! run × split × metric, for `pandas.read_csv(...).pivot_table(...)`.
//!
//! | column | value |
//! |---|---|
//! | `config` | loss configuration (`categorical`, `binary`, `softmax-binary`) |
//! | `seed` | the run's seed |
//! | `fold` | the fold number when the experiment directory is `fold-N` of a cross-validation; empty otherwise |
//! | `split` | `test`, `validation` or `train` |
//! | `metric` | the figure's name (below) |
//! | `value` | the figure, a fraction (accuracies, F1, ECE) or a loss, never a percentage |
//!
//! Rows per run, in plan order (configuration-major, then seed):
//!
//! 1. The evaluation split of the report (`test`, or `validation` without a test split): exactly the
//!    per-seed values `report.md`'s tables and `statistics.json` are computed from, with metrics
//!    `accuracy` (true argmax accuracy; Keras's categorical accuracy for multi-label targets),
//!    `keras2_reported`, `keras3_reported` (what `metrics=['accuracy']` prints under Keras 2 / 3
//!    for the run's loss), `macro_f1`, `balanced_accuracy`, `ece_before`, `ece_after` (expected
//!    calibration error before / after temperature scaling). A metric is left out for a whole
//!    configuration when one of its runs lacks it, as in the report.
//! 2. `metrics.json`'s final evaluations of the training split (`train`) and, when the evaluation
//!    split is `test`, of the validation split: `loss`, `accuracy` (left out for
//!    multi-label targets), `keras2_reported`, `keras3_reported`, `binary_accuracy`, `macro_f1`,
//!    `balanced_accuracy`, `nll`, `ece` (the uncalibrated model's), each only when defined.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::artifacts::write_atomic;
use crate::error::{Error, Result};
use crate::experiment::{Experiment, RunArtifacts};
use crate::train::EpochMetrics;

/// The columns of `results.csv`, in order.
pub const COLUMNS: [&str; 6] = ["config", "seed", "fold", "split", "metric", "value"];

/// One row of `results.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultRow {
    /// Loss configuration name.
    pub config: String,
    /// Seed.
    pub seed: u64,
    /// Fold number of a cross-validation, else `None` (an empty cell).
    pub fold: Option<usize>,
    /// `test`, `validation` or `train`.
    pub split: String,
    /// Metric name.
    pub metric: String,
    /// Value.
    pub value: f64,
}

/// `metrics.json`'s figures of one split, named as in `results.csv`.
fn summary_metrics(m: &EpochMetrics) -> Vec<(&'static str, f64)> {
    let opt = [
        ("loss", Some(m.loss)),
        ("accuracy", m.accuracy),
        ("keras2_reported", Some(m.keras2_reported_accuracy)),
        ("keras3_reported", Some(m.keras3_reported_accuracy)),
        ("binary_accuracy", Some(m.binary_accuracy)),
        ("macro_f1", m.macro_f1),
        ("balanced_accuracy", m.balanced_accuracy),
        ("nll", m.nll),
        ("ece", m.ece),
    ];
    opt.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))).collect()
}

/// The rows of `results.csv` for `exp`.
pub fn rows(exp: &Experiment) -> Vec<ResultRow> {
    let fold = exp.fold();
    let mut out = Vec::new();
    let mut push = |r: &RunArtifacts, split: &str, metric: &str, value: f64| {
        out.push(ResultRow {
            config: r.loss().name().to_string(),
            seed: r.config.train.seed,
            fold,
            split: split.to_string(),
            metric: metric.to_string(),
            value,
        });
    };
    for r in &exp.runs {
        let seed = r.config.train.seed;
        let split = r.figures().split;
        // The very values the statistics are computed from.
        if let Some(c) = exp.configs.iter().find(|c| c.loss == r.loss())
            && let Some(i) = c.seeds.iter().position(|&s| s == seed)
        {
            for (metric, values, _) in &c.metrics {
                if let Some(&v) = values.get(i) {
                    push(r, &split, metric, v);
                }
            }
        }
        if split == "test"
            && let Some(v) = &r.metrics.valid
        {
            for (metric, value) in summary_metrics(&v.summary) {
                push(r, "validation", metric, value);
            }
        }
        for (metric, value) in summary_metrics(&r.metrics.train.summary) {
            push(r, "train", metric, value);
        }
    }
    out
}

/// `results.csv` content: the header of [`COLUMNS`], then `rows`. Floats are written in their
/// shortest exact form.
///
/// # Errors
/// [`Error::Mismatch`] if a row cannot be serialised.
pub fn to_csv(rows: &[ResultRow]) -> Result<String> {
    let err = |e: csv::Error| Error::Mismatch(format!("results.csv: {e}"));
    let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
    w.write_record(COLUMNS).map_err(err)?;
    for r in rows {
        w.serialize(r).map_err(err)?;
    }
    let bytes = w.into_inner().map_err(|e| Error::Mismatch(format!("results.csv: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::Mismatch(format!("results.csv: {e}")))
}

/// Writes `results.csv` into the experiment directory, atomically. Returns its path.
///
/// # Errors
/// Writing fails.
pub fn write(exp: &Experiment) -> Result<PathBuf> {
    let p = exp.dir.join("results.csv");
    write_atomic(&p, to_csv(&rows(exp))?.as_bytes())?;
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_fold_is_an_empty_cell_and_floats_are_exact() {
        let rows = [
            ResultRow { config: "binary".into(), seed: 3, fold: None, split: "test".into(), metric: "accuracy".into(), value: 0.1 + 0.2 },
            ResultRow { config: "softmax-binary".into(), seed: 0, fold: Some(2), split: "train".into(), metric: "loss".into(), value: 0.5 },
        ];
        let text = to_csv(&rows).unwrap();
        assert_eq!(text, "config,seed,fold,split,metric,value\nbinary,3,,test,accuracy,0.30000000000000004\nsoftmax-binary,0,2,train,loss,0.5\n");
        let back: Vec<ResultRow> = csv::Reader::from_reader(text.as_bytes()).deserialize().collect::<Result<_, _>>().unwrap();
        assert_eq!(back, rows);
    }
}
