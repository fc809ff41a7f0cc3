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

use burn::optim::GradientsParams;
use burn::prelude::*;
use xent_core::train::{Classifier, DataSource, OptimizerConfig, OptimizerInit, TrainConfig, Trainer};
use xent_core::{LossConfig, Targets, TrainingLoss};

// The end-to-end tests' Pima sample and MLP.
#[allow(dead_code)]
#[path = "../../../tests/common/pima.rs"]
mod pima;
use pima::{DeepMlp, Pima};

const EPOCHS: usize = 10;
const ROUNDS: usize = 5;
const BATCH: usize = 32;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Samples/s of a bare loop: batch from host, forward, loss, backward, Adam step.
fn bare(data: &Pima, device: &Device) -> f64 {
    let mut model = DeepMlp::new(1, device);
    let mut optim = OptimizerConfig::adam().init();
    let loss_fn = TrainingLoss::new(LossConfig::Binary);
    let Targets::Labels(labels) = data.targets() else { unreachable!() };
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
    let out = Trainer::new(config).quiet(true).fit(|d| DeepMlp::new(1, d), data, None).unwrap();
    let whole = start.elapsed().as_secs_f64();
    let epochs: f64 = out.history.iter().map(|r| r.seconds).sum();
    ((EPOCHS * data.len()) as f64 / epochs, (EPOCHS * data.len()) as f64 / whole)
}

fn main() {
    let csv = concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets/pima/pima-indians-diabetes.csv");
    let data = pima::load_from(csv, std::slice::from_ref(&(0..768))).remove(0);
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
