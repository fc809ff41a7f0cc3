//! What to run: the corpora the pipeline knows ([`CorpusName`]) and the plan ([`TextPlan`]).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use xent_core::LossConfig;
use xent_core::artifacts::OpenMode;
use xent_core::train::OptimizerConfig;

use crate::corpus::{Corpus, reuters, agnews, bbc};
use crate::error::{Result, TextError};
use crate::model::{ModelKind, TextCnnConfig};
use crate::tokenize::{TextTokenizer, TokenizerConfig};

/// The corpora the pipeline knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CorpusName {
    /// Reuters R8 (single-label).
    R8,
    /// Reuters R52 (single-label).
    R52,
    /// Reuters-90 (multi-label).
    R90,
    /// BBC News (cross-validated).
    Bbc,
    /// AG News test file (cross-validated).
    AgNews,
}

impl std::str::FromStr for CorpusName {
    type Err = TextError;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "r8" => Ok(Self::R8),
            "r52" => Ok(Self::R52),
            "r90" | "reuters90" | "reuters-90" => Ok(Self::R90),
            "bbc" => Ok(Self::Bbc),
            "ag-news" | "agnews" | "ag_news" => Ok(Self::AgNews),
            _ => Err(TextError::InvalidArgument(format!("unknown corpus {s:?} (r8, r52, r90, bbc, ag-news)"))),
        }
    }
}

impl CorpusName {
    /// Name in run paths.
    pub fn name(self) -> &'static str {
        match self {
            Self::R8 => "r8",
            Self::R52 => "r52",
            Self::R90 => "r90",
            Self::Bbc => "bbc",
            Self::AgNews => "ag-news",
        }
    }

    /// The source file(s) under `datasets`.
    pub fn sources(self, datasets: &Path) -> Vec<PathBuf> {
        match self {
            Self::R8 | Self::R52 | Self::R90 => vec![reuters::default_archive(datasets)],
            Self::Bbc => vec![datasets.join("bbc/bbc-fulltext.tar.gz")],
            Self::AgNews => vec![datasets.join("ag_news/test.csv.gz"), datasets.join("ag_news/classes.txt")],
        }
    }

    /// Loads the corpus from `datasets`.
    ///
    /// # Errors
    /// As the loaders.
    pub fn load(self, datasets: &Path) -> Result<Corpus> {
        let s = self.sources(datasets);
        match self {
            Self::R8 => reuters::load(&s[0], reuters::Task::R8),
            Self::R52 => reuters::load(&s[0], reuters::Task::R52),
            Self::R90 => reuters::load(&s[0], reuters::Task::R90),
            Self::Bbc => bbc::load_tar(&s[0]),
            Self::AgNews => agnews::load(&s[0], &s[1]),
        }
    }

    /// The configurations run by default: all three for single-label corpora; for Reuters-90
    /// `Binary` (the right choice) and `Categorical` (softmax forced on multi-label targets).
    pub fn default_configs(self) -> Vec<LossConfig> {
        match self {
            Self::R90 => vec![LossConfig::Binary, LossConfig::Categorical],
            _ => LossConfig::DEFAULT_SET.to_vec(),
        }
    }
}

/// Everything a text experiment needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TextPlan {
    /// Corpus.
    pub corpus: CorpusName,
    /// The datasets directory (`datasets/`).
    pub datasets: PathBuf,
    /// Network.
    pub model: ModelKind,
    /// Embedding width of the CNNs, hidden width of the MLP ([`ModelKind::default_width`]).
    pub embed_dim: usize,
    /// Loss configurations.
    pub configs: Vec<LossConfig>,
    /// Seeds.
    pub seeds: Vec<u64>,
    /// Epochs per run.
    pub epochs: usize,
    /// Mini-batch size.
    pub batch_size: usize,
    /// Optimizer ([`ModelKind::default_optimizer`]).
    pub optimizer: OptimizerConfig,
    /// Tokenizer settings.
    pub tokenizer: TokenizerConfig,
    /// Bag-of-words networks: term frequency `1 + ln(count)` ([`crate::bow::TfIdf::with_sublinear_tf`]). Default
    /// true for the linear model (chosen on R8's validation split), false otherwise.
    #[serde(default)]
    pub sublinear_tf: bool,
    /// Folds of the cross-validation for corpora without a test split.
    pub folds: usize,
    /// How many of those folds to run (1 = the first only).
    pub run_folds: usize,
    /// Use only the first N training and N/3 test documents (after a seeded shuffle): for quick
    /// checks and tests.
    pub limit: Option<usize>,
    /// The experiment directory. Default `runs/text/<corpus>`.
    pub out: PathBuf,
    /// Existing run directories: refuse, resume or replace.
    pub mode: OpenMode,
    /// Hide the per-epoch progress.
    pub quiet: bool,
    /// Train only this share of every split's runs ([`xent_core::Shard`]); `None`: every run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<xent_core::Shard>,
    /// Single-label corpora only: hold out a stratified 10 % of the training split as validation
    /// (per-epoch learning curves, temperature scaling fitted on it). Without it every training
    /// document trains the network.
    pub experiment: bool,
}

impl TextPlan {
    /// The defaults for `corpus`: Kim CNN with its training defaults (5 epochs, batch 50, Adam
    /// 1e-3), the corpus's default configurations, seed 0, word-level tokenizer (20,000 words, min
    /// frequency 2, 256 ids), 5 folds of which 1 is run.
    pub fn new(corpus: CorpusName) -> Self {
        let model = ModelKind::Kim;
        Self {
            corpus,
            datasets: PathBuf::from("datasets"),
            model,
            embed_dim: model.default_width(),
            configs: corpus.default_configs(),
            seeds: vec![0],
            epochs: model.default_epochs(),
            batch_size: model.default_batch_size(),
            optimizer: model.default_optimizer(),
            tokenizer: TokenizerConfig::default(),
            sublinear_tf: false,
            folds: 5,
            run_folds: 1,
            limit: None,
            out: PathBuf::from("runs").join("text").join(corpus.name()),
            mode: OpenMode::New,
            quiet: false,
            shard: None,
            experiment: false,
        }
    }

    /// The same plan with network `model` and that network's defaults for the width, epochs,
    /// batch size and optimizer ([`ModelKind`]'s `default_*`) and for sublinear tf.
    pub fn with_model(self, model: ModelKind) -> Self {
        Self {
            model,
            sublinear_tf: model == ModelKind::Linear,
            embed_dim: model.default_width(),
            epochs: model.default_epochs(),
            batch_size: model.default_batch_size(),
            optimizer: model.default_optimizer(),
            ..self
        }
    }

    /// The network's shapes for a trained tokenizer and `k` classes.
    pub fn model_config(&self, tok: &TextTokenizer, k: usize) -> TextCnnConfig {
        TextCnnConfig { embed_dim: self.embed_dim, ..TextCnnConfig::new(self.model, tok.vocab_size(), tok.max_len(), k) }
    }

    /// The experiment directory ([`TextPlan::out`]).
    pub fn dir(&self) -> PathBuf {
        self.out.clone()
    }
}
