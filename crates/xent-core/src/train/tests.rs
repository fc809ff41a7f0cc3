//! Engine tests on a tiny MLP and synthetic, separable data.

use std::cell::Cell;

use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig};
use burn::tensor::activation::relu;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

use super::*;
use crate::loss::LossConfig;
use crate::matrix::Matrix;

#[derive(Module, Debug)]
struct Mlp {
    l1: Linear,
    l2: Linear,
    drop: Dropout,
}

impl Mlp {
    fn new(inputs: usize, outputs: usize, dropout: f64, device: &Device) -> Self {
        Self {
            l1: LinearConfig::new(inputs, 8).init(device),
            l2: LinearConfig::new(8, outputs).init(device),
            drop: DropoutConfig::new(dropout).init(),
        }
    }
}

impl Classifier for Mlp {
    type Batch = Tensor<2>;
    fn forward(&self, x: &Tensor<2>) -> Tensor<2> {
        self.l2.forward(self.drop.forward(relu(self.l1.forward(x.clone()))))
    }
}

/// An MLP with a batch norm: running statistics, used only in inference (final metrics).
#[derive(Module, Debug)]
struct NormMlp {
    l1: Linear,
    norm: xent_nn::nn::BatchNorm,
    l2: Linear,
}

impl NormMlp {
    fn new(device: &Device) -> Self {
        Self {
            l1: LinearConfig::new(4, 8).init(device),
            norm: xent_nn::nn::BatchNormConfig::new(8).init(device),
            l2: LinearConfig::new(8, 3).init(device),
        }
    }
}

impl Classifier for NormMlp {
    type Batch = Tensor<2>;
    fn forward(&self, x: &Tensor<2>) -> Tensor<2> {
        self.l2.forward(relu(self.norm.forward(self.l1.forward(x.clone()))))
    }
}

/// Rows of `dim` features; class = which third of the first feature's range.
struct Rows {
    dim: usize,
    x: Vec<f32>,
    targets: Targets,
    /// Return NaN inputs once more than this many batches were requested.
    nan_after: Option<usize>,
    calls: Cell<usize>,
}

impl Rows {
    fn new(n: usize, classes: u32, seed: u64) -> Self {
        let dim = 4;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut x = Vec::with_capacity(n * dim);
        let mut labels = Vec::with_capacity(n);
        for i in 0..n {
            let c = (i as u32) % classes;
            labels.push(c);
            for j in 0..dim {
                let noise = (rng.next_u32() as f32 / u32::MAX as f32) - 0.5;
                x.push(if j == 0 { c as f32 + noise * 0.5 } else { noise });
            }
        }
        Self { dim, x, targets: Targets::Labels(labels), nan_after: None, calls: Cell::new(0) }
    }
}

impl DataSource for Rows {
    type Batch = Tensor<2>;
    fn len(&self) -> usize {
        self.targets.len()
    }
    fn targets(&self) -> &Targets {
        &self.targets
    }
    fn batch(&self, indices: &[usize], device: &Device) -> Result<Tensor<2>> {
        self.calls.set(self.calls.get() + 1);
        let poison = self.nan_after.is_some_and(|a| self.calls.get() > a);
        let mut v = Vec::with_capacity(indices.len() * self.dim);
        for &i in indices {
            v.extend_from_slice(&self.x[i * self.dim..(i + 1) * self.dim]);
        }
        if poison {
            v[0] = f32::NAN;
        }
        Ok(Tensor::from_data(TensorData::new(v, [indices.len(), self.dim]), device))
    }
}

fn config(loss: LossConfig, epochs: usize) -> TrainConfig {
    TrainConfig {
        loss,
        epochs,
        batch_size: 8,
        seed: 7,
        optimizer: OptimizerConfig::adam().with_learning_rate(0.01),
        ..Default::default()
    }
}

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn shuffle_is_a_seeded_permutation() {
    let idx: Vec<usize> = (0..50).collect();
    let a = shuffled(&idx, 3);
    assert_eq!(a, shuffled(&idx, 3));
    assert_ne!(a, shuffled(&idx, 4));
    let mut sorted = a.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, idx);
    assert_ne!(epoch_seed(1, 1, 0), epoch_seed(1, 2, 0));
    assert_ne!(epoch_seed(1, 1, 0), epoch_seed(1, 1, 1));
}

