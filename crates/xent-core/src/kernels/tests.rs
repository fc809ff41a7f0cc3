//! xent's kernels against Burn's built-in operations, on values and gradients, through the
//! public functions (so the dispatch to flex and to autodiff-on-flex is exercised too).

use burn::tensor::module::{conv1d as burn_conv1d, max_pool1d as burn_max_pool1d};
use burn::tensor::ops::MaxPoolOptions;
use burn::tensor::{Device, Tensor, TensorData};

use super::{ConvGeometry, conv1d, max_pool1d};

fn assert_close<const D: usize>(what: &str, got: Tensor<D>, want: Tensor<D>) {
    assert_eq!(got.dims(), want.dims(), "{what}: shapes");
    let (got, want) = (got.into_data().try_into_vec::<f32>().unwrap(), want.into_data().try_into_vec::<f32>().unwrap());
    let scale = want.iter().fold(1.0f32, |m, v| m.max(v.abs()));
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!((g - w).abs() <= 2e-5 * scale, "{what}[{i}]: {g} vs {w} (scale {scale})");
    }
}

/// Deterministic pseudo-random values (the global RNG is left alone: other tests seed it).
fn pool_options(kernel: usize, stride: usize, padding: usize) -> MaxPoolOptions<1> {
    MaxPoolOptions::new([kernel]).with_stride([stride]).with_padding([padding])
}

fn random<const D: usize>(shape: [usize; D], device: &Device) -> Tensor<D> {
    let n: usize = shape.iter().product();
    let salt = shape.iter().fold(0.0f32, |a, &d| a * 1.3 + d as f32);
    let values: Vec<f32> = (0..n).map(|i| ((i as f32 * 12.9898 + salt).sin() * 43_758.547).fract() * 2.0).collect();
    Tensor::from_data(TensorData::new(values, shape), device)
}

/// (batch, channels_in, channels_out, length, kernel, stride, padding) as in the models:
/// ECG conv1 (one channel), ECG conv2, ResNet "same" (even and odd kernels), the text CNN, a
/// strided shortcut, and a tiny odd case.
/// `(batch, channels_in, channels_out, length, kernel, stride, (pad_left, pad_right))`.
type ConvCase = (usize, usize, usize, usize, usize, usize, (usize, usize));

const CONVS: [ConvCase; 7] = [
    (4, 1, 8, 187, 5, 1, (0, 0)),
    (4, 8, 16, 91, 5, 1, (0, 0)),
    (3, 6, 6, 47, 5, 1, (2, 2)),
    (3, 6, 5, 40, 4, 1, (1, 2)),
    (2, 16, 8, 30, 4, 1, (0, 0)),
    (5, 4, 6, 21, 1, 2, (0, 0)),
    (1, 2, 3, 3, 3, 3, (1, 1)),
];

#[test]
fn conv1d_matches_burn_forward_on_flex() {
    let device = Device::flex();
    for (b, ci, co, len, k, stride, pad) in CONVS {
        let (x, w, bias) = (random([b, ci, len], &device), random([co, ci, k], &device), random([co], &device));
        let want = burn_conv1d(x.clone(), w.clone(), Some(bias.clone()), ConvGeometry::one_d(stride, pad.0, pad.1).burn_1d());
        assert_close("conv1d", conv1d(x.clone(), w.clone(), Some(bias), stride, pad), want);
        let want = burn_conv1d(x.clone(), w.clone(), None, ConvGeometry::one_d(stride, pad.0, pad.1).burn_1d());
        assert_close("conv1d without bias", conv1d(x, w, None, stride, pad), want);
    }
}

#[test]
fn conv1d_gradients_match_burn_under_autodiff() {
    let device = Device::flex().autodiff();
    for (b, ci, co, len, k, stride, pad) in CONVS {
        for with_bias in [true, false] {
            let x = random([b, ci, len], &device).require_grad();
            let w = random([co, ci, k], &device).require_grad();
            let bias = random([co], &device).require_grad();
            let probe = random([b, co, (len + pad.0 + pad.1 - k) / stride + 1], &device);
            let bias_arg = with_bias.then(|| bias.clone());
            let ours = (conv1d(x.clone(), w.clone(), bias_arg.clone(), stride, pad) * probe.clone()).sum();
            let theirs = (burn_conv1d(x.clone(), w.clone(), bias_arg, ConvGeometry::one_d(stride, pad.0, pad.1).burn_1d()) * probe).sum();
            let (g1, g2) = (ours.backward(), theirs.backward());
            assert_close("dx", x.grad(&g1).unwrap(), x.grad(&g2).unwrap());
            assert_close("dw", w.grad(&g1).unwrap(), w.grad(&g2).unwrap());
            if with_bias {
                assert_close("db", bias.grad(&g1).unwrap(), bias.grad(&g2).unwrap());
            } else {
                assert!(bias.grad(&g1).is_none());
            }
        }
    }
}

#[test]
fn conv1d_leaves_untracked_inputs_without_gradient() {
    let device = Device::flex().autodiff();
    let x = random([2, 1, 30], &device); // data: no gradient wanted, as for conv1 of the ECG CNN
    let w = random([4, 1, 5], &device).require_grad();
    let grads = conv1d(x.clone(), w.clone(), None, 1, (0, 0)).sum().backward();
    assert!(x.grad(&grads).is_none());
    assert_eq!(w.grad(&grads).unwrap().dims(), [4, 1, 5]);
}

