//! FLOP per sample of the five reference models, layer by layer, so that a throughput becomes
//! GFLOP/s and can be set against the machine's measured ceiling ([`super::peak`]).
//!
//! A multiply-add counts 2 FLOP. Training costs each layer's forward pass, its weight gradient
//! and its input gradient (3 × forward), except a first layer whose input is data (no input
//! gradient: 2 ×); the text CNN's convolution keeps its input gradient, since the embedding
//! below it trains. Pooling, activations, batch norm, the loss and the optimizer are O(size) and
//! left out, as is the embedding lookup (no arithmetic).

/// One layer as a matrix product per sample, `[outputs × inner] · [inner × positions]` (a
/// convolution as im2col sees it; a dense layer has one position), its parameters, and whether its
/// input gradient is computed.
#[derive(Clone, Copy, Debug)]
pub struct Layer {
    /// Output channels or units.
    pub outputs: u64,
    /// Inputs per output value: `channels_in × taps`, or the dense layer's inputs.
    pub inner: u64,
    /// Output positions per channel.
    pub positions: u64,
    /// Checked against the models' own parameter counts (tests).
    #[cfg_attr(not(test), allow(dead_code))]
    params: u64,
    /// Whether the backward pass computes the layer's input gradient.
    pub input_grad: bool,
}

impl Layer {
    /// Forward multiply-adds per sample.
    pub fn macs(&self) -> u64 {
        self.outputs * self.inner * self.positions
    }
}

/// A convolution with bias: `positions` outputs per channel, `taps` kernel entries per input channel.
fn conv(positions: u64, c_out: u64, c_in: u64, taps: u64) -> Layer {
    Layer { outputs: c_out, inner: c_in * taps, positions, params: c_out * c_in * taps + c_out, input_grad: true }
}

/// A dense layer with bias.
fn dense(inputs: u64, outputs: u64) -> Layer {
    Layer { outputs, inner: inputs, positions: 1, params: inputs * outputs + outputs, input_grad: true }
}

/// Parameters without arithmetic: an embedding table, or a batch norm's γ, β and running
/// statistics (`4 × channels`, as Burn counts them).
fn table(params: u64) -> Layer {
    Layer { outputs: 0, inner: 0, positions: 0, params, input_grad: false }
}

/// The layer's input is data: no input gradient.
fn first(layer: Layer) -> Layer {
    Layer { input_grad: false, ..layer }
}

/// The layers of one of the reference models (`None` for another name).
pub fn layers(model: &str) -> Option<Vec<Layer>> {
    Some(match model {
        // 187 → conv5 → 183 → pool → 91 → conv5 → 87 → pool → 43; 64 × 43 = 2,752.
        "ecg_cnn" => vec![first(conv(183, 32, 1, 5)), conv(87, 64, 32, 5), dense(2752, 128), dense(128, 5)],
        // "Same" convolutions on 187, 93 and 46 positions (pooling after each block).
        "ecg_resnet" => {
            let mut l = vec![first(conv(187, 32, 1, 5)), table(4 * 32)];
            for positions in [187, 93, 46] {
                l.extend([conv(positions, 32, 32, 5), table(4 * 32), conv(positions, 32, 32, 5), table(4 * 32)]);
            }
            l.push(dense(32, 5));
            l
        }
        // 200 → conv4 → 197 → pool → 98; 32 × 98 = 3,136.
        "text_cnn" => vec![table(20_000 * 128), conv(197, 32, 128, 4), dense(3136, 256), dense(256, 4)],
        // 28 → conv5 → 24 → pool → 12 → conv3 → 10 → pool → 5; 100 × 5 × 5 = 2,500.
        "mnist_cnn" => vec![first(conv(24 * 24, 100, 1, 25)), conv(10 * 10, 100, 100, 9), dense(2500, 100), dense(100, 100), dense(100, 10)],
        "pima_mlp" => vec![first(dense(8, 12)), dense(12, 8), dense(8, 1)],
        _ => return None,
    })
}

/// FLOP per sample of a model, for a training step and for inference.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Flop {
    pub train: f64,
    pub infer: f64,
}

/// The FLOP per sample of one of the reference models (`None` for another name).
pub fn per_sample(model: &str) -> Option<Flop> {
    let layers = layers(model)?;
    let infer: u64 = layers.iter().map(|l| 2 * l.macs()).sum();
    let train: u64 = layers.iter().map(|l| 2 * l.macs() * if l.input_grad { 3 } else { 2 }).sum();
    Some(Flop { train: train as f64, infer: infer as f64 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::prelude::*;

    fn params(model: &str) -> u64 {
        layers(model).unwrap().iter().map(|l| l.params).sum()
    }

    /// The layer lists describe the networks the benchmark builds: same parameter count.
    #[test]
    fn layer_lists_match_the_models() {
        let device = Device::flex();
        let ecg = xent_ecg::Cnn1dConfig::plain().init(&device);
        assert_eq!(params("ecg_cnn"), ecg.num_params() as u64);
        let resnet = xent_resnet::ResNet1dConfig::small().with_length(187).with_rr_features(false).init(&device);
        assert_eq!(params("ecg_resnet"), resnet.num_params() as u64);
        let text = xent_text::model::TextCnnConfig::new(xent_text::ModelKind::Question, 20_000, 200, 4).init_question(&device);
        assert_eq!(params("text_cnn"), text.num_params() as u64);
        assert_eq!(params("mnist_cnn"), xent_repro::models::MnistCnnConfig::default().init(&device).num_params() as u64);
        assert_eq!(params("pima_mlp"), xent_repro::models::MlpConfig::pima(1).init(&device).num_params() as u64);
    }

    /// The ECG CNN's figure in docs/performance.md, "Peak, GFLOP/s and the GEMM ceiling" (7.58
    /// MFLOP per training sample).
    #[test]
    fn ecg_cnn_count() {
        let f = per_sample("ecg_cnn").unwrap();
        assert_eq!(f.train, 7_579_776.0);
        assert_eq!(f.infer, 2_546_112.0);
        assert!(per_sample("nope").is_none());
    }
}
