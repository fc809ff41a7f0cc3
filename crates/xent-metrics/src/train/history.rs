//! One JSON line per epoch: `history.jsonl` (and its flat copy `history.csv`, see
//! [`super::history_csv`]).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::artifacts::write_atomic;
use crate::error::Result;

use crate::loss::{KerasLoss, LossConfig};
use crate::metrics::Evaluation;
use crate::rule::AccuracyRule;

/// The per-epoch figures of one split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    /// Mean training loss of the configuration (weighted by batch size; class and sample weights
    /// included for training, as Keras reports it).
    pub loss: f64,
    /// True (argmax) accuracy; `None` for multi-label targets.
    pub accuracy: Option<f64>,
    /// What `metrics=['accuracy']` would print under Keras 2 for this configuration's loss.
    pub keras2_reported_accuracy: f64,
    /// What `metrics=['accuracy']` would print under Keras 3 for this configuration's loss.
    pub keras3_reported_accuracy: f64,
    /// Element-wise binary accuracy at the threshold.
    pub binary_accuracy: f64,
    /// Macro-F1.
    pub macro_f1: Option<f64>,
    /// Balanced accuracy.
    pub balanced_accuracy: Option<f64>,
    /// NLL of the true class under the normalised scores.
    pub nll: Option<f64>,
    /// Expected calibration error.
    pub ece: Option<f64>,
}

impl EpochMetrics {
    /// The figures of `eval` with mean loss `loss`, for `config` on targets that are class
    /// indices (`sparse`) or rows.
    pub fn new(loss: f64, eval: &Evaluation, config: LossConfig, sparse: bool) -> Self {
        let keras_loss = match config.keras_loss() {
            KerasLoss::CategoricalCrossentropy if sparse => KerasLoss::SparseCategoricalCrossentropy,
            l => l,
        };
        Self {
            loss,
            accuracy: eval.accuracy,
            keras2_reported_accuracy: AccuracyRule::Keras2Legacy.reported(keras_loss, eval, sparse),
            keras3_reported_accuracy: AccuracyRule::Keras3.reported(keras_loss, eval, sparse),
            binary_accuracy: eval.binary_accuracy,
            macro_f1: eval.macro_f1,
            balanced_accuracy: eval.balanced_accuracy,
            nll: eval.nll,
            ece: eval.ece,
        }
    }
}

/// One line of `history.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// Epoch number, from 1.
    pub epoch: usize,
    /// Wall-clock seconds of the epoch (training and evaluation). Varies between runs.
    pub seconds: f64,
    /// Learning rate at the epoch's first step.
    pub lr: f64,
    /// Training figures, accumulated over the epoch's batches as the weights changed (what Keras
    /// prints during `fit`).
    pub train: EpochMetrics,
    /// Validation figures with the weights at the end of the epoch.
    pub valid: Option<EpochMetrics>,
}

/// `history.jsonl` content: one compact JSON object per line.
pub fn to_jsonl(records: &[EpochRecord]) -> String {
    let mut s = String::new();
    for r in records {
        s.push_str(&serde_json::to_string(r).expect("epoch records serialise"));
        s.push('\n');
    }
    s
}

/// Writes `history.jsonl` and `history.csv` of `records` into the run directory `dir`, each
/// atomically; the trainer calls it after every epoch (and on resuming), so both files always
/// hold the epochs of the last checkpoint.
///
/// # Errors
/// [`crate::Error::Io`] naming the file.
pub fn write_history(dir: &Path, records: &[EpochRecord]) -> Result<()> {
    write_atomic(&dir.join("history.jsonl"), to_jsonl(records).as_bytes())?;
    write_atomic(&dir.join("history.csv"), super::history_csv::to_csv(records)?.as_bytes())
}

#[cfg(test)]
mod tests {
    use rand_chacha::ChaCha8Rng;
    use rand_core::{RngCore, SeedableRng};

    /// A resumed run re-writes the epochs it read back from its checkpoint: every f64 must survive
    /// the JSON text exactly (serde_json's `float_roundtrip`).
    #[test]
    fn floats_round_trip_through_json_exactly() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..200_000 {
            let x = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            for v in [x, x * 1e-3, 1.0 - x, x * 12345.678] {
                let text = serde_json::to_string(&v).unwrap();
                let back: f64 = serde_json::from_str(&text).unwrap();
                assert_eq!(back.to_bits(), v.to_bits(), "{v:e} → {text} → {back:e}");
            }
        }
    }
}
