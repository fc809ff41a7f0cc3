//! Dense feature rows with class-index targets: the [`DataSource`] of the Pima and temperature
//! cases (`[batch, features]` tensors).

use burn::prelude::*;
use xent_core::{DataSource, Targets};

/// `n × d` features (row-major) and one class index per row.
#[derive(Debug, Clone, PartialEq)]
pub struct Rows {
    /// Features per row.
    pub d: usize,
    /// The features, row after row.
    pub x: Vec<f32>,
    /// Class indices.
    pub labels: Vec<u32>,
    /// Number of classes.
    pub classes: usize,
    targets: Targets,
}

impl Rows {
    /// Rows from features and labels.
    ///
    /// # Panics
    /// When `x.len() != labels.len() * d` (a programming error, not user input).
    pub fn new(d: usize, x: Vec<f32>, labels: Vec<u32>, classes: usize) -> Self {
        assert_eq!(x.len(), labels.len() * d, "features and labels disagree");
        let targets = Targets::Labels(labels.clone());
        Self { d, x, labels, classes, targets }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.x[i * self.d..(i + 1) * self.d]
    }

    /// The rows `indices`, in that order.
    pub fn subset(&self, indices: &[usize]) -> Self {
        let x = indices.iter().flat_map(|&i| self.row(i).iter().copied()).collect();
        Self::new(self.d, x, indices.iter().map(|&i| self.labels[i]).collect(), self.classes)
    }

    /// Per-column mean and standard deviation (population, floored at 1e-6) of these rows.
    pub fn moments(&self) -> (Vec<f64>, Vec<f64>) {
        let n = self.len().max(1) as f64;
        let mut mean = vec![0.0; self.d];
        let mut var = vec![0.0; self.d];
        for i in 0..self.len() {
            for (j, &v) in self.row(i).iter().enumerate() {
                mean[j] += f64::from(v) / n;
            }
        }
        for i in 0..self.len() {
            for (j, &v) in self.row(i).iter().enumerate() {
                var[j] += (f64::from(v) - mean[j]).powi(2) / n;
            }
        }
        (mean, var.into_iter().map(|v| v.sqrt().max(1e-6)).collect())
    }

    /// These rows standardised with the given moments (usually the training rows').
    pub fn standardised(&self, mean: &[f64], sd: &[f64]) -> Self {
        let x = self
            .x
            .chunks_exact(self.d)
            .flat_map(|r| r.iter().enumerate().map(|(j, &v)| ((f64::from(v) - mean[j]) / sd[j]) as f32))
            .collect();
        Self::new(self.d, x, self.labels.clone(), self.classes)
    }

    /// SHA-256 of the features and labels (little-endian bytes): what a run records of its data.
    pub fn sha256(&self) -> String {
        let mut bytes = Vec::with_capacity(4 * (self.x.len() + self.labels.len()));
        self.x.iter().for_each(|v| bytes.extend_from_slice(&v.to_le_bytes()));
        self.labels.iter().for_each(|v| bytes.extend_from_slice(&v.to_le_bytes()));
        xent_core::artifacts::sha256_hex(&bytes)
    }

    /// Rows per class.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut c = vec![0; self.classes];
        for &l in &self.labels {
            c[l as usize] += 1;
        }
        c
    }
}

impl DataSource for Rows {
    type Batch = Tensor<2>;

    fn len(&self) -> usize {
        self.labels.len()
    }

    fn targets(&self) -> &Targets {
        &self.targets
    }

    fn declared_classes(&self) -> Option<usize> {
        Some(self.classes)
    }

    fn batch(&self, indices: &[usize], device: &Device) -> xent_core::Result<Tensor<2>> {
        let mut v = Vec::with_capacity(indices.len() * self.d);
        for &i in indices {
            v.extend_from_slice(self.row(i));
        }
        Ok(Tensor::from_data(TensorData::new(v, [indices.len(), self.d]), device))
    }
}

/// Stratified k-fold assignment: each class's indices are shuffled with `seed` (ChaCha8, see
/// [`xent_core::train::shuffled`]) and dealt round-robin to the folds, so every fold has each
/// class in proportion (± 1). Returns the test indices of each fold, sorted.
pub fn stratified_folds(labels: &[u32], classes: usize, k: usize, seed: u64) -> Vec<Vec<usize>> {
    let mut folds = vec![Vec::new(); k];
    let mut next = 0;
    for c in 0..classes {
        let of_c: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] as usize == c).collect();
        for i in xent_core::train::shuffled(&of_c, seed ^ (c as u64).wrapping_mul(0x9E37_79B9)) {
            folds[next % k].push(i);
            next += 1;
        }
    }
    for f in &mut folds {
        f.sort_unstable();
    }
    folds
}
