//! xent-metrics: the Burn-free half of xent — everything that reads, scores and reports
//! predictions and run artifacts without training. `xent score` and `xent report` build from this
//! crate alone, without Burn (`cargo build --no-default-features`).
//!
//! - [`loss`]: the loss configurations ([`LossConfig`]: `Categorical`, `Binary`, `SoftmaxBinary`)
//!   and Keras-exact cross-entropies on host data;
//! - [`metrics`]: accumulators over host-side scores (accuracy, binary accuracy, top-k,
//!   confusion family, calibration, ROC-AUC, multi-label), each stating its averaging;
//! - [`rule`]: [`AccuracyRule`], what `metrics=['accuracy']` would have reported;
//! - [`score`]: auditing a prediction matrix from any framework (`xent score`);
//! - [`io`]: reading prediction, target and weight files (CSV and `.npy`), with input bounds;
//! - [`matrix`], [`targets`]: the host-side matrix and class-index / one- or multi-hot targets;
//! - [`stats`]: summaries, paired tests and runs needed; [`calibrate`]: temperature scaling;
//! - [`artifacts`]: run directories and atomic writes;
//! - [`train`]: the training configuration and a run's records as data (`config.json`,
//!   `history.jsonl`, `metrics.json`);
//! - [`experiment`]: the plan of seeds × loss configurations, `experiment.json`, and the figures
//!   and statistics read back from finished runs;
//! - [`report`]: `report.md`, SVG plots, `results.csv` and `statistics.json`, made from the
//!   artifacts alone (`xent report`).
//!
//! Modules depend one way, without cycles: `report` → `experiment` → `train` → `artifacts`;
//! `score`, `calibrate`, `rule`, `train` → `metrics` → `loss`, `targets` → `matrix` → `error`;
//! `io` → `targets`; `stats` → `error`. Training (Burn) is xent-core's.

#![warn(missing_docs)]

pub mod artifacts;
pub mod calibrate;
pub mod error;
pub mod experiment;
pub mod io;
pub mod loss;
pub mod matrix;
pub mod metrics;
pub mod report;
pub mod rule;
pub mod score;
pub mod stats;
pub mod targets;
pub mod train;

pub use artifacts::{DataInfo, OpenMode, RunDir};
pub use error::{Error, Fault, Result};
pub use experiment::Plan;
pub use loss::{Head, KerasLoss, LossConfig, SoftmaxBinaryMode};
pub use matrix::Matrix;
pub use metrics::{Evaluation, Evaluator, EvaluatorConfig};
pub use rule::{AccuracyRule, KerasReported};
pub use targets::{LabelKind, Targets};
pub use train::{OptimizerConfig, TrainConfig};
