//! Experiments and runs read back from their artifacts: what reports and statistics are made of.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Manifest;
use crate::artifacts;
use crate::calibrate::CalibrationReport;
use crate::error::{Error, Result};
use crate::io::npy::{NpyValues, read_npy};
use crate::loss::{KerasLoss, LossConfig};
use crate::matrix::Matrix;
use crate::metrics::{Evaluation, Evaluator, EvaluatorConfig, TargetRows};
use crate::rule::AccuracyRule;
use crate::stats::{Comparison, Summary};
use crate::targets::LabelKind;
use crate::train::{EpochRecord, FinalMetrics, RunConfig};

/// The headline figures of a run on its evaluation split (test, else validation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// `test` or `validation`.
    pub split: String,
    /// True (argmax) accuracy (for multi-label data: Keras's categorical accuracy).
    pub accuracy: f64,
    /// What `'accuracy'` would report under Keras 2 for the run's loss.
    pub keras2: f64,
    /// What `'accuracy'` would report under Keras 3 for the run's loss.
    pub keras3: f64,
    /// Macro-F1.
    pub macro_f1: Option<f64>,
    /// Balanced accuracy.
    pub balanced_accuracy: Option<f64>,
    /// ECE before temperature scaling (of the calibrated view that reports use: the softmax, or
    /// the normalised argmax confidence for `Binary`).
    pub ece_before: Option<f64>,
    /// ECE after temperature scaling, same view.
    pub ece_after: Option<f64>,
    /// The full evaluation.
    pub evaluation: Evaluation,
}

/// One run read from its directory.
#[derive(Debug, Clone)]
pub struct RunArtifacts {
    /// The run directory.
    pub dir: PathBuf,
    /// `config.json`.
    pub config: RunConfig,
    /// `metrics.json`.
    pub metrics: FinalMetrics,
    /// `history.jsonl`.
    pub history: Vec<EpochRecord>,
    /// The evaluation of the test split from `logits_test.npy` (None without one).
    pub test: Option<Evaluation>,
    /// `calibration.json` (None for multi-label data or runs made without it).
    pub calibration: Option<CalibrationReport>,
}

/// A 2-D `.npy` file as a matrix of `f32` (an error naming the file otherwise).
pub(crate) fn read_matrix(path: &Path) -> Result<Matrix> {
    let a = read_npy(path)?;
    if a.shape.len() != 2 {
        return Err(Error::parse(path, "header", format!("expected a 2-D array, found shape {:?}", a.shape)));
    }
    let v = match a.values {
        NpyValues::F32(v) => v,
        NpyValues::F64(v) => v.into_iter().map(|x| x as f32).collect(),
        NpyValues::Int(v) => v.into_iter().map(|x| x as f32).collect(),
    };
    Matrix::new(a.shape[0], a.shape[1], v)
}

/// The evaluation of logits `z` (`N × outputs`) against dense targets `y` (`N × K`) under `loss`.
///
/// # Errors
/// Shapes that do not fit.
pub fn evaluate_logits(z: &Matrix, y: &Matrix, loss: LossConfig, threshold: f32) -> Result<Evaluation> {
    if z.rows() != y.rows() {
        return Err(Error::Mismatch(format!("{} rows of logits for {} targets", z.rows(), y.rows())));
    }
    let k = z.cols();
    let head = loss.head();
    let probs = z.map_rows(|r, out| head.apply_row(r, out));
    let kind = if y.iter_rows().all(|r| r.iter().sum::<f32>() == 1.0) { LabelKind::SingleLabel } else { LabelKind::MultiLabel };
    let mut e = Evaluator::new(k, kind, EvaluatorConfig { threshold, ..Default::default() });
    if k == y.cols() {
        e.update(probs.as_slice(), TargetRows::Hot(y.as_slice()), None);
    } else if k == 1 {
        let labels: Vec<u32> = y.iter_rows().map(|r| crate::targets::argmax(r) as u32).collect();
        e.update(probs.as_slice(), TargetRows::Labels(&labels), None);
    } else {
        return Err(Error::Mismatch(format!("{k} logits per sample for targets with {} columns", y.cols())));
    }
    Ok(e.finish())
}

