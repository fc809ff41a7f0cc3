//! xent's own CPU kernels for the slow parts of Burn 0.22's flex backend, registered through
//! Burn's backend extension (`#[backend_extension]`), with hand-written backward passes.
//!
//! Profiling the ECG CNN (`docs/performance.md`) showed a training step
//! spending its time outside matrix multiplication: max pooling (a scalar loop per output), the
//! convolution's weight gradient (a convolution over swapped dimensions) and its input gradient
//! (a transposed convolution). This module replaces exactly those, in 1-D and 2-D:
//!
//! - [`conv1d`] and [`conv2d`]: per sample, an im2col matrix in a cache-sized buffer and one GEMM
//!   for each of the output, the weight gradient and the input gradient (`conv` module docs);
//! - [`max_pool1d`] and [`max_pool2d`]: streaming window maxima; the backward pass re-finds each
//!   maximum rather than storing indices;
//! - [`conv1d_pool`] and [`conv2d_pool`]: a convolution and the `MaxPool(2)` after it as one
//!   operation in inference, writing only the pooled output;
//! - [`moment_step`]: an Adam or Adamax update as one pass per parameter tensor, in place;
//! - [`conv1d_channels_last`]: a valid stride-1 convolution reading `[batch, length, channels]`
//!   (an embedding's output) without the transposing copy and without im2col (`conv_nlc` docs);
//! - [`token_conv1d`]: the same convolution over embedded tokens, from the batch's distinct
//!   tokens, without the embedding's output (`token_conv` docs);
//! - [`embedding`]: Burn's lookup, whose dense table gradient is written across the pool instead
//!   of zero-filled and scattered on the calling thread (`embedding` module docs);
//! - [`conv1d_cl`]: a 1-D convolution channels-last in and out, any stride and padding, as one
//!   GEMM per group of samples over a view of their input, no im2col (`conv_cl` docs);
//! - [`batch_norm_train`]: batch normalisation with the batch's statistics in two passes forward
//!   and two backward, instead of Burn's transposing copies and broadcast passes;
//! - [`add_relu`]: a residual block's `relu(a + b)` as one pass each way;
//! - [`logit_loss`]: the training losses from logits as one operation (and one backward), instead
//!   of a dozen recorded elementwise operations.
//!
//! The convolutions and the batch norm take an [`Activation`]: a ReLU applied inside the same
//! operation (and its gradient mask inside the same backward), one pass less each way.
//! They run on the flex device (and under `autodiff()` on it) for `f32` tensors with dilation 1
//! and one group; anything else (another dtype, the opt-in ndarray backend) goes to Burn's own
//! operation with the same arguments, so results never depend on which path ran beyond
//! floating-point summation order. Every kernel is tested against Burn's built-in operation on
//! values and gradients (`tests` below). The layers in [`crate::nn`] call these functions and keep
//! Burn's parameter layout, so their records load into `burn::nn` modules and back.

// The opt-in ndarray backend is deprecated in Burn 0.22; routing to it is intended.
#![cfg_attr(feature = "ndarray", allow(deprecated))]

mod autodiff;
mod batch_norm;
mod conv;
mod conv1d_pool;
mod conv_cl;
mod conv_nlc;
mod embedding;
mod flex;
mod gemm;
mod linear;
mod logit_loss;
mod max_pool;
mod moment;
mod token_conv;
mod transpose;
mod winograd;
#[cfg(feature = "ndarray")]
mod ndarray;

use burn::backend::tensor::{FloatTensor, IntTensor};
use burn::backend::{Backend, Dispatch, TensorMetadata, backend_extension, get_or_init_device_settings};
use burn::tensor::{Int, Tensor};
use burn::tensor::ops::ConvOptions;
use rayon::prelude::*;

pub use conv::{Axis, ConvShape, Wanted};
pub use conv_cl::ClShape;
pub use conv_nlc::NlcShape;
pub use logit_loss::LogitLoss;
pub use max_pool::PoolShape;
pub use moment::MomentRule;
pub use token_conv::TokenShape;

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
    fn burn_1d(&self) -> ConvOptions<1> {
        ConvOptions::new_with_padding([self.stride[1]], [self.padding[1]], [1], 1)
    }

    /// Burn's options for the same 2-D convolution (dilation 1, one group).
    fn burn_2d(&self) -> ConvOptions<2> {
        ConvOptions::new_with_padding(self.stride, self.padding, [1, 1], 1)
    }
}

/// What a convolution applies to its output as part of the same operation (and undoes in its
/// backward pass): nothing, or a ReLU, which saves a pass over the output each way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Activation {
    /// The convolution's output as it is.
    #[default]
    Identity,
    /// `max(output, 0)`; the gradient passes where the output is positive.
    Relu,
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

