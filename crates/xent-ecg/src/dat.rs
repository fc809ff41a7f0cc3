//! Signal files (`.dat`): the layout of the signals one file holds and decoding them.
//!
//! The signals that name the same file are stored frame by frame, in header order: each frame holds
//! `samples_per_frame` consecutive samples of the first signal, then of the second, and so on.
//! They must share one format and one byte offset (a file has one layout). Different files of one
//! record may use different formats and byte offsets.

use std::path::Path;

use crate::error::{EcgError, Result};
use crate::format::Format;
use crate::header::SignalSpec;

/// How the signals of one file are laid out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileLayout {
    /// The storage format shared by the file's signals.
    pub format: Format,
    /// Byte offset of the first frame.
    pub byte_offset: usize,
    /// Samples per frame of each signal, in header order.
    pub samples_per_frame: Vec<usize>,
    /// Samples per frame of all signals together.
    pub frame_samples: usize,
}

impl FileLayout {
    /// The layout of the signals `specs` (header lines naming one file, in header order; the first
    /// is signal `first_signal` of the header at `header_path`). Errors name the header, the
    /// signal and the field: a format this reader does not decode ([`EcgError::UnsupportedFormat`]),
    /// signals of one file that disagree on format or byte offset, a frame too large to address.
    pub fn new(specs: &[&SignalSpec], first_signal: usize, dat_path: &Path, header_path: &Path) -> Result<Self> {
        let layout_err = |message: String| EcgError::Layout { path: header_path.into(), message };
        let Some(first) = specs.first() else {
            return Err(layout_err(format!("no signal is stored in {}", dat_path.display())));
        };
        let mut frame_samples = 0usize;
        let mut samples_per_frame = Vec::with_capacity(specs.len());
        let mut format = None;
        for (i, s) in specs.iter().enumerate() {
            let signal = first_signal + i;
            let f = Format::from_code(s.format).ok_or(EcgError::UnsupportedFormat { path: header_path.into(), signal, format: s.format })?;
            format.get_or_insert(f);
            if s.format != first.format || s.byte_offset != first.byte_offset {
                return Err(layout_err(format!(
                    "signal {signal}: format field `{}+{}` differs from `{}+{}` of signal {first_signal}, which shares {}; the signals of one file must share format and byte offset",
                    s.format,
                    s.byte_offset,
                    first.format,
                    first.byte_offset,
                    dat_path.display()
                )));
            }
            let spf = usize::try_from(s.samples_per_frame)
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| layout_err(format!("signal {signal}: samples per frame `{}` must be at least 1", s.samples_per_frame)))?;
            frame_samples = frame_samples
                .checked_add(spf)
                .ok_or_else(|| layout_err(format!("signal {signal}: samples per frame of {} overflow", dat_path.display())))?;
            samples_per_frame.push(spf);
        }
        let format = format.ok_or_else(|| layout_err("no format".into()))?;
        Ok(Self { format, byte_offset: first.byte_offset, samples_per_frame, frame_samples })
    }

    /// Bytes that `frames` frames take after the byte offset, or `None` if that overflows.
    pub fn bytes_for(&self, frames: usize) -> Option<usize> {
        self.format.bytes_needed(frames.checked_mul(self.frame_samples)?)
    }

    /// Complete frames held by `len` bytes after the byte offset.
    pub fn frames_in(&self, len: usize) -> usize {
        self.format.samples_in(len).checked_div(self.frame_samples).unwrap_or(0)
    }
}

/// The error for a declared length whose byte size overflows.
pub fn layout_overflow(header_path: &Path, sig_len: usize, signals: usize, format: u16) -> EcgError {
    EcgError::Layout {
        path: header_path.into(),
        message: format!("{sig_len} samples × {signals} signals in format {format} is more bytes than this machine can address"),
    }
}

