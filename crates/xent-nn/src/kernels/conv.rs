//! 1-D and 2-D convolution on contiguous `f32` slices: per sample, an im2col matrix and GEMMs.
//!
//! Layouts are Burn's: input `[batch, channels_in, height, width]`, weight
//! `[channels_out, channels_in, kernel_h, kernel_w]`, output `[batch, channels_out, height_out,
//! width_out]`, all contiguous row-major; a 1-D convolution is the case `height = kernel_h = 1`.
//! The patch matrix `cols_b` of sample `b` is `[channels_in · kernel_h · kernel_w, height_out ·
//! width_out]`: row `(ci, i, j)`, column `(oh, ow)` holds `x[b, ci, oh·sh + i − pad_top, ow·sw + j −
//! pad_left]` (zero outside the input). With it,
//! - forward: `out_b = W · cols_b` (+ bias);
//! - weight gradient: `dW = Σ_b dY_b · cols_bᵀ` (Burn 0.22 runs it as a convolution over swapped
//!   dimensions, several times slower);
//! - input gradient: `dcols_b = Wᵀ · dY_b`, then every patch entry is added back where it came
//!   from (col2im), instead of a transposed convolution.
//!
//! Samples run as rayon tasks, each with its own patch buffer (one sample's: tens to hundreds of
//! KB, so it stays in cache, where a whole batch's was megabytes written and read back through
//! memory), or, for batches smaller than twice the pool, in turn with parallel GEMMs.

use std::ops::Range;

use rayon::prelude::*;

use super::gemm::{MatRef, matmul};
use super::{max_pool, par_written, sum_in_order, vectorised, with_scratch, written, zero_filled};

/// One spatial axis of a convolution or pool: input length, window, stride and padding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Axis {
    /// Input length.
    pub len_in: usize,
    /// Window (kernel) width.
    pub kernel: usize,
    /// Stride (≥ 1).
    pub stride: usize,
    /// Positions added before the input.
    pub pad_lo: usize,
    /// Positions added after the input.
    pub pad_hi: usize,
}

impl Axis {
    /// A trivial axis of length 1 (the height of a 1-D operation).
    pub const UNIT: Axis = Axis { len_in: 1, kernel: 1, stride: 1, pad_lo: 0, pad_hi: 0 };

    /// Output length `⌊(len_in + pads − kernel) / stride⌋ + 1`; `None` when the padded input is
    /// shorter than the window or the stride or window is zero.
    pub fn len_out(&self) -> Option<usize> {
        let padded = self.len_in + self.pad_lo + self.pad_hi;
        (self.stride > 0 && self.kernel > 0 && padded >= self.kernel).then(|| (padded - self.kernel) / self.stride + 1)
    }

    pub(crate) fn lo(&self) -> usize {
        self.len_out().expect("geometry checked by the caller")
    }

    /// Input position read by output position `o` through tap `k`, if inside the input.
    #[cfg(test)]
    pub(crate) fn source(&self, o: usize, k: usize) -> Option<usize> {
        (o * self.stride + k).checked_sub(self.pad_lo).filter(|&p| p < self.len_in)
    }

    /// The output positions whose tap `k` lands inside the input (a range).
    fn valid_outputs(&self, k: usize) -> Range<usize> {
        let lo = self.lo();
        let first = self.pad_lo.saturating_sub(k).div_ceil(self.stride);
        let end = match (self.len_in + self.pad_lo).checked_sub(k + 1) {
            Some(max) => (max / self.stride + 1).min(lo),
            None => 0,
        };
        first.min(end)..end
    }
}

/// The geometry of a convolution with zero padding, dilation 1 and one group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvShape {
    /// Batch size.
    pub batch: usize,
    /// Input channels.
    pub channels_in: usize,
    /// Output channels (filters).
    pub channels_out: usize,
    /// The vertical axis ([`Axis::UNIT`] for a 1-D convolution).
    pub h: Axis,
    /// The horizontal axis.
    pub w: Axis,
}

impl ConvShape {
    /// Output positions per channel, if the geometry has any.
    pub fn positions_out(&self) -> Option<usize> {
        Some(self.h.len_out()? * self.w.len_out()?)
    }

    fn taps(&self) -> usize {
        self.h.kernel * self.w.kernel
    }

