//! Batch normalisation on xent's kernel.

use burn::config::Config;
use burn::module::{Flag, Module, Param, RunningState};
use burn::tensor::{Device, Tensor};

use super::{Conv1d, MaxPool1d};
use crate::kernels::{self, Activation};

/// Configuration of a [`BatchNorm`] (the fields and defaults of `burn::nn::BatchNormConfig`).
#[derive(Config, Debug)]
pub struct BatchNormConfig {
    /// Channels (axis 1 of the input).
    pub num_features: usize,
    /// Added to the variance before its square root. Default: 1e-5.
    #[config(default = 1e-5)]
    pub epsilon: f64,
    /// Weight of the batch's statistics in the running ones (`running ← (1 − m)·running + m·batch`).
    /// Default: 0.1.
    #[config(default = 0.1)]
    pub momentum: f64,
}

impl BatchNormConfig {
    /// The layer, initialised as `burn::nn::BatchNormConfig::init` does: γ = 1, β = 0, running
    /// mean 0 and variance 1, training on.
    ///
    /// # Panics
    ///
    /// As Burn's: if `num_features` is 0, `epsilon` not positive or `momentum` outside `[0, 1]`.
    pub fn init(&self, device: &Device) -> BatchNorm {
        let burn = burn::nn::BatchNormConfig::new(self.num_features)
            .with_epsilon(self.epsilon)
            .with_momentum(self.momentum)
            .init(device);
        BatchNorm {
            gamma: burn.gamma,
            beta: burn.beta,
            training: burn.training,
            running_mean: burn.running_mean,
            running_var: burn.running_var,
            momentum: burn.momentum,
            epsilon: burn.epsilon,
        }
    }
}

/// Batch normalisation over axis 1: in training (an autodiff device with training on) with the
/// batch's statistics through [`kernels::batch_norm_train`], updating the running ones;
/// otherwise with the running statistics as one scale and one shift per channel. The record is
/// that of `burn::nn::BatchNorm`.
#[derive(Module, Debug)]
pub struct BatchNorm {
    /// γ, `[num_features]`.
    pub gamma: Param<Tensor<1>>,
    /// β, `[num_features]`.
    pub beta: Param<Tensor<1>>,
    /// Whether the layer normalises with the batch's statistics (on an autodiff device).
    pub training: Param<Flag>,
    /// Running mean, `[num_features]`.
    pub running_mean: RunningState<Tensor<1>>,
    /// Running (biased) variance, `[num_features]`.
    pub running_var: RunningState<Tensor<1>>,
    /// See [`BatchNormConfig::momentum`].
    pub momentum: f64,
    /// See [`BatchNormConfig::epsilon`].
    pub epsilon: f64,
}

impl BatchNorm {
    /// Normalises each channel.
    ///
    /// # Shapes
    ///
    /// - input: `[batch, num_features, ...]` (rank `D ≥ 2`)
    /// - output: the input's shape
    ///
    /// # Panics
    ///
    /// If axis 1 of the input is not `num_features` long.
    pub fn forward<const D: usize>(&self, input: Tensor<D>) -> Tensor<D> {
        self.apply(input, Activation::Identity)
    }

    /// `activation(norm)` of a channels-last input: each channel (the last axis) normalised over
    /// batch and positions, equal to `forward(input.swap_dims(1, 2)).swap_dims(1, 2)`. Runs as the
    /// norm of the `[batch · length, channels]` rows, which xent's kernel reads in place.
    ///
    /// # Shapes
    ///
    /// - input: `[batch, length, num_features]`
    /// - output: the input's shape
    ///
    /// # Panics
    ///
    /// If the last axis of the input is not `num_features` long.
    pub(crate) fn forward_channels_last(&self, input: Tensor<3>, activation: Activation) -> Tensor<3> {
        let [batch, length, channels] = input.dims();
        self.apply(input.reshape([batch * length, channels]), activation).reshape([batch, length, channels])
    }

