//! 2-D convolution layer on xent's kernels.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::{Initializer, PaddingConfig2d};
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, Tensor};

use super::MaxPool2d;
use super::padding::pairs_2d;
use crate::kernels::{self, Activation, Axis, ConvGeometry};

/// Configuration of a [`Conv2d`] (the fields and defaults of `burn::nn::conv::Conv2dConfig`,
/// without dilation and groups, which are always 1).
#[derive(Config, Debug)]
pub struct Conv2dConfig {
    /// `[channels_in, channels_out]`.
    pub channels: [usize; 2],
    /// `[height, width]` of the kernel.
    pub kernel_size: [usize; 2],
    /// `[vertical, horizontal]` stride. Default: `[1, 1]`.
    #[config(default = "[1, 1]")]
    pub stride: [usize; 2],
    /// Padding. Default: `Valid` (none).
    #[config(default = "PaddingConfig2d::Valid")]
    pub padding: PaddingConfig2d,
    /// Whether the layer has a bias. Default: true.
    #[config(default = true)]
    pub bias: bool,
    /// Weight and bias initialisation. Default: Burn's, Kaiming uniform with gain 1/√3.
    #[config(default = "Initializer::KaimingUniform{gain: 1.0 / 3.0f64.sqrt(), fan_out_only: false}")]
    pub initializer: Initializer,
}

impl Conv2dConfig {
    /// The layer, initialised exactly as `burn::nn::conv::Conv2dConfig::init` would (same
    /// random draws in the same order).
    pub fn init(&self, device: &Device) -> Conv2d {
        let burn = burn::nn::conv::Conv2dConfig::new(self.channels, self.kernel_size)
            .with_stride(self.stride)
            .with_padding(self.padding.clone())
            .with_bias(self.bias)
            .with_initializer(self.initializer.clone())
            .init(device);
        Conv2d { weight: burn.weight, bias: burn.bias, stride: self.stride, kernel_size: self.kernel_size, padding: self.padding.clone() }
    }
}

/// 2-D convolution on [`kernels::conv2d`] (Burn's op if [`kernels::enabled`] says no); the
/// record is that of `burn::nn::conv::Conv2d`. With an activation and a pool inside the
/// operation: [`super::ConvBlock2d`].
#[derive(Module, Debug)]
pub struct Conv2d {
    /// `[channels_out, channels_in, kernel_h, kernel_w]`.
    pub weight: Param<Tensor<4>>,
    /// `[channels_out]`, if the layer has a bias.
    pub bias: Option<Param<Tensor<1>>>,
    /// `[vertical, horizontal]` stride.
    pub stride: [usize; 2],
    /// `[height, width]` of the kernel.
    pub kernel_size: [usize; 2],
    /// Padding.
    #[module(skip)]
    pub padding: PaddingConfig2d,
}

