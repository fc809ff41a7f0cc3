//! `xent-bench [MODEL…]`: training and inference throughput of the five reference models (samples/s,
//! and GFLOP/s from each model's FLOP count, `flops`), as a table and as `bench/results.json`.
//! `xent-bench peak`: the machine's measured FMA ceiling (`peak`) and each model's GEMM-only ceiling
//! (`ceiling`), as a table and as `bench/peak.json`. `xent-bench burn-alloc`: a minimal
//! reproduction of the copy Burn's flex backend makes of every matmul result (`burn_alloc`). Run
//! through `just bench [MODEL]`, `just bench peak` and `just bench burn-alloc`.
//!
//! Models (Keras spellings): `ecg_cnn` Conv1D(32,5)→MaxPool(2)→Conv1D(64,5)→MaxPool(2)→Dense(128)→Dense(5),
//! Adam, batch 64, input 187×1; `ecg_resnet` the small residual net (stem + 3 basic blocks of 32,
//! global average pool, Dense(5)), Adam, batch 64; `text_cnn` the question's text CNN (vocabulary 20,000,
//! length 200, Embedding(128)), Adam, batch 32; `mnist_cnn` the question's MNIST CNN (100 + 100 filters),
//! Adamax, batch 128; `pima_mlp` 8-12-8-1 with one sigmoid, Adam, batch 32.
//!
//! Method: random inputs of the right shape, generated once (8 distinct batches, cycled) so the
//! timing is the training step itself: forward, loss, backward, optimizer step, with the loss read
//! back every step (as a training loop must, to stop on NaN). One warm-up epoch, then the median
//! of three timed epochs. Inference: the validation-mode model on the plain device, batch 256, one
//! warm-up pass, median of three. Each model runs in its own process so that `peak_rss_mb` (the
//! kernel's high-water mark, VmHWM) is that model's alone. Never a test: numbers depend on the
//! machine and on what else runs on it.
//!
//! `--quick` (with a model list or `--one MODEL`): the same protocol with `QUICK_STEPS` training
//! steps per epoch and `QUICK_PASSES` inference batches per pass, to check that everything runs;
//! its figures mean nothing and `bench/results.json` is left as it was.

mod burn_alloc;
mod ceiling;
mod flops;
mod peak;

use std::process::Command;
use std::time::Instant;

use burn::optim::GradientsParams;
use burn::prelude::*;
use serde_json::{Value, json};
use xent_core::train::{Classifier, OptimizerConfig, OptimizerInit};
use xent_core::{LossConfig, TrainingLoss};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const MODELS: [&str; 5] = ["ecg_cnn", "ecg_resnet", "text_cnn", "mnist_cnn", "pima_mlp"];
const DISTINCT: usize = 8;
/// Inference batch size of every model.
const INFER_BATCH: usize = 256;
/// Training steps per epoch under `--quick` (`bench/reference/common.py` uses the same).
const QUICK_STEPS: usize = 2;
/// Inference batches per pass under `--quick` (`bench/reference/common.py` uses the same).
const QUICK_PASSES: usize = 1;

/// Training batch size of each model (the issue's).
fn train_batch(model: &str) -> usize {
    match model {
        "ecg_cnn" | "ecg_resnet" => 64,
        "mnist_cnn" => 128,
        _ => 32,
    }
}

/// Median of the timings, as samples per second.
fn median_rate(samples: usize, mut secs: Vec<f64>) -> f64 {
    secs.sort_by(f64::total_cmp);
    samples as f64 / secs[secs.len() / 2]
}

/// Makes a batch of `n` random inputs on a device from a seed.
type MakeBatch<B> = Box<dyn Fn(usize, &Device, u64) -> B>;

struct Spec<M: Classifier> {
    init: Box<dyn Fn(&Device) -> M>,
    batch: MakeBatch<M::Batch>,
    outputs: usize,
    loss: LossConfig,
    optimizer: OptimizerConfig,
    batch_size: usize,
    epoch_samples: usize,
    infer_samples: usize,
}

