//! End-to-end: a 3-seed × 3-configuration experiment of a tiny MLP on 200 rows of the Pima data,
//! its report, verdicts and plots; then the bad inputs (one seed, checksum disagreement, a
//! missing run directory); the pandas-ready files (`results.csv`, `statistics.json`, `history.csv`)
//! checked against `metrics.json`, `history.jsonl` and `report.md`.

mod common;

use common::pima::{MlpConfig, PIMA, load};
use xent_core::DataInfo;
use xent_core::experiment::{Experiment, Plan, Split, compare_losses};
use xent_core::train::{OptimizerConfig, TrainConfig};

fn split() -> Split<common::pima::Pima> {
    let mut parts = load(&[0..120, 120..160, 160..200]).into_iter();
    let (train, valid, test) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
    let bytes = std::fs::read(PIMA).unwrap();
    let sha = xent_core::artifacts::sha256_hex(&bytes);
    Split::new(train, valid, DataInfo { source: format!("{PIMA} rows 0..200"), sha256: sha })
        .with_test(test)
        .with_class_names(vec!["negative".into(), "positive".into()])
}

fn plan(dir: &std::path::Path, seeds: u64) -> Plan {
    Plan::seeds(seeds)
        .with_train(TrainConfig {
            epochs: 2,
            batch_size: 16,
            optimizer: OptimizerConfig::adam().with_learning_rate(0.01),
            ..Default::default()
        })
        .in_dir(dir)
        .quiet(true)
}

/// Well-formedness of an SVG: every tag closed in order, one root `<svg>`.
fn check_xml(path: &std::path::Path) -> String {
    let s = std::fs::read_to_string(path).unwrap();
    assert!(s.len() > 500, "{}: too short", path.display());
    let mut stack: Vec<String> = Vec::new();
    let mut rest = s.as_str();
    let mut roots = 0;
    while let Some(i) = rest.find('<') {
        let after = &rest[i..];
        if after.starts_with("<?") {
            rest = &after[after.find("?>").expect("unterminated <?") + 2..];
            continue;
        }
        if after.starts_with("<!--") {
            rest = &after[after.find("-->").expect("unterminated comment") + 3..];
            continue;
        }
        let end = after.find('>').unwrap_or_else(|| panic!("{}: unterminated tag", path.display()));
        let tag = &after[1..end];
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().unwrap_or_else(|| panic!("{}: stray </{name}>", path.display()));
            assert_eq!(open, name.trim(), "{}: </{name}> closes <{open}>", path.display());
        } else if !tag.ends_with('/') {
            let name = tag.split_whitespace().next().unwrap().to_string();
            if stack.is_empty() {
                roots += 1;
                assert_eq!(name, "svg", "{}: root element", path.display());
            }
            stack.push(name);
        } else if stack.is_empty() {
            roots += 1;
        }
        rest = &after[end + 1..];
    }
    assert!(stack.is_empty(), "{}: unclosed {stack:?}", path.display());
    assert_eq!(roots, 1, "{}", path.display());
    s
}

