//! RR-interval features of a beat.
//!
//! Two families:
//! - de Chazal et al. (2004): pre-RR, post-RR, a local average RR over a window *centred* on the
//!   beat and the record's average RR, in seconds ([`RrScale::Seconds`]) or divided by the
//!   record's average ([`RrScale::RecordRelative`]). The centred window and the record average see
//!   beats that come later, and the absolute average identifies the patient.
//! - Patient-relative features ([`RrFeatures::relative`], what the beat networks read): every
//!   interval divided by the same patient's *preceding* rhythm, a short local mean of the last
//!   `local_window` intervals and a running mean of the last `running_window` intervals. They use
//!   the beats up to the next R peak only (the post-RR interval needs it, as in every published
//!   inter-patient method), and no absolute interval, so they carry the rhythm, not the patient.
//!
//! [`RrScaler`] robust-scales the patient-relative features with statistics of the training beats.

use serde::{Deserialize, Serialize};

/// Number of patient-relative RR features per beat ([`RrFeatures::relative`]).
pub const RR_FEATURES: usize = 7;

/// Names of the patient-relative features, in [`RrFeatures::relative`]'s order.
pub const RR_FEATURE_NAMES: [&str; RR_FEATURES] =
    ["pre/local", "post/local", "pre/running", "post/running", "local/running", "(post-pre)/running", "irregularity/local"];

/// The RR features of one beat, in seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct RrFeatures {
    /// Interval from the previous beat (the first beat of a record uses its post-RR).
    pub pre: f32,
    /// Interval to the next beat (the last beat of a record uses its pre-RR).
    pub post: f32,
    /// Mean of the pre-RR intervals of the beats in a window of `local_window` beats centred on
    /// this one (de Chazal 2004; sees later beats).
    pub local: f32,
    /// Mean RR interval of the whole record (sees the whole record).
    pub average: f32,
    /// Mean of the pre-RR intervals of the last `local_window` beats, this one included (causal).
    pub past_local: f32,
    /// Mean of the pre-RR intervals of the last `running_window` beats, this one included (causal).
    pub running: f32,
    /// Mean absolute difference between successive pre-RR intervals over the last `local_window`
    /// beats, this one included (causal): high in atrial fibrillation, where a short interval is
    /// no sign of a premature beat.
    pub irregularity: f32,
}

/// How [`RrFeatures::to_array`] presents de Chazal's four features.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum RrScale {
    /// `[pre, post, local, average]` in seconds.
    Seconds,
    /// `[pre/average, post/average, local/average, average]`: the first three are free of the
    /// patient's heart rate.
    #[default]
    RecordRelative,
}

impl RrFeatures {
    /// De Chazal's four features as an array, in the given scale.
    pub fn to_array(&self, scale: RrScale) -> [f32; 4] {
        match scale {
            RrScale::Seconds => [self.pre, self.post, self.local, self.average],
            RrScale::RecordRelative => {
                let a = positive_or_one(self.average);
                [self.pre / a, self.post / a, self.local / a, self.average]
            }
        }
    }

    /// The patient-relative features, in [`RR_FEATURE_NAMES`]'s order: pre and post over the
    /// causal local mean, pre, post and the local mean over the causal running mean, and the
    /// post − pre difference over the running mean (a premature beat's compensatory pause), and
    /// the irregularity over the causal local mean.
    pub fn relative(&self) -> [f32; RR_FEATURES] {
        let l = positive_or_one(self.past_local);
        let r = positive_or_one(self.running);
        [
            self.pre / l,
            self.post / l,
            self.pre / r,
            self.post / r,
            self.past_local / r,
            (self.post - self.pre) / r,
            self.irregularity / l,
        ]
    }
}

fn positive_or_one(v: f32) -> f32 {
    if v > 0.0 && v.is_finite() { v } else { 1.0 }
}

/// Windows of the RR averages, in beats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RrWindows {
    /// Beats in the local averages (centred and causal). Default 10 (de Chazal 2004).
    pub local: usize,
    /// Beats in the causal running average. Default 300 (about five minutes).
    pub running: usize,
}

