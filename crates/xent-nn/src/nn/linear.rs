//! Dense layer on xent's kernels.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::Initializer;
use burn::tensor::{Device, Tensor};

use crate::kernels::{self, Activation};

/// Configuration of a [`Linear`] layer (the fields and defaults of `burn::nn::LinearConfig`, in
/// Burn's row layout: the weight is `[d_input, d_output]`).
#[derive(Config, Debug)]
pub struct LinearConfig {
    /// Input features.
    pub d_input: usize,
    /// Output features.
    pub d_output: usize,
    /// Whether the layer has a bias. Default: true.
    #[config(default = true)]
    pub bias: bool,
    /// Weight and bias initialisation. Default: Burn's, Kaiming uniform with gain 1/√3.
    #[config(default = "Initializer::KaimingUniform{gain: 1.0 / 3.0f64.sqrt(), fan_out_only: false}")]
    pub initializer: Initializer,
}

impl LinearConfig {
    /// The layer, initialised exactly as `burn::nn::LinearConfig::init` would (same random
    /// draws in the same order).
    pub fn init(&self, device: &Device) -> Linear {
        let burn = burn::nn::LinearConfig::new(self.d_input, self.d_output)
            .with_bias(self.bias)
            .with_initializer(self.initializer.clone())
            .init(device);
        Linear { weight: burn.weight, bias: burn.bias }
    }
}

/// A dense layer `x · weight + bias` on [`kernels::linear`] (Burn's op if [`kernels::enabled`]
/// says no); the record is that of `burn::nn::Linear`. With an activation inside the operation:
/// [`super::Dense`].
#[derive(Module, Debug)]
pub struct Linear {
    /// `[d_input, d_output]`.
    pub weight: Param<Tensor<2>>,
    /// `[d_output]`, if the layer has a bias.
    pub bias: Option<Param<Tensor<1>>>,
}

impl Linear {
    /// Applies the layer.
    ///
    /// # Shapes
    ///
    /// - input: `[rows, d_input]`
    /// - output: `[rows, d_output]`
    pub fn forward(&self, input: Tensor<2>) -> Tensor<2> {
        self.forward_activated(input, Activation::Identity)
    }

    /// `activation` of [`Self::forward`] as one operation (a ReLU inside the kernel: one pass
    /// less over the output forward and backward); [`super::Dense`] is the public form.
    pub(crate) fn forward_activated(&self, input: Tensor<2>, activation: Activation) -> Tensor<2> {
        let bias = self.bias.as_ref().map(Param::val);
        if kernels::enabled() {
            return kernels::linear(input, self.weight.val(), bias, activation);
        }
        let out = burn::tensor::module::linear(input, self.weight.val(), bias);
        activation.apply(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::test_inputs::ramp;

    /// Records move both ways between this layer and Burn's, and both layers then compute the
    /// same function (no seeding: other tests share the global RNG).
    #[test]
    fn same_record_and_output_as_burns_linear() {
        let device = Device::flex();
        for bias in [true, false] {
            let ours = LinearConfig::new(6, 4).with_bias(bias).init(&device);
            let burns = || burn::nn::LinearConfig::new(6, 4).with_bias(bias).init(&device);
            let theirs = burns().load_record(ours.clone().into_record());
            let x = ramp([3, 6], &device);
            let (a, b) = (ours.forward(x.clone()), theirs.forward(x.clone()));
            a.into_data().assert_approx_eq::<f32>(&b.into_data(), burn::tensor::Tolerance::absolute(1e-6));
            let relu = burn::tensor::activation::relu(theirs.forward(x.clone()));
            ours.forward_activated(x, Activation::Relu).into_data().assert_approx_eq::<f32>(&relu.into_data(), burn::tensor::Tolerance::absolute(1e-6));
            let back = LinearConfig::new(6, 4).with_bias(bias).init(&device).load_record(burns().load_record(ours.clone().into_record()).into_record());
            assert_eq!(back.weight.val().into_data(), ours.weight.val().into_data());
            assert_eq!(back.bias.is_some(), bias);
        }
    }
}
