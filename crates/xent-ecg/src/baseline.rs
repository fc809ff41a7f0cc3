//! The two baselines every ECG report shows beside the networks: always predicting N, and a
//! logistic regression on the patient-relative RR features alone (no morphology).

use burn::prelude::*;
use xent_core::nn::{Linear, LinearConfig};
use xent_core::train::{Classifier, OptimizerConfig, TrainConfig, Trainer};

use crate::aami_report::predicted;
use crate::dataset::BeatBatch;
use crate::error::{EcgError, Result};
use crate::rr::RR_FEATURES;
use crate::source::BeatSource;

/// Multinomial logistic regression on the RR features: one linear layer, softmax in the loss.
#[derive(Module, Debug)]
pub struct RrLogistic {
    linear: Linear,
}

impl RrLogistic {
    /// A model with `classes` outputs on `device`.
    pub fn new(classes: usize, device: &Device) -> Self {
        Self { linear: LinearConfig::new(RR_FEATURES, classes).init(device) }
    }
}

impl Classifier for RrLogistic {
    type Batch = BeatBatch;

    /// # Shapes
    /// - `batch.rr`: `[batch, RR_FEATURES]`
    /// - output: `[batch, classes]`
    fn forward(&self, batch: &BeatBatch) -> Tensor<2> {
        self.linear.forward(batch.rr.clone())
    }
}

/// The training of [`rr_logistic`]: categorical cross-entropy, Adam(1e-2), batch 256, 5 epochs,
/// seed 0 (fixed, not tuned on any test data).
pub fn rr_logistic_config() -> TrainConfig {
    TrainConfig { epochs: 5, batch_size: 256, optimizer: OptimizerConfig::adam().with_learning_rate(1e-2), ..TrainConfig::default() }
}

/// Fits [`RrLogistic`] on `train` and predicts the class of every beat of `test`.
///
/// # Errors
/// Training errors (an empty training set, classes that do not fit).
pub fn rr_logistic(train: &BeatSource, test: &BeatSource) -> Result<Vec<usize>> {
    let classes = xent_core::train::DataSource::num_classes(train);
    let outcome = Trainer::new(rr_logistic_config())
        .quiet(true)
        .fit(|d| RrLogistic::new(classes, d), train, None)
        .map_err(|e| EcgError::invalid("RR logistic regression", e.to_string()))?;
    let device = xent_core::default_device();
    let z = xent_core::experiment::logits(&outcome.model, test, 1024, &device).map_err(|e| EcgError::invalid("RR logistic regression", e.to_string()))?;
    Ok(predicted(&z))
}

/// Class N (index 0) for every beat of `test`.
pub fn always_n(test: &BeatSource) -> Vec<usize> {
    vec![0; xent_core::train::DataSource::len(test)]
}
