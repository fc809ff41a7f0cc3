//! Temperature scaling: one scalar `T > 0` divides the logits, fitted on the validation split by
//! minimising its negative log-likelihood, then applied to the test split (Guo et al. 2017).
//!
//! Dividing every logit by the same positive `T` never changes which output is largest, nor the
//! sign of a single sigmoid's logit, so **accuracy is unchanged** (tested); only the confidence
//! moves. The fit is a 1-D golden-section search over `ln T ∈ [ln 0.05, ln 20]`; the NLL is convex
//! in `1/T` for softmax and for sigmoids, hence unimodal in `ln T`.
//!
//! What gets calibrated depends on the head:
//!
//! | head | view | probabilities | fitted on |
//! |---|---|---|---|
//! | softmax (`Categorical`, `SoftmaxBinary`) | [`View::Softmax`] | `softmax(z/T)` | multi-class NLL |
//! | K sigmoids (`Binary`, K ≥ 2) | [`View::Sigmoids`] | each `σ(z_k/T)` as its own yes/no probability | binary cross-entropy, mean over N·K outputs |
//! | K sigmoids (`Binary`, K ≥ 2) | [`View::NormalisedArgmax`] | `q_k = σ(z_k/T) / Σ_j σ(z_j/T)`, the normalised argmax confidence the reports use | multi-class NLL of `q` (its own T) |
//! | one sigmoid (`Binary`, K = 2 classes) | [`View::Sigmoids`] | `[1 − σ(z/T), σ(z/T)]` | binary cross-entropy |
//!
//! ECE, NLL and Brier score are those of [`crate::metrics`] (15 bins on the top-label confidence;
//! NLL clipped at ε = 1e-7; multi-class Brier `Σ (q − y)²`). In the sigmoid view every one of the
//! N·K outputs is a two-class prediction `[1 − p, p]` of its own label, so its "accuracy" is the
//! element-wise binary accuracy — the figure Keras 2 reports as `'accuracy'`.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::loss::{Head, LossConfig};
use crate::matrix::Matrix;
use crate::metrics::calibration::{Calibration, ReliabilityBin};
use crate::targets::argmax;

/// Search interval of `ln T`.
pub const LN_T_RANGE: (f64, f64) = (-2.995_732_273_553_991, 2.995_732_273_553_991); // ln 0.05, ln 20

/// Which probabilities a calibration result is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// `softmax(z/T)` over the K outputs.
    Softmax,
    /// Each sigmoid output `σ(z_k/T)` as the probability of its own label.
    Sigmoids,
    /// Sigmoid outputs normalised to sum to 1: the argmax confidence reports use for `Binary`.
    NormalisedArgmax,
}

impl View {
    /// One line for reports.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Softmax => "softmax probabilities softmax(z/T)",
            Self::Sigmoids => "per-class sigmoids σ(z_k/T), each read as a yes/no probability of its own label (one T for all)",
            Self::NormalisedArgmax => "normalised argmax confidence σ(z_k/T) / Σ_j σ(z_j/T)",
        }
    }

    /// The views temperature scaling reports for a configuration whose model has `outputs` logits.
    pub fn for_config(config: LossConfig, outputs: usize) -> Vec<View> {
        match (config.head(), outputs) {
            (Head::Softmax, _) => vec![View::Softmax],
            (Head::Sigmoid, 1) => vec![View::Sigmoids],
            (Head::Sigmoid, _) => vec![View::Sigmoids, View::NormalisedArgmax],
        }
    }
}

/// Probability-quality figures of one view on one split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ViewMetrics {
    /// Accuracy of the view's decisions (argmax; element-wise for [`View::Sigmoids`] with K ≥ 2).
    pub accuracy: f64,
    /// Mean negative log-likelihood.
    pub nll: f64,
    /// Mean Brier score.
    pub brier: f64,
    /// Expected calibration error (15 bins).
    pub ece: f64,
    /// The reliability table behind the ECE.
    pub reliability: Vec<ReliabilityBin>,
}

/// Temperature scaling of one view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ViewCalibration {
    /// The view.
    pub view: View,
    /// What it calibrates, in words.
    pub description: String,
    /// The fitted temperature.
    pub temperature: f64,
    /// True when the optimum lies on the search bound (T = 0.05 or 20).
    pub at_bound: bool,
    /// Validation NLL at T = 1 and at the fitted T.
    pub valid_nll: (f64, f64),
    /// The evaluation split before scaling (T = 1).
    pub before: ViewMetrics,
    /// The evaluation split after scaling.
    pub after: ViewMetrics,
}