/// Decodes the signals stored together in one file, as stored: the skew is not applied here (see
/// [`crate::signal::apply_skew`]). Format 8's differences are summed from each signal's initial
/// value (0 when the header gives none).
///
/// `bytes` is the file from its start (the byte offset is skipped here); bytes past the declared
/// length are ignored. `specs` are the header lines naming this file, in header order. `sig_len`
/// is the number of frames; when `None` it is the number of complete frames after the byte
/// offset. Each returned signal holds `samples_per_frame × frames` samples. Errors name `path`
/// (the `.dat`) or `header_path`.
pub fn decode_file(
    bytes: &[u8],
    specs: &[&SignalSpec],
    first_signal: usize,
    sig_len: Option<usize>,
    path: &Path,
    header_path: &Path,
) -> Result<Vec<Vec<i32>>> {
    if specs.is_empty() {
        return Ok(Vec::new());
    }
    let layout = FileLayout::new(specs, first_signal, path, header_path)?;
    let k = specs.len();
    let offset = layout.byte_offset;
    let data = bytes.get(offset..).unwrap_or(&[]);
    let frames = sig_len.unwrap_or_else(|| layout.frames_in(data.len()));
    let overflow = || layout_overflow(header_path, frames, k, layout.format.code());
    let total = frames.checked_mul(layout.frame_samples).ok_or_else(overflow)?;
    let needed = layout.bytes_for(frames).ok_or_else(overflow)?;
    let truncated = || EcgError::Truncated { path: path.into(), offset, needed, available: data.len(), samples: frames };
    if data.len() < needed {
        return Err(truncated());
    }
    let mut out = if layout.frame_samples == k && k == 2 && layout.format == Format::Packed212 {
        // The MIT-BIH layout: one 3-byte group per frame, written in place (no per-sample
        // capacity check).
        let (mut a, mut b) = (vec![0i32; frames], vec![0i32; frames]);
        for ((g, x), y) in data.get(..needed).ok_or_else(truncated)?.chunks_exact(3).zip(&mut a).zip(&mut b) {
            (*x, *y) = crate::format::unpack_212(g);
        }
        vec![a, b]
    } else {
        let mut flat = Vec::new();
        layout.format.decode(data, total, &mut flat).ok_or_else(truncated)?;
        if k == 1 { vec![flat] } else { demultiplex(&flat, &layout.samples_per_frame, frames) }
    };
    if layout.format == Format::Diff8 {
        for (i, (s, spec)) in out.iter_mut().zip(specs).enumerate() {
            let init = spec.initial_value.unwrap_or(0);
            let init = i32::try_from(init).map_err(|_| EcgError::Layout {
                path: header_path.into(),
                message: format!("signal {}: initial value `{init}` of a format 8 signal does not fit 32 bits", first_signal + i),
            })?;
            running_sum(s, init);
        }
    }
    Ok(out)
}

/// Splits frames of `flat` samples into one vector per signal.
fn demultiplex(flat: &[i32], samples_per_frame: &[usize], frames: usize) -> Vec<Vec<i32>> {
    let frame: usize = samples_per_frame.iter().sum();
    let mut out: Vec<Vec<i32>> = samples_per_frame.iter().map(|&s| Vec::with_capacity(frames.saturating_mul(s))).collect();
    if samples_per_frame.iter().all(|&s| s == 1) {
        for f in flat.chunks_exact(frame) {
            for (o, &v) in out.iter_mut().zip(f) {
                o.push(v);
            }
        }
    } else {
        for f in flat.chunks_exact(frame) {
            let mut rest = f;
            for (o, &s) in out.iter_mut().zip(samples_per_frame) {
                let (mine, tail) = rest.split_at(s);
                o.extend_from_slice(mine);
                rest = tail;
            }
        }
    }
    out
}

/// Format 8: replaces the differences by `init` plus their running sum (wrapping at 32 bits, as
/// wfdb-python's `int32` sum does).
fn running_sum(samples: &mut [i32], init: i32) {
    let mut acc = init;
    for v in samples {
        acc = acc.wrapping_add(*v);
        *v = acc;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::Header;

    fn decode(hea: &str, dat: &[u8]) -> Result<Vec<Vec<i32>>> {
        let h = Header::parse(hea.as_bytes(), Path::new("r.hea"))?;
        let specs: Vec<_> = h.signals.iter().collect();
        decode_file(dat, &specs, 0, h.sig_len, Path::new("r.dat"), Path::new("r.hea"))
    }

    #[test]
    fn samples_per_frame_are_kept_per_signal() {
        // Two frames; signal 0 has 2 samples per frame, signal 1 one.
        let dat: Vec<u8> = [1i16, 2, 10, 3, 4, 20].iter().flat_map(|v| v.to_le_bytes()).collect();
        let s = decode("r 2 100 2\nr.dat 16x2\nr.dat 16\n", &dat).unwrap();
        assert_eq!(s, vec![vec![1, 2, 3, 4], vec![10, 20]]);
        // Without a length: complete frames only.
        let s = decode("r 2 100\nr.dat 16x2\nr.dat 16\n", &dat[..10]).unwrap();
        assert_eq!(s, vec![vec![1, 2], vec![10]]);
    }

    #[test]
    fn format_8_sums_differences_from_the_initial_value() {
        let s = decode("r 2 100 3\nr.dat 8 200 8 0 10\nr.dat 8 200 8 0 -5\n", &[0, 0, 1, 0xFF, 2, 0xFE]).unwrap();
        assert_eq!(s, vec![vec![10, 11, 13], vec![-5, -6, -8]]);
    }

    #[test]
    fn mixed_layouts_in_one_file_are_errors_naming_the_field() {
        let e = decode("r 2 100 1\nr.dat 16\nr.dat 61\n", &[0; 4]).unwrap_err().to_string();
        assert!(e.contains("r.hea") && e.contains("signal 1") && e.contains("format field"), "{e}");
        let e = decode("r 1 100 1\nr.dat 999\n", &[0; 4]).unwrap_err();
        assert!(matches!(e, EcgError::UnsupportedFormat { format: 999, .. }), "{e}");
    }

    #[test]
    fn short_files_are_truncated_errors() {
        let e = decode("r 1 100 3\nr.dat 24+1\n", &[0; 9]).unwrap_err();
        assert!(matches!(e, EcgError::Truncated { needed: 9, available: 8, offset: 1, .. }), "{e}");
        let e = decode("r 1 100 18446744073709551615\nr.dat 32x4\n", &[0; 9]).unwrap_err();
        assert!(matches!(e, EcgError::Layout { .. }), "{e}");
    }
}
