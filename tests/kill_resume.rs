//! A training process killed with SIGKILL (`kill -9`) mid-run and started again ends with exactly
//! the metrics of an uninterrupted run with the same seed: checkpoints are written atomically and
//! resume replays the same shuffles and dropout draws.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ARGS: &[&str] = &[
    "train", "ecg", "--records", "101,106,108,112,114,100,103", "--beats-per-record", "900", "--losses", "categorical",
    "--seeds", "1", "--epochs", "5", "--quiet",
];

fn train(out: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_xent"));
    c.args(ARGS).arg("--out").arg(out).current_dir(env!("CARGO_MANIFEST_DIR")).stdout(Stdio::null()).stderr(Stdio::null());
    c
}

fn completed_epoch(run: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(run.join("checkpoint/state.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["epoch"].as_u64()
}

#[test]
fn killed_and_resumed_run_ends_with_identical_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let straight = dir.path().join("straight");
    let killed = dir.path().join("killed");
    assert!(train(&straight).status().unwrap().success());

    let run = killed.join("categorical/seed-0");
    let mut child = train(&killed).spawn().unwrap();
    let start = Instant::now();
    let epoch = loop {
        if let Some(e) = completed_epoch(&run).filter(|&e| e >= 1) {
            break e;
        }
        assert!(child.try_wait().unwrap().is_none(), "the run finished before it could be killed");
        assert!(start.elapsed() < Duration::from_secs(300), "no checkpoint after 300 s");
        std::thread::sleep(Duration::from_millis(10));
    };
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(epoch < 5, "killed after epoch {epoch}: too late to test a resume");
    assert!(!run.join("metrics.json").exists(), "a killed run must not have final metrics");

    assert!(train(&killed).status().unwrap().success(), "resume failed");
    let a = std::fs::read(straight.join("categorical/seed-0/metrics.json")).unwrap();
    let b = std::fs::read(run.join("metrics.json")).unwrap();
    assert_eq!(a, b, "metrics.json differs between the straight run and the killed-and-resumed run");
    let history = std::fs::read_to_string(run.join("history.jsonl")).unwrap();
    assert_eq!(history.lines().count(), 5, "one history line per epoch, none duplicated by the resume");
}
