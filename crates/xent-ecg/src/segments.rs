//! Multi-segment records: a master header (`name/n`) lists segment records and their lengths in
//! frames; the segments are read and concatenated into one record, as wfdb-python's
//! `rdrecord(..., m2s=True)` does.
//!
//! * **Fixed layout** (the first segment has a non-zero length): every segment has the same
//!   signals, with the same names in the same order.
//! * **Variable layout** (the first segment has length 0): that segment is a layout header whose
//!   signal lines name the record's signals and their samples per frame; each other segment holds
//!   any of those signals, in any order, matched by name (the description field). A signal a
//!   segment lacks holds the invalid value of its format there.
//! * **Null segments** (`~`): no samples; every signal holds its format's invalid value there.
//!
//! Across segments, each signal must keep one format, gain, baseline, units and number of samples
//! per frame, so that the digital values of all segments mean the same thing (wfdb-python refuses
//! digital output otherwise). Refused with an [`EcgError::Segments`] error naming the header at
//! fault and the field: a segment that is itself multi-segment, a segment whose sampling frequency
//! or length differs from the master header's, a segment signal absent from the layout, a signal
//! whose calibration changes between segments, segment lengths whose sum differs from the declared
//! record length or exceeds [`crate::input::MAX_RECORD_SAMPLES`]. Each segment's checksums and
//! first values are verified against its own header; the merged signals carry no declared
//! checksum or initial value.

use std::path::{Path, PathBuf};

use crate::error::{EcgError, Result};
use crate::header::{Header, SignalSpec};
use crate::input;
use crate::record::read_signals;
use crate::signal::{Signal, invalid_sample};

fn seg_err(path: &Path, message: String) -> EcgError {
    EcgError::Segments { path: path.into(), message }
}

/// Reads the segments of the multi-segment `master` header (read from `master_path`; segment
/// headers and signal files are relative to `dir`) into one signal per record signal.
pub fn read(master: &Header, dir: &Path, master_path: &Path, verify: bool) -> Result<Vec<Signal>> {
    let segs = &master.segments;
    let variable = segs.first().is_some_and(|s| s.len == 0 && !s.is_null());
    let total = segs.iter().try_fold(0usize, |acc, s| acc.checked_add(s.len));
    let total = total.ok_or_else(|| seg_err(master_path, "segment lengths overflow".into()))?;
    if let Some(n) = master.sig_len
        && n != total
    {
        return Err(seg_err(master_path, format!("record length {n} differs from the sum of the segment lengths, {total}")));
    }
    // Pass 1: every segment header, the record's signals and their reference specs.
    let mut headers: Vec<Option<(PathBuf, Header)>> = Vec::with_capacity(segs.len());
    for s in segs {
        if s.is_null() {
            headers.push(None);
            continue;
        }
        let path = dir.join(format!("{}.hea", s.name));
        let h = Header::read(&path)?;
        if !h.segments.is_empty() {
            return Err(seg_err(&path, format!("segment `{}` is itself a multi-segment record (unsupported)", s.name)));
        }
        if h.fs != master.fs {
            return Err(seg_err(&path, format!("sampling frequency {} Hz differs from the master header's {} Hz", h.fs, master.fs)));
        }
        headers.push(Some((path, h)));
    }
    let (layout, data_from): (Vec<SignalSpec>, usize) = if variable {
        match headers.first() {
            Some(Some((_, h))) => (h.signals.clone(), 1),
            _ => return Err(seg_err(master_path, "no layout header".into())),
        }
    } else {
        match headers.iter().flatten().next() {
            Some((_, h)) => (h.signals.clone(), 0),
            None => return Err(seg_err(master_path, "every segment is null: no signal is described".into())),
        }
    };
    let names: Vec<&str> = layout.iter().map(|s| s.description.as_str()).collect();
    let mut reference: Vec<Option<SignalSpec>> = vec![None; layout.len()];
    let mut maps: Vec<Vec<usize>> = Vec::with_capacity(segs.len());
    for (k, entry) in headers.iter().enumerate() {
        let Some((path, h)) = entry.as_ref().filter(|_| k >= data_from) else {
            maps.push(Vec::new());
            continue;
        };
        let map = channel_map(h, &names, variable, path)?;
        for (spec, &c) in h.signals.iter().zip(&map) {
            if variable && spec.samples_per_frame != layout[c].samples_per_frame {
                return Err(mismatch(path, c, names[c], "samples per frame", layout[c].samples_per_frame.to_string(), spec.samples_per_frame.to_string()));
            }
            match &reference[c] {
                None => reference[c] = Some(spec.clone()),
                Some(r) => check_same(r, spec, c, names[c], path)?,
            }
        }
        maps.push(map);
    }
    let specs: Vec<SignalSpec> = layout
        .iter()
        .zip(reference)
        .map(|(l, r)| {
            let mut s = r.unwrap_or_else(|| l.clone());
            (s.initial_value, s.checksum, s.skew, s.byte_offset) = (None, None, 0, 0);
            s
        })
        .collect();
    let spf: Vec<usize> = specs.iter().map(|s| usize::try_from(s.samples_per_frame).unwrap_or(usize::MAX).max(1)).collect();
    let per_frame = spf.iter().try_fold(0usize, |a, &s| a.checked_add(s));
    let samples = per_frame.and_then(|p| p.checked_mul(total)).and_then(|n| u64::try_from(n).ok());
    match samples {
        Some(n) if n <= input::MAX_RECORD_SAMPLES => {}
        _ => {
            return Err(seg_err(
                master_path,
                format!("{total} frames of {} signals exceed the reader's limit of {} samples", specs.len(), input::MAX_RECORD_SAMPLES),
            ));
        }
    }
    // Pass 2: the samples, segment by segment.
    let mut out: Vec<Vec<i32>> = spf.iter().map(|&s| Vec::with_capacity(s * total)).collect();
    for (k, (seg, entry)) in segs.iter().zip(&headers).enumerate() {
        let mut filled = vec![false; specs.len()];
        if let Some((path, h)) = entry.as_ref().filter(|_| k >= data_from) {
            let signals = read_signals(h, dir, path, verify)?;
            for (sig, &c) in signals.into_iter().zip(&maps[k]) {
                if sig.frames() != seg.len {
                    return Err(seg_err(path, format!("segment `{}` has {} frames; the master header says {}", seg.name, sig.frames(), seg.len)));
                }
                out[c].extend_from_slice(&sig.samples);
                filled[c] = true;
            }
        }
        for (c, done) in filled.into_iter().enumerate() {
            if !done {
                let n = seg.len * spf[c];
                let v = &mut out[c];
                v.resize(v.len() + n, invalid_sample(specs[c].format));
            }
        }
    }
    Ok(specs.into_iter().zip(out).map(|(spec, samples)| Signal { spec, samples }).collect())
}

