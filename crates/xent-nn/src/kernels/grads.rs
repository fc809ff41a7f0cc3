//! [`XentGrads`]: the backward operations that the autodiff implementation of
//! [`super::XentOps`] calls, with Burn's backward operations as default bodies.

use burn::backend::tensor::{FloatTensor, IntTensor};
use burn::backend::{Backend, TensorMetadata, get_or_init_device_settings};

use super::*;

/// The backward kernels that the autodiff implementation of [`XentOps`] calls.
///
/// The default bodies are Burn's own backward operations; the flex backend overrides them.
pub trait XentGrads: Backend {
    /// Gradients of a convolution (rank 3: [`XentOps::xent_conv1d`], rank 4:
    /// [`XentOps::xent_conv2d`]) for input, weight and bias, each only if wanted. `relu_output`:
    /// the output of a convolution with its ReLU, whose gradient passes only where it is positive.
    fn xent_conv_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        geometry: ConvGeometry,
        wanted: Wanted,
        relu_output: Option<FloatTensor<Self>>,
    ) -> WantedGrads<Self> {
        let output_grad = through_relu::<Self>(output_grad, relu_output);
        burn_conv_backward::<Self>(x, weight, output_grad, geometry, wanted)
    }

    /// Gradients of [`XentOps::xent_linear`] for input, weight and bias, each only if wanted;
    /// `relu_output` as in [`Self::xent_conv_backward`].
    fn xent_linear_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        wanted: Wanted,
        relu_output: Option<FloatTensor<Self>>,
    ) -> WantedGrads<Self> {
        burn_linear_backward::<Self>(x, weight, through_relu::<Self>(output_grad, relu_output), wanted)
    }

    /// Gradients of [`XentOps::xent_conv1d_from_channels_last`] for input (channels-last), weight and bias,
    /// each only if wanted; `relu_output` as in [`Self::xent_conv_backward`].
    fn xent_conv1d_from_channels_last_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        wanted: Wanted,
        relu_output: Option<FloatTensor<Self>>,
    ) -> WantedGrads<Self> {
        let output_grad = through_relu::<Self>(output_grad, relu_output);
        let (dx, dw, db) = burn_conv_backward::<Self>(Self::float_swap_dims(x, 1, 2), weight, output_grad, ConvGeometry::one_d(1, 0, 0), wanted);
        (dx.map(|d| Self::float_swap_dims(d, 1, 2)), dw, db)
    }

    /// Gradients of [`XentOps::xent_conv1d_channels_last`] for input, weight and bias (input and output
    /// gradient channels-last), each only if wanted; `relu_output` as in
    /// [`Self::xent_conv_backward`].
    fn xent_conv1d_channels_last_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        geometry: ConvGeometry,
        wanted: Wanted,
        relu_output: Option<FloatTensor<Self>>,
    ) -> WantedGrads<Self> {
        burn_conv1d_channels_last_backward::<Self>(x, weight, through_relu::<Self>(output_grad, relu_output), geometry, wanted)
    }

    /// Gradients of [`XentOps::xent_batch_norm_train`] for input, γ and β, given the statistics
    /// it returned; `relu_output` as in [`Self::xent_conv_backward`].
    fn xent_batch_norm_backward(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        mean: FloatTensor<Self>,
        variance: FloatTensor<Self>,
        epsilon: f64,
        output_grad: FloatTensor<Self>,
        relu_output: Option<FloatTensor<Self>>,
    ) -> Floats3<Self> {
        let output_grad = through_relu::<Self>(output_grad, relu_output);
        let grads = Self::batch_norm_train_backward(x, gamma, mean, variance, epsilon, output_grad);
        (grads.x_grad, grads.gamma_grad, grads.beta_grad)
    }

    /// Gradient of [`XentOps::xent_embedding`] with respect to the table (`[vocab, dim]`, dense):
    /// Burn's `embedding_backward`.
    fn xent_embedding_backward(table: FloatTensor<Self>, output_grad: FloatTensor<Self>, ids: IntTensor<Self>) -> FloatTensor<Self> {
        Self::embedding_backward(table, output_grad, ids)
    }

    /// The logits' gradient of [`XentOps::xent_logit_loss`] given each sample's loss gradient
    /// `output_grad` `[batch]`.
    fn xent_logit_loss_backward(
        logits: FloatTensor<Self>,
        targets: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        loss: LogitLoss,
    ) -> FloatTensor<Self> {
        burn_logit_loss_backward::<Self>(logits, targets, output_grad, loss)
    }

    /// Input gradient of a max pool (rank 3: [`XentOps::xent_max_pool1d`], rank 4:
    /// [`XentOps::xent_max_pool2d`]).
    fn xent_max_pool_backward(x: FloatTensor<Self>, output_grad: FloatTensor<Self>, geometry: PoolGeometry) -> FloatTensor<Self> {
        burn_max_pool_backward::<Self>(x, output_grad, geometry)
    }
}