impl RunArtifacts {
    /// Reads a finished run directory.
    ///
    /// # Errors
    /// A missing directory, or one without `metrics.json` (an unfinished run), naming it;
    /// malformed files naming the file.
    pub fn load(dir: &Path) -> Result<Self> {
        if !dir.is_dir() {
            return Err(Error::InvalidArgument(format!("run directory {} does not exist", dir.display())));
        }
        let metrics_path = dir.join("metrics.json");
        if !metrics_path.is_file() {
            return Err(Error::InvalidArgument(format!(
                "{} has no metrics.json: the run has not finished (run the plan again to resume it)",
                dir.display()
            )));
        }
        let config: RunConfig = artifacts::read_json(&dir.join("config.json"))?;
        let metrics: FinalMetrics = artifacts::read_json(&metrics_path)?;
        let hp = dir.join("history.jsonl");
        let history = match std::fs::read_to_string(&hp) {
            Ok(s) => s
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .map(|(i, l)| serde_json::from_str(l).map_err(|e| Error::parse(&hp, format!("line {}", i + 1), e.to_string())))
                .collect::<Result<Vec<EpochRecord>>>()?,
            Err(_) => Vec::new(),
        };
        let test = if dir.join("logits_test.npy").is_file() {
            let z = read_matrix(&dir.join("logits_test.npy"))?;
            let y = read_matrix(&dir.join("targets_test.npy"))?;
            Some(evaluate_logits(&z, &y, config.train.loss, config.train.threshold)?)
        } else {
            None
        };
        let cp = dir.join("calibration.json");
        let calibration = if cp.is_file() { artifacts::read_json::<Option<CalibrationReport>>(&cp)? } else { None };
        Ok(Self { dir: dir.to_path_buf(), config, metrics, history, test, calibration })
    }

    /// The loss configuration.
    pub fn loss(&self) -> LossConfig {
        self.config.train.loss
    }

    /// The headline figures: on the test split when there is one, else on validation (else training).
    pub fn figures(&self) -> Figures {
        let (split, e) = match (&self.test, &self.metrics.valid) {
            (Some(t), _) => ("test", t.clone()),
            (None, Some(v)) => ("validation", v.evaluation.clone()),
            (None, None) => ("training", self.metrics.train.evaluation.clone()),
        };
        let loss = self.loss();
        let keras_loss: KerasLoss = loss.keras_loss();
        let view = self.calibration.as_ref().and_then(|c| c.views.last());
        Figures {
            split: split.into(),
            accuracy: e.accuracy.unwrap_or(e.categorical_accuracy),
            keras2: AccuracyRule::Keras2Legacy.reported(keras_loss, &e, false),
            keras3: AccuracyRule::Keras3.reported(keras_loss, &e, false),
            macro_f1: e.macro_f1,
            balanced_accuracy: e.balanced_accuracy,
            ece_before: view.map(|v| v.before.ece).or(e.ece),
            ece_after: view.map(|v| v.after.ece),
            evaluation: e,
        }
    }
}

/// Per-configuration statistics across seeds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConfigStats {
    /// The configuration.
    pub loss: LossConfig,
    /// The seeds, in the order of the values below.
    pub seeds: Vec<u64>,
    /// `(metric name, per-seed values, summary)` for true accuracy, Keras-2- and Keras-3-reported
    /// accuracy, macro-F1, balanced accuracy, ECE before and after.
    pub metrics: Vec<(String, Vec<f64>, Summary)>,
}

impl ConfigStats {
    /// The values and summary of `metric`.
    pub fn get(&self, metric: &str) -> Option<(&[f64], &Summary)> {
        self.metrics.iter().find(|(m, _, _)| m == metric).map(|(_, v, s)| (v.as_slice(), s))
    }
}

/// Metric names in [`ConfigStats`].
pub const METRICS: [&str; 7] =
    ["accuracy", "keras2_reported", "keras3_reported", "macro_f1", "balanced_accuracy", "ece_before", "ece_after"];

/// The metrics configurations are compared on, as `(name in [`ConfigStats`], label in
/// [`Comparison::metric`])`, in the order of [`Experiment::comparisons`].
pub const COMPARED: [(&str, &str); 2] = [("accuracy", "true accuracy"), ("keras2_reported", "Keras-2-reported accuracy")];

