//! Signal files (`.dat`): decoding formats 212 and 16, the skew, digital and physical values,
//! checksums.

use std::path::Path;

use serde::Serialize;

use crate::error::{EcgError, Result};
use crate::header::SignalSpec;

/// One decoded signal: its header line and its digital samples (ADC units).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Signal {
    /// The header line describing the signal.
    pub spec: SignalSpec,
    /// Digital samples in ADC units.
    #[serde(skip)]
    pub samples: Vec<i16>,
}

impl Signal {
    /// Converts one digital value to physical units: `(d - baseline) / gain`.
    pub fn to_physical(&self, digital: i16) -> f32 {
        ((f64::from(digital) - self.spec.baseline as f64) / self.spec.gain) as f32
    }

    /// All samples in physical units (mV for MIT-BIH).
    pub fn physical(&self) -> Vec<f32> {
        let b = self.spec.baseline as f64;
        let g = self.spec.gain;
        self.samples.iter().map(|&d| ((f64::from(d) - b) / g) as f32).collect()
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
    pub fn min(&self) -> Option<i16> {
        self.samples.iter().copied().min()
    }

    /// Largest digital sample (`None` when empty).
    pub fn max(&self) -> Option<i16> {
        self.samples.iter().copied().max()
    }
}

/// The WFDB 16-bit checksum of `samples`.
pub fn checksum(samples: &[i16]) -> i16 {
    samples.iter().fold(0i16, |acc, &v| acc.wrapping_add(v))
}

/// Bytes needed to hold `n` samples in `format`, or `None` if the format is unsupported or the
/// size overflows `usize`.
pub fn bytes_needed(format: u16, n: usize) -> Option<usize> {
    match format {
        212 => (n / 2).checked_mul(3)?.checked_add((n % 2) * 2),
        16 => n.checked_mul(2),
        _ => None,
    }
}

/// Bytes that `sig_len` frames of `signals` interleaved signals take in `format` (from the byte
/// offset on), or `None` if the format is unsupported or the size overflows.
pub fn frame_bytes(format: u16, signals: usize, sig_len: usize) -> Option<usize> {
    bytes_needed(format, sig_len.checked_mul(signals)?)
}

/// The digital value WFDB stores for a missing sample in `format` (wfdb-python's
/// `INVALID_SAMPLE_VALUE`): −2048 in format 212, −32768 in format 16.
pub fn invalid_sample(format: u16) -> i16 {
    if format == 212 { -2048 } else { i16::MIN }
}

/// Applies a signal's skew in place, as WFDB and wfdb-python (`_skew_sig`) define it: sample `j`
/// becomes the stored sample `j + skew`, and the last `skew` samples, which would lie beyond the
/// record's length, become [`invalid_sample`]. The length does not change; a skew of 0 is a no-op.
pub fn apply_skew(samples: &mut [i16], skew: usize, format: u16) {
    let n = samples.len();
    let skew = skew.min(n);
    if skew == 0 {
        return;
    }
    samples.copy_within(skew.., 0);
    samples[n - skew..].fill(invalid_sample(format));
}

#[inline(always)]
fn sext12(v: u16) -> i16 {
    ((v << 4) as i16) >> 4
}

/// Decodes `n` samples of format 212 (pairs of 12-bit two's-complement values packed in 3 bytes).
/// Returns `None` if `bytes` is too short.
pub fn decode_212(bytes: &[u8], n: usize) -> Option<Vec<i16>> {
    let need = bytes_needed(212, n)?;
    let bytes = bytes.get(..need)?;
    let mut out = Vec::with_capacity(n);
    let mut groups = bytes.chunks_exact(3);
    for g in &mut groups {
        let (b0, b1, b2) = (u16::from(g[0]), u16::from(g[1]), u16::from(g[2]));
        out.push(sext12(b0 | ((b1 & 0x0F) << 8)));
        out.push(sext12(b2 | ((b1 & 0xF0) << 4)));
    }
    if let [b0, b1] = groups.remainder() {
        out.push(sext12(u16::from(*b0) | ((u16::from(*b1) & 0x0F) << 8)));
    }
    Some(out)
}

/// Decodes `n` samples of format 16 (16-bit little-endian two's complement).
/// Returns `None` if `bytes` is too short.
pub fn decode_16(bytes: &[u8], n: usize) -> Option<Vec<i16>> {
    let bytes = bytes.get(..n.checked_mul(2)?)?;
    Some(bytes.chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]])).collect())
}

/// Decodes two signals interleaved in format 212 (the MIT-BIH layout): one 3-byte group per frame.
fn decode_212_pair(bytes: &[u8], frames: usize) -> Option<[Vec<i16>; 2]> {
    let bytes = bytes.get(..frames.checked_mul(3)?)?;
    let mut a = Vec::with_capacity(frames);
    let mut b = Vec::with_capacity(frames);
    for g in bytes.chunks_exact(3) {
        let (b0, b1, b2) = (u16::from(g[0]), u16::from(g[1]), u16::from(g[2]));
        a.push(sext12(b0 | ((b1 & 0x0F) << 8)));
        b.push(sext12(b2 | ((b1 & 0xF0) << 4)));
    }
    Some([a, b])
}

