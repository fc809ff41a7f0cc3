//! Zero padding of the convolution layers, computed as Burn computes it (its helpers are
//! crate-private): `Same` pads so that each axis has `⌈length / stride⌉` outputs, the odd zero
//! after the input.

use burn::nn::{PaddingConfig1d, PaddingConfig2d};

/// `(before, after)` for `Same` padding of one axis.
fn same(length: usize, kernel: usize, stride: usize) -> (usize, usize) {
    let needed = match length.div_ceil(stride) {
        0 => 0,
        out => ((out - 1) * stride + kernel).saturating_sub(length),
    };
    (needed / 2, needed - needed / 2)
}

/// `(left, right)` zeros of a 1-D convolution.
pub(crate) fn pair_1d(padding: &PaddingConfig1d, length: usize, kernel: usize, stride: usize) -> (usize, usize) {
    match *padding {
        PaddingConfig1d::Valid => (0, 0),
        PaddingConfig1d::Explicit(left, right) => (left, right),
        PaddingConfig1d::Same => same(length, kernel, stride),
    }
}

/// `[(top, bottom), (left, right)]` zeros of a 2-D convolution over `[height, width]`.
pub(crate) fn pairs_2d(padding: &PaddingConfig2d, size: [usize; 2], kernel: [usize; 2], stride: [usize; 2]) -> [(usize, usize); 2] {
    match *padding {
        PaddingConfig2d::Valid => [(0, 0), (0, 0)],
        PaddingConfig2d::Explicit(top, left, bottom, right) => [(top, bottom), (left, right)],
        PaddingConfig2d::Same => [same(size[0], kernel[0], stride[0]), same(size[1], kernel[1], stride[1])],
    }
}