#[test]
fn learns_separable_data_under_every_configuration() {
    let train = Rows::new(96, 3, 1);
    let valid = Rows::new(30, 3, 2);
    for loss in LossConfig::DEFAULT_SET {
        let out = Trainer::new(config(loss, 15)).quiet(true).fit(|d| Mlp::new(4, 3, 0.0, d), &train, Some(&valid)).unwrap();
        let m = out.metrics.unwrap();
        let acc = m.valid.as_ref().unwrap().summary.accuracy.unwrap();
        assert!(acc > 0.8, "{loss}: validation accuracy {acc}");
        assert_eq!(out.history.len(), 15);
        // Keras 2 reports binary accuracy for BCE on K = 3: ≥ the true accuracy for confident models.
        let s = &m.valid.unwrap().summary;
        if loss.keras_loss() == crate::KerasLoss::BinaryCrossentropy {
            assert_eq!(s.keras2_reported_accuracy, m.train.evaluation.binary_accuracy.max(s.keras2_reported_accuracy).min(s.keras2_reported_accuracy));
        }
    }
}

#[test]
fn same_seed_gives_identical_metrics_json() {
    let tmp = tempfile::tempdir().unwrap();
    let train = Rows::new(64, 3, 1);
    let valid = Rows::new(24, 3, 2);
    let mut jsons = Vec::new();
    for name in ["a", "b"] {
        let run = RunDir::new(tmp.path(), "t", name);
        Trainer::new(config(LossConfig::Binary, 3))
            .quiet(true)
            .with_run(run.clone(), OpenMode::New)
            .fit(|d| Mlp::new(4, 3, 0.3, d), &train, Some(&valid))
            .unwrap();
        jsons.push(read(&run.file("metrics.json")));
    }
    assert_eq!(jsons[0], jsons[1]);
}

/// N epochs straight vs N/2, stop, resume: identical metrics.json, with dropout active.
#[test]
fn resume_is_exact() {
    let mut cfg = config(LossConfig::Categorical, 4);
    cfg.optimizer = OptimizerConfig::sgd_momentum(0.05, 0.9, true);
    cfg.schedule = LrSchedule::Step { every: 1, gamma: 0.7 };
    cfg.early_stopping = Some(EarlyStopping::new(Monitor::ValLoss, 10));
    check_resume(cfg);
}

#[test]
fn resume_is_exact_with_class_balanced_batches_and_weight_decay() {
    let mut cfg = config(LossConfig::Binary, 4);
    cfg.optimizer = OptimizerConfig::adam().with_learning_rate(0.01).with_weight_decay(0.004);
    cfg.sampling = Sampling::ClassBalanced;
    cfg.schedule = LrSchedule::Cosine { epochs: 4, floor: 0.0 };
    check_resume(cfg);
}

/// Trains `cfg` straight through, and again paused after 2 epochs and resumed: identical artifacts.
fn check_resume(cfg: TrainConfig) {
    let tmp = tempfile::tempdir().unwrap();
    let train = Rows::new(64, 3, 1);
    let valid = Rows::new(24, 3, 2);
    let straight = RunDir::new(tmp.path(), "t", "straight");
    Trainer::new(cfg.clone())
        .quiet(true)
        .with_run(straight.clone(), OpenMode::New)
        .fit(|d| Mlp::new(4, 3, 0.3, d), &train, Some(&valid))
        .unwrap();

    let resumed = RunDir::new(tmp.path(), "t", "resumed");
    let paused = Trainer::new(cfg.clone())
        .quiet(true)
        .with_run(resumed.clone(), OpenMode::New)
        .pause_after(2)
        .fit(|d| Mlp::new(4, 3, 0.3, d), &train, Some(&valid))
        .unwrap();
    assert!(paused.metrics.is_none());
    assert!(!resumed.file("metrics.json").exists());
    // history.csv holds the paused run's epochs; a kill between the checkpoint and the history
    // files leaves them behind it, which the resume repairs.
    assert_eq!(read(&resumed.file("history.csv")).lines().count(), 1 + 2);
    let header = read(&resumed.file("history.csv")).lines().next().unwrap().to_string();
    std::fs::write(resumed.file("history.csv"), format!("{header}\n")).unwrap();
    // Burn's global RNG is in some other state now; resume must not depend on it.
    drop((rng_lock(), crate::default_device().seed(12345)));
    // Without resume/force the existing run is refused, and nothing is lost.
    let err = Trainer::new(cfg.clone())
        .quiet(true)
        .with_run(resumed.clone(), OpenMode::New)
        .fit(|d| Mlp::new(4, 3, 0.3, d), &train, Some(&valid))
        .unwrap_err()
        .to_string();
    assert!(err.contains("already exists"), "{err}");
    assert!(Checkpoint::of(&resumed).find().is_some());
    let out = Trainer::new(cfg)
        .quiet(true)
        .with_run(resumed.clone(), OpenMode::Resume)
        .fit(|d| Mlp::new(4, 3, 0.3, d), &train, Some(&valid))
        .unwrap();
    assert_eq!(out.history.len(), 4);
    assert_eq!(out.resumed_after, Some(2));
    assert_eq!(read(&straight.file("metrics.json")), read(&resumed.file("metrics.json")));
    // History matches too, byte for byte, except for the wall-clock seconds (the resumed run's
    // first epochs went through the checkpoint's JSON and back).
    let strip = |s: String| -> Vec<String> {
        s.lines()
            .map(|l| {
                let at = l.find("\"seconds\":").unwrap();
                let end = at + l[at..].find(',').unwrap();
                format!("{}{}", &l[..at], &l[end + 1..])
            })
            .collect()
    };
    assert_eq!(strip(read(&straight.file("history.jsonl"))), strip(read(&resumed.file("history.jsonl"))));
    // history.csv too, apart from its last column (seconds).
    let csv_strip = |s: String| -> Vec<String> {
        s.lines().map(|l| l.rsplit_once(',').unwrap().0.to_string()).collect()
    };
    let csv = read(&straight.file("history.csv"));
    assert!(csv.starts_with("epoch,accuracy,learning_rate,loss,val_accuracy,val_loss,") && csv.lines().next().unwrap().ends_with(",seconds"));
    assert_eq!(csv.lines().count(), 1 + 4);
    assert_eq!(csv_strip(csv), csv_strip(read(&resumed.file("history.csv"))));
    for f in ["config.json", "confusion.csv", "model.bpk", "checkpoint/model.bpk", "checkpoint/optimizer.bpk"] {
        assert!(resumed.file(f).is_file(), "{f}");
    }
}

