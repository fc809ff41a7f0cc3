//! 1-D convolution layer on xent's kernels.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::{Initializer, PaddingConfig1d};
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, Int, Tensor};

use super::MaxPool1d;
use super::padding::pair_1d;
use crate::kernels::{self, Activation, Axis, ConvGeometry};

/// Configuration of a [`Conv1d`] (the fields and defaults of `burn::nn::conv::Conv1dConfig`,
/// without dilation and groups, which are always 1).
#[derive(Config, Debug)]
pub struct Conv1dConfig {
    /// Input channels.
    pub channels_in: usize,
    /// Output channels (filters).
    pub channels_out: usize,
    /// Kernel width.
    pub kernel_size: usize,
    /// Stride. Default: 1.
    #[config(default = "1")]
    pub stride: usize,
    /// Padding. Default: `Valid` (none); `Same` pads `kernel − 1` zeros, the extra one on the right.
    #[config(default = "PaddingConfig1d::Valid")]
    pub padding: PaddingConfig1d,
    /// Whether the layer has a bias. Default: true.
    #[config(default = true)]
    pub bias: bool,
    /// Weight and bias initialisation. Default: Burn's, Kaiming uniform with gain 1/√3.
    #[config(default = "Initializer::KaimingUniform{gain: 1.0 / 3.0f64.sqrt(), fan_out_only: false}")]
    pub initializer: Initializer,
}

impl Conv1dConfig {
    /// The layer, initialised exactly as `burn::nn::conv::Conv1dConfig::init` would (same
    /// random draws in the same order).
    pub fn init(&self, device: &Device) -> Conv1d {
        let burn = burn::nn::conv::Conv1dConfig::new(self.channels_in, self.channels_out, self.kernel_size)
            .with_stride(self.stride)
            .with_padding(self.padding.clone())
            .with_bias(self.bias)
            .with_initializer(self.initializer.clone())
            .init(device);
        Conv1d { weight: burn.weight, bias: burn.bias, stride: self.stride, kernel_size: self.kernel_size, padding: self.padding.clone() }
    }
}

/// 1-D convolution on [`kernels::conv1d`] (Burn's op if [`kernels::enabled`] says no); the
/// record is that of `burn::nn::conv::Conv1d`.
#[derive(Module, Debug)]
pub struct Conv1d {
    /// `[channels_out, channels_in, kernel_size]`.
    pub weight: Param<Tensor<3>>,
    /// `[channels_out]`, if the layer has a bias.
    pub bias: Option<Param<Tensor<1>>>,
    /// Stride.
    pub stride: usize,
    /// Kernel width.
    pub kernel_size: usize,
    /// Padding.
    #[module(skip)]
    pub padding: PaddingConfig1d,
}

impl Conv1d {
    /// Applies the convolution.
    ///
    /// # Shapes
    ///
    /// - input: `[batch, channels_in, length_in]`
    /// - output: `[batch, channels_out, length_out]`, `length_out = ⌊(length_in + padding −
    ///   kernel_size) / stride⌋ + 1` (`length_in` with `Same` padding and stride 1)
    pub fn forward(&self, input: Tensor<3>) -> Tensor<3> {
        self.apply(input, false, Activation::Identity)
    }

    /// `activation` of [`Self::forward`] (the activation inside the same operation: one pass less
    /// over the output forward and backward).
    pub(crate) fn forward_activated(&self, input: Tensor<3>, activation: Activation) -> Tensor<3> {
        self.apply(input, false, activation)
    }

    /// `activation` of the same convolution of a channels-last input (an embedding's output):
    /// equal to `forward(input.swap_dims(1, 2))` and its activation. A valid stride-1 layer on
    /// xent's kernels reads the input in place ([`kernels::conv1d_from_channels_last`]: no
    /// transposing copy, no im2col); any other layer transposes and runs [`Self::forward`]'s path.
    ///
    /// # Shapes
    ///
    /// - input: `[batch, length_in, channels_in]`
    /// - output: `[batch, channels_out, length_out]`
    pub(crate) fn forward_from_channels_last(&self, input: Tensor<3>, activation: Activation) -> Tensor<3> {
        self.apply(input, true, activation)
    }

