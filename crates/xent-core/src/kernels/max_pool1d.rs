//! 1-D max pooling on contiguous `f32` slices, one row (`batch × channel`) at a time.
//!
//! Burn 0.22's flex backend has no 1-D pool: it runs a 2-D/3-D pool with a scalar loop per output
//! (about 15 ns each) and stores `i64` indices. Here the forward pass is a plain window maximum,
//! and the backward pass finds each window's maximum again instead of storing indices: both are
//! streaming loops over the row.
//!
//! Padding is implicit `−∞` (a padded position is never the maximum); within a window the first
//! maximum wins, which is also where Burn sends the gradient.

use rayon::prelude::*;

/// The geometry of a 1-D max pool with dilation 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaxPool1dShape {
    /// Number of independent rows, `batch × channels`.
    pub rows: usize,
    /// Input length.
    pub length_in: usize,
    /// Window width.
    pub kernel: usize,
    /// Stride (≥ 1).
    pub stride: usize,
    /// Implicit `−∞` positions on each side.
    pub padding: usize,
}

impl MaxPool1dShape {
    /// Output length `⌊(length_in + 2·padding − kernel) / stride⌋ + 1`; `None` if the padded input
    /// is shorter than the window, the stride or window is zero, or a window could fall entirely
    /// in the padding (`padding > kernel / 2`, which Burn rejects too).
    pub fn length_out(&self) -> Option<usize> {
        let padded = self.length_in + 2 * self.padding;
        (self.stride > 0 && self.kernel > 0 && padded >= self.kernel && self.padding <= self.kernel / 2)
            .then(|| (padded - self.kernel) / self.stride + 1)
    }

    fn lo(&self) -> usize {
        self.length_out().expect("pool geometry checked by the caller")
    }

    /// Input positions of window `o`, clipped to the input.
    #[inline]
    fn window(&self, o: usize) -> std::ops::Range<usize> {
        let start = o * self.stride;
        start.saturating_sub(self.padding)..(start + self.kernel).saturating_sub(self.padding).min(self.length_in)
    }

    /// Position of the first maximum of window `o` in `row`.
    #[inline]
    fn argmax(&self, row: &[f32], o: usize) -> usize {
        let w = self.window(o);
        let mut best = w.start;
        for p in w.start + 1..w.end {
            if row[p] > row[best] {
                best = p;
            }
        }
        best
    }
}

/// Rows handed to one rayon task.
fn rows_per_task(s: &MaxPool1dShape) -> usize {
    (16_384 / s.length_in.max(1)).max(1)
}

/// Forward pass: `[rows, length_out]`.
pub fn forward(s: &MaxPool1dShape, x: &[f32]) -> Vec<f32> {
    let lo = s.lo();
    assert_eq!(x.len(), s.rows * s.length_in, "input has the wrong size");
    let mut out = vec![0.0f32; s.rows * lo];
    if lo == 0 || s.length_in == 0 {
        return out;
    }
    let step = rows_per_task(s);
    out.par_chunks_mut(lo * step).zip(x.par_chunks(s.length_in * step)).for_each(|(out, x)| {
        for (dst, row) in out.chunks_exact_mut(lo).zip(x.chunks_exact(s.length_in)) {
            if s.kernel == 2 && s.stride == 2 && s.padding == 0 {
                // The common MaxPool(2): pairs, in a loop the compiler vectorises.
                for (d, pair) in dst.iter_mut().zip(row.chunks_exact(2)) {
                    *d = if pair[1] > pair[0] { pair[1] } else { pair[0] };
                }
            } else {
                for (o, d) in dst.iter_mut().enumerate() {
                    *d = row[s.argmax(row, o)];
                }
            }
        }
    });
    out
}

