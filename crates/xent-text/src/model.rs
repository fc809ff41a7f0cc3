//! The topic networks. Each returns logits `[batch, K]`; the engine's loss configuration decides
//! the head, so the same network trains under every configuration. The CNNs take token ids
//! `[batch, len]`; the bag-of-words MLP takes TF-IDF bags ([`crate::bow::Bag`]).
//!
//! - [`QuestionCnn`] — the question's network as a named preset (`seed`): Embedding → Dropout(0.25)
//!   → Conv1D(32 filters, width 4, valid, ReLU) → MaxPool(2) → Flatten → Dense(256) →
//!   Dropout(0.25) → ReLU → Dense(K);
//! - [`KimCnn`] — Kim (2014), `TextPlan::new`'s network (`kim`): Embedding → parallel Conv1D of widths
//!   3/4/5 with 100 filters each (ReLU) → max over time → concatenation → Dropout(0.5) → Dense(K);
//! - [`WideMlp`] — a bag-of-words MLP (`mlp`; Galke & Scherp 2022's "WideMLP"): the whole
//!   document's TF-IDF vector → Dense(width, ReLU) as an embedding bag → Dropout(0.5) → Dense(K);
//! - [`LinearBag`] — a linear model on the same TF-IDF vector (`linear`): Dense(K) straight from
//!   the bag, i.e. logistic regression (multinomial under `Categorical`, one-vs-rest under
//!   `Binary`), trained by default with SGD and momentum (see [`ModelKind::default_optimizer`]).

use burn::nn::{Embedding, EmbeddingConfig, Initializer};
use burn::prelude::*;
use burn::tensor::activation::relu;
use serde::{Deserialize, Serialize};
use xent_core::kernels::{self, Activation};
use xent_core::nn::{
    Conv1d, Conv1dConfig, Dropout, DropoutConfig, EmbeddingBag, EmbeddingBagConfig, Linear, LinearConfig, MaxPool1d,
    MaxPool1dConfig, TokenConv1d, Tokens,
};
use xent_core::train::{Classifier, OptimizerConfig};

use crate::bow::Bag;
use crate::error::{Result, TextError};

/// Which network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    /// The question's small CNN (`"seed"` in run files written before it had this name).
    #[serde(alias = "seed")]
    Question,
    /// Kim's 2014 CNN (the default).
    #[default]
    Kim,
    /// The TF-IDF bag-of-words MLP.
    Mlp,
    /// A linear model (logistic regression) on the TF-IDF bag.
    Linear,
}

impl std::str::FromStr for ModelKind {
    type Err = TextError;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "question" | "seed" => Ok(Self::Question),
            "kim" => Ok(Self::Kim),
            "mlp" | "wide-mlp" => Ok(Self::Mlp),
            "linear" | "logistic" => Ok(Self::Linear),
            _ => Err(TextError::InvalidArgument(format!("unknown model {s:?} (question, kim, mlp, linear)"))),
        }
    }
}

