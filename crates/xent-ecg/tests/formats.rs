//! Format 16 and odd-sized format 212 files through the full reader, written from record 100's
//! real samples.

use std::path::PathBuf;

use xent_ecg::Record;
use xent_ecg::signal::{checksum, encode_212};

fn r100() -> Record {
    Record::open(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../datasets/mitdb/100")).unwrap()
}

#[test]
fn format_16_two_signals_interleaved() {
    let r = r100();
    let n = 10_000;
    let (a, b) = (&r.signals[0].samples[..n], &r.signals[1].samples[..n]);
    let d = tempfile::tempdir().unwrap();
    let mut dat = Vec::with_capacity(4 * n);
    for i in 0..n {
        dat.extend_from_slice(&(a[i] as i16).to_le_bytes());
        dat.extend_from_slice(&(b[i] as i16).to_le_bytes());
    }
    std::fs::write(d.path().join("x.dat"), dat).unwrap();
    let hea = format!(
        "x 2 360 {n}\nx.dat 16 200 16 1024 {} {} 0 MLII\nx.dat 16 200 16 1024 {} {} 0 V5\n",
        a[0],
        checksum(a),
        b[0],
        checksum(b)
    );
    std::fs::write(d.path().join("x.hea"), hea).unwrap();
    let x = Record::open(d.path().join("x")).unwrap();
    assert_eq!(x.signals[0].samples, a);
    assert_eq!(x.signals[1].samples, b);
    assert!(x.annotations.is_none());
}

#[test]
fn format_212_three_signals_odd_sample_count_and_byte_offset() {
    let r = r100();
    let n = 1001; // 3 × 1001 samples: an odd total, so the last sample takes 2 bytes
    let s0 = &r.signals[0].samples[..n];
    let s1 = &r.signals[1].samples[..n];
    let s2: Vec<i32> = s0.iter().zip(s1).map(|(p, q)| p - q).collect();
    let mut flat = Vec::with_capacity(3 * n);
    for i in 0..n {
        flat.extend_from_slice(&[s0[i], s1[i], s2[i]]);
    }
    let mut dat = vec![0xAB; 16]; // a 16-byte prolog skipped through `+16`
    dat.extend(encode_212(&flat));
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("y.dat"), &dat).unwrap();
    let line = |s: &[i32], name: &str| format!("y.dat 212+16 200 11 1024 {} {} 0 {name}\r\n", s[0], checksum(s));
    let hea = format!("y 3 360 {n}\r\n{}{}{}", line(s0, "MLII"), line(s1, "V5"), line(&s2, "diff"));
    std::fs::write(d.path().join("y.hea"), hea).unwrap();
    let y = Record::open(d.path().join("y")).unwrap();
    assert_eq!(y.signals[0].samples, s0);
    assert_eq!(y.signals[1].samples, s1);
    assert_eq!(y.signals[2].samples, s2);
    // Without the sample count, the length is inferred from the file size.
    let hea = format!("y 3 360\r\n{}{}{}", line(s0, "MLII"), line(s1, "V5"), line(&s2, "diff"));
    std::fs::write(d.path().join("y.hea"), hea).unwrap();
    assert_eq!(Record::open(d.path().join("y")).unwrap().sig_len(), n);
}