/// Without validation data nothing evaluates the model between its last training batch and the
/// checkpoint, so the checkpoint must itself fold the batch norm's last running-statistics update
/// in (Burn's `RunningState` keeps it aside until a sync, and recording a module does not sync):
/// a resumed run otherwise continues from statistics one batch behind, which the final
/// (inference-mode) metrics show while the training history does not.
#[test]
fn resume_is_exact_with_batch_norm_and_no_validation() {
    let train = Rows::new(64, 3, 1);
    let cfg = config(LossConfig::Categorical, 3);
    let tmp = tempfile::tempdir().unwrap();
    let fit = |name: &str, mode: OpenMode, pause: Option<usize>| {
        let t = Trainer::new(cfg.clone()).quiet(true).with_run(RunDir::new(tmp.path(), "t", name), mode);
        let t = if let Some(p) = pause { t.pause_after(p) } else { t };
        t.fit(NormMlp::new, &train, None).unwrap()
    };
    let straight = fit("straight", OpenMode::New, None);
    assert!(fit("resumed", OpenMode::New, Some(2)).metrics.is_none());
    let resumed = fit("resumed", OpenMode::Resume, None);
    assert_eq!(resumed.resumed_after, Some(2));
    let stats = |m: &NormMlp| {
        [&m.norm.running_mean, &m.norm.running_var].map(|s| s.value().into_data().try_to_vec::<f32>().unwrap())
    };
    assert_eq!(stats(&straight.model), stats(&resumed.model), "running statistics");
    let metrics = |name: &str| read(&RunDir::new(tmp.path(), "t", name).file("metrics.json"));
    assert_eq!(metrics("straight"), metrics("resumed"));
}

/// Dropout draws from Burn's global RNG: a model with dropout trained twice from different global
/// RNG states ends identical because the engine seeds before init and every epoch. (That the
/// per-epoch re-seed is what makes a resume exact is shown by `resume_is_exact`, which fails
/// without it.)
#[test]
fn dropout_randomness_is_reseeded_per_epoch() {
    let train = Rows::new(32, 3, 1);
    let cfg = config(LossConfig::Categorical, 2);
    let weights = |noise: u64| {
        // Perturb the global RNG (under the lock, so that no concurrent fit is disturbed).
        drop((rng_lock(), crate::default_device().seed(noise)));
        let out = Trainer::new(cfg.clone()).quiet(true).fit(|d| Mlp::new(4, 3, 0.5, d), &train, None).unwrap();
        out.model.l1.weight.val().into_data().try_to_vec::<f32>().unwrap()
    };
    assert_eq!(weights(1), weights(2));
}

