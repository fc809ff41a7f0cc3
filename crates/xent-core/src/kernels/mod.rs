//! xent's own CPU kernels for the slow parts of Burn 0.22's flex backend, registered through
//! Burn's backend extension (`#[backend_extension]`), with hand-written backward passes.
//!
//! Profiling the ECG CNN (`../shared/PERF-NOTES.md`, `docs/performance.md`) showed a training step
//! spending its time outside matrix multiplication: 1-D max pooling (a scalar loop per output),
//! the convolution's weight gradient (a convolution over swapped dimensions) and its input
//! gradient (a transposed convolution). This module replaces exactly those:
//!
//! - [`conv1d`]: im2col + one GEMM per batch element forward; one GEMM over the whole batch for
//!   each of the weight and input gradients ([`conv1d`](self::conv1d) module docs);
//! - [`max_pool1d`]: streaming window maxima; the backward pass re-finds each maximum rather
//!   than storing indices.
//!
//! They run on the flex device (and under `autodiff()` on it) for `f32` tensors with dilation 1
//! and one group; anything else (another dtype, the opt-in ndarray backend) goes to Burn's own
//! operation with the same arguments, so results never depend on which path ran beyond
//! floating-point summation order. Every kernel is tested against Burn's built-in operation on
//! values and gradients (`tests` below). The layers in [`crate::nn`] call these functions and keep
//! Burn's parameter layout, so their records load into `burn::nn` modules and back.

mod autodiff;
mod conv1d;
mod flex;
mod gemm;
mod max_pool1d;
#[cfg(feature = "ndarray")]
mod ndarray;

use burn::backend::{Backend, Dispatch, TensorMetadata, backend_extension, get_or_init_device_settings, tensor::FloatTensor};
use burn::tensor::Tensor;
use burn::tensor::ops::ConvOptions;

pub use conv1d::{Conv1dShape, Wanted};
pub use max_pool1d::MaxPool1dShape;

/// Forward operations with xent kernels (dispatched by Burn to the tensor's backend).
///
/// The default bodies are Burn's own operations; the flex backend overrides them.
#[backend_extension(Flex, Autodiff, NdArray: cfg(feature = "ndarray"))]
pub trait XentOps: Backend {
    /// 1-D convolution, dilation 1, one group, zero padding `(pad_left, pad_right)`. A layer
    /// without bias passes zeros (untracked, so no bias gradient is computed).
    fn xent_conv1d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        stride: usize,
        pad_left: usize,
        pad_right: usize,
    ) -> FloatTensor<Self> {
        Self::conv1d(x, weight, Some(bias), conv_options(stride, pad_left, pad_right))
    }

    /// 1-D max pooling, dilation 1, floor rounding, `−∞` padding on both sides.
    fn xent_max_pool1d(x: FloatTensor<Self>, kernel: usize, stride: usize, padding: usize) -> FloatTensor<Self> {
        Self::max_pool1d(x, kernel, stride, padding, 1, false)
    }
}

/// The backward kernels that the autodiff implementation of [`XentOps`] calls.
///
/// The default bodies are Burn's own backward operations; the flex backend overrides them.
pub trait XentGrads: Backend {
    /// Gradients of [`XentOps::xent_conv1d`] for input, weight and bias, each only if wanted.
    #[allow(clippy::type_complexity)]
    fn xent_conv1d_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        stride: usize,
        pad_left: usize,
        pad_right: usize,
        wanted: Wanted,
    ) -> (Option<FloatTensor<Self>>, Option<FloatTensor<Self>>, Option<FloatTensor<Self>>) {
        burn_conv1d_backward::<Self>(x, weight, output_grad, conv_options(stride, pad_left, pad_right), wanted)
    }

    /// Input gradient of [`XentOps::xent_max_pool1d`].
    fn xent_max_pool1d_backward(
        x: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        kernel: usize,
        stride: usize,
        padding: usize,
    ) -> FloatTensor<Self> {
        burn_max_pool1d_backward::<Self>(x, output_grad, kernel, stride, padding)
    }
}

