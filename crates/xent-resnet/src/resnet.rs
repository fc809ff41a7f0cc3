//! The residual network: a convolution stem, a sequence of basic blocks, global average pooling,
//! optional RR features, and a dense output layer emitting logits.

use burn::nn::PaddingConfig1d;
use burn::prelude::*;
use xent_core::kernels::Activation;
use xent_core::nn::{
    BatchNorm, BatchNormConfig, Conv1d, Conv1dConfig, ConvBlock1d, ConvLayout, Dropout, DropoutConfig, Linear, LinearConfig, MaxPool1dConfig,
    ResidualBlock1d, ResidualBlock1dConfig,
};
use xent_core::train::Classifier;
use xent_ecg::dataset::BeatBatch;
use xent_ecg::rr::RR_FEATURES;

/// Configuration of [`ResNet1d`]. [`ResNet1dConfig::new`] is the small default
/// ([`ResNet1dConfig::small`]); [`ResNet1dConfig::hannun2019`] the deep preset.
#[derive(Config, Debug, PartialEq)]
pub struct ResNet1dConfig {
    /// Input channels (ECG leads). Default 1.
    #[config(default = 1)]
    pub channels: usize,
    /// Samples per beat window. Default 128.
    #[config(default = 128)]
    pub length: usize,
    /// Number of classes. Default 5 (AAMI).
    #[config(default = 5)]
    pub num_classes: usize,
    /// Filters of the stem convolution. Default 32.
    #[config(default = 32)]
    pub stem_filters: usize,
    /// Output channels of each residual block (the depth is its length). Default `[32, 32, 32]`.
    #[config(default = "vec![32, 32, 32]")]
    pub widths: Vec<usize>,
    /// Stride of each block (same length as `widths`). Default `[1, 1, 1]`.
    #[config(default = "vec![1, 1, 1]")]
    pub strides: Vec<usize>,
    /// Max-pool of width 2 after every block (the small preset's downsampling). Default true.
    #[config(default = true)]
    pub pool_after_block: bool,
    /// Kernel width of the stem and of every block convolution (odd). Default 5.
    #[config(default = 5)]
    pub kernel_size: usize,
    /// Pre-activation blocks. Default false.
    #[config(default = false)]
    pub pre_activation: bool,
    /// Dropout inside blocks and before the output layer. Default 0.2.
    #[config(default = 0.2)]
    pub dropout: f64,
    /// Concatenate the 4 RR features after global pooling. Default true.
    #[config(default = true)]
    pub rr_features: bool,
}

/// The residual 1D network. Its record holds `stem`, `stem_norm`, `blocks.i.…`, `final_norm` and
/// `output` (the stem's convolution and norm are separate fields, as in the records of earlier
/// versions, and run as one [`ConvBlock1d`]).
#[derive(Module, Debug)]
pub struct ResNet1d {
    stem: Conv1d,
    stem_norm: BatchNorm,
    blocks: Vec<ResidualBlock1d>,
    final_norm: Option<BatchNorm>,
    dropout: Dropout,
    output: Linear,
    rr_features: bool,
}

impl ResNet1dConfig {
    /// The small network of `just bench`'s reference: Conv1D(32, 5) stem, 3 × [Conv1D(32, 5, same)
    /// → BN → ReLU → Conv1D(32, 5, same) → BN → add → ReLU → MaxPool(2)], global average pooling,
    /// Dense(5); here with RR features and dropout 0.2 (both configurable).
    pub fn small() -> Self {
        Self::new()
    }

    /// A deep network in the style of Hannun et al. (2019): 16 pre-activation blocks of kernel 15,
    /// widths 32·2^⌊i/4⌋ (32 … 256), stride 2 every other block, dropout 0.2. Heavy on a CPU.
    pub fn hannun2019() -> Self {
        let widths: Vec<usize> = (0..16).map(|i| 32 << (i / 4)).collect();
        let strides: Vec<usize> = (0..16).map(|i| if i % 2 == 1 { 2 } else { 1 }).collect();
        Self::new()
            .with_kernel_size(15)
            .with_widths(widths)
            .with_strides(strides)
            .with_pool_after_block(false)
            .with_pre_activation(true)
    }

    /// Checks the configuration.
    ///
    /// # Errors
    /// A message when `widths` and `strides` differ in length or are empty, the kernel is even,
    /// or the window is too short for the downsampling.
    pub fn check(&self) -> Result<(), String> {
        if self.widths.is_empty() || self.widths.len() != self.strides.len() {
            return Err("widths and strides must be non-empty and of equal length".into());
        }
        if self.kernel_size.is_multiple_of(2) {
            return Err("kernel_size must be odd".into());
        }
        let mut len = self.length;
        for &s in &self.strides {
            len = len.div_ceil(s.max(1));
            if self.pool_after_block {
                len /= 2;
            }
        }
        if len == 0 {
            return Err(format!("a {}-sample window is too short for {} blocks", self.length, self.widths.len()));
        }
        Ok(())
    }