    /// `activation` of the convolution, then `pool`: equal (to rounding) to `pool.forward(self.forward(input))`
    /// (and its activation). On xent's kernels a `MaxPool(2)` (stride 2, no padding)
    /// over at least 2 output positions runs inside the same operation ([`kernels::conv1d_pool`]:
    /// the unpooled output is never written; under autodiff the two are recorded separately);
    /// any other pool runs after the convolution.
    ///
    /// # Shapes
    ///
    /// - input: `[batch, channels_in, length_in]`
    /// - output: `[batch, channels_out, length']`, the pool's output of [`Self::forward`]'s
    pub(crate) fn forward_pooled(&self, input: Tensor<3>, activation: Activation, pool: &MaxPool1d) -> Tensor<3> {
        let len = input.dims()[2];
        let padding = pair_1d(&self.padding, len, self.kernel_size, self.stride);
        let axis = Axis { len_in: len, kernel: self.kernel_size, stride: self.stride, pad_lo: padding.0, pad_hi: padding.1 };
        if kernels::enabled() && axis.len_out().is_some_and(|o| o >= 2) && pool.is_pairs() {
            let bias = self.bias.as_ref().map(Param::val);
            return kernels::conv1d_pool(input, self.weight.val(), bias, ConvGeometry::one_d(self.stride, padding.0, padding.1), activation);
        }
        pool.forward(self.apply(input, false, activation))
    }

    /// This block ([`Self::forward_pooled`] with `pool`), then `next`'s with `next_pool`: equal (to
    /// rounding) to the two in turn. On xent's kernels, when both convolutions have stride 1 and
    /// both pools are `MaxPool(2)` (stride 2, no padding) with at least 2 positions to pool, the
    /// four run as one operation ([`kernels::conv1d_pool_pair`]: the first block's output stays in
    /// cache, channels-last, and is never written; under autodiff the four are recorded
    /// separately); otherwise the blocks run in turn.
    ///
    /// # Shapes
    ///
    /// - input: `[batch, channels_in, length_in]`
    /// - output: `[batch, next.channels_out, length']`, the output of `next`'s block
    pub(crate) fn forward_pooled_pair(&self, input: Tensor<3>, pool: &MaxPool1d, next: &Conv1d, next_pool: &MaxPool1d, activation: Activation) -> Tensor<3> {
        let len = input.dims()[2];
        let padding = pair_1d(&self.padding, len, self.kernel_size, self.stride);
        let axis = Axis { len_in: len, kernel: self.kernel_size, stride: self.stride, pad_lo: padding.0, pad_hi: padding.1 };
        // At least 2 positions to pool after each convolution.
        let pooled = |axis: &Axis| axis.len_out().filter(|&o| o >= 2).map(|o| o / 2);
        let next_axis = pooled(&axis).map(|mid| {
            let (pad_lo, pad_hi) = pair_1d(&next.padding, mid, next.kernel_size, next.stride);
            Axis { len_in: mid, kernel: next.kernel_size, stride: next.stride, pad_lo, pad_hi }
        });
        if let Some(next_axis) = next_axis
            && pooled(&next_axis).is_some()
            && kernels::enabled()
            && self.stride == 1
            && next.stride == 1
            && pool.is_pairs()
            && next_pool.is_pairs()
            && next.weight.dims()[1] == self.weight.dims()[0]
        {
            let next_padding = (next_axis.pad_lo, next_axis.pad_hi);
            let first = (self.weight.val(), self.bias.as_ref().map(Param::val), ConvGeometry::one_d(1, padding.0, padding.1));
            let second = (next.weight.val(), next.bias.as_ref().map(Param::val), ConvGeometry::one_d(1, next_padding.0, next_padding.1));
            return kernels::conv1d_pool_pair(input, first, second, activation);
        }
        next.forward_pooled(self.forward_pooled(input, activation, pool), activation, next_pool)
    }

