//! Signal filters: running median, de Chazal baseline removal, Butterworth biquads run forward and
//! backward (zero phase), and resampling.

use crate::error::{EcgError, Result};

/// Largest upsampling factor [`resample`] accepts (e.g. 3.6 Hz → 360 Hz): the output's size is
/// bounded by this multiple of the input's.
pub const MAX_UPSAMPLING: f64 = 100.0;

/// Running median of odd window `width` (centred; the window shrinks at the edges).
/// Cost O(n · width) with a sorted window, fast for the widths used on ECG (≤ a few hundred).
pub fn median_filter(x: &[f32], width: usize) -> Vec<f32> {
    let n = x.len();
    if n == 0 || width <= 1 {
        return x.to_vec();
    }
    let h = width / 2;
    let mut win: Vec<f32> = Vec::with_capacity(2 * h + 1);
    let insert = |win: &mut Vec<f32>, v: f32| {
        let p = win.partition_point(|a| a.total_cmp(&v).is_lt());
        win.insert(p, v);
    };
    for &v in x.iter().take(h + 1) {
        insert(&mut win, v);
    }
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        out.push(win.get(win.len() / 2).copied().unwrap_or(0.0));
        // Slide: drop x[i - h], add x[i + h + 1].
        if i >= h
            && let Some(&old) = x.get(i - h)
        {
            let p = win.partition_point(|a| a.total_cmp(&old).is_lt());
            if p < win.len() {
                win.remove(p);
            }
        }
        if let Some(&new) = x.get(i + h + 1) {
            insert(&mut win, new);
        }
    }
    out
}

/// Running median of integer samples (odd `width`, centred, shrinking at the edges), with a
/// histogram over the value range (Huang's algorithm): each step moves the median by the change
/// in value, so the cost is O(n) for ECG-like signals whatever the width. Same output as
/// [`median_filter`] on the same values.
pub fn median_filter_int(x: &[i32], width: usize) -> Vec<i32> {
    let n = x.len();
    let (Some(&lo), Some(&hi)) = (x.iter().min(), x.iter().max()) else { return Vec::new() };
    if width <= 1 {
        return x.to_vec();
    }
    let range = (i64::from(hi) - i64::from(lo) + 1) as usize;
    if range > 1 << 20 {
        // Too wide for a histogram: fall back on the sorted window.
        let f: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        return median_filter(&f, width).into_iter().map(|v| v as i32).collect();
    }
    let h = width / 2;
    let idx = |v: i32| (i64::from(v) - i64::from(lo)) as usize;
    let mut hist = vec![0u32; range];
    let mut count = 0usize;
    // `m` is the current median bin, `below` the number of window values in bins < m.
    let mut m = 0usize;
    let mut below = 0usize;
    let add = |hist: &mut Vec<u32>, v: i32, below: &mut usize, m: usize| {
        let b = idx(v);
        hist[b] += 1;
        if b < m {
            *below += 1;
        }
    };
    for &v in x.iter().take(h + 1) {
        add(&mut hist, v, &mut below, m);
        count += 1;
    }
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        // Median = the value of rank count/2 (0-based): move m until below <= k < below + hist[m].
        let k = count / 2;
        while below > k {
            m -= 1;
            below -= hist[m] as usize;
        }
        while below + hist[m] as usize <= k {
            below += hist[m] as usize;
            m += 1;
        }
        out.push(lo + m as i32);
        if i >= h
            && let Some(&old) = x.get(i - h)
        {
            let b = idx(old);
            hist[b] -= 1;
            if b < m {
                below -= 1;
            }
            count -= 1;
        }
        if let Some(&new) = x.get(i + h + 1) {
            add(&mut hist, new, &mut below, m);
            count += 1;
        }
    }
    out
}

/// de Chazal baseline removal on digital samples: `x` minus its 200 ms + 600 ms median baseline,
/// in ADC units (divide by the gain for physical units).
pub fn remove_baseline_int(x: &[i32], fs: f64) -> Vec<f32> {
    let a = median_filter_int(x, odd_width(0.2, fs));
    let b = median_filter_int(&a, odd_width(0.6, fs));
    x.iter().zip(b).map(|(&v, b)| (i64::from(v) - i64::from(b)) as f32).collect()
}

/// Odd window length (in samples) closest to `seconds` at `fs`.
pub fn odd_width(seconds: f64, fs: f64) -> usize {
    let w = (seconds * fs).round().max(1.0) as usize;
    w | 1
}

/// Baseline wander of de Chazal et al. (2004): a 200 ms median filter (removes QRS and P waves)
/// followed by a 600 ms median filter (removes T waves). Returns the estimated baseline.
pub fn baseline_de_chazal(x: &[f32], fs: f64) -> Vec<f32> {
    let a = median_filter(x, odd_width(0.2, fs));
    median_filter(&a, odd_width(0.6, fs))
}

