//! WAV through `hound`: a record's digital samples as 16-bit PCM (one channel per signal, one
//! sample per frame at the record's rate: the frame mean of a signal with several samples per
//! frame, see [`Signal::frame_samples`]) with gain, baseline and names in a JSON sidecar; and any WAV ECG read back into a
//! [`Record`] (16-bit PCM as is, 8-bit PCM scaled by 256, optionally resampled).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{EcgError, Result};
use crate::header::{Header, SignalSpec};
use crate::record::Record;
use crate::signal::Signal;

/// The sidecar written next to a WAV (`out.wav` → `out.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WavSidecar {
    /// Record name.
    pub record: String,
    /// Exact sampling rate (the WAV header holds it rounded to an integer).
    pub fs: f64,
    /// Samples per channel.
    pub sig_len: usize,
    /// One entry per channel.
    pub signals: Vec<SidecarSignal>,
}

/// Per-channel calibration in a [`WavSidecar`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SidecarSignal {
    /// Signal description (lead name).
    pub name: String,
    /// Original storage format.
    pub format: u16,
    /// ADC units per physical unit.
    pub gain: f64,
    /// Digital value of 0 physical units.
    pub baseline: i64,
    /// Physical units.
    pub units: String,
    /// ADC resolution in bits.
    pub adc_res: u32,
    /// ADC zero.
    pub adc_zero: i64,
}

/// How to read a WAV recording.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct WavReadConfig {
    /// Resample to this rate in Hz; `None` keeps the file's rate. Default: `None`.
    pub target_fs: Option<f64>,
}

/// The sidecar path of a WAV path.
pub fn sidecar_path(wav: &Path) -> PathBuf {
    wav.with_extension("json")
}