/// A whole experiment read from its directory, with its statistics.
#[derive(Debug, Clone)]
pub struct Experiment {
    /// The experiment directory.
    pub dir: PathBuf,
    /// `experiment.json`.
    pub manifest: Manifest,
    /// Every run, in plan order.
    pub runs: Vec<RunArtifacts>,
    /// Statistics per configuration, in plan order.
    pub configs: Vec<ConfigStats>,
    /// Every pair of configurations compared on true accuracy (paired by seed), then on the
    /// Keras-2-reported accuracy.
    pub comparisons: Vec<Comparison>,
}

impl Experiment {
    /// Reads an experiment directory and computes its statistics.
    ///
    /// # Errors
    /// A missing directory or `experiment.json`; a missing or unfinished run directory (named);
    /// runs whose data SHA-256 differs from the experiment's (refused: they are not comparable).
    pub fn load(dir: &Path) -> Result<Self> {
        if !dir.is_dir() {
            return Err(Error::InvalidArgument(format!("experiment directory {} does not exist", dir.display())));
        }
        let mp = dir.join("experiment.json");
        if !mp.is_file() {
            return Err(Error::InvalidArgument(format!("{} has no experiment.json: not an experiment directory", dir.display())));
        }
        let manifest: Manifest = artifacts::read_json(&mp)?;
        let mut runs = Vec::new();
        for (loss, seed, rel) in manifest.runs() {
            let rd = dir.join(&rel);
            if !rd.is_dir() {
                return Err(Error::InvalidArgument(format!(
                    "run directory {} ({loss}, seed {seed}) is missing: run the plan again to create it",
                    rd.display()
                )));
            }
            let run = RunArtifacts::load(&rd)?;
            if run.config.data.sha256 != manifest.data.sha256 {
                return Err(Error::Mismatch(format!(
                    "refusing to compare: run {} was trained on data with SHA-256 {} but the experiment's data \
                     has {} ({})",
                    rd.display(),
                    run.config.data.sha256,
                    manifest.data.sha256,
                    manifest.data.source
                )));
            }
            runs.push(run);
        }
        let mut configs = Vec::new();
        for &loss in &manifest.losses {
            let rs: Vec<&RunArtifacts> = runs.iter().filter(|r| r.loss() == loss).collect();
            let figs: Vec<Figures> = rs.iter().map(|r| r.figures()).collect();
            let mut metrics = Vec::new();
            for m in METRICS {
                let vals: Vec<f64> = figs
                    .iter()
                    .filter_map(|f| match m {
                        "accuracy" => Some(f.accuracy),
                        "keras2_reported" => Some(f.keras2),
                        "keras3_reported" => Some(f.keras3),
                        "macro_f1" => f.macro_f1,
                        "balanced_accuracy" => f.balanced_accuracy,
                        "ece_before" => f.ece_before,
                        _ => f.ece_after,
                    })
                    .collect();
                if vals.len() == figs.len() && !vals.is_empty() {
                    metrics.push((m.to_string(), vals.clone(), Summary::of(&vals)?));
                }
            }
            configs.push(ConfigStats { loss, seeds: rs.iter().map(|r| r.config.train.seed).collect(), metrics });
        }
        let mut comparisons = Vec::new();
        for (metric, label) in COMPARED {
            for i in 0..configs.len() {
                for j in i + 1..configs.len() {
                    let (a, b) = (&configs[i], &configs[j]);
                    if let (Some((va, _)), Some((vb, _))) = (a.get(metric), b.get(metric)) {
                        let paired = a.seeds == b.seeds;
                        comparisons.push(Comparison::new(a.loss.name(), b.loss.name(), label, va, vb, paired)?);
                    }
                }
            }
        }
        Ok(Self { dir: dir.to_path_buf(), manifest, runs, configs, comparisons })
    }

    /// The number of seeds.
    pub fn n_seeds(&self) -> usize {
        self.manifest.seeds.len()
    }

    /// The fold number when the experiment is fold `N` of a cross-validation (its directory is
    /// named `fold-N`, as the ECG and text pipelines lay folds out), else `None`.
    pub fn fold(&self) -> Option<usize> {
        self.dir.file_name()?.to_str()?.strip_prefix("fold-")?.parse().ok()
    }
}
