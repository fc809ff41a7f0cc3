//! The 1D-CNN for heartbeats: convolution blocks (optional batch norm, max-pooling), global
//! average and max pooling over time (or a flatten), and the RR features through a small dense
//! branch joined before the dense head. It emits logits; the loss configuration of the training
//! engine decides the head (softmax or sigmoids).

use burn::nn::PaddingConfig1d;
use burn::prelude::*;
use xent_core::kernels::Activation;
use xent_core::nn::{
    BatchNormConfig, Conv1dConfig, ConvBlock1d, ConvBlock1dConfig, ConvStack1d, Dense, Dropout, DropoutConfig, Linear, LinearConfig, MaxPool1dConfig,
};
use xent_core::train::Classifier;

use crate::dataset::BeatBatch;
use crate::rr::RR_FEATURES;

/// Configuration of [`Cnn1d`]. [`Cnn1dConfig::new`] gives the documented default, a network that
/// does well on beats; [`Cnn1dConfig::plain`] the question's plain network.
#[derive(Config, Debug, PartialEq)]
pub struct Cnn1dConfig {
    /// Input channels (ECG leads). Default 1.
    #[config(default = 1)]
    pub channels: usize,
    /// Samples per beat window. Default 128 (180 Hz, 250 ms before to 461 ms after the R peak).
    #[config(default = 128)]
    pub length: usize,
    /// Number of classes. Default 4 (AAMI N, S, V, F).
    #[config(default = 4)]
    pub num_classes: usize,
    /// Filters of each convolution block. Default `[16, 32, 64]`.
    #[config(default = "vec![16, 32, 64]")]
    pub filters: Vec<usize>,
    /// Kernel width of each block (same length as `filters`). Default `[7, 5, 5]`.
    #[config(default = "vec![7, 5, 5]")]
    pub kernel_sizes: Vec<usize>,
    /// "Same" padding (true) or "valid" (false). Default true.
    #[config(default = true)]
    pub same_padding: bool,
    /// Batch normalisation after each convolution. Default true.
    #[config(default = true)]
    pub batch_norm: bool,
    /// Max-pool width (and stride) after each block. Default 2.
    #[config(default = 2)]
    pub pool: usize,
    /// Units of the hidden dense layer. Default 64.
    #[config(default = 64)]
    pub hidden: usize,
    /// Dropout before the output layer. Default 0.3.
    #[config(default = 0.3)]
    pub dropout: f64,
    /// Join the patient-relative RR features ([`RR_FEATURES`]) before the dense head. Default true.
    #[config(default = true)]
    pub rr_features: bool,
    /// Units of the RR branch, a dense layer with ReLU the RR features pass through before they
    /// join (0: they join as they are). Default 16.
    #[config(default = 16)]
    pub rr_hidden: usize,
    /// Pool the last block's features over time, average and maximum per filter (true), or
    /// flatten them (false). Default true.
    #[config(default = true)]
    pub global_pool: bool,
}

/// One convolution block: conv → (batch norm) → ReLU → max-pool (`xent_core::nn::ConvBlock1d`,
/// whose record keeps the block's `conv` and `norm` paths).
pub type ConvBlock = ConvBlock1d;

/// The heartbeat 1D-CNN.
#[derive(Module, Debug)]
pub struct Cnn1d {
    blocks: Vec<ConvBlock>,
    rr_fc: Option<Linear>,
    fc1: Linear,
    dropout: Dropout,
    fc2: Linear,
    rr_features: bool,
    global_pool: bool,
}

impl Cnn1dConfig {
    /// The plain network of the question (and of `just bench`'s reference model):
    /// Conv1D(32, 5, valid, ReLU) → MaxPool(2) → Conv1D(64, 5, valid, ReLU) → MaxPool(2) → Flatten →
    /// Dense(128, ReLU) → Dense(5), on 187-sample windows, no batch norm, no dropout, no RR
    /// features. The seed trained it with `SGD(lr=0.003, momentum=0.7)`, batch 16, 20 epochs.
    pub fn plain() -> Self {
        Self::new()
            .with_length(187)
            .with_filters(vec![32, 64])
            .with_kernel_sizes(vec![5, 5])
            .with_same_padding(false)
            .with_batch_norm(false)
            .with_hidden(128)
            .with_dropout(0.0)
            .with_rr_features(false)
            .with_global_pool(false)
            .with_num_classes(5)
    }

    /// Length of the pooled (or flattened) convolution output.
    pub fn flat_len(&self) -> usize {
        let filters = self.filters.last().copied().unwrap_or(self.channels);
        if self.global_pool {
            return if self.time_len() == 0 { 0 } else { 2 * filters };
        }
        self.time_len() * filters
    }

    /// Time steps after the last block.
    fn time_len(&self) -> usize {
        let mut len = self.length;
        for &k in &self.kernel_sizes {
            if !self.same_padding {
                len = len.saturating_sub(k - 1);
            }
            len /= self.pool.max(1);
        }
        len
    }

