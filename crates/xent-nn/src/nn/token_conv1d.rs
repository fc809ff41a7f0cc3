//! A convolution over embedded tokens: embedding lookup → 1-D convolution → activation → optional
//! max pool, with the fusion chosen inside [`TokenConv1d::forward`].

use burn::config::Config;
use burn::module::Module;
use burn::tensor::{Device, Int, Tensor};

use super::{Conv1d, Conv1dConfig, MaxPool1d, MaxPool1dConfig};
use crate::kernels::Activation;

/// The input of a [`TokenConv1d`]: token ids with the embedding table they index, or tokens
/// already embedded (for instance after a dropout on the embedding, or one lookup shared by
/// several convolutions).
// Both variants are tensor handles, moved once per forward: boxing the larger would only add an
// allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Tokens {
    /// Ids into an embedding table (an embedding layer's weight).
    Ids {
        /// `[vocab, channels_in]`.
        table: Tensor<2>,
        /// `[batch, length_in]`, each below `vocab`.
        ids: Tensor<2, Int>,
    },
    /// Embedded tokens, channels-last as an embedding layer returns them: `[batch, length_in,
    /// channels_in]`.
    Embedded(Tensor<3>),
}

/// Configuration of a [`TokenConv1d`].
#[derive(Config, Debug)]
pub struct TokenConv1dConfig {
    /// The convolution (its input channels: the embedding's width).
    pub conv: Conv1dConfig,
    /// The activation after the convolution. Default: [`Activation::Relu`].
    #[config(default = "Activation::Relu")]
    pub activation: Activation,
    /// Max pooling over positions at the end. Default: none.
    pub pool: Option<MaxPool1dConfig>,
}

impl TokenConv1dConfig {
    /// The layer, its convolution initialised as [`Conv1dConfig::init`] does.
    pub fn init(&self, device: &Device) -> TokenConv1d {
        TokenConv1d { conv: self.conv.init(device), pool: self.pool.as_ref().map(MaxPool1dConfig::init), activation: self.activation }
    }
}

/// Embedded tokens → convolution → activation → (max pool). The record holds the convolution
/// under `conv`; the embedding table belongs to the caller (a network can share it between
/// several of these).
///
/// The fusion is the layer's own choice: with [`Tokens::Ids`], a valid stride-1 convolution on
/// xent's kernels computes each distinct token's contribution once and never materialises the
/// embedding (`kernels::token_conv1d`), with a `MaxPool(2)` inside the same operation; with
/// [`Tokens::Embedded`], a valid stride-1 convolution reads the channels-last input in place
/// (`kernels::conv1d_from_channels_last`). The activation always runs inside the convolution.
/// Under autodiff the lookup, the convolution and the pool are recorded as usual. Values agree
/// with the lookup, the transposed convolution, the activation and the pool in turn to rounding.
#[derive(Module, Debug)]
pub struct TokenConv1d {
    /// The convolution.
    pub conv: Conv1d,
    /// The max pool, if any.
    pub pool: Option<MaxPool1d>,
    /// The activation.
    #[module(skip)]
    pub activation: Activation,
}

impl TokenConv1d {
    /// Applies the layer.
    ///
    /// # Shapes
    ///
    /// - input: [`Tokens::Ids`] (table `[vocab, channels_in]`, ids `[batch, length_in]`) or
    ///   [`Tokens::Embedded`] (`[batch, length_in, channels_in]`)
    /// - output: `[batch, channels_out, length_out]` (channels-first), `length_out` the
    ///   convolution's, then the pool's
    ///
    /// # Panics
    ///
    /// If the embedding width is not the convolution's input channels.
    pub fn forward(&self, input: Tokens) -> Tensor<3> {
        match input {
            Tokens::Ids { table, ids } => self.conv.forward_embedded(table, ids, self.activation, self.pool.as_ref()),
            Tokens::Embedded(x) => {
                let y = self.conv.forward_from_channels_last(x, self.activation);
                match &self.pool {
                    Some(pool) => pool.forward(y),
                    None => y,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::PaddingConfig1d;
    use burn::tensor::{TensorData, Tolerance};

    /// Both inputs, with and without a pool (inside the token kernel or after it) and for layers
    /// the kernels do not take (padded, strided), equal the lookup, the convolution of the
    /// transposed embedding, the activation and the pool in turn; under autodiff too.
    #[test]
    fn equals_the_lookup_and_the_layers_in_turn() {
        for device in [Device::flex(), Device::flex().autodiff()] {
            let table = Tensor::<2>::from_data(TensorData::new((0..33).map(|i| (i as f32 * 0.37).cos()).collect::<Vec<_>>(), [11, 3]), &device);
            let ids = Tensor::<2, Int>::from_data(TensorData::new(vec![3i64, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3], [2, 9]), &device);
            for (padding, stride) in [(PaddingConfig1d::Valid, 1), (PaddingConfig1d::Same, 1), (PaddingConfig1d::Valid, 2)] {
                for pool in [None, Some(MaxPool1dConfig::new(2)), Some(MaxPool1dConfig::new(3).with_stride(1))] {
                    for activation in [Activation::Identity, Activation::Relu] {
                        let conv = Conv1dConfig::new(3, 4, 4).with_padding(padding.clone()).with_stride(stride);
                        let layer = TokenConv1dConfig::new(conv).with_activation(activation).with_pool(pool.clone()).init(&device);
                        let embedded = burn::tensor::module::embedding(table.clone(), ids.clone());
                        let mut want = layer.conv.forward(embedded.clone().swap_dims(1, 2));
                        if activation == Activation::Relu {
                            want = burn::tensor::activation::relu(want);
                        }
                        if let Some(p) = &layer.pool {
                            want = p.forward(want);
                        }
                        for input in [Tokens::Ids { table: table.clone(), ids: ids.clone() }, Tokens::Embedded(embedded.clone())] {
                            layer.forward(input).into_data().assert_approx_eq::<f32>(&want.clone().into_data(), Tolerance::absolute(1e-5));
                        }
                    }
                }
            }
        }
    }
}
