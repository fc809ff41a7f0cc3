//! The training engine: one loop for every loss configuration, resumable, with honest metrics.
//!
//! # Own loop, not Burn's `SupervisedTraining`
//!
//! The engine is a custom loop over Burn's forward / `backward` / [`ModuleOptimizer::step`](burn::optim::ModuleOptimizer::step)
//! rather than `burn::train::SupervisedTraining`, because it must
//! - compute the whole host-side metric set ([`crate::Evaluator`]: true accuracy, both Keras
//!   `'accuracy'` rules, macro-F1, balanced accuracy, NLL, ECE, confusion) from the *same* logits
//!   the loss sees, in one pass, without a Burn metric per figure;
//! - control randomness for exact resume: the shuffle of epoch `e` and Burn's process-global RNG
//!   (dropout) are re-seeded from `(seed, e)` at the start of every epoch, so a resumed run replays
//!   the exact same draws — `SupervisedTraining` owns its data loader's shuffle and never re-seeds
//!   the backend;
//! - weight the loss by class and sample weights with Keras's reduction, and own the head (the
//!   [`LossConfig`](crate::LossConfig)) so one network trains under every configuration;
//! - write xent's own artifacts atomically (`history.jsonl` and `history.csv`, `metrics.json`,
//!   checkpoints) and stop on a non-finite loss with the epoch and batch named.
//!
//! # Use
//!
//! ```ignore
//! let config = TrainConfig { loss: LossConfig::Binary, epochs: 20, batch_size: 16,
//!                            optimizer: OptimizerConfig::sgd_momentum(0.003, 0.7, false), ..Default::default() };
//! let outcome = Trainer::new(config)
//!     .with_run(RunDir::new("runs", "ecg-cnn", "binary-seed0"), OpenMode::New)
//!     .fit(|device| CnnConfig::new().init(device), &train, Some(&test))?;
//! println!("{:?}", outcome.metrics.valid.unwrap().summary.accuracy);
//! ```
//!
//! # Determinism
//!
//! Same seed, same data, same device and same build ⇒ bit-identical `metrics.json` (tested, also
//! across a stop and resume). Across machines the figures may differ in the last bits: the flex
//! backend's matrix products use SIMD kernels chosen at run time (AVX2/FMA vs others) and rayon
//! splits work by the number of cores, both of which change the order of float additions.

pub mod checkpoint;
pub mod evaluate;
pub mod model;
pub mod optim;
pub mod progress;
pub mod saved;

use std::time::Instant;

use burn::optim::GradientsParams;
use burn::prelude::*;
use serde::Serialize;

pub use checkpoint::{Checkpoint, CheckpointState};
pub use evaluate::{evaluate, logits, predict};
use evaluate::{batch_err, check_outputs, scores, target_rows};
pub use model::{Classifier, DataSource};
pub use optim::OptimizerInit;
pub use progress::Progress;
pub use saved::SavedRun;
// The training configuration and records as data (Burn-free), under their old paths.
pub use xent_metrics::train::{
    ClassWeighting, EarlyStopping, EpochMetrics, EpochRecord, FinalMetrics, LrSchedule, MomentConfig, Monitor, OptimizerConfig,
    RunConfig, Sampling, ScheduleState, SplitReport, StopState, TrainConfig, class_weights, early_stopping,
    epoch_seed, history, optimizer, sampling, schedule, shuffled,
};

use crate::artifacts::{self, DataInfo, OpenMode, RunDir};
use crate::error::{Error, Result};
use crate::loss::TrainingLoss;
use crate::metrics::{Evaluator, EvaluatorConfig, TargetRows};
use crate::rule::KerasReported;
use crate::targets::Targets;

/// What [`Trainer::fit`] returns.
#[derive(Debug)]
pub struct TrainOutcome<M> {
    /// The trained model, in validation mode (no autodiff), on the plain device.
    pub model: M,
    /// One record per epoch.
    pub history: Vec<EpochRecord>,
    /// The final evaluations (also in `metrics.json`). `None` when the run was paused by
    /// [`Trainer::pause_after`] before finishing.
    pub metrics: Option<FinalMetrics>,
    /// The epoch whose checkpoint this call resumed from, when it resumed.
    pub resumed_after: Option<usize>,
}

/// Runs training.
#[derive(Debug, Clone)]
pub struct Trainer {
    /// Hyper-parameters.
    pub config: TrainConfig,
    device: Device,
    run: Option<(RunDir, OpenMode)>,
    quiet: bool,
    model_config: serde_json::Value,
    data: DataInfo,
    class_names: Vec<String>,
    pause_after: Option<usize>,
}

