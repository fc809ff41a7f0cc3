//! A 1-D convolution that reads and writes channels-last, `[batch, length, channels]`, with any
//! stride and zero padding: the patch matrix of a group of samples is a view, so there is no
//! im2col, and each product is one GEMM over the group instead of one small GEMM per sample.
//!
//! Samples go in fixed groups of [`GROUP`], one rayon task each with its own buffers (a few hundred
//! KB, so they stay in cache and are reused from group to group). A group's input goes into a
//! buffer `P` of `span` rows per sample (`span = pad_left + length + pad_right`, rounded up to a
//! multiple of the stride), each row one position's `C` channels, the sample at rows `pad_left ..`,
//! zeros around it. The patch of view row `r` (taps × channels) is then the contiguous run
//! `P[r·s·C .. (r·s + K)·C]`: a strided view with row stride `s·C` and overlapping rows. Output
//! `(b, t)` is view row `b·span/s + t`; the view rows past a sample's last output straddle two
//! samples and are computed and dropped. So, per group:
//!
//! - forward: one GEMM `view [R, K·C] × W' [K·C, C_out]` (`W'` the weight with taps before
//!   channels, a small permuted copy), then the valid rows copied out with the bias and the
//!   activation;
//! - backward: `dY` scattered to the rows of `P` its outputs start at (`Z`, with `K − 1` zero rows
//!   in front; zero elsewhere). Weight gradient: one GEMM `Z` (every `s`-th row)ᵀ × view; the
//!   groups' partial sums are added in group order, so runs repeat exactly. Input gradient: `dP =
//!   view(Z) [rows, K·C_out] × W'' [K·C_out, C]` with `W''` the weight with its taps reversed,
//!   `dP[q] = Σ_k dY(starting at q − k) · W_k`; the input's rows are copied out of `dP`.
//!
//! When the input needs no padding row (no padding, length a multiple of the stride), `P` is the
//! input itself.
//!
//! In inference ([`Products::Winograd`], and always in [`forward_join`]) a kernel of 5 at stride 1
//! with at least 8 input channels (the ResNet's blocks) runs by Winograd's F(4, 5) instead: the
//! same rows of the product, each four positions from eight rows of `P` ([`winograd1d`]), 2.5 ×
//! fewer multiply-adds, equal to the GEMM's up to rounding. Training keeps the direct product
//! ([`Products::Direct`]), the one its backward pass differentiates.

use std::mem::MaybeUninit;

use rayon::prelude::*;

use super::conv::{ConvGrads, Wanted};
use super::gemm::{MatRef, matmul};
use super::winograd1d::{self, Filters};
use super::{sum_in_order, vectorised, written};

/// Samples per task and per partial sum of the weight and bias gradients (fixed, so that results
/// do not depend on scheduling or thread count).
const GROUP: usize = 8;

/// Sizes of a convolution channels-last in and out (any stride and padding, dilation 1, one
/// group).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChannelsLastShape {
    /// Batch size B.
    pub batch: usize,
    /// Input length L.
    pub length: usize,
    /// Input channels C.
    pub channels_in: usize,
    /// Output channels.
    pub channels_out: usize,
    /// Kernel width K.
    pub kernel: usize,
    /// Stride s (≥ 1).
    pub stride: usize,
    /// Zeros before each sample.
    pub pad_left: usize,
    /// Zeros after each sample.
    pub pad_right: usize,
}

impl ChannelsLastShape {
    /// `⌊(L + pads − K) / s⌋ + 1`.
    pub fn length_out(&self) -> usize {
        (self.length + self.pad_left + self.pad_right - self.kernel) / self.stride + 1
    }

    /// Rows of `P` per sample: the padded length rounded up to a multiple of the stride.
    fn span(&self) -> usize {
        (self.pad_left + self.length + self.pad_right).next_multiple_of(self.stride)
    }

    /// Rows of the patch view over `samples` samples (every start that fits in their `P`).
    fn view_rows(&self, samples: usize) -> usize {
        (samples * self.span() - self.kernel) / self.stride + 1
    }

    /// Columns of a patch: `K·C`.
    fn patch(&self) -> usize {
        self.kernel * self.channels_in
    }

    /// Whether `P` is the input itself (no padding row).
    fn unpadded(&self) -> bool {
        self.span() == self.length
    }

