//! xent's kernels against Burn's built-in operations, on values and gradients, through the
//! public functions (so the dispatch to flex and to autodiff-on-flex is exercised too).

use burn::tensor::module::{conv1d as burn_conv1d, max_pool1d as burn_max_pool1d};
use burn::tensor::ops::MaxPoolOptions;
use burn::tensor::{Device, Tensor, TensorData};

use super::{Activation, ChannelsLastShape, ConvGeometry, PoolGeometry, conv1d, max_pool1d};

/// A 1-D convolution by its definition, in `f64`, channels-last out: `y[b, t, o] = bias[o] +
/// Σ_{k, c} input(b, t·s + k − pad_left, c) · W[o, c, k]`, zero outside the input. `input(b, pos,
/// c)` reads the input in whatever form a kernel takes it (channels-last values, embedded token ids).
pub(super) fn conv1d_definition(s: &ChannelsLastShape, input: impl Fn(usize, usize, usize) -> f32, w: &[f32], bias: &[f32]) -> Vec<f64> {
    let (lo, c, co, k) = (s.length_out(), s.channels_in, s.channels_out, s.kernel);
    let mut y = vec![0.0f64; s.batch * lo * co];
    for b in 0..s.batch {
        for t in 0..lo {
            for o in 0..co {
                let mut acc = f64::from(bias[o]);
                for tap in 0..k {
                    let Some(pos) = (t * s.stride + tap).checked_sub(s.pad_left).filter(|&p| p < s.length) else { continue };
                    for ci in 0..c {
                        acc += f64::from(input(b, pos, ci)) * f64::from(w[(o * c + ci) * k + tap]);
                    }
                }
                y[(b * lo + t) * co + o] = acc;
            }
        }
    }
    y
}

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
        assert_close("conv1d", conv1d(x.clone(), w.clone(), Some(bias), ConvGeometry::one_d(stride, pad.0, pad.1), Activation::Identity), want);
        let want = burn_conv1d(x.clone(), w.clone(), None, ConvGeometry::one_d(stride, pad.0, pad.1).burn_1d());
        assert_close("conv1d without bias", conv1d(x, w, None, ConvGeometry::one_d(stride, pad.0, pad.1), Activation::Identity), want);
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
            let ours = (conv1d(x.clone(), w.clone(), bias_arg.clone(), ConvGeometry::one_d(stride, pad.0, pad.1), Activation::Identity) * probe.clone()).sum();
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

/// A fused ReLU gives `relu(conv)` and its gradients, for both layouts (the channels-last input is
/// the channels-first one transposed), on the convolutions of the reference models.
#[test]
fn fused_relu_matches_relu_of_burns_convolution() {
    use burn::tensor::activation::relu;
    let device = Device::flex().autodiff();
    for (b, ci, co, len, k, stride, pad) in CONVS {
        let x = random([b, ci, len], &device).require_grad();
        let (w, bias) = (random([co, ci, k], &device).require_grad(), random([co], &device).require_grad());
        let options = ConvGeometry::one_d(stride, pad.0, pad.1).burn_1d();
        let theirs = relu(burn_conv1d(x.clone(), w.clone(), Some(bias.clone()), options));
        let mut ours = vec![conv1d(x.clone(), w.clone(), Some(bias.clone()), ConvGeometry::one_d(stride, pad.0, pad.1), Activation::Relu)];
        if stride == 1 && pad == (0, 0) {
            let channels_last = x.clone().swap_dims(1, 2);
            ours.push(super::conv1d_from_channels_last(channels_last, w.clone(), Some(bias.clone()), Activation::Relu));
        }
        let probe = random(theirs.dims(), &device) + 0.3;
        let g2 = (theirs.clone() * probe.clone()).sum().backward();
        for ours in ours {
            assert_close("relu(conv1d)", ours.clone().inner(), theirs.clone().inner());
            let g1 = (ours * probe.clone()).sum().backward();
            assert_close("relu dx", x.grad(&g1).unwrap(), x.grad(&g2).unwrap());
            assert_close("relu dw", w.grad(&g1).unwrap(), w.grad(&g2).unwrap());
            assert_close("relu db", bias.grad(&g1).unwrap(), bias.grad(&g2).unwrap());
        }
    }
}

#[test]
fn conv1d_leaves_untracked_inputs_without_gradient() {
    let device = Device::flex().autodiff();
    let x = random([2, 1, 30], &device); // data: no gradient wanted, as for conv1 of the ECG CNN
    let w = random([4, 1, 5], &device).require_grad();
    let grads = conv1d(x.clone(), w.clone(), None, ConvGeometry::one_d(1, 0, 0), Activation::Identity).sum().backward();
    assert!(x.grad(&grads).is_none());
    assert_eq!(w.grad(&grads).unwrap().dims(), [4, 1, 5]);
}

