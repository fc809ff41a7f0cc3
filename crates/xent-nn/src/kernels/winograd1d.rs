//! A 1-D convolution of kernel 5 and stride 1 on channels-last rows, by Winograd's minimal
//! filtering F(4, 5) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016):
//! the products of [`conv1d_pool`](super::conv1d_pool)'s blocks (the ECG CNN) and of
//! [`conv_channels_last`](super::conv_channels_last)'s forward passes (the ResNet) in inference.
//!
//! A tile of four consecutive outputs (with a pool of 2 after it, two of the pool's windows)
//! comes from eight input rows `d = x[4j .. 4j + 8]` per channel: `y[4j .. 4j + 4] = Aᵀ [Σ_c
//! (G g_c) ⊙ (Bᵀ d_c)]`. The sum over input channels of the eight element-wise products is, for
//! each position ξ of the transform, one matrix product `M_ξ [tiles × C_out] = V_ξ [tiles ×
//! C_in] · U_ξ [C_in × C_out]`: 2 instead of 5 multiply-adds per output and channel pair, 2.5 ×
//! fewer (the ECG CNN's second layer: 0.71 instead of 1.78 MFLOP per sample). The products'
//! inner dimension is `C_in` (32 in both networks) instead of `5 · C_in`, which the `gemm` crate
//! runs nearly as fast per multiply-add.
//!
//! The matrices come from the Toom-Cook construction on the points 0, 1, −1, 2, −2, ½, −½ and ∞,
//! with each row of `Bᵀ` scaled to small integers and the factor moved into `G` ([`G`]; the
//! weights are transformed once per call, in `f64`):
//!
//! ```text
//!        ⎡ 4  0 −21   0  21   0 −4  0 ⎤
//!        ⎢ 0  4   4 −17 −17   4  4  0 ⎥
//!        ⎢ 0 −4   4  17 −17  −4  4  0 ⎥         ⎡ 1 1  1 1  1   1    1   0 ⎤
//!   Bᵀ = ⎢ 0  2   1 −10  −5   8  4  0 ⎥    Aᵀ = ⎢ 0 1 −1 2 −2  1/2 −1/2  0 ⎥
//!        ⎢ 0 −2   1  10  −5  −8  4  0 ⎥         ⎢ 0 1  1 4  4  1/4  1/4  0 ⎥
//!        ⎢ 0  4   8  −5 −10   1  2  0 ⎥         ⎣ 0 1 −1 8 −8  1/8 −1/8  1 ⎦
//!        ⎢ 0 −4   8   5 −10  −1  2  0 ⎥
//!        ⎣ 0 −4   0  21   0 −21  0  4 ⎦
//! ```
//!
//! The rows of `Bᵀ` and `Aᵀ` come in pairs for the points ±p, so both transforms share their
//! even and odd parts. They run channels-innermost on channels-last rows, a few vector
//! operations per row, over blocks of tiles whose transformed inputs and products stay in the
//! core's L2 cache. Results differ from the direct convolution by rounding only (the transforms'
//! sums; `tests` bounds it against a direct sum's).

use super::gemm::{MatRef, matmul};
use super::vectorised;

/// Outputs per tile.
const TILE: usize = 4;

/// Positions of the transform (input rows per tile).
const XI: usize = 8;

/// `G`, one row per position of the transform (each row divided by the factor its row of `Bᵀ`
/// was scaled by to make it integer).
const G: [[f64; 5]; XI] = [
    [0.25, 0.0, 0.0, 0.0, 0.0],
    [-1.0 / 18.0, -1.0 / 18.0, -1.0 / 18.0, -1.0 / 18.0, -1.0 / 18.0],
    [-1.0 / 18.0, 1.0 / 18.0, -1.0 / 18.0, 1.0 / 18.0, -1.0 / 18.0],
    [1.0 / 360.0, 2.0 / 360.0, 4.0 / 360.0, 8.0 / 360.0, 16.0 / 360.0],
    [1.0 / 360.0, -2.0 / 360.0, 4.0 / 360.0, -8.0 / 360.0, 16.0 / 360.0],
    [16.0 / 45.0, 8.0 / 45.0, 4.0 / 45.0, 2.0 / 45.0, 1.0 / 45.0],
    [16.0 / 45.0, -8.0 / 45.0, 4.0 / 45.0, -2.0 / 45.0, 1.0 / 45.0],
    [0.0, 0.0, 0.0, 0.0, 0.25],
];

