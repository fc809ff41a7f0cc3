//! `xent train ecg` and `xent train text` speak one language: the same common options in both
//! `--help`s, every closed choice listed, an example in each, old spellings still accepted with a
//! note, and exit code 2 for bad usage.

use std::process::{Command, Output};

fn xent(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xent")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().expect("run xent")
}

fn help(sub: &str) -> String {
    let o = xent(&["train", sub, "--help"]);
    assert_eq!(o.status.code(), Some(0));
    String::from_utf8(o.stdout).unwrap()
}

/// The "Common options" section of a `--help`.
fn common_section(help: &str) -> String {
    let start = help.find("Common options").unwrap_or_else(|| panic!("no common options in\n{help}"));
    // Up to the next heading: the next line that starts at the margin.
    let mut lines = help[start..].lines();
    let heading = lines.next().unwrap_or_default();
    let body: Vec<&str> = lines.take_while(|l| l.is_empty() || l.starts_with(' ')).collect();
    format!("{heading}\n{}", body.join("\n"))
}

#[test]
fn both_train_commands_list_the_same_common_options() {
    let (ecg, text) = (help("ecg"), help("text"));
    let common = common_section(&ecg);
    assert_eq!(common, common_section(&text));
    for flag in ["--losses", "--seeds", "--data", "--out", "--force", "--quiet", "--device"] {
        assert!(common.contains(flag), "{flag} missing from\n{common}");
    }
    for choice in ["categorical", "binary", "softmax-binary", "softmax-binary-keras3"] {
        assert!(common.contains(&format!("- {choice}:")), "{choice}: {common}");
    }
    for h in [&ecg, &text] {
        assert!(h.contains("Examples:"), "{h}");
    }
    for (h, choices) in [(&text, &["r8", "r52", "r90", "bbc", "ag-news", "question", "kim", "wordpiece"][..]), (&ecg, &["cnn-plain", "resnet-deep", "nsvfq"][..])] {
        for choice in choices {
            assert!(h.contains(&format!("- {choice}:")), "{choice}: {h}");
        }
    }
}

#[test]
fn bad_usage_exits_2_with_the_reason() {
    for (args, want) in [
        (&["train", "ecg", "--seeds", "0"][..], "a count of 0 seeds"),
        (&["train", "text", "--seeds", "1,1"][..], "seed 1 is listed twice"),
        (&["train", "text", "--optimizer", "rmsprop"][..], "invalid value 'rmsprop'"),
        (&["train", "text", "--optimizer", "adam", "--momentum", "0.5", "--limit", "10"][..], "--momentum applies to --optimizer sgd"),
        (&["train", "ecg", "--device", "gpu"][..], "unknown device \"gpu\""),
        (&["train", "text", "--device", "cuda:x"][..], "\"x\" is not a device index"),
    ] {
        let o = xent(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
}

/// A GPU the binary was built without is refused before any data is read, naming the feature
/// (the default build has neither GPU feature).
#[cfg(not(any(feature = "wgpu", feature = "cuda")))]
#[test]
fn a_gpu_left_out_of_the_build_exits_2_naming_its_feature() {
    for (sub, device, feature) in [("ecg", "cuda", "cuda"), ("text", "cuda:1", "cuda"), ("ecg", "wgpu", "wgpu")] {
        let o = xent(&["train", sub, "--device", device, "--data", "/nonexistent"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{device}: {err}");
        assert!(err.contains(&format!("--features {feature}")), "{device}: {err}");
    }
}

#[test]
fn old_spellings_still_work_with_a_deprecation_note() {
    // A corpus folder that does not exist: the command gets as far as reading it, so the flags
    // were accepted, and fails with exit code 2 naming the file.
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no-datasets");
    let runs = tmp.path().join("runs");
    let o = xent(&[
        "train", "text", "--model", "seed", "--configs", "categorical", "--datasets", missing.to_str().unwrap(), "--runs",
        runs.to_str().unwrap(), "--name", "old", "--resume", "--seeds", "1", "--quiet",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for old in ["--model seed", "--configs", "--datasets", "--runs and --name", "--resume"] {
        assert!(err.contains(&format!("warning: {old} is deprecated")), "{old}: {err}");
    }
    assert!(err.contains("no-datasets"), "{err}");
    let o = xent(&["train", "ecg", "--seed-setup", "--data", missing.to_str().unwrap(), "--seeds", "1", "--quiet"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("warning: --seed-setup is deprecated"), "{err}");
    assert_eq!(o.status.code(), Some(2), "{err}");
}

#[test]
fn a_batch_jobs_log_gets_a_line_per_epoch_and_per_run() {
    // Standard output and error both redirected to one file, as under sbatch or nohup.
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("job.log");
    let file = std::fs::File::create(&log).unwrap();
    let out = tmp.path().join("exp");
    let status = Command::new(env!("CARGO_BIN_EXE_xent"))
        .args(["train", "ecg", "--records", "101,100", "--beats-per-record", "150", "--seeds", "2", "--epochs", "2"])
        .args(["--losses", "categorical", "--out", out.to_str().unwrap()])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .status()
        .unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(status.success(), "{text}");
    for seed in 0..2 {
        for epoch in 1..=2 {
            let prefix = format!("categorical/seed-{seed}: epoch {epoch}/2: loss ");
            let line = text.lines().find(|l| l.contains(&prefix)).unwrap_or_else(|| panic!("no {prefix:?} in\n{text}"));
            assert!(line.contains(" acc ") && line.contains("(Keras 2 reports ") && line.ends_with(" s)"), "{line}");
        }
    }
    assert!(text.contains("[1/2] categorical seed 0") && text.contains("; 1 run left, about"), "{text}");
    assert!(text.contains("[2/2] categorical seed 1"), "{text}");
}
