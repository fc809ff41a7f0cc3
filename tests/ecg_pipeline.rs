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
                // The final runs train on every DS1 record: no validation split, figures on test.
                assert!(!run.join("logits_valid.npy").exists());
                let m = read_json(&run.join("metrics.json"));
                assert!(m["valid"].is_null(), "{loss}/{seed}: {}", m["valid"]);
                let train = &m["train"]["summary"];
                for key in ["accuracy", "keras2_reported_accuracy", "keras3_reported_accuracy", "macro_f1"] {
                    assert!(train[key].is_number(), "{loss}/{seed}: {key} in {train}");
                }
                // The AAMI classes N, S, V, F are named in the per-class figures.
                let per_class = m["train"]["evaluation"]["per_class"].as_array().unwrap();
                assert_eq!(per_class.len(), 4);
                let config = read_json(&run.join("config.json"));
                assert_eq!(config["class_names"][2], "V");
                assert!(config["data"]["source"].as_str().unwrap().contains("inter-patient"));
            }
        }
        let report = std::fs::read_to_string(exp.join("report.md")).unwrap();
        assert!(report.contains("Keras 2 reports") && report.contains("Is the difference real?"), "{report}");
        let aami = std::fs::read_to_string(exp.join("aami.md")).unwrap();
        for row in ["categorical, ensemble of 2 seeds", "always N (baseline)", "logistic regression on RR features (baseline)", "jκ", "S Se"] {
            assert!(aami.contains(row), "{row} missing from aami.md:\n{aami}");
        }
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
    let p = xent_metrics::io::read_predictions(&preds).unwrap();
    let n = report["evaluation"]["n"].as_u64().unwrap() as usize;
    assert_eq!((p.rows(), p.cols()), (n, 4));
    assert!(p.as_slice().iter().all(|v| (0.0..=1.0).contains(v)));
    let mut predicted = [0.0f64; 4];
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
    let o = xent(&["train", "ecg", "--records", "101,100", "--cv", "3", "--epochs", "1", "--out", "/nonexistent/x"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("1 records cannot make 3 patient-grouped folds"), "{err}");
    let o = xent(&["train", "ecg", "--losses", "bce", "--epochs", "1"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("invalid value 'bce'") && err.contains("possible values: categorical, binary"), "{err}");
}

#[test]
fn cross_validation_stays_in_ds1_and_chooses_the_epochs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("exp");
    let o = xent(&[
        "train", "ecg", "--records", "106,119,122,100", "--beats-per-record", "200", "--cv", "3", "--epochs", "2",
        "--seeds", "1", "--losses", "categorical,binary", "--quiet", "--out", out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}\n{stdout}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout.contains("Pooled out-of-fold figures") && stdout.contains("the epoch count chosen is"), "{stdout}");
    let cv = read_json(&out.join("cv/cv.json"));
    assert_eq!(cv["folds"], 3);
    let chosen = cv["chosen_epochs"].as_u64().unwrap();
    assert!((1..=2).contains(&chosen), "{cv}");
    assert_eq!(cv["configs"][0]["macro_f1_by_epoch"].as_array().unwrap().len(), 2);
    for fold in 1..=3 {
        let run = out.join(format!("cv/fold-{fold}/binary/seed-0"));
        let config = read_json(&run.join("config.json"));
        let source = config["data"]["source"].as_str().unwrap();
        assert!(source.contains("cross-validation on the training side"), "{source}");
        // Record 100 is DS2: never trained or validated on.
        assert_eq!(config["n_train"].as_u64().unwrap() + config["n_valid"].as_u64().unwrap(), 600, "{source}");
        assert!(run.join("logits_valid.npy").is_file() && !run.join("logits_test.npy").exists());
    }
}

#[test]
fn predictions_and_beat_list_reproduce_the_test_figures_through_score() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("exp");
    let o = xent(&[
        "train", "ecg", "--records", "101,100", "--seeds", "1", "--epochs", "1", "--losses", "binary", "--quiet",
        "--out", out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let run = out.join("binary/seed-0");
    let preds = dir.path().join("p.npy");
    let o = xent(&["predict", run.to_str().unwrap(), "--records", "100", "--out", preds.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let p = xent_metrics::io::read_predictions(&preds).unwrap();
    let csv = std::fs::read_to_string(dir.path().join("p.beats.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("record,sample,symbol,class"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), p.rows());
    assert!(rows.iter().all(|r| r[0] == "100" && r[1].parse::<i64>().is_ok()));
    // Record 100: symbols N and A (S) and V among them, in annotation order.
    assert!(rows.iter().any(|r| r[2] == "A" && r[3] == "S") && rows.iter().any(|r| r[2] == "V" && r[3] == "V"));
    assert!(rows.windows(2).all(|w| w[0][1].parse::<i64>().unwrap() < w[1][1].parse::<i64>().unwrap()));
    let labels: String = rows.iter().map(|r| format!("{}\n", ["N", "S", "V", "F"].iter().position(|c| *c == r[3]).unwrap())).collect();
    let targets = dir.path().join("t.csv");
    std::fs::write(&targets, labels).unwrap();
    let o = xent(&["score", "--pred", preds.to_str().unwrap(), "--target", targets.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let scored: Value = serde_json::from_slice(&o.stdout).unwrap();
    let figures = xent_core::experiment::RunArtifacts::load(&run).unwrap().figures();
    assert_eq!(figures.split, "test");
    assert!((scored["accuracy"].as_f64().unwrap() - figures.accuracy).abs() < 1e-9, "{scored} vs {}", figures.accuracy);
    assert!((scored["macro_f1"].as_f64().unwrap() - figures.macro_f1.unwrap()).abs() < 1e-9);
}
