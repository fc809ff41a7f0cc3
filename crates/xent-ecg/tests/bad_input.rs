//! Bad input on copies of real records: each failure is a typed error naming the file and the
//! line, byte offset or record at fault; nothing panics.

use std::path::{Path, PathBuf};

use xent_ecg::wav::{self, WavReadConfig};
use xent_ecg::{BeatSet, BeatWindow, EcgError, Record};

fn mitdb() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../datasets/mitdb")
}

/// Copies record `name` into `dir`, letting `edit` change (extension, bytes) on the way.
fn copy(dir: &Path, name: &str, edit: impl Fn(&str, Vec<u8>) -> Option<Vec<u8>>) -> PathBuf {
    for ext in ["hea", "dat", "atr"] {
        let b = std::fs::read(mitdb().join(format!("{name}.{ext}"))).unwrap();
        if let Some(b) = edit(ext, b) {
            std::fs::write(dir.join(format!("{name}.{ext}")), b).unwrap();
        }
    }
    dir.join(name)
}

#[test]
fn truncated_dat() {
    let d = tempfile::tempdir().unwrap();
    let rec = copy(d.path(), "100", |e, b| Some(if e == "dat" { b[..b.len() - 1].to_vec() } else { b }));
    let e = Record::open(&rec).unwrap_err();
    assert!(matches!(e, EcgError::Truncated { needed: 1_950_000, available: 1_949_999, .. }), "{e}");
    assert!(e.to_string().contains("100.dat"), "{e}");
}

#[test]
fn checksum_mismatch_in_header_and_in_data() {
    let d = tempfile::tempdir().unwrap();
    let rec = copy(d.path(), "100", |e, b| {
        Some(if e == "hea" { String::from_utf8(b).unwrap().replace("20052", "20053").into_bytes() } else { b })
    });
    let e = Record::open(&rec).unwrap_err().to_string();
    assert!(e.contains("record 100, signal 1 (V5): checksum mismatch") && e.contains("20053") && e.contains("20052"), "{e}");

    let d = tempfile::tempdir().unwrap();
    let rec = copy(d.path(), "100", |e, mut b| {
        if e == "dat" {
            b[3000] ^= 0x01; // low byte of signal 0's sample 2000
        }
        Some(b)
    });
    let e = Record::open(&rec).unwrap_err().to_string();
    assert!(e.contains("record 100, signal 0 (MLII): checksum mismatch") && e.contains("100.dat"), "{e}");
    // Verification can be switched off.
    let cfg = xent_ecg::ReadConfig { verify: false, ..Default::default() };
    assert!(Record::open_with(&rec, &cfg).is_ok());
}

#[test]
fn header_with_missing_field_or_unknown_format() {
    let d = tempfile::tempdir().unwrap();
    let rec = copy(d.path(), "100", |e, b| {
        Some(if e == "hea" { String::from_utf8(b).unwrap().replace("100.dat 212 200 11 1024 1011 20052 0 V5", "100.dat").into_bytes() } else { b })
    });
    let e = Record::open(&rec).unwrap_err().to_string();
    assert!(e.contains("100.hea:3") && e.contains("missing format"), "{e}");

    let d = tempfile::tempdir().unwrap();
    let rec = copy(d.path(), "100", |e, b| Some(if e == "hea" { String::from_utf8(b).unwrap().replace(" 212 ", " 999 ").into_bytes() } else { b }));
    let e = Record::open(&rec).unwrap_err();
    assert!(matches!(e, EcgError::UnsupportedFormat { format: 999, signal: 0, .. }), "{e}");
    assert!(e.to_string().contains("100.hea") && e.to_string().contains("unsupported"), "{e}");
}

#[test]
fn lf_only_header_reads_the_same_record() {
    let d = tempfile::tempdir().unwrap();
    let rec = copy(d.path(), "100", |e, b| Some(if e == "hea" { String::from_utf8(b).unwrap().replace("\r\n", "\n").into_bytes() } else { b }));
    assert!(!std::fs::read(d.path().join("100.hea")).unwrap().contains(&b'\r'));
    let lf = Record::open(&rec).unwrap();
    let crlf = Record::open(mitdb().join("100")).unwrap();
    assert_eq!(lf.header, crlf.header);
    assert_eq!(lf.signals, crlf.signals);
}

#[test]
fn atr_ending_mid_annotation() {
    let d = tempfile::tempdir().unwrap();
    // 100.atr starts with a `+` annotation carrying the AUX text "(N"; cut inside the AUX string.
    let rec = copy(d.path(), "100", |e, b| Some(if e == "atr" { b[..5].to_vec() } else { b }));
    let e = Record::open(&rec).unwrap_err();
    assert!(matches!(e, EcgError::Annotation { offset: 2, .. }), "{e}");
    assert!(e.to_string().contains("100.atr: byte offset 2") && e.to_string().contains("mid-annotation"), "{e}");
    // Cut inside a word.
    let d = tempfile::tempdir().unwrap();
    let rec = copy(d.path(), "100", |e, b| Some(if e == "atr" { b[..1001].to_vec() } else { b }));
    let e = Record::open(&rec).unwrap_err().to_string();
    assert!(e.contains("100.atr: byte offset 1000") && e.contains("mid-annotation"), "{e}");
}

#[test]
fn missing_atr_keeps_the_signal_but_not_the_beats() {
    let d = tempfile::tempdir().unwrap();
    let rec = copy(d.path(), "100", |e, b| (e != "atr").then_some(b));
    let r = Record::open(&rec).unwrap();
    assert_eq!(r.sig_len(), 650_000);
    assert!(r.annotations.is_none());
    let e = BeatSet::from_record(&r, &BeatWindow::default()).unwrap_err();
    assert!(matches!(e, EcgError::MissingAnnotations { .. }));
    assert!(e.to_string().contains("100.atr"), "{e}");
}

#[test]
fn missing_header_names_the_file() {
    let e = Record::open("/nonexistent/dir/999").unwrap_err().to_string();
    assert!(e.contains("/nonexistent/dir/999.hea"), "{e}");
}

#[test]
fn wfdb_to_wav_to_signal_is_sample_exact() {
    let d = tempfile::tempdir().unwrap();
    for name in ["100", "232"] {
        let r = Record::open(mitdb().join(name)).unwrap();
        let out = d.path().join(format!("{name}.wav"));
        wav::write_wav(&r, &out).unwrap();
        let back = wav::read_wav(&out, &WavReadConfig::default()).unwrap();
        assert_eq!(back.name, r.name);
        assert_eq!(back.fs(), r.fs());
        assert_eq!(back.signals.len(), 2);
        for (a, b) in r.signals.iter().zip(&back.signals) {
            assert!(a.samples == b.samples, "{name}: samples differ");
            assert_eq!((a.spec.gain, a.spec.baseline, &a.spec.description, &a.spec.units), (b.spec.gain, b.spec.baseline, &b.spec.description, &b.spec.units));
            assert_eq!(a.spec.checksum, b.spec.checksum);
            assert_eq!(a.physical(), b.physical());
        }
    }
}