/// Tiles per block of the transforms and products: a block's transformed inputs and products
/// (`8 · 128 · (C_in + C_out)` values, 256 KB with 32 channels in and out) stay in a core's L2
/// cache between the pass that writes them and the one that reads them.
const BLOCK: usize = 128;

/// Whether this path takes the convolution: a kernel of 5 at stride 1, 1-D, and enough input
/// channels for the products to be worth it (a one-channel first layer is left to the direct
/// products, whose inner dimension is 5 either way).
pub(crate) fn applies(kernel: usize, stride: usize, channels_in: usize) -> bool {
    kernel == 5 && stride == 1 && channels_in >= 8
}

/// A layer's filters transformed, `U_ξ = Σ_k G[ξ][k] · W[·, ·, k]`, laid out `[ξ][c_in][c_out]`
/// (each `U_ξ` the right operand of its product).
#[derive(Debug)]
pub(crate) struct Filters {
    u: Vec<f32>,
    c_in: usize,
    c_out: usize,
}

impl Filters {
    /// `weight` `[c_out, c_in, 5]`, transformed in `f64` and rounded once.
    pub(crate) fn new(weight: &[f32], c_out: usize, c_in: usize) -> Self {
        assert_eq!(weight.len(), c_out * c_in * 5, "weight does not fit [{c_out}, {c_in}, 5]");
        let mut u = vec![0.0f32; XI * c_in * c_out];
        for (oc, g) in weight.chunks_exact(5).enumerate() {
            let (o, c) = (oc / c_in, oc % c_in);
            for (xi, row) in G.iter().enumerate() {
                let v: f64 = row.iter().zip(g).map(|(a, &w)| a * f64::from(w)).sum();
                u[(xi * c_in + c) * c_out + o] = v as f32;
            }
        }
        Self { u, c_in, c_out }
    }

    /// Scratch values [`Self::outputs`] needs for the first `outputs` positions of `samples`
    /// samples: [`Self::tiles`]'s transforms, or one product row per sample.
    pub(crate) fn scratch_len(&self, samples: usize, outputs: usize) -> usize {
        ((samples * (outputs / TILE)).min(BLOCK) * XI * (self.c_in + self.c_out)).max(samples * self.c_out)
    }

    /// The first `outputs` positions of each of `samples` samples whose channels-last rows
    /// (`[samples · padded, c_in]`, padding rows included) are `x_t`, written to rows
    /// `i · padded + t` of `y` (`[·, c_out]`), as the direct products write them: the whole tiles
    /// of four by [`Self::tiles`], the positions past the last whole tile (`outputs mod 4` per
    /// sample) by the direct product, one GEMM per position over the samples' patches with
    /// `direct`, the weight as `[5 · c_in, c_out]` (taps before channels). Other rows of `y` are
    /// left alone. `scratch` holds at least [`Self::scratch_len`]`(samples, outputs)` values.
    #[inline(never)]
    #[expect(clippy::too_many_arguments, reason = "the samples' rows and layout, how many outputs, the direct weight and the buffers")]
    pub(crate) fn outputs(&self, x_t: &[f32], samples: usize, padded: usize, outputs: usize, direct: MatRef<'_>, y: &mut [f32], scratch: &mut [f32]) {
        let (c_in, c_out) = (self.c_in, self.c_out);
        assert!(outputs + 4 <= padded, "{outputs} outputs do not fit {padded} input rows");
        self.tiles(x_t, samples, padded, outputs / TILE, y, scratch);
        for t in outputs / TILE * TILE..outputs {
            let starts = MatRef { data: &x_t[t * c_in..], rows: samples, cols: 5 * c_in, row_stride: padded * c_in, col_stride: 1 };
            let rows = &mut scratch[..samples * c_out];
            matmul(rows, starts, direct, false, false);
            for (i, row) in rows.chunks_exact(c_out).enumerate() {
                y[(i * padded + t) * c_out..][..c_out].copy_from_slice(row);
            }
        }
    }

