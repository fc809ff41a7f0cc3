//! The geometry of a convolution or a pooling, passed through [`super::XentOps`] as one value,
//! and the activation fused into an operation.

use burn::tensor::ops::ConvOptions;

/// Stride and `(before, after)` zero padding of a convolution, per spatial axis (a 1-D
/// convolution uses the last entry; the first is stride 1, no padding).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvGeometry {
    /// `[vertical, horizontal]` strides.
    pub stride: [usize; 2],
    /// `[(top, bottom), (left, right)]` zeros.
    pub padding: [(usize, usize); 2],
}

impl ConvGeometry {
    /// A 1-D convolution's stride and `(left, right)` padding.
    pub fn one_d(stride: usize, pad_left: usize, pad_right: usize) -> Self {
        Self { stride: [1, stride], padding: [(0, 0), (pad_left, pad_right)] }
    }

    /// Burn's options for the same 1-D convolution (dilation 1, one group).
    pub(super) fn burn_1d(&self) -> ConvOptions<1> {
        ConvOptions::new_with_padding([self.stride[1]], [self.padding[1]], [1], 1)
    }

    /// Burn's options for the same 2-D convolution (dilation 1, one group).
    pub(super) fn burn_2d(&self) -> ConvOptions<2> {
        ConvOptions::new_with_padding(self.stride, self.padding, [1, 1], 1)
    }
}

/// What a convolution applies to its output as part of the same operation (and undoes in its
/// backward pass): nothing, or a ReLU, which saves a pass over the output each way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, burn::serde::Serialize, burn::serde::Deserialize)]
#[serde(crate = "burn::serde")]
pub enum Activation {
    /// The convolution's output as it is.
    #[default]
    Identity,
    /// `max(output, 0)`; the gradient passes where the output is positive.
    Relu,
}

impl Activation {
    /// The activation as Burn's separate operation on `t` (the path without xent's kernels).
    pub fn apply<const D: usize>(self, t: burn::prelude::Tensor<D>) -> burn::prelude::Tensor<D> {
        match self {
            Self::Identity => t,
            Self::Relu => burn::tensor::activation::relu(t),
        }
    }
}

/// Window, stride and symmetric `−∞` padding of a max pool, per spatial axis (a 1-D pool uses the
/// last entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolGeometry {
    /// `[vertical, horizontal]` window.
    pub kernel: [usize; 2],
    /// `[vertical, horizontal]` strides.
    pub stride: [usize; 2],
    /// `[vertical, horizontal]` padding on each side.
    pub padding: [usize; 2],
}

impl PoolGeometry {
    /// A 1-D pool's window, stride and padding.
    pub fn one_d(kernel: usize, stride: usize, padding: usize) -> Self {
        Self { kernel: [1, kernel], stride: [1, stride], padding: [0, padding] }
    }
}
