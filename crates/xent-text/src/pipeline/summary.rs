//! What a run of the pipeline records: per-run info for `xent predict` ([`TextRunInfo`]), one row per run ([`RunRow`]) and the summary ([`TextSummary`]).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use xent_core::LossConfig;
use xent_core::metrics::multilabel::MultiLabelMetrics;

use super::CorpusName;
use crate::bow::TfIdf;
use crate::model::{ModelKind, TextCnnConfig};

/// What `xent predict` needs besides the weights and the tokenizer (`text.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextRunInfo {
    /// The network's shapes.
    pub model: TextCnnConfig,
    /// The loss configuration (it fixes the head).
    pub loss: LossConfig,
    /// Corpus name.
    pub corpus: String,
    /// Class names.
    pub classes: Vec<String>,
    /// Multi-label task.
    pub multi_label: bool,
    /// Per-label decision thresholds (multi-label; tuned on the held-out part of training).
    pub thresholds: Option<Vec<f32>>,
    /// The TF-IDF weights fitted on the training split (bag-of-words networks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tfidf: Option<TfIdf>,
}

/// One run's figures on the test split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRow {
    /// Configuration.
    pub config: LossConfig,
    /// Seed.
    pub seed: u64,
    /// Fold (0 for a corpus with a test split).
    pub fold: usize,
    /// Run directory.
    pub dir: PathBuf,
    /// True (argmax) accuracy (single-label).
    pub accuracy: Option<f64>,
    /// What Keras 2 / tf.keras would have printed for `'accuracy'`.
    pub keras2_reported: f64,
    /// What Keras 3 would have printed for `'accuracy'`.
    pub keras3_reported: f64,
    /// Macro-F1 (single-label).
    pub macro_f1: Option<f64>,
    /// Multi-label figures at threshold 0.5.
    pub multilabel: Option<MultiLabelMetrics>,
    /// Multi-label figures at the per-label thresholds tuned on the held-out training part.
    pub multilabel_tuned: Option<MultiLabelMetrics>,
    /// Wall-clock seconds of training and evaluation.
    pub seconds: f64,
}

/// `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextSummary {
    /// The plan.
    pub corpus: CorpusName,
    /// Network.
    pub model: ModelKind,
    /// Classes.
    pub classes: Vec<String>,
    /// Training / test documents of the first split.
    pub n_train: usize,
    /// Test documents of the first split.
    pub n_test: usize,
    /// Held-out documents for threshold tuning (multi-label).
    pub n_threshold: usize,
    /// Tokenizer vocabulary of the first split.
    pub vocab_size: usize,
    /// Documents empty after tokenisation (all padding, kept), training + test of the first split.
    pub empty_documents: usize,
    /// Documents truncated to the sequence length, training + test of the first split.
    pub truncated_documents: usize,
    /// Seconds to train the tokenizer on the first split.
    pub tokenizer_seconds: f64,
    /// Loading notes.
    pub warnings: Vec<String>,
    /// Every run.
    pub runs: Vec<RunRow>,
}
