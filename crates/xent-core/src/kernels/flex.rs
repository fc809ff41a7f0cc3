//! [`XentOps`] and [`XentGrads`] on the flex backend: `f32` tensors go to the slice kernels,
//! anything else to Burn's own operations.

use burn::backend::flex::FlexTensor;
use burn::backend::{Flex, TensorMetadata};
use burn::tensor::{DType, Shape, TensorData};

use super::conv1d::{self, Conv1dShape, Wanted};
use super::max_pool1d::{self, MaxPool1dShape};
use super::{XentGrads, XentOps, burn_conv1d_backward, burn_max_pool1d_backward, conv_options};
use burn::backend::ops::ModuleOps;

/// `t` as a contiguous `f32` tensor, or `None` for another dtype.
fn contiguous_f32(t: FlexTensor) -> Option<FlexTensor> {
    if t.dtype() != DType::F32 {
        return None;
    }
    Some(if t.as_slice::<f32>().is_some() { t } else { t.to_contiguous() })
}

fn slice(t: &FlexTensor) -> &[f32] {
    t.as_slice::<f32>().expect("made contiguous f32 by `contiguous_f32`")
}

fn tensor<const D: usize>(values: Vec<f32>, shape: [usize; D]) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, Shape::new(shape)))
}

fn conv_shape(x: &FlexTensor, weight: &FlexTensor, stride: usize, pad_left: usize, pad_right: usize) -> Conv1dShape {
    let [batch, channels_in, length_in] = x.shape().dims();
    let [channels_out, _, kernel] = weight.shape().dims();
    Conv1dShape { batch, channels_in, channels_out, length_in, kernel, stride, pad_left, pad_right }
}

impl XentOps for Flex {
    fn xent_conv1d(
        x: FlexTensor,
        weight: FlexTensor,
        bias: FlexTensor,
        stride: usize,
        pad_left: usize,
        pad_right: usize,
    ) -> FlexTensor {
        let (Some(xc), Some(wc), Some(bc)) = (contiguous_f32(x.clone()), contiguous_f32(weight.clone()), contiguous_f32(bias.clone()))
        else {
            return Flex::conv1d(x, weight, Some(bias), conv_options(stride, pad_left, pad_right));
        };
        let s = conv_shape(&xc, &wc, stride, pad_left, pad_right);
        let length_out = s.length_out().expect("checked by kernels::conv1d");
        let out = conv1d::forward(&s, slice(&xc), slice(&wc), Some(slice(&bc)));
        tensor(out, [s.batch, s.channels_out, length_out])
    }

    fn xent_max_pool1d(x: FlexTensor, kernel: usize, stride: usize, padding: usize) -> FlexTensor {
        let Some(xc) = contiguous_f32(x.clone()) else {
            return Flex::max_pool1d(x, kernel, stride, padding, 1, false);
        };
        let [batch, channels, length_in] = xc.shape().dims();
        let s = MaxPool1dShape { rows: batch * channels, length_in, kernel, stride, padding };
        let length_out = s.length_out().expect("checked by kernels::max_pool1d");
        tensor(max_pool1d::forward(&s, slice(&xc)), [batch, channels, length_out])
    }
}

impl XentGrads for Flex {
    fn xent_conv1d_backward(
        x: FlexTensor,
        weight: FlexTensor,
        output_grad: FlexTensor,
        stride: usize,
        pad_left: usize,
        pad_right: usize,
        wanted: Wanted,
    ) -> (Option<FlexTensor>, Option<FlexTensor>, Option<FlexTensor>) {
        let (Some(xc), Some(wc), Some(gc)) =
            (contiguous_f32(x.clone()), contiguous_f32(weight.clone()), contiguous_f32(output_grad.clone()))
        else {
            return burn_conv1d_backward::<Flex>(x, weight, output_grad, conv_options(stride, pad_left, pad_right), wanted);
        };
        let s = conv_shape(&xc, &wc, stride, pad_left, pad_right);
        let grads = conv1d::backward(&s, slice(&xc), slice(&wc), slice(&gc), wanted);
        (
            grads.input.map(|v| tensor(v, [s.batch, s.channels_in, s.length_in])),
            grads.weight.map(|v| tensor(v, [s.channels_out, s.channels_in, s.kernel])),
            grads.bias.map(|v| tensor(v, [s.channels_out])),
        )
    }

    fn xent_max_pool1d_backward(
        x: FlexTensor,
        output_grad: FlexTensor,
        kernel: usize,
        stride: usize,
        padding: usize,
    ) -> FlexTensor {
        let (Some(xc), Some(gc)) = (contiguous_f32(x.clone()), contiguous_f32(output_grad.clone())) else {
            return burn_max_pool1d_backward::<Flex>(x, output_grad, kernel, stride, padding);
        };
        let [batch, channels, length_in] = xc.shape().dims();
        let s = MaxPool1dShape { rows: batch * channels, length_in, kernel, stride, padding };
        tensor(max_pool1d::backward(&s, slice(&xc), slice(&gc)), [batch, channels, length_in])
    }
}
