//! The model contract and the data contract the engine trains through.
//!
//! A domain crate implements [`Classifier`] for its Burn module (the forward pass to logits) and
//! [`DataSource`] for its data (inputs of given samples as a batch on a device, plus all targets
//! on the host). The engine owns everything else: the head, the loss, the optimizer, metrics.
//!
//! ```ignore
//! #[derive(Module, Debug)]
//! struct Mlp { l1: Linear, l2: Linear }
//! impl Classifier for Mlp {
//!     type Batch = Tensor<2>;                      // [batch, 8]
//!     fn forward(&self, x: &Tensor<2>) -> Tensor<2> { self.l2.forward(relu(self.l1.forward(x.clone()))) }
//! }
//! struct Rows { x: Vec<f32>, targets: Targets }
//! impl DataSource for Rows {
//!     type Batch = Tensor<2>;
//!     fn len(&self) -> usize { self.targets.len() }
//!     fn targets(&self) -> &Targets { &self.targets }
//!     fn batch(&self, idx: &[usize], device: &Device) -> xent_core::Result<Tensor<2>> {
//!         let rows: Vec<f32> = idx.iter().flat_map(|&i| self.x[i * 8..i * 8 + 8].iter().copied()).collect();
//!         Ok(Tensor::from_data(TensorData::new(rows, [idx.len(), 8]), device))
//!     }
//! }
//! ```
//!
//! ECG beats (`Tensor<3>` `[batch, 1, 187]`, optionally with RR features in a struct), token ids
//! (`Tensor<2, Int>`), MNIST images (`Tensor<4>`) and Pima rows (`Tensor<2>`) all fit: the batch
//! type is the domain's own.

use burn::prelude::*;

use crate::error::Result;
use crate::targets::Targets;

/// A Burn module that maps a batch to logits `[batch, K]` (`[batch, 1]` for one sigmoid unit).
///
/// The model never applies its head: the engine's [`crate::LossConfig`] decides softmax or
/// sigmoids, so the same network trains under every configuration.
pub trait Classifier: Module + Send + 'static {
    /// The batch type the domain crate defines (e.g. `Tensor<3>` for beats).
    type Batch;

    /// Logits of the batch, `[batch, K]`.
    fn forward(&self, batch: &Self::Batch) -> Tensor<2>;
}

/// Indexed samples: the inputs of any subset as one batch on a device, and every target on the
/// host (targets are small — `N × K` numbers — and the engine needs them for class counts, checks
/// and metrics).
///
/// The engine asks for one batch at a time and drops it before asking for the next, so at most one
/// batch of tensors is alive during an evaluation pass.
pub trait DataSource {
    /// The batch type, the [`Classifier::Batch`] of the model it feeds.
    type Batch;

    /// Number of samples.
    fn len(&self) -> usize;

    /// True when there are no samples.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The targets of all samples, in index order: class indices or one-/multi-hot rows.
    fn targets(&self) -> &Targets;

    /// Number of classes K: the number of columns of hot targets, or for class indices the value
    /// of [`DataSource::declared_classes`] when given, else `max label + 1` (at least 2).
    fn num_classes(&self) -> usize {
        if let Some(k) = self.declared_classes() {
            return k;
        }
        match self.targets() {
            Targets::Hot(m) => m.cols(),
            Targets::Labels(l) => (l.iter().copied().max().unwrap_or(0) as usize + 1).max(2),
        }
    }

    /// The number of classes when known independently of the labels present (a small sample may
    /// miss a class). Default: none.
    fn declared_classes(&self) -> Option<usize> {
        None
    }

    /// Per-sample weights (Keras's `sample_weight`), multiplied with class weights in the
    /// training loss. Default: none.
    fn sample_weights(&self) -> Option<&[f32]> {
        None
    }

    /// The inputs of samples `indices`, in that order, as one batch on `device`.
    ///
    /// # Errors
    /// Whatever reading the samples can fail with; the engine adds the epoch and batch.
    fn batch(&self, indices: &[usize], device: &Device) -> Result<Self::Batch>;
}