/// Forward operations with xent kernels (dispatched by Burn to the tensor's backend).
///
/// The default bodies are Burn's own operations; the flex backend overrides them.
#[backend_extension(Flex, Autodiff, NdArray: cfg(feature = "ndarray"))]
pub trait XentOps: Backend {
    /// 1-D convolution, dilation 1, one group, zero padding `(pad_left, pad_right)`, followed by
    /// a ReLU if `relu`. A layer without bias passes zeros (untracked, so no bias gradient is
    /// computed).
    fn xent_conv1d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        stride: usize,
        pad_left: usize,
        pad_right: usize,
        relu: bool,
    ) -> FloatTensor<Self> {
        let out = Self::conv1d(x, weight, Some(bias), ConvGeometry::one_d(stride, pad_left, pad_right).burn_1d());
        relu_if::<Self>(out, relu)
    }

    /// 1-D convolution, stride 1, no padding, of a channels-last input `[batch, length,
    /// channels_in]`, followed by a ReLU if `relu`; output channels-first `[batch,
    /// channels_out, length_out]`.
    fn xent_conv1d_nlc(x: FloatTensor<Self>, weight: FloatTensor<Self>, bias: FloatTensor<Self>, relu: bool) -> FloatTensor<Self> {
        burn_conv1d_from_nlc::<Self>(x, weight, bias, ConvGeometry::one_d(1, 0, 0), relu)
    }

    /// 1-D convolution, stride 1, no padding, of embedded tokens: `table` `[vocab, channels_in]`
    /// looked up at `ids` `[batch, length]`, followed by a ReLU if `relu` and a `MaxPool(2)` over
    /// positions if `pool`; output channels-first `[batch, channels_out, length_out]`. The
    /// default is the lookup, [`XentOps::xent_conv1d_nlc`] and [`XentOps::xent_max_pool1d`] (so
    /// under autodiff each is recorded as it is).
    fn xent_token_conv1d(
        table: FloatTensor<Self>,
        ids: IntTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        relu: bool,
        pool: bool,
    ) -> FloatTensor<Self> {
        lookup_then_conv::<Self>(table, ids, weight, bias, relu, pool)
    }

    /// 1-D convolution of a channels-last input `[batch, length, channels_in]` to a channels-last
    /// output `[batch, length_out, channels_out]`, dilation 1, one group, zero padding
    /// `(pad_left, pad_right)`, followed by a ReLU if `relu`.
    fn xent_conv1d_cl(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        stride: usize,
        pad_left: usize,
        pad_right: usize,
        relu: bool,
    ) -> FloatTensor<Self> {
        let out = burn_conv1d_from_nlc::<Self>(x, weight, bias, ConvGeometry::one_d(stride, pad_left, pad_right), relu);
        Self::float_swap_dims(out, 1, 2)
    }

    /// [`Self::xent_conv1d_cl`] joined with a residual block's end: `relu(conv + residual)`, then
    /// `MaxPool(2)` over positions if `pool` (for inference: the flex kernel writes no
    /// intermediate activation). The default, and under autodiff the recorded form, is the
    /// operations one after the other.
    #[allow(clippy::too_many_arguments)]
    fn xent_conv1d_cl_join(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        stride: usize,
        pad_left: usize,
        pad_right: usize,
        residual: FloatTensor<Self>,
        pool: bool,
    ) -> FloatTensor<Self> {
        let conv = Self::xent_conv1d_cl(x, weight, bias, stride, pad_left, pad_right, false);
        join_separately::<Self>(conv, residual, pool)
    }

    /// 2-D convolution, dilation 1, one group, zero padding (top, bottom, left, right), followed
    /// by a ReLU if `relu`.
    #[allow(clippy::too_many_arguments)]
    fn xent_conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        stride_h: usize,
        stride_w: usize,
        pad_top: usize,
        pad_bottom: usize,
        pad_left: usize,
        pad_right: usize,
        relu: bool,
    ) -> FloatTensor<Self> {
        let geometry = ConvGeometry { stride: [stride_h, stride_w], padding: [(pad_top, pad_bottom), (pad_left, pad_right)] };
        let out = Self::conv2d(x, weight, Some(bias), geometry.burn_2d());
        relu_if::<Self>(out, relu)
    }

    /// A convolution of either rank followed by a max pool of 2 along each spatial axis
    /// (`MaxPool1d(2)` or `MaxPool2d(2)`: stride 2, no padding), through a ReLU if `relu`. `x` is
    /// `[batch, channels_in, width]` or `[batch, channels_in, height, width]`; for a 1-D
    /// convolution the height's stride and padding are ignored. The default is the convolution
    /// and the pool as separate operations (so under autodiff both are recorded as they are).
    #[allow(clippy::too_many_arguments)]
    fn xent_conv_pool(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        stride_h: usize,
        stride_w: usize,
        pad_top: usize,
        pad_bottom: usize,
        pad_left: usize,
        pad_right: usize,
        relu: bool,
    ) -> FloatTensor<Self> {
        let geometry = ConvGeometry { stride: [stride_h, stride_w], padding: [(pad_top, pad_bottom), (pad_left, pad_right)] };
        conv_then_pool::<Self>(x, weight, bias, geometry, relu)
    }

    /// Two stride-1 1-D convolutions, each followed by `MaxPool1d(2)` and a ReLU if `relu`, the
    /// second reading the first's pooled output: `x` `[batch, channels_in, width]`, `weight_1`
    /// `[channels_mid, channels_in, kernel_1]`, `weight_2` `[channels_out, channels_mid,
    /// kernel_2]`, the `(left, right)` zero padding of each. The default is two
    /// [`Self::xent_conv_pool`] operations.
    #[allow(clippy::too_many_arguments)]
    fn xent_conv_pool_pair(
        x: FloatTensor<Self>,
        weight_1: FloatTensor<Self>,
        bias_1: FloatTensor<Self>,
        weight_2: FloatTensor<Self>,
        bias_2: FloatTensor<Self>,
        padding_1: (usize, usize),
        padding_2: (usize, usize),
        relu: bool,
    ) -> FloatTensor<Self> {
        conv_pool_in_turn::<Self>(x, [(weight_1, bias_1, padding_1), (weight_2, bias_2, padding_2)], relu)
    }

    /// 1-D max pooling, dilation 1, floor rounding, `−∞` padding on both sides.
    fn xent_max_pool1d(x: FloatTensor<Self>, kernel: usize, stride: usize, padding: usize) -> FloatTensor<Self> {
        Self::max_pool1d(x, kernel, stride, padding, 1, false)
    }

    /// 2-D max pooling, dilation 1, floor rounding, `−∞` padding on both sides of each axis.
    #[allow(clippy::too_many_arguments)]
    fn xent_max_pool2d(
        x: FloatTensor<Self>,
        kernel_h: usize,
        kernel_w: usize,
        stride_h: usize,
        stride_w: usize,
        pad_h: usize,
        pad_w: usize,
    ) -> FloatTensor<Self> {
        Self::max_pool2d(x, [kernel_h, kernel_w], [stride_h, stride_w], [pad_h, pad_w], [1, 1], false)
    }

    /// Batch normalisation with the batch's own statistics, followed by a ReLU if `relu`:
    /// returns the output, and the per-channel mean and biased variance (which receive no
    /// gradient).
    #[allow(clippy::type_complexity)]
    fn xent_batch_norm_train(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
        relu: bool,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let result = Self::batch_norm_train(x, gamma, beta, epsilon);
        (relu_if::<Self>(result.output, relu), result.mean, result.variance)
    }

    /// A dense layer `x · weight + bias` (`x` `[rows, d_input]`, `weight` `[d_input, d_output]`,
    /// Burn's layout), then a ReLU if `relu`. A layer without bias passes zeros (untracked).
    fn xent_linear(x: FloatTensor<Self>, weight: FloatTensor<Self>, bias: FloatTensor<Self>, relu: bool) -> FloatTensor<Self> {
        relu_if::<Self>(Self::linear(x, weight, Some(bias)), relu)
    }

    /// `max(a + b, 0)` elementwise, `a` and `b` of the same shape (a residual block's join).
    fn xent_add_relu(a: FloatTensor<Self>, b: FloatTensor<Self>) -> FloatTensor<Self> {
        Self::relu(Self::float_add(a, b))
    }

    /// Burn's embedding lookup (`table` `[vocab, dim]` at `ids` `[batch, length]`: `[batch,
    /// length, dim]`), whose gradient with respect to the table is
    /// [`XentGrads::xent_embedding_backward`].
    fn xent_embedding(table: FloatTensor<Self>, ids: IntTensor<Self>) -> FloatTensor<Self> {
        Self::embedding(table, ids)
    }

    /// Per-sample losses `[batch]` of logits and targets `[batch, K]` ([`LogitLoss`] as
    /// `(kind, epsilon)`, see `LogitLoss::code`). The targets receive no gradient.
    fn xent_logit_loss(logits: FloatTensor<Self>, targets: FloatTensor<Self>, kind: u8, epsilon: f32) -> FloatTensor<Self> {
        burn_logit_loss::<Self>(logits, targets, LogitLoss::from_code(kind, epsilon))
    }

    /// One Adam or Adamax step ([`MomentRule`], its fields passed one by one): returns the
    /// updated parameter, first moment and second moment (or infinity norm).
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    fn xent_moment_step(
        param: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        moment_1: FloatTensor<Self>,
        moment_2: FloatTensor<Self>,
        beta_1: f32,
        beta_2: f32,
        epsilon: f32,
        alpha: f32,
        infinity_norm: bool,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let rule = MomentRule { beta_1, beta_2, epsilon, alpha, infinity_norm };
        burn_moment_step::<Self>(param, grad, moment_1, moment_2, &rule)
    }
}

/// Runs `f` compiled for AVX-512 (or AVX2 + FMA) when the CPU has it, else as built (the crate
/// targets baseline x86-64, SSE2, so its own loops would otherwise run 4 lanes wide). `f` is
/// inlined into a function with those target features; the arithmetic and its order are the
/// same, only the vector width changes (no fused multiply-adds are introduced: Rust does not
/// contract `a * b + c`). Meant for one loop over a chunk of data, and it only works if that loop
/// ends up inside the feature-enabled function: pass an `#[inline(always)]` closure that calls an
/// `#[inline(always)]` function taking the slices as parameters (captured `&mut` slices lose the
/// knowledge that they do not alias, and the loop stays scalar); rayon closures or other calls
/// inside `f` are not inlined and run as built.
#[inline(always)]
pub(crate) fn vectorised<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        let avx2 = std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma");
        if avx2 && std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512dq") {
            // SAFETY: the CPU has AVX-512F and DQ, AVX2 and FMA (checked just above).
            return unsafe { simd::avx512(f) };
        }
        if avx2 {
            // SAFETY: the CPU has AVX2 and FMA (checked just above).
            return unsafe { simd::avx2(f) };
        }
    }
    f()
}

/// The element-wise sum of `partials` (each `len` long), added in their order, so that a sum over
/// fixed groups comes out the same on every run (zeros if there is none).
pub(crate) fn sum_in_order(partials: Vec<Vec<f32>>, len: usize) -> Vec<f32> {
    partials
        .into_iter()
        .reduce(|mut a, b| {
            a.iter_mut().zip(&b).for_each(|(a, b)| *a += b);
            a
        })
        .unwrap_or_else(|| vec![0.0; len])
}

