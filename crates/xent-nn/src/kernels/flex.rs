//! [`XentOps`] and [`XentGrads`] on the flex backend: `f32` tensors go to the slice kernels,
//! anything else to Burn's own operations.

use burn::backend::flex::FlexTensor;
use burn::backend::ops::{ActivationOps, FloatTensorOps, ModuleOps};
use burn::backend::{Flex, TensorMetadata};
use burn::tensor::{DType, Shape, TensorData};
use std::mem::MaybeUninit;

use rayon::prelude::*;

use super::batch_norm::{self, NormShape};
use super::conv::{self, Axis, ConvGrads, ConvShape, Wanted};
use super::conv1d_pool;
use super::conv_channels_last::{self, ChannelsLastShape, Products};
use super::conv_from_channels_last::{self, FromChannelsLastShape};
use super::embedding;
use super::linear::{self, LinearShape};
use super::logit_loss::{self, LogitLoss};
use super::max_pool::{self, PoolShape};
use super::moment::{self, MomentRule};
use super::token_conv::{self, TokenShape};
use super::winograd;
use super::{
    ConvGeometry, Floats3, PoolGeometry, WantedGrads, XentGrads, XentOps, burn_conv_backward, burn_conv1d_channels_last_backward, burn_linear_backward, burn_conv1d_from_channels_last, burn_logit_loss, burn_logit_loss_backward,
    burn_max_pool_backward, burn_moment_step, conv_pool_in_turn, conv_then_pool, join_separately, lookup_then_conv, relu_if, through_relu,
};

/// `t` as a contiguous `f32` tensor, or `None` for another dtype.
fn contiguous_f32(t: &FlexTensor) -> Option<FlexTensor> {
    if t.dtype() != DType::F32 {
        return None;
    }
    Some(if t.as_slice::<f32>().is_some() { t.clone() } else { t.to_contiguous() })
}

/// `ids` as a contiguous tensor, for the kernels that read it as an `i64` or `i32` slice.
fn contiguous_ids(ids: &FlexTensor) -> FlexTensor {
    if ids.as_slice::<i64>().is_some() || ids.as_slice::<i32>().is_some() { ids.clone() } else { ids.to_contiguous() }
}

/// `t` as an `f32` tensor that owns exactly its elements, contiguously (for in-place updates;
/// shared storage is copied on write), or `None` for another dtype.
fn compact_f32(t: FlexTensor) -> Option<FlexTensor> {
    if t.dtype() != DType::F32 {
        return None;
    }
    let n = t.shape().num_elements();
    let compact = t.layout().contiguous_offsets() == Some((0, n)) && t.storage::<f32>().len() == n;
    Some(if compact { t } else { t.to_contiguous() })
}

fn slice(t: &FlexTensor) -> &[f32] {
    t.as_slice::<f32>().expect("made contiguous f32 by `contiguous_f32`")
}

fn tensor(values: Vec<f32>, shape: Vec<usize>) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, Shape::from(shape)))
}

/// The spatial axes `[h, w]` of a rank-3 (`h` = unit) or rank-4 tensor shape.
fn spatial(shape: &[usize]) -> [usize; 2] {
    match *shape {
        [_, _, w] => [1, w],
        [_, _, h, w] => [h, w],
        _ => unreachable!("kernels take rank-3 or rank-4 tensors"),
    }
}

fn conv_shape(x: &FlexTensor, weight: &FlexTensor, g: &ConvGeometry) -> ConvShape {
    let (xs, ws) = (x.shape(), weight.shape());
    let ([h, w], [kh, kw]) = (spatial(&xs), spatial(&ws));
    let axis = |len_in, kernel, i: usize| Axis { len_in, kernel, stride: g.stride[i], pad_lo: g.padding[i].0, pad_hi: g.padding[i].1 };
    let h_axis = if xs.num_dims() == 3 { Axis::UNIT } else { axis(h, kh, 0) };
    ConvShape { batch: xs[0], channels_in: xs[1], channels_out: ws[0], h: h_axis, w: axis(w, kw, 1) }
}

