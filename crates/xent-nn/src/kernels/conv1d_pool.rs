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
//! Blocks can be chained ([`forward_chain`]): the pooled rows of one block are already the next
//! block's channels-last input, so the ECG CNN's two blocks run group by group in cache, and only
//! the last block's output is transposed and written.
//!
//! A block of kernel 5 with at least 8 input channels (the ECG CNN's second) computes its products
//! by Winograd's F(4, 5) instead, only at the positions the pool reads ([`winograd1d`]; a tile of
//! four outputs is two pool windows, and an odd last window takes the direct product): 2.5 ×
//! fewer multiply-adds.
//!
//! Inference only: training records the convolution and the pool (`Conv1d::forward_pooled`,
//! `Conv1d::forward_pooled_pair`).
//! The sums over taps and channels run in another order than [`conv::forward`](super::conv::forward)'s,
//! so values agree to rounding, not bit for bit.

use super::conv::ConvShape;
use super::conv_channels_last;
use super::gemm::{MatRef, matmul};
use super::transpose::transpose;
use super::winograd1d::{self, Filters};
use super::{Axis, par_written, vectorised, with_scratch};

/// Samples per product (and per rayon task).
const SAMPLES_PER_GROUP: usize = 8;

/// Whether [`forward_pooled`] computes this convolution: 1-D, stride 1, with at least one pooled
/// position.
pub(crate) fn applies(s: &ConvShape) -> bool {
    s.h == Axis::UNIT && s.w.stride == 1 && s.w.len_out().is_some_and(|lo| lo >= 2)
}

/// One block of a chain: a convolution's shape (its `batch` is the chain's), weight `[channels_out,
/// channels_in, kernel]`, bias, and whether a ReLU follows the pool.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Block<'a> {
    /// The convolution.
    pub shape: ConvShape,
    /// `[channels_out, channels_in, kernel]`.
    pub weight: &'a [f32],
    /// `[channels_out]`, if any.
    pub bias: Option<&'a [f32]>,
    /// ReLU after the pool.
    pub relu: bool,
}

/// A block prepared for its products: the weight as `[kernel · channels_in, channels_out]` (row
/// `(k, c)` holds `W[·, c, k]`: [`conv_channels_last::reorder`]'s taps-first weight, transposed;
/// contiguous, since as a transposed view of the taps-first weight the ECG CNN's inference ran
/// about 12 % slower, medians of five alternating pairs), and the bias (zeros if none). For a
/// kernel of 5 with enough input channels the filters are also transformed for Winograd's F(4, 5)
/// ([`winograd1d`]; `w_t` then computes only an odd last pool window).
struct Prepared {
    shape: ConvShape,
    w_t: Vec<f32>,
    /// The transformed filters when the products run by Winograd's F(4, 5) ([`winograd1d`]).
    winograd: Option<Filters>,
    bias: Vec<f32>,
    relu: bool,
}

impl Prepared {
    fn new(b: &Block<'_>) -> Self {
        let s = b.shape;
        let (c_in, c_out, kernel) = (s.channels_in, s.channels_out, s.w.kernel);
        assert_eq!(b.weight.len(), c_out * c_in * kernel, "weight does not fit the shape");
        let winograd = winograd1d::applies(kernel, s.w.stride, c_in).then(|| Filters::new(b.weight, c_out, c_in));
        let mut w_t = vec![0.0f32; b.weight.len()];
        transpose(&conv_channels_last::reorder(c_in, kernel, b.weight, true), c_out, kernel * c_in, &mut w_t);
        let bias = b.bias.map_or_else(|| vec![0.0; c_out], <[f32]>::to_vec);
        assert_eq!(bias.len(), c_out, "bias does not fit the shape");
        Self { shape: s, w_t, winograd, bias, relu: b.relu }
    }

    /// Input rows per sample, padding included.
    fn padded(&self) -> usize {
        self.shape.w.len_in + self.shape.w.pad_lo + self.shape.w.pad_hi
    }

    fn pooled_len(&self) -> usize {
        self.shape.w.lo() / 2
    }

    /// Scratch values [`Self::products`] needs for a group of `samples` samples.
    fn scratch_len(&self, samples: usize) -> usize {
        self.winograd.as_ref().map_or(0, |f| f.scratch_len(samples, 2 * self.pooled_len()))
    }

