//! The fuzz targets' smoke test: every target's body (fuzz/src/lib.rs, shared with `cargo fuzz`)
//! over its committed seeds (`fuzz/seeds/<target>/`) and crash reproductions
//! (`fuzz/regressions/<target>/`), in this workspace's ordinary build: no instrumentation, no
//! nightly features, so CI does not rebuild Burn for it. Each input must return (an error is fine)
//! without a panic and within a time limit; every seed (a real file, or a slice of one with its
//! header adjusted) must also be accepted, so the fuzzers start from valid inputs. Long runs are
//! `just fuzz TARGET SECONDS`.

#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod bodies;

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// Per input, in this test's build; the seeds take milliseconds.
const LIMIT: Duration = Duration::from_secs(20);

fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut v: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect();
    v.sort();
    v
}

/// Runs `body` on the file's bytes in its own thread: whether the reader accepted them, or `Err`
/// describing a panic or a hang.
fn run(body: fn(&[u8]) -> bool, file: &Path) -> Result<bool, String> {
    let data = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::Builder::new()
        .name(format!("fuzz {}", file.display()))
        .spawn(move || {
            let _ = tx.send(body(&data));
        })
        .map_err(|e| e.to_string())?;
    match rx.recv_timeout(LIMIT) {
        Ok(accepted) => worker.join().map(|()| accepted).map_err(|_| format!("{}: panicked", file.display())),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(format!("{}: no answer within {LIMIT:?} (hang)", file.display())),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(format!("{}: panicked (message above)", file.display())),
    }
}

#[test]
fn every_fuzz_target_survives_its_seeds_and_regressions() {
    let root = fuzz_dir();
    let mut failures = Vec::new();
    let mut ran = 0;
    for &(name, body) in bodies::TARGETS {
        assert!(root.join("fuzz_targets").join(format!("{name}.rs")).is_file(), "fuzz/fuzz_targets/{name}.rs is missing");
        let seeds = files(&root.join("seeds").join(name));
        assert!(!seeds.is_empty(), "fuzz/seeds/{name}/ holds no seed");
        for file in &seeds {
            ran += 1;
            match run(body, file) {
                Ok(true) => {}
                Ok(false) => failures.push(format!("{name}: seed {} is rejected by its reader", file.display())),
                Err(e) => failures.push(format!("{name}: {e}")),
            }
        }
        for file in files(&root.join("regressions").join(name)) {
            ran += 1;
            if let Err(e) = run(body, &file) {
                failures.push(format!("{name}: {e}"));
            }
        }
    }
    bodies::remove_scratch();
    assert!(failures.is_empty(), "{} of {ran} fuzz inputs failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_fuzz_target_file_is_listed() {
    let listed: Vec<&str> = bodies::TARGETS.iter().map(|t| t.0).collect();
    for file in files(&fuzz_dir().join("fuzz_targets")) {
        let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
        assert!(listed.contains(&stem.as_str()), "fuzz/fuzz_targets/{stem}.rs is not in fuzz/src/lib.rs TARGETS");
    }
}
