//! The tensor functions the layers call: each checks its operands as Burn does and runs the
//! kernel, or Burn's operation when [`enabled`] says no or the backend has no kernel.

use burn::backend::Dispatch;
use burn::tensor::{Int, Tensor};

use super::*;

/// Whether [`crate::nn`] layers use these kernels: yes, unless the environment variable
/// `XENT_KERNELS` is `burn` (Burn's own operations, for comparisons in one build, e.g.
/// `XENT_KERNELS=burn just bench ecg_cnn`). Read once per process.
pub fn enabled() -> bool {
    static ENABLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var("XENT_KERNELS").as_deref() != Ok("burn"))
}

/// Checks a 1-D convolution's operands as Burn's `conv1d` does (`len`, `c_in`: the input's length
/// and channels, in whichever layout; `geometry`'s horizontal axis) and returns the weight and the
/// bias: zeros, untracked, for a layer without one (so no bias gradient is computed).
fn conv1d_operands(len: usize, c_in: usize, weight: Tensor<3>, bias: Option<Tensor<1>>, geometry: &ConvGeometry) -> (Tensor<3>, Tensor<1>) {
    let (stride, padding) = (geometry.stride[1], geometry.padding[1]);
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
/// `[channels_out, channels_in, kernel]`, `geometry`'s stride and `(left, right)` zeros
/// ([`ConvGeometry::one_d`]), then `activation`.
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
pub fn conv1d(x: Tensor<3>, weight: Tensor<3>, bias: Option<Tensor<1>>, geometry: ConvGeometry, activation: Activation) -> Tensor<3> {
    let [_, c_in, len] = x.dims();
    let (weight, bias) = conv1d_operands(len, c_in, weight, bias, &geometry);
    let relu = activation == Activation::Relu;
    Tensor::from_dispatch(Dispatch::xent_conv1d(x.into_dispatch(), weight.into_dispatch(), bias.into_dispatch(), geometry, relu))
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
pub fn conv1d_from_channels_last(x: Tensor<3>, weight: Tensor<3>, bias: Option<Tensor<1>>, activation: Activation) -> Tensor<3> {
    let [_, len, c_in] = x.dims();
    let (weight, bias) = conv1d_operands(len, c_in, weight, bias, &ConvGeometry::one_d(1, 0, 0));
    Tensor::from_dispatch(Dispatch::xent_conv1d_from_channels_last(
        x.into_dispatch(),
        weight.into_dispatch(),
        bias.into_dispatch(),
        activation == Activation::Relu,
    ))
}

/// 1-D convolution (stride 1, no padding, dilation 1, one group) of embedded tokens, then
/// `activation`, then with `pool` a `MaxPool(2)` (stride 2) over positions: the same result as
/// [`conv1d_from_channels_last`] (and [`max_pool1d`]) on `table` looked up at `ids` (an embedding's
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
    let (weight, bias) = conv1d_operands(len, c_in, weight, bias, &ConvGeometry::one_d(1, 0, 0));
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
/// view of their input and no im2col (`conv_channels_last` module docs).
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
pub fn conv1d_channels_last(x: Tensor<3>, weight: Tensor<3>, bias: Option<Tensor<1>>, geometry: ConvGeometry, activation: Activation) -> Tensor<3> {
    let [_, len, c_in] = x.dims();
    let (weight, bias) = conv1d_operands(len, c_in, weight, bias, &geometry);
    let relu = activation == Activation::Relu;
    Tensor::from_dispatch(Dispatch::xent_conv1d_channels_last(x.into_dispatch(), weight.into_dispatch(), bias.into_dispatch(), geometry, relu))
}

/// [`conv1d_channels_last`] joined with the end of a residual block, for inference: `relu(conv1d_channels_last(x) +
/// residual)`, then `MaxPool(2)` over positions if `pool`, with the same values as those
/// operations one after the other (and, under autodiff, recorded as them) but without writing the
/// intermediate activations on the flex device.
///
/// # Shapes
///
/// - `x`: `[batch, length_in, channels_in]`; `weight`, `bias` as in [`conv1d_channels_last`]
/// - `residual`: `[batch, length_out, channels_out]`, the convolution's output shape
/// - output: `residual`'s shape, or `[batch, ⌊length_out / 2⌋, channels_out]` with `pool`
///
/// # Panics
///
/// As [`conv1d_channels_last`], or if `residual` is not shaped like the convolution's output.
pub fn conv1d_channels_last_join(
    x: Tensor<3>,
    weight: Tensor<3>,
    bias: Option<Tensor<1>>,
    geometry: ConvGeometry,
    residual: Tensor<3>,
    pool: bool,
) -> Tensor<3> {
    let [batch, len, c_in] = x.dims();
    let (weight, bias) = conv1d_operands(len, c_in, weight, bias, &geometry);
    let (stride, padding) = (geometry.stride[1], geometry.padding[1]);
    let length_out = (len + padding.0 + padding.1 - weight.dims()[2]) / stride + 1;
    let expected = [batch, length_out, weight.dims()[0]];
    assert_eq!(residual.dims(), expected, "conv1d_channels_last_join: the residual is not shaped like the convolution's output");
    Tensor::from_dispatch(Dispatch::xent_conv1d_channels_last_join(
        x.into_dispatch(),
        weight.into_dispatch(),
        bias.into_dispatch(),
        geometry,
        residual.into_dispatch(),
        pool,
    ))
}

/// 1-D max pooling over the last axis (dilation 1, floor rounding, `geometry`'s horizontal
/// window, stride and implicit `−∞` padding on each side: [`PoolGeometry::one_d`]).
///
/// # Shapes
///
/// - `x`: `[batch, channels, length_in]`
/// - output: `[batch, channels, ⌊(length_in + 2·padding − kernel) / stride⌋ + 1]`
///
/// # Panics
///
/// If the padded input is shorter than the window or `padding > kernel / 2` (as Burn).
pub fn max_pool1d(x: Tensor<3>, geometry: PoolGeometry) -> Tensor<3> {
    let [batch, channels, len_in] = x.dims();
    let (kernel, stride, padding) = (geometry.kernel[1], geometry.stride[1], geometry.padding[1]);
    let w = Axis { len_in, kernel, stride, pad_lo: padding, pad_hi: padding };
    let shape = PoolShape { planes: batch * channels, h: Axis::UNIT, w };
    assert!(shape.positions_out().is_some(), "max_pool1d: no output for {shape:?}");
    Tensor::from_dispatch(Dispatch::xent_max_pool1d(x.into_dispatch(), geometry))
}

/// Checks a 2-D convolution's operands as Burn's `conv2d` does; returns the bias (zeros,
/// untracked, for a layer without one) and the output's `[height, width]`.
fn conv2d_operands(x: &Tensor<4>, weight: &Tensor<4>, bias: Option<Tensor<1>>, geometry: &ConvGeometry) -> (Tensor<1>, [usize; 2]) {
    let (stride, padding) = (geometry.stride, geometry.padding);
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
pub fn conv1d_pool(x: Tensor<3>, weight: Tensor<3>, bias: Option<Tensor<1>>, geometry: ConvGeometry, activation: Activation) -> Tensor<3> {
    let [_, c_in, len] = x.dims();
    let (weight, bias) = conv1d_operands(len, c_in, weight, bias, &geometry);
    pooled_len_1d(axis_1d(len, weight.dims()[2], &geometry));
    let relu = activation == Activation::Relu;
    Tensor::from_dispatch(Dispatch::xent_conv_pool(x.into_dispatch(), weight.into_dispatch(), bias.into_dispatch(), geometry, relu))
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
/// - `first.0`: `[channels_mid, channels_in, kernel_1]`, `first.1`: `[channels_mid]`, `first.2`: its
///   geometry (stride 1)
/// - `second.0`: `[channels_out, channels_mid, kernel_2]`, `second.1`: `[channels_out]`, `second.2`:
///   its geometry (stride 1)
/// - output: `[batch, channels_out, length]`, the output of the second [`conv1d_pool`]
///
/// # Panics
///
/// As two calls of [`conv1d_pool`], and if a geometry's stride is not 1.
pub fn conv1d_pool_pair(
    x: Tensor<3>,
    first: (Tensor<3>, Option<Tensor<1>>, ConvGeometry),
    second: (Tensor<3>, Option<Tensor<1>>, ConvGeometry),
    activation: Activation,
) -> Tensor<3> {
    let [_, c_in, len] = x.dims();
    let ((w1, b1, g1), (w2, b2, g2)) = (first, second);
    assert!(g1.stride[1] == 1 && g2.stride[1] == 1, "conv1d_pool_pair: both convolutions must have stride 1");
    let (w1, b1) = conv1d_operands(len, c_in, w1, b1, &g1);
    let mid = pooled_len_1d(axis_1d(len, w1.dims()[2], &g1));
    let (w2, b2) = conv1d_operands(mid, w1.dims()[0], w2, b2, &g2);
    pooled_len_1d(axis_1d(mid, w2.dims()[2], &g2));
    Tensor::from_dispatch(Dispatch::xent_conv_pool_pair(
        x.into_dispatch(),
        w1.into_dispatch(),
        b1.into_dispatch(),
        w2.into_dispatch(),
        b2.into_dispatch(),
        [g1, g2],
        activation == Activation::Relu,
    ))
}

/// The horizontal [`Axis`] of a 1-D convolution of `len_in` positions with a `kernel`-wide weight.
fn axis_1d(len_in: usize, kernel: usize, geometry: &ConvGeometry) -> Axis {
    let (pad_lo, pad_hi) = geometry.padding[1];
    Axis { len_in, kernel, stride: geometry.stride[1], pad_lo, pad_hi }
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
pub fn conv2d_pool(x: Tensor<4>, weight: Tensor<4>, bias: Option<Tensor<1>>, geometry: ConvGeometry, activation: Activation) -> Tensor<4> {
    let (bias, [ho, wo]) = conv2d_operands(&x, &weight, bias, &geometry);
    assert!(ho >= 2 && wo >= 2, "max_pool2d: the convolution's {ho}×{wo} output is smaller than the window 2×2");
    let relu = activation == Activation::Relu;
    Tensor::from_dispatch(Dispatch::xent_conv_pool(x.into_dispatch(), weight.into_dispatch(), bias.into_dispatch(), geometry, relu))
}

/// 2-D convolution (dilation 1, one group) of `x` with `weight`, `geometry`'s strides and
/// `[(top, bottom), (left, right)]` zeros, then `activation`.
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
pub fn conv2d(x: Tensor<4>, weight: Tensor<4>, bias: Option<Tensor<1>>, geometry: ConvGeometry, activation: Activation) -> Tensor<4> {
    let (bias, _) = conv2d_operands(&x, &weight, bias, &geometry);
    let relu = activation == Activation::Relu;
    Tensor::from_dispatch(Dispatch::xent_conv2d(x.into_dispatch(), weight.into_dispatch(), bias.into_dispatch(), geometry, relu))
}

/// 2-D max pooling over the last two axes (dilation 1, floor rounding, `geometry`'s windows,
/// strides and implicit `−∞` padding on both sides of each axis).
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
pub fn max_pool2d(x: Tensor<4>, geometry: PoolGeometry) -> Tensor<4> {
    let [batch, channels, h, w] = x.dims();
    let (kernel, stride, padding) = (geometry.kernel, geometry.stride, geometry.padding);
    let axis = |len_in, kernel, stride, pad| Axis { len_in, kernel, stride, pad_lo: pad, pad_hi: pad };
    let shape = PoolShape { planes: batch * channels, h: axis(h, kernel[0], stride[0], padding[0]), w: axis(w, kernel[1], stride[1], padding[1]) };
    assert!(shape.positions_out().is_some(), "max_pool2d: no output for {shape:?}");
    Tensor::from_dispatch(Dispatch::xent_max_pool2d(x.into_dispatch(), geometry))
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
    Tensor::from_dispatch(Dispatch::xent_logit_loss(logits.into_dispatch(), targets.into_dispatch(), loss))
}

/// One Adam or Adamax step on plain (non-autodiff) tensors of any shape, as the optimizers in
/// `xent_core::train` take it: returns `(param, moment_1, moment_2)` updated. On the first step pass
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
    let (p, m, v) = Dispatch::xent_moment_step(param.into_dispatch(), grad.into_dispatch(), moment_1.into_dispatch(), moment_2.into_dispatch(), *rule);
    (Tensor::from_dispatch(p), Tensor::from_dispatch(m), Tensor::from_dispatch(v))
}
