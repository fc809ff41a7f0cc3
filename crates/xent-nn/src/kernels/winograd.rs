//! A 3 × 3, stride-1 convolution, followed by `MaxPool2d(2)` in inference ([`forward_pooled`]) or
//! not in training ([`forward`], with its gradients in [`backward`]), by
//! Winograd's minimal filtering F(2 × 2, 3 × 3) (Lavin & Gray, "Fast Algorithms for
//! Convolutional Neural Networks", 2016).
//!
//! Each 2 × 2 block of outputs — exactly one window of the pool that follows — comes from a 4 × 4
//! block of input `d` per channel: `Y = Aᵀ [Σ_c (G g_c Gᵀ) ⊙ (Bᵀ d_c B)] A`. The sum over input
//! channels of the 16 elementwise products is, for each of the 16 positions ξ of the 4 × 4
//! transform, one matrix product `M_ξ [blocks × C_out] = V_ξ [blocks × C_in] · U_ξᵀ [C_in ×
//! C_out]`: 16 · C_in · C_out multiply-adds per 2 × 2 outputs instead of 36 · C_in · C_out, 2.25 ×
//! fewer (the MNIST CNN's second layer: 4.0 instead of 9.0 M per sample). The weight gradient
//! runs the same products backwards: `dU_ξ = Σ_blocks V_ξᵀ · (A dY Aᵀ)_ξ`, then `dW = Gᵀ dU G`.
//! The transforms are additions (and halvings of the weights); no patch matrix is built. They run
//! channels-innermost, on whole rows of channels, so each step is a few vector operations: each
//! sample's input (and output gradient) is transposed to `[position, channel]`, and each sample's
//! `[block, channel]` output tile is transposed back to `[channel, block]` ([`transpose`] in
//! tiles). The input gradient is the same kind of convolution, of the output gradient with the
//! weight turned by 180°. Samples run in groups of [`SAMPLES_PER_GROUP`] as rayon tasks, each with
//! buffers of its thread's ([`super::with_scratch`]).
//!
//! Only whole 2 × 2 blocks are computed: the pool drops a last odd row or column, so nothing else
//! is needed; without the pool, the output must be even in both directions
//! ([`applies_unpooled`]). Results differ from the direct convolution by rounding only (the
//! transforms' sums); the pool takes the first maximum of each window as [`super::max_pool`] does.

use rayon::prelude::*;

use super::conv::{self, ConvGrads, ConvShape, Wanted, lane_sum, through_relu_mask};
use super::gemm::{MatRef, matmul};
use super::{par_zeroed, sum_in_order, with_scratch};
use super::transpose::transpose;

/// Samples per task: 25 blocks each on the MNIST CNN's 10 × 10 output, so products of 200 rows.
/// Measured on that model's training (alternating runs of `xent-bench --one mnist_cnn`): 8 beat
/// 4 by about 5 % and 2 lost 7 %; 16 was no better than 8.
const SAMPLES_PER_GROUP: usize = 8;

/// Positions of the 4 × 4 transform.
const XI: usize = 16;

/// Whether this path takes the convolution: a 3 × 3 kernel, stride 1, 2-D, enough input channels
/// for the products to be worth it (a one-channel first layer is left to im2col), and at least
/// one whole pooled output.
pub fn applies(s: &ConvShape) -> bool {
    let (h, w) = (s.h, s.w);
    h.kernel == 3 && w.kernel == 3 && h.stride == 1 && w.stride == 1 && s.channels_in >= 8 && h.lo() >= 2 && w.lo() >= 2
}

