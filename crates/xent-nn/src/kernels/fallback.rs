//! Burn's own operations, composed: the default bodies of [`super::XentOps`] on backends without
//! xent kernels.

use burn::backend::tensor::{FloatTensor, IntTensor};
use burn::backend::{Backend, TensorMetadata, get_or_init_device_settings};

use super::*;

/// Burn's 1-D convolution (and ReLU if `relu`) of a channels-last input `[batch, length,
/// channels_in]` through a channels-first view; the output is channels-first (the fallback of the
/// channels-last convolutions).
pub(super) fn burn_conv1d_from_channels_last<B: Backend>(x: FloatTensor<B>, weight: FloatTensor<B>, bias: FloatTensor<B>, geometry: ConvGeometry, relu: bool) -> FloatTensor<B> {
    relu_if::<B>(B::conv1d(B::float_swap_dims(x, 1, 2), weight, Some(bias), geometry.burn_1d()), relu)
}

/// `relu(conv + residual)`, then `MaxPool(2)` over the positions of `[batch, length, channels]` if
/// `pool`, as separate [`XentOps`] operations (recorded one by one under autodiff).
pub(super) fn join_separately<B: XentOps>(conv: FloatTensor<B>, residual: FloatTensor<B>, pool: bool) -> FloatTensor<B> {
    let joined = B::xent_add_relu(conv, residual);
    if !pool {
        return joined;
    }
    let shape = TensorMetadata::shape(&joined);
    let (batch, length, channels) = (shape[0], shape[1], shape[2]);
    let planes = B::float_reshape(joined, [batch, 1, length, channels].into());
    let pairs = PoolGeometry { kernel: [2, 1], stride: [2, 1], padding: [0, 0] };
    B::float_reshape(B::xent_max_pool2d(planes, pairs), [batch, length / 2, channels].into())
}

/// [`XentOps::xent_conv_pool`] as two operations: the convolution of `x`'s rank, then the pool.
pub(super) fn conv_then_pool<B: XentOps>(x: FloatTensor<B>, weight: FloatTensor<B>, bias: FloatTensor<B>, g: ConvGeometry, relu: bool) -> FloatTensor<B> {
    if x.shape().num_dims() == 3 {
        B::xent_max_pool1d(B::xent_conv1d(x, weight, bias, g, relu), PoolGeometry::one_d(2, 2, 0))
    } else {
        let pairs = PoolGeometry { kernel: [2, 2], stride: [2, 2], padding: [0, 0] };
        B::xent_max_pool2d(B::xent_conv2d(x, weight, bias, g, relu), pairs)
    }
}

/// A block of [`conv_pool_in_turn`]: weight, bias and 1-D geometry.
type PoolBlock<B> = (FloatTensor<B>, FloatTensor<B>, ConvGeometry);

/// [`XentOps::xent_conv_pool_pair`] as its two blocks in turn, each a
/// [`XentOps::xent_conv_pool`] with its `(weight, bias, geometry)`.
pub(super) fn conv_pool_in_turn<B: XentOps>(x: FloatTensor<B>, blocks: [PoolBlock<B>; 2], relu: bool) -> FloatTensor<B> {
    blocks.into_iter().fold(x, |x, (weight, bias, geometry)| B::xent_conv_pool(x, weight, bias, geometry, relu))
}

/// [`XentOps::xent_token_conv1d`] as separate operations: the lookup, the convolution, the pool.
pub(super) fn lookup_then_conv<B: XentOps>(
    table: FloatTensor<B>,
    ids: IntTensor<B>,
    weight: FloatTensor<B>,
    bias: FloatTensor<B>,
    relu: bool,
    pool: bool,
) -> FloatTensor<B> {
    let y = B::xent_conv1d_from_channels_last(B::embedding(table, ids), weight, bias, relu);
    if pool { B::xent_max_pool1d(y, PoolGeometry::one_d(2, 2, 0)) } else { y }
}

/// `out` after Burn's ReLU if `relu` (the fused activation of the fallback paths).
pub(super) fn relu_if<B: Backend>(out: FloatTensor<B>, relu: bool) -> FloatTensor<B> {
    if relu { B::relu(out) } else { out }
}

/// The gradient `grad` of a fused ReLU's output passed through it with Burn's `relu_backward`
/// (`relu_output`: that output, if the operation had a ReLU).
pub(super) fn through_relu<B: Backend>(grad: FloatTensor<B>, relu_output: Option<FloatTensor<B>>) -> FloatTensor<B> {
    match relu_output {
        Some(out) => B::relu_backward(out, grad),
        None => grad,
    }
}

/// The Keras Adam/Adamax update with Burn's operations (the fallback of every backend, and the
/// reference the fused kernel is tested against).
pub(super) fn burn_moment_step<B: Backend>(
    param: FloatTensor<B>,
    grad: FloatTensor<B>,
    m: FloatTensor<B>,
    v: FloatTensor<B>,
    r: &MomentRule,
) -> Floats3<B> {
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
pub(super) fn row_softmax<B: Backend>(z: FloatTensor<B>) -> FloatTensor<B> {
    let shifted = B::float_sub(z.clone(), B::float_max_dim(z, 1));
    let e = B::float_exp(shifted);
    B::float_div(e.clone(), B::float_sum_dim(e, 1))
}

/// `1 − t` with Burn's operations.
pub(super) fn one_minus<B: Backend>(t: FloatTensor<B>) -> FloatTensor<B> {
    B::float_add_scalar(B::float_neg(t), 1.0f32.into())
}

/// The losses with Burn's operations (the fallback of every backend, and the reference the
/// kernel is tested against): the formulas of [`LogitLoss`].
pub(super) fn burn_logit_loss<B: Backend>(z: FloatTensor<B>, y: FloatTensor<B>, loss: LogitLoss) -> FloatTensor<B> {
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
pub(super) fn burn_logit_loss_backward<B: Backend>(z: FloatTensor<B>, y: FloatTensor<B>, up: FloatTensor<B>, loss: LogitLoss) -> FloatTensor<B> {
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