    fn patch(&self) -> usize {
        self.channels_in * self.taps()
    }

    pub(crate) fn plane_in(&self) -> usize {
        self.h.len_in * self.w.len_in
    }

    pub(crate) fn plane_out(&self) -> usize {
        self.h.lo() * self.w.lo()
    }
}

/// Where tap `(i, j)` reads: the output rows and columns whose source lies inside the input, and
/// the input column read by the first valid output column.
#[derive(Clone, Debug)]
struct TapRange {
    i: usize,
    rows: Range<usize>,
    cols: Range<usize>,
    start: usize,
}

fn tap_ranges(s: &ConvShape) -> Vec<TapRange> {
    (0..s.taps())
        .map(|tap| {
            let (i, j) = (tap / s.w.kernel, tap % s.w.kernel);
            let cols = s.w.valid_outputs(j);
            let start = (cols.start * s.w.stride + j).saturating_sub(s.w.pad_lo);
            TapRange { i, rows: s.h.valid_outputs(i), cols, start }
        })
        .collect()
}

/// The patch matrix `[channels_in · taps, positions_out]` of one sample `x_b` `[channels_in,
/// plane_in]`, written into `cols` (every entry: zeros where a tap reads padding).
fn im2col(s: &ConvShape, taps: &[TapRange], x_b: &[f32], cols: &mut [f32]) {
    let (plane_in, wo, stride) = (s.plane_in(), s.w.lo(), s.w.stride);
    for (row, out) in cols.chunks_exact_mut(s.plane_out().max(1)).enumerate() {
        let (ci, t) = (row / taps.len(), &taps[row % taps.len()]);
        let plane = &x_b[ci * plane_in..][..plane_in];
        for (oh, dst) in out.chunks_exact_mut(wo).enumerate() {
            if !t.rows.contains(&oh) || t.cols.is_empty() {
                dst.fill(0.0);
                continue;
            }
            let src = &plane[(oh * s.h.stride + t.i - s.h.pad_lo) * s.w.len_in..][..s.w.len_in];
            dst[..t.cols.start].fill(0.0);
            dst[t.cols.end..].fill(0.0);
            if stride == 1 {
                dst[t.cols.clone()].copy_from_slice(&src[t.start..t.start + t.cols.len()]);
            } else {
                for (k, d) in dst[t.cols.clone()].iter_mut().enumerate() {
                    *d = src[t.start + k * stride];
                }
            }
        }
    }
}

/// Adds every entry of one sample's patch gradient `dcols` `[channels_in · taps, positions_out]`
/// back to the input position it was read from, in `dx_b` `[channels_in, plane_in]` (zeroed).
fn col2im(s: &ConvShape, taps: &[TapRange], dcols: &[f32], dx_b: &mut [f32]) {
    let (plane_in, plane_out, wo, stride) = (s.plane_in(), s.plane_out(), s.w.lo(), s.w.stride);
    for (ci, dst) in dx_b.chunks_exact_mut(plane_in.max(1)).enumerate() {
        for (tap, t) in taps.iter().enumerate() {
            let src_row = &dcols[(ci * taps.len() + tap) * plane_out..][..plane_out];
            for oh in t.rows.clone() {
                let src = &src_row[oh * wo..][t.cols.clone()];
                let line = &mut dst[(oh * s.h.stride + t.i - s.h.pad_lo) * s.w.len_in..][..s.w.len_in];
                if stride == 1 {
                    line[t.start..t.start + src.len()].iter_mut().zip(src).for_each(|(d, v)| *d += v);
                } else {
                    src.iter().enumerate().for_each(|(k, v)| line[t.start + k * stride] += v);
                }
            }
        }
    }
}

/// `Σ row` in 16 independent lanes (a plain `sum` is one dependent chain of scalar additions; this
/// vectorises), in a fixed order.
pub(crate) fn lane_sum(row: &[f32]) -> f32 {
    const LANES: usize = 16;
    let (chunks, tail) = row.as_chunks::<LANES>();
    let mut acc = [0.0f32; LANES];
    for chunk in chunks {
        acc.iter_mut().zip(chunk).for_each(|(a, v)| *a += v);
    }
    acc.iter().sum::<f32>() + tail.iter().sum::<f32>()
}

/// Samples per partial sum of the weight gradient (fixed, so that results do not depend on
/// scheduling: the same run gives the same bits).
const SAMPLES_PER_GROUP: usize = 8;

