//! [`XentOps`] under `autodiff()`: the forward pass on the inner backend, and a hand-written
//! backward pass that calls the inner backend's [`XentGrads`].

use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::AutodiffBackend;
use burn::backend::tensor::{FloatTensor, IntTensor};

use super::{ConvGeometry, Floats3, LogitLoss, PoolGeometry, Wanted, XentGrads, XentOps};

/// Which convolution a [`ConvBackward`] differentiates.
#[derive(Clone, Copy, Debug)]
enum ConvKind {
    /// [`XentOps::xent_conv1d`] or [`XentOps::xent_conv2d`] (channels-first, either rank).
    ChannelsFirst(ConvGeometry),
    /// [`XentOps::xent_conv1d_from_channels_last`] (channels-last input, channels-first output, stride 1, no
    /// padding).
    FromChannelsLast,
    /// [`XentOps::xent_conv1d_channels_last`] (channels-last input and output).
    ChannelsLast(ConvGeometry),
}

/// Convolution backward; parents: input, weight, bias. State: input, weight, the kind, and the
/// output if a ReLU was fused in.
#[derive(Debug)]
struct ConvBackward;

impl<B: XentGrads> Backward<B, 3> for ConvBackward {
    type State = (FloatTensor<B>, FloatTensor<B>, ConvKind, Option<FloatTensor<B>>);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let grad = grads.consume::<B>(&ops.node);
        let (x, weight, kind, relu_output) = ops.state;
        let [node_x, node_w, node_b] = ops.parents;
        let wanted = Wanted { input: node_x.is_some(), weight: node_w.is_some(), bias: node_b.is_some() };
        let (dx, dw, db) = match kind {
            ConvKind::ChannelsFirst(geometry) => B::xent_conv_backward(x, weight, grad, geometry, wanted, relu_output),
            ConvKind::FromChannelsLast => B::xent_conv1d_from_channels_last_backward(x, weight, grad, wanted, relu_output),
            ConvKind::ChannelsLast(geometry) => B::xent_conv1d_channels_last_backward(x, weight, grad, geometry, wanted, relu_output),
        };
        for (node, g) in [(node_x, dx), (node_w, dw), (node_b, db)] {
            if let (Some(node), Some(g)) = (node, g) {
                grads.register::<B>(node.id, g);
            }
        }
    }
}

/// Dense-layer backward; parents: input, weight, bias. State: input, weight, and the output if a
/// ReLU was fused in.
#[derive(Debug)]
struct LinearBackward;

impl<B: XentGrads> Backward<B, 3> for LinearBackward {
    type State = (FloatTensor<B>, FloatTensor<B>, Option<FloatTensor<B>>);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let grad = grads.consume::<B>(&ops.node);
        let (x, weight, relu_output) = ops.state;
        let [node_x, node_w, node_b] = ops.parents;
        let wanted = Wanted { input: node_x.is_some(), weight: node_w.is_some(), bias: node_b.is_some() };
        let (dx, dw, db) = B::xent_linear_backward(x, weight, grad, wanted, relu_output);
        for (node, g) in [(node_x, dx), (node_w, dw), (node_b, db)] {
            if let (Some(node), Some(g)) = (node, g) {
                grads.register::<B>(node.id, g);
            }
        }
    }
}

/// Max-pool backward (either rank). State: the input and the geometry.
#[derive(Debug)]
struct MaxPoolBackward;

impl<B: XentGrads> Backward<B, 1> for MaxPoolBackward {
    type State = (FloatTensor<B>, PoolGeometry);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let grad = grads.consume::<B>(&ops.node);
        let [node] = ops.parents;
        if let Some(node) = node {
            let (x, geometry) = ops.state;
            grads.register::<B>(node.id, B::xent_max_pool_backward(x, grad, geometry));
        }
    }
}

/// Logit-loss backward; parent: the logits. State: logits, targets and the loss.
#[derive(Debug)]
struct LogitLossBackward;

impl<B: XentGrads> Backward<B, 1> for LogitLossBackward {
    type State = (FloatTensor<B>, FloatTensor<B>, LogitLoss);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let grad = grads.consume::<B>(&ops.node);
        let [node] = ops.parents;
        if let Some(node) = node {
            let (z, y, loss) = ops.state;
            grads.register::<B>(node.id, B::xent_logit_loss_backward(z, y, grad, loss));
        }
    }
}

/// Embedding backward; parent: the table. State: the table (for its shape) and the ids.
#[derive(Debug)]
struct EmbeddingBackward;