    /// The outputs `4j .. 4j + 4` for every `j < tiles` of `samples` samples whose channels-last
    /// rows (`[samples · padded, c_in]`, padding rows included) are `x_t`, written to rows
    /// `i · padded + 4j …` of `y` (`[·, c_out]`), as the direct products write them; other rows
    /// of `y` are left alone. `scratch` holds at least [`Self::scratch_len`]`(samples, 4 · tiles)`
    /// values. Not inlined into [`Self::outputs`]: inlined, the ResNet's inference ran about 12 %
    /// slower (alternating runs, more time in the `gemm` crate's packing).
    #[inline(never)]
    fn tiles(&self, x_t: &[f32], samples: usize, padded: usize, tiles: usize, y: &mut [f32], scratch: &mut [f32]) {
        let (c_in, c_out) = (self.c_in, self.c_out);
        assert!(TILE * tiles + 4 <= padded, "{tiles} tiles of {TILE} outputs do not fit {padded} input rows");
        assert!(x_t.len() >= samples * padded * c_in && y.len() >= samples * padded * c_out, "buffers too short");
        let n = samples * tiles;
        for first in (0..n).step_by(BLOCK) {
            let block = Block { first, count: BLOCK.min(n - first), per_sample: tiles, padded };
            let (v, rest) = scratch.split_at_mut(XI * block.count * c_in);
            let products = &mut rest[..XI * block.count * c_out];
            vectorised(#[inline(always)] || input_transform(x_t, block, c_in, v));
            for (xi, m_xi) in products.chunks_exact_mut(block.count * c_out).enumerate() {
                let v_xi = MatRef::row_major(&v[xi * block.count * c_in..][..block.count * c_in], block.count, c_in);
                matmul(m_xi, v_xi, MatRef::row_major(&self.u[xi * c_in * c_out..][..c_in * c_out], c_in, c_out), false, false);
            }
            vectorised(#[inline(always)] || output_transform(products, block, c_out, y));
        }
    }
}

/// A block of `count` consecutive tiles from tile `first` on; tile `p` is tile `p % per_sample`
/// of sample `p / per_sample`, whose rows start at `(p / per_sample) · padded`.
#[derive(Clone, Copy)]
struct Block {
    first: usize,
    count: usize,
    per_sample: usize,
    padded: usize,
}

impl Block {
    /// The first row of each of the block's tiles in turn (its first input row and its first
    /// output row), counted on from the first tile's sample and position without a division per
    /// tile.
    #[inline(always)]
    fn rows(&self) -> impl Iterator<Item = usize> {
        let (per_sample, padded) = (self.per_sample, self.padded);
        let (mut sample, mut j) = (self.first / per_sample, self.first % per_sample);
        (0..self.count).map(move |_| {
            let row = sample * padded + TILE * j;
            j += 1;
            if j == per_sample {
                (sample, j) = (sample + 1, 0);
            }
            row
        })
    }
}

/// The `N` parts of `len` values of a block's transformed inputs.
#[inline(always)]
fn parts<const N: usize>(values: &mut [f32], len: usize) -> [&mut [f32]; N] {
    let mut parts = values.chunks_exact_mut(len);
    std::array::from_fn(|_| parts.next().expect("one part per position"))
}

/// The `N` parts of `len` values of a block's products.
#[inline(always)]
fn parts_of<const N: usize>(values: &[f32], len: usize) -> [&[f32]; N] {
    let mut parts = values.chunks_exact(len);
    std::array::from_fn(|_| parts.next().expect("one part per position"))
}

/// `V_ξ = Bᵀ d` of every tile of the block (row `q` of each `[count, c]` part of `v`);
/// the rows for ±p from the even and odd parts they share.
#[inline(always)]
fn input_transform(x_t: &[f32], block: Block, c: usize, v: &mut [f32]) {
    let [v0, v1, v2, v3, v4, v5, v6, v7] = parts::<8>(v, block.count * c);
    for (q, row) in block.rows().enumerate() {
        let d = &x_t[row * c..][..8 * c];
        let at = q * c;
        let row = |r: usize| &d[r * c..][..c];
        let (d0, d1, d2, d3, d4, d5, d6, d7) = (row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7));
        let (v0, v1, v2, v3) = (&mut v0[at..at + c], &mut v1[at..at + c], &mut v2[at..at + c], &mut v3[at..at + c]);
        let (v4, v5, v6, v7) = (&mut v4[at..at + c], &mut v5[at..at + c], &mut v6[at..at + c], &mut v7[at..at + c]);
        for k in 0..c {
            let (a0, a1, a2, a3, a4, a5, a6, a7) = (d0[k], d1[k], d2[k], d3[k], d4[k], d5[k], d6[k], d7[k]);
            let (e1, o1) = (4.0 * a2 - 17.0 * a4 + 4.0 * a6, 4.0 * a1 - 17.0 * a3 + 4.0 * a5);
            let (e3, o3) = (a2 - 5.0 * a4 + 4.0 * a6, 2.0 * a1 - 10.0 * a3 + 8.0 * a5);
            let (e5, o5) = (8.0 * a2 - 10.0 * a4 + 2.0 * a6, 4.0 * a1 - 5.0 * a3 + a5);
            v0[k] = 4.0 * a0 - 21.0 * a2 + 21.0 * a4 - 4.0 * a6;
            v1[k] = e1 + o1;
            v2[k] = e1 - o1;
            v3[k] = e3 + o3;
            v4[k] = e3 - o3;
            v5[k] = e5 + o5;
            v6[k] = e5 - o5;
            v7[k] = -4.0 * a1 + 21.0 * a3 - 21.0 * a5 + 4.0 * a7;
        }
    }
}

/// `Aᵀ (M_0 … M_7)` of every tile of the block into the tile's four output rows of `y`,
/// from the sums and differences of the products for ±p.
#[inline(always)]
fn output_transform(m: &[f32], block: Block, c: usize, y: &mut [f32]) {
    let [m0, m1, m2, m3, m4, m5, m6, m7] = parts_of::<8>(m, block.count * c);
    for (q, row) in block.rows().enumerate() {
        let y = &mut y[row * c..][..4 * c];
        let (y0, rest) = y.split_at_mut(c);
        let (y1, rest) = rest.split_at_mut(c);
        let (y2, y3) = rest.split_at_mut(c);
        let at = q * c;
        let (m0, m1, m2, m3) = (&m0[at..at + c], &m1[at..at + c], &m2[at..at + c], &m3[at..at + c]);
        let (m4, m5, m6, m7) = (&m4[at..at + c], &m5[at..at + c], &m6[at..at + c], &m7[at..at + c]);
        let (y3, y2, y1, y0) = (&mut y3[..c], &mut y2[..c], &mut y1[..c], &mut y0[..c]);
        for k in 0..c {
            let (s1, d1) = (m1[k] + m2[k], m1[k] - m2[k]);
            let (s3, d3) = (m3[k] + m4[k], m3[k] - m4[k]);
            let (s5, d5) = (m5[k] + m6[k], m5[k] - m6[k]);
            y0[k] = m0[k] + s1 + s3 + s5;
            y1[k] = d1 + 2.0 * d3 + 0.5 * d5;
            y2[k] = s1 + 4.0 * s3 + 0.25 * s5;
            y3[k] = d1 + 8.0 * d3 + 0.125 * d5 + m7[k];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(n: usize, salt: f32) -> Vec<f32> {
        (0..n).map(|i| (i as f32 * 0.37 + salt).sin() * 1.5).collect()
    }

    /// The definition: `y[t] = Σ_c Σ_k W[o, c, k] · x[t + k, c]` on channels-last rows; blocks
    /// that end inside a sample and samples that span two blocks.
    #[test]
    fn tiles_are_the_direct_convolution() {
        let shapes = [(3, 91, 21, 32, 64), (7, 91, 21, 16, 8), (2, 13, 2, 9, 5), (1, 10, 1, 8, 17), (9, 191, 46, 32, 32), (2, 12, 2, 8, 3)];
        for (samples, padded, tiles, c_in, c_out) in shapes {
            let x = values(samples * padded * c_in, 0.4);
            let w = values(c_out * c_in * 5, 1.3);
            let f = Filters::new(&w, c_out, c_in);
            let mut y = vec![f32::NAN; samples * padded * c_out];
            let mut scratch = vec![f32::NAN; f.scratch_len(samples, TILE * tiles)];
            f.tiles(&x, samples, padded, tiles, &mut y, &mut scratch);
            for i in 0..samples {
                for t in 0..padded {
                    let got = y[(i * padded + t) * c_out..][..c_out].to_vec();
                    if t >= TILE * tiles {
                        assert!(got.iter().all(|v| v.is_nan()), "row {t} of sample {i} was written");
                        continue;
                    }
                    for (o, g) in got.iter().enumerate() {
                        let want: f64 = (0..c_in)
                            .flat_map(|c| (0..5).map(move |k| (c, k)))
                            .map(|(c, k)| f64::from(w[(o * c_in + c) * 5 + k]) * f64::from(x[(i * padded + t + k) * c_in + c]))
                            .sum();
                        assert!((f64::from(*g) - want).abs() <= 2e-5 * (1.0 + want.abs()), "sample {i}, position {t}, channel {o}: {g} vs {want}");
                    }
                }
            }
        }
    }

    /// Rounding of the same order as the direct sum's: the largest error relative to the sum of
    /// the absolute terms (the scale of any sum's rounding), with ReLU-like inputs, within 4 ×
    /// that of a sequential fused multiply-add sum, on the ECG CNN's second layer and on a block
    /// convolution of the ResNet.
    #[test]
    fn rounding_is_of_the_direct_sums_order() {
        for (samples, padded, tiles, c_in, c_out) in [(8, 91, 21, 32, 64), (8, 191, 46, 32, 32)] {
            let mut state = 12345u64;
            let mut uniform = || {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                ((state >> 40) as f32 / (1u64 << 24) as f32) - 0.5
            };
            let x: Vec<f32> = (0..samples * padded * c_in).map(|_| uniform().max(0.0) * 4.0).collect();
            let w: Vec<f32> = (0..c_out * c_in * 5).map(|_| uniform() * 0.2).collect();
            let f = Filters::new(&w, c_out, c_in);
            let mut y = vec![0.0; samples * padded * c_out];
            let mut scratch = vec![0.0; f.scratch_len(samples, TILE * tiles)];
            f.tiles(&x, samples, padded, tiles, &mut y, &mut scratch);
            let (mut winograd, mut direct) = (0.0f64, 0.0f64);
            for i in 0..samples {
                for t in 0..TILE * tiles {
                    for o in 0..c_out {
                        let (mut exact, mut magnitude, mut fused) = (0.0f64, 0.0f64, 0.0f32);
                        for k in 0..5 {
                            for c in 0..c_in {
                                let (a, b) = (w[(o * c_in + c) * 5 + k], x[(i * padded + t + k) * c_in + c]);
                                exact += f64::from(a) * f64::from(b);
                                magnitude += (f64::from(a) * f64::from(b)).abs();
                                fused = a.mul_add(b, fused);
                            }
                        }
                        winograd = winograd.max((f64::from(y[(i * padded + t) * c_out + o]) - exact).abs() / magnitude);
                        direct = direct.max((f64::from(fused) - exact).abs() / magnitude);
                    }
                }
            }
            eprintln!("{c_in} -> {c_out} channels: Winograd {winograd:e}, direct sum {direct:e}");
            assert!(winograd <= 4.0 * direct, "{c_in} -> {c_out}: Winograd {winograd:e} against the direct sum's {direct:e}");
        }
    }

    #[test]
    fn applies_to_kernel_five_stride_one_with_enough_channels() {
        assert!(applies(5, 1, 32));
        assert!(!applies(5, 1, 1), "the one-channel first layer");
        assert!(!applies(3, 1, 32));
        assert!(!applies(5, 2, 32));
    }
}
