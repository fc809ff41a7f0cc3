//! 1-D convolution on contiguous `f32` slices: one im2col matrix and a few large GEMMs.
//!
//! Layouts are Burn's: input `[batch, channels_in, length_in]`, weight
//! `[channels_out, channels_in, kernel]`, output `[batch, channels_out, length_out]`, all
//! contiguous row-major. The patch matrix `cols` is `[channels_in · kernel, batch · length_out]`:
//! row `(ci, k)`, column `(b, l)` holds `x[b, ci, l·stride + k − pad_left]` (zero outside the input).
//! With it,
//! - forward: `out_b = W · cols_b` for each batch element `b` (+ bias);
//! - weight gradient: `dW = dYᵀ · colsᵀ`, where `dYᵀ` is the gradient laid out `[channels_out,
//!   batch · length_out]`: **one** GEMM over the whole batch (Burn 0.22 runs it as a
//!   convolution over swapped dimensions, about 8× slower on the ECG CNN; `docs/performance.md`);
//! - input gradient: `dcols = Wᵀ · dYᵀ`, then every patch entry is added back where it came from
//!   (col2im), instead of a transposed convolution.

use rayon::prelude::*;

use super::gemm::{MatRef, matmul};

/// The geometry of a 1-D convolution with zero padding, dilation 1 and one group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv1dShape {
    /// Batch size.
    pub batch: usize,
    /// Input channels.
    pub channels_in: usize,
    /// Output channels (filters).
    pub channels_out: usize,
    /// Input length.
    pub length_in: usize,
    /// Kernel width.
    pub kernel: usize,
    /// Stride (≥ 1).
    pub stride: usize,
    /// Zeros added before the input.
    pub pad_left: usize,
    /// Zeros added after the input.
    pub pad_right: usize,
}

impl Conv1dShape {
    /// Output length, `⌊(length_in + pads − kernel) / stride⌋ + 1`; `None` when the padded input
    /// is shorter than the kernel or the stride is zero.
    pub fn length_out(&self) -> Option<usize> {
        let padded = self.length_in + self.pad_left + self.pad_right;
        (self.stride > 0 && self.kernel > 0 && padded >= self.kernel).then(|| (padded - self.kernel) / self.stride + 1)
    }

    fn lo(&self) -> usize {
        self.length_out().expect("convolution geometry checked by the caller")
    }

    fn patch(&self) -> usize {
        self.channels_in * self.kernel
    }

    /// Input position read by output position `l` through tap `k`, if inside the input.
    #[cfg(test)]
    fn source(&self, l: usize, k: usize) -> Option<usize> {
        (l * self.stride + k).checked_sub(self.pad_left).filter(|&p| p < self.length_in)
    }

    /// The range of output positions `l` whose tap `k` lands inside the input.
    fn valid_outputs(&self, k: usize) -> std::ops::Range<usize> {
        let lo = self.lo();
        let first = self.pad_left.saturating_sub(k).div_ceil(self.stride);
        // last valid l: l·s + k − pl ≤ length_in − 1
        let end = match (self.length_in + self.pad_left).checked_sub(k + 1) {
            Some(max) => (max / self.stride + 1).min(lo),
            None => 0,
        };
        first.min(end)..end
    }
}

/// The patch matrix `[channels_in · kernel, batch · length_out]` of `x`.
fn im2col(s: &Conv1dShape, x: &[f32]) -> Vec<f32> {
    let lo = s.lo();
    let width = s.batch * lo;
    let mut cols = vec![0.0f32; s.patch() * width];
    if width == 0 {
        return cols;
    }
    cols.par_chunks_mut(width).enumerate().for_each(|(row, out)| {
        let (ci, k) = (row / s.kernel, row % s.kernel);
        let valid = s.valid_outputs(k);
        for b in 0..s.batch {
            let src = &x[(b * s.channels_in + ci) * s.length_in..][..s.length_in];
            let dst = &mut out[b * lo..][..lo];
            if valid.is_empty() {
                continue;
            }
            if s.stride == 1 {
                let start = valid.start + k - s.pad_left;
                dst[valid.clone()].copy_from_slice(&src[start..start + valid.len()]);
            } else {
                for l in valid.clone() {
                    dst[l] = src[l * s.stride + k - s.pad_left];
                }
            }
        }
    });
    cols
}

