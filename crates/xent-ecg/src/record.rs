//! A WFDB record: header, decoded signals and (optionally) its reference annotations.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::aami::{AamiClass, AamiCounts};
use crate::annotation::{self, Annotation};
use crate::error::{EcgError, Result};
use crate::header::Header;
use crate::input;
use crate::dat::FileLayout;
use crate::signal::{self, Signal};

/// How to read a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadConfig {
    /// Annotator (file extension) of the reference annotations. Default: `"atr"`.
    pub annotator: String,
    /// Check each signal's first value and 16-bit checksum against the header. Default: `true`.
    pub verify: bool,
    /// Read the annotation file if it exists (a missing file is never an error). Default: `true`.
    pub annotations: bool,
}

impl Default for ReadConfig {
    fn default() -> Self {
        Self { annotator: "atr".into(), verify: true, annotations: true }
    }
}

/// A record in memory.
#[derive(Clone, Debug)]
pub struct Record {
    /// Record name (from the header's record line).
    pub name: String,
    /// The parsed header.
    pub header: Header,
    /// The decoded signals, in header order.
    pub signals: Vec<Signal>,
    /// Reference annotations, or `None` if the record has no annotation file.
    pub annotations: Option<Vec<Annotation>>,
    /// Where the record was read from (path without extension), if from files.
    pub source: Option<PathBuf>,
    /// The annotation file that was looked for (for error messages).
    pub annotation_path: Option<PathBuf>,
}

/// `dir/100`, `dir/100.hea` or `dir/100.dat` → `dir/100`.
pub fn record_base(path: &Path) -> PathBuf {
    match path.extension().and_then(|e| e.to_str()) {
        Some("hea" | "dat" | "atr") => path.with_extension(""),
        _ => path.to_path_buf(),
    }
}

