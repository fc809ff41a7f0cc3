//! R-peak-centred beat windows: channel choice, preprocessing, per-beat normalisation, AAMI labels
//! and RR features, gathered in a [`BeatSet`].

use serde::{Deserialize, Serialize};

use crate::aami::{AamiClass, AamiCounts};
use crate::annotation;
use crate::error::{EcgError, Result};
use crate::filter;
use crate::record::Record;
use crate::rr::{self, RrFeatures, RrWindows};
use crate::symbols::SymbolMap;

/// Which signals of a record become the channels of a beat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Channels {
    /// One channel: `MLII` when the record has it, else signal 0.
    Primary,
    /// Every signal, in header order.
    All,
    /// The signals with these indices.
    Indices(Vec<usize>),
}

/// Per-beat, per-channel amplitude normalisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Normalize {
    /// Keep physical units (mV after baseline removal).
    None,
    /// Subtract the window mean and divide by its standard deviation.
    ZScore,
    /// Scale the window to [0, 1] (the Kaggle "ECG heartbeat" CSV convention).
    MinMax,
    /// Divide every window of a record by that record's reference amplitude: the median
    /// peak-to-peak amplitude of its beat windows, per channel. Keeps the beats' amplitudes
    /// relative to the patient's usual beat (what separates V and F beats from N across
    /// patients), where [`Normalize::ZScore`] removes them.
    RecordReference,
}

/// How beats are cut from records.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BeatWindow {
    /// Samples before the R peak, at the output rate. Default: 90 (250 ms at 360 Hz).
    pub before: usize,
    /// Samples from the R peak on (R included), at the output rate. Default: 166 (461 ms at 360 Hz),
    /// so the default window is 256 samples.
    pub after: usize,
    /// Output sampling rate in Hz; `None` keeps the record's rate. Default: `None` (360 Hz on MIT-BIH).
    pub target_fs: Option<f64>,
    /// Signals used as channels. Default: [`Channels::Primary`] (MLII).
    pub channels: Channels,
    /// Remove baseline wander with the 200 ms + 600 ms median filters of de Chazal (2004). Default: `true`.
    pub remove_baseline: bool,
    /// Optional zero-phase Butterworth band-pass `(low, high)` in Hz. Default: `None`.
    pub bandpass: Option<(f64, f64)>,
    /// Per-beat normalisation. Default: [`Normalize::ZScore`].
    pub normalize: Normalize,
    /// Beats in the local-RR average windows. Default: 10 (de Chazal 2004).
    pub rr_local_window: usize,
    /// Beats in the causal running RR average. Default: 300 (about five minutes).
    #[serde(default = "default_running_window")]
    pub rr_running_window: usize,
    /// Add, for every channel, a second one: the beat minus the record's template (the
    /// sample-wise median of all the record's beat windows, after normalisation). Most beats of
    /// any patient are normal, so the difference shows how far a beat departs from that
    /// patient's usual beat. Default: `false`.
    #[serde(default)]
    pub template_difference: bool,
    /// Which annotation symbols are beats of which class. Default: AAMI's table
    /// ([`SymbolMap::aami`]).
    #[serde(default, skip_serializing_if = "SymbolMap::is_aami")]
    pub symbols: SymbolMap,
}

fn default_running_window() -> usize {
    RrWindows::default().running
}

impl Default for BeatWindow {
    fn default() -> Self {
        Self {
            before: 90,
            after: 166,
            target_fs: None,
            channels: Channels::Primary,
            remove_baseline: true,
            bandpass: None,
            normalize: Normalize::ZScore,
            rr_local_window: 10,
            rr_running_window: default_running_window(),
            template_difference: false,
            symbols: SymbolMap::aami(),
        }
    }
}

impl BeatWindow {
    /// The 187-sample layout of the Kaggle "ECG heartbeat" CSV: 125 Hz, 62 samples before and
    /// 125 from the R peak (0.5 s + 1 s), min-max scaled. Same shape, not Kachuee's exact cutting.
    pub fn kaggle_187() -> Self {
        Self { before: 62, after: 125, target_fs: Some(125.0), normalize: Normalize::MinMax, ..Self::default() }
    }

    /// Window length in samples.
    pub fn length(&self) -> usize {
        self.before + self.after
    }

    /// Channels per beat for a record with `signals` selected signals.
    pub fn channels_for(&self, signals: usize) -> usize {
        if self.template_difference { 2 * signals } else { signals }
    }

