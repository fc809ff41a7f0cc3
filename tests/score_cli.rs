//! End-to-end tests of `xent score`: the carried Keras MNIST predictions, and bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn xent(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xent")).args(args).output().expect("run xent")
}

fn repo(path: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path).to_string_lossy().into_owned()
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "xent failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}

fn close(got: &Value, want: f64, rel: f64) {
    let got = got.as_f64().unwrap_or_else(|| panic!("not a number: {got}"));
    assert!((got - want).abs() <= rel * want.abs(), "got {got}, want {want}");
}

const MNIST: &str = "datasets/predictions/mnist_cnn_keras_bce";

/// A Keras 3 CNN trained with binary cross-entropy on MNIST (see the folder's README): xent
/// reproduces what Keras printed under both rules, and the true accuracy.
#[test]
fn scores_the_carried_keras_mnist_predictions_like_keras() {
    let keras: Value =
        serde_json::from_str(&std::fs::read_to_string(repo(&format!("{MNIST}/keras_reported.json"))).unwrap()).unwrap();
    let out = xent(&[
        "score",
        "--pred",
        &repo(&format!("{MNIST}/pred.npy")),
        "--target",
        &repo(&format!("{MNIST}/labels.npy")),
        "--top-k",
        "2,3",
        "--json",
    ]);
    let r = json(&out);
    for key in [
        "n", "num_classes", "input", "loss", "accuracy", "binary_accuracy", "top_k_accuracy",
        "keras_reported_accuracy", "balanced_accuracy", "macro_f1", "weighted_f1", "mcc", "cohen_kappa",
        "nll", "brier", "ece", "roc_auc", "per_class", "confusion_matrix",
    ] {
        assert!(r.get(key).is_some(), "missing key {key}");
    }
    assert_eq!(r["n"], 10000);
    assert_eq!(r["num_classes"], 10);
    assert_eq!(r["input"], "probabilities");
    close(&r["accuracy"], keras["numpy_checks"]["true_argmax_accuracy"].as_f64().unwrap(), 1e-12);
    close(&r["keras_reported_accuracy"]["keras3"]["binary_crossentropy"], keras["keras3_evaluate_test"]["accuracy"].as_f64().unwrap(), 1e-6);
    close(
        &r["keras_reported_accuracy"]["keras2"]["binary_crossentropy"],
        keras["keras2_legacy_graph_mode"]["identity_on_probabilities"]["accuracy"].as_f64().unwrap(),
        1e-6,
    );
    close(&r["loss"]["binary_crossentropy"], keras["keras3_direct_loss_calls"]["BinaryCrossentropy()(onehot, pred)"].as_f64().unwrap(), 1e-5);
    let cm = r["confusion_matrix"].as_array().unwrap();
    let total: f64 = cm.iter().flat_map(|row| row.as_array().unwrap()).map(|v| v.as_f64().unwrap()).sum();
    assert_eq!(total, 10000.0);
    assert_eq!(r["per_class"].as_array().unwrap().len(), 10);
    assert!(r["top_k_accuracy"]["2"].as_f64().unwrap() >= r["accuracy"].as_f64().unwrap());

    // The same model's logits: the loss Keras 3's evaluate printed (BCE from the pre-softmax logits).
    let out = xent(&[
        "score",
        "--pred",
        &repo(&format!("{MNIST}/logits.npy")),
        "--target",
        &repo(&format!("{MNIST}/labels.npy")),
        "--from-logits",
        "--json",
    ]);
    let l = json(&out);
    assert_eq!(l["input"], "logits");
    close(&l["loss"]["binary_crossentropy"], keras["keras3_evaluate_test"]["loss"].as_f64().unwrap(), 1e-5);
    close(&l["accuracy"], keras["numpy_checks"]["true_argmax_accuracy"].as_f64().unwrap(), 1e-12);

    // The readable report carries the reported-vs-true block and the warning.
    let text = xent(&["score", "--pred", &repo(&format!("{MNIST}/pred.npy")), "--target", &repo(&format!("{MNIST}/labels.npy"))]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("Keras 2 (legacy rule)") && text.contains("warning: Keras 2 would report"), "{text}");
}

