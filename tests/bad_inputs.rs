//! The committed bad-input corpus (`tests/bad-inputs/`, made by its `make.py`): every case runs the
//! CLI as `cases.tsv` says and must exit with code 2, name the file at fault, never panic, and
//! leave both the input files and an existing output directory exactly as they were.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/bad-inputs")
}

/// Every file below `dir` (relative path → SHA-256 of its content); directories as empty entries.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let p = entry.unwrap().path();
            let rel = p.strip_prefix(root).unwrap().to_path_buf();
            if p.is_dir() {
                out.insert(rel, String::new());
                walk(root, &p, out);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                out.insert(rel, format!("{:x}", Sha256::digest(&bytes)));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// An output directory as a user has it before the command: a finished-looking run inside.
fn existing_output() -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let run = out.path().join("runs/text/ag-news");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::write(run.join("report.md"), "# a report that must survive\n").unwrap();
    std::fs::write(out.path().join("r.wav"), b"RIFF....").unwrap();
    out
}

/// Runs `xent` with `args`, killing it after `limit`. Returns (exit code, stderr); `None` as the
/// code when it had to be killed.
fn run(args: &[String], limit: Duration) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xent"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run xent");
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            let out = child.wait_with_output().unwrap();
            return (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned());
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            return (None, String::from_utf8_lossy(&out.stderr).into_owned());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn every_bad_input_exits_2_naming_the_file_and_changes_nothing() {
    let table = std::fs::read_to_string(corpus().join("cases.tsv")).unwrap();
    let mut failures = Vec::new();
    let mut cases = 0;
    for line in table.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [case, names, args] = cols[..] else { panic!("cases.tsv: malformed line {line:?}") };
        cases += 1;
        let dir = corpus().join(case);
        assert!(dir.is_dir(), "{case}: no such case directory");
        let out = existing_output();
        let inputs = snapshot(&dir);
        let outputs = snapshot(out.path());
        let args: Vec<String> = args
            .split_whitespace()
            .map(|a| a.replace("{dir}", &dir.to_string_lossy()).replace("{out}", &out.path().to_string_lossy()))
            .collect();
        let (code, stderr) = run(&args, Duration::from_secs(60));
        let mut wrong = Vec::new();
        if code != Some(2) {
            wrong.push(format!("exit code {code:?}, not 2"));
        }
        if !stderr.contains(names) {
            wrong.push(format!("the message does not name {names}"));
        }
        if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
            wrong.push("it panicked".to_string());
        }
        if snapshot(&dir) != inputs {
            wrong.push("the input files changed".to_string());
        }
        if snapshot(out.path()) != outputs {
            wrong.push("the existing output directory changed".to_string());
        }
        if !wrong.is_empty() {
            failures.push(format!("{case}: {}\n    xent {}\n    {}", wrong.join("; "), args.join(" "), stderr.trim()));
        }
    }
    assert!(cases >= 60, "the corpus has {cases} cases");
    assert!(failures.is_empty(), "{} of {cases} cases failed:\n{}", failures.len(), failures.join("\n"));
}