impl Default for RrWindows {
    fn default() -> Self {
        Self { local: 10, running: 300 }
    }
}

/// RR features of each beat at the (sorted) sample positions `beats`, sampled at `fs` Hz.
pub fn rr_features(beats: &[i64], fs: f64, windows: RrWindows) -> Vec<RrFeatures> {
    let n = beats.len();
    if n < 2 || !(fs.is_finite() && fs > 0.0) {
        return vec![RrFeatures::default(); n];
    }
    let rr: Vec<f32> = beats.windows(2).map(|w| ((w[1] - w[0]) as f64 / fs) as f32).collect();
    let average = rr.iter().sum::<f32>() / rr.len() as f32;
    // pre[i] = rr[i-1], post[i] = rr[i].
    let pre: Vec<f32> = (0..n).map(|i| if i == 0 { rr[0] } else { rr[i - 1] }).collect();
    let post: Vec<f32> = (0..n).map(|i| if i + 1 == n { rr[n - 2] } else { rr[i] }).collect();
    let mut prefix = vec![0f64; n + 1];
    for i in 0..n {
        prefix[i + 1] = prefix[i] + f64::from(pre[i]);
    }
    let mean = |lo: usize, hi: usize| ((prefix[hi] - prefix[lo]) / (hi - lo).max(1) as f64) as f32;
    // jumps[i] = |pre[i] − pre[i−1]| (0 for the first beat), summed in a prefix as well.
    let mut jump_prefix = vec![0f64; n + 1];
    for i in 0..n {
        let jump = if i == 0 { 0.0 } else { f64::from((pre[i] - pre[i - 1]).abs()) };
        jump_prefix[i + 1] = jump_prefix[i] + jump;
    }
    let w = windows.local.max(1);
    let past = |i: usize, w: usize| mean((i + 1).saturating_sub(w), i + 1);
    (0..n)
        .map(|i| {
            let lo = i.saturating_sub(w / 2);
            let hi = (lo + w).min(n);
            let lo = hi.saturating_sub(w);
            RrFeatures {
                pre: pre[i],
                post: post[i],
                local: mean(lo, hi),
                average,
                past_local: past(i, w),
                running: past(i, windows.running.max(1)),
                irregularity: {
                    let lo = (i + 1).saturating_sub(w);
                    ((jump_prefix[i + 1] - jump_prefix[lo]) / (i + 1 - lo) as f64) as f32
                },
            }
        })
        .collect()
}

/// Robust scaling of the patient-relative features, `(x − median) / IQR` per feature, with the
/// statistics of the training beats only (an IQR of 0 divides by 1).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RrScaler {
    /// Median of each feature on the training beats.
    pub median: [f32; RR_FEATURES],
    /// Interquartile range of each feature on the training beats.
    pub iqr: [f32; RR_FEATURES],
}

impl Default for RrScaler {
    /// The identity.
    fn default() -> Self {
        Self { median: [0.0; RR_FEATURES], iqr: [1.0; RR_FEATURES] }
    }
}