/// `calibration.json`: temperature scaling of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationReport {
    /// The loss configuration.
    pub loss_config: LossConfig,
    /// Model outputs per sample.
    pub outputs: usize,
    /// The split T was fitted on (`validation`).
    pub fitted_on: String,
    /// The split the before/after figures are measured on (`test`, or `validation` when the run
    /// has no test split — then the "after" figures are optimistic).
    pub evaluated_on: String,
    /// Samples in the fitting split.
    pub n_fit: usize,
    /// Samples in the evaluation split.
    pub n_eval: usize,
    /// One entry per view ([`View::for_config`]).
    pub views: Vec<ViewCalibration>,
}

/// Minimises `f` over `[lo, hi]` by golden-section search to an interval width of `tol`.
/// Returns the argument of the smallest value seen.
pub fn golden_section(f: impl Fn(f64) -> f64, lo: f64, hi: f64, tol: f64) -> f64 {
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = (lo, hi);
    let mut c = b - g * (b - a);
    let mut d = a + g * (b - a);
    let (mut fc, mut fd) = (f(c), f(d));
    while (b - a).abs() > tol {
        if fc <= fd {
            b = d;
            d = c;
            fd = fc;
            c = b - g * (b - a);
            fc = f(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + g * (b - a);
            fd = f(d);
        }
    }
    // The bounds themselves are candidates too (a monotone objective ends on one of them).
    [(lo, f(lo)), (hi, f(hi)), (c, fc), (d, fd)]
        .into_iter()
        .fold((c, f64::INFINITY), |best, (x, v)| if v < best.1 { (x, v) } else { best })
        .0
}

/// `ln(1 + e^x)`, stable.
fn softplus(x: f64) -> f64 {
    if x > 0.0 { x + (-x).exp().ln_1p() } else { x.exp().ln_1p() }
}

fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// Mean NLL of `view` at temperature `t` (unclipped, in f64: the fitting objective).
pub fn nll_at(view: View, logits: &Matrix, labels: &[u32], t: f64) -> f64 {
    let k = logits.cols();
    let mut sum = 0.0;
    let mut count = 0usize;
    for (row, &y) in logits.iter_rows().zip(labels) {
        let y = y as usize;
        match view {
            View::Softmax => {
                let max = row.iter().fold(f64::NEG_INFINITY, |m, &z| m.max(f64::from(z) / t));
                let lse = max + row.iter().map(|&z| (f64::from(z) / t - max).exp()).sum::<f64>().ln();
                sum += lse - f64::from(row[y]) / t;
                count += 1;
            }
            View::Sigmoids => {
                if k == 1 {
                    let z = f64::from(row[0]) / t;
                    sum += softplus(z) - if y == 1 { z } else { 0.0 };
                    count += 1;
                } else {
                    for (c, &z) in row.iter().enumerate() {
                        let z = f64::from(z) / t;
                        sum += softplus(z) - if c == y { z } else { 0.0 };
                        count += 1;
                    }
                }
            }
            View::NormalisedArgmax => {
                let total: f64 = row.iter().map(|&z| sigmoid(f64::from(z) / t)).sum();
                sum -= (sigmoid(f64::from(row[y]) / t) / total).max(1e-300).ln();
                count += 1;
            }
        }
    }
    sum / count.max(1) as f64
}

/// The figures of `view` at temperature `t`.
pub fn metrics_at(view: View, logits: &Matrix, labels: &[u32], t: f64) -> ViewMetrics {
    let k = logits.cols();
    let mut cal = Calibration::default();
    let (mut correct, mut total) = (0usize, 0usize);
    let mut q = vec![0f32; k.max(2)];
    for (row, &y) in logits.iter_rows().zip(labels) {
        let y = y as usize;
        let mut two = |p: f64, truth: usize, cal: &mut Calibration| {
            let pred = usize::from(p > 0.5);
            cal.update(&[(1.0 - p) as f32, p as f32], truth, pred, 1.0);
            correct += usize::from(pred == truth);
            total += 1;
        };
        match view {
            View::Sigmoids if k == 1 => two(sigmoid(f64::from(row[0]) / t), y, &mut cal),
            View::Sigmoids => {
                for (c, &z) in row.iter().enumerate() {
                    two(sigmoid(f64::from(z) / t), usize::from(c == y), &mut cal);
                }
            }
            View::Softmax | View::NormalisedArgmax => {
                let scaled: Vec<f32> = row.iter().map(|&z| (f64::from(z) / t) as f32).collect();
                let head = if view == View::Softmax { Head::Softmax } else { Head::Sigmoid };
                head.apply_row(&scaled, &mut q[..k]);
                let s: f32 = q[..k].iter().sum();
                q[..k].iter_mut().for_each(|v| *v /= s);
                let pred = argmax(row);
                cal.update(&q[..k], y, pred, 1.0);
                correct += usize::from(pred == y);
                total += 1;
            }
        }
    }
    ViewMetrics {
        accuracy: correct as f64 / total.max(1) as f64,
        nll: cal.nll(),
        brier: cal.brier(),
        ece: cal.ece(),
        reliability: cal.reliability(),
    }
}

/// Fits the temperature of `view` on (`logits`, `labels`): `(T, at_bound)`.
pub fn fit_temperature(view: View, logits: &Matrix, labels: &[u32]) -> (f64, bool) {
    let (lo, hi) = LN_T_RANGE;
    let u = golden_section(|u| nll_at(view, logits, labels, u.exp()), lo, hi, 1e-7);
    (u.exp(), (u - lo).abs() < 1e-5 || (hi - u).abs() < 1e-5)
}

fn check(what: &str, logits: &Matrix, labels: &[u32], outputs: usize) -> Result<()> {
    if logits.rows() == 0 {
        return Err(Error::InvalidArgument(format!("temperature scaling: the {what} split is empty")));
    }
    if logits.rows() != labels.len() || logits.cols() != outputs {
        return Err(Error::Mismatch(format!(
            "temperature scaling: {what} logits are {} x {} but there are {} labels and {outputs} outputs",
            logits.rows(),
            logits.cols(),
            labels.len()
        )));
    }
    let classes = outputs.max(2) as u32;
    if let Some((i, l)) = labels.iter().enumerate().find(|(_, l)| **l >= classes) {
        return Err(Error::Mismatch(format!("temperature scaling: {what} label {l} at row {i} is not below {classes}")));
    }
    if let Some(v) = logits.as_slice().iter().find(|v| !v.is_finite()) {
        return Err(Error::InvalidArgument(format!("temperature scaling: {what} logits contain {v}")));
    }
    Ok(())
}

/// Fits T on the validation logits and measures every view of `config` before and after on the
/// evaluation logits (the test split; pass the validation split again when there is none and
/// say so in `evaluated_on`).
///
/// Single-label data only: `labels` are class indices.
///
/// # Errors
/// Empty splits, shape mismatches, labels out of range, non-finite logits.
pub fn temperature_scale(
    config: LossConfig,
    valid: (&Matrix, &[u32]),
    eval: (&Matrix, &[u32]),
    evaluated_on: &str,
) -> Result<CalibrationReport> {
    let outputs = valid.0.cols();
    check("validation", valid.0, valid.1, outputs)?;
    check(evaluated_on, eval.0, eval.1, outputs)?;
    let views = View::for_config(config, outputs)
        .into_iter()
        .map(|view| {
            let (t, at_bound) = fit_temperature(view, valid.0, valid.1);
            ViewCalibration {
                view,
                description: view.describe().to_string(),
                temperature: t,
                at_bound,
                valid_nll: (nll_at(view, valid.0, valid.1, 1.0), nll_at(view, valid.0, valid.1, t)),
                before: metrics_at(view, eval.0, eval.1, 1.0),
                after: metrics_at(view, eval.0, eval.1, t),
            }
        })
        .collect();
    Ok(CalibrationReport {
        loss_config: config,
        outputs,
        fitted_on: "validation".into(),
        evaluated_on: evaluated_on.into(),
        n_fit: valid.0.rows(),
        n_eval: eval.0.rows(),
        views,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha8Rng;
    use rand_core::{RngCore, SeedableRng};

    fn uniform(rng: &mut ChaCha8Rng) -> f64 {
        (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn normal(rng: &mut ChaCha8Rng) -> f64 {
        let (u1, u2) = (uniform(rng).max(1e-300), uniform(rng));
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// Logits `N × k` with sd `scale`, and labels drawn from `softmax(z / t_true)`.
    fn softmax_data(n: usize, k: usize, scale: f64, t_true: f64, seed: u64) -> (Matrix, Vec<u32>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let z: Vec<f32> = (0..n * k).map(|_| (scale * normal(&mut rng)) as f32).collect();
        let m = Matrix::new(n, k, z).unwrap();
        let labels = m
            .iter_rows()
            .map(|row| {
                let w: Vec<f64> = row.iter().map(|&v| (f64::from(v) / t_true).exp()).collect();
                let mut u = uniform(&mut rng) * w.iter().sum::<f64>();
                for (c, &wc) in w.iter().enumerate() {
                    if u < wc {
                        return c as u32;
                    }
                    u -= wc;
                }
                (k - 1) as u32
            })
            .collect();
        (m, labels)
    }

    #[test]
    fn golden_section_finds_a_parabola_minimum() {
        let x = golden_section(|x| (x - 0.3).powi(2), -3.0, 3.0, 1e-9);
        assert!((x - 0.3).abs() < 1e-6, "{x}");
        // A monotone objective ends on its bound.
        assert_eq!(golden_section(|x| x, -1.0, 1.0, 1e-9), -1.0);
    }

    #[test]
    fn recovers_a_known_softmax_temperature() {
        for t_true in [0.5, 2.5] {
            let (m, y) = softmax_data(20_000, 4, 3.0, t_true, 7);
            let (t, at_bound) = fit_temperature(View::Softmax, &m, &y);
            assert!(!at_bound);
            assert!((t / t_true - 1.0).abs() < 0.05, "fitted {t}, generated with {t_true}");
        }
    }

    #[test]
    fn recovers_a_known_sigmoid_temperature() {
        // Each of K labels independently positive with probability σ(z_k / T): the sigmoid
        // view's likelihood. (Single-label data cannot be generated this way, so the test
        // evaluates the objective directly on multi-hot draws, one label per output.)
        let (n, t_true) = (40_000, 3.0);
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let z: Vec<f32> = (0..n).map(|_| (4.0 * normal(&mut rng)) as f32).collect();
        let labels: Vec<u32> = z.iter().map(|&v| u32::from(uniform(&mut rng) < sigmoid(f64::from(v) / t_true))).collect();
        let m = Matrix::new(n, 1, z).unwrap();
        let (t, _) = fit_temperature(View::Sigmoids, &m, &labels);
        assert!((t / t_true - 1.0).abs() < 0.05, "fitted {t}, generated with {t_true}");
    }

    #[test]
    fn scaling_lowers_validation_nll_and_never_changes_accuracy() {
        // Over-confident logits: labels follow softmax(z / 2.5), the model reports softmax(z).
        let (valid, yv) = softmax_data(3_000, 5, 3.0, 2.5, 1);
        let (test, yt) = softmax_data(3_000, 5, 3.0, 2.5, 2);
        for config in LossConfig::DEFAULT_SET {
            let r = temperature_scale(config, (&valid, &yv), (&test, &yt), "test").unwrap();
            assert_eq!(r.views.len(), if config == LossConfig::Binary { 2 } else { 1 });
            for v in &r.views {
                assert_eq!(v.before.accuracy, v.after.accuracy, "{config} {:?}", v.view);
                assert!(v.valid_nll.1 <= v.valid_nll.0, "{config} {:?}", v.view);
                assert!(v.temperature > 1.0, "{config} {:?}: over-confident logits need T > 1", v.view);
            }
            let main = &r.views[r.views.len() - 1];
            assert!(main.after.nll < main.before.nll, "{config}");
            // The data follow a tempered softmax, so only the softmax family can fit them exactly;
            // normalised sigmoids are a different family and their ECE need not fall.
            if config.head() == Head::Softmax {
                assert!(main.after.ece < main.before.ece / 2.0, "{config}: ECE {} -> {}", main.before.ece, main.after.ece);
            }
        }
        // A single sigmoid: accuracy of p > 0.5 is that of z > 0 at every T.
        let z = Matrix::new(4, 1, vec![-2.0, 0.5, 3.0, -0.1]).unwrap();
        let y = [0, 0, 1, 1];
        for t in [0.1, 1.0, 7.0] {
            assert_eq!(metrics_at(View::Sigmoids, &z, &y, t).accuracy, 0.5);
        }
    }

    #[test]
    fn bad_input_is_named() {
        let m = Matrix::new(2, 2, vec![0.0, 1.0, 1.0, 0.0]).unwrap();
        let err = temperature_scale(LossConfig::Categorical, (&m, &[0, 5]), (&m, &[0, 1]), "test").unwrap_err();
        assert!(err.to_string().contains("label 5 at row 1"), "{err}");
        let err = temperature_scale(LossConfig::Categorical, (&m, &[0]), (&m, &[0, 1]), "test").unwrap_err();
        assert!(err.to_string().contains("1 labels"), "{err}");
    }
}