/// `x` minus its de Chazal baseline.
pub fn remove_baseline(x: &[f32], fs: f64) -> Vec<f32> {
    let b = baseline_de_chazal(x, fs);
    x.iter().zip(b).map(|(v, b)| v - b).collect()
}

/// A second-order IIR section (normalised so `a0 = 1`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Biquad {
    /// Feed-forward coefficients.
    pub b: [f64; 3],
    /// Feedback coefficients `a1, a2`.
    pub a: [f64; 2],
}

impl Biquad {
    /// Butterworth low-pass (Q = 1/√2) with cut-off `fc` Hz at sampling rate `fs` (RBJ cookbook).
    pub fn lowpass(fc: f64, fs: f64) -> Self {
        let w = 2.0 * std::f64::consts::PI * fc / fs;
        let (s, c) = w.sin_cos();
        let alpha = s / std::f64::consts::SQRT_2;
        let a0 = 1.0 + alpha;
        Biquad { b: [(1.0 - c) / 2.0 / a0, (1.0 - c) / a0, (1.0 - c) / 2.0 / a0], a: [-2.0 * c / a0, (1.0 - alpha) / a0] }
    }

    /// Butterworth high-pass (Q = 1/√2) with cut-off `fc` Hz at sampling rate `fs`.
    pub fn highpass(fc: f64, fs: f64) -> Self {
        let w = 2.0 * std::f64::consts::PI * fc / fs;
        let (s, c) = w.sin_cos();
        let alpha = s / std::f64::consts::SQRT_2;
        let a0 = 1.0 + alpha;
        Biquad { b: [(1.0 + c) / 2.0 / a0, -(1.0 + c) / a0, (1.0 + c) / 2.0 / a0], a: [-2.0 * c / a0, (1.0 - alpha) / a0] }
    }

    /// Runs the section forward over `x` in place (direct form II transposed, zero initial state
    /// set to the steady state of the first sample).
    pub fn run(&self, x: &mut [f32]) {
        let Some(&x0) = x.first() else { return };
        let [b0, b1, b2] = self.b;
        let [a1, a2] = self.a;
        // Steady-state initial conditions for a constant input x0.
        let dc = (b0 + b1 + b2) / (1.0 + a1 + a2);
        let x0 = f64::from(x0);
        let mut z2 = (b2 - a2 * dc) * x0;
        let mut z1 = (b1 - a1 * dc) * x0 + z2;
        for v in x.iter_mut() {
            let xi = f64::from(*v);
            let y = b0 * xi + z1;
            z1 = b1 * xi - a1 * y + z2;
            z2 = b2 * xi - a2 * y;
            *v = y as f32;
        }
    }
}

/// Zero-phase filtering: every section forward, then every section backward, with `pad` samples
/// of odd reflection at both ends to tame edge transients.
pub fn filtfilt(sections: &[Biquad], x: &[f32], pad: usize) -> Vec<f32> {
    let n = x.len();
    if n < 2 {
        return x.to_vec();
    }
    let pad = pad.min(n - 1);
    let (first, last) = (x[0], x[n - 1]);
    let mut y: Vec<f32> = Vec::with_capacity(n + 2 * pad);
    y.extend((1..=pad).rev().map(|i| 2.0 * first - x[i]));
    y.extend_from_slice(x);
    y.extend((1..=pad).map(|i| 2.0 * last - x[n - 1 - i]));
    for s in sections {
        s.run(&mut y);
    }
    y.reverse();
    for s in sections {
        s.run(&mut y);
    }
    y.reverse();
    y[pad..pad + n].to_vec()
}

/// Zero-phase Butterworth band-pass `low`–`high` Hz (one high-pass and one low-pass section each
/// way, i.e. 4th order overall). `low <= 0` skips the high-pass, `high >= fs/2` the low-pass.
pub fn bandpass(x: &[f32], fs: f64, low: f64, high: f64) -> Vec<f32> {
    let mut sections = Vec::new();
    if low > 0.0 {
        sections.push(Biquad::highpass(low, fs));
    }
    if high < fs / 2.0 {
        sections.push(Biquad::lowpass(high, fs));
    }
    let lowest = if low > 0.0 { low } else { high };
    let pad = ((3.0 * fs / lowest.max(0.1)) as usize).min(x.len().saturating_sub(1));
    filtfilt(&sections, x, pad)
}