    fn check(&self, x: &[f32], weight: &[f32]) {
        assert!(self.stride >= 1 && self.kernel >= 1, "conv1d (channels-last): stride and kernel must be positive");
        assert!(self.length >= 1 && self.channels_in >= 1, "conv1d (channels-last): empty input");
        assert!(
            self.length + self.pad_left + self.pad_right >= self.kernel,
            "conv1d (channels-last): padded input {} shorter than the kernel {}",
            self.length + self.pad_left + self.pad_right,
            self.kernel
        );
        assert_eq!(x.len(), self.batch * self.length * self.channels_in, "input has the wrong size");
        assert_eq!(weight.len(), self.channels_out * self.patch(), "weight has the wrong size");
    }

    /// Whether the GEMMs split their work over the pool: when there are too few groups to keep
    /// it busy.
    fn parallel_gemm(&self) -> bool {
        self.batch.div_ceil(GROUP) < 2 * rayon::current_num_threads()
    }

    /// `P` of group `g` (`samples` samples): the input itself, or `buffer` filled with each
    /// sample's rows and the zeros around them.
    fn padded<'a>(&self, x: &'a [f32], g: usize, samples: usize, buffer: &'a mut Vec<f32>) -> &'a [f32] {
        let (span, c, l) = (self.span(), self.channels_in, self.length);
        let x = &x[g * GROUP * l * c..][..samples * l * c];
        if self.unpadded() {
            return x;
        }
        buffer.resize(samples * span * c, 0.0);
        for (dst, src) in buffer.chunks_exact_mut(span * c).zip(x.chunks_exact(l * c)) {
            let (before, rest) = dst.split_at_mut(self.pad_left * c);
            let (body, after) = rest.split_at_mut(l * c);
            before.fill(0.0);
            body.copy_from_slice(src);
            after.fill(0.0);
        }
        buffer
    }

    /// Whether [`Products::Winograd`] runs by Winograd's F(4, 5): a kernel of 5 at stride 1 with
    /// enough input channels ([`winograd1d::applies`]).
    fn winograd_applies(&self) -> bool {
        winograd1d::applies(self.kernel, self.stride, self.channels_in)
    }

    /// The rows of the product that the direct GEMM's would give, by Winograd's F(4, 5) and, past
    /// each sample's last whole tile of four, the direct product ([`Filters::outputs`]; `w` the
    /// direct product's weight).
    fn winograd_products(&self, filters: &Filters, p: &[f32], samples: usize, w: MatRef<'_>, product: &mut Vec<f32>, scratch: &mut Vec<f32>) {
        let (span, lo, co) = (self.span(), self.length_out(), self.channels_out);
        product.resize(samples * span * co, 0.0);
        scratch.resize(filters.scratch_len(samples, lo), 0.0);
        filters.outputs(p, samples, span, lo, w, product, scratch);
    }

    /// The patch view of a group's `P`, `rows` rows.
    fn view<'a>(&self, p: &'a [f32], rows: usize) -> MatRef<'a> {
        let row_stride = self.stride * self.channels_in;
        MatRef { data: p, rows, cols: self.patch(), row_stride, col_stride: 1 }
    }
}

/// Burn's weight `[C_out, C, K]` as `[C_out, K·C]` (taps before channels) with `taps_first`, or
/// such a weight back to Burn's layout without.
pub(super) fn reorder(channels_in: usize, kernel: usize, weight: &[f32], taps_first: bool) -> Vec<f32> {
    let (c, k) = (channels_in, kernel);
    let mut out = vec![0.0f32; weight.len()];
    for (src, dst) in weight.chunks_exact(c * k).zip(out.chunks_exact_mut(c * k)) {
        for ci in 0..c {
            for tap in 0..k {
                let (burn, taps) = (ci * k + tap, tap * c + ci);
                if taps_first { dst[taps] = src[burn] } else { dst[burn] = src[taps] }
            }
        }
    }
    out
}

/// Per-thread buffers (grown on first use, then reused from group to group and from call to call).
#[derive(Default)]
struct Scratch {
    p: Vec<f32>,
    product: Vec<f32>,
    z: Vec<f32>,
    /// [`Filters::tiles`]'s transforms, and the last positions past the tiles.
    winograd: Vec<f32>,
}

