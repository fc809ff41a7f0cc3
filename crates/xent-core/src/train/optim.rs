//! Optimizers with Keras's update rules and Keras's default hyper-parameters.
//!
//! All three are Burn [`Optimizer`]s (Burn's "simple optimizer" trait: one tensor, its gradient
//! and its state at a time), wrapped in Burn's [`ModuleOptimizer`], so Burn walks the module,
//! keys the state by parameter id and saves it as a burnpack record. Burn's own `Sgd`/`Adam` are
//! not used because their rules differ from Keras's in ways that change the numbers:
//!
//! - Burn's `MomentumConfig` defaults to dampening 0.1 and multiplies the learning rate *after*
//!   the velocity; Keras keeps the learning rate *inside* the velocity (`v ← μv − ηg`, `w ← w + v`),
//!   which differs as soon as the learning rate changes during training (schedules, `decay`);
//! - Burn's Adam defaults to ε = 1e-5 and uses PyTorch's ε placement (`m̂ / (√v̂ + ε)`); Keras uses
//!   ε = 1e-7 and the paper's "ε-hat" placement (`α_t m / (√v + ε)`, `α_t = η√(1−β₂ᵗ)/(1−β₁ᵗ)`);
//! - Burn has no Adamax.
//!
//! Formulas (per parameter `w`, gradient `g`, step `t` starting at 1, learning rate `η` of that
//! step):
//!
//! | optimizer | update |
//! |---|---|
//! | SGD | `v ← μv − ηg`; `w ← w + v` (Nesterov: `w ← w + μv − ηg`); μ = 0 ⇒ `w ← w − ηg` |
//! | Adam | `m ← β₁m + (1−β₁)g`; `v ← β₂v + (1−β₂)g²`; `w ← w − η√(1−β₂ᵗ)/(1−β₁ᵗ) · m/(√v + ε)` |
//! | Adamax | `m ← β₁m + (1−β₁)g`; `u ← max(β₂u, |g|)`; `w ← w − η/(1−β₁ᵗ) · m/(u + ε)` |
//!
//! Keras's `decay` argument of the Keras-2 optimizers (inverse-time decay per iteration,
//! `η_t = η / (1 + decay · iterations)`) is applied by the engine when it computes each step's
//! learning rate ([`OptimizerConfig::lr_at`]).
//!
//! Adam and Adamax run their update as one pass per parameter tensor
//! ([`kernels::moment_step`]), the same arithmetic in the same order
//! as the formulas above written with tensor operations.

use burn::optim::{LearningRate, ModuleOptimizer, Optimizer, RecordState, StateSink, StateSource};
use burn::prelude::*;
use burn_pack::Scalar;

use crate::kernels::{self, MomentRule};
use crate::train::{MomentConfig, OptimizerConfig};

/// Builds the Burn optimizer of an [`OptimizerConfig`] (the configuration itself is Burn-free and
/// lives in xent-metrics): `config.optimizer.init()` with this trait in scope.
pub trait OptimizerInit {
    /// A Burn module optimizer implementing this configuration.
    fn init(&self) -> ModuleOptimizer;
}

impl OptimizerInit for OptimizerConfig {
    fn init(&self) -> ModuleOptimizer {
        let weight_decay = self.weight_decay() as f32;
        match *self {
            Self::Sgd { momentum, nesterov, .. } => {
                ModuleOptimizer::from(KerasSgd { momentum: momentum as f32, nesterov, weight_decay })
            }
            Self::Adam(m) => ModuleOptimizer::from(KerasAdam::from_config(&m, weight_decay)),
            Self::Adamax(m) => ModuleOptimizer::from(Adamax::from_config(&m, weight_decay)),
        }
    }
}

/// Keras 3's decoupled weight decay, applied before the update: `w ← w − η·λ·w`.
fn decayed<const D: usize>(tensor: Tensor<D>, lr: LearningRate, lambda: f32) -> Tensor<D> {
    if lambda == 0.0 { tensor } else { tensor.mul_scalar(1.0 - (lr as f32) * lambda) }
}

