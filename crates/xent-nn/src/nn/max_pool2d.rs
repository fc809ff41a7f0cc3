//! 2-D max pooling layer on xent's kernels.

use burn::config::Config;
use burn::module::Module;
use burn::tensor::Tensor;
use burn::tensor::ops::MaxPoolOptions;

use crate::kernels::{self, PoolGeometry};

/// Configuration of a [`MaxPool2d`] (floor rounding, dilation 1, symmetric padding).
#[derive(Config, Debug)]
pub struct MaxPool2dConfig {
    /// `[height, width]` of the window.
    pub kernel_size: [usize; 2],
    /// `[vertical, horizontal]` stride. Default: the window (non-overlapping windows).
    #[config(default = "kernel_size")]
    pub stride: [usize; 2],
    /// Implicit `−∞` rows/columns on each side (at most half the window). Default: `[0, 0]`.
    #[config(default = "[0, 0]")]
    pub padding: [usize; 2],
}

impl MaxPool2dConfig {
    /// The layer (it has no parameters).
    pub fn init(&self) -> MaxPool2d {
        MaxPool2d { kernel_size: self.kernel_size, stride: self.stride, padding: self.padding }
    }
}

/// 2-D max pooling on [`kernels::max_pool2d`] (Burn's op if [`kernels::enabled`] says no).
#[derive(Module, Debug)]
pub struct MaxPool2d {
    /// `[height, width]` of the window.
    pub kernel_size: [usize; 2],
    /// `[vertical, horizontal]` stride.
    pub stride: [usize; 2],
    /// Implicit `−∞` positions on each side.
    pub padding: [usize; 2],
}

impl MaxPool2d {
    /// Applies the pooling to the last two axes.
    ///
    /// # Shapes
    ///
    /// - input: `[batch, channels, height_in, width_in]`
    /// - output: `[batch, channels, height_out, width_out]`, each axis `⌊(in + 2·padding −
    ///   kernel) / stride⌋ + 1`
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        if kernels::enabled() {
            kernels::max_pool2d(input, PoolGeometry { kernel: self.kernel_size, stride: self.stride, padding: self.padding })
        } else {
            let options = MaxPoolOptions::new(self.kernel_size).with_stride(self.stride).with_padding(self.padding);
            burn::tensor::module::max_pool2d(input, options)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    #[test]
    fn same_output_as_burns_max_pool2d() {
        let device = Device::flex();
        let n = 2 * 3 * 7 * 6;
        let x = Tensor::<4>::from_data(TensorData::new((0..n).map(|i| (i as f32 * 0.91).sin()).collect::<Vec<_>>(), [2, 3, 7, 6]), &device);
        for (k, s, p) in [([2, 2], [2, 2], [0, 0]), ([3, 2], [1, 2], [1, 1]), ([3, 3], [2, 2], [1, 0])] {
            let ours = MaxPool2dConfig::new(k).with_stride(s).with_padding(p).init().forward(x.clone());
            let theirs = burn::nn::pool::MaxPool2dConfig::new(k)
                .with_strides(s)
                .with_padding(burn::nn::PaddingConfig2d::Explicit(p[0], p[1], p[0], p[1]))
                .init()
                .forward(x.clone());
            assert_eq!(ours.into_data(), theirs.into_data(), "k={k:?} s={s:?} p={p:?}");
        }
    }
}