fn random_targets(n: usize, k: usize, seed: u64, device: &Device) -> Tensor<2> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut data = vec![0.0f32; n * k.max(1)];
    for i in 0..n {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let c = if k == 1 { 0 } else { (state % k as u64) as usize };
        data[i * k.max(1) + c] = if k == 1 { (state >> 40 & 1) as f32 } else { 1.0 };
    }
    Tensor::from_data(TensorData::new(data, [n, k.max(1)]), device)
}

fn run<M: Classifier>(spec: Spec<M>, quick: bool) -> Value {
    let device = xent_core::default_device().autodiff();
    device.seed(0);
    let mut model = (spec.init)(&device);
    let mut optim = spec.optimizer.init();
    let lr = spec.optimizer.learning_rate();
    let loss_fn = TrainingLoss::new(spec.loss);
    let b = spec.batch_size;
    let batches: Vec<(M::Batch, Tensor<2>)> = (0..DISTINCT as u64)
        .map(|s| ((spec.batch)(b, &device, s), random_targets(b, spec.outputs, s, &device)))
        .collect();
    let steps = if quick { QUICK_STEPS } else { spec.epoch_samples.div_ceil(b) };
    let mut epoch = |model: M| -> (M, f64) {
        let start = Instant::now();
        let mut model = model;
        for step in 0..steps {
            let (x, y) = &batches[step % DISTINCT];
            let loss = loss_fn.forward(model.forward(x), y.clone(), None);
            let value: f32 = loss.clone().into_scalar();
            assert!(value.is_finite(), "benchmark loss became {value}");
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(lr, model, grads);
        }
        (model, start.elapsed().as_secs_f64())
    };
    let (m, _) = epoch(model);
    model = m;
    let mut train_secs = Vec::new();
    for _ in 0..3 {
        let (m, s) = epoch(model);
        model = m;
        train_secs.push(s);
    }
    let train = median_rate(steps * b, train_secs);

    let plain = device.without_autodiff();
    let infer_model = model.valid();
    let ib = INFER_BATCH;
    let infer_batches: Vec<M::Batch> = (0..2).map(|s| (spec.batch)(ib, &plain, 100 + s)).collect();
    let passes = if quick { QUICK_PASSES } else { spec.infer_samples.div_ceil(ib) };
    let pass = || {
        let start = Instant::now();
        for i in 0..passes {
            let out: f32 = infer_model.forward(&infer_batches[i % 2]).sum().into_scalar();
            assert!(out.is_finite());
        }
        start.elapsed().as_secs_f64()
    };
    pass();
    let infer = median_rate(passes * ib, (0..3).map(|_| pass()).collect());
    let mut v = json!({
        "train_samples_per_s": train.round(),
        "infer_samples_per_s": infer.round(),
        "peak_rss_mb": peak_rss_mb(),
        "batch_size": b,
        "optimizer": spec.optimizer.name(),
        "params": model.num_params(),
        "train_steps_per_epoch": steps,
        "infer_batches_per_pass": passes,
    });
    if quick {
        v["quick"] = json!(true);
    }
    v
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some((kb / 1024.0 * 10.0).round() / 10.0)
}

fn uniform(shape: &[usize], seed: u64, device: &Device) -> Vec<f32> {
    let n: usize = shape.iter().product();
    let mut state = seed.wrapping_mul(0x2545_F491_4F6C_DD1D) | 1;
    let _ = device;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 40) as f32 / (1u64 << 24) as f32
        })
        .collect()
}

fn one(model: &str, quick: bool) -> Value {
    let mut v = measure(model, quick);
    if let Some(flop) = flops::per_sample(model) {
        let gflops = |rate: &Value, per: f64| rate.as_f64().map(|r| (r * per / 1e7).round() / 100.0);
        v["flop_per_sample"] = json!({ "train": flop.train, "infer": flop.infer });
        v["train_gflop_per_s"] = json!(gflops(&v["train_samples_per_s"], flop.train));
        v["infer_gflop_per_s"] = json!(gflops(&v["infer_samples_per_s"], flop.infer));
    }
    v
}

