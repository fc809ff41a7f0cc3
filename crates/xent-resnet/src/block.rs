//! The basic residual block of He et al. (2016) in 1D: two convolutions and an identity (or
//! projected) shortcut, in the original post-activation order or the pre-activation order of He et
//! al.'s follow-up (used by Hannun et al. 2019).

use burn::nn::{PaddingConfig1d, Relu};
use burn::prelude::*;
use xent_core::kernels::Activation;
use xent_core::nn::{BatchNorm, BatchNormConfig, Conv1d, Conv1dConfig, Dropout, DropoutConfig, MaxPool1d};

/// Configuration of a [`BasicBlock`].
#[derive(Config, Debug, PartialEq)]
pub struct BasicBlockConfig {
    /// Input channels.
    pub channels_in: usize,
    /// Output channels.
    pub channels_out: usize,
    /// Kernel width of both convolutions (odd, so padding keeps the length). Default 5.
    #[config(default = 5)]
    pub kernel_size: usize,
    /// Stride of the first convolution (and of the shortcut): 2 halves the length. Default 1.
    #[config(default = 1)]
    pub stride: usize,
    /// Pre-activation order (BN → ReLU → conv, twice, then add) instead of post-activation
    /// (conv → BN → ReLU → conv → BN, add, ReLU). Default false.
    #[config(default = false)]
    pub pre_activation: bool,
    /// Dropout between the two convolutions. Default 0.
    #[config(default = 0.0)]
    pub dropout: f64,
}

/// Conv + BN projection for a shortcut whose channels or length change.
#[derive(Module, Debug)]
pub struct Projection {
    conv: Conv1d,
    norm: BatchNorm,
}

/// A basic residual block.
#[derive(Module, Debug)]
pub struct BasicBlock {
    conv1: Conv1d,
    norm1: BatchNorm,
    conv2: Conv1d,
    norm2: BatchNorm,
    shortcut: Option<Projection>,
    dropout: Dropout,
    act: Relu,
    pre_activation: bool,
}

impl BasicBlockConfig {
    /// Builds the block on `device`.
    pub fn init(&self, device: &Device) -> BasicBlock {
        let k = self.kernel_size;
        let pad = PaddingConfig1d::Explicit(k / 2, k / 2);
        let conv1 = Conv1dConfig::new(self.channels_in, self.channels_out, k)
            .with_stride(self.stride.max(1))
            .with_padding(pad.clone())
            .init(device);
        let conv2 = Conv1dConfig::new(self.channels_out, self.channels_out, k).with_padding(pad).init(device);
        // Pre-activation normalises the block's input, post-activation the first conv's output.
        let norm1_features = if self.pre_activation { self.channels_in } else { self.channels_out };
        let shortcut = (self.channels_in != self.channels_out || self.stride > 1).then(|| Projection {
            conv: Conv1dConfig::new(self.channels_in, self.channels_out, 1).with_stride(self.stride.max(1)).init(device),
            norm: BatchNormConfig::new(self.channels_out).init(device),
        });
        BasicBlock {
            conv1,
            norm1: BatchNormConfig::new(norm1_features).init(device),
            conv2,
            norm2: BatchNormConfig::new(self.channels_out).init(device),
            shortcut,
            dropout: DropoutConfig::new(self.dropout).init(),
            act: Relu::new(),
            pre_activation: self.pre_activation,
        }
    }
}