    /// `activation` of [`Self::forward`], in training as one operation ([`Activation::Relu`]: one
    /// pass less over the output forward and backward).
    fn apply<const D: usize>(&self, input: Tensor<D>, activation: Activation) -> Tensor<D> {
        let [channels] = self.gamma.dims();
        assert_eq!(input.dims()[1], channels, "batch norm: input has {} channels, the layer {channels}", input.dims()[1]);
        let relu = |t: Tensor<D>| activation.apply(t);
        if !(input.device().is_autodiff() && self.training.is_enabled()) {
            return relu(self.forward_inference(input));
        }
        if !kernels::enabled() {
            return relu(burn::nn::BatchNorm::from(self).forward(input));
        }
        let (output, mean, variance) = kernels::batch_norm_train(input, self.gamma.val(), self.beta.val(), self.epsilon, activation);
        let m = self.momentum;
        let update = |state: &RunningState<Tensor<1>>, batch: Tensor<1>| {
            let running = state.value_sync().to_device(&batch.device());
            state.update(running.mul_scalar(1.0 - m).add(batch.mul_scalar(m)).detach());
        };
        update(&self.running_mean, mean);
        update(&self.running_var, variance);
        output
    }

    /// `activation(self.forward(conv.forward(input)))`. When the norm uses its running statistics
    /// (evaluation, or a plain device) it is folded into the convolution (per output channel,
    /// weight · s and bias · s + t, with `s = γ / √(running var + ε)` and `t = β − running mean ·
    /// s`), so the whole is one convolution with
    /// the activation fused in: no pass over the output for the norm or the ReLU. In training it is
    /// the convolution, then the norm with the activation fused in.
    ///
    /// # Shapes
    ///
    /// - input: `[batch, channels_in, length_in]`
    /// - output: `[batch, num_features, length_out]` (`conv`'s output; `conv.channels_out` must be
    ///   `num_features`)
    ///
    /// # Panics
    ///
    /// If the convolution's output channels are not this layer's features.
    pub(crate) fn after_conv1d(&self, conv: &Conv1d, input: Tensor<3>, activation: Activation) -> Tensor<3> {
        self.check_conv(conv);
        if input.device().is_autodiff() && self.training.is_enabled() {
            return self.apply(conv.forward(input), activation);
        }
        let folded = self.fold_into(conv, &input.device());
        folded.forward_activated(input, activation)
    }

    /// [`Self::after_conv1d`], then `pool`. In inference the folded convolution runs with the pool
    /// inside it ([`Conv1d::forward_pooled`]: a `MaxPool(2)` writes only the pooled output).
    ///
    /// # Shapes
    ///
    /// - input: `[batch, channels_in, length_in]`
    /// - output: `[batch, num_features, length']`, the pool's output of [`Self::after_conv1d`]'s
    ///
    /// # Panics
    ///
    /// As [`Self::after_conv1d`].
    pub(crate) fn after_conv1d_pooled(&self, conv: &Conv1d, input: Tensor<3>, activation: Activation, pool: &MaxPool1d) -> Tensor<3> {
        self.check_conv(conv);
        if input.device().is_autodiff() && self.training.is_enabled() {
            return pool.forward(self.apply(conv.forward(input), activation));
        }
        self.fold_into(conv, &input.device()).forward_pooled(input, activation, pool)
    }

    /// [`Self::after_conv1d`] channels-last in and out ([`Conv1d::forward_channels_last`], then
    /// [`Self::forward_channels_last`], or the folded convolution with its running statistics).
    ///
    /// # Shapes
    ///
    /// - input: `[batch, length_in, channels_in]`
    /// - output: `[batch, length_out, num_features]`
    ///
    /// # Panics
    ///
    /// As [`Self::after_conv1d`].
    pub(crate) fn after_conv1d_channels_last(&self, conv: &Conv1d, input: Tensor<3>, activation: Activation) -> Tensor<3> {
        self.check_conv(conv);
        if input.device().is_autodiff() && self.training.is_enabled() {
            return self.forward_channels_last(conv.forward_channels_last(input, Activation::Identity), activation);
        }
        self.fold_into(conv, &input.device()).forward_channels_last(input, activation)
    }

