//! Top-k accuracy with `tf.math.in_top_k` semantics.

/// Whether class `target` is among the top `k` scores, counting every class tied with the k-th
/// largest score as inside (TensorFlow's `in_top_k`, used by Keras's `top_k_categorical_accuracy`):
/// true iff fewer than `k` scores are strictly greater than the target's. A row with a non-finite
/// score is never a hit, as in TensorFlow.
#[inline]
pub fn in_top_k(scores: &[f32], target: usize, k: usize) -> bool {
    rank_above(scores, target).is_some_and(|above| above < k)
}

/// How many scores are strictly greater than the target's; `None` when the target is out of
/// range or a score is not finite (never a hit, as in TensorFlow).
#[inline]
pub fn rank_above(scores: &[f32], target: usize) -> Option<usize> {
    let &s = scores.get(target)?;
    let mut above = 0;
    let mut finite = true;
    for &v in scores {
        finite &= v.is_finite();
        above += usize::from(v > s);
    }
    finite.then_some(above)
}

/// Top-k accuracy accumulator. Averaging: over samples (weighted `Σ vᵢwᵢ / Σ wᵢ`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TopKAccuracy {
    k: usize,
    hits: f64,
    total: f64,
}

impl TopKAccuracy {
    /// A new accumulator for `k`.
    pub fn new(k: usize) -> Self {
        Self { k, hits: 0.0, total: 0.0 }
    }

    /// The `k` this accumulator counts.
    pub fn k(&self) -> usize {
        self.k
    }

    /// Adds one sample.
    #[inline]
    pub fn update(&mut self, scores: &[f32], target: usize, weight: f32) {
        self.update_ranked(rank_above(scores, target), weight);
    }

    /// Adds one sample given [`rank_above`] of its target, so several k share one scan.
    #[inline]
    pub fn update_ranked(&mut self, above: Option<usize>, weight: f32) {
        if above.is_some_and(|a| a < self.k) {
            self.hits += f64::from(weight);
        }
        self.total += f64::from(weight);
    }

    /// Adds another accumulator's counts (same `k`).
    pub fn merge(&mut self, other: &Self) {
        self.hits += other.hits;
        self.total += other.total;
    }

    /// The accuracy so far (0 when nothing was added).
    pub fn value(&self) -> f64 {
        if self.total > 0.0 { self.hits / self.total } else { 0.0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_with_the_kth_value_count_as_inside() {
        let s = [0.25, 0.25, 0.25, 0.25];
        assert!(in_top_k(&s, 3, 1));
        let s = [0.4, 0.3, 0.3, 0.0];
        assert!(in_top_k(&s, 2, 2));
        assert!(!in_top_k(&s, 3, 2));
        assert!(!in_top_k(&[f32::NAN, 0.5], 1, 2));
    }
}
