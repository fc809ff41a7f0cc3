//! Checkpoints: everything needed to continue a run exactly where its last completed epoch ended.
//!
//! A checkpoint is the directory `checkpoint/` of the run, holding
//! - `model.bpk` — the weights (Burn burnpack record, parameter ids included, so the optimizer
//!   state, keyed by parameter id, finds its parameters again);
//! - `optimizer.bpk` — the optimizer state (moments, velocities, step counts);
//! - `best.bpk` — the best epoch's weights when early stopping restores them;
//! - `state.json` — [`CheckpointState`]: the completed epoch, the iteration count, the schedule
//!   and early-stopping bookkeeping, and the history so far.
//!
//! There is no RNG state to save: the shuffle of epoch `e` and Burn's global RNG (dropout) during
//! epoch `e` are both seeded from `(run seed, e)` at the start of the epoch (see
//! [`super::epoch_seed`]), so they are a function of the epoch number alone.
//!
//! The directory is written as `checkpoint.tmp/`, then swapped in (`checkpoint/` →
//! `checkpoint.old/`, `checkpoint.tmp/` → `checkpoint/`, `checkpoint.old/` removed): at every
//! instant one complete checkpoint exists under `checkpoint/` or `checkpoint.old/`.

use std::fs;
use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::optim::ModuleOptimizer;
use serde::{Deserialize, Serialize};

use super::early_stopping::StopState;
use super::history::EpochRecord;
use super::schedule::ScheduleState;
use crate::artifacts::{RunDir, read_json, write_json};
use crate::error::{Error, Result};

/// The bookkeeping of a checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointState {
    /// Epochs completed.
    pub epoch: usize,
    /// Optimizer steps taken.
    pub iterations: u64,
    /// The run seed (checked on resume).
    pub seed: u64,
    /// Learning-rate schedule state.
    pub schedule: ScheduleState,
    /// Early-stopping state.
    pub stop: StopState,
    /// Whether early stopping ended the run at this epoch.
    pub stopped_early: bool,
    /// Every epoch's record so far.
    pub history: Vec<EpochRecord>,
}

/// Paths of a run's checkpoint.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    dir: PathBuf,
}

fn record_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Record { path: path.to_path_buf(), message: e.to_string() }
}

impl Checkpoint {
    /// The checkpoint of `run`.
    pub fn of(run: &RunDir) -> Self {
        Self { dir: run.file("checkpoint") }
    }

    /// The checkpoint directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn sibling(&self, suffix: &str) -> PathBuf {
        let mut name = self.dir.file_name().unwrap_or_default().to_os_string();
        name.push(suffix);
        self.dir.with_file_name(name)
    }

    /// The directory holding the newest complete checkpoint, if any.
    pub fn find(&self) -> Option<PathBuf> {
        [self.dir.clone(), self.sibling(".old")].into_iter().find(|d| d.join("state.json").is_file())
    }

    /// Writes a checkpoint and swaps it in.
    ///
    /// # Errors
    /// [`Error::Io`] / [`Error::Record`] naming the file.
    pub fn save<M: Module>(
        &self,
        model: &M,
        optim: &ModuleOptimizer,
        best: Option<&M>,
        state: &CheckpointState,
    ) -> Result<()> {
        let tmp = self.sibling(".tmp");
        let old = self.sibling(".old");
        if tmp.exists() {
            fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
        }
        fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
        // Recorded through `valid()`, which syncs running states first: Burn's `RunningState`
        // (a batch norm's running mean and variance) holds its latest `update` aside until a
        // sync, and recording a module reads the value without syncing, so `model.clone()` would
        // record statistics one batch behind — the epoch's last update missing. A resumed run
        // would then end with other running statistics (training, which normalises with the
        // batch's statistics, would not show it; the final inference-mode metrics would). The
        // record is otherwise the same: same tensors, same parameter ids.
        let p = tmp.join("model.bpk");
        model.valid().save_file(&p).map_err(|e| record_err(&p, e))?;
        let p = tmp.join("optimizer.bpk");
        optim.save(&p).map_err(|e| record_err(&p, e))?;
        if let Some(best) = best {
            let p = tmp.join("best.bpk");
            best.valid().save_file(&p).map_err(|e| record_err(&p, e))?;
        }
        write_json(&tmp.join("state.json"), state)?;
        if self.dir.exists() {
            if old.exists() {
                fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
            }
            fs::rename(&self.dir, &old).map_err(|e| Error::io(&self.dir, e))?;
        }
        fs::rename(&tmp, &self.dir).map_err(|e| Error::io(&self.dir, e))?;
        if old.exists() {
            fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
        }
        Ok(())
    }

    /// Loads the newest complete checkpoint into `model` (freshly initialised, same architecture)
    /// and `optim` (freshly built, same configuration). Returns `None` when there is none.
    ///
    /// # Errors
    /// [`Error::Io`] / [`Error::Record`] naming the file, or a parse error of xent-metrics ([`Error::Metrics`]).
    pub fn load<M: Module>(
        &self,
        model: M,
        optim: ModuleOptimizer,
    ) -> Result<Option<Loaded<M>>> {
        let Some(dir) = self.find() else { return Ok(None) };
        let state: CheckpointState = read_json(&dir.join("state.json"))?;
        let p = dir.join("best.bpk");
        // Into `model.valid()`, not `model.clone()`: a clone shares its running states with
        // `model`, which loading model.bpk below would then overwrite.
        let best = if p.is_file() {
            Some(model.valid().try_load_file(&p).map_err(|e| record_err(&p, e))?)
        } else {
            None
        };
        let p = dir.join("model.bpk");
        let model = model.try_load_file(&p).map_err(|e| record_err(&p, e))?;
        let p = dir.join("optimizer.bpk");
        let optim = optim.load(&p).map_err(|e| record_err(&p, e))?;
        Ok(Some(Loaded { model, optim, best, state }))
    }
}

/// A loaded checkpoint.
pub struct Loaded<M> {
    /// The weights after the checkpoint's epoch.
    pub model: M,
    /// The optimizer with its state.
    pub optim: ModuleOptimizer,
    /// The best epoch's weights, when kept (in validation mode, with running states of its own).
    pub best: Option<M>,
    /// The bookkeeping.
    pub state: CheckpointState,
}
