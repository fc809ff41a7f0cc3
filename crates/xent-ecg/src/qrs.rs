//! QRS detection after Pan & Tompkins (1985), and its evaluation against reference beat
//! annotations with the standard 150 ms matching window.
//!
//! Pipeline: zero-phase band-pass (5–15 Hz) → five-point derivative → squaring → 150 ms moving-window
//! integration (centred) → candidate peaks (local maxima of the integrated signal) classified by
//! the adaptive thresholds of the paper (`SPKI`, `NPKI`, `THRESHOLD I1 = NPKI + 0.25 (SPKI − NPKI)`,
//! `THRESHOLD I2 = I1 / 2`), a 200 ms refractory period, T-wave discrimination (a candidate within
//! 360 ms of the previous QRS whose maximal slope is under half of that QRS's is a T wave), and
//! search-back when no QRS was found for 166 % of the average RR. The R peak is then placed at the
//! largest absolute band-passed value within ±75 ms of the integrated peak.

use serde::{Deserialize, Serialize};

use crate::error::{EcgError, Result};
use crate::filter;

/// Detector settings. The defaults are the values of Pan & Tompkins (1985).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QrsConfig {
    /// Band-pass lower edge in Hz. Default: 5.
    pub low_hz: f64,
    /// Band-pass upper edge in Hz. Default: 15.
    pub high_hz: f64,
    /// Moving-window integration width in seconds. Default: 0.150.
    pub integration_s: f64,
    /// Refractory period in seconds: no second QRS within it. Default: 0.200.
    pub refractory_s: f64,
    /// T-wave discrimination window in seconds. Default: 0.360.
    pub t_wave_s: f64,
    /// Search back when no QRS was found for this multiple of the average RR. Default: 1.66.
    pub searchback_factor: f64,
    /// Learning period at the start, in seconds, used to initialise the thresholds. Default: 2.
    pub learning_s: f64,
}

impl Default for QrsConfig {
    fn default() -> Self {
        Self { low_hz: 5.0, high_hz: 15.0, integration_s: 0.150, refractory_s: 0.200, t_wave_s: 0.360, searchback_factor: 1.66, learning_s: 2.0 }
    }
}