/// `U_ξᵀ`, `G g Gᵀ` of every filter `g = weight[o, c]`, laid out `[ξ][c][o]`.
fn transformed_weights(s: &ConvShape, weight: &[f32]) -> Vec<f32> {
    let (co, ci) = (s.channels_out, s.channels_in);
    let mut u = vec![0.0f32; XI * ci * co];
    for (oc, g) in weight.chunks_exact(9).enumerate() {
        let (o, c) = (oc / ci, oc % ci);
        // G g: rows g0, (g0 + g1 + g2) / 2, (g0 − g1 + g2) / 2, g2 of three columns; then
        // the same on the columns of each row.
        let row = |r: usize| [g[3 * r], g[3 * r + 1], g[3 * r + 2]];
        let (g0, g1, g2) = (row(0), row(1), row(2));
        let rows: [[f32; 3]; 4] = [
            g0,
            std::array::from_fn(|j| (g0[j] + g1[j] + g2[j]) * 0.5),
            std::array::from_fn(|j| (g0[j] - g1[j] + g2[j]) * 0.5),
            g2,
        ];
        for (i, r) in rows.iter().enumerate() {
            let cols = [r[0], (r[0] + r[1] + r[2]) * 0.5, (r[0] - r[1] + r[2]) * 0.5, r[2]];
            for (j, v) in cols.into_iter().enumerate() {
                u[((i * 4 + j) * ci + c) * co + o] = v;
            }
        }
    }
    u
}

/// `dst = a + b`, element by element (all as long as `dst`).
#[inline(always)]
fn add_rows(dst: &mut [f32], a: &[f32], b: &[f32]) {
    for (d, (&a, &b)) in dst.iter_mut().zip(a.iter().zip(b)) {
        *d = a + b;
    }
}

/// `dst = a − b`, element by element (all as long as `dst`).
#[inline(always)]
fn sub_rows(dst: &mut [f32], a: &[f32], b: &[f32]) {
    for (d, (&a, &b)) in dst.iter_mut().zip(a.iter().zip(b)) {
        *d = a - b;
    }
}

// The transforms below work on whole rows (one block position's values across the channels), so
// that each step is one loop the compiler vectorises; written per channel, with sixteen slices
// indexed together, they stayed scalar. `t` is scratch for the rows between the two halves of a
// transform (at least 16 rows of the channels).

/// `Bᵀ d B` of one block across channels: `d[i·4 + j]` the input at the block's row `i`, column
/// `j` (`ci` channels each), written to `v[ξ][c]` for the 16 positions ξ (`v[ξ]` = `out[ξ]`).
#[inline(always)]
fn block_input(d: [&[f32]; XI], mut out: [&mut [f32]; XI], t: &mut [f32]) {
    let c = d[0].len();
    let t = &mut t[..XI * c];
    // Bᵀ d: rows d0 − d2, d1 + d2, d2 − d1, d1 − d3 (of four columns) into t[i·4 + j].
    for j in 0..4 {
        sub_rows(&mut t[j * c..][..c], d[j], d[8 + j]);
        add_rows(&mut t[(4 + j) * c..][..c], d[4 + j], d[8 + j]);
        sub_rows(&mut t[(8 + j) * c..][..c], d[8 + j], d[4 + j]);
        sub_rows(&mut t[(12 + j) * c..][..c], d[4 + j], d[12 + j]);
    }
    // The same on the four columns of each row.
    let t = &*t;
    for (i, o) in out.chunks_exact_mut(4).enumerate() {
        let r = |j: usize| &t[(i * 4 + j) * c..][..c];
        sub_rows(o[0], r(0), r(2));
        add_rows(o[1], r(1), r(2));
        sub_rows(o[2], r(2), r(1));
        sub_rows(o[3], r(1), r(3));
    }
}

