//! Throughput of the two published networks on the flex CPU backend: the MNIST CNN (seed preset,
//! 100-filter convolutions) and the Pima MLP 8-12-8-1.
//!
//! For each: training samples/s (forward + loss + backward + Keras optimizer step, Adamax for the
//! CNN and Adam for the MLP, batch 256 unless given) and inference samples/s (`valid()` copy,
//! plain device, batch 256, logits read back). One warm-up pass, then the median of ≥ 3 timed
//! passes. Data are random inputs of the right shape, generated before timing. Defaults: 4
//! batches per pass for the CNN, 32 for the MLP.
//!
//! ```text
//! cargo run -p xent-repro --example bench_repro [-- --batches N --batch-size B --repeats R --only mnist|pima]
//! ```

use std::time::Instant;

use burn::optim::GradientsParams;
use burn::prelude::*;
use burn::tensor::Distribution;
use xent_core::train::{OptimizerConfig, OptimizerInit};
use xent_core::{Classifier, LossConfig, TrainingLoss};
use xent_repro::models::{MlpConfig, MnistCnnConfig};

struct Args {
    batches: usize,
    batch: usize,
    repeats: usize,
    only: Option<String>,
}

fn args() -> Args {
    let mut a = Args { batches: 4, batch: 256, repeats: 3, only: None };
    let v: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < v.len() {
        let next = v.get(i + 1).cloned().unwrap_or_default();
        match v[i].as_str() {
            "--batches" => a.batches = next.parse().expect("--batches N"),
            "--batch-size" => a.batch = next.parse().expect("--batch-size B"),
            "--repeats" => a.repeats = next.parse::<usize>().expect("--repeats R").max(3),
            "--only" => a.only = Some(next),
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    a
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Median samples/s of `pass` (which processes `samples` samples) over `repeats` passes after one warm-up.
fn time(samples: usize, repeats: usize, mut pass: impl FnMut()) -> (f64, Vec<f64>) {
    pass();
    let rates: Vec<f64> = (0..repeats)
        .map(|_| {
            let t = Instant::now();
            pass();
            samples as f64 / t.elapsed().as_secs_f64()
        })
        .collect();
    (median(rates.clone()), rates)
}

fn bench<M, const D: usize>(
    name: &str,
    init: impl Fn(&Device) -> M,
    shape: [usize; D],
    outputs: usize,
    loss: LossConfig,
    optimizer: OptimizerConfig,
    a: &Args,
) where
    M: Classifier<Batch = Tensor<D>>,
{
    let device = Device::flex().autodiff();
    let plain = Device::flex();
    device.seed(0);
    let mut model = init(&device);
    let loss_fn = TrainingLoss::new(loss);
    let mut optim = optimizer.init();
    let lr = optimizer.learning_rate();
    let mut full = shape;
    full[0] = a.batch;
    let xs: Vec<Tensor<D>> = (0..a.batches).map(|_| Tensor::random(full, Distribution::Uniform(0.0, 1.0), &plain)).collect();
    let y = Tensor::<2>::from_data(
        TensorData::new((0..a.batch * outputs).map(|i| if i % outputs == (i / outputs) % outputs { 1.0f32 } else { 0.0 }).collect::<Vec<_>>(), [a.batch, outputs]),
        &device,
    );
    let samples = a.batch * a.batches;
    let (train, train_all) = time(samples, a.repeats, || {
        for x in &xs {
            let x = Tensor::<D>::from_data(x.to_data(), &device);
            let l = loss_fn.forward(model.forward(&x), y.clone(), None);
            let grads = GradientsParams::from_grads(l.backward(), &model);
            model = optim.step(lr, model.clone(), grads);
        }
        let _ = model.clone().valid();
    });
    let valid = model.valid();
    let (infer, infer_all) = time(samples, a.repeats, || {
        for x in &xs {
            let s: f32 = valid.forward(x).sum().into_scalar();
            std::hint::black_box(s);
        }
    });
    let fmt = |v: &[f64]| v.iter().map(|r| format!("{r:.0}")).collect::<Vec<_>>().join(", ");
    println!(
        "{name:<10} params {:>9}  batch {:>3} × {} batches  train {:>8.0} samples/s [{}]  inference {:>9.0} samples/s [{}]",
        valid.num_params(),
        a.batch,
        a.batches,
        train,
        fmt(&train_all),
        infer,
        fmt(&infer_all)
    );
}

fn main() {
    let a = args();
    let want = |n: &str| a.only.as_deref().is_none_or(|o| o == n);
    if want("mnist") {
        bench("mnist-cnn", |d| MnistCnnConfig::default().init(d), [0, 1, 28, 28], 10, LossConfig::Categorical, OptimizerConfig::adamax(), &a);
    }
    if want("pima") {
        // The MLP is ~10⁴× cheaper per sample: 8× the batches for a measurable pass.
        let pa = Args { batches: a.batches.max(1) * 8, batch: a.batch, repeats: a.repeats, only: None };
        bench("pima-mlp", |d| MlpConfig::pima(1).init(d), [0, 8], 1, LossConfig::Binary, OptimizerConfig::adam(), &pa);
    }
}
