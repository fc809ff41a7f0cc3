//! End-to-end: the text pipeline through the `xent train text` / `xent predict` command code on a
//! small slice of R8 and of Reuters-90, one short epoch per configuration, artifacts checked.
//! No accuracy thresholds: the figures of a one-epoch slice mean nothing.

#[allow(dead_code)]
#[path = "../src/cmd/common.rs"]
mod common;
#[allow(dead_code)]
#[path = "../src/exit.rs"]
mod exit;
#[allow(dead_code)]
#[path = "../src/cmd/text.rs"]
mod text;

use clap::Parser;

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(clap::Subcommand)]
enum Cmd {
    Train(Box<text::TrainTextArgs>),
    Predict(text::PredictArgs),
}

fn read(p: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))).unwrap()
}

fn train(args: &[&str]) {
    let datasets = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets");
    let mut v = vec!["xent", "train", "--data", datasets, "--quiet", "--epochs", "1", "--max-len", "48", "--embed-dim", "16"];
    v.extend_from_slice(args);
    match Cli::parse_from(v).cmd {
        Cmd::Train(a) => text::run_train(*a).unwrap(),
        Cmd::Predict(_) => unreachable!(),
    }
}

#[test]
fn r8_slice_under_every_configuration_then_predict() {
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().to_str().unwrap();
    train(&["--seeds", "1", "--corpus", "r8", "--model", "question", "--limit", "300", "--out", &format!("{runs}/text/r8-e2e")]);
    let dir = tmp.path().join("text/r8-e2e");
    let summary = read(&dir.join("summary.json"));
    assert_eq!(summary["n_train"], 300);
    assert_eq!(summary["runs"].as_array().unwrap().len(), 3);
    assert!(std::fs::read_to_string(dir.join("summary.md")).unwrap().contains("| softmax-binary | 1 |"));
    // The directory is an experiment: its report compares the configurations.
    assert!(dir.join("experiment.json").is_file());
    assert!(std::fs::read_to_string(dir.join("report.md")).unwrap().contains("softmax-binary"));
    for (c, row) in ["categorical", "binary", "softmax-binary"].iter().zip(summary["runs"].as_array().unwrap()) {
        let run = dir.join(c).join("seed-0");
        assert_eq!(std::path::Path::new(row["dir"].as_str().unwrap()), run);
        for f in ["config.json", "history.jsonl", "metrics.json", "confusion.csv", "model.bpk", "logits_test.npy", "tokenizer.json", "text.json"] {
            assert!(run.join(f).is_file(), "{c}: {f} missing");
        }
        // The test documents are measured once, after training: no per-epoch validation.
        let m = read(&run.join("metrics.json"));
        assert!(m["valid"].is_null());
        let acc = row["accuracy"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&acc));
        assert!(row["keras2_reported"].as_f64().unwrap() >= acc || *c == "categorical");
        let info = read(&run.join("text.json"));
        assert_eq!(info["classes"].as_array().unwrap().len(), 8);
        assert_eq!(read(&run.join("config.json"))["model"]["kind"], "question");
    }
    // Predict with the saved tokenizer and weights, from --text and from --file.
    let file = tmp.path().join("docs.txt");
    std::fs::write(&file, "Oil prices rose sharply\n\nQuarterly profit up 10 pct\n").unwrap();
    let run = dir.join("categorical/seed-0");
    let p = xent_text::predict::Predictor::open(&run).unwrap();
    let out = p.predict(&["Company X acquires company Y for 10 mln dlrs", ""]).unwrap();
    assert_eq!(out.len(), 2);
    assert!(out[1].empty && out[0].labels.len() == 1);
    assert!((out[0].scores.iter().sum::<f32>() - 1.0).abs() < 1e-4);
    let run_s = run.to_str().unwrap();
    let f = file.to_str().unwrap();
    match Cli::parse_from(["xent", "predict", run_s, "--file", f, "--json"]).cmd {
        Cmd::Predict(a) => text::run_predict(a).unwrap(),
        Cmd::Train(_) => unreachable!(),
    }
    // The experiment directory is not a run: the error lists the runs inside.
    let e = xent_text::predict::Predictor::open(&dir).err().unwrap().to_string();
    assert!(e.contains("not a text run") && e.contains("binary/seed-0"), "{e}");
}

