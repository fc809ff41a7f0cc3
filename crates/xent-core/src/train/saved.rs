//! Using a finished run: load its weights, evaluate it on new data, write predictions.
//!
//! The CLI's `xent eval RUN --data …` and `xent predict RUN --data … --out preds.npy` are thin
//! wrappers: the domain crate builds the model from [`RunConfig::model`] and its data source from
//! `--data`, then calls [`SavedRun::evaluate`] or [`SavedRun::predict`] (whose output
//! [`crate::artifacts::write_npy`] writes in the form `xent score --pred` reads).

use burn::prelude::*;

use super::{Classifier, DataSource, RunConfig, SplitReport, check_outputs, evaluate, predict};
use crate::artifacts::{RunDir, read_json};
use crate::error::{Error, Result};
use super::history::EpochMetrics;
use crate::loss::TrainingLoss;
use crate::matrix::Matrix;
use crate::metrics::EvaluatorConfig;
use crate::rule::KerasReported;

/// A run directory with its `config.json`.
#[derive(Debug, Clone)]
pub struct SavedRun {
    /// The directory.
    pub dir: RunDir,
    /// Its configuration.
    pub config: RunConfig,
}

impl SavedRun {
    /// Opens a finished run (one with `config.json` and `model.bpk`).
    ///
    /// # Errors
    /// [`Error::Io`], or a parse error of xent-metrics ([`Error::Metrics`]), naming the missing or malformed file.
    pub fn open(dir: RunDir) -> Result<Self> {
        let config: RunConfig = read_json(&dir.file("config.json"))?;
        let weights = dir.file("model.bpk");
        if !weights.is_file() {
            return Err(Error::io(
                &weights,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no final weights: the run has not finished"),
            ));
        }
        Ok(Self { dir, config })
    }

    /// Loads the final weights into `model` (built by the domain crate from
    /// [`RunConfig::model`]) and returns its validation-mode copy.
    ///
    /// # Errors
    /// [`Error::Record`] when the weights do not fit the model.
    pub fn load_model<M: Module>(&self, model: M) -> Result<M> {
        let p = self.dir.file("model.bpk");
        let m = model.try_load_file(&p).map_err(|e| Error::Record { path: p, message: e.to_string() })?;
        Ok(m.valid())
    }

    /// Evaluates `model` on all of `data` with the run's loss configuration and threshold.
    ///
    /// # Errors
    /// K mismatch with the run, or batch errors.
    pub fn evaluate<M, D>(&self, model: &M, data: &D, device: &Device) -> Result<SplitReport>
    where
        M: Classifier,
        D: DataSource<Batch = M::Batch>,
    {
        let t = &self.config.train;
        if data.num_classes() != self.config.num_classes {
            return Err(Error::Mismatch(format!(
                "the data has {} classes but the run {} was trained on {}",
                data.num_classes(),
                self.dir.path().display(),
                self.config.num_classes
            )));
        }
        check_outputs(self.config.num_outputs, data.num_classes(), t.loss, data.targets().kind())?;
        let loss = TrainingLoss::new(t.loss).with_label_smoothing(t.label_smoothing);
        let cfg = EvaluatorConfig { threshold: t.threshold, ..Default::default() };
        let (e, l) = evaluate(model, data, None, &loss, &cfg, t.eval_batch_size, device)?;
        let sparse = data.targets().is_sparse();
        Ok(SplitReport {
            summary: EpochMetrics::new(l, &e, t.loss, sparse),
            keras_reported: KerasReported::from_evaluation(&e, sparse),
            evaluation: e,
        })
    }

    /// Probabilities (after the run's head) for every sample of `data`, `N × outputs`.
    ///
    /// # Errors
    /// Batch errors.
    pub fn predict<M, D>(&self, model: &M, data: &D, device: &Device) -> Result<Matrix>
    where
        M: Classifier,
        D: DataSource<Batch = M::Batch>,
    {
        predict(model, data, self.config.train.loss, self.config.train.eval_batch_size, device)
    }
}
