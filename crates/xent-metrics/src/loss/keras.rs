//! Cross-entropy losses exactly as Keras computes them, on host `f32` data.
//!
//! Element-wise work is done in `f32`, like Keras (so ε-clipping of `1 − 1e-7` lands on the same
//! `f32` value); sums are accumulated in `f64` and reported as `f64`. Matches Keras 3.x's
//! `keras.losses` classes (see `tests/golden/keras_vectors.py` for the reference run).
//!
//! Reduction is Keras's default `sum_over_batch_size`: `Σᵢ lᵢ·wᵢ / N`, divided by the number of
//! samples N and **not** by `Σ wᵢ`.

use crate::error::{Error, Result};
use crate::matrix::Matrix;

/// Keras's fuzz factor `keras.backend.epsilon()`.
pub const EPSILON: f32 = 1e-7;

/// How the predictions are read and the targets smoothed.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct KerasLossOptions {
    /// Predictions are raw logits (`from_logits=True`); otherwise probabilities. Default false.
    pub from_logits: bool,
    /// Label smoothing `a` in `[0, 1]`: BCE uses `y(1−a) + a/2`, CCE `y(1−a) + a/K`. Default 0.
    pub label_smoothing: f32,
}

impl KerasLossOptions {
    /// Checks that `label_smoothing` lies in `[0, 1]`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] otherwise.
    pub fn validate(&self) -> Result<()> {
        if !(0.0..=1.0).contains(&self.label_smoothing) {
            return Err(Error::InvalidArgument(format!(
                "label smoothing must lie in [0, 1], got {}",
                self.label_smoothing
            )));
        }
        Ok(())
    }
}

/// `σ`-cross-entropy of one logit, TensorFlow's `sigmoid_cross_entropy_with_logits`:
/// `max(z, 0) − z·y + log(1 + e^{−|z|})`.
#[inline]
pub fn sigmoid_cross_entropy_with_logits(y: f32, z: f32) -> f32 {
    z.max(0.0) - z * y + (-z.abs()).exp().ln_1p()
}

/// Binary cross-entropy of one sample: the mean over its K outputs of
/// `−(y log p + (1−y) log(1−p))` with `p` clipped to `[ε, 1−ε]`, or
/// [`sigmoid_cross_entropy_with_logits`] when `from_logits`; `y ← y(1−a) + a/2`.
pub fn binary_crossentropy_row(y_true: &[f32], y_pred: &[f32], opts: &KerasLossOptions) -> f64 {
    let a = opts.label_smoothing;
    let mut sum = 0.0f64;
    for (&y, &p) in y_true.iter().zip(y_pred) {
        let y = if a > 0.0 { y * (1.0 - a) + 0.5 * a } else { y };
        let l = if opts.from_logits {
            sigmoid_cross_entropy_with_logits(y, p)
        } else {
            let p = p.clamp(EPSILON, 1.0 - EPSILON);
            // Keras: -(y·log(p) + (1−y)·log(1−p)); skip a term whose factor is exactly 0 so that
            // one-hot targets cost one logarithm (the value is identical).
            let mut s = 0.0f32;
            if y != 0.0 {
                s += y * p.ln();
            }
            if y != 1.0 {
                s += (1.0 - y) * (1.0 - p).ln();
            }
            -s
        };
        sum += f64::from(l);
    }
    sum / y_true.len() as f64
}

/// Categorical cross-entropy of one sample, `−Σₖ yₖ log pₖ`. Probabilities are first renormalised
/// (`p / Σp`) and then clipped to `[ε, 1−ε]`; logits go through a stable log-softmax
/// (`softmax_cross_entropy_with_logits`). Targets are smoothed as `y(1−a) + a/K`.
pub fn categorical_crossentropy_row(y_true: &[f32], y_pred: &[f32], opts: &KerasLossOptions) -> f64 {
    let k = y_true.len() as f32;
    let a = opts.label_smoothing;
    let smooth = |y: f32| if a > 0.0 { y * (1.0 - a) + a / k } else { y };
    let mut sum = 0.0f64;
    if opts.from_logits {
        let max = y_pred.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let lse = y_pred.iter().map(|&z| (z - max).exp()).sum::<f32>().ln();
        for (&y, &z) in y_true.iter().zip(y_pred) {
            let y = smooth(y);
            if y != 0.0 {
                sum -= f64::from(y * (z - max - lse));
            }
        }
    } else {
        let total: f32 = y_pred.iter().sum();
        for (&y, &p) in y_true.iter().zip(y_pred) {
            let y = smooth(y);
            if y != 0.0 {
                let p = (p / total).clamp(EPSILON, 1.0 - EPSILON);
                sum -= f64::from(y * p.ln());
            }
        }
    }
    sum
}

