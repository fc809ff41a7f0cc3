//! Weighted sums of embedding rows (PyTorch's `EmbeddingBag` with `mode="sum"` and
//! `per_sample_weights`): the first dense layer of a bag-of-words network without building the
//! `[batch, vocabulary]` input.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::Initializer;
use burn::tensor::module::embedding;
use burn::tensor::{Device, Int, Tensor};

/// Configuration of an [`EmbeddingBag`].
#[derive(Config, Debug)]
pub struct EmbeddingBagConfig {
    /// Number of embedding rows (the vocabulary).
    pub n_embedding: usize,
    /// Width of each row (the output width).
    pub d_model: usize,
    /// Add a learnt bias `[d_model]` to every sum. Default: true.
    #[config(default = true)]
    pub bias: bool,
    /// Initialisation of the rows. Default: `N(0, 1)`, as Burn's `Embedding` and PyTorch's
    /// `EmbeddingBag`.
    #[config(default = "Initializer::Normal{mean:0.0, std:1.0}")]
    pub initializer: Initializer,
}

impl EmbeddingBagConfig {
    /// The layer; the bias starts at zero.
    pub fn init(&self, device: &Device) -> EmbeddingBag {
        EmbeddingBag {
            weight: self.initializer.init([self.n_embedding, self.d_model], device),
            bias: self.bias.then(|| Initializer::Zeros.init([self.d_model], device)),
        }
    }
}

/// `out[b] = Σᵤ weights[b, u] · weight[ids[b, u]] (+ bias)`: equal to a dense layer applied to the
/// sparse vector whose entry `ids[b, u]` is `weights[b, u]` (repeated ids add up). Padding
/// positions carry weight 0. The gradient reaches only the rows a batch uses, but arrives (as
/// with Burn's `Embedding`) as a dense `[n_embedding, d_model]` tensor.
#[derive(Module, Debug)]
pub struct EmbeddingBag {
    /// The rows, `[n_embedding, d_model]` (Burn's `Embedding` layout and name).
    pub weight: Param<Tensor<2>>,
    /// The bias, `[d_model]`.
    pub bias: Option<Param<Tensor<1>>>,
}

impl EmbeddingBag {
    /// The weighted sums of the bags.
    ///
    /// # Shapes
    ///
    /// - ids: `[batch, bag]` (row indices, each `< n_embedding`)
    /// - weights: `[batch, bag]`
    /// - output: `[batch, d_model]`
    pub fn forward(&self, ids: Tensor<2, Int>, weights: Tensor<2>) -> Tensor<2> {
        let [b, _] = ids.dims();
        let rows = embedding(self.weight.val(), ids); // [B, U, D]
        let d = rows.dims()[2];
        let sums = weights.unsqueeze_dim::<3>(1).matmul(rows).reshape([b, d]); // [B, 1, U] × [B, U, D]
        match &self.bias {
            Some(bias) => sums + bias.val().unsqueeze_dim(0),
            None => sums,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    fn layer(device: &Device) -> EmbeddingBag {
        // Rows r·[1, 10, 100] and bias [0.5, 0, −1]: sums are easy to read.
        let w: Vec<f32> = (0..5).flat_map(|r| [r as f32, 10.0 * r as f32, 100.0 * r as f32]).collect();
        EmbeddingBag {
            weight: Param::from_tensor(Tensor::from_data(TensorData::new(w, [5, 3]), device)),
            bias: Some(Param::from_tensor(Tensor::from_data(TensorData::new(vec![0.5f32, 0.0, -1.0], [3]), device))),
        }
    }

    #[test]
    fn sums_weighted_rows_and_adds_the_bias() {
        let device = Device::flex();
        let ids = Tensor::<2, Int>::from_data(TensorData::new(vec![1i64, 3, 0, 2, 2, 4], [2, 3]), &device);
        let w = Tensor::<2>::from_data(TensorData::new(vec![0.5f32, 2.0, 0.0, 1.0, 1.0, 0.25], [2, 3]), &device);
        let out = layer(&device).forward(ids, w).into_data().try_to_vec::<f32>().unwrap();
        // Bag 0: 0.5·1 + 2·3 = 6.5 (row 0 has weight 0); bag 1: 2 + 2 + 0.25·4 = 5 (row 2 twice).
        let want = [6.5 + 0.5, 65.0, 650.0 - 1.0, 5.0 + 0.5, 50.0, 500.0 - 1.0];
        for (o, w) in out.iter().zip(want) {
            assert!((o - w).abs() < 1e-4, "{out:?}");
        }
    }

    #[test]
    fn gradient_reaches_the_used_rows_in_proportion_to_their_weights() {
        let device = Device::flex().autodiff();
        let l = layer(&device);
        let ids = Tensor::<2, Int>::from_data(TensorData::new(vec![1i64, 3, 1], [1, 3]), &device);
        let w = Tensor::<2>::from_data(TensorData::new(vec![0.5f32, 2.0, 0.25], [1, 3]), &device);
        let grads = l.forward(ids, w).sum().backward();
        let g = l.weight.grad(&grads).unwrap().into_data().try_to_vec::<f32>().unwrap();
        let mut want = vec![0f32; 15];
        want[3..6].fill(0.75); // row 1: 0.5 + 0.25
        want[9..12].fill(2.0); // row 3
        assert_eq!(g, want);
        let gb = l.bias.as_ref().unwrap().grad(&grads).unwrap().into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(gb, vec![1.0; 3]);
    }
}
