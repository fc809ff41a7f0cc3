//! Metrics accumulated over batches from host-side scores and targets, so the training engine and
//! `xent score` share one implementation and neither needs a tensor per metric.
//!
//! Every metric's documentation states its averaging.

pub mod binary_accuracy;
pub mod calibration;
pub mod confusion;
pub mod evaluator;
pub mod multilabel;
pub mod roc_auc;
pub mod top_k;

pub use binary_accuracy::BinaryAccuracy;
pub use calibration::{Calibration, ECE_BINS, ReliabilityBin};
pub use confusion::{ClassStats, ConfusionMatrix};
pub use evaluator::{DEFAULT_MAX_CLASSES, Evaluation, Evaluator, EvaluatorConfig, TargetRows};
pub use multilabel::{LabelStats, MultiLabelCounts, MultiLabelMetrics};
pub use roc_auc::{roc_auc, roc_auc_columns};
pub use top_k::{TopKAccuracy, in_top_k, rank_above};
