//! End-to-end: each published case on a small slice of the real data (no accuracy thresholds),
//! and the `xent repro` command module writing its report.

#[path = "../src/cmd/repro.rs"]
#[allow(dead_code)]
mod repro;

use std::path::{Path, PathBuf};

use clap::Parser;
use xent_repro::cases::{mnist, pima, temperature};
use xent_repro::models::MnistCnnConfig;

fn datasets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets")
}

#[test]
fn mnist_case_on_a_slice_reports_true_and_keras_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let opts = mnist::MnistOptions {
        data_dir: datasets().join("mnist"),
        train_limit: Some(256),
        test_limit: Some(200),
        epochs: 1,
        adam_epochs: 1,
        batch_size: 64,
        seed: 0,
        runs_root: tmp.path().to_path_buf(),
        quiet: true,
        model: MnistCnnConfig { filters1: 8, filters2: 8, hidden: 16, ..Default::default() },
        only: vec![],
        fresh: false,
    };
    let r = mnist::run(&opts).unwrap();
    assert_eq!((r.n_train, r.n_test), (256, 200));
    let names: Vec<&str> = r.rows.iter().map(|x| x.plan.name.as_str()).collect();
    assert_eq!(names, ["categorical", "binary", "softmax-binary", "softmax-binary-adam"]);
    for row in &r.rows {
        let t = &row.test;
        assert_eq!(t.n, 200);
        assert!((0.0..=1.0).contains(&t.true_accuracy));
        // Keras 3 prints the true figure for 10 outputs whatever the loss.
        assert_eq!(t.keras3_reported, t.true_accuracy, "{}", row.plan.name);
        if row.plan.name == "categorical" {
            assert_eq!(t.keras2_reported, t.true_accuracy);
        } else {
            // Binary cross-entropy: Keras 2 printed element-wise binary accuracy, ≥ 0.8 minus the
            // outputs above 0.5 that are wrong; always a different figure from argmax accuracy here.
            assert!((0.0..=1.0).contains(&t.keras2_reported));
        }
        assert!((row.keras2_predicted - (1.0 - 2.0 * (1.0 - t.true_accuracy) / 10.0)).abs() < 1e-12);
        // Run directories with checkpoints, so `just repro` resumes: one experiment per optimizer.
        let optimizer = if row.plan.name.ends_with("-adam") { "adam" } else { "adamax" };
        let run = tmp.path().join(optimizer).join(row.plan.loss.name()).join("seed-0");
        assert!(run.join("metrics.json").is_file() && run.join("test.json").is_file(), "{}", run.display());
    }
    r.write_svg(&tmp.path().join("mnist.svg")).unwrap();
    let svg = std::fs::read_to_string(tmp.path().join("mnist.svg")).unwrap();
    assert!(svg.contains("MNIST test accuracy") && svg.matches("<rect x=").count() >= 12, "{svg}");
    let md = r.markdown();
    assert!(md.contains("| softmax-binary-adam |"), "{md}");
    // A second call resumes the finished runs (no retraining) and gives the same figures.
    let again = mnist::run(&opts).unwrap();
    assert_eq!(again.rows.iter().map(|x| &x.test).collect::<Vec<_>>(), r.rows.iter().map(|x| &x.test).collect::<Vec<_>>());
    // A filter selects runs; an unknown name is a clear error.
    let one = mnist::run(&mnist::MnistOptions { only: vec!["binary".into()], ..opts.clone() }).unwrap();
    assert_eq!(one.rows.len(), 1);
    // Changed hyper-parameters refuse to resume; `fresh` (`--force`) retrains.
    let changed = mnist::MnistOptions { only: vec!["binary".into()], epochs: 2, ..opts.clone() };
    let e = mnist::run(&changed).unwrap_err().to_string();
    assert!(e.contains("different model, training configuration or data"), "{e}");
    assert_eq!(mnist::run(&mnist::MnistOptions { fresh: true, ..changed }).unwrap().rows[0].plan.epochs, 2);
    let e = mnist::run(&mnist::MnistOptions { only: vec!["nope".into()], ..opts }).unwrap_err().to_string();
    assert!(e.contains("no MNIST run named [\"nope\"]; the runs are categorical, binary"), "{e}");
}

