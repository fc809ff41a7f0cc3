//! The training losses from logits as one operation forward and one backward, per sample.
//!
//! Written with Burn tensor operations, the binary cross-entropy from logits is eleven recorded
//! operations (abs, neg, exp, log1p, relu, mul, sub, add, mean, …) and the softmax forms about as
//! many: for a model as small as the Pima MLP (three dense layers) the loss is half of the autodiff
//! graph. Here the loss is one row-wise pass, and its gradient with respect to the logits one
//! more. The formulas are those of `xent_core::loss::TrainingLoss`; the gradients are the derivatives of
//! those formulas as Burn's autodiff computes them (including the clip's: zero where the softmax
//! probability lies outside `[ε, 1−ε]`), tested against Burn on values and gradients. One
//! difference: at a logit of exactly 0 Burn's recorded `relu` and `abs` take the subgradient 0, so
//! its gradient of the smooth softplus term there is `−y`; the kernel gives the derivative
//! `σ(0) − y = 0.5 − y` (divided by K).

/// Which per-sample loss of logits `z` (K per sample) and targets `y` ([`super::logit_loss`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LogitLoss {
    /// Softmax + categorical cross-entropy: `−Σₖ yₖ log_softmax(z)ₖ`.
    Softmax,
    /// Sigmoids + binary cross-entropy, the stable form:
    /// `meanₖ [max(zₖ, 0) − zₖyₖ + log(1 + e^{−|zₖ|})]`.
    Sigmoid,
    /// Softmax + binary cross-entropy on clipped probabilities (Keras 2):
    /// `p = clip(softmax(z), ε, 1−ε)`, `meanₖ −[yₖ log pₖ + (1−yₖ) log(1−pₖ)]`.
    SoftmaxBinary {
        /// The clip ε (Keras's 1e-7).
        epsilon: f32,
    },
}

/// The row's softmax into `out` (shifted by the maximum, as Burn's `softmax`).
fn softmax(z: &[f32], out: &mut [f32]) {
    let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for (o, &v) in out.iter_mut().zip(z) {
        *o = (v - max).exp();
        sum += *o;
    }
    out.iter_mut().for_each(|o| *o /= sum);
}

/// Per-sample losses of `rows` rows of `k` logits and targets.
pub fn forward(loss: LogitLoss, z: &[f32], y: &[f32], k: usize) -> Vec<f32> {
    let mut p = vec![0.0f32; k];
    z.chunks_exact(k)
        .zip(y.chunks_exact(k))
        .map(|(z, y)| match loss {
            LogitLoss::Softmax => {
                let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let lse = z.iter().map(|&v| (v - max).exp()).sum::<f32>().ln();
                -z.iter().zip(y).map(|(&v, &t)| t * (v - max - lse)).sum::<f32>()
            }
            LogitLoss::Sigmoid => {
                z.iter().zip(y).map(|(&v, &t)| v.max(0.0) - v * t + (-v.abs()).exp().ln_1p()).sum::<f32>() / k as f32
            }
            LogitLoss::SoftmaxBinary { epsilon } => {
                softmax(z, &mut p);
                let s: f32 = p
                    .iter()
                    .zip(y)
                    .map(|(&s, &t)| {
                        let q = s.clamp(epsilon, 1.0 - epsilon);
                        t * q.ln() + (1.0 - t) * (1.0 - q).ln()
                    })
                    .sum();
                -s / k as f32
            }
        })
        .collect()
}

/// The gradient with respect to the logits, given the gradient `up` of each sample's loss.
pub fn backward(loss: LogitLoss, z: &[f32], y: &[f32], up: &[f32], k: usize) -> Vec<f32> {
    let mut grad = vec![0.0f32; z.len()];
    let mut g = vec![0.0f32; k];
    for (((z, y), &u), out) in z.chunks_exact(k).zip(y.chunks_exact(k)).zip(up).zip(grad.chunks_exact_mut(k)) {
        match loss {
            LogitLoss::Softmax => {
                // ∂/∂zₖ = pₖ Σⱼ yⱼ − yₖ.
                softmax(z, out);
                let total: f32 = y.iter().sum();
                out.iter_mut().zip(y).for_each(|(o, &t)| *o = u * (*o * total - t));
            }
            LogitLoss::Sigmoid => {
                // ∂/∂zₖ = (σ(zₖ) − yₖ) / K.
                let scale = u / k as f32;
                out.iter_mut().zip(z.iter().zip(y)).for_each(|(o, (&v, &t))| *o = scale * (1.0 / (1.0 + (-v).exp()) - t));
            }
            LogitLoss::SoftmaxBinary { epsilon } => {
                // gₖ = ∂l/∂sₖ (zero where the clip is active), then through the softmax:
                // ∂/∂zₖ = sₖ (gₖ − Σⱼ gⱼ sⱼ).
                softmax(z, out);
                let scale = -u / k as f32;
                for ((gk, &s), &t) in g.iter_mut().zip(out.iter()).zip(y) {
                    *gk = if (epsilon..=1.0 - epsilon).contains(&s) { scale * (t / s - (1.0 - t) / (1.0 - s)) } else { 0.0 };
                }
                let dot: f32 = g.iter().zip(out.iter()).map(|(&gk, &s)| gk * s).sum();
                out.iter_mut().zip(&g).for_each(|(o, &gk)| *o *= gk - dot);
            }
        }
    }
    grad
}