static RNG_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Exclusive use of Burn's process-global RNG.
///
/// Burn's CPU backends keep one RNG per process (`device.seed(s)` resets it for everyone), so two
/// trainings running at once in one process would interleave their draws (initialisation,
/// dropout) and neither would be reproducible. [`Trainer::fit`] holds this lock for its whole
/// duration: fits in one process run one after another. Run parallel experiments as separate
/// processes. Other code that draws from Burn's RNG while a fit may run (e.g. tests building
/// layers) should hold it too.
pub fn rng_lock() -> std::sync::MutexGuard<'static, ()> {
    RNG_LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The classes present in `indices` (for multi-label rows: every label with a positive).
fn present_classes(targets: &Targets, indices: &[usize], k: usize) -> Vec<usize> {
    let mut counts = vec![0usize; k];
    match targets {
        Targets::Labels(l) => indices.iter().for_each(|&i| counts[(l[i] as usize).min(k - 1)] += 1),
        Targets::Hot(m) => {
            for &i in indices {
                for (c, &v) in m.row(i).iter().enumerate() {
                    if v > 0.0 {
                        counts[c] += 1;
                    }
                }
            }
        }
    }
    counts
}

impl Trainer {
    /// A trainer with `config` on `default_device().autodiff()`, without a run directory.
    pub fn new(config: TrainConfig) -> Self {
        Self {
            config,
            device: crate::default_device().autodiff(),
            run: None,
            quiet: false,
            model_config: serde_json::Value::Null,
            data: DataInfo::default(),
            class_names: Vec::new(),
            pause_after: None,
        }
    }

    /// Writes artifacts and checkpoints to `run`, opened with `mode`.
    pub fn with_run(mut self, run: RunDir, mode: OpenMode) -> Self {
        self.run = Some((run, mode));
        self
    }

    /// Trains on `device` (made autodiff if it is not).
    pub fn with_device(mut self, device: Device) -> Self {
        self.device = if device.is_autodiff() { device } else { device.autodiff() };
        self
    }

    /// Hides the progress: the bar on a terminal, the line per epoch otherwise.
    pub fn quiet(mut self, quiet: bool) -> Self {
        self.quiet = quiet;
        self
    }

    /// The model's configuration, recorded in `config.json` and checked on resume.
    pub fn with_model_config(mut self, model: impl Serialize) -> Self {
        self.model_config = serde_json::to_value(model).unwrap_or(serde_json::Value::Null);
        self
    }

    /// The data source and checksum, recorded in `config.json`.
    pub fn with_data_info(mut self, data: DataInfo) -> Self {
        self.data = data;
        self
    }

    /// Class names for `confusion.csv` and `config.json`.
    pub fn with_class_names(mut self, names: Vec<String>) -> Self {
        self.class_names = names;
        self
    }

    /// Stops after `epochs` epochs of this invocation (after their checkpoint), as a kill would:
    /// for tests of resume and for time-sliced training.
    pub fn pause_after(mut self, epochs: usize) -> Self {
        self.pause_after = Some(epochs);
        self
    }