/// `Aᵀ m A` of one block across output channels (`m[ξ]` its `co` values) plus the bias, through
/// a ReLU if `relu`: with `POOL`, the first maximum of the 2 × 2 outputs into `out` (`co` values);
/// without, the four outputs in row-major order, each across the channels (`4 · co` values,
/// `[2][2][co]`).
#[inline(always)]
fn block_output<const POOL: bool>(m: [&[f32]; XI], bias: &[f32], out: &mut [f32], relu: bool, t: &mut [f32]) {
    let c = bias.len();
    let t = &mut t[..8 * c];
    // Aᵀ m: rows m0 + m1 + m2 and m1 − m2 − m3 (of four columns) into t[i·4 + j].
    for j in 0..4 {
        let (r0, r1) = t[j * c..].split_at_mut(4 * c);
        add_rows(&mut r0[..c], m[j], m[4 + j]);
        sub_rows(&mut r1[..c], m[4 + j], m[8 + j]);
        for (a, &b) in r0[..c].iter_mut().zip(m[8 + j]) {
            *a += b;
        }
        for (a, &b) in r1[..c].iter_mut().zip(m[12 + j]) {
            *a -= b;
        }
    }
    // The same on the columns of both rows, then the bias and the ReLU (after the pool's
    // maximum with `POOL`).
    let row = |k: usize| &t[k * c..][..c];
    let (a0, a1, a2, a3, b0, b1, b2, b3) = (row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7));
    let finish = |v: f32, b: f32| if relu { (v + b).max(0.0) } else { v + b };
    let y = |k: usize| [a0[k] + a1[k] + a2[k], a1[k] - a2[k] - a3[k], b0[k] + b1[k] + b2[k], b1[k] - b2[k] - b3[k]];
    let bias = &bias[..c];
    if POOL {
        for (k, (o, &b)) in out[..c].iter_mut().zip(bias).enumerate() {
            let y = y(k);
            *o = finish(y[1..].iter().fold(y[0], |best, &v| if v > best { v } else { best }), b);
        }
    } else {
        let (top, bottom) = out[..4 * c].split_at_mut(2 * c);
        let ((q0, q1), (q2, q3)) = (top.split_at_mut(c), bottom.split_at_mut(c));
        for (k, &b) in bias.iter().enumerate() {
            let y = y(k);
            (q0[k], q1[k], q2[k], q3[k]) = (finish(y[0], b), finish(y[1], b), finish(y[2], b), finish(y[3], b));
        }
    }
}

/// `A dY Aᵀ` of one block across output channels: `g[i·2 + j]` the output gradient at the block's
/// row `i`, column `j` (`co` channels each), written to `out[ξ]` for the 16 positions ξ. It is the
/// gradient of the block's `Aᵀ m A` with respect to `m`.
#[inline(always)]
fn block_output_grad(g: [&[f32]; 4], out: [&mut [f32]; XI], t: &mut [f32]) {
    let c = g[0].len();
    let t = &mut t[..8 * c];
    // A y = (y0, y0 + y1, y0 − y1, −y1). Along each row of the block into t[i·4 + j] (rows 0, 1
    // of the block, four columns each)...
    for (i, r) in t.chunks_exact_mut(4 * c).enumerate() {
        let (y0, y1) = (g[2 * i], g[2 * i + 1]);
        r[..c].copy_from_slice(&y0[..c]);
        add_rows(&mut r[c..2 * c], y0, y1);
        sub_rows(&mut r[2 * c..3 * c], y0, y1);
        for (d, &v) in r[3 * c..].iter_mut().zip(y1) {
            *d = -v;
        }
    }
    // ...then along each column: out[i·4 + j] = A (t[0·4 + j], t[1·4 + j]) at i.
    let t = &*t;
    let (top, bottom) = t.split_at(4 * c);
    let [o0, o1, o2, o3, o4, o5, o6, o7, o8, o9, o10, o11, o12, o13, o14, o15] = out;
    for (j, [d0, d1, d2, d3]) in [[o0, o4, o8, o12], [o1, o5, o9, o13], [o2, o6, o10, o14], [o3, o7, o11, o15]].into_iter().enumerate() {
        let (y0, y1) = (&top[j * c..][..c], &bottom[j * c..][..c]);
        d0[..c].copy_from_slice(y0);
        add_rows(d1, y0, y1);
        sub_rows(d2, y0, y1);
        for (d, &v) in d3.iter_mut().zip(y1) {
            *d = -v;
        }
    }
}

/// `Gᵀ du G` for every filter: the weight gradient `[c_out, c_in, 3, 3]` from its transform `du`
/// (`[ξ][c_in][c_out]`, the layout of [`transformed_weights`]).
fn weight_from_transform(s: &ConvShape, du: &[f32]) -> Vec<f32> {
    let (co, ci) = (s.channels_out, s.channels_in);
    let mut dw = vec![0.0f32; co * ci * 9];
    for (oc, dg) in dw.chunks_exact_mut(9).enumerate() {
        let (o, c) = (oc / ci, oc % ci);
        let e = |i: usize, j: usize| du[((i * 4 + j) * ci + c) * co + o];
        // Gᵀ u: rows u0 + (u1 + u2) / 2, (u1 − u2) / 2, (u1 + u2) / 2 + u3 (of four columns);
        // then the same on the columns of each row.
        let rows: [[f32; 4]; 3] = [
            std::array::from_fn(|j| e(0, j) + (e(1, j) + e(2, j)) * 0.5),
            std::array::from_fn(|j| (e(1, j) - e(2, j)) * 0.5),
            std::array::from_fn(|j| (e(1, j) + e(2, j)) * 0.5 + e(3, j)),
        ];
        for (r, d) in rows.iter().zip(dg.chunks_exact_mut(3)) {
            d.copy_from_slice(&[r[0] + (r[1] + r[2]) * 0.5, (r[1] - r[2]) * 0.5, (r[1] + r[2]) * 0.5 + r[3]]);
        }
    }
    dw
}

