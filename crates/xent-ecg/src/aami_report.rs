//! The figures the arrhythmia literature reports (AAMI EC57 style), for the test predictions of
//! an experiment: per class sensitivity (Se) and positive predictivity (+P), accuracy, Cohen's κ,
//! macro-F1 and Mondéjar-Guerra's jκ; per seed, their mean ± sd, the seed ensemble (logits
//! averaged), two baselines, and the records that dominate the test side.

use std::fmt::Write as _;

use xent_core::experiment::Experiment;
use xent_core::metrics::ConfusionMatrix;
use xent_core::stats::Summary;
use xent_core::{Matrix, targets::argmax};

use crate::beats::BeatSet;
use crate::error::{EcgError, Result};

/// The DS2 records that dominate inter-patient figures (most S or V beats).
pub const DOMINANT_DS2: [&str; 7] = ["232", "222", "213", "111", "214", "212", "231"];

/// AAMI figures of one set of predictions.
#[derive(Debug, Clone, PartialEq)]
pub struct AamiFigures {
    /// Accuracy.
    pub accuracy: f64,
    /// Sensitivity (recall) per class.
    pub se: Vec<f64>,
    /// Positive predictivity (precision) per class.
    pub ppv: Vec<f64>,
    /// Macro-F1 over the classes.
    pub macro_f1: f64,
    /// Cohen's κ.
    pub kappa: f64,
    /// Mondéjar-Guerra et al. (2019): `jκ = κ / 2 + j / 8` with `j = Se_S + Se_V + +P_S + +P_V`
    /// (classes 1 and 2); 1 for a perfect classifier.
    pub jkappa: f64,
}

impl AamiFigures {
    /// The figures of predicted classes `pred` against true classes `truth`, `k` classes.
    pub fn of(pred: &[usize], truth: &[usize], k: usize) -> Self {
        let mut cm = ConfusionMatrix::new(k);
        for (&t, &p) in truth.iter().zip(pred) {
            cm.add(t, p, 1.0);
        }
        let per = cm.per_class();
        let se: Vec<f64> = per.iter().map(|c| c.recall).collect();
        let ppv: Vec<f64> = per.iter().map(|c| c.precision).collect();
        let kappa = cm.cohen_kappa().unwrap_or(0.0);
        let j = [1, 2].iter().map(|&c| se.get(c).copied().unwrap_or(0.0) + ppv.get(c).copied().unwrap_or(0.0)).sum::<f64>();
        Self { accuracy: cm.accuracy(), se, ppv, macro_f1: cm.macro_f1(), kappa, jkappa: kappa / 2.0 + j / 8.0 }
    }
}

/// Class index of every row of logits (or probabilities).
pub fn predicted(z: &Matrix) -> Vec<usize> {
    z.iter_rows().map(argmax).collect()
}

/// One row of the report: figures per seed (one entry for a single prediction set).
struct Row {
    name: String,
    figures: Vec<AamiFigures>,
}

/// `mean ± sd` of `v` times `scale` with `digits` decimals (the mean alone for one value).
fn cell(v: &[f64], scale: f64, digits: usize) -> String {
    match Summary::of(v) {
        Ok(Summary { mean, sd: Some(sd), .. }) => format!("{:.*} ± {:.*}", digits, scale * mean, digits, scale * sd),
        Ok(s) => format!("{:.*}", digits, scale * s.mean),
        Err(_) => "–".into(),
    }
}

