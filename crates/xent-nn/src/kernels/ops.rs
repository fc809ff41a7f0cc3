//! [`XentOps`]: the forward operations, one per kernel, with Burn's operations as default bodies.

use burn::backend::tensor::{FloatTensor, IntTensor};
use burn::backend::{Backend, backend_extension};

use super::*;

/// Three float tensors returned together: an output with the batch's mean and variance, a
/// parameter with its two moments, or the gradients of input, γ and β. (The methods of
/// [`XentOps`] spell the tuple out: the backend-extension macro reads their signatures.)
pub type Floats3<B> = (FloatTensor<B>, FloatTensor<B>, FloatTensor<B>);

/// The gradients of an input, a weight and a bias, each computed only if [`Wanted`].
pub type WantedGrads<B> = (Option<FloatTensor<B>>, Option<FloatTensor<B>>, Option<FloatTensor<B>>);

/// Forward operations with xent kernels (dispatched by Burn to the tensor's backend).
///
/// The default bodies are Burn's own operations; the flex backend overrides them. The GPU
/// backends (`Cube`: wgpu and CUDA, behind the `wgpu` and `cuda` features) and the opt-in ndarray
/// backend keep the defaults (`cube` and `ndarray` modules).
#[backend_extension(Flex, Autodiff, NdArray: cfg(feature = "ndarray"), Cube: cfg(any(feature = "wgpu", feature = "cuda")))]
pub trait XentOps: Backend {
    /// 1-D convolution, dilation 1, one group, stride and zero padding from `geometry` (its
    /// horizontal axis, [`ConvGeometry::one_d`]), followed by a ReLU if `relu`. A layer without
    /// bias passes zeros (untracked, so no bias gradient is computed).
    fn xent_conv1d(x: FloatTensor<Self>, weight: FloatTensor<Self>, bias: FloatTensor<Self>, geometry: ConvGeometry, relu: bool) -> FloatTensor<Self> {
        relu_if::<Self>(Self::conv1d(x, weight, Some(bias), geometry.burn_1d()), relu)
    }

    /// 1-D convolution, stride 1, no padding, of a channels-last input `[batch, length,
    /// channels_in]`, followed by a ReLU if `relu`; output channels-first `[batch,
    /// channels_out, length_out]`.
    fn xent_conv1d_from_channels_last(x: FloatTensor<Self>, weight: FloatTensor<Self>, bias: FloatTensor<Self>, relu: bool) -> FloatTensor<Self> {
        burn_conv1d_from_channels_last::<Self>(x, weight, bias, ConvGeometry::one_d(1, 0, 0), relu)
    }

    /// 1-D convolution, stride 1, no padding, of embedded tokens: `table` `[vocab, channels_in]`
    /// looked up at `ids` `[batch, length]`, followed by a ReLU if `relu` and a `MaxPool(2)` over
    /// positions if `pool`; output channels-first `[batch, channels_out, length_out]`. The
    /// default is the lookup, [`XentOps::xent_conv1d_from_channels_last`] and [`XentOps::xent_max_pool1d`] (so
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
    /// output `[batch, length_out, channels_out]`, dilation 1, one group, stride and zero padding
    /// from `geometry` ([`ConvGeometry::one_d`]), followed by a ReLU if `relu`.
    fn xent_conv1d_channels_last(x: FloatTensor<Self>, weight: FloatTensor<Self>, bias: FloatTensor<Self>, geometry: ConvGeometry, relu: bool) -> FloatTensor<Self> {
        Self::float_swap_dims(burn_conv1d_from_channels_last::<Self>(x, weight, bias, geometry, relu), 1, 2)
    }

    /// [`Self::xent_conv1d_channels_last`] as training records it: the direct products, the ones its
    /// backward pass differentiates (in inference the flex kernel runs kernels of 5 by Winograd,
    /// whose rounding differs). The default is [`Self::xent_conv1d_channels_last`].
    fn xent_conv1d_channels_last_direct(x: FloatTensor<Self>, weight: FloatTensor<Self>, bias: FloatTensor<Self>, geometry: ConvGeometry, relu: bool) -> FloatTensor<Self> {
        Self::xent_conv1d_channels_last(x, weight, bias, geometry, relu)
    }

