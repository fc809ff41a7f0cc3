//! 1-D and 2-D max pooling on contiguous `f32` slices, one plane (`batch × channel`) at a time.
//!
//! Burn 0.22's flex backend pools with a scalar loop per output (about 15 ns each, through its
//! 3-D pool even for 1-D) and stores `i64` indices. Here the forward pass is a plain window
//! maximum, and the backward pass finds each window's maximum again instead of storing indices:
//! both are streaming loops over the plane. A 1-D pool is the case `h = Axis::UNIT`.
//!
//! Padding is implicit `−∞` (a padded position is never the maximum); within a window the first
//! maximum in row-major order wins, which is also where Burn sends the gradient.

use super::conv::Axis;
use super::{par_written, par_zeroed, vectorised};

/// The geometry of a max pool with dilation 1 and symmetric padding (`pad_lo == pad_hi`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolShape {
    /// Number of independent planes, `batch × channels`.
    pub planes: usize,
    /// The vertical axis ([`Axis::UNIT`] for a 1-D pool).
    pub h: Axis,
    /// The horizontal axis.
    pub w: Axis,
}

impl PoolShape {
    /// Output positions per plane; `None` if an axis has no output or could have a window
    /// entirely in the padding (`padding > kernel / 2`, which Burn rejects too).
    pub fn positions_out(&self) -> Option<usize> {
        let ok = |a: &Axis| a.pad_lo == a.pad_hi && a.pad_lo <= a.kernel / 2;
        (ok(&self.h) && ok(&self.w)).then_some(())?;
        Some(self.h.len_out()? * self.w.len_out()?)
    }

    fn plane_in(&self) -> usize {
        self.h.len_in * self.w.len_in
    }

    /// Input positions of window `o` on `axis`, clipped to the input.
    #[inline]
    fn window(axis: &Axis, o: usize) -> std::ops::Range<usize> {
        let start = o * axis.stride;
        start.saturating_sub(axis.pad_lo)..(start + axis.kernel).saturating_sub(axis.pad_lo).min(axis.len_in)
    }

    /// Planes handed to one rayon task.
    fn planes_per_task(&self) -> usize {
        (16_384 / self.plane_in().max(1)).max(1)
    }

    /// Non-overlapping 2-wide windows along the width (`kernel = stride = 2`, no padding) and
    /// height 1 or 2 the same way: the common `MaxPool(2)` / `MaxPool(2×2)`.
    fn pairs(&self) -> Option<usize> {
        let two = |a: &Axis| a.kernel == 2 && a.stride == 2 && a.pad_lo == 0;
        (two(&self.w) && (self.h == Axis::UNIT || two(&self.h))).then_some(if self.h == Axis::UNIT { 1 } else { 2 })
    }

    /// Windows of two rows and one column (`kernel = stride = [2, 1]`, no padding): a 1-D
    /// `MaxPool(2)` over a channels-last `[length, channels]` plane, each output row the
    /// element-wise maximum of two input rows.
    fn row_pairs(&self) -> bool {
        let h = &self.h;
        let w = &self.w;
        h.kernel == 2 && h.stride == 2 && h.pad_lo == 0 && w.kernel == 1 && w.stride == 1 && w.pad_lo == 0
    }

    /// The windows of every plane, worked out once per pass.
    fn windows(&self) -> Windows {
        let pairs = self.pairs();
        let clipped = |axis: &Axis| match pairs {
            Some(_) => Vec::new(),
            None => (0..axis.lo()).map(|o| Self::window(axis, o)).collect(),
        };
        Windows { pairs, rows: clipped(&self.h), cols: clipped(&self.w) }
    }

