//! The join of a residual block, `relu(a + b)`.

use burn::tensor::Tensor;

use crate::kernels;

/// `relu(branch + shortcut)` as one operation ([`kernels::add_relu`]; Burn's `add` and `relu` if
/// [`kernels::enabled`] says no).
///
/// # Shapes
///
/// - `branch`, `shortcut`: the same shape; output: that shape
///
/// # Panics
///
/// If the shapes differ.
pub fn residual_relu<const D: usize>(branch: Tensor<D>, shortcut: Tensor<D>) -> Tensor<D> {
    // Checked here, not only in the kernel: Burn's `+` would broadcast a dimension of 1 instead.
    assert_eq!(branch.dims(), shortcut.dims(), "residual_relu: the branch and the shortcut differ in shape");
    if kernels::enabled() {
        kernels::add_relu(branch, shortcut)
    } else {
        burn::tensor::activation::relu(branch + shortcut)
    }
}

/// `residual_relu(branch, shortcut)`, then `MaxPool(2)` over the positions of channels-last
/// `[batch, length, channels]` if `pool`: the end of a residual block as separate operations (what
/// the joined forms of [`crate::nn::Conv1d`] and [`crate::nn::BatchNorm`] compute as one in
/// inference).
pub(crate) fn residual_relu_pool_channels_last(branch: Tensor<3>, shortcut: Tensor<3>, pool: bool) -> Tensor<3> {
    let joined = residual_relu(branch, shortcut);
    if pool { crate::nn::MaxPool1dConfig::new(2).init().forward_channels_last(joined) } else { joined }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData, Tolerance};

    fn wave(shape: [usize; 3], phase: f32, device: &Device) -> Tensor<3> {
        let n = shape.iter().product::<usize>();
        Tensor::from_data(TensorData::new((0..n).map(|i| (i as f32 * 0.83 + phase).sin()).collect::<Vec<_>>(), shape), device)
    }

    fn close(a: Tensor<3>, b: Tensor<3>) {
        a.into_data().assert_approx_eq::<f32>(&b.into_data(), Tolerance::absolute(1e-6));
    }

    /// Values and both gradients equal `relu(a + b)`'s, also when both operands are one tensor
    /// (its gradient is then the sum of the two).
    #[test]
    fn equals_relu_of_the_sum_with_gradients() {
        let device = Device::flex().autodiff();
        let (a, b) = (wave([2, 3, 7], 0.0, &device).require_grad(), wave([2, 3, 7], 1.3, &device).require_grad());
        let probe = wave([2, 3, 7], 2.1, &device);
        let ours = residual_relu(a.clone(), b.clone());
        let theirs = burn::tensor::activation::relu(a.clone() + b.clone());
        close(ours.clone(), theirs.clone());
        let (g1, g2) = ((ours * probe.clone()).sum().backward(), (theirs * probe.clone()).sum().backward());
        close(a.grad(&g1).unwrap(), a.grad(&g2).unwrap());
        close(b.grad(&g1).unwrap(), b.grad(&g2).unwrap());
        let (g1, g2) = (
            (residual_relu(a.clone(), a.clone()) * probe.clone()).sum().backward(),
            (burn::tensor::activation::relu(a.clone() + a.clone()) * probe).sum().backward(),
        );
        close(a.grad(&g1).unwrap(), a.grad(&g2).unwrap());
    }

    #[test]
    #[should_panic(expected = "differ in shape")]
    fn different_shapes_are_refused() {
        let device = Device::flex();
        residual_relu(wave([1, 2, 3], 0.0, &device), wave([1, 2, 4], 0.0, &device));
    }

    /// A dimension of 1 is refused too, not broadcast (as Burn's `+` would).
    #[test]
    #[should_panic(expected = "differ in shape")]
    fn a_unit_dimension_is_not_broadcast() {
        let device = Device::flex();
        residual_relu(wave([1, 2, 3], 0.0, &device), wave([1, 2, 1], 0.0, &device));
    }
}