    /// [`Self::xent_conv1d_channels_last`] joined with a residual block's end: `relu(conv + residual)`, then
    /// `MaxPool(2)` over positions if `pool` (for inference: the flex kernel writes no
    /// intermediate activation). The default, and under autodiff the recorded form, is the
    /// operations one after the other.
    fn xent_conv1d_channels_last_join(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        geometry: ConvGeometry,
        residual: FloatTensor<Self>,
        pool: bool,
    ) -> FloatTensor<Self> {
        let conv = Self::xent_conv1d_channels_last(x, weight, bias, geometry, false);
        join_separately::<Self>(conv, residual, pool)
    }

    /// 2-D convolution, dilation 1, one group, strides and zero padding from `geometry`,
    /// followed by a ReLU if `relu`.
    fn xent_conv2d(x: FloatTensor<Self>, weight: FloatTensor<Self>, bias: FloatTensor<Self>, geometry: ConvGeometry, relu: bool) -> FloatTensor<Self> {
        relu_if::<Self>(Self::conv2d(x, weight, Some(bias), geometry.burn_2d()), relu)
    }

    /// A convolution of either rank followed by a max pool of 2 along each spatial axis
    /// (`MaxPool1d(2)` or `MaxPool2d(2)`: stride 2, no padding), through a ReLU if `relu`. `x` is
    /// `[batch, channels_in, width]` or `[batch, channels_in, height, width]`; for a 1-D
    /// convolution the vertical entries of `geometry` are ignored. The default is the convolution
    /// and the pool as separate operations (so under autodiff both are recorded as they are).
    fn xent_conv_pool(x: FloatTensor<Self>, weight: FloatTensor<Self>, bias: FloatTensor<Self>, geometry: ConvGeometry, relu: bool) -> FloatTensor<Self> {
        conv_then_pool::<Self>(x, weight, bias, geometry, relu)
    }

    /// Two stride-1 1-D convolutions, each followed by `MaxPool1d(2)` and a ReLU if `relu`, the
    /// second reading the first's pooled output: `x` `[batch, channels_in, width]`, `weight_1`
    /// `[channels_mid, channels_in, kernel_1]`, `weight_2` `[channels_out, channels_mid,
    /// kernel_2]`, and `geometries` the 1-D geometry of each (stride 1; [`ConvGeometry::one_d`]).
    /// The default is two [`Self::xent_conv_pool`] operations.
    fn xent_conv_pool_pair(
        x: FloatTensor<Self>,
        weight_1: FloatTensor<Self>,
        bias_1: FloatTensor<Self>,
        weight_2: FloatTensor<Self>,
        bias_2: FloatTensor<Self>,
        geometries: [ConvGeometry; 2],
        relu: bool,
    ) -> FloatTensor<Self> {
        conv_pool_in_turn::<Self>(x, [(weight_1, bias_1, geometries[0]), (weight_2, bias_2, geometries[1])], relu)
    }

    /// 1-D max pooling (the horizontal axis of `geometry`, [`PoolGeometry::one_d`]), dilation 1,
    /// floor rounding, `−∞` padding on both sides.
    fn xent_max_pool1d(x: FloatTensor<Self>, geometry: PoolGeometry) -> FloatTensor<Self> {
        Self::max_pool1d(x, geometry.kernel[1], geometry.stride[1], geometry.padding[1], 1, false)
    }

    /// 2-D max pooling, dilation 1, floor rounding, `−∞` padding on both sides of each axis.
    fn xent_max_pool2d(x: FloatTensor<Self>, geometry: PoolGeometry) -> FloatTensor<Self> {
        Self::max_pool2d(x, geometry.kernel, geometry.stride, geometry.padding, [1, 1], false)
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

    /// Per-sample losses `[batch]` of logits and targets `[batch, K]`. The targets receive no
    /// gradient.
    fn xent_logit_loss(logits: FloatTensor<Self>, targets: FloatTensor<Self>, loss: LogitLoss) -> FloatTensor<Self> {
        burn_logit_loss::<Self>(logits, targets, loss)
    }

    /// One Adam or Adamax step (`rule`): returns the updated parameter, first moment and second
    /// moment (or infinity norm).
    #[allow(clippy::type_complexity)]
    fn xent_moment_step(
        param: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        moment_1: FloatTensor<Self>,
        moment_2: FloatTensor<Self>,
        rule: MomentRule,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        burn_moment_step::<Self>(param, grad, moment_1, moment_2, &rule)
    }
}
