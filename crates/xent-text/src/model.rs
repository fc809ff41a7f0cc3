//! The topic networks. Each returns logits `[batch, K]`; the engine's loss configuration decides
//! the head, so the same network trains under every configuration. The CNNs take token ids
//! `[batch, len]`; the bag-of-words MLP takes TF-IDF bags ([`crate::bow::Bag`]).
//!
//! - [`SeedCnn`] — the question's network as a named preset (`seed`): Embedding → Dropout(0.25)
//!   → Conv1D(32 filters, width 4, valid, ReLU) → MaxPool(2) → Flatten → Dense(256) →
//!   Dropout(0.25) → ReLU → Dense(K);
//! - [`KimCnn`] — Kim (2014), the accuracy default (`kim`): Embedding → parallel Conv1D of widths
//!   3/4/5 with 100 filters each (ReLU) → max over time → concatenation → Dropout(0.5) → Dense(K);
//! - [`WideMlp`] — a bag-of-words MLP (`mlp`; Galke & Scherp 2022's "WideMLP"): the whole
//!   document's TF-IDF vector → Dense(width, ReLU) as an embedding bag → Dropout(0.5) → Dense(K).

use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;
use serde::{Deserialize, Serialize};
use xent_core::nn::{
    Conv1d, Conv1dConfig, Dropout, DropoutConfig, EmbeddingBag, EmbeddingBagConfig, MaxPool1d, MaxPool1dConfig,
};
use xent_core::train::Classifier;

use crate::bow::Bag;
use crate::error::{Result, TextError};

/// Which network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    /// The seed question's small CNN.
    Seed,
    /// Kim's 2014 CNN (the default).
    #[default]
    Kim,
    /// The TF-IDF bag-of-words MLP.
    Mlp,
}

impl std::str::FromStr for ModelKind {
    type Err = TextError;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "seed" => Ok(Self::Seed),
            "kim" => Ok(Self::Kim),
            "mlp" | "wide-mlp" => Ok(Self::Mlp),
            _ => Err(TextError::InvalidArgument(format!("unknown model {s:?} (seed, kim, mlp)"))),
        }
    }
}

impl ModelKind {
    /// Name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Seed => "seed",
            Self::Kim => "kim",
            Self::Mlp => "mlp",
        }
    }

    /// The default of [`TextCnnConfig::embed_dim`]: 128 for the CNNs' embeddings, 1024 for the
    /// MLP's hidden layer.
    pub fn default_width(self) -> usize {
        match self {
            Self::Seed | Self::Kim => 128,
            Self::Mlp => 1024,
        }
    }

    /// Whether the network reads TF-IDF bags of whole documents instead of fixed-length ids.
    pub fn is_bag_of_words(self) -> bool {
        self == Self::Mlp
    }
}

/// Shapes of any of the networks (recorded in `config.json` and `text.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextCnnConfig {
    /// Which network.
    pub kind: ModelKind,
    /// Embedding rows (the tokenizer's vocabulary size).
    pub vocab_size: usize,
    /// Sequence length (the CNNs; the MLP reads whole documents).
    pub seq_len: usize,
    /// Embedding width of the CNNs, hidden width of the MLP. Default
    /// [`ModelKind::default_width`].
    pub embed_dim: usize,
    /// Number of classes K.
    pub num_classes: usize,
}

impl TextCnnConfig {
    /// A configuration with the kind's default width.
    pub fn new(kind: ModelKind, vocab_size: usize, seq_len: usize, num_classes: usize) -> Self {
        Self { kind, vocab_size, seq_len, embed_dim: kind.default_width(), num_classes }
    }

    /// Checks the shapes.
    ///
    /// # Errors
    /// A sequence too short for the network's convolutions, zero sizes.
    pub fn validate(&self) -> Result<()> {
        let min = match self.kind {
            ModelKind::Seed | ModelKind::Kim => 5,
            ModelKind::Mlp => 0,
        };
        if self.seq_len < min || self.vocab_size < 2 || self.embed_dim == 0 || self.num_classes == 0 {
            return Err(TextError::InvalidArgument(format!(
                "{:?}: need seq_len ≥ {min}, vocab ≥ 2, embed_dim ≥ 1, classes ≥ 1 (got {self:?})",
                self.kind
            )));
        }
        Ok(())
    }

