//! A checked, row-major view of the `gemm` crate (the GEMM that Burn's flex backend runs on).

/// A read-only strided matrix: element `(i, j)` is `data[i * row_stride + j * col_stride]`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MatRef<'a> {
    pub data: &'a [f32],
    pub rows: usize,
    pub cols: usize,
    pub row_stride: usize,
    pub col_stride: usize,
}

impl<'a> MatRef<'a> {
    /// A contiguous row-major `rows × cols` matrix.
    pub fn row_major(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self { data, rows, cols, row_stride: cols, col_stride: 1 }
    }

    /// The transpose, as a view (no copy).
    pub fn t(self) -> Self {
        Self {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
        }
    }

    fn check(&self) {
        if self.rows > 0 && self.cols > 0 {
            let last = (self.rows - 1) * self.row_stride + (self.cols - 1) * self.col_stride;
            assert!(last < self.data.len(), "matrix view out of bounds");
        }
    }
}

/// `lhs × rhs` as a new contiguous row-major `lhs.rows × rhs.cols` matrix, written by the GEMM
/// directly (no zero-filling first); `parallel` as in [`matmul`].
pub(crate) fn product(lhs: MatRef<'_>, rhs: MatRef<'_>, parallel: bool) -> Vec<f32> {
    let (m, n) = (lhs.rows, rhs.cols);
    if lhs.cols == 0 || m == 0 || n == 0 {
        return vec![0.0; m * n];
    }
    let mut out: Vec<f32> = Vec::with_capacity(m * n);
    // SAFETY: the vector's spare capacity holds at least `m · n` values; with `accumulate =
    // false` and an inner dimension above 0 the GEMM writes every one of them and reads none
    // (`gemm`'s `read_dst = false`), so all `m · n` are initialised afterwards.
    unsafe {
        gemm_raw(out.spare_capacity_mut().as_mut_ptr().cast::<f32>(), lhs, rhs, false, parallel);
        out.set_len(m * n);
    }
    out
}

/// `dst = lhs × rhs` (or `dst += lhs × rhs` with `accumulate`), `dst` contiguous row-major
/// `lhs.rows × rhs.cols`. `parallel` lets the GEMM split its work over the rayon pool; callers
/// that already run one GEMM per rayon task pass `false`.
pub(crate) fn matmul(dst: &mut [f32], lhs: MatRef<'_>, rhs: MatRef<'_>, accumulate: bool, parallel: bool) {
    assert_eq!(rhs.rows, lhs.cols, "inner dimensions differ");
    assert_eq!(dst.len(), lhs.rows * rhs.cols, "destination has the wrong size");
    if lhs.cols == 0 {
        if !accumulate {
            dst.fill(0.0);
        }
        return;
    }
    // SAFETY: `dst` holds `lhs.rows × rhs.cols` initialised values (checked above) and is
    // borrowed mutably, so it aliases neither input.
    unsafe { gemm_raw(dst.as_mut_ptr(), lhs, rhs, accumulate, parallel) }
}

/// The GEMM behind [`matmul`] and [`product`], into `dst` (row-major, `lhs.rows × rhs.cols`),
/// for an inner dimension above 0. Checks that the views fit their slices.
///
/// # Safety
///
/// `dst` must be valid for writes of `lhs.rows × rhs.cols` values (and for reads of them, all
/// initialised, with `accumulate`), and overlap neither input.
unsafe fn gemm_raw(dst: *mut f32, lhs: MatRef<'_>, rhs: MatRef<'_>, accumulate: bool, parallel: bool) {
    let (m, k, n) = (lhs.rows, lhs.cols, rhs.cols);
    assert_eq!(rhs.rows, k, "inner dimensions differ");
    assert!(k > 0, "the inner dimension must not be empty");
    lhs.check();
    rhs.check();
    if m == 0 || n == 0 {
        return;
    }
    let parallelism = if parallel && m * n * k >= 64 * 64 * 64 {
        gemm::Parallelism::Rayon(0)
    } else {
        gemm::Parallelism::None
    };
    // SAFETY: every index the GEMM reads is inside the input slices (checked above: the last
    // element of each view is in bounds, strides are non-negative); `dst` is the caller's. Without
    // `accumulate` (`read_dst = false`) the GEMM only writes `dst`.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst,
            1,
            n as isize,
            accumulate,
            lhs.data.as_ptr(),
            lhs.col_stride as isize,
            lhs.row_stride as isize,
            rhs.data.as_ptr(),
            rhs.col_stride as isize,
            rhs.row_stride as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: MatRef<'_>, b: MatRef<'_>) -> Vec<f32> {
        let mut out = vec![0.0; a.rows * b.cols];
        for i in 0..a.rows {
            for j in 0..b.cols {
                out[i * b.cols + j] = (0..a.cols)
                    .map(|p| a.data[i * a.row_stride + p * a.col_stride] * b.data[p * b.row_stride + j * b.col_stride])
                    .sum();
            }
        }
        out
    }

    #[test]
    fn matches_a_naive_product_with_transposed_views_and_accumulation() {
        let a: Vec<f32> = (0..15).map(|v| v as f32 * 0.5 - 3.0).collect(); // 3×5
        let b: Vec<f32> = (0..20).map(|v| (v as f32).sin()).collect(); // 4×5, used transposed
        let (a, b) = (MatRef::row_major(&a, 3, 5), MatRef::row_major(&b, 4, 5).t());
        let want = naive(a, b);
        let mut got = vec![0.0; 12];
        matmul(&mut got, a, b, false, false);
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).abs() < 1e-5, "{g} vs {w}");
        }
        matmul(&mut got, a, b, true, true);
        for (g, w) in got.iter().zip(&want) {
            assert!((g - 2.0 * w).abs() < 1e-5);
        }
    }
}
