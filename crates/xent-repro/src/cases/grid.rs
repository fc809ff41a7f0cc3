//! The cases' grids through xent-core's experiment runner: the networks as the runner's model
//! configurations, one plan shape for every case, and the per-run extras the cases measure.

use std::path::Path;

use burn::prelude::Device;
use serde::{Serialize, de::DeserializeOwned};
use xent_core::experiment::{FinishedRun, ModelConfig, Plan};
use xent_core::train::TrainConfig;
use xent_core::{Classifier, DataSource, LossConfig, artifacts};

use crate::error::{ReproError, Result};
use crate::models::{Mlp, MlpConfig, MnistCnn, MnistCnnConfig};

impl ModelConfig for MlpConfig {
    type Model = Mlp;

    /// This network with `outputs` output units.
    fn init(&self, outputs: usize, device: &Device) -> Mlp {
        MlpConfig { outputs, ..self.clone() }.init(device)
    }
}

impl ModelConfig for MnistCnnConfig {
    type Model = MnistCnn;

    /// This network with `outputs` classes.
    fn init(&self, outputs: usize, device: &Device) -> MnistCnn {
        MnistCnnConfig { classes: outputs, ..self.clone() }.init(device)
    }
}

/// The plan of one of the cases' grids: `losses × seeds` under `train`, in `dir`, without
/// per-epoch progress unless `progress`. With `fresh`, whatever `dir` holds is deleted first.
///
/// # Errors
/// The directory cannot be removed.
pub(crate) fn plan(dir: &Path, losses: Vec<LossConfig>, seeds: Vec<u64>, train: TrainConfig, progress: bool, fresh: bool) -> Result<Plan> {
    if fresh && dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|error| ReproError::Io { path: dir.to_path_buf(), error })?;
    }
    Ok(Plan::seeds(0).with_seeds(seeds).with_losses(losses).with_train(train).quiet(!progress).in_dir(dir))
}

/// A per-run extra: `measure(model, loss)` written to `file` in the run directory.
pub(crate) fn save_in_run<M, T: Serialize>(
    run: &FinishedRun<'_, M>,
    file: &str,
    measure: impl FnOnce(&M, LossConfig) -> Result<T>,
) -> xent_core::Result<()> {
    let value = measure(run.model, run.loss)?;
    artifacts::write_json(&run.dir.file(file), &value)?;
    Ok(())
}

/// What [`save_in_run`] wrote for a finished run.
///
/// # Errors
/// A missing or malformed file, naming it.
pub(crate) fn read_from_run<T: DeserializeOwned>(run: &Path, file: &str) -> Result<T> {
    Ok(artifacts::read_json(&run.join(file))?)
}

/// The evaluation of `data` by a trained model under its loss (the cases' [`super::evaluate`]),
/// as a per-run extra.
pub(crate) fn evaluate_in_run<M, D>(run: &FinishedRun<'_, M>, file: &str, data: &D) -> xent_core::Result<()>
where
    M: Classifier,
    D: DataSource<Batch = M::Batch>,
{
    save_in_run(run, file, |m, loss| super::evaluate(m, data, loss))
}