    /// Calls `visit(o, p)` for every output `o` of `plane` with `p` the index of its window's
    /// first maximum (row-major).
    #[inline]
    fn for_each_argmax(&self, windows: &Windows, plane: &[f32], mut visit: impl FnMut(usize, usize)) {
        let (wi, wo) = (self.w.len_in, self.w.lo());
        if let Some(rows) = windows.pairs {
            for oh in 0..self.h.lo() {
                let top = &plane[oh * rows * wi..][..wi];
                let bottom = if rows == 2 { &plane[(2 * oh + 1) * wi..][..wi] } else { top };
                for ow in 0..wo {
                    let (c, mut best, mut at) = (2 * ow, top[2 * ow], oh * rows * wi + 2 * ow);
                    if top[c + 1] > best {
                        (best, at) = (top[c + 1], at + 1);
                    }
                    if rows == 2 {
                        let below = (2 * oh + 1) * wi + c;
                        if bottom[c] > best {
                            (best, at) = (bottom[c], below);
                        }
                        if bottom[c + 1] > best {
                            at = below + 1;
                        }
                    }
                    visit(oh * wo + ow, at);
                }
            }
            return;
        }
        for (oh, rows) in windows.rows.iter().enumerate() {
            for (ow, cols) in windows.cols.iter().enumerate() {
                let mut at = rows.start * wi + cols.start;
                for r in rows.clone() {
                    for p in r * wi + cols.start..r * wi + cols.end {
                        if plane[p] > plane[at] {
                            at = p;
                        }
                    }
                }
                visit(oh * wo + ow, at);
            }
        }
    }
}

/// The maximum of a 2×2 window in row-major order and the index of its first occurrence (the
/// order and comparisons of [`PoolShape::for_each_argmax`]).
#[inline(always)]
fn first_max4(v: [f32; 4]) -> (f32, u8) {
    let (mut best, mut at) = (v[0], 0u8);
    if v[1] > best {
        (best, at) = (v[1], 1);
    }
    if v[2] > best {
        (best, at) = (v[2], 2);
    }
    if v[3] > best {
        (best, at) = (v[3], 3);
    }
    (best, at)
}

/// A pool's windows: the pair fast path ([`PoolShape::pairs`]: 1 or 2 rows), or each output
/// row's and column's clipped input range.
struct Windows {
    pairs: Option<usize>,
    rows: Vec<std::ops::Range<usize>>,
    cols: Vec<std::ops::Range<usize>>,
}

// The fast paths' loops, each a function of its own so that [`vectorised`] compiles it for the
// CPU's widest vectors with the slices known not to alias. Ties go to the first maximum.

/// Rows of pairs (channels-last `MaxPool(2)`): each output row the element-wise maximum of two
/// input rows of `width`.
#[inline(always)]
fn row_pairs_forward(dst: &mut [f32], plane: &[f32], width: usize) {
    for (oh, row) in dst.chunks_exact_mut(width).enumerate() {
        let (top, bottom) = (&plane[2 * oh * width..][..width], &plane[(2 * oh + 1) * width..][..width]);
        for ((d, &t), &b) in row.iter_mut().zip(top).zip(bottom) {
            *d = if b > t { b } else { t };
        }
    }
}

/// 1-D `MaxPool(2)`: the maximum of each pair.
#[inline(always)]
pub(super) fn pairs_forward(dst: &mut [f32], plane: &[f32]) {
    for (d, pair) in dst.iter_mut().zip(plane.chunks_exact(2)) {
        *d = if pair[1] > pair[0] { pair[1] } else { pair[0] };
    }
}

/// `MaxPool(2×2)` of a plane `width_in` wide: two rows of pairs at a time.
#[inline(always)]
pub(super) fn squares_forward(dst: &mut [f32], plane: &[f32], width_in: usize, width_out: usize) {
    for (oh, row) in dst.chunks_exact_mut(width_out).enumerate() {
        let (top, bottom) = (&plane[2 * oh * width_in..][..2 * width_out], &plane[(2 * oh + 1) * width_in..][..2 * width_out]);
        for ((d, t), b) in row.iter_mut().zip(top.chunks_exact(2)).zip(bottom.chunks_exact(2)) {
            *d = first_max4([t[0], t[1], b[0], b[1]]).0;
        }
    }
}

