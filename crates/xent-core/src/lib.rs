//! xent-core: the shared model crate of xent.
//!
//! - [`loss`]: the loss configurations (`Categorical`, `Binary`, `SoftmaxBinary`), Keras-exact
//!   cross-entropies on host data, and stable training losses on tensors;
//! - [`metrics`]: accumulators over host-side scores (accuracy, binary accuracy, top-k,
//!   confusion family, calibration, ROC-AUC, multi-label), each stating its averaging;
//! - [`rule`]: [`AccuracyRule`], what `metrics=['accuracy']` would have reported;
//! - [`score`]: auditing a prediction matrix from any framework (`xent score`);
//! - [`io`]: reading prediction, target and weight files (CSV and `.npy`);
//! - [`kernels`]: xent's CPU kernels for 1-D convolution and max pooling (Burn backend extension);
//! - [`nn`]: layers on those kernels (drop-in for `burn::nn`'s `Conv1d` and `MaxPool1d`);
//! - [`train`]: the training engine (model contract, optimizers, schedules, checkpoints);
//! - [`artifacts`]: run directories and atomic writes;
//! - [`experiment`]: seeds × loss configurations ([`compare_losses`]) and their statistics
//!   ([`stats`]); [`calibrate`]: temperature scaling; [`report`]: `report.md` and SVG plots.

#![warn(missing_docs)]

pub mod artifacts;
pub mod calibrate;
pub mod device;
pub mod error;
pub mod experiment;
pub mod io;
pub mod kernels;
pub mod loss;
pub mod matrix;
pub mod metrics;
pub mod nn;
pub mod report;
pub mod rule;
pub mod score;
pub mod stats;
pub mod targets;
pub mod train;

pub use device::default_device;
pub use error::{Error, Result};
pub use loss::{Head, KerasLoss, LossConfig, SoftmaxBinaryMode, TrainingLoss};
pub use matrix::Matrix;
pub use metrics::{Evaluation, Evaluator, EvaluatorConfig};
pub use rule::{AccuracyRule, KerasReported};
pub use targets::{LabelKind, Targets};
pub use artifacts::{DataInfo, OpenMode, RunDir};
pub use experiment::{ModelConfig, Plan, Split, compare_losses};
pub use train::{Classifier, DataSource, OptimizerConfig, TrainConfig, TrainOutcome, Trainer};