impl ModelKind {
    /// Name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Question => "question",
            Self::Kim => "kim",
            Self::Mlp => "mlp",
            Self::Linear => "linear",
        }
    }

    /// The default of [`TextCnnConfig::embed_dim`]: 128 for the CNNs' embeddings, 1024 for the
    /// MLP's hidden layer, 0 for the linear model (which has no hidden width).
    pub fn default_width(self) -> usize {
        match self {
            Self::Question | Self::Kim => 128,
            Self::Mlp => 1024,
            Self::Linear => 0,
        }
    }

    /// Whether the network reads TF-IDF bags of whole documents instead of fixed-length ids.
    pub fn is_bag_of_words(self) -> bool {
        matches!(self, Self::Mlp | Self::Linear)
    }

    /// The optimizer docs/text-results.md trains the network with: Keras's Adam at 1e-3 for the
    /// networks; for the linear model SGD with learning rate 5 and momentum 0.9. Adam's
    /// per-coordinate step leaves a linear model on sparse TF-IDF features at a worse solution
    /// than gradient descent, whose limit on separable data is the L2 maximum-margin direction
    /// (the SVM's): on R8 (3 seeds, 40 epochs) Adam at 1e-3 / 1e-2 reaches 96.1 / 96.6 %
    /// categorical accuracy, this SGD 97.1 % (docs/text-results.md).
    pub fn default_optimizer(self) -> OptimizerConfig {
        match self {
            Self::Question | Self::Kim | Self::Mlp => OptimizerConfig::adam(),
            Self::Linear => OptimizerConfig::sgd_momentum(5.0, 0.9, false),
        }
    }

    /// Default epochs: 5 for the CNNs, 15 for the MLP, 40 for the linear model.
    pub fn default_epochs(self) -> usize {
        match self {
            Self::Question | Self::Kim => 5,
            Self::Mlp => 15,
            Self::Linear => 40,
        }
    }

    /// Default mini-batch size: 50 for the CNNs (Kim's), 32 for the bag-of-words models.
    pub fn default_batch_size(self) -> usize {
        match self {
            Self::Question | Self::Kim => 50,
            Self::Mlp | Self::Linear => 32,
        }
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
    /// Embedding width of the CNNs, hidden width of the MLP (unused by the linear model). Default
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
        let (min_len, min_width) = match self.kind {
            ModelKind::Question | ModelKind::Kim => (5, 1),
            ModelKind::Mlp => (0, 1),
            ModelKind::Linear => (0, 0),
        };
        if self.seq_len < min_len || self.vocab_size < 2 || self.embed_dim < min_width || self.num_classes == 0 {
            return Err(TextError::InvalidArgument(format!(
                "{:?}: need seq_len ≥ {min_len}, vocab ≥ 2, embed_dim ≥ {min_width}, classes ≥ 1 (got {self:?})",
                self.kind
            )));
        }
        Ok(())
    }

    /// Builds the question's network.
    pub fn init_question(&self, device: &Device) -> QuestionCnn {
        let pooled = (self.seq_len - 3) / 2;
        QuestionCnn {
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

    /// Builds the linear model, weights and bias at zero (as scikit-learn's
    /// `LogisticRegression`; runs of different seeds differ only in their batch order).
    pub fn init_linear(&self, device: &Device) -> LinearBag {
        LinearBag {
            linear: EmbeddingBagConfig::new(self.vocab_size, self.num_classes)
                .with_initializer(Initializer::Zeros)
                .init(device),
        }
    }
}

/// The question's CNN.
#[derive(Module, Debug)]
pub struct QuestionCnn {
    embedding: Embedding,
    dropout_in: Dropout,
    conv: Conv1d,
    pool: MaxPool1d,
    dense: Linear,
    dropout_dense: Dropout,
    out: Linear,
}

impl QuestionCnn {
    /// The convolution, its ReLU and the pool over the embedded tokens (fields of their own in the
    /// record, as in runs saved before [`TokenConv1d`] existed).
    fn token_conv(&self) -> TokenConv1d {
        TokenConv1d { conv: self.conv.clone(), pool: Some(self.pool.clone()), activation: Activation::Relu }
    }
}

impl Classifier for QuestionCnn {
    type Batch = Tensor<2, Int>;
    fn forward(&self, ids: &Tensor<2, Int>) -> Tensor<2> {
        let tokens = if self.dropout_in.is_active(&ids.device()) {
            // xent's lookup: Burn's values, with the table's gradient written across the pool.
            Tokens::Embedded(self.dropout_in.forward(kernels::embedding(self.embedding.weight.val(), ids.clone()))) // [B, L, E]
        } else {
            // Without dropout the convolution reads the tokens (each distinct one projected once).
            Tokens::Ids { table: self.embedding.weight.val(), ids: ids.clone() }
        };
        let x = self.token_conv().forward(tokens); // [B, 32, (L-3)/2]
        let x = x.flatten::<2>(1, 2);
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
        let b = ids.dims()[0];
        let tokens = if ids.device().is_autodiff() {
            // Training: one lookup (one embedding gradient) shared by the three convolutions.
            Tokens::Embedded(kernels::embedding(self.embedding.weight.val(), ids.clone())) // [B, L, E]
        } else {
            Tokens::Ids { table: self.embedding.weight.val(), ids: ids.clone() }
        };
        // Each convolution with its ReLU (a field of its own in the record), then max over time.
        let pooled: Vec<Tensor<2>> = [&self.conv3, &self.conv4, &self.conv5]
            .into_iter()
            .map(|conv| {
                let layer = TokenConv1d { conv: conv.clone(), pool: None, activation: Activation::Relu };
                layer.forward(tokens.clone()).max_dim(2).reshape([b, 100])
            })
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

/// A linear model on the document's TF-IDF vector: `logits = xW + b`, `W` `[vocabulary, K]` held
/// as an [`EmbeddingBag`] (Burn's `Embedding` layout). Logistic regression under `Categorical`
/// (multinomial) and `Binary` (one-vs-rest), without a penalty term.
#[derive(Module, Debug)]
pub struct LinearBag {
    linear: EmbeddingBag,
}

impl Classifier for LinearBag {
    type Batch = Bag;
    /// # Shapes
    ///
    /// - bag ids and weights: `[batch, bag]`
    /// - output: `[batch, K]`
    fn forward(&self, bag: &Bag) -> Tensor<2> {
        self.linear.forward(bag.ids.clone(), bag.weights.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(kind: ModelKind) -> TextCnnConfig {
        TextCnnConfig::new(kind, 6, 0, 3)
    }

    #[test]
    fn the_linear_model_starts_at_zero_and_has_no_hidden_width() {
        let c = config(ModelKind::Linear);
        assert_eq!(c.embed_dim, 0);
        c.validate().unwrap();
        assert!(config(ModelKind::Mlp).validate().is_ok());
        assert!(TextCnnConfig { embed_dim: 0, ..config(ModelKind::Mlp) }.validate().is_err());
        let device = Device::flex();
        let m = c.init_linear(&device);
        let bag = Bag {
            ids: Tensor::from_data(TensorData::new(vec![2i32, 5, 3, 0], [2, 2]), &device),
            weights: Tensor::from_data(TensorData::new(vec![0.6f32, 0.8, 1.0, 0.0], [2, 2]), &device),
        };
        let out = m.forward(&bag);
        assert_eq!(out.dims(), [2, 3]);
        assert!(out.into_data().try_to_vec::<f32>().unwrap().iter().all(|&v| v == 0.0));
    }

    #[test]
    fn model_names_parse_back_and_bag_models_read_whole_documents() {
        for kind in [ModelKind::Question, ModelKind::Kim, ModelKind::Mlp, ModelKind::Linear] {
            assert_eq!(kind.name().parse::<ModelKind>().unwrap(), kind);
        }
        assert_eq!("logistic".parse::<ModelKind>().unwrap(), ModelKind::Linear);
        assert!("svm".parse::<ModelKind>().unwrap_err().to_string().contains("linear"));
        assert!(ModelKind::Linear.is_bag_of_words() && ModelKind::Mlp.is_bag_of_words() && !ModelKind::Kim.is_bag_of_words());
    }
}