/// Writes a NumPy v1.0 `.npy` file of raw `data`.
fn write_npy(path: &Path, descr: &str, shape: &[usize], data: &[u8]) {
    let mut bytes = xent_metrics::artifacts::npy_header(descr, shape);
    bytes.extend_from_slice(data);
    std::fs::write(path, bytes).unwrap();
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

#[test]
fn csv_with_header_weights_and_multi_hot_targets() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.csv");
    let t = dir.path().join("t.csv");
    let w = dir.path().join("w.csv");
    std::fs::write(&p, "a,b,c\n0.7,0.2,0.1\n0.1,0.6,0.3\n0.2,0.2,0.6\n0.5,0.4,0.1\n").unwrap();
    std::fs::write(&t, "0\n1\n2\n1\n").unwrap();
    std::fs::write(&w, "1\n1\n2\n0\n").unwrap();
    let r = json(&xent(&["score", "--pred", p.to_str().unwrap(), "--target", t.to_str().unwrap(), "--sample-weight", w.to_str().unwrap(), "--json"]));
    // Weighted: rows 1–3 right (weights 1, 1, 2), row 4 wrong with weight 0 → 1.0.
    close(&r["accuracy"], 1.0, 1e-12);
    assert_eq!(r["weighted"], true);

    let hot = dir.path().join("hot.csv");
    std::fs::write(&hot, "1,0,1\n0,1,0\n0,1,1\n1,0,0\n").unwrap();
    let r = json(&xent(&["score", "--pred", p.to_str().unwrap(), "--target", hot.to_str().unwrap(), "--json"]));
    assert_eq!(r["label_kind"], "multi_label");
    assert!(r["accuracy"].is_null());
    assert!(r["multilabel"]["subset_accuracy"].is_number());
    assert!(r["warnings"].as_array().unwrap().iter().any(|w| w.as_str().unwrap().contains("multi-label")));
}

/// Each bad input: exit code 2, a message naming the file and where, no panic.
#[test]
fn bad_input_is_a_clear_error_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name);
    let good_p = d("good_p.csv");
    let good_t = d("good_t.csv");
    std::fs::write(&good_p, "0.7,0.3\n0.4,0.6\n").unwrap();
    std::fs::write(&good_t, "0\n1\n").unwrap();
    let files: &[(&str, &str)] = &[
        ("ragged.csv", "0.7,0.3\n0.4\n"),
        ("word.csv", "0.7,0.3\n0.4,abc\n"),
        ("nan.csv", "0.7,0.3\nnan,0.6\n"),
        ("inf.csv", "0.7,0.3\n0.4,inf\n"),
        ("empty.csv", ""),
        ("label_big.csv", "0\n2\n"),
        ("label_neg.csv", "0\n-1\n"),
        ("label_frac.csv", "0\n0.5\n"),
        ("t_k3.csv", "1,0,0\n0,1,0\n"),
        ("t_three_rows.csv", "0\n1\n1\n"),
        ("w_short.csv", "1\n"),
    ];
    for (name, content) in files {
        std::fs::write(d(name), content).unwrap();
    }
    write_npy(&d("int_pred.npy"), "<i8", &[2, 2], &[0u8; 32]);
    write_npy(&d("rank3.npy"), "<f4", &[1, 2, 2], &f32_bytes(&[0.5; 4]));
    write_npy(&d("truncated.npy"), "<f4", &[2, 2], &f32_bytes(&[0.5; 3]));
    std::fs::write(d("garbage.npy"), b"not numpy at all").unwrap();

    let s = |p: PathBuf| p.to_string_lossy().into_owned();
    let (gp, gt) = (s(good_p.clone()), s(good_t.clone()));
    let cases: Vec<(Vec<String>, String, &str)> = vec![
        (vec![s(d("ragged.csv")), gt.clone()], s(d("ragged.csv")), "line 2"),
        (vec![s(d("word.csv")), gt.clone()], s(d("word.csv")), "line 2, column 2"),
        (vec![s(d("nan.csv")), gt.clone()], s(d("nan.csv")), "line 2, column 1"),
        (vec![s(d("inf.csv")), gt.clone()], s(d("inf.csv")), "line 2, column 2"),
        (vec![s(d("empty.csv")), gt.clone()], s(d("empty.csv")), "no data rows"),
        (vec![gp.clone(), s(d("label_big.csv"))], "label 2".into(), "row 1"),
        (vec![gp.clone(), s(d("label_neg.csv"))], s(d("label_neg.csv")), "line 2"),
        (vec![gp.clone(), s(d("label_frac.csv"))], s(d("label_frac.csv")), "line 2"),
        (vec![gp.clone(), s(d("t_k3.csv"))], "2 columns".into(), "3"),
        (vec![gp.clone(), s(d("t_three_rows.csv"))], "2 prediction rows".into(), "3 target rows"),
        (vec![s(d("int_pred.npy")), gt.clone()], s(d("int_pred.npy")), "float"),
        (vec![s(d("rank3.npy")), gt.clone()], s(d("rank3.npy")), "rank 3"),
        (vec![s(d("truncated.npy")), gt.clone()], s(d("truncated.npy")), "data"),
        (vec![s(d("garbage.npy")), gt.clone()], s(d("garbage.npy")), "not a valid .npy"),
        (vec![s(d("missing.csv")), gt.clone()], s(d("missing.csv")), "No such file"),
    ];
    for (args, must1, must2) in cases {
        let out = xent(&["score", "--pred", &args[0], "--target", &args[1]]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(&must1) && err.contains(must2), "{args:?}: message lacks {must1:?} / {must2:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let out = xent(&["score", "--pred", &gp, "--target", &gt, "--sample-weight", &s(d("w_short.csv"))]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(err.contains("1 sample weights for 2"), "{err}");
}
