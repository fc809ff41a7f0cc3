//! Deterministic inputs for the layers' tests.

use burn::prelude::*;
use burn::tensor::TensorData;

/// A tensor of `shape` holding `cos(0.37 i)` for its i-th element in row-major order: smooth,
/// signed and free of ties, so pooling and ReLU paths are all exercised.
pub(crate) fn ramp<const D: usize>(shape: [usize; D], device: &Device) -> Tensor<D> {
    let n = shape.iter().product::<usize>();
    Tensor::from_data(TensorData::new((0..n).map(|i| (i as f32 * 0.37).cos()).collect::<Vec<_>>(), shape), device)
}