/// Whether to run one single-threaded GEMM per sample across the rayon pool (many samples), or
/// the samples in turn with parallel GEMMs (few).
fn across_batch(s: &ConvShape) -> bool {
    s.batch >= 2 * rayon::current_num_threads()
}

/// The output `[batch, chunk]`: `one(b, out_b, scratch)` fills sample `b`'s chunk `out_b`, across
/// the pool or in turn ([`across_batch`]); `scratch` is a buffer of `scratch_len` (across the
/// pool, the thread's own from [`with_scratch`]: `one` must write it before reading it).
///
/// # Safety
///
/// `one` must write every element of `out_b` before reading it (across the pool it is not
/// zeroed).
unsafe fn per_sample<F>(s: &ConvShape, chunk: usize, scratch_len: usize, one: F) -> Vec<f32>
where
    F: Fn(usize, &mut [f32], &mut [f32]) + Sync + Send,
{
    if chunk == 0 {
        return Vec::new();
    }
    if across_batch(s) {
        // SAFETY: the caller's `one` writes all of `out_b`.
        unsafe { par_written(s.batch * chunk, chunk, |b, out_b| with_scratch([scratch_len], |[scratch]| one(b, out_b, scratch))) }
    } else {
        let (mut out, mut scratch) = (vec![0.0f32; s.batch * chunk], vec![0.0f32; scratch_len]);
        out.chunks_mut(chunk).enumerate().for_each(|(b, out_b)| one(b, out_b, &mut scratch));
        out
    }
}

/// Forward pass: `[batch, channels_out, height_out, width_out]`, through a ReLU if `relu`.
pub fn forward(s: &ConvShape, x: &[f32], weight: &[f32], bias: Option<&[f32]>, relu: bool) -> Vec<f32> {
    check_lengths(s, x, weight);
    let (plane, x_len) = (s.plane_out(), s.channels_in * s.plane_in());
    let per_batch = s.channels_out * plane;
    let w = MatRef::row_major(weight, s.channels_out, s.patch());
    let (parallel_gemm, taps) = (!across_batch(s), tap_ranges(s));
    let one = |b: usize, out_b: &mut [f32], cols: &mut [f32]| {
        im2col(s, &taps, &x[b * x_len..][..x_len], cols);
        matmul(out_b, w, MatRef::row_major(cols, s.patch(), plane), false, parallel_gemm);
        // Bias and ReLU in one pass over the sample's output, while it is in cache.
        vectorised(#[inline(always)] || match (bias, relu) {
            (Some(bias), true) => {
                for (row, &v) in out_b.chunks_exact_mut(plane).zip(bias) {
                    for o in row {
                        *o = (*o + v).max(0.0);
                    }
                }
            }
            (Some(bias), false) => {
                for (row, &v) in out_b.chunks_exact_mut(plane).zip(bias) {
                    for o in row {
                        *o += v;
                    }
                }
            }
            (None, true) => {
                for o in out_b.iter_mut() {
                    *o = o.max(0.0);
                }
            }
            (None, false) => {}
        });
    };
    // SAFETY: `one`'s GEMM (not accumulating) writes all of `out_b` before the epilogue reads it.
    unsafe { per_sample(s, per_batch, s.patch() * plane, one) }
}

