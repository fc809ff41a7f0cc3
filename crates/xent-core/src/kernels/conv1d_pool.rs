//! A 1-D convolution (stride 1) and its `MaxPool(2)` in inference, computed channels-last inside
//! and written channels-first: the ECG CNN's blocks.
//!
//! [`conv::forward_pooled`](super::conv::forward_pooled) builds each sample's patch matrix
//! `[channels_in · kernel, positions_out]` (im2col) and multiplies `W · cols`. With the sample
//! transposed to `[positions, channels_in]` instead, the patch of output position `t` is the
//! contiguous run of `kernel · channels_in` values starting at row `t`: the patch matrix is a *view*
//! with row stride `channels_in` and overlapping rows, and the product `view · Wᵀ` comes out
//! `[positions_out, channels_out]`, whose pool is a maximum of two adjacent rows. A group of
//! samples shares one product: their transposed rows lie one after another, and the rows whose
//! window straddles two samples are computed and not used (`kernel − 1` per sample, 4 of 91 for
//! the ECG CNN's second layer). The transposes cost one pass over the input (`[32, 91]` for that
//! layer) and one over the pooled output, where im2col wrote `kernel` times the input.
//!
//! Inference only: training records the convolution and the pool (`Conv1d::forward_pooled`).
//! The sums over taps and channels run in another order than [`conv::forward`](super::conv::forward)'s,
//! so values agree to rounding, not bit for bit.

use super::conv::ConvShape;
use super::gemm::{MatRef, matmul};
use super::transpose::transpose;
use super::{Axis, par_zeroed, vectorised, with_scratch};

/// Samples per product (and per rayon task).
const SAMPLES_PER_GROUP: usize = 8;

/// Whether [`forward_pooled`] computes this convolution: 1-D, stride 1, with at least one pooled
/// position.
pub(crate) fn applies(s: &ConvShape) -> bool {
    s.h == Axis::UNIT && s.w.stride == 1 && s.w.len_out().is_some_and(|lo| lo >= 2)
}