fn pool_shape(x: &FlexTensor, g: &PoolGeometry) -> PoolShape {
    let xs = x.shape();
    let [h, w] = spatial(&xs);
    let axis = |len_in, i: usize| Axis { len_in, kernel: g.kernel[i], stride: g.stride[i], pad_lo: g.padding[i], pad_hi: g.padding[i] };
    let h_axis = if xs.num_dims() == 3 { Axis::UNIT } else { axis(h, 0) };
    PoolShape { planes: xs[0] * xs[1], h: h_axis, w: axis(w, 1) }
}

/// Output shape `[batch, channels, (h,) w]` of the same rank as `like`.
fn out_shape(like: &Shape, channels: usize, h: &Axis, w: &Axis) -> Vec<usize> {
    let (ho, wo) = (h.len_out().expect("checked by the caller"), w.len_out().expect("checked by the caller"));
    if like.num_dims() == 3 { vec![like[0], channels, wo] } else { vec![like[0], channels, ho, wo] }
}

/// The forward convolution for either rank (with its ReLU if `relu`), or `None` for a dtype the
/// kernels do not take.
fn conv_forward(x: &FlexTensor, weight: &FlexTensor, bias: &FlexTensor, g: &ConvGeometry, relu: bool) -> Option<FlexTensor> {
    let (xc, wc, bc) = (contiguous_f32(x)?, contiguous_f32(weight)?, contiguous_f32(bias)?);
    let s = conv_shape(&xc, &wc, g);
    let (x, w, b) = (slice(&xc), slice(&wc), Some(slice(&bc)));
    let out = if xc.shape().num_dims() == 4 && winograd::applies_unpooled(&s) {
        winograd::forward(&s, x, w, b, relu)
    } else {
        conv::forward(&s, x, w, b, relu)
    };
    Some(tensor(out, out_shape(&xc.shape(), s.channels_out, &s.h, &s.w)))
}

fn pool_forward(x: &FlexTensor, g: &PoolGeometry) -> Option<FlexTensor> {
    let xc = contiguous_f32(x)?;
    let s = pool_shape(&xc, g);
    Some(tensor(max_pool::forward(&s, slice(&xc)), out_shape(&xc.shape(), xc.shape()[1], &s.h, &s.w)))
}

/// Rows and columns of a `[batch, K]` tensor.
fn rows_cols(t: &FlexTensor) -> (usize, usize) {
    let s = t.shape();
    (s[0], s[1])
}

/// `[batch, channels, inner]` of a batch-norm input, or `None` if it is empty (Burn's op then).
fn norm_shape(x: &FlexTensor) -> Option<NormShape> {
    let shape = x.shape();
    let (batch, channels) = (shape[0], shape[1]);
    let inner = shape.num_elements() / (batch * channels).max(1);
    (shape.num_elements() > 0).then_some(NormShape { batch, channels, inner })
}

/// A convolution's gradients as tensors shaped like the input `x`, the weight `w` and the bias
/// (`[channels_out]`, the weight's first axis).
fn grad_tensors(grads: ConvGrads, x: &FlexTensor, w: &FlexTensor) -> WantedGrads<Flex> {
    (
        grads.input.map(|v| tensor(v, x.shape().to_vec())),
        grads.weight.map(|v| tensor(v, w.shape().to_vec())),
        grads.bias.map(|v| tensor(v, vec![w.shape()[0]])),
    )
}

fn linear_shape(x: &FlexTensor, weight: &FlexTensor) -> LinearShape {
    let (rows, d_input) = rows_cols(x);
    LinearShape { rows, d_input, d_output: weight.shape()[1] }
}

fn from_channels_last_shape(x: &FlexTensor, weight: &FlexTensor) -> FromChannelsLastShape {
    let (xs, ws) = (x.shape(), weight.shape());
    FromChannelsLastShape { batch: xs[0], length: xs[1], channels_in: xs[2], channels_out: ws[0], kernel: ws[2] }
}

fn channels_last_shape(x: &FlexTensor, weight: &FlexTensor, g: &ConvGeometry) -> ChannelsLastShape {
    let (xs, ws) = (x.shape(), weight.shape());
    let (pad_left, pad_right) = g.padding[1];
    ChannelsLastShape { batch: xs[0], length: xs[1], channels_in: xs[2], channels_out: ws[0], kernel: ws[2], stride: g.stride[1], pad_left, pad_right }
}