impl<B: XentGrads> Backward<B, 1> for EmbeddingBackward {
    type State = (FloatTensor<B>, IntTensor<B>);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let grad = grads.consume::<B>(&ops.node);
        let [node] = ops.parents;
        if let Some(node) = node {
            let (table, ids) = ops.state;
            grads.register::<B>(node.id, B::xent_embedding_backward(table, grad, ids));
        }
    }
}

/// Batch-norm backward; parents: input, γ, β. State: input, γ, the batch's mean and variance, ε,
/// and the output if a ReLU was fused in.
#[derive(Debug)]
struct BatchNormBackward;

impl<B: XentGrads> Backward<B, 3> for BatchNormBackward {
    #[allow(clippy::type_complexity)]
    type State = (FloatTensor<B>, FloatTensor<B>, FloatTensor<B>, FloatTensor<B>, f64, Option<FloatTensor<B>>);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let grad = grads.consume::<B>(&ops.node);
        let (x, gamma, mean, variance, epsilon, relu_output) = ops.state;
        let (dx, dgamma, dbeta) = B::xent_batch_norm_backward(x, gamma, mean, variance, epsilon, grad, relu_output);
        for (node, g) in ops.parents.into_iter().zip([dx, dgamma, dbeta]) {
            if let Some(node) = node {
                grads.register::<B>(node.id, g);
            }
        }
    }
}

/// `relu(a + b)` backward; parents: `a`, `b`, which both receive the output's gradient masked by
/// `output > 0`. State: the output.
#[derive(Debug)]
struct AddReluBackward;

impl<B: XentGrads> Backward<B, 2> for AddReluBackward {
    type State = FloatTensor<B>;

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let grad = grads.consume::<B>(&ops.node);
        let masked = B::relu_backward(ops.state, grad);
        let [node_a, node_b] = ops.parents;
        if let Some(node) = node_a {
            grads.register::<B>(node.id, masked.clone());
        }
        if let Some(node) = node_b {
            grads.register::<B>(node.id, masked);
        }
    }
}

/// Records a convolution computed by `forward` on the inner backend (`relu`: with its ReLU).
fn conv<B: XentOps + XentGrads, C: CheckpointStrategy>(
    x: FloatTensor<Autodiff<B, C>>,
    weight: FloatTensor<Autodiff<B, C>>,
    bias: FloatTensor<Autodiff<B, C>>,
    kind: ConvKind,
    relu: bool,
    forward: impl FnOnce(FloatTensor<B>, FloatTensor<B>, FloatTensor<B>) -> FloatTensor<B>,
) -> FloatTensor<Autodiff<B, C>> {
    let nodes = [x.node(), weight.node(), bias.node()];
    let (x, weight) = (x.into_primitive(), weight.into_primitive());
    let output = forward(x.clone(), weight.clone(), bias.into_primitive());
    let state = (x, weight, kind, relu.then(|| output.clone()));
    match ConvBackward.prepare::<C>(nodes).compute_bound().stateful() {
        OpsKind::Tracked(prep) => prep.finish(state, output),
        OpsKind::UnTracked(prep) => prep.finish(output),
    }
}

/// Records a max pool computed by `forward` on the inner backend.
fn max_pool<B: XentOps + XentGrads, C: CheckpointStrategy>(
    x: FloatTensor<Autodiff<B, C>>,
    geometry: PoolGeometry,
    forward: impl FnOnce(FloatTensor<B>) -> FloatTensor<B>,
) -> FloatTensor<Autodiff<B, C>> {
    let node = x.node();
    let x = x.into_primitive();
    let state = (x.clone(), geometry);
    let output = forward(x);
    match MaxPoolBackward.prepare::<C>([node]).compute_bound().stateful() {
        OpsKind::Tracked(prep) => prep.finish(state, output),
        OpsKind::UnTracked(prep) => prep.finish(output),
    }
}

impl<B: XentOps + XentGrads, C: CheckpointStrategy> XentOps for Autodiff<B, C> {
    fn xent_conv1d(x: FloatTensor<Self>, weight: FloatTensor<Self>, bias: FloatTensor<Self>, geometry: ConvGeometry, relu: bool) -> FloatTensor<Self> {
        conv::<B, C>(x, weight, bias, ConvKind::ChannelsFirst(geometry), relu, |x, w, b| B::xent_conv1d(x, w, b, geometry, relu))
    }

    fn xent_conv2d(x: FloatTensor<Self>, weight: FloatTensor<Self>, bias: FloatTensor<Self>, geometry: ConvGeometry, relu: bool) -> FloatTensor<Self> {
        conv::<B, C>(x, weight, bias, ConvKind::ChannelsFirst(geometry), relu, |x, w, b| B::xent_conv2d(x, w, b, geometry, relu))
    }

