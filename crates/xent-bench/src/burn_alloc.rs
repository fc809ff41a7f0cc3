//! A minimal reproduction of a Burn 0.22.1 cost that `kernels::linear` avoids: every tensor
//! that the flex backend allocates with `FlexTensor::empty` (matmul results, `zeros`) is a zeroed
//! `Vec<u8>` that `Bytes::from_bytes_vec` then copies into a 16-byte-aligned buffer, so each
//! costs a memset and a memcpy of its whole size on the calling thread.
//!
//! Like with like: both products run on the `gemm` crate with its parallelism over the rayon
//! pool, on the shape of the ECG CNN's first dense layer's weight gradient. xent's side also adds
//! a (zero) bias in the pass that the product's result takes anyway.

use std::time::Instant;

use burn::prelude::*;
use serde_json::{Value, json};
use xent_core::kernels::{Activation, linear};

/// Repetitions per measurement; the median of [`ROUNDS`] measurements is reported.
const REPS: usize = 200;
const ROUNDS: usize = 5;

/// Median microseconds per call of `f`, over [`ROUNDS`] rounds of [`REPS`] calls (one warm-up
/// round first).
fn micros(mut f: impl FnMut()) -> f64 {
    let mut round = || {
        let t = Instant::now();
        for _ in 0..REPS {
            f();
        }
        t.elapsed().as_secs_f64() * 1e6 / REPS as f64
    };
    round();
    let mut times: Vec<f64> = (0..ROUNDS).map(|_| round()).collect();
    times.sort_by(f64::total_cmp);
    times[ROUNDS / 2]
}

/// Times, on the plain flex device: `Tensor::zeros` against a zeroed `Vec<f32>` of the same size,
/// and Burn's `matmul` against xent's `kernels::linear` for the same product (`xᵀ · dy` of the
/// ECG CNN's dense layer: `[2752, 64] × [64, 128]`, a 1.4 MB result).
pub fn measure() -> Value {
    let device = Device::flex();
    let (m, k, n) = (2752, 64, 128);
    let values = |len: usize, salt: f32| (0..len).map(|i| (i as f32 * 0.37 + salt).sin()).collect::<Vec<f32>>();
    let a = Tensor::<2>::from_data(TensorData::new(values(m * k, 0.1), [m, k]), &device);
    let b = Tensor::<2>::from_data(TensorData::new(values(k * n, 0.7), [k, n]), &device);
    // The flex backend computes eagerly: a result exists once the call returns.
    let sync = |t: Tensor<2>| std::hint::black_box(t);

    let burn_zeros = micros(|| {
        sync(Tensor::<2>::zeros([m, n], &device));
    });
    let vec_zeros = micros(|| {
        std::hint::black_box(vec![0.0f32; m * n]);
    });
    let burn_matmul = micros(|| {
        sync(a.clone().matmul(b.clone()));
    });
    let xent_product = micros(|| {
        sync(linear(a.clone(), b.clone(), None, Activation::Identity));
    });
    json!({
        "shape": [m, k, n],
        "result_mb": (m * n * 4) as f64 / 1e6,
        "burn_zeros_us": burn_zeros,
        "vec_zeros_us": vec_zeros,
        "burn_matmul_us": burn_matmul,
        "xent_linear_us": xent_product,
    })
}
