//! Learning-rate schedules applied per epoch: constant, step, cosine annealing, and Keras's
//! `ReduceLROnPlateau`.

use serde::{Deserialize, Serialize};

use super::early_stopping::Monitor;

/// A learning-rate schedule; the engine multiplies the optimizer's base rate by its factor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum LrSchedule {
    /// The base rate throughout.
    #[default]
    Constant,
    /// `η · γ^⌊epoch / every⌋` (epochs counted from 0), like PyTorch's `StepLR`.
    Step {
        /// Epochs between reductions (≥ 1).
        every: usize,
        /// Multiplicative factor γ.
        gamma: f64,
    },
    /// Cosine annealing per epoch (Loshchilov & Hutter 2017, without restarts):
    /// `η · (floor + (1 − floor) · ½ (1 + cos(π · epoch / epochs)))`, epochs counted from 0, so the
    /// first epoch runs at η and the rate falls towards `η · floor`; past `epochs` it stays at the floor.
    Cosine {
        /// Epochs over which the rate falls (the run's epoch count, ≥ 1).
        epochs: usize,
        /// Final fraction of the base rate, in [0, 1].
        floor: f64,
    },
    /// Keras's `ReduceLROnPlateau`: after `patience` epochs without an improvement of `monitor`
    /// by more than `min_delta`, multiply the rate by `factor` (not below `min_lr`), then wait
    /// `cooldown` epochs. Keras defaults: factor 0.1, patience 10, min_delta 1e-4, cooldown 0,
    /// min_lr 0.
    Plateau {
        /// The quantity watched.
        monitor: Monitor,
        /// Factor applied on a plateau.
        factor: f64,
        /// Epochs without improvement before reducing.
        patience: usize,
        /// Minimum change that counts as an improvement.
        min_delta: f64,
        /// Epochs to wait after a reduction.
        cooldown: usize,
        /// Lower bound of the rate.
        min_lr: f64,
    },
}

impl LrSchedule {
    /// Keras's `ReduceLROnPlateau(monitor)` defaults.
    pub fn plateau(monitor: Monitor) -> Self {
        Self::Plateau { monitor, factor: 0.1, patience: 10, min_delta: 1e-4, cooldown: 0, min_lr: 0.0 }
    }
}

/// The mutable state of a schedule (saved in checkpoints).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleState {
    /// The current learning rate (before Keras-2 `decay`).
    pub lr: f64,
    /// Best monitored value so far (plateau).
    pub best: Option<f64>,
    /// Epochs since the last improvement (plateau).
    pub wait: usize,
    /// Remaining cooldown epochs (plateau).
    pub cooldown: usize,
}

impl ScheduleState {
    /// The state at the start of training with base rate `lr`.
    pub fn new(lr: f64) -> Self {
        Self { lr, best: None, wait: 0, cooldown: 0 }
    }

    /// The rate for `epoch` (from 0) before it starts.
    pub fn lr_for_epoch(&self, schedule: &LrSchedule, base: f64, epoch: usize) -> f64 {
        match *schedule {
            LrSchedule::Constant => base,
            LrSchedule::Step { every, gamma } => base * gamma.powi((epoch / every.max(1)) as i32),
            LrSchedule::Cosine { epochs, floor } => {
                let t = (epoch as f64 / epochs.max(1) as f64).min(1.0);
                base * (floor + (1.0 - floor) * 0.5 * (1.0 + (std::f64::consts::PI * t).cos()))
            }
            LrSchedule::Plateau { .. } => self.lr,
        }
    }

    /// Updates the plateau state with the monitored value at the end of an epoch.
    pub fn end_epoch(&mut self, schedule: &LrSchedule, value: Option<f64>) {
        let LrSchedule::Plateau { monitor, factor, patience, min_delta, cooldown, min_lr } = *schedule else {
            return;
        };
        let Some(v) = value else { return };
        if self.cooldown > 0 {
            self.cooldown -= 1;
            self.wait = 0;
        }
        if self.best.is_none_or(|b| monitor.improves(v, b, min_delta)) {
            self.best = Some(v);
            self.wait = 0;
        } else if self.cooldown == 0 {
            self.wait += 1;
            if self.wait >= patience {
                let new = (self.lr * factor).max(min_lr);
                if new < self.lr {
                    self.lr = new;
                    self.cooldown = cooldown;
                    self.wait = 0;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_schedule_multiplies_every_n_epochs() {
        let s = LrSchedule::Step { every: 2, gamma: 0.5 };
        let st = ScheduleState::new(0.1);
        let lrs: Vec<f64> = (0..5).map(|e| st.lr_for_epoch(&s, 0.1, e)).collect();
        assert_eq!(lrs, vec![0.1, 0.1, 0.05, 0.05, 0.025]);
    }

    #[test]
    fn cosine_schedule_falls_from_the_base_rate_to_the_floor() {
        let s = LrSchedule::Cosine { epochs: 4, floor: 0.0 };
        let st = ScheduleState::new(0.1);
        let lrs: Vec<f64> = (0..6).map(|e| st.lr_for_epoch(&s, 0.1, e)).collect();
        let expect = [0.1, 0.1 * (0.5 + 0.5 * 0.5f64.sqrt()), 0.05, 0.1 * (0.5 - 0.5 * 0.5f64.sqrt()), 0.0, 0.0];
        for (a, b) in lrs.iter().zip(expect) {
            assert!((a - b).abs() < 1e-12, "{lrs:?}");
        }
        let floored = LrSchedule::Cosine { epochs: 2, floor: 0.1 };
        assert!((st.lr_for_epoch(&floored, 1.0, 1) - 0.55).abs() < 1e-12);
    }

    #[test]
    fn plateau_reduces_after_patience() {
        let s = LrSchedule::Plateau {
            monitor: Monitor::ValLoss,
            factor: 0.5,
            patience: 2,
            min_delta: 0.0,
            cooldown: 0,
            min_lr: 0.01,
        };
        let mut st = ScheduleState::new(0.1);
        let mut lrs = Vec::new();
        for v in [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95] {
            st.end_epoch(&s, Some(v));
            lrs.push(st.lr);
        }
        assert_eq!(lrs, vec![0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125, 0.01]);
    }
}
