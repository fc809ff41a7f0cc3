//! Layers that run on xent's [`kernels`](crate::kernels) (and a dropout with a fast mask),
//! drop-in replacements for their `burn::nn` namesakes, and [`EmbeddingBag`], which Burn lacks.
//!
//! Every layer has one `forward`, as in `burn::nn`; the fused paths (an activation inside the
//! linear layer, the convolution or the norm, the norm folded into the convolution before it, a
//! pool or a residual join inside the convolution, two pooled convolutions as one operation,
//! channels-last layouts, a convolution over token ids) are chosen inside the composite modules
//! [`Dense`], [`ConvBlock1d`], [`ConvStack1d`], [`ConvBlock2d`], [`ResidualBlock1d`] and
//! [`TokenConv1d`].
//!
//! Each replacement layer keeps Burn's parameter names and layouts (`weight` `[out, in, kernel]`, `bias`
//! `[out]`, batch norm's `gamma`, `beta` and running statistics) and Burn's initialisation, so a record saved from one loads into the other
//! (tested), and a model seeded the same way starts from the same weights.

mod batch_norm;
mod conv1d;
mod conv_block1d;
mod conv_block2d;
mod conv_stack1d;
mod conv2d;
mod dense;
mod dropout;
mod embedding_bag;
mod linear;
mod max_pool1d;
mod max_pool2d;
mod padding;
mod residual;
mod residual_block1d;
#[cfg(test)]
mod test_inputs;
mod token_conv1d;

pub use batch_norm::{BatchNorm, BatchNormConfig};
pub use conv1d::{Conv1d, Conv1dConfig};
pub use conv_block1d::{ConvBlock1d, ConvBlock1dConfig, ConvLayout};
pub use conv_block2d::{ConvBlock2d, ConvBlock2dConfig};
pub use conv_stack1d::{ConvStack1d, ConvStack1dConfig};
pub use conv2d::{Conv2d, Conv2dConfig};
pub use dense::{Dense, DenseConfig};
pub use dropout::{Dropout, DropoutConfig};
pub use embedding_bag::{EmbeddingBag, EmbeddingBagConfig};
pub use linear::{Linear, LinearConfig};
pub use max_pool1d::{MaxPool1d, MaxPool1dConfig};
pub use max_pool2d::{MaxPool2d, MaxPool2dConfig};
pub use residual::residual_relu;
pub use residual_block1d::{ResidualBlock1d, ResidualBlock1dConfig};
pub use token_conv1d::{TokenConv1d, TokenConv1dConfig, Tokens};
