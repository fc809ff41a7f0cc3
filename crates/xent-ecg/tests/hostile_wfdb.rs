//! Hostile WFDB input: every file is built in a temporary directory, and every case must end in a
//! typed error naming the file (and line or byte offset where it applies) — no panic, no hang, no
//! unbounded memory — or, for the skew and byte offset, in the samples wfdb-python reads.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use xent_ecg::annotation::{self, Annotation};
use xent_ecg::pipeline::EcgDataConfig;
use xent_ecg::{BeatSet, EcgError, Header, Record, qrs, signal};

/// Writes `name.hea` (and `name.atr` when given) into `dir`; returns the record path.
fn record(dir: &Path, name: &str, hea: &str, atr: Option<&[u8]>) -> PathBuf {
    std::fs::write(dir.join(format!("{name}.hea")), hea).unwrap();
    if let Some(atr) = atr {
        std::fs::write(dir.join(format!("{name}.atr")), atr).unwrap();
    }
    dir.join(name)
}

fn le16(samples: &[i32]) -> Vec<u8> {
    samples.iter().flat_map(|&v| (v as i16).to_le_bytes()).collect()
}

fn beat(sample: i64) -> Annotation {
    Annotation { sample, code: 1, subtype: 0, chan: 0, num: 0, aux: None }
}

/// Runs `f` on another thread and fails the test if it takes longer than 20 s (a hang).
fn within_time<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(20)).expect("the reader hung")
}

#[test]
fn huge_declared_sample_counts_are_errors_naming_the_file() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("r.dat"), [0u8; 30]).unwrap();
    // 2^63 − 1 and usize::MAX samples: a byte size that overflows is a layout error naming the
    // header; one that fits is compared with the file's length (truncated, naming the `.dat`).
    let cases = [
        ("18446744073709551615", "212", 1, "r.hea"),
        ("18446744073709551615", "16", 1, "r.hea"),
        ("9223372036854775807", "16", 2, "r.hea"),
        ("9223372036854775807", "212", 2, "r.hea"),
        ("9223372036854775807", "212", 1, "r.dat"),
        ("9223372036854775807", "16", 1, "r.dat"),
    ];
    for (n, fmt, nsig, file) in cases {
        let lines: String = (0..nsig).map(|_| format!("r.dat {fmt} 200 12 0\n")).collect();
        let rec = record(d.path(), "r", &format!("r {nsig} 360 {n}\n{lines}"), None);
        let e = Record::open(&rec).unwrap_err();
        let want = if file == "r.hea" { matches!(e, EcgError::Layout { .. }) } else { matches!(e, EcgError::Truncated { available: 30, .. }) };
        assert!(want, "{n} × {nsig} in {fmt}: {e}");
        assert!(e.to_string().contains(file) && e.to_string().contains(n), "{e}");
    }
    // A count whose size fits but exceeds the file: truncated, with the bytes needed and present.
    let rec = record(d.path(), "r", "r 1 360 1000000000000\nr.dat 16\n", None);
    let e = Record::open(&rec).unwrap_err();
    assert!(matches!(e, EcgError::Truncated { needed: 2_000_000_000_000, available: 30, .. }), "{e}");
    assert!(e.to_string().contains("r.dat"), "{e}");
}

#[test]
fn tiny_sampling_frequency_is_refused_when_cutting_beats() {
    let d = tempfile::tempdir().unwrap();
    let samples: Vec<i32> = (0..2000).map(|i| i % 50).collect();
    std::fs::write(d.path().join("100.dat"), le16(&samples)).unwrap();
    let atr = annotation::encode(&[beat(500), beat(1000), beat(1500)]);
    let hea = format!("100 1 1e-300 2000\n100.dat 16 200 16 0 0 {} 0 MLII\n", signal::checksum(&samples));
    let rec = record(d.path(), "100", &hea, Some(&atr));
    let r = Record::open(&rec).unwrap();
    // `xent train ecg`'s window resamples to 180 Hz: 10^302-fold upsampling.
    let e = BeatSet::from_record(&r, &EcgDataConfig::default_window()).unwrap_err();
    assert!(e.to_string().contains("record 100") && e.to_string().contains("upsampling"), "{e}");
    // The whole `train ecg` loading path, on the directory.
    let cfg = EcgDataConfig { dir: d.path().into(), records: Some(vec!["100".into()]), ..EcgDataConfig::default() };
    let e = cfg.beats().unwrap_err();
    assert!(e.to_string().contains("record 100"), "{e}");
}

#[cfg(unix)]
#[test]
fn endless_dat_is_refused_before_reading() {
    let d = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/dev/zero", d.path().join("r.dat")).unwrap();
    for hea in ["r 1 360 1000\nr.dat 16\n", "r 1 360\nr.dat 212\n"] {
        let rec = record(d.path(), "r", hea, None);
        let e = within_time(move || Record::open(&rec).unwrap_err());
        assert!(matches!(e, EcgError::NotRegularFile { kind: "character device", .. }), "{e}");
        assert!(e.to_string().contains("r.dat"), "{e}");
    }
}