/// Index in the record's signals of each signal of segment header `h`.
fn channel_map(h: &Header, names: &[&str], variable: bool, path: &Path) -> Result<Vec<usize>> {
    if !variable {
        let got: Vec<&str> = h.signals.iter().map(|s| s.description.as_str()).collect();
        if got != names {
            return Err(seg_err(path, format!("signals {got:?} differ from {names:?} of the first segment (a fixed-layout record keeps its signals)")));
        }
        return Ok((0..names.len()).collect());
    }
    let mut map: Vec<usize> = Vec::with_capacity(h.signals.len());
    for (i, s) in h.signals.iter().enumerate() {
        let c = names
            .iter()
            .position(|&n| n == s.description)
            .ok_or_else(|| seg_err(path, format!("signal {i} (`{}`) is not in the layout header", s.description)))?;
        if map.contains(&c) {
            return Err(seg_err(path, format!("signal {i} (`{}`) appears twice", s.description)));
        }
        map.push(c);
    }
    Ok(map)
}

fn mismatch(path: &Path, c: usize, name: &str, field: &str, before: String, now: String) -> EcgError {
    seg_err(path, format!("signal {c} (`{name}`): {field} {now} differs from {before} in an earlier segment or the layout header"))
}

/// Fields that give digital values their meaning must not change between segments.
fn check_same(r: &SignalSpec, s: &SignalSpec, c: usize, name: &str, path: &Path) -> Result<()> {
    let fields = [
        ("format", r.format.to_string(), s.format.to_string()),
        ("gain", r.gain.to_string(), s.gain.to_string()),
        ("baseline", r.baseline.to_string(), s.baseline.to_string()),
        ("units", r.units.clone(), s.units.clone()),
        ("samples per frame", r.samples_per_frame.to_string(), s.samples_per_frame.to_string()),
    ];
    for (field, before, now) in fields {
        if before != now {
            return Err(mismatch(path, c, name, field, before, now));
        }
    }
    Ok(())
}