/// The output gradient `[batch, channels_out, length_out]` laid out `[channels_out, batch · length_out]`.
fn grad_rows(s: &Conv1dShape, dy: &[f32]) -> Vec<f32> {
    let lo = s.lo();
    let width = s.batch * lo;
    let mut out = vec![0.0f32; s.channels_out * width];
    if width == 0 {
        return out;
    }
    out.par_chunks_mut(width).enumerate().for_each(|(co, row)| {
        for b in 0..s.batch {
            row[b * lo..][..lo].copy_from_slice(&dy[(b * s.channels_out + co) * lo..][..lo]);
        }
    });
    out
}

/// Forward pass: `[batch, channels_out, length_out]`.
pub fn forward(s: &Conv1dShape, x: &[f32], weight: &[f32], bias: Option<&[f32]>) -> Vec<f32> {
    let lo = s.lo();
    check_lengths(s, x, weight);
    let cols = im2col(s, x);
    let (width, per_batch) = (s.batch * lo, s.channels_out * lo);
    let mut out = vec![0.0f32; s.batch * per_batch];
    if per_batch == 0 {
        return out;
    }
    let w = MatRef::row_major(weight, s.channels_out, s.patch());
    // Many batch elements: one GEMM per element, spread over the pool; few: parallel GEMMs.
    let across_batch = s.batch >= 2 * rayon::current_num_threads();
    let one = |b: usize, out_b: &mut [f32]| {
        if let Some(bias) = bias {
            for (row, &v) in out_b.chunks_exact_mut(lo).zip(bias) {
                row.fill(v);
            }
        }
        let cols_b = MatRef { data: &cols[b * lo..], rows: s.patch(), cols: lo, row_stride: width, col_stride: 1 };
        matmul(out_b, w, cols_b, bias.is_some(), !across_batch);
    };
    if across_batch {
        out.par_chunks_mut(per_batch).enumerate().for_each(|(b, out_b)| one(b, out_b));
    } else {
        out.chunks_mut(per_batch).enumerate().for_each(|(b, out_b)| one(b, out_b));
    }
    out
}

/// Which gradients [`backward`] computes.
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
pub struct Conv1dGrads {
    /// `[batch, channels_in, length_in]`.
    pub input: Option<Vec<f32>>,
    /// `[channels_out, channels_in, kernel]`.
    pub weight: Option<Vec<f32>>,
    /// `[channels_out]`.
    pub bias: Option<Vec<f32>>,
}

/// Backward pass from the output gradient `dy` (`[batch, channels_out, length_out]`).
pub fn backward(s: &Conv1dShape, x: &[f32], weight: &[f32], dy: &[f32], wanted: Wanted) -> Conv1dGrads {
    let lo = s.lo();
    check_lengths(s, x, weight);
    assert_eq!(dy.len(), s.batch * s.channels_out * lo, "output gradient has the wrong size");
    let width = s.batch * lo;
    let dy_t = grad_rows(s, dy);
    let dy_t_mat = MatRef::row_major(&dy_t, s.channels_out, width);
    let mut grads = Conv1dGrads::default();
    if wanted.bias {
        grads.bias = Some(dy_t.par_chunks(width.max(1)).map(|row| row.iter().sum()).collect());
    }
    if wanted.weight {
        let cols = im2col(s, x);
        let mut dw = vec![0.0f32; s.channels_out * s.patch()];
        matmul(&mut dw, dy_t_mat, MatRef::row_major(&cols, s.patch(), width).t(), false, true);
        grads.weight = Some(dw);
    }
    if wanted.input {
        let mut dcols = vec![0.0f32; s.patch() * width];
        let w_t = MatRef::row_major(weight, s.channels_out, s.patch()).t();
        matmul(&mut dcols, w_t, dy_t_mat, false, true);
        grads.input = Some(col2im(s, &dcols));
    }
    grads
}

/// Adds every patch entry back to the input position it was read from.
fn col2im(s: &Conv1dShape, dcols: &[f32]) -> Vec<f32> {
    let lo = s.lo();
    let width = s.batch * lo;
    let mut dx = vec![0.0f32; s.batch * s.channels_in * s.length_in];
    if s.length_in == 0 {
        return dx;
    }
    dx.par_chunks_mut(s.length_in).enumerate().for_each(|(row, dst)| {
        let (b, ci) = (row / s.channels_in, row % s.channels_in);
        for k in 0..s.kernel {
            let src = &dcols[(ci * s.kernel + k) * width + b * lo..][..lo];
            let valid = s.valid_outputs(k);
            if valid.is_empty() {
                continue;
            }
            if s.stride == 1 {
                let start = valid.start + k - s.pad_left;
                for (d, v) in dst[start..start + valid.len()].iter_mut().zip(&src[valid]) {
                    *d += v;
                }
            } else {
                for l in valid {
                    dst[l * s.stride + k - s.pad_left] += src[l];
                }
            }
        }
    });
    dx
}