#[test]
fn max_pool1d_matches_burn_on_values_and_gradients() {
    let device = Device::flex().autodiff();
    for (b, c, len, kernel, stride, padding) in [(4, 32, 183, 2, 2, 0), (4, 64, 87, 2, 2, 0), (3, 5, 20, 3, 1, 1), (2, 3, 17, 4, 3, 2)] {
        let x = random([b, c, len], &device).require_grad();
        let ours = max_pool1d(x.clone(), PoolGeometry::one_d(kernel, stride, padding));
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
    assert_close("conv1d of a view", conv1d(x.clone(), w, None, ConvGeometry::one_d(1, 0, 0), Activation::Identity), want);
    assert_close("max_pool1d of a view", max_pool1d(x.clone(), PoolGeometry::one_d(2, 2, 0)), burn_max_pool1d(x, pool_options(2, 2, 0)));
}

/// `(batch, channels_in, channels_out, [h, w], [kh, kw], stride, padding)`: the MNIST CNN's two
/// convolutions (the second with enough channels for the Winograd paths, and again padded: once
/// with an even output, which Winograd takes in training, once with an odd one, which it takes
/// only under a pool; both with a batch that leaves the last group part-full), a padded strided
/// one and an asymmetric one.
type Conv2dCase = (usize, usize, usize, [usize; 2], [usize; 2], [usize; 2], [(usize, usize); 2]);

const CONVS_2D: [Conv2dCase; 7] = [
    (3, 1, 6, [28, 28], [5, 5], [1, 1], [(0, 0), (0, 0)]),
    (3, 6, 5, [12, 12], [3, 3], [1, 1], [(0, 0), (0, 0)]),
    (6, 12, 10, [12, 12], [3, 3], [1, 1], [(0, 0), (0, 0)]),
    (5, 8, 7, [10, 9], [3, 3], [1, 1], [(1, 1), (0, 1)]),
    (5, 9, 4, [9, 11], [3, 3], [1, 1], [(1, 1), (0, 1)]),
    (2, 3, 4, [9, 8], [3, 3], [2, 2], [(1, 1), (1, 1)]),
    (2, 2, 3, [6, 7], [2, 3], [1, 2], [(0, 1), (2, 0)]),
];

/// With and without bias, and with a fused ReLU (whose mask the backward applies).
#[test]
fn conv2d_matches_burn_on_values_and_gradients() {
    let device = Device::flex().autodiff();
    for (b, ci, co, [h, w], [kh, kw], stride, padding) in CONVS_2D {
        for (with_bias, activation) in [(true, Activation::Identity), (false, Activation::Identity), (true, Activation::Relu)] {
            let x = random([b, ci, h, w], &device).require_grad();
            let weight = random([co, ci, kh, kw], &device).require_grad();
            let bias = random([co], &device).require_grad();
            let bias_arg = with_bias.then(|| bias.clone());
            let ours = super::conv2d(x.clone(), weight.clone(), bias_arg.clone(), ConvGeometry { stride, padding }, activation);
            let theirs = burn::tensor::module::conv2d(x.clone(), weight.clone(), bias_arg, ConvGeometry { stride, padding }.burn_2d());
            let theirs = if activation == Activation::Relu { burn::tensor::activation::relu(theirs) } else { theirs };
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

/// A convolution with the `MaxPool(2)` inside it equals Burn's convolution, ReLU and pool, on the
/// plain device (the fused kernel) and under autodiff (values and gradients), in both ranks.
#[test]
fn convolution_and_pool_in_one_match_burns_three_operations() {
    use burn::tensor::activation::relu;
    let pool1 = || pool_options(2, 2, 0);
    let pool2 = || MaxPoolOptions::new([2, 2]).with_stride([2, 2]);
    for device in [Device::flex(), Device::flex().autodiff()] {
        let tracked = |t: Tensor<3>| if device.is_autodiff() { t.require_grad() } else { t };
        let tracked4 = |t: Tensor<4>| if device.is_autodiff() { t.require_grad() } else { t };
        for (b, ci, co, len, k, stride, pad) in CONVS {
            if (len + pad.0 + pad.1 - k) / stride + 1 < 2 {
                continue;
            }
            let (x, w) = (tracked(random([b, ci, len], &device)), tracked(random([co, ci, k], &device)));
            let bias = random([co], &device);
            let bias = if device.is_autodiff() { bias.require_grad() } else { bias };
            let ours = super::conv1d_pool(x.clone(), w.clone(), Some(bias.clone()), ConvGeometry::one_d(stride, pad.0, pad.1), Activation::Relu);
            let conv = burn_conv1d(x.clone(), w.clone(), Some(bias.clone()), ConvGeometry::one_d(stride, pad.0, pad.1).burn_1d());
            let theirs = burn_max_pool1d(relu(conv), pool1());
            assert_close("conv1d_pool", ours.clone(), theirs.clone());
            if device.is_autodiff() {
                let probe = random(ours.dims(), &device);
                let (g1, g2) = ((ours * probe.clone()).sum().backward(), (theirs * probe).sum().backward());
                assert_close("conv1d_pool dx", x.grad(&g1).unwrap(), x.grad(&g2).unwrap());
                assert_close("conv1d_pool dw", w.grad(&g1).unwrap(), w.grad(&g2).unwrap());
                assert_close("conv1d_pool db", bias.grad(&g1).unwrap(), bias.grad(&g2).unwrap());
            }
        }
        for (b, ci, co, [h, w], [kh, kw], stride, padding) in CONVS_2D {
            let (x, weight) = (tracked4(random([b, ci, h, w], &device)), tracked4(random([co, ci, kh, kw], &device)));
            let ours = super::conv2d_pool(x.clone(), weight.clone(), None, ConvGeometry { stride, padding }, Activation::Identity);
            let conv = burn::tensor::module::conv2d(x.clone(), weight.clone(), None, ConvGeometry { stride, padding }.burn_2d());
            let theirs = burn::tensor::module::max_pool2d(conv, pool2());
            assert_close("conv2d_pool", ours.clone(), theirs.clone());
            if device.is_autodiff() {
                let probe = random(ours.dims(), &device);
                let (g1, g2) = ((ours * probe.clone()).sum().backward(), (theirs * probe).sum().backward());
                assert_close("conv2d_pool dx", x.grad(&g1).unwrap(), x.grad(&g2).unwrap());
                assert_close("conv2d_pool dw", weight.grad(&g1).unwrap(), weight.grad(&g2).unwrap());
            }
        }
    }
}

#[test]
fn max_pool2d_matches_burn_on_values_and_gradients() {
    let device = Device::flex().autodiff();
    for (shape, kernel, stride, padding) in [([3, 6, 24, 24], [2, 2], [2, 2], [0, 0]), ([2, 3, 7, 6], [3, 2], [2, 1], [1, 1])] {
        let x = random(shape, &device).require_grad();
        let ours = super::max_pool2d(x.clone(), PoolGeometry { kernel, stride, padding });
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

mod logit_loss {
    use burn::backend::Flex;
    use burn::backend::flex::FlexTensor;
    use burn::tensor::activation::{log_softmax, relu, softmax};
    use burn::tensor::{Device, Tensor, TensorData};

    use super::{assert_close, random};
    use crate::kernels::{LogitLoss, burn_logit_loss, burn_logit_loss_backward, logit_loss};

    const EPS: f32 = 1e-7;
    const LOSSES: [LogitLoss; 3] = [LogitLoss::Softmax, LogitLoss::Sigmoid, LogitLoss::SoftmaxBinary { epsilon: EPS }];

    /// The loss written with Burn's tensor operations (the formulas of `TrainingLoss`).
    fn reference(loss: LogitLoss, z: Tensor<2>, y: Tensor<2>) -> Tensor<1> {
        let [b, _] = z.dims();
        let per = match loss {
            LogitLoss::Softmax => (y * log_softmax(z, 1)).sum_dim(1).neg(),
            LogitLoss::Sigmoid => (relu(z.clone()) - z.clone() * y + z.abs().neg().exp().log1p()).mean_dim(1),
            LogitLoss::SoftmaxBinary { epsilon } => {
                let p = softmax(z, 1).clamp(epsilon, 1.0 - epsilon);
                (y.clone() * p.clone().log() + (y.neg() + 1.0) * (p.neg() + 1.0).log()).mean_dim(1).neg()
            }
        };
        per.reshape([b])
    }

    /// `(batch, K, logit scale)`: one sigmoid (Pima), five classes, many labels; a scale of 30
    /// saturates softmax probabilities so that the clip is active on some of them.
    const CASES: [(usize, usize, f32); 5] = [(7, 1, 1.0), (6, 5, 1.0), (6, 5, 30.0), (4, 90, 3.0), (3, 2, 60.0)];

    /// One-hot rows for K > 1 (with a second label on even rows: multi-hot), 0/1 for K = 1, then
    /// smoothed by 0.1 on odd batch sizes.
    fn targets(b: usize, k: usize, device: &Device) -> Tensor<2> {
        let mut y = vec![0.0f32; b * k];
        for i in 0..b {
            y[i * k + (i * 7 + 3) % k] = 1.0;
            if k > 2 && i % 2 == 0 {
                y[i * k + (i * 7 + 4) % k] = 1.0;
            }
        }
        let y = Tensor::from_data(TensorData::new(y, [b, k]), device);
        if b % 2 == 1 { y * 0.9 + 0.05 } else { y }
    }

    #[test]
    fn values_and_logit_gradients_match_burn() {
        let device = Device::flex().autodiff();
        for (b, k, scale) in CASES {
            for loss in LOSSES {
                // Off zero: there Burn's recorded `relu` and `abs` take the subgradient 0, so its
                // gradient of the (smooth) softplus is −y where the kernel gives σ(0) − y.
                let z = (random([b, k], &device) * scale + 1e-3).require_grad();
                let y = targets(b, k, &device);
                let probe = random([b], &device) + 1.5;
                let what = format!("{loss:?} b={b} k={k} scale={scale}");
                let (ours, theirs) = (logit_loss(z.clone(), y.clone(), loss), reference(loss, z.clone(), y));
                assert_close(&format!("{what}: loss"), ours.clone(), theirs.clone());
                let (g1, g2) = ((ours * probe.clone()).sum().backward(), (theirs * probe).sum().backward());
                assert_close(&format!("{what}: dz"), z.grad(&g1).unwrap(), z.grad(&g2).unwrap());
            }
        }
    }

    #[test]
    fn at_a_zero_logit_the_sigmoid_gradient_is_the_true_derivative() {
        let device = Device::flex().autodiff();
        let z = Tensor::<2>::zeros([1, 2], &device).require_grad();
        let y = Tensor::<2>::from_data(TensorData::new(vec![1.0f32, 0.0], [1, 2]), &device);
        let g = logit_loss(z.clone(), y, LogitLoss::Sigmoid).sum().backward();
        assert_eq!(z.grad(&g).unwrap().into_data().try_to_vec::<f32>().unwrap(), vec![-0.25, 0.25]);
    }

    #[test]
    fn the_clip_stops_gradients_where_it_is_active() {
        // Softmax of [0, 60] is [≈1e-26, 1]: both outside [ε, 1−ε], so the Keras 2 form has no
        // gradient at all, while the categorical form still has one.
        let device = Device::flex().autodiff();
        let z = Tensor::<2>::from_data(TensorData::new(vec![0.0f32, 60.0], [1, 2]), &device).require_grad();
        let y = Tensor::<2>::from_data(TensorData::new(vec![1.0f32, 0.0], [1, 2]), &device);
        let g = logit_loss(z.clone(), y.clone(), LogitLoss::SoftmaxBinary { epsilon: EPS }).sum().backward();
        assert_eq!(z.grad(&g).unwrap().into_data().try_to_vec::<f32>().unwrap(), vec![0.0, 0.0]);
        let g = logit_loss(z.clone(), y, LogitLoss::Softmax).sum().backward();
        assert!(z.grad(&g).unwrap().into_data().try_to_vec::<f32>().unwrap()[0] < -0.99);
    }

    #[test]
    fn the_fallback_with_burns_operations_agrees_with_the_kernel() {
        let device = Device::flex().autodiff();
        let flex = |t: Tensor<2>| FlexTensor::from_data(t.into_data());
        for (b, k, scale) in CASES {
            for loss in LOSSES {
                let z = (random([b, k], &device) * scale).require_grad();
                let y = targets(b, k, &device);
                let up = random([b], &device) + 1.5;
                let ours = logit_loss(z.clone(), y.clone(), loss);
                let dz = z.grad(&(ours.clone() * up.clone()).sum().backward()).unwrap();
                let fallback = burn_logit_loss::<Flex>(flex(z.clone()), flex(y.clone()), loss).into_data();
                let fallback_dz = burn_logit_loss_backward::<Flex>(
                    flex(z.clone()),
                    flex(y),
                    FlexTensor::from_data(up.into_data()),
                    loss,
                )
                .into_data();
                let plain = Device::flex();
                let what = format!("{loss:?} b={b} k={k} scale={scale}");
                assert_close(&format!("{what}: loss"), Tensor::<1>::from_data(fallback, &plain), ours.inner());
                assert_close(&format!("{what}: dz"), Tensor::<2>::from_data(fallback_dz, &plain), dz);
            }
        }
    }
}

mod conv1d_from_channels_last {
    use burn::tensor::Device;
    use burn::tensor::module::conv1d as burn_conv1d;

    use super::{assert_close, random};
    use crate::kernels::{Activation, ConvGeometry, conv1d_from_channels_last};

    /// `(batch, length, channels_in, channels_out, kernel)`: the question's text CNN's shape scaled
    /// down, Kim's widths, a 1-wide kernel, a kernel as long as the input, one document.
    const CASES: [(usize, usize, usize, usize, usize); 6] =
        [(3, 30, 16, 8, 4), (2, 12, 5, 4, 3), (2, 12, 5, 4, 5), (4, 7, 3, 2, 1), (3, 6, 4, 5, 6), (1, 9, 2, 3, 2)];

    #[test]
    fn values_and_gradients_match_burns_conv1d_on_the_transposed_input() {
        let device = Device::flex().autodiff();
        for (b, len, ci, co, k) in CASES {
            for with_bias in [true, false] {
                let x = random([b, len, ci], &device).require_grad();
                let w = random([co, ci, k], &device).require_grad();
                let bias = random([co], &device).require_grad();
                let bias_arg = with_bias.then(|| bias.clone());
                let probe = random([b, co, len - k + 1], &device);
                let ours = conv1d_from_channels_last(x.clone(), w.clone(), bias_arg.clone(), Activation::Identity);
                let theirs = burn_conv1d(x.clone().swap_dims(1, 2), w.clone(), bias_arg, ConvGeometry::one_d(1, 0, 0).burn_1d());
                let what = format!("b={b} len={len} ci={ci} co={co} k={k} bias={with_bias}");
                assert_close(&format!("{what}: y"), ours.clone(), theirs.clone());
                let (g1, g2) = ((ours * probe.clone()).sum().backward(), (theirs * probe).sum().backward());
                assert_close(&format!("{what}: dx"), x.grad(&g1).unwrap(), x.grad(&g2).unwrap());
                assert_close(&format!("{what}: dw"), w.grad(&g1).unwrap(), w.grad(&g2).unwrap());
                if with_bias {
                    assert_close(&format!("{what}: db"), bias.grad(&g1).unwrap(), bias.grad(&g2).unwrap());
                } else {
                    assert!(bias.grad(&g1).is_none());
                }
            }
        }
    }

    #[test]
    fn plain_device_forward_matches_too() {
        let device = Device::flex();
        let (x, w, bias) = (random([2, 20, 8], &device), random([6, 8, 4], &device), random([6], &device));
        let want = burn_conv1d(x.clone().swap_dims(1, 2), w.clone(), Some(bias.clone()), ConvGeometry::one_d(1, 0, 0).burn_1d());
        assert_close("y", conv1d_from_channels_last(x, w, Some(bias), Activation::Identity), want);
    }
}

mod conv1d_channels_last {
    use burn::tensor::module::conv1d as burn_conv1d;
    use burn::tensor::{Device, Tensor};

    use super::{CONVS, assert_close, random};
    use crate::kernels::{Activation, ConvGeometry, conv1d_channels_last};

    /// The channels-first cases (the models' shapes) again, channels-last, with and without bias
    /// and ReLU, against Burn's `conv1d` on the transposed input (and its `relu`).
    #[test]
    fn values_and_gradients_match_burns_conv1d_on_the_transposed_input() {
        let device = Device::flex().autodiff();
        for (b, ci, co, len, k, stride, pad) in CONVS {
            for (with_bias, activation) in [(true, Activation::Identity), (false, Activation::Identity), (true, Activation::Relu)] {
                let x = random([b, len, ci], &device).require_grad();
                let w = random([co, ci, k], &device).require_grad();
                let bias = random([co], &device).require_grad();
                let bias_arg = with_bias.then(|| bias.clone());
                let ours = conv1d_channels_last(x.clone(), w.clone(), bias_arg.clone(), ConvGeometry::one_d(stride, pad.0, pad.1), activation);
                let theirs = burn_conv1d(x.clone().swap_dims(1, 2), w.clone(), bias_arg, ConvGeometry::one_d(stride, pad.0, pad.1).burn_1d());
                let theirs = if activation == Activation::Relu { burn::tensor::activation::relu(theirs) } else { theirs }.swap_dims(1, 2);
                let probe = random(theirs.dims(), &device);
                let what = format!("b={b} ci={ci} co={co} len={len} k={k} stride={stride} pad={pad:?} bias={with_bias} {activation:?}");
                assert_close(&format!("{what}: y"), ours.clone(), theirs.clone());
                let (g1, g2) = ((ours * probe.clone()).sum().backward(), (theirs * probe).sum().backward());
                assert_close(&format!("{what}: dx"), x.grad(&g1).unwrap(), x.grad(&g2).unwrap());
                assert_close(&format!("{what}: dw"), w.grad(&g1).unwrap(), w.grad(&g2).unwrap());
                if with_bias {
                    assert_close(&format!("{what}: db"), bias.grad(&g1).unwrap(), bias.grad(&g2).unwrap());
                } else {
                    assert!(bias.grad(&g1).is_none());
                }
            }
        }
    }

    #[test]
    fn plain_device_forward_matches_too() {
        let device = Device::flex();
        let (x, w, bias) = (random([2, 20, 8], &device), random([6, 8, 5], &device), random([6], &device));
        let want = burn_conv1d(x.clone().swap_dims(1, 2), w.clone(), Some(bias.clone()), ConvGeometry::one_d(2, 2, 2).burn_1d());
        assert_close("y", conv1d_channels_last(x, w, Some(bias), ConvGeometry::one_d(2, 2, 2), Activation::Identity), want.swap_dims(1, 2));
    }

    /// The joined form equals convolution, `relu(· + residual)` and `MaxPool(2)` one after the
    /// other: on the plain device (the fused kernel) and under autodiff (values and the gradients
    /// of input, weight, bias and residual).
    #[test]
    fn the_join_is_the_three_operations_in_turn() {
        use crate::kernels::{PoolGeometry, add_relu, conv1d_channels_last_join, max_pool2d};
        let separately = |x: Tensor<3>, w: Tensor<3>, b: Tensor<1>, residual: Tensor<3>, pool: bool| {
            let joined = add_relu(conv1d_channels_last(x, w, Some(b), ConvGeometry::one_d(1, 2, 2), Activation::Identity), residual);
            if !pool {
                return joined;
            }
            let [n, l, c] = joined.dims();
            max_pool2d(joined.reshape([n, 1, l, c]), PoolGeometry { kernel: [2, 1], stride: [2, 1], padding: [0, 0] }).reshape([n, l / 2, c])
        };
        for device in [Device::flex(), Device::flex().autodiff()] {
            for (length, pool) in [(11, true), (12, true), (9, false)] {
                let tracked = |t: Tensor<3>| if device.is_autodiff() { t.require_grad() } else { t };
                let x = tracked(random([3, length, 4], &device));
                let w = tracked(random([5, 4, 5], &device));
                let residual = tracked(random([3, length, 5], &device));
                let b = random([5], &device);
                let b = if device.is_autodiff() { b.require_grad() } else { b };
                let ours = conv1d_channels_last_join(x.clone(), w.clone(), Some(b.clone()), ConvGeometry::one_d(1, 2, 2), residual.clone(), pool);
                let theirs = separately(x.clone(), w.clone(), b.clone(), residual.clone(), pool);
                let what = format!("{device:?} length {length} pool {pool}");
                assert_close(&what, ours.clone(), theirs.clone());
                if device.is_autodiff() {
                    let probe = random(theirs.dims(), &device);
                    let (g1, g2) = ((ours * probe.clone()).sum().backward(), (theirs * probe).sum().backward());
                    assert_close(&format!("{what}: dx"), x.grad(&g1).unwrap(), x.grad(&g2).unwrap());
                    assert_close(&format!("{what}: dw"), w.grad(&g1).unwrap(), w.grad(&g2).unwrap());
                    assert_close(&format!("{what}: db"), b.grad(&g1).unwrap(), b.grad(&g2).unwrap());
                    assert_close(&format!("{what}: dresidual"), residual.grad(&g1).unwrap(), residual.grad(&g2).unwrap());
                }
            }
        }
    }
}

mod batch_norm {
    use burn::tensor::module::batch_norm_train as burn_batch_norm_train;
    use burn::tensor::{Device, Tensor};

    use super::{assert_close, random};
    use crate::kernels::{Activation, batch_norm_train};

    /// Output, statistics and the gradients of input, γ and β against Burn's `batch_norm_train`
    /// (whose autodiff is one operation too, built from Burn's reductions and broadcasts).
    fn check<const D: usize>(shape: [usize; D], offset: f32, device: &Device) {
        let what = format!("{shape:?} offset {offset}");
        let channels = shape[1];
        let x = (random(shape, device) + offset).require_grad();
        let gamma = (random([channels], device) + 1.0).require_grad();
        let beta = random([channels], device).require_grad();
        let (y, mean, variance) = batch_norm_train(x.clone(), gamma.clone(), beta.clone(), 1e-5, Activation::Identity);
        let want = burn_batch_norm_train(x.clone(), gamma.clone(), beta.clone(), 1e-5);
        assert_close(&format!("output {what}"), y.clone(), want.output.clone());
        assert_close(&format!("mean {what}"), mean, want.mean);
        assert_close(&format!("variance {what}"), variance, want.variance);
        // Not a multiple of `x` (which `random` of the same shape would be): then dx cancels to ~0.
        let probe = (random(shape, device) * 17.0).sin() * 3.0;
        let (g1, g2) = ((y * probe.clone()).sum().backward(), (want.output * probe.clone()).sum().backward());
        // The input gradient is a difference of terms of order |dy|·γ/σ that nearly cancel: both
        // are compared with the same formula in `f64`, each to its terms' scale.
        let exact = input_grad_f64(&values(x.clone()), &values(gamma.clone()), &values(probe), shape[0]);
        let (ours, burns) = (values(x.grad(&g1).unwrap()), values(x.grad(&g2).unwrap()));
        let error = |got: &[f32]| got.iter().zip(&exact).map(|(g, e)| (f64::from(*g) - e).abs()).fold(0.0, f64::max);
        let scale = exact.iter().fold(1.0f64, |m, v| m.max(v.abs()));
        assert!(error(&ours) <= 2e-5 * scale, "dx {what}: off by {} from f64 (Burn's: {})", error(&ours), error(&burns));
        assert!(error(&burns) <= 2e-5 * scale, "dx {what}: Burn's off by {} from f64", error(&burns));
        assert_close(&format!("dγ {what}"), gamma.grad(&g1).unwrap(), gamma.grad(&g2).unwrap());
        assert_close(&format!("dβ {what}"), beta.grad(&g1).unwrap(), beta.grad(&g2).unwrap());
    }

    fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
        t.into_data().convert::<f32>().try_into_vec::<f32>().unwrap()
    }

    /// `dx` of `Σ y·dy` in `f64`: `γ/σ · (dy − mean(dy) − x̂ · mean(dy x̂))`, per channel over
    /// batch and positions.
    fn input_grad_f64(x: &[f32], gamma: &[f32], dy: &[f32], batch: usize) -> Vec<f64> {
        let channels = gamma.len();
        let inner = x.len() / (batch * channels);
        let index = |b: usize, c: usize, i: usize| (b * channels + c) * inner + i;
        let n = (batch * inner) as f64;
        let mut dx = vec![0.0f64; x.len()];
        for (c, &g) in gamma.iter().enumerate() {
            let all = || (0..batch).flat_map(move |b| (0..inner).map(move |i| index(b, c, i)));
            let mean = all().map(|j| f64::from(x[j])).sum::<f64>() / n;
            let var = all().map(|j| (f64::from(x[j]) - mean).powi(2)).sum::<f64>() / n;
            let inv = 1.0 / (var + 1e-5).sqrt();
            let xhat = |j: usize| (f64::from(x[j]) - mean) * inv;
            let mean_dy = all().map(|j| f64::from(dy[j])).sum::<f64>() / n;
            let mean_dy_xhat = all().map(|j| f64::from(dy[j]) * xhat(j)).sum::<f64>() / n;
            for j in all() {
                dx[j] = f64::from(g) * inv * (f64::from(dy[j]) - mean_dy - xhat(j) * mean_dy_xhat);
            }
        }
        dx
    }

    #[test]
    fn values_statistics_and_gradients_match_burn() {
        let device = Device::flex().autodiff();
        check([64, 32, 183], 0.0, &device); // the ECG ResNet's first block
        check([3, 5, 17], 0.0, &device);
        check([4, 3, 5, 6], -2.0, &device); // after a 2-D convolution
        check([9, 6], 0.5, &device); // after a dense layer
        check([64 * 23, 32], 0.0, &device); // a channels-last activation seen as rows (many groups)
        check([150, 3], 100.0, &device);
        check([1, 2, 1], 0.0, &device); // one value per channel: variance 0
        // A large common offset: the kernel's shifted sums keep the variance exact, so the
        // output agrees with Burn's two-pass formula.
        check([6, 4, 30], 1000.0, &device);
    }

    /// With the ReLU fused in: `relu` of Burn's output, and the gradients through it.
    #[test]
    fn fused_relu_matches_relu_of_burns_batch_norm() {
        use burn::tensor::activation::relu;
        let device = Device::flex().autodiff();
        let x = random([8, 4, 25], &device).require_grad();
        let (gamma, beta) = ((random([4], &device) + 1.0).require_grad(), random([4], &device).require_grad());
        let (y, _, _) = batch_norm_train(x.clone(), gamma.clone(), beta.clone(), 1e-5, Activation::Relu);
        let want = relu(burn_batch_norm_train(x.clone(), gamma.clone(), beta.clone(), 1e-5).output);
        assert_close("relu(batch norm)", y.clone(), want.clone());
        let probe = (random([8, 4, 25], &device) * 17.0).sin();
        let (g1, g2) = ((y * probe.clone()).sum().backward(), (want * probe).sum().backward());
        assert_close("dx", x.grad(&g1).unwrap(), x.grad(&g2).unwrap());
        assert_close("dγ", gamma.grad(&g1).unwrap(), gamma.grad(&g2).unwrap());
        assert_close("dβ", beta.grad(&g1).unwrap(), beta.grad(&g2).unwrap());
    }

    #[test]
    fn plain_devices_get_no_gradient_bookkeeping() {
        let device = Device::flex();
        let x: Tensor<3> = random([4, 3, 10], &device);
        let (y, mean, variance) = batch_norm_train(x.clone(), Tensor::ones([3], &device), Tensor::zeros([3], &device), 1e-5, Activation::Identity);
        let want = burn_batch_norm_train(x, Tensor::ones([3], &device), Tensor::zeros([3], &device), 1e-5);
        assert_close("output", y, want.output);
        assert_close("mean", mean, want.mean);
        assert_close("variance", variance, want.variance);
    }
}

mod token_conv1d {
    use burn::tensor::module::{conv1d as burn_conv1d, embedding, max_pool1d as burn_max_pool1d};
    use burn::tensor::{Device, Int, Tensor, TensorData};

    use super::{assert_close, random};
    use crate::kernels::{Activation, ConvGeometry, token_conv1d};

    /// `[batch, length]` ids in `0..vocab`, with repeats (a few tokens recur, as words do).
    fn ids(batch: usize, length: usize, vocab: usize, device: &Device) -> Tensor<2, Int> {
        let v: Vec<i64> = (0..batch * length).map(|i| ((i * i * 31 + 7) % vocab) as i64).collect();
        Tensor::from_data(TensorData::new(v, [batch, length]), device)
    }

    /// Burn's lookup, then Burn's convolution of the transposed embedding, the activation, and
    /// with `pool` Burn's `MaxPool(2)`.
    fn burns(table: Tensor<2>, ids: Tensor<2, Int>, w: Tensor<3>, bias: Option<Tensor<1>>, relu: bool, pool: bool) -> Tensor<3> {
        let y = burn_conv1d(embedding(table, ids).swap_dims(1, 2), w, bias, ConvGeometry::one_d(1, 0, 0).burn_1d());
        let y = if relu { burn::tensor::activation::relu(y) } else { y };
        if pool { burn_max_pool1d(y, super::pool_options(2, 2, 0)) } else { y }
    }

    /// `(batch, length, vocab, channels_in, channels_out, kernel)`: the question's text CNN scaled
    /// down, Kim's widths, more distinct tokens than one GEMM block, a kernel as long as the input.
    const CASES: [(usize, usize, usize, usize, usize, usize); 4] =
        [(3, 30, 50, 16, 8, 4), (2, 12, 7, 5, 4, 5), (4, 200, 700, 8, 3, 3), (2, 6, 9, 4, 5, 6)];

    #[test]
    fn values_match_burns_lookup_and_conv1d() {
        let device = Device::flex();
        for (b, len, vocab, ci, co, k) in CASES {
            for (with_bias, relu, pool) in [(true, false, false), (true, true, false), (false, true, true), (true, false, true)] {
                if pool && len - k + 1 < 2 {
                    continue;
                }
                let (table, w, bias) = (random([vocab, ci], &device), random([co, ci, k], &device), random([co], &device));
                let bias = with_bias.then_some(bias);
                let act = if relu { Activation::Relu } else { Activation::Identity };
                let ours = token_conv1d(table.clone(), ids(b, len, vocab, &device), w.clone(), bias.clone(), act, pool);
                let theirs = burns(table, ids(b, len, vocab, &device), w, bias, relu, pool);
                let what = format!("b={b} len={len} vocab={vocab} ci={ci} co={co} k={k} bias={with_bias} relu={relu} pool={pool}");
                assert_close(&what, ours, theirs);
            }
        }
    }

    #[test]
    fn gradients_reach_the_table_and_the_weights_as_through_the_lookup() {
        let device = Device::flex().autodiff();
        let (b, len, vocab, ci, co, k) = CASES[0];
        let table = random([vocab, ci], &device).require_grad();
        let w = random([co, ci, k], &device).require_grad();
        let bias = random([co], &device).require_grad();
        let pooled = (len + 1 - k) / 2; // MaxPool(2) of the len − k + 1 output positions
        let probe = random([b, co, pooled], &device);
        let ours = token_conv1d(table.clone(), ids(b, len, vocab, &device), w.clone(), Some(bias.clone()), Activation::Relu, true);
        let theirs = burns(table.clone(), ids(b, len, vocab, &device), w.clone(), Some(bias.clone()), true, true);
        assert_close("y", ours.clone().inner(), theirs.clone().inner());
        let (g1, g2) = ((ours * probe.clone()).sum().backward(), (theirs * probe).sum().backward());
        assert_close("d table", table.grad(&g1).unwrap(), table.grad(&g2).unwrap());
        assert_close("dw", w.grad(&g1).unwrap(), w.grad(&g2).unwrap());
        assert_close("db", bias.grad(&g1).unwrap(), bias.grad(&g2).unwrap());
    }
}

mod linear {
    use burn::tensor::activation::relu;
    use burn::tensor::module::linear as burn_linear;

    use super::*;
    use crate::kernels::linear;

    /// `(rows, d_input, d_output)`: the ECG CNN's two dense layers at a small batch, and a tiny
    /// case.
    const SHAPES: [(usize, usize, usize); 3] = [(4, 2752, 128), (4, 128, 5), (3, 2, 1)];

    #[test]
    fn values_and_gradients_match_burns_linear() {
        let device = Device::flex().autodiff();
        for (rows, d_in, d_out) in SHAPES {
            for (activation, with_bias) in [(Activation::Identity, true), (Activation::Relu, true), (Activation::Identity, false)] {
                let x = random([rows, d_in], &device).require_grad();
                let (w, bias) = (random([d_in, d_out], &device).require_grad(), random([d_out], &device).require_grad());
                let bias_arg = with_bias.then(|| bias.clone());
                let theirs = burn_linear(x.clone(), w.clone(), bias_arg.clone());
                let theirs = if activation == Activation::Relu { relu(theirs) } else { theirs };
                let ours = linear(x.clone(), w.clone(), bias_arg, activation);
                assert_close("linear", ours.clone().inner(), theirs.clone().inner());
                let probe = random([rows, d_out], &device) + 0.3;
                let (g1, g2) = ((ours * probe.clone()).sum().backward(), (theirs * probe).sum().backward());
                assert_close("linear dx", x.grad(&g1).unwrap(), x.grad(&g2).unwrap());
                assert_close("linear dw", w.grad(&g1).unwrap(), w.grad(&g2).unwrap());
                match with_bias {
                    true => assert_close("linear db", bias.grad(&g1).unwrap(), bias.grad(&g2).unwrap()),
                    false => assert!(bias.grad(&g1).is_none()),
                }
            }
        }
    }

    #[test]
    fn plain_device_forward_matches_too() {
        let device = Device::flex();
        let (x, w, bias) = (random([5, 7], &device), random([7, 3], &device), random([3], &device));
        assert_close("linear", linear(x.clone(), w.clone(), Some(bias.clone()), Activation::Relu), relu(burn_linear(x, w, Some(bias))));
    }
}

mod embedding {
    use burn::tensor::module::embedding as burns;
    use burn::tensor::{Device, Int, Tensor, TensorData};

    use super::random;
    use crate::kernels::embedding;

    /// `[batch, length]` ids over more rows than one task's block, with repeats and unused rows.
    fn ids(batch: usize, length: usize, vocab: usize, device: &Device) -> Tensor<2, Int> {
        let v: Vec<i64> = (0..batch * length).map(|i| ((i * i * 37 + 11) % vocab) as i64).collect();
        Tensor::from_data(TensorData::new(v, [batch, length]), device)
    }

    #[test]
    fn values_and_table_gradient_are_burns_to_the_bit() {
        let device = Device::flex().autodiff();
        for (batch, length, vocab, dim) in [(3, 50, 1200, 8), (2, 7, 5, 3), (1, 1, 1, 1)] {
            let table = random([vocab, dim], &device).require_grad();
            let probe = random([batch, length, dim], &device);
            let ours = embedding(table.clone(), ids(batch, length, vocab, &device));
            let theirs = burns(table.clone(), ids(batch, length, vocab, &device));
            assert_eq!(ours.clone().inner().into_data(), theirs.clone().inner().into_data(), "values {batch}×{length} of {vocab}");
            let (g1, g2) = ((ours * probe.clone()).sum().backward(), (theirs * probe).sum().backward());
            let (d1, d2) = (table.grad(&g1).unwrap().into_data(), table.grad(&g2).unwrap().into_data());
            assert_eq!(d1, d2, "table gradient {batch}×{length} of {vocab}");
        }
    }
}
