//! Cross-validation read back from its folds: one [`Experiment`] per fold (the same plan, each
//! trained on the other folds and validated on its own), summarised per loss configuration, and
//! the number of epochs the folds choose.
//!
//! Two views per configuration:
//! - the validation macro-F1 and accuracy after every epoch, averaged over folds and seeds (the
//!   curve the epoch count is chosen on);
//! - the pooled out-of-fold figures of the final weights: every fold's validation logits
//!   concatenated, per seed, and evaluated once (each sample predicted by the one model that did
//!   not train on it).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::Experiment;
use super::results::{evaluate_logits, read_matrix};
use crate::artifacts;
use crate::error::{Error, Result};
use crate::loss::LossConfig;
use crate::matrix::Matrix;
use crate::stats::Summary;
use crate::train::LrSchedule;

/// One loss configuration across the folds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvConfig {
    /// The loss configuration.
    pub loss: LossConfig,
    /// Validation macro-F1 after epoch `e + 1`, mean over folds and seeds.
    pub macro_f1_by_epoch: Vec<f64>,
    /// Validation accuracy after epoch `e + 1`, mean over folds and seeds.
    pub accuracy_by_epoch: Vec<f64>,
    /// Pooled out-of-fold accuracy of the final weights, over seeds.
    pub pooled_accuracy: Summary,
    /// Pooled out-of-fold macro-F1 of the final weights, over seeds.
    pub pooled_macro_f1: Summary,
    /// Pooled out-of-fold recall (sensitivity) per class, mean over seeds.
    pub pooled_recall: Vec<f64>,
    /// Pooled out-of-fold precision (positive predictivity) per class, mean over seeds.
    pub pooled_precision: Vec<f64>,
}

/// The summary of a cross-validation (`cv.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvSummary {
    /// Number of folds.
    pub folds: usize,
    /// Seeds per fold and configuration.
    pub seeds: Vec<u64>,
    /// Class names.
    pub class_names: Vec<String>,
    /// Per configuration, in plan order.
    pub configs: Vec<CvConfig>,
    /// The epoch count with the highest validation macro-F1 averaged over every configuration,
    /// folds and seeds (one count for all configurations, so they train for the same budget).
    /// Under a cosine schedule, the epochs trained: the rate is annealed over them, so an
    /// intermediate epoch is not what a shorter run would give.
    pub chosen_epochs: usize,
    /// Whether the runs annealed the learning rate over their epochs (cosine schedule).
    #[serde(default)]
    pub annealed: bool,
}

fn stack(parts: &[Matrix]) -> Result<Matrix> {
    let cols = parts.first().map_or(0, Matrix::cols);
    let rows = parts.iter().map(Matrix::rows).sum();
    let mut v = Vec::with_capacity(rows * cols);
    for p in parts {
        if p.cols() != cols {
            return Err(Error::Mismatch(format!("folds disagree on the number of columns ({} vs {cols})", p.cols())));
        }
        v.extend_from_slice(p.as_slice());
    }
    Matrix::new(rows, cols, v)
}

impl CvSummary {
    /// Summarises the fold experiments (every fold with the same seeds and configurations).
    ///
    /// # Errors
    /// No folds, folds with different plans, runs without validation logits or history.
    pub fn from_folds(folds: &[Experiment]) -> Result<Self> {
        let first = folds.first().ok_or_else(|| Error::InvalidArgument("a cross-validation needs at least one fold".into()))?;
        let (seeds, losses) = (&first.manifest.seeds, &first.manifest.losses);
        if let Some(f) = folds.iter().find(|f| &f.manifest.seeds != seeds || &f.manifest.losses != losses) {
            return Err(Error::Mismatch(format!("fold {} was run with other seeds or configurations", f.dir.display())));
        }
        let mut configs = Vec::new();
        for &loss in losses {
            let runs: Vec<_> = folds.iter().flat_map(|f| f.runs.iter().filter(move |r| r.loss() == loss)).collect();
            let epochs = runs.iter().map(|r| r.history.len()).min().unwrap_or(0);
            if epochs == 0 {
                return Err(Error::InvalidArgument(format!("{loss}: a fold run has no epoch history")));
            }
            let curve = |pick: &dyn Fn(&crate::train::EpochMetrics) -> Option<f64>| -> Result<Vec<f64>> {
                (0..epochs)
                    .map(|e| {
                        let v: Vec<f64> = runs.iter().filter_map(|r| r.history[e].valid.as_ref().and_then(pick)).collect();
                        if v.len() != runs.len() {
                            return Err(Error::InvalidArgument(format!("{loss}: a fold run has no validation figures at epoch {}", e + 1)));
                        }
                        Ok(v.iter().sum::<f64>() / v.len() as f64)
                    })
                    .collect()
            };
            let macro_f1_by_epoch = curve(&|m| m.macro_f1)?;
            let accuracy_by_epoch = curve(&|m| m.accuracy)?;
            let (mut acc, mut f1) = (Vec::new(), Vec::new());
            let (mut recall, mut precision) = (Vec::new(), Vec::new());
            for &seed in seeds {
                let (mut z, mut y) = (Vec::new(), Vec::new());
                for f in folds {
                    let r = f
                        .runs
                        .iter()
                        .find(|r| r.loss() == loss && r.config.train.seed == seed)
                        .ok_or_else(|| Error::InvalidArgument(format!("{}: no {loss} run of seed {seed}", f.dir.display())))?;
                    z.push(read_matrix(&r.dir.join("logits_valid.npy"))?);
                    y.push(read_matrix(&r.dir.join("targets_valid.npy"))?);
                }
                let e = evaluate_logits(&stack(&z)?, &stack(&y)?, loss, first.manifest.train.threshold)?;
                acc.push(e.accuracy.unwrap_or(e.categorical_accuracy));
                f1.push(e.macro_f1.unwrap_or(0.0));
                recall.push(e.per_class.iter().map(|c| c.recall).collect::<Vec<f64>>());
                precision.push(e.per_class.iter().map(|c| c.precision).collect::<Vec<f64>>());
            }
            let mean_of = |rows: &[Vec<f64>]| -> Vec<f64> {
                let k = rows.first().map_or(0, Vec::len);
                (0..k).map(|c| rows.iter().map(|r| r[c]).sum::<f64>() / rows.len() as f64).collect()
            };
            configs.push(CvConfig {
                loss,
                macro_f1_by_epoch,
                accuracy_by_epoch,
                pooled_accuracy: Summary::of(&acc)?,
                pooled_macro_f1: Summary::of(&f1)?,
                pooled_recall: mean_of(&recall),
                pooled_precision: mean_of(&precision),
            });
        }
        let epochs = configs.iter().map(|c| c.macro_f1_by_epoch.len()).min().unwrap_or(0);
        let annealed = matches!(first.manifest.train.schedule, LrSchedule::Cosine { .. });
        let chosen_epochs = if annealed {
            // An annealed run's intermediate epochs are not what a shorter run would give.
            epochs
        } else {
            (0..epochs)
            .map(|e| (e, configs.iter().map(|c| c.macro_f1_by_epoch[e]).sum::<f64>()))
            .fold(None::<(usize, f64)>, |best, (e, v)| match best {
                Some((_, b)) if b >= v => best,
                _ => Some((e, v)),
            })
            .map_or(1, |(e, _)| e + 1)
        };
        Ok(Self { folds: folds.len(), seeds: seeds.clone(), class_names: first.manifest.class_names.clone(), configs, chosen_epochs, annealed })
    }

