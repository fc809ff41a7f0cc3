//! A 1-D convolution of kernel 5 and stride 1 on channels-last rows, by Winograd's minimal
//! filtering F(2, 5) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016):
//! the products of [`conv1d_pool`](super::conv1d_pool)'s blocks (the ECG CNN) and of
//! [`conv_channels_last`](super::conv_channels_last)'s forward passes (the ResNet) in inference.
//!
//! Each pair of outputs `(y[2j], y[2j + 1])`, one window of a pool that follows, comes
//! from six input rows `d = x[2j .. 2j + 6]` per channel: `(y[2j], y[2j + 1]) = Aᵀ [Σ_c (G g_c) ⊙
//! (Bᵀ d_c)]`. The sum over input channels of the six element-wise products is, for each of the
//! six positions ξ of the transform, one matrix product `M_ξ [pairs × C_out] = V_ξ [pairs × C_in]
//! · U_ξ [C_in × C_out]`: 6 · C_in · C_out multiply-adds per pair of outputs instead of 10 · C_in ·
//! C_out, 1.67 × fewer (the ECG CNN's second layer: 1.06 instead of 1.78 MFLOP per sample).
//! The products' inner dimension is `C_in` (32 there) instead of `5 · C_in`, which the `gemm`
//! crate runs nearly as fast per multiply-add.
//!
//! The matrices come from the Toom-Cook construction on the points 0, 1, −1, 2, −2 and ∞, with
//! the interpolation's denominators moved into `G` so that the input transform `Bᵀ` has small
//! integer entries (the weights are transformed once per call):
//!
//! ```text
//!        ⎡ 4  0 −5  0  1  0 ⎤         ⎡  1/4    0     0     0     0   ⎤
//!        ⎢ 0 −4 −4  1  1  0 ⎥         ⎢ −1/6  −1/6  −1/6  −1/6  −1/6  ⎥
//!   Bᵀ = ⎢ 0  4 −4 −1  1  0 ⎥    G =  ⎢ −1/6   1/6  −1/6   1/6  −1/6  ⎥    Aᵀ = ⎡ 1 1  1 1  1 0 ⎤
//!        ⎢ 0 −2 −1  2  1  0 ⎥         ⎢  1/24  2/24  4/24  8/24 16/24 ⎥         ⎣ 0 1 −1 2 −2 1 ⎦
//!        ⎢ 0  2 −1 −2  1  0 ⎥         ⎢  1/24 −2/24  4/24 −8/24 16/24 ⎥
//!        ⎣ 0  4  0 −5  0  1 ⎦         ⎣  0      0     0     0     1   ⎦
//! ```
//!
//! The transforms run channels-innermost on the channels-last rows `conv1d_pool` keeps, so each
//! step is a few vector operations per row. Results differ from the direct convolution by
//! rounding only (the transforms' sums).

use super::gemm::{MatRef, matmul};
use super::vectorised;

/// Positions of the transform.
const XI: usize = 6;

/// `G`, one row per position of the transform (see the module documentation).
const G: [[f64; 5]; XI] = [
    [0.25, 0.0, 0.0, 0.0, 0.0],
    [-1.0 / 6.0, -1.0 / 6.0, -1.0 / 6.0, -1.0 / 6.0, -1.0 / 6.0],
    [-1.0 / 6.0, 1.0 / 6.0, -1.0 / 6.0, 1.0 / 6.0, -1.0 / 6.0],
    [1.0 / 24.0, 2.0 / 24.0, 4.0 / 24.0, 8.0 / 24.0, 16.0 / 24.0],
    [1.0 / 24.0, -2.0 / 24.0, 4.0 / 24.0, -8.0 / 24.0, 16.0 / 24.0],
    [0.0, 0.0, 0.0, 0.0, 1.0],
];