/// [`conv_channels_last::forward`] on flex tensors, or Burn's operations on other dtypes.
fn conv1d_channels_last(x: FlexTensor, weight: FlexTensor, bias: FlexTensor, g: ConvGeometry, relu: bool, how: Products) -> FlexTensor {
    let (Some(xc), Some(wc), Some(bc)) = (contiguous_f32(&x), contiguous_f32(&weight), contiguous_f32(&bias)) else {
        return Flex::float_swap_dims(burn_conv1d_from_channels_last::<Flex>(x, weight, bias, g, relu), 1, 2);
    };
    let s = channels_last_shape(&xc, &wc, &g);
    tensor(conv_channels_last::forward(&s, slice(&xc), slice(&wc), slice(&bc), relu, how), vec![s.batch, s.length_out(), s.channels_out])
}

/// `f(a[i], b[i])` for equally long `a` and `b`, in parallel over chunks of 16 K values, each a
/// plain loop compiled for the CPU's widest vectors ([`super::vectorised`]).
fn zip_map(a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> f32 + Sync) -> Vec<f32> {
    const CHUNK: usize = 16_384;
    assert_eq!(a.len(), b.len(), "zip_map: lengths differ");
    let fill = |out: &mut [MaybeUninit<f32>]| {
        out.par_chunks_mut(CHUNK).zip(a.par_chunks(CHUNK).zip(b.par_chunks(CHUNK))).for_each(|(o, (a, b))| {
            super::vectorised(#[inline(always)] || {
                for (o, (&a, &b)) in o.iter_mut().zip(a.iter().zip(b)) {
                    o.write(f(a, b));
                }
            });
        });
    };
    // SAFETY: the chunks of `out` and of `a` have the same lengths (`a` is as long as `out`), and
    // every element of each chunk is written.
    unsafe { super::written(a.len(), fill) }
}

/// A backward pass's operands for the kernels, contiguous: input, weight, output gradient and the
/// fused ReLU's output if there is one; `None` if any has a dtype the kernels do not take.
fn backward_operands(
    x: &FlexTensor,
    weight: &FlexTensor,
    output_grad: &FlexTensor,
    relu_output: Option<&FlexTensor>,
) -> Option<(FlexTensor, FlexTensor, FlexTensor, Option<FlexTensor>)> {
    let relu = match relu_output {
        Some(out) => Some(contiguous_f32(out)?),
        None => None,
    };
    Some((contiguous_f32(x)?, contiguous_f32(weight)?, contiguous_f32(output_grad)?, relu))
}

/// The output gradient passed through a fused ReLU: `dy` where the output is positive, else 0
/// (`None` for a dtype the kernels do not take).
fn masked_grad(dy: &FlexTensor, relu_output: Option<&FlexTensor>) -> Option<FlexTensor> {
    let dy = contiguous_f32(dy)?;
    let Some(out) = relu_output else { return Some(dy) };
    let out = contiguous_f32(out)?;
    let masked = zip_map(slice(&dy), slice(&out), |g, o| if o > 0.0 { g } else { 0.0 });
    Some(tensor(masked, dy.shape().to_vec()))
}

impl XentOps for Flex {
    fn xent_conv1d_from_channels_last(x: FlexTensor, weight: FlexTensor, bias: FlexTensor, relu: bool) -> FlexTensor {
        let (Some(xc), Some(wc), Some(bc)) = (contiguous_f32(&x), contiguous_f32(&weight), contiguous_f32(&bias)) else {
            return burn_conv1d_from_channels_last::<Flex>(x, weight, bias, ConvGeometry::one_d(1, 0, 0), relu);
        };
        let s = from_channels_last_shape(&xc, &wc);
        tensor(conv_from_channels_last::forward(&s, slice(&xc), slice(&wc), slice(&bc), relu), vec![s.batch, s.channels_out, s.length_out()])
    }

