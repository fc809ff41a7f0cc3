//! WFDB header (`.hea`) parsing: the record line, one line per signal, `#` comments; CRLF or LF.
//!
//! Record line: `name[/segments] nsig [fs[/counter_fs[(base_counter)]] [nsamp [base_time [base_date]]]]`.
//! A multi-segment header (`name/segments`) then has one line per segment, `segment_name length`
//! (`~` names a null segment), and no signal lines; [`crate::segments`] reads such a record.
//! Signal line: `file format[xspf][:skew][+offset] [gain[(baseline)][/units] [adc_res [adc_zero
//! [initial_value [checksum [block_size [description…]]]]]]]`.
//! Defaults follow WFDB: fs 250 Hz, gain 200 adu/mV (also when written as 0), baseline = ADC zero,
//! units mV, ADC resolution 8 bits for format 80, 10 for 310 and 311, 12 for 212, 24 for 24, 32
//! for 32 and 16 otherwise.
//!
//! Refused with an error naming the file and line: a sampling frequency that is not a finite number
//! in (0, [`MAX_FS`]], a negative skew, and a signal file name that is absolute or climbs out of
//! the header's directory (`..`).

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{EcgError, Result};

/// Sampling frequency WFDB assumes when the header gives none.
pub const DEFAULT_FS: f64 = 250.0;
/// Gain (ADC units per physical unit) WFDB assumes when the header gives none or 0.
pub const DEFAULT_GAIN: f64 = 200.0;
/// Highest sampling frequency accepted, in Hz (ECGs are sampled at 100–10,000 Hz).
pub const MAX_FS: f64 = 1e6;

/// A parsed WFDB header.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Header {
    /// Record name as written on the record line.
    pub record: String,
    /// Sampling frequency in Hz (per signal, frames per second).
    pub fs: f64,
    /// Samples per signal, if declared.
    pub sig_len: Option<usize>,
    /// Base time field, if any (kept verbatim).
    pub base_time: Option<String>,
    /// Base date field, if any (kept verbatim).
    pub base_date: Option<String>,
    /// One entry per signal, in header order.
    pub signals: Vec<SignalSpec>,
    /// The `#` comment lines, without the leading `#` and surrounding blanks.
    pub comments: Vec<String>,
    /// The segments of a multi-segment header, in order; empty for an ordinary (single-segment)
    /// header.
    pub segments: Vec<Segment>,
}

/// One segment line of a multi-segment header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Segment {
    /// Record name of the segment (its header is `name.hea` next to the master header), or `~` for
    /// a null segment (no samples: every signal is invalid there).
    pub name: String,
    /// Frames in the segment.
    pub len: usize,
}

impl Segment {
    /// Whether this is a null segment (`~`).
    pub fn is_null(&self) -> bool {
        self.name == "~"
    }
}

/// One signal line of a header.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SignalSpec {
    /// Name of the file holding the samples, relative to the header's directory (a plain name or
    /// a path into a subdirectory; never absolute, never through `..`).
    pub file_name: String,
    /// Storage format (212, 16, …).
    pub format: u16,
    /// Samples per frame (the `x` suffix); 1 when absent.
    pub samples_per_frame: u32,
    /// Skew in samples (the `:` suffix, never negative); 0 when absent. Sample `j` of the signal is
    /// frame `j + skew` of the file (see [`crate::signal::apply_skew`]).
    pub skew: i64,
    /// Byte offset of the first sample in the file (the `+` suffix); 0 when absent.
    pub byte_offset: usize,
    /// ADC units per physical unit.
    pub gain: f64,
    /// Digital value that corresponds to 0 physical units.
    pub baseline: i64,
    /// Physical units (`mV` by default).
    pub units: String,
    /// ADC resolution in bits.
    pub adc_res: u32,
    /// ADC zero.
    pub adc_zero: i64,
    /// Declared first sample value, if any.
    pub initial_value: Option<i64>,
    /// Declared 16-bit checksum of all samples, if any.
    pub checksum: Option<i64>,
    /// Block size (0 for ordinary files).
    pub block_size: i64,
    /// Signal description (e.g. the lead `MLII`).
    pub description: String,
}

