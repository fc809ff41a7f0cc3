//! Multi-seed experiments: the same network under several loss configurations, N seeds each,
//! and the statistics that say whether a difference between configurations is real.
//!
//! A domain crate provides two things:
//! - a model configuration implementing [`ModelConfig`] (serialisable; builds its
//!   [`crate::Classifier`] with a given number of outputs on a device);
//! - a [`Split`]: training, validation and (optionally) test [`crate::DataSource`]s plus the
//!   data's description and SHA-256 ([`crate::DataInfo`]).
//!
//! ```ignore
//! let split = Split::new(train, valid, DataInfo { source: "datasets/mitdb".into(), sha256 })
//!     .with_test(test)
//!     .with_class_names(vec!["N".into(), "S".into(), "V".into(), "F".into(), "Q".into()]);
//! let plan = Plan::seeds(5).with_train(TrainConfig { epochs: 20, ..Default::default() }).in_dir("runs/ecg-cnn");
//! let experiment = xent_core::experiment::compare_losses(&Cnn1dConfig::default(), &split, &plan)?;
//! println!("{}", experiment.comparisons[0].verdict);   // report.md and the SVGs are written too
//! ```
//!
//! Each run is an ordinary run directory `<dir>/<loss>/seed-<seed>/` (see [`crate::artifacts`])
//! with, in addition, the logits and targets of the validation and test splits
//! (`logits_valid.npy`, `targets_valid.npy`, `logits_test.npy`, `targets_test.npy`, `f4`, `N × K`)
//! and `calibration.json` (temperature scaling fitted on validation, measured on test), written
//! last: a run with `calibration.json` is finished and skipped when the plan is run again; a run
//! without it is resumed from its checkpoint. `experiment.json` records the plan, the model and
//! the data; runs whose data checksums differ are never compared.

use std::time::Instant;

use burn::prelude::*;
use serde::Serialize;

// The plan, the manifest and the reading of finished runs (Burn-free), under their old paths.
pub use xent_metrics::experiment::{
    ConfigStats, CvConfig, CvSummary, Experiment, Figures, Manifest, Plan, RunArtifacts, cv, plan, results,
};

use crate::artifacts::{self, DataInfo, OpenMode, RunDir};
/// The batched inference helper, under its old path.
pub use crate::train::logits;
use crate::calibrate::temperature_scale;
use crate::error::{Error, Result};
use crate::loss::LossConfig;
use crate::train::{Classifier, DataSource, TrainConfig, Trainer};

/// A model configuration an experiment can instantiate for every loss configuration.
pub trait ModelConfig: Serialize {
    /// The model it builds.
    type Model: Classifier;

    /// A fresh model with `outputs` logits (K, or 1 for a single sigmoid unit) on `device`.
    /// Called after Burn's RNG is seeded with the run's seed.
    fn init(&self, outputs: usize, device: &Device) -> Self::Model;
}

/// One data split of an experiment: the data every run of the plan trains and is measured on.
#[derive(Debug, Clone)]
pub struct Split<D> {
    /// Training samples.
    pub train: D,
    /// Validation samples: early stopping, and the temperature fit. `None` when the final model
    /// trains on every training sample for a fixed number of epochs (chosen by cross-validation
    /// beforehand): no early stopping then, and no temperature fit.
    pub valid: Option<D>,
    /// Test samples, measured once per run with the final weights. Without one, the headline
    /// figures and the calibration "after" figures are on the validation split (optimistic).
    pub test: Option<D>,
    /// The data's source and SHA-256 (recorded in every run; runs that disagree are never compared).
    pub data: DataInfo,
    /// Class names for tables and plots.
    pub class_names: Vec<String>,
}

impl<D> Split<D> {
    /// A split without test data or class names.
    pub fn new(train: D, valid: D, data: DataInfo) -> Self {
        Self { train, valid: Some(valid), test: None, data, class_names: Vec::new() }
    }

    /// A split without validation data: the runs train on all of `train` for the plan's epochs.
    pub fn without_validation(train: D, data: DataInfo) -> Self {
        Self { train, valid: None, test: None, data, class_names: Vec::new() }
    }

    /// Adds a test split.
    pub fn with_test(mut self, test: D) -> Self {
        self.test = Some(test);
        self
    }

    /// Names the classes.
    pub fn with_class_names(mut self, names: Vec<String>) -> Self {
        self.class_names = names;
        self
    }
}