thread_local! {
    /// The calling thread's [`Scratch`], kept between calls.
    static SCRATCH: std::cell::Cell<Scratch> =
        const { std::cell::Cell::new(Scratch { p: Vec::new(), product: Vec::new(), z: Vec::new(), winograd: Vec::new() }) };
}

/// How [`forward`] computes its products.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Products {
    /// One GEMM over the patch view, as the backward pass differentiates (training).
    Direct,
    /// Winograd's F(4, 5) where it applies (a kernel of 5, stride 1, at least 8 input channels),
    /// the GEMM elsewhere (inference).
    Winograd,
}

/// `f` with the calling thread's [`Scratch`] (a nested call, from a task stolen while waiting,
/// gets fresh buffers).
fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    super::with_thread_local(&SCRATCH, f)
}

/// Forward pass: `[batch, length_out, channels_out]`, through a ReLU if `relu`.
pub fn forward(s: &ChannelsLastShape, x: &[f32], weight: &[f32], bias: &[f32], relu: bool, how: Products) -> Vec<f32> {
    let (lo, co) = (s.length_out(), s.channels_out);
    // SAFETY: `epilogue` writes all `lo · co` values of each sample.
    unsafe {
        products(s, x, weight, lo * co, how, |_, product, out_b| {
            vectorised(#[inline(always)] || epilogue(out_b, product, bias, relu));
        })
    }
}

/// Forward pass joined with a residual block's end, for inference: `relu(conv(x) + residual)`
/// (`residual` shaped like the output), then `MaxPool(2)` over positions if `pool`. Output
/// `[batch, length_out, channels_out]`, or `[batch, ⌊length_out / 2⌋, channels_out]` with `pool`:
/// the same values as the three operations one after the other, without writing the
/// intermediate activations.
pub fn forward_join(s: &ChannelsLastShape, x: &[f32], weight: &[f32], bias: &[f32], residual: &[f32], pool: bool) -> Vec<f32> {
    let (lo, co) = (s.length_out(), s.channels_out);
    assert_eq!(residual.len(), s.batch * lo * co, "residual has the wrong size");
    let rows_out = if pool { lo / 2 } else { lo };
    // SAFETY: `join_epilogue` writes all `rows_out · co` values of each sample.
    unsafe {
        products(s, x, weight, rows_out * co, Products::Winograd, |b, product, out_b| {
            let residual = &residual[b * lo * co..][..lo * co];
            vectorised(#[inline(always)] || join_epilogue(out_b, product, bias, residual, pool));
        })
    }
}

/// The convolution's products for every group of samples, each sample's `length_out ×
/// channels_out` block handed to `write(sample, block, its out_per_sample outputs)`.
///
/// # Safety
///
/// `write` must write every one of the `out_per_sample` values it is given.
unsafe fn products<F>(s: &ChannelsLastShape, x: &[f32], weight: &[f32], out_per_sample: usize, how: Products, write: F) -> Vec<f32>
where
    F: Fn(usize, &[f32], &mut [MaybeUninit<f32>]) + Sync,
{
    s.check(x, weight);
    let (lo, co) = (s.length_out(), s.channels_out);
    let len = s.batch * out_per_sample;
    if len == 0 {
        return Vec::new();
    }
    let w = reorder(s.channels_in, s.kernel, weight, true);
    let w = MatRef::row_major(&w, co, s.patch()).t();
    let winograd = (how == Products::Winograd && s.winograd_applies()).then(|| Filters::new(weight, co, s.channels_in));
    let (per_view_sample, parallel) = (s.span() / s.stride * co, s.parallel_gemm());
    let fill = |out: &mut [MaybeUninit<f32>]| {
        out.par_chunks_mut(GROUP * out_per_sample).enumerate().for_each(|(g, out_g)| {
            with_scratch(|scratch| {
                let samples = out_g.len() / out_per_sample;
                let p = s.padded(x, g, samples, &mut scratch.p);
                if let Some(filters) = &winograd {
                    s.winograd_products(filters, p, samples, w, &mut scratch.product, &mut scratch.winograd);
                } else {
                    let rows = s.view_rows(samples);
                    scratch.product.resize(rows * co, 0.0);
                    matmul(&mut scratch.product, s.view(p, rows), w, false, parallel);
                }
                for (i, out_b) in out_g.chunks_exact_mut(out_per_sample).enumerate() {
                    write(g * GROUP + i, &scratch.product[i * per_view_sample..][..lo * co], out_b);
                }
            })
        });
    };
    // SAFETY: every chunk of `out_per_sample` values goes to `write`, which writes them all (the
    // caller's promise).
    unsafe { written(len, fill) }
}

/// Writes one sample's outputs: `product` (positions × channels) plus the bias, through a ReLU if
/// `relu`. Plain loops, inlined into [`vectorised`]'s body (closures inside would not be).
#[inline(always)]
fn epilogue(out: &mut [MaybeUninit<f32>], product: &[f32], bias: &[f32], relu: bool) {
    let co = bias.len();
    for (d, v) in out.chunks_exact_mut(co).zip(product.chunks_exact(co)) {
        let (d, v) = (&mut d[..co], &v[..co]);
        for c in 0..co {
            let y = v[c] + bias[c];
            d[c].write(if relu { y.max(0.0) } else { y });
        }
    }
}

/// Writes one sample's outputs of [`forward_join`]: `max(product + bias + residual, 0)` per
/// position (in that order of additions, as the separate operations), and with `pool` the larger
/// of each two consecutive positions.
#[inline(always)]
fn join_epilogue(out: &mut [MaybeUninit<f32>], product: &[f32], bias: &[f32], residual: &[f32], pool: bool) {
    let co = bias.len();
    if pool {
        for ((d, v), r) in out.chunks_exact_mut(co).zip(product.chunks_exact(2 * co)).zip(residual.chunks_exact(2 * co)) {
            let (d, (v0, v1), (r0, r1)) = (&mut d[..co], v.split_at(co), r.split_at(co));
            for (c, d) in d.iter_mut().enumerate() {
                let (first, second) = ((v0[c] + bias[c] + r0[c]).max(0.0), (v1[c] + bias[c] + r1[c]).max(0.0));
                d.write(if second > first { second } else { first });
            }
        }
    } else {
        for ((d, v), r) in out.chunks_exact_mut(co).zip(product.chunks_exact(co)).zip(residual.chunks_exact(co)) {
            let (v, r) = (&v[..co], &r[..co]);
            for (c, d) in d[..co].iter_mut().enumerate() {
                d.write((v[c] + bias[c] + r[c]).max(0.0));
            }
        }
    }
}

/// Backward pass from the output gradient `dy` `[batch, length_out, channels_out]` (already
/// through the ReLU's mask, if any); the input gradient comes back channels-last like the input.
pub fn backward(s: &ChannelsLastShape, x: &[f32], weight: &[f32], dy: &[f32], wanted: Wanted) -> ConvGrads {
    s.check(x, weight);
    let (lo, co, c, k) = (s.length_out(), s.channels_out, s.channels_in, s.kernel);
    assert_eq!(dy.len(), s.batch * lo * co, "output gradient has the wrong size");
    let mut grads = ConvGrads::default();
    if s.batch == 0 || co == 0 {
        grads.input = wanted.input.then(|| vec![0.0; x.len()]);
        grads.weight = wanted.weight.then(|| vec![0.0; weight.len()]);
        grads.bias = wanted.bias.then(|| vec![0.0; co]);
        return grads;
    }
    let groups = s.batch.div_ceil(GROUP);
    if wanted.bias {
        let partials: Vec<Vec<f32>> = dy
            .par_chunks(GROUP * lo * co)
            .map(|dy_g| {
                let mut acc = vec![0.0f32; co];
                for row in dy_g.chunks_exact(co) {
                    acc.iter_mut().zip(row).for_each(|(a, &v)| *a += v);
                }
                acc
            })
            .collect();
        grads.bias = Some(sum_in_order(partials, co));
    }
    if !(wanted.weight || wanted.input) {
        return grads;
    }
    // W''[(j, o), c] = W[o, c, K − 1 − j], for the input gradient only.
    let mut flipped = vec![0.0f32; if wanted.input { k * co * c } else { 0 }];
    for (j, block) in flipped.chunks_exact_mut(co * c).enumerate() {
        for (o, row) in block.chunks_exact_mut(c).enumerate() {
            row.iter_mut().enumerate().for_each(|(ci, w)| *w = weight[(o * c + ci) * k + (k - 1 - j)]);
        }
    }
    let (span, lead, parallel) = (s.span(), k - 1, s.parallel_gemm());
    // One group: fills its part of dX (if given) and returns its part of dW (if wanted).
    let group = |scratch: &mut Scratch, g: usize, dx_g: Option<&mut [f32]>| -> Option<Vec<f32>> {
        let samples = (s.batch - g * GROUP).min(GROUP);
        let dy_g = &dy[g * GROUP * lo * co..][..samples * lo * co];
        // Z: row `lead + b·span + t·s` holds dY[b, t] (the output whose patch starts there).
        scratch.z.clear();
        scratch.z.resize((samples * span + lead) * co, 0.0);
        for (dst, src) in scratch.z[lead * co..].chunks_exact_mut(span * co).zip(dy_g.chunks_exact(lo * co)) {
            if s.stride == 1 {
                dst[..lo * co].copy_from_slice(src);
            } else {
                for (t, row) in src.chunks_exact(co).enumerate() {
                    dst[t * s.stride * co..][..co].copy_from_slice(row);
                }
            }
        }
        let p = s.padded(x, g, samples, &mut scratch.p);
        let dw = wanted.weight.then(|| {
            let rows = s.view_rows(samples);
            let dy_rows = MatRef { data: &scratch.z[lead * co..], rows: co, cols: rows, row_stride: 1, col_stride: s.stride * co };
            let mut dw = vec![0.0f32; co * s.patch()];
            matmul(&mut dw, dy_rows, s.view(p, rows), false, parallel);
            dw
        });
        if let Some(dx_g) = dx_g {
            let total = samples * span;
            let view = MatRef { data: &scratch.z, rows: total, cols: k * co, row_stride: co, col_stride: 1 };
            let flipped = MatRef::row_major(&flipped, k * co, c);
            if s.unpadded() {
                matmul(dx_g, view, flipped, false, parallel);
            } else {
                scratch.product.resize(total * c, 0.0);
                matmul(&mut scratch.product, view, flipped, false, parallel);
                for (dst, src) in dx_g.chunks_exact_mut(s.length * c).zip(scratch.product.chunks_exact(span * c)) {
                    dst.copy_from_slice(&src[s.pad_left * c..][..dst.len()]);
                }
            }
        }
        dw
    };
    let partials: Vec<Option<Vec<f32>>> = if wanted.input {
        let mut dx = vec![0.0f32; x.len()];
        let partials =
            dx.par_chunks_mut(GROUP * s.length * c).enumerate().map(|(g, dx_g)| with_scratch(|scratch| group(scratch, g, Some(dx_g)))).collect();
        grads.input = Some(dx);
        partials
    } else {
        (0..groups).into_par_iter().map(|g| with_scratch(|scratch| group(scratch, g, None))).collect()
    };
    if wanted.weight {
        let dw = sum_in_order(partials.into_iter().flatten().collect(), co * s.patch());
        grads.weight = Some(reorder(c, k, &dw, false));
    }
    grads
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::tests::conv1d_definition;

    fn values(n: usize, salt: f32) -> Vec<f32> {
        (0..n).map(|i| ((i as f32 * 0.7391 + salt).sin() * 1.7).fract()).collect()
    }

    /// The convolution by its definition ([`conv1d_definition`] of the channels-last input).
    fn definition(s: &ChannelsLastShape, x: &[f32], w: &[f32], bias: &[f32]) -> Vec<f64> {
        conv1d_definition(s, |b, pos, ci| x[(b * s.length + pos) * s.channels_in + ci], w, bias)
    }

    fn shapes() -> Vec<ChannelsLastShape> {
        let shape = |batch, length, channels_in, channels_out, kernel, stride, pad_left, pad_right| ChannelsLastShape {
            batch,
            length,
            channels_in,
            channels_out,
            kernel,
            stride,
            pad_left,
            pad_right,
        };
        vec![
            shape(3, 11, 4, 5, 5, 1, 2, 2),   // ResNet "same"
            shape(2, 12, 1, 6, 5, 1, 0, 0),   // one input channel, valid
            shape(2, 9, 3, 4, 4, 1, 1, 2),    // even kernel, uneven padding
            shape(3, 11, 4, 2, 1, 2, 0, 0),   // strided 1×1 shortcut, odd length
            shape(2, 10, 3, 3, 5, 2, 2, 2),   // strided "same"
            shape(10, 7, 2, 3, 3, 3, 1, 1),   // more samples than a group, stride 3
            shape(1, 3, 2, 2, 3, 1, 0, 0),    // kernel as long as the input
            shape(3, 11, 8, 5, 5, 1, 2, 2),   // Winograd in inference: odd output length
            shape(10, 12, 9, 4, 5, 1, 2, 2),  // Winograd: even length, more samples than a group
            shape(2, 13, 8, 3, 5, 1, 0, 0),   // Winograd: unpadded, odd output length
            shape(2, 14, 8, 3, 5, 1, 0, 0),   // Winograd: unpadded, even output length
        ]
    }

    #[test]
    fn forward_is_the_definition() {
        for s in shapes() {
            let (x, w, bias) = (values(s.batch * s.length * s.channels_in, 0.3), values(s.channels_out * s.patch(), 1.1), values(s.channels_out, 2.0));
            let want = definition(&s, &x, &w, &bias);
            for (relu, how) in [false, true].into_iter().flat_map(|r| [(r, Products::Direct), (r, Products::Winograd)]) {
                let got = forward(&s, &x, &w, &bias, relu, how);
                assert_eq!(got.len(), want.len());
                for (i, (g, d)) in got.iter().zip(&want).enumerate() {
                    let d = if relu { d.max(0.0) } else { *d };
                    assert!((f64::from(*g) - d).abs() < 1e-5, "{s:?} relu={relu} {how:?} [{i}]: {g} vs {d}");
                }
            }
        }
    }

    #[test]
    fn the_joined_forward_is_conv_plus_residual_relu_then_pool() {
        for s in shapes() {
            let (x, w, bias) = (values(s.batch * s.length * s.channels_in, 0.3), values(s.channels_out * s.patch(), 1.1), values(s.channels_out, 2.0));
            let (lo, co) = (s.length_out(), s.channels_out);
            let residual = values(s.batch * lo * co, 3.3);
            let joined: Vec<f32> =
                forward(&s, &x, &w, &bias, false, Products::Winograd).iter().zip(&residual).map(|(y, r)| (y + r).max(0.0)).collect();
            assert_eq!(forward_join(&s, &x, &w, &bias, &residual, false), joined, "{s:?}");
            let mut pooled = Vec::new();
            for sample in joined.chunks_exact(lo * co) {
                for pair in sample.chunks_exact(2 * co) {
                    pooled.extend((0..co).map(|c| pair[c].max(pair[co + c])));
                }
            }
            assert_eq!(forward_join(&s, &x, &w, &bias, &residual, true), pooled, "{s:?} pooled");
        }
    }

    /// Each gradient against the exact derivative of `Σ probe·y` (linear in every argument).
    #[test]
    fn gradients_are_the_derivatives_of_a_linear_functional() {
        for s in shapes() {
            let (x, w, bias) = (values(s.batch * s.length * s.channels_in, 0.3), values(s.channels_out * s.patch(), 1.1), values(s.channels_out, 2.0));
            let probe = values(s.batch * s.length_out() * s.channels_out, 4.2);
            let functional = |x: &[f32], w: &[f32], b: &[f32]| -> f64 { definition(&s, x, w, b).iter().zip(&probe).map(|(y, &p)| y * f64::from(p)).sum() };
            let base = functional(&x, &w, &bias);
            let g = backward(&s, &x, &w, &probe, Wanted { input: true, weight: true, bias: true });
            let check = |what: &str, got: &[f32], at: &[f32], bump: &dyn Fn(&[f32]) -> f64| {
                for i in 0..at.len() {
                    let mut moved = at.to_vec();
                    moved[i] += 1.0;
                    let want = bump(&moved) - base;
                    assert!((f64::from(got[i]) - want).abs() < 1e-4, "{s:?} d{what}[{i}]: {} vs {want}", got[i]);
                }
            };
            check("x", g.input.as_deref().unwrap(), &x, &|m| functional(m, &w, &bias));
            check("w", g.weight.as_deref().unwrap(), &w, &|m| functional(&x, m, &bias));
            check("b", g.bias.as_deref().unwrap(), &bias, &|m| functional(&x, &w, m));
            let only_w = backward(&s, &x, &w, &probe, Wanted { input: false, weight: true, bias: false });
            assert!(only_w.input.is_none() && only_w.bias.is_none() && only_w.weight == g.weight);
        }
    }
}
