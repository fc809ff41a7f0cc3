//! A dense layer with its activation: [`Linear`] → activation, with the activation inside the
//! layer's operation.

use burn::config::Config;
use burn::module::Module;
use burn::tensor::{Device, Tensor};

use super::{Linear, LinearConfig};
use crate::kernels::Activation;

/// Configuration of a [`Dense`] layer.
#[derive(Config, Debug)]
pub struct DenseConfig {
    /// The linear layer.
    pub linear: LinearConfig,
    /// The activation after it. Default: [`Activation::Relu`].
    #[config(default = "Activation::Relu")]
    pub activation: Activation,
}

impl DenseConfig {
    /// The layer, its linear part initialised as [`LinearConfig::init`] does.
    pub fn init(&self, device: &Device) -> Dense {
        Dense { linear: self.linear.init(device), activation: self.activation }
    }
}

/// Linear → activation. The record holds the linear layer under `linear`.
///
/// On xent's kernels the activation runs inside the linear operation (one pass less over the
/// output, forward and backward); values equal the layers in turn.
#[derive(Module, Debug)]
pub struct Dense {
    /// The linear layer.
    pub linear: Linear,
    /// The activation.
    #[module(skip)]
    pub activation: Activation,
}

impl Dense {
    /// Applies the layer.
    ///
    /// # Shapes
    ///
    /// - input: `[rows, d_input]`
    /// - output: `[rows, d_output]`
    pub fn forward(&self, input: Tensor<2>) -> Tensor<2> {
        self.linear.forward_activated(input, self.activation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::test_inputs::ramp;
    use burn::tensor::Tolerance;


    /// Each activation equals the linear layer, then the activation, with the same gradients.
    #[test]
    fn equals_the_layers_in_turn_with_the_same_gradients() {
        let device = Device::flex().autodiff();
        for activation in [Activation::Identity, Activation::Relu] {
            let dense = DenseConfig::new(LinearConfig::new(6, 4)).with_activation(activation).init(&device);
            let x = ramp([3, 6], &device).require_grad();
            let fused = dense.forward(x.clone());
            let plain = dense.linear.forward(x.clone());
            let plain = if activation == Activation::Relu { burn::tensor::activation::relu(plain) } else { plain };
            fused.clone().into_data().assert_approx_eq::<f32>(&plain.clone().into_data(), Tolerance::absolute(1e-6));
            let probe = ramp(fused.dims(), &device) + 0.5;
            let (g1, g2) = ((fused * probe.clone()).sum().backward(), (plain * probe).sum().backward());
            let close = |a: Tensor<2>, b: Tensor<2>| a.into_data().assert_approx_eq::<f32>(&b.into_data(), Tolerance::absolute(1e-5));
            close(x.grad(&g1).unwrap(), x.grad(&g2).unwrap());
            close(dense.linear.weight.grad(&g1).unwrap(), dense.linear.weight.grad(&g2).unwrap());
        }
    }
}