/// Burn's own convolution gradients (the fallback of every backend).
#[allow(clippy::type_complexity)]
fn burn_conv1d_backward<B: Backend>(
    x: FloatTensor<B>,
    weight: FloatTensor<B>,
    output_grad: FloatTensor<B>,
    options: ConvOptions<1>,
    wanted: Wanted,
) -> (Option<FloatTensor<B>>, Option<FloatTensor<B>>, Option<FloatTensor<B>>) {
    let input = wanted
        .input
        .then(|| B::conv1d_x_backward(x.clone(), weight.clone(), output_grad.clone(), options.clone()));
    let weight_grad = wanted
        .weight
        .then(|| B::conv1d_weight_backward(x, weight, output_grad.clone(), options));
    let bias = wanted.bias.then(|| {
        let summed = B::float_sum_dim(B::float_sum_dim(output_grad, 2), 0);
        let channels = TensorMetadata::shape(&summed)[1];
        B::float_reshape(summed, [channels].into())
    });
    (input, weight_grad, bias)
}

/// Burn's own max-pool gradient (the fallback of every backend).
fn burn_max_pool1d_backward<B: Backend>(
    x: FloatTensor<B>,
    output_grad: FloatTensor<B>,
    kernel: usize,
    stride: usize,
    padding: usize,
) -> FloatTensor<B> {
    let int_dtype = get_or_init_device_settings::<B>(&TensorMetadata::device(&x)).int_dtype;
    let indices = B::max_pool1d_with_indices(x.clone(), kernel, stride, padding, 1, false, int_dtype).indices;
    B::max_pool1d_with_indices_backward(x, kernel, stride, padding, 1, false, output_grad, indices).x_grad
}

/// Whether [`crate::nn`] layers use these kernels: yes, unless the environment variable
/// `XENT_KERNELS` is `burn` (Burn's own operations, for comparisons in one build, e.g.
/// `XENT_KERNELS=burn just bench ecg_cnn`). Read once per process.
pub fn enabled() -> bool {
    static ENABLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var("XENT_KERNELS").as_deref() != Ok("burn"))
}

fn conv_options(stride: usize, pad_left: usize, pad_right: usize) -> ConvOptions<1> {
    ConvOptions::new_with_padding([stride], [(pad_left, pad_right)], [1], 1)
}

/// 1-D convolution (dilation 1, one group) of `x` `[batch, channels_in, length]` with `weight`
/// `[channels_out, channels_in, kernel]`, `padding = (left, right)` zeros.
///
/// # Shapes
///
/// - `x`: `[batch, channels_in, length_in]`
/// - `weight`: `[channels_out, channels_in, kernel]`; `bias`: `[channels_out]`
/// - output: `[batch, channels_out, ⌊(length_in + left + right − kernel) / stride⌋ + 1]`
///
/// # Panics
///
/// If the shapes disagree or the padded input is shorter than the kernel (as Burn's `conv1d`).
pub fn conv1d(x: Tensor<3>, weight: Tensor<3>, bias: Option<Tensor<1>>, stride: usize, padding: (usize, usize)) -> Tensor<3> {
    let [_, c_in, len] = x.dims();
    let [c_out, w_in, k] = weight.dims();
    assert_eq!(c_in, w_in, "conv1d: input has {c_in} channels, the weight expects {w_in}");
    assert!(
        stride > 0 && len + padding.0 + padding.1 >= k,
        "conv1d: input of length {len} (padding {padding:?}) is shorter than the kernel {k}"
    );
    let weight_device = weight.device();
    Tensor::from_dispatch(Dispatch::xent_conv1d(
        x.into_dispatch(),
        weight.into_dispatch(),
        bias.unwrap_or_else(|| Tensor::zeros([c_out], &weight_device)).into_dispatch(),
        stride,
        padding.0,
        padding.1,
    ))
}

/// 1-D max pooling over the last axis (dilation 1, floor rounding, `padding` implicit `−∞` on
/// each side).
///
/// # Shapes
///
/// - `x`: `[batch, channels, length_in]`
/// - output: `[batch, channels, ⌊(length_in + 2·padding − kernel) / stride⌋ + 1]`
///
/// # Panics
///
/// If the padded input is shorter than the window or `padding > kernel / 2` (as Burn).
pub fn max_pool1d(x: Tensor<3>, kernel: usize, stride: usize, padding: usize) -> Tensor<3> {
    let [rows, _, length_in] = x.dims();
    let shape = MaxPool1dShape { rows, length_in, kernel, stride, padding };
    assert!(shape.length_out().is_some(), "max_pool1d: no output for {shape:?}");
    Tensor::from_dispatch(Dispatch::xent_max_pool1d(x.into_dispatch(), kernel, stride, padding))
}

#[cfg(test)]
mod tests;
