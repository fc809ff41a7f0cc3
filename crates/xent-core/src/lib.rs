//! xent-core: the training engine of xent, on Burn, over the Burn-free layer of xent-metrics and
//! the kernels and layers of xent-nn.
//!
//! - [`loss`]: the stable training losses on tensors ([`TrainingLoss`]);
//! - [`train`]: the training engine ([`Trainer`]: the model contract, Keras's optimizers on
//!   Burn, checkpoints, exact resume);
//! - [`experiment`]: the one runner of seeds × loss configurations ([`compare_losses`], and
//!   [`compare_losses_with`] with a per-run [`RunHook`]), shared out over processes ([`Shard`],
//!   one lock per run), trained and reported;
//! - [`export`]: a model's weights as safetensors for PyTorch;
//! - [`device`]: the compute backend.
//!
//! Re-exported: [`burn`] itself (so a domain crate or a user's model can name Burn through
//! xent-core), xent-nn's [`kernels`] and [`nn`], and the Burn-free modules
//! of xent-metrics ([`io`], [`matrix`], [`targets`], [`metrics`], [`rule`], [`score`], [`stats`],
//! [`calibrate`], [`artifacts`], [`report`], and the data types of [`loss`], [`train`] and
//! [`experiment`]), so `xent_core::io::read_predictions` and `xent_metrics::io::read_predictions`
//! are the same item.

#![warn(missing_docs)]

pub mod device;
pub mod error;
pub mod experiment;
pub mod export;
pub mod loss;
pub mod train;

/// The Burn this engine is built on: models written against `xent_core::burn` always match it.
pub use burn;
pub use xent_nn::{kernels, nn};
pub use xent_metrics::{artifacts, calibrate, io, matrix, metrics, report, rule, score, stats, targets};

pub use device::default_device;
pub use error::{Error, Fault, MetricsError, Result};
pub use loss::{Head, KerasLoss, LossConfig, SoftmaxBinaryMode, TrainingLoss};
pub use matrix::Matrix;
pub use metrics::{Evaluation, Evaluator, EvaluatorConfig};
pub use rule::{AccuracyRule, KerasReported};
pub use targets::{LabelKind, Targets};
pub use artifacts::{DataInfo, OpenMode, RunDir};
pub use experiment::{FinishedRun, ModelConfig, Plan, RunHook, Shard, Split, compare_losses, compare_losses_with};
pub use train::{Classifier, DataSource, OptimizerConfig, TrainConfig, TrainOutcome, Trainer};
