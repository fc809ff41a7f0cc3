//! [`TextNet`]: a text network's configuration with the builder of its network, the model
//! configuration xent-core's experiment runner instantiates per loss configuration.

use burn::prelude::Device;
use serde::Serialize;
use xent_core::train::Classifier;

use crate::model::TextCnnConfig;

/// A [`TextCnnConfig`] for xent-core's experiments with the builder of its network
/// ([`TextCnnConfig::init_question`], `init_kim`, `init_mlp` or `init_linear`); serialised as the
/// configuration alone.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct TextNet<M> {
    /// The network's shapes (the experiment sets `num_classes` per loss configuration).
    pub config: TextCnnConfig,
    /// Builds the network from a configuration.
    #[serde(skip)]
    pub init: fn(&TextCnnConfig, &Device) -> M,
}

impl<M: Classifier> xent_core::experiment::ModelConfig for TextNet<M> {
    type Model = M;
    fn init(&self, outputs: usize, device: &Device) -> M {
        (self.init)(&TextCnnConfig { num_classes: outputs, ..self.config.clone() }, device)
    }
}