#[test]
fn non_finite_loss_stops_naming_epoch_and_batch_and_keeps_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let mut train = Rows::new(32, 3, 1);
    // 1 probe call + 4 batches in epoch 1; the 2nd batch of epoch 2 is poisoned.
    train.nan_after = Some(6);
    let run = RunDir::new(tmp.path(), "t", "nan");
    let err = Trainer::new(config(LossConfig::Categorical, 3))
        .quiet(true)
        .with_run(run.clone(), OpenMode::New)
        .fit(|d| Mlp::new(4, 3, 0.0, d), &train, None)
        .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, Error::NonFiniteLoss { epoch: 2, batch: 2, .. }), "{msg}");
    assert!(msg.contains("epoch 2, batch 2") && msg.contains("checkpoint of epoch 1"), "{msg}");
    let state: CheckpointState = artifacts::read_json(&run.file("checkpoint/state.json")).unwrap();
    assert_eq!(state.epoch, 1);
    assert!(!run.file("metrics.json").exists());
}

#[test]
fn early_stopping_restores_the_best_epoch() {
    let train = Rows::new(48, 3, 1);
    let valid = Rows::new(24, 3, 2);
    let tmp = tempfile::tempdir().unwrap();
    let run = RunDir::new(tmp.path(), "t", "es");
    // A learning rate this large makes the validation loss bounce: the best epoch is not the last.
    let mut cfg = config(LossConfig::Categorical, 12);
    cfg.optimizer = OptimizerConfig::sgd_momentum(0.8, 0.9, false);
    cfg.early_stopping = Some(EarlyStopping::new(Monitor::ValLoss, 2));
    let out = Trainer::new(cfg)
        .quiet(true)
        .with_run(run, OpenMode::New)
        .fit(|d| Mlp::new(4, 3, 0.0, d), &train, Some(&valid))
        .unwrap();
    let m = out.metrics.unwrap();
    let losses: Vec<f64> = out.history.iter().map(|r| r.valid.as_ref().unwrap().loss).collect();
    let (best_i, best) = losses.iter().enumerate().fold((0, f64::INFINITY), |a, (i, &l)| if l < a.1 { (i, l) } else { a });
    assert_eq!(m.weights_epoch, best_i + 1, "losses {losses:?}");
    // The restored model's validation loss is the best epoch's.
    let final_loss = m.valid.unwrap().summary.loss;
    assert!((final_loss - best).abs() < 1e-5, "{final_loss} vs best {best} ({losses:?})");
    if m.stopped_early {
        assert_eq!(out.history.len(), best_i + 1 + 2);
    }
}

/// The restored best epoch brings its batch norms' running statistics back too: its final
/// (inference-mode) validation loss is the one the best epoch reported. A snapshot sharing the
/// training model's `RunningState` would keep following the later epochs' statistics. Likewise
/// after a resume between the best epoch and the end: the best epoch's checkpointed weights must
/// not share running states with the model loaded beside them.
#[test]
fn early_stopping_restores_the_best_epochs_running_statistics() {
    let train = Rows::new(48, 3, 1);
    let valid = Rows::new(24, 3, 2);
    let mut cfg = config(LossConfig::Categorical, 12);
    cfg.optimizer = OptimizerConfig::sgd_momentum(0.8, 0.9, false);
    cfg.early_stopping = Some(EarlyStopping::new(Monitor::ValLoss, 2));
    let tmp = tempfile::tempdir().unwrap();
    let fit = |name: &str, mode: OpenMode, pause: Option<usize>| {
        let t = Trainer::new(cfg.clone()).quiet(true).with_run(RunDir::new(tmp.path(), "t", name), mode);
        let t = if let Some(p) = pause { t.pause_after(p) } else { t };
        t.fit(NormMlp::new, &train, Some(&valid)).unwrap()
    };
    let out = fit("straight", OpenMode::New, None);
    let m = out.metrics.unwrap();
    let losses: Vec<f64> = out.history.iter().map(|r| r.valid.as_ref().unwrap().loss).collect();
    assert!(m.weights_epoch + 1 < out.history.len(), "the best epoch is too late: {losses:?}");
    let best = losses[m.weights_epoch - 1];
    let final_loss = m.valid.unwrap().summary.loss;
    assert!((final_loss - best).abs() < 1e-6, "{final_loss} vs best {best} ({losses:?})");

    // Paused one epoch after the best one: the checkpoint holds best.bpk and a later model.bpk.
    assert!(fit("resumed", OpenMode::New, Some(m.weights_epoch + 1)).metrics.is_none());
    assert_eq!(fit("resumed", OpenMode::Resume, None).resumed_after, Some(m.weights_epoch + 1));
    let metrics = |name: &str| read(&RunDir::new(tmp.path(), "t", name).file("metrics.json"));
    assert_eq!(metrics("straight"), metrics("resumed"));
}