fn measure(model: &str, quick: bool) -> Value {
    use xent_ecg::dataset::BeatBatch;
    match model {
        "ecg_cnn" | "ecg_resnet" => {
            let beat = |n: usize, d: &Device, s: u64| BeatBatch {
                signals: Tensor::from_data(TensorData::new(uniform(&[n, 1, 187], s, d), [n, 1, 187]), d),
                rr: Tensor::zeros([n, 4], d),
                targets: Tensor::zeros([n], d),
            };
            if model == "ecg_cnn" {
                run(Spec {
                    init: Box::new(|d| xent_ecg::Cnn1dConfig::plain().init(d)),
                    batch: Box::new(beat),
                    outputs: 5,
                    loss: LossConfig::Categorical,
                    optimizer: OptimizerConfig::adam(),
                    batch_size: train_batch(model),
                    epoch_samples: 8192,
                    infer_samples: 16384,
                }, quick)
            } else {
                run(Spec {
                    init: Box::new(|d| {
                        xent_resnet::ResNet1dConfig::small()
                            .with_length(187)
                            .with_rr_features(false)
                            .with_dropout(0.0)
                            .init(d)
                    }),
                    batch: Box::new(beat),
                    outputs: 5,
                    loss: LossConfig::Categorical,
                    optimizer: OptimizerConfig::adam(),
                    batch_size: train_batch(model),
                    epoch_samples: 4096,
                    infer_samples: 8192,
                }, quick)
            }
        }
        "text_cnn" => run(Spec {
            init: Box::new(|d| {
                xent_text::model::TextCnnConfig::new(xent_text::ModelKind::Question, 20_000, 200, 4).init_question(d)
            }),
            batch: Box::new(|n, d, s| {
                let ids: Vec<i64> = uniform(&[n, 200], s, d).iter().map(|v| (v * 19_999.0) as i64).collect();
                Tensor::from_data(TensorData::new(ids, [n, 200]), d)
            }),
            outputs: 4,
            loss: LossConfig::Categorical,
            optimizer: OptimizerConfig::adam(),
            batch_size: train_batch(model),
            epoch_samples: 2048,
            infer_samples: 4096,
        }, quick),
        "mnist_cnn" => run(Spec {
            init: Box::new(|d| xent_repro::models::MnistCnnConfig::default().init(d)),
            batch: Box::new(|n, d, s| Tensor::from_data(TensorData::new(uniform(&[n, 1, 28, 28], s, d), [n, 1, 28, 28]), d)),
            outputs: 10,
            loss: LossConfig::Categorical,
            optimizer: OptimizerConfig::adamax(),
            batch_size: train_batch(model),
            epoch_samples: 2048,
            infer_samples: 4096,
        }, quick),
        "pima_mlp" => run(Spec {
            init: Box::new(|d| xent_repro::models::MlpConfig::pima(1).init(d)),
            batch: Box::new(|n, d, s| Tensor::from_data(TensorData::new(uniform(&[n, 8], s, d), [n, 8]), d)),
            outputs: 1,
            loss: LossConfig::Binary,
            optimizer: OptimizerConfig::adam(),
            batch_size: train_batch(model),
            epoch_samples: 24_576,
            infer_samples: 65_536,
        }, quick),
        other => panic!("unknown model {other}"),
    }
}

