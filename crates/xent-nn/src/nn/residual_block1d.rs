//! The basic residual block of He et al. (2016) in 1-D: two convolutions with batch norm and an
//! identity (or projected) shortcut, in the original post-activation order or the pre-activation
//! order of He et al.'s follow-up, optionally followed by a max pool, with the fusion chosen inside
//! [`ResidualBlock1d::forward`].

use burn::config::Config;
use burn::module::Module;
use burn::nn::PaddingConfig1d;
use burn::tensor::{Device, Tensor};

use super::{BatchNorm, BatchNormConfig, Conv1d, Conv1dConfig, ConvLayout, Dropout, DropoutConfig, MaxPool1d, MaxPool1dConfig};
use crate::kernels::Activation;

/// Configuration of a [`ResidualBlock1d`].
#[derive(Config, Debug)]
pub struct ResidualBlock1dConfig {
    /// Input channels.
    pub channels_in: usize,
    /// Output channels.
    pub channels_out: usize,
    /// Kernel width of both convolutions (odd, so that the padding of `kernel_size / 2` on each
    /// side keeps the length). Default: 5.
    #[config(default = 5)]
    pub kernel_size: usize,
    /// Stride of the first convolution and of the shortcut (2 halves the length; 0 counts as 1).
    /// Default: 1.
    #[config(default = 1)]
    pub stride: usize,
    /// Pre-activation order (BN → ReLU → conv, twice, then the shortcut added) instead of
    /// post-activation (conv → BN → ReLU → conv → BN, shortcut added, ReLU). Default: false.
    #[config(default = false)]
    pub pre_activation: bool,
    /// Dropout probability between the two convolutions. Default: 0.
    #[config(default = 0.0)]
    pub dropout: f64,
    /// Max pooling at the end. Default: none.
    pub pool: Option<MaxPool1dConfig>,
    /// Layout of input and output. Default: [`ConvLayout::ChannelsFirst`].
    #[config(default = "ConvLayout::ChannelsFirst")]
    pub layout: ConvLayout,
}

impl ResidualBlock1dConfig {
    /// The block: the first convolution, the second, then the shortcut's projection (when the
    /// channels or the length change), each initialised as [`Conv1dConfig::init`] does, in that
    /// order; the norms as [`BatchNormConfig::init`].
    ///
    /// # Panics
    ///
    /// As [`BatchNormConfig::init`] and [`DropoutConfig::init`]: no channels, or a dropout
    /// probability outside `[0, 1]`.
    pub fn init(&self, device: &Device) -> ResidualBlock1d {
        let k = self.kernel_size;
        let stride = self.stride.max(1);
        let pad = PaddingConfig1d::Explicit(k / 2, k / 2);
        let conv1 = Conv1dConfig::new(self.channels_in, self.channels_out, k).with_stride(stride).with_padding(pad.clone()).init(device);
        let conv2 = Conv1dConfig::new(self.channels_out, self.channels_out, k).with_padding(pad).init(device);
        // Pre-activation normalises the block's input, post-activation the first convolution's output.
        let norm1_features = if self.pre_activation { self.channels_in } else { self.channels_out };
        let shortcut = (self.channels_in != self.channels_out || stride > 1).then(|| Projection {
            conv: Conv1dConfig::new(self.channels_in, self.channels_out, 1).with_stride(stride).init(device),
            norm: BatchNormConfig::new(self.channels_out).init(device),
        });
        ResidualBlock1d {
            conv1,
            norm1: BatchNormConfig::new(norm1_features).init(device),
            conv2,
            norm2: BatchNormConfig::new(self.channels_out).init(device),
            shortcut,
            dropout: DropoutConfig::new(self.dropout).init(),
            pool: self.pool.as_ref().map(MaxPool1dConfig::init),
            pre_activation: self.pre_activation,
            layout: self.layout,
        }
    }
}

/// The shortcut of a block whose channels or length change: a 1-wide convolution with the block's
/// stride, then batch norm.
#[derive(Module, Debug)]
struct Projection {
    conv: Conv1d,
    norm: BatchNorm,
}

/// A basic residual block. The record holds `conv1`, `norm1`, `conv2`, `norm2` and
/// `shortcut.conv`, `shortcut.norm` under those names.
///
/// Channels-last inside whatever the layout: each convolution is one GEMM over a group of
/// samples (`kernels::conv1d_channels_last`). The ReLUs run inside the norms; with the running
/// statistics (evaluation, or a plain device) each norm after a convolution is folded into it,
/// and a post-activation block ends in one operation: the second convolution, the shortcut's
/// addition, the ReLU and a `MaxPool(2)`, writing no intermediate activation
/// (`kernels::conv1d_channels_last_join`). Values agree with the layers in turn to rounding.
#[derive(Module, Debug)]
pub struct ResidualBlock1d {
    conv1: Conv1d,
    norm1: BatchNorm,
    conv2: Conv1d,
    norm2: BatchNorm,
    shortcut: Option<Projection>,
    dropout: Dropout,
    pool: Option<MaxPool1d>,
    #[module(skip)]
    pre_activation: bool,
    #[module(skip)]
    layout: ConvLayout,
}