#[test]
fn three_seeds_three_configurations_report_verdicts_and_plots() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("pima-mlp");
    let split = split();
    let model = MlpConfig { hidden: 8 };
    let exp = compare_losses(&model, &split, &plan(&dir, 3)).unwrap();
    assert_eq!(exp.runs.len(), 9);
    assert_eq!(exp.configs.len(), 3);
    // 3 pairs on true accuracy, 3 on the Keras-2-reported one.
    assert_eq!(exp.comparisons.len(), 6);
    for c in &exp.comparisons {
        assert!(c.verdict.contains(" pt") && c.verdict.ends_with("with 3 runs"), "{}", c.verdict);
        assert!(c.welch.is_some() && c.summary_a.n == 3);
    }
    for r in &exp.runs {
        let f = r.figures();
        assert_eq!(f.split, "test");
        assert_eq!(f.evaluation.n, 40);
        let cal = r.calibration.as_ref().unwrap();
        for v in &cal.views {
            assert_eq!(v.before.accuracy, v.after.accuracy, "temperature scaling changed accuracy");
        }
        for file in ["report.md", "learning_curves.svg", "confusion.svg", "reliability.svg", "logits_test.npy", "calibration.json"] {
            assert!(r.dir.join(file).is_file(), "{}: {file} missing", r.dir.display());
        }
    }

    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    for needle in [
        "# Experiment report",
        "| configuration | true accuracy | Keras 2 reports | Keras 3 reports | macro-F1 | balanced accuracy | ECE before | ECE after |",
        "## Is the difference real?",
        "paired t-test over seeds",
        "## Reported vs true accuracy",
        "## Per class",
        "![accuracy_bars.svg](accuracy_bars.svg)",
    ] {
        assert!(report.contains(needle), "report.md lacks {needle:?}:\n{report}");
    }
    let verdict = &exp.comparisons[0].verdict;
    assert!(report.contains(verdict.as_str()), "the verdict is in the report");
    // With two sigmoids on two classes the reported binary accuracy averages both outputs.
    assert!(report.contains("categorical − binary"), "{report}");

    for (file, title) in [
        ("learning_curves.svg", "Learning curves (mean of 3 seeds per configuration)"),
        ("accuracy_bars.svg", "Reported vs true accuracy (test split, 3 seeds)"),
        ("seeds.svg", "Per-seed accuracy (test split)"),
        ("reliability.svg", "Reliability diagrams (test split, pooled over seeds)"),
        ("confusion_categorical.svg", "Confusion matrix: categorical (test split, summed over 3 seeds)"),
    ] {
        let s = check_xml(&dir.join(file));
        assert!(s.contains(title), "{file} lacks its title {title:?}");
    }

    // The pandas-ready files agree with metrics.json, history.jsonl and report.md.
    let n_rows = common::tables::check_experiment_tables(&dir, &exp);
    // Per run: 7 figures on test, 9 of metrics.json's on validation and on train.
    assert_eq!(n_rows, 9 * (7 + 9 + 9));

    // Resumable: running the plan again trains nothing and changes no run.
    let before = std::fs::read(dir.join("binary/seed-1/metrics.json")).unwrap();
    let mtime = std::fs::metadata(dir.join("binary/seed-1/metrics.json")).unwrap().modified().unwrap();
    let again = compare_losses(&model, &split, &plan(&dir, 3)).unwrap();
    assert_eq!(std::fs::read(dir.join("binary/seed-1/metrics.json")).unwrap(), before);
    assert_eq!(std::fs::metadata(dir.join("binary/seed-1/metrics.json")).unwrap().modified().unwrap(), mtime);
    assert_eq!(again.comparisons[0].verdict, exp.comparisons[0].verdict);

    // `xent report DIR` regenerates everything from the artifacts.
    let regenerated = ["report.md", "results.csv", "statistics.json", "categorical/seed-1/history.csv"];
    let before: Vec<Vec<u8>> = regenerated.iter().map(|f| std::fs::read(dir.join(f)).unwrap()).collect();
    for f in regenerated {
        std::fs::remove_file(dir.join(f)).unwrap();
    }
    let written = xent_core::report::regenerate(&dir).unwrap();
    for (f, bytes) in regenerated.iter().zip(&before) {
        assert!(written.contains(&dir.join(f)), "{f} not regenerated");
        assert_eq!(&std::fs::read(dir.join(f)).unwrap(), bytes, "{f} regenerated differently");
    }
    assert_eq!(std::fs::read_to_string(dir.join("report.md")).unwrap(), report);
    let run_written = xent_core::report::regenerate(&dir.join("categorical/seed-0")).unwrap();
    assert!(run_written.iter().any(|p| p.ends_with("report.md")));
    let run_report = std::fs::read_to_string(dir.join("categorical/seed-0/report.md")).unwrap();
    assert!(run_report.contains("| true accuracy | Keras 2 reports | Keras 3 reports |") && run_report.contains("## Calibration"));

    // ---- bad input ----
    // The experiment was made with other data.
    let mut other = split;
    other.data.sha256 = "0".repeat(64);
    let err = compare_losses(&model, &other, &plan(&dir, 3)).unwrap_err().to_string();
    assert!(err.contains("different model, training configuration or data"), "{err}");
    // A run that disagrees on the data checksum is refused.
    let cfg_path = dir.join("softmax-binary/seed-2/config.json");
    let cfg = std::fs::read_to_string(&cfg_path).unwrap();
    let good = &exp.manifest.data.sha256;
    std::fs::write(&cfg_path, cfg.replace(good.as_str(), &"f".repeat(64))).unwrap();
    let err = Experiment::load(&dir).unwrap_err().to_string();
    assert!(err.contains("refusing to compare") && err.contains("softmax-binary/seed-2"), "{err}");
    std::fs::write(&cfg_path, cfg).unwrap();
    // A missing run directory.
    std::fs::remove_dir_all(dir.join("binary/seed-0")).unwrap();
    let err = Experiment::load(&dir).unwrap_err().to_string();
    assert!(err.contains("binary/seed-0") && err.contains("is missing"), "{err}");
    let err = xent_core::report::regenerate(&tmp.path().join("nowhere")).unwrap_err().to_string();
    assert!(err.contains("does not exist"), "{err}");
}

#[test]
fn one_seed_runs_but_gives_no_p_value() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("one-seed");
    let p = plan(&dir, 1).with_losses(vec![xent_core::LossConfig::Categorical, xent_core::LossConfig::Binary]);
    let exp = compare_losses(&MlpConfig { hidden: 4 }, &split(), &p).unwrap();
    let c = &exp.comparisons[0];
    assert!(c.welch.is_none() && c.paired.is_none());
    assert!(c.verdict.contains("no test possible"), "{}", c.verdict);
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(report.contains("Only one seed per configuration: no test is possible"), "{report}");
    assert!(!report.contains("p = ") && !report.contains("p < "), "no p-value is invented:\n{report}");
    let stats: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("statistics.json")).unwrap()).unwrap();
    let s = &stats["comparisons"][0];
    assert!(s["test"].is_null() && s["p"].is_null() && s["ci_low"].is_null() && s["significant"].is_null(), "{s}");
    assert_eq!(s["verdict"].as_str(), Some(c.verdict.as_str()));
    assert!(stats["summaries"][0]["sd"].is_null());
    // A plan without a directory is refused with a clear message.
    let err = compare_losses(&MlpConfig { hidden: 4 }, &split(), &Plan::seeds(2)).unwrap_err().to_string();
    assert!(err.contains("no directory"), "{err}");
}