#[test]
fn pima_case_on_a_slice_gives_paired_statistics() {
    let tmp = tempfile::tempdir().unwrap();
    let opts = pima::PimaOptions {
        path: datasets().join("pima/pima-indians-diabetes.csv"),
        runs: 3,
        epochs: 3,
        batch_size: 32,
        folds: 3,
        seed: 5,
        row_limit: Some(240),
        runs_root: tmp.path().join("pima"),
        fresh: false,
    };
    let r = pima::run(&opts).unwrap();
    assert_eq!(r.n, 240);
    for setup in [&r.seed_setup, &r.cross_validated] {
        assert_eq!(setup.series.len(), 2);
        for s in &setup.series {
            assert_eq!(s.accuracy.len(), 3);
            // One sigmoid or two softmax outputs: Keras 2 and 3 agree with the truth here.
            assert_eq!(s.keras3_reported, s.accuracy);
        }
        assert!(setup.comparison.paired.is_some());
        assert!(setup.comparison.verdict.contains("with 3 runs"), "{}", setup.comparison.verdict);
    }
    assert!(r.markdown().contains("**Verdict:**"));
}

#[test]
fn temperature_case_on_a_slice_keeps_accuracy_under_post_hoc_scaling() {
    let tmp = tempfile::tempdir().unwrap();
    let opts = temperature::TemperatureOptions {
        temperatures: vec![0.6, 1.0],
        seeds: 2,
        random_epochs: 5,
        mitdb: Some(datasets().join("mitdb")),
        ecg_epochs: 1,
        ecg_train_limit: Some(1500),
        ecg_test_limit: Some(1000),
        seed: 0,
        runs_root: tmp.path().to_path_buf(),
        fresh: false,
    };
    let r = temperature::run(&opts).unwrap();
    assert_eq!(r.random.len(), 2);
    // Same initial weights: T = 0.6 is sharper than T = 1 before any training.
    assert!(r.random[0].init_confidence > r.random[1].init_confidence);
    assert!(r.random[0].init_entropy < r.random[1].init_entropy);
    assert_eq!(r.ecg.len(), 2);
    for row in &r.ecg {
        assert_eq!(row.accuracy, row.accuracy_scaled, "post-hoc scaling changed accuracy");
        assert_eq!(row.fitted_t.len(), 2);
    }
    assert!(r.ecg_comparison.is_some());
    assert!(r.markdown().contains("bit-for-bit unchanged"));
}

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: repro::ReproArgs,
}

#[test]
fn repro_command_writes_case_files_and_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("repro");
    let data = datasets();
    let cli = Cli::try_parse_from([
        "xent-repro",
        "pima",
        "--out",
        out.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--pima-runs",
        "2",
        "--pima-epochs",
        "2",
        "--quiet",
    ])
    .unwrap();
    repro::run(cli.args).unwrap();
    for f in ["pima.json", "pima.md", "pima.svg", "report.md"] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("pima.json")).unwrap()).unwrap();
    assert_eq!(json["n"], 768);
    assert_eq!(json["runs"], 2);
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("## Pima diabetes"), "{report}");
    assert!(report.contains("Reproduce all: `xent repro all --profile quick --pima-runs 2 --pima-epochs 2`"), "{report}");
    assert!(report.contains("Reproduce: `xent repro pima --profile quick --pima-runs 2 --pima-epochs 2`"), "{report}");
    let svg = std::fs::read_to_string(out.join("pima.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>") && svg.contains("Pima: true accuracy"), "{svg}");

    // Bad input reaches the user as an error naming the file.
    let bad = tmp.path().join("data");
    std::fs::create_dir_all(bad.join("pima")).unwrap();
    std::fs::write(bad.join("pima/pima-indians-diabetes.csv"), "1,2,3,4,5,6,7,8\n").unwrap();
    let cli = Cli::try_parse_from(["x", "pima", "--out", out.to_str().unwrap(), "--data", bad.to_str().unwrap(), "--quiet"]).unwrap();
    let e = format!("{:#}", repro::run(cli.args).unwrap_err());
    assert!(e.contains("pima-indians-diabetes.csv: line 1: expected 9"), "{e}");
}
