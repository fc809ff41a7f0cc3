//! Benchmark of `xent score`'s metrics and losses on 100,000 rows × 10,000 classes: the size
//! at which anything quadratic in the number of classes (a dense K × K confusion matrix per
//! parallel chunk) would not finish. Run with `just bench score-classes` (or
//! `cargo run -p xent-metrics --example bench_score_classes`); prints the time of one run.
//!
//! The 4 GB matrix is built in memory (reading is linear in its size and measured by
//! `bench_score`); `score` then computes every metric, the losses, ROC-AUC per class and top-5,
//! with the dense confusion matrix omitted (K > `--max-classes`' default of 1,000).

mod common;

use std::time::Instant;

use xent_metrics::{Matrix, Targets};
use xent_metrics::score::{ScoreOptions, score};

const N: usize = 100_000;
const K: usize = 10_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = common::XorShift::new();
    let mut next = || rng.next_f32();
    // Rows of small noise with the true class (or, one time in three, another) boosted, scaled
    // to sum to 1.
    let mut values = vec![0.0f32; N * K];
    let mut labels = Vec::with_capacity(N);
    for row in values.chunks_exact_mut(K) {
        let label = (next() * K as f32) as usize % K;
        let top = if next() < 0.67 { label } else { (next() * K as f32) as usize % K };
        let mut sum = 0.0;
        for v in row.iter_mut() {
            *v = next() * 1e-4;
            sum += *v;
        }
        row[top] += 1.0 - sum;
        labels.push(label as u32);
    }
    let p = Matrix::new(N, K, values)?;
    let t = Targets::Labels(labels);
    let opts = ScoreOptions { top_k: vec![5], ..ScoreOptions::new() };
    let start = Instant::now();
    let report = score(&p, &t, &opts)?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "score {N} x {K} (all metrics and losses, ROC-AUC per class, top-5; no dense confusion matrix): \
         {secs:.1} s = {:.1} M values/s (accuracy {:.4}, macro-F1 {:.4}, threads {})",
        (N * K) as f64 / secs / 1e6,
        report.metrics.accuracy.unwrap_or(0.0),
        report.metrics.macro_f1.unwrap_or(0.0),
        rayon::current_num_threads()
    );
    Ok(())
}
