//! End-to-end: `xent ecg …` and `xent train ecg` on hostile WFDB files built in a temporary
//! directory exit 2 with a message naming the file, without a panic, a hang or unbounded memory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs xent with a 60 s limit (a hang fails the test instead of blocking it).
fn xent(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xent"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run xent");
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("xent {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

/// Asserts exit code 2, a message naming `file`, and no panic.
fn refused(out: &Output, file: &str) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(file), "expected {file} in: {err}");
    assert!(!err.contains("panicked") && !err.contains("RUST_BACKTRACE"), "{err}");
    err
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn huge_sample_count_exits_2() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "r.dat", [0u8; 12]);
    write(d.path(), "r.hea", "r 2 360 9223372036854775807\nr.dat 212\nr.dat 212\n");
    let err = refused(&xent(&["ecg", "info", s(&d.path().join("r"))]), "r.hea");
    assert!(err.contains("9223372036854775807"), "{err}");
    write(d.path(), "r.hea", "r 1 360 9223372036854775807\nr.dat 16\n");
    refused(&xent(&["ecg", "info", s(&d.path().join("r"))]), "r.dat");
}

#[test]
fn tiny_sampling_frequency_exits_2_in_train_ecg() {
    let d = tempfile::tempdir().unwrap();
    let samples: Vec<u8> = (0..4000i16).flat_map(|i| (i % 40).to_le_bytes()).collect();
    let sum: i16 = (0..4000i16).fold(0i16, |a, i| a.wrapping_add(i % 40));
    write(d.path(), "100.dat", samples);
    write(d.path(), "100.hea", format!("100 1 1e-300 4000\n100.dat 16 200 16 0 0 {sum} 0 MLII\n"));
    // Three N beats and the end-of-file word.
    write(d.path(), "100.atr", [0xF4, 0x05, 0xF4, 0x05, 0xF4, 0x05, 0, 0]);
    let out = d.path().join("out");
    let o = xent(&["train", "ecg", "--data", s(d.path()), "--records", "100", "--out", s(&out), "--quiet"]);
    let err = refused(&o, "record 100");
    assert!(err.contains("upsampling"), "{err}");
}

#[cfg(unix)]
#[test]
fn endless_and_fifo_dat_exit_2_without_hanging() {
    let d = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/dev/zero", d.path().join("z.dat")).unwrap();
    write(d.path(), "z.hea", "z 1 360\nz.dat 16\n");
    let err = refused(&xent(&["ecg", "info", s(&d.path().join("z"))]), "z.dat");
    assert!(err.contains("not a regular file"), "{err}");

    assert!(Command::new("mkfifo").arg(d.path().join("f.dat")).status().unwrap().success());
    write(d.path(), "f.hea", "f 1 360 100\nf.dat 16\n");
    let err = refused(&xent(&["ecg", "info", s(&d.path().join("f"))]), "f.dat");
    assert!(err.contains("FIFO"), "{err}");
}

#[test]
fn bad_annotations_exit_2_naming_file_and_offset() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "r.dat", [0u8; 20]);
    write(d.path(), "r.hea", "r 1 360 10\nr.dat 16\n");
    // No terminator.
    write(d.path(), "r.atr", [0xF4, 0x05, 0xF4, 0x05]);
    let err = refused(&xent(&["ecg", "info", s(&d.path().join("r"))]), "r.atr: byte offset 4");
    assert!(err.contains("end-of-file word"), "{err}");
    // Cut mid-word.
    write(d.path(), "r.atr", [0xF4, 0x05, 0xF4]);
    refused(&xent(&["ecg", "info", s(&d.path().join("r"))]), "r.atr: byte offset 2");
}

#[test]
fn absurd_sampling_frequency_in_detect_exits_2() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "r.dat", [0u8; 2000]);
    write(d.path(), "r.hea", "r 1 1e300 1000\nr.dat 16\n");
    let err = refused(&xent(&["ecg", "detect", s(&d.path().join("r"))]), "r.hea:1");
    assert!(err.contains("sampling frequency"), "{err}");
}

#[test]
fn signal_file_outside_the_record_directory_exits_2() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "r.hea", "r 1 360 1\n../../../../etc/hostname 16\n");
    let err = refused(&xent(&["ecg", "info", s(&d.path().join("r"))]), "r.hea:2");
    assert!(err.contains("../../../../etc/hostname"), "{err}");
}