/// Trains every run of `plan` that is not finished yet — `N seeds × loss configurations` of the
/// model `model` on `split` — then loads the whole experiment from its artifacts, computes the
/// statistics and writes `report.md`, the plots, `results.csv` and `statistics.json`. Prints one
/// line per run.
///
/// # Errors
/// An invalid plan (no directory, no seeds, duplicates); an `experiment.json` made with another
/// model, training configuration or data; any training error (naming the run); runs that disagree
/// on the data checksum.
pub fn compare_losses<C, D>(model: &C, split: &Split<D>, plan: &Plan) -> Result<Experiment>
where
    C: ModelConfig,
    D: DataSource<Batch = <C::Model as Classifier>::Batch>,
{
    let dir = plan.validate()?;
    let classes = split.train.num_classes();
    let manifest = Manifest {
        seeds: plan.seeds.clone(),
        losses: plan.losses.clone(),
        train: TrainConfig { seed: 0, loss: LossConfig::Categorical, ..plan.train.clone() },
        model: serde_json::to_value(model).map_err(|e| Error::Mismatch(format!("the model configuration: {e}")))?,
        data: split.data.clone(),
        class_names: split.class_names.clone(),
        has_test: split.test.is_some(),
        outputs: plan.losses.iter().map(|&l| (l, plan.outputs(l, classes))).collect(),
    };
    let path = dir.join("experiment.json");
    if path.is_file() {
        let old: Manifest = artifacts::read_json(&path)?;
        if old.train != manifest.train || old.model != manifest.model || old.data != manifest.data {
            return Err(Error::Mismatch(format!(
                "{}: the experiment was started with a different model, training configuration or data \
                 (data SHA-256 {} vs {}); use another directory",
                path.display(),
                old.data.sha256,
                manifest.data.sha256
            )));
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    artifacts::write_json(&path, &manifest)?;

    let total = plan.len();
    let device = crate::default_device();
    let mut trained = Vec::new();
    for (i, (loss, seed, rel)) in manifest.runs().into_iter().enumerate() {
        let run = RunDir::at(dir.join(&rel));
        let tag = format!("[{}/{total}] {loss} seed {seed}", i + 1);
        if run.file("calibration.json").is_file() {
            println!("{tag}: finished earlier, skipped ({})", run.path().display());
            continue;
        }
        let started = Instant::now();
        let outputs = plan.outputs(loss, classes);
        let cfg = plan.run_config(loss, seed);
        let eval_batch = cfg.eval_batch_size;
        let outcome = Trainer::new(cfg)
            .quiet(plan.quiet)
            .with_run(run.clone(), OpenMode::Resume)
            .with_model_config(model)
            .with_data_info(split.data.clone())
            .with_class_names(split.class_names.clone())
            .fit(|d| model.init(outputs, d), &split.train, split.valid.as_ref())
            .map_err(|e| Error::Run { tag: tag.clone(), path: run.path().to_path_buf(), source: Box::new(e) })?;
        let mut parts = Vec::new();
        if let Some(v) = &split.valid {
            parts.push(("valid", v));
        }
        if let Some(t) = &split.test {
            parts.push(("test", t));
        }
        let mut saved = Vec::new();
        for (name, data) in parts {
            let z = logits(&outcome.model, data, eval_batch, &device)?;
            let y = data.targets().to_dense(classes)?;
            artifacts::write_npy(&run.file(&format!("logits_{name}.npy")), &z)?;
            artifacts::write_npy(&run.file(&format!("targets_{name}.npy")), &y)?;
            saved.push((z, data.targets().labels()));
        }
        let eval_name = match (&split.test, &split.valid) {
            (Some(_), _) => "test",
            (None, Some(_)) => "validation",
            (None, None) => "training",
        };
        if split.valid.is_none() {
            // No held-out data to fit a temperature on: the marker still says the run finished.
            artifacts::write_json(&run.file("calibration.json"), &serde_json::Value::Null)?;
        } else if let (Some((vz, Some(vl))), Some((ez, Some(el)))) = (saved.first(), saved.last()) {
            let cal = temperature_scale(loss, (vz, vl), (ez, el), eval_name)?;
            artifacts::write_json(&run.file("calibration.json"), &cal)?;
        } else {
            // Multi-label targets: no temperature scaling; the marker still says the run finished.
            artifacts::write_json(&run.file("calibration.json"), &serde_json::Value::Null)?;
        }
        let art = RunArtifacts::load(run.path())?;
        crate::report::write_run_report(&art)?;
        let f = art.figures();
        let resumed = outcome.resumed_after.map_or(String::new(), |e| format!(" (resumed after epoch {e})"));
        let seconds = started.elapsed().as_secs_f64();
        trained.push(seconds);
        println!(
            "{tag}: {eval_name} accuracy {:.2} % (Keras 2 reports {:.2} %, Keras 3 {:.2} %) in {seconds:.1} s{resumed}{}",
            100.0 * f.accuracy,
            100.0 * f.keras2,
            100.0 * f.keras3,
            eta(&trained, total - i - 1)
        );
    }
    let experiment = Experiment::load(dir)?;
    crate::report::write_experiment_report(&experiment)?;
    Ok(experiment)
}

/// `; N runs left, about T` from the durations of the runs trained so far (empty when none are left).
fn eta(trained: &[f64], left: usize) -> String {
    if left == 0 || trained.is_empty() {
        return String::new();
    }
    let mean = trained.iter().sum::<f64>() / trained.len() as f64;
    let secs = (mean * left as f64).round() as u64;
    let time = if secs >= 60 { format!("{} min {:02} s", secs / 60, secs % 60) } else { format!("{secs} s") };
    format!("; {left} run{} left, about {time}", if left == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    #[test]
    fn eta_extrapolates_the_mean_run_time() {
        assert_eq!(super::eta(&[20.0, 30.0], 3), "; 3 runs left, about 1 min 15 s");
        assert_eq!(super::eta(&[20.0], 1), "; 1 run left, about 20 s");
        assert_eq!(super::eta(&[20.0], 0), "");
        assert_eq!(super::eta(&[], 4), "");
    }
}
