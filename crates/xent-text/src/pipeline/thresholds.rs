//! Multi-label decision thresholds: per label, the one that maximises F1 on held-out scores.

#[allow(unused_imports)]
use super::*;

/// Per-label thresholds maximising each label's F1 on held-out data, over 0.05, 0.10, …, 0.95;
/// 0.5 for a label without positives there.
pub fn tune_thresholds(scores: &[f32], truth: &[f32], k: usize) -> Vec<f32> {
    let n = truth.len() / k.max(1);
    (0..k)
        .map(|j| {
            if (0..n).all(|i| truth[i * k + j] != 1.0) {
                return 0.5;
            }
            let mut best = (f64::MIN, 0.5f32);
            for step in 1..20 {
                let t = step as f32 * 0.05;
                let (mut tp, mut fp, mut fneg) = (0.0, 0.0, 0.0);
                for i in 0..n {
                    match (truth[i * k + j] == 1.0, scores[i * k + j] > t) {
                        (true, true) => tp += 1.0,
                        (false, true) => fp += 1.0,
                        (true, false) => fneg += 1.0,
                        _ => {}
                    }
                }
                let f1 = 2.0 * tp / (2.0 * tp + fp + fneg);
                if f1 > best.0 {
                    best = (f1, t);
                }
            }
            best.1
        })
        .collect()
}
