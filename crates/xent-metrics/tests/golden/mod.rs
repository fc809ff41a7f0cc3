//! Shared reading of the committed golden JSON files in `tests/golden/` (produced by real Keras,
//! scikit-learn and SciPy; see `tests/golden/README.md` for the scripts and versions).

#![allow(dead_code)]

use std::path::PathBuf;

use serde_json::Value;
use xent_metrics::Matrix;

pub fn load(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/golden").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

pub fn matrix(v: &Value) -> Matrix {
    let rows: Vec<Vec<f32>> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| match r {
            Value::Array(a) => a.iter().map(|x| x.as_f64().unwrap() as f32).collect(),
            x => vec![x.as_f64().unwrap() as f32],
        })
        .collect();
    Matrix::from_rows(&rows).unwrap()
}

pub fn floats(v: &Value) -> Option<Vec<f32>> {
    v.as_array().map(|a| a.iter().map(|x| x.as_f64().unwrap() as f32).collect())
}

pub fn labels(v: &Value) -> Option<Vec<u32>> {
    v.as_array().map(|a| a.iter().map(|x| x.as_u64().unwrap() as u32).collect())
}

/// Asserts `|got − want| ≤ rel·max(|want|, 1e-3)`, returning the relative error.
pub fn close(case: &str, what: &str, got: f64, want: f64, rel: f64) -> f64 {
    let err = (got - want).abs() / want.abs().max(1e-3);
    assert!(err <= rel, "{case}: {what}: got {got}, reference {want} (relative error {err:.2e} > {rel:.0e})");
    err
}