    /// `activation` of the convolution of embedded tokens, then `pool` over positions: equal to
    /// `forward_from_channels_last(burn::tensor::module::embedding(table, ids), activation)`, then
    /// the pool. A valid stride-1 layer on xent's kernels ([`kernels::token_conv1d`]) computes each
    /// distinct token's contribution once and never materialises the embedding, and a
    /// `MaxPool(2)` (stride 2, no padding) runs inside the same operation; under autodiff the
    /// lookup, the convolution and the pool are recorded as usual. A network with dropout on the
    /// embedding can call this where the dropout is inactive ([`super::Dropout::is_active`]).
    ///
    /// # Shapes
    ///
    /// - table: `[vocab, channels_in]` (an embedding's weight); ids: `[batch, length_in]`
    /// - output: `[batch, channels_out, length_out]`, `length_out` as in [`Self::forward`], then
    ///   as `pool` makes it
    pub(crate) fn forward_embedded(&self, table: Tensor<2>, ids: Tensor<2, Int>, activation: Activation, pool: Option<&MaxPool1d>) -> Tensor<3> {
        let (y, pooled) = if kernels::enabled() && self.is_valid() && self.stride == 1 {
            // A MaxPool(2) over at least two output positions goes inside the operation.
            let len = ids.dims()[1];
            let pairs = pool.is_some_and(|p| p.is_pairs() && len > self.kernel_size);
            let bias = self.bias.as_ref().map(Param::val);
            (kernels::token_conv1d(table, ids, self.weight.val(), bias, activation, pairs), pairs)
        } else {
            (self.apply(burn::tensor::module::embedding(table, ids), true, activation), false)
        };
        match pool {
            Some(p) if !pooled => p.forward(y),
            _ => y,
        }
    }

    /// `activation` of the convolution, channels-last in and out: equal to
    /// `forward(input.swap_dims(1, 2)).swap_dims(1, 2)` (and its ReLU). On xent's kernels
    /// ([`kernels::conv1d_channels_last`]) each product is one GEMM over a view of the whole batch, with no
    /// im2col and no transposing copy, for any stride and padding.
    ///
    /// # Shapes
    ///
    /// - input: `[batch, length_in, channels_in]`
    /// - output: `[batch, length_out, channels_out]`, `length_out` as in [`Self::forward`]
    pub(crate) fn forward_channels_last(&self, input: Tensor<3>, activation: Activation) -> Tensor<3> {
        let bias = self.bias.as_ref().map(Param::val);
        let padding = pair_1d(&self.padding, input.dims()[1], self.kernel_size, self.stride);
        if kernels::enabled() {
            return kernels::conv1d_channels_last(input, self.weight.val(), bias, ConvGeometry::one_d(self.stride, padding.0, padding.1), activation);
        }
        let options = ConvOptions::new_with_padding([self.stride], [padding], [1], 1);
        let out = burn::tensor::module::conv1d(input.swap_dims(1, 2), self.weight.val(), bias, options);
        activation.apply(out).swap_dims(1, 2)
    }

    /// The end of a residual block after this convolution, channels-last:
    /// `relu(forward_channels_last(input) + residual)`, then `MaxPool(2)` over positions if `pool`. On
    /// xent's kernels in inference ([`kernels::conv1d_channels_last_join`]) one operation that writes no
    /// intermediate activation; the same values, and under autodiff the same recorded
    /// operations, as the three in turn.
    ///
    /// # Shapes
    ///
    /// - input: `[batch, length_in, channels_in]`
    /// - residual: `[batch, length_out, channels_out]`
    /// - output: `[batch, length_out, channels_out]`, or `[batch, ⌊length_out / 2⌋, channels_out]`
    ///   with `pool`
    pub(crate) fn forward_channels_last_join(&self, input: Tensor<3>, residual: Tensor<3>, pool: bool) -> Tensor<3> {
        if !kernels::enabled() {
            return crate::nn::residual::residual_relu_pool_channels_last(self.forward_channels_last(input, Activation::Identity), residual, pool);
        }
        let bias = self.bias.as_ref().map(Param::val);
        let padding = pair_1d(&self.padding, input.dims()[1], self.kernel_size, self.stride);
        kernels::conv1d_channels_last_join(input, self.weight.val(), bias, ConvGeometry::one_d(self.stride, padding.0, padding.1), residual, pool)
    }

