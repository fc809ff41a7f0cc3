//! A matrix transpose in 16 × 16 tiles, for the kernels that switch between channels-first and
//! channels-innermost layouts.
//!
//! Written element by element, a transpose whose stride is a multiple of a cache line's size
//! maps every store of one pass onto a few sets of the L1 cache: the MNIST CNN's
//! `[64 channels][576 positions]` → `[576][64]` evicted its own lines and took most of the Winograd
//! transforms' time (`docs/performance.md`, section 27). In tiles, each of the 16 rows written is
//! filled while it is still in cache.

/// Side of a tile.
const TILE: usize = 16;

/// `dst[c · rows + r] = src[r · cols + c]`: `src` `[rows][cols]` row-major into `dst` `[cols][rows]`.
///
/// # Panics
///
/// If either slice does not hold `rows · cols` values.
pub(crate) fn transpose(src: &[f32], rows: usize, cols: usize, dst: &mut [f32]) {
    assert_eq!(src.len(), rows * cols, "source has the wrong size");
    assert_eq!(dst.len(), rows * cols, "destination has the wrong size");
    let (full_rows, full_cols) = (rows / TILE * TILE, cols / TILE * TILE);
    for r0 in (0..full_rows).step_by(TILE) {
        for c0 in (0..full_cols).step_by(TILE) {
            // A whole tile through a local array: sixteen row loads, sixteen column stores.
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
    // The edges: the last columns of every row, then the last rows.
    let edge = |dst: &mut [f32], rs: std::ops::Range<usize>, cs: std::ops::Range<usize>| {
        for r in rs {
            for c in cs.clone() {
                dst[c * rows + r] = src[r * cols + c];
            }
        }
    };
    edge(dst, 0..full_rows, full_cols..cols);
    edge(dst, full_rows..rows, 0..cols);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every element lands at its transposed place, for shapes that are and are not multiples of
    /// the tile, and the transpose of the transpose is the original.
    #[test]
    fn moves_every_element_to_its_transposed_place() {
        for (rows, cols) in [(1, 1), (3, 5), (16, 16), (32, 676), (64, 576), (17, 33)] {
            let src: Vec<f32> = (0..rows * cols).map(|i| i as f32).collect();
            let mut dst = vec![f32::NAN; rows * cols];
            transpose(&src, rows, cols, &mut dst);
            for r in 0..rows {
                for c in 0..cols {
                    assert_eq!(dst[c * rows + r], src[r * cols + c], "{rows} × {cols} at ({r}, {c})");
                }
            }
            let mut back = vec![f32::NAN; rows * cols];
            transpose(&dst, cols, rows, &mut back);
            assert_eq!(back, src);
        }
    }
}
