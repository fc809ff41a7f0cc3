//! The seeds' networks, with Keras's default initialisation (Glorot-uniform weights, zero
//! biases). Every model returns logits; the engine's loss configuration applies the head.

use burn::module::Param;
use burn::nn::Initializer;
use burn::prelude::*;
use serde::{Deserialize, Serialize};
use xent_core::Classifier;
use xent_core::kernels::Activation;
use xent_core::nn::{Conv2d, Conv2dConfig, ConvBlock2d, Dense, Dropout, DropoutConfig, Linear, LinearConfig, MaxPool2d, MaxPool2dConfig};

const GLOROT: Initializer = Initializer::XavierUniform { gain: 1.0 };

/// `Dense(inputs → outputs)` with Keras's `glorot_uniform` kernel and zero bias.
pub fn glorot_linear(inputs: usize, outputs: usize, device: &Device) -> Linear {
    let mut l = LinearConfig::new(inputs, outputs).with_initializer(GLOROT).with_bias(false).init(device);
    l.bias = Some(Param::from_tensor(Tensor::zeros([outputs], device)));
    l
}

/// `Conv2D` (valid padding, stride 1) with Keras's `glorot_uniform` kernel and zero bias.
pub fn glorot_conv2d(channels_in: usize, channels_out: usize, kernel: usize, device: &Device) -> Conv2d {
    let mut c = Conv2dConfig::new([channels_in, channels_out], [kernel, kernel])
        .with_initializer(GLOROT)
        .with_bias(false)
        .init(device);
    c.bias = Some(Param::from_tensor(Tensor::zeros([channels_out], device)));
    c
}

/// The question's MNIST CNN: Conv2D(f1, 5×5, ReLU) → MaxPool(2) → Conv2D(f2, 3×3, ReLU) → MaxPool(2)
/// → Dropout → Flatten → Dense(h, ReLU) → Dropout → Dense(h, ReLU) → Dropout → Dense(10).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MnistCnnConfig {
    /// Filters of the first convolution (seed: 100).
    pub filters1: usize,
    /// Filters of the second convolution (seed: 100).
    pub filters2: usize,
    /// Units of the two hidden dense layers (seed: 100).
    pub hidden: usize,
    /// Dropout rate after the convolutions and each hidden dense layer (seed: 0.3).
    pub dropout: f64,
    /// Output units (10 digits).
    pub classes: usize,
}

impl Default for MnistCnnConfig {
    fn default() -> Self {
        Self { filters1: 100, filters2: 100, hidden: 100, dropout: 0.3, classes: 10 }
    }
}

impl MnistCnnConfig {
    /// Builds the network on `device`.
    pub fn init(&self, device: &Device) -> MnistCnn {
        // 28 → conv5 → 24 → pool → 12 → conv3 → 10 → pool → 5.
        let flat = self.filters2 * 5 * 5;
        MnistCnn {
            conv1: glorot_conv2d(1, self.filters1, 5, device),
            conv2: glorot_conv2d(self.filters1, self.filters2, 3, device),
            pool: MaxPool2dConfig::new([2, 2]).init(),
            dropout: DropoutConfig::new(self.dropout).init(),
            fc1: glorot_linear(flat, self.hidden, device),
            fc2: glorot_linear(self.hidden, self.hidden, device),
            out: glorot_linear(self.hidden, self.classes, device),
        }
    }
}

/// `layer` with a ReLU, as one [`Dense`] (a clone of the layer: the model's record keeps the
/// layer's own paths).
fn relu_dense(layer: &Linear) -> Dense {
    Dense { linear: layer.clone(), activation: Activation::Relu }
}

/// The MNIST CNN (see [`MnistCnnConfig`]). Its convolutions and hidden dense layers run as
/// `xent_core::nn::ConvBlock2d` and `Dense` built from its fields in `forward`, so the record keeps
/// the paths of the runs saved before those existed (`conv1.weight`, `fc1.weight`, …).
#[derive(Module, Debug)]
pub struct MnistCnn {
    conv1: Conv2d,
    conv2: Conv2d,
    pool: MaxPool2d,
    dropout: Dropout,
    fc1: Linear,
    fc2: Linear,
    out: Linear,
}

impl Classifier for MnistCnn {
    type Batch = Tensor<4>;

    fn forward(&self, x: &Tensor<4>) -> Tensor<2> {
        let block = |conv: &Conv2d| ConvBlock2d { conv: conv.clone(), pool: Some(self.pool.clone()), activation: Activation::Relu };
        let h = block(&self.conv1).forward(x.clone());
        let h = block(&self.conv2).forward(h);
        let h = self.dropout.forward(h).flatten::<2>(1, 3);
        let h = self.dropout.forward(relu_dense(&self.fc1).forward(h));
        let h = self.dropout.forward(relu_dense(&self.fc2).forward(h));
        self.out.forward(h)
    }
}

/// A dense ReLU network `inputs → hidden… → outputs`, Glorot-initialised, whose logits are
/// divided by a fixed `temperature` (1 for an ordinary network).
///
/// - Pima seed: `8 → 12 → 8 → 1` (one sigmoid) or `→ 2` (softmax), temperature 1.
/// - Temperature seed: `10 → 32 → 3` with softmax(x / T), T = 0.6: the division happens inside
///   the model, so the engine's softmax head gives exactly `softmax(x / T)` in training and
///   evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MlpConfig {
    /// Input features.
    pub inputs: usize,
    /// Hidden layer widths, each followed by ReLU.
    pub hidden: Vec<usize>,
    /// Output units.
    pub outputs: usize,
    /// Fixed temperature inside the output activation.
    pub temperature: f64,
}

impl MlpConfig {
    /// The Pima question's `8 → 12 → 8 → outputs`.
    pub fn pima(outputs: usize) -> Self {
        Self { inputs: 8, hidden: vec![12, 8], outputs, temperature: 1.0 }
    }

    /// The temperature question's `inputs → 32 → 3` with softmax(x / T).
    pub fn temperature(inputs: usize, temperature: f64) -> Self {
        Self { inputs, hidden: vec![32], outputs: 3, temperature }
    }

    /// Builds the network on `device`.
    pub fn init(&self, device: &Device) -> Mlp {
        let mut layers = Vec::new();
        let mut w = self.inputs;
        for &h in &self.hidden {
            layers.push(glorot_linear(w, h, device));
            w = h;
        }
        Mlp { hidden: layers, out: glorot_linear(w, self.outputs, device), inv_temperature: 1.0 / self.temperature }
    }
}

/// The dense network of [`MlpConfig`]. Its hidden layers run as `xent_core::nn::Dense` built from
/// its fields in `forward` (the record keeps `hidden.0.weight`, …).
#[derive(Module, Debug)]
pub struct Mlp {
    hidden: Vec<Linear>,
    out: Linear,
    inv_temperature: f64,
}

impl Classifier for Mlp {
    type Batch = Tensor<2>;

    fn forward(&self, x: &Tensor<2>) -> Tensor<2> {
        let mut h = x.clone();
        for l in &self.hidden {
            h = relu_dense(l).forward(h);
        }
        let z = self.out.forward(h);
        if self.inv_temperature == 1.0 { z } else { z.mul_scalar(self.inv_temperature) }
    }
}
