//! The options every `xent train` subcommand shares, spelled the same everywhere: `--losses`,
//! `--seeds`, `--out`, `--data`, `--force`, `--quiet`, `--shard`, `--device`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use xent_core::burn::prelude::Device;
use xent_core::{LossConfig, Shard, SoftmaxBinaryMode};

/// The heading of the common options in `--help`.
const COMMON: &str = "Common options (every `xent train` subcommand)";

/// The options of every `xent train` subcommand.
#[derive(Args, Debug, Clone)]
pub struct CommonTrainArgs {
    /// Loss configurations, comma-separated [default: the subcommand's, under Defaults below].
    #[arg(help_heading = COMMON, long, value_enum, value_delimiter = ',')]
    pub losses: Vec<LossArg>,
    /// Seeds: a count N (seeds 0 to N−1), a list (`0,2,7`) or a range (`5..10`, end excluded);
    /// every configuration runs every seed [default: 5].
    #[arg(help_heading = COMMON, long, value_name = "N|LIST|A..B", value_parser = parse_seeds)]
    pub seeds: Option<Seeds>,
    /// The data: a WFDB folder (`train ecg`) or the datasets folder holding the corpora
    /// (`train text`) [default: the subcommand's].
    #[arg(help_heading = COMMON, long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Experiment directory [default: the subcommand's, under runs/].
    #[arg(help_heading = COMMON, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Delete this experiment's run directories and train them again. Without it, finished runs
    /// are kept and unfinished ones resume from their checkpoints.
    #[arg(help_heading = COMMON, long)]
    pub force: bool,
    /// No per-epoch progress (a bar on a terminal, a line per epoch otherwise); the line per run
    /// stays.
    #[arg(help_heading = COMMON, long)]
    pub quiet: bool,
    /// Compute device: `cpu` (Burn's flex backend), `cuda` or `cuda:N` (NVIDIA GPU N; a build
    /// with `--features cuda`), `wgpu` or `wgpu:N` (the preferred GPU, or discrete GPU N, through
    /// Vulkan, Metal or DirectX 12; a build with `--features wgpu`) [default: cpu].
    #[arg(help_heading = COMMON, long, value_name = "DEVICE", value_parser = parse_device)]
    pub device: Option<DeviceArg>,
    /// Train only share I of N of the seeds × configurations grid, for a cluster's job array
    /// (`--shard 2/4`); in a Slurm job array, SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT are
    /// read when this is not given. Shares share the experiment directory; whichever finishes last
    /// writes the report (docs/cli.md, "Grids on a cluster").
    #[arg(help_heading = COMMON, long, value_name = "I/N")]
    pub shard: Option<Shard>,
}

impl CommonTrainArgs {
    /// `--losses`, or `default` when not given.
    pub fn losses_or(&self, default: &[LossConfig]) -> Vec<LossConfig> {
        if self.losses.is_empty() { default.to_vec() } else { self.losses.iter().map(|&l| l.into()).collect() }
    }

    /// Makes `--device`, if given, the device of every computation that follows
    /// ([`xent_core::device::select_device`]); without it the default stays (`cpu`).
    pub fn select_device(&self) {
        if let Some(d) = &self.device {
            xent_core::device::select_device(d.0.as_ref().clone());
        }
    }

    /// `--shard`, else the Slurm job array task this process is, else `None` (every run).
    ///
    /// # Errors
    /// Slurm variables that are not task numbers; `--force` with a share (one share would delete
    /// the runs the others are training).
    pub fn shard(&self) -> anyhow::Result<Option<Shard>> {
        let shard = match self.shard {
            Some(s) => Some(s),
            None => Shard::from_slurm(|k| std::env::var(k).ok())?,
        };
        if shard.is_some() && self.force {
            crate::usage!("--force with a shard would delete the runs other shards are training: clear the experiment directory once, then start the shards without --force");
        }
        Ok(shard)
    }

    /// `--seeds`, or seeds 0 to 4.
    pub fn seed_list(&self) -> Vec<u64> {
        self.seeds.clone().map_or_else(|| (0..DEFAULT_SEEDS).collect(), |s| s.0)
    }
}