    fn check(&self) -> Result<()> {
        if self.length() == 0 {
            return Err(EcgError::invalid("beat window", "before + after must be at least 1"));
        }
        if let Some(fs) = self.target_fs
            && !(fs.is_finite() && fs > 0.0)
        {
            return Err(EcgError::invalid("beat window", format!("target_fs {fs} must be positive")));
        }
        Ok(())
    }
}

/// Facts about one beat of a [`BeatSet`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BeatInfo {
    /// Index into [`BeatSet::records`].
    pub record: u32,
    /// R-peak sample in the original record (at the record's own rate).
    pub sample: i64,
    /// Annotation code of the source symbol (see [`BeatInfo::symbol`]).
    pub code: u8,
    /// AAMI class.
    pub class: AamiClass,
    /// RR features (seconds).
    pub rr: RrFeatures,
}

impl BeatInfo {
    /// The source MIT-BIH symbol (`N`, `L`, `A`, …).
    pub fn symbol(&self) -> &'static str {
        annotation::symbol(self.code)
    }
}

/// Beats left out of a [`BeatSet`], and why.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Excluded {
    /// AAMI-mapped beats whose window crosses the start or end of the record.
    pub window_out_of_bounds: AamiCounts,
    /// Beat annotations whose symbol has no AAMI class (`B`, `r`, `n`, `?`).
    pub unmapped_symbol: usize,
}

/// Beat windows `[n, channels, length]` (row-major, flat) with their labels and RR features.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BeatSet {
    /// Channels per beat.
    pub channels: usize,
    /// Samples per channel.
    pub length: usize,
    /// Sampling rate of the windows.
    pub fs: f64,
    /// All windows, flat: beat `i` is `signals[i·c·l .. (i+1)·c·l]`.
    #[serde(skip)]
    pub signals: Vec<f32>,
    /// One entry per beat.
    pub beats: Vec<BeatInfo>,
    /// Record names; [`BeatInfo::record`] indexes this list.
    pub records: Vec<String>,
    /// Beats that were left out.
    pub excluded: Excluded,
}

impl BeatSet {
    /// An empty set with the given shape.
    pub fn empty(channels: usize, length: usize, fs: f64) -> Self {
        Self { channels, length, fs, signals: Vec::new(), beats: Vec::new(), records: Vec::new(), excluded: Excluded::default() }
    }

    /// Cuts the annotated beats of one record.
    pub fn from_record(record: &Record, window: &BeatWindow) -> Result<Self> {
        window.check()?;
        let annotations = record.annotations()?;
        let fs = record.fs();
        let out_fs = window.target_fs.unwrap_or(fs);
        let chans: Vec<usize> = match &window.channels {
            Channels::Primary => vec![record.primary_channel()],
            Channels::All => (0..record.signals.len()).collect(),
            Channels::Indices(v) => v.clone(),
        };
        if chans.is_empty() {
            return Err(EcgError::invalid("channels", format!("record {}: no channel selected", record.name)));
        }
        let mut traces = Vec::with_capacity(chans.len());
        for &c in &chans {
            let sig = record.signals.get(c).ok_or_else(|| {
                EcgError::invalid("channels", format!("record {} has {} signals, no signal {c}", record.name, record.signals.len()))
            })?;
            let mut x = if window.remove_baseline {
                // On the integer samples (fast histogram median); the median commutes with the
                // increasing affine map to physical units.
                let g = sig.spec.gain as f32;
                filter::remove_baseline_int(&sig.frame_samples(), fs).into_iter().map(|d| d / g).collect()
            } else {
                sig.physical_frames()
            };
            if let Some((lo, hi)) = window.bandpass {
                x = filter::bandpass(&x, fs, lo, hi);
            }
            if (out_fs - fs).abs() > 1e-9 {
                x = filter::resample(&x, fs, out_fs).map_err(|e| EcgError::invalid("beat window", format!("record {}: {e}", record.name)))?;
            }
            traces.push(x);
        }
        let n_out = traces.first().map_or(0, Vec::len);
        let beat_ann: Vec<_> = annotations.iter().filter(|a| a.is_beat()).collect();
        let positions: Vec<i64> = beat_ann.iter().map(|a| a.sample).collect();
        let rr = rr::rr_features(&positions, fs, RrWindows { local: window.rr_local_window, running: window.rr_running_window });
        let len = window.length();
        let mut set = BeatSet::empty(chans.len(), len, out_fs);
        set.records.push(record.name.clone());
        for (a, rr) in beat_ann.iter().zip(rr) {
            let Some(class) = window.symbols.class_of(a.symbol()) else {
                set.excluded.unmapped_symbol += 1;
                continue;
            };
            // `as` saturates; the sums saturate too, so any annotation time is safe.
            let centre = ((a.sample as f64) * out_fs / fs).round() as i64;
            let start = centre.saturating_sub(i64::try_from(window.before).unwrap_or(i64::MAX));
            let end = centre.saturating_add(i64::try_from(window.after).unwrap_or(i64::MAX));
            if start < 0 || end > n_out as i64 {
                set.excluded.window_out_of_bounds.0[class.index()] += 1;
                continue;
            }
            let (start, end) = (start as usize, end as usize);
            for t in &traces {
                let Some(w) = t.get(start..end) else { continue };
                let from = set.signals.len();
                set.signals.extend_from_slice(w);
                normalize(&mut set.signals[from..], window.normalize);
            }
            set.beats.push(BeatInfo { record: 0, sample: a.sample, code: a.code, class, rr });
        }
        if window.normalize == Normalize::RecordReference {
            scale_to_record_reference(&mut set.signals, chans.len(), len);
        }
        if window.template_difference {
            set.signals = with_template_difference(&set.signals, chans.len(), len);
            set.channels = 2 * chans.len();
        }
        Ok(set)
    }