    /// Trains a model built by `init` (called once, after seeding Burn's RNG with the run seed) on
    /// `train`, validating on `valid` (or on the configured `validation_split` of `train`).
    ///
    /// # Errors
    /// Invalid configuration; an empty training set; validation classes absent from training;
    /// K mismatch between the model's outputs and the data; run directory refused or not writable;
    /// a batch that fails to load; a non-finite loss (naming epoch and batch; the last
    /// checkpoint is kept).
    pub fn fit<M, D>(&self, init: impl FnOnce(&Device) -> M, train: &D, valid: Option<&D>) -> Result<TrainOutcome<M>>
    where
        M: Classifier,
        D: DataSource<Batch = M::Batch>,
    {
        let cfg = &self.config;
        cfg.validate()?;
        let _rng = rng_lock();
        let device = &self.device;
        let plain = device.clone().without_autodiff();

        // ---- data checks, before anything is written ----
        if train.is_empty() {
            return Err(Error::InvalidArgument("the training set is empty".into()));
        }
        let n = train.len();
        let (train_idx, split_idx): (Vec<usize>, Vec<usize>) = match (valid, cfg.validation_split) {
            (None, Some(f)) => {
                let at = (n as f64 * (1.0 - f)) as usize;
                ((0..at).collect(), (at..n).collect())
            }
            _ => ((0..n).collect(), Vec::new()),
        };
        if train_idx.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "the training set is empty after holding out validation_split = {:?} of {n} samples",
                cfg.validation_split
            )));
        }
        // The validation data: a separate source, or the held-out tail of `train`.
        let (vsrc, vidx): (Option<&D>, Vec<usize>) = match valid {
            Some(v) => (Some(v), (0..v.len()).collect()),
            None if !split_idx.is_empty() => (Some(train), split_idx),
            None => (None, Vec::new()),
        };
        let targets = train.targets();
        let classes = train.num_classes();
        let kind = targets.kind();
        targets.check_against(targets.len(), classes).map_err(|e| Error::Mismatch(format!("training targets: {e}")))?;
        let train_counts = present_classes(targets, &train_idx, classes);
        if let Some(v) = vsrc {
            if v.is_empty() || vidx.is_empty() {
                return Err(Error::InvalidArgument("the validation set is empty".into()));
            }
            if v.num_classes() != classes {
                return Err(Error::Mismatch(format!(
                    "the validation data has {} classes but the training data has {classes}",
                    v.num_classes()
                )));
            }
            v.targets()
                .check_against(v.targets().len(), classes)
                .map_err(|e| Error::Mismatch(format!("validation targets: {e}")))?;
            let vcounts = present_classes(v.targets(), &vidx, classes);
            let unseen: Vec<String> = (0..classes)
                .filter(|&c| vcounts[c] > 0 && train_counts[c] == 0)
                .map(|c| format!("{} ({} samples)", self.class_name(c), vcounts[c]))
                .collect();
            if !unseen.is_empty() {
                return Err(Error::Mismatch(format!(
                    "validation classes never seen in training: {}",
                    unseen.join(", ")
                )));
            }
        }
        if let Some(es) = &cfg.early_stopping
            && es.monitor.needs_validation()
            && vsrc.is_none()
        {
            return Err(Error::InvalidArgument(format!(
                "early stopping monitors {:?} but there is no validation data",
                es.monitor
            )));
        }
        if let LrSchedule::Plateau { monitor, .. } = cfg.schedule
            && monitor.needs_validation()
            && vsrc.is_none()
        {
            return Err(Error::InvalidArgument(format!(
                "the plateau schedule monitors {monitor:?} but there is no validation data"
            )));
        }
        let sample_class = class_weights::sample_classes(targets);
        let class_weights = cfg.class_weight.weights(&class_weights::class_counts(
            &train_idx.iter().map(|&i| sample_class[i]).collect::<Vec<_>>(),
            classes,
        ))?;
        let sample_weights = train.sample_weights();
        if let Some(w) = sample_weights
            && w.len() != n
        {
            return Err(Error::Mismatch(format!("{} sample weights for {n} samples", w.len())));
        }

        // ---- model, and the K check on one sample ----
        // Seeded; on a GPU built on the CPU and moved, so the seed gives the same initial weights.
        let mut model = crate::device::seeded_init(device, cfg.seed, init);
        let probe = train.batch(&train_idx[..1], &plain).map_err(batch_err(0, 1))?;
        let k = model.valid().forward(&probe).dims()[1];
        drop(probe);
        check_outputs(k, classes, cfg.loss, kind)?;
        let loss_fn = TrainingLoss::new(cfg.loss).with_label_smoothing(cfg.label_smoothing);
        let eval_cfg = EvaluatorConfig { threshold: cfg.threshold, ..Default::default() };
        let mut optim = cfg.optimizer.init();

        // ---- run directory, config, resume ----
        let mut state = CheckpointState {
            epoch: 0,
            iterations: 0,
            seed: cfg.seed,
            schedule: ScheduleState::new(cfg.optimizer.learning_rate()),
            stop: StopState::default(),
            stopped_early: false,
            history: Vec::new(),
        };
        let mut best: Option<M> = None;
        let mut resumed_after = None;
        let run_config = RunConfig {
            train: cfg.clone(),
            model: self.model_config.clone(),
            data: self.data.clone(),
            n_train: train_idx.len(),
            n_valid: vidx.len(),
            num_classes: classes,
            num_outputs: k,
            class_names: self.class_names.clone(),
            git_revision: artifacts::git_revision(),
            versions: crate::device::versions(device),
        };
        let checkpoint = self.run.as_ref().map(|(run, _)| Checkpoint::of(run));
        if let Some((run, mode)) = &self.run {
            let kept = run.prepare(*mode)?;
            let previous = kept.then(|| run.file("config.json")).filter(|p| p.is_file());
            if let Some(p) = previous {
                let old: RunConfig = artifacts::read_json(&p)?;
                if old.train != run_config.train || old.model != run_config.model || old.data != run_config.data {
                    return Err(Error::Mismatch(format!(
                        "{}: the run was started with different hyper-parameters, model or data; \
                         use a new run name or --force",
                        p.display()
                    )));
                }
                if let Some(loaded) = Checkpoint::of(run).load(model.clone(), optim)? {
                    model = loaded.model;
                    optim = loaded.optim;
                    best = loaded.best;
                    state = loaded.state;
                    resumed_after = Some(state.epoch);
                    eprintln!(
                        "{}: resuming after epoch {} of {} from its checkpoint",
                        run.path().display(),
                        state.epoch,
                        cfg.epochs
                    );
                    // A kill between the checkpoint and the history files leaves them an epoch
                    // behind: bring both back to the checkpoint's epochs.
                    history::write_history(run.path(), &state.history)?;
                } else {
                    optim = cfg.optimizer.init();
                }
            } else {
                artifacts::write_json(&run.file("config.json"), &run_config)?;
            }
        }

        // ---- epochs ----
        let base_lr = cfg.optimizer.learning_rate();
        let restore = cfg.early_stopping.is_some_and(|e| e.restore_best);
        let batches = train_idx.len().div_ceil(cfg.batch_size);
        let mut rows = Vec::with_capacity(cfg.batch_size * k);
        let mut weights = Vec::with_capacity(cfg.batch_size);
        let mut probs = Vec::new();
        let mut epochs_this_call = 0;
        let label = self.run.as_ref().map(|(r, _)| r.path().display().to_string()).unwrap_or_default();
        while state.epoch < cfg.epochs && !state.stopped_early {
            if self.pause_after.is_some_and(|p| epochs_this_call >= p) {
                return Ok(TrainOutcome { model: model.valid(), history: state.history, metrics: None, resumed_after });
            }
            let epoch = state.epoch + 1;
            let started = Instant::now();
            device.seed(epoch_seed(cfg.seed, epoch, 1));
            let order = cfg.sampling.epoch_order(&train_idx, &sample_class, classes, cfg.shuffle, cfg.seed, epoch);
            let lr_epoch = state.schedule.lr_for_epoch(&cfg.schedule, base_lr, epoch - 1);
            let progress = Progress::epoch(&label, epoch, cfg.epochs, order.len(), self.quiet);
            let mut evaluator = Evaluator::new(k, kind, eval_cfg.clone());
            let (mut loss_sum, mut seen) = (0.0f64, 0usize);
            for (b, chunk) in order.chunks(cfg.batch_size).enumerate() {
                let bn = chunk.len();
                let input = train.batch(chunk, device).map_err(batch_err(epoch, b + 1))?;
                target_rows(targets, chunk, k, &mut rows);
                let y = Tensor::<2>::from_data(TensorData::new(rows.clone(), [bn, k]), device);
                let w = if class_weights.is_some() || sample_weights.is_some() {
                    weights.clear();
                    weights.extend(chunk.iter().map(|&i| {
                        class_weights.as_ref().map_or(1.0, |cw| cw[sample_class[i]]) * sample_weights.map_or(1.0, |s| s[i])
                    }));
                    Some(Tensor::<1>::from_data(TensorData::new(weights.clone(), [bn]), device))
                } else {
                    None
                };
                let logits = model.forward(&input);
                let loss = loss_fn.forward(logits.clone(), y, w);
                let value = loss.clone().into_scalar::<f32>();
                if !value.is_finite() {
                    let kept = match (&checkpoint, state.epoch) {
                        (Some(c), e) if e > 0 => format!("the checkpoint of epoch {e} in {} is kept", c.dir().display()),
                        (Some(_), _) => "no epoch had completed, so there is no checkpoint".to_string(),
                        (None, _) => "no run directory was given, so nothing was saved".to_string(),
                    };
                    progress.finish("diverged");
                    return Err(Error::NonFiniteLoss { epoch, batch: b + 1, batches, loss: value, kept });
                }
                loss_sum += f64::from(value) * bn as f64;
                seen += bn;
                scores(logits.detach(), cfg.loss, &mut probs)?;
                evaluator.update(&probs, TargetRows::Hot(&rows), None);
                let grads = GradientsParams::from_grads(loss.backward(), &model);
                let lr = cfg.optimizer.lr_at(lr_epoch, state.iterations);
                model = optim.step(lr, model, grads);
                state.iterations += 1;
                progress.advance(bn, loss_sum / seen as f64);
            }
            let train_eval = evaluator.finish();
            let train_metrics = EpochMetrics::new(loss_sum / seen as f64, &train_eval, cfg.loss, targets.is_sparse());
            let valid_metrics = match vsrc {
                Some(v) => {
                    let (e, l) = evaluate(&model.valid(), v, Some(&vidx), &loss_fn, &eval_cfg, cfg.eval_batch_size, &plain)
                        .map_err(|e| match e {
                            Error::Batch { batch, source, .. } => Error::Batch { epoch, batch, source },
                            e => e,
                        })?;
                    Some(EpochMetrics::new(l, &e, cfg.loss, v.targets().is_sparse()))
                }
                None => None,
            };
            let record = EpochRecord {
                epoch,
                seconds: started.elapsed().as_secs_f64(),
                lr: cfg.optimizer.lr_at(lr_epoch, state.iterations - batches as u64),
                train: train_metrics,
                valid: valid_metrics,
            };
            if let LrSchedule::Plateau { monitor, .. } = cfg.schedule {
                state.schedule.end_epoch(&cfg.schedule, monitor.value(&record));
            }
            if let Some(es) = &cfg.early_stopping {
                let (improved, stop) = state.stop.update(es, epoch, es.monitor.value(&record));
                if improved && restore {
                    // A snapshot, running statistics included: `model.clone()` would share the
                    // batch norms' `RunningState` (behind an `Arc`) with the model still training,
                    // so the restored epoch would end with the last epoch's statistics. `valid()`
                    // makes new running states holding the synced values.
                    best = Some(model.valid());
                }
                state.stopped_early = stop;
            }
            progress.finish(&summary_line(&record));
            state.history.push(record);
            state.epoch = epoch;
            if let (Some((run, _)), Some(c)) = (&self.run, &checkpoint) {
                c.save(&model, &optim, best.as_ref().filter(|_| restore), &state)?;
                history::write_history(run.path(), &state.history)?;
            }
            epochs_this_call += 1;
        }

        // ---- final model and metrics ----
        let weights_epoch = match (&best, restore) {
            (Some(_), true) => state.stop.best_epoch.unwrap_or(state.epoch),
            _ => state.epoch,
        };
        if restore && let Some(b) = best {
            model = b;
        }
        let final_model = model.valid();
        let report = |src: &D, idx: &[usize]| -> Result<SplitReport> {
            let (e, l) = evaluate(&final_model, src, Some(idx), &loss_fn, &eval_cfg, cfg.eval_batch_size, &plain)?;
            let sparse = src.targets().is_sparse();
            Ok(SplitReport {
                summary: EpochMetrics::new(l, &e, cfg.loss, sparse),
                keras_reported: KerasReported::from_evaluation(&e, sparse),
                evaluation: e,
            })
        };
        let metrics = FinalMetrics {
            loss_config: cfg.loss,
            loss_description: cfg.loss.describe().to_string(),
            epochs_run: state.epoch,
            weights_epoch,
            stopped_early: state.stopped_early,
            train: report(train, &train_idx)?,
            valid: match vsrc {
                Some(v) => Some(report(v, &vidx)?),
                None => None,
            },
        };
        if let Some((run, _)) = &self.run {
            artifacts::write_json(&run.file("metrics.json"), &metrics)?;
            let confusion = &metrics.valid.as_ref().unwrap_or(&metrics.train).evaluation.confusion_matrix;
            if !confusion.is_empty() {
                artifacts::write_confusion_csv(&run.file("confusion.csv"), confusion, &self.class_names)?;
            }
            let p = run.file("model.bpk");
            let tmp = artifacts::tmp_sibling(&p);
            final_model.clone().save_file(&tmp).map_err(|e| Error::Record { path: p.clone(), message: e.to_string() })?;
            std::fs::rename(&tmp, &p).map_err(|e| Error::io(&p, e))?;
        }
        Ok(TrainOutcome { model: final_model, history: state.history, metrics: Some(metrics), resumed_after })
    }

    fn class_name(&self, c: usize) -> String {
        self.class_names.get(c).map_or_else(|| format!("class {c}"), |n| format!("class {c} ({n})"))
    }
}

fn summary_line(r: &EpochRecord) -> String {
    let pct = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{:.2}%", 100.0 * v));
    let mut s = format!(
        "loss {:.4} acc {} (Keras 2 reports {:.2}%)",
        r.train.loss,
        pct(r.train.accuracy),
        100.0 * r.train.keras2_reported_accuracy
    );
    if let Some(v) = &r.valid {
        s.push_str(&format!(" | val loss {:.4} acc {}", v.loss, pct(v.accuracy)));
    }
    s.push_str(&format!(" ({:.1} s)", r.seconds));
    s
}

#[cfg(test)]
mod tests;
