//! Class weights: the per-class factors Keras users pass to `fit(class_weight=…)`.
//!
//! Keras multiplies each sample's loss by `class_weight[c]` of its class `c` (for one-hot or
//! multi-hot rows: the argmax of the row, as Keras does), on top of any sample weight, and keeps
//! the `Σ lᵢwᵢ / N` reduction: weights are used as given, not renormalised. What users pass is
//! usually one of:
//!
//! - `Balanced`: scikit-learn's `compute_class_weight("balanced")`, `w_c = n / (K · n_c)`. This
//!   is `1 / class frequency` normalised so that the weights average 1 over the samples
//!   (`Σ_c n_c w_c = n`), which keeps the loss scale and hence the effective learning rate.
//! - `InverseFrequency`: the raw `1 / frequency = n / n_c` (K times the balanced weights).
//! - `Sqrt`: the square root of the balanced weights, renormalised to average 1 over the samples:
//!   half-way (in log scale) between no weighting and `Balanced`, for strongly imbalanced data
//!   where full balancing trades too much of the majority class.
//! - `Manual`: one weight per class.
//!
//! Class weights affect the **training loss only**; the metrics are never weighted by them.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::targets::{Targets, argmax};

/// How training samples are weighted by class.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassWeighting {
    /// All classes weigh 1.
    #[default]
    None,
    /// `n / (K · n_c)` (scikit-learn's "balanced").
    Balanced,
    /// `n / n_c`.
    InverseFrequency,
    /// `√(n / (K · n_c))`, scaled so that the weights average 1 over the samples.
    Sqrt,
    /// Given weights, one per class.
    Manual(Vec<f32>),
}

/// The class of each sample as Keras's `class_weight` sees it: the label, or the argmax of the row.
pub fn sample_classes(targets: &Targets) -> Vec<usize> {
    match targets {
        Targets::Labels(l) => l.iter().map(|&c| c as usize).collect(),
        Targets::Hot(m) => m.iter_rows().map(argmax).collect(),
    }
}

/// Number of samples of each of `k` classes.
pub fn class_counts(classes: &[usize], k: usize) -> Vec<usize> {
    let mut counts = vec![0; k];
    for &c in classes {
        if c < k {
            counts[c] += 1;
        }
    }
    counts
}

impl ClassWeighting {
    /// The weight of each of the `k` classes given the training targets' per-class `counts`.
    /// `None` for [`ClassWeighting::None`]. A class with no samples gets weight 0 (it never
    /// occurs in the loss anyway).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when manual weights are not `k` finite non-negative numbers.
    pub fn weights(&self, counts: &[usize]) -> Result<Option<Vec<f32>>> {
        let k = counts.len();
        let n: usize = counts.iter().sum();
        let inverse = |scale: f64| {
            counts.iter().map(|&c| if c == 0 { 0.0 } else { (n as f64 / (scale * c as f64)) as f32 }).collect()
        };
        Ok(match self {
            Self::None => None,
            Self::Balanced => Some(inverse(k as f64)),
            Self::InverseFrequency => Some(inverse(1.0)),
            Self::Sqrt => {
                let root: Vec<f64> = counts.iter().map(|&c| if c == 0 { 0.0 } else { (n as f64 / (k as f64 * c as f64)).sqrt() }).collect();
                let mass: f64 = counts.iter().zip(&root).map(|(&c, w)| c as f64 * w).sum();
                let scale = if mass > 0.0 { n as f64 / mass } else { 1.0 };
                Some(root.iter().map(|w| (w * scale) as f32).collect())
            }
            Self::Manual(w) => {
                if w.len() != k {
                    return Err(Error::InvalidArgument(format!(
                        "class_weight has {} values but the data has {k} classes",
                        w.len()
                    )));
                }
                if let Some((c, v)) = w.iter().enumerate().find(|(_, v)| !(v.is_finite() && **v >= 0.0)) {
                    return Err(Error::InvalidArgument(format!("class_weight[{c}] = {v} is not a finite non-negative number")));
                }
                Some(w.clone())
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balanced_matches_sklearn_formula() {
        // sklearn: compute_class_weight("balanced", classes=[0,1,2], y=[0,0,0,0,1,1,2,2,2,2,2,2])
        // = 12 / (3 * [4, 2, 6]) = [1.0, 2.0, 0.6667].
        let counts = class_counts(&[0, 0, 0, 0, 1, 1, 2, 2, 2, 2, 2, 2], 3);
        let w = ClassWeighting::Balanced.weights(&counts).unwrap().unwrap();
        assert_eq!(w, vec![1.0, 2.0, (12.0f64 / 18.0) as f32]);
        let inv = ClassWeighting::InverseFrequency.weights(&counts).unwrap().unwrap();
        assert_eq!(inv, vec![3.0, 6.0, 2.0]);
        // Balanced weights average 1 over the samples.
        let total: f64 = counts.iter().zip(&w).map(|(&c, &w)| c as f64 * f64::from(w)).sum();
        assert!((total - 12.0).abs() < 1e-5);
        assert!(ClassWeighting::Manual(vec![1.0]).weights(&counts).is_err());
        // Sqrt: √[1, 2, 2/3] renormalised to Σ n_c w_c = n; the ratios are the roots of balanced's.
        let s = ClassWeighting::Sqrt.weights(&counts).unwrap().unwrap();
        let mass: f64 = counts.iter().zip(&s).map(|(&c, &w)| c as f64 * f64::from(w)).sum();
        assert!((mass - 12.0).abs() < 1e-4, "{mass}");
        assert!((f64::from(s[1] / s[0]) - 2f64.sqrt()).abs() < 1e-5);
        assert!((f64::from(s[2] / s[0]) - (2.0f64 / 3.0).sqrt()).abs() < 1e-5);
        assert!(ClassWeighting::None.weights(&counts).unwrap().is_none());
    }
}