/// Sparse categorical cross-entropy of one sample with class index `label`. Probabilities are
/// clipped to `[ε, 1−ε]` and their logarithms treated as logits — an implicit renormalisation
/// *after* clipping, so on unnormalised rows it differs from [`categorical_crossentropy_row`].
/// Keras offers no label smoothing here.
pub fn sparse_categorical_crossentropy_row(label: usize, y_pred: &[f32], from_logits: bool) -> f64 {
    if from_logits {
        let max = y_pred.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let lse = y_pred.iter().map(|&v| (v - max).exp()).sum::<f32>().ln();
        return f64::from(-(y_pred[label] - max - lse));
    }
    // log-softmax of log(clip(p)) is log(clip(p_y)) − log(Σ clip(p)): two logarithms per row.
    let clip = |v: f32| v.clamp(EPSILON, 1.0 - EPSILON);
    let total: f32 = y_pred.iter().map(|&v| clip(v)).sum();
    f64::from(total.ln() - clip(y_pred[label]).ln())
}

/// Keras's `sum_over_batch_size` reduction: `Σᵢ lᵢ·wᵢ / N` (`Σᵢ lᵢ / N` without weights).
pub fn reduce_sum_over_batch_size(per_sample: &[f64], sample_weight: Option<&[f32]>) -> f64 {
    if per_sample.is_empty() {
        return 0.0;
    }
    let total: f64 = match sample_weight {
        Some(w) => per_sample.iter().zip(w).map(|(l, &w)| l * f64::from(w)).sum(),
        None => per_sample.iter().sum(),
    };
    total / per_sample.len() as f64
}

fn check_shapes(y_true: &Matrix, y_pred: &Matrix, sample_weight: Option<&[f32]>) -> Result<()> {
    if y_true.rows() != y_pred.rows() || y_true.cols() != y_pred.cols() {
        return Err(Error::Mismatch(format!(
            "targets are {} x {} but predictions are {} x {}",
            y_true.rows(),
            y_true.cols(),
            y_pred.rows(),
            y_pred.cols()
        )));
    }
    check_weights(y_pred.rows(), sample_weight)
}

fn check_weights(n: usize, sample_weight: Option<&[f32]>) -> Result<()> {
    match sample_weight {
        Some(w) if w.len() != n => Err(Error::Mismatch(format!(
            "{} sample weights for {n} samples",
            w.len()
        ))),
        _ => Ok(()),
    }
}

/// `keras.losses.BinaryCrossentropy(from_logits, label_smoothing)(y_true, y_pred, sample_weight)`.
///
/// # Errors
/// [`Error::Mismatch`] on shape or weight-count mismatch; [`Error::InvalidArgument`] on a bad
/// smoothing value.
pub fn binary_crossentropy(
    y_true: &Matrix,
    y_pred: &Matrix,
    opts: &KerasLossOptions,
    sample_weight: Option<&[f32]>,
) -> Result<f64> {
    reduce_rows(y_true, y_pred, opts, sample_weight, binary_crossentropy_row)
}

/// `keras.losses.CategoricalCrossentropy(from_logits, label_smoothing)(y_true, y_pred, sample_weight)`.
///
/// # Errors
/// As [`binary_crossentropy`].
pub fn categorical_crossentropy(
    y_true: &Matrix,
    y_pred: &Matrix,
    opts: &KerasLossOptions,
    sample_weight: Option<&[f32]>,
) -> Result<f64> {
    reduce_rows(y_true, y_pred, opts, sample_weight, categorical_crossentropy_row)
}

/// Validates, applies a per-sample loss to every (targets, predictions) row pair and reduces with
/// [`reduce_sum_over_batch_size`].
fn reduce_rows(
    y_true: &Matrix,
    y_pred: &Matrix,
    opts: &KerasLossOptions,
    sample_weight: Option<&[f32]>,
    row: fn(&[f32], &[f32], &KerasLossOptions) -> f64,
) -> Result<f64> {
    opts.validate()?;
    check_shapes(y_true, y_pred, sample_weight)?;
    let per: Vec<f64> = y_true.iter_rows().zip(y_pred.iter_rows()).map(|(y, p)| row(y, p, opts)).collect();
    Ok(reduce_sum_over_batch_size(&per, sample_weight))
}

