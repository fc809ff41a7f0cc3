//! Multi-segment records that cannot be read as one record: each is a typed error naming the
//! header at fault and the field, never a panic or an allocation the input does not justify.

use std::path::Path;

use xent_ecg::{EcgError, ReadConfig, Record};

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// A one-signal format-16 segment `name` of `n` frames (values 0..n) with gain `gain`.
fn segment(dir: &Path, name: &str, n: usize, gain: &str, signal: &str) {
    let v: Vec<u8> = (0..n as i16).flat_map(|x| x.to_le_bytes()).collect();
    std::fs::write(dir.join(format!("{name}.dat")), v).unwrap();
    let checksum = n * n.saturating_sub(1) / 2;
    write(dir, &format!("{name}.hea"), &format!("{name} 1 250 {n}\n{name}.dat 16 {gain} 16 0 0 {checksum} 0 {signal}\n"));
}

fn open(dir: &Path) -> EcgError {
    Record::open_with(dir.join("m"), &ReadConfig { annotations: false, ..ReadConfig::default() }).unwrap_err()
}

fn segments_error(e: &EcgError, file: &str, words: &str) {
    assert!(matches!(e, EcgError::Segments { .. }), "{e}");
    let s = e.to_string();
    assert!(s.contains(file) && s.contains(words), "{s}");
}

#[test]
fn fixed_layout_concatenates_and_null_segments_hold_the_invalid_value() {
    let d = tempfile::tempdir().unwrap();
    segment(d.path(), "a", 3, "200", "I");
    segment(d.path(), "b", 2, "200", "I");
    write(d.path(), "m.hea", "m/3 1 250 7\na 3\n~ 2\nb 2\n");
    let r = Record::open(d.path().join("m")).unwrap();
    assert_eq!(r.signals[0].samples, vec![0, 1, 2, -32768, -32768, 0, 1]);
    assert_eq!((r.sig_len(), r.name.as_str(), r.header.signals.len()), (7, "m", 1));
}

#[test]
fn inconsistent_segments_are_errors_naming_the_header_and_field() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    segment(p, "a", 3, "200", "I");
    segment(p, "g", 3, "100", "I");
    segment(p, "x", 3, "200", "X");
    // Calibration changes between segments.
    write(p, "m.hea", "m/2 1 250 6\na 3\ng 3\n");
    segments_error(&open(p), "g.hea", "gain 100 differs from 200");
    // A fixed layout whose signals change.
    write(p, "m.hea", "m/2 1 250 6\na 3\nx 3\n");
    segments_error(&open(p), "x.hea", "fixed-layout");
    // A variable layout whose segment holds a signal the layout does not name.
    write(p, "l.hea", "l 1 250 0\n~ 0 200/mV 16 0 0 0 0 I\n");
    write(p, "m.hea", "m/3 1 250 6\nl 0\na 3\nx 3\n");
    segments_error(&open(p), "x.hea", "not in the layout header");
    // Lengths: the master's total, a segment's own length.
    write(p, "m.hea", "m/1 1 250 9\na 3\n");
    segments_error(&open(p), "m.hea", "differs from the sum of the segment lengths");
    write(p, "m.hea", "m/1 1 250 4\na 4\n");
    segments_error(&open(p), "a.hea", "has 3 frames; the master header says 4");
    // Another sampling frequency.
    write(p, "f.hea", "f 1 500 3\na.dat 16 200 16 0 0 3 0 I\n");
    write(p, "m.hea", "m/2 1 250 6\na 3\nf 3\n");
    segments_error(&open(p), "f.hea", "sampling frequency");
    // A segment that is itself multi-segment (a loop through the master, here).
    write(p, "m.hea", "m/2 1 250 6\na 3\nm 3\n");
    segments_error(&open(p), "m.hea", "itself a multi-segment record");
    // Only null segments: no signal is described.
    write(p, "m.hea", "m/1 1 250 3\n~ 3\n");
    segments_error(&open(p), "m.hea", "every segment is null");
}

#[test]
fn a_tiny_master_header_cannot_demand_a_huge_allocation() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    segment(p, "a", 3, "200", "I");
    for hea in ["m/2 1 250\na 3\n~ 99999999999999\n", "m/2 1 250\na 3\n~ 18446744073709551615\n"] {
        write(p, "m.hea", hea);
        let e = open(p);
        assert!(matches!(e, EcgError::Segments { .. }), "{e}");
        assert!(e.to_string().contains("m.hea"), "{e}");
    }
    // Segment names stay inside the directory.
    write(p, "m.hea", "m/1 1 250 3\n../a 3\n");
    let e = open(p).to_string();
    assert!(e.contains("m.hea:2") && e.contains("outside"), "{e}");
}
