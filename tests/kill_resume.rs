//! A training process killed with SIGKILL (`kill -9`) mid-run and started again ends with exactly
//! the metrics of an uninterrupted run with the same seed: checkpoints are written atomically and
//! resume replays the same shuffles and dropout draws, and the checkpoint holds the batch norms'
//! running statistics as they are after the epoch's last batch.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn train(beats: usize, epochs: usize, out: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_xent"));
    c.args(["train", "ecg", "--records", "101,106,108,112,114,100,103", "--losses", "categorical", "--seeds", "1", "--quiet"])
        .args(["--beats-per-record", &beats.to_string(), "--epochs", &epochs.to_string()])
        .arg("--out")
        .arg(out)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

fn completed_epoch(run: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(run.join("checkpoint/state.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["epoch"].as_u64()
}

#[test]
fn killed_and_resumed_run_ends_with_identical_metrics() {
    kill_and_resume(900, 5);
}

/// A short run: few batches follow the resume, so a running statistic one batch behind in the
/// checkpoint (the last batch's update not yet folded in when the checkpoint was recorded) would
/// not decay below f32 resolution by the end and would show in the final, inference-mode metrics.
/// There is no validation data, so no per-epoch evaluation syncs the statistics before the
/// checkpoint.
#[test]
fn killed_and_resumed_short_run_ends_with_identical_metrics() {
    kill_and_resume(300, 3);
}

fn kill_and_resume(beats: usize, epochs: usize) {
    let train = |out: &Path| train(beats, epochs, out);
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
    assert!(epoch < epochs as u64, "killed after epoch {epoch}: too late to test a resume");
    assert!(!run.join("metrics.json").exists(), "a killed run must not have final metrics");

    // What a kill can leave behind: a half-written file and a half-written checkpoint.
    std::fs::write(run.join("history.jsonl.tmp"), b"{\"epoch\":").unwrap();
    std::fs::write(run.join("history.csv.tmp"), b"epoch,acc").unwrap();
    std::fs::create_dir_all(run.join("checkpoint.tmp")).unwrap();
    let resumed = train(&killed).stderr(Stdio::piped()).output().unwrap();
    let stderr = String::from_utf8_lossy(&resumed.stderr);
    assert!(resumed.status.success(), "resume failed: {stderr}");
    assert!(stderr.contains(&format!("resuming after epoch {epoch} of {epochs} from its checkpoint")), "{stderr}");
    let a = std::fs::read_to_string(straight.join("categorical/seed-0/metrics.json")).unwrap();
    let b = std::fs::read_to_string(run.join("metrics.json")).unwrap();
    assert_eq!(a, b, "metrics.json differs between the straight run and the killed-and-resumed run");
    let logits = |d: &Path| std::fs::read(d.join("logits_test.npy")).unwrap();
    assert_eq!(logits(&straight.join("categorical/seed-0")), logits(&run), "test logits differ");
    // The history, to the last digit, apart from the epochs' wall-clock seconds.
    let history = |d: &Path| -> Vec<String> {
        std::fs::read_to_string(d.join("history.jsonl"))
            .unwrap()
            .lines()
            .map(|l| {
                let at = l.find("\"seconds\":").unwrap();
                let end = at + l[at..].find(',').unwrap();
                format!("{}{}", &l[..at], &l[end + 1..])
            })
            .collect()
    };
    assert_eq!(history(&run).len(), epochs, "one history line per epoch, none duplicated by the resume");
    assert_eq!(history(&straight.join("categorical/seed-0")), history(&run), "history.jsonl differs");
    // history.csv likewise, apart from its last column (seconds).
    let history_csv = |d: &Path| -> Vec<String> {
        std::fs::read_to_string(d.join("history.csv"))
            .unwrap()
            .lines()
            .map(|l| l.rsplit_once(',').unwrap().0.to_string())
            .collect()
    };
    let csv = history_csv(&run);
    assert_eq!(csv.len(), 1 + epochs, "a header and one row per epoch");
    assert!(csv[0].starts_with("epoch,accuracy,learning_rate,loss,val_accuracy,val_loss,"), "{}", csv[0]);
    assert_eq!(history_csv(&straight.join("categorical/seed-0")), csv, "history.csv differs");
    let leftovers: Vec<_> = std::fs::read_dir(&run)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporaries left after the resume: {leftovers:?}");
}