    /// The products of `samples` samples laid out in `x_t` (`[samples · padded, channels_in]`)
    /// into `y` (`[samples · padded − kernel + 1, channels_out]`, row `i · padded + t` for output
    /// position `t` of sample `i`; by Winograd only the positions the pool reads); returns `y`'s
    /// rows. `scratch` holds [`Self::scratch_len`] values.
    fn products<'y>(&self, x_t: &[f32], samples: usize, y: &'y mut [f32], scratch: &mut [f32]) -> &'y [f32] {
        let (c_in, c_out, kernel) = (self.shape.channels_in, self.shape.channels_out, self.shape.w.kernel);
        let w_t = MatRef::row_major(&self.w_t, kernel * c_in, c_out);
        if let Some(filters) = &self.winograd {
            filters.outputs(x_t, samples, self.padded(), 2 * self.pooled_len(), w_t, y, scratch);
            return y;
        }
        let rows = samples * self.padded() - (kernel - 1);
        let patches = MatRef { data: x_t, rows, cols: kernel * c_in, row_stride: c_in, col_stride: 1 };
        let y = &mut y[..rows * c_out];
        matmul(y, patches, w_t, false, false);
        y
    }

    /// Sample `i`'s pooled output `[pooled_len, channels_out]` from the products `y`, into `dst`.
    fn pool(&self, y: &[f32], i: usize, dst: &mut [f32]) {
        let c_out = self.shape.channels_out;
        let y = &y[i * self.padded() * c_out..][..2 * self.pooled_len() * c_out];
        vectorised(#[inline(always)] || pool_rows(y, dst, &self.bias, self.relu));
    }
}

/// One sample's rows `dst` (`[pad_lo + len_in + pad_hi, channels]`) with its padding rows zeroed:
/// the `len_in` rows between them, for the caller to fill.
fn between_padding<'a>(dst: &'a mut [f32], channels: usize, axis: &Axis) -> &'a mut [f32] {
    let (head, rest) = dst.split_at_mut(axis.pad_lo * channels);
    let (body, tail) = rest.split_at_mut(axis.len_in * channels);
    head.fill(0.0);
    tail.fill(0.0);
    body
}

/// Writes sample `x_b` (`[channels, len]`) into `dst` (`[pad_lo + len + pad_hi, channels]`),
/// zeros in the padding rows.
fn transposed_in(x_b: &[f32], channels: usize, axis: &Axis, dst: &mut [f32]) {
    let body = between_padding(dst, channels, axis);
    if channels == 1 {
        body.copy_from_slice(x_b);
    } else {
        transpose(x_b, channels, axis.len_in, body);
    }
}

/// Convolution of `x` `[batch, channels_in, len_in]` by `weight` `[channels_out, channels_in,
/// kernel]` (+ `bias`), then `MaxPool(2)` (a last odd position dropped), then a ReLU if `relu`:
/// `[batch, channels_out, len_out / 2]`.
///
/// # Panics
///
/// If the shape is not one that [`applies`], or the slices do not fit it.
pub fn forward_pooled(s: &ConvShape, x: &[f32], weight: &[f32], bias: Option<&[f32]>, relu: bool) -> Vec<f32> {
    forward_chain(&[Block { shape: *s, weight, bias, relu }], x)
}