impl Header {
    /// Reads and parses the header file at `path` (with its `.hea` extension).
    pub fn read(path: &Path) -> Result<Self> {
        let bytes = crate::input::read_regular(path, crate::input::MAX_HEADER_BYTES)?;
        Self::parse(&bytes, path)
    }

    /// Parses header bytes; `path` is only used in error messages.
    pub fn parse(bytes: &[u8], path: &Path) -> Result<Self> {
        let err = |line: usize, message: String| EcgError::Header { path: PathBuf::from(path), line, message };
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let line = 1 + bytes.iter().take(e.valid_up_to()).filter(|&&b| b == b'\n').count();
            err(line, format!("not valid UTF-8 text (byte offset {})", e.valid_up_to()))
        })?;
        let mut comments = Vec::new();
        let mut record: Option<(usize, Header, usize, Option<usize>)> = None;
        let mut signals = Vec::new();
        let mut segments = Vec::new();
        for (i, raw) in text.split('\n').enumerate() {
            let line_no = i + 1;
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            let trimmed = line.trim();
            if let Some(c) = trimmed.strip_prefix('#') {
                comments.push(c.trim().to_string());
                continue;
            }
            if trimmed.is_empty() {
                continue;
            }
            // A trailing comment on a data line.
            let data = trimmed.split('#').next().unwrap_or("").trim();
            match &record {
                None => {
                    let (h, nsig, nseg) = parse_record_line(data).map_err(|m| err(line_no, m))?;
                    record = Some((line_no, h, nsig, nseg));
                }
                Some((_, _, _, Some(nseg))) => {
                    if segments.len() < *nseg {
                        segments.push(parse_segment_line(data).map_err(|m| err(line_no, m))?);
                    }
                }
                Some((_, _, nsig, None)) => {
                    if signals.len() >= *nsig {
                        // Extra lines after the signal lines: ignored like WFDB does (info strings).
                        continue;
                    }
                    let spec = parse_signal_line(data).map_err(|m| err(line_no, m))?;
                    signals.push(spec);
                }
            }
        }
        let Some((rec_line, mut header, nsig, nseg)) = record else {
            return Err(err(1, "no record line (empty header)".into()));
        };
        if let Some(nseg) = nseg {
            if segments.len() < nseg {
                return Err(err(rec_line, format!("record line declares {nseg} segments but only {} segment lines follow", segments.len())));
            }
            header.segments = segments;
            header.comments = comments;
            return Ok(header);
        }
        if signals.len() < nsig {
            return Err(err(
                rec_line,
                format!("record line declares {nsig} signals but only {} signal lines follow", signals.len()),
            ));
        }
        header.signals = signals;
        header.comments = comments;
        Ok(header)
    }

    /// Number of signals.
    pub fn n_signals(&self) -> usize {
        self.signals.len()
    }
}