    fn xent_token_conv1d(table: FlexTensor, ids: FlexTensor, weight: FlexTensor, bias: FlexTensor, relu: bool, pool: bool) -> FlexTensor {
        let burns = |table, ids, weight, bias| lookup_then_conv::<Flex>(table, ids, weight, bias, relu, pool);
        let (Some(tc), Some(wc), Some(bc)) = (contiguous_f32(&table), contiguous_f32(&weight), contiguous_f32(&bias)) else {
            return burns(table, ids, weight, bias);
        };
        let (ts, ws, is) = (tc.shape(), wc.shape(), ids.shape());
        let s = TokenShape { batch: is[0], length: is[1], vocab: ts[0], channels_in: ts[1], channels_out: ws[0], kernel: ws[2] };
        let ic = contiguous_ids(&ids);
        let (t, w, b) = (slice(&tc), slice(&wc), slice(&bc));
        let out = match ic.dtype() {
            DType::I64 => token_conv::forward(&s, ic.as_slice::<i64>().expect("contiguous"), t, w, b, relu, pool),
            DType::I32 => token_conv::forward(&s, ic.as_slice::<i32>().expect("contiguous"), t, w, b, relu, pool),
            _ => None,
        };
        match out {
            Some(values) => tensor(values, vec![s.batch, s.channels_out, if pool { s.length_out() / 2 } else { s.length_out() }]),
            // Another id type, or an id outside the table: Burn's lookup (which reports it).
            None => burns(table, ids, weight, bias),
        }
    }

    fn xent_conv1d_channels_last(x: FlexTensor, weight: FlexTensor, bias: FlexTensor, g: ConvGeometry, relu: bool) -> FlexTensor {
        conv1d_channels_last(x, weight, bias, g, relu, Products::Winograd)
    }

    fn xent_conv1d_channels_last_direct(x: FlexTensor, weight: FlexTensor, bias: FlexTensor, g: ConvGeometry, relu: bool) -> FlexTensor {
        conv1d_channels_last(x, weight, bias, g, relu, Products::Direct)
    }

    fn xent_conv1d_channels_last_join(x: FlexTensor, weight: FlexTensor, bias: FlexTensor, g: ConvGeometry, residual: FlexTensor, pool: bool) -> FlexTensor {
        let operands = (contiguous_f32(&x), contiguous_f32(&weight), contiguous_f32(&bias), contiguous_f32(&residual));
        let (Some(xc), Some(wc), Some(bc), Some(rc)) = operands else {
            let conv = Flex::xent_conv1d_channels_last(x, weight, bias, g, false);
            return join_separately::<Flex>(conv, residual, pool);
        };
        let s = channels_last_shape(&xc, &wc, &g);
        let rows = if pool { s.length_out() / 2 } else { s.length_out() };
        tensor(conv_channels_last::forward_join(&s, slice(&xc), slice(&wc), slice(&bc), slice(&rc), pool), vec![s.batch, rows, s.channels_out])
    }

    fn xent_linear(x: FlexTensor, weight: FlexTensor, bias: FlexTensor, relu: bool) -> FlexTensor {
        let (Some(xc), Some(wc), Some(bc)) = (contiguous_f32(&x), contiguous_f32(&weight), contiguous_f32(&bias)) else {
            return relu_if::<Flex>(Flex::linear(x, weight, Some(bias)), relu);
        };
        let s = linear_shape(&xc, &wc);
        tensor(linear::forward(&s, slice(&xc), slice(&wc), slice(&bc), relu), vec![s.rows, s.d_output])
    }

    fn xent_add_relu(a: FlexTensor, b: FlexTensor) -> FlexTensor {
        let (Some(ac), Some(bc)) = (contiguous_f32(&a), contiguous_f32(&b)) else {
            return Flex::relu(Flex::float_add(a, b));
        };
        let out = zip_map(slice(&ac), slice(&bc), |x, y| (x + y).max(0.0));
        tensor(out, ac.shape().to_vec())
    }

    fn xent_logit_loss(logits: FlexTensor, targets: FlexTensor, loss: LogitLoss) -> FlexTensor {
        let (Some(z), Some(y)) = (contiguous_f32(&logits), contiguous_f32(&targets)) else {
            return burn_logit_loss::<Flex>(logits, targets, loss);
        };
        let (batch, k) = rows_cols(&z);
        tensor(logit_loss::forward(loss, slice(&z), slice(&y), k), vec![batch])
    }

    fn xent_conv1d(x: FlexTensor, weight: FlexTensor, bias: FlexTensor, g: ConvGeometry, relu: bool) -> FlexTensor {
        conv_forward(&x, &weight, &bias, &g, relu).unwrap_or_else(|| relu_if::<Flex>(Flex::conv1d(x, weight, Some(bias), g.burn_1d()), relu))
    }