#[test]
fn bad_inputs_are_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(LossConfig::Categorical, 1);
    let train = Rows::new(30, 3, 1);
    let fit = |t: &Rows, v: Option<&Rows>, outputs: usize, cfg: &TrainConfig| {
        Trainer::new(cfg.clone()).quiet(true).fit(|d| Mlp::new(4, outputs, 0.0, d), t, v).unwrap_err().to_string()
    };
    // Empty training set.
    let empty = Rows { x: vec![], targets: Targets::Labels(vec![]), ..Rows::new(0, 3, 1) };
    assert!(fit(&empty, None, 3, &cfg).contains("training set is empty"));
    // K mismatch between model and data.
    let e = fit(&train, None, 5, &cfg);
    assert!(e.contains("5 outputs") && e.contains("3 classes"), "{e}");
    // Validation classes unseen in training: train on classes 0/1 only (K declared by hot rows).
    let two = Rows::new(30, 2, 1);
    let hot = |r: Rows| {
        let labels = r.targets.labels().unwrap();
        Rows { targets: Targets::Hot(Matrix::one_hot(&labels, 3).unwrap()), ..r }
    };
    let e = fit(&hot(two), Some(&hot(Rows::new(9, 3, 2))), 3, &cfg);
    assert!(e.contains("never seen in training") && e.contains("class 2 (3 samples)"), "{e}");
    // Unwritable run directory.
    let file = tmp.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let e = Trainer::new(cfg.clone())
        .quiet(true)
        .with_run(RunDir::new(&file, "p", "n"), OpenMode::New)
        .fit(|d| Mlp::new(4, 3, 0.0, d), &train, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("not-a-dir"), "{e}");
    // A single sigmoid unit needs the binary configuration.
    let e = fit(&Rows::new(20, 2, 1), None, 1, &cfg);
    assert!(e.contains("binary configuration"), "{e}");
    // Bad hyper-parameters.
    let e = fit(&train, None, 3, &TrainConfig { epochs: 0, ..cfg.clone() });
    assert!(e.contains("epochs"), "{e}");
}

#[test]
fn validation_split_holds_out_the_tail_and_single_sigmoid_trains() {
    let train = Rows::new(40, 2, 1);
    let cfg = TrainConfig { validation_split: Some(0.25), ..config(LossConfig::Binary, 2) };
    let out = Trainer::new(cfg).quiet(true).fit(|d| Mlp::new(4, 1, 0.0, d), &train, None).unwrap();
    let m = out.metrics.unwrap();
    assert_eq!(m.train.evaluation.n, 30);
    assert_eq!(m.valid.as_ref().unwrap().evaluation.n, 10);
    assert_eq!(m.train.evaluation.num_outputs, 1);
}

#[test]
fn saved_run_reproduces_its_validation_metrics_and_predicts() {
    let tmp = tempfile::tempdir().unwrap();
    let train = Rows::new(48, 3, 1);
    let valid = Rows::new(24, 3, 2);
    let run = RunDir::new(tmp.path(), "t", "saved");
    let out = Trainer::new(config(LossConfig::SoftmaxBinary(crate::SoftmaxBinaryMode::Keras2Probabilities), 2))
        .quiet(true)
        .with_run(run.clone(), OpenMode::New)
        .fit(|d| Mlp::new(4, 3, 0.2, d), &train, Some(&valid))
        .unwrap();
    let saved = SavedRun::open(run.clone()).unwrap();
    let plain = crate::default_device();
    let model = {
        let _rng = rng_lock();
        saved.load_model(Mlp::new(4, 3, 0.2, &plain)).unwrap()
    };
    let report = saved.evaluate(&model, &valid, &plain).unwrap();
    assert_eq!(report, out.metrics.unwrap().valid.unwrap());
    let probs = saved.predict(&model, &valid, &plain).unwrap();
    assert_eq!((probs.rows(), probs.cols()), (24, 3));
    let npy = tmp.path().join("preds.npy");
    artifacts::write_npy(&npy, &probs).unwrap();
    assert_eq!(crate::io::read_predictions(&npy).unwrap(), probs);
    // K mismatch with the run is refused.
    let two = Rows::new(10, 2, 3);
    let e = saved.evaluate(&model, &two, &plain).unwrap_err().to_string();
    assert!(e.contains("2 classes") && e.contains("trained on 3"), "{e}");
    // A run without final weights is refused.
    assert!(SavedRun::open(RunDir::new(tmp.path(), "t", "missing")).is_err());
}