/// Keras's SGD: `v ← μv − ηg`, `w ← w + v` (Nesterov `w ← w + μv − ηg`).
#[derive(Debug, Clone, Copy)]
pub struct KerasSgd {
    /// μ.
    pub momentum: f32,
    /// Nesterov momentum.
    pub nesterov: bool,
    /// Decoupled weight decay λ.
    pub weight_decay: f32,
}

/// [`KerasSgd`]'s state: the velocity (absent without momentum).
#[derive(Clone)]
pub struct SgdState<const D: usize> {
    /// `v`.
    pub velocity: Tensor<D>,
}

impl<const D: usize> RecordState for SgdState<D> {
    fn state_flatten(&self, prefix: &str, out: &mut StateSink) {
        out.push_tensor(prefix, "velocity", self.velocity.clone().into_data());
    }

    fn state_unflatten(prefix: &str, src: &mut StateSource, device: &Device) -> Option<Self> {
        Some(Self { velocity: Tensor::from_data(src.take_tensor(prefix, "velocity")?, device) })
    }
}

impl Optimizer for KerasSgd {
    type State<const D: usize> = SgdState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<SgdState<D>>,
    ) -> (Tensor<D>, Option<SgdState<D>>) {
        let tensor = decayed(tensor, lr, self.weight_decay);
        let lr = lr as f32;
        if self.momentum == 0.0 {
            return (tensor - grad.mul_scalar(lr), None);
        }
        let step = grad.mul_scalar(-lr);
        let velocity = match state {
            Some(s) => s.velocity.mul_scalar(self.momentum) + step.clone(),
            None => step.clone(),
        };
        let delta = if self.nesterov { velocity.clone().mul_scalar(self.momentum) + step } else { velocity.clone() };
        (tensor + delta, Some(SgdState { velocity }))
    }

    fn to_device<const D: usize>(state: SgdState<D>, device: &Device) -> SgdState<D> {
        SgdState { velocity: state.velocity.to_device(device) }
    }
}

/// State of [`KerasAdam`] and [`Adamax`]: step count, first moment and second moment (Adam) or
/// infinity norm (Adamax).
#[derive(Clone)]
pub struct MomentState<const D: usize> {
    /// Steps taken, `t`.
    pub time: usize,
    /// First moment `m`.
    pub moment_1: Tensor<D>,
    /// `v` (Adam) or `u` (Adamax).
    pub moment_2: Tensor<D>,
}

impl<const D: usize> RecordState for MomentState<D> {
    fn state_flatten(&self, prefix: &str, out: &mut StateSink) {
        out.push_scalar(prefix, "time", Scalar::from(self.time));
        out.push_tensor(prefix, "moment_1", self.moment_1.clone().into_data());
        out.push_tensor(prefix, "moment_2", self.moment_2.clone().into_data());
    }

    fn state_unflatten(prefix: &str, src: &mut StateSource, device: &Device) -> Option<Self> {
        let time = usize::try_from(src.take_scalar(prefix, "time")?).ok()?;
        let moment_1 = Tensor::from_data(src.take_tensor(prefix, "moment_1")?, device);
        let moment_2 = Tensor::from_data(src.take_tensor(prefix, "moment_2")?, device);
        Some(Self { time, moment_1, moment_2 })
    }
}

impl<const D: usize> MomentState<D> {
    fn moved(self, device: &Device) -> Self {
        Self {
            time: self.time,
            moment_1: self.moment_1.to_device(device),
            moment_2: self.moment_2.to_device(device),
        }
    }
}

/// The step count and both moments for the next step: zeros before the first (which makes the
/// update `m = (1−β₁)g`, `v = (1−β₂)g²` or `u = |g|`, exactly).
fn moments<const D: usize>(state: Option<MomentState<D>>, grad: &Tensor<D>) -> (usize, Tensor<D>, Tensor<D>) {
    match state {
        Some(s) => (s.time + 1, s.moment_1, s.moment_2),
        None => (1, grad.zeros_like(), grad.zeros_like()),
    }
}

/// Adam with Keras's ε placement: `w ← w − η√(1−β₂ᵗ)/(1−β₁ᵗ) · m/(√v + ε)`.
pub type KerasAdam = MomentOptimizer<false>;