/// Forward pass followed by a max pool of `pool_h × 2` windows, stride `pool_h × 2`, no padding
/// (a last odd row or column dropped): `MaxPool2d(2)` with `pool_h = 2`, a 1-D `MaxPool(2)` with
/// `pool_h = 1`; through a ReLU if `relu`. Output `[batch, channels_out, height_out / pool_h,
/// width_out / 2]`.
/// Each sample's convolution output stays in a per-task buffer and only the pooled values are
/// written. The values are those of [`forward`] then the pool: the same GEMM, and the bias and
/// ReLU commute with the maximum (`max(a + c, b + c) = max(a, b) + c` in floating point too).
///
/// # Panics
///
/// If `pool_h` is not 1 or 2, or the slices do not fit the shape.
pub fn forward_pooled(s: &ConvShape, x: &[f32], weight: &[f32], bias: Option<&[f32]>, relu: bool, pool_h: usize) -> Vec<f32> {
    check_lengths(s, x, weight);
    assert!(pool_h == 1 || pool_h == 2, "pool height must be 1 or 2, got {pool_h}");
    let (plane, x_len) = (s.plane_out(), s.channels_in * s.plane_in());
    let (ho, wo) = (s.h.lo(), s.w.lo());
    let (ph, hp, wp) = (pool_h, ho / pool_h, wo / 2);
    let per_batch = s.channels_out * hp * wp;
    let w = MatRef::row_major(weight, s.channels_out, s.patch());
    let (parallel_gemm, taps) = (!across_batch(s), tap_ranges(s));
    let cols_len = s.patch() * plane;
    let one = |b: usize, out_b: &mut [f32], scratch: &mut [f32]| {
        let (cols, y) = scratch.split_at_mut(cols_len);
        im2col(s, &taps, &x[b * x_len..][..x_len], cols);
        matmul(y, w, MatRef::row_major(cols, s.patch(), plane), false, parallel_gemm);
        for (o, (plane_y, pooled)) in y.chunks_exact(plane).zip(out_b.chunks_exact_mut(hp * wp)).enumerate() {
            let c = bias.map_or(0.0, |bias| bias[o]);
            vectorised(#[inline(always)] || pool_plane(plane_y, pooled, wo, ph, c, relu));
        }
    };
    // SAFETY: `pool_plane` writes each of the `channels_out` pooled planes of `out_b` whole.
    unsafe { per_sample(s, per_batch, cols_len + s.channels_out * plane, one) }
}

/// One output plane `y` (rows of `wo`) pooled over `ph × 2` windows into `pooled` (rows of `wo /
/// 2`) with [`max_pool`]'s own loops, then `+ c` and the ReLU if `relu`.
#[inline(always)]
fn pool_plane(y: &[f32], pooled: &mut [f32], wo: usize, ph: usize, c: f32, relu: bool) {
    if ph == 1 {
        for (dst, row) in pooled.chunks_exact_mut((wo / 2).max(1)).zip(y.chunks_exact(wo)) {
            max_pool::pairs_forward(dst, row);
        }
    } else {
        max_pool::squares_forward(pooled, y, wo, wo / 2);
    }
    if relu {
        pooled.iter_mut().for_each(|v| *v = (*v + c).max(0.0));
    } else {
        pooled.iter_mut().for_each(|v| *v += c);
    }
}

/// Which gradients a convolution's backward pass computes.
#[derive(Clone, Copy, Debug)]
pub struct Wanted {
    /// Gradient with respect to the input.
    pub input: bool,
    /// Gradient with respect to the weight.
    pub weight: bool,
    /// Gradient with respect to the bias.
    pub bias: bool,
}

/// Gradients of a convolution.
#[derive(Debug, Default)]
pub struct ConvGrads {
    /// Shaped like the input.
    pub input: Option<Vec<f32>>,
    /// Shaped like the weight.
    pub weight: Option<Vec<f32>>,
    /// `[channels_out]`.
    pub bias: Option<Vec<f32>>,
}

/// Backward pass from the output gradient `dy` (shaped like the output), through the forward
/// pass's ReLU when `relu_out` (the forward output, shaped like `dy`) is given: `dy` counts only
/// where the output is positive.
///
/// One pass over the batch: each sample's `dy` is read once (masked into a per-task buffer when
/// there is a ReLU), and serves the bias, weight and input gradients while it is in cache. Samples
/// run in fixed groups of [`SAMPLES_PER_GROUP`] whose partial sums of the weight and bias
/// gradients are then added in group order, so the result does not depend on scheduling.
pub fn backward(s: &ConvShape, x: &[f32], weight: &[f32], dy: &[f32], relu_out: Option<&[f32]>, wanted: Wanted) -> ConvGrads {
    check_lengths(s, x, weight);
    let plane = s.plane_out();
    let (x_len, dy_len) = (s.channels_in * s.plane_in(), s.channels_out * plane);
    let (dw_len, cols_len) = (s.channels_out * s.patch(), s.patch() * plane);
    assert_eq!(dy.len(), s.batch * dy_len, "output gradient has the wrong size");
    if let Some(out) = relu_out {
        assert_eq!(out.len(), dy.len(), "ReLU output has the wrong size");
    }
    let taps = tap_ranges(s);
    let w_t = MatRef::row_major(weight, s.channels_out, s.patch()).t();

    // One group of samples: its partial weight and bias gradients; its input gradients in `dx_g`.
    let group = |samples: Range<usize>, dx_g: &mut [f32], parallel_gemm: bool| -> (Vec<f32>, Vec<f32>) {
        let mut dw = if wanted.weight { vec![0.0f32; dw_len] } else { Vec::new() };
        let mut db = if wanted.bias { vec![0.0f32; s.channels_out] } else { Vec::new() };
        let masked_len = if relu_out.is_some() { dy_len } else { 0 };
        with_scratch([masked_len, cols_len], |[masked, cols]| {
            for (i, b) in samples.enumerate() {
                let dy_b = through_relu_mask(&dy[b * dy_len..][..dy_len], relu_out.map(|out| &out[b * dy_len..][..dy_len]), masked);
                if wanted.bias {
                    db.iter_mut().zip(dy_b.chunks_exact(plane.max(1))).for_each(|(d, row)| *d += lane_sum(row));
                }
                let dy_m = MatRef::row_major(dy_b, s.channels_out, plane);
                if wanted.weight {
                    im2col(s, &taps, &x[b * x_len..][..x_len], cols);
                    matmul(&mut dw, dy_m, MatRef::row_major(cols, s.patch(), plane).t(), true, parallel_gemm);
                }
                if wanted.input {
                    // dx_b = col2im(Wᵀ · dY_b), the patch buffer reused for dcols_b.
                    matmul(cols, w_t, dy_m, false, parallel_gemm);
                    col2im(s, &taps, cols, &mut dx_g[i * x_len..][..x_len]);
                }
            }
        });
        (dw, db)
    };

    let (groups, dx_len) = (s.batch.div_ceil(SAMPLES_PER_GROUP), if wanted.input { s.batch * x_len } else { 0 });
    let samples = |g: usize| g * SAMPLES_PER_GROUP..((g + 1) * SAMPLES_PER_GROUP).min(s.batch);
    let mut partials: Vec<(Vec<f32>, Vec<f32>)> = Vec::new();
    let dx = if !across_batch(s) {
        let mut dx = vec![0.0f32; dx_len];
        partials.push(group(0..s.batch, &mut dx, true));
        dx
    } else if dx_len == 0 {
        partials = (0..groups).into_par_iter().map(|g| group(samples(g), &mut [], false)).collect();
        Vec::new()
    } else {
        // Each group zero-fills its own part of `dx` (in cache, in parallel) before col2im adds to it.
        let tasks = |dx: &mut [std::mem::MaybeUninit<f32>]| {
            partials = dx
                .par_chunks_mut(SAMPLES_PER_GROUP * x_len)
                .enumerate()
                .map(|(g, dx_g)| group(samples(g), zero_filled(dx_g), false))
                .collect();
        };
        // SAFETY: the chunks cover `dx`, and `zero_filled` writes every element of each.
        unsafe { written(dx_len, tasks) }
    };
    let (dws, dbs): (Vec<_>, Vec<_>) = partials.into_iter().unzip();
    ConvGrads {
        input: wanted.input.then_some(dx),
        weight: wanted.weight.then(|| sum_in_order(dws, dw_len)),
        bias: wanted.bias.then(|| sum_in_order(dbs, s.channels_out)),
    }
}

/// `masked = dy` where `out > 0`, else 0: the gradient through a ReLU whose output was `out`.
#[inline(always)]
fn relu_mask(masked: &mut [f32], dy: &[f32], out: &[f32]) {
    for (m, (&g, &o)) in masked.iter_mut().zip(dy.iter().zip(out)) {
        *m = if o > 0.0 { g } else { 0.0 };
    }
}

/// One sample's `dy` through a ReLU whose output was `out` ([`relu_mask`], written into
/// `buffer`), or `dy` itself without a ReLU.
pub(crate) fn through_relu_mask<'a>(dy: &'a [f32], out: Option<&[f32]>, buffer: &'a mut [f32]) -> &'a [f32] {
    match out {
        Some(out) => {
            vectorised(#[inline(always)] || relu_mask(buffer, dy, out));
            buffer
        }
        None => dy,
    }
}

fn check_lengths(s: &ConvShape, x: &[f32], weight: &[f32]) {
    assert_eq!(x.len(), s.batch * s.channels_in * s.plane_in(), "input has the wrong size");
    assert_eq!(weight.len(), s.channels_out * s.patch(), "weight has the wrong size");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Direct definition, one multiply-add at a time.
    fn naive(s: &ConvShape, x: &[f32], w: &[f32], bias: &[f32]) -> Vec<f32> {
        let (ho, wo) = (s.h.len_out().unwrap(), s.w.len_out().unwrap());
        let mut out = vec![0.0; s.batch * s.channels_out * ho * wo];
        for b in 0..s.batch {
            for co in 0..s.channels_out {
                for oh in 0..ho {
                    for ow in 0..wo {
                        let mut acc = bias[co];
                        for ci in 0..s.channels_in {
                            for i in 0..s.h.kernel {
                                for j in 0..s.w.kernel {
                                    if let (Some(p), Some(q)) = (s.h.source(oh, i), s.w.source(ow, j)) {
                                        let wv = w[((co * s.channels_in + ci) * s.h.kernel + i) * s.w.kernel + j];
                                        acc += wv * x[((b * s.channels_in + ci) * s.h.len_in + p) * s.w.len_in + q];
                                    }
                                }
                            }
                        }
                        out[((b * s.channels_out + co) * ho + oh) * wo + ow] = acc;
                    }
                }
            }
        }
        out
    }

    fn values(n: usize, salt: f32) -> Vec<f32> {
        (0..n).map(|i| (i as f32 * 0.7351 + salt).sin() * 1.3).collect()
    }

    fn line(len_in: usize, kernel: usize, stride: usize, pad_lo: usize, pad_hi: usize) -> Axis {
        Axis { len_in, kernel, stride, pad_lo, pad_hi }
    }

    fn shapes() -> Vec<ConvShape> {
        let one_d = |batch, channels_in, w| ConvShape { batch, channels_in, channels_out: 4, h: Axis::UNIT, w };
        vec![
            one_d(3, 2, line(11, 3, 1, 0, 0)),
            one_d(3, 1, line(11, 5, 1, 0, 0)),
            one_d(3, 2, line(11, 5, 1, 2, 2)),
            one_d(3, 2, line(11, 4, 1, 1, 2)),
            one_d(3, 2, line(11, 3, 2, 1, 1)),
            one_d(3, 2, line(11, 1, 3, 0, 0)),
            one_d(9, 2, line(4, 4, 1, 0, 0)),
            one_d(3, 2, line(2, 5, 1, 2, 2)),
            ConvShape { batch: 2, channels_in: 1, channels_out: 3, h: line(8, 5, 1, 0, 0), w: line(7, 5, 1, 0, 0) },
            ConvShape { batch: 2, channels_in: 3, channels_out: 2, h: line(6, 3, 1, 1, 1), w: line(5, 3, 2, 1, 1) },
            ConvShape { batch: 5, channels_in: 2, channels_out: 3, h: line(5, 2, 2, 0, 1), w: line(6, 3, 1, 2, 0) },
        ]
    }

    #[test]
    fn forward_matches_the_definition() {
        for s in shapes() {
            let x = values(s.batch * s.channels_in * s.plane_in(), 0.1);
            let w = values(s.channels_out * s.patch(), 0.9);
            let bias = values(s.channels_out, 2.0);
            let got = forward(&s, &x, &w, Some(&bias), false);
            let want = naive(&s, &x, &w, &bias);
            assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() < 1e-4, "{s:?}: {g} vs {w}");
            }
        }
    }

    /// The pooled forward pass is exactly the forward pass (with its ReLU) followed by the pool,
    /// odd last rows and columns dropped, with and without bias.
    #[test]
    fn pooled_forward_is_forward_then_pool() {
        for s in shapes() {
            let (ho, wo) = (s.h.lo(), s.w.lo());
            let x = values(s.batch * s.channels_in * s.plane_in(), 0.4);
            let w = values(s.channels_out * s.patch(), 0.2);
            let bias = values(s.channels_out, 1.1);
            let pool_hs: &[usize] = if s.h == Axis::UNIT { &[1] } else { &[1, 2] };
            for (&ph, bias, relu) in pool_hs.iter().flat_map(|p| [(p, Some(&bias[..]), true), (p, None, false)]) {
                let full = forward(&s, &x, &w, bias, relu);
                let got = forward_pooled(&s, &x, &w, bias, relu, ph);
                let (hp, wp) = (ho / ph, wo / 2);
                let mut want = Vec::new();
                for p in full.chunks_exact(ho * wo) {
                    for r in 0..hp {
                        for j in 0..wp {
                            let at = |i: usize, k: usize| p[(r * ph + i) * wo + 2 * j + k];
                            want.push((0..ph).flat_map(|i| [at(i, 0), at(i, 1)]).fold(f32::NEG_INFINITY, f32::max));
                        }
                    }
                }
                assert_eq!(got, want, "{s:?}, pool height {ph}");
            }
        }
    }

    /// Each gradient is the derivative of `Σ dy ⊙ forward(...)`, which is linear in every
    /// argument: perturbing one entry by 1 changes the sum by exactly its gradient.
    #[test]
    fn gradients_match_the_definition() {
        for s in shapes() {
            let x = values(s.batch * s.channels_in * s.plane_in(), 0.3);
            let w = values(s.channels_out * s.patch(), 1.7);
            let bias = values(s.channels_out, 0.4);
            let dy = values(s.batch * s.channels_out * s.positions_out().unwrap(), 5.0);
            let all = Wanted { input: true, weight: true, bias: true };
            let g = backward(&s, &x, &w, &dy, None, all);
            let dot = |x: &[f32], w: &[f32], b: &[f32]| -> f32 { naive(&s, x, w, b).iter().zip(&dy).map(|(a, b)| a * b).sum() };
            let base = dot(&x, &w, &bias);
            let check = |grad: &[f32], which: usize| {
                for (i, &gi) in grad.iter().enumerate() {
                    let (mut x2, mut w2, mut b2) = (x.clone(), w.clone(), bias.clone());
                    [&mut x2, &mut w2, &mut b2][which][i] += 1.0;
                    let want = dot(&x2, &w2, &b2) - base;
                    assert!((gi - want).abs() < 1e-3, "{s:?} arg {which} entry {i}: {gi} vs {want}");
                }
            };
            check(g.input.as_deref().unwrap(), 0);
            check(g.weight.as_deref().unwrap(), 1);
            check(g.bias.as_deref().unwrap(), 2);
        }
    }

    /// Through a ReLU, the gradients are those of the output gradient zeroed where the output is
    /// not positive (zeros included: ReLU's derivative at 0 is taken as 0, as in Burn).
    #[test]
    fn relu_output_masks_the_output_gradient() {
        for s in shapes() {
            let x = values(s.batch * s.channels_in * s.plane_in(), 0.3);
            let w = values(s.channels_out * s.patch(), 1.7);
            let dy = values(s.batch * s.channels_out * s.positions_out().unwrap(), 5.0);
            let out: Vec<f32> = values(dy.len(), 2.9).iter().enumerate().map(|(i, v)| if i % 7 == 0 { 0.0 } else { *v }).collect();
            let zeroed: Vec<f32> = dy.iter().zip(&out).map(|(g, o)| if *o > 0.0 { *g } else { 0.0 }).collect();
            let all = Wanted { input: true, weight: true, bias: true };
            let (got, want) = (backward(&s, &x, &w, &dy, Some(&out), all), backward(&s, &x, &w, &zeroed, None, all));
            assert_eq!(got.input, want.input, "{s:?}");
            assert_eq!(got.weight, want.weight, "{s:?}");
            assert_eq!(got.bias, want.bias, "{s:?}");
            assert!(zeroed.contains(&0.0) && zeroed.iter().any(|g| *g != 0.0), "the mask must bite");
        }
    }

    #[test]
    fn valid_output_ranges_agree_with_source() {
        for s in shapes() {
            for axis in [s.h, s.w] {
                for k in 0..axis.kernel {
                    let direct: Vec<usize> = (0..axis.lo()).filter(|&o| axis.source(o, k).is_some()).collect();
                    assert_eq!(direct, axis.valid_outputs(k).collect::<Vec<_>>(), "{axis:?} k={k}");
                }
            }
        }
    }

    #[test]
    fn too_short_inputs_have_no_output_length() {
        assert_eq!(line(2, 5, 1, 1, 1).len_out(), None);
        assert_eq!(line(2, 5, 0, 2, 2).len_out(), None);
    }
}