#[test]
fn dat_longer_than_declared_is_read_to_the_declared_length_and_shorter_is_truncated() {
    let d = tempfile::tempdir().unwrap();
    let samples: Vec<i32> = (0..100).map(|i| i * 3 - 50).collect();
    let mut bytes = le16(&samples);
    bytes.extend_from_slice(&[0xAB; 1001]);
    std::fs::write(d.path().join("r.dat"), &bytes).unwrap();
    let rec = record(d.path(), "r", "r 2 360 50\nr.dat 16\nr.dat 16\n", None);
    let r = Record::open(&rec).unwrap();
    assert_eq!(r.signals[0].samples, samples.iter().step_by(2).copied().collect::<Vec<_>>());
    assert_eq!(r.signals[1].samples, samples.iter().skip(1).step_by(2).copied().collect::<Vec<_>>());

    let rec = record(d.path(), "r", "r 2 360 700\nr.dat 16\nr.dat 16\n", None);
    let e = Record::open(&rec).unwrap_err();
    assert!(matches!(e, EcgError::Truncated { needed: 2800, available: 1201, samples: 700, .. }), "{e}");
    assert!(e.to_string().contains("r.dat"), "{e}");
}

#[cfg(unix)]
#[test]
fn fifo_and_directory_dat_are_refused_without_blocking() {
    let d = tempfile::tempdir().unwrap();
    let fifo = d.path().join("r.dat");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(status.success());
    let rec = record(d.path(), "r", "r 1 360 10\nr.dat 16\n", None);
    let e = within_time(move || Record::open(&rec).unwrap_err());
    assert!(matches!(e, EcgError::NotRegularFile { kind: "FIFO", .. }), "{e}");
    assert!(e.to_string().contains("r.dat") && e.to_string().contains("not a regular file"), "{e}");
    // The annotation file and the header are held to the same rule.
    std::fs::remove_file(&fifo).unwrap();
    std::fs::write(&fifo, le16(&[0; 10])).unwrap();
    std::process::Command::new("mkfifo").arg(d.path().join("r.atr")).status().unwrap();
    let rec = d.path().join("r");
    let e = within_time(move || Record::open(&rec).unwrap_err());
    assert!(e.to_string().contains("r.atr") && e.to_string().contains("FIFO"), "{e}");

    std::fs::create_dir(d.path().join("s.dat")).unwrap();
    let rec = record(d.path(), "s", "s 1 360 10\ns.dat 16\n", None);
    let e = Record::open(&rec).unwrap_err();
    assert!(matches!(e, EcgError::NotRegularFile { kind: "directory", .. }), "{e}");
}

#[test]
fn skew_is_applied_like_wfdb_python() {
    let d = tempfile::tempdir().unwrap();
    // Format 16, two interleaved signals, 6 frames; signal 1 skewed by 2.
    let a: Vec<i32> = vec![10, 11, 12, 13, 14, 15];
    let b: Vec<i32> = vec![20, 21, 22, 23, 24, 25];
    let frames: Vec<i32> = a.iter().zip(&b).flat_map(|(&x, &y)| [x, y]).collect();
    std::fs::write(d.path().join("r.dat"), le16(&frames)).unwrap();
    let rec = record(d.path(), "r", "r 2 360 6\nr.dat 16 200 16 0 10 75\nr.dat 16:2 200 16 0 20 135\n", None);
    let r = Record::open(&rec).unwrap();
    assert_eq!(r.signals[0].samples, a);
    // wfdb-python `rdrecord(physical=False)`: sample j is frame j + 2; the end is padded with the
    // format's invalid value. The header's first value and checksum describe the stored column.
    assert_eq!(r.signals[1].samples, vec![22, 23, 24, 25, -32768, -32768]);

    // Format 212 with a byte offset of 3 and a skew of 1 on signal 0.
    let a: Vec<i32> = vec![-5, 100, 2047, -2048];
    let b: Vec<i32> = vec![7, 8, 9, 10];
    let frames: Vec<i32> = a.iter().zip(&b).flat_map(|(&x, &y)| [x, y]).collect();
    let mut bytes = vec![0xEE; 3];
    bytes.extend(signal::encode_212(&frames));
    std::fs::write(d.path().join("t.dat"), bytes).unwrap();
    let rec = record(d.path(), "t", "t 2 360 4\nt.dat 212:1+3\nt.dat 212+3\n", None);
    let r = Record::open(&rec).unwrap();
    assert_eq!(r.signals[0].samples, vec![100, 2047, -2048, -2048]);
    assert_eq!(r.signals[1].samples, b);

    // A negative skew is refused, naming the header and line.
    let rec = record(d.path(), "t", "t 2 360 4\nt.dat 212+3\nt.dat 212:-1+3\n", None);
    let e = Record::open(&rec).unwrap_err().to_string();
    assert!(e.contains("t.hea:3") && e.contains("skew"), "{e}");
}