fn with_ext(base: &Path, ext: &str) -> PathBuf {
    let mut s = base.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

impl Record {
    /// Opens the record at `path` (without extension, e.g. `datasets/mitdb/100`) with the default
    /// [`ReadConfig`]: header, all signals (verified), and the `.atr` annotations if present.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, &ReadConfig::default())
    }

    /// Opens a record with an explicit configuration.
    pub fn open_with(path: impl AsRef<Path>, config: &ReadConfig) -> Result<Self> {
        let base = record_base(path.as_ref());
        let header_path = with_ext(&base, "hea");
        let mut header = Header::read(&header_path)?;
        let dir = base.parent().map(Path::to_path_buf).unwrap_or_default();
        let signals = if header.segments.is_empty() {
            read_signals(&header, &dir, &header_path, config.verify)?
        } else {
            let signals = crate::segments::read(&header, &dir, &header_path, config.verify)?;
            header.signals = signals.iter().map(|s| s.spec.clone()).collect();
            signals
        };
        let annotation_path = with_ext(&base, &config.annotator);
        let annotations = if config.annotations {
            match input::read_regular(&annotation_path, input::MAX_ANNOTATION_BYTES) {
                Ok(bytes) => Some(annotation::parse(&bytes, &annotation_path)?),
                Err(EcgError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(e),
            }
        } else {
            None
        };
        Ok(Record { name: header.record.clone(), header, signals, annotations, source: Some(base), annotation_path: Some(annotation_path) })
    }

    /// Builds a record from parts (e.g. a WAV recording); no annotations.
    pub fn from_parts(header: Header, signals: Vec<Signal>) -> Self {
        Record { name: header.record.clone(), header, signals, annotations: None, source: None, annotation_path: None }
    }

    /// Sampling frequency in Hz.
    pub fn fs(&self) -> f64 {
        self.header.fs
    }

    /// Frames per signal (samples at the record's sampling frequency).
    pub fn sig_len(&self) -> usize {
        self.signals.first().map_or(0, Signal::frames)
    }

    /// The annotations, or [`EcgError::MissingAnnotations`] if the record has none.
    pub fn annotations(&self) -> Result<&[Annotation]> {
        self.annotations.as_deref().ok_or_else(|| EcgError::MissingAnnotations {
            record: self.name.clone(),
            path: self.annotation_path.clone().unwrap_or_else(|| PathBuf::from(format!("{}.atr", self.name))),
        })
    }

    /// The beat annotations (WFDB `isqrs`).
    pub fn beat_annotations(&self) -> Result<Vec<&Annotation>> {
        Ok(self.annotations()?.iter().filter(|a| a.is_beat()).collect())
    }

    /// Number of annotations per symbol.
    pub fn symbol_counts(&self) -> Result<BTreeMap<String, usize>> {
        let mut m = BTreeMap::new();
        for a in self.annotations()? {
            *m.entry(a.symbol().to_string()).or_insert(0) += 1;
        }
        Ok(m)
    }

    /// Beat counts per AAMI class (all annotated beats).
    pub fn aami_counts(&self) -> Result<AamiCounts> {
        Ok(AamiCounts::count(self.annotations()?.iter().filter_map(Annotation::aami)))
    }

    /// Rhythm episodes as `(start sample, rhythm)` from the rhythm-change annotations.
    pub fn rhythm_changes(&self) -> Result<Vec<(i64, &str)>> {
        Ok(self.annotations()?.iter().filter_map(|a| a.rhythm().map(|r| (a.sample, r))).collect())
    }

    /// Index of the signal named `name` (e.g. `MLII`).
    pub fn signal_index(&self, name: &str) -> Option<usize> {
        self.signals.iter().position(|s| s.spec.description == name)
    }

    /// The primary ECG channel: `MLII` if present, else signal 0.
    pub fn primary_channel(&self) -> usize {
        self.signal_index("MLII").unwrap_or(0)
    }

    /// AAMI class of each annotated beat with its annotation.
    pub fn aami_beats(&self) -> Result<Vec<(&Annotation, AamiClass)>> {
        Ok(self.annotations()?.iter().filter_map(|a| a.aami().map(|k| (a, k))).collect())
    }
}

/// Reads and verifies all signals of a single-segment `header`; `.dat` paths are relative to
/// `dir`.
///
/// Each `.dat` must be a regular file. Its signals' formats are checked before the file is opened
/// ([`FileLayout::new`]). With a declared length, only the byte offset plus the declared frames are
/// read (a longer file's trailing bytes are ignored, as wfdb-python does); the size is computed
/// with checked arithmetic and compared with the file's length before anything is allocated. The
/// first value and checksum are verified on the samples as stored; then each signal's skew is
/// applied ([`signal::apply_skew`]).
pub fn read_signals(header: &Header, dir: &Path, header_path: &Path, verify: bool) -> Result<Vec<Signal>> {
    // Group signals by file, in order of first appearance.
    let mut files: Vec<(&str, Vec<usize>)> = Vec::new();
    for (i, s) in header.signals.iter().enumerate() {
        match files.iter_mut().find(|(f, _)| *f == s.file_name) {
            Some((_, v)) => v.push(i),
            None => files.push((&s.file_name, vec![i])),
        }
    }
    // Unsupported formats and inconsistent layouts are reported before any file is touched.
    let mut layouts = Vec::with_capacity(files.len());
    for (file, idx) in &files {
        let specs: Vec<_> = idx.iter().filter_map(|&i| header.signals.get(i)).collect();
        let first = idx.first().copied().unwrap_or(0);
        layouts.push(FileLayout::new(&specs, first, &dir.join(file), header_path)?);
    }
    let mut out: Vec<Option<Signal>> = vec![None; header.signals.len()];
    for ((file, idx), layout) in files.into_iter().zip(&layouts) {
        let dat_path = dir.join(file);
        let specs: Vec<_> = idx.iter().filter_map(|&i| header.signals.get(i)).collect();
        let first = idx.first().copied().unwrap_or(0);
        let bytes = read_dat(&dat_path, layout, specs.len(), header.sig_len, header_path)?;
        let decoded = signal::decode_file(&bytes, &specs, first, header.sig_len, &dat_path, header_path)?;
        drop(bytes);
        for ((&i, spec), samples) in idx.iter().zip(specs).zip(decoded) {
            let mut sig = Signal { spec: spec.clone(), samples };
            if verify {
                verify_signal(&header.record, i, &sig, &dat_path)?;
            }
            let skew = usize::try_from(spec.skew).unwrap_or(usize::MAX);
            let spf = sig.samples_per_frame();
            signal::apply_skew(&mut sig.samples, skew, spf, spec.format);
            if let Some(slot) = out.get_mut(i) {
                *slot = Some(sig);
            }
        }
    }
    Ok(out.into_iter().flatten().collect())
}

/// Reads the bytes of one signal file that the header's layout covers: the byte offset plus the
/// declared frames (the whole file when the header declares no length), never more than the file
/// holds or [`input::MAX_SIGNAL_BYTES`].
fn read_dat(path: &Path, layout: &FileLayout, signals: usize, sig_len: Option<usize>, header_path: &Path) -> Result<Vec<u8>> {
    let (file, file_len) = input::open_regular(path)?;
    let want = match sig_len {
        Some(n) => layout
            .bytes_for(n)
            .and_then(|b| b.checked_add(layout.byte_offset))
            .and_then(|b| u64::try_from(b).ok())
            .ok_or_else(|| signal::layout_overflow(header_path, n, signals, layout.format.code()))?,
        None => file_len,
    };
    // A shorter file is reported by the decoder as `Truncated`, with the bytes needed and present.
    let read = want.min(file_len);
    if read > input::MAX_SIGNAL_BYTES {
        return Err(EcgError::TooLarge { path: path.into(), size: want, limit: input::MAX_SIGNAL_BYTES });
    }
    input::read_prefix(file, read, path)
}

fn verify_signal(record: &str, i: usize, sig: &Signal, file: &Path) -> Result<()> {
    let mismatch = |what, declared, actual| EcgError::Mismatch {
        record: record.into(),
        signal: i,
        name: sig.spec.description.clone(),
        what,
        declared,
        actual,
        file: file.into(),
    };
    if let (Some(init), Some(&first)) = (sig.spec.initial_value, sig.samples.first())
        && init != i64::from(first)
    {
        return Err(mismatch("initial value", init, i64::from(first)));
    }
    if let Some(sum) = sig.spec.checksum {
        let actual = sig.checksum();
        // Headers write the checksum as a signed 16-bit value; accept the unsigned spelling too.
        if sum as i16 != actual || !(-32768..=65535).contains(&sum) {
            return Err(mismatch("checksum", sum, i64::from(actual)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_base_strips_wfdb_extensions() {
        assert_eq!(record_base(Path::new("a/100.hea")), PathBuf::from("a/100"));
        assert_eq!(record_base(Path::new("a/100")), PathBuf::from("a/100"));
        assert_eq!(with_ext(Path::new("a/100"), "atr"), PathBuf::from("a/100.atr"));
    }
}
