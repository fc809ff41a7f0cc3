//! `xent score` on hostile or unusual input: every case exits 2 with a message naming the file
//! (or behaves as documented), quickly, without a panic and without reading an oversized file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn xent(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xent")).args(args).output().expect("run xent")
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Runs `xent score` and checks: exit code 2, no panic, and every `must` in the message.
fn refused(args: &[&str], must: &[&str]) {
    let mut all = vec!["score"];
    all.extend_from_slice(args);
    let out = xent(&all);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    for m in must {
        assert!(err.contains(m), "{args:?}: message lacks {m:?}: {err}");
    }
}

fn json(args: &[&str]) -> Value {
    let mut all = vec!["score"];
    all.extend_from_slice(args);
    all.push("--json");
    let out = xent(&all);
    assert!(out.status.success(), "xent failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}

struct Files(tempfile::TempDir);

impl Files {
    fn new() -> Self {
        Self(tempfile::tempdir().unwrap())
    }
    fn write(&self, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.0.path().join(name);
        std::fs::write(&p, content).unwrap();
        p
    }
}

fn npy(header: &str, data: &[u8]) -> Vec<u8> {
    let mut b = b"\x93NUMPY\x01\x00".to_vec();
    b.extend_from_slice(&(header.len() as u16).to_le_bytes());
    b.extend_from_slice(header.as_bytes());
    b.extend_from_slice(data);
    b
}

/// K above `--max-classes`: the K × K matrix is omitted with a warning naming the option, and
/// every metric equals the dense computation's.
#[test]
fn classes_beyond_max_classes_omit_only_the_dense_confusion_matrix() {
    let f = Files::new();
    let k = 50;
    let mut pred = String::new();
    let mut target = String::new();
    for i in 0..20 {
        let row: Vec<String> = (0..k).map(|c| if c == (i * 7) % k { "0.9".into() } else { format!("{:.4}", 0.1 / 49.0) }).collect();
        pred.push_str(&row.join(","));
        pred.push('\n');
        target.push_str(&format!("{}\n", (i * 3) % k));
    }
    let (p, t) = (f.write("p.csv", pred), f.write("t.csv", target));
    let dense = json(&["--pred", &s(&p), "--target", &s(&t)]);
    let sparse = json(&["--pred", &s(&p), "--target", &s(&t), "--max-classes", "10"]);
    assert_eq!(dense["confusion_matrix"].as_array().unwrap().len(), k);
    assert!(sparse["confusion_matrix"].as_array().unwrap().is_empty());
    for key in ["accuracy", "macro_f1", "weighted_f1", "balanced_accuracy", "mcc", "cohen_kappa", "per_class", "roc_auc"] {
        assert_eq!(dense[key], sparse[key], "{key}");
    }
    let warnings = sparse["warnings"].to_string();
    assert!(warnings.contains("--max-classes 10"), "{warnings}");
}

/// 20,000 classes (the size that was quadratic before): finishes, with the matrix omitted by
/// default.
#[test]
fn twenty_thousand_columns_are_linear_in_k() {
    let f = Files::new();
    let k = 20_000;
    let row = |hot: usize| (0..k).map(|c| if c == hot { "1" } else { "0" }).collect::<Vec<_>>().join(",");
    let p = f.write("p.csv", format!("{}\n{}\n", row(1), row(2)));
    let t = f.write("t.csv", "1\n3\n");
    let r = json(&["--pred", &s(&p), "--target", &s(&t)]);
    assert_eq!(r["num_classes"], k);
    assert_eq!(r["accuracy"], 0.5);
    assert!(r["confusion_matrix"].as_array().unwrap().is_empty());
}

/// The 183-byte `.npy` whose header nests braces: refused at once (the header parser is linear).
#[test]
fn npy_header_of_nested_braces_is_refused_at_once() {
    let f = Files::new();
    let header = format!("{}\n", "{".repeat(172));
    let bytes = npy(&header, &[]);
    assert_eq!(bytes.len(), 183);
    let p = f.write("nested.npy", bytes);
    let t = f.write("t.csv", "0\n");
    let start = std::time::Instant::now();
    refused(&["--pred", &s(&p), "--target", &s(&t)], &[&s(&p), "not a valid .npy file"]);
    assert!(start.elapsed().as_secs() < 10);
}

/// A `.npy` shape whose element count overflows, and one larger than the file: errors naming the
/// file, nothing allocated.
#[test]
fn npy_shapes_are_checked_against_the_file() {
    let f = Files::new();
    let t = f.write("t.csv", "0\n");
    let huge = f.write("overflow.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }\n", &[0; 8]));
    refused(&["--pred", &s(&huge), "--target", &s(&t)], &[&s(&huge), "header", "overflow"]);
    let big = f.write("big.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (100000000, 1000), }\n", &[0; 8]));
    refused(&["--pred", &s(&big), "--target", &s(&t)], &[&s(&big), "data", "8 bytes of data"]);
}

