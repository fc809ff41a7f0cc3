//! Fixed-length token ids as a training-engine data source.

use burn::prelude::*;
use xent_core::Targets;
use xent_core::matrix::Matrix;
use xent_core::train::DataSource;

use crate::corpus::Document;
use crate::error::Result;
use crate::tokenize::{Encoded, TextTokenizer};

/// The documents' targets: class indices (single-label) or multi-hot rows of width `classes`.
pub fn targets_of(docs: &[&Document], classes: usize, multi_label: bool) -> Targets {
    if multi_label {
        let mut m = vec![0f32; docs.len() * classes];
        for (i, d) in docs.iter().enumerate() {
            for &l in &d.labels {
                m[i * classes + l as usize] = 1.0;
            }
        }
        Targets::Hot(Matrix::new(docs.len(), classes, m).expect("n × classes entries"))
    } else {
        Targets::Labels(docs.iter().map(|d| d.labels[0]).collect())
    }
}

/// Token ids of documents with their targets: class indices for single-label data, multi-hot
/// rows for multi-label data.
#[derive(Debug, Clone)]
pub struct TokenIds {
    ids: Vec<i32>,
    len: usize,
    targets: Targets,
    classes: usize,
    /// Documents that were empty after tokenisation (kept as all padding).
    pub empty: usize,
    /// Documents that were truncated.
    pub truncated: usize,
}

impl TokenIds {
    /// Encodes `docs` with `tokenizer`; `multi_label` picks multi-hot targets.
    ///
    /// # Errors
    /// A tokenisation failure.
    pub fn encode(tokenizer: &TextTokenizer, docs: &[&Document], classes: usize, multi_label: bool) -> Result<Self> {
        let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
        let enc = tokenizer.encode(&texts)?;
        Ok(Self::from_encoded(enc, targets_of(docs, classes, multi_label), classes))
    }

    /// Builds from already encoded ids and their targets.
    pub fn from_encoded(enc: Encoded, targets: Targets, classes: usize) -> Self {
        Self { empty: enc.empty.len(), truncated: enc.truncated, ids: enc.ids, len: enc.len, targets, classes }
    }

    /// Sequence length.
    pub fn seq_len(&self) -> usize {
        self.len
    }

    /// The ids of sample `i`.
    pub fn row(&self, i: usize) -> &[i32] {
        &self.ids[i * self.len..(i + 1) * self.len]
    }
}

impl DataSource for TokenIds {
    type Batch = Tensor<2, Int>;
    fn len(&self) -> usize {
        self.targets.len()
    }
    fn targets(&self) -> &Targets {
        &self.targets
    }
    fn declared_classes(&self) -> Option<usize> {
        Some(self.classes)
    }
    fn batch(&self, indices: &[usize], device: &Device) -> xent_core::Result<Tensor<2, Int>> {
        let mut v = Vec::with_capacity(indices.len() * self.len);
        for &i in indices {
            v.extend_from_slice(self.row(i));
        }
        Ok(Tensor::from_data(TensorData::new(v, [indices.len(), self.len]), device))
    }
}