    /// Concatenates sets of the same shape (records are renumbered).
    pub fn concat(sets: Vec<BeatSet>) -> Result<Self> {
        let mut it = sets.into_iter();
        let Some(mut out) = it.next() else { return Err(EcgError::invalid("beat sets", "nothing to concatenate")) };
        for s in it {
            if s.channels != out.channels || s.length != out.length || (s.fs - out.fs).abs() > 1e-9 {
                return Err(EcgError::invalid(
                    "beat sets",
                    format!("shape {}×{} at {} Hz cannot join {}×{} at {} Hz", s.channels, s.length, s.fs, out.channels, out.length, out.fs),
                ));
            }
            let offset = out.records.len() as u32;
            out.records.extend(s.records);
            out.signals.extend(s.signals);
            out.beats.extend(s.beats.into_iter().map(|mut b| {
                b.record += offset;
                b
            }));
            out.excluded.window_out_of_bounds.add(&s.excluded.window_out_of_bounds);
            out.excluded.unmapped_symbol += s.excluded.unmapped_symbol;
        }
        Ok(out)
    }

    /// Number of beats.
    pub fn len(&self) -> usize {
        self.beats.len()
    }

    /// Whether there are no beats.
    pub fn is_empty(&self) -> bool {
        self.beats.is_empty()
    }

    /// Values per beat (`channels · length`).
    pub fn beat_size(&self) -> usize {
        self.channels * self.length
    }

    /// The window of beat `i` (`channels · length` values), or `None` out of range.
    pub fn window(&self, i: usize) -> Option<&[f32]> {
        let s = self.beat_size();
        self.signals.get(i.checked_mul(s)?..(i + 1).checked_mul(s)?)
    }

    /// The record name of beat `i`.
    pub fn record_of(&self, i: usize) -> Option<&str> {
        let b = self.beats.get(i)?;
        self.records.get(b.record as usize).map(String::as_str)
    }

    /// Class index of every beat.
    pub fn labels(&self) -> Vec<i64> {
        self.beats.iter().map(|b| b.class.index() as i64).collect()
    }

    /// Beats per AAMI class.
    pub fn counts(&self) -> AamiCounts {
        AamiCounts::count(self.beats.iter().map(|b| b.class))
    }

    /// The beats at `indices` (in that order), keeping only the records they use.
    pub fn subset(&self, indices: &[usize]) -> Self {
        let mut out = BeatSet::empty(self.channels, self.length, self.fs);
        let mut map: Vec<Option<u32>> = vec![None; self.records.len()];
        for &i in indices {
            let (Some(b), Some(w)) = (self.beats.get(i), self.window(i)) else { continue };
            let Some(slot) = map.get_mut(b.record as usize) else { continue };
            let r = *slot.get_or_insert_with(|| {
                out.records.push(self.records.get(b.record as usize).cloned().unwrap_or_default());
                (out.records.len() - 1) as u32
            });
            out.signals.extend_from_slice(w);
            out.beats.push(BeatInfo { record: r, ..b.clone() });
        }
        out
    }

    /// Indices of the beats belonging to records named in `names`.
    pub fn indices_of_records(&self, names: &[&str]) -> Vec<usize> {
        let keep: Vec<bool> = self.records.iter().map(|r| names.contains(&r.as_str())).collect();
        (0..self.len()).filter(|&i| self.beats.get(i).is_some_and(|b| keep.get(b.record as usize).copied().unwrap_or(false))).collect()
    }
}

