//! A matrix transpose in 8 × 8 tiles (in AVX registers where the CPU has AVX), for the kernels
//! that switch between channels-first and channels-innermost layouts.
//!
//! Written element by element, a transpose is a scalar load and a strided store per value, each
//! store on another cache line; around the Winograd transforms of the MNIST CNN (`[100 channels]
//! [144 positions]` and back) that was a visible share of the `perf` profile. In tiles, eight
//! rows are read and eight written per tile, in AVX registers where the CPU has AVX.

/// Side of a tile.
const TILE: usize = 8;

/// `dst[c · rows + r] = src[r · cols + c]`: `src` `[rows][cols]` row-major into `dst` `[cols][rows]`.
///
/// # Panics
///
/// If either slice does not hold `rows · cols` values.
pub(crate) fn transpose(src: &[f32], rows: usize, cols: usize, dst: &mut [f32]) {
    assert_eq!(src.len(), rows * cols, "source has the wrong size");
    assert_eq!(dst.len(), rows * cols, "destination has the wrong size");
    let (full_rows, full_cols) = (rows / TILE * TILE, cols / TILE * TILE);
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        for r0 in (0..full_rows).step_by(TILE) {
            for c0 in (0..full_cols).step_by(TILE) {
                // SAFETY: the CPU has AVX (checked above); rows r0..r0 + 8 of `src` hold columns
                // c0..c0 + 8, and rows c0..c0 + 8 of `dst` hold columns r0..r0 + 8 (the sizes are
                // asserted above and the tile lies within the full rows and columns).
                unsafe { avx::tile(src.as_ptr().add(r0 * cols + c0), cols, dst.as_mut_ptr().add(c0 * rows + r0), rows) };
            }
        }
        edges(src, rows, cols, dst, full_rows, full_cols);
        return;
    }
    portable(src, rows, cols, dst);
}

/// [`transpose`] without intrinsics.
fn portable(src: &[f32], rows: usize, cols: usize, dst: &mut [f32]) {
    let (full_rows, full_cols) = (rows / TILE * TILE, cols / TILE * TILE);
    for r0 in (0..full_rows).step_by(TILE) {
        for c0 in (0..full_cols).step_by(TILE) {
            // A whole tile through a local array: eight row loads, eight column stores.
            let mut tile = [[0.0f32; TILE]; TILE];
            for (r, row) in tile.iter_mut().enumerate() {
                row.copy_from_slice(&src[(r0 + r) * cols + c0..][..TILE]);
            }
            for c in 0..TILE {
                let mut column = [0.0f32; TILE];
                for (v, row) in column.iter_mut().zip(&tile) {
                    *v = row[c];
                }
                dst[(c0 + c) * rows + r0..][..TILE].copy_from_slice(&column);
            }
        }
    }
    edges(src, rows, cols, dst, full_rows, full_cols);
}

/// The elements outside the whole tiles, one by one: the last columns of every row, then the
/// last rows.
fn edges(src: &[f32], rows: usize, cols: usize, dst: &mut [f32], full_rows: usize, full_cols: usize) {
    let mut copy = |rs: std::ops::Range<usize>, cs: std::ops::Range<usize>| {
        for r in rs {
            for c in cs.clone() {
                dst[c * rows + r] = src[r * cols + c];
            }
        }
    };
    copy(0..full_rows, full_cols..cols);
    copy(full_rows..rows, 0..cols);
}

#[cfg(target_arch = "x86_64")]
mod avx {
    use std::arch::x86_64::*;

    /// One 8 × 8 tile in registers: eight row loads, three rounds of shuffles (pairs of
    /// elements, pairs of pairs, halves), eight row stores.
    ///
    /// # Safety
    ///
    /// The CPU has AVX; `src + r · src_stride` for r < 8 and `dst + c · dst_stride` for c < 8 each
    /// point to eight readable (writable) `f32`s.
    #[target_feature(enable = "avx")]
    pub(super) unsafe fn tile(src: *const f32, src_stride: usize, dst: *mut f32, dst_stride: usize) {
        // SAFETY: the caller guarantees every row read and written here.
        unsafe {
            let r: [__m256; 8] = std::array::from_fn(|i| _mm256_loadu_ps(src.add(i * src_stride)));
            let t = [
                _mm256_unpacklo_ps(r[0], r[1]),
                _mm256_unpackhi_ps(r[0], r[1]),
                _mm256_unpacklo_ps(r[2], r[3]),
                _mm256_unpackhi_ps(r[2], r[3]),
                _mm256_unpacklo_ps(r[4], r[5]),
                _mm256_unpackhi_ps(r[4], r[5]),
                _mm256_unpacklo_ps(r[6], r[7]),
                _mm256_unpackhi_ps(r[6], r[7]),
            ];
            let u = [
                _mm256_shuffle_ps::<0x44>(t[0], t[2]),
                _mm256_shuffle_ps::<0xEE>(t[0], t[2]),
                _mm256_shuffle_ps::<0x44>(t[1], t[3]),
                _mm256_shuffle_ps::<0xEE>(t[1], t[3]),
                _mm256_shuffle_ps::<0x44>(t[4], t[6]),
                _mm256_shuffle_ps::<0xEE>(t[4], t[6]),
                _mm256_shuffle_ps::<0x44>(t[5], t[7]),
                _mm256_shuffle_ps::<0xEE>(t[5], t[7]),
            ];
            let columns = [
                _mm256_permute2f128_ps::<0x20>(u[0], u[4]),
                _mm256_permute2f128_ps::<0x20>(u[1], u[5]),
                _mm256_permute2f128_ps::<0x20>(u[2], u[6]),
                _mm256_permute2f128_ps::<0x20>(u[3], u[7]),
                _mm256_permute2f128_ps::<0x31>(u[0], u[4]),
                _mm256_permute2f128_ps::<0x31>(u[1], u[5]),
                _mm256_permute2f128_ps::<0x31>(u[2], u[6]),
                _mm256_permute2f128_ps::<0x31>(u[3], u[7]),
            ];
            for (c, column) in columns.into_iter().enumerate() {
                _mm256_storeu_ps(dst.add(c * dst_stride), column);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every element lands at its transposed place, with and without the intrinsics, for shapes
    /// that are and are not multiples of the tile, and the transpose of the transpose is the
    /// original.
    #[test]
    fn moves_every_element_to_its_transposed_place() {
        for (rows, cols) in [(1, 1), (3, 5), (8, 8), (16, 16), (32, 676), (64, 576), (17, 33), (9, 26)] {
            let src: Vec<f32> = (0..rows * cols).map(|i| i as f32).collect();
            let mut dst = vec![f32::NAN; rows * cols];
            for way in [transpose, portable] {
                dst.fill(f32::NAN);
                way(&src, rows, cols, &mut dst);
                for r in 0..rows {
                    for c in 0..cols {
                        assert_eq!(dst[c * rows + r], src[r * cols + c], "{rows} × {cols} at ({r}, {c})");
                    }
                }
            }
            let mut back = vec![f32::NAN; rows * cols];
            transpose(&dst, cols, rows, &mut back);
            assert_eq!(back, src);
        }
    }
}
