//! xent's own CPU kernels for the slow parts of Burn 0.22's flex backend, registered through
//! Burn's backend extension (`#[backend_extension]`), with hand-written backward passes.
//!
//! Profiling the ECG CNN under `perf` showed a training step
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
//! - [`conv1d_from_channels_last`]: a valid stride-1 convolution reading `[batch, length,
//!   channels]` (an embedding's output) and writing channels-first, without the transposing copy
//!   and without im2col (`conv_from_channels_last` docs);
//! - [`token_conv1d`]: the same convolution over embedded tokens, from the batch's distinct
//!   tokens, without the embedding's output (`token_conv` docs);
//! - [`embedding`]: Burn's lookup, whose dense table gradient is written across the pool instead
//!   of zero-filled and scattered on the calling thread (`embedding` module docs);
//! - [`conv1d_channels_last`]: a 1-D convolution channels-last in and out, any stride and
//!   padding, as one GEMM per group of samples over a view of their input, no im2col
//!   (`conv_channels_last` docs);
//! - [`batch_norm_train`]: batch normalisation with the batch's statistics in two passes forward
//!   and two backward, instead of Burn's transposing copies and broadcast passes;
//! - [`add_relu`]: a residual block's `relu(a + b)` as one pass each way;
//! - [`logit_loss`]: the training losses from logits as one operation (and one backward), instead
//!   of a dozen recorded elementwise operations.
//!
//! The convolutions and the batch norm take an [`Activation`]: a ReLU applied inside the same
//! operation (and its gradient mask inside the same backward), one pass less each way.
//! They run on the flex device (and under `autodiff()` on it) for `f32` tensors with dilation 1
//! and one group; anything else (another dtype, the opt-in ndarray backend, the GPU backends of
//! the `wgpu` and `cuda` features) goes to Burn's own operation with the same arguments, so results never depend on which path ran beyond
//! floating-point summation order. Every kernel is tested against Burn's built-in operation on
//! values and gradients (`tests` below). The layers in [`crate::nn`] call these functions and keep
//! Burn's parameter layout, so their records load into `burn::nn` modules and back.
//!
//! Layout: [`geometry`](ConvGeometry) (the shapes passed through the backend trait), `ops`
//! ([`XentOps`], the forward operations) and `grads` ([`XentGrads`], the backward ones) with
//! Burn's operations as default bodies (`fallback`), `api` (the tensor functions the layers
//! call), `buffers` (run-time SIMD dispatch and the buffer helpers every kernel uses), then one
//! file per kernel family (`conv`, `conv_channels_last`, `max_pool`, …) and one per backend (`flex`,
//! `autodiff`, `ndarray`, `cube`).

// The opt-in ndarray backend is deprecated in Burn 0.22; routing to it is intended.
#![cfg_attr(feature = "ndarray", allow(deprecated))]

mod api;
mod autodiff;
mod batch_norm;
mod buffers;
mod conv;
mod conv1d_pool;
mod conv_channels_last;
mod conv_from_channels_last;
mod embedding;
mod fallback;
mod flex;
mod gemm;
mod geometry;
mod grads;
mod linear;
mod logit_loss;
mod max_pool;
mod moment;
mod ops;
mod token_conv;
mod transpose;
mod winograd;
mod winograd1d;
#[cfg(feature = "ndarray")]
mod ndarray;
#[cfg(any(feature = "wgpu", feature = "cuda"))]
mod cube;

pub use conv::{Axis, ConvShape, Wanted};
pub use conv_channels_last::ChannelsLastShape;
pub use conv_from_channels_last::FromChannelsLastShape;
pub use logit_loss::LogitLoss;
pub use max_pool::PoolShape;
pub use moment::MomentRule;
pub use token_conv::TokenShape;

pub use api::*;
pub(crate) use buffers::*;
use fallback::*;
pub use geometry::{Activation, ConvGeometry, PoolGeometry};
pub use grads::XentGrads;
use grads::{burn_conv_backward, burn_conv1d_channels_last_backward, burn_linear_backward, burn_max_pool_backward};
pub use ops::{Floats3, WantedGrads, XentOps};

#[cfg(test)]
mod tests;
