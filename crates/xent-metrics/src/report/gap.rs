//! The one-paragraph explanation of a gap between the reported and the true accuracy.

use crate::loss::{Head, KerasLoss, LossConfig};

/// Gaps smaller than this (half a tenth of a point) are not explained.
pub const GAP_TOLERANCE: f64 = 0.0005;

/// Explains why `'accuracy'` would report `keras2` (Keras 2 rule) and `keras3` (Keras 3 rule)
/// instead of the true accuracy `true_acc`, for a `loss` model with `outputs` output units on
/// `classes` classes. `None` when both reported figures equal the true one.
pub fn explain(loss: LossConfig, outputs: usize, classes: usize, true_acc: f64, keras2: f64, keras3: f64) -> Option<String> {
    let pct = |v: f64| format!("{:.2} %", 100.0 * v);
    let gap2 = keras2 - true_acc;
    let gap3 = keras3 - true_acc;
    if gap2.abs() < GAP_TOLERANCE && gap3.abs() < GAP_TOLERANCE {
        return None;
    }
    let mut s = String::new();
    if gap2.abs() >= GAP_TOLERANCE {
        if loss.keras_loss() == KerasLoss::BinaryCrossentropy && outputs > 1 {
            let k = outputs as f64;
            let all_zeros = (k - 1.0) / k;
            let confident = 1.0 - 2.0 * (1.0 - true_acc) / k;
            s.push_str(&format!(
                "Under Keras 2 (and tf.keras in graph mode) `metrics=['accuracy']` with `loss='binary_crossentropy'` \
                 resolves to `binary_accuracy`, which thresholds each of the K = {outputs} outputs at 0.5 and averages \
                 over all N·K of them instead of asking whether the largest output is the true class. Every true \
                 zero counts as a hit, so an all-zeros predictor already scores (K−1)/K = {}",
                pct(all_zeros)
            ));
            if loss.head() == Head::Softmax {
                s.push_str(&format!(
                    "; with confident softmax outputs a wrong sample still scores (K−2)/K, so the reported figure is \
                     ≈ 1 − 2(1 − true)/K = {} for the true {}. Measured here: Keras 2 would report {} ({:+.2} pt).",
                    pct(confident),
                    pct(true_acc),
                    pct(keras2),
                    100.0 * gap2
                ));
            } else {
                s.push_str(&format!(
                    ". The K sigmoids need not sum to 1, so a sample can score anything from 0 to 1; measured here \
                     Keras 2 would report {} against the true {} ({:+.2} pt).",
                    pct(keras2),
                    pct(true_acc),
                    100.0 * gap2
                ));
            }
        } else {
            s.push_str(&format!(
                "Under the Keras 2 rule `'accuracy'` would report {} against the true {} ({:+.2} pt): the resolved \
                 metric ({}) decides differently from the argmax on some samples (e.g. ties, or a single sigmoid \
                 at a threshold other than 0.5).",
                pct(keras2),
                pct(true_acc),
                100.0 * gap2,
                if outputs == 1 { "binary accuracy" } else { "categorical accuracy" }
            ));
        }
    }
    if gap3.abs() >= GAP_TOLERANCE {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(&format!(
            "Keras 3 resolves `'accuracy'` from the output shape alone and would report {} ({:+.2} pt against the \
             true figure{}).",
            pct(keras3),
            100.0 * gap3,
            if outputs == 1 { "; one output unit means binary accuracy at the threshold" } else { "" }
        ));
    } else {
        s.push_str(&format!(
            " Keras 3 resolves `'accuracy'` from the output shape alone ({}), so it reports the true figure {}.",
            if outputs == 1 { "one unit: binary accuracy" } else { "K > 1 units: categorical accuracy" },
            pct(keras3)
        ));
    }
    if classes != outputs.max(2) {
        s.push_str(&format!(" (The data have {classes} classes and the model {outputs} outputs.)"));
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explains_the_binary_accuracy_inflation_with_computed_numbers() {
        let cfg = LossConfig::SoftmaxBinary(crate::loss::SoftmaxBinaryMode::Keras2Probabilities);
        let s = explain(cfg, 5, 5, 0.9, 0.96, 0.9).unwrap();
        assert!(s.contains("(K−1)/K = 80.00 %"), "{s}");
        assert!(s.contains("1 − 2(1 − true)/K = 96.00 %"), "{s}");
        assert!(s.contains("+6.00 pt"), "{s}");
        assert!(s.contains("reports the true figure 90.00 %"), "{s}");
        assert!(explain(LossConfig::Categorical, 5, 5, 0.9, 0.9, 0.9).is_none());
    }
}