/// The 16 `[ci]` rows of `v` (`[ξ][tiles][ci]`, `n` tiles) for tile `k`.
#[inline(always)]
fn tile_rows(v: &mut [f32], n: usize, ci: usize, k: usize) -> [&mut [f32]; XI] {
    let mut planes = v.chunks_exact_mut(n * ci);
    std::array::from_fn(|_| &mut planes.next().expect("16 planes")[k * ci..][..ci])
}

/// `Bᵀ d B` of every block of one sample (`[c_in, h, w]`) into columns `first..first + blocks` of
/// `v` (`[ξ][n][c_in]`), through `xt` (`[h·w, c_in]`); `zeros` (`c_in` zeros) stands for the padding.
// Not geometry (that is `s`): the sample, three distinct mutable buffers the caller's task owns
// (separate arguments so that they can be borrowed at once) and the sample's place among the
// group's columns; bundling them would only move the borrows into a struct on a hot path.
#[expect(clippy::too_many_arguments, reason = "the sample, its buffers and its place in the group's columns")]
fn transformed_input(s: &ConvShape, sample: &[f32], xt: &mut [f32], zeros: &[f32], v: &mut [f32], n: usize, first: usize, t: &mut [f32]) {
    let (ci, hi, wi, bw) = (s.channels_in, s.h.len_in, s.w.len_in, s.w.lo() / 2);
    transpose(sample, ci, hi * wi, xt);
    let xt = &*xt;
    super::vectorised(
        #[inline(always)]
        || {
            for k in 0..(s.h.lo() / 2) * bw {
                let (by, bx) = (k / bw, k % bw);
                let d: [&[f32]; XI] = std::array::from_fn(|ij| {
                    let y = (2 * by + ij / 4).checked_sub(s.h.pad_lo).filter(|&y| y < hi);
                    let x = (2 * bx + ij % 4).checked_sub(s.w.pad_lo).filter(|&x| x < wi);
                    match (y, x) {
                        (Some(y), Some(x)) => &xt[(y * wi + x) * ci..][..ci],
                        _ => zeros,
                    }
                });
                block_input(d, tile_rows(v, n, ci, first + k), t);
            }
        },
    );
}

/// The convolution (3 × 3, stride 1, the shape's zero padding), then `MaxPool2d(2)`, through a
/// ReLU if `relu`: `[batch, channels_out, height_out / 2, width_out / 2]`.
///
/// # Panics
///
/// If [`applies`] is false for the shape, or the slices do not fit it.
pub fn forward_pooled(s: &ConvShape, x: &[f32], weight: &[f32], bias: Option<&[f32]>, relu: bool) -> Vec<f32> {
    run::<true>(s, x, None, weight, bias, relu)
}

/// Whether [`forward`] takes the convolution: [`applies`], and the output's height and width are
/// even (whole 2 × 2 blocks cover it).
pub fn applies_unpooled(s: &ConvShape) -> bool {
    applies(s) && s.h.lo().is_multiple_of(2) && s.w.lo().is_multiple_of(2)
}

/// The convolution (3 × 3, stride 1, the shape's zero padding), through a ReLU if `relu`:
/// `[batch, channels_out, height_out, width_out]`, as the direct convolution gives it up to
/// rounding (for training, whose pool needs the unpooled output).
///
/// # Panics
///
/// If [`applies_unpooled`] is false for the shape, or the slices do not fit it.
pub fn forward(s: &ConvShape, x: &[f32], weight: &[f32], bias: Option<&[f32]>, relu: bool) -> Vec<f32> {
    assert!(applies_unpooled(s), "Winograd F(2×2, 3×3) does not cover the output of {s:?}");
    run::<false>(s, x, None, weight, bias, relu)
}