/// Adamax: `u ← max(β₂u, |g|)`, `w ← w − η/(1−β₁ᵗ) · m/(u + ε)`.
pub type Adamax = MomentOptimizer<true>;

/// The optimizers of two moments, [`KerasAdam`] (`INFINITY_NORM` false: second moment `v`) and
/// [`Adamax`] (true: infinity norm `u`), each step one [`kernels::moment_step`].
#[derive(Debug, Clone, Copy)]
pub struct MomentOptimizer<const INFINITY_NORM: bool> {
    /// β₁.
    pub beta_1: f32,
    /// β₂.
    pub beta_2: f32,
    /// ε.
    pub epsilon: f32,
    /// Decoupled weight decay λ.
    pub weight_decay: f32,
}

impl<const INFINITY_NORM: bool> MomentOptimizer<INFINITY_NORM> {
    fn from_config(m: &MomentConfig, weight_decay: f32) -> Self {
        Self { beta_1: m.beta_1 as f32, beta_2: m.beta_2 as f32, epsilon: m.epsilon as f32, weight_decay }
    }
}

impl<const INFINITY_NORM: bool> Optimizer for MomentOptimizer<INFINITY_NORM> {
    type State<const D: usize> = MomentState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<MomentState<D>>,
    ) -> (Tensor<D>, Option<MomentState<D>>) {
        let tensor = decayed(tensor, lr, self.weight_decay);
        let (time, m, v) = moments(state, &grad);
        let t = time as f64;
        let (b1, b2) = (f64::from(self.beta_1), f64::from(self.beta_2));
        // The bias-corrected step size: Adamax's infinity norm needs no correction of its own.
        let alpha = if INFINITY_NORM { (lr / (1.0 - b1.powf(t))) as f32 } else { (lr * (1.0 - b2.powf(t)).sqrt() / (1.0 - b1.powf(t))) as f32 };
        let rule = MomentRule { beta_1: self.beta_1, beta_2: self.beta_2, epsilon: self.epsilon, alpha, infinity_norm: INFINITY_NORM };
        let (tensor, moment_1, moment_2) = kernels::moment_step(tensor, grad, m, v, &rule);
        (tensor, Some(MomentState { time, moment_1, moment_2 }))
    }

    fn to_device<const D: usize>(state: MomentState<D>, device: &Device) -> MomentState<D> {
        state.moved(device)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::module::Param;
    use burn::nn::{Linear, LinearConfig};
    use burn::optim::GradientsParams;

    /// A 1→1 linear layer `y = w x + b` with w = 0.5, b = 0, trained on loss `y` at x = `x`:
    /// the gradient of w is x and of b is 1.
    fn layer(device: &Device) -> Linear {
        let mut l = LinearConfig::new(1, 1).init(device);
        l.weight = Param::from_tensor(Tensor::from_floats([[0.5]], device));
        l.bias = Some(Param::from_tensor(Tensor::from_floats([0.0], device)));
        l
    }

    #[test]
    fn display_spells_the_optimizer_as_keras_with_its_non_default_arguments() {
        assert_eq!(OptimizerConfig::sgd_momentum(5.0, 0.9, false).to_string(), "SGD(learning_rate=5, momentum=0.9)");
        assert_eq!(OptimizerConfig::sgd().to_string(), "SGD(learning_rate=0.01)");
        assert_eq!(OptimizerConfig::adam().to_string(), "Adam(learning_rate=0.001)");
        let adamax = OptimizerConfig::Adamax(MomentConfig { learning_rate: 0.002, beta_2: 0.99, decay: 1e-4, ..MomentConfig::keras() });
        assert_eq!(adamax.to_string(), "Adamax(learning_rate=0.002, beta_2=0.99, decay=0.0001)");
        assert_eq!(OptimizerConfig::adam().with_weight_decay(0.004).to_string(), "Adam(learning_rate=0.001, weight_decay=0.004)");
    }

    /// Runs steps with gradient sequence `xs` (gradient of w = x) and returns w after each step.
    fn run(config: OptimizerConfig, xs: &[f32]) -> Vec<f64> {
        let _rng = super::super::rng_lock();
        let device = crate::default_device().autodiff();
        let mut model = layer(&device);
        let mut optim = config.init();
        let mut out = Vec::new();
        for &x in xs {
            let y = model.forward(Tensor::<2>::from_floats([[x]], &device)).sum();
            let grads = GradientsParams::from_grads(y.backward(), &model);
            model = optim.step(config.learning_rate(), model, grads);
            out.push(f64::from(model.weight.val().into_scalar::<f32>()));
        }
        out
    }

    fn close(got: &[f64], want: &[f64]) {
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-6, "got {got:?}, want {want:?}");
        }
    }

    #[test]
    fn sgd_momentum_and_nesterov_match_hand_computation() {
        let g = [1.0f32, 2.0, -1.0];
        // Plain: w -= 0.1 g.
        close(&run(OptimizerConfig::sgd().with_learning_rate(0.1), &g), &[0.4, 0.2, 0.3]);
        // Momentum 0.7: v1 = -0.1, w = 0.4; v2 = -0.07 - 0.2 = -0.27, w = 0.13;
        // v3 = -0.189 + 0.1 = -0.089, w = 0.041.
        close(&run(OptimizerConfig::sgd_momentum(0.1, 0.7, false), &g), &[0.4, 0.13, 0.041]);
        // Nesterov: w += μv − ηg: step1 0.5 + 0.7(−0.1) − 0.1 = 0.33; step2 0.33 + 0.7(−0.27) − 0.2
        // = −0.059; step3 −0.059 + 0.7(−0.089) + 0.1 = −0.0213.
        close(&run(OptimizerConfig::sgd_momentum(0.1, 0.7, true), &g), &[0.33, -0.059, -0.0213]);
    }

    #[test]
    fn adam_first_steps_match_keras_rule() {
        let g = [1.0f64, 2.0, -1.0];
        let (lr, b1, b2, eps) = (0.01, 0.9, 0.999, 1e-7);
        let (mut m, mut v, mut w) = (0.0, 0.0, 0.5);
        let mut want = Vec::new();
        for (i, &gi) in g.iter().enumerate() {
            let t = (i + 1) as f64;
            m = b1 * m + (1.0 - b1) * gi;
            v = b2 * v + (1.0 - b2) * gi * gi;
            w -= lr * (1.0 - b2.powf(t)).sqrt() / (1.0 - b1.powf(t)) * m / (v.sqrt() + eps);
            want.push(w);
        }
        // Step 1 by hand: m = 0.1, v = 0.001, α = 0.01·√0.001/0.1, w = 0.5 − α·0.1/√0.001 = 0.49.
        assert!((want[0] - 0.49).abs() < 1e-6);
        let gf: Vec<f32> = g.iter().map(|&x| x as f32).collect();
        close(&run(OptimizerConfig::adam().with_learning_rate(lr), &gf), &want);
    }

    #[test]
    fn adamax_first_steps_match_hand_computation() {
        // η = 0.01, β₁ 0.9, β₂ 0.999, ε 1e-7, gradients 1, 2, −1:
        // t1: m = 0.1, u = 1, w = 0.5 − 0.01/0.1 · 0.1/1 = 0.49
        // t2: m = 0.09 + 0.2 = 0.29, u = max(0.999, 2) = 2, w = 0.49 − 0.01/0.19 · 0.145
        // t3: m = 0.261 − 0.1 = 0.161, u = max(1.998, 1) = 1.998, w −= 0.01/0.271 · 0.161/1.998
        let w1 = 0.49;
        let w2 = w1 - 0.01 / 0.19 * (0.29 / (2.0 + 1e-7));
        let w3 = w2 - 0.01 / (1.0 - 0.9f64.powi(3)) * (0.161 / (1.998 + 1e-7));
        close(&run(OptimizerConfig::adamax().with_learning_rate(0.01), &[1.0, 2.0, -1.0]), &[w1, w2, w3]);
    }

    #[test]
    fn optimizer_state_round_trips_through_bytes() {
        let _rng = super::super::rng_lock();
        let device = crate::default_device().autodiff();
        for config in [OptimizerConfig::sgd_momentum(0.1, 0.9, true), OptimizerConfig::adam(), OptimizerConfig::adamax()] {
            let mut model = layer(&device);
            let mut optim = config.init();
            let grads = |m: &Linear, x: f32| {
                GradientsParams::from_grads(m.forward(Tensor::<2>::from_floats([[x]], &device)).sum().backward(), m)
            };
            for x in [1.0, -3.0] {
                let g = grads(&model, x);
                model = optim.step(0.1, model, g);
            }
            let bytes = optim.into_bytes().unwrap();
            let mut restored = config.init().from_bytes(bytes).unwrap();
            let a = optim.step(0.1, model.clone(), grads(&model, 0.5));
            let b = restored.step(0.1, model.clone(), grads(&model, 0.5));
            assert_eq!(
                a.weight.val().into_data().try_to_vec::<f32>().unwrap(),
                b.weight.val().into_data().try_to_vec::<f32>().unwrap(),
                "{config:?}"
            );
        }
    }

    #[test]
    fn decay_is_inverse_time_and_validation_rejects_bad_values() {
        let c = OptimizerConfig::Sgd { learning_rate: 0.1, momentum: 0.0, nesterov: false, decay: 0.5, weight_decay: 0.0 };
        assert!((c.lr_at(0.1, 2) - 0.05).abs() < 1e-15);
        assert!(OptimizerConfig::sgd_momentum(0.1, 1.0, false).validate().is_err());
        assert!(OptimizerConfig::adam().with_learning_rate(0.0).validate().is_err());
        assert!(OptimizerConfig::adamax().validate().is_ok());
        assert!(OptimizerConfig::adam().with_weight_decay(-1e-4).validate().is_err());
        assert!(OptimizerConfig::adam().with_weight_decay(f64::NAN).validate().is_err());
    }

    #[test]
    fn weight_decay_shrinks_the_weights_before_the_update_as_keras_3_does() {
        // SGD, η 0.1, λ 0.5, gradient 1: w = 0.5 · (1 − 0.05) − 0.1 = 0.375; then
        // 0.375 · 0.95 − 0.1 · 2 = 0.15625.
        close(&run(OptimizerConfig::sgd().with_learning_rate(0.1).with_weight_decay(0.5), &[1.0, 2.0]), &[0.375, 0.15625]);
        // Adam, η 0.01, λ 0.004: the first step is the plain one from the decayed weight.
        let w = 0.5 * (1.0 - 0.01 * 0.004) - 0.01;
        close(&run(OptimizerConfig::adam().with_learning_rate(0.01).with_weight_decay(0.004), &[1.0]), &[w]);
        // Adamax likewise.
        close(&run(OptimizerConfig::adamax().with_learning_rate(0.01).with_weight_decay(0.004), &[1.0]), &[w]);
    }

    #[test]
    fn configs_saved_before_weight_decay_existed_still_load() {
        let old = r#"{"name":"adam","learning_rate":0.001,"beta_1":0.9,"beta_2":0.999,"epsilon":1e-7,"decay":0.0}"#;
        assert_eq!(serde_json::from_str::<OptimizerConfig>(old).unwrap(), OptimizerConfig::adam());
    }

    /// Adam's and Adamax's hyper-parameters are written next to the name, as fields of the
    /// variant (the form of every `config.json` so far).
    #[test]
    fn moment_optimizers_are_written_flat() {
        let fields = r#""learning_rate":0.001,"beta_1":0.9,"beta_2":0.999,"epsilon":1e-7,"decay":0.0,"weight_decay":0.0}"#;
        assert_eq!(serde_json::to_string(&OptimizerConfig::adam()).unwrap(), format!(r#"{{"name":"adam",{fields}"#));
        assert_eq!(serde_json::to_string(&OptimizerConfig::adamax()).unwrap(), format!(r#"{{"name":"adamax",{fields}"#));
        let back: OptimizerConfig = serde_json::from_str(&serde_json::to_string(&OptimizerConfig::adamax()).unwrap()).unwrap();
        assert_eq!(back, OptimizerConfig::adamax());
    }
}