fn machine() -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split(':').nth(1)).map(str::trim);
    json!({
        "cpu": cpu,
        "threads": std::thread::available_parallelism().map(|n| n.get()).ok(),
        "backend": format!("{:?}", xent_core::default_device()),
        "burn": "0.22.1",
        // Conv/pool layers on xent's kernels, or on Burn's ops (`XENT_KERNELS=burn`).
        "kernels": if xent_core::kernels::enabled() { "xent" } else { "burn" },
        "profile": if cfg!(debug_assertions) { "dev (xent opt-level 2, xent-core and dependencies 3)" } else { "release" },
        "date_unix": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).ok(),
    })
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    args.retain(|a| a != "--quick");
    // A child process measures one model and prints its JSON.
    if args.first().map(String::as_str) == Some("--one") {
        let model = args.get(1).map(String::as_str).unwrap_or("");
        if !MODELS.contains(&model) {
            eprintln!("--one needs a model, one of {}", MODELS.join(", "));
            std::process::exit(2);
        }
        println!("{}", one(model, quick));
        return;
    }
    if args.first().map(String::as_str) == Some("burn-alloc") {
        let r = burn_alloc::measure();
        let us = |k: &str| r[k].as_f64().unwrap_or(f64::NAN);
        println!("flex's allocation of a {:.2} MB result, µs per call (median of 5 × 200):", us("result_mb"));
        println!("  Tensor::zeros {:>10.1}   vec![0.0f32; n] {:>10.1}", us("burn_zeros_us"), us("vec_zeros_us"));
        println!("  Burn matmul   {:>10.1}   xent linear     {:>10.1}   (the same [2752, 64] × [64, 128] product)", us("burn_matmul_us"), us("xent_linear_us"));
        return;
    }
    if args.first().map(String::as_str) == Some("peak") {
        let peak = peak::measure();
        println!("FMA throughput, GFLOP/s: {peak}");
        println!("{:<11} {:>14} {:>14}   (the models' GEMMs alone, samples/s)", "model", "train ceiling", "infer ceiling");
        let mut gemm = serde_json::Map::new();
        for m in MODELS {
            let c = ceiling::measure(m, train_batch(m), INFER_BATCH).expect("a reference model");
            let rate = |k: &str| c[k].as_f64().map_or_else(|| "n/a".to_owned(), |x| format!("{x:.0}"));
            println!("{:<11} {:>14} {:>14}", m, rate("train_samples_per_s"), rate("infer_samples_per_s"));
            gemm.insert(m.to_owned(), c);
        }
        let doc = json!({ "machine": machine(), "fma_gflop_per_s": peak, "gemm_ceiling": gemm });
        std::fs::create_dir_all("bench").expect("bench/");
        std::fs::write("bench/peak.json", serde_json::to_string_pretty(&doc).expect("json") + "\n").expect("write bench/peak.json");
        println!("written: bench/peak.json");
        return;
    }
    let wanted: Vec<&str> = if args.is_empty() || args == ["all"] {
        MODELS.to_vec()
    } else {
        args.iter().map(String::as_str).collect()
    };
    if let Some(bad) = wanted.iter().find(|m| !MODELS.contains(m)) {
        eprintln!("unknown model {bad}; expected one of {}", MODELS.join(", "));
        std::process::exit(2);
    }
    let exe = std::env::current_exe().expect("own path");
    let mut models = serde_json::Map::new();
    println!("{:<11} {:>14} {:>14} {:>13} {:>13} {:>10}", "model", "train samp/s", "infer samp/s", "train GFLOP/s", "infer GFLOP/s", "peak MB");
    for m in wanted {
        let mut child = Command::new(&exe);
        child.args(["--one", m]);
        if quick {
            child.arg("--quick");
        }
        let out = child.output().expect("run benchmark child");
        if !out.status.success() {
            eprintln!("{m}: {}", String::from_utf8_lossy(&out.stderr));
            std::process::exit(1);
        }
        let v: Value = serde_json::from_slice(&out.stdout).expect("child JSON");
        let num = |k: &str, digits: usize| v[k].as_f64().map_or_else(|| "n/a".to_owned(), |x| format!("{x:.digits$}"));
        println!(
            "{:<11} {:>14} {:>14} {:>13} {:>13} {:>10}",
            m,
            num("train_samples_per_s", 0),
            num("infer_samples_per_s", 0),
            num("train_gflop_per_s", 1),
            num("infer_gflop_per_s", 1),
            num("peak_rss_mb", 0)
        );
        models.insert(m.to_owned(), v);
    }
    if quick {
        println!("(--quick: {QUICK_STEPS} training steps per epoch, {QUICK_PASSES} inference batch per pass; bench/results.json left unchanged)");
        return;
    }
    // Keep other models' figures from an earlier run when only some were measured now.
    let path = std::path::Path::new("bench/results.json");
    let mut all = std::fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .and_then(|v| v.get("models").and_then(Value::as_object).cloned())
        .unwrap_or_default();
    all.extend(models);
    let results = json!({ "machine": machine(), "models": all });
    std::fs::create_dir_all("bench").expect("bench/");
    std::fs::write(path, serde_json::to_string_pretty(&results).expect("json") + "\n").expect("write results");
    println!("written: {}", path.display());
}