#[test]
fn r90_slice_binary_and_forced_categorical() {
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().to_str().unwrap();
    train(&["--seeds", "1", "--corpus", "r90", "--model", "kim", "--limit", "300", "--out", &format!("{runs}/text/r90-e2e")]);
    let dir = tmp.path().join("text/r90-e2e");
    let summary = read(&dir.join("summary.json"));
    let rows = summary["runs"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(summary["n_threshold"].as_u64().unwrap() > 20);
    for r in rows {
        assert!(r["multilabel"]["micro_f1"].is_number());
        assert!(r["multilabel_tuned"]["macro_f1"].is_number());
        assert_eq!(r["multilabel"]["per_label"].as_array().unwrap().len(), 90);
        let info = read(&std::path::PathBuf::from(r["dir"].as_str().unwrap()).join("text.json"));
        assert_eq!(info["thresholds"].as_array().unwrap().len(), 90);
        assert_eq!(info["multi_label"], true);
    }
    let report = std::fs::read_to_string(dir.join("summary.md")).unwrap();
    assert!(report.contains("micro-F1 @0.5") && report.contains("per_label_f1.svg"));
    assert!(std::fs::read_to_string(dir.join("per_label_f1.svg")).unwrap().contains("<svg"));
}

#[test]
fn bbc_fold_through_the_experiment_module() {
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().to_str().unwrap();
    train(&["--corpus", "bbc", "--model", "question", "--limit", "200", "--seeds", "0,1", "--losses", "categorical,binary",
        "--experiment", "--out", &format!("{runs}/text/bbc-x")]);
    let dir = tmp.path().join("text/bbc-x");
    let summary = read(&dir.join("summary.json"));
    assert_eq!(summary["runs"].as_array().unwrap().len(), 4);
    let fold = dir.join("fold-0");
    assert!(fold.join("experiment.json").is_file() && fold.join("report.md").is_file());
    for c in ["categorical", "binary"] {
        for s in ["seed-0", "seed-1"] {
            let run = fold.join(c).join(s);
            for f in ["metrics.json", "calibration.json", "logits_test.npy", "model.bpk", "tokenizer.json", "text.json"] {
                assert!(run.join(f).is_file(), "{c}/{s}: {f} missing");
            }
        }
    }
    let p = xent_text::predict::Predictor::open(&fold.join("binary/seed-1")).unwrap();
    assert_eq!(p.predict(&["Shares fell on the stock market"]).unwrap()[0].labels.len(), 1);
}

#[test]
fn bag_of_words_mlp_through_experiments_and_the_multi_label_loop_then_predict() {
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().to_str().unwrap();
    // Single-label, through xent-core's experiments.
    train(&["--seeds", "1", "--corpus", "r8", "--model", "mlp", "--limit", "300", "--losses", "categorical,binary", "--experiment",
        "--out", &format!("{runs}/text/r8-mlp")]);
    let dir = tmp.path().join("text/r8-mlp");
    let summary = read(&dir.join("summary.json"));
    assert_eq!(summary["runs"].as_array().unwrap().len(), 2);
    assert_eq!(summary["truncated_documents"], 0, "bags hold whole documents");
    let run = dir.join("categorical/seed-0");
    let info = read(&run.join("text.json"));
    assert_eq!(info["model"]["kind"], "mlp");
    let idf = info["tfidf"]["idf"].as_array().unwrap();
    assert_eq!(idf.len() as u64, info["model"]["vocab_size"].as_u64().unwrap());
    assert_eq!((idf[0].as_f64(), idf[1].as_f64()), (Some(0.0), Some(0.0)), "[PAD] and [UNK] carry no weight");
    assert!(idf[2..].iter().all(|v| v.as_f64().unwrap() >= 1.0));
    let p = xent_text::predict::Predictor::open(&run).unwrap();
    // A document longer than any --max-len: bags are not truncated; "zzqx" is unknown → empty.
    let long = "oil prices ".repeat(400);
    let out = p.predict(&[long.as_str(), "zzqx"]).unwrap();
    assert!(!out[0].empty && out[1].empty && out[0].labels.len() == 1);
    assert!((out[0].scores.iter().sum::<f32>() - 1.0).abs() < 1e-4);
    // Weights without their TF-IDF cannot be opened.
    let mut bad = info.clone();
    bad.as_object_mut().unwrap().remove("tfidf");
    std::fs::write(run.join("text.json"), bad.to_string()).unwrap();
    let e = xent_text::predict::Predictor::open(&run).err().unwrap().to_string();
    assert!(e.contains("text.json") && e.contains("TF-IDF"), "{e}");

    // Multi-label, through the plain loop with thresholds tuned on held-out bags.
    train(&["--seeds", "1", "--corpus", "r90", "--model", "mlp", "--limit", "300", "--losses", "binary", "--out", &format!("{runs}/text/r90-mlp")]);
    let summary = read(&tmp.path().join("text/r90-mlp/summary.json"));
    let row = &summary["runs"][0];
    assert!(row["multilabel_tuned"]["micro_f1"].is_number());
    let info = read(&std::path::PathBuf::from(row["dir"].as_str().unwrap()).join("text.json"));
    assert_eq!(info["thresholds"].as_array().unwrap().len(), 90);
    assert!(info["tfidf"]["idf"].is_array());
}

fn plan(args: &[&str]) -> anyhow::Result<xent_text::pipeline::TextPlan> {
    let mut v = vec!["xent", "train"];
    v.extend_from_slice(args);
    match Cli::try_parse_from(v)?.cmd {
        Cmd::Train(a) => a.plan(),
        Cmd::Predict(_) => unreachable!(),
    }
}

#[test]
fn optimizer_flags_start_from_the_networks_defaults() {
    use xent_core::train::OptimizerConfig;
    let linear = plan(&["--model", "linear"]).unwrap();
    assert_eq!(linear.optimizer, OptimizerConfig::sgd_momentum(5.0, 0.9, false));
    assert_eq!((linear.epochs, linear.batch_size, linear.sublinear_tf), (40, 32, true));
    let kim = plan(&["--model", "kim"]).unwrap();
    assert_eq!(kim.optimizer, OptimizerConfig::adam());
    assert_eq!((kim.epochs, kim.batch_size, kim.sublinear_tf), (5, 50, false));
    let p = plan(&["--model", "linear", "--lr", "450", "--momentum", "0.5", "--sublinear-tf", "false"]).unwrap();
    assert_eq!(p.optimizer, OptimizerConfig::sgd_momentum(450.0, 0.5, false));
    assert!(!p.sublinear_tf);
    assert_eq!(plan(&["--model", "question", "--optimizer", "sgd"]).unwrap().optimizer, OptimizerConfig::sgd_momentum(0.01, 0.9, false));
    assert_eq!(plan(&["--model", "linear", "--optimizer", "adam", "--lr", "0.01"]).unwrap().optimizer, OptimizerConfig::adam().with_learning_rate(0.01));
    for (args, want) in [
        (&["--optimizer", "adam", "--momentum", "0.5"][..], "--momentum"),
        (&["--optimizer", "rmsprop"][..], "rmsprop"),
        (&["--model", "linear", "--lr=0"][..], "learning_rate"),
    ] {
        let e = format!("{:#}", plan(args).err().unwrap());
        assert!(e.contains(want), "{args:?}: {e}");
    }
}

#[test]
fn linear_model_trains_with_sgd_and_sublinear_tf_then_predicts() {
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().to_str().unwrap();
    train(&["--seeds", "1", "--corpus", "r8", "--model", "linear", "--limit", "300", "--losses", "categorical,binary", "--experiment",
        "--out", &format!("{runs}/text/r8-linear")]);
    let dir = tmp.path().join("text/r8-linear");
    let summary_md = std::fs::read_to_string(dir.join("summary.md")).unwrap();
    assert!(summary_md.contains("SGD(learning_rate=5, momentum=0.9)") && summary_md.contains("sublinear tf"), "{summary_md}");
    let run = dir.join("binary/seed-0");
    let config = read(&run.join("config.json"));
    assert_eq!((config["train"]["optimizer"]["name"].as_str(), config["train"]["optimizer"]["learning_rate"].as_f64()), (Some("sgd"), Some(5.0)), "{config}");
    let info = read(&run.join("text.json"));
    assert_eq!((info["model"]["kind"].as_str(), info["tfidf"]["sublinear_tf"].as_bool()), (Some("linear"), Some(true)));
    let p = xent_text::predict::Predictor::open(&run).unwrap();
    let out = p.predict(&["crude oil prices rose", "zzqx"]).unwrap();
    assert!(!out[0].empty && out[1].empty && out[0].labels.len() == 1);
    assert_eq!(out[0].scores.len(), 8);
}

#[test]
fn a_linear_reference_trains_on_the_same_split() {
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().to_str().unwrap();
    train(&["--seeds", "0,1", "--corpus", "r8", "--model", "question", "--limit", "300", "--losses", "categorical,binary", "--out", &format!("{runs}/text/r8-ref"), "--reference", "linear"]);
    let main = read(&tmp.path().join("text/r8-ref/summary.json"));
    assert_eq!(main["runs"].as_array().unwrap().len(), 4);
    // Two seeds per configuration: the report says whether their difference is beyond seed noise.
    let report = std::fs::read_to_string(tmp.path().join("text/r8-ref/report.md")).unwrap();
    assert!(report.contains("Is the difference real?") && report.contains("categorical − binary: difference"), "{report}");
    let reference = read(&tmp.path().join("text/r8-ref-linear-reference/summary.json"));
    assert_eq!(reference["model"], "linear");
    assert_eq!((reference["n_train"].clone(), reference["n_test"].clone()), (main["n_train"].clone(), main["n_test"].clone()));
    let rows = reference["runs"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0]["config"].as_str(), rows[0]["seed"].as_u64()), (Some("categorical"), Some(0)));
    assert!(rows[0]["accuracy"].as_f64().is_some_and(|a| (0.0..=1.0).contains(&a)));
}