/// The gradients of [`forward`]'s convolution (through its ReLU when `relu_out`, the forward
/// output, is given): the weight's and the bias's by the same transform, `dU_ξ = Σ_blocks V_ξᵀ ·
/// (A dY Aᵀ)_ξ` and `dW = Gᵀ dU G` (16 · C_in · C_out multiply-adds per block, as in the forward
/// pass, instead of 36), the input's as a convolution of the output gradient ([`input_grad`]),
/// by this module where it takes that shape, else directly ([`conv::backward`]). Groups of
/// [`SAMPLES_PER_GROUP`] samples run as rayon tasks; their partial sums are added in group order,
/// so the result does not depend on scheduling.
///
/// # Panics
///
/// If [`applies_unpooled`] is false for the shape, or the slices do not fit it.
pub fn backward(s: &ConvShape, x: &[f32], weight: &[f32], dy: &[f32], relu_out: Option<&[f32]>, wanted: Wanted) -> ConvGrads {
    assert!(applies_unpooled(s), "Winograd F(2×2, 3×3) does not cover the output of {s:?}");
    let (ci, co) = (s.channels_in, s.channels_out);
    let (wo, plane) = (s.w.lo(), s.plane_out());
    let (x_len, dy_len) = (ci * s.plane_in(), co * plane);
    assert_eq!(x.len(), s.batch * x_len, "input has the wrong size");
    assert_eq!(dy.len(), s.batch * dy_len, "output gradient has the wrong size");
    if let Some(out) = relu_out {
        assert_eq!(out.len(), dy.len(), "ReLU output has the wrong size");
    }
    let input = wanted.input.then(|| input_grad(s, x, weight, dy, relu_out));
    if !wanted.weight && !wanted.bias {
        return ConvGrads { input, weight: None, bias: None };
    }
    let (bw, blocks) = (wo / 2, plane / 4);
    let zeros = vec![0.0f32; ci];
    let cols = SAMPLES_PER_GROUP * blocks;
    let scratch = [XI * cols * ci, XI * cols * co, x_len, dy_len, dy_len, XI * ci.max(co)];
    let partials: Vec<(Vec<f32>, Vec<f32>)> = (0..s.batch.div_ceil(SAMPLES_PER_GROUP))
        .into_par_iter()
        .map(|g| {
            with_scratch(scratch, |[v, dm, xt, gt, masked, t]| {
                let samples = g * SAMPLES_PER_GROUP..((g + 1) * SAMPLES_PER_GROUP).min(s.batch);
                let n = samples.len() * blocks;
                let (v, dm) = (&mut v[..XI * n * ci], &mut dm[..XI * n * co]);
                let mut db = vec![0.0f32; co];
                for (i, b) in samples.enumerate() {
                    transformed_input(s, &x[b * x_len..][..x_len], xt, &zeros, v, n, i * blocks, t);
                    // dY through the ReLU, its sum per channel, and [co, h·w] → [h·w, co].
                    let dy_b = through_relu_mask(&dy[b * dy_len..][..dy_len], relu_out.map(|out| &out[b * dy_len..][..dy_len]), masked);
                    db.iter_mut().zip(dy_b.chunks_exact(plane)).for_each(|(d, row)| *d += lane_sum(row));
                    transpose(dy_b, co, plane, gt);
                    let gt = &*gt;
                    super::vectorised(
                        #[inline(always)]
                        || {
                            for k in 0..blocks {
                                let (y, x) = (2 * (k / bw), 2 * (k % bw));
                                let g: [&[f32]; 4] = std::array::from_fn(|ij| &gt[((y + ij / 2) * wo + x + ij % 2) * co..][..co]);
                                block_output_grad(g, tile_rows(dm, n, co, i * blocks + k), t);
                            }
                        },
                    );
                }
                let mut du = vec![0.0f32; XI * ci * co];
                for (xi, du_xi) in du.chunks_exact_mut(ci * co).enumerate() {
                    let v_xi = MatRef::row_major(&v[xi * n * ci..][..n * ci], n, ci).t();
                    matmul(du_xi, v_xi, MatRef::row_major(&dm[xi * n * co..][..n * co], n, co), false, false);
                }
                (du, db)
            })
        })
        .collect();
    let (dus, dbs): (Vec<_>, Vec<_>) = partials.into_iter().unzip();
    ConvGrads {
        input,
        weight: wanted.weight.then(|| weight_from_transform(s, &sum_in_order(dus, XI * ci * co))),
        bias: wanted.bias.then(|| sum_in_order(dbs, co)),
    }
}

