//! The machine's measured f32 arithmetic ceiling: fused multiply-adds on independent registers,
//! on every core at once, with AVX-512 and with AVX2 (where the CPU has them). A model cannot
//! train faster than its FLOP count divided by this, whatever framework runs it (short of an
//! algorithm that needs fewer FLOP, such as Winograd convolution).

use std::time::Instant;

use serde_json::{Value, json};

/// Independent accumulators per thread: more than FMA latency × FMA ports (4 × 2 here), so the
/// loop is throughput-bound, and few enough to stay in registers (AVX2 has 16 vector registers,
/// AVX-512 32).
const CHAINS_AVX2: usize = 12;
const CHAINS_AVX512: usize = 16;
/// Loop trips per thread per measurement (30–40 ms here, at two FMA instructions per cycle).
const TRIPS: usize = 20_000_000;

/// FLOP of one trip: `chains` FMAs of `lanes` lanes, 2 FLOP each.
fn flop_per_trip(chains: usize, lanes: usize) -> f64 {
    (chains * lanes * 2) as f64
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn fma_avx512(trips: usize) -> f32 {
    use std::arch::x86_64::*;
    let (a, b) = (_mm512_set1_ps(0.999_999), _mm512_set1_ps(1e-7));
    let mut acc = [_mm512_set1_ps(1.0); CHAINS_AVX512];
    for _ in 0..trips {
        for r in &mut acc {
            *r = _mm512_fmadd_ps(*r, a, b);
        }
    }
    acc.iter().map(|&r| _mm512_reduce_add_ps(r)).sum()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn fma_avx2(trips: usize) -> f32 {
    use std::arch::x86_64::*;
    let (a, b) = (_mm256_set1_ps(0.999_999), _mm256_set1_ps(1e-7));
    let mut acc = [_mm256_set1_ps(1.0); CHAINS_AVX2];
    for _ in 0..trips {
        for r in &mut acc {
            *r = _mm256_fmadd_ps(*r, a, b);
        }
    }
    let mut lanes = [0.0f32; 8];
    acc.iter().map(|&r| {
        // SAFETY: `lanes` holds 8 floats, the width of `r`.
        unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), r) };
        lanes.iter().sum::<f32>()
    }).sum()
}

/// GFLOP/s of `kernel` (`chains` FMAs of `lanes` lanes per trip) on `threads` threads at once,
/// best of three.
fn rate(threads: usize, chains: usize, lanes: usize, kernel: fn(usize) -> f32) -> f64 {
    let best = (0..3)
        .map(|_| {
            let start = Instant::now();
            let sum: f32 = std::thread::scope(|s| {
                let handles: Vec<_> = (0..threads).map(|_| s.spawn(move || kernel(TRIPS))).collect();
                handles.into_iter().map(|h| h.join().expect("peak thread")).sum()
            });
            assert!(sum.is_finite());
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min);
    flop_per_trip(chains, lanes) * (TRIPS * threads) as f64 / best / 1e9
}

/// Measured FMA throughput, GFLOP/s: `{"avx512": {"one_thread", "all_threads"}, "avx2": {…},
/// "threads"}`; an instruction set the CPU lacks is left out.
pub fn measure() -> Value {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut out = json!({ "threads": threads });
    #[cfg(target_arch = "x86_64")]
    {
        let both = |chains, lanes, kernel: fn(usize) -> f32| {
            let round = |x: f64| (x * 10.0).round() / 10.0;
            json!({ "one_thread": round(rate(1, chains, lanes, kernel)), "all_threads": round(rate(threads, chains, lanes, kernel)) })
        };
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU has AVX2 and FMA (checked above).
            out["avx2"] = both(CHAINS_AVX2, 8, |t| unsafe { fma_avx2(t) });
        }
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F (checked above).
            out["avx512"] = both(CHAINS_AVX512, 16, |t| unsafe { fma_avx512(t) });
        }
    }
    out
}
