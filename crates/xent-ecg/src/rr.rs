//! RR-interval features of de Chazal et al. (2004): pre-RR, post-RR, local average RR and the
//! record's average RR, in seconds, computed over all beat annotations of a record.

use serde::{Deserialize, Serialize};

/// Number of RR features per beat.
pub const RR_FEATURES: usize = 4;

/// The RR features of one beat, in seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct RrFeatures {
    /// Interval from the previous beat (the first beat of a record uses its post-RR).
    pub pre: f32,
    /// Interval to the next beat (the last beat of a record uses its pre-RR).
    pub post: f32,
    /// Mean of the pre-RR intervals of the beats in a window of `local_window` beats centred on this one.
    pub local: f32,
    /// Mean RR interval of the whole record.
    pub average: f32,
}

/// How RR features are presented to a model.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum RrScale {
    /// `[pre, post, local, average]` in seconds.
    Seconds,
    /// `[pre/average, post/average, local/average, average]`: the first three are free of the
    /// patient's heart rate, which is what inter-patient S-beat detection needs.
    #[default]
    RecordRelative,
}

impl RrFeatures {
    /// The four features as an array, in the given scale.
    pub fn to_array(&self, scale: RrScale) -> [f32; RR_FEATURES] {
        match scale {
            RrScale::Seconds => [self.pre, self.post, self.local, self.average],
            RrScale::RecordRelative => {
                let a = if self.average > 0.0 { self.average } else { 1.0 };
                [self.pre / a, self.post / a, self.local / a, self.average]
            }
        }
    }
}

/// RR features of each beat at the (sorted) sample positions `beats`, sampled at `fs` Hz.
/// `local_window` beats (≥ 1) around each beat form the local average.
pub fn rr_features(beats: &[i64], fs: f64, local_window: usize) -> Vec<RrFeatures> {
    let n = beats.len();
    if n < 2 || fs <= 0.0 {
        return vec![RrFeatures::default(); n];
    }
    let rr: Vec<f32> = beats.windows(2).map(|w| ((w[1] - w[0]) as f64 / fs) as f32).collect();
    let average = rr.iter().sum::<f32>() / rr.len() as f32;
    // pre[i] = rr[i-1], post[i] = rr[i].
    let pre: Vec<f32> = (0..n).map(|i| if i == 0 { rr[0] } else { rr[i - 1] }).collect();
    let post: Vec<f32> = (0..n).map(|i| if i + 1 == n { rr[n - 2] } else { rr[i] }).collect();
    let w = local_window.max(1);
    let mut prefix = vec![0f64; n + 1];
    for i in 0..n {
        prefix[i + 1] = prefix[i] + f64::from(pre[i]);
    }
    (0..n)
        .map(|i| {
            let lo = i.saturating_sub(w / 2);
            let hi = (lo + w).min(n);
            let lo = hi.saturating_sub(w);
            let local = ((prefix[hi] - prefix[lo]) / (hi - lo) as f64) as f32;
            RrFeatures { pre: pre[i], post: post[i], local, average }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_hand() {
        // Intervals 1 s, 2 s, 1 s at 10 Hz.
        let f = rr_features(&[0, 10, 30, 40], 10.0, 2);
        assert_eq!((f[0].pre, f[0].post), (1.0, 1.0));
        assert_eq!((f[1].pre, f[1].post), (1.0, 2.0));
        assert_eq!((f[3].pre, f[3].post), (1.0, 1.0));
        let avg = 4.0 / 3.0;
        assert!(f.iter().all(|x| (x.average - avg).abs() < 1e-6));
        // local window 2 around beat 2 = pre of beats 1 and 2 = (1 + 2) / 2.
        assert_eq!(f[2].local, 1.5);
        let r = f[1].to_array(RrScale::RecordRelative);
        assert!((r[1] - 2.0 / avg).abs() < 1e-6);
        assert_eq!(rr_features(&[5], 360.0, 10), vec![RrFeatures::default()]);
    }
}
