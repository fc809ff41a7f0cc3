//! Beats as a data source of xent-core's training engine: batches of windows and scaled
//! patient-relative RR features on a device, AAMI class indices as targets.

use std::sync::Arc;

use burn::prelude::*;
use xent_core::Targets;
use xent_core::train::DataSource;

use crate::aami::AamiClass;
use crate::beats::BeatSet;
use crate::dataset::BeatBatch;
use crate::rr::{RR_FEATURES, RrScaler};

/// A [`BeatSet`] the training engine can draw batches from.
#[derive(Clone, Debug)]
pub struct BeatSource {
    set: Arc<BeatSet>,
    targets: Targets,
    rr_scaler: RrScaler,
    classes: usize,
}

impl BeatSource {
    /// Wraps a beat set: all five AAMI classes, RR features unscaled ([`RrScaler::default`]).
    pub fn new(set: impl Into<Arc<BeatSet>>) -> Self {
        let set = set.into();
        let targets = Targets::Labels(set.beats.iter().map(|b| b.class.index() as u32).collect());
        Self { set, targets, rr_scaler: RrScaler::default(), classes: AamiClass::COUNT }
    }

    /// Scales the RR features with `scaler` (fitted on the training beats).
    pub fn with_rr_scaler(mut self, scaler: RrScaler) -> Self {
        self.rr_scaler = scaler;
        self
    }

    /// Declares the first `classes` AAMI classes (4: N, S, V, F without Q). The beats must not
    /// hold a later class.
    pub fn with_classes(mut self, classes: usize) -> Self {
        self.classes = classes.clamp(1, AamiClass::COUNT);
        self
    }

    /// The RR scaler in use.
    pub fn rr_scaler(&self) -> &RrScaler {
        &self.rr_scaler
    }

    /// The underlying beats.
    pub fn beats(&self) -> &BeatSet {
        &self.set
    }

    /// The declared class names, in class-index order.
    pub fn class_names(&self) -> Vec<String> {
        AamiClass::ALL.iter().take(self.classes).map(|c| c.to_string()).collect()
    }
}

impl DataSource for BeatSource {
    type Batch = BeatBatch;

    fn len(&self) -> usize {
        self.set.len()
    }

    fn targets(&self) -> &Targets {
        &self.targets
    }

    fn declared_classes(&self) -> Option<usize> {
        Some(self.classes)
    }

    fn batch(&self, indices: &[usize], device: &Device) -> xent_core::Result<BeatBatch> {
        let (c, l) = (self.set.channels, self.set.length);
        let size = c * l;
        let n = indices.len();
        let mut signals = Vec::with_capacity(n * size);
        let mut rr = Vec::with_capacity(n * RR_FEATURES);
        let mut labels = Vec::with_capacity(n);
        for &i in indices {
            let (Some(window), Some(beat)) = (self.set.window(i), self.set.beats.get(i)) else {
                return Err(xent_core::Error::Mismatch(format!("beat {i} of {} requested", self.set.len())));
            };
            signals.extend_from_slice(window);
            rr.extend_from_slice(&self.rr_scaler.transform(&beat.rr));
            labels.push(beat.class.index() as i64);
        }
        Ok(BeatBatch {
            signals: Tensor::from_data(TensorData::new(signals, [n, c, l]), device),
            rr: Tensor::from_data(TensorData::new(rr, [n, RR_FEATURES]), device),
            targets: Tensor::from_data(TensorData::new(labels, [n]), device),
        })
    }
}