impl Conv2d {
    /// Applies the convolution.
    ///
    /// # Shapes
    ///
    /// - input: `[batch, channels_in, height_in, width_in]`
    /// - output: `[batch, channels_out, height_out, width_out]`, each axis `⌊(in + padding −
    ///   kernel) / stride⌋ + 1`
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        self.forward_activated(input, Activation::Identity)
    }

    /// `activation` of the convolution, then `pool`: equal to `pool.forward(self.forward(input))`
    /// (with `activation`). On xent's kernels a `MaxPool2d(2)` (2 × 2, stride 2, no
    /// padding) over an output of at least 2 × 2 runs inside the same operation
    /// ([`kernels::conv2d_pool`]: the unpooled output is never written; under autodiff the two
    /// are recorded separately); any other pool runs after the convolution.
    ///
    /// # Shapes
    ///
    /// - input: `[batch, channels_in, height_in, width_in]`
    /// - output: `[batch, channels_out, height', width']`, the pool's output of
    ///   [`Self::forward`]'s
    pub(crate) fn forward_pooled(&self, input: Tensor<4>, activation: Activation, pool: &MaxPool2d) -> Tensor<4> {
        let [_, _, h, w] = input.dims();
        let padding = pairs_2d(&self.padding, [h, w], self.kernel_size, self.stride);
        let out = |i: usize, len_in: usize| {
            Axis { len_in, kernel: self.kernel_size[i], stride: self.stride[i], pad_lo: padding[i].0, pad_hi: padding[i].1 }.len_out()
        };
        let fits = matches!((out(0, h), out(1, w)), (Some(ho), Some(wo)) if ho >= 2 && wo >= 2);
        if kernels::enabled() && fits && pool.kernel_size == [2, 2] && pool.stride == [2, 2] && pool.padding == [0, 0] {
            let bias = self.bias.as_ref().map(Param::val);
            return kernels::conv2d_pool(input, self.weight.val(), bias, ConvGeometry { stride: self.stride, padding }, activation);
        }
        pool.forward(self.forward_activated(input, activation))
    }

    /// `activation` of [`Self::forward`] as one operation (a ReLU inside the kernel: one pass
    /// less over the output forward and backward).
    pub(crate) fn forward_activated(&self, input: Tensor<4>, activation: Activation) -> Tensor<4> {
        let [_, _, h, w] = input.dims();
        let padding = pairs_2d(&self.padding, [h, w], self.kernel_size, self.stride);
        let bias = self.bias.as_ref().map(Param::val);
        if kernels::enabled() {
            return kernels::conv2d(input, self.weight.val(), bias, ConvGeometry { stride: self.stride, padding }, activation);
        }
        let options = ConvOptions::new_with_padding(self.stride, padding, [1, 1], 1);
        let out = burn::tensor::module::conv2d(input, self.weight.val(), bias, options);
        activation.apply(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::test_inputs::ramp;

    #[test]
    fn relu_inside_is_relu_of_forward_with_the_same_gradients() {
        let device = Device::flex().autodiff();
        let layer = Conv2dConfig::new([2, 3], [3, 2]).with_padding(PaddingConfig2d::Same).init(&device);
        let x = ramp([2, 2, 5, 6], &device).require_grad();
        let (fused, plain) = (layer.forward_activated(x.clone(), Activation::Relu), burn::tensor::activation::relu(layer.forward(x.clone())));
        fused.clone().into_data().assert_approx_eq::<f32>(&plain.clone().into_data(), burn::tensor::Tolerance::absolute(1e-6));
        let probe = ramp(fused.dims(), &device) + 0.5;
        let (g1, g2) = ((fused * probe.clone()).sum().backward(), (plain * probe).sum().backward());
        let close = |a: Tensor<4>, b: Tensor<4>| a.into_data().assert_approx_eq::<f32>(&b.into_data(), burn::tensor::Tolerance::absolute(1e-5));
        close(x.grad(&g1).unwrap(), x.grad(&g2).unwrap());
        close(layer.weight.grad(&g1).unwrap(), layer.weight.grad(&g2).unwrap());
    }

    /// Records move both ways between this layer and Burn's, and both layers then compute the
    /// same function.
    /// The pool inside the operation (2 × 2) and after it (another window, or an output too small)
    /// give the pool of the convolution, on the plain device and under autodiff.
    #[test]
    fn pooled_forward_is_the_pool_of_forward() {
        use crate::nn::MaxPool2dConfig;
        for device in [Device::flex(), Device::flex().autodiff()] {
            let layer = Conv2dConfig::new([2, 3], [3, 3]).init(&device);
            for (shape, pool) in [
                ([2, 2, 9, 8], MaxPool2dConfig::new([2, 2]).init()),
                ([2, 2, 9, 8], MaxPool2dConfig::new([3, 2]).with_stride([1, 2]).init()),
                ([1, 2, 4, 9], MaxPool2dConfig::new([2, 2]).init()),
            ] {
                let x = ramp(shape, &device);
                for activation in [Activation::Identity, Activation::Relu] {
                    let a = layer.forward_pooled(x.clone(), activation, &pool);
                    let b = pool.forward(layer.forward_activated(x.clone(), activation));
                    a.into_data().assert_approx_eq::<f32>(&b.into_data(), burn::tensor::Tolerance::absolute(1e-5));
                }
            }
        }
    }

    #[test]
    fn same_record_and_output_as_burns_conv2d() {
        let device = Device::flex();
        let burns = |padding: &PaddingConfig2d, stride| {
            burn::nn::conv::Conv2dConfig::new([2, 3], [3, 2]).with_padding(padding.clone()).with_stride(stride).init(&device)
        };
        let cases = [(PaddingConfig2d::Valid, [1, 1]), (PaddingConfig2d::Same, [1, 1]), (PaddingConfig2d::Same, [2, 1]), (PaddingConfig2d::Explicit(1, 0, 2, 1), [1, 2])];
        for (padding, stride) in cases {
            let ours = Conv2dConfig::new([2, 3], [3, 2]).with_padding(padding.clone()).with_stride(stride).init(&device);
            let theirs = burns(&padding, stride).load_record(ours.clone().into_record());
            for size in [[5, 6], [7, 4]] {
                let x = ramp([2, 2, size[0], size[1]], &device);
                let (a, b) = (ours.forward(x.clone()), theirs.forward(x));
                assert_eq!(a.dims(), b.dims(), "{padding:?} stride {stride:?}");
                a.into_data().assert_approx_eq::<f32>(&b.into_data(), burn::tensor::Tolerance::absolute(1e-5));
            }
            let back = Conv2dConfig::new([2, 3], [3, 2]).init(&device).load_record(theirs.into_record());
            assert_eq!(back.weight.val().into_data(), ours.weight.val().into_data());
        }
    }
}
