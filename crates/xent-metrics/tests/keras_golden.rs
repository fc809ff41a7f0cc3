//! Losses, metrics and the `'accuracy'` rules against values produced by real Keras 3.15.1 and
//! tf_keras 2.21 (TensorFlow 2.21), committed in `tests/golden/*.json`.

mod golden;

use golden::{close, floats, labels, load, matrix};
use serde_json::Value;
use xent_metrics::loss::keras::{self, KerasLossOptions};
use xent_metrics::metrics::{Evaluator, EvaluatorConfig, TargetRows};
use xent_metrics::score::{ScoreOptions, score};
use xent_metrics::{KerasReported, LabelKind, Targets};

/// 1e-6 relative for every case, K = 42 included (the worst case measured is about 1.1e-7: xent
/// sums in f64 what Keras sums in f32).
const REL: f64 = 1e-6;

#[test]
fn keras_losses_and_metrics_match_real_keras() {
    let doc = load("keras_vectors.json");
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 30);
    let mut worst = 0.0f64;
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let k = case["num_classes"].as_u64().unwrap() as usize;
        let y = matrix(&case["y_true"]);
        let p = matrix(&case["y_pred"]);
        let w = floats(&case["sample_weight"]);
        let w = w.as_deref();
        let opts = KerasLossOptions {
            from_logits: case["from_logits"].as_bool().unwrap(),
            label_smoothing: case["label_smoothing"].as_f64().unwrap() as f32,
        };
        let e = &case["expected"];
        let rel = REL;
        let bce = keras::binary_crossentropy(&y, &p, &opts, w).unwrap();
        worst = worst.max(close(name, "binary_crossentropy", bce, e["binary_crossentropy"].as_f64().unwrap(), rel));
        if let Some(want) = e["categorical_crossentropy"].as_f64() {
            let got = keras::categorical_crossentropy(&y, &p, &opts, w).unwrap();
            worst = worst.max(close(name, "categorical_crossentropy", got, want, rel));
        }
        let label_vec = labels(&case["labels"]);
        if let Some(want) = e["sparse_categorical_crossentropy"].as_f64() {
            let l = label_vec.as_ref().unwrap();
            let got = keras::sparse_categorical_crossentropy(l, &p, opts.from_logits, w).unwrap();
            worst = worst.max(close(name, "sparse_categorical_crossentropy", got, want, rel));
        }

        // Metrics through the shared evaluator (scores as given to Keras).
        let top_k: Vec<usize> = e["top_k"].as_object().unwrap().keys().map(|k| k.parse().unwrap()).collect();
        let targets = Targets::Hot(y.clone());
        let kind = if k == 1 { LabelKind::SingleLabel } else { targets.kind() };
        let mut ev = Evaluator::new(k, kind, EvaluatorConfig { threshold: 0.5, top_k, roc_auc: false, ..Default::default() });
        if k == 1 {
            let l: Vec<u32> = y.as_slice().iter().map(|&v| v as u32).collect();
            ev.update(p.as_slice(), TargetRows::Labels(&l), w);
        } else {
            ev.update(p.as_slice(), TargetRows::Hot(y.as_slice()), w);
        }
        let r = ev.finish();
        if let Some(want) = e["binary_accuracy"].as_f64() {
            worst = worst.max(close(name, "binary_accuracy", r.binary_accuracy, want, rel));
        }
        if let Some(want) = e["categorical_accuracy"].as_f64() {
            worst = worst.max(close(name, "categorical_accuracy", r.categorical_accuracy, want, rel));
            let acc = r.accuracy.expect("single-label accuracy");
            close(name, "argmax accuracy", acc, e["sparse_categorical_accuracy"].as_f64().unwrap(), rel);
        }
        for (kk, want) in e["top_k"].as_object().unwrap() {
            let got = r.top_k_accuracy[kk];
            worst = worst.max(close(name, &format!("top-{kk}"), got, want.as_f64().unwrap(), rel));
        }
    }
    eprintln!("worst relative error against Keras: {worst:.2e}");
}

fn rule_targets(s: &Value) -> Targets {
    match s["target_kind"].as_str().unwrap() {
        "int" | "binary" => Targets::Labels(
            s["y_true"].as_array().unwrap().iter().map(|v| {
                let v = v.as_array().map_or_else(|| v.as_f64().unwrap(), |a| a[0].as_f64().unwrap());
                v as u32
            }).collect(),
        ),
        _ => Targets::Hot(matrix(&s["y_true"])),
    }
}

/// `metrics=['accuracy']` as reported by `model.evaluate` under Keras 3 and under tf_keras in v1
/// graph mode (the legacy rule), on the same weights and data.
#[test]
fn accuracy_rules_match_what_keras_reported() {
    let doc = load("keras_rules.json");
    for s in doc["scenarios"].as_array().unwrap() {
        let name = s["name"].as_str().unwrap();
        let probabilities = matrix(&s["probabilities"]);
        let targets = rule_targets(s);
        let report = score(&probabilities, &targets, &ScoreOptions::new()).unwrap();
        let reported = KerasReported::from_evaluation(&report.metrics, targets.is_sparse());
        let pick = |by: &xent_metrics::rule::ReportedByLoss| match s["loss"].as_str().unwrap() {
            "binary_crossentropy" => by.binary_crossentropy,
            _ => by.categorical_crossentropy,
        };
        close(name, "keras3 accuracy", pick(&reported.keras3), s["reported"]["keras3"]["accuracy"].as_f64().unwrap(), 1e-6);
        let legacy = s["reported"]["keras2_legacy"]["accuracy"].as_f64().expect("legacy figure recorded");
        close(name, "keras2 legacy accuracy", pick(&reported.keras2), legacy, 1e-6);
    }
}

/// Keras 3 (and tf.keras) inside `evaluate` compute a softmax model's binary cross-entropy from
/// the pre-softmax logits: `SoftmaxBinary(Keras3Logits)`. Calling the loss on the probabilities
/// gives the Keras 2 meaning, `SoftmaxBinary(Keras2Probabilities)`.
#[test]
fn softmax_plus_bce_has_two_meanings_as_keras_shows() {
    let doc = load("keras_rules.json");
    let s = doc["scenarios"].as_array().unwrap().iter().find(|s| s["name"] == "k10_softmax_binary_crossentropy_onehot").unwrap();
    let y = matrix(&s["y_true"]);
    let logits = matrix(&s["logits"]);
    let probs = matrix(&s["probabilities"]);
    let on_logits = keras::binary_crossentropy(&y, &logits, &KerasLossOptions { from_logits: true, label_smoothing: 0.0 }, None).unwrap();
    let on_probs = keras::binary_crossentropy(&y, &probs, &KerasLossOptions::default(), None).unwrap();
    close("k10 softmax+bce", "evaluate loss = BCE on logits", on_logits, s["reported"]["keras3"]["loss"].as_f64().unwrap(), 1e-6);
    close("k10 softmax+bce", "legacy loss", on_logits, s["reported"]["keras2_legacy"]["loss"].as_f64().unwrap(), 1e-6);
    close("k10 softmax+bce", "direct call on probabilities", on_probs, s["direct_keras3_loss_calls"]["loss_on_probabilities"].as_f64().unwrap(), 1e-6);
    assert!(on_logits > 2.0 * on_probs, "the two meanings differ a lot: {on_logits} vs {on_probs}");
}
