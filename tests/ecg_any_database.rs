//! End-to-end: `xent train ecg` on a WFDB database that is not MIT-BIH — records made here at
//! 250 Hz with their own names, a patient with two records, and a beat symbol outside AAMI's
//! table — with the training and test records named on the command line.

use std::path::Path;
use std::process::{Command, Output};

use xent_ecg::annotation::{Annotation, encode};

fn xent(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xent")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().expect("run xent")
}

const FS: f64 = 250.0;

/// One record: 60 s of one lead (format 16, 200 adu/mV) with a beat every 0.8 s, every fifth a
/// wide inverted ventricular beat (`V`, code 5), every seventh a bundle-branch-block beat (`B`,
/// code 25, not in AAMI's table); returns the number of beats of each kind.
fn write_record(dir: &Path, name: &str, phase: f64) -> (usize, usize, usize) {
    let n = (60.0 * FS) as usize;
    let mut x = vec![0.0f64; n];
    let mut annotations = Vec::new();
    let (mut t, mut k, mut counts) = (1.6 + phase, 0usize, (0, 0, 0));
    while t < 58.0 {
        let (code, amplitude, width) = match (k % 5, k % 7) {
            (4, _) => (5, -1.5, 0.05),
            (_, 6) => (25, 1.2, 0.035),
            _ => (1, 1.0, 0.02),
        };
        match code {
            5 => counts.1 += 1,
            25 => counts.2 += 1,
            _ => counts.0 += 1,
        }
        let centre = t * FS;
        for (i, v) in x.iter_mut().enumerate() {
            let d = (i as f64 - centre) / (width * FS);
            if d.abs() < 6.0 {
                *v += amplitude * (-0.5 * d * d).exp();
            }
        }
        annotations.push(Annotation { sample: centre.round() as i64, code, subtype: 0, chan: 0, num: 0, aux: None });
        t += if code == 5 { 0.55 } else { 0.8 + 0.05 * ((k as f64) * 1.3 + phase).sin() };
        k += 1;
    }
    let digital: Vec<i16> = x.iter().enumerate().map(|(i, v)| (200.0 * (v + 0.02 * (i as f64 * 0.05).sin())).round() as i16).collect();
    let checksum = digital.iter().fold(0i16, |s, &v| s.wrapping_add(v));
    let bytes: Vec<u8> = digital.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(dir.join(format!("{name}.dat")), bytes).unwrap();
    std::fs::write(
        dir.join(format!("{name}.hea")),
        format!("{name} 1 {FS} {n}\n{name}.dat 16 200 16 0 {} {checksum} 0 II\n", digital[0]),
    )
    .unwrap();
    std::fs::write(dir.join(format!("{name}.atr")), encode(&annotations)).unwrap();
    counts
}

#[test]
fn trains_on_named_records_of_another_database() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    std::fs::create_dir(&db).unwrap();
    let names = ["I01", "I02", "I03", "I04", "I05", "I06"];
    let counts: Vec<_> = names.iter().enumerate().map(|(i, n)| write_record(&db, n, 0.1 * i as f64)).collect();
    std::fs::write(db.join("RECORDS"), names.join("\n") + "\n").unwrap();
    let list = tmp.path().join("test-records.txt");
    std::fs::write(&list, "# held-out patients\nI05\nI06\n").unwrap();
    let patients = tmp.path().join("patients.csv");
    std::fs::write(&patients, "I01,p1\nI02,p1\n").unwrap();
    let symbols = tmp.path().join("symbols.csv");
    std::fs::write(&symbols, "B,N\n").unwrap();
    let out = tmp.path().join("exp");
    let (db_s, list_s, patients_s, symbols_s, out_s) =
        (db.to_str().unwrap(), list.to_str().unwrap(), patients.to_str().unwrap(), symbols.to_str().unwrap(), out.to_str().unwrap());

    let common = ["train", "ecg", "--data", db_s, "--train-records", "I01,I02,I03,I04", "--patients", patients_s];
    // A patient on both sides is refused.
    let o = xent(&[&common[..], &["--test-records", "I02,I05", "--quiet"]].concat());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("patient p1 is on both sides"), "{err}");
    // Without named records a database without DS1/DS2 is a clear error.
    let o = xent(&["train", "ecg", "--data", db_s, "--quiet"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("name the training and test records"), "{err}");

    let at_list = format!("@{list_s}");
    let args = [
        &common[..],
        &["--test-records", &at_list, "--symbol-map", symbols_s, "--seeds", "1", "--epochs", "1"],
        &["--losses", "categorical,binary", "--class-weights", "none", "--quiet", "--out", out_s],
    ]
    .concat();
    let o = xent(&args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    // Every beat is inside its window; with B mapped to N every beat of the training records trains.
    let train_beats: usize = counts[..4].iter().map(|c| c.0 + c.1 + c.2).sum();
    let test_beats: usize = counts[4..].iter().map(|c| c.0 + c.1 + c.2).sum();
    assert!(
        err.contains(&format!("inter-patient, the named training → test records: {train_beats} training beats (4 records), {test_beats} test beats (2 records)")),
        "{err}"
    );
    for run in ["categorical/seed-0", "binary/seed-0"] {
        assert!(out.join(run).join("metrics.json").is_file(), "{run}");
    }
    assert!(out.join("report.md").is_file() && out.join("aami.md").is_file());

    // Cross-validation on the training records keeps the two records of patient p1 in one fold.
    let o = xent(&[&common[..], &["--test-records", "I05,I06", "--cv", "3", "--seeds", "1", "--epochs", "1", "--quiet", "--out", out_s]].concat());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let folds: Vec<&str> = err.lines().filter(|l| l.contains("cross-validation on the training side")).collect();
    assert_eq!(folds.len(), 3, "{err}");
    assert!(folds.iter().any(|l| l.contains("validation records I01,I02 ")), "{err}");
    assert!(!folds.iter().any(|l| l.contains("I05") || l.contains("I06")), "{err}");
}