/// Resamples `x` from `from` Hz to `to` Hz: an anti-aliasing zero-phase low-pass at 0.45·`to`
/// when downsampling, then linear interpolation. Output length `floor(len · to / from)`.
///
/// # Errors
/// A rate that is not a positive finite number, or upsampling by more than [`MAX_UPSAMPLING`].
pub fn resample(x: &[f32], from: f64, to: f64) -> Result<Vec<f32>> {
    if !(from.is_finite() && from > 0.0 && to.is_finite() && to > 0.0) {
        return Err(EcgError::invalid("resampling", format!("rates must be positive finite numbers, got {from} Hz → {to} Hz")));
    }
    if to / from > MAX_UPSAMPLING {
        return Err(EcgError::invalid(
            "resampling",
            format!("{from} Hz → {to} Hz is more than {MAX_UPSAMPLING}× upsampling (is the sampling frequency right?)"),
        ));
    }
    Ok(resample_checked(x, from, to))
}

fn resample_checked(x: &[f32], from: f64, to: f64) -> Vec<f32> {
    if x.is_empty() || (from - to).abs() < 1e-9 {
        return x.to_vec();
    }
    let src: Vec<f32> = if to < from {
        let lp = Biquad::lowpass(0.45 * to, from);
        filtfilt(&[lp, lp], x, (3.0 * from / to) as usize)
    } else {
        x.to_vec()
    };
    let n_out = ((x.len() as f64) * to / from).floor() as usize;
    let step = from / to;
    let last = src.len() - 1;
    (0..n_out)
        .map(|k| {
            let t = k as f64 * step;
            let i = (t.floor() as usize).min(last);
            let j = (i + 1).min(last);
            let f = (t - i as f64) as f32;
            src[i] * (1.0 - f) + src[j] * f
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive_median(x: &[f32], w: usize) -> Vec<f32> {
        let h = w / 2;
        (0..x.len())
            .map(|i| {
                let mut v: Vec<f32> = x[i.saturating_sub(h)..(i + h + 1).min(x.len())].to_vec();
                v.sort_by(f32::total_cmp);
                v[v.len() / 2]
            })
            .collect()
    }

    #[test]
    fn median_matches_naive() {
        let x: Vec<f32> = (0..500).map(|i| ((i * 7919) % 101) as f32 - 50.0).collect();
        for w in [1, 3, 5, 73] {
            assert_eq!(median_filter(&x, w), naive_median(&x, w), "w={w}");
        }
    }

    #[test]
    fn integer_median_matches_naive() {
        let x: Vec<i32> = (0..2000).map(|i| ((i * 7919) % 301) - 150 + (i / 50)).collect();
        let f: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        for w in [1, 3, 5, 73, 217] {
            let want: Vec<i32> = naive_median(&f, w).into_iter().map(|v| v as i32).collect();
            assert_eq!(median_filter_int(&x, w), want, "w={w}");
        }
        assert_eq!(median_filter_int(&[], 5), Vec::<i32>::new());
        assert_eq!(median_filter_int(&[7], 5), vec![7]);
    }

    #[test]
    fn baseline_removal_kills_a_slow_ramp() {
        let fs = 360.0;
        let x: Vec<f32> = (0..3600).map(|i| 0.001 * i as f32).collect();
        let y = remove_baseline(&x, fs);
        assert!(y[200..3400].iter().all(|v| v.abs() < 1e-4));
        assert_eq!(odd_width(0.2, 360.0), 73);
        assert_eq!(odd_width(0.6, 360.0), 217);
    }

    #[test]
    fn bandpass_passes_band_and_blocks_dc() {
        let fs = 360.0;
        let tone = |f: f64| -> Vec<f32> { (0..3600).map(|i| (2.0 * std::f64::consts::PI * f * i as f64 / fs).sin() as f32 + 3.0).collect() };
        let rms = |v: &[f32]| (v[500..3100].iter().map(|a| a * a).sum::<f32>() / 2600.0).sqrt();
        let pass = bandpass(&tone(10.0), fs, 5.0, 15.0);
        let stop = bandpass(&tone(60.0), fs, 5.0, 15.0);
        assert!(rms(&pass) > 0.5, "{}", rms(&pass));
        assert!(rms(&stop) < 0.05, "{}", rms(&stop));
    }

    #[test]
    fn resample_length_and_values() {
        let x: Vec<f32> = (0..360).map(|i| i as f32).collect();
        let up = resample(&x, 360.0, 720.0).unwrap();
        assert_eq!(up.len(), 720);
        assert_eq!(up[3], 1.5);
        let down = resample(&vec![1.0; 3600], 360.0, 125.0).unwrap();
        assert_eq!(down.len(), 1250);
        assert!(down.iter().all(|v| (v - 1.0).abs() < 1e-4));
        assert!(resample(&x, 1e-9, 180.0).is_err());
        assert!(resample(&x, 0.0, 180.0).is_err());
    }
}