impl BasicBlock {
    /// # Shapes
    /// - input: `[batch, channels_in, length]`
    /// - output: `[batch, channels_out, ⌈length / stride⌉]`
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        self.forward_channels_last(x.swap_dims(1, 2)).swap_dims(1, 2)
    }

    /// The block on channels-last activations (what [`crate::ResNet1d`] runs: each convolution
    /// one GEMM per group of samples, `xent_core::nn::Conv1d::forward_channels_last`).
    ///
    /// # Shapes
    /// - input: `[batch, length, channels_in]`
    /// - output: `[batch, ⌈length / stride⌉, channels_out]`
    pub fn forward_channels_last(&self, x: Tensor<3>) -> Tensor<3> {
        self.forward_channels_last_pooled(x, None)
    }

    /// [`Self::forward_channels_last`], then `pool` over positions. In inference a post-activation block
    /// followed by `MaxPool(2)` ends in one operation: the second convolution with its norm folded
    /// in, the residual join and the pool, writing no intermediate activation
    /// (`xent_core::nn::BatchNorm::after_conv1d_channels_last_join`); the values are those of the
    /// operations in turn.
    ///
    /// # Shapes
    /// - input: `[batch, length, channels_in]`
    /// - output: `[batch, length', channels_out]`, `length'` = `⌈length / stride⌉` after `pool`
    pub fn forward_channels_last_pooled(&self, x: Tensor<3>, pool: Option<&MaxPool1d>) -> Tensor<3> {
        let identity = match &self.shortcut {
            Some(p) => p.norm.after_conv1d_channels_last(&p.conv, x.clone(), Activation::Identity),
            None => x.clone(),
        };
        if self.pre_activation {
            let h = self.conv1.forward_channels_last(self.norm1.forward_channels_last(x, Activation::Relu), Activation::Identity);
            let h = self.dropout.forward(self.norm2.forward_channels_last(h, Activation::Relu));
            let y = self.conv2.forward_channels_last(h, Activation::Identity) + identity;
            return match pool {
                Some(pool) => pool.forward_channels_last(y),
                None => y,
            };
        }
        let h = self.norm1.after_conv1d_channels_last(&self.conv1, x, Activation::Relu);
        let h = self.dropout.forward(h);
        match pool {
            None => self.norm2.after_conv1d_channels_last_join(&self.conv2, h, identity, false),
            Some(p) if p.is_pairs() => {
                self.norm2.after_conv1d_channels_last_join(&self.conv2, h, identity, true)
            }
            Some(p) => p.forward_channels_last(self.norm2.after_conv1d_channels_last_join(&self.conv2, h, identity, false)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_with_and_without_projection() {
        let device = xent_core::default_device();
        let x = Tensor::<3>::ones([2, 8, 33], &device);
        for pre in [false, true] {
            let same = BasicBlockConfig::new(8, 8).with_pre_activation(pre).init(&device);
            assert_eq!(same.forward(x.clone()).dims(), [2, 8, 33]);
            let down = BasicBlockConfig::new(8, 16).with_stride(2).with_pre_activation(pre).init(&device);
            assert_eq!(down.forward(x.clone()).dims(), [2, 16, 17]);
        }
    }

    /// In evaluation the block ending in one fused operation with the pool gives what the block
    /// and the pool give in turn, for both block kinds and with a projection.
    #[test]
    fn pooled_block_is_block_then_pool() {
        let device = xent_core::default_device();
        let n = 2 * 33 * 8;
        let x = Tensor::<3>::from_data(burn::tensor::TensorData::new((0..n).map(|i| (i as f32 * 0.53).cos()).collect::<Vec<_>>(), [2, 33, 8]), &device);
        let pool = xent_core::nn::MaxPool1dConfig::new(2).init();
        for (pre, out) in [(false, 8), (true, 8), (false, 16)] {
            let block = BasicBlockConfig::new(8, out).with_pre_activation(pre).init(&device);
            let (a, b) = (block.forward_channels_last_pooled(x.clone(), Some(&pool)), pool.forward_channels_last(block.forward_channels_last(x.clone())));
            a.into_data().assert_approx_eq::<f32>(&b.into_data(), burn::tensor::Tolerance::absolute(1e-6));
        }
    }

    /// The channels-first entry point is the channels-last block transposed, for both block kinds.
    #[test]
    fn channels_first_and_channels_last_agree() {
        let device = xent_core::default_device();
        let n = 2 * 8 * 33;
        let x = Tensor::<3>::from_data(burn::tensor::TensorData::new((0..n).map(|i| (i as f32 * 0.37).sin()).collect::<Vec<_>>(), [2, 8, 33]), &device);
        for pre in [false, true] {
            let block = BasicBlockConfig::new(8, 16).with_stride(2).with_pre_activation(pre).init(&device);
            let (a, b) = (block.forward(x.clone()), block.forward_channels_last(x.clone().swap_dims(1, 2)).swap_dims(1, 2));
            a.into_data().assert_approx_eq::<f32>(&b.into_data(), burn::tensor::Tolerance::absolute(1e-6));
        }
    }
}
