//! A 2-D convolution block: convolution → activation → optional max pool, with the fusion chosen
//! inside [`ConvBlock2d::forward`].

use burn::config::Config;
use burn::module::Module;
use burn::tensor::{Device, Tensor};

use super::{Conv2d, Conv2dConfig, MaxPool2d, MaxPool2dConfig};
use crate::kernels::Activation;

/// Configuration of a [`ConvBlock2d`].
#[derive(Config, Debug)]
pub struct ConvBlock2dConfig {
    /// The convolution.
    pub conv: Conv2dConfig,
    /// The activation after the convolution. Default: [`Activation::Relu`].
    #[config(default = "Activation::Relu")]
    pub activation: Activation,
    /// Max pooling at the end. Default: none.
    pub pool: Option<MaxPool2dConfig>,
}

impl ConvBlock2dConfig {
    /// The block, its convolution initialised as [`Conv2dConfig::init`] does.
    pub fn init(&self, device: &Device) -> ConvBlock2d {
        ConvBlock2d { conv: self.conv.init(device), pool: self.pool.as_ref().map(MaxPool2dConfig::init), activation: self.activation }
    }
}

/// Convolution → activation → (max pool). The record holds the convolution under `conv`.
///
/// The fusion is the block's own choice: the activation runs inside the convolution, and on
/// xent's kernels a `MaxPool2d(2)` (2 × 2, stride 2, no padding) over an output of at least
/// 2 × 2 runs inside it too (`kernels::conv2d_pool`: the unpooled output is never written; under
/// autodiff the two are recorded separately); any other pool runs after the convolution. Values
/// agree with the layers in turn to rounding.
#[derive(Module, Debug)]
pub struct ConvBlock2d {
    /// The convolution.
    pub conv: Conv2d,
    /// The max pool, if any.
    pub pool: Option<MaxPool2d>,
    /// The activation.
    #[module(skip)]
    pub activation: Activation,
}

impl ConvBlock2d {
    /// Applies the block.
    ///
    /// # Shapes
    ///
    /// - input: `[batch, channels_in, height_in, width_in]`
    /// - output: `[batch, channels_out, height_out, width_out]`, each axis the convolution's,
    ///   then the pool's
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        match &self.pool {
            Some(pool) => self.conv.forward_pooled(input, self.activation, pool),
            None => self.conv.forward_activated(input, self.activation),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::test_inputs::ramp;
    use burn::nn::PaddingConfig2d;
    use burn::tensor::Tolerance;


    /// With and without a pool (inside the convolution or after it), each activation, plain and
    /// under autodiff: the layers in turn.
    #[test]
    fn equals_the_layers_in_turn() {
        for device in [Device::flex(), Device::flex().autodiff()] {
            let pools = [None, Some(MaxPool2dConfig::new([2, 2])), Some(MaxPool2dConfig::new([3, 2]).with_stride([1, 2]))];
            for pool in pools {
                for activation in [Activation::Identity, Activation::Relu] {
                    let conv = Conv2dConfig::new([2, 3], [3, 3]).with_padding(PaddingConfig2d::Same);
                    let block = ConvBlock2dConfig::new(conv).with_activation(activation).with_pool(pool.clone()).init(&device);
                    let x = ramp([2, 2, 9, 8], &device);
                    let mut want = block.conv.forward(x.clone());
                    if activation == Activation::Relu {
                        want = burn::tensor::activation::relu(want);
                    }
                    if let Some(pool) = &block.pool {
                        want = pool.forward(want);
                    }
                    block.forward(x).into_data().assert_approx_eq::<f32>(&want.into_data(), Tolerance::absolute(1e-5));
                }
            }
        }
    }
}