/// `keras.losses.SparseCategoricalCrossentropy(from_logits)(labels, y_pred, sample_weight)`.
///
/// # Errors
/// [`Error::Mismatch`] when counts differ or a label is `>= K`.
pub fn sparse_categorical_crossentropy(
    labels: &[u32],
    y_pred: &Matrix,
    from_logits: bool,
    sample_weight: Option<&[f32]>,
) -> Result<f64> {
    if labels.len() != y_pred.rows() {
        return Err(Error::Mismatch(format!(
            "{} labels for {} prediction rows",
            labels.len(),
            y_pred.rows()
        )));
    }
    check_weights(y_pred.rows(), sample_weight)?;
    let mut per = Vec::with_capacity(labels.len());
    for (i, (&label, row)) in labels.iter().zip(y_pred.iter_rows()).enumerate() {
        if label as usize >= row.len() {
            return Err(Error::Mismatch(format!(
                "label {label} at row {i} is not below the number of classes {}",
                row.len()
            )));
        }
        per.push(sparse_categorical_crossentropy_row(label as usize, row, from_logits));
    }
    Ok(reduce_sum_over_batch_size(&per, sample_weight))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(rows: &[&[f32]]) -> Matrix {
        Matrix::from_rows(rows).unwrap()
    }

    #[test]
    fn bce_of_a_perfect_prediction_is_the_clipping_floor() {
        // p = 1 is clipped to 1 − ε (in f32: 0.99999988), so the loss is −ln(0.99999988) ≈ 1.19e-7.
        let l = binary_crossentropy(&m(&[&[1.0]]), &m(&[&[1.0]]), &KerasLossOptions::default(), None)
            .unwrap();
        let floor = -f64::from((1.0f32 - EPSILON).ln());
        assert!((l - floor).abs() < 1e-12, "{l} vs {floor}");
    }

    #[test]
    fn bce_from_logits_equals_bce_of_sigmoid_for_moderate_logits() {
        let z = [0.3f32, -1.2, 2.0];
        let p: Vec<f32> = z.iter().map(|&z| 1.0 / (1.0 + (-z).exp())).collect();
        let y = [1.0f32, 0.0, 1.0];
        let from_logits = KerasLossOptions { from_logits: true, label_smoothing: 0.0 };
        let a = binary_crossentropy_row(&y, &z, &from_logits);
        let b = binary_crossentropy_row(&y, &p, &KerasLossOptions::default());
        assert!((a - b).abs() < 1e-6, "{a} vs {b}");
    }

    #[test]
    fn cce_renormalises_before_clipping_but_sparse_after() {
        // Unnormalised row: CCE sees [0.25, 0.75]; sparse CE sees softmax(log p) = the same here,
        // but clipping order matters once an entry is 0.
        let p = [0.0f32, 2.0];
        let y = [0.0f32, 1.0];
        let cce = categorical_crossentropy_row(&y, &p, &KerasLossOptions::default());
        let scce = sparse_categorical_crossentropy_row(1, &p, false);
        // CCE: p/Σp = [0, 1] → clip → 1−ε → −ln(1−ε) ≈ 1.19e-7.
        assert!(cce < 2e-7, "{cce}");
        // Sparse: clip first → [ε, 1−ε]: −ln((1−ε)/(1−ε+ε)) ≈ 1.19e-7 as well, both tiny.
        assert!(scce < 3e-7, "{scce}");
        // A row with mass 0.5: CCE renormalises to exact [0.5, 0.5]; sparse clips then normalises.
        let q = [0.25f32, 0.25];
        let cce = categorical_crossentropy_row(&y, &q, &KerasLossOptions::default());
        assert!((cce - std::f64::consts::LN_2).abs() < 1e-6);
    }

    #[test]
    fn weights_divide_by_n_not_by_their_sum() {
        let per = [1.0, 3.0];
        assert_eq!(reduce_sum_over_batch_size(&per, Some(&[1.0, 0.0])), 0.5);
    }

    #[test]
    fn smoothing_outside_unit_interval_is_an_error() {
        let opts = KerasLossOptions { from_logits: false, label_smoothing: 1.5 };
        assert!(binary_crossentropy(&m(&[&[1.0]]), &m(&[&[0.5]]), &opts, None).is_err());
    }
}
