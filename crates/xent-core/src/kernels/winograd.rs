//! A 3 × 3, stride-1 convolution, followed by `MaxPool2d(2)` in inference ([`forward_pooled`]) or
//! not in training ([`forward`]), by Winograd's minimal filtering F(2 × 2, 3 × 3) (Lavin & Gray,
//! "Fast Algorithms for Convolutional Neural Networks", 2016).
//!
//! Each 2 × 2 block of outputs — exactly one window of the pool that follows — comes from a 4 × 4
//! block of input `d` per channel: `Y = Aᵀ [Σ_c (G g_c Gᵀ) ⊙ (Bᵀ d_c B)] A`. The sum over input
//! channels of the 16 elementwise products is, for each of the 16 positions ξ of the 4 × 4
//! transform, one matrix product `M_ξ [blocks × C_out] = V_ξ [blocks × C_in] · U_ξᵀ [C_in ×
//! C_out]`: 16 · C_in · C_out multiply-adds per 2 × 2 outputs instead of 36 · C_in · C_out, 2.25 ×
//! fewer (the MNIST CNN's second layer: 4.0 instead of 9.0 M per sample). The transforms are
//! additions (and halvings of the weights); no patch matrix is built. They run
//! channels-innermost, so each is a few vector operations across channels: each sample's input is
//! transposed to `[position, channel]`, and each sample's pooled `[block, channel]` tile is
//! transposed back to `[channel, block]`. Samples run in groups of
//! [`SAMPLES_PER_GROUP`] as rayon tasks, each with its own buffers.
//!
//! Only whole 2 × 2 blocks are computed: the pool drops a last odd row or column, so nothing else
//! is needed. Results differ from the direct convolution by rounding only (the transforms' sums);
//! the pool takes the first maximum of each window as [`super::max_pool`] does.

use rayon::prelude::*;

use super::conv::ConvShape;
use super::gemm::{MatRef, matmul};

/// Samples per task: 25 blocks each on the MNIST CNN's 10 × 10 output, so 100 columns per product.
const SAMPLES_PER_GROUP: usize = 4;

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

/// `Bᵀ d B` of one block across channels: `d[i·4 + j]` the input at the block's row `i`, column
/// `j` (`ci` channels each), written to `v[ξ][c]` for the 16 positions ξ (`v[ξ]` = `out[ξ]`).
#[inline(always)]
fn block_input(d: [&[f32]; XI], out: [&mut [f32]; XI]) {
    let [o0, o1, o2, o3, o4, o5, o6, o7, o8, o9, o10, o11, o12, o13, o14, o15] = out;
    let mut outs = [[o0, o1, o2, o3], [o4, o5, o6, o7], [o8, o9, o10, o11], [o12, o13, o14, o15]];
    let ci = d[0].len();
    for c in 0..ci {
        let e = |i: usize, j: usize| d[i * 4 + j][c];
        // Bᵀ d: rows d0 − d2, d1 + d2, d2 − d1, d1 − d3 (of four columns).
        let t: [[f32; 4]; 4] = [
            std::array::from_fn(|j| e(0, j) - e(2, j)),
            std::array::from_fn(|j| e(1, j) + e(2, j)),
            std::array::from_fn(|j| e(2, j) - e(1, j)),
            std::array::from_fn(|j| e(1, j) - e(3, j)),
        ];
        for (r, o) in t.iter().zip(outs.iter_mut()) {
            o[0][c] = r[0] - r[2];
            o[1][c] = r[1] + r[2];
            o[2][c] = r[2] - r[1];
            o[3][c] = r[1] - r[3];
        }
    }
}

