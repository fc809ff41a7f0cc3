//! Benchmark of `xent score`'s work on 1,000,000 × 10 predictions: reading the `.npy` files and
//! computing every metric and loss. Run with `just bench score` (or
//! `cargo run -p xent-metrics --example bench_score`); prints the median of 5 runs after a warm-up.

mod common;

use std::io::Write;
use std::time::Instant;

use xent_metrics::artifacts::npy_header;
use xent_metrics::io::{read_predictions, read_targets};
use xent_metrics::score::{ScoreOptions, score};

const N: usize = 1_000_000;
const K: usize = 10;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let keep = std::env::var_os("BENCH_KEEP").is_some();
    let pred_path = if keep { "/tmp/bench_pred.npy".into() } else { dir.path().join("pred.npy") };
    let label_path = if keep { "/tmp/bench_labels.npy".into() } else { dir.path().join("labels.npy") };
    // Softmax rows of pseudo-random logits, the true class boosted so accuracy is realistic.
    let mut rng = common::XorShift::new();
    let mut next = || rng.next_f32();
    let mut pred = Vec::with_capacity(N * K * 4);
    let mut labels = Vec::with_capacity(N * 8);
    for _ in 0..N {
        let label = (next() * K as f32) as usize % K;
        let mut z: Vec<f32> = (0..K).map(|_| 4.0 * next()).collect();
        z[label] += 3.0;
        let sum: f32 = z.iter().map(|v| v.exp()).sum();
        for v in &z {
            pred.extend_from_slice(&(v.exp() / sum).to_le_bytes());
        }
        labels.extend_from_slice(&(label as i64).to_le_bytes());
    }
    let mut f = std::fs::File::create(&pred_path)?;
    f.write_all(&npy_header("<f4", &[N, K]))?;
    f.write_all(&pred)?;
    let mut f = std::fs::File::create(&label_path)?;
    f.write_all(&npy_header("<i8", &[N]))?;
    f.write_all(&labels)?;

    let opts = ScoreOptions { top_k: vec![2, 3], ..ScoreOptions::new() };
    let mut times = Vec::new();
    let mut accuracy = 0.0;
    for run in 0..6 {
        let start = Instant::now();
        let p = read_predictions(&pred_path)?;
        let t = read_targets(&label_path)?;
        let report = score(&p, &t, &opts)?;
        let secs = start.elapsed().as_secs_f64();
        accuracy = report.metrics.accuracy.unwrap_or(0.0);
        if run > 0 {
            times.push(secs);
        }
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "score {N} x {K} (.npy read + all metrics and losses, ROC-AUC, top-2/3): median {:.3} s over {} runs \
         = {:.1} M values/s (accuracy {accuracy:.4}, threads {})",
        median,
        times.len(),
        (N * K) as f64 / median / 1e6,
        rayon::current_num_threads()
    );
    Ok(())
}