    /// The end of a post-activation residual block, channels-last: `relu(after_conv1d_channels_last(conv,
    /// input) + residual)`, then `MaxPool(2)` over positions if `pool`. With the running
    /// statistics (evaluation) the norm is folded into the convolution and the whole is one
    /// operation ([`Conv1d::forward_channels_last_join`]); in training the operations run in turn.
    ///
    /// # Shapes
    ///
    /// - input: `[batch, length_in, channels_in]`
    /// - residual: `[batch, length_out, num_features]`
    /// - output: `[batch, length_out, num_features]`, or `[batch, ⌊length_out / 2⌋, num_features]`
    ///   with `pool`
    ///
    /// # Panics
    ///
    /// As [`Self::after_conv1d`], or if `residual` is not shaped like the convolution's output.
    pub(crate) fn after_conv1d_channels_last_join(&self, conv: &Conv1d, input: Tensor<3>, residual: Tensor<3>, pool: bool) -> Tensor<3> {
        self.check_conv(conv);
        if input.device().is_autodiff() && self.training.is_enabled() {
            let branch = self.after_conv1d_channels_last(conv, input, Activation::Identity);
            return crate::nn::residual::residual_relu_pool_channels_last(branch, residual, pool);
        }
        self.fold_into(conv, &input.device()).forward_channels_last_join(input, residual, pool)
    }

    fn check_conv(&self, conv: &Conv1d) {
        let [channels] = self.gamma.dims();
        let [c_out, _, _] = conv.weight.dims();
        assert_eq!(c_out, channels, "batch norm: the convolution has {c_out} output channels, the layer {channels}");
    }

    /// The convolution with this norm's running statistics folded in: weight · s, bias · s + t
    /// ([`Self::scale_shift`]).
    fn fold_into(&self, conv: &Conv1d, device: &Device) -> Conv1d {
        let [channels] = self.gamma.dims();
        let (scale, shift) = self.scale_shift(device);
        let weight = conv.weight.val().mul(scale.clone().reshape([channels, 1, 1]));
        let bias = match &conv.bias {
            Some(b) => b.val().mul(scale).add(shift),
            None => shift,
        };
        Conv1d {
            weight: Param::from_tensor(weight),
            bias: Some(Param::from_tensor(bias)),
            stride: conv.stride,
            kernel_size: conv.kernel_size,
            padding: conv.padding.clone(),
        }
    }

    /// The evaluation-time normalisation as one scale `s = γ / √(running var + ε)` and one shift
    /// `t = β − running mean · s` per channel, on `device`.
    fn scale_shift(&self, device: &Device) -> (Tensor<1>, Tensor<1>) {
        let mean = self.running_mean.value().to_device(device);
        let var = self.running_var.value().to_device(device);
        let scale = self.gamma.val().div(var.add_scalar(self.epsilon).sqrt());
        let shift = self.beta.val().sub(mean.mul(scale.clone()));
        (scale, shift)
    }

    /// `x · s + t` ([`Self::scale_shift`]): two passes over the input where Burn's `batch_norm`
    /// takes four.
    fn forward_inference<const D: usize>(&self, input: Tensor<D>) -> Tensor<D> {
        let (scale, shift) = self.scale_shift(&input.device());
        let mut per_channel = [1usize; D];
        per_channel[1] = scale.dims()[0];
        input.mul(scale.reshape(per_channel)).add(shift.reshape(per_channel))
    }
}