/// `Aᵀ m A` of one block across output channels (`m[ξ]` its `co` values) plus the bias, through
/// a ReLU if `relu`: with `POOL`, the first maximum of the 2 × 2 outputs into `out` (`co` values);
/// without, the four outputs of each channel in row-major order (`4 · co` values, `[co][2][2]`).
#[inline(always)]
fn block_output<const POOL: bool>(m: [&[f32]; XI], bias: &[f32], out: &mut [f32], relu: bool) {
    for (o, &c) in bias.iter().enumerate() {
        let e = |xi: usize| m[xi][o];
        // Aᵀ m: rows m0 + m1 + m2 and m1 − m2 − m3 (of four columns); then the same on columns.
        let r0: [f32; 4] = std::array::from_fn(|j| e(j) + e(4 + j) + e(8 + j));
        let r1: [f32; 4] = std::array::from_fn(|j| e(4 + j) - e(8 + j) - e(12 + j));
        let y = [r0[0] + r0[1] + r0[2], r0[1] - r0[2] - r0[3], r1[0] + r1[1] + r1[2], r1[1] - r1[2] - r1[3]];
        let finish = |v: f32| if relu { (v + c).max(0.0) } else { v + c };
        if POOL {
            let mut best = y[0];
            for &v in &y[1..] {
                best = if v > best { v } else { best };
            }
            out[o] = finish(best);
        } else {
            for (d, &v) in out[4 * o..][..4].iter_mut().zip(&y) {
                *d = finish(v);
            }
        }
    }
}

/// The 16 `[ci]` rows of `v` (`[ξ][tiles][ci]`, `n` tiles) for tile `k`.
fn tile_rows(v: &mut [f32], n: usize, ci: usize, k: usize) -> [&mut [f32]; XI] {
    let mut planes = v.chunks_exact_mut(n * ci);
    std::array::from_fn(|_| &mut planes.next().expect("16 planes")[k * ci..][..ci])
}

/// The convolution (3 × 3, stride 1, the shape's zero padding), then `MaxPool2d(2)`, through a
/// ReLU if `relu`: `[batch, channels_out, height_out / 2, width_out / 2]`.
///
/// # Panics
///
/// If [`applies`] is false for the shape, or the slices do not fit it.
pub fn forward_pooled(s: &ConvShape, x: &[f32], weight: &[f32], bias: Option<&[f32]>, relu: bool) -> Vec<f32> {
    run::<true>(s, x, weight, bias, relu)
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
    run::<false>(s, x, weight, bias, relu)
}

