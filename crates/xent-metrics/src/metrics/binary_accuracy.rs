//! Element-wise binary accuracy, as Keras's `binary_accuracy` / `BinaryAccuracy`.

/// Binary accuracy at a threshold: the fraction of the N·K outputs with
/// `y == (score > threshold)`.
///
/// Averaging: **element-wise over all N·K outputs** (micro over outputs). With sample weights the
/// weight of a sample applies to each of its K outputs: `Σᵢ wᵢ Σₖ vᵢₖ / (K Σᵢ wᵢ)`, which is what
/// Keras 3's `BinaryAccuracy` computes (and equals Keras 2's per-sample mean over K, then the
/// weighted mean over samples).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BinaryAccuracy {
    threshold: f32,
    correct: f64,
    total: f64,
}

impl BinaryAccuracy {
    /// A new accumulator; Keras's default threshold is 0.5.
    pub fn new(threshold: f32) -> Self {
        Self { threshold, correct: 0.0, total: 0.0 }
    }

    /// Adds one sample: its K targets (0/1), its K scores and its weight.
    #[inline]
    pub fn update(&mut self, y_true: &[f32], scores: &[f32], weight: f32) {
        let t = self.threshold;
        let hits = y_true
            .iter()
            .zip(scores)
            .filter(|&(&y, &s)| y == if s > t { 1.0 } else { 0.0 })
            .count();
        self.correct += f64::from(weight) * hits as f64;
        self.total += f64::from(weight) * y_true.len() as f64;
    }

    /// Adds another accumulator's counts.
    pub fn merge(&mut self, other: &Self) {
        self.correct += other.correct;
        self.total += other.total;
    }

    /// The accuracy so far (0 when nothing was added).
    pub fn value(&self) -> f64 {
        if self.total > 0.0 { self.correct / self.total } else { 0.0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_zeros_predictor_scores_k_minus_one_over_k() {
        // K = 5 one-hot targets, a predictor that outputs 0 everywhere: (K−1)/K = 0.8.
        let mut acc = BinaryAccuracy::new(0.5);
        for c in 0..5 {
            let mut y = [0.0; 5];
            y[c] = 1.0;
            acc.update(&y, &[0.0; 5], 1.0);
        }
        assert!((acc.value() - 0.8).abs() < 1e-12);
    }

    #[test]
    fn threshold_is_strict_like_keras_round() {
        let mut acc = BinaryAccuracy::new(0.5);
        acc.update(&[1.0], &[0.5], 1.0);
        assert_eq!(acc.value(), 0.0);
    }
}