impl From<&BatchNorm> for burn::nn::BatchNorm {
    /// Burn's layer with the same parameters and running statistics (sharing them).
    fn from(layer: &BatchNorm) -> Self {
        burn::nn::BatchNorm {
            gamma: layer.gamma.clone(),
            beta: layer.beta.clone(),
            training: layer.training.clone(),
            running_mean: layer.running_mean.clone(),
            running_var: layer.running_var.clone(),
            momentum: layer.momentum,
            epsilon: layer.epsilon,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{TensorData, Tolerance};

    fn wave<const D: usize>(shape: [usize; D], phase: f32, device: &Device) -> Tensor<D> {
        let n = shape.iter().product::<usize>();
        let values: Vec<f32> = (0..n).map(|i| (i as f32 * 0.61 + phase).sin() * 3.0 + 1.5).collect();
        Tensor::from_data(TensorData::new(values, shape), device)
    }

    fn close<const D: usize>(a: Tensor<D>, b: Tensor<D>) {
        a.into_data().assert_approx_eq::<f32>(&b.into_data(), Tolerance::absolute(1e-4));
    }

    /// Three training steps then inference, side by side with `burn::nn::BatchNorm` holding the
    /// same parameters: outputs, gradients and running statistics agree, and records move both ways.
    #[test]
    fn trains_and_infers_as_burns_batch_norm() {
        let device = Device::flex().autodiff();
        let ours = BatchNormConfig::new(4).with_momentum(0.3).init(&device);
        let theirs = burn::nn::BatchNormConfig::new(4).with_momentum(0.3).init(&device).load_record(ours.clone().into_record());
        for step in 0..3 {
            let x = wave([5, 4, 7], step as f32, &device).require_grad();
            let (a, b) = (ours.forward(x.clone()), theirs.forward(x.clone()));
            close(a.clone(), b.clone());
            let weights = wave([5, 4, 7], 9.0, &device);
            let (ga, gb) = ((a * weights.clone()).sum().backward(), (b * weights).sum().backward());
            close(x.grad(&ga).unwrap(), x.grad(&gb).unwrap());
            close(ours.gamma.grad(&ga).unwrap(), theirs.gamma.grad(&gb).unwrap());
            close(ours.beta.grad(&ga).unwrap(), theirs.beta.grad(&gb).unwrap());
        }
        close(ours.running_mean.value(), theirs.running_mean.value());
        close(ours.running_var.value(), theirs.running_var.value());
        let (ours, theirs) = (ours.valid(), theirs.valid());
        let x = wave([2, 4, 3, 5], 0.5, &device.clone().without_autodiff());
        close(ours.forward(x.clone()), theirs.forward(x));
        let back = BatchNormConfig::new(4).init(&device).load_record(theirs.into_record());
        close(back.running_var.value(), ours.running_var.value());
    }

    /// The fused ReLU in training and the plain one in evaluation equal `relu(forward)`, with the
    /// same gradients and running statistics.
    #[test]
    fn the_fused_relu_is_relu_of_forward() {
        let device = Device::flex().autodiff();
        let (a, b) = (BatchNormConfig::new(3).init(&device), BatchNormConfig::new(3).init(&device));
        let x = wave([4, 3, 9], 0.3, &device).require_grad();
        let (fused, plain) = (a.apply(x.clone(), Activation::Relu), burn::tensor::activation::relu(b.forward(x.clone())));
        close(fused.clone(), plain.clone());
        let weights = wave([4, 3, 9], 2.0, &device);
        let (g1, g2) = ((fused * weights.clone()).sum().backward(), (plain * weights).sum().backward());
        close(x.grad(&g1).unwrap(), x.grad(&g2).unwrap());
        close(a.gamma.grad(&g1).unwrap(), b.gamma.grad(&g2).unwrap());
        close(a.beta.grad(&g1).unwrap(), b.beta.grad(&g2).unwrap());
        close(a.running_var.value(), b.running_var.value());
        let x = wave([2, 3, 5], 1.0, &device.clone().without_autodiff());
        close(a.valid().apply(x.clone(), Activation::Relu), burn::tensor::activation::relu(b.valid().forward(x)));
    }

    /// Folded into the convolution in evaluation, unfolded in training: both equal the
    /// convolution, then the norm, then the activation (with and without a bias).
    #[test]
    fn after_conv1d_equals_conv_then_norm() {
        use burn::nn::PaddingConfig1d;
        use crate::nn::Conv1dConfig;
        let device = Device::flex().autodiff();
        for bias in [true, false] {
            let conv = Conv1dConfig::new(2, 3, 3).with_padding(PaddingConfig1d::Same).with_bias(bias).init(&device);
            let norm = BatchNormConfig::new(3).init(&device);
            // Two training steps give the running statistics values other than 0 and 1.
            for step in 0..2 {
                let x = wave([4, 2, 9], step as f32, &device);
                let want = burn::tensor::activation::relu(norm.forward(conv.forward(x.clone())));
                close(norm.after_conv1d(&conv, x, Activation::Relu), want);
            }
            let (conv, norm) = (conv.valid(), norm.valid());
            let x = wave([3, 2, 7], 0.7, &device.clone().without_autodiff());
            close(norm.after_conv1d(&conv, x.clone(), Activation::Relu), burn::tensor::activation::relu(norm.forward(conv.forward(x.clone()))));
            close(norm.after_conv1d(&conv, x.clone(), Activation::Identity), norm.forward(conv.forward(x)));
        }
    }

    /// Channels-last, in training (statistics, gradients, running statistics) and folded into the
    /// convolution in evaluation, equals the channels-first layers on the transposed input.
    #[test]
    fn channels_last_equals_channels_first_transposed() {
        use burn::nn::PaddingConfig1d;
        use crate::nn::Conv1dConfig;
        let near = |a: Tensor<3>, b: Tensor<3>| a.into_data().assert_approx_eq::<f32>(&b.into_data(), Tolerance::rel_abs(1e-4, 1e-4));
        let near1 = |a: Tensor<1>, b: Tensor<1>| a.into_data().assert_approx_eq::<f32>(&b.into_data(), Tolerance::rel_abs(1e-4, 1e-4));
        let device = Device::flex().autodiff();
        // Fixed weights: drawn from the shared global RNG, whose state depends on the tests that
        // ran before in the same process, they sometimes made a batch-norm input whose rounding
        // the tolerance did not cover (one failure in sixteen runs of the crate's tests).
        let mut conv = Conv1dConfig::new(2, 3, 5).with_padding(PaddingConfig1d::Same).init(&device);
        conv.weight = Param::from_tensor(wave([3, 2, 5], 0.4, &device) * 0.1);
        let (a, b) = (BatchNormConfig::new(3).init(&device), BatchNormConfig::new(3).init(&device));
        for step in 0..2 {
            let x = wave([4, 9, 2], step as f32, &device).require_grad();
            let last = a.after_conv1d_channels_last(&conv, x.clone(), Activation::Relu);
            let first = b.after_conv1d(&conv, x.clone().swap_dims(1, 2), Activation::Relu).swap_dims(1, 2);
            near(last.clone(), first.clone());
            let weights = wave([4, 9, 3], 2.0, &device);
            let (g1, g2) = ((last * weights.clone()).sum().backward(), (first * weights).sum().backward());
            near(x.grad(&g1).unwrap(), x.grad(&g2).unwrap());
            near1(a.gamma.grad(&g1).unwrap(), b.gamma.grad(&g2).unwrap());
            near(conv.weight.grad(&g1).unwrap(), conv.weight.grad(&g2).unwrap());
        }
        near1(a.running_mean.value(), b.running_mean.value());
        near1(a.running_var.value(), b.running_var.value());
        let (conv, a) = (conv.valid(), a.valid());
        let x = wave([3, 7, 2], 0.7, &device.clone().without_autodiff());
        let want = a.forward(conv.forward(x.clone().swap_dims(1, 2))).swap_dims(1, 2);
        near(a.after_conv1d_channels_last(&conv, x.clone(), Activation::Identity), want.clone());
        near(a.forward_channels_last(conv.forward_channels_last(x, Activation::Identity), Activation::Relu), burn::tensor::activation::relu(want));
    }

    /// The joined block end equals norm(conv) + residual → ReLU → MaxPool(2) in turn, in training
    /// and in evaluation (where it is one fused operation).
    #[test]
    fn the_joined_block_end_is_the_operations_in_turn() {
        use burn::nn::PaddingConfig1d;
        use crate::nn::{Conv1dConfig, MaxPool1dConfig, residual_relu};
        let device = Device::flex().autodiff();
        let conv = Conv1dConfig::new(3, 3, 5).with_padding(PaddingConfig1d::Same).init(&device);
        let norm = BatchNormConfig::new(3).init(&device);
        let in_turn = |norm: &BatchNorm, conv: &crate::nn::Conv1d, x: Tensor<3>, r: Tensor<3>, pool: bool| {
            let y = residual_relu(norm.after_conv1d_channels_last(conv, x, Activation::Identity), r);
            if pool { MaxPool1dConfig::new(2).init().forward_channels_last(y) } else { y }
        };
        for step in 0..2 {
            let (x, r) = (wave([4, 11, 3], step as f32, &device), wave([4, 11, 3], 5.0, &device));
            // Training updates the running statistics: compare on a twin sharing the parameters.
            let twin = norm.clone();
            close(norm.after_conv1d_channels_last_join(&conv, x.clone(), r.clone(), true), in_turn(&twin, &conv, x, r, true));
        }
        let (conv, norm) = (conv.valid(), norm.valid());
        let plain = device.clone().without_autodiff();
        for (length, pool) in [(11, true), (10, true), (9, false)] {
            let (x, r) = (wave([3, length, 3], 0.7, &plain), wave([3, length, 3], 2.5, &plain));
            close(norm.after_conv1d_channels_last_join(&conv, x.clone(), r.clone(), pool), in_turn(&norm, &conv, x, r, pool));
        }
    }

    #[test]
    #[should_panic(expected = "input has 3 channels, the layer 4")]
    fn wrong_channel_count_is_named() {
        let device = Device::flex();
        BatchNormConfig::new(4).init(&device).forward(wave([2, 3, 5], 0.0, &device));
    }
}