/// Convolution of `x` `[batch, channels_in, len_in]` by `weight` `[channels_out, channels_in,
/// kernel]` (+ `bias`), then `MaxPool(2)` (a last odd position dropped), then a ReLU if `relu`:
/// `[batch, channels_out, len_out / 2]`.
///
/// # Panics
///
/// If the shape is not one that [`applies`], or the slices do not fit it.
pub fn forward_pooled(s: &ConvShape, x: &[f32], weight: &[f32], bias: Option<&[f32]>, relu: bool) -> Vec<f32> {
    assert!(applies(s), "not a stride-1 1-D convolution with a pooled output: {s:?}");
    let (c_in, c_out, kernel, len) = (s.channels_in, s.channels_out, s.w.kernel, s.w.len_in);
    assert_eq!(x.len(), s.batch * c_in * len, "input does not fit the shape");
    assert_eq!(weight.len(), c_out * c_in * kernel, "weight does not fit the shape");
    let (padded, pooled_len) = (len + s.w.pad_lo + s.w.pad_hi, s.w.lo() / 2);
    // The weight as `[kernel · channels_in, channels_out]`: row `(k, c)` holds `W[·, c, k]`.
    let mut w_t = vec![0.0f32; kernel * c_in * c_out];
    for (o, filter) in weight.chunks_exact(c_in * kernel).enumerate() {
        for (c, taps) in filter.chunks_exact(kernel).enumerate() {
            for (k, &v) in taps.iter().enumerate() {
                w_t[(k * c_in + c) * c_out + o] = v;
            }
        }
    }
    let w_t = MatRef::row_major(&w_t, kernel * c_in, c_out);
    let zero_bias = vec![0.0f32; c_out];
    let bias = bias.unwrap_or(&zero_bias);
    let per_sample = c_out * pooled_len;
    par_zeroed(s.batch * per_sample, SAMPLES_PER_GROUP * per_sample, |group, out| {
        let samples = out.len() / per_sample;
        let rows = samples * padded - (kernel - 1);
        with_scratch([samples * padded * c_in, rows * c_out, per_sample], |[x_t, y, pooled]| {
            // Each sample as `[padded, channels_in]`, its padding rows zero.
            for (i, x_t) in x_t.chunks_exact_mut(padded * c_in).enumerate() {
                let b = group * SAMPLES_PER_GROUP + i;
                let (head, rest) = x_t.split_at_mut(s.w.pad_lo * c_in);
                let (body, tail) = rest.split_at_mut(len * c_in);
                head.fill(0.0);
                tail.fill(0.0);
                let x_b = &x[b * c_in * len..][..c_in * len];
                if c_in == 1 {
                    body.copy_from_slice(x_b);
                } else {
                    transpose(x_b, c_in, len, body);
                }
            }
            let patches = MatRef { data: x_t, rows, cols: kernel * c_in, row_stride: c_in, col_stride: 1 };
            let y = &mut y[..rows * c_out];
            matmul(y, patches, w_t, false, false);
            for (i, out) in out.chunks_exact_mut(per_sample).enumerate() {
                let y = &y[i * padded * c_out..][..2 * pooled_len * c_out];
                vectorised(#[inline(always)] || pool_rows(y, pooled, bias, relu));
                transpose(pooled, pooled_len, c_out, out);
            }
        })
    })
}

/// `pooled[j] = max(y[2j], y[2j + 1]) + bias`, through a ReLU if `relu`, for rows of
/// `bias.len()` channels (the same comparison as `max_pool`'s).
#[inline(always)]
fn pool_rows(y: &[f32], pooled: &mut [f32], bias: &[f32], relu: bool) {
    let c = bias.len();
    for (dst, pair) in pooled.chunks_exact_mut(c).zip(y.chunks_exact(2 * c)) {
        let (a, b) = pair.split_at(c);
        for (((d, &a), &b), &bias) in dst.iter_mut().zip(a).zip(b).zip(bias) {
            let m = if b > a { b } else { a };
            *d = if relu { (m + bias).max(0.0) } else { m + bias };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::conv;

    fn values(n: usize, salt: f32) -> Vec<f32> {
        (0..n).map(|i| (i as f32 * 0.37 + salt).sin() * 1.5).collect()
    }

    fn shape(batch: usize, c_in: usize, c_out: usize, len_in: usize, kernel: usize, pad: (usize, usize)) -> ConvShape {
        let w = Axis { len_in, kernel, stride: 1, pad_lo: pad.0, pad_hi: pad.1 };
        ConvShape { batch, channels_in: c_in, channels_out: c_out, h: Axis::UNIT, w }
    }

    /// The definition: the convolution of the reference kernel, then the pool of pairs, bias and
    /// ReLU.
    fn reference(s: &ConvShape, x: &[f32], w: &[f32], bias: Option<&[f32]>, relu: bool) -> Vec<f32> {
        let y = conv::forward(s, x, w, None, false);
        let (lo, lp) = (s.w.lo(), s.w.lo() / 2);
        let mut out = Vec::new();
        for (row, o) in y.chunks_exact(lo).zip((0..s.channels_out).cycle()) {
            let c = bias.map_or(0.0, |b| b[o]);
            for j in 0..lp {
                let m = row[2 * j].max(row[2 * j + 1]) + c;
                out.push(if relu { m.max(0.0) } else { m });
            }
        }
        out
    }

    #[test]
    fn matches_the_convolution_then_the_pool() {
        // One input channel (the ECG CNN's first layer), many (its second), padding on either
        // side, odd and even outputs, batches of less than one group, one group and several
        // groups with a partial last one.
        let shapes = [
            shape(3, 1, 8, 187, 5, (0, 0)),
            shape(19, 32, 64, 91, 5, (0, 0)),
            shape(8, 3, 5, 12, 4, (1, 2)),
            shape(1, 9, 3, 6, 3, (2, 0)),
            shape(10, 4, 17, 9, 2, (0, 0)),
        ];
        for s in shapes {
            let x = values(s.batch * s.channels_in * s.w.len_in, 0.3);
            let w = values(s.channels_out * s.channels_in * s.w.kernel, 1.1);
            let b = values(s.channels_out, 2.9);
            for (bias, relu) in [(Some(&b[..]), true), (Some(&b[..]), false), (None, true), (None, false)] {
                let got = forward_pooled(&s, &x, &w, bias, relu);
                let want = reference(&s, &x, &w, bias, relu);
                assert_eq!(got.len(), want.len(), "{s:?}");
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert!((g - w).abs() <= 1e-4 * (1.0 + w.abs()), "{s:?} bias {} relu {relu}, element {i}: {g} vs {w}", bias.is_some());
                }
            }
        }
    }

    #[test]
    fn applies_to_stride_one_1d_convolutions_with_a_pooled_output() {
        assert!(applies(&shape(2, 3, 4, 10, 5, (0, 0))));
        assert!(!applies(&shape(2, 3, 4, 5, 5, (0, 0))), "one output position has no pooled one");
        let mut strided = shape(2, 3, 4, 10, 3, (0, 0));
        strided.w.stride = 2;
        assert!(!applies(&strided));
        let mut two_d = shape(2, 3, 4, 10, 3, (0, 0));
        two_d.h = Axis { len_in: 4, kernel: 3, stride: 1, pad_lo: 0, pad_hi: 0 };
        assert!(!applies(&two_d));
    }
}