#[test]
fn max_pool1d_matches_burn_on_values_and_gradients() {
    let device = Device::flex().autodiff();
    for (b, c, len, kernel, stride, padding) in [(4, 32, 183, 2, 2, 0), (4, 64, 87, 2, 2, 0), (3, 5, 20, 3, 1, 1), (2, 3, 17, 4, 3, 2)] {
        let x = random([b, c, len], &device).require_grad();
        let ours = max_pool1d(x.clone(), kernel, stride, padding);
        let theirs = burn_max_pool1d(x.clone(), pool_options(kernel, stride, padding));
        assert_close("max_pool1d", ours.clone().inner(), theirs.clone().inner());
        let probe = random(ours.dims(), &device);
        let (g1, g2) = ((ours * probe.clone()).sum().backward(), (theirs * probe).sum().backward());
        assert_close("max_pool1d dx", x.grad(&g1).unwrap(), x.grad(&g2).unwrap());
    }
}

#[test]
fn kernels_accept_non_contiguous_inputs() {
    let device = Device::flex();
    let x = random([3, 20, 6], &device).swap_dims(1, 2); // [3, 6, 20], as the text CNN's embedding
    let w = random([4, 6, 3], &device);
    let want = burn_conv1d(x.clone(), w.clone(), None, ConvGeometry::one_d(1, 0, 0).burn_1d());
    assert_close("conv1d of a view", conv1d(x.clone(), w, None, 1, (0, 0)), want);
    assert_close("max_pool1d of a view", max_pool1d(x.clone(), 2, 2, 0), burn_max_pool1d(x, pool_options(2, 2, 0)));
}

/// `(batch, channels_in, channels_out, [h, w], [kh, kw], stride, padding)`: the MNIST CNN's two
/// convolutions, a padded strided one and an asymmetric one.
type Conv2dCase = (usize, usize, usize, [usize; 2], [usize; 2], [usize; 2], [(usize, usize); 2]);

const CONVS_2D: [Conv2dCase; 4] = [
    (3, 1, 6, [28, 28], [5, 5], [1, 1], [(0, 0), (0, 0)]),
    (3, 6, 5, [12, 12], [3, 3], [1, 1], [(0, 0), (0, 0)]),
    (2, 3, 4, [9, 8], [3, 3], [2, 2], [(1, 1), (1, 1)]),
    (2, 2, 3, [6, 7], [2, 3], [1, 2], [(0, 1), (2, 0)]),
];

#[test]
fn conv2d_matches_burn_on_values_and_gradients() {
    let device = Device::flex().autodiff();
    for (b, ci, co, [h, w], [kh, kw], stride, padding) in CONVS_2D {
        for with_bias in [true, false] {
            let x = random([b, ci, h, w], &device).require_grad();
            let weight = random([co, ci, kh, kw], &device).require_grad();
            let bias = random([co], &device).require_grad();
            let bias_arg = with_bias.then(|| bias.clone());
            let ours = super::conv2d(x.clone(), weight.clone(), bias_arg.clone(), stride, padding);
            let theirs = burn::tensor::module::conv2d(x.clone(), weight.clone(), bias_arg, ConvGeometry { stride, padding }.burn_2d());
            assert_close("conv2d", ours.clone().inner(), theirs.clone().inner());
            let probe = random(ours.dims(), &device);
            let (g1, g2) = ((ours * probe.clone()).sum().backward(), (theirs * probe).sum().backward());
            assert_close("conv2d dx", x.grad(&g1).unwrap(), x.grad(&g2).unwrap());
            assert_close("conv2d dw", weight.grad(&g1).unwrap(), weight.grad(&g2).unwrap());
            if with_bias {
                assert_close("conv2d db", bias.grad(&g1).unwrap(), bias.grad(&g2).unwrap());
            }
        }
    }
}

#[test]
fn max_pool2d_matches_burn_on_values_and_gradients() {
    let device = Device::flex().autodiff();
    for (shape, kernel, stride, padding) in [([3, 6, 24, 24], [2, 2], [2, 2], [0, 0]), ([2, 3, 7, 6], [3, 2], [2, 1], [1, 1])] {
        let x = random(shape, &device).require_grad();
        let ours = super::max_pool2d(x.clone(), kernel, stride, padding);
        let options = MaxPoolOptions::new(kernel).with_stride(stride).with_padding(padding);
        let theirs = burn::tensor::module::max_pool2d(x.clone(), options);
        assert_close("max_pool2d", ours.clone().inner(), theirs.clone().inner());
        let probe = random(ours.dims(), &device);
        let (g1, g2) = ((ours * probe.clone()).sum().backward(), (theirs * probe).sum().backward());
        assert_close("max_pool2d dx", x.grad(&g1).unwrap(), x.grad(&g2).unwrap());
    }
}

#[test]
fn moment_step_is_bit_identical_to_burns_operations() {
    use burn::backend::Flex;
    let device = Device::flex();
    for n in [7, 40_000] {
        for infinity_norm in [false, true] {
            let rule = super::MomentRule { beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, alpha: 0.0123, infinity_norm };
            let (p, g) = (random([n], &device), random([n, 1], &device).reshape([n]) * 0.3);
            let (m, v) = (random([2, n], &device).narrow(0, 0, 1).reshape([n]) * 0.1, random([n], &device).abs() * 0.01);
            let (p1, m1, v1) = super::moment_step(p.clone(), g.clone(), m.clone(), v.clone(), &rule);
            let prim = |t: &Tensor<1>| burn::backend::flex::FlexTensor::from_data(t.to_data());
            let (p2, m2, v2) = super::burn_moment_step::<Flex>(prim(&p), prim(&g), prim(&m), prim(&v), &rule);
            let host = |t: burn::backend::flex::FlexTensor| t.into_data().try_to_vec::<f32>().unwrap();
            for (what, ours, theirs) in [("param", p1, p2), ("m", m1, m2), ("v", v1, v2)] {
                assert_eq!(ours.into_data().try_to_vec::<f32>().unwrap(), host(theirs), "{what}, n = {n}, adamax = {infinity_norm}");
            }
        }
    }
}
