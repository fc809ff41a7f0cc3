//! Decoded signals: digital samples, physical values, frames of several samples, checksums and
//! the skew. The storage formats are in [`crate::format`], the file layout in [`crate::dat`].

use std::borrow::Cow;

use serde::Serialize;

use crate::format::Format;
use crate::header::SignalSpec;

/// One decoded signal: its header line and its digital samples (ADC units).
///
/// A signal with several samples per frame (`format xN` in the header) keeps all of them:
/// `samples` holds `N × frames` values, at `N` times the record's frame rate, in the order stored
/// (wfdb-python's `rdrecord(..., smooth_frames=False)`, its `e_d_signal`). [`Signal::frame_samples`]
/// gives one value per frame, their mean truncated toward zero (wfdb-python's default
/// `smooth_frames=True` in digital units); it is what beats and QRS detection use, since
/// annotations count frames.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Signal {
    /// The header line describing the signal.
    pub spec: SignalSpec,
    /// Digital samples in ADC units, `samples_per_frame` per frame.
    #[serde(skip)]
    pub samples: Vec<i32>,
}

impl Signal {
    /// Converts one digital value to physical units: `(d - baseline) / gain`.
    pub fn to_physical(&self, digital: i32) -> f32 {
        ((f64::from(digital) - self.spec.baseline as f64) / self.spec.gain) as f32
    }

    /// All samples in physical units (mV for MIT-BIH), `samples_per_frame` per frame.
    pub fn physical(&self) -> Vec<f32> {
        physical(&self.samples, &self.spec)
    }

    /// One physical value per frame: [`Signal::frame_samples`] in physical units. The same as
    /// [`Signal::physical`] for a signal with one sample per frame.
    pub fn physical_frames(&self) -> Vec<f32> {
        physical(&self.frame_samples(), &self.spec)
    }

    /// Samples per frame (at least 1).
    pub fn samples_per_frame(&self) -> usize {
        usize::try_from(self.spec.samples_per_frame).unwrap_or(1).max(1)
    }

    /// Number of frames (samples at the record's sampling frequency).
    pub fn frames(&self) -> usize {
        self.samples.len() / self.samples_per_frame()
    }

    /// One digital value per frame: the samples themselves with one sample per frame (borrowed),
    /// otherwise the mean of each frame's samples truncated toward zero, as wfdb-python's
    /// `smooth_frames` computes it for digital output.
    pub fn frame_samples(&self) -> Cow<'_, [i32]> {
        let spf = self.samples_per_frame();
        if spf == 1 {
            return Cow::Borrowed(&self.samples);
        }
        let n = spf as i64;
        Cow::Owned(self.samples.chunks_exact(spf).map(|f| (f.iter().map(|&v| i64::from(v)).sum::<i64>() / n) as i32).collect())
    }

    /// Sum of the digital samples (no wrap-around).
    pub fn sum(&self) -> i64 {
        self.samples.iter().map(|&v| i64::from(v)).sum()
    }

    /// The WFDB 16-bit checksum: the sum of all samples modulo 2^16, as a signed 16-bit value.
    pub fn checksum(&self) -> i16 {
        checksum(&self.samples)
    }

    /// Smallest digital sample (`None` when empty).
    pub fn min(&self) -> Option<i32> {
        self.samples.iter().copied().min()
    }

    /// Largest digital sample (`None` when empty).
    pub fn max(&self) -> Option<i32> {
        self.samples.iter().copied().max()
    }
}

/// `(d - baseline) / gain` in f64, rounded to f32, for each digital value.
fn physical(samples: &[i32], spec: &SignalSpec) -> Vec<f32> {
    let b = spec.baseline as f64;
    let g = spec.gain;
    samples.iter().map(|&d| ((f64::from(d) - b) / g) as f32).collect()
}

/// The WFDB 16-bit checksum of `samples`: their sum modulo 2^16, as a signed 16-bit value (the
/// low 16 bits of the sum, whatever the sample width).
pub fn checksum(samples: &[i32]) -> i16 {
    // The low 16 bits of a wrapping 32-bit sum are those of the exact sum.
    samples.iter().fold(0i32, |acc, &v| acc.wrapping_add(v)) as i16
}

/// Bytes needed to hold `n` samples in `format`, or `None` if the format is unsupported or the
/// size overflows `usize`.
pub fn bytes_needed(format: u16, n: usize) -> Option<usize> {
    Format::from_code(format)?.bytes_needed(n)
}