/// A vector of `len` values that `fill` writes, without zero-filling the memory first (for
/// large outputs that a kernel overwrites anyway: the zeroing was a measurable pass of its own).
///
/// # Safety
///
/// `fill` must write every element of the slice it is given (`MaybeUninit::write`); the vector
/// is then taken as initialised.
pub(crate) unsafe fn written(len: usize, fill: impl FnOnce(&mut [std::mem::MaybeUninit<f32>])) -> Vec<f32> {
    let mut v: Vec<f32> = Vec::with_capacity(len);
    fill(&mut v.spare_capacity_mut()[..len]);
    // SAFETY: the caller's `fill` initialised all `len` values; the capacity is at least `len`.
    unsafe { v.set_len(len) };
    v
}

thread_local! {
    /// The calling thread's scratch memory for [`with_scratch`], kept between calls.
    static SCRATCH: std::cell::Cell<Vec<f32>> = const { std::cell::Cell::new(Vec::new()) };
}

/// `f` with `N` scratch buffers of the given lengths, cut from one buffer of the calling thread's
/// that lives on between calls: no allocation, no page faults and no zeroing per task. The
/// buffers hold whatever an earlier task left in them, so `f` must write before it reads. A
/// nested call (a task that steals another while waiting) gets a buffer of its own.
pub(crate) fn with_scratch<const N: usize, R>(lens: [usize; N], f: impl FnOnce([&mut [f32]; N]) -> R) -> R {
    with_thread_local(&SCRATCH, |buffer| {
        let total = lens.iter().sum();
        if buffer.len() < total {
            buffer.resize(total, 0.0);
        }
        let mut rest = &mut buffer[..];
        let parts = lens.map(|len| {
            let (part, tail) = std::mem::take(&mut rest).split_at_mut(len);
            rest = tail;
            part
        });
        f(parts)
    })
}

/// `f` with the calling thread's value of `key`, taken out for the call and put back after it (a
/// nested call meanwhile gets `T::default()`).
pub(crate) fn with_thread_local<T: Default, R>(key: &'static std::thread::LocalKey<std::cell::Cell<T>>, f: impl FnOnce(&mut T) -> R) -> R {
    let mut value = key.take();
    let result = f(&mut value);
    key.set(value);
    result
}

/// `out` zero-filled, as initialised values.
pub(crate) fn zero_filled(out: &mut [std::mem::MaybeUninit<f32>]) -> &mut [f32] {
    out.iter_mut().for_each(|v| {
        v.write(0.0);
    });
    // SAFETY: every element was just written, and `MaybeUninit<f32>` has the layout of `f32`.
    unsafe { &mut *(std::ptr::from_mut(out) as *mut [f32]) }
}

/// A vector of `len` values made in chunks of `chunk` across the rayon pool: each task zero-fills
/// its chunk (in cache, just before use) and passes it to `fill(index, chunk)` (which takes any
/// scratch it needs from [`with_scratch`]). Replaces `vec![0.0; len]` followed by a parallel loop,
/// whose zeroing was a pass through memory on the calling thread alone while the pool waited.
pub(crate) fn par_zeroed<F>(len: usize, chunk: usize, fill: F) -> Vec<f32>
where
    F: Fn(usize, &mut [f32]) + Sync + Send,
{
    let tasks = |out: &mut [std::mem::MaybeUninit<f32>]| {
        out.par_chunks_mut(chunk.max(1)).enumerate().for_each(|(i, part)| fill(i, zero_filled(part)));
    };
    // SAFETY: the chunks cover `out`, and `zero_filled` writes every element of each.
    unsafe { written(len, tasks) }
}

/// [`par_zeroed`] without the zero fill, for `fill`s that overwrite their whole chunk (a GEMM
/// without accumulation, a pool over pairs), where the fill is a wasted pass (`memset` fell from
/// 3.95 % to 1.10 % of the ECG CNN's training profile, `docs/performance.md` section 31). In
/// xent-core's unit tests each chunk is filled with NaN first, so that an element left unwritten
/// shows in the results.
///
/// # Safety
///
/// `fill(index, chunk)` must write every element of `chunk` before reading it.
pub(crate) unsafe fn par_written<F>(len: usize, chunk: usize, fill: F) -> Vec<f32>
where
    F: Fn(usize, &mut [f32]) + Sync + Send,
{
    let tasks = |out: &mut [std::mem::MaybeUninit<f32>]| {
        out.par_chunks_mut(chunk.max(1)).enumerate().for_each(|(i, part)| {
            #[cfg(test)]
            part.iter_mut().for_each(|v| {
                v.write(f32::NAN);
            });
            // SAFETY: `MaybeUninit<f32>` has `f32`'s layout, and the caller's `fill` writes every
            // element before reading it.
            fill(i, unsafe { &mut *(std::ptr::from_mut(part) as *mut [f32]) })
        });
    };
    // SAFETY: the chunks cover `out`, and each `fill` writes every element of its chunk.
    unsafe { written(len, tasks) }
}

#[cfg(target_arch = "x86_64")]
mod simd {
    /// `f()` compiled with AVX-512F and DQ (64-bit integer products, for the dropout mask's
    /// hash), and AVX2, FMA.
    #[target_feature(enable = "avx512f,avx512dq,avx2,fma")]
    pub(super) unsafe fn avx512<R>(f: impl FnOnce() -> R) -> R {
        f()
    }

    /// `f()` compiled with AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn avx2<R>(f: impl FnOnce() -> R) -> R {
        f()
    }
}

/// Burn's 1-D convolution (and ReLU if `relu`) of a channels-last input `[batch, length,
/// channels_in]` through a channels-first view; the output is channels-first (the fallback of the
/// channels-last convolutions).
fn burn_conv1d_from_nlc<B: Backend>(x: FloatTensor<B>, weight: FloatTensor<B>, bias: FloatTensor<B>, geometry: ConvGeometry, relu: bool) -> FloatTensor<B> {
    relu_if::<B>(B::conv1d(B::float_swap_dims(x, 1, 2), weight, Some(bias), geometry.burn_1d()), relu)
}

/// `relu(conv + residual)`, then `MaxPool(2)` over the positions of `[batch, length, channels]` if
/// `pool`, as separate [`XentOps`] operations (recorded one by one under autodiff).
fn join_separately<B: XentOps>(conv: FloatTensor<B>, residual: FloatTensor<B>, pool: bool) -> FloatTensor<B> {
    let joined = B::xent_add_relu(conv, residual);
    if !pool {
        return joined;
    }
    let shape = TensorMetadata::shape(&joined);
    let (batch, length, channels) = (shape[0], shape[1], shape[2]);
    let planes = B::float_reshape(joined, [batch, 1, length, channels].into());
    B::float_reshape(B::xent_max_pool2d(planes, 2, 1, 2, 1, 0, 0), [batch, length / 2, channels].into())
}

/// [`XentOps::xent_conv_pool`] as two operations: the convolution of `x`'s rank, then the pool.
fn conv_then_pool<B: XentOps>(x: FloatTensor<B>, weight: FloatTensor<B>, bias: FloatTensor<B>, g: ConvGeometry, relu: bool) -> FloatTensor<B> {
    let ([sh, sw], [(pt, pb), (pl, pr)]) = (g.stride, g.padding);
    if x.shape().num_dims() == 3 {
        B::xent_max_pool1d(B::xent_conv1d(x, weight, bias, sw, pl, pr, relu), 2, 2, 0)
    } else {
        B::xent_max_pool2d(B::xent_conv2d(x, weight, bias, sh, sw, pt, pb, pl, pr, relu), 2, 2, 2, 2, 0, 0)
    }
}

/// A block of [`conv_pool_in_turn`]: weight, bias and `(left, right)` padding.
type PoolBlock<B> = (FloatTensor<B>, FloatTensor<B>, (usize, usize));