    /// Reads the fold experiments under `dir` (`fold-1`, `fold-2`, …) and summarises them.
    ///
    /// # Errors
    /// As [`CvSummary::from_folds`]; a fold that cannot be read (named).
    pub fn load(dir: &Path, folds: usize) -> Result<Self> {
        let exps = (1..=folds).map(|f| Experiment::load(&dir.join(format!("fold-{f}")))).collect::<Result<Vec<_>>>()?;
        Self::from_folds(&exps)
    }

    /// Writes `cv.json` and `cv.md` into `dir`.
    ///
    /// # Errors
    /// Writing a file.
    pub fn write(&self, dir: &Path) -> Result<()> {
        artifacts::write_json(&dir.join("cv.json"), self)?;
        artifacts::write_atomic(&dir.join("cv.md"), self.to_markdown().as_bytes())
    }

    /// The summary as Markdown: pooled out-of-fold figures, then the per-epoch curve.
    pub fn to_markdown(&self) -> String {
        use std::fmt::Write;
        let pct = |v: f64| format!("{:.2}", 100.0 * v);
        let ms = |s: &Summary| match s.sd {
            Some(sd) => format!("{} ± {}", pct(s.mean), pct(sd)),
            None => pct(s.mean),
        };
        let mut out = format!(
            "# Cross-validation: {} folds × {} seed(s)\n\nPooled out-of-fold figures of the final weights (%, mean ± sd over seeds; \
             Se = recall, +P = precision):\n\n| configuration | accuracy | macro-F1 |",
            self.folds,
            self.seeds.len()
        );
        for c in &self.class_names {
            let _ = write!(out, " {c} Se | {c} +P |");
        }
        out.push_str("\n|---|---|---|");
        out.push_str(&"---|---|".repeat(self.class_names.len()));
        out.push('\n');
        for c in &self.configs {
            let _ = write!(out, "| {} | {} | {} |", c.loss, ms(&c.pooled_accuracy), ms(&c.pooled_macro_f1));
            for k in 0..self.class_names.len() {
                let _ = write!(out, " {} | {} |", c.pooled_recall.get(k).map_or("–".into(), |v| pct(*v)), c.pooled_precision.get(k).map_or("–".into(), |v| pct(*v)));
            }
            out.push('\n');
        }
        if self.annealed {
            let _ = write!(out, "\nValidation macro-F1 after each epoch (%, mean over folds and seeds); the learning rate is annealed \
                 over the {} epochs, so the figures above are those of the last one (the epoch count chosen is **{}**, the one \
                 cross-validated):\n\n| epoch |", self.chosen_epochs, self.chosen_epochs);
        } else {
            let _ = write!(out, "\nValidation macro-F1 after each epoch (%, mean over folds and seeds); the epoch count chosen is **{}**, \
                 the best mean over every configuration:\n\n| epoch |", self.chosen_epochs);
        }
        for c in &self.configs {
            let _ = write!(out, " {} |", c.loss);
        }
        out.push_str("\n|---|");
        out.push_str(&"---|".repeat(self.configs.len()));
        out.push('\n');
        let epochs = self.configs.iter().map(|c| c.macro_f1_by_epoch.len()).min().unwrap_or(0);
        for e in 0..epochs {
            let mark = if e + 1 == self.chosen_epochs { " ←" } else { "" };
            let _ = write!(out, "| {}{mark} |", e + 1);
            for c in &self.configs {
                let _ = write!(out, " {} |", pct(c.macro_f1_by_epoch[e]));
            }
            out.push('\n');
        }
        out
    }
}