fn parse_record_line(line: &str) -> std::result::Result<(Header, usize, Option<usize>), String> {
    let mut fields = line.split_whitespace();
    let name_field = fields.next().ok_or("missing record name")?;
    let (name, nseg) = match name_field.split_once('/') {
        Some((name, n)) => {
            let nseg: usize = n.parse().map_err(|_| format!("record line: number of segments `{n}` is not a non-negative integer"))?;
            if nseg == 0 {
                return Err("record line: a multi-segment record needs at least one segment".into());
            }
            (name, Some(nseg))
        }
        None => (name_field, None),
    };
    let nsig_field = fields.next().ok_or("record line: missing number of signals")?;
    let nsig: usize = nsig_field
        .parse()
        .map_err(|_| format!("record line: number of signals `{nsig_field}` is not a non-negative integer"))?;
    if nsig > 4096 {
        return Err(format!("record line: {nsig} signals is implausible"));
    }
    let mut fs = DEFAULT_FS;
    if let Some(f) = fields.next() {
        let head = f.split(['/', '(']).next().unwrap_or(f);
        fs = head.parse().map_err(|_| format!("record line: sampling frequency `{f}` is not a number"))?;
        if !(fs.is_finite() && fs > 0.0 && fs <= MAX_FS) {
            return Err(format!("record line: sampling frequency `{f}` must be a positive number of at most {MAX_FS} Hz"));
        }
    }
    let sig_len = match fields.next() {
        Some(n) => Some(n.parse().map_err(|_| format!("record line: number of samples `{n}` is not a non-negative integer"))?),
        None => None,
    };
    let base_time = fields.next().map(str::to_string);
    let base_date = fields.next().map(str::to_string);
    Ok((
        Header {
            record: name.to_string(),
            fs,
            sig_len,
            base_time,
            base_date,
            signals: Vec::new(),
            comments: Vec::new(),
            segments: Vec::new(),
        },
        nsig,
        nseg,
    ))
}

/// `name length`: a segment line of a multi-segment header.
fn parse_segment_line(line: &str) -> std::result::Result<Segment, String> {
    let mut fields = line.split_whitespace();
    let name = fields.next().ok_or("segment line: missing segment name")?;
    if name != "~" {
        check_file_name(name).map_err(|_| format!("segment line: segment `{name}` is outside the header's directory (absolute or through `..`)"))?;
    }
    let len = fields.next().ok_or_else(|| format!("segment line: segment `{name}` has no length"))?;
    let len = len.parse().map_err(|_| format!("segment line: length `{len}` of segment `{name}` is not a non-negative integer"))?;
    Ok(Segment { name: name.to_string(), len })
}

/// A signal file name must stay inside the header's directory: no absolute path, no `..`.
fn check_file_name(name: &str) -> std::result::Result<(), String> {
    use std::path::Component;
    let escapes = Path::new(name).components().any(|c| !matches!(c, Component::Normal(_) | Component::CurDir));
    if escapes {
        return Err(format!("signal line: signal file `{name}` is outside the header's directory (absolute or through `..`)"));
    }
    Ok(())
}

fn parse_int<T: std::str::FromStr>(s: &str, what: &str) -> std::result::Result<T, String> {
    s.parse().map_err(|_| format!("signal line: {what} `{s}` is not a valid integer"))
}

