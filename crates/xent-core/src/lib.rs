//! xent-core: the training engine of xent, on Burn, over the Burn-free layer of xent-metrics.
//!
//! - [`kernels`]: xent's own CPU kernels, registered through Burn's backend extension (with Burn's
//!   operations as fallback): 1-D convolutions (channels-first and channels-last, Winograd,
//!   convolutions over token embeddings, fused with max pooling or a residual join), 2-D
//!   convolutions (alone or fused with pooling), 1-D and 2-D max pooling, batch normalisation in
//!   training, linear layers, embedding lookups, residual add + ReLU, the fused logit losses and
//!   the Adam/Adamax moment update, on a shared GEMM; the trained operations have their own
//!   backward passes;
//! - [`nn`]: layers on those kernels (`Conv1d`, `Conv2d`, `BatchNorm`, `Linear`, `MaxPool1d`,
//!   `MaxPool2d`, `Dropout`, `EmbeddingBag`, residual blocks), drop-in for `burn::nn`'s;
//! - [`loss`]: the stable training losses on tensors ([`TrainingLoss`]);
//! - [`train`]: the training engine ([`Trainer`]: the model contract, Keras's optimizers on
//!   Burn, checkpoints, exact resume);
//! - [`experiment`]: seeds × loss configurations ([`compare_losses`]), trained and reported;
//! - [`device`]: the compute backend.
//!
//! The Burn-free modules live in xent-metrics and are re-exported here under their old paths
//! ([`io`], [`matrix`], [`targets`], [`metrics`], [`rule`], [`score`], [`stats`], [`calibrate`],
//! [`artifacts`], [`report`], and the data types of [`loss`], [`train`] and [`experiment`]), so
//! `xent_core::io::read_predictions` and `xent_metrics::io::read_predictions` are the same item.

#![warn(missing_docs)]

pub mod device;
pub mod error;
pub mod experiment;
pub mod kernels;
pub mod loss;
pub mod nn;
pub mod train;

pub use xent_metrics::{artifacts, calibrate, io, matrix, metrics, report, rule, score, stats, targets};

pub use device::default_device;
pub use error::{Error, MetricsError, Result};
pub use loss::{Head, KerasLoss, LossConfig, SoftmaxBinaryMode, TrainingLoss};
pub use matrix::Matrix;
pub use metrics::{Evaluation, Evaluator, EvaluatorConfig};
pub use rule::{AccuracyRule, KerasReported};
pub use targets::{LabelKind, Targets};
pub use artifacts::{DataInfo, OpenMode, RunDir};
pub use experiment::{ModelConfig, Plan, Split, compare_losses};
pub use train::{Classifier, DataSource, OptimizerConfig, TrainConfig, TrainOutcome, Trainer};
