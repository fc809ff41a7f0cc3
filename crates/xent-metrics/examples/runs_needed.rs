//! How many seeds per configuration a t-test needs to detect a difference of DELTA points when
//! runs vary with standard deviation SD points (α = 0.05 two-sided, power 0.8).
//!
//! `cargo run -p xent-metrics --example runs_needed -- [DELTA] [SD...]` (defaults: 1 point; sd 0.5,
//! 1, 2, 3 points). The numbers in docs/statistics.md come from this program.

use xent_metrics::stats::{Design, runs_needed};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<f64> = std::env::args().skip(1).map(|a| a.parse()).collect::<Result<_, _>>()?;
    let delta = args.first().copied().unwrap_or(1.0);
    let sds = if args.len() > 1 { args[1..].to_vec() } else { vec![0.5, 1.0, 2.0, 3.0] };
    println!("difference to detect: {delta} pt (alpha = 0.05 two-sided, power = 0.8)\n");
    println!("| sd (pt) | paired: sd of per-seed differences | independent groups: sd per configuration |");
    println!("|---|---|---|");
    for sd in sds {
        let p = runs_needed(delta / 100.0, sd / 100.0, 0.05, 0.8, Design::Paired)?;
        let t = runs_needed(delta / 100.0, sd / 100.0, 0.05, 0.8, Design::TwoSample)?;
        println!("| {sd} | {p} runs | {t} runs per configuration |");
    }
    Ok(())
}
