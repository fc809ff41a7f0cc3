//! What an experiment runs: seeds × loss configurations, with one training configuration.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Shard;
use crate::error::{Error, Result};
use crate::loss::LossConfig;
use crate::train::TrainConfig;

/// An experiment plan: every seed of `seeds` under every configuration of `losses`, each an
/// ordinary run directory `<dir>/<loss>/seed-<seed>/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The seeds (model initialisation, shuffles, dropout). Shared by every configuration, so
    /// runs pair up by seed.
    pub seeds: Vec<u64>,
    /// The loss configurations compared.
    pub losses: Vec<LossConfig>,
    /// Training hyper-parameters; `loss` and `seed` are replaced per run.
    pub train: TrainConfig,
    /// Where the experiment lives (`experiment.json`, run directories, report).
    pub dir: Option<PathBuf>,
    /// For two classes under [`LossConfig::Binary`], a single sigmoid unit (the Keras idiom)
    /// instead of two. Default false: every configuration has K outputs.
    pub single_sigmoid_for_two_classes: bool,
    /// Hide the per-epoch progress (a bar on a terminal, a line per epoch otherwise; the one line
    /// per run is always printed). Default false.
    pub quiet: bool,
    /// Train only this share of the runs (the others are left to other processes; see
    /// [`Shard`]). Default `None`: every run. Not part of what the experiment records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
}

impl Plan {
    /// Seeds `0..n` under the three default configurations ([`LossConfig::DEFAULT_SET`]) with the
    /// default [`TrainConfig`]. Give it a directory with [`Plan::in_dir`].
    pub fn seeds(n: u64) -> Self {
        Self {
            seeds: (0..n).collect(),
            losses: LossConfig::DEFAULT_SET.to_vec(),
            train: TrainConfig::default(),
            dir: None,
            single_sigmoid_for_two_classes: false,
            quiet: false,
            shard: None,
        }
    }

    /// These seeds instead.
    pub fn with_seeds(mut self, seeds: Vec<u64>) -> Self {
        self.seeds = seeds;
        self
    }

    /// These loss configurations instead.
    pub fn with_losses(mut self, losses: Vec<LossConfig>) -> Self {
        self.losses = losses;
        self
    }

    /// This training configuration (its `loss` and `seed` are replaced per run).
    pub fn with_train(mut self, train: TrainConfig) -> Self {
        self.train = train;
        self
    }

    /// The experiment directory.
    pub fn in_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    /// One sigmoid unit for two-class `Binary` runs.
    pub fn single_sigmoid_for_two_classes(mut self, yes: bool) -> Self {
        self.single_sigmoid_for_two_classes = yes;
        self
    }

    /// Hide the per-epoch progress.
    pub fn quiet(mut self, quiet: bool) -> Self {
        self.quiet = quiet;
        self
    }

    /// Train only this share of the runs.
    pub fn shard(mut self, shard: Option<Shard>) -> Self {
        self.shard = shard;
        self
    }

    /// Number of runs.
    pub fn len(&self) -> usize {
        self.seeds.len() * self.losses.len()
    }

    /// True when the plan has no run.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of model outputs of `loss` on `classes` classes.
    pub fn outputs(&self, loss: LossConfig, classes: usize) -> usize {
        if classes == 2 && loss == LossConfig::Binary && self.single_sigmoid_for_two_classes { 1 } else { classes }
    }

    /// The training configuration of one run.
    pub fn run_config(&self, loss: LossConfig, seed: u64) -> TrainConfig {
        TrainConfig { loss, seed, ..self.train.clone() }
    }

    /// The directory of one run, relative to the experiment directory.
    pub fn run_path(loss: LossConfig, seed: u64) -> PathBuf {
        Path::new(loss.name()).join(format!("seed-{seed}"))
    }

    /// Checks the plan.
    ///
    /// # Errors
    /// No directory, no seed, no configuration, duplicates, or an invalid training configuration.
    pub fn validate(&self) -> Result<&Path> {
        let dir = self.dir.as_deref().ok_or_else(|| {
            Error::InvalidArgument("the plan has no directory: give one with Plan::in_dir(\"runs/<name>\")".into())
        })?;
        if self.seeds.is_empty() || self.losses.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "the plan is empty: {} seeds × {} loss configurations",
                self.seeds.len(),
                self.losses.len()
            )));
        }
        let mut s = self.seeds.clone();
        s.sort_unstable();
        if let Some(w) = s.windows(2).find(|w| w[0] == w[1]) {
            return Err(Error::InvalidArgument(format!("seed {} appears twice in the plan", w[0])));
        }
        for (i, l) in self.losses.iter().enumerate() {
            if self.losses[..i].contains(l) {
                return Err(Error::InvalidArgument(format!("loss configuration {l} appears twice in the plan")));
            }
        }
        self.train.validate()?;
        Ok(dir)
    }
}
