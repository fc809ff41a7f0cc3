//! Per-run extras of a domain crate: [`RunHook`], called by the experiment runner after each run
//! has trained and before it is marked finished.

use burn::prelude::Device;

use crate::artifacts::RunDir;
use crate::error::Result;
use crate::loss::LossConfig;
use crate::matrix::Matrix;

/// A run that has just trained: what a [`RunHook`] sees.
pub struct FinishedRun<'a, M> {
    /// The run directory: extras go here (the runner has written `logits_*.npy` and
    /// `targets_*.npy` already).
    pub dir: &'a RunDir,
    /// The loss configuration it trained under.
    pub loss: LossConfig,
    /// Its seed.
    pub seed: u64,
    /// The trained model, in inference mode.
    pub model: &'a M,
    /// Its logits on the split's test data (`N × outputs`, as in `logits_test.npy`), when the
    /// split has test data.
    pub test_logits: Option<&'a Matrix>,
    /// The device the model lives on.
    pub device: &'a Device,
}

/// Work a domain crate adds to every run of an experiment (saving a tokenizer beside the weights,
/// tuning multi-label thresholds on held-out data, post-hoc calibration), done once per run when
/// it finishes training. Whatever it produces belongs in the run directory: a finished run is
/// skipped when the plan is run again, and the hook is not called for it then.
///
/// Any `FnMut(&FinishedRun<M>) -> Result<()>` is a hook; `()` is the hook that does nothing.
pub trait RunHook<M> {
    /// Called once per run, after training and before the run is marked finished, so a run killed
    /// here is trained again (resumed from its last checkpoint) and the hook called again.
    ///
    /// # Errors
    /// Whatever the hook reports; the runner names the run.
    fn after_run(&mut self, run: &FinishedRun<'_, M>) -> Result<()>;
}

impl<M> RunHook<M> for () {
    fn after_run(&mut self, _: &FinishedRun<'_, M>) -> Result<()> {
        Ok(())
    }
}

impl<M, F: FnMut(&FinishedRun<'_, M>) -> Result<()>> RunHook<M> for F {
    fn after_run(&mut self, run: &FinishedRun<'_, M>) -> Result<()> {
        self(run)
    }
}
