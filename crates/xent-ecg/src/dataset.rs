//! Burn dataset and batcher for beats: `[batch, channels, length]` windows, `[batch, 4]` RR
//! features and `[batch]` class indices.

use std::sync::Arc;

use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::{Dataset, DatasetError};
use burn::prelude::*;

use crate::beats::BeatSet;
use crate::error::EcgError;
use crate::rr::{RR_FEATURES, RrScaler};

/// One beat as a model input.
#[derive(Clone, Debug, PartialEq)]
pub struct BeatItem {
    /// The window, `channels · length` values (channel-major).
    pub signal: Vec<f32>,
    /// Patient-relative RR features, scaled with the dataset's [`RrScaler`].
    pub rr: [f32; RR_FEATURES],
    /// AAMI class index (N 0, S 1, V 2, F 3, Q 4).
    pub label: i64,
}

/// A [`BeatSet`] seen as a Burn [`Dataset`].
#[derive(Clone, Debug)]
pub struct BeatDataset {
    set: Arc<BeatSet>,
    rr_scaler: RrScaler,
}

impl BeatDataset {
    /// Wraps a beat set; RR features unscaled ([`RrScaler::default`]).
    pub fn new(set: impl Into<Arc<BeatSet>>) -> Self {
        Self { set: set.into(), rr_scaler: RrScaler::default() }
    }

    /// Scales the RR features with `scaler` (fitted on the training beats).
    pub fn with_rr_scaler(mut self, scaler: RrScaler) -> Self {
        self.rr_scaler = scaler;
        self
    }

    /// The underlying beat set.
    pub fn beats(&self) -> &BeatSet {
        &self.set
    }

    /// A batcher matching this dataset's shape.
    pub fn batcher(&self) -> BeatBatcher {
        BeatBatcher { channels: self.set.channels, length: self.set.length }
    }
}

impl Dataset<BeatItem> for BeatDataset {
    fn get(&self, index: usize) -> Result<BeatItem, DatasetError> {
        let (Some(w), Some(b)) = (self.set.window(index), self.set.beats.get(index)) else {
            return Err(DatasetError::new(EcgError::invalid("beat index", format!("{index} of {}", self.set.len()))));
        };
        Ok(BeatItem { signal: w.to_vec(), rr: self.rr_scaler.transform(&b.rr), label: b.class.index() as i64 })
    }

    fn len(&self) -> usize {
        self.set.len()
    }
}

/// A batch of beats on a device.
#[derive(Clone, Debug)]
pub struct BeatBatch {
    /// Windows, `[batch, channels, length]`.
    pub signals: Tensor<3>,
    /// RR features, `[batch, 4]`.
    pub rr: Tensor<2>,
    /// Class indices, `[batch]`.
    pub targets: Tensor<1, Int>,
}

/// Stacks [`BeatItem`]s into a [`BeatBatch`]. Items whose window has the wrong size are padded
/// with zeros or cut, so a batch always has the declared shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BeatBatcher {
    /// Channels per beat.
    pub channels: usize,
    /// Samples per channel.
    pub length: usize,
}

impl Batcher<BeatItem, BeatBatch> for BeatBatcher {
    fn batch(&self, items: Vec<BeatItem>, device: &Device) -> BeatBatch {
        let n = items.len();
        let size = self.channels * self.length;
        let mut sig = Vec::with_capacity(n * size);
        let mut rr = Vec::with_capacity(n * RR_FEATURES);
        let mut lab = Vec::with_capacity(n);
        for it in items {
            let from = sig.len();
            sig.extend(it.signal.iter().copied().take(size));
            sig.resize(from + size, 0.0);
            rr.extend_from_slice(&it.rr);
            lab.push(it.label);
        }
        BeatBatch {
            signals: Tensor::from_data(TensorData::new(sig, [n, self.channels, self.length]), device),
            rr: Tensor::from_data(TensorData::new(rr, [n, RR_FEATURES]), device),
            targets: Tensor::from_data(TensorData::new(lab, [n]), device),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aami::AamiClass;
    use crate::beats::BeatInfo;
    use crate::rr::RrFeatures;

    #[test]
    fn batches_have_the_declared_shapes_and_values() {
        let mut set = BeatSet::empty(2, 3, 360.0);
        set.records.push("r".into());
        for (k, class) in [AamiClass::V, AamiClass::N].into_iter().enumerate() {
            set.signals.extend((0..6).map(|i| (k * 10 + i) as f32));
            set.beats.push(BeatInfo { record: 0, sample: k as i64, code: 5, class, rr: RrFeatures { pre: 0.5, post: 1.0, local: 0.75, average: 0.5, past_local: 0.5, running: 0.5, irregularity: 0.25 } });
        }
        let ds = BeatDataset::new(set.clone());
        assert_eq!(ds.len(), 2);
        let it = ds.get(0).unwrap();
        assert_eq!((it.label, it.rr), (2, [1.0, 2.0, 1.0, 2.0, 1.0, 1.0, 0.5]));
        let scaler = RrScaler { median: [1.0; RR_FEATURES], iqr: [2.0; RR_FEATURES] };
        let scaled = BeatDataset::new(set).with_rr_scaler(scaler).get(0).unwrap();
        assert_eq!(scaled.rr, [0.0, 0.5, 0.0, 0.5, 0.0, 0.0, -0.25]);
        assert!(ds.get(2).is_err());
        let items = vec![ds.get(0).unwrap(), ds.get(1).unwrap()];
        let b = ds.batcher().batch(items, &Device::default());
        assert_eq!(b.signals.dims(), [2, 2, 3]);
        assert_eq!(b.rr.dims(), [2, RR_FEATURES]);
        assert_eq!(b.targets.dims(), [2]);
        let v: Vec<f32> = b.signals.into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(v[6..].to_vec(), vec![10.0, 11.0, 12.0, 13.0, 14.0, 15.0]);
        let t: Vec<i64> = b.targets.into_data().convert::<i64>().try_to_vec::<i64>().unwrap();
        assert_eq!(t, vec![2, 0]);
    }
}