    fn xent_conv1d_from_channels_last(x: FloatTensor<Self>, weight: FloatTensor<Self>, bias: FloatTensor<Self>, relu: bool) -> FloatTensor<Self> {
        conv::<B, C>(x, weight, bias, ConvKind::FromChannelsLast, relu, |x, w, b| B::xent_conv1d_from_channels_last(x, w, b, relu))
    }

    fn xent_conv1d_channels_last(x: FloatTensor<Self>, weight: FloatTensor<Self>, bias: FloatTensor<Self>, geometry: ConvGeometry, relu: bool) -> FloatTensor<Self> {
        conv::<B, C>(x, weight, bias, ConvKind::ChannelsLast(geometry), relu, |x, w, b| B::xent_conv1d_channels_last_direct(x, w, b, geometry, relu))
    }

    fn xent_batch_norm_train(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
        relu: bool,
    ) -> Floats3<Self> {
        let nodes = [x.node(), gamma.node(), beta.node()];
        let (x, gamma) = (x.into_primitive(), gamma.into_primitive());
        let (output, mean, variance) = B::xent_batch_norm_train(x.clone(), gamma.clone(), beta.into_primitive(), epsilon, relu);
        let statistics = (Self::from_inner(mean.clone()), Self::from_inner(variance.clone()));
        let relu_output = relu.then(|| output.clone());
        let output = match BatchNormBackward.prepare::<C>(nodes).compute_bound().stateful() {
            OpsKind::Tracked(prep) => prep.finish((x, gamma, mean, variance, epsilon, relu_output), output),
            OpsKind::UnTracked(prep) => prep.finish(output),
        };
        (output, statistics.0, statistics.1)
    }

    fn xent_linear(x: FloatTensor<Self>, weight: FloatTensor<Self>, bias: FloatTensor<Self>, relu: bool) -> FloatTensor<Self> {
        let nodes = [x.node(), weight.node(), bias.node()];
        let (x, weight) = (x.into_primitive(), weight.into_primitive());
        let output = B::xent_linear(x.clone(), weight.clone(), bias.into_primitive(), relu);
        match LinearBackward.prepare::<C>(nodes).compute_bound().stateful() {
            OpsKind::Tracked(prep) => prep.finish((x, weight, relu.then(|| output.clone())), output),
            OpsKind::UnTracked(prep) => prep.finish(output),
        }
    }

    fn xent_add_relu(a: FloatTensor<Self>, b: FloatTensor<Self>) -> FloatTensor<Self> {
        let nodes = [a.node(), b.node()];
        let output = B::xent_add_relu(a.into_primitive(), b.into_primitive());
        match AddReluBackward.prepare::<C>(nodes).compute_bound().stateful() {
            OpsKind::Tracked(prep) => prep.finish(output.clone(), output),
            OpsKind::UnTracked(prep) => prep.finish(output),
        }
    }

    fn xent_embedding(table: FloatTensor<Self>, ids: IntTensor<Self>) -> FloatTensor<Self> {
        let node = table.node();
        let table = table.into_primitive();
        let output = B::xent_embedding(table.clone(), ids.clone());
        match EmbeddingBackward.prepare::<C>([node]).compute_bound().stateful() {
            OpsKind::Tracked(prep) => prep.finish((table, ids), output),
            OpsKind::UnTracked(prep) => prep.finish(output),
        }
    }

    fn xent_logit_loss(logits: FloatTensor<Self>, targets: FloatTensor<Self>, loss: LogitLoss) -> FloatTensor<Self> {
        let node = logits.node();
        let (z, y) = (logits.into_primitive(), targets.into_primitive());
        let output = B::xent_logit_loss(z.clone(), y.clone(), loss);
        match LogitLossBackward.prepare::<C>([node]).compute_bound().stateful() {
            OpsKind::Tracked(prep) => prep.finish((z, y, loss), output),
            OpsKind::UnTracked(prep) => prep.finish(output),
        }
    }

    fn xent_max_pool1d(x: FloatTensor<Self>, geometry: PoolGeometry) -> FloatTensor<Self> {
        max_pool::<B, C>(x, geometry, |x| B::xent_max_pool1d(x, geometry))
    }

    fn xent_max_pool2d(x: FloatTensor<Self>, geometry: PoolGeometry) -> FloatTensor<Self> {
        max_pool::<B, C>(x, geometry, |x| B::xent_max_pool2d(x, geometry))
    }
}
