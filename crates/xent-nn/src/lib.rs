//! xent-nn: xent's CPU kernels and the layers built on them, for Burn.
//!
//! - [`kernels`]: convolutions (1-D channels-first and channels-last, Winograd, over token
//!   embeddings, fused with max pooling or a residual join; 2-D alone or fused with pooling), 1-D
//!   and 2-D max pooling, batch normalisation in training, linear layers, embedding lookups,
//!   residual add + ReLU, the fused logit losses and the Adam/Adamax moment update, registered
//!   through Burn's backend extension with Burn's own operations as the fallback on other
//!   backends, dtypes and geometries; each trained operation has its own backward pass;
//! - [`nn`]: layers on those kernels (`Conv1d`, `Conv2d`, `BatchNorm`, `Linear`, `MaxPool1d`,
//!   `MaxPool2d`, `Dropout`, `EmbeddingBag`, residual blocks) with `burn::nn`'s parameter names,
//!   layouts and initialisation, so records load into `burn::nn` modules and back, and composite
//!   modules that choose the fusion inside their own `forward` (`ConvBlock1d`: convolution,
//!   optional batch norm, activation and optional max pool, channels-first or channels-last;
//!   `ResidualBlock1d`: the basic residual block; `TokenConv1d`: a convolution over embedded
//!   tokens).
//!
//! The training engine (`xent-core`) re-exports both modules under `xent_core::kernels` and
//! `xent_core::nn`.

#![warn(missing_docs)]
// Every `unsafe` block states the invariant it relies on (`// SAFETY: …`).
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod kernels;
pub mod nn;
