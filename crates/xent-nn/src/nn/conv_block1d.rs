//! A convolution block: 1-D convolution → optional batch norm → activation → optional max pool,
//! channels-first or channels-last, with the fusion chosen inside [`ConvBlock1d::forward`].

use burn::config::Config;
use burn::module::Module;
use burn::tensor::{Device, Tensor};

use super::{BatchNorm, BatchNormConfig, Conv1d, Conv1dConfig, MaxPool1d, MaxPool1dConfig};
use crate::kernels::Activation;

/// The layout of a block's input and output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, burn::serde::Serialize, burn::serde::Deserialize)]
#[serde(crate = "burn::serde")]
pub enum ConvLayout {
    /// `[batch, channels, length]` (Burn's layout).
    #[default]
    ChannelsFirst,
    /// `[batch, length, channels]`: each convolution one GEMM over a group of samples
    /// (`kernels::conv1d_channels_last`).
    ChannelsLast,
}

/// Configuration of a [`ConvBlock1d`].
#[derive(Config, Debug)]
pub struct ConvBlock1dConfig {
    /// The convolution.
    pub conv: Conv1dConfig,
    /// Batch normalisation after the convolution (its features: the convolution's output
    /// channels). Default: none.
    pub norm: Option<BatchNormConfig>,
    /// The activation after the convolution (and norm). Default: [`Activation::Relu`].
    #[config(default = "Activation::Relu")]
    pub activation: Activation,
    /// Max pooling at the end. Default: none.
    pub pool: Option<MaxPool1dConfig>,
    /// Layout of input and output. Default: [`ConvLayout::ChannelsFirst`].
    #[config(default = "ConvLayout::ChannelsFirst")]
    pub layout: ConvLayout,
}

impl ConvBlock1dConfig {
    /// The block: its convolution and norm initialised as [`Conv1dConfig::init`] and
    /// [`BatchNormConfig::init`] do, in that order.
    pub fn init(&self, device: &Device) -> ConvBlock1d {
        ConvBlock1d {
            conv: self.conv.init(device),
            norm: self.norm.as_ref().map(|n| n.init(device)),
            pool: self.pool.as_ref().map(MaxPool1dConfig::init),
            activation: self.activation,
            layout: self.layout,
        }
    }
}

/// Convolution → (batch norm) → activation → (max pool). The record holds `conv` and `norm`
/// under those names (a model with fields `conv`, `norm`, `pool` loads into it).
///
/// The fusion is the block's own choice: the activation runs inside the convolution or the norm;
/// with the norm's running statistics (evaluation, or a plain device) the norm is folded into the
/// convolution (per output channel weight · s, bias · s + t, `s = γ / √(running var + ε)`,
/// `t = β − running mean · s`); channels-first, a `MaxPool(2)` runs inside the convolution in
/// inference (`kernels::conv1d_pool`); [`ConvStack1d`](super::ConvStack1d) runs two blocks without
/// norm as one operation. Values agree with the layers in turn to rounding.
#[derive(Module, Debug)]
pub struct ConvBlock1d {
    /// The convolution.
    pub conv: Conv1d,
    /// The batch norm, if any.
    pub norm: Option<BatchNorm>,
    /// The max pool, if any.
    pub pool: Option<MaxPool1d>,
    /// The activation.
    #[module(skip)]
    pub activation: Activation,
    /// The layout of input and output.
    #[module(skip)]
    pub layout: ConvLayout,
}

impl ConvBlock1d {
    /// Applies the block.
    ///
    /// # Shapes
    ///
    /// - input: `[batch, channels_in, length_in]` ([`ConvLayout::ChannelsFirst`]) or `[batch,
    ///   length_in, channels_in]` ([`ConvLayout::ChannelsLast`])
    /// - output: `[batch, channels_out, length_out]` or `[batch, length_out, channels_out]`,
    ///   `length_out` the convolution's, then the pool's
    ///
    /// # Panics
    ///
    /// If the input's channels are not the convolution's, or the norm's features are not the
    /// convolution's output channels.
    pub fn forward(&self, input: Tensor<3>) -> Tensor<3> {
        let act = self.activation;
        match (self.layout, &self.norm, &self.pool) {
            (ConvLayout::ChannelsFirst, Some(norm), Some(pool)) => norm.after_conv1d_pooled(&self.conv, input, act, pool),
            (ConvLayout::ChannelsFirst, Some(norm), None) => norm.after_conv1d(&self.conv, input, act),
            (ConvLayout::ChannelsFirst, None, Some(pool)) => self.conv.forward_pooled(input, act, pool),
            (ConvLayout::ChannelsFirst, None, None) => self.conv.forward_activated(input, act),
            (ConvLayout::ChannelsLast, norm, pool) => {
                let y = match norm {
                    Some(norm) => norm.after_conv1d_channels_last(&self.conv, input, act),
                    None => self.conv.forward_channels_last(input, act),
                };
                match pool {
                    Some(pool) => pool.forward_channels_last(y),
                    None => y,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::test_inputs::ramp;
    use burn::nn::PaddingConfig1d;
    use burn::tensor::Tolerance;


    /// Every combination equals the layers in turn, both layouts, plain and under autodiff.
    #[test]
    fn equals_the_layers_in_turn() {
        for device in [Device::flex(), Device::flex().autodiff()] {
            for norm in [false, true] {
                for pool in [false, true] {
                    for layout in [ConvLayout::ChannelsFirst, ConvLayout::ChannelsLast] {
                        let conv = Conv1dConfig::new(3, 4, 3).with_padding(PaddingConfig1d::Same);
                        let block = ConvBlock1dConfig::new(conv)
                            .with_norm(norm.then(|| BatchNormConfig::new(4)))
                            .with_pool(pool.then(|| MaxPool1dConfig::new(2)))
                            .with_layout(layout)
                            .init(&device);
                        let x = ramp([2, 3, 11], &device);
                        let first = |t: Tensor<3>| if layout == ConvLayout::ChannelsLast { t.swap_dims(1, 2) } else { t };
                        let ours = first(block.forward(first(x.clone())));
                        let mut want = block.conv.forward(x);
                        if let Some(norm) = &block.norm {
                            want = norm.forward(want);
                        }
                        want = burn::tensor::activation::relu(want);
                        if let Some(pool) = &block.pool {
                            want = pool.forward(want);
                        }
                        ours.into_data().assert_approx_eq::<f32>(&want.into_data(), Tolerance::absolute(1e-4));
                    }
                }
            }
        }
    }
}