/// Decodes `n` samples stored in `format` (the number in a header), as stored (format 8 gives its
/// differences). Returns `None` if the format is unsupported or `bytes` is too short.
pub fn decode(format: u16, bytes: &[u8], n: usize) -> Option<Vec<i32>> {
    let mut out = Vec::new();
    Format::from_code(format)?.decode(bytes, n, &mut out)?;
    Some(out)
}

/// The digital value WFDB stores for a missing sample in `format` (wfdb-python's
/// `INVALID_SAMPLE_VALUE`, see [`Format::invalid_sample`]); −32768 for a format this reader does
/// not decode.
pub fn invalid_sample(format: u16) -> i32 {
    Format::from_code(format).map_or(-32768, Format::invalid_sample)
}

/// Applies a signal's skew in place, as WFDB and wfdb-python (`_skew_sig`) define it: frame `j`
/// becomes the stored frame `j + skew`, and the last `skew` frames, which would lie beyond the
/// record's length, hold [`invalid_sample`]. `samples_per_frame` samples make a frame. The length
/// does not change; a skew of 0 is a no-op. (With several samples per frame, wfdb-python marks
/// only the last `skew` samples invalid and leaves zeros before them; here the whole frames are.)
pub fn apply_skew(samples: &mut [i32], skew: usize, samples_per_frame: usize, format: u16) {
    let n = samples.len();
    let skew = skew.saturating_mul(samples_per_frame).min(n);
    if skew == 0 {
        return;
    }
    samples.copy_within(skew.., 0);
    samples[n - skew..].fill(invalid_sample(format));
}

pub use crate::dat::{decode_file, layout_overflow};

/// Encodes samples in format 212 (pairs packed in 3 bytes; an odd last sample takes 2 bytes); each
/// sample keeps its low 12 bits.
pub fn encode_212(samples: &[i32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(samples.len() / 2 * 3 + 2);
    let mut pairs = samples.chunks_exact(2);
    for p in &mut pairs {
        let (a, b) = ((p[0] as u16) & 0x0FFF, (p[1] as u16) & 0x0FFF);
        out.extend_from_slice(&[(a & 0xFF) as u8, ((a >> 8) | ((b >> 4) & 0xF0)) as u8, (b & 0xFF) as u8]);
    }
    if let [a] = pairs.remainder() {
        let a = (*a as u16) & 0x0FFF;
        out.extend_from_slice(&[(a & 0xFF) as u8, (a >> 8) as u8]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_212_round_trips_every_12_bit_value() {
        let v: Vec<i32> = (-2048..2048).chain([5]).collect();
        assert_eq!(decode(212, &encode_212(&v), v.len()).unwrap(), v);
    }

    #[test]
    fn byte_sizes_never_overflow() {
        assert_eq!(bytes_needed(212, 3), Some(5));
        assert_eq!(bytes_needed(212, usize::MAX), None);
        assert_eq!(bytes_needed(16, usize::MAX / 2 + 1), None);
        assert_eq!(bytes_needed(999, 1), None);
    }

    #[test]
    fn skew_shifts_and_pads_like_wfdb_python() {
        let mut v = vec![1, 2, 3, 4, 5];
        apply_skew(&mut v, 2, 1, 212);
        assert_eq!(v, vec![3, 4, 5, -2048, -2048]);
        let mut v = vec![1, 2, 3];
        apply_skew(&mut v, 7, 1, 16);
        assert_eq!(v, vec![-32768; 3]);
        let mut v = vec![1, 2];
        apply_skew(&mut v, 0, 1, 16);
        assert_eq!(v, vec![1, 2]);
        let mut v = vec![1, 2, 3, 4, 5, 6];
        apply_skew(&mut v, 1, 2, 24);
        assert_eq!(v, vec![3, 4, 5, 6, -(1 << 23), -(1 << 23)]);
    }

    #[test]
    fn checksum_wraps_like_wfdb() {
        assert_eq!(checksum(&[30000, 30000]), (60000i32 - 65536) as i16);
        assert_eq!(checksum(&[70000]), (70000 - 65536) as i16);
        assert_eq!(checksum(&[]), 0);
    }

    #[test]
    fn frames_average_like_wfdb_python() {
        let spec = crate::header::Header::parse(b"r 1\nr.dat 16x3\n", std::path::Path::new("r.hea")).unwrap().signals.remove(0);
        let s = Signal { spec, samples: vec![1, 2, 4, -1, -2, -4, 7, 7, 7] };
        assert_eq!(s.frames(), 3);
        assert_eq!(s.frame_samples().into_owned(), vec![2, -2, 7]);
    }
}
