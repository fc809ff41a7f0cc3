//! The carried MNIST and Pima files, read by the crate's loaders, and their bad-input errors.

use std::io::Write;
use std::path::{Path, PathBuf};

use xent_repro::idx::{self, IMAGES_MAGIC, LABELS_MAGIC};
use xent_repro::mnist::{Mnist, MnistSplits};
use xent_repro::{ReproError, pima};

fn datasets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets")
}

#[test]
fn mnist_headers_counts_and_label_histograms() {
    let dir = datasets().join("mnist");
    let [ti, tl, si, sl] = idx::mnist_paths(&dir);
    for (p, magic, dims) in [
        (&ti, IMAGES_MAGIC, vec![60_000, 28, 28]),
        (&tl, LABELS_MAGIC, vec![60_000]),
        (&si, IMAGES_MAGIC, vec![10_000, 28, 28]),
        (&sl, LABELS_MAGIC, vec![10_000]),
    ] {
        let a = idx::parse(&idx::read_maybe_gz(p).unwrap(), p).unwrap();
        assert_eq!(a.magic, magic, "{}", p.display());
        assert_eq!(a.dims, dims, "{}", p.display());
    }
    let m = MnistSplits::load(&dir).unwrap();
    assert_eq!(m.train.len(), 60_000);
    assert_eq!(m.test.len(), 10_000);
    assert_eq!(m.train.histogram(), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    assert_eq!(m.test.histogram(), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    // The well-known pixel mean of the training set, 0.1307 × 255.
    let mean = m.train.pixels.iter().map(|&p| f64::from(p)).sum::<f64>() / m.train.pixels.len() as f64 / 255.0;
    assert!((mean - 0.1307).abs() < 5e-5, "{mean}");
}

#[test]
fn pima_rows_classes_and_no_trailing_newline() {
    let p = datasets().join("pima/pima-indians-diabetes.csv");
    let bytes = std::fs::read(&p).unwrap();
    assert_ne!(bytes.last(), Some(&b'\n'), "the carried file has no trailing newline");
    let rows = pima::load(&p).unwrap();
    assert_eq!(rows.len(), 768);
    assert_eq!(rows.d, 8);
    assert_eq!(rows.class_counts(), vec![500, 268]);
    // First row of the file: 6,148,72,35,0,33.6,0.627,50,1.
    assert_eq!(rows.row(0), &[6.0, 148.0, 72.0, 35.0, 0.0, 33.6, 0.627, 50.0]);
    assert_eq!(rows.labels[0], 1);
    // The last row parses although no newline ends it.
    assert_eq!(rows.labels[767], 0);
}

fn idx_bytes(magic: u32, dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut v = magic.to_be_bytes().to_vec();
    for d in dims {
        v.extend_from_slice(&d.to_be_bytes());
    }
    v.extend_from_slice(data);
    v
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn truncated_idx_names_file_and_offset() {
    let tmp = tempfile::tempdir().unwrap();
    // A raw idx whose data stops short: 2 labels declared, 1 present.
    let p = tmp.path().join("short-labels-idx1-ubyte");
    std::fs::write(&p, idx_bytes(LABELS_MAGIC, &[2], &[7])).unwrap();
    let e = idx::read_labels(&p, 10).unwrap_err();
    assert!(matches!(e, ReproError::Idx { offset: 9, .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("short-labels-idx1-ubyte: byte offset 9: truncated"), "{msg}");

    // The real gzip file cut in half: the gzip stream itself ends early.
    let real = std::fs::read(datasets().join("mnist/t10k-labels-idx1-ubyte.gz")).unwrap();
    let p = tmp.path().join("t10k-labels-idx1-ubyte.gz");
    std::fs::write(&p, &real[..real.len() / 2]).unwrap();
    let msg = idx::read_labels(&p, 10).unwrap_err().to_string();
    assert!(msg.starts_with(&format!("{}: byte offset ", p.display())), "{msg}");
    assert!(msg.contains("truncated or corrupt"), "{msg}");

    // A header cut inside the dimensions.
    let p = tmp.path().join("hdr.gz");
    std::fs::write(&p, gz(&idx_bytes(IMAGES_MAGIC, &[1, 28], &[]))).unwrap();
    let msg = idx::read_images(&p).unwrap_err().to_string();
    assert!(msg.contains("hdr.gz: byte offset 12: the file ends inside the header"), "{msg}");
}

#[test]
fn wrong_magic_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("bad.gz");
    std::fs::write(&p, gz(&idx_bytes(0x0000_0D03, &[1, 1, 1], &[0, 0, 0, 0]))).unwrap();
    let msg = idx::read_images(&p).unwrap_err().to_string();
    assert!(msg.contains("bad.gz: byte offset 0: wrong magic number 3331"), "{msg}");
    // A labels file given as images.
    let p = tmp.path().join("labels-as-images");
    std::fs::write(&p, idx_bytes(LABELS_MAGIC, &[1], &[3])).unwrap();
    let msg = idx::read_images(&p).unwrap_err().to_string();
    assert!(msg.contains("labels-as-images: byte offset 0: wrong magic number 2049 for an images file; expected 2051"), "{msg}");
}

#[test]
fn images_and_labels_count_mismatch_names_both_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (ip, lp) = (tmp.path().join("imgs.gz"), tmp.path().join("labs.gz"));
    std::fs::write(&ip, gz(&idx_bytes(IMAGES_MAGIC, &[3, 28, 28], &[0; 3 * 784]))).unwrap();
    std::fs::write(&lp, gz(&idx_bytes(LABELS_MAGIC, &[2], &[1, 2]))).unwrap();
    let e = Mnist::from_files(&ip, &lp).unwrap_err();
    assert!(matches!(e, ReproError::CountMismatch { images: 3, labels: 2, .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("imgs.gz has 3 images but") && msg.contains("labs.gz has 2 labels"), "{msg}");
    // A label out of range names its offset.
    std::fs::write(&lp, gz(&idx_bytes(LABELS_MAGIC, &[3], &[1, 12, 2]))).unwrap();
    let msg = Mnist::from_files(&ip, &lp).unwrap_err().to_string();
    assert!(msg.contains("labs.gz: byte offset 9: label 12 of sample 1 is not below 10"), "{msg}");
}

#[test]
fn pima_row_with_eight_columns_names_the_line() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(datasets().join("pima/pima-indians-diabetes.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    // Drop the outcome of line 5.
    let cut = lines[4].rfind(',').unwrap();
    lines[4].truncate(cut);
    let p = tmp.path().join("pima.csv");
    std::fs::write(&p, lines.join("\n")).unwrap();
    let e = pima::load(&p).unwrap_err();
    assert!(matches!(e, ReproError::Csv { line: 5, .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("pima.csv: line 5: expected 9 comma-separated values (8 features and the outcome), found 8"), "{msg}");

    // A non-number names line and column; an outcome of 2 is refused.
    let p2 = tmp.path().join("p2.csv");
    std::fs::write(&p2, "1,2,3,4,5,6,7,8,0\n1,2,x,4,5,6,7,8,1\n").unwrap();
    let msg = pima::load(&p2).unwrap_err().to_string();
    assert!(msg.contains("p2.csv: line 2: column 3 (blood_pressure): \"x\" is not a finite number"), "{msg}");
    std::fs::write(&p2, "1,2,3,4,5,6,7,8,2").unwrap();
    let msg = pima::load(&p2).unwrap_err().to_string();
    assert!(msg.contains("line 1: column 9 (outcome): 2 is not 0 or 1"), "{msg}");
    // A trailing newline and CRLF are fine.
    std::fs::write(&p2, "1,2,3,4,5,6,7,8,0\r\n1,2,3,4,5,6,7,8,1\r\n").unwrap();
    assert_eq!(pima::load(&p2).unwrap().len(), 2);
}

#[test]
fn stratified_folds_partition_and_balance() {
    let rows = pima::load(datasets().join("pima/pima-indians-diabetes.csv")).unwrap();
    let folds = xent_repro::rows::stratified_folds(&rows.labels, 2, 5, 3);
    let mut all: Vec<usize> = folds.concat();
    all.sort_unstable();
    assert_eq!(all, (0..768).collect::<Vec<_>>());
    for f in &folds {
        let pos = f.iter().filter(|&&i| rows.labels[i] == 1).count();
        // 268 positives over 5 folds: 53 or 54 each.
        assert!((53..=54).contains(&pos), "{pos}");
    }
}
