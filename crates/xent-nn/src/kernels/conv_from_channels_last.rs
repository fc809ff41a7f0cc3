//! A 1-D convolution (stride 1, no padding) that reads its input channels-last, `[batch, length,
//! channels_in]` — the layout an embedding produces — and writes channels-first `[batch,
//! channels_out, length_out]`, without the transposing copy and without im2col.
//!
//! With the input channels-last, the patch of output position `t` (kernel taps × channels) is
//! the contiguous run `x[t·C .. (t+K)·C]`, so the patch matrix of the whole batch is a *view*
//! of the input: rows `r = b·L + t` start at `r·C` (row stride C, overlapping rows), columns are
//! contiguous. The rows with `t ≥ length_out` straddle two documents; their results are never
//! read (forward) or are multiplied by zero gradients (backward). So:
//!
//! - forward: one GEMM `W' [C_out, K·C] × patchesᵀ` (W' the weight with taps before channels, a
//!   small permuted copy), then the valid columns copied into `[B, C_out, L_out]` with the bias;
//! - weight gradient: one GEMM of the output gradient laid out over all rows (zeros at the
//!   straddling ones) with the patch view;
//! - input gradient: K GEMMs, one per tap `k`, each adding `dY` shifted by `k` times `W[:, :, k]`
//!   into `dX [B·L, C]`; the shift reads zeros where it crosses a document boundary (the
//!   straddling columns and `K − 1` leading zeros), which is exactly where the tap has no output.

use rayon::prelude::*;

use super::conv::{ConvGrads, Wanted};
use super::conv_channels_last::reorder;
use super::gemm::{MatRef, matmul};

/// Sizes of a valid stride-1 convolution from a channels-last input to a channels-first output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FromChannelsLastShape {
    /// Batch size B.
    pub batch: usize,
    /// Input length L.
    pub length: usize,
    /// Input channels C.
    pub channels_in: usize,
    /// Output channels.
    pub channels_out: usize,
    /// Kernel width K (≤ L).
    pub kernel: usize,
}

impl FromChannelsLastShape {
    /// `L − K + 1`.
    pub fn length_out(&self) -> usize {
        self.length + 1 - self.kernel
    }

    /// Rows of the patch view over the whole batch: `B·L − K + 1`.
    fn rows(&self) -> usize {
        self.batch * self.length + 1 - self.kernel
    }

    /// Columns of a patch: `K·C`.
    fn patch(&self) -> usize {
        self.kernel * self.channels_in
    }

    fn check(&self, x: &[f32], weight: &[f32]) {
        assert!(self.kernel >= 1 && self.kernel <= self.length, "conv1d (channels-last): kernel {} longer than the input {}", self.kernel, self.length);
        assert_eq!(x.len(), self.batch * self.length * self.channels_in, "input has the wrong size");
        assert_eq!(weight.len(), self.channels_out * self.patch(), "weight has the wrong size");
    }
}

/// The patch view of `x`: row `r` = `x[r·C .. r·C + K·C]`.
fn patches<'a>(s: &FromChannelsLastShape, x: &'a [f32]) -> MatRef<'a> {
    MatRef { data: x, rows: s.rows(), cols: s.patch(), row_stride: s.channels_in, col_stride: 1 }
}

/// Forward pass: `[batch, channels_out, length_out]`, through a ReLU if `relu`.
pub fn forward(s: &FromChannelsLastShape, x: &[f32], weight: &[f32], bias: &[f32], relu: bool) -> Vec<f32> {
    s.check(x, weight);
    let (lo, rows) = (s.length_out(), s.rows());
    let w = reorder(s.channels_in, s.kernel, weight, true);
    let mut all = vec![0.0f32; s.channels_out * rows];
    matmul(&mut all, MatRef::row_major(&w, s.channels_out, s.patch()), patches(s, x).t(), false, true);
    let mut out = vec![0.0f32; s.batch * s.channels_out * lo];
    out.par_chunks_mut(lo).enumerate().for_each(|(plane, dst)| {
        let (b, o) = (plane / s.channels_out, plane % s.channels_out);
        let src = &all[o * rows + b * s.length..][..lo];
        if relu {
            dst.iter_mut().zip(src).for_each(|(d, &v)| *d = (v + bias[o]).max(0.0));
        } else {
            dst.iter_mut().zip(src).for_each(|(d, &v)| *d = v + bias[o]);
        }
    });
    out
}

/// Backward pass from the output gradient `dy` `[batch, channels_out, length_out]`; the input
/// gradient comes back channels-last like the input.
pub fn backward(s: &FromChannelsLastShape, x: &[f32], weight: &[f32], dy: &[f32], wanted: Wanted) -> ConvGrads {
    s.check(x, weight);
    let (lo, lead) = (s.length_out(), s.kernel - 1);
    assert_eq!(dy.len(), s.batch * s.channels_out * lo, "output gradient has the wrong size");
    // dY over every row of the batch, K − 1 leading zeros, zeros at the straddling rows:
    // `padded[o, lead + b·L + t] = dy[b, o, t]`.
    let width = lead + s.batch * s.length;
    let mut padded = vec![0.0f32; s.channels_out * width];
    padded.par_chunks_mut(width).enumerate().for_each(|(o, row)| {
        for b in 0..s.batch {
            row[lead + b * s.length..][..lo].copy_from_slice(&dy[(b * s.channels_out + o) * lo..][..lo]);
        }
    });
    let mut grads = ConvGrads::default();
    if wanted.bias {
        grads.bias = Some(padded.par_chunks(width).map(|row| row.iter().sum()).collect());
    }
    if wanted.weight {
        let dy_rows = MatRef { data: &padded[lead..], rows: s.channels_out, cols: s.rows(), row_stride: width, col_stride: 1 };
        let mut dw = vec![0.0f32; s.channels_out * s.patch()];
        matmul(&mut dw, dy_rows, patches(s, x), false, true);
        grads.weight = Some(reorder(s.channels_in, s.kernel, &dw, false));
    }
    if wanted.input {
        let rows = s.batch * s.length;
        let mut dx = vec![0.0f32; rows * s.channels_in];
        for tap in 0..s.kernel {
            // Row r of dX gets dY at row r − tap: `padded[o, lead − tap + r]`.
            let shifted = MatRef { data: &padded[lead - tap..], rows, cols: s.channels_out, row_stride: 1, col_stride: width };
            let w_tap = MatRef { data: &weight[tap..], rows: s.channels_out, cols: s.channels_in, row_stride: s.patch(), col_stride: s.kernel };
            matmul(&mut dx, shifted, w_tap, tap > 0, true);
        }
        grads.input = Some(dx);
    }
    grads
}