/// [`XentOps::xent_conv_pool_pair`] as its two blocks in turn, each a stride-1
/// [`XentOps::xent_conv_pool`] with its `(weight, bias, (left, right) padding)`.
fn conv_pool_in_turn<B: XentOps>(x: FloatTensor<B>, blocks: [PoolBlock<B>; 2], relu: bool) -> FloatTensor<B> {
    blocks.into_iter().fold(x, |x, (weight, bias, (left, right))| B::xent_conv_pool(x, weight, bias, 1, 1, 0, 0, left, right, relu))
}

/// [`XentOps::xent_token_conv1d`] as separate operations: the lookup, the convolution, the pool.
fn lookup_then_conv<B: XentOps>(
    table: FloatTensor<B>,
    ids: IntTensor<B>,
    weight: FloatTensor<B>,
    bias: FloatTensor<B>,
    relu: bool,
    pool: bool,
) -> FloatTensor<B> {
    let y = B::xent_conv1d_nlc(B::embedding(table, ids), weight, bias, relu);
    if pool { B::xent_max_pool1d(y, 2, 2, 0) } else { y }
}

/// `out` after Burn's ReLU if `relu` (the fused activation of the fallback paths).
fn relu_if<B: Backend>(out: FloatTensor<B>, relu: bool) -> FloatTensor<B> {
    if relu { B::relu(out) } else { out }
}

/// The gradient `grad` of a fused ReLU's output passed through it with Burn's `relu_backward`
/// (`relu_output`: that output, if the operation had a ReLU).
fn through_relu<B: Backend>(grad: FloatTensor<B>, relu_output: Option<FloatTensor<B>>) -> FloatTensor<B> {
    match relu_output {
        Some(out) => B::relu_backward(out, grad),
        None => grad,
    }
}

/// The Keras Adam/Adamax update with Burn's operations (the fallback of every backend, and the
/// reference the fused kernel is tested against).
#[allow(clippy::type_complexity)]
fn burn_moment_step<B: Backend>(
    param: FloatTensor<B>,
    grad: FloatTensor<B>,
    m: FloatTensor<B>,
    v: FloatTensor<B>,
    r: &MomentRule,
) -> (FloatTensor<B>, FloatTensor<B>, FloatTensor<B>) {
    let m = B::float_add(B::float_mul_scalar(m, r.beta_1.into()), B::float_mul_scalar(grad.clone(), (1.0 - r.beta_1).into()));
    let (v, denominator) = if r.infinity_norm {
        let (decayed, magnitude) = (B::float_mul_scalar(v, r.beta_2.into()), B::float_abs(grad));
        let bool_dtype = get_or_init_device_settings::<B>(&TensorMetadata::device(&decayed)).bool_dtype;
        let lower = B::float_lower(decayed.clone(), magnitude.clone(), bool_dtype);
        let u = B::float_mask_where(decayed, lower, magnitude);
        (u.clone(), B::float_add_scalar(u, r.epsilon.into()))
    } else {
        let squared = B::float_mul(grad.clone(), grad);
        let v = B::float_add(B::float_mul_scalar(v, r.beta_2.into()), B::float_mul_scalar(squared, (1.0 - r.beta_2).into()));
        (v.clone(), B::float_add_scalar(B::float_sqrt(v), r.epsilon.into()))
    };
    let delta = B::float_mul_scalar(B::float_div(m.clone(), denominator), r.alpha.into());
    (B::float_sub(param, delta), m, v)
}

/// The softmax of each row of `[batch, K]` logits with Burn's operations (for the fallback losses).
fn row_softmax<B: Backend>(z: FloatTensor<B>) -> FloatTensor<B> {
    let shifted = B::float_sub(z.clone(), B::float_max_dim(z, 1));
    let e = B::float_exp(shifted);
    B::float_div(e.clone(), B::float_sum_dim(e, 1))
}

/// `1 − t` with Burn's operations.
fn one_minus<B: Backend>(t: FloatTensor<B>) -> FloatTensor<B> {
    B::float_add_scalar(B::float_neg(t), 1.0f32.into())
}

/// The losses with Burn's operations (the fallback of every backend, and the reference the
/// kernel is tested against): the formulas of [`LogitLoss`].
fn burn_logit_loss<B: Backend>(z: FloatTensor<B>, y: FloatTensor<B>, loss: LogitLoss) -> FloatTensor<B> {
    let batch = TensorMetadata::shape(&z)[0];
    let per = match loss {
        LogitLoss::Softmax => {
            let shifted = B::float_sub(z.clone(), B::float_max_dim(z, 1));
            let lse = B::float_log(B::float_sum_dim(B::float_exp(shifted.clone()), 1));
            B::float_neg(B::float_sum_dim(B::float_mul(y, B::float_sub(shifted, lse)), 1))
        }
        LogitLoss::Sigmoid => {
            let softplus = B::float_log1p(B::float_exp(B::float_neg(B::float_abs(z.clone()))));
            let terms = B::float_add(B::float_sub(B::relu(z.clone()), B::float_mul(z, y)), softplus);
            B::float_mean_dim(terms, 1)
        }
        LogitLoss::SoftmaxBinary { epsilon } => {
            let p = B::float_clamp(row_softmax::<B>(z), epsilon.into(), (1.0 - epsilon).into());
            let terms = B::float_add(
                B::float_mul(y.clone(), B::float_log(p.clone())),
                B::float_mul(one_minus::<B>(y), B::float_log(one_minus::<B>(p))),
            );
            B::float_neg(B::float_mean_dim(terms, 1))
        }
    };
    B::float_reshape(per, [batch].into())
}

/// The logits' gradient of [`burn_logit_loss`] with Burn's operations (`up`: `[batch]`).
fn burn_logit_loss_backward<B: Backend>(z: FloatTensor<B>, y: FloatTensor<B>, up: FloatTensor<B>, loss: LogitLoss) -> FloatTensor<B> {
    let shape = TensorMetadata::shape(&z);
    let (batch, k) = (shape[0], shape[1]);
    let up = B::float_reshape(up, [batch, 1].into());
    let per_logit = match loss {
        LogitLoss::Softmax => B::float_sub(B::float_mul(row_softmax::<B>(z), B::float_sum_dim(y.clone(), 1)), y),
        LogitLoss::Sigmoid => B::float_div_scalar(B::float_sub(B::sigmoid(z), y), (k as f32).into()),
        LogitLoss::SoftmaxBinary { epsilon } => {
            let s = row_softmax::<B>(z);
            let bool_dtype = get_or_init_device_settings::<B>(&TensorMetadata::device(&s)).bool_dtype;
            let clipped = B::bool_or(
                B::float_lower_elem(s.clone(), epsilon.into(), bool_dtype),
                B::float_greater_elem(s.clone(), (1.0 - epsilon).into(), bool_dtype),
            );
            let ds = B::float_sub(B::float_div(y.clone(), s.clone()), B::float_div(one_minus::<B>(y), one_minus::<B>(s.clone())));
            let ds = B::float_mask_fill(B::float_div_scalar(ds, (-(k as f32)).into()), clipped, 0.0f32.into());
            let dot = B::float_sum_dim(B::float_mul(ds.clone(), s.clone()), 1);
            B::float_mul(s, B::float_sub(ds, dot))
        }
    };
    B::float_mul(per_logit, up)
}