impl ResidualBlock1d {
    /// Applies the block.
    ///
    /// # Shapes
    ///
    /// - input: `[batch, channels_in, length]` ([`ConvLayout::ChannelsFirst`]) or `[batch, length,
    ///   channels_in]` ([`ConvLayout::ChannelsLast`])
    /// - output: `[batch, channels_out, length']` or `[batch, length', channels_out]`, `length'`
    ///   = `⌈length / stride⌉`, then the pool's
    ///
    /// # Panics
    ///
    /// If the input's channels are not `channels_in`.
    pub fn forward(&self, input: Tensor<3>) -> Tensor<3> {
        match self.layout {
            ConvLayout::ChannelsLast => self.forward_channels_last(input),
            ConvLayout::ChannelsFirst => self.forward_channels_last(input.swap_dims(1, 2)).swap_dims(1, 2),
        }
    }

    fn forward_channels_last(&self, x: Tensor<3>) -> Tensor<3> {
        let identity = match &self.shortcut {
            Some(p) => p.norm.after_conv1d_channels_last(&p.conv, x.clone(), Activation::Identity),
            None => x.clone(),
        };
        if self.pre_activation {
            let h = self.conv1.forward_channels_last(self.norm1.forward_channels_last(x, Activation::Relu), Activation::Identity);
            let h = self.dropout.forward(self.norm2.forward_channels_last(h, Activation::Relu));
            let y = self.conv2.forward_channels_last(h, Activation::Identity) + identity;
            return match &self.pool {
                Some(pool) => pool.forward_channels_last(y),
                None => y,
            };
        }
        let h = self.dropout.forward(self.norm1.after_conv1d_channels_last(&self.conv1, x, Activation::Relu));
        match &self.pool {
            None => self.norm2.after_conv1d_channels_last_join(&self.conv2, h, identity, false),
            Some(p) if p.is_pairs() => self.norm2.after_conv1d_channels_last_join(&self.conv2, h, identity, true),
            Some(p) => p.forward_channels_last(self.norm2.after_conv1d_channels_last_join(&self.conv2, h, identity, false)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::residual_relu;
    use burn::tensor::{TensorData, Tolerance};

    fn wave(shape: [usize; 3], device: &Device) -> Tensor<3> {
        let n = shape.iter().product::<usize>();
        Tensor::from_data(TensorData::new((0..n).map(|i| (i as f32 * 0.53).cos()).collect::<Vec<_>>(), shape), device)
    }

    #[test]
    fn shapes_with_and_without_projection() {
        let device = Device::flex();
        let x = Tensor::<3>::ones([2, 8, 33], &device);
        for pre in [false, true] {
            let same = ResidualBlock1dConfig::new(8, 8).with_pre_activation(pre).init(&device);
            assert_eq!(same.forward(x.clone()).dims(), [2, 8, 33]);
            let down = ResidualBlock1dConfig::new(8, 16).with_stride(2).with_pre_activation(pre).init(&device);
            assert_eq!(down.forward(x.clone()).dims(), [2, 16, 17]);
            let pooled = ResidualBlock1dConfig::new(8, 16).with_pre_activation(pre).with_pool(Some(MaxPool1dConfig::new(2))).init(&device);
            assert_eq!(pooled.forward(x.clone()).dims(), [2, 16, 16]);
        }
    }

    /// The block equals its layers run one by one, channels-first (conv, norm, ReLU, add, pool as
    /// `burn::nn` would), for both orders, with and without projection and pool, in evaluation
    /// (where the norms are folded and the end is one operation) and in training.
    #[test]
    fn equals_the_layers_in_turn() {
        for device in [Device::flex(), Device::flex().autodiff()] {
            let relu = burn::tensor::activation::relu::<3>;
            for (pre, out, stride, pool) in [(false, 8, 1, None), (false, 8, 1, Some(2)), (false, 16, 2, Some(3)), (true, 8, 1, Some(2)), (true, 16, 2, None)] {
                for layout in [ConvLayout::ChannelsFirst, ConvLayout::ChannelsLast] {
                    let block = ResidualBlock1dConfig::new(8, out)
                        .with_stride(stride)
                        .with_pre_activation(pre)
                        .with_pool(pool.map(|w| MaxPool1dConfig::new(w).with_stride(2)))
                        .with_layout(layout)
                        .init(&device);
                    let x = wave([3, 8, 21], &device);
                    let flip = |t: Tensor<3>| if layout == ConvLayout::ChannelsLast { t.swap_dims(1, 2) } else { t };
                    // Training updates the running statistics: the reference runs on a twin.
                    let twin = block.clone();
                    let ours = flip(block.forward(flip(x.clone())));
                    let identity = match &twin.shortcut {
                        Some(p) => p.norm.forward(p.conv.forward(x.clone())),
                        None => x.clone(),
                    };
                    let mut want = if pre {
                        let h = twin.conv1.forward(relu(twin.norm1.forward(x)));
                        twin.conv2.forward(relu(twin.norm2.forward(h))) + identity
                    } else {
                        let h = relu(twin.norm1.forward(twin.conv1.forward(x)));
                        residual_relu(twin.norm2.forward(twin.conv2.forward(h)), identity)
                    };
                    if let Some(p) = &twin.pool {
                        want = p.forward(want);
                    }
                    ours.into_data().assert_approx_eq::<f32>(&want.into_data(), Tolerance::absolute(1e-4));
                }
            }
        }
    }
}