/// Normalises one window in place.
pub fn normalize(w: &mut [f32], how: Normalize) {
    if w.is_empty() {
        return;
    }
    match how {
        Normalize::None | Normalize::RecordReference => {}
        Normalize::ZScore => {
            let n = w.len() as f64;
            let mean = w.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
            let var = w.iter().map(|&v| (f64::from(v) - mean).powi(2)).sum::<f64>() / n;
            let sd = var.sqrt().max(1e-6);
            for v in w.iter_mut() {
                *v = ((f64::from(*v) - mean) / sd) as f32;
            }
        }
        Normalize::MinMax => {
            let (lo, hi) = w.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
            let span = hi - lo;
            for v in w.iter_mut() {
                *v = if span > 0.0 { (*v - lo) / span } else { 0.0 };
            }
        }
    }
}

/// Divides each channel of the windows `[n, channels, length]` by its median peak-to-peak
/// amplitude over the `n` windows (left as they are when that median is 0).
fn scale_to_record_reference(signals: &mut [f32], channels: usize, length: usize) {
    let beat = channels * length;
    if beat == 0 || signals.is_empty() {
        return;
    }
    for c in 0..channels {
        let mut spans: Vec<f32> = signals
            .chunks_exact(beat)
            .map(|w| {
                let x = &w[c * length..(c + 1) * length];
                x.iter().fold(f32::NEG_INFINITY, |a, &v| a.max(v)) - x.iter().fold(f32::INFINITY, |a, &v| a.min(v))
            })
            .collect();
        spans.sort_unstable_by(f32::total_cmp);
        let reference = spans[spans.len() / 2];
        if !(reference > 0.0 && reference.is_finite()) {
            continue;
        }
        for w in signals.chunks_exact_mut(beat) {
            for v in &mut w[c * length..(c + 1) * length] {
                *v /= reference;
            }
        }
    }
}