/// The backward kernels that the autodiff implementation of [`XentOps`] calls.
///
/// The default bodies are Burn's own backward operations; the flex backend overrides them.
pub trait XentGrads: Backend {
    /// Gradients of a convolution (rank 3: [`XentOps::xent_conv1d`], rank 4:
    /// [`XentOps::xent_conv2d`]) for input, weight and bias, each only if wanted. `relu_output`:
    /// the output of a convolution with its ReLU, whose gradient passes only where it is positive.
    #[allow(clippy::type_complexity)]
    fn xent_conv_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        geometry: ConvGeometry,
        wanted: Wanted,
        relu_output: Option<FloatTensor<Self>>,
    ) -> (Option<FloatTensor<Self>>, Option<FloatTensor<Self>>, Option<FloatTensor<Self>>) {
        let output_grad = through_relu::<Self>(output_grad, relu_output);
        burn_conv_backward::<Self>(x, weight, output_grad, geometry, wanted)
    }

    /// Gradients of [`XentOps::xent_linear`] for input, weight and bias, each only if wanted;
    /// `relu_output` as in [`Self::xent_conv_backward`].
    #[allow(clippy::type_complexity)]
    fn xent_linear_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        wanted: Wanted,
        relu_output: Option<FloatTensor<Self>>,
    ) -> (Option<FloatTensor<Self>>, Option<FloatTensor<Self>>, Option<FloatTensor<Self>>) {
        burn_linear_backward::<Self>(x, weight, through_relu::<Self>(output_grad, relu_output), wanted)
    }

    /// Gradients of [`XentOps::xent_conv1d_nlc`] for input (channels-last), weight and bias,
    /// each only if wanted; `relu_output` as in [`Self::xent_conv_backward`].
    #[allow(clippy::type_complexity)]
    fn xent_conv1d_nlc_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        wanted: Wanted,
        relu_output: Option<FloatTensor<Self>>,
    ) -> (Option<FloatTensor<Self>>, Option<FloatTensor<Self>>, Option<FloatTensor<Self>>) {
        let output_grad = through_relu::<Self>(output_grad, relu_output);
        let (dx, dw, db) = burn_conv_backward::<Self>(Self::float_swap_dims(x, 1, 2), weight, output_grad, ConvGeometry::one_d(1, 0, 0), wanted);
        (dx.map(|d| Self::float_swap_dims(d, 1, 2)), dw, db)
    }

    /// Gradients of [`XentOps::xent_conv1d_cl`] for input, weight and bias (input and output
    /// gradient channels-last), each only if wanted; `relu_output` as in
    /// [`Self::xent_conv_backward`].
    #[allow(clippy::type_complexity)]
    fn xent_conv1d_cl_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        geometry: ConvGeometry,
        wanted: Wanted,
        relu_output: Option<FloatTensor<Self>>,
    ) -> (Option<FloatTensor<Self>>, Option<FloatTensor<Self>>, Option<FloatTensor<Self>>) {
        burn_conv_cl_backward::<Self>(x, weight, through_relu::<Self>(output_grad, relu_output), geometry, wanted)
    }

    /// Gradients of [`XentOps::xent_batch_norm_train`] for input, γ and β, given the statistics
    /// it returned; `relu_output` as in [`Self::xent_conv_backward`].
    #[allow(clippy::type_complexity, clippy::too_many_arguments)]
    fn xent_batch_norm_backward(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        mean: FloatTensor<Self>,
        variance: FloatTensor<Self>,
        epsilon: f64,
        output_grad: FloatTensor<Self>,
        relu_output: Option<FloatTensor<Self>>,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let output_grad = through_relu::<Self>(output_grad, relu_output);
        let grads = Self::batch_norm_train_backward(x, gamma, mean, variance, epsilon, output_grad);
        (grads.x_grad, grads.gamma_grad, grads.beta_grad)
    }

    /// Gradient of [`XentOps::xent_embedding`] with respect to the table (`[vocab, dim]`, dense):
    /// Burn's `embedding_backward`.
    fn xent_embedding_backward(table: FloatTensor<Self>, output_grad: FloatTensor<Self>, ids: IntTensor<Self>) -> FloatTensor<Self> {
        Self::embedding_backward(table, output_grad, ids)
    }

    /// The logits' gradient of [`XentOps::xent_logit_loss`] given each sample's loss gradient
    /// `output_grad` `[batch]`.
    fn xent_logit_loss_backward(
        logits: FloatTensor<Self>,
        targets: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        kind: u8,
        epsilon: f32,
    ) -> FloatTensor<Self> {
        burn_logit_loss_backward::<Self>(logits, targets, output_grad, LogitLoss::from_code(kind, epsilon))
    }

    /// Input gradient of a max pool (rank 3: [`XentOps::xent_max_pool1d`], rank 4:
    /// [`XentOps::xent_max_pool2d`]).
    fn xent_max_pool_backward(x: FloatTensor<Self>, output_grad: FloatTensor<Self>, geometry: PoolGeometry) -> FloatTensor<Self> {
        burn_max_pool_backward::<Self>(x, output_grad, geometry)
    }
}

/// A dense layer's gradients with Burn's operations, each only if wanted (the fallback of every
/// backend for [`XentGrads::xent_linear_backward`]).
#[allow(clippy::type_complexity)]
fn burn_linear_backward<B: Backend>(
    x: FloatTensor<B>,
    weight: FloatTensor<B>,
    output_grad: FloatTensor<B>,
    wanted: Wanted,
) -> (Option<FloatTensor<B>>, Option<FloatTensor<B>>, Option<FloatTensor<B>>) {
    let dx = wanted.input.then(|| B::linear_x_backward(weight, output_grad.clone()));
    let dw = wanted.weight.then(|| B::linear_weight_backward(x, output_grad.clone()));
    (dx, dw, wanted.bias.then(|| B::linear_bias_backward(output_grad)))
}

/// Burn's own convolution gradients (the fallback of every backend).
#[allow(clippy::type_complexity)]
fn burn_conv_backward<B: Backend>(
    x: FloatTensor<B>,
    weight: FloatTensor<B>,
    output_grad: FloatTensor<B>,
    geometry: ConvGeometry,
    wanted: Wanted,
) -> (Option<FloatTensor<B>>, Option<FloatTensor<B>>, Option<FloatTensor<B>>) {
    let two_d = TensorMetadata::shape(&x).num_dims() == 4;
    let (dx, dw) = if two_d {
        let options = geometry.burn_2d();
        (
            wanted.input.then(|| B::conv2d_x_backward(x.clone(), weight.clone(), output_grad.clone(), options.clone())),
            wanted.weight.then(|| B::conv2d_weight_backward(x, weight, output_grad.clone(), options)),
        )
    } else {
        let options = geometry.burn_1d();
        (
            wanted.input.then(|| B::conv1d_x_backward(x.clone(), weight.clone(), output_grad.clone(), options.clone())),
            wanted.weight.then(|| B::conv1d_weight_backward(x, weight, output_grad.clone(), options)),
        )
    };
    let bias = wanted.bias.then(|| {
        // Sum over every axis but the channel axis (1).
        let rank = TensorMetadata::shape(&output_grad).num_dims();
        let mut summed = output_grad;
        for axis in (2..rank).rev().chain([0]) {
            summed = B::float_sum_dim(summed, axis);
        }
        let channels = TensorMetadata::shape(&summed)[1];
        B::float_reshape(summed, [channels].into())
    });
    (dx, dw, bias)
}

/// Burn's own gradients of a channels-last convolution (through channels-first views).
#[allow(clippy::type_complexity)]
fn burn_conv_cl_backward<B: Backend>(
    x: FloatTensor<B>,
    weight: FloatTensor<B>,
    output_grad: FloatTensor<B>,
    geometry: ConvGeometry,
    wanted: Wanted,
) -> (Option<FloatTensor<B>>, Option<FloatTensor<B>>, Option<FloatTensor<B>>) {
    let (x, output_grad) = (B::float_swap_dims(x, 1, 2), B::float_swap_dims(output_grad, 1, 2));
    let (dx, dw, db) = burn_conv_backward::<B>(x, weight, output_grad, geometry, wanted);
    (dx.map(|d| B::float_swap_dims(d, 1, 2)), dw, db)
}

/// Burn's own max-pool gradient (the fallback of every backend).
fn burn_max_pool_backward<B: Backend>(x: FloatTensor<B>, output_grad: FloatTensor<B>, g: PoolGeometry) -> FloatTensor<B> {
    let int_dtype = get_or_init_device_settings::<B>(&TensorMetadata::device(&x)).int_dtype;
    if TensorMetadata::shape(&x).num_dims() == 4 {
        let indices = B::max_pool2d_with_indices(x.clone(), g.kernel, g.stride, g.padding, [1, 1], false, int_dtype).indices;
        B::max_pool2d_with_indices_backward(x, g.kernel, g.stride, g.padding, [1, 1], false, output_grad, indices).x_grad
    } else {
        let (k, s, p) = (g.kernel[1], g.stride[1], g.padding[1]);
        let indices = B::max_pool1d_with_indices(x.clone(), k, s, p, 1, false, int_dtype).indices;
        B::max_pool1d_with_indices_backward(x, k, s, p, 1, false, output_grad, indices).x_grad
    }
}