    /// Builds the seed network.
    pub fn init_seed(&self, device: &Device) -> SeedCnn {
        let pooled = (self.seq_len - 3) / 2;
        SeedCnn {
            embedding: EmbeddingConfig::new(self.vocab_size, self.embed_dim).init(device),
            dropout_in: DropoutConfig::new(0.25).init(),
            conv: Conv1dConfig::new(self.embed_dim, 32, 4).init(device),
            pool: MaxPool1dConfig::new(2).init(),
            dense: LinearConfig::new(32 * pooled, 256).init(device),
            dropout_dense: DropoutConfig::new(0.25).init(),
            out: LinearConfig::new(256, self.num_classes).init(device),
        }
    }

    /// Builds Kim's network.
    pub fn init_kim(&self, device: &Device) -> KimCnn {
        KimCnn {
            embedding: EmbeddingConfig::new(self.vocab_size, self.embed_dim).init(device),
            conv3: Conv1dConfig::new(self.embed_dim, 100, 3).init(device),
            conv4: Conv1dConfig::new(self.embed_dim, 100, 4).init(device),
            conv5: Conv1dConfig::new(self.embed_dim, 100, 5).init(device),
            dropout: DropoutConfig::new(0.5).init(),
            out: LinearConfig::new(300, self.num_classes).init(device),
        }
    }

    /// Builds the bag-of-words MLP.
    pub fn init_mlp(&self, device: &Device) -> WideMlp {
        WideMlp {
            hidden: EmbeddingBagConfig::new(self.vocab_size, self.embed_dim).init(device),
            dropout: DropoutConfig::new(0.5).init(),
            out: LinearConfig::new(self.embed_dim, self.num_classes).init(device),
        }
    }
}

/// The seed question's CNN.
#[derive(Module, Debug)]
pub struct SeedCnn {
    embedding: Embedding,
    dropout_in: Dropout,
    conv: Conv1d,
    pool: MaxPool1d,
    dense: Linear,
    dropout_dense: Dropout,
    out: Linear,
}

impl Classifier for SeedCnn {
    type Batch = Tensor<2, Int>;
    fn forward(&self, ids: &Tensor<2, Int>) -> Tensor<2> {
        let x = self.dropout_in.forward(self.embedding.forward(ids.clone())); // [B, L, E]
        let x = relu(self.conv.forward(x.swap_dims(1, 2))); // [B, 32, L-3]
        let x = self.pool.forward(x).flatten::<2>(1, 2);
        let x = relu(self.dropout_dense.forward(self.dense.forward(x)));
        self.out.forward(x)
    }
}

/// Kim's (2014) CNN for sentence classification (CNN-rand: embeddings learnt from scratch).
#[derive(Module, Debug)]
pub struct KimCnn {
    embedding: Embedding,
    conv3: Conv1d,
    conv4: Conv1d,
    conv5: Conv1d,
    dropout: Dropout,
    out: Linear,
}

impl Classifier for KimCnn {
    type Batch = Tensor<2, Int>;
    fn forward(&self, ids: &Tensor<2, Int>) -> Tensor<2> {
        let x = self.embedding.forward(ids.clone()).swap_dims(1, 2); // [B, E, L]
        let b = x.dims()[0];
        let pooled: Vec<Tensor<2>> = [&self.conv3, &self.conv4, &self.conv5]
            .into_iter()
            .map(|c| relu(c.forward(x.clone())).max_dim(2).reshape([b, 100]))
            .collect();
        self.out.forward(self.dropout.forward(Tensor::cat(pooled, 1)))
    }
}

/// A bag-of-words MLP (Galke & Scherp 2022, "WideMLP"): the hidden layer is a dense layer on the
/// document's sparse TF-IDF vector, computed as an [`EmbeddingBag`] (rows initialised `N(0, 1)`,
/// as PyTorch's `EmbeddingBag`), then ReLU → Dropout(0.5) → Dense(K).
#[derive(Module, Debug)]
pub struct WideMlp {
    hidden: EmbeddingBag,
    dropout: Dropout,
    out: Linear,
}

impl Classifier for WideMlp {
    type Batch = Bag;
    /// # Shapes
    ///
    /// - bag ids and weights: `[batch, bag]`
    /// - output: `[batch, K]`
    fn forward(&self, bag: &Bag) -> Tensor<2> {
        let h = relu(self.hidden.forward(bag.ids.clone(), bag.weights.clone()));
        self.out.forward(self.dropout.forward(h))
    }
}