impl RrScaler {
    /// Fits the scaler on the features of the training beats (the identity on no beats).
    pub fn fit<'a>(features: impl IntoIterator<Item = &'a RrFeatures>) -> Self {
        let rows: Vec<[f32; RR_FEATURES]> = features.into_iter().map(RrFeatures::relative).collect();
        if rows.is_empty() {
            return Self::default();
        }
        let mut out = Self::default();
        for j in 0..RR_FEATURES {
            let mut col: Vec<f32> = rows.iter().map(|r| r[j]).filter(|v| v.is_finite()).collect();
            if col.is_empty() {
                continue;
            }
            col.sort_unstable_by(f32::total_cmp);
            let q = |p: f64| col[((col.len() - 1) as f64 * p).round() as usize];
            out.median[j] = q(0.5);
            let iqr = q(0.75) - q(0.25);
            out.iqr[j] = if iqr > 0.0 { iqr } else { 1.0 };
        }
        out
    }

    /// The scaled patient-relative features of one beat.
    pub fn transform(&self, rr: &RrFeatures) -> [f32; RR_FEATURES] {
        let mut x = rr.relative();
        for (j, v) in x.iter_mut().enumerate() {
            *v = (*v - self.median[j]) / self.iqr[j];
        }
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: RrWindows = RrWindows { local: 2, running: 3 };

    #[test]
    fn by_hand() {
        // Intervals 1 s, 2 s, 1 s at 10 Hz.
        let f = rr_features(&[0, 10, 30, 40], 10.0, W);
        assert_eq!((f[0].pre, f[0].post), (1.0, 1.0));
        assert_eq!((f[1].pre, f[1].post), (1.0, 2.0));
        assert_eq!((f[3].pre, f[3].post), (1.0, 1.0));
        let avg = 4.0 / 3.0;
        assert!(f.iter().all(|x| (x.average - avg).abs() < 1e-6));
        // local window 2 around beat 2 = pre of beats 1 and 2 = (1 + 2) / 2.
        assert_eq!(f[2].local, 1.5);
        // causal: beat 1's past two pre-RRs are beats 0 and 1 (1, 1); beat 3's running mean of
        // three is beats 1..=3 (1, 2, 1).
        assert_eq!(f[1].past_local, 1.0);
        assert!((f[3].running - 4.0 / 3.0).abs() < 1e-6);
        let r = f[1].to_array(RrScale::RecordRelative);
        assert!((r[1] - 2.0 / avg).abs() < 1e-6);
        // irregularity over the last two beats: beat 2 = (|1 − 1| + |2 − 1|) / 2.
        assert_eq!((f[1].irregularity, f[2].irregularity), (0.0, 0.5));
        // relative: beat 1 = [1/1, 2/1, 1/1, 2/1, 1/1, (2-1)/1, 0/1].
        assert_eq!(f[1].relative(), [1.0, 2.0, 1.0, 2.0, 1.0, 1.0, 0.0]);
        assert_eq!(rr_features(&[5], 360.0, W), vec![RrFeatures::default()]);
    }

    #[test]
    fn patient_relative_features_are_causal() {
        // Changing beats after the next R peak never changes a beat's relative features.
        let a: Vec<i64> = vec![0, 300, 610, 800, 1200, 1490, 1800, 2100, 2390, 2700];
        let mut b = a.clone();
        for s in &mut b[6..] {
            *s += 97;
        }
        let w = RrWindows { local: 6, running: 4 };
        let (fa, fb) = (rr_features(&a, 360.0, w), rr_features(&b, 360.0, w));
        for i in 0..5 {
            assert_eq!(fa[i].relative(), fb[i].relative(), "beat {i}");
        }
        // …while de Chazal's centred local mean (beats 1..=6 for beat 4) and the record average do.
        assert_ne!(fa[4].local, fb[4].local);
        assert_ne!(fa[0].average, fb[0].average);
        // A patient whose whole rhythm is slower by a factor has the same relative features.
        let slow: Vec<i64> = a.iter().map(|s| s * 3 / 2).collect();
        let fs = rr_features(&slow, 360.0, w);
        for i in 0..a.len() {
            for (x, y) in fa[i].relative().iter().zip(fs[i].relative()) {
                assert!((x - y).abs() < 1e-5, "beat {i}: {x} vs {y}");
            }
        }
    }

    #[test]
    fn scaler_uses_only_the_beats_it_is_fitted_on() {
        let train = rr_features(&[0, 10, 20, 35, 45, 55, 65, 80, 90], 10.0, W);
        let s = RrScaler::fit(&train);
        let col0: Vec<f32> = train.iter().map(|f| f.relative()[0]).collect();
        let mut sorted = col0.clone();
        sorted.sort_unstable_by(f32::total_cmp);
        assert_eq!(s.median[0], sorted[4]);
        assert_eq!(s.iqr[0], if sorted[6] > sorted[2] { sorted[6] - sorted[2] } else { 1.0 });
        // Scaling other beats does not refit: the same statistics apply.
        let other = rr_features(&[0, 3, 30, 33], 10.0, W);
        let x = s.transform(&other[1]);
        assert_eq!(x[0], (other[1].relative()[0] - s.median[0]) / s.iqr[0]);
        assert_eq!(RrScaler::fit(&[]), RrScaler::default());
    }
}