/// Whether [`crate::nn`] layers use these kernels: yes, unless the environment variable
/// `XENT_KERNELS` is `burn` (Burn's own operations, for comparisons in one build, e.g.
/// `XENT_KERNELS=burn just bench ecg_cnn`). Read once per process.
pub fn enabled() -> bool {
    static ENABLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var("XENT_KERNELS").as_deref() != Ok("burn"))
}

/// Checks a 1-D convolution's operands as Burn's `conv1d` does (`len`, `c_in`: the input's length
/// and channels, in whichever layout) and returns the weight and the bias: zeros, untracked, for a
/// layer without one (so no bias gradient is computed).
fn conv1d_operands(
    len: usize,
    c_in: usize,
    weight: Tensor<3>,
    bias: Option<Tensor<1>>,
    stride: usize,
    padding: (usize, usize),
) -> (Tensor<3>, Tensor<1>) {
    let [c_out, w_in, k] = weight.dims();
    assert_eq!(c_in, w_in, "conv1d: input has {c_in} channels, the weight expects {w_in}");
    assert!(
        stride > 0 && k > 0 && len + padding.0 + padding.1 >= k,
        "conv1d: input of length {len} (padding {padding:?}) is shorter than the kernel {k}"
    );
    let bias = bias.unwrap_or_else(|| Tensor::zeros([c_out], &weight.device()));
    (weight, bias)
}

/// 1-D convolution (dilation 1, one group) of `x` `[batch, channels_in, length]` with `weight`
/// `[channels_out, channels_in, kernel]`, `padding = (left, right)` zeros, then `activation`.
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
pub fn conv1d(
    x: Tensor<3>,
    weight: Tensor<3>,
    bias: Option<Tensor<1>>,
    stride: usize,
    padding: (usize, usize),
    activation: Activation,
) -> Tensor<3> {
    let [_, c_in, len] = x.dims();
    let (weight, bias) = conv1d_operands(len, c_in, weight, bias, stride, padding);
    Tensor::from_dispatch(Dispatch::xent_conv1d(
        x.into_dispatch(),
        weight.into_dispatch(),
        bias.into_dispatch(),
        stride,
        padding.0,
        padding.1,
        activation == Activation::Relu,
    ))
}

/// 1-D convolution (stride 1, no padding, dilation 1, one group) of a channels-last input, as
/// an embedding produces it, then `activation`: the same result as [`conv1d`] on
/// `x.swap_dims(1, 2)`, without that copy and without im2col.
///
/// # Shapes
///
/// - `x`: `[batch, length_in, channels_in]`
/// - `weight`: `[channels_out, channels_in, kernel]` (Burn's layout); `bias`: `[channels_out]`
/// - output: `[batch, channels_out, length_in − kernel + 1]`
///
/// # Panics
///
/// If the channels disagree or the input is shorter than the kernel (as Burn's `conv1d`).
pub fn conv1d_channels_last(x: Tensor<3>, weight: Tensor<3>, bias: Option<Tensor<1>>, activation: Activation) -> Tensor<3> {
    let [_, len, c_in] = x.dims();
    let (weight, bias) = conv1d_operands(len, c_in, weight, bias, 1, (0, 0));
    Tensor::from_dispatch(Dispatch::xent_conv1d_nlc(
        x.into_dispatch(),
        weight.into_dispatch(),
        bias.into_dispatch(),
        activation == Activation::Relu,
    ))
}

/// 1-D convolution (stride 1, no padding, dilation 1, one group) of embedded tokens, then
/// `activation`, then with `pool` a `MaxPool(2)` (stride 2) over positions: the same result as
/// [`conv1d_channels_last`] (and [`max_pool1d`]) on `table` looked up at `ids` (an embedding's
/// output), computed from the batch's distinct tokens without materialising the embedding or the
/// unpooled output (`token_conv` module docs). Under autodiff the lookup, the convolution and the
/// pool are recorded as they are, so gradients reach the table and the weights as through them.
///
/// # Shapes
///
/// - `table`: `[vocab, channels_in]`; `ids`: `[batch, length_in]`, each in `0..vocab`
/// - `weight`: `[channels_out, channels_in, kernel]` (Burn's layout); `bias`: `[channels_out]`
/// - output: `[batch, channels_out, length_out]`, `length_out = length_in − kernel + 1`, halved
///   (rounded down) with `pool`
///
/// # Panics
///
/// If the channels disagree, the input is shorter than the kernel, or an id is outside the
/// table (as Burn's `embedding` and `conv1d`).
pub fn token_conv1d(
    table: Tensor<2>,
    ids: Tensor<2, Int>,
    weight: Tensor<3>,
    bias: Option<Tensor<1>>,
    activation: Activation,
    pool: bool,
) -> Tensor<3> {
    let ([_, len], [_, c_in]) = (ids.dims(), table.dims());
    let (weight, bias) = conv1d_operands(len, c_in, weight, bias, 1, (0, 0));
    Tensor::from_dispatch(Dispatch::xent_token_conv1d(
        table.into_dispatch(),
        ids.into_dispatch(),
        weight.into_dispatch(),
        bias.into_dispatch(),
        activation == Activation::Relu,
        pool,
    ))
}

/// The embedding lookup `table[ids]`: the same values as `burn::tensor::module::embedding`, and
/// under autodiff the same gradient for the table, which xent's kernels write across the rayon
/// pool instead of on the calling thread (`embedding` module docs).
///
/// # Shapes
///
/// - `table`: `[vocab, dim]`; `ids`: `[batch, length]`
/// - output: `[batch, length, dim]`
pub fn embedding(table: Tensor<2>, ids: Tensor<2, Int>) -> Tensor<3> {
    Tensor::from_dispatch(Dispatch::xent_embedding(table.into_dispatch(), ids.into_dispatch()))
}

/// 1-D convolution (dilation 1, one group) channels-last in and out: the same result as
/// [`conv1d`] on `x.swap_dims(1, 2)`, swapped back, with one GEMM per group of 8 samples over a
/// view of their input and no im2col (`conv_cl` module docs).
///
/// # Shapes
///
/// - `x`: `[batch, length_in, channels_in]`
/// - `weight`: `[channels_out, channels_in, kernel]` (Burn's layout); `bias`: `[channels_out]`
/// - output: `[batch, ⌊(length_in + left + right − kernel) / stride⌋ + 1, channels_out]`
///
/// # Panics
///
/// If the shapes disagree or the padded input is shorter than the kernel (as Burn's `conv1d`).
pub fn conv1d_cl(
    x: Tensor<3>,
    weight: Tensor<3>,
    bias: Option<Tensor<1>>,
    stride: usize,
    padding: (usize, usize),
    activation: Activation,
) -> Tensor<3> {
    let [_, len, c_in] = x.dims();
    let (weight, bias) = conv1d_operands(len, c_in, weight, bias, stride, padding);
    Tensor::from_dispatch(Dispatch::xent_conv1d_cl(
        x.into_dispatch(),
        weight.into_dispatch(),
        bias.into_dispatch(),
        stride,
        padding.0,
        padding.1,
        activation == Activation::Relu,
    ))
}