/// Seeds by default: enough for a verdict on the carried data (docs/ecg-results.md).
pub const DEFAULT_SEEDS: u64 = 5;

/// A device on the command line (boxed: a `Device` is large beside the other options).
#[derive(Debug, Clone)]
pub struct DeviceArg(pub Box<Device>);

/// `cpu`, `cuda[:N]`, `wgpu[:N]` → the device ([`xent_core::device::parse_device`]); a bad name
/// or a GPU this build leaves out is a usage error (exit code 2).
pub fn parse_device(s: &str) -> Result<DeviceArg, String> {
    xent_core::device::parse_device(s).map(|d| DeviceArg(Box::new(d))).map_err(|e| e.to_string())
}

/// A loss configuration on the command line.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LossArg {
    /// Softmax + categorical cross-entropy.
    Categorical,
    /// K sigmoids + binary cross-entropy (mean over K).
    Binary,
    /// Softmax + binary cross-entropy on the probabilities (Keras 2).
    SoftmaxBinary,
    /// Softmax + binary cross-entropy on the pre-softmax logits (Keras 3 / tf.keras).
    SoftmaxBinaryKeras3,
}

impl From<LossArg> for LossConfig {
    fn from(l: LossArg) -> Self {
        match l {
            LossArg::Categorical => Self::Categorical,
            LossArg::Binary => Self::Binary,
            LossArg::SoftmaxBinary => Self::SoftmaxBinary(SoftmaxBinaryMode::Keras2Probabilities),
            LossArg::SoftmaxBinaryKeras3 => Self::SoftmaxBinary(SoftmaxBinaryMode::Keras3Logits),
        }
    }
}

/// The seeds of an experiment, in order, without repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seeds(pub Vec<u64>);

/// `5` → 0..5, `0,2,7` → those, `5..10` → 5..10.
pub fn parse_seeds(s: &str) -> Result<Seeds, String> {
    let number = |t: &str| t.trim().parse::<u64>().map_err(|_| format!("{t:?} is not a seed (a whole number ≥ 0)"));
    let seeds: Vec<u64> = if let Some((a, b)) = s.split_once("..") {
        let (a, b) = (number(a)?, number(b)?);
        if a >= b {
            return Err(format!("the range {s} is empty (the end is excluded)"));
        }
        (a..b).collect()
    } else if s.contains(',') {
        s.split(',').filter(|t| !t.trim().is_empty()).map(number).collect::<Result<_, _>>()?
    } else {
        let n = number(s)?;
        if n == 0 {
            return Err("a count of 0 seeds runs nothing; give N ≥ 1, a list (0,2,7) or a range (5..10)".into());
        }
        (0..n).collect()
    };
    if seeds.is_empty() {
        return Err("no seeds given".into());
    }
    let mut seen = std::collections::BTreeSet::new();
    if let Some(dup) = seeds.iter().find(|s| !seen.insert(**s)) {
        return Err(format!("seed {dup} is listed twice"));
    }
    Ok(Seeds(seeds))
}

/// Prints the deprecation note of an old flag spelling that still works.
pub fn deprecated(old: &str, new: &str) {
    eprintln!("warning: {old} is deprecated and will be removed in the next release; use {new}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_are_a_count_a_list_or_a_range() {
        assert_eq!(parse_seeds("3"), Ok(Seeds(vec![0, 1, 2])));
        assert_eq!(parse_seeds("0,2,7"), Ok(Seeds(vec![0, 2, 7])));
        assert_eq!(parse_seeds("7,"), Ok(Seeds(vec![7])));
        assert_eq!(parse_seeds("5..8"), Ok(Seeds(vec![5, 6, 7])));
        for bad in ["0", "", "-1", "a", "3..3", "1,1", "2..x"] {
            assert!(parse_seeds(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn every_loss_argument_names_its_configuration() {
        for l in LossArg::value_variants() {
            let name = l.to_possible_value().unwrap().get_name().to_owned();
            assert_eq!(LossConfig::from(*l).name(), name);
        }
    }
}