/// The AAMI section for `experiment`'s test predictions on `test` (the beats in the same order
/// as `logits_test.npy`), with `baselines` (name, predicted classes).
///
/// # Errors
/// A run without test logits, or logits that do not match the test beats.
pub fn aami_markdown(experiment: &Experiment, test: &BeatSet, class_names: &[String], baselines: &[(String, Vec<usize>)]) -> Result<String> {
    let k = class_names.len();
    let truth: Vec<usize> = test.beats.iter().map(|b| b.class.index()).collect();
    let read = |dir: &std::path::Path| -> Result<Matrix> {
        let path = dir.join("logits_test.npy");
        let z = xent_core::io::read_predictions(&path).map_err(|e| EcgError::invalid("test logits", format!("{}: {e}", path.display())))?;
        if z.rows() != truth.len() {
            return Err(EcgError::invalid("test logits", format!("{}: {} rows for {} test beats", path.display(), z.rows(), truth.len())));
        }
        Ok(z)
    };
    let mut rows = Vec::new();
    let mut ensembles = Vec::new();
    for &loss in &experiment.manifest.losses {
        let runs: Vec<_> = experiment.runs.iter().filter(|r| r.loss() == loss).collect();
        let logits = runs.iter().map(|r| read(&r.dir)).collect::<Result<Vec<_>>>()?;
        let figures: Vec<AamiFigures> = logits.iter().map(|z| AamiFigures::of(&predicted(z), &truth, k)).collect();
        rows.push(Row { name: format!("{loss}"), figures });
        if let Some(first) = logits.first() {
            let mut sum = vec![0f32; first.as_slice().len()];
            for z in &logits {
                for (s, v) in sum.iter_mut().zip(z.as_slice()) {
                    *s += v / logits.len() as f32;
                }
            }
            let mean = Matrix::new(first.rows(), first.cols(), sum).map_err(|e| EcgError::invalid("ensemble", e.to_string()))?;
            ensembles.push((format!("{loss}, ensemble of {} seeds", logits.len()), predicted(&mean)));
        }
    }
    for (name, pred) in ensembles.iter().chain(baselines) {
        rows.push(Row { name: name.clone(), figures: vec![AamiFigures::of(pred, &truth, k)] });
    }
    let mut out = format!(
        "# AAMI figures on the test beats\n\n{} test beats; Se = sensitivity, +P = positive predictivity (%), mean ± sd over \
         seeds; jκ of Mondéjar-Guerra et al. (2019) = κ/2 + (Se_S + Se_V + +P_S + +P_V)/8. Macro-F1 is over {}.\n\n\
         | predictions | accuracy | macro-F1 | κ | jκ |",
        truth.len(),
        class_names.join(", ")
    );
    for c in class_names {
        let _ = write!(out, " {c} Se | {c} +P |");
    }
    out.push_str("\n|---|---|---|---|---|");
    out.push_str(&"---|---|".repeat(k));
    out.push('\n');
    for r in &rows {
        let col = |f: &dyn Fn(&AamiFigures) -> f64| r.figures.iter().map(f).collect::<Vec<f64>>();
        let _ = write!(
            out,
            "| {} | {} | {} | {} | {} |",
            r.name,
            cell(&col(&|f| f.accuracy), 100.0, 1),
            cell(&col(&|f| f.macro_f1), 100.0, 1),
            cell(&col(&|f| f.kappa), 1.0, 3),
            cell(&col(&|f| f.jkappa), 1.0, 3)
        );
        for c in 0..k {
            let _ = write!(out, " {} | {} |", cell(&col(&|f| f.se[c]), 100.0, 1), cell(&col(&|f| f.ppv[c]), 100.0, 1));
        }
        out.push('\n');
    }
    let present: Vec<&str> = DOMINANT_DS2.iter().copied().filter(|r| test.records.iter().any(|x| x == r)).collect();
    if !present.is_empty() && !ensembles.is_empty() {
        let _ = write!(out, "\nPer record (the seed ensembles): beats, then accuracy / S Se / V Se (%; – where the record has none).\n\n| record | N | S | V | F |");
        for (name, _) in &ensembles {
            let _ = write!(out, " {} |", name.split(',').next().unwrap_or(name));
        }
        out.push_str("\n|---|---|---|---|---|");
        out.push_str(&"---|".repeat(ensembles.len()));
        out.push('\n');
        for rec in present {
            let idx = test.indices_of_records(&[rec]);
            let mut counts = [0usize; 5];
            for &i in &idx {
                counts[truth[i]] += 1;
            }
            let _ = write!(out, "| {rec} | {} | {} | {} | {} |", counts[0], counts[1], counts[2], counts[3]);
            for (_, pred) in &ensembles {
                let hit = |c: Option<usize>| {
                    let sel: Vec<usize> = idx.iter().copied().filter(|&i| c.is_none_or(|c| truth[i] == c)).collect();
                    if sel.is_empty() { "–".to_owned() } else { format!("{:.1}", 100.0 * sel.iter().filter(|&&i| pred[i] == truth[i]).count() as f64 / sel.len() as f64) }
                };
                let _ = write!(out, " {} / {} / {} |", hit(None), hit(Some(1)), hit(Some(2)));
            }
            out.push('\n');
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_by_hand() {
        // 4 classes; truth N N N S V V F, predicted N N S S V N F.
        let truth = [0, 0, 0, 1, 2, 2, 3];
        let pred = [0, 0, 1, 1, 2, 0, 3];
        let f = AamiFigures::of(&pred, &truth, 4);
        assert!((f.accuracy - 5.0 / 7.0).abs() < 1e-12);
        assert_eq!(f.se, vec![2.0 / 3.0, 1.0, 0.5, 1.0]);
        assert_eq!(f.ppv, vec![2.0 / 3.0, 0.5, 1.0, 1.0]);
        // κ: po = 5/7, pe = (3·3 + 1·2 + 2·1 + 1·1) / 49 = 14/49.
        let kappa = (5.0 / 7.0 - 14.0 / 49.0) / (1.0 - 14.0 / 49.0);
        assert!((f.kappa - kappa).abs() < 1e-12);
        assert!((f.jkappa - (kappa / 2.0 + (1.0 + 0.5 + 0.5 + 1.0) / 8.0)).abs() < 1e-12);
        // Always N: κ 0, S and V never found.
        let n = AamiFigures::of(&[0; 7], &truth, 4);
        assert_eq!((n.kappa, n.se[1], n.ppv[2]), (0.0, 0.0, 0.0));
    }
}