/// [`forward_pooled`] with `POOL`, else [`forward`].
fn run<const POOL: bool>(s: &ConvShape, x: &[f32], weight: &[f32], bias: Option<&[f32]>, relu: bool) -> Vec<f32> {
    assert!(applies(s), "Winograd F(2×2, 3×3) does not take {s:?}");
    let (ci, co) = (s.channels_in, s.channels_out);
    let (hi, wi) = (s.h.len_in, s.w.len_in);
    let x_len = ci * hi * wi;
    assert_eq!(x.len(), s.batch * x_len, "input has the wrong size");
    assert_eq!(weight.len(), co * ci * 9, "weight has the wrong size");
    let (bh, bw) = (s.h.lo() / 2, s.w.lo() / 2);
    let blocks = bh * bw;
    let u = transformed_weights(s, weight);
    let bias = bias.map_or_else(|| vec![0.0; co], <[f32]>::to_vec);
    let zeros = vec![0.0f32; ci];
    // Outputs per block and channel: one pooled value, or the block's four.
    let per_block = if POOL { 1 } else { 4 };
    let mut out = vec![0.0f32; s.batch * co * blocks * per_block];
    let cols = SAMPLES_PER_GROUP * blocks;
    let scratch = || (vec![0.0f32; XI * cols * ci], vec![0.0f32; XI * cols * co], vec![0.0f32; hi * wi * ci], vec![0.0f32; blocks * co * per_block]);
    out.par_chunks_mut(SAMPLES_PER_GROUP * co * blocks * per_block).zip(x.par_chunks(SAMPLES_PER_GROUP * x_len)).for_each_init(
        scratch,
        |(v, m, xt, tile), (out_g, x_g)| {
            let n = x_g.len() / x_len * blocks;
            let (v, m) = (&mut v[..XI * n * ci], &mut m[..XI * n * co]);
            for (b, sample) in x_g.chunks_exact(x_len).enumerate() {
                // [ci, h·w] → [h·w, ci]
                for (c, plane) in sample.chunks_exact(hi * wi).enumerate() {
                    for (p, &value) in plane.iter().enumerate() {
                        xt[p * ci + c] = value;
                    }
                }
                for k in 0..blocks {
                    let (by, bx) = (k / bw, k % bw);
                    let d: [&[f32]; XI] = std::array::from_fn(|ij| {
                        let y = (2 * by + ij / 4).checked_sub(s.h.pad_lo).filter(|&y| y < hi);
                        let x = (2 * bx + ij % 4).checked_sub(s.w.pad_lo).filter(|&x| x < wi);
                        match (y, x) {
                            (Some(y), Some(x)) => &xt[(y * wi + x) * ci..][..ci],
                            _ => &zeros[..],
                        }
                    });
                    let rows = tile_rows(v, n, ci, b * blocks + k);
                    super::vectorised(#[inline(always)] || block_input(d, rows));
                }
            }
            for (xi, m_xi) in m.chunks_exact_mut(n * co).enumerate() {
                let v_xi = MatRef::row_major(&v[xi * n * ci..][..n * ci], n, ci);
                matmul(m_xi, v_xi, MatRef::row_major(&u[xi * ci * co..][..ci * co], ci, co), false, false);
            }
            for (b, dst) in out_g.chunks_exact_mut(co * blocks * per_block).enumerate() {
                for (k, block) in tile.chunks_exact_mut(co * per_block).enumerate() {
                    let col = b * blocks + k;
                    let rows: [&[f32]; XI] = std::array::from_fn(|xi| &m[(xi * n + col) * co..][..co]);
                    super::vectorised(#[inline(always)] || block_output::<POOL>(rows, &bias, block, relu));
                }
                if POOL {
                    // [block, co] → [co, block]
                    for (o, plane) in dst.chunks_exact_mut(blocks).enumerate() {
                        for (d, &value) in plane.iter_mut().zip(tile[o..].iter().step_by(co)) {
                            *d = value;
                        }
                    }
                } else {
                    // [block, co, 2, 2] → [co, height_out, width_out]
                    let wo = 2 * bw;
                    for (k, block) in tile.chunks_exact(co * 4).enumerate() {
                        let (y, x) = (2 * (k / bw), 2 * (k % bw));
                        for (o, q) in block.chunks_exact(4).enumerate() {
                            let plane = &mut dst[o * blocks * 4..];
                            plane[y * wo + x..][..2].copy_from_slice(&q[..2]);
                            plane[(y + 1) * wo + x..][..2].copy_from_slice(&q[2..]);
                        }
                    }
                }
            }
        },
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::conv::{self, Axis};

    fn values(n: usize, salt: f32) -> Vec<f32> {
        (0..n).map(|i| (i as f32 * 0.7351 + salt).sin() * 1.3).collect()
    }

    /// Within rounding of the direct convolution and pool (im2col), with and without padding,
    /// bias and ReLU, odd outputs (a last row or column dropped), batches that do not fill the
    /// last group.
    #[test]
    fn matches_the_direct_convolution_and_pool() {
        let axis = |len_in, pad| Axis { len_in, kernel: 3, stride: 1, pad_lo: pad, pad_hi: pad };
        for (batch, ci, co, (h, w), pad) in [(5, 8, 6, (12, 12), 0), (3, 9, 4, (9, 8), 1), (1, 16, 3, (4, 5), 0), (6, 8, 2, (7, 11), 1)] {
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
        for (batch, ci, co, (h, w), pad) in [(5, 8, 6, (12, 12), 0), (2, 8, 5, (8, 6), 1), (6, 9, 3, (6, 10), 0)] {
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