fn check_lengths(s: &Conv1dShape, x: &[f32], weight: &[f32]) {
    assert_eq!(x.len(), s.batch * s.channels_in * s.length_in, "input has the wrong size");
    assert_eq!(weight.len(), s.channels_out * s.patch(), "weight has the wrong size");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Direct definition, one multiply-add at a time.
    fn naive(s: &Conv1dShape, x: &[f32], w: &[f32], bias: &[f32]) -> Vec<f32> {
        let lo = s.length_out().unwrap();
        let mut out = vec![0.0; s.batch * s.channels_out * lo];
        for b in 0..s.batch {
            for co in 0..s.channels_out {
                for l in 0..lo {
                    let mut acc = bias[co];
                    for ci in 0..s.channels_in {
                        for k in 0..s.kernel {
                            if let Some(p) = s.source(l, k) {
                                acc += w[(co * s.channels_in + ci) * s.kernel + k] * x[(b * s.channels_in + ci) * s.length_in + p];
                            }
                        }
                    }
                    out[(b * s.channels_out + co) * lo + l] = acc;
                }
            }
        }
        out
    }

    fn values(n: usize, salt: f32) -> Vec<f32> {
        (0..n).map(|i| (i as f32 * 0.7351 + salt).sin() * 1.3).collect()
    }

    fn shapes() -> Vec<Conv1dShape> {
        let base = Conv1dShape { batch: 3, channels_in: 2, channels_out: 4, length_in: 11, kernel: 3, stride: 1, pad_left: 0, pad_right: 0 };
        vec![
            base,
            Conv1dShape { channels_in: 1, kernel: 5, ..base },
            Conv1dShape { pad_left: 2, pad_right: 2, kernel: 5, ..base },
            Conv1dShape { pad_left: 1, pad_right: 2, kernel: 4, ..base },
            Conv1dShape { stride: 2, pad_left: 1, pad_right: 1, ..base },
            Conv1dShape { stride: 3, kernel: 1, ..base },
            Conv1dShape { batch: 9, length_in: 4, kernel: 4, ..base },
            Conv1dShape { length_in: 2, kernel: 5, pad_left: 2, pad_right: 2, ..base },
        ]
    }

    #[test]
    fn forward_matches_the_definition() {
        for s in shapes() {
            let x = values(s.batch * s.channels_in * s.length_in, 0.1);
            let w = values(s.channels_out * s.channels_in * s.kernel, 0.9);
            let bias = values(s.channels_out, 2.0);
            let got = forward(&s, &x, &w, Some(&bias));
            let want = naive(&s, &x, &w, &bias);
            assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() < 1e-4, "{s:?}: {g} vs {w}");
            }
        }
    }

    /// Each gradient is the derivative of `Σ dy ⊙ forward(...)`, which is linear in every
    /// argument: perturbing one entry by 1 changes the sum by exactly its gradient.
    #[test]
    fn gradients_match_the_definition() {
        for s in shapes() {
            let x = values(s.batch * s.channels_in * s.length_in, 0.3);
            let w = values(s.channels_out * s.channels_in * s.kernel, 1.7);
            let bias = values(s.channels_out, 0.4);
            let lo = s.length_out().unwrap();
            let dy = values(s.batch * s.channels_out * lo, 5.0);
            let all = Wanted { input: true, weight: true, bias: true };
            let g = backward(&s, &x, &w, &dy, all);
            let dot = |x: &[f32], w: &[f32], b: &[f32]| -> f32 {
                naive(&s, x, w, b).iter().zip(&dy).map(|(a, b)| a * b).sum()
            };
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

    #[test]
    fn valid_output_ranges_agree_with_source() {
        for s in shapes() {
            for k in 0..s.kernel {
                let lo = s.length_out().unwrap();
                let direct: Vec<usize> = (0..lo).filter(|&l| s.source(l, k).is_some()).collect();
                let range: Vec<usize> = s.valid_outputs(k).collect();
                assert_eq!(direct, range, "{s:?} k={k}");
            }
        }
    }

    #[test]
    fn too_short_inputs_have_no_output_length() {
        let s = Conv1dShape { batch: 1, channels_in: 1, channels_out: 1, length_in: 2, kernel: 5, stride: 1, pad_left: 1, pad_right: 1 };
        assert_eq!(s.length_out(), None);
    }
}