fn parse_signal_line(line: &str) -> std::result::Result<SignalSpec, String> {
    let mut rest = line;
    let mut next = || -> Option<&str> {
        let t = rest.trim_start();
        if t.is_empty() {
            return None;
        }
        let end = t.find(char::is_whitespace).unwrap_or(t.len());
        let (field, tail) = t.split_at(end);
        rest = tail;
        Some(field)
    };
    let file_name = next().ok_or("signal line: missing file name")?.to_string();
    check_file_name(&file_name)?;
    let fmt_field = next().ok_or("signal line: missing format field")?;
    // format[xspf][:skew][+offset]
    let fmt_end = fmt_field.find(|c: char| !c.is_ascii_digit()).unwrap_or(fmt_field.len());
    let (fmt_digits, mut suffix) = fmt_field.split_at(fmt_end);
    let format: u16 = parse_int(fmt_digits, "format")?;
    let mut samples_per_frame = 1u32;
    let mut skew = 0i64;
    let mut byte_offset = 0usize;
    while let Some(c) = suffix.chars().next() {
        let body = &suffix[c.len_utf8()..];
        let end = body.find(['x', ':', '+']).unwrap_or(body.len());
        let (value, tail) = body.split_at(end);
        match c {
            'x' => samples_per_frame = parse_int(value, "samples per frame")?,
            ':' => skew = parse_int(value, "skew")?,
            '+' => byte_offset = parse_int(value, "byte offset")?,
            _ => return Err(format!("signal line: malformed format field `{fmt_field}`")),
        }
        suffix = tail;
    }
    if skew < 0 {
        return Err(format!("signal line: skew `{skew}` must not be negative"));
    }
    if samples_per_frame == 0 {
        return Err("signal line: samples per frame must be at least 1".into());
    }
    let default_res = crate::format::Format::default_adc_res(format);
    let mut spec = SignalSpec {
        file_name,
        format,
        samples_per_frame,
        skew,
        byte_offset,
        gain: DEFAULT_GAIN,
        baseline: 0,
        units: "mV".into(),
        adc_res: default_res,
        adc_zero: 0,
        initial_value: None,
        checksum: None,
        block_size: 0,
        description: String::new(),
    };
    let mut baseline: Option<i64> = None;
    if let Some(g) = next() {
        // gain[(baseline)][/units]
        let (gb, units) = match g.split_once('/') {
            Some((a, u)) => (a, Some(u)),
            None => (g, None),
        };
        let (gain_s, base_s) = match gb.split_once('(') {
            Some((a, b)) => {
                let b = b.strip_suffix(')').ok_or_else(|| format!("signal line: unclosed baseline in `{g}`"))?;
                (a, Some(b))
            }
            None => (gb, None),
        };
        let gain: f64 = gain_s.parse().map_err(|_| format!("signal line: gain `{gain_s}` is not a number"))?;
        if !gain.is_finite() || gain < 0.0 {
            return Err(format!("signal line: gain `{gain_s}` must be a finite non-negative number"));
        }
        spec.gain = if gain == 0.0 { DEFAULT_GAIN } else { gain };
        if let Some(b) = base_s {
            baseline = Some(parse_int(b, "baseline")?);
        }
        if let Some(u) = units {
            spec.units = u.to_string();
        }
    }
    if let Some(f) = next() {
        spec.adc_res = parse_int(f, "ADC resolution")?;
        if spec.adc_res == 0 {
            spec.adc_res = default_res;
        }
    }
    if let Some(f) = next() {
        spec.adc_zero = parse_int(f, "ADC zero")?;
    }
    if let Some(f) = next() {
        spec.initial_value = Some(parse_int(f, "initial value")?);
    }
    if let Some(f) = next() {
        spec.checksum = Some(parse_int(f, "checksum")?);
    }
    if let Some(f) = next() {
        spec.block_size = parse_int(f, "block size")?;
    }
    spec.description = rest.trim().to_string();
    spec.baseline = baseline.unwrap_or(spec.adc_zero);
    Ok(spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H100: &str = "100 2 360 650000\r\n100.dat 212 200 11 1024 995 -22131 0 MLII\r\n100.dat 212 200 11 1024 1011 20052 0 V5\r\n# 69 M 1085 1629 x1\r\n# Aldomet, Inderal\r\n";

    #[test]
    fn parses_crlf_header() {
        let h = Header::parse(H100.as_bytes(), Path::new("100.hea")).unwrap();
        assert_eq!(h.record, "100");
        assert_eq!(h.fs, 360.0);
        assert_eq!(h.sig_len, Some(650000));
        assert_eq!(h.signals.len(), 2);
        let s = &h.signals[0];
        assert_eq!((s.format, s.gain, s.adc_res, s.adc_zero), (212, 200.0, 11, 1024));
        assert_eq!((s.initial_value, s.checksum, s.block_size), (Some(995), Some(-22131), 0));
        assert_eq!(s.baseline, 1024);
        assert_eq!(s.description, "MLII");
        assert_eq!(h.comments, vec!["69 M 1085 1629 x1", "Aldomet, Inderal"]);
    }

    #[test]
    fn lf_only_header_parses_identically() {
        let crlf = Header::parse(H100.as_bytes(), Path::new("a.hea")).unwrap();
        let lf = Header::parse(H100.replace("\r\n", "\n").as_bytes(), Path::new("a.hea")).unwrap();
        assert_eq!(crlf, lf);
    }

    #[test]
    fn gain_baseline_units_and_format_suffixes() {
        let h = Header::parse(b"r 1 500/10 10\nr.dat 16x2:3+512 100(-7)/uV 16 0 5 6 0 lead II\n", Path::new("r.hea")).unwrap();
        let s = &h.signals[0];
        assert_eq!(h.fs, 500.0);
        assert_eq!((s.format, s.samples_per_frame, s.skew, s.byte_offset), (16, 2, 3, 512));
        assert_eq!((s.gain, s.baseline, s.units.as_str()), (100.0, -7, "uV"));
        assert_eq!(s.description, "lead II");
    }

    #[test]
    fn minimal_signal_line_gets_wfdb_defaults() {
        let h = Header::parse(b"r 1\nr.dat 212\n", Path::new("r.hea")).unwrap();
        assert_eq!(h.fs, DEFAULT_FS);
        assert_eq!(h.sig_len, None);
        let s = &h.signals[0];
        assert_eq!((s.gain, s.adc_res, s.baseline, s.units.as_str()), (DEFAULT_GAIN, 12, 0, "mV"));
    }

    #[test]
    fn multi_segment_header() {
        let h = Header::parse(b"m/3 2 360 30\nm_layout 0\nseg1 10\n~ 20\n# c\n", Path::new("m.hea")).unwrap();
        assert_eq!((h.record.as_str(), h.sig_len, h.signals.len()), ("m", Some(30), 0));
        let names: Vec<_> = h.segments.iter().map(|s| (s.name.as_str(), s.len, s.is_null())).collect();
        assert_eq!(names, vec![("m_layout", 0, false), ("seg1", 10, false), ("~", 20, true)]);
        let e = Header::parse(b"m/3 2 360 30\nseg1 10\n", Path::new("m.hea")).unwrap_err().to_string();
        assert!(e.contains("m.hea:1") && e.contains("3 segments"), "{e}");
        let e = Header::parse(b"m/1 2\n../x 10\n", Path::new("m.hea")).unwrap_err().to_string();
        assert!(e.contains("m.hea:2") && e.contains("outside"), "{e}");
        let e = Header::parse(b"m/x 2\n", Path::new("m.hea")).unwrap_err().to_string();
        assert!(e.contains("number of segments"), "{e}");
        let e = Header::parse(b"m/1 2\ns one\n", Path::new("m.hea")).unwrap_err().to_string();
        assert!(e.contains("m.hea:2") && e.contains("length `one`"), "{e}");
    }

    #[test]
    fn missing_fields_are_errors_naming_file_and_line() {
        let e = Header::parse(b"# c\n100\n", Path::new("x/100.hea")).unwrap_err().to_string();
        assert!(e.contains("x/100.hea:2") && e.contains("number of signals"), "{e}");
        let e = Header::parse(b"100 2 360 650000\r\n100.dat 212 200\r\n", Path::new("100.hea")).unwrap_err().to_string();
        assert!(e.contains("100.hea:1") && e.contains("only 1 signal lines"), "{e}");
        let e = Header::parse(b"100 1 360 10\n100.dat\n", Path::new("100.hea")).unwrap_err().to_string();
        assert!(e.contains("100.hea:2") && e.contains("missing format"), "{e}");
        let e = Header::parse(b"100 1 360 10\n100.dat 212 abc\n", Path::new("100.hea")).unwrap_err().to_string();
        assert!(e.contains("100.hea:2") && e.contains("gain"), "{e}");
        let e = Header::parse(b"", Path::new("e.hea")).unwrap_err().to_string();
        assert!(e.contains("e.hea:1"), "{e}");
    }
}