/// Backward of [`row_pairs_forward`]: each input row gets the gradient where it holds the first
/// maximum (a leftover odd row is not written).
#[inline(always)]
fn row_pairs_backward(dst: &mut [f32], plane: &[f32], dy: &[f32], width: usize) {
    for (oh, g) in dy.chunks_exact(width).enumerate() {
        let (top, bottom) = (&plane[2 * oh * width..][..width], &plane[(2 * oh + 1) * width..][..width]);
        let (d_top, d_bottom) = dst[2 * oh * width..][..2 * width].split_at_mut(width);
        for ((((dt, db), &t), &b), &g) in d_top.iter_mut().zip(d_bottom).zip(top).zip(bottom).zip(g) {
            let second = b > t;
            *dt = if second { 0.0 } else { g };
            *db = if second { g } else { 0.0 };
        }
    }
}

/// Backward of [`squares_forward`]: each input gets its window's gradient where it holds the
/// window's first maximum (the comparisons of [`first_max4`], as masks instead of branches) and
/// 0 elsewhere; a leftover odd column or row gets 0, so every input of the plane is written.
#[inline(always)]
fn squares_backward(dst: &mut [f32], plane: &[f32], dy: &[f32], width_in: usize, width_out: usize) {
    let n = 2 * width_out;
    for (oh, g) in dy.chunks_exact(width_out).enumerate() {
        let (top, bottom) = (&plane[2 * oh * width_in..][..n], &plane[(2 * oh + 1) * width_in..][..n]);
        let (d_top, d_bottom) = dst[2 * oh * width_in..][..2 * width_in].split_at_mut(width_in);
        let (d_top, d_bottom, g) = (&mut d_top[..n], &mut d_bottom[..n], &g[..width_out]);
        for ow in 0..width_out {
            let (a, b, c, d) = (top[2 * ow], top[2 * ow + 1], bottom[2 * ow], bottom[2 * ow + 1]);
            let first = b > a;
            let best = if first { b } else { a };
            let second = c > best;
            let best = if second { c } else { best };
            let third = d > best;
            let g = g[ow];
            d_top[2 * ow] = if first | second | third { 0.0 } else { g };
            d_top[2 * ow + 1] = if first & !(second | third) { g } else { 0.0 };
            d_bottom[2 * ow] = if second & !third { g } else { 0.0 };
            d_bottom[2 * ow + 1] = if third { g } else { 0.0 };
        }
        if width_in > n {
            (dst[2 * oh * width_in + n], dst[(2 * oh + 1) * width_in + n]) = (0.0, 0.0);
        }
    }
    let rows = dy.len() / width_out;
    dst[2 * rows * width_in..].fill(0.0);
}

/// Backward of [`pairs_forward`]: each input gets its pair's gradient or 0 (a leftover odd
/// position is not written).
#[inline(always)]
fn pairs_backward(dst: &mut [f32], plane: &[f32], dy: &[f32]) {
    for ((d, x), &g) in dst.chunks_exact_mut(2).zip(plane.chunks_exact(2)).zip(dy) {
        let second = x[1] > x[0];
        d[0] = if second { 0.0 } else { g };
        d[1] = if second { g } else { 0.0 };
    }
}

