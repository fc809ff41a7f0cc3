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
    /// Most gathered values (`bags × bag length × d_model`) held at once: a larger batch is
    /// summed in slices of bags. Default: 2²⁴ (64 MiB of `f32`).
    #[config(default = "1 << 24")]
    pub max_gathered: usize,
}

impl EmbeddingBagConfig {
    /// The layer; the bias starts at zero.
    pub fn init(&self, device: &Device) -> EmbeddingBag {
        EmbeddingBag {
            weight: self.initializer.init([self.n_embedding, self.d_model], device),
            bias: self.bias.then(|| Initializer::Zeros.init([self.d_model], device)),
            max_gathered: self.max_gathered.max(1),
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
    /// Most gathered values held at once.
    pub max_gathered: usize,
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
        let [b, u] = ids.dims();
        let d = self.weight.dims()[1];
        let per = (self.max_gathered / (u * d).max(1)).max(1);
        let sums = if b <= per {
            self.sums(ids, weights)
        } else {
            let slices = (0..b)
                .step_by(per)
                .map(|s| {
                    let e = (s + per).min(b);
                    self.sums(ids.clone().slice([s..e, 0..u]), weights.clone().slice([s..e, 0..u]))
                })
                .collect();
            Tensor::cat(slices, 0)
        };
        match &self.bias {
            Some(bias) => sums + bias.val().unsqueeze_dim(0),
            None => sums,
        }
    }

    /// `[b, u]` ids and weights → `[b, d_model]` weighted sums (no bias).
    fn sums(&self, ids: Tensor<2, Int>, weights: Tensor<2>) -> Tensor<2> {
        let [b, _] = ids.dims();
        let rows = embedding(self.weight.val(), ids); // [b, u, d]
        let d = rows.dims()[2];
        weights.unsqueeze_dim::<3>(1).matmul(rows).reshape([b, d]) // [b, 1, u] × [b, u, d]
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
            max_gathered: 1 << 24,
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
    fn slices_of_bags_give_the_same_sums_and_gradients() {
        let device = Device::flex().autodiff();
        let whole = layer(&device);
        // 3 values per bag row: a budget of 7 allows one bag of length 2 per slice.
        let sliced = EmbeddingBag { max_gathered: 7, ..whole.clone() };
        let ids = Tensor::<2, Int>::from_data(TensorData::new(vec![1i64, 3, 0, 2, 2, 4, 4, 0], [4, 2]), &device);
        let w = Tensor::<2>::from_data(TensorData::new(vec![0.5f32, 2.0, 0.0, 1.0, 1.0, 0.25, 3.0, 0.0], [4, 2]), &device);
        let (a, b) = (whole.forward(ids.clone(), w.clone()), sliced.forward(ids, w));
        assert_eq!(a.to_data(), b.to_data());
        let (ga, gb) = (a.sum().backward(), b.sum().backward());
        assert_eq!(whole.weight.grad(&ga).unwrap().into_data(), sliced.weight.grad(&gb).unwrap().into_data());
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
