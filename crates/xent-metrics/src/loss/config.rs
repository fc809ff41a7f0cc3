//! The loss configurations xent compares: which head turns logits into scores, and which
//! cross-entropy trains them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// The output activation applied to a model's logits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Head {
    /// `softmax` over the K outputs: scores sum to 1.
    Softmax,
    /// K independent `sigmoid`s: each score in (0, 1), no sum constraint.
    Sigmoid,
}

impl Head {
    /// Applies the activation to one row of logits, writing probabilities into `out`.
    pub fn apply_row(self, logits: &[f32], out: &mut [f32]) {
        match self {
            Self::Sigmoid => {
                for (o, &z) in out.iter_mut().zip(logits) {
                    *o = sigmoid(z);
                }
            }
            Self::Softmax => {
                let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let mut sum = 0.0;
                for (o, &z) in out.iter_mut().zip(logits) {
                    *o = (z - max).exp();
                    sum += *o;
                }
                for o in out.iter_mut() {
                    *o /= sum;
                }
            }
        }
    }
}

/// The logistic function, stable for large |z|.
#[inline]
pub fn sigmoid(z: f32) -> f32 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// Which of the two historical meanings "softmax output + `binary_crossentropy`" has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SoftmaxBinaryMode {
    /// Keras 2 (2.0–2.3): BCE of the ε-clipped softmax **probabilities**, averaged over K.
    Keras2Probabilities,
    /// Keras 3 and tf.keras 2.x with the TensorFlow backend inside `fit`: the softmax layer's
    /// pre-activation logits are used, so the loss is `sigmoid_cross_entropy_with_logits` of the
    /// **pre-softmax** logits — identical in training to [`LossConfig::Binary`].
    Keras3Logits,
}

/// A pair (output activation, training loss) with its target encoding.
///
/// Models always emit logits; the configuration decides the head and the loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LossConfig {
    /// Softmax + categorical cross-entropy on one-hot (or index) targets.
    Categorical,
    /// K sigmoids + binary cross-entropy averaged over the K outputs, on one-/multi-hot targets.
    Binary,
    /// Softmax output trained with binary cross-entropy, as many Keras questions wire it.
    SoftmaxBinary(SoftmaxBinaryMode),
}

/// The Keras loss function a configuration corresponds to (what `loss=` named).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KerasLoss {
    /// `binary_crossentropy`.
    BinaryCrossentropy,
    /// `categorical_crossentropy` (one-hot targets).
    CategoricalCrossentropy,
    /// `sparse_categorical_crossentropy` (class-index targets).
    SparseCategoricalCrossentropy,
}

impl LossConfig {
    /// The three configurations compared by default: categorical, binary, and softmax + binary
    /// with Keras 2 semantics.
    pub const DEFAULT_SET: [LossConfig; 3] = [
        LossConfig::Categorical,
        LossConfig::Binary,
        LossConfig::SoftmaxBinary(SoftmaxBinaryMode::Keras2Probabilities),
    ];

    /// The activation that turns logits into the model's reported scores.
    pub fn head(self) -> Head {
        match self {
            Self::Binary => Head::Sigmoid,
            Self::Categorical | Self::SoftmaxBinary(_) => Head::Softmax,
        }
    }

    /// The Keras loss this configuration is written with (`loss='…'`).
    pub fn keras_loss(self) -> KerasLoss {
        match self {
            Self::Categorical => KerasLoss::CategoricalCrossentropy,
            Self::Binary | Self::SoftmaxBinary(_) => KerasLoss::BinaryCrossentropy,
        }
    }

    /// A short stable name, also accepted by [`FromStr`]: `categorical`, `binary`,
    /// `softmax-binary` (Keras 2 meaning), `softmax-binary-keras3`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Categorical => "categorical",
            Self::Binary => "binary",
            Self::SoftmaxBinary(SoftmaxBinaryMode::Keras2Probabilities) => "softmax-binary",
            Self::SoftmaxBinary(SoftmaxBinaryMode::Keras3Logits) => "softmax-binary-keras3",
        }
    }

    /// What a person reading a report needs to know, in one line.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Categorical => "softmax + categorical cross-entropy",
            Self::Binary => "K sigmoids + binary cross-entropy (mean over K)",
            Self::SoftmaxBinary(SoftmaxBinaryMode::Keras2Probabilities) => {
                "softmax + binary cross-entropy on the probabilities (Keras 2)"
            }
            Self::SoftmaxBinary(SoftmaxBinaryMode::Keras3Logits) => {
                "softmax + binary cross-entropy on the pre-softmax logits (Keras 3 / tf.keras)"
            }
        }
    }
}

impl fmt::Display for LossConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for LossConfig {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let all = [
            Self::Categorical,
            Self::Binary,
            Self::SoftmaxBinary(SoftmaxBinaryMode::Keras2Probabilities),
            Self::SoftmaxBinary(SoftmaxBinaryMode::Keras3Logits),
        ];
        all.into_iter().find(|c| c.name() == s).ok_or_else(|| {
            Error::InvalidArgument(format!(
                "unknown loss configuration {s:?}; expected one of categorical, binary, \
                 softmax-binary, softmax-binary-keras3"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for c in LossConfig::DEFAULT_SET
            .into_iter()
            .chain([LossConfig::SoftmaxBinary(SoftmaxBinaryMode::Keras3Logits)])
        {
            assert_eq!(c.name().parse::<LossConfig>().unwrap(), c);
        }
        assert!("bce".parse::<LossConfig>().is_err());
    }

    #[test]
    fn softmax_head_rows_sum_to_one_and_sigmoid_is_stable() {
        let mut out = [0.0; 3];
        Head::Softmax.apply_row(&[1000.0, 0.0, -1000.0], &mut out);
        assert_eq!(out, [1.0, 0.0, 0.0]);
        assert_eq!(sigmoid(-100.0), (-100.0f32).exp() / (1.0 + (-100.0f32).exp()));
        assert_eq!(sigmoid(100.0), 1.0);
    }
}