    fn xent_conv2d(x: FlexTensor, weight: FlexTensor, bias: FlexTensor, g: ConvGeometry, relu: bool) -> FlexTensor {
        conv_forward(&x, &weight, &bias, &g, relu).unwrap_or_else(|| relu_if::<Flex>(Flex::conv2d(x, weight, Some(bias), g.burn_2d()), relu))
    }

    fn xent_conv_pool(x: FlexTensor, weight: FlexTensor, bias: FlexTensor, g: ConvGeometry, relu: bool) -> FlexTensor {
        let (Some(xc), Some(wc), Some(bc)) = (contiguous_f32(&x), contiguous_f32(&weight), contiguous_f32(&bias)) else {
            return conv_then_pool::<Flex>(x, weight, bias, g, relu);
        };
        let (s, two_d) = (conv_shape(&xc, &wc, &g), xc.shape().num_dims() == 4);
        let (x, w, b) = (slice(&xc), slice(&wc), Some(slice(&bc)));
        let out = if two_d && winograd::applies(&s) {
            winograd::forward_pooled(&s, x, w, b, relu)
        } else if !two_d && conv1d_pool::applies(&s) {
            conv1d_pool::forward_pooled(&s, x, w, b, relu)
        } else {
            conv::forward_pooled(&s, x, w, b, relu, if two_d { 2 } else { 1 })
        };
        let (hp, wp) = (s.h.lo() / 2, s.w.lo() / 2);
        let shape = if two_d { vec![s.batch, s.channels_out, hp, wp] } else { vec![s.batch, s.channels_out, wp] };
        tensor(out, shape)
    }

    fn xent_conv_pool_pair(
        x: FlexTensor,
        weight_1: FlexTensor,
        bias_1: FlexTensor,
        weight_2: FlexTensor,
        bias_2: FlexTensor,
        geometries: [ConvGeometry; 2],
        relu: bool,
    ) -> FlexTensor {
        let operands = [&x, &weight_1, &bias_1, &weight_2, &bias_2].map(contiguous_f32);
        let [Some(xc), Some(w1), Some(b1), Some(w2), Some(b2)] = operands else {
            return conv_pool_in_turn::<Flex>(x, [(weight_1, bias_1, geometries[0]), (weight_2, bias_2, geometries[1])], relu);
        };
        let first = conv_shape(&xc, &w1, &geometries[0]);
        let mut second = first;
        second.channels_in = first.channels_out;
        second.channels_out = w2.shape()[0];
        let (stride, (pad_lo, pad_hi)) = (geometries[1].stride[1], geometries[1].padding[1]);
        second.w = Axis { len_in: first.w.lo() / 2, kernel: w2.shape()[2], stride, pad_lo, pad_hi };
        let blocks = [
            conv1d_pool::Block { shape: first, weight: slice(&w1), bias: Some(slice(&b1)), relu },
            conv1d_pool::Block { shape: second, weight: slice(&w2), bias: Some(slice(&b2)), relu },
        ];
        let out = conv1d_pool::forward_chain(&blocks, slice(&xc));
        tensor(out, vec![second.batch, second.channels_out, second.w.lo() / 2])
    }

    fn xent_batch_norm_train(x: FlexTensor, gamma: FlexTensor, beta: FlexTensor, epsilon: f64, relu: bool) -> Floats3<Flex> {
        let (Some(xc), Some(gc), Some(bc), Some(s)) = (contiguous_f32(&x), contiguous_f32(&gamma), contiguous_f32(&beta), norm_shape(&x)) else {
            let result = Flex::batch_norm_train(x, gamma, beta, epsilon);
            return (relu_if::<Flex>(result.output, relu), result.mean, result.variance);
        };
        let r = batch_norm::forward(&s, slice(&xc), slice(&gc), slice(&bc), epsilon as f32, relu);
        (tensor(r.output, xc.shape().to_vec()), tensor(r.mean, vec![s.channels]), tensor(r.variance, vec![s.channels]))
    }

    fn xent_max_pool1d(x: FlexTensor, g: PoolGeometry) -> FlexTensor {
        pool_forward(&x, &g).unwrap_or_else(|| Flex::max_pool1d(x, g.kernel[1], g.stride[1], g.padding[1], 1, false))
    }