/// Detects QRS complexes in `x` (any units) sampled at `fs` Hz; returns R-peak sample indices, sorted.
pub fn detect(x: &[f32], fs: f64, config: &QrsConfig) -> Result<Vec<usize>> {
    let max_fs = crate::header::MAX_FS;
    if !(fs.is_finite() && (50.0..=max_fs).contains(&fs)) {
        return Err(EcgError::invalid("sampling rate", format!("QRS detection needs 50 Hz ≤ fs ≤ {max_fs} Hz, got {fs}")));
    }
    let n = x.len();
    if n < 5 {
        return Ok(Vec::new());
    }
    let bp = filter::bandpass(x, fs, config.low_hz, config.high_hz);
    // Five-point derivative (centred): (−x[n−2] − 2x[n−1] + 2x[n+1] + x[n+2]) / 8.
    let mut deriv = vec![0f32; n];
    for i in 2..n - 2 {
        deriv[i] = (-bp[i - 2] - 2.0 * bp[i - 1] + 2.0 * bp[i + 1] + bp[i + 2]) / 8.0;
    }
    let sq: Vec<f32> = deriv.iter().map(|d| d * d).collect();
    let w = ((config.integration_s * fs).round() as usize).max(1);
    let mwi = moving_average_centred(&sq, w);

    // Durations in samples; `as` saturates (a negative or NaN setting gives 0), and every sum
    // below saturates, so no setting can overflow.
    let sec = |s: f64| (s * fs).round() as usize;
    let refractory = sec(config.refractory_s);
    let t_wave = sec(config.t_wave_s);
    let half_w = sec(0.075);

    // Candidate peaks: local maxima of the integrated signal, at least `refractory` apart
    // (of two closer maxima the larger is kept).
    let mut cands: Vec<usize> = Vec::new();
    for i in 1..n - 1 {
        if mwi[i] > mwi[i - 1] && mwi[i] >= mwi[i + 1] {
            match cands.last_mut() {
                Some(last) if i - *last < refractory => {
                    if mwi[i] > mwi[*last] {
                        *last = i;
                    }
                }
                _ => cands.push(i),
            }
        }
    }
    let slope = |p: usize| -> f32 {
        let lo = p.saturating_sub(half_w);
        let hi = p.saturating_add(half_w).min(n);
        deriv[lo..hi].iter().fold(0f32, |m, d| m.max(d.abs()))
    };

    let learn = sec(config.learning_s).clamp(1, n);
    let max0 = mwi[..learn].iter().copied().fold(0f32, f32::max);
    let mean0 = mwi[..learn].iter().sum::<f32>() / learn as f32;
    let mut spki = 0.25 * max0;
    let mut npki = 0.5 * mean0;
    let mut rr_recent: Vec<usize> = Vec::new();
    let mut rr_avg = sec(1.0) as f64;
    let mut qrs: Vec<usize> = Vec::new();
    let mut last_slope = 0f32;
    let mut noise_since_qrs: Vec<usize> = Vec::new();

    // RR_AVERAGE1 of the paper: the mean of the 8 most recent RR intervals.
    let accept = |p: usize, qrs: &mut Vec<usize>, rr_recent: &mut Vec<usize>, rr_avg: &mut f64| {
        if let Some(&prev) = qrs.last() {
            rr_recent.push(p - prev);
            if rr_recent.len() > 8 {
                rr_recent.remove(0);
            }
            *rr_avg = rr_recent.iter().sum::<usize>() as f64 / rr_recent.len() as f64;
        }
        qrs.push(p);
    };

    for &p in &cands {
        let peak = mwi[p];
        let th1 = npki + 0.25 * (spki - npki);
        let th2 = 0.5 * th1;
        // Search back for a missed beat.
        if let Some(&prev) = qrs.last() {
            let limit = (config.searchback_factor * rr_avg) as usize;
            if p - prev > limit {
                let best = noise_since_qrs.iter().copied().filter(|&c| c > prev.saturating_add(refractory) && p - c >= refractory).max_by(|&a, &b| mwi[a].total_cmp(&mwi[b]));
                if let Some(c) = best
                    && mwi[c] > th2
                {
                    spki = 0.25 * mwi[c] + 0.75 * spki;
                    last_slope = slope(c);
                    accept(c, &mut qrs, &mut rr_recent, &mut rr_avg);
                    noise_since_qrs.clear();
                }
            }
        }
        let th1 = npki + 0.25 * (spki - npki);
        if let Some(&prev) = qrs.last()
            && p - prev < refractory
        {
            continue;
        }
        if peak > th1 {
            let s = slope(p);
            let is_t = qrs.last().is_some_and(|&prev| p - prev < t_wave && s < 0.5 * last_slope);
            if is_t {
                npki = 0.125 * peak + 0.875 * npki;
                noise_since_qrs.push(p);
            } else {
                spki = 0.125 * peak + 0.875 * spki;
                last_slope = s;
                accept(p, &mut qrs, &mut rr_recent, &mut rr_avg);
                noise_since_qrs.clear();
            }
        } else {
            npki = 0.125 * peak + 0.875 * npki;
            noise_since_qrs.push(p);
        }
    }

    // Place each R peak on the largest absolute band-passed value near the integrated peak.
    let mut out: Vec<usize> = qrs
        .iter()
        .map(|&p| {
            let lo = p.saturating_sub(half_w);
            let hi = p.saturating_add(half_w).saturating_add(1).min(n);
            (lo..hi).max_by(|&a, &b| bp[a].abs().total_cmp(&bp[b].abs())).unwrap_or(p)
        })
        .collect();
    out.dedup();
    Ok(out)
}

fn moving_average_centred(x: &[f32], w: usize) -> Vec<f32> {
    let n = x.len();
    let mut prefix = vec![0f64; n + 1];
    for i in 0..n {
        prefix[i + 1] = prefix[i] + f64::from(x[i]);
    }
    let h = w / 2;
    (0..n)
        .map(|i| {
            let lo = i.saturating_sub(h);
            let hi = i.saturating_add(w - h).min(n);
            ((prefix[hi] - prefix[lo]) / w as f64) as f32
        })
        .collect()
}

/// Detection performance against reference beats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct QrsScore {
    /// Reference beats matched by a detection.
    pub tp: usize,
    /// Detections matching no reference beat.
    pub fp: usize,
    /// Reference beats with no detection.
    pub fn_: usize,
}

impl QrsScore {
    /// Sensitivity TP / (TP + FN) (1 when there is no reference beat).
    pub fn sensitivity(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }

    /// Positive predictivity TP / (TP + FP) (1 when nothing was detected).
    pub fn positive_predictivity(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    /// Adds another score.
    pub fn add(&mut self, o: &QrsScore) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// Matches sorted detections to sorted reference beats: each reference and each detection is used
/// at most once, and a pair matches when they are at most `tolerance` samples apart (150 ms is
/// `0.15 · fs`). A greedy sweep in time order.
pub fn evaluate(reference: &[i64], detections: &[i64], tolerance: i64) -> QrsScore {
    let (mut i, mut j) = (0, 0);
    let mut s = QrsScore::default();
    while i < reference.len() && j < detections.len() {
        let (r, d) = (reference[i], detections[j]);
        if (d - r).abs() <= tolerance {
            // If the next detection is closer to this reference, the current one is extra.
            if let Some(&d2) = detections.get(j + 1)
                && (d2 - r).abs() < (d - r).abs()
                && reference.get(i + 1).is_none_or(|&r2| (d - r2).abs() > tolerance)
            {
                s.fp += 1;
                j += 1;
                continue;
            }
            s.tp += 1;
            i += 1;
            j += 1;
        } else if d < r {
            s.fp += 1;
            j += 1;
        } else {
            s.fn_ += 1;
            i += 1;
        }
    }
    s.fn_ += reference.len() - i;
    s.fp += detections.len() - j;
    s
}

/// Evaluation settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvalConfig {
    /// Matching window half-width in seconds. Default: 0.150 (ANSI/AAMI EC57).
    pub tolerance_s: f64,
    /// Leave out ventricular flutter/fibrillation episodes (between `[` and `]` annotations), where
    /// MIT-BIH has no beat annotations, as EC57 does. Default: `false` (whole records).
    pub exclude_vf: bool,
}

impl Default for EvalConfig {
    fn default() -> Self {
        Self { tolerance_s: 0.15, exclude_vf: false }
    }
}

/// Runs the detector on a record's primary channel (`MLII`) and scores it against the record's
/// beat annotations.
pub fn evaluate_record(record: &crate::record::Record, config: &QrsConfig, eval: &EvalConfig) -> Result<QrsScore> {
    let annotations = record.annotations()?;
    let sig = record
        .signals
        .get(record.primary_channel())
        .ok_or_else(|| EcgError::invalid("record", format!("{} has no signals", record.name)))?;
    let fs = record.fs();
    let mut det: Vec<i64> = detect(&sig.physical_frames(), fs, config)?.into_iter().map(|v| v as i64).collect();
    let mut refs: Vec<i64> = annotations.iter().filter(|a| a.is_beat()).map(|a| a.sample).collect();
    if eval.exclude_vf {
        let mut episodes = Vec::new();
        let mut start = None;
        for a in annotations {
            match a.symbol() {
                "[" => start = Some(a.sample),
                "]" => {
                    if let Some(s) = start.take() {
                        episodes.push((s, a.sample));
                    }
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            episodes.push((s, i64::MAX));
        }
        let outside = |t: &i64| !episodes.iter().any(|&(a, b)| *t >= a && *t <= b);
        det.retain(outside);
        refs.retain(outside);
    }
    Ok(evaluate(&refs, &det, (eval.tolerance_s * fs).round() as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_by_hand() {
        let s = evaluate(&[100, 400, 700], &[90, 300, 420, 705, 900], 54);
        assert_eq!(s, QrsScore { tp: 3, fp: 2, fn_: 0 });
        let s = evaluate(&[100, 400], &[], 54);
        assert_eq!((s.tp, s.fn_, s.sensitivity()), (0, 2, 0.0));
        // Two detections near one beat: the closer one matches.
        let s = evaluate(&[100], &[60, 98], 54);
        assert_eq!(s, QrsScore { tp: 1, fp: 1, fn_: 0 });
    }

    #[test]
    fn detects_a_synthetic_pulse_train() {
        let fs = 360.0;
        let n = 36_000;
        let mut x = vec![0f32; n];
        let beats: Vec<usize> = (1..99).map(|k| k * 360 + (k % 3) * 20).collect();
        for &b in &beats {
            for (o, v) in [(-3i64, 0.2f32), (-2, 0.5), (-1, 0.8), (0, 1.0), (1, 0.8), (2, 0.5), (3, 0.2)] {
                x[(b as i64 + o) as usize] += v;
            }
        }
        let d = detect(&x, fs, &QrsConfig::default()).unwrap();
        let r: Vec<i64> = beats.iter().map(|&b| b as i64).collect();
        let d: Vec<i64> = d.iter().map(|&b| b as i64).collect();
        let s = evaluate(&r, &d, 54);
        assert_eq!((s.fn_, s.fp), (0, 0), "{s:?}");
    }
}
