//! End-to-end: the training engine on a small real sample of the Pima Indians diabetes data
//! (`datasets/pima`), under every loss configuration, with its run artifacts checked.

use common::pima::{DeepMlp, PIMA, Pima};
use xent_core::train::{OptimizerConfig, TrainConfig, Trainer};
use xent_core::{DataInfo, LossConfig, OpenMode, RunDir};

mod common;

/// Rows `train` and `valid` of the file, standardised by the training rows' mean and sd.
fn load(train: std::ops::Range<usize>, valid: std::ops::Range<usize>) -> (Pima, Pima) {
    let mut parts = common::pima::load(&[train, valid]).into_iter();
    (parts.next().unwrap(), parts.next().unwrap())
}

#[test]
fn pima_under_every_configuration_writes_parseable_artifacts() {
    let (train, valid) = load(0..192, 192..256);
    let tmp = tempfile::tempdir().unwrap();
    for loss in LossConfig::DEFAULT_SET {
        // One sigmoid unit for binary cross-entropy (the Keras idiom for two classes), two
        // outputs for the softmax configurations.
        let outputs = if loss == LossConfig::Binary { 1 } else { 2 };
        let config = TrainConfig {
            loss,
            epochs: 2,
            batch_size: 16,
            seed: 42,
            optimizer: OptimizerConfig::adam().with_learning_rate(0.01),
            ..Default::default()
        };
        let run = RunDir::new(tmp.path(), "pima", loss.name());
        let outcome = Trainer::new(config)
            .quiet(true)
            .with_run(run.clone(), OpenMode::New)
            .with_model_config(serde_json::json!({ "layers": [8, 12, 8, outputs] }))
            .with_data_info(DataInfo { source: format!("{PIMA} rows 0..256"), sha256: "test".into() })
            .with_class_names(vec!["negative".into(), "positive".into()])
            .fit(|d| DeepMlp::new(outputs, d), &train, Some(&valid))
            .unwrap();
        assert_eq!(outcome.history.len(), 2);

        for f in ["config.json", "history.jsonl", "metrics.json", "confusion.csv", "model.bpk", "checkpoint/state.json"] {
            assert!(run.file(f).is_file(), "{loss}: {f} missing");
        }
        let read = |f: &str| std::fs::read_to_string(run.file(f)).unwrap();
        let config: serde_json::Value = serde_json::from_str(&read("config.json")).unwrap();
        assert_eq!(config["train"]["loss"], serde_json::to_value(loss).unwrap());
        assert_eq!(config["train"]["optimizer"]["name"], "adam");
        assert_eq!(config["train"]["optimizer"]["epsilon"], 1e-7);
        assert_eq!(config["num_outputs"], outputs);
        assert_eq!(config["n_train"], 192);
        assert!(config["versions"]["burn"].is_string());

        let history: Vec<serde_json::Value> = read("history.jsonl").lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(history.len(), 2);
        assert_eq!(history[1]["epoch"], 2);
        assert!(history[1]["valid"]["accuracy"].is_number());

        let metrics: serde_json::Value = serde_json::from_str(&read("metrics.json")).unwrap();
        let v = &metrics["valid"];
        let acc = v["summary"]["accuracy"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&acc));
        assert!(v["summary"]["keras2_reported_accuracy"].is_number());
        assert!(v["summary"]["keras3_reported_accuracy"].is_number());
        assert!(v["keras_reported"]["keras2"]["binary_crossentropy"].is_number());
        assert!(v["keras_reported"]["keras3"]["categorical_crossentropy"].is_number());
        assert_eq!(v["evaluation"]["n"], 64);
        // With K = 2 outputs the Keras-2 binary-accuracy figure equals argmax accuracy only when
        // the two scores are complementary (softmax); either way it is computed, not copied.
        if outputs == 1 {
            assert_eq!(v["summary"]["keras3_reported_accuracy"], v["evaluation"]["binary_accuracy"]);
        }
        let confusion = read("confusion.csv");
        assert!(confusion.starts_with("true\\predicted,negative,positive\n"), "{confusion}");
        let total: f64 = confusion
            .lines()
            .skip(1)
            .flat_map(|l| l.split(',').skip(1).map(|v| v.parse::<f64>().unwrap()).collect::<Vec<_>>())
            .sum();
        assert_eq!(total, 64.0);
    }
}
