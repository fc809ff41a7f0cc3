//! The GEMM-only ceiling of each reference model: how fast a training step (or inference) would
//! run if it were nothing but its matrix products, each timed on its own through the `gemm` crate
//! (the GEMM under Burn's flex backend and xent's kernels) with both operands contiguous. Every
//! im2col-style convolution, xent's and flex's alike, does at least these products, so no step
//! built on this GEMM can beat the ceiling; a framework with faster convolution primitives can.

use std::time::Instant;

use serde_json::{Value, json};

use super::flops::{Layer, layers};

/// Seconds for `[m × k] · [k × n]`, the fastest of at least 10 runs and 0.2 s, parallel over the
/// rayon pool above 64³ multiply-adds (as xent's kernels call it). The fastest run, as for the FMA
/// peak: a ceiling is what the products reach when nothing else takes the cores, and on a shared
/// machine the median of one such measurement moved by up to 1.6 × between the start and the end
/// of one `just bench-compare` (the ECG CNN's inference products).
fn seconds(m: usize, k: usize, n: usize) -> f64 {
    let (a, b, mut c) = (vec![0.5f32; m * k], vec![0.25f32; k * n], vec![0.0f32; m * n]);
    let parallelism = if m * n * k >= 64 * 64 * 64 { gemm::Parallelism::Rayon(0) } else { gemm::Parallelism::None };
    let mut run = || {
        let start = Instant::now();
        // SAFETY: `a`, `b` and `c` hold exactly m×k, k×n and m×n values, row-major, and `c` is
        // borrowed mutably, so it aliases neither input.
        unsafe {
            gemm::gemm(
                m, n, k, c.as_mut_ptr(), 1, n as isize, false, a.as_ptr(), 1, k as isize, b.as_ptr(), 1, n as isize, 0.0, 1.0,
                false, false, false, parallelism,
            );
        }
        start.elapsed().as_secs_f64()
    };
    run();
    let (mut best, mut runs, start) = (f64::INFINITY, 0, Instant::now());
    while runs < 10 || start.elapsed().as_secs_f64() < 0.2 {
        best = best.min(run());
        runs += 1;
    }
    best
}

/// Seconds of a layer's products for `batch` samples: forward `[out × inner]·[inner × batch·pos]`,
/// weight gradient `[out × batch·pos]·[batch·pos × inner]`, input gradient `[inner × out]·[out ×
/// batch·pos]`.
fn layer_seconds(l: &Layer, batch: usize, train: bool) -> f64 {
    if l.macs() == 0 {
        return 0.0;
    }
    let (m, k, n) = (l.outputs as usize, l.inner as usize, l.positions as usize * batch);
    let mut t = seconds(m, k, n);
    if train {
        t += seconds(m, n, k);
        if l.input_grad {
            t += seconds(k, m, n);
        }
    }
    t
}

/// `{"train_samples_per_s", "infer_samples_per_s"}` of the model's GEMMs alone, at the
/// benchmark's batch sizes (`None` for an unknown model).
pub fn measure(model: &str, train_batch: usize, infer_batch: usize) -> Option<Value> {
    let layers = layers(model)?;
    let train: f64 = layers.iter().map(|l| layer_seconds(l, train_batch, true)).sum();
    let infer: f64 = layers.iter().map(|l| layer_seconds(l, infer_batch, false)).sum();
    Some(json!({
        "train_samples_per_s": (train_batch as f64 / train).round(),
        "infer_samples_per_s": (infer_batch as f64 / infer).round(),
    }))
}
