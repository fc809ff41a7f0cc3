//! Post-hoc temperature scaling: one T > 0 fitted on validation logits by minimising the NLL of
//! `softmax(z / T)` (golden-section search on ln T in [ln 0.05, ln 20]).
//!
//! Interim: xent-core's `calibrate` module (being written) is the intended home; this local fit is
//! used until it lands and should then be replaced by it.

/// Mean NLL of `softmax(z / t)` for class indices `labels`, computed in f64 with log-sum-exp.
pub fn nll_at(logits: &[f32], k: usize, labels: &[u32], t: f64) -> f64 {
    let mut total = 0.0;
    for (z, &y) in logits.chunks_exact(k).zip(labels) {
        let m = z.iter().map(|&v| f64::from(v) / t).fold(f64::NEG_INFINITY, f64::max);
        let lse = m + z.iter().map(|&v| (f64::from(v) / t - m).exp()).sum::<f64>().ln();
        total += lse - f64::from(z[y as usize]) / t;
    }
    total / labels.len().max(1) as f64
}

/// The temperature minimising [`nll_at`] on these logits.
pub fn fit_temperature(logits: &[f32], k: usize, labels: &[u32]) -> f64 {
    let f = |u: f64| nll_at(logits, k, labels, u.exp());
    let (mut a, mut b) = (0.05f64.ln(), 20f64.ln());
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let (mut c, mut d) = (b - g * (b - a), a + g * (b - a));
    let (mut fc, mut fd) = (f(c), f(d));
    for _ in 0..80 {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - g * (b - a);
            fc = f(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + g * (b - a);
            fd = f(d);
        }
    }
    ((a + b) / 2.0).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_the_temperature_data_were_drawn_with() {
        // Labels drawn from softmax(z / 2.5) with a fixed LCG: the fit should find T ≈ 2.5.
        let (k, n) = (3, 20_000);
        let mut state = 12345u64;
        let mut u = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut logits = Vec::new();
        let mut labels = Vec::new();
        for _ in 0..n {
            let z: Vec<f32> = (0..k).map(|_| (u() * 12.0 - 6.0) as f32).collect();
            let e: Vec<f64> = z.iter().map(|&v| (f64::from(v) / 2.5).exp()).collect();
            let s: f64 = e.iter().sum();
            let r = u() * s;
            let mut acc = 0.0;
            let y = e.iter().position(|&v| {
                acc += v;
                r < acc
            });
            labels.push(y.unwrap_or(k - 1) as u32);
            logits.extend(z);
        }
        let t = fit_temperature(&logits, k, &labels);
        assert!((t - 2.5).abs() < 0.15, "fitted {t}");
    }
}