/// Decodes the signals stored together in one file, as stored: the skew is not applied here (see
/// [`apply_skew`]).
///
/// `bytes` is the file from its start (the byte offset is skipped here); bytes past the declared
/// length are ignored. `specs` are the header lines naming this file, in header order (they are
/// interleaved frame by frame). `sig_len` is the number of samples per signal; when `None` it is
/// inferred from the file size. Errors name `path` (the `.dat`) or `header_path`.
pub fn decode_file(
    bytes: &[u8],
    specs: &[&SignalSpec],
    first_signal: usize,
    sig_len: Option<usize>,
    path: &Path,
    header_path: &Path,
) -> Result<Vec<Vec<i16>>> {
    let Some(first) = specs.first() else { return Ok(Vec::new()) };
    for (i, s) in specs.iter().enumerate() {
        if s.format != 212 && s.format != 16 {
            return Err(EcgError::UnsupportedFormat { path: header_path.into(), signal: first_signal + i, format: s.format });
        }
        if s.format != first.format || s.byte_offset != first.byte_offset {
            return Err(EcgError::invalid(
                "signal layout",
                format!("{}: signals sharing {} mix formats or byte offsets", header_path.display(), path.display()),
            ));
        }
        if s.samples_per_frame != 1 {
            return Err(EcgError::invalid(
                "signal layout",
                format!("{}: signal {} has {} samples per frame; only 1 is supported", header_path.display(), first_signal + i, s.samples_per_frame),
            ));
        }
    }
    let k = specs.len();
    let offset = first.byte_offset;
    let data = bytes.get(offset..).unwrap_or(&[]);
    let sig_len = match sig_len {
        Some(n) => n,
        None => match first.format {
            212 => (data.len() / 3 * 2 + usize::from(data.len() % 3 == 2)) / k,
            _ => data.len() / 2 / k,
        },
    };
    let total = sig_len.checked_mul(k).ok_or_else(|| layout_overflow(header_path, sig_len, k, first.format))?;
    let needed = bytes_needed(first.format, total).ok_or_else(|| layout_overflow(header_path, sig_len, k, first.format))?;
    let truncated = || EcgError::Truncated { path: path.into(), offset, needed, available: data.len(), samples: sig_len };
    if data.len() < needed {
        return Err(truncated());
    }
    if k == 2 && first.format == 212 {
        let [a, b] = decode_212_pair(data, sig_len).ok_or_else(truncated)?;
        return Ok(vec![a, b]);
    }
    let flat = match first.format {
        212 => decode_212(data, total),
        _ => decode_16(data, total),
    }
    .ok_or_else(truncated)?;
    if k == 1 {
        return Ok(vec![flat]);
    }
    let mut out: Vec<Vec<i16>> = (0..k).map(|_| Vec::with_capacity(sig_len)).collect();
    for frame in flat.chunks_exact(k) {
        for (o, &v) in out.iter_mut().zip(frame) {
            o.push(v);
        }
    }
    Ok(out)
}

/// The error for a declared length whose byte size overflows.
pub fn layout_overflow(header_path: &Path, sig_len: usize, signals: usize, format: u16) -> EcgError {
    EcgError::Layout {
        path: header_path.into(),
        message: format!("{sig_len} samples × {signals} signals in format {format} is more bytes than this machine can address"),
    }
}

/// Encodes samples in format 212 (pairs packed in 3 bytes; an odd last sample takes 2 bytes).
pub fn encode_212(samples: &[i16]) -> Vec<u8> {
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
    fn decodes_212_by_hand() {
        // 0x123 and 0x456: b0 = 0x23, b1 = (0x4 << 4) | 0x1 = 0x41, b2 = 0x56.
        assert_eq!(decode_212(&[0x23, 0x41, 0x56], 2).unwrap(), vec![0x123, 0x456]);
        // -1 and -2048: 0xFFF, 0x800.
        assert_eq!(decode_212(&[0xFF, 0x8F, 0x00], 2).unwrap(), vec![-1, -2048]);
        // odd count: last sample from 2 bytes.
        assert_eq!(decode_212(&[0x23, 0x41, 0x56, 0xFF, 0x07], 3).unwrap(), vec![0x123, 0x456, 0x7FF]);
        assert!(decode_212(&[0x23, 0x41], 2).is_none());
    }

    #[test]
    fn encode_212_round_trips_every_12_bit_value() {
        let v: Vec<i16> = (-2048..2048).chain([5]).collect();
        assert_eq!(decode_212(&encode_212(&v), v.len()).unwrap(), v);
    }

    #[test]
    fn decodes_16() {
        assert_eq!(decode_16(&[0x01, 0x00, 0xFF, 0xFF, 0x00, 0x80], 3).unwrap(), vec![1, -1, i16::MIN]);
        assert!(decode_16(&[0x01], 1).is_none());
    }

    #[test]
    fn byte_sizes_never_overflow() {
        assert_eq!(bytes_needed(212, 3), Some(5));
        assert_eq!(bytes_needed(212, usize::MAX), None);
        assert_eq!(bytes_needed(16, usize::MAX / 2 + 1), None);
        assert_eq!(frame_bytes(212, 2, usize::MAX / 2 + 1), None);
        assert_eq!(frame_bytes(212, 2, 650_000), Some(1_950_000));
    }

    #[test]
    fn skew_shifts_and_pads_like_wfdb_python() {
        let mut v = vec![1, 2, 3, 4, 5];
        apply_skew(&mut v, 2, 212);
        assert_eq!(v, vec![3, 4, 5, -2048, -2048]);
        let mut v = vec![1, 2, 3];
        apply_skew(&mut v, 7, 16);
        assert_eq!(v, vec![i16::MIN; 3]);
        let mut v = vec![1, 2];
        apply_skew(&mut v, 0, 16);
        assert_eq!(v, vec![1, 2]);
    }

    #[test]
    fn checksum_wraps_like_wfdb() {
        assert_eq!(checksum(&[30000, 30000]), (60000i32 - 65536) as i16);
        assert_eq!(checksum(&[]), 0);
    }
}