/// A dense layer's gradients with Burn's operations, each only if wanted (the fallback of every
/// backend for [`XentGrads::xent_linear_backward`]).
pub(super) fn burn_linear_backward<B: Backend>(
    x: FloatTensor<B>,
    weight: FloatTensor<B>,
    output_grad: FloatTensor<B>,
    wanted: Wanted,
) -> WantedGrads<B> {
    let dx = wanted.input.then(|| B::linear_x_backward(weight, output_grad.clone()));
    let dw = wanted.weight.then(|| B::linear_weight_backward(x, output_grad.clone()));
    (dx, dw, wanted.bias.then(|| B::linear_bias_backward(output_grad)))
}

/// Burn's own convolution gradients (the fallback of every backend).
pub(super) fn burn_conv_backward<B: Backend>(
    x: FloatTensor<B>,
    weight: FloatTensor<B>,
    output_grad: FloatTensor<B>,
    geometry: ConvGeometry,
    wanted: Wanted,
) -> WantedGrads<B> {
    let two_d = TensorMetadata::shape(&x).num_dims() == 4;
    let (dx, dw) = if two_d {
        let options = geometry.burn_2d();
        (
            wanted.input.then(|| B::conv2d_x_backward(x.clone(), weight.clone(), output_grad.clone(), options.clone())),
            wanted.weight.then(|| B::conv2d_weight_backward(x, weight, output_grad.clone(), options)),
        )
    } else {
        let options = geometry.burn_1d();
        (
            wanted.input.then(|| B::conv1d_x_backward(x.clone(), weight.clone(), output_grad.clone(), options.clone())),
            wanted.weight.then(|| B::conv1d_weight_backward(x, weight, output_grad.clone(), options)),
        )
    };
    let bias = wanted.bias.then(|| {
        // Sum over every axis but the channel axis (1).
        let rank = TensorMetadata::shape(&output_grad).num_dims();
        let mut summed = output_grad;
        for axis in (2..rank).rev().chain([0]) {
            summed = B::float_sum_dim(summed, axis);
        }
        let channels = TensorMetadata::shape(&summed)[1];
        B::float_reshape(summed, [channels].into())
    });
    (dx, dw, bias)
}

/// Burn's own gradients of a channels-last convolution (through channels-first views).
pub(super) fn burn_conv1d_channels_last_backward<B: Backend>(
    x: FloatTensor<B>,
    weight: FloatTensor<B>,
    output_grad: FloatTensor<B>,
    geometry: ConvGeometry,
    wanted: Wanted,
) -> WantedGrads<B> {
    let (x, output_grad) = (B::float_swap_dims(x, 1, 2), B::float_swap_dims(output_grad, 1, 2));
    let (dx, dw, db) = burn_conv_backward::<B>(x, weight, output_grad, geometry, wanted);
    (dx.map(|d| B::float_swap_dims(d, 1, 2)), dw, db)
}

/// Burn's own max-pool gradient (the fallback of every backend).
pub(super) fn burn_max_pool_backward<B: Backend>(x: FloatTensor<B>, output_grad: FloatTensor<B>, g: PoolGeometry) -> FloatTensor<B> {
    let int_dtype = get_or_init_device_settings::<B>(&TensorMetadata::device(&x)).int_dtype;
    if TensorMetadata::shape(&x).num_dims() == 4 {
        let indices = B::max_pool2d_with_indices(x.clone(), g.kernel, g.stride, g.padding, [1, 1], false, int_dtype).indices;
        B::max_pool2d_with_indices_backward(x, g.kernel, g.stride, g.padding, [1, 1], false, output_grad, indices).x_grad
    } else {
        let (k, s, p) = (g.kernel[1], g.stride[1], g.padding[1]);
        let indices = B::max_pool1d_with_indices(x.clone(), k, s, p, 1, false, int_dtype).indices;
        B::max_pool1d_with_indices_backward(x, k, s, p, 1, false, output_grad, indices).x_grad
    }
}