/// The input gradient: the output gradient (through the ReLU) convolved with the weight turned
/// by 180° and its channels swapped, padded by `2 − pad` on each side, so again a 3 × 3 stride-1
/// convolution with an even output (the input's size), which this module takes when the output
/// has at least 8 channels; the direct convolution's otherwise.
fn input_grad(s: &ConvShape, x: &[f32], weight: &[f32], dy: &[f32], relu_out: Option<&[f32]>) -> Vec<f32> {
    let turned = |a: &conv::Axis| Some(conv::Axis { len_in: a.lo(), kernel: 3, stride: 1, pad_lo: 2usize.checked_sub(a.pad_lo)?, pad_hi: 2usize.checked_sub(a.pad_hi)? });
    let t = turned(&s.h).zip(turned(&s.w)).map(|(h, w)| ConvShape { batch: s.batch, channels_in: s.channels_out, channels_out: s.channels_in, h, w });
    let Some(t) = t.filter(applies_unpooled) else {
        let only_input = Wanted { input: true, weight: false, bias: false };
        return conv::backward(s, x, weight, dy, relu_out, only_input).input.expect("asked for");
    };
    let (co, ci) = (s.channels_out, s.channels_in);
    let mut w_t = vec![0.0f32; weight.len()];
    for (oc, g) in weight.chunks_exact(9).enumerate() {
        let (o, c) = (oc / ci, oc % ci);
        for (k, &v) in g.iter().enumerate() {
            w_t[(c * co + o) * 9 + 8 - k] = v;
        }
    }
    run::<false>(&t, dy, relu_out, &w_t, None, false)
}

