//! The temperature case writes its reliability diagram: `xent repro temperature` on the small
//! slice of the beats that the workspace's end-to-end test uses (2 seeds, 1 epoch, about 1,500
//! training and 1,000 test beats) leaves `temperature.svg` in its output folder, referenced from
//! the report, with one panel per fixed T, both curves, the diagonal and the beats per bin.
//!
//! The command lives in the `xent` binary; its module is compiled in here as the workspace's
//! `tests/repro_e2e.rs` does.

#[path = "../../../src/cmd/repro.rs"]
#[allow(dead_code)]
mod repro;

use std::path::{Path, PathBuf};

use clap::Parser;
use xent_repro::reliability::Reliability;

fn datasets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets")
}

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: repro::ReproArgs,
}

#[test]
fn temperature_case_writes_its_reliability_diagram() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("repro");
    let cli = Cli::try_parse_from([
        "xent-repro",
        "temperature",
        "--out",
        out.to_str().unwrap(),
        "--data",
        datasets().to_str().unwrap(),
        "--temperature-seeds",
        "2",
        "--temperature-ecg-epochs",
        "1",
        "--temperature-ecg-train",
        "1500",
        "--temperature-ecg-test",
        "1000",
        "--quiet",
    ])
    .unwrap();
    repro::run(cli.args).unwrap();

    let svg = std::fs::read_to_string(out.join("temperature.svg")).expect("temperature.svg written");
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"), "{svg}");
    assert!(svg.contains("Reliability on the DS2 test beats (N / S / V), pooled over 2 seed(s)"), "{svg}");
    for t in ["trained with T = 0.6: ECE", "trained with T = 1: ECE", "before post-hoc scaling", "after post-hoc scaling", "perfect calibration", "samples per bin"] {
        assert!(svg.contains(t), "{t} missing from the diagram");
    }

    // The figures behind it: every pooled table holds all test beats of both seeds, and the
    // diagram has one point and one labelled count bar per filled bin and curve.
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("temperature.json")).unwrap()).unwrap();
    let n_test = json["ecg_sizes"][2].as_f64().unwrap();
    let (mut points, mut labels) = (0, Vec::new());
    for row in json["ecg"].as_array().unwrap() {
        for side in 0..2 {
            let table: Reliability = serde_json::from_value(row["reliability"][side].clone()).unwrap();
            assert_eq!(table.bins.len(), xent_core::metrics::ECE_BINS);
            assert_eq!(table.total(), 2.0 * n_test);
            points += table.filled().count();
            labels.extend(table.filled().map(|b| format!(">\n{:.0}\n</text>", b.count)));
        }
    }
    assert_eq!(svg.matches("<circle ").count(), points);
    for l in &labels {
        assert!(svg.contains(l.as_str()), "bin count {l} not printed");
    }

    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("![](temperature.svg)"), "{report}");
    assert!(report.contains("ECE of the pooled predictions, before → after: T = 0.6:"), "{report}");
    assert!(
        report.contains(
            "Reproduce: `xent repro temperature --profile quick --temperature-seeds 2 --temperature-ecg-epochs 1 --temperature-ecg-train 1500 --temperature-ecg-test 1000`"
        ),
        "{report}"
    );
}
