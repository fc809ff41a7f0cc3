//! Post-hoc temperature scaling never changes accuracy, and a fixed T < 1 inside the softmax
//! sharpens the same network's outputs.

use xent_core::train::{OptimizerConfig, TrainConfig, Trainer};
use xent_core::LossConfig;
use xent_core::calibrate::{View, fit_temperature, nll_at};
use xent_core::Matrix;
use xent_repro::cases::temperature::{post_hoc, random_data};
use xent_repro::cases::{evaluate_probs, logits, softmax_rows};
use xent_repro::models::MlpConfig;

#[test]
fn post_hoc_scaling_keeps_accuracy_and_lowers_validation_nll() {
    let data = random_data(7);
    let (train, valid) = (data.subset(&(0..60).collect::<Vec<_>>()), data.subset(&(60..100).collect::<Vec<_>>()));
    let config = TrainConfig { loss: LossConfig::Categorical, optimizer: OptimizerConfig::adam(), epochs: 30, batch_size: 16, seed: 1, ..Default::default() };
    let out = Trainer::new(config).quiet(true).fit(|d| MlpConfig::temperature(10, 0.6).init(d), &train, None).unwrap();
    let r = post_hoc(&out.model, &valid, &train).unwrap();
    assert!(r.t > 0.0);
    assert_eq!(r.before.accuracy, r.after.accuracy, "accuracy must not change under post-hoc scaling");
    // The fitted T minimises validation NLL: never worse than T = 1.
    let (z, k) = logits(&out.model, &valid).unwrap();
    let m = Matrix::new(valid.len(), k, z.clone()).unwrap();
    let (t, _) = fit_temperature(View::Softmax, &m, &valid.labels);
    assert!(nll_at(View::Softmax, &m, &valid.labels, t) <= nll_at(View::Softmax, &m, &valid.labels, 1.0) + 1e-12);
    // Any temperature keeps the argmax.
    for t in [0.05, 0.3, 1.7, 25.0] {
        let e = evaluate_probs(&softmax_rows(&z, k, t), k, &valid.labels);
        assert_eq!(e.accuracy, evaluate_probs(&softmax_rows(&z, k, 1.0), k, &valid.labels).accuracy, "T = {t}");
    }
}

#[test]
fn a_fixed_temperature_below_one_sharpens_the_same_weights() {
    let data = random_data(3);
    let device = xent_core::default_device();
    let confidence = |t: f64| {
        // Burn initialises parameters lazily, on first use: hold the process-wide RNG lock until
        // the first forward pass has drawn the weights, or a concurrent test's draws interleave.
        let _g = xent_core::train::rng_lock();
        device.seed(11);
        let m = MlpConfig::temperature(10, t).init(&device);
        let (z, k) = logits(&m, &data).unwrap();
        drop(_g);
        let p = softmax_rows(&z, k, 1.0);
        p.chunks_exact(k).map(|r| f64::from(r.iter().copied().fold(0.0, f32::max))).sum::<f64>() / 100.0
    };
    let (c06, c1, c2) = (confidence(0.6), confidence(1.0), confidence(2.0));
    assert!(c06 > c1 && c1 > c2, "confidence at T = 0.6, 1, 2: {c06}, {c1}, {c2}");
}
