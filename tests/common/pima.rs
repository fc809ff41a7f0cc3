//! A Pima Indians diabetes sample and a tiny MLP for end-to-end tests (768 rows, 8 features + a
//! 0/1 label, no header).

use xent_core::burn;
use xent_core::burn::nn::{Linear, LinearConfig};
use xent_core::burn::prelude::*;
use xent_core::burn::tensor::activation::relu;
use xent_core::Targets;
use xent_core::train::{Classifier, DataSource};

pub const PIMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/pima/pima-indians-diabetes.csv");

/// MLP 8-h-K.
#[derive(Module, Debug)]
pub struct Mlp {
    l1: Linear,
    l2: Linear,
}

/// Its configuration.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MlpConfig {
    pub hidden: usize,
}

impl xent_core::experiment::ModelConfig for MlpConfig {
    type Model = Mlp;
    fn init(&self, outputs: usize, device: &Device) -> Mlp {
        Mlp { l1: LinearConfig::new(8, self.hidden).init(device), l2: LinearConfig::new(self.hidden, outputs).init(device) }
    }
}

impl Classifier for Mlp {
    type Batch = Tensor<2>;
    fn forward(&self, x: &Tensor<2>) -> Tensor<2> {
        self.l2.forward(relu(self.l1.forward(x.clone())))
    }
}

/// Pima-sized MLP 8-12-8-K.
#[derive(Module, Debug)]
pub struct DeepMlp {
    pub l1: Linear,
    l2: Linear,
    l3: Linear,
}

impl DeepMlp {
    pub fn new(outputs: usize, device: &Device) -> Self {
        Self {
            l1: LinearConfig::new(8, 12).init(device),
            l2: LinearConfig::new(12, 8).init(device),
            l3: LinearConfig::new(8, outputs).init(device),
        }
    }
}

impl Classifier for DeepMlp {
    type Batch = Tensor<2>;
    fn forward(&self, x: &Tensor<2>) -> Tensor<2> {
        self.l3.forward(relu(self.l2.forward(relu(self.l1.forward(x.clone())))))
    }
}

/// Pima rows, standardised with the statistics of the training rows.
pub struct Pima {
    x: Vec<f32>,
    targets: Targets,
}

impl DataSource for Pima {
    type Batch = Tensor<2>;
    fn len(&self) -> usize {
        self.targets.len()
    }
    fn targets(&self) -> &Targets {
        &self.targets
    }
    fn declared_classes(&self) -> Option<usize> {
        Some(2)
    }
    fn batch(&self, idx: &[usize], device: &Device) -> xent_core::Result<Tensor<2>> {
        let mut v = Vec::with_capacity(idx.len() * 8);
        for &i in idx {
            v.extend_from_slice(&self.x[i * 8..i * 8 + 8]);
        }
        Ok(Tensor::from_data(TensorData::new(v, [idx.len(), 8]), device))
    }
}

/// The rows of each range, standardised by the first range's mean and sd.
pub fn load(parts: &[std::ops::Range<usize>]) -> Vec<Pima> {
    load_from(PIMA, parts)
}

/// [`load`] from the Pima CSV at `path`.
pub fn load_from(path: &str, parts: &[std::ops::Range<usize>]) -> Vec<Pima> {
    let text = std::fs::read_to_string(path).unwrap();
    let rows: Vec<Vec<f32>> = text.lines().map(|l| l.split(',').map(|v| v.trim().parse().unwrap()).collect()).collect();
    assert_eq!(rows.len(), 768);
    let train = parts[0].clone();
    let (mut mean, mut sd) = ([0f64; 8], [0f64; 8]);
    for r in &rows[train.clone()] {
        (0..8).for_each(|j| mean[j] += f64::from(r[j]) / train.len() as f64);
    }
    for r in &rows[train.clone()] {
        (0..8).for_each(|j| sd[j] += (f64::from(r[j]) - mean[j]).powi(2) / train.len() as f64);
    }
    parts
        .iter()
        .map(|range| Pima {
            x: rows[range.clone()]
                .iter()
                .flat_map(|r| (0..8).map(|j| ((f64::from(r[j]) - mean[j]) / sd[j].sqrt().max(1e-6)) as f32).collect::<Vec<_>>())
                .collect(),
            targets: Targets::Labels(rows[range.clone()].iter().map(|r| r[8] as u32).collect()),
        })
        .collect()
}
