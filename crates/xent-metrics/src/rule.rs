//! `AccuracyRule`: what `metrics=['accuracy']` would have reported.
//!
//! Keras resolves the string `'accuracy'` to a concrete metric at `compile` time, and the rule
//! changed between versions (see `docs/keras-semantics.md`):
//!
//! | rule | binary accuracy when | else |
//! |---|---|---|
//! | [`AccuracyRule::Keras2Legacy`] (Keras ≤ 2.3, tf.keras graph mode) | one output unit **or** the loss is binary cross-entropy | sparse categorical if the loss is sparse CE, else categorical |
//! | [`AccuracyRule::Keras3`] (tf.keras ≥ 2.2 eager, Keras 3) | one output unit | sparse categorical for index targets, else categorical (loss ignored) |
//!
//! On K > 2 one-hot classes under binary cross-entropy the legacy rule reports element-wise
//! binary accuracy, which with confident outputs is ≈ `1 − 2(1 − true)/K`.

use serde::{Deserialize, Serialize};

use crate::loss::KerasLoss;
use crate::metrics::Evaluation;

/// A historical resolution of `metrics=['accuracy']`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccuracyRule {
    /// Keras ≤ 2.3 and tf.keras 2.x in v1 graph mode: by loss and shape.
    Keras2Legacy,
    /// tf.keras ≥ 2.2 eager / `tf.function`, and Keras 3: by shapes only.
    Keras3,
}

/// The concrete metric `'accuracy'` resolves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccuracyMetric {
    /// `binary_accuracy`: element-wise over all N·K outputs at threshold 0.5.
    Binary,
    /// `categorical_accuracy`: argmax of one-hot targets vs argmax of scores.
    Categorical,
    /// `sparse_categorical_accuracy`: class index vs argmax of scores.
    SparseCategorical,
}

impl AccuracyRule {
    /// Both rules, oldest first.
    pub const ALL: [AccuracyRule; 2] = [AccuracyRule::Keras2Legacy, AccuracyRule::Keras3];

    /// The metric `'accuracy'` resolves to for a model with `num_outputs` output units trained
    /// with `loss` on targets that are class indices (`sparse_targets`) or one-hot rows.
    pub fn resolve(self, loss: KerasLoss, num_outputs: usize, sparse_targets: bool) -> AccuracyMetric {
        match self {
            Self::Keras2Legacy => {
                if num_outputs == 1 || loss == KerasLoss::BinaryCrossentropy {
                    AccuracyMetric::Binary
                } else if loss == KerasLoss::SparseCategoricalCrossentropy {
                    AccuracyMetric::SparseCategorical
                } else {
                    AccuracyMetric::Categorical
                }
            }
            Self::Keras3 => {
                if num_outputs == 1 {
                    AccuracyMetric::Binary
                } else if sparse_targets {
                    AccuracyMetric::SparseCategorical
                } else {
                    AccuracyMetric::Categorical
                }
            }
        }
    }

    /// The figure Keras would have printed for `'accuracy'` on this evaluation.
    pub fn reported(self, loss: KerasLoss, eval: &Evaluation, sparse_targets: bool) -> f64 {
        match self.resolve(loss, eval.num_outputs, sparse_targets) {
            AccuracyMetric::Binary => eval.binary_accuracy,
            AccuracyMetric::Categorical | AccuracyMetric::SparseCategorical => {
                eval.categorical_accuracy
            }
        }
    }

    /// A short label for tables: `Keras 2` / `Keras 3`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Keras2Legacy => "Keras 2",
            Self::Keras3 => "Keras 3",
        }
    }
}

/// What `'accuracy'` would have reported under each rule, for binary and categorical
/// cross-entropy (for index targets "categorical" means sparse categorical CE).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReportedByLoss {
    /// Reported with `loss='binary_crossentropy'`.
    pub binary_crossentropy: f64,
    /// Reported with `loss='categorical_crossentropy'` (sparse for index targets).
    pub categorical_crossentropy: f64,
}

/// The Keras-reported accuracies beside each other.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KerasReported {
    /// Under [`AccuracyRule::Keras2Legacy`].
    pub keras2: ReportedByLoss,
    /// Under [`AccuracyRule::Keras3`].
    pub keras3: ReportedByLoss,
}

impl KerasReported {
    /// Both rules × both losses for one evaluation.
    pub fn from_evaluation(eval: &Evaluation, sparse_targets: bool) -> Self {
        let categorical = if sparse_targets {
            KerasLoss::SparseCategoricalCrossentropy
        } else {
            KerasLoss::CategoricalCrossentropy
        };
        let by = |rule: AccuracyRule| ReportedByLoss {
            binary_crossentropy: rule.reported(KerasLoss::BinaryCrossentropy, eval, sparse_targets),
            categorical_crossentropy: rule.reported(categorical, eval, sparse_targets),
        };
        Self { keras2: by(AccuracyRule::Keras2Legacy), keras3: by(AccuracyRule::Keras3) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_disagree_only_for_bce_with_many_outputs() {
        use AccuracyMetric::*;
        use KerasLoss::*;
        let legacy = AccuracyRule::Keras2Legacy;
        let k3 = AccuracyRule::Keras3;
        assert_eq!(legacy.resolve(BinaryCrossentropy, 10, false), Binary);
        assert_eq!(k3.resolve(BinaryCrossentropy, 10, false), Categorical);
        assert_eq!(legacy.resolve(CategoricalCrossentropy, 10, false), Categorical);
        assert_eq!(k3.resolve(CategoricalCrossentropy, 10, false), Categorical);
        assert_eq!(legacy.resolve(SparseCategoricalCrossentropy, 10, true), SparseCategorical);
        assert_eq!(k3.resolve(SparseCategoricalCrossentropy, 10, true), SparseCategorical);
        for rule in AccuracyRule::ALL {
            assert_eq!(rule.resolve(CategoricalCrossentropy, 1, false), Binary);
        }
    }
}