    fn xent_max_pool2d(x: FlexTensor, g: PoolGeometry) -> FlexTensor {
        pool_forward(&x, &g).unwrap_or_else(|| Flex::max_pool2d(x, g.kernel, g.stride, g.padding, [1, 1], false))
    }

    fn xent_moment_step(
        param: FlexTensor,
        grad: FlexTensor,
        moment_1: FlexTensor,
        moment_2: FlexTensor,
        rule: MomentRule,
    ) -> Floats3<Flex> {
        let parts = (compact_f32(param.clone()), contiguous_f32(&grad), compact_f32(moment_1.clone()), compact_f32(moment_2.clone()));
        let (Some(mut p), Some(g), Some(mut m), Some(mut v)) = parts else {
            return burn_moment_step::<Flex>(param, grad, moment_1, moment_2, &rule);
        };
        drop((param, moment_1, moment_2)); // so that `p`, `m`, `v` are unique if nobody else holds them
        moment::step(&rule, p.storage_mut::<f32>(), slice(&g), m.storage_mut::<f32>(), v.storage_mut::<f32>());
        (p, m, v)
    }
}

impl XentGrads for Flex {
    fn xent_conv1d_from_channels_last_backward(
        x: FlexTensor,
        weight: FlexTensor,
        output_grad: FlexTensor,
        wanted: Wanted,
        relu_output: Option<FlexTensor>,
    ) -> WantedGrads<Flex> {
        let (Some(xc), Some(wc), Some(gc)) = (contiguous_f32(&x), contiguous_f32(&weight), masked_grad(&output_grad, relu_output.as_ref())) else {
            let output_grad = through_relu::<Flex>(output_grad, relu_output);
            let (dx, dw, db) =
                burn_conv_backward::<Flex>(Flex::float_swap_dims(x, 1, 2), weight, output_grad, ConvGeometry::one_d(1, 0, 0), wanted);
            return (dx.map(|d| Flex::float_swap_dims(d, 1, 2)), dw, db);
        };
        let s = from_channels_last_shape(&xc, &wc);
        grad_tensors(conv_from_channels_last::backward(&s, slice(&xc), slice(&wc), slice(&gc), wanted), &xc, &wc)
    }

    fn xent_batch_norm_backward(
        x: FlexTensor,
        gamma: FlexTensor,
        mean: FlexTensor,
        variance: FlexTensor,
        epsilon: f64,
        output_grad: FlexTensor,
        relu_output: Option<FlexTensor>,
    ) -> Floats3<Flex> {
        let dy = masked_grad(&output_grad, relu_output.as_ref());
        let parts = (contiguous_f32(&x), contiguous_f32(&gamma), contiguous_f32(&mean), contiguous_f32(&variance), dy);
        let ((Some(xc), Some(gc), Some(mc), Some(vc), Some(dc)), Some(s)) = (parts, norm_shape(&x)) else {
            let output_grad = through_relu::<Flex>(output_grad, relu_output);
            let grads = Flex::batch_norm_train_backward(x, gamma, mean, variance, epsilon, output_grad);
            return (grads.x_grad, grads.gamma_grad, grads.beta_grad);
        };
        let g = batch_norm::backward(&s, slice(&xc), slice(&gc), slice(&mc), slice(&vc), epsilon as f32, slice(&dc));
        (tensor(g.input, xc.shape().to_vec()), tensor(g.gamma, vec![s.channels]), tensor(g.beta, vec![s.channels]))
    }

    fn xent_embedding_backward(table: FlexTensor, output_grad: FlexTensor, ids: FlexTensor) -> FlexTensor {
        let [vocab, dim] = [table.shape()[0], table.shape()[1]];
        let Some(gc) = contiguous_f32(&output_grad) else {
            return Flex::embedding_backward(table, output_grad, ids);
        };
        let ic = contiguous_ids(&ids);
        let grad = match ic.dtype() {
            DType::I64 => embedding::backward(vocab, dim, ic.as_slice::<i64>().expect("contiguous"), slice(&gc)),
            DType::I32 => embedding::backward(vocab, dim, ic.as_slice::<i32>().expect("contiguous"), slice(&gc)),
            _ => None,
        };
        match grad {
            Some(values) => tensor(values, vec![vocab, dim]),
            // Another id type, or an id outside the table: Burn's (which reports it).
            None => Flex::embedding_backward(table, output_grad, ids),
        }
    }

