//! [`XentOps`]: the forward operations, one per kernel, with Burn's operations as default bodies.

use burn::backend::tensor::{FloatTensor, IntTensor};
use burn::backend::{Backend, backend_extension};

use super::*;

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
