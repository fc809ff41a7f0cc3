//! The optimizer configuration: which of Keras's optimizers trains a model, with its
//! hyper-parameters (Keras's defaults), as recorded in `config.json`.
//!
//! The optimizers themselves (Burn `Optimizer`s with Keras's update rules) are in xent-core's
//! `train::optim`, which builds one from this configuration (`OptimizerInit::init`).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Which optimizer trains the model, with its hyper-parameters. Defaults are Keras's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "name")]
pub enum OptimizerConfig {
    /// Stochastic gradient descent with optional (Nesterov) momentum.
    Sgd {
        /// Learning rate η. Keras default 0.01.
        learning_rate: f64,
        /// Momentum μ ∈ [0, 1). Keras default 0.
        momentum: f64,
        /// Nesterov momentum. Keras default false.
        nesterov: bool,
        /// Keras-2 inverse-time decay per iteration. Default 0.
        decay: f64,
        /// Decoupled weight decay λ (Keras 3's `weight_decay`, AdamW's rule): before each update,
        /// `w ← w − η·λ·w` for every parameter. Default 0.
        #[serde(default)]
        weight_decay: f64,
    },
    /// Adam (Kingma & Ba 2015) with Keras's ε placement.
    Adam(MomentConfig),
    /// Adamax, Adam's infinity-norm variant (Kingma & Ba 2015, §7.1).
    Adamax(MomentConfig),
}

/// The hyper-parameters of [`OptimizerConfig::Adam`] and [`OptimizerConfig::Adamax`] (written in
/// `config.json` next to the optimizer's `name`, as the fields of the variant).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MomentConfig {
    /// Learning rate η. Keras default 0.001.
    pub learning_rate: f64,
    /// β₁. Keras default 0.9.
    pub beta_1: f64,
    /// β₂. Keras default 0.999.
    pub beta_2: f64,
    /// ε. Keras default 1e-7.
    pub epsilon: f64,
    /// Keras-2 inverse-time decay per iteration. Default 0.
    pub decay: f64,
    /// Decoupled weight decay λ (Keras 3's `weight_decay`, AdamW's rule): before each update,
    /// `w ← w − η·λ·w` for every parameter. Default 0.
    #[serde(default)]
    pub weight_decay: f64,
}

impl MomentConfig {
    /// Keras's defaults: η 0.001, β 0.9/0.999, ε 1e-7, no decay.
    pub fn keras() -> Self {
        Self { learning_rate: 0.001, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, decay: 0.0, weight_decay: 0.0 }
    }
}

impl OptimizerConfig {
    /// Keras's `SGD()` defaults: η 0.01, no momentum.
    pub fn sgd() -> Self {
        Self::Sgd { learning_rate: 0.01, momentum: 0.0, nesterov: false, decay: 0.0, weight_decay: 0.0 }
    }

    /// Keras's `SGD(learning_rate, momentum, nesterov)`.
    pub fn sgd_momentum(learning_rate: f64, momentum: f64, nesterov: bool) -> Self {
        Self::Sgd { learning_rate, momentum, nesterov, decay: 0.0, weight_decay: 0.0 }
    }

    /// Keras's `Adam()` defaults: η 0.001, β 0.9/0.999, ε 1e-7.
    pub fn adam() -> Self {
        Self::Adam(MomentConfig::keras())
    }

    /// Keras's `Adamax()` defaults: η 0.001, β 0.9/0.999, ε 1e-7.
    pub fn adamax() -> Self {
        Self::Adamax(MomentConfig::keras())
    }

    /// The same optimizer with learning rate `lr`.
    pub fn with_learning_rate(mut self, lr: f64) -> Self {
        match &mut self {
            Self::Sgd { learning_rate, .. } | Self::Adam(MomentConfig { learning_rate, .. }) | Self::Adamax(MomentConfig { learning_rate, .. }) => {
                *learning_rate = lr
            }
        }
        self
    }

    /// The same optimizer with decoupled weight decay `lambda` (see the variants' `weight_decay`).
    pub fn with_weight_decay(mut self, lambda: f64) -> Self {
        match &mut self {
            Self::Sgd { weight_decay, .. } | Self::Adam(MomentConfig { weight_decay, .. }) | Self::Adamax(MomentConfig { weight_decay, .. }) => {
                *weight_decay = lambda
            }
        }
        self
    }