    fn xent_logit_loss_backward(logits: FlexTensor, targets: FlexTensor, output_grad: FlexTensor, loss: LogitLoss) -> FlexTensor {
        let (Some(z), Some(y), Some(up)) = (contiguous_f32(&logits), contiguous_f32(&targets), contiguous_f32(&output_grad)) else {
            return burn_logit_loss_backward::<Flex>(logits, targets, output_grad, loss);
        };
        let (batch, k) = rows_cols(&z);
        tensor(logit_loss::backward(loss, slice(&z), slice(&y), slice(&up), k), vec![batch, k])
    }

    fn xent_conv_backward(
        x: FlexTensor,
        weight: FlexTensor,
        output_grad: FlexTensor,
        geometry: ConvGeometry,
        wanted: Wanted,
        relu_output: Option<FlexTensor>,
    ) -> WantedGrads<Flex> {
        let Some((xc, wc, gc, relu_c)) = backward_operands(&x, &weight, &output_grad, relu_output.as_ref()) else {
            let output_grad = through_relu::<Flex>(output_grad, relu_output);
            return burn_conv_backward::<Flex>(x, weight, output_grad, geometry, wanted);
        };
        let s = conv_shape(&xc, &wc, &geometry);
        let (x, w, dy, relu) = (slice(&xc), slice(&wc), slice(&gc), relu_c.as_ref().map(slice));
        let grads = if xc.shape().num_dims() == 4 && wanted.weight && winograd::applies_unpooled(&s) {
            winograd::backward(&s, x, w, dy, relu, wanted)
        } else {
            conv::backward(&s, x, w, dy, relu, wanted)
        };
        grad_tensors(grads, &xc, &wc)
    }

    fn xent_linear_backward(
        x: FlexTensor,
        weight: FlexTensor,
        output_grad: FlexTensor,
        wanted: Wanted,
        relu_output: Option<FlexTensor>,
    ) -> WantedGrads<Flex> {
        let Some((xc, wc, gc, relu_c)) = backward_operands(&x, &weight, &output_grad, relu_output.as_ref()) else {
            return burn_linear_backward::<Flex>(x, weight, through_relu::<Flex>(output_grad, relu_output), wanted);
        };
        let s = linear_shape(&xc, &wc);
        let g = linear::backward(&s, slice(&xc), slice(&wc), slice(&gc), relu_c.as_ref().map(slice), wanted);
        (
            g.input.map(|v| tensor(v, vec![s.rows, s.d_input])),
            g.weight.map(|v| tensor(v, vec![s.d_input, s.d_output])),
            g.bias.map(|v| tensor(v, vec![s.d_output])),
        )
    }

    fn xent_conv1d_channels_last_backward(
        x: FlexTensor,
        weight: FlexTensor,
        output_grad: FlexTensor,
        geometry: ConvGeometry,
        wanted: Wanted,
        relu_output: Option<FlexTensor>,
    ) -> WantedGrads<Flex> {
        let (Some(xc), Some(wc), Some(gc)) = (contiguous_f32(&x), contiguous_f32(&weight), masked_grad(&output_grad, relu_output.as_ref())) else {
            return burn_conv1d_channels_last_backward::<Flex>(x, weight, through_relu::<Flex>(output_grad, relu_output), geometry, wanted);
        };
        let s = channels_last_shape(&xc, &wc, &geometry);
        grad_tensors(conv_channels_last::backward(&s, slice(&xc), slice(&wc), slice(&gc), wanted), &xc, &wc)
    }

    fn xent_max_pool_backward(x: FlexTensor, output_grad: FlexTensor, geometry: PoolGeometry) -> FlexTensor {
        let (Some(xc), Some(gc)) = (contiguous_f32(&x), contiguous_f32(&output_grad)) else {
            return burn_max_pool_backward::<Flex>(x, output_grad, geometry);
        };
        let s = pool_shape(&xc, &geometry);
        tensor(max_pool::backward(&s, slice(&xc), slice(&gc)), xc.shape().to_vec())
    }
}
