//! 1-D max pooling layer on xent's kernels.

use burn::config::Config;
use burn::module::Module;
use burn::tensor::Tensor;
use burn::tensor::ops::MaxPoolOptions;

use crate::kernels::{self, PoolGeometry};

/// Configuration of a [`MaxPool1d`] (floor rounding, dilation 1, symmetric padding).
#[derive(Config, Debug)]
pub struct MaxPool1dConfig {
    /// Window width.
    pub kernel_size: usize,
    /// Stride. Default: the window width (non-overlapping windows).
    #[config(default = "kernel_size")]
    pub stride: usize,
    /// Implicit `−∞` positions on each side (at most `kernel_size / 2`). Default: 0.
    #[config(default = "0")]
    pub padding: usize,
}

impl MaxPool1dConfig {
    /// The layer (it has no parameters).
    pub fn init(&self) -> MaxPool1d {
        MaxPool1d { kernel_size: self.kernel_size, stride: self.stride, padding: self.padding }
    }
}

/// 1-D max pooling on [`kernels::max_pool1d`] (Burn's op if [`kernels::enabled`] says no).
#[derive(Module, Debug)]
pub struct MaxPool1d {
    /// Window width.
    pub kernel_size: usize,
    /// Stride.
    pub stride: usize,
    /// Implicit `−∞` positions on each side.
    pub padding: usize,
}

impl MaxPool1d {
    /// Whether this is `MaxPool(2)`: windows of two positions, stride 2, no padding — the pool the
    /// fused convolution kernels compute in their own epilogue.
    pub fn is_pairs(&self) -> bool {
        self.kernel_size == 2 && self.stride == 2 && self.padding == 0
    }

    /// Applies the pooling to the last axis.
    ///
    /// # Shapes
    ///
    /// - input: `[batch, channels, length_in]`
    /// - output: `[batch, channels, ⌊(length_in + 2·padding − kernel_size) / stride⌋ + 1]`
    pub fn forward(&self, input: Tensor<3>) -> Tensor<3> {
        if kernels::enabled() {
            kernels::max_pool1d(input, PoolGeometry::one_d(self.kernel_size, self.stride, self.padding))
        } else {
            let options = MaxPoolOptions::new([self.kernel_size]).with_stride([self.stride]).with_padding([self.padding]);
            burn::tensor::module::max_pool1d(input, options)
        }
    }

    /// The same pool over the positions of a channels-last input: equal to
    /// `forward(input.swap_dims(1, 2)).swap_dims(1, 2)`, computed in place as a `[kernel, 1]` 2-D
    /// pool of each sample's `[length, channels]` plane (`MaxPool(2)`: each output row the
    /// element-wise maximum of two input rows).
    ///
    /// # Shapes
    ///
    /// - input: `[batch, length_in, channels]`
    /// - output: `[batch, length_out, channels]`, `length_out` as in [`Self::forward`]
    pub(crate) fn forward_channels_last(&self, input: Tensor<3>) -> Tensor<3> {
        let [batch, length, channels] = input.dims();
        let planes = input.reshape([batch, 1, length, channels]);
        let (kernel, stride, padding) = ([self.kernel_size, 1], [self.stride, 1], [self.padding, 0]);
        let out = if kernels::enabled() {
            kernels::max_pool2d(planes, PoolGeometry { kernel, stride, padding })
        } else {
            burn::tensor::module::max_pool2d(planes, MaxPoolOptions::new(kernel).with_stride(stride).with_padding(padding))
        };
        let [_, _, length_out, _] = out.dims();
        out.reshape([batch, length_out, channels])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    #[test]
    fn only_maxpool2_is_pairs() {
        assert!(MaxPool1dConfig::new(2).init().is_pairs());
        for (k, s, p) in [(2, 1, 0), (2, 2, 1), (3, 2, 0), (3, 3, 0)] {
            assert!(!MaxPool1dConfig::new(k).with_stride(s).with_padding(p).init().is_pairs(), "{k} {s} {p}");
        }
    }

    #[test]
    fn same_output_as_burns_max_pool1d() {
        let device = Device::flex();
        let x = Tensor::<3>::from_data(TensorData::new((0..2 * 3 * 11).map(|i| (i as f32 * 0.91).sin()).collect::<Vec<_>>(), [2, 3, 11]), &device);
        for (k, s, p) in [(2, 2, 0), (3, 1, 1), (4, 3, 2)] {
            let ours = MaxPool1dConfig::new(k).with_stride(s).with_padding(p).init().forward(x.clone());
            let theirs = burn::nn::pool::MaxPool1dConfig::new(k)
                .with_stride(s)
                .with_padding(burn::nn::PaddingConfig1d::Explicit(p, p))
                .init()
                .forward(x.clone());
            assert_eq!(ours.into_data(), theirs.into_data(), "k={k} s={s} p={p}");
        }
    }

    #[test]
    fn channels_last_is_the_channels_first_pool_transposed_with_its_gradient() {
        let device = Device::flex().autodiff();
        let x = Tensor::<3>::from_data(TensorData::new((0..2 * 11 * 3).map(|i| (i as f32 * 0.91).sin()).collect::<Vec<_>>(), [2, 11, 3]), &device)
            .require_grad();
        for (k, s, p) in [(2, 2, 0), (3, 1, 1), (4, 3, 2)] {
            let pool = MaxPool1dConfig::new(k).with_stride(s).with_padding(p).init();
            let ours = pool.forward_channels_last(x.clone());
            let theirs = pool.forward(x.clone().swap_dims(1, 2)).swap_dims(1, 2);
            assert_eq!(ours.clone().into_data(), theirs.clone().into_data(), "k={k} s={s} p={p}");
            let probe = Tensor::<3>::from_data(TensorData::new((0..ours.shape().num_elements()).map(|i| i as f32).collect::<Vec<_>>(), ours.dims()), &device);
            let (g1, g2) = ((ours * probe.clone()).sum().backward(), (theirs * probe).sum().backward());
            assert_eq!(x.grad(&g1).unwrap().into_data(), x.grad(&g2).unwrap().into_data(), "gradient k={k} s={s} p={p}");
        }
    }
}
