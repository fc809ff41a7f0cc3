//! Loss configurations and Keras-exact cross-entropies on host data (from xent-metrics, under
//! their old paths), and the stable training losses on tensors ([`TrainingLoss`]).

pub mod training;

pub use training::TrainingLoss;
pub use xent_metrics::loss::{EPSILON, Head, KerasLoss, KerasLossOptions, LossConfig, SoftmaxBinaryMode, config, keras, sigmoid};