/// The windows `[n, channels, length]` followed, per beat, by their differences from the
/// sample-wise median window: `[n, 2 · channels, length]`.
fn with_template_difference(signals: &[f32], channels: usize, length: usize) -> Vec<f32> {
    let beat = channels * length;
    if beat == 0 {
        return Vec::new();
    }
    let n = signals.len() / beat;
    let mut template = vec![0f32; beat];
    let mut column = Vec::with_capacity(n);
    for (j, t) in template.iter_mut().enumerate() {
        column.clear();
        column.extend(signals.chunks_exact(beat).map(|w| w[j]));
        if column.is_empty() {
            break;
        }
        let mid = column.len() / 2;
        *t = *column.select_nth_unstable_by(mid, f32::total_cmp).1;
    }
    let mut out = Vec::with_capacity(2 * signals.len());
    for w in signals.chunks_exact(beat) {
        out.extend_from_slice(w);
        out.extend(w.iter().zip(&template).map(|(v, t)| v - t));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annotation::Annotation;
    use crate::header::{Header, SignalSpec};
    use crate::signal::Signal;

    fn toy_record() -> Record {
        let spec = SignalSpec {
            file_name: "t.dat".into(),
            format: 16,
            samples_per_frame: 1,
            skew: 0,
            byte_offset: 0,
            gain: 100.0,
            baseline: 0,
            units: "mV".into(),
            adc_res: 16,
            adc_zero: 0,
            initial_value: None,
            checksum: None,
            block_size: 0,
            description: "MLII".into(),
        };
        let samples: Vec<i32> = (0..100).collect();
        let header = Header {
            record: "t".into(),
            fs: 10.0,
            sig_len: Some(100),
            base_time: None,
            base_date: None,
            signals: vec![spec.clone()],
            comments: vec![],
            segments: vec![],
        };
        let mut r = Record::from_parts(header, vec![Signal { spec, samples }]);
        let a = |s, c| Annotation { sample: s, code: c, subtype: 0, chan: 0, num: 0, aux: None };
        // N at 2 (window out of bounds), V at 20, + at 30 (not a beat), A at 50, B at 60 (unmapped), F at 98 (out).
        r.annotations = Some(vec![a(2, 1), a(20, 5), a(30, 28), a(50, 8), a(60, 25), a(98, 6)]);
        r
    }

    #[test]
    fn windows_labels_and_exclusions_by_hand() {
        let w = BeatWindow { before: 3, after: 4, remove_baseline: false, normalize: Normalize::None, ..BeatWindow::default() };
        let s = BeatSet::from_record(&toy_record(), &w).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!((s.beats[0].symbol(), s.beats[0].class), ("V", AamiClass::V));
        assert_eq!((s.beats[1].symbol(), s.beats[1].class), ("A", AamiClass::S));
        // digital 17..=23 at gain 100 → 0.17..0.23 mV
        let expect: Vec<f32> = (17..24).map(|d| d as f32 / 100.0).collect();
        assert_eq!(s.window(0).unwrap(), expect.as_slice());
        assert_eq!(s.excluded.window_out_of_bounds.0, [1, 0, 0, 1, 0]);
        assert_eq!(s.excluded.unmapped_symbol, 1);
        // RR over all 5 beat annotations (2, 20, 50, 60, 98) at 10 Hz: V has pre 1.8 s, post 3.0 s.
        assert!((s.beats[0].rr.pre - 1.8).abs() < 1e-6 && (s.beats[0].rr.post - 3.0).abs() < 1e-6);
        assert_eq!(s.labels(), vec![2, 1]);
    }

    #[test]
    fn missing_annotations_is_a_clear_error() {
        let mut r = toy_record();
        r.annotations = None;
        let e = BeatSet::from_record(&r, &BeatWindow::default()).unwrap_err().to_string();
        assert!(e.contains("no annotations"), "{e}");
    }

    #[test]
    fn record_reference_divides_by_the_median_span() {
        let w = BeatWindow { before: 3, after: 4, remove_baseline: false, normalize: Normalize::None, ..BeatWindow::default() };
        let raw = BeatSet::from_record(&toy_record(), &w).unwrap();
        let w = BeatWindow { normalize: Normalize::RecordReference, ..w };
        let scaled = BeatSet::from_record(&toy_record(), &w).unwrap();
        // Both windows of the ramp span 0.06 mV; the median span is 0.06.
        for (a, b) in raw.signals.iter().zip(&scaled.signals) {
            assert!((a / 0.06 - b).abs() < 1e-4, "{a} / 0.06 vs {b}");
        }
        let mut two = vec![0.0, 2.0, 0.0, 4.0, 0.0, 6.0];
        scale_to_record_reference(&mut two, 1, 2);
        assert_eq!(two, vec![0.0, 0.5, 0.0, 1.0, 0.0, 1.5]);
    }

    #[test]
    fn template_difference_is_the_distance_from_the_median_beat() {
        // Three one-channel beats of two samples; the median beat is [1, 10].
        let out = with_template_difference(&[0.0, 10.0, 1.0, 12.0, 5.0, 9.0], 1, 2);
        assert_eq!(out, vec![0.0, 10.0, -1.0, 0.0, 1.0, 12.0, 0.0, 2.0, 5.0, 9.0, 4.0, -1.0]);
        let w = BeatWindow { before: 3, after: 4, remove_baseline: false, normalize: Normalize::None, template_difference: true, ..BeatWindow::default() };
        let s = BeatSet::from_record(&toy_record(), &w).unwrap();
        assert_eq!((s.channels, w.channels_for(1)), (2, 2));
        assert_eq!(s.window(0).unwrap().len(), 14);
    }

    #[test]
    fn normalisations() {
        let mut v = vec![1.0, 2.0, 3.0];
        normalize(&mut v, Normalize::MinMax);
        assert_eq!(v, vec![0.0, 0.5, 1.0]);
        let mut v = vec![1.0, 3.0];
        normalize(&mut v, Normalize::ZScore);
        assert_eq!(v, vec![-1.0, 1.0]);
        let mut flat = vec![2.0; 4];
        normalize(&mut flat, Normalize::ZScore);
        assert!(flat.iter().all(|x| *x == 0.0));
    }

    #[test]
    fn subset_and_concat_keep_records_straight() {
        let w = BeatWindow { before: 3, after: 4, remove_baseline: false, normalize: Normalize::None, ..BeatWindow::default() };
        let a = BeatSet::from_record(&toy_record(), &w).unwrap();
        let mut r2 = toy_record();
        r2.name = "u".into();
        let b = BeatSet::from_record(&r2, &w).unwrap();
        let both = BeatSet::concat(vec![a, b]).unwrap();
        assert_eq!(both.len(), 4);
        assert_eq!(both.record_of(3), Some("u"));
        let sub = both.subset(&[3, 0]);
        assert_eq!(sub.records, vec!["u".to_string(), "t".to_string()]);
        assert_eq!(sub.window(1), both.window(0));
        assert_eq!(both.indices_of_records(&["u"]), vec![2, 3]);
    }
}
