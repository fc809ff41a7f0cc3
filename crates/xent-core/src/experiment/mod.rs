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

mod hook;
mod split;

pub use hook::{FinishedRun, RunHook};
pub use split::Split;
pub use xent_metrics::experiment::{RunLock, Shard};

use crate::artifacts::{self, OpenMode, RunDir};
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

/// Trains every run of `plan` that is not finished yet — `N seeds × loss configurations` of the
/// model `model` on `split` — then loads the whole experiment from its artifacts, computes the
/// statistics and writes `report.md`, the plots, `results.csv` and `statistics.json`. Prints one
/// line per run. The same as [`compare_losses_with`] without a hook.
///
/// # Errors
/// As [`compare_losses_with`].
pub fn compare_losses<C, D>(model: &C, split: &Split<D>, plan: &Plan) -> Result<Experiment>
where
    C: ModelConfig,
    D: DataSource<Batch = <C::Model as Classifier>::Batch>,
{
    compare_losses_with(model, split, plan, ())
}

/// [`compare_losses`] with a [`RunHook`] called after each run trains (before it is marked
/// finished), for a domain crate's per-run extras.
///
/// Runs can be spread over processes: with [`Plan::shard`] this process trains only its share of
/// the runs, and in any case a run whose lock ([`RunLock`]) another live process holds is left to
/// that process. The process that finds every run finished at its end writes the report; the
/// others return [`Error::Unfinished`] naming the runs still in progress elsewhere (not a failure:
/// [`crate::Fault::Deferred`]).
///
/// # Errors
/// An invalid plan (no directory, no seeds, duplicates); an `experiment.json` made with another
/// model, training configuration or data; any training or hook error (naming the run); runs that
/// disagree on the data checksum; [`Error::Unfinished`] as above.
pub fn compare_losses_with<C, D, H>(model: &C, split: &Split<D>, plan: &Plan, mut hook: H) -> Result<Experiment>
where
    C: ModelConfig,
    D: DataSource<Batch = <C::Model as Classifier>::Batch>,
    H: RunHook<C::Model>,
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
    // Every shard writes the same manifest; only a different one is a change.
    if !path.is_file() || artifacts::read_json::<Manifest>(&path)? != manifest {
        artifacts::write_json(&path, &manifest)?;
    }

    let total = manifest.runs().len();
    // This process's share of the runs (all of them without a shard), with their plan positions.
    let mine: Vec<_> =
        manifest.runs().into_iter().enumerate().filter(|(j, _)| plan.shard.is_none_or(|s| s.owns(*j))).collect();
    let shard = plan.shard.map_or(String::new(), |s| format!(" (shard {s})"));
    let mut trained = Vec::new();
    let mut left = mine.len();
    for (j, (loss, seed, rel)) in mine {
        left -= 1;
        let run = RunDir::at(dir.join(&rel));
        let tag = format!("[{}/{total}] {loss} seed {seed}", j + 1);
        if is_finished(&run) {
            println!("{tag}: finished earlier, skipped ({})", run.path().display());
            continue;
        }
        let Some(_lock) = RunLock::try_acquire(run.path())? else {
            let holder = RunLock::holder(run.path()).unwrap_or_default();
            println!("{tag}: being trained by another process ({holder}), left to it");
            continue;
        };
        // Another process may have finished it between the check above and the lock.
        if is_finished(&run) {
            println!("{tag}: finished by another process, skipped ({})", run.path().display());
            continue;
        }
        let started = Instant::now();
        let (resumed_after, eval_name) = train_run(model, split, plan, &run, (loss, seed), &mut hook)
            .map_err(|e| Error::Run { tag: tag.clone(), path: run.path().to_path_buf(), source: Box::new(e) })?;
        let art = RunArtifacts::load(run.path())?;
        crate::report::write_run_report(&art)?;
        let f = art.figures();
        let resumed = resumed_after.map_or(String::new(), |e| format!(" (resumed after epoch {e})"));
        let seconds = started.elapsed().as_secs_f64();
        trained.push(seconds);
        println!(
            "{tag}{shard}: {eval_name} accuracy {:.2} % (Keras 2 reports {:.2} %, Keras 3 {:.2} %) in {seconds:.1} s{resumed}{}",
            100.0 * f.accuracy,
            100.0 * f.keras2,
            100.0 * f.keras3,
            eta(&trained, left)
        );
    }
    let unfinished: Vec<String> = manifest
        .runs()
        .into_iter()
        .filter(|(_, _, rel)| !is_finished(&RunDir::at(dir.join(rel))))
        .map(|(loss, seed, _)| format!("{loss} seed {seed}"))
        .collect();
    if !unfinished.is_empty() {
        return Err(Error::Unfinished { dir: dir.to_path_buf(), runs: unfinished });
    }
    let experiment = Experiment::load(dir)?;
    crate::report::write_experiment_report(&experiment)?;
    Ok(experiment)
}

/// A run is finished once `calibration.json`, written last, exists.
fn is_finished(run: &RunDir) -> bool {
    run.file("calibration.json").is_file()
}

/// Trains one run (resuming it when it has a checkpoint), writes its logits, targets, the hook's
/// extras and, last, `calibration.json`. Returns the epoch it resumed after, if any, and the name of
/// the split its headline figures are on.
fn train_run<C, D, H>(
    model: &C,
    split: &Split<D>,
    plan: &Plan,
    run: &RunDir,
    (loss, seed): (LossConfig, u64),
    hook: &mut H,
) -> Result<(Option<usize>, &'static str)>
where
    C: ModelConfig,
    D: DataSource<Batch = <C::Model as Classifier>::Batch>,
    H: RunHook<C::Model>,
{
    let device = &crate::default_device();
    let classes = split.train.num_classes();
    let outputs = plan.outputs(loss, classes);
    let cfg = plan.run_config(loss, seed);
    let eval_batch = cfg.eval_batch_size;
    let outcome = Trainer::new(cfg)
        .quiet(plan.quiet)
        .with_run(run.clone(), OpenMode::Resume)
        .with_model_config(model)
        .with_data_info(split.data.clone())
        .with_class_names(split.class_names.clone())
        .fit(|d| model.init(outputs, d), &split.train, split.valid.as_ref())?;
    let mut parts = Vec::new();
    if let Some(v) = &split.valid {
        parts.push(("valid", v));
    }
    if let Some(t) = &split.test {
        parts.push(("test", t));
    }
    let mut saved = Vec::new();
    for (name, data) in parts {
        let z = logits(&outcome.model, data, eval_batch, device)?;
        let y = data.targets().to_dense(classes)?;
        artifacts::write_npy(&run.file(&format!("logits_{name}.npy")), &z)?;
        artifacts::write_npy(&run.file(&format!("targets_{name}.npy")), &y)?;
        saved.push((z, data.targets().labels()));
    }
    let test_logits = split.test.as_ref().and(saved.last()).map(|(z, _)| z);
    hook.after_run(&FinishedRun { dir: run, loss, seed, model: &outcome.model, test_logits, device })?;
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
    Ok((outcome.resumed_after, eval_name))
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
