//! `xent score` without Burn: the library path the no-default-features binary runs (read the
//! files, score them), on the carried real Keras MNIST predictions
//! (`datasets/predictions/mnist_cnn_keras_bce/`, see its README for the figures Keras printed).

use std::path::PathBuf;

use xent_metrics::io::{ReadOptions, read_score_inputs};
use xent_metrics::score::{ScoreOptions, score};

fn carried(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../datasets/predictions/mnist_cnn_keras_bce").join(file)
}

#[test]
fn scores_the_carried_keras_mnist_predictions_as_keras_reported_them() {
    let inputs = read_score_inputs(&carried("pred.npy"), &carried("labels.npy"), None, None, ReadOptions::default()).unwrap();
    assert_eq!((inputs.predictions.rows(), inputs.predictions.cols()), (10_000, 10));
    let opts = ScoreOptions { top_k: vec![2, 3], ..ScoreOptions::new() };
    let report = score(&inputs.predictions, &inputs.targets, &opts).unwrap();
    let close = |what: &str, got: f64, want: f64, tol: f64| assert!((got - want).abs() <= tol, "{what}: {got} vs {want}");
    // True argmax accuracy (numpy) and Keras 3's `evaluate` (the shape rule picks categorical accuracy).
    close("accuracy", report.metrics.accuracy.unwrap(), 0.9799, 1e-9);
    close("keras3 with binary_crossentropy", report.keras_reported_accuracy.keras3.binary_crossentropy, 0.9799, 1e-6);
    // tf_keras's legacy rule: element-wise binary accuracy over the 10 outputs.
    close("keras2 with binary_crossentropy", report.keras_reported_accuracy.keras2.binary_crossentropy, 0.99598, 1e-6);
    close("binary accuracy", report.metrics.binary_accuracy, 0.99598, 1e-6);
    // `BinaryCrossentropy()(onehot, pred)` called directly in Keras 3.
    close("binary_crossentropy", report.loss.binary_crossentropy, 0.010749, 1e-6);
    close("top-2 accuracy", report.metrics.top_k_accuracy["2"], 0.9958, 1e-9);
    // The JSON `xent score --json` prints round-trips.
    let json = serde_json::to_string(&report).unwrap();
    assert!(json.contains("\"keras_reported_accuracy\""), "{json}");
}
