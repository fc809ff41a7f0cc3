//! Early stopping on a monitored quantity, with Keras's `EarlyStopping` semantics.

use serde::{Deserialize, Serialize};

use super::history::EpochRecord;

/// A quantity watched at the end of every epoch. `Val*` quantities need a validation set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Monitor {
    /// Validation loss (lower is better).
    ValLoss,
    /// Validation true (argmax) accuracy (higher is better).
    ValAccuracy,
    /// Validation macro-F1 (higher is better).
    ValMacroF1,
    /// Validation balanced accuracy (higher is better).
    ValBalancedAccuracy,
    /// Training loss (lower is better).
    Loss,
}

impl Monitor {
    /// True when lower values are better.
    pub fn minimise(self) -> bool {
        matches!(self, Self::ValLoss | Self::Loss)
    }

    /// Whether `v` improves on `best` by more than `min_delta`.
    pub fn improves(self, v: f64, best: f64, min_delta: f64) -> bool {
        if self.minimise() { v < best - min_delta } else { v > best + min_delta }
    }

    /// The monitored value in an epoch's record, if present.
    pub fn value(self, r: &EpochRecord) -> Option<f64> {
        match self {
            Self::Loss => Some(r.train.loss),
            Self::ValLoss => r.valid.as_ref().map(|v| v.loss),
            Self::ValAccuracy => r.valid.as_ref().and_then(|v| v.accuracy),
            Self::ValMacroF1 => r.valid.as_ref().and_then(|v| v.macro_f1),
            Self::ValBalancedAccuracy => r.valid.as_ref().and_then(|v| v.balanced_accuracy),
        }
    }

    /// Whether the quantity needs a validation set.
    pub fn needs_validation(self) -> bool {
        self != Self::Loss
    }
}

/// Keras's `EarlyStopping(monitor, min_delta, patience, restore_best_weights)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EarlyStopping {
    /// The quantity watched.
    pub monitor: Monitor,
    /// Epochs without improvement before stopping.
    pub patience: usize,
    /// Minimum change that counts as an improvement. Keras default 0.
    pub min_delta: f64,
    /// Restore the weights of the best epoch when training ends (stopped or not — Keras 3
    /// restores only when it stopped early; xent always ends on the best epoch when asked).
    pub restore_best: bool,
}

impl EarlyStopping {
    /// Stop after `patience` epochs without improvement of `monitor`, restoring the best weights.
    pub fn new(monitor: Monitor, patience: usize) -> Self {
        Self { monitor, patience, min_delta: 0.0, restore_best: true }
    }
}

/// Early-stopping bookkeeping (saved in checkpoints).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StopState {
    /// Best value so far.
    pub best: Option<f64>,
    /// Epoch (from 1) of the best value.
    pub best_epoch: Option<usize>,
    /// Epochs since the best.
    pub wait: usize,
}

impl StopState {
    /// Records the value of `epoch` (from 1). Returns `(improved, stop)`.
    pub fn update(&mut self, es: &EarlyStopping, epoch: usize, value: Option<f64>) -> (bool, bool) {
        let Some(v) = value else { return (false, false) };
        if self.best.is_none_or(|b| es.monitor.improves(v, b, es.min_delta)) {
            self.best = Some(v);
            self.best_epoch = Some(epoch);
            self.wait = 0;
            (true, false)
        } else {
            self.wait += 1;
            (false, self.wait >= es.patience)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_after_patience_and_remembers_best_epoch() {
        let es = EarlyStopping::new(Monitor::ValAccuracy, 2);
        let mut s = StopState::default();
        let values = [0.5, 0.7, 0.65, 0.7, 0.6];
        let mut out = Vec::new();
        for (i, v) in values.iter().enumerate() {
            out.push(s.update(&es, i + 1, Some(*v)));
        }
        // Equal is not an improvement (Keras: `monitor_op(current - min_delta, best)`).
        assert_eq!(out, vec![(true, false), (true, false), (false, false), (false, true), (false, true)]);
        assert_eq!(s.best_epoch, Some(2));
    }
}
