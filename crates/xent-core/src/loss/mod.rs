//! Loss configurations, Keras-exact cross-entropies on host data, and training losses on tensors.

pub mod config;
pub mod keras;
pub mod training;

pub use config::{Head, KerasLoss, LossConfig, SoftmaxBinaryMode, sigmoid};
pub use keras::{EPSILON, KerasLossOptions};
pub use training::TrainingLoss;