    /// The decoupled weight decay λ.
    pub fn weight_decay(&self) -> f64 {
        match *self {
            Self::Sgd { weight_decay, .. } | Self::Adam(MomentConfig { weight_decay, .. }) | Self::Adamax(MomentConfig { weight_decay, .. }) => {
                weight_decay
            }
        }
    }

    /// The configured (initial) learning rate.
    pub fn learning_rate(&self) -> f64 {
        match *self {
            Self::Sgd { learning_rate, .. } | Self::Adam(MomentConfig { learning_rate, .. }) | Self::Adamax(MomentConfig { learning_rate, .. }) => {
                learning_rate
            }
        }
    }

    fn decay(&self) -> f64 {
        match *self {
            Self::Sgd { decay, .. } | Self::Adam(MomentConfig { decay, .. }) | Self::Adamax(MomentConfig { decay, .. }) => decay,
        }
    }

    /// The learning rate of the step after `iterations` steps, for a base rate `base` (the
    /// configured rate times the schedule's factor): `base / (1 + decay · iterations)`.
    pub fn lr_at(&self, base: f64, iterations: u64) -> f64 {
        base / (1.0 + self.decay() * iterations as f64)
    }

    /// A short name: `sgd`, `adam`, `adamax`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Sgd { .. } => "sgd",
            Self::Adam(_) => "adam",
            Self::Adamax(_) => "adamax",
        }
    }

    /// Checks the hyper-parameters.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a non-positive learning rate, momentum or β outside [0, 1),
    /// negative ε or decay.
    pub fn validate(&self) -> Result<()> {
        let bad = |what: &str, v: f64| {
            Err(Error::InvalidArgument(format!("{}: {what} = {v} is out of range", self.name())))
        };
        let lr = self.learning_rate();
        if !(lr > 0.0 && lr.is_finite()) {
            return bad("learning_rate", lr);
        }
        if self.decay().is_nan() || self.decay() < 0.0 {
            return bad("decay", self.decay());
        }
        let wd = self.weight_decay();
        if !(wd >= 0.0 && wd.is_finite()) {
            return bad("weight_decay", wd);
        }
        match *self {
            Self::Sgd { momentum, .. } if !(0.0..1.0).contains(&momentum) => bad("momentum", momentum),
            Self::Adam(MomentConfig { beta_1, beta_2, epsilon, .. }) | Self::Adamax(MomentConfig { beta_1, beta_2, epsilon, .. }) => {
                if !(0.0..1.0).contains(&beta_1) {
                    bad("beta_1", beta_1)
                } else if !(0.0..1.0).contains(&beta_2) {
                    bad("beta_2", beta_2)
                } else if epsilon.is_nan() || epsilon < 0.0 {
                    bad("epsilon", epsilon)
                } else {
                    Ok(())
                }
            }
            Self::Sgd { .. } => Ok(()),
        }
    }
}

/// Keras's spelling with the hyper-parameters that differ from Keras's defaults, e.g.
/// `SGD(learning_rate=5, momentum=0.9)`, `Adam(learning_rate=0.001)`.
impl std::fmt::Display for OptimizerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (name, mut args) = match *self {
            Self::Sgd { learning_rate, momentum, nesterov, .. } => {
                let mut a = vec![format!("learning_rate={learning_rate}")];
                if momentum != 0.0 {
                    a.push(format!("momentum={momentum}"));
                }
                if nesterov {
                    a.push("nesterov=True".into());
                }
                ("SGD", a)
            }
            Self::Adam(MomentConfig { learning_rate, beta_1, beta_2, epsilon, .. })
            | Self::Adamax(MomentConfig { learning_rate, beta_1, beta_2, epsilon, .. }) => {
                let mut a = vec![format!("learning_rate={learning_rate}")];
                for (k, v, default) in [("beta_1", beta_1, 0.9), ("beta_2", beta_2, 0.999), ("epsilon", epsilon, 1e-7)] {
                    if v != default {
                        a.push(format!("{k}={v}"));
                    }
                }
                (if matches!(self, Self::Adam(_)) { "Adam" } else { "Adamax" }, a)
            }
        };
        if self.decay() != 0.0 {
            args.push(format!("decay={}", self.decay()));
        }
        if self.weight_decay() != 0.0 {
            args.push(format!("weight_decay={}", self.weight_decay()));
        }
        write!(f, "{name}({})", args.join(", "))
    }
}