/// Whether this path takes the convolution: a kernel of 5 at stride 1, 1-D, and enough input
/// channels for the products to be worth it (a one-channel first layer is left to the direct
/// products, whose inner dimension is 5 either way).
pub(crate) fn applies(kernel: usize, stride: usize, channels_in: usize) -> bool {
    kernel == 5 && stride == 1 && channels_in >= 8
}

/// A block's filters transformed, `U_ξ = Σ_k G[ξ][k] · W[·, ·, k]`, laid out `[ξ][c_in][c_out]`
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

    /// Scratch values [`Self::pairs`] needs for `pairs` pairs of outputs.
    pub(crate) fn scratch_len(&self, pairs: usize) -> usize {
        pairs * XI * (self.c_in + self.c_out)
    }

    /// The outputs `2j` and `2j + 1` for every `j < pooled` (a pool's windows, or without a pool
    /// the whole pairs of output positions) of `samples` samples whose channels-last rows
    /// (`[samples · padded, c_in]`, padding rows included) are `x_t`, written to rows `i · padded +
    /// 2j` and `i · padded + 2j + 1` of `y` (`[·, c_out]`), as the direct products write them;
    /// other rows of `y` are left alone. `scratch` holds at least
    /// [`Self::scratch_len`]`(samples · pooled)` values.
    pub(crate) fn pairs(&self, x_t: &[f32], samples: usize, padded: usize, pooled: usize, y: &mut [f32], scratch: &mut [f32]) {
        let (c_in, c_out) = (self.c_in, self.c_out);
        assert!(2 * pooled + 4 <= padded, "{pooled} pooled outputs do not fit {padded} input rows");
        assert!(x_t.len() >= samples * padded * c_in && y.len() >= samples * padded * c_out, "buffers too short");
        let n = samples * pooled;
        let (v, rest) = scratch.split_at_mut(XI * n * c_in);
        let m = &mut rest[..XI * n * c_out];
        vectorised(#[inline(always)] || input_transform(x_t, samples, padded, pooled, c_in, v));
        for (xi, m_xi) in m.chunks_exact_mut(n * c_out).enumerate() {
            let v_xi = MatRef::row_major(&v[xi * n * c_in..][..n * c_in], n, c_in);
            matmul(m_xi, v_xi, MatRef::row_major(&self.u[xi * c_in * c_out..][..c_in * c_out], c_in, c_out), false, false);
        }
        vectorised(#[inline(always)] || output_transform(m, n, padded, pooled, c_out, y));
    }
}

/// `V_ξ = Bᵀ d` of every pair `(i, j)` (row `i · pooled + j` of each `[pairs, c_in]` block of `v`).
#[inline(always)]
fn input_transform(x_t: &[f32], samples: usize, padded: usize, pooled: usize, c: usize, v: &mut [f32]) {
    let n = samples * pooled;
    let mut parts = v.chunks_exact_mut(n * c);
    let mut part = || parts.next().expect("six parts");
    let [v0, v1, v2, v3, v4, v5] = [part(), part(), part(), part(), part(), part()];
    for i in 0..samples {
        for j in 0..pooled {
            let d = &x_t[(i * padded + 2 * j) * c..][..XI * c];
            let at = (i * pooled + j) * c;
            let (d0, d1, d2, d3, d4, d5) = (&d[..c], &d[c..2 * c], &d[2 * c..3 * c], &d[3 * c..4 * c], &d[4 * c..5 * c], &d[5 * c..]);
            let (v0, v1, v2, v3, v4, v5) =
                (&mut v0[at..at + c], &mut v1[at..at + c], &mut v2[at..at + c], &mut v3[at..at + c], &mut v4[at..at + c], &mut v5[at..at + c]);
            for k in 0..c {
                let (a0, a1, a2, a3, a4, a5) = (d0[k], d1[k], d2[k], d3[k], d4[k], d5[k]);
                v0[k] = 4.0 * a0 - 5.0 * a2 + a4;
                v1[k] = -4.0 * a1 - 4.0 * a2 + a3 + a4;
                v2[k] = 4.0 * a1 - 4.0 * a2 - a3 + a4;
                v3[k] = -2.0 * a1 - a2 + 2.0 * a3 + a4;
                v4[k] = 2.0 * a1 - a2 - 2.0 * a3 + a4;
                v5[k] = 4.0 * a1 - 5.0 * a3 + a5;
            }
        }
    }
}

/// `Aᵀ (M_0 … M_5)` of every pair (`m`: the six `[pairs, c_out]` products one after another) into
/// the pair's two output rows of `y`, the terms added in the order of `Aᵀ`'s columns.
#[inline(always)]
fn output_transform(m: &[f32], pairs: usize, padded: usize, pooled: usize, c: usize, y: &mut [f32]) {
    let part = |xi: usize| &m[xi * pairs * c..][..pairs * c];
    let (m0, m1, m2, m3, m4, m5) = (part(0), part(1), part(2), part(3), part(4), part(5));
    for pair in 0..pairs {
        let (i, j) = (pair / pooled, pair % pooled);
        let (y0, y1) = y[(i * padded + 2 * j) * c..][..2 * c].split_at_mut(c);
        let at = pair * c;
        let (m0, m1, m2, m3, m4, m5) = (&m0[at..at + c], &m1[at..at + c], &m2[at..at + c], &m3[at..at + c], &m4[at..at + c], &m5[at..at + c]);
        let (y0, y1) = (&mut y0[..c], &mut y1[..c]);
        for k in 0..c {
            y0[k] = m0[k] + m1[k] + m2[k] + m3[k] + m4[k];
            y1[k] = m1[k] - m2[k] + 2.0 * m3[k] - 2.0 * m4[k] + m5[k];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(n: usize, salt: f32) -> Vec<f32> {
        (0..n).map(|i| (i as f32 * 0.37 + salt).sin() * 1.5).collect()
    }

    /// The definition: `y[t] = Σ_c Σ_k W[o, c, k] · x[t + k, c]` on channels-last rows.
    #[test]
    fn pairs_are_the_direct_convolution() {
        for (samples, padded, pooled, c_in, c_out) in [(3, 91, 43, 32, 64), (2, 13, 4, 9, 5), (1, 10, 3, 8, 17)] {
            let x = values(samples * padded * c_in, 0.4);
            let w = values(c_out * c_in * 5, 1.3);
            let f = Filters::new(&w, c_out, c_in);
            let mut y = vec![f32::NAN; samples * padded * c_out];
            let mut scratch = vec![f32::NAN; f.scratch_len(samples * pooled)];
            f.pairs(&x, samples, padded, pooled, &mut y, &mut scratch);
            for i in 0..samples {
                for t in 0..padded {
                    let got = y[(i * padded + t) * c_out..][..c_out].to_vec();
                    if t >= 2 * pooled {
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
    /// the absolute terms (the scale of any sum's rounding), on the ECG CNN's second layer with
    /// ReLU-like inputs, within 4 × that of a sequential fused multiply-add sum.
    #[test]
    fn rounding_is_of_the_direct_sums_order() {
        let (samples, padded, pooled, c_in, c_out) = (8, 91, 43, 32, 64);
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
        let mut scratch = vec![0.0; f.scratch_len(samples * pooled)];
        f.pairs(&x, samples, padded, pooled, &mut y, &mut scratch);
        let (mut winograd, mut direct) = (0.0f64, 0.0f64);
        for i in 0..samples {
            for t in 0..2 * pooled {
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
        assert!(winograd <= 4.0 * direct, "Winograd {winograd:e} against the direct sum's {direct:e}");
    }

    #[test]
    fn applies_to_kernel_five_stride_one_with_enough_channels() {
        assert!(applies(5, 1, 32));
        assert!(!applies(5, 1, 1), "the one-channel first layer");
        assert!(!applies(3, 1, 32));
        assert!(!applies(5, 2, 32));
    }
}
