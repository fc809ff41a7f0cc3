//! xent-resnet: residual 1D networks on xent-ecg's beats.
//!
//! - [`resnet`]: the network, its configuration and presets (a small net for short beat windows and
//!   a deep Hannun-2019-style one), built from `xent_core::nn::ResidualBlock1d` (the basic residual
//!   block, post- or pre-activation).
//!
//! ```no_run
//! use xent_resnet::ResNet1dConfig;
//! let device = xent_core::default_device();
//! let model = ResNet1dConfig::small().init(&device);
//! println!("{} parameters", burn::module::Module::num_params(&model));
//! ```

#![warn(missing_docs)]

pub mod resnet;

pub use resnet::{ResNet1d, ResNet1dConfig};
