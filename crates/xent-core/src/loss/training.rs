//! Training losses on tensors, from logits, in the numerically stable form.

use burn::prelude::*;
use burn::tensor::activation::{log_softmax, relu, softmax};

use super::config::{LossConfig, SoftmaxBinaryMode};
use super::keras::EPSILON;
use crate::kernels::LogitLoss;

/// The loss a [`LossConfig`] trains with, on a batch of logits.
///
/// Formulas (per sample, `z` the K logits, `y` the one-/multi-hot targets after smoothing):
/// - `Categorical`: `−Σₖ yₖ log_softmax(z)ₖ`, smoothing `y(1−a) + a/K`;
/// - `Binary` and `SoftmaxBinary(Keras3Logits)`: `meanₖ [max(zₖ,0) − zₖyₖ + log(1 + e^{−|zₖ|})]`,
///   smoothing `y(1−a) + a/2`;
/// - `SoftmaxBinary(Keras2Probabilities)`: `p = clip(softmax(z), ε, 1−ε)`,
///   `meanₖ −[yₖ log pₖ + (1−yₖ) log(1−pₖ)]`, smoothing `y(1−a) + a/2`.
///
/// Reduction: Keras's `sum_over_batch_size`, `Σᵢ lᵢwᵢ / N`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainingLoss {
    /// The loss configuration.
    pub config: LossConfig,
    /// Label smoothing `a` in `[0, 1)`. Default 0.
    pub label_smoothing: f32,
}

impl TrainingLoss {
    /// The loss of `config` without label smoothing.
    pub fn new(config: LossConfig) -> Self {
        Self { config, label_smoothing: 0.0 }
    }

    /// Sets label smoothing.
    pub fn with_label_smoothing(mut self, a: f32) -> Self {
        self.label_smoothing = a;
        self
    }

    /// Per-sample losses.
    ///
    /// # Shapes
    /// - `logits`: `[batch, K]`
    /// - `targets`: `[batch, K]` (0/1 floats)
    /// - output: `[batch]`
    pub fn per_sample(&self, logits: Tensor<2>, targets: Tensor<2>) -> Tensor<1> {
        let [batch, k] = logits.dims();
        let a = self.label_smoothing;
        if crate::kernels::enabled() {
            // One recorded operation (xent's kernel) instead of the tensor formulas below.
            let (loss, smoothing_floor) = match self.config {
                LossConfig::Categorical => (LogitLoss::Softmax, a / k as f32),
                LossConfig::Binary | LossConfig::SoftmaxBinary(SoftmaxBinaryMode::Keras3Logits) => (LogitLoss::Sigmoid, a / 2.0),
                LossConfig::SoftmaxBinary(SoftmaxBinaryMode::Keras2Probabilities) => {
                    (LogitLoss::SoftmaxBinary { epsilon: EPSILON }, a / 2.0)
                }
            };
            let y = if a > 0.0 { targets * (1.0 - a) + smoothing_floor } else { targets };
            return crate::kernels::logit_loss(logits, y, loss);
        }
        let per: Tensor<2> = match self.config {
            LossConfig::Categorical => {
                let y = if a > 0.0 { targets * (1.0 - a) + a / k as f32 } else { targets };
                (y * log_softmax(logits, 1)).sum_dim(1).neg()
            }
            LossConfig::Binary | LossConfig::SoftmaxBinary(SoftmaxBinaryMode::Keras3Logits) => {
                let y = if a > 0.0 { targets * (1.0 - a) + a / 2.0 } else { targets };
                let softplus_neg_abs = logits.clone().abs().neg().exp().log1p();
                (relu(logits.clone()) - logits * y + softplus_neg_abs).mean_dim(1)
            }
            LossConfig::SoftmaxBinary(SoftmaxBinaryMode::Keras2Probabilities) => {
                let y = if a > 0.0 { targets * (1.0 - a) + a / 2.0 } else { targets };
                let p = softmax(logits, 1).clamp(EPSILON, 1.0 - EPSILON);
                let one_minus_y = y.clone().neg() + 1.0;
                let one_minus_p = p.clone().neg() + 1.0;
                (y * p.log() + one_minus_y * one_minus_p.log()).mean_dim(1).neg()
            }
        };
        per.reshape([batch])
    }