/// A 2 GiB sparse file (no disk used) is refused by its size before a byte is read; so is a file
/// above a lowered `--max-input-mib`, a directory, and a runaway CSV cell.
#[test]
fn oversized_inputs_are_refused_before_reading() {
    let f = Files::new();
    let t = f.write("t.csv", "0\n");
    let sparse = f.0.path().join("sparse.csv");
    std::fs::File::create(&sparse).unwrap().set_len(2 << 30).unwrap();
    refused(&["--pred", &s(&sparse), "--target", &s(&t)], &[&s(&sparse), "2147483648 bytes", "--max-input-mib"]);
    let two_mib = f.write("two_mib.csv", "0.5,0.5\n".repeat(300_000));
    refused(&["--pred", &s(&two_mib), "--target", &s(&t), "--max-input-mib", "1"], &[&s(&two_mib), "--max-input-mib"]);
    refused(&["--pred", &s(f.0.path()), "--target", &s(&t)], &["not a regular file"]);
    let long = f.write("long_cell.csv", format!("0.5,0.5\n0.{},0.5\n", "1".repeat(5000)));
    refused(&["--pred", &s(&long), "--target", &s(&t)], &[&s(&long), "line 2", "longer than 1024 bytes"]);
}

/// pandas' `to_csv()` integer headers (`0,1` / `0`) are headers when both files start with them;
/// `--header no` reads them as data.
#[test]
fn pandas_integer_headers_are_headers() {
    let f = Files::new();
    let p = f.write("p.csv", "0,1\n0.8,0.2\n0.3,0.7\n0.6,0.4\n");
    let t = f.write("t.csv", "0\n0\n1\n1\n");
    let r = json(&["--pred", &s(&p), "--target", &s(&t)]);
    assert_eq!(r["n"], 3);
    assert!((r["accuracy"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-12);
    assert!(r["warnings"].to_string().contains("--header no"));
    let r = json(&["--pred", &s(&p), "--target", &s(&t), "--header", "no"]);
    assert_eq!((r["n"].as_u64(), r["accuracy"].as_f64()), (Some(4), Some(0.5)));
    // index=True: an empty (or `Unnamed: 0`) first header cell and an index column.
    let p = f.write("pi.csv", ",0,1\n0,0.8,0.2\n1,0.3,0.7\n2,0.6,0.4\n");
    let t = f.write("ti.csv", "Unnamed: 0,0\n0,0\n1,1\n2,1\n");
    let r = json(&["--pred", &s(&p), "--target", &s(&t)]);
    assert_eq!(r["n"], 3);
    assert!((r["accuracy"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-12);
    // Named columns.
    let p = f.write("pn.csv", "p0,p1\n0.8,0.2\n0.3,0.7\n0.6,0.4\n");
    let t = f.write("tn.csv", "label\n0\n1\n1\n");
    assert_eq!(json(&["--pred", &s(&p), "--target", &s(&t)])["n"], 3);
    // A first prediction row 0,1 with targets that do not start with 0 is data.
    let t = f.write("t1.csv", "1\n0\n1\n1\n");
    let p = f.write("p01.csv", "0,1\n0.8,0.2\n0.3,0.7\n0.6,0.4\n");
    assert_eq!(json(&["--pred", &s(&p), "--target", &s(&t)])["n"], 4);
}

/// A mistyped first row is an error naming the file and line, not a header.
#[test]
fn a_typo_in_the_first_row_is_an_error_not_a_header() {
    let f = Files::new();
    let good_t = f.write("t.csv", "0\n1\n");
    let p = f.write("typo.csv", "0x1,0.5\n0.4,0.6\n");
    refused(&["--pred", &s(&p), "--target", &s(&good_t)], &[&s(&p), "line 1, column 1", "\"0x1\" is not a number"]);
    let good_p = f.write("p.csv", "0.5,0.5\n0.4,0.6\n");
    let t = f.write("typo_t.csv", "0x1\n1\n");
    refused(&["--pred", &s(&good_p), "--target", &s(&t)], &[&s(&t), "line 1"]);
}

#[test]
fn sample_weights_summing_to_zero_are_refused() {
    let f = Files::new();
    let p = f.write("p.csv", "0.7,0.3\n0.4,0.6\n");
    let t = f.write("t.csv", "0\n1\n");
    let w = f.write("w.csv", "0\n0\n");
    refused(&["--pred", &s(&p), "--target", &s(&t), "--sample-weight", &s(&w)], &["sum to zero"]);
    let neg = f.write("neg.csv", "1\n-1\n");
    refused(&["--pred", &s(&p), "--target", &s(&t), "--sample-weight", &s(&neg)], &[&s(&neg), "line 2"]);
    let inf = f.write("inf.csv", "1\n1e39\n");
    refused(&["--pred", &s(&p), "--target", &s(&t), "--sample-weight", &s(&inf)], &[&s(&inf), "line 2", "f32"]);
}

#[test]
fn values_beyond_f32_are_refused_with_file_line_and_column() {
    let f = Files::new();
    let p = f.write("p.csv", "0.7,0.3\n1e39,0.6\n");
    let t = f.write("t.csv", "0\n1\n");
    refused(&["--pred", &s(&p), "--target", &s(&t)], &[&s(&p), "line 2, column 1", "f32"]);
    let mut data = Vec::new();
    for v in [0.7f64, 0.3, 1e39, 0.6] {
        data.extend_from_slice(&v.to_le_bytes());
    }
    let p = f.write("p.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }\n", &data));
    refused(&["--pred", &s(&p), "--target", &s(&t)], &[&s(&p), "index [1, 0]", "f32"]);
}

#[test]
fn top_k_at_or_above_the_number_of_classes_is_refused() {
    let f = Files::new();
    let p = f.write("p.csv", "0.7,0.3\n0.4,0.6\n");
    let t = f.write("t.csv", "0\n1\n");
    refused(&["--pred", &s(&p), "--target", &s(&t), "--top-k", "5"], &["--top-k needs k < 2"]);
    refused(&["--pred", &s(&p), "--target", &s(&t), "--top-k", "2"], &["--top-k needs k < 2"]);
}

/// `-0.1` after `--label-smoothing` is a value (then refused by its range), not a flag.
#[test]
fn negative_numbers_parse_as_values() {
    let f = Files::new();
    let p = f.write("p.csv", "0.7,0.3\n0.4,0.6\n");
    let t = f.write("t.csv", "0\n1\n");
    refused(&["--pred", &s(&p), "--target", &s(&t), "--label-smoothing", "-0.1"], &["label smoothing must lie in [0, 1], got -0.1"]);
    refused(&["--pred", &s(&p), "--target", &s(&t), "--threshold", "-0.5"], &["threshold must lie in [0, 1], got -0.5"]);
}