#[test]
fn annotation_files_that_are_cut_random_or_unterminated_are_errors_with_offsets() {
    let p = Path::new("r.atr");
    let full = annotation::encode(&[beat(10), beat(300), beat(700)]);
    assert_eq!(annotation::parse(&full, p).unwrap().len(), 3);
    // No terminator after a complete annotation.
    let e = annotation::parse(&full[..full.len() - 2], p).unwrap_err();
    assert!(matches!(e, EcgError::Annotation { offset: 6, .. }), "{e}");
    assert!(e.to_string().contains("r.atr: byte offset 6") && e.to_string().contains("end-of-file word"), "{e}");
    // Cut mid-word.
    let e = annotation::parse(&full[..5], p).unwrap_err().to_string();
    assert!(e.contains("byte offset 4") && e.contains("mid-annotation"), "{e}");
    // An empty file has no terminator either.
    assert!(annotation::parse(&[], p).unwrap_err().to_string().contains("end-of-file word"));
    // Bytes after the terminator.
    let mut trailing = full.clone();
    trailing.extend_from_slice(&[0x12, 0x04]);
    let e = annotation::parse(&trailing, p).unwrap_err().to_string();
    assert!(e.contains("byte offset 8") && e.contains("after the end-of-file word"), "{e}");
    // A code no standard assigns (53) is kept, as WFDB and wfdb-python keep it, with the symbol
    // `[53]`; an AUX word promising more bytes than the file holds is an error.
    let mut unknown = full.clone();
    unknown.splice(2..4, ((53u16 << 10) | 5).to_le_bytes());
    let a = annotation::parse(&unknown, p).unwrap();
    assert_eq!((a[1].code, a[1].symbol(), a[1].sample, a[1].is_beat()), (53, "[53]", 15, false));
    let mut aux = full.clone();
    aux.splice(2..4, ((63u16 << 10) | 200).to_le_bytes());
    let e = annotation::parse(&aux, p).unwrap_err().to_string();
    assert!(e.contains("byte offset 2") && e.contains("AUX of 200 bytes"), "{e}");
    // Random bytes (a fixed xorshift stream): never accepted silently.
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    for len in [2usize, 64, 511, 4096] {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let e = annotation::parse(&bytes, p).unwrap_err().to_string();
        assert!(e.starts_with("r.atr: byte offset "), "{e}");
    }
    // Through a record: a cut `.atr` fails the open, naming the file.
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("r.dat"), le16(&[0; 10])).unwrap();
    let rec = record(d.path(), "r", "r 1 360 10\nr.dat 16\n", Some(&full[..full.len() - 2]));
    let e = Record::open(&rec).unwrap_err().to_string();
    assert!(e.contains("r.atr: byte offset 6"), "{e}");
}

#[test]
fn absurd_sampling_frequencies_are_header_errors_and_detection_never_overflows() {
    for fs in ["1e300", "1e7", "inf", "NaN", "0", "-360"] {
        let e = Header::parse(format!("r 1 {fs} 10\nr.dat 16\n").as_bytes(), Path::new("d/r.hea")).unwrap_err().to_string();
        assert!(e.contains("d/r.hea:1") && e.contains("sampling frequency"), "{fs}: {e}");
    }
    assert_eq!(Header::parse(b"r 1 1000000 10\nr.dat 16\n", Path::new("r.hea")).unwrap().fs, 1e6);
    let x: Vec<f32> = (0..5000).map(|i| ((i % 700) as f32 / 50.0).sin()).collect();
    let cfg = qrs::QrsConfig::default();
    assert!(qrs::detect(&x, 1e300, &cfg).is_err());
    // The largest accepted rate: the windows are wider than the signal, nothing overflows.
    assert!(qrs::detect(&x, 1e6, &cfg).is_ok());
    let wild = qrs::QrsConfig { integration_s: 1e30, refractory_s: -1.0, t_wave_s: f64::NAN, learning_s: 1e30, ..cfg };
    assert!(qrs::detect(&x, 360.0, &wild).is_ok());
}

#[test]
fn signal_files_outside_the_record_directory_are_refused() {
    let d = tempfile::tempdir().unwrap();
    for name in ["../../../../etc/hostname", "/etc/hostname", "sub/../../r.dat", ".."] {
        let rec = record(d.path(), "r", &format!("r 1 360 1\n# a comment\n{name} 16\n"), None);
        let e = Record::open(&rec).unwrap_err();
        assert!(matches!(e, EcgError::Header { line: 3, .. }), "{name}: {e}");
        assert!(e.to_string().contains("r.hea:3") && e.to_string().contains(name), "{e}");
    }
    // A subdirectory of the record's directory is fine.
    std::fs::create_dir(d.path().join("sub")).unwrap();
    std::fs::write(d.path().join("sub/r.dat"), le16(&[7, 8])).unwrap();
    let rec = record(d.path(), "r", "r 1 360 2\nsub/r.dat 16\n", None);
    assert_eq!(Record::open(&rec).unwrap().signals[0].samples, vec![7, 8]);
}
