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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aami::AamiClass;
    use crate::beats::{BeatInfo, BeatSet};
    use crate::rr::{RrFeatures, RrScaler};

    /// Beats whose only difference is the rhythm: N at a steady 0.8 s, S premature (0.5 s) with a
    /// compensatory pause (1.1 s).
    fn rhythm_beats(n: usize) -> BeatSet {
        let mut set = BeatSet::empty(1, 4, 360.0);
        set.records.push("r".into());
        for i in 0..n {
            let s = i % 4 == 0;
            let (pre, post) = if s { (0.5, 1.1) } else { (0.8, 0.8) };
            let rr = RrFeatures { pre, post, local: 0.8, average: 0.8, past_local: 0.8, running: 0.8, irregularity: 0.05 };
            set.signals.extend([0.0; 4]);
            let class = if s { AamiClass::S } else { AamiClass::N };
            set.beats.push(BeatInfo { record: 0, sample: i as i64, code: if s { 8 } else { 1 }, class, rr });
        }
        set
    }

    #[test]
    fn rr_logistic_regression_learns_a_rhythm_and_always_n_is_n() {
        let train = rhythm_beats(8000);
        let scaler = RrScaler::fit(train.beats.iter().map(|b| &b.rr));
        let source = |set: BeatSet| BeatSource::new(set).with_rr_scaler(scaler).with_classes(4);
        let (train, test) = (source(train), source(rhythm_beats(40)));
        let pred = rr_logistic(&train, &test).unwrap();
        let truth: Vec<usize> = test.beats().beats.iter().map(|b| b.class.index()).collect();
        assert_eq!(pred, truth, "the RR features alone separate these beats");
        assert_eq!(always_n(&test), vec![0; 40]);
    }
}
