//! Checks of the pandas-ready files of an experiment, read back with the `csv` and `serde_json`
//! crates as a user's script would: `results.csv` against every run's `metrics.json` and figures,
//! `statistics.json` against the numbers `report.md` prints, and every run's `history.csv` against
//! its `history.jsonl`.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;
use xent_core::experiment::Experiment;
use xent_core::stats::format_p;

#[derive(Debug, Deserialize)]
struct Row {
    config: String,
    seed: u64,
    fold: Option<usize>,
    split: String,
    metric: String,
    value: f64,
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

/// `0.7421` → `74.21 %`, as report.md prints a figure.
fn pct(v: f64) -> String {
    format!("{:.2} %", 100.0 * v)
}

/// The cells of the markdown table row of `report` that starts with `prefix`.
fn table_row<'a>(report: &'a str, prefix: &str) -> Vec<&'a str> {
    let line = report.lines().find(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("report.md has no row {prefix:?}"));
    line.trim_matches('|').split(" | ").map(str::trim).collect()
}

/// Checks `results.csv`, `statistics.json` and every run's `history.csv` of the experiment in
/// `dir` (loaded as `exp`). Returns the number of rows of `results.csv`.
pub fn check_experiment_tables(dir: &Path, exp: &Experiment) -> usize {
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();

    // ---- results.csv ----
    let mut reader = csv::Reader::from_path(dir.join("results.csv")).unwrap();
    assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), ["config", "seed", "fold", "split", "metric", "value"]);
    let rows: Vec<Row> = reader.deserialize().collect::<Result<_, _>>().unwrap();
    let mut by_key: HashMap<(String, u64, String, String), f64> = HashMap::new();
    for r in &rows {
        assert_eq!(r.fold, None, "not a cross-validation fold");
        let old = by_key.insert((r.config.clone(), r.seed, r.split.clone(), r.metric.clone()), r.value);
        assert!(old.is_none(), "duplicate row {r:?}");
    }
    let get = |config: &str, seed: u64, split: &str, metric: &str| -> f64 {
        *by_key.get(&(config.into(), seed, split.into(), metric.into())).unwrap_or_else(|| panic!("no row {config} {seed} {split} {metric}"))
    };
    let split = exp.runs[0].figures().split;
    for r in &exp.runs {
        let (config, seed) = (r.loss().name(), r.config.train.seed);
        // The evaluation split: the run's figures, exactly.
        let f = r.figures();
        assert_eq!(f.split, split);
        assert_eq!(get(config, seed, &split, "accuracy"), f.accuracy);
        assert_eq!(get(config, seed, &split, "keras2_reported"), f.keras2);
        assert_eq!(get(config, seed, &split, "keras3_reported"), f.keras3);
        assert_eq!(get(config, seed, &split, "macro_f1"), f.macro_f1.unwrap());
        assert_eq!(get(config, seed, &split, "ece_after"), f.ece_after.unwrap());
        // ... and as report.md's table of runs prints them.
        let cells = table_row(&report, &format!("| {config} | {seed} |"));
        assert_eq!(cells[2..5], [pct(f.accuracy), pct(f.keras2), pct(f.keras3)], "{config} seed {seed}");
        // The other splits: metrics.json, read as JSON.
        let m = json(&r.dir.join("metrics.json"));
        for (split_name, key) in [("validation", "valid"), ("train", "train")] {
            if split_name == split {
                continue;
            }
            let s = &m[key]["summary"];
            for (metric, field) in [
                ("loss", "loss"),
                ("accuracy", "accuracy"),
                ("keras2_reported", "keras2_reported_accuracy"),
                ("keras3_reported", "keras3_reported_accuracy"),
                ("binary_accuracy", "binary_accuracy"),
                ("macro_f1", "macro_f1"),
                ("balanced_accuracy", "balanced_accuracy"),
                ("nll", "nll"),
                ("ece", "ece"),
            ] {
                assert_eq!(get(config, seed, split_name, metric), s[field].as_f64().unwrap(), "{config} {seed} {split_name} {metric}");
            }
        }
    }
    // A pivot over seeds gives report.md's per-configuration means.
    for c in &exp.configs {
        let name = c.loss.name();
        let values: Vec<f64> = rows.iter().filter(|r| r.config == name && r.split == split && r.metric == "accuracy").map(|r| r.value).collect();
        assert_eq!(values.len(), exp.n_seeds());
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let cells = table_row(&report, &format!("| {name} | {:.2}", 100.0 * mean));
        assert!(cells[1].starts_with(&format!("{:.2} ± ", 100.0 * mean)), "{cells:?}");
    }

    // ---- statistics.json ----
    let stats = json(&dir.join("statistics.json"));
    assert_eq!((stats["alpha"].as_f64(), stats["split"].as_str()), (Some(0.05), Some(split.as_str())));
    let comparisons = stats["comparisons"].as_array().unwrap();
    assert_eq!(comparisons.len(), exp.comparisons.len());
    for (s, c) in comparisons.iter().zip(&exp.comparisons) {
        let (a, b, label) = (s["a"].as_str().unwrap(), s["b"].as_str().unwrap(), s["metric_label"].as_str().unwrap());
        assert_eq!((a, b, label, s["verdict"].as_str().unwrap()), (c.a.as_str(), c.b.as_str(), c.metric.as_str(), c.verdict.as_str()));
        assert!(report.contains(&format!("- **{}**", c.verdict)) || label != "true accuracy", "verdict not in report.md");
        assert_eq!(s["n_a"].as_u64(), Some(exp.n_seeds() as u64));
        // The group means are those of results.csv's values.
        let metric = s["metric"].as_str().unwrap();
        let mean_of = |config: &str| {
            let v: Vec<f64> = rows.iter().filter(|r| r.config == config && r.split == split && r.metric == metric).map(|r| r.value).collect();
            v.iter().sum::<f64>() / v.len() as f64
        };
        assert!((s["mean_a"].as_f64().unwrap() - mean_of(a)).abs() < 1e-12 && (s["mean_b"].as_f64().unwrap() - mean_of(b)).abs() < 1e-12);
        // The paired-test cell of report.md is statistics.json's numbers, rounded.
        assert_eq!(s["test"].as_str(), Some("paired"));
        let cells = table_row(&report, &format!("| {a} − {b} | {label} |"));
        let f = |k: &str| s[k].as_f64().unwrap();
        let t = s["t"].as_f64().map_or("–".into(), |v| format!("{v:.2}"));
        let p = s["p"].as_f64().map_or("no p (no variation)".into(), format_p);
        let printed = format!(
            "{:+.2} pt [{:+.2}, {:+.2}], t = {t}, df = {:.1}, {p}",
            100.0 * f("diff"),
            100.0 * f("ci_low"),
            100.0 * f("ci_high"),
            f("df")
        );
        assert_eq!(cells[2], printed, "report.md's paired test vs statistics.json");
        assert_eq!(s["paired"]["p"], s["p"]);
        assert_eq!(cells[6], s["runs_for_1pt"].as_u64().map_or("–".into(), |n| n.to_string()));
        if let Some(p) = s["p"].as_f64() {
            assert_eq!(s["significant"].as_bool(), Some(p < 0.05));
        }
    }
    let summaries = stats["summaries"].as_array().unwrap();
    assert!(summaries.iter().any(|s| s["metric"] == "keras3_reported"));
    for s in summaries {
        let (config, metric) = (s["config"].as_str().unwrap(), s["metric"].as_str().unwrap());
        let c = exp.configs.iter().find(|c| c.loss.name() == config).unwrap();
        assert_eq!(s["mean"].as_f64(), c.get(metric).map(|(_, x)| x.mean), "{config} {metric}");
    }

    // ---- history.csv ----
    for r in &exp.runs {
        let jsonl = std::fs::read_to_string(r.dir.join("history.jsonl")).unwrap();
        let lines: Vec<Value> = jsonl.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let mut reader = csv::Reader::from_path(r.dir.join("history.csv")).unwrap();
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(header[..6], ["epoch", "accuracy", "learning_rate", "loss", "val_accuracy", "val_loss"]);
        let records: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().unwrap();
        assert_eq!(records.len(), lines.len(), "{}: one row per epoch", r.dir.display());
        for (rec, line) in records.iter().zip(&lines) {
            // An empty cell is a null in history.jsonl.
            let cell = |name: &str| -> Option<f64> {
                let text = &rec[header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"))];
                (!text.is_empty()).then(|| text.parse().unwrap())
            };
            assert_eq!(cell("epoch").unwrap() as u64 + 1, line["epoch"].as_u64().unwrap(), "Keras counts epochs from 0");
            for (col, pointer) in [
                ("accuracy", "/train/keras3_reported_accuracy"),
                ("loss", "/train/loss"),
                ("val_accuracy", "/valid/keras3_reported_accuracy"),
                ("val_loss", "/valid/loss"),
                ("learning_rate", "/lr"),
                ("true_accuracy", "/train/accuracy"),
                ("keras2_accuracy", "/train/keras2_reported_accuracy"),
                ("keras3_accuracy", "/train/keras3_reported_accuracy"),
                ("binary_accuracy", "/train/binary_accuracy"),
                ("macro_f1", "/train/macro_f1"),
                ("balanced_accuracy", "/train/balanced_accuracy"),
                ("nll", "/train/nll"),
                ("ece", "/train/ece"),
                ("val_true_accuracy", "/valid/accuracy"),
                ("val_keras2_accuracy", "/valid/keras2_reported_accuracy"),
                ("val_keras3_accuracy", "/valid/keras3_reported_accuracy"),
                ("val_binary_accuracy", "/valid/binary_accuracy"),
                ("val_macro_f1", "/valid/macro_f1"),
                ("val_balanced_accuracy", "/valid/balanced_accuracy"),
                ("val_nll", "/valid/nll"),
                ("val_ece", "/valid/ece"),
                ("seconds", "/seconds"),
            ] {
                assert_eq!(cell(col), line.pointer(pointer).and_then(Value::as_f64), "{} {col}", r.dir.display());
            }
        }
        assert_eq!(header.len(), 1 + 22, "every column checked");
    }
    rows.len()
}