    /// Builds the network on `device`.
    ///
    /// # Panics
    /// When [`ResNet1dConfig::check`] fails (a programming error in the configuration).
    pub fn init(&self, device: &Device) -> ResNet1d {
        if let Err(e) = self.check() {
            panic!("invalid ResNet1dConfig: {e}");
        }
        let k = self.kernel_size;
        let mut c = self.stem_filters;
        let blocks = self
            .widths
            .iter()
            .zip(&self.strides)
            .map(|(&w, &s)| {
                let block = ResidualBlock1dConfig::new(c, w)
                    .with_kernel_size(k)
                    .with_stride(s)
                    .with_pre_activation(self.pre_activation)
                    .with_dropout(self.dropout)
                    .with_pool(self.pool_after_block.then(|| MaxPool1dConfig::new(2)))
                    .with_layout(ConvLayout::ChannelsLast)
                    .init(device);
                c = w;
                block
            })
            .collect();
        let rr = if self.rr_features { RR_FEATURES } else { 0 };
        ResNet1d {
            stem: Conv1dConfig::new(self.channels, self.stem_filters, k)
                .with_padding(PaddingConfig1d::Explicit(k / 2, k / 2))
                .init(device),
            stem_norm: BatchNormConfig::new(self.stem_filters).init(device),
            blocks,
            final_norm: self.pre_activation.then(|| BatchNormConfig::new(c).init(device)),
            dropout: DropoutConfig::new(self.dropout).init(),
            output: LinearConfig::new(c + rr, self.num_classes).init(device),
            rr_features: self.rr_features,
        }
    }
}

impl ResNet1d {
    /// Logits of a batch of beats.
    ///
    /// # Shapes
    /// - `signals`: `[batch, channels, length]`
    /// - `rr`: `[batch, 4]` (used when built with RR features)
    /// - output: `[batch, num_classes]`
    pub fn forward(&self, signals: Tensor<3>, rr: Tensor<2>) -> Tensor<2> {
        // Channels-last from here on: every convolution is one GEMM over the batch.
        let stem = ConvBlock1d {
            conv: self.stem.clone(),
            norm: Some(self.stem_norm.clone()),
            pool: None,
            activation: Activation::Relu,
            layout: ConvLayout::ChannelsLast,
        };
        let mut x = stem.forward(signals.swap_dims(1, 2));
        for block in &self.blocks {
            x = block.forward(x);
        }
        let [batch, length, channels] = x.dims();
        if let Some(norm) = &self.final_norm {
            // The norm of each channel over batch and positions: the `[batch · length, channels]` rows.
            x = burn::tensor::activation::relu(norm.forward(x.reshape([batch * length, channels]))).reshape([batch, length, channels]);
        }
        let x: Tensor<2> = x.mean_dim(1).reshape([batch, channels]);
        let x = if self.rr_features { Tensor::cat(vec![x, rr], 1) } else { x };
        self.output.forward(self.dropout.forward(x))
    }
}

impl Classifier for ResNet1d {
    type Batch = BeatBatch;

    fn forward(&self, batch: &BeatBatch) -> Tensor<2> {
        ResNet1d::forward(self, batch.signals.clone(), batch.rr.clone())
    }
}

impl xent_core::experiment::ModelConfig for ResNet1dConfig {
    type Model = ResNet1d;

    fn init(&self, outputs: usize, device: &Device) -> ResNet1d {
        self.clone().with_num_classes(outputs).init(device)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_produce_logits() {
        let device = xent_core::default_device();
        for config in [ResNet1dConfig::small(), ResNet1dConfig::hannun2019().with_length(256)] {
            let model = config.init(&device);
            let x = Tensor::<3>::zeros([2, 1, config.length], &device);
            let rr = Tensor::<2>::zeros([2, RR_FEATURES], &device);
            assert_eq!(model.forward(x, rr).dims(), [2, 5]);
        }
    }

    #[test]
    fn bad_configurations_are_reported() {
        assert!(ResNet1dConfig::new().with_kernel_size(4).check().is_err());
        assert!(ResNet1dConfig::new().with_strides(vec![1]).check().is_err());
        assert!(ResNet1dConfig::new().with_length(4).check().is_err());
    }
}
