//! Convolution blocks in turn, with pairs of blocks fused inside [`ConvStack1d::forward`].

use burn::config::Config;
use burn::module::Module;
use burn::tensor::{Device, Tensor};

use super::{ConvBlock1d, ConvBlock1dConfig, ConvLayout};

/// Configuration of a [`ConvStack1d`].
#[derive(Config, Debug)]
pub struct ConvStack1dConfig {
    /// The blocks, first to last.
    pub blocks: Vec<ConvBlock1dConfig>,
}

impl ConvStack1dConfig {
    /// The stack: its blocks initialised as [`ConvBlock1dConfig::init`] does, first to last.
    pub fn init(&self, device: &Device) -> ConvStack1d {
        ConvStack1d { blocks: self.blocks.iter().map(|b| b.init(device)).collect() }
    }
}

/// [`ConvBlock1d`]s in turn. The record holds them under `blocks` (`blocks.0.conv.weight`, …).
///
/// Two channels-first blocks in a row without norm, each with a pool and the same activation, run
/// as one operation where the kernels allow (`kernels::conv1d_pool_pair`: the first block's output
/// stays in cache); under autodiff they are recorded as the layers. Values agree with the blocks in
/// turn to rounding.
#[derive(Module, Debug)]
pub struct ConvStack1d {
    /// The blocks, first to last.
    pub blocks: Vec<ConvBlock1d>,
}

impl ConvStack1d {
    /// Applies the blocks in turn.
    ///
    /// # Shapes
    ///
    /// - input: the first block's input
    /// - output: the last block's output (the input if there are no blocks)
    pub fn forward(&self, input: Tensor<3>) -> Tensor<3> {
        let mut x = input;
        let mut rest = self.blocks.as_slice();
        while let Some((block, tail)) = rest.split_first() {
            if let Some(next) = tail.first()
                && let Some((pool, next_pool)) = block.pool.as_ref().zip(next.pool.as_ref())
                && pairs(block, next)
            {
                x = block.conv.forward_pooled_pair(x, pool, &next.conv, next_pool, block.activation);
                rest = &tail[1..];
            } else {
                x = block.forward(x);
                rest = tail;
            }
        }
        x
    }
}

/// Whether `block` and `next` can run as one pooled pair.
fn pairs(block: &ConvBlock1d, next: &ConvBlock1d) -> bool {
    let plain = |b: &ConvBlock1d| b.norm.is_none() && b.layout == ConvLayout::ChannelsFirst;
    plain(block) && plain(next) && block.activation == next.activation
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::test_inputs::ramp;
    use crate::nn::{BatchNormConfig, Conv1dConfig, MaxPool1dConfig};
    use burn::tensor::Tolerance;


    /// A stack without norm (one fused pair, then a block alone) and one with a norm in the middle
    /// equal the blocks in turn, plain and under autodiff.
    #[test]
    fn equals_the_blocks_in_turn() {
        for device in [Device::flex(), Device::flex().autodiff()] {
            for norm in [false, true] {
                let block = |c_in, c_out, n: bool| {
                    ConvBlock1dConfig::new(Conv1dConfig::new(c_in, c_out, 3))
                        .with_norm(n.then(|| BatchNormConfig::new(c_out)))
                        .with_pool(Some(MaxPool1dConfig::new(2)))
                };
                let stack = ConvStack1dConfig::new(vec![block(2, 4, false), block(4, 3, norm), block(3, 2, false)]).init(&device);
                let x = ramp([3, 2, 40], &device);
                let want = stack.blocks.iter().fold(x.clone(), |x, b| b.forward(x));
                stack.forward(x).into_data().assert_approx_eq::<f32>(&want.into_data(), Tolerance::absolute(1e-5));
            }
        }
    }
}
