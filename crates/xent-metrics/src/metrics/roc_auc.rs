//! Area under the ROC curve, one class against the rest.

/// Maps a finite `f32` to a `u32` whose unsigned order is the float order.
#[inline]
fn order_key(v: f32) -> u32 {
    let b = v.to_bits();
    if b & 0x8000_0000 != 0 { !b } else { b | 0x8000_0000 }
}

/// ROC-AUC of `scores` for the positives marked in `positive`, with optional sample weights:
/// the trapezoidal area under the (weighted) ROC curve, which equals the Mann–Whitney statistic
/// with ties counted ½ (scikit-learn's `roc_auc_score`). `None` when there are no positives or
/// no negatives (undefined).
///
/// Runs in O(N): one radix sort (`radsort`) of packed 64-bit keys.
pub fn roc_auc(scores: &[f32], positive: &[bool], weights: Option<&[f32]>) -> Option<f64> {
    let n = scores.len();
    // Sort key: descending score in the high 32 bits; below it the sample index (weighted) or
    // just the positive flag (unweighted, which keeps the scan free of random memory access).
    let mut keys: Vec<u64> = (0..n)
        .map(|i| {
            let low = if weights.is_some() { i as u64 } else { u64::from(positive[i]) };
            (u64::from(!order_key(scores[i])) << 32) | low
        })
        .collect();
    radsort::sort(&mut keys);
    let (mut tp, mut fp, mut area) = (0.0f64, 0.0f64, 0.0f64);
    let mut j = 0;
    while j < n {
        let score_key = keys[j] >> 32;
        let (mut gtp, mut gfp) = (0.0, 0.0);
        while j < n && keys[j] >> 32 == score_key {
            let low = keys[j] & 0xFFFF_FFFF;
            let (is_positive, w) = match weights {
                Some(w) => (positive[low as usize], f64::from(w[low as usize])),
                None => (low == 1, 1.0),
            };
            if is_positive {
                gtp += w;
            } else {
                gfp += w;
            }
            j += 1;
        }
        area += gfp * (tp + gtp / 2.0);
        tp += gtp;
        fp += gfp;
    }
    (tp > 0.0 && fp > 0.0).then(|| area / (tp * fp))
}

/// Values gathered per column block: at most this many `f32` (16 MiB) per block in flight.
const BLOCK_VALUES: usize = 1 << 22;

/// One-vs-rest ROC-AUC of every column of the row-major `rows × cols` matrix `scores`, where
/// `positive(row, col)` marks the positives of column `col`. Columns are gathered a block at a time
/// (each row's block is contiguous), so the work is one pass over the matrix plus one O(N) sort per
/// column, and extra memory is bounded by the block, not the matrix.
pub fn roc_auc_columns(
    scores: &[f32],
    cols: usize,
    positive: impl Fn(usize, usize) -> bool + Sync,
    weights: Option<&[f32]>,
) -> Vec<Option<f64>> {
    use rayon::prelude::*;
    if cols == 0 {
        return Vec::new();
    }
    let rows = scores.len() / cols;
    let block = (BLOCK_VALUES / rows.max(1)).clamp(1, 64);
    let starts: Vec<usize> = (0..cols).step_by(block).collect();
    starts
        .par_iter()
        .flat_map_iter(|&c0| {
            let width = block.min(cols - c0);
            let mut columns = vec![Vec::with_capacity(rows); width];
            for row in scores.chunks_exact(cols) {
                for (col, &v) in columns.iter_mut().zip(&row[c0..c0 + width]) {
                    col.push(v);
                }
            }
            let positive = &positive;
            columns.into_iter().enumerate().map(move |(j, col)| {
                let pos: Vec<bool> = (0..rows).map(|i| positive(i, c0 + j)).collect();
                roc_auc(&col, &pos, weights)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_reversed_and_tied() {
        let pos = [true, true, false, false];
        assert_eq!(roc_auc(&[0.9, 0.8, 0.2, 0.1], &pos, None), Some(1.0));
        assert_eq!(roc_auc(&[0.1, 0.2, 0.8, 0.9], &pos, None), Some(0.0));
        assert_eq!(roc_auc(&[0.5; 4], &pos, None), Some(0.5));
        assert_eq!(roc_auc(&[0.5, -0.5], &[true, true], None), None);
    }

    #[test]
    fn matches_pair_counting_on_small_example() {
        // Pairs (pos, neg): (0.8,0.6) win, (0.8,0.8) tie, (0.4,0.6) loss, (0.4,0.8) loss → 1.5/4.
        let auc = roc_auc(&[0.8, 0.4, 0.6, 0.8], &[true, true, false, false], None).unwrap();
        assert!((auc - 0.375).abs() < 1e-12);
        // Negative scores order correctly.
        let auc = roc_auc(&[-0.1, -2.0], &[true, false], None).unwrap();
        assert_eq!(auc, 1.0);
        // Weighted: the pair (0.4 pos, w 3) vs (0.6 neg) loses; (0.8 pos, w 1) wins; area 1/4.
        let auc = roc_auc(&[0.8, 0.4, 0.6], &[true, true, false], Some(&[1.0, 3.0, 1.0])).unwrap();
        assert!((auc - 0.25).abs() < 1e-12);
    }

    #[test]
    fn columns_match_one_at_a_time() {
        let m = [0.1f32, 0.9, 0.5, 0.7, 0.2, 0.1, 0.3, 0.3, 0.4, 0.6, 0.8, 0.2];
        let labels = [1usize, 0, 2, 1];
        let all = roc_auc_columns(&m, 3, |i, c| labels[i] == c, None);
        for (c, auc) in all.iter().enumerate() {
            let col: Vec<f32> = m.iter().skip(c).step_by(3).copied().collect();
            let pos: Vec<bool> = labels.iter().map(|&l| l == c).collect();
            assert_eq!(*auc, roc_auc(&col, &pos, None));
        }
    }
}