/// [`conv1d_cl`] joined with the end of a residual block, for inference: `relu(conv1d_cl(x) +
/// residual)`, then `MaxPool(2)` over positions if `pool`, with the same values as those
/// operations one after the other (and, under autodiff, recorded as them) but without writing the
/// intermediate activations on the flex device.
///
/// # Shapes
///
/// - `x`: `[batch, length_in, channels_in]`; `weight`, `bias` as in [`conv1d_cl`]
/// - `residual`: `[batch, length_out, channels_out]`, the convolution's output shape
/// - output: `residual`'s shape, or `[batch, ⌊length_out / 2⌋, channels_out]` with `pool`
///
/// # Panics
///
/// As [`conv1d_cl`], or if `residual` is not shaped like the convolution's output.
pub fn conv1d_cl_join(
    x: Tensor<3>,
    weight: Tensor<3>,
    bias: Option<Tensor<1>>,
    stride: usize,
    padding: (usize, usize),
    residual: Tensor<3>,
    pool: bool,
) -> Tensor<3> {
    let [batch, len, c_in] = x.dims();
    let (weight, bias) = conv1d_operands(len, c_in, weight, bias, stride, padding);
    let length_out = (len + padding.0 + padding.1 - weight.dims()[2]) / stride + 1;
    let expected = [batch, length_out, weight.dims()[0]];
    assert_eq!(residual.dims(), expected, "conv1d_cl_join: the residual is not shaped like the convolution's output");
    Tensor::from_dispatch(Dispatch::xent_conv1d_cl_join(
        x.into_dispatch(),
        weight.into_dispatch(),
        bias.into_dispatch(),
        stride,
        padding.0,
        padding.1,
        residual.into_dispatch(),
        pool,
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
    let [batch, channels, len_in] = x.dims();
    let w = Axis { len_in, kernel, stride, pad_lo: padding, pad_hi: padding };
    let shape = PoolShape { planes: batch * channels, h: Axis::UNIT, w };
    assert!(shape.positions_out().is_some(), "max_pool1d: no output for {shape:?}");
    Tensor::from_dispatch(Dispatch::xent_max_pool1d(x.into_dispatch(), kernel, stride, padding))
}

/// Checks a 2-D convolution's operands as Burn's `conv2d` does; returns the bias (zeros,
/// untracked, for a layer without one) and the output's `[height, width]`.
fn conv2d_operands(
    x: &Tensor<4>,
    weight: &Tensor<4>,
    bias: Option<Tensor<1>>,
    stride: [usize; 2],
    padding: [(usize, usize); 2],
) -> (Tensor<1>, [usize; 2]) {
    let [_, c_in, h, w] = x.dims();
    let [c_out, w_in, kh, kw] = weight.dims();
    assert_eq!(c_in, w_in, "conv2d: input has {c_in} channels, the weight expects {w_in}");
    let axis = |len_in, kernel, stride, (pad_lo, pad_hi)| Axis { len_in, kernel, stride, pad_lo, pad_hi };
    let (ah, aw) = (axis(h, kh, stride[0], padding[0]), axis(w, kw, stride[1], padding[1]));
    let (Some(ho), Some(wo)) = (ah.len_out(), aw.len_out()) else {
        panic!("conv2d: input {h}×{w} (padding {padding:?}) is smaller than the kernel {kh}×{kw}");
    };
    (bias.unwrap_or_else(|| Tensor::zeros([c_out], &weight.device())), [ho, wo])
}

/// [`conv1d`], then a `MaxPool1d(2)` (stride 2, no padding) as one operation: on the flex device
/// each group of samples' convolution output stays in a per-task buffer and only the pooled
/// values are written. At stride 1 the convolution runs channels-last inside
/// (`kernels/conv1d_pool.rs`): its sums run in another order, so the values agree with the two
/// operations to rounding; at other strides they are exactly those of the two operations
/// (`conv::forward_pooled`). Under autodiff the two are recorded separately (training is
/// unchanged).
///
/// # Shapes
///
/// - `x`: `[batch, channels_in, length_in]`; `weight`, `bias` as in [`conv1d`]
/// - output: `[batch, channels_out, ⌊length_out / 2⌋]`, `length_out` as in [`conv1d`]
///
/// # Panics
///
/// As [`conv1d`], and if the convolution's output is shorter than the pool window (as Burn's
/// `max_pool1d`).
pub fn conv1d_pool(
    x: Tensor<3>,
    weight: Tensor<3>,
    bias: Option<Tensor<1>>,
    stride: usize,
    padding: (usize, usize),
    activation: Activation,
) -> Tensor<3> {
    let [_, c_in, len] = x.dims();
    let (weight, bias) = conv1d_operands(len, c_in, weight, bias, stride, padding);
    pooled_len_1d(Axis { len_in: len, kernel: weight.dims()[2], stride, pad_lo: padding.0, pad_hi: padding.1 });
    Tensor::from_dispatch(Dispatch::xent_conv_pool(
        x.into_dispatch(),
        weight.into_dispatch(),
        bias.into_dispatch(),
        1,
        stride,
        0,
        0,
        padding.0,
        padding.1,
        activation == Activation::Relu,
    ))
}

/// Two blocks of [`conv1d_pool`] at stride 1, the second reading the first's output, as one
/// operation: on the flex device each group of samples runs through both convolutions and pools
/// in cache, channels-last between them (`kernels/conv1d_pool.rs`), and only the second block's
/// pooled output is written; the values agree with the blocks in turn to rounding. Under autodiff
/// the four operations are recorded separately (training is unchanged).
///
/// # Shapes
///
/// - `x`: `[batch, channels_in, length_in]`
/// - `first.0`: `[channels_mid, channels_in, kernel_1]`, `first.1`: `[channels_mid]`
/// - `second.0`: `[channels_out, channels_mid, kernel_2]`, `second.1`: `[channels_out]`
/// - output: `[batch, channels_out, length]`, the output of the second [`conv1d_pool`]
///
/// # Panics
///
/// As two calls of [`conv1d_pool`].
pub fn conv1d_pool_pair(
    x: Tensor<3>,
    first: (Tensor<3>, Option<Tensor<1>>, (usize, usize)),
    second: (Tensor<3>, Option<Tensor<1>>, (usize, usize)),
    activation: Activation,
) -> Tensor<3> {
    let [_, c_in, len] = x.dims();
    let ((w1, b1, pad1), (w2, b2, pad2)) = (first, second);
    let (w1, b1) = conv1d_operands(len, c_in, w1, b1, 1, pad1);
    let mid = pooled_len_1d(Axis { len_in: len, kernel: w1.dims()[2], stride: 1, pad_lo: pad1.0, pad_hi: pad1.1 });
    let (w2, b2) = conv1d_operands(mid, w1.dims()[0], w2, b2, 1, pad2);
    pooled_len_1d(Axis { len_in: mid, kernel: w2.dims()[2], stride: 1, pad_lo: pad2.0, pad_hi: pad2.1 });
    Tensor::from_dispatch(Dispatch::xent_conv_pool_pair(
        x.into_dispatch(),
        w1.into_dispatch(),
        b1.into_dispatch(),
        w2.into_dispatch(),
        b2.into_dispatch(),
        pad1,
        pad2,
        activation == Activation::Relu,
    ))
}

/// The length after a 1-D convolution along `axis` (checked by [`conv1d_operands`]) and
/// `MaxPool1d(2)`.
///
/// # Panics
///
/// If the convolution's output is shorter than the pool window (as Burn's `max_pool1d`).
fn pooled_len_1d(axis: Axis) -> usize {
    let out = axis.len_out().expect("checked by conv1d_operands");
    assert!(out >= 2, "max_pool1d: the convolution's {out} output positions are fewer than the window 2");
    out / 2
}

/// [`conv2d`], then a `MaxPool2d(2)` (2 × 2 windows, stride 2, no padding) as one operation, as
/// [`conv1d_pool`] does in 1-D.
///
/// # Shapes
///
/// - `x`, `weight`, `bias` as in [`conv2d`]
/// - output: `[batch, channels_out, ⌊height_out / 2⌋, ⌊width_out / 2⌋]`
///
/// # Panics
///
/// As [`conv2d`], and if an axis of the convolution's output is shorter than 2.
pub fn conv2d_pool(
    x: Tensor<4>,
    weight: Tensor<4>,
    bias: Option<Tensor<1>>,
    stride: [usize; 2],
    padding: [(usize, usize); 2],
    activation: Activation,
) -> Tensor<4> {
    let (bias, [ho, wo]) = conv2d_operands(&x, &weight, bias, stride, padding);
    assert!(ho >= 2 && wo >= 2, "max_pool2d: the convolution's {ho}×{wo} output is smaller than the window 2×2");
    Tensor::from_dispatch(Dispatch::xent_conv_pool(
        x.into_dispatch(),
        weight.into_dispatch(),
        bias.into_dispatch(),
        stride[0],
        stride[1],
        padding[0].0,
        padding[0].1,
        padding[1].0,
        padding[1].1,
        activation == Activation::Relu,
    ))
}

/// 2-D convolution (dilation 1, one group) of `x` with `weight`, `padding = [(top, bottom),
/// (left, right)]` zeros, then `activation`.
///
/// # Shapes
///
/// - `x`: `[batch, channels_in, height_in, width_in]`
/// - `weight`: `[channels_out, channels_in, kernel_h, kernel_w]`; `bias`: `[channels_out]`
/// - output: `[batch, channels_out, height_out, width_out]`, each axis `⌊(in + pads − kernel) /
///   stride⌋ + 1`
///
/// # Panics
///
/// If the shapes disagree or a padded axis is shorter than the kernel (as Burn's `conv2d`).
pub fn conv2d(
    x: Tensor<4>,
    weight: Tensor<4>,
    bias: Option<Tensor<1>>,
    stride: [usize; 2],
    padding: [(usize, usize); 2],
    activation: Activation,
) -> Tensor<4> {
    let (bias, _) = conv2d_operands(&x, &weight, bias, stride, padding);
    Tensor::from_dispatch(Dispatch::xent_conv2d(
        x.into_dispatch(),
        weight.into_dispatch(),
        bias.into_dispatch(),
        stride[0],
        stride[1],
        padding[0].0,
        padding[0].1,
        padding[1].0,
        padding[1].1,
        activation == Activation::Relu,
    ))
}

/// 2-D max pooling over the last two axes (dilation 1, floor rounding, `padding` implicit `−∞`
/// on both sides of each axis).
///
/// # Shapes
///
/// - `x`: `[batch, channels, height_in, width_in]`
/// - output: `[batch, channels, height_out, width_out]`, each axis `⌊(in + 2·padding − kernel) /
///   stride⌋ + 1`
///
/// # Panics
///
/// If a padded axis is shorter than the window or `padding > kernel / 2` (as Burn).
pub fn max_pool2d(x: Tensor<4>, kernel: [usize; 2], stride: [usize; 2], padding: [usize; 2]) -> Tensor<4> {
    let [batch, channels, h, w] = x.dims();
    let axis = |len_in, kernel, stride, pad| Axis { len_in, kernel, stride, pad_lo: pad, pad_hi: pad };
    let shape = PoolShape { planes: batch * channels, h: axis(h, kernel[0], stride[0], padding[0]), w: axis(w, kernel[1], stride[1], padding[1]) };
    assert!(shape.positions_out().is_some(), "max_pool2d: no output for {shape:?}");
    Tensor::from_dispatch(Dispatch::xent_max_pool2d(x.into_dispatch(), kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1]))
}

/// Batch normalisation with the batch's own statistics (training mode), then `activation`, as one
/// recorded operation: returns the output and, per channel, the mean and the biased variance
/// (detached), as `burn::tensor::module::batch_norm_train` does.
///
/// # Shapes
///
/// - `x`: `[batch, channels, ...]` (rank 2 or more)
/// - `gamma`, `beta`: `[channels]`
/// - output: the shape of `x`; mean and variance: `[channels]`
///
/// # Panics
///
/// If `gamma` or `beta` do not have one value per channel.
pub fn batch_norm_train<const D: usize>(
    x: Tensor<D>,
    gamma: Tensor<1>,
    beta: Tensor<1>,
    epsilon: f64,
    activation: Activation,
) -> (Tensor<D>, Tensor<1>, Tensor<1>) {
    let channels = x.dims()[1];
    assert!(
        gamma.dims() == [channels] && beta.dims() == [channels],
        "batch_norm_train: {channels} channels, γ {:?}, β {:?}",
        gamma.dims(),
        beta.dims()
    );
    let relu = activation == Activation::Relu;
    let (y, mean, variance) = Dispatch::xent_batch_norm_train(x.into_dispatch(), gamma.into_dispatch(), beta.into_dispatch(), epsilon, relu);
    (Tensor::from_dispatch(y), Tensor::from_dispatch(mean), Tensor::from_dispatch(variance))
}

/// A dense layer `x · weight + bias`, then `activation`: Burn's `linear` for a rank-2 input (and
/// its gradients), with xent's kernel (`kernels/linear.rs`).
///
/// # Shapes
///
/// - `x`: `[rows, d_input]`
/// - `weight`: `[d_input, d_output]` (Burn's `Linear` layout); `bias`: `[d_output]`
/// - output: `[rows, d_output]`
///
/// # Panics
///
/// If the input's features are not the weight's `d_input`, or the bias is not `[d_output]`.
pub fn linear(x: Tensor<2>, weight: Tensor<2>, bias: Option<Tensor<1>>, activation: Activation) -> Tensor<2> {
    let ([_, d_in], [w_in, d_out]) = (x.dims(), weight.dims());
    assert_eq!(d_in, w_in, "linear: input has {d_in} features, the weight expects {w_in}");
    let bias = bias.unwrap_or_else(|| Tensor::zeros([d_out], &weight.device()));
    assert_eq!(bias.dims(), [d_out], "linear: bias must have {d_out} entries");
    Tensor::from_dispatch(Dispatch::xent_linear(x.into_dispatch(), weight.into_dispatch(), bias.into_dispatch(), activation == Activation::Relu))
}

/// `relu(a + b)` as one recorded operation (one pass forward; backward one mask of the output's
/// gradient, which both inputs receive): the join of a residual block.
///
/// # Shapes
///
/// - `a`, `b`: the same shape; output: that shape
///
/// # Panics
///
/// If the shapes differ.
pub fn add_relu<const D: usize>(a: Tensor<D>, b: Tensor<D>) -> Tensor<D> {
    assert_eq!(a.dims(), b.dims(), "add_relu: the operands differ in shape");
    Tensor::from_dispatch(Dispatch::xent_add_relu(a.into_dispatch(), b.into_dispatch()))
}

/// Per-sample training losses from logits ([`LogitLoss`]) as one recorded operation; the
/// gradient reaches the logits only (targets are data).
///
/// # Shapes
///
/// - `logits`, `targets`: `[batch, K]`
/// - output: `[batch]`
///
/// # Panics
///
/// If the shapes differ.
pub fn logit_loss(logits: Tensor<2>, targets: Tensor<2>, loss: LogitLoss) -> Tensor<1> {
    assert_eq!(logits.dims(), targets.dims(), "logit_loss: logits and targets differ in shape");
    let (kind, epsilon) = loss.code();
    Tensor::from_dispatch(Dispatch::xent_logit_loss(logits.into_dispatch(), targets.into_dispatch(), kind, epsilon))
}

/// One Adam or Adamax step on plain (non-autodiff) tensors of any shape, as the optimizers in
/// [`crate::train`] take it: returns `(param, moment_1, moment_2)` updated. On the first step pass
/// zeros for both moments.
///
/// # Shapes
///
/// - all four tensors: the parameter's shape; outputs the same
pub fn moment_step<const D: usize>(
    param: Tensor<D>,
    grad: Tensor<D>,
    moment_1: Tensor<D>,
    moment_2: Tensor<D>,
    rule: &MomentRule,
) -> (Tensor<D>, Tensor<D>, Tensor<D>) {
    let (p, m, v) = Dispatch::xent_moment_step(
        param.into_dispatch(),
        grad.into_dispatch(),
        moment_1.into_dispatch(),
        moment_2.into_dispatch(),
        rule.beta_1,
        rule.beta_2,
        rule.epsilon,
        rule.alpha,
        rule.infinity_norm,
    );
    (Tensor::from_dispatch(p), Tensor::from_dispatch(m), Tensor::from_dispatch(v))
}

#[cfg(test)]
mod tests;