    /// The batch loss, `Σᵢ lᵢwᵢ / N` (`Σᵢ lᵢ / N` without weights).
    ///
    /// # Shapes
    /// - `logits`: `[batch, K]`
    /// - `targets`: `[batch, K]`
    /// - `weights`: `[batch]`
    /// - output: `[1]`
    pub fn forward(&self, logits: Tensor<2>, targets: Tensor<2>, weights: Option<Tensor<1>>) -> Tensor<1> {
        let per = self.per_sample(logits, targets);
        match weights {
            Some(w) => (per * w).mean(),
            None => per.mean(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loss::keras::{self, KerasLossOptions};
    use crate::matrix::Matrix;

    fn host(m: &Matrix, device: &Device) -> Tensor<2> {
        Tensor::from_data(TensorData::new(m.as_slice().to_vec(), [m.rows(), m.cols()]), device)
    }

    /// The tensor losses agree with the Keras-exact host functions (themselves checked against
    /// real Keras in xent-metrics's `tests/keras_golden.rs`).
    #[test]
    fn tensor_losses_match_keras_host_functions() {
        let device = crate::default_device();
        let z = Matrix::from_rows(&[[2.0f32, -1.0, 0.5], [-3.0, 0.0, 4.0], [0.1, 0.2, -0.3]]).unwrap();
        let y = Matrix::one_hot(&[0, 2, 1], 3).unwrap();
        let w = [1.0f32, 0.5, 2.0];
        let probs = z.map_rows(|r, o| super::super::Head::Softmax.apply_row(r, o));
        for a in [0.0f32, 0.1] {
            let logit_opts = KerasLossOptions { from_logits: true, label_smoothing: a };
            let prob_opts = KerasLossOptions { from_logits: false, label_smoothing: a };
            let cases = [
                (LossConfig::Categorical, keras::categorical_crossentropy(&y, &z, &logit_opts, Some(&w))),
                (LossConfig::Binary, keras::binary_crossentropy(&y, &z, &logit_opts, Some(&w))),
                (
                    LossConfig::SoftmaxBinary(SoftmaxBinaryMode::Keras3Logits),
                    keras::binary_crossentropy(&y, &z, &logit_opts, Some(&w)),
                ),
                (
                    LossConfig::SoftmaxBinary(SoftmaxBinaryMode::Keras2Probabilities),
                    keras::binary_crossentropy(&y, &probs, &prob_opts, Some(&w)),
                ),
            ];
            for (config, expected) in cases {
                let expected = expected.unwrap();
                let loss = TrainingLoss::new(config).with_label_smoothing(a).forward(
                    host(&z, &device),
                    host(&y, &device),
                    Some(Tensor::from_floats(w, &device)),
                );
                let got = f64::from(loss.into_scalar::<f32>());
                assert!(
                    (got - expected).abs() <= 1e-5 * expected.abs().max(1.0),
                    "{config} a={a}: tensor {got} vs keras {expected}"
                );
            }
        }
    }

    #[test]
    fn gradients_flow_under_every_configuration() {
        let device = crate::default_device().autodiff();
        for config in LossConfig::DEFAULT_SET {
            let z: Tensor<2> = Tensor::from_floats([[80.0, -80.0, 0.0]], &device).require_grad();
            let y = Tensor::from_floats([[0.0, 1.0, 0.0]], &device);
            let loss = TrainingLoss::new(config).forward(z.clone(), y, None);
            let grads = loss.backward();
            let g = z.grad(&grads).expect("gradient").into_data().try_to_vec::<f32>().unwrap();
            assert!(g.iter().all(|v| v.is_finite()), "{config}: {g:?}");
        }
    }

    /// Weighting multiplies each sample's loss by its class weight under the Σlw/N reduction.
    #[test]
    fn class_weights_change_the_loss_as_specified() {
        let device = crate::default_device();
        let logits = Tensor::<2>::from_floats([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]], &device);
        let y = Tensor::<2>::from_floats([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]], &device);
        let loss = TrainingLoss::new(LossConfig::Categorical);
        let per: Vec<f32> = loss.per_sample(logits.clone(), y.clone()).into_data().try_to_vec().unwrap();
        let classes = [0usize, 1, 1];
        let w = crate::train::ClassWeighting::Balanced.weights(&crate::train::class_weights::class_counts(&classes, 2)).unwrap().unwrap();
        // counts [1, 2] → weights [3/2, 3/4].
        assert_eq!(w, vec![1.5, 0.75]);
        let sw: Vec<f32> = classes.iter().map(|&c| w[c]).collect();
        let weighted = loss.forward(logits, y, Some(Tensor::from_floats(sw.as_slice(), &device))).into_scalar::<f32>();
        let expected = (per[0] * 1.5 + per[1] * 0.75 + per[2] * 0.75) / 3.0;
        assert!((weighted - expected).abs() < 1e-6, "{weighted} vs {expected}");
    }
}