/// Backward pass: the input gradient `[rows, length_in]` from the output gradient `dy`.
pub fn backward(s: &MaxPool1dShape, x: &[f32], dy: &[f32]) -> Vec<f32> {
    let lo = s.lo();
    assert_eq!(x.len(), s.rows * s.length_in, "input has the wrong size");
    assert_eq!(dy.len(), s.rows * lo, "output gradient has the wrong size");
    let mut dx = vec![0.0f32; x.len()];
    if lo == 0 || s.length_in == 0 {
        return dx;
    }
    let step = rows_per_task(s);
    dx.par_chunks_mut(s.length_in * step)
        .zip(x.par_chunks(s.length_in * step))
        .zip(dy.par_chunks(lo * step))
        .for_each(|((dx, x), dy)| {
            for ((dst, row), g) in dx.chunks_exact_mut(s.length_in).zip(x.chunks_exact(s.length_in)).zip(dy.chunks_exact(lo)) {
                for (o, &go) in g.iter().enumerate() {
                    dst[s.argmax(row, o)] += go;
                }
            }
        });
    dx
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(n: usize) -> Vec<f32> {
        (0..n).map(|i| (i as f32 * 1.618).sin() * 3.0).collect()
    }

    fn shapes() -> Vec<MaxPool1dShape> {
        let base = MaxPool1dShape { rows: 5, length_in: 13, kernel: 2, stride: 2, padding: 0 };
        vec![
            base,
            MaxPool1dShape { length_in: 12, ..base },
            MaxPool1dShape { kernel: 3, stride: 1, padding: 1, ..base },
            MaxPool1dShape { kernel: 3, stride: 2, ..base },
            MaxPool1dShape { kernel: 4, stride: 3, padding: 2, ..base },
            MaxPool1dShape { rows: 5000, length_in: 7, kernel: 7, stride: 7, padding: 0 },
        ]
    }

    #[test]
    fn forward_takes_the_window_maximum_with_minus_infinity_padding() {
        for s in shapes() {
            let x = values(s.rows * s.length_in);
            let lo = s.length_out().unwrap();
            let got = forward(&s, &x);
            for r in 0..s.rows {
                for o in 0..lo {
                    let want = (0..s.kernel)
                        .filter_map(|j| (o * s.stride + j).checked_sub(s.padding).filter(|&p| p < s.length_in))
                        .map(|p| x[r * s.length_in + p])
                        .fold(f32::NEG_INFINITY, f32::max);
                    assert_eq!(got[r * lo + o], want, "{s:?} row {r} out {o}");
                }
            }
        }
    }

    #[test]
    fn backward_routes_each_gradient_to_its_window_maximum() {
        for s in shapes() {
            let x = values(s.rows * s.length_in);
            let lo = s.length_out().unwrap();
            let dy: Vec<f32> = (0..s.rows * lo).map(|i| i as f32 + 1.0).collect();
            let dx = backward(&s, &x, &dy);
            let mut want = vec![0.0f32; x.len()];
            let y = forward(&s, &x);
            for r in 0..s.rows {
                for o in 0..lo {
                    let w = s.window(o);
                    let p = w.clone().find(|&p| x[r * s.length_in + p] == y[r * lo + o]).unwrap();
                    want[r * s.length_in + p] += dy[r * lo + o];
                }
            }
            assert_eq!(dx, want, "{s:?}");
        }
    }

    #[test]
    fn ties_send_the_gradient_to_the_first_maximum() {
        let s = MaxPool1dShape { rows: 1, length_in: 4, kernel: 2, stride: 2, padding: 0 };
        assert_eq!(backward(&s, &[1.0, 1.0, 0.0, 0.0], &[5.0, 7.0]), vec![5.0, 0.0, 7.0, 0.0]);
    }

    #[test]
    fn impossible_geometries_have_no_output_length() {
        let s = MaxPool1dShape { rows: 1, length_in: 1, kernel: 2, stride: 2, padding: 0 };
        assert_eq!(s.length_out(), None);
        assert_eq!(MaxPool1dShape { kernel: 2, padding: 2, length_in: 8, ..s }.length_out(), None);
    }
}
