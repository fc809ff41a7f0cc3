//! Loss configurations (`Categorical`, `Binary`, `SoftmaxBinary`) and Keras-exact
//! cross-entropies on host data. The training losses on tensors are xent-core's `loss::training`.

pub mod config;
pub mod keras;

pub use config::{Head, KerasLoss, LossConfig, SoftmaxBinaryMode, sigmoid};
pub use keras::{EPSILON, KerasLossOptions};
