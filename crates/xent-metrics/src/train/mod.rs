//! Training runs as data: every hyper-parameter of a run ([`TrainConfig`]: optimizer, schedule,
//! early stopping, class weights, sampling) and what a run records (`config.json`: [`RunConfig`];
//! `history.jsonl`: [`EpochRecord`], flattened to `history.csv` by [`history_csv`]; `metrics.json`:
//! [`FinalMetrics`]), plus the seeded draws
//! ([`epoch_seed`], [`shuffled`]) that make a run's batches a function of `(seed, epoch)`.
//!
//! The training loop that uses them is xent-core's `train` (Burn); this module is what reading a
//! run's artifacts needs, without Burn.

pub mod class_weights;
pub mod early_stopping;
pub mod history;
pub mod history_csv;
pub mod optimizer;
pub mod sampling;
pub mod schedule;

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use serde::{Deserialize, Serialize};

pub use class_weights::ClassWeighting;
pub use early_stopping::{EarlyStopping, Monitor, StopState};
pub use history::{EpochMetrics, EpochRecord};
pub use optimizer::{MomentConfig, OptimizerConfig};
pub use sampling::Sampling;
pub use schedule::{LrSchedule, ScheduleState};

use crate::artifacts::{DataInfo, Versions};
use crate::error::{Error, Result};
use crate::loss::LossConfig;
use crate::metrics::Evaluation;
use crate::rule::KerasReported;

/// Every hyper-parameter of a training run (all of it goes to `config.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Head + loss. Default `Categorical`.
    pub loss: LossConfig,
    /// Label smoothing in [0, 1). Default 0.
    pub label_smoothing: f32,
    /// Optimizer. Default Keras's `Adam()`.
    pub optimizer: OptimizerConfig,
    /// Number of epochs (≥ 1). Default 10.
    pub epochs: usize,
    /// Mini-batch size (≥ 1). Default 32 (Keras's).
    pub batch_size: usize,
    /// Batch size of evaluation passes. Default 256.
    pub eval_batch_size: usize,
    /// Seed of the model initialisation, the shuffles and dropout. Default 0.
    pub seed: u64,
    /// Shuffle the training samples every epoch (uniform sampling). Default true.
    pub shuffle: bool,
    /// How an epoch's batches are drawn: each sample once, or class-balanced batches. Default
    /// uniform.
    #[serde(default)]
    pub sampling: Sampling,
    /// Class weights in the training loss. Default none.
    pub class_weight: ClassWeighting,
    /// Hold out the **last** fraction of the training samples for validation, before any shuffle
    /// (Keras's `validation_split`). Ignored when a validation set is given. Default none.
    pub validation_split: Option<f64>,
    /// Learning-rate schedule. Default constant.
    pub schedule: LrSchedule,
    /// Early stopping. Default none.
    pub early_stopping: Option<EarlyStopping>,
    /// Decision threshold for binary accuracy and single-sigmoid models. Default 0.5.
    pub threshold: f32,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            loss: LossConfig::Categorical,
            label_smoothing: 0.0,
            optimizer: OptimizerConfig::adam(),
            epochs: 10,
            batch_size: 32,
            eval_batch_size: 256,
            seed: 0,
            shuffle: true,
            sampling: Sampling::Uniform,
            class_weight: ClassWeighting::None,
            validation_split: None,
            schedule: LrSchedule::Constant,
            early_stopping: None,
            threshold: 0.5,
        }
    }
}

impl TrainConfig {
    /// Checks the values that do not depend on data.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the field.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::InvalidArgument(m));
        if self.epochs == 0 {
            return bad("epochs must be at least 1".into());
        }
        if self.batch_size == 0 || self.eval_batch_size == 0 {
            return bad("batch sizes must be at least 1".into());
        }
        if !(0.0..1.0).contains(&self.label_smoothing) {
            return bad(format!("label_smoothing = {} is outside [0, 1)", self.label_smoothing));
        }
        if let Some(f) = self.validation_split
            && !(f > 0.0 && f < 1.0)
        {
            return bad(format!("validation_split = {f} is outside (0, 1)"));
        }
        if let LrSchedule::Step { every: 0, .. } = self.schedule {
            return bad("a step schedule needs every ≥ 1".into());
        }
        if let LrSchedule::Cosine { epochs, floor } = self.schedule
            && (epochs == 0 || !(0.0..=1.0).contains(&floor))
        {
            return bad(format!("a cosine schedule needs epochs ≥ 1 and a floor in [0, 1], not {epochs} and {floor}"));
        }
        self.optimizer.validate()
    }
}

/// The evaluation of one split in `metrics.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitReport {
    /// Loss, true accuracy and both Keras-reported accuracies for the run's configuration.
    pub summary: EpochMetrics,
    /// What `'accuracy'` would have reported under each Keras rule with either loss.
    pub keras_reported: KerasReported,
    /// The full metric set.
    pub evaluation: Evaluation,
}

/// `metrics.json`: the final model's evaluations. Contains no timings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FinalMetrics {
    /// The loss configuration.
    pub loss_config: LossConfig,
    /// What the configuration means, in words.
    pub loss_description: String,
    /// Epochs trained.
    pub epochs_run: usize,
    /// The epoch whose weights were kept (early stopping with restore), else the last.
    pub weights_epoch: usize,
    /// Whether early stopping ended the run.
    pub stopped_early: bool,
    /// Training split, evaluated with the final weights in a separate pass.
    pub train: SplitReport,
    /// Validation split, when there is one.
    pub valid: Option<SplitReport>,
}

/// `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    /// Every training hyper-parameter.
    pub train: TrainConfig,
    /// The model's configuration, as the domain crate serialises it.
    pub model: serde_json::Value,
    /// The data source.
    pub data: DataInfo,
    /// Training samples.
    pub n_train: usize,
    /// Validation samples.
    pub n_valid: usize,
    /// Number of classes K.
    pub num_classes: usize,
    /// Model outputs (K, or 1 for a single sigmoid unit).
    pub num_outputs: usize,
    /// Class names, when given.
    pub class_names: Vec<String>,
    /// `git rev-parse HEAD` (with `-dirty` for uncommitted tracked changes), when available.
    pub git_revision: Option<String>,
    /// Versions and device.
    pub versions: Versions,
}

/// A seed for `stream` of `epoch`, mixed from the run seed (SplitMix64 finaliser).
pub fn epoch_seed(seed: u64, epoch: usize, stream: u64) -> u64 {
    let mix = |mut z: u64| {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    mix(seed ^ mix((epoch as u64) << 8 | stream))
}

/// `indices` shuffled by a Fisher–Yates pass driven by ChaCha8 seeded with `seed` (a stream that
/// is stable across platforms and crate versions).
pub fn shuffled(indices: &[usize], seed: u64) -> Vec<usize> {
    let mut v = indices.to_vec();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for i in (1..v.len()).rev() {
        // Modulo bias ≤ n / 2⁶⁴: irrelevant for any data set size.
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
    v
}