/// [`forward_pooled`] with `POOL`, else [`forward`]; on `x` where `mask` (shaped like it) is
/// positive, else zero, when a mask is given (the output gradient through a ReLU, for the input
/// gradient in [`backward`]).
fn run<const POOL: bool>(s: &ConvShape, x: &[f32], mask: Option<&[f32]>, weight: &[f32], bias: Option<&[f32]>, relu: bool) -> Vec<f32> {
    assert!(applies(s), "Winograd F(2×2, 3×3) does not take {s:?}");
    let (ci, co) = (s.channels_in, s.channels_out);
    let (hi, wi) = (s.h.len_in, s.w.len_in);
    let x_len = ci * hi * wi;
    assert_eq!(x.len(), s.batch * x_len, "input has the wrong size");
    assert!(mask.is_none_or(|m| m.len() == x.len()), "mask has the wrong size");
    assert_eq!(weight.len(), co * ci * 9, "weight has the wrong size");
    let (bh, bw) = (s.h.lo() / 2, s.w.lo() / 2);
    let blocks = bh * bw;
    let u = transformed_weights(s, weight);
    let bias = bias.map_or_else(|| vec![0.0; co], <[f32]>::to_vec);
    let zeros = vec![0.0f32; ci];
    // Outputs per block and channel: one pooled value, or the block's four.
    let per_block = if POOL { 1 } else { 4 };
    let cols = SAMPLES_PER_GROUP * blocks;
    let scratch = [XI * cols * ci, XI * cols * co, hi * wi * ci, blocks * co * per_block, if POOL { 0 } else { blocks * co * 4 }, XI * ci.max(co), if mask.is_some() { x_len } else { 0 }];
    // Each group's output is zeroed in its task, just before its blocks are written.
    let out_per_sample = co * blocks * per_block;
    par_zeroed(s.batch * out_per_sample, SAMPLES_PER_GROUP * out_per_sample, |g, out_g| {
        let x_g = &x[g * SAMPLES_PER_GROUP * x_len..][..out_g.len() / out_per_sample * x_len];
        with_scratch(scratch, |[v, m, xt, tile, planes, t, masked]| {
            let n = x_g.len() / x_len * blocks;
            let (v, m) = (&mut v[..XI * n * ci], &mut m[..XI * n * co]);
            for (b, sample) in x_g.chunks_exact(x_len).enumerate() {
                let sample = through_relu_mask(sample, mask.map(|mask| &mask[(g * SAMPLES_PER_GROUP + b) * x_len..][..x_len]), masked);
                transformed_input(s, sample, xt, &zeros, v, n, b * blocks, t);
            }
            for (xi, m_xi) in m.chunks_exact_mut(n * co).enumerate() {
                let v_xi = MatRef::row_major(&v[xi * n * ci..][..n * ci], n, ci);
                matmul(m_xi, v_xi, MatRef::row_major(&u[xi * ci * co..][..ci * co], ci, co), false, false);
            }
            for (b, dst) in out_g.chunks_exact_mut(co * blocks * per_block).enumerate() {
                super::vectorised(
                    #[inline(always)]
                    || {
                        for (k, block) in tile.chunks_exact_mut(co * per_block).enumerate() {
                            let col = b * blocks + k;
                            let rows: [&[f32]; XI] = std::array::from_fn(|xi| &m[(xi * n + col) * co..][..co]);
                            block_output::<POOL>(rows, &bias, block, relu, t);
                        }
                    },
                );
                if POOL {
                    // [block, co] → [co, block]
                    transpose(tile, blocks, co, dst);
                } else {
                    // [block, 2, 2, co] → [co, block, 2, 2] → [co, height_out, width_out]
                    transpose(tile, blocks * 4, co, planes);
                    let wo = 2 * bw;
                    for (src, plane) in planes.chunks_exact(blocks * 4).zip(dst.chunks_exact_mut(blocks * 4)) {
                        for (k, q) in src.chunks_exact(4).enumerate() {
                            let (y, x) = (2 * (k / bw), 2 * (k % bw));
                            plane[y * wo + x..][..2].copy_from_slice(&q[..2]);
                            plane[(y + 1) * wo + x..][..2].copy_from_slice(&q[2..]);
                        }
                    }
                }
            }
        });
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::conv::Axis;

    fn values(n: usize, salt: f32) -> Vec<f32> {
        (0..n).map(|i| (i as f32 * 0.7351 + salt).sin() * 1.3).collect()
    }

    /// Within rounding of the direct convolution and pool (im2col), with and without padding,
    /// bias and ReLU, odd outputs (a last row or column dropped), batches of one group and of
    /// several, the last part-full.
    #[test]
    fn matches_the_direct_convolution_and_pool() {
        let axis = |len_in, pad| Axis { len_in, kernel: 3, stride: 1, pad_lo: pad, pad_hi: pad };
        for (batch, ci, co, (h, w), pad) in [(5, 8, 6, (12, 12), 0), (3, 9, 4, (9, 8), 1), (1, 16, 3, (4, 5), 0), (6, 8, 2, (7, 11), 1), (11, 8, 5, (6, 6), 0)] {
            let s = ConvShape { batch, channels_in: ci, channels_out: co, h: axis(h, pad), w: axis(w, pad) };
            assert!(applies(&s));
            let x = values(batch * ci * h * w, 0.3);
            let weight = values(co * ci * 9, 1.7);
            let bias = values(co, 2.2);
            for (bias, relu) in [(Some(&bias[..]), true), (None, false)] {
                let got = forward_pooled(&s, &x, &weight, bias, relu);
                let want = conv::forward_pooled(&s, &x, &weight, bias, relu, 2);
                assert_eq!(got.len(), want.len());
                for (g, w) in got.iter().zip(&want) {
                    assert!((g - w).abs() < 1e-4 * (1.0 + w.abs()), "{s:?}: {g} vs {w}");
                }
            }
        }
    }

    /// Unpooled, within rounding of the direct convolution, where whole blocks cover the output;
    /// odd outputs are refused.
    #[test]
    fn unpooled_matches_the_direct_convolution() {
        let axis = |len_in, pad| Axis { len_in, kernel: 3, stride: 1, pad_lo: pad, pad_hi: pad };
        for (batch, ci, co, (h, w), pad) in [(5, 8, 6, (12, 12), 0), (2, 8, 5, (8, 6), 1), (6, 9, 3, (6, 10), 0), (17, 8, 4, (4, 4), 1)] {
            let s = ConvShape { batch, channels_in: ci, channels_out: co, h: axis(h, pad), w: axis(w, pad) };
            assert!(applies_unpooled(&s));
            let x = values(batch * ci * h * w, 0.9);
            let weight = values(co * ci * 9, 1.1);
            let bias = values(co, 0.4);
            for (bias, relu) in [(Some(&bias[..]), true), (None, false)] {
                let (got, want) = (forward(&s, &x, &weight, bias, relu), conv::forward(&s, &x, &weight, bias, relu));
                assert_eq!(got.len(), want.len());
                for (g, w) in got.iter().zip(&want) {
                    assert!((g - w).abs() < 1e-4 * (1.0 + w.abs()), "{s:?}: {g} vs {w}");
                }
            }
        }
        let odd = ConvShape { batch: 1, channels_in: 8, channels_out: 2, h: axis(9, 1), w: axis(8, 1) };
        assert!(applies(&odd) && !applies_unpooled(&odd));
    }

    /// All three gradients are within rounding of the direct convolution's, with and without
    /// padding and the ReLU's mask, for every set of wanted gradients, in batches of one group and
    /// of several, the last part-full.
    #[test]
    fn gradients_match_the_direct_convolution() {
        let axis = |len_in, pad| Axis { len_in, kernel: 3, stride: 1, pad_lo: pad, pad_hi: pad };
        // The last two also take the transform for the input gradient (8 or more output channels
        // and an even input).
        for (batch, ci, co, (h, w), pad) in [(5, 8, 6, (12, 12), 0), (2, 8, 5, (8, 6), 1), (1, 20, 3, (4, 4), 0), (6, 9, 17, (6, 10), 0), (5, 8, 9, (8, 10), 1), (19, 8, 9, (4, 6), 1)] {
            let s = ConvShape { batch, channels_in: ci, channels_out: co, h: axis(h, pad), w: axis(w, pad) };
            assert!(applies_unpooled(&s));
            let x = values(batch * ci * h * w, 0.9);
            let weight = values(co * ci * 9, 1.1);
            let dy = values(batch * co * s.plane_out(), 2.3);
            let out = values(dy.len(), 0.2);
            for relu_out in [None, Some(&out[..])] {
                for (input, weight_wanted, bias) in [(true, true, true), (false, true, true), (false, true, false), (true, false, false), (false, false, true)] {
                    let wanted = Wanted { input, weight: weight_wanted, bias };
                    let (got, want) = (backward(&s, &x, &weight, &dy, relu_out, wanted), conv::backward(&s, &x, &weight, &dy, relu_out, wanted));
                    for (name, got, want) in [("input", got.input, want.input), ("weight", got.weight, want.weight), ("bias", got.bias, want.bias)] {
                        assert_eq!(got.is_some(), want.is_some(), "{name} of {s:?}");
                        let (got, want) = (got.unwrap_or_default(), want.unwrap_or_default());
                        assert_eq!(got.len(), want.len());
                        let scale = want.iter().fold(1.0f32, |m, v| m.max(v.abs()));
                        for (g, w) in got.iter().zip(&want) {
                            assert!((g - w).abs() < 1e-5 * scale * 10.0, "{name} of {s:?}: {g} vs {w}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn other_convolutions_are_not_taken() {
        let axis = |kernel, stride| Axis { len_in: 12, kernel, stride, pad_lo: 0, pad_hi: 0 };
        let shape = |ci, kernel, stride| ConvShape { batch: 1, channels_in: ci, channels_out: 4, h: axis(kernel, stride), w: axis(kernel, stride) };
        assert!(applies(&shape(8, 3, 1)));
        assert!(!applies(&shape(1, 3, 1)));
        assert!(!applies(&shape(8, 5, 1)));
        assert!(!applies(&shape(8, 3, 2)));
    }
}
