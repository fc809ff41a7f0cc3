//! [`XentOps`] under `autodiff()`: the forward pass on the inner backend, and a hand-written
//! backward pass that calls the inner backend's [`XentGrads`].

use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;

use super::{Wanted, XentGrads, XentOps};

/// Saved for the convolution's backward pass: input, weight, stride and padding.
type ConvState<B> = (FloatTensor<B>, FloatTensor<B>, usize, usize, usize);

/// Convolution backward; parents: input, weight, bias.
#[derive(Debug)]
struct Conv1dBackward;

impl<B: XentGrads> Backward<B, 3> for Conv1dBackward {
    type State = ConvState<B>;

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let grad = grads.consume::<B>(&ops.node);
        let (x, weight, stride, pad_left, pad_right) = ops.state;
        let [node_x, node_w, node_b] = ops.parents;
        let wanted = Wanted { input: node_x.is_some(), weight: node_w.is_some(), bias: node_b.is_some() };
        let (dx, dw, db) = B::xent_conv1d_backward(x, weight, grad, stride, pad_left, pad_right, wanted);
        for (node, g) in [(node_x, dx), (node_w, dw), (node_b, db)] {
            if let (Some(node), Some(g)) = (node, g) {
                grads.register::<B>(node.id, g);
            }
        }
    }
}

/// Max-pool backward: the input and the window geometry.
#[derive(Debug)]
struct MaxPool1dBackward;

impl<B: XentGrads> Backward<B, 1> for MaxPool1dBackward {
    type State = (FloatTensor<B>, usize, usize, usize);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let grad = grads.consume::<B>(&ops.node);
        let [node] = ops.parents;
        if let Some(node) = node {
            let (x, kernel, stride, padding) = ops.state;
            grads.register::<B>(node.id, B::xent_max_pool1d_backward(x, grad, kernel, stride, padding));
        }
    }
}

impl<B: XentOps + XentGrads, C: CheckpointStrategy> XentOps for Autodiff<B, C> {
    fn xent_conv1d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        stride: usize,
        pad_left: usize,
        pad_right: usize,
    ) -> FloatTensor<Self> {
        let nodes = [x.node(), weight.node(), bias.node()];
        let (x, weight) = (x.into_primitive(), weight.into_primitive());
        let state = (x.clone(), weight.clone(), stride, pad_left, pad_right);
        let forward = B::xent_conv1d(x, weight, bias.into_primitive(), stride, pad_left, pad_right);
        match Conv1dBackward.prepare::<C>(nodes).compute_bound().stateful() {
            OpsKind::Tracked(prep) => prep.finish(state, forward),
            OpsKind::UnTracked(prep) => prep.finish(forward),
        }
    }

    fn xent_max_pool1d(x: FloatTensor<Self>, kernel: usize, stride: usize, padding: usize) -> FloatTensor<Self> {
        let node = x.node();
        let x = x.into_primitive();
        let state = (x.clone(), kernel, stride, padding);
        let forward = B::xent_max_pool1d(x, kernel, stride, padding);
        match MaxPool1dBackward.prepare::<C>([node]).compute_bound().stateful() {
            OpsKind::Tracked(prep) => prep.finish(state, forward),
            OpsKind::UnTracked(prep) => prep.finish(forward),
        }
    }
}
