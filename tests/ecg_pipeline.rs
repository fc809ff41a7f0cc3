//! End-to-end: `xent train ecg` on a few carried MIT-BIH records, one short epoch per
//! configuration and two seeds, then `xent report` regenerating it. Artifacts are checked; no
//! accuracy threshold (thresholds belong to the benchmarks and reports).

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn xent(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_xent"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run xent")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn train_ecg_on_a_few_records_writes_every_artifact() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("exp");
    let out_s = out.to_str().unwrap();
    for model in ["cnn", "resnet"] {
        let exp = out.join(model);
        let o = xent(&[
            "train", "ecg", "--model", model, "--records", "101,106,108,112,114,100,103", "--beats-per-record", "300",
            "--seeds", "2", "--epochs", "1", "--quiet", "--out", exp.to_str().unwrap(),
        ]);
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(o.status.success(), "{model}: {}\n{stdout}", String::from_utf8_lossy(&o.stderr));
        assert!(stdout.contains("report: "), "{stdout}");
        assert!(stdout.contains("true accuracy: ") && stdout.contains("Keras-2-reported accuracy: "), "{stdout}");

        let manifest = read_json(&exp.join("experiment.json"));
        assert_eq!(manifest["seeds"].as_array().unwrap().len(), 2);
        for loss in ["categorical", "binary", "softmax-binary"] {
            for seed in 0..2 {
                let run = exp.join(loss).join(format!("seed-{seed}"));
                for f in ["config.json", "history.jsonl", "metrics.json", "confusion.csv", "model.bpk",
                          "logits_test.npy", "calibration.json", "report.md"] {
                    assert!(run.join(f).is_file(), "{} missing", run.join(f).display());
                }
                let m = read_json(&run.join("metrics.json"));
                let valid = &m["valid"]["summary"];
                for key in ["accuracy", "keras2_reported_accuracy", "keras3_reported_accuracy", "macro_f1"] {
                    assert!(valid[key].is_number(), "{loss}/{seed}: {key} in {valid}");
                }
                // The AAMI classes are named in the per-class figures.
                let per_class = m["valid"]["evaluation"]["per_class"].as_array().unwrap();
                assert_eq!(per_class.len(), 5);
                let config = read_json(&run.join("config.json"));
                assert_eq!(config["class_names"][2], "V");
                assert!(config["data"]["source"].as_str().unwrap().contains("inter-patient"));
            }
        }
        let report = std::fs::read_to_string(exp.join("report.md")).unwrap();
        assert!(report.contains("Keras 2 reports") && report.contains("Is the difference real?"), "{report}");
        for svg in ["accuracy_bars.svg", "learning_curves.svg", "reliability.svg", "seeds.svg", "confusion_binary.svg"] {
            let text = std::fs::read_to_string(exp.join(svg)).unwrap();
            assert!(text.starts_with("<svg") || text.starts_with("<?xml"), "{svg}");
            assert!(text.trim_end().ends_with("</svg>"), "{svg}");
        }
    }

    // A finished run evaluates on, and predicts for, other records; the predictions feed `xent score`.
    let run = out.join("resnet/binary/seed-1");
    let o = xent(&["eval", run.to_str().unwrap(), "--records", "105"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(report["summary"]["accuracy"].is_number() && report["keras_reported"]["keras2"].is_object());
    let preds = dir.path().join("preds.npy");
    let o = xent(&["predict", run.to_str().unwrap(), "--records", "105", "--out", preds.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // predict and eval agree: the argmax of every predicted row, counted per class, equals the
    // column sums (predicted classes) of eval's confusion matrix.
    let p = xent_core::io::read_predictions(&preds).unwrap();
    let n = report["evaluation"]["n"].as_u64().unwrap() as usize;
    assert_eq!((p.rows(), p.cols()), (n, 5));
    assert!(p.as_slice().iter().all(|v| (0.0..=1.0).contains(v)));
    let mut predicted = [0.0f64; 5];
    for row in p.iter_rows() {
        predicted[xent_core::targets::argmax(row)] += 1.0;
    }
    let cm = report["evaluation"]["confusion_matrix"].as_array().unwrap();
    for (c, count) in predicted.iter().enumerate() {
        let col: f64 = cm.iter().map(|r| r[c].as_f64().unwrap()).sum();
        assert_eq!(*count, col, "class {c}");
    }
    let o = xent(&["eval", out.join("cnn").to_str().unwrap(), "--records", "105"]);
    assert_eq!(o.status.code(), Some(2), "an experiment directory is not a run");

    // The report regenerates from the artifacts alone.
    std::fs::remove_file(out.join("cnn/report.md")).unwrap();
    let o = xent(&["report", &format!("{out_s}/cnn")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.join("cnn/report.md").is_file());

    // Re-running skips finished runs.
    let o = xent(&[
        "train", "ecg", "--records", "101,106,108,112,114,100,103", "--beats-per-record", "300", "--seeds", "2",
        "--epochs", "1", "--quiet",
        "--out", &format!("{out_s}/cnn"),
    ]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("finished earlier, skipped"));
}

#[test]
fn bad_ecg_arguments_are_clear_errors() {
    let o = xent(&["train", "ecg", "--records", "101,100", "--epochs", "1", "--out", "/nonexistent/x"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("folds"), "{err}");
    let o = xent(&["train", "ecg", "--losses", "bce", "--epochs", "1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown loss configuration"));
}
