//! Benchmark: decode all records of a WFDB directory (header + `.dat` + `.atr`, checksums
//! verified), 1 warm-up + 5 timed runs, median reported; then cutting every beat with the default
//! window (median of 3). The Python yardstick is `bench/wfdb_python.py`.
//!
//! `cargo run -p xent-ecg --example bench_wfdb -- [DIR] [--json]` (DIR defaults to `datasets/mitdb`).

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let json = args.iter().any(|a| a == "--json");
    let dir = args.iter().find(|a| !a.starts_with("--")).cloned().unwrap_or_else(|| "datasets/mitdb".into());
    let names = xent_ecg::mitdb::record_names(dir.as_ref())?;
    let bytes: u64 = names
        .iter()
        .flat_map(|n| ["hea", "dat", "atr"].map(|e| std::path::Path::new(&dir).join(format!("{n}.{e}"))))
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let run = || -> Result<f64, xent_ecg::EcgError> {
        let t = Instant::now();
        let db = xent_ecg::mitdb::load(&dir)?;
        let n: usize = db.records.iter().map(|r| r.annotations.as_ref().map_or(0, Vec::len)).sum();
        std::hint::black_box(n);
        Ok(t.elapsed().as_secs_f64())
    };
    run()?;
    let mut times = (0..5).map(|_| run()).collect::<Result<Vec<_>, _>>()?;
    times.sort_by(f64::total_cmp);
    let median = times[2];
    let recs = names.len() as f64 / median;
    let mbs = bytes as f64 / 1e6 / median;
    if json {
        println!(
            "{{\"bench\":\"wfdb_decode\",\"records\":{},\"bytes\":{bytes},\"median_s\":{median:.6},\"records_per_s\":{recs:.1},\"mb_per_s\":{mbs:.1},\"threads\":{}}}",
            names.len(),
            rayon::current_num_threads()
        );
    } else {
        println!(
            "decoded {} records ({:.1} MB, checksums verified) in {:.1} ms median of 5 → {recs:.0} records/s, {mbs:.0} MB/s ({} threads)",
            names.len(),
            bytes as f64 / 1e6,
            median * 1e3,
            rayon::current_num_threads()
        );
    }
    // Beat cutting with the default window (baseline median filters on MLII, z-score), for scale.
    let db = xent_ecg::mitdb::load(&dir)?;
    let mut beat_times = Vec::new();
    let mut n_beats = 0;
    for _ in 0..3 {
        let t = Instant::now();
        n_beats = db.beats(&xent_ecg::BeatWindow::default())?.len();
        beat_times.push(t.elapsed().as_secs_f64());
    }
    beat_times.sort_by(f64::total_cmp);
    if json {
        println!("{{\"bench\":\"beats_default_window\",\"beats\":{n_beats},\"median_s\":{:.6}}}", beat_times[1]);
    } else {
        println!("cut {n_beats} beats (default window, baseline removal) in {:.0} ms median of 3", beat_times[1] * 1e3);
    }
    Ok(())
}
