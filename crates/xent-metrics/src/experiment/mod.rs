//! Experiments as data: what an experiment runs ([`Plan`]: seeds × loss configurations), what it
//! records (`experiment.json`: [`Manifest`]), and everything read back from its finished runs
//! ([`Experiment`], [`RunArtifacts`]: the figures, the statistics between configurations, and
//! cross-validation summaries in [`cv`]).
//!
//! Each run is an ordinary run directory `<dir>/<loss>/seed-<seed>/` (see [`crate::artifacts`])
//! with, in addition, the logits and targets of the validation and test splits
//! (`logits_valid.npy`, `targets_valid.npy`, `logits_test.npy`, `targets_test.npy`, `f4`, `N × K`)
//! and `calibration.json` (temperature scaling fitted on validation, measured on test), written
//! last. Training the runs is xent-core's `experiment::compare_losses` (Burn).

pub mod cv;
pub mod lock;
pub mod plan;
pub mod results;
pub mod shard;

use serde::{Deserialize, Serialize};

pub use cv::{CvConfig, CvSummary};
pub use lock::RunLock;
pub use plan::Plan;
pub use results::{ConfigStats, Experiment, Figures, RunArtifacts};
pub use shard::Shard;

use crate::artifacts::DataInfo;
use crate::loss::LossConfig;
use crate::train::TrainConfig;

/// `experiment.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The seeds.
    pub seeds: Vec<u64>,
    /// The loss configurations.
    pub losses: Vec<LossConfig>,
    /// The shared training configuration (`loss` and `seed` vary per run).
    pub train: TrainConfig,
    /// The model configuration as serialised.
    pub model: serde_json::Value,
    /// The data.
    pub data: DataInfo,
    /// Class names.
    pub class_names: Vec<String>,
    /// Whether there is a test split.
    pub has_test: bool,
    /// Model outputs per configuration name.
    pub outputs: Vec<(LossConfig, usize)>,
}

impl Manifest {
    /// Run directories relative to the experiment directory, in plan order (configuration-major).
    pub fn runs(&self) -> Vec<(LossConfig, u64, std::path::PathBuf)> {
        self.losses
            .iter()
            .flat_map(|&l| self.seeds.iter().map(move |&s| (l, s, Plan::run_path(l, s))))
            .collect()
    }
}