/// Forward pass: `[planes, height_out · width_out]`.
pub fn forward(s: &PoolShape, x: &[f32]) -> Vec<f32> {
    let (plane_in, plane_out) = (s.plane_in(), s.positions_out().expect("pool geometry checked by the caller"));
    assert_eq!(x.len(), s.planes * plane_in, "input has the wrong size");
    if plane_out == 0 || plane_in == 0 {
        return vec![0.0f32; s.planes * plane_out];
    }
    let (step, windows) = (s.planes_per_task(), s.windows());
    let fill = |task: usize, out: &mut [f32]| {
        let x = &x[task * plane_in * step..];
        for (dst, plane) in out.chunks_exact_mut(plane_out).zip(x.chunks_exact(plane_in)) {
            if s.row_pairs() {
                vectorised(#[inline(always)] || row_pairs_forward(dst, plane, s.w.len_in));
            } else if windows.pairs == Some(1) {
                vectorised(#[inline(always)] || pairs_forward(dst, plane));
            } else if windows.pairs == Some(2) {
                vectorised(#[inline(always)] || squares_forward(dst, plane, s.w.len_in, s.w.lo()));
            } else {
                s.for_each_argmax(&windows, plane, |o, p| dst[o] = plane[p]);
            }
        }
    };
    if s.row_pairs() || matches!(windows.pairs, Some(1 | 2)) {
        // SAFETY: the loops over pairs, rows of pairs and squares write every output of a plane.
        unsafe { par_written(s.planes * plane_out, plane_out * step, fill) }
    } else {
        par_zeroed(s.planes * plane_out, plane_out * step, fill)
    }
}

/// Backward pass: the input gradient `[planes, height · width]` from the output gradient `dy`.
pub fn backward(s: &PoolShape, x: &[f32], dy: &[f32]) -> Vec<f32> {
    let (plane_in, plane_out) = (s.plane_in(), s.positions_out().expect("pool geometry checked by the caller"));
    assert_eq!(x.len(), s.planes * plane_in, "input has the wrong size");
    assert_eq!(dy.len(), s.planes * plane_out, "output gradient has the wrong size");
    if plane_out == 0 || plane_in == 0 {
        return vec![0.0f32; x.len()];
    }
    let (step, windows) = (s.planes_per_task(), s.windows());
    let (pairs, squares) = (s.row_pairs() || windows.pairs == Some(1), windows.pairs == Some(2));
    let fill = |task: usize, dx: &mut [f32]| {
        let (x, dy) = (&x[task * plane_in * step..], &dy[task * plane_out * step..]);
        for ((dst, plane), g) in dx.chunks_exact_mut(plane_in).zip(x.chunks_exact(plane_in)).zip(dy.chunks_exact(plane_out)) {
            if squares {
                vectorised(#[inline(always)] || squares_backward(dst, plane, g, s.w.len_in, s.w.lo()));
                continue;
            }
            if !pairs {
                s.for_each_argmax(&windows, plane, |o, p| dst[p] += g[o]);
                continue;
            }
            if s.row_pairs() {
                vectorised(#[inline(always)] || row_pairs_backward(dst, plane, g, s.w.len_in));
            } else {
                vectorised(#[inline(always)] || pairs_backward(dst, plane, g));
            }
            // Both write the first `2 · dy` inputs (whole pairs, whole pairs of rows); a leftover
            // odd position or row gets 0.
            dst[2 * g.len()..].fill(0.0);
        }
    };
    if pairs || squares {
        // SAFETY: with pairs or squares `fill` writes every input gradient of a plane (above).
        unsafe { par_written(x.len(), plane_in * step, fill) }
    } else {
        par_zeroed(x.len(), plane_in * step, fill)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(n: usize) -> Vec<f32> {
        (0..n).map(|i| (i as f32 * 1.618).sin() * 3.0).collect()
    }

    fn line(len_in: usize, kernel: usize, stride: usize, pad: usize) -> Axis {
        Axis { len_in, kernel, stride, pad_lo: pad, pad_hi: pad }
    }

    fn shapes() -> Vec<PoolShape> {
        let one_d = |planes, w| PoolShape { planes, h: Axis::UNIT, w };
        vec![
            one_d(5, line(13, 2, 2, 0)),
            one_d(5, line(12, 2, 2, 0)),
            one_d(5, line(13, 3, 1, 1)),
            one_d(5, line(13, 3, 2, 0)),
            one_d(5, line(13, 4, 3, 2)),
            one_d(5000, line(7, 7, 7, 0)),
            PoolShape { planes: 6, h: line(24, 2, 2, 0), w: line(24, 2, 2, 0) },
            PoolShape { planes: 4, h: line(7, 2, 2, 0), w: line(9, 2, 2, 0) },
            PoolShape { planes: 3, h: line(7, 3, 2, 1), w: line(6, 2, 1, 1) },
            PoolShape { planes: 3, h: line(9, 2, 2, 0), w: line(5, 1, 1, 0) },
            PoolShape { planes: 2, h: line(8, 2, 2, 0), w: line(32, 1, 1, 0) },
        ]
    }

    /// Maximum over the window by definition (padding never wins).
    fn window_max(s: &PoolShape, plane: &[f32], oh: usize, ow: usize) -> f32 {
        let mut m = f32::NEG_INFINITY;
        for i in 0..s.h.kernel {
            for j in 0..s.w.kernel {
                if let (Some(p), Some(q)) = (s.h.source(oh, i), s.w.source(ow, j)) {
                    m = m.max(plane[p * s.w.len_in + q]);
                }
            }
        }
        m
    }

    #[test]
    fn forward_takes_the_window_maximum_with_minus_infinity_padding() {
        for s in shapes() {
            let x = values(s.planes * s.plane_in());
            let (po, wo) = (s.positions_out().unwrap(), s.w.lo());
            let got = forward(&s, &x);
            for r in 0..s.planes {
                let plane = &x[r * s.plane_in()..][..s.plane_in()];
                for o in 0..po {
                    assert_eq!(got[r * po + o], window_max(&s, plane, o / wo, o % wo), "{s:?} plane {r} out {o}");
                }
            }
        }
    }

    #[test]
    fn backward_routes_each_gradient_to_its_window_maximum() {
        for s in shapes() {
            let x = values(s.planes * s.plane_in());
            let (po, wo) = (s.positions_out().unwrap(), s.w.lo());
            let dy: Vec<f32> = (0..s.planes * po).map(|i| i as f32 + 1.0).collect();
            let dx = backward(&s, &x, &dy);
            let mut want = vec![0.0f32; x.len()];
            for r in 0..s.planes {
                let plane = &x[r * s.plane_in()..][..s.plane_in()];
                for o in 0..po {
                    let m = window_max(&s, plane, o / wo, o % wo);
                    let p = plane.iter().position(|&v| v == m).unwrap(); // values are distinct
                    want[r * s.plane_in() + p] += dy[r * po + o];
                }
            }
            assert_eq!(dx, want, "{s:?}");
        }
    }

    #[test]
    fn ties_send_the_gradient_to_the_first_maximum() {
        let s = PoolShape { planes: 1, h: Axis::UNIT, w: line(4, 2, 2, 0) };
        assert_eq!(backward(&s, &[1.0, 1.0, 0.0, 0.0], &[5.0, 7.0]), vec![5.0, 0.0, 7.0, 0.0]);
        // Row pairs (channels-last): a tie in the first column goes to the top row.
        let s = PoolShape { planes: 1, h: line(2, 2, 2, 0), w: line(2, 1, 1, 0) };
        assert_eq!(backward(&s, &[1.0, 0.0, 1.0, 3.0], &[5.0, 7.0]), vec![5.0, 0.0, 0.0, 7.0]);
        let s = PoolShape { planes: 1, h: line(2, 2, 2, 0), w: line(4, 2, 2, 0) };
        assert_eq!(backward(&s, &[0.0, 2.0, 1.0, 1.0, 2.0, 2.0, 1.0, 1.0], &[5.0, 7.0]), vec![0.0, 5.0, 7.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn impossible_geometries_have_no_output() {
        let s = PoolShape { planes: 1, h: Axis::UNIT, w: line(1, 2, 2, 0) };
        assert_eq!(s.positions_out(), None);
        assert_eq!(PoolShape { w: line(8, 2, 2, 2), ..s }.positions_out(), None);
    }
}