/// Writes `record` as 16-bit PCM WAV at `path` plus its JSON sidecar; returns the sidecar path.
pub fn write_wav(record: &Record, path: &Path) -> Result<PathBuf> {
    let fs = record.fs();
    if record.signals.is_empty() || record.signals.len() > usize::from(u16::MAX) {
        return Err(EcgError::invalid("record", format!("{}: {} signals cannot be written as WAV", record.name, record.signals.len())));
    }
    let rate = fs.round();
    if !(1.0..=f64::from(u32::MAX)).contains(&rate) {
        return Err(EcgError::invalid("sampling rate", format!("{}: {fs} Hz cannot be a WAV rate", record.name)));
    }
    let frames: Vec<_> = record.signals.iter().map(Signal::frame_samples).collect();
    // Checked before the file is created: 16-bit PCM cannot hold wider samples (formats 24, 32, 8).
    for (i, (f, s)) in frames.iter().zip(&record.signals).enumerate() {
        if let Some(v) = f.iter().find(|&&v| i16::try_from(v).is_err()) {
            return Err(EcgError::invalid(
                "record",
                format!("{}: signal {i} (`{}`) holds the digital value {v}, which 16-bit PCM WAV cannot store", record.name, s.spec.description),
            ));
        }
    }
    let spec = hound::WavSpec { channels: record.signals.len() as u16, sample_rate: rate as u32, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let wav_err = |e: hound::Error| EcgError::Wav { path: path.into(), message: e.to_string() };
    let mut w = hound::WavWriter::create(path, spec).map_err(wav_err)?;
    let n = record.sig_len();
    for i in 0..n {
        for f in &frames {
            // In range: checked above.
            w.write_sample(f.get(i).copied().unwrap_or(0) as i16).map_err(wav_err)?;
        }
    }
    w.finalize().map_err(wav_err)?;
    let side = WavSidecar {
        record: record.name.clone(),
        fs,
        sig_len: n,
        signals: record
            .signals
            .iter()
            .map(|s| SidecarSignal {
                name: s.spec.description.clone(),
                format: s.spec.format,
                gain: s.spec.gain,
                baseline: s.spec.baseline,
                units: s.spec.units.clone(),
                adc_res: s.spec.adc_res,
                adc_zero: s.spec.adc_zero,
            })
            .collect(),
    };
    let sp = sidecar_path(path);
    let json = serde_json::to_string_pretty(&side).map_err(|e| EcgError::invalid("sidecar", e.to_string()))?;
    std::fs::write(&sp, json + "\n").map_err(|e| EcgError::io(&sp, e))?;
    Ok(sp)
}

/// Reads a WAV recording into a [`Record`] (no annotations). Calibration comes from the sidecar
/// when one exists next to the file (same name, `.json`); otherwise every channel gets gain 1 (256 for 8-bit),
/// baseline 0 and units `adu` (ADC units). 16-bit PCM is taken as is and 8-bit PCM is scaled by
/// 256; float and 24/32-bit files are refused with an error naming the file.
pub fn read_wav(path: &Path, config: &WavReadConfig) -> Result<Record> {
    let wav_err = |message: String| EcgError::Wav { path: path.into(), message };
    let mut r = hound::WavReader::open(path).map_err(|e| match e {
        hound::Error::IoError(io) => EcgError::io(path, io),
        e => wav_err(format!("not a readable WAV file: {e}")),
    })?;
    let spec = r.spec();
    let ch = usize::from(spec.channels);
    if ch == 0 {
        return Err(wav_err("WAV declares 0 channels".into()));
    }
    let (flat, scale): (Vec<i16>, i64) = match (spec.sample_format, spec.bits_per_sample) {
        (hound::SampleFormat::Int, 16) => (r.samples::<i16>().collect::<std::result::Result<_, _>>().map_err(|e| wav_err(format!("bad sample data: {e}")))?, 1),
        (hound::SampleFormat::Int, 8) => {
            let v: Vec<i8> = r.samples::<i8>().collect::<std::result::Result<_, _>>().map_err(|e| wav_err(format!("bad sample data: {e}")))?;
            (v.into_iter().map(|s| i16::from(s) * 256).collect(), 256)
        }
        (hound::SampleFormat::Float, b) => {
            return Err(wav_err(format!("{b}-bit float samples are not supported; convert to 16-bit PCM first (e.g. `sox in.wav -b 16 -e signed-integer out.wav`)")));
        }
        (hound::SampleFormat::Int, b) => {
            return Err(wav_err(format!("{b}-bit integer samples are not supported (16- or 8-bit PCM only); convert to 16-bit PCM first")));
        }
    };
    let n = flat.len() / ch;
    let mut chans: Vec<Vec<i32>> = (0..ch).map(|_| Vec::with_capacity(n)).collect();
    for frame in flat.chunks_exact(ch) {
        for (c, &v) in chans.iter_mut().zip(frame) {
            c.push(i32::from(v));
        }
    }
    let sp = sidecar_path(path);
    let side: Option<WavSidecar> = match std::fs::read(&sp) {
        Ok(b) => Some(serde_json::from_slice(&b).map_err(|e| EcgError::Wav { path: sp.clone(), message: format!("bad sidecar: {e}") })?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(EcgError::io(&sp, e)),
    };
    if let Some(s) = &side
        && s.signals.len() != ch
    {
        return Err(EcgError::Wav { path: sp.clone(), message: format!("sidecar describes {} channels, the WAV has {ch}", s.signals.len()) });
    }
    let mut fs = side.as_ref().map_or(f64::from(spec.sample_rate), |s| s.fs);
    let name = side.as_ref().map(|s| s.record.clone()).unwrap_or_else(|| path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default());
    let file_name = path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let mut signals: Vec<Signal> = chans
        .into_iter()
        .enumerate()
        .map(|(i, samples)| {
            let cal = side.as_ref().and_then(|s| s.signals.get(i));
            let spec = SignalSpec {
                file_name: file_name.clone(),
                format: cal.map_or(16, |c| c.format),
                samples_per_frame: 1,
                skew: 0,
                byte_offset: 0,
                gain: cal.map_or(scale as f64, |c| c.gain * scale as f64),
                baseline: cal.map_or(0, |c| c.baseline * scale),
                units: cal.map_or_else(|| "adu".into(), |c| c.units.clone()),
                adc_res: cal.map_or(16, |c| c.adc_res),
                adc_zero: cal.map_or(0, |c| c.adc_zero * scale),
                initial_value: samples.first().map(|&v| i64::from(v)),
                checksum: Some(i64::from(crate::signal::checksum(&samples))),
                block_size: 0,
                description: cal.map_or_else(|| format!("ch{i}"), |c| c.name.clone()),
            };
            Signal { spec, samples }
        })
        .collect();
    if let Some(to) = config.target_fs
        && (to - fs).abs() > 1e-9
    {
        if !(to.is_finite() && to > 0.0) {
            return Err(EcgError::invalid("target_fs", format!("{to} Hz")));
        }
        for s in &mut signals {
            let x: Vec<f32> = s.samples.iter().map(|&v| v as f32).collect();
            s.samples = crate::filter::resample(&x, fs, to)
                .map_err(|e| EcgError::Wav { path: path.into(), message: e.to_string() })?
                .into_iter().map(|v| v.round().clamp(-32768.0, 32767.0) as i32).collect();
            s.spec.initial_value = s.samples.first().map(|&v| i64::from(v));
            s.spec.checksum = Some(i64::from(crate::signal::checksum(&s.samples)));
        }
        fs = to;
    }
    let header = Header {
        record: name,
        fs,
        sig_len: signals.first().map(|s| s.samples.len()),
        base_time: None,
        base_date: None,
        signals: signals.iter().map(|s| s.spec.clone()).collect(),
        comments: vec![format!("read from WAV {}", path.display())],
        segments: Vec::new(),
    };
    Ok(Record::from_parts(header, signals))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_raw(path: &Path, spec: hound::WavSpec, f: impl FnOnce(&mut hound::WavWriter<std::io::BufWriter<std::fs::File>>)) {
        let mut w = hound::WavWriter::create(path, spec).unwrap();
        f(&mut w);
        w.finalize().unwrap();
    }

    #[test]
    fn eight_bit_is_converted_and_float_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p8 = dir.path().join("e8.wav");
        write_raw(&p8, hound::WavSpec { channels: 1, sample_rate: 250, bits_per_sample: 8, sample_format: hound::SampleFormat::Int }, |w| {
            for v in [-128i8, 0, 5, 127] {
                w.write_sample(v).unwrap();
            }
        });
        let r = read_wav(&p8, &WavReadConfig::default()).unwrap();
        assert_eq!(r.signals[0].samples, vec![-32768, 0, 1280, 32512]);
        assert_eq!((r.fs(), r.signals[0].spec.gain), (250.0, 256.0));
        let pf = dir.path().join("f.wav");
        write_raw(&pf, hound::WavSpec { channels: 1, sample_rate: 250, bits_per_sample: 32, sample_format: hound::SampleFormat::Float }, |w| {
            w.write_sample(0.5f32).unwrap();
        });
        let e = read_wav(&pf, &WavReadConfig::default()).unwrap_err().to_string();
        assert!(e.contains("f.wav") && e.contains("float"), "{e}");
        let e = read_wav(&dir.path().join("none.wav"), &WavReadConfig::default()).unwrap_err().to_string();
        assert!(e.contains("none.wav"), "{e}");
    }

    #[test]
    fn resampling_on_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.wav");
        write_raw(&p, hound::WavSpec { channels: 2, sample_rate: 500, bits_per_sample: 16, sample_format: hound::SampleFormat::Int }, |w| {
            for _ in 0..1000 {
                w.write_sample(100i16).unwrap();
                w.write_sample(-7i16).unwrap();
            }
        });
        let r = read_wav(&p, &WavReadConfig { target_fs: Some(360.0) }).unwrap();
        assert_eq!((r.fs(), r.sig_len(), r.signals.len()), (360.0, 720, 2));
        assert!(r.signals[0].samples.iter().all(|&v| v == 100));
        assert!(r.signals[1].samples.iter().all(|&v| v == -7));
    }
}