    /// Whether the layer pads nothing (the channels-last and token kernels take only such layers).
    fn is_valid(&self) -> bool {
        matches!(self.padding, PaddingConfig1d::Valid | PaddingConfig1d::Explicit(0, 0))
    }

    fn apply(&self, input: Tensor<3>, channels_last: bool, activation: Activation) -> Tensor<3> {
        let bias = self.bias.as_ref().map(Param::val);
        let valid = self.is_valid();
        if !kernels::enabled() {
            let input = if channels_last { input.swap_dims(1, 2) } else { input };
            let padding = pair_1d(&self.padding, input.dims()[2], self.kernel_size, self.stride);
            let options = ConvOptions::new_with_padding([self.stride], [padding], [1], 1);
            let out = burn::tensor::module::conv1d(input, self.weight.val(), bias, options);
            return activation.apply(out);
        }
        if channels_last && valid && self.stride == 1 {
            return kernels::conv1d_from_channels_last(input, self.weight.val(), bias, activation);
        }
        let input = if channels_last { input.swap_dims(1, 2) } else { input };
        let padding = pair_1d(&self.padding, input.dims()[2], self.kernel_size, self.stride);
        kernels::conv1d(input, self.weight.val(), bias, ConvGeometry::one_d(self.stride, padding.0, padding.1), activation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::test_inputs::ramp;
    use crate::nn::MaxPool1dConfig;


    fn burns(padding: &PaddingConfig1d, stride: usize, bias: bool, device: &Device) -> burn::nn::conv::Conv1d {
        burn::nn::conv::Conv1dConfig::new(3, 4, 4).with_padding(padding.clone()).with_stride(stride).with_bias(bias).init(device)
    }

    #[test]
    fn pooled_forward_is_the_pool_of_forward() {
        for device in [Device::flex(), Device::flex().autodiff()] {
            for (padding, stride) in [(PaddingConfig1d::Valid, 1), (PaddingConfig1d::Same, 1), (PaddingConfig1d::Explicit(1, 2), 2)] {
                let layer = Conv1dConfig::new(3, 4, 4).with_padding(padding.clone()).with_stride(stride).init(&device);
                let x = ramp([2, 3, 11], &device);
                for pool in [MaxPool1dConfig::new(2).init(), MaxPool1dConfig::new(3).with_stride(2).init()] {
                    for activation in [Activation::Identity, Activation::Relu] {
                        let a = layer.forward_pooled(x.clone(), activation, &pool);
                        let b = pool.forward(layer.apply(x.clone(), false, activation));
                        a.into_data().assert_approx_eq::<f32>(&b.into_data(), burn::tensor::Tolerance::absolute(1e-5));
                    }
                }
            }
        }
    }

    /// Two blocks as one operation equal the blocks in turn, on the plain device (one fused
    /// operation where both are stride 1 with `MaxPool(2)`) and under autodiff (recorded block by
    /// block), where the gradients also agree.
    #[test]
    fn a_pair_of_pooled_blocks_is_the_blocks_in_turn() {
        let close = |a: Tensor<3>, b: Tensor<3>| a.into_data().assert_approx_eq::<f32>(&b.into_data(), burn::tensor::Tolerance::absolute(1e-5));
        for device in [Device::flex(), Device::flex().autodiff()] {
            let cases = [
                (PaddingConfig1d::Valid, PaddingConfig1d::Valid, 1, MaxPool1dConfig::new(2).init()),
                (PaddingConfig1d::Same, PaddingConfig1d::Explicit(2, 0), 1, MaxPool1dConfig::new(2).init()),
                // Falls back to the blocks in turn: a strided second layer, another pool.
                (PaddingConfig1d::Valid, PaddingConfig1d::Valid, 2, MaxPool1dConfig::new(3).with_stride(2).init()),
            ];
            for (padding, next_padding, next_stride, next_pool) in cases {
                let first = Conv1dConfig::new(2, 4, 3).with_padding(padding).init(&device);
                let second = Conv1dConfig::new(4, 3, 3).with_padding(next_padding).with_stride(next_stride).with_bias(false).init(&device);
                let pool = MaxPool1dConfig::new(2).init();
                let x = ramp([3, 2, 23], &device);
                let x = if device.is_autodiff() { x.require_grad() } else { x };
                for activation in [Activation::Identity, Activation::Relu] {
                    let a = first.forward_pooled_pair(x.clone(), &pool, &second, &next_pool, activation);
                    let b = second.forward_pooled(first.forward_pooled(x.clone(), activation, &pool), activation, &next_pool);
                    close(a.clone(), b.clone());
                    if device.is_autodiff() {
                        let weights = ramp(a.dims(), &device);
                        let (ga, gb) = ((a * weights.clone()).sum().backward(), (b * weights).sum().backward());
                        close(x.grad(&ga).unwrap(), x.grad(&gb).unwrap());
                        close(second.weight.grad(&ga).unwrap(), second.weight.grad(&gb).unwrap());
                    }
                }
            }
        }
    }

    #[test]
    fn channels_last_in_and_out_gives_the_same_output() {
        let device = Device::flex();
        for (padding, stride) in [(PaddingConfig1d::Valid, 1), (PaddingConfig1d::Same, 1), (PaddingConfig1d::Explicit(1, 2), 2)] {
            let layer = Conv1dConfig::new(3, 4, 4).with_padding(padding.clone()).with_stride(stride).init(&device);
            let x = ramp([2, 9, 3], &device);
            for activation in [Activation::Identity, Activation::Relu] {
                let a = layer.forward_channels_last(x.clone(), activation);
                let b = layer.apply(x.clone().swap_dims(1, 2), false, activation).swap_dims(1, 2);
                a.into_data().assert_approx_eq::<f32>(&b.into_data(), burn::tensor::Tolerance::absolute(1e-5));
            }
        }
    }

    /// Records move both ways between this layer and Burn's, and both layers then compute the
    /// same function (no seeding: other tests share the global RNG).
    #[test]
    fn same_record_and_output_as_burns_conv1d() {
        let device = Device::flex();
        let cases = [(PaddingConfig1d::Valid, 1), (PaddingConfig1d::Same, 1), (PaddingConfig1d::Same, 2), (PaddingConfig1d::Explicit(1, 2), 3)];
        for (padding, stride) in cases {
            for bias in [true, false] {
                let ours = Conv1dConfig::new(3, 4, 4).with_padding(padding.clone()).with_stride(stride).with_bias(bias).init(&device);
                let theirs = burns(&padding, stride, bias, &device).load_record(ours.clone().into_record());
                for length in [7, 9] {
                    let x = ramp([2, 3, length], &device);
                    let (a, b) = (ours.forward(x.clone()), theirs.forward(x));
                    assert_eq!(a.dims(), b.dims(), "{padding:?} stride {stride}");
                    a.into_data().assert_approx_eq::<f32>(&b.into_data(), burn::tensor::Tolerance::absolute(1e-5));
                }
                let back = Conv1dConfig::new(3, 4, 4)
                    .with_padding(padding.clone())
                    .with_stride(stride)
                    .with_bias(bias)
                    .init(&device)
                    .load_record(burns(&padding, stride, bias, &device).load_record(ours.clone().into_record()).into_record());
                assert_eq!(back.weight.val().into_data(), ours.weight.val().into_data());
            }
        }
    }
}
