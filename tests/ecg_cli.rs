//! End-to-end: `xent ecg …` on the real MIT-BIH records and on broken copies.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn xent(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xent")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().expect("run xent")
}

fn mitdb() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/mitdb")
}

/// Rows of record_summary.tsv as (record, fields).
fn summary() -> Vec<Vec<String>> {
    std::fs::read_to_string(mitdb().join("record_summary.tsv"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("record\t"))
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

fn aami_of(symbol: &str) -> Option<&'static str> {
    match symbol {
        "N" | "L" | "R" | "e" | "j" => Some("N"),
        "A" | "a" | "J" | "S" => Some("S"),
        "V" | "E" => Some("V"),
        "F" => Some("F"),
        "/" | "f" | "Q" => Some("Q"),
        _ => None,
    }
}

#[test]
fn info_json_matches_record_summary_for_all_48_records() {
    let rows = summary();
    assert_eq!(rows.len(), 48);
    for f in rows {
        let rec = format!("datasets/mitdb/{}", f[0]);
        let out = xent(&["ecg", "info", &rec, "--json"]);
        assert!(out.status.success(), "{rec}: {}", String::from_utf8_lossy(&out.stderr));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["record"], f[0].as_str());
        assert_eq!(v["fs"].as_f64(), f[1].parse().ok());
        assert_eq!(v["sig_len"].as_u64(), f[2].parse().ok());
        for (s, (name, init, sum)) in [(&f[3], &f[5], &f[6]), (&f[4], &f[7], &f[8])].into_iter().enumerate() {
            let sig = &v["signals"][s];
            assert_eq!(sig["name"], name.as_str(), "{rec}");
            assert_eq!(sig["format"], 212);
            assert_eq!(sig["gain"], 200.0);
            assert_eq!(sig["initial_value"].as_i64(), init.parse().ok(), "{rec}");
            assert_eq!(sig["checksum"].as_i64(), sum.parse().ok(), "{rec}");
            // The 16-bit checksum is the full sum modulo 2^16.
            assert_eq!(sig["sum"].as_i64().unwrap() as i16 as i64, sum.parse::<i64>().unwrap(), "{rec}");
            assert!(sig["min"].as_i64().unwrap() <= sig["max"].as_i64().unwrap());
        }
        assert_eq!(v["annotations"]["total"].as_u64(), f[9].parse().ok(), "{rec}");
        let mut aami = std::collections::BTreeMap::from([("N", 0u64), ("S", 0), ("V", 0), ("F", 0), ("Q", 0)]);
        for kv in f[11].split(' ') {
            let (k, n) = kv.rsplit_once(':').unwrap();
            let n: u64 = n.parse().unwrap();
            assert_eq!(v["annotations"]["by_symbol"][k].as_u64(), Some(n), "{rec} {k}");
            if let Some(c) = aami_of(k) {
                *aami.get_mut(c).unwrap() += n;
            }
        }
        assert_eq!(v["annotations"]["by_symbol"].as_object().unwrap().len(), f[11].split(' ').count());
        for (k, n) in aami {
            assert_eq!(v["beats_by_aami"][k].as_u64(), Some(n), "{rec} {k}");
        }
    }
}

fn copy_record(dir: &Path, name: &str, dat_bytes: Option<usize>, with_atr: bool) -> PathBuf {
    std::fs::copy(mitdb().join(format!("{name}.hea")), dir.join(format!("{name}.hea"))).unwrap();
    let dat = std::fs::read(mitdb().join(format!("{name}.dat"))).unwrap();
    let n = dat_bytes.unwrap_or(dat.len());
    std::fs::write(dir.join(format!("{name}.dat")), &dat[..n]).unwrap();
    if with_atr {
        std::fs::copy(mitdb().join(format!("{name}.atr")), dir.join(format!("{name}.atr"))).unwrap();
    }
    dir.join(name)
}

#[test]
fn truncated_record_exits_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let rec = copy_record(dir.path(), "100", Some(1_000_000), true);
    let out = xent(&["ecg", "info", rec.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("100.dat") && err.contains("truncated") && err.contains("1000000"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn missing_annotations_still_show_the_signal() {
    let dir = tempfile::tempdir().unwrap();
    let rec = copy_record(dir.path(), "101", None, false);
    let out = xent(&["ecg", "info", rec.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["sig_len"], 650000);
    assert!(v["annotations"].is_null() && v["beats_by_aami"].is_null());
    let out = xent(&["ecg", "detect", "--eval", rec.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("101.atr"));
}

#[test]
fn to_wav_then_detect_on_the_wav() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("100.wav");
    let out = xent(&["ecg", "to-wav", "datasets/mitdb/100", wav.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.path().join("100.json").exists());
    let out = xent(&["ecg", "info", wav.to_str().unwrap(), "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["fs"].as_f64(), v["sig_len"].as_u64()), (Some(360.0), Some(650000)));
    assert_eq!(v["signals"][0]["name"], "MLII");
    assert_eq!(v["signals"][0]["checksum"], -22131);
    let out = xent(&["ecg", "detect", wav.to_str().unwrap(), "--json"]);
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let n = v[0]["r_peaks"].as_array().unwrap().len();
    assert!((2263..=2283).contains(&n), "{n} R peaks on record 100 (2273 beats)");
}

#[test]
fn detect_eval_on_a_record() {
    let out = xent(&["ecg", "detect", "--eval", "--json", "datasets/mitdb/100"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let t = &v["total"];
    assert_eq!(t["tp"].as_u64().unwrap() + t["fn"].as_u64().unwrap(), 2273);
    assert!(t["se"].as_f64().unwrap() > 0.995 && t["ppv"].as_f64().unwrap() > 0.995, "{t}");
}

#[test]
fn usage_error_exits_2() {
    let out = xent(&["ecg", "info"]);
    assert_eq!(out.status.code(), Some(2));
}