/// The blocks in turn, each a convolution, `MaxPool(2)` and the ReLU if it has one, the next
/// reading the last one's output: `[batch, channels_out, len_out / 2]` of the last block. Between
/// blocks the pooled rows stay channels-last in the group's buffer (never transposed back nor
/// written out).
///
/// # Panics
///
/// If there is no block, a block's shape is not one that [`applies`], a block's input is not the
/// one before's output, or the slices do not fit the shapes.
pub(crate) fn forward_chain(blocks: &[Block<'_>], x: &[f32]) -> Vec<f32> {
    let first = blocks.first().expect("a chain of at least one block").shape;
    for pair in blocks.windows(2) {
        let (a, b) = (pair[0].shape, pair[1].shape);
        assert!(b.batch == a.batch && b.channels_in == a.channels_out && b.w.len_in == a.w.lo() / 2, "block {b:?} does not read {a:?}");
    }
    for b in blocks {
        assert!(applies(&b.shape), "not a stride-1 1-D convolution with a pooled output: {:?}", b.shape);
    }
    assert_eq!(x.len(), first.batch * first.channels_in * first.w.len_in, "input does not fit the shape");
    let blocks: Vec<Prepared> = blocks.iter().map(Prepared::new).collect();
    let last = blocks.last().expect("checked above");
    let (c_last, per_sample) = (last.shape.channels_out, last.shape.channels_out * last.pooled_len());
    let group = SAMPLES_PER_GROUP;
    let input_len = blocks.iter().map(|b| group * b.padded() * b.shape.channels_in).max().unwrap_or(0);
    let y_len = blocks.iter().map(|b| group * b.padded() * b.shape.channels_out).max().unwrap_or(0);
    let scratch_len = blocks.iter().map(|b| b.scratch_len(group)).max().unwrap_or(0);
    let fill = |g: usize, out: &mut [f32]| {
        let samples = out.len() / per_sample;
        with_scratch([input_len, input_len, y_len, per_sample, scratch_len], |[mut x_t, mut next, y, pooled, scratch]| {
            let (len_in, c_in) = (first.w.len_in * first.channels_in, first.channels_in);
            for (i, dst) in x_t.chunks_exact_mut(blocks[0].padded() * c_in).take(samples).enumerate() {
                transposed_in(&x[(g * group + i) * len_in..][..len_in], c_in, &first.w, dst);
            }
            for (l, block) in blocks.iter().enumerate() {
                let products = block.products(x_t, samples, y, scratch);
                let Some(following) = blocks.get(l + 1) else {
                    // The last block: pooled, then transposed into the output.
                    for (i, out) in out.chunks_exact_mut(per_sample).enumerate() {
                        block.pool(products, i, pooled);
                        transpose(pooled, block.pooled_len(), c_last, out);
                    }
                    break;
                };
                // The pooled rows, channels-last, become the next block's input rows.
                let (w, c) = (following.shape.w, following.shape.channels_in);
                for (i, dst) in next.chunks_exact_mut(following.padded() * c).take(samples).enumerate() {
                    block.pool(products, i, between_padding(dst, c, &w));
                }
                std::mem::swap(&mut x_t, &mut next);
            }
        })
    };
    // SAFETY: the last block's transpose writes each sample's `per_sample` outputs whole.
    unsafe { par_written(first.batch * per_sample, group * per_sample, fill) }
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
            shape(5, 16, 32, 64, 5, (2, 2)),
            shape(3, 8, 4, 6, 5, (0, 0)),
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
    fn a_chain_is_its_blocks_in_turn() {
        // The ECG CNN's two blocks; padded blocks; a batch that is not a whole number of groups.
        let chains = [
            (shape(11, 1, 32, 187, 5, (0, 0)), 64, 5, (0, 0)),
            (shape(9, 3, 4, 21, 3, (1, 1)), 5, 4, (2, 1)),
            (shape(2, 2, 3, 10, 2, (0, 0)), 2, 3, (0, 0)),
        ];
        for (first, c_out, kernel, pad) in chains {
            let mid = first.w.lo() / 2;
            let second = shape(first.batch, first.channels_out, c_out, mid, kernel, pad);
            let x = values(first.batch * first.channels_in * first.w.len_in, 0.1);
            let w1 = values(first.channels_out * first.channels_in * first.w.kernel, 0.7);
            let w2 = values(c_out * first.channels_out * kernel, 1.9);
            let (b1, b2) = (values(first.channels_out, 2.3), values(c_out, 3.7));
            for (relu, bias_2) in [(true, Some(&b2[..])), (false, Some(&b2[..])), (true, None)] {
                let blocks = [
                    Block { shape: first, weight: &w1, bias: Some(&b1), relu },
                    Block { shape: second, weight: &w2, bias: bias_2, relu },
                ];
                let got = forward_chain(&blocks, &x);
                let want = reference(&second, &reference(&first, &x, &w1, Some(&b1), relu), &w2, bias_2, relu);
                assert_eq!(got.len(), want.len());
                // Rounding grows with the terms of each sum, not with the sum: on the scale of the
                // largest output (the second block's sums cancel).
                let scale = want.iter().fold(1.0f32, |m, w| m.max(w.abs()));
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert!((g - w).abs() <= 1e-5 * scale, "{first:?} relu {relu}, element {i}: {g} vs {w} (scale {scale})");
                }
            }
        }
    }

    #[test]
    #[should_panic(expected = "does not read")]
    fn a_chain_of_blocks_that_do_not_fit_is_refused() {
        let (first, second) = (shape(2, 1, 4, 12, 3, (0, 0)), shape(2, 3, 4, 5, 3, (0, 0)));
        let (x, w1, w2) = (values(24, 0.0), values(12, 0.0), values(36, 0.0));
        let blocks = [Block { shape: first, weight: &w1, bias: None, relu: true }, Block { shape: second, weight: &w2, bias: None, relu: true }];
        forward_chain(&blocks, &x);
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