    /// Checks the configuration.
    ///
    /// # Errors
    /// A message when block lists differ in length, a kernel is even with same padding, or the
    /// window is too short for the blocks.
    pub fn check(&self) -> Result<(), String> {
        if self.filters.len() != self.kernel_sizes.len() || self.filters.is_empty() {
            return Err("filters and kernel_sizes must be non-empty and of equal length".into());
        }
        if self.same_padding && self.kernel_sizes.iter().any(|k| k % 2 == 0) {
            return Err("same padding needs odd kernel sizes".into());
        }
        if self.flat_len() == 0 {
            return Err(format!("a {}-sample window is too short for {} blocks", self.length, self.filters.len()));
        }
        Ok(())
    }

    /// Builds the network on `device`.
    ///
    /// # Panics
    /// When [`Cnn1dConfig::check`] fails (a programming error in the configuration).
    pub fn init(&self, device: &Device) -> Cnn1d {
        if let Err(e) = self.check() {
            panic!("invalid Cnn1dConfig: {e}");
        }
        let mut c_in = self.channels;
        let blocks = self
            .filters
            .iter()
            .zip(&self.kernel_sizes)
            .map(|(&f, &k)| {
                let padding = if self.same_padding { PaddingConfig1d::Same } else { PaddingConfig1d::Valid };
                let block = ConvBlock1dConfig::new(Conv1dConfig::new(c_in, f, k).with_padding(padding))
                    .with_norm(self.batch_norm.then(|| BatchNormConfig::new(f)))
                    .with_pool(Some(MaxPool1dConfig::new(self.pool.max(1))));
                c_in = f;
                block.init(device)
            })
            .collect();
        let rr_fc = (self.rr_features && self.rr_hidden > 0).then(|| LinearConfig::new(RR_FEATURES, self.rr_hidden).init(device));
        let rr = match (self.rr_features, self.rr_hidden) {
            (false, _) => 0,
            (true, 0) => RR_FEATURES,
            (true, h) => h,
        };
        Cnn1d {
            blocks,
            rr_fc,
            fc1: LinearConfig::new(self.flat_len() + rr, self.hidden).init(device),
            dropout: DropoutConfig::new(self.dropout).init(),
            fc2: LinearConfig::new(self.hidden, self.num_classes).init(device),
            rr_features: self.rr_features,
            global_pool: self.global_pool,
        }
    }
}

impl Cnn1d {
    /// Logits of a batch of beats.
    ///
    /// # Shapes
    /// - `signals`: `[batch, channels, length]`
    /// - `rr`: `[batch, RR_FEATURES]` (used when the model was built with RR features)
    /// - output: `[batch, num_classes]`
    pub fn forward(&self, signals: Tensor<3>, rr: Tensor<2>) -> Tensor<2> {
        // The stack, the RR branch and the hidden layer are built from clones of the fields, so the
        // record keeps its paths (`blocks.0.conv.weight`, `rr_fc.weight`, `fc1.weight`). Two blocks
        // without batch norm in a row run as one operation where the kernels allow.
        let x = ConvStack1d { blocks: self.blocks.clone() }.forward(signals);
        let x: Tensor<2> = if self.global_pool {
            let avg: Tensor<2> = x.clone().mean_dim(2).flatten(1, 2);
            let max: Tensor<2> = x.max_dim(2).flatten(1, 2);
            Tensor::cat(vec![avg, max], 1)
        } else {
            x.flatten(1, 2)
        };
        let x = match (&self.rr_fc, self.rr_features) {
            (Some(fc), _) => Tensor::cat(vec![x, relu_dense(fc).forward(rr)], 1),
            (None, true) => Tensor::cat(vec![x, rr], 1),
            (None, false) => x,
        };
        let x = relu_dense(&self.fc1).forward(x);
        self.fc2.forward(self.dropout.forward(x))
    }
}

/// `layer` with a ReLU inside it, as one [`Dense`].
fn relu_dense(layer: &Linear) -> Dense {
    Dense { linear: layer.clone(), activation: Activation::Relu }
}

impl Classifier for Cnn1d {
    type Batch = BeatBatch;

    fn forward(&self, batch: &BeatBatch) -> Tensor<2> {
        Cnn1d::forward(self, batch.signals.clone(), batch.rr.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_of_default_and_plain() {
        let device = xent_core::default_device();
        for config in [Cnn1dConfig::new(), Cnn1dConfig::plain(), Cnn1dConfig::new().with_global_pool(false).with_rr_hidden(0)] {
            let model = config.init(&device);
            let x = Tensor::<3>::zeros([3, 1, config.length], &device);
            let rr = Tensor::<2>::zeros([3, RR_FEATURES], &device);
            assert_eq!(model.forward(x, rr).dims(), [3, config.num_classes]);
        }
        // The plain network flattens 64 × 43 = 2752 values, as the Keras original.
        assert_eq!(Cnn1dConfig::plain().flat_len(), 2752);
        // The default pools 64 filters by average and maximum.
        assert_eq!(Cnn1dConfig::new().flat_len(), 128);
    }

    #[test]
    fn bad_configurations_are_reported() {
        assert!(Cnn1dConfig::new().with_kernel_sizes(vec![4, 5, 5]).check().is_err());
        assert!(Cnn1dConfig::new().with_filters(vec![8]).check().is_err());
        assert!(Cnn1dConfig::new().with_length(4).check().is_err());
    }
}
