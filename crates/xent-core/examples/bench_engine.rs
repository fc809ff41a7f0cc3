//! Training throughput of the engine vs a bare forward + backward + step loop, on the Pima-sized
//! MLP 8-12-8-1 (one sigmoid unit, binary cross-entropy), batch 32, Adam, all 768 Pima rows.
//!
//! `cargo run -p xent-core --example bench_engine` (the dev profile is optimised).
//! Each measurement is a round of `EPOCHS` epochs; one warm-up round, then the median of
//! `ROUNDS` rounds. The engine figure is taken from the epochs' own timings (`history`), which
//! include per-batch loss readback, the NaN check, host-side metrics from the logits and the
//! end-of-epoch evaluation bookkeeping; the whole-`fit` figure adds model init, the K probe and
//! the final evaluation pass.

use std::time::Instant;

use burn::nn::{Linear, LinearConfig};
use burn::optim::GradientsParams;
use burn::prelude::*;
use burn::tensor::activation::relu;
use xent_core::train::{Classifier, DataSource, OptimizerConfig, OptimizerInit, TrainConfig, Trainer};
use xent_core::{LossConfig, Targets, TrainingLoss};

const EPOCHS: usize = 10;
const ROUNDS: usize = 5;
const BATCH: usize = 32;

#[derive(Module, Debug)]
struct Mlp {
    l1: Linear,
    l2: Linear,
    l3: Linear,
}

impl Mlp {
    fn new(device: &Device) -> Self {
        Self {
            l1: LinearConfig::new(8, 12).init(device),
            l2: LinearConfig::new(12, 8).init(device),
            l3: LinearConfig::new(8, 1).init(device),
        }
    }
}

impl Classifier for Mlp {
    type Batch = Tensor<2>;
    fn forward(&self, x: &Tensor<2>) -> Tensor<2> {
        self.l3.forward(relu(self.l2.forward(relu(self.l1.forward(x.clone())))))
    }
}

struct Pima {
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
    fn batch(&self, idx: &[usize], device: &Device) -> xent_core::Result<Tensor<2>> {
        let mut v = Vec::with_capacity(idx.len() * 8);
        for &i in idx {
            v.extend_from_slice(&self.x[i * 8..i * 8 + 8]);
        }
        Ok(Tensor::from_data(TensorData::new(v, [idx.len(), 8]), device))
    }
}

fn load() -> Pima {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets/pima/pima-indians-diabetes.csv");
    let text = std::fs::read_to_string(path).expect("Pima CSV");
    let rows: Vec<Vec<f32>> = text.lines().map(|l| l.split(',').map(|v| v.parse().unwrap()).collect()).collect();
    let n = rows.len() as f32;
    let mean: Vec<f32> = (0..8).map(|j| rows.iter().map(|r| r[j]).sum::<f32>() / n).collect();
    let sd: Vec<f32> =
        (0..8).map(|j| (rows.iter().map(|r| (r[j] - mean[j]).powi(2)).sum::<f32>() / n).sqrt().max(1e-6)).collect();
    Pima {
        x: rows.iter().flat_map(|r| (0..8).map(|j| (r[j] - mean[j]) / sd[j]).collect::<Vec<_>>()).collect(),
        targets: Targets::Labels(rows.iter().map(|r| r[8] as u32).collect()),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Samples/s of a bare loop: batch from host, forward, loss, backward, Adam step.
fn bare(data: &Pima, device: &Device) -> f64 {
    let mut model = Mlp::new(device);
    let mut optim = OptimizerConfig::adam().init();
    let loss_fn = TrainingLoss::new(LossConfig::Binary);
    let Targets::Labels(labels) = &data.targets else { unreachable!() };
    let idx: Vec<usize> = (0..data.len()).collect();
    let start = Instant::now();
    for _ in 0..EPOCHS {
        for chunk in idx.chunks(BATCH) {
            let x = data.batch(chunk, device).unwrap();
            let y: Vec<f32> = chunk.iter().map(|&i| labels[i] as f32).collect();
            let y = Tensor::<2>::from_data(TensorData::new(y, [chunk.len(), 1]), device);
            let loss = loss_fn.forward(model.forward(&x), y, None);
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(0.001, model, grads);
        }
    }
    // Make sure the work is done before the clock stops.
    let _ = model.l1.weight.val().into_data();
    (EPOCHS * data.len()) as f64 / start.elapsed().as_secs_f64()
}

/// (samples/s over the epochs' own timings, samples/s of the whole fit).
fn engine(data: &Pima) -> (f64, f64) {
    let config = TrainConfig {
        loss: LossConfig::Binary,
        epochs: EPOCHS,
        batch_size: BATCH,
        optimizer: OptimizerConfig::adam(),
        ..Default::default()
    };
    let start = Instant::now();
    let out = Trainer::new(config).quiet(true).fit(Mlp::new, data, None).unwrap();
    let whole = start.elapsed().as_secs_f64();
    let epochs: f64 = out.history.iter().map(|r| r.seconds).sum();
    ((EPOCHS * data.len()) as f64 / epochs, (EPOCHS * data.len()) as f64 / whole)
}

fn main() {
    let data = load();
    let device = xent_core::default_device().autodiff();
    println!("Pima MLP 8-12-8-1, batch {BATCH}, {} samples, {EPOCHS} epochs per round, median of {ROUNDS}", data.len());
    let _ = bare(&data, &device);
    let _ = engine(&data);
    let mut b = Vec::new();
    let mut e = Vec::new();
    let mut w = Vec::new();
    // Interleave the two so that machine noise hits both alike.
    for _ in 0..ROUNDS {
        b.push(bare(&data, &device));
        let (ep, wh) = engine(&data);
        e.push(ep);
        w.push(wh);
    }
    let (b, e, w) = (median(b), median(e), median(w));
    println!("bare forward+backward+step: {b:>10.0} samples/s");
    println!("engine (epoch loop):        {e:>10.0} samples/s  overhead {:+.1}%", 100.0 * (b / e - 1.0));
    println!("engine (whole fit):         {w:>10.0} samples/s  overhead {:+.1}%", 100.0 * (b / w - 1.0));
}
