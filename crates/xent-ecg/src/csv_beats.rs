//! The "ECG heartbeat" CSV layout of Kachuee et al. (2018) / Kaggle: one beat per row, no header,
//! `length` values (187 in the published files) then the class label as a float
//! (0 N, 1 S, 2 V, 3 F, 4 Q — the [`AamiClass`] indices).

use std::path::Path;

use crate::aami::AamiClass;
use crate::beats::{BeatInfo, BeatSet};
use crate::error::{EcgError, Result};
use crate::rr::RrFeatures;

/// Values per beat in the published files.
pub const KAGGLE_LENGTH: usize = 187;

/// Beats read from a CSV file.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvBeats {
    /// Values per beat.
    pub length: usize,
    /// All values, flat, `length` per beat.
    pub values: Vec<f32>,
    /// One label per beat.
    pub labels: Vec<AamiClass>,
}

impl CsvBeats {
    /// Number of beats.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no beats.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// A one-channel [`BeatSet`] (record name `name`, sampling rate `fs`, no RR information).
    pub fn into_beat_set(self, name: &str, fs: f64) -> BeatSet {
        let mut set = BeatSet::empty(1, self.length, fs);
        set.records.push(name.to_string());
        set.signals = self.values;
        set.beats = self
            .labels
            .into_iter()
            .enumerate()
            .map(|(i, class)| BeatInfo { record: 0, sample: i as i64, code: 0, class, rr: RrFeatures::default() })
            .collect();
        set
    }
}

/// Reads a beat CSV. Every row must have the same number of fields (`expected_length + 1` when
/// given, else that of the first row); a row of another length, a non-numeric value or a label
/// that is not one of 0–4 is an error naming the file and line.
pub fn read_csv_beats(path: &Path, expected_length: Option<usize>) -> Result<CsvBeats> {
    let file = std::fs::File::open(path).map_err(|e| EcgError::io(path, e))?;
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(std::io::BufReader::new(file));
    let mut out = CsvBeats { length: expected_length.unwrap_or(0), values: Vec::new(), labels: Vec::new() };
    let mut fields_per_row = expected_length.map(|l| l + 1);
    let mut row = csv::StringRecord::new();
    loop {
        let line = rdr.position().line();
        let more = rdr.read_record(&mut row).map_err(|e| EcgError::Csv { path: path.into(), line, message: e.to_string() })?;
        if !more {
            break;
        }
        let line = row.position().map_or(line, |p| p.line());
        let err = |message: String| EcgError::Csv { path: path.into(), line, message };
        let want = *fields_per_row.get_or_insert(row.len());
        if want < 2 {
            return Err(err(format!("a beat row needs at least one value and a label, found {} fields", row.len())));
        }
        if row.len() != want {
            return Err(err(format!("row has {} fields, expected {want} ({} values + label)", row.len(), want - 1)));
        }
        out.length = want - 1;
        for (i, f) in row.iter().enumerate() {
            let v: f64 = f.trim().parse().map_err(|_| err(format!("field {}: `{f}` is not a number", i + 1)))?;
            if i + 1 == want {
                let k = v.round();
                let class = (v == k && (0.0..5.0).contains(&k)).then(|| AamiClass::from_index(k as usize)).flatten();
                let class = class.ok_or_else(|| err(format!("label `{f}` is not one of 0, 1, 2, 3, 4")))?;
                out.labels.push(class);
            } else {
                out.values.push(v as f32);
            }
        }
    }
    Ok(out)
}

/// Writes a one-channel [`BeatSet`] in the CSV layout (values, then the label as `k.0`).
pub fn write_csv_beats(path: &Path, set: &BeatSet) -> Result<()> {
    if set.channels != 1 {
        return Err(EcgError::invalid("beat set", format!("the CSV layout holds one channel, the set has {}", set.channels)));
    }
    let file = std::fs::File::create(path).map_err(|e| EcgError::io(path, e))?;
    let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(std::io::BufWriter::new(file));
    let werr = |e: csv::Error| EcgError::Csv { path: path.into(), line: 0, message: e.to_string() };
    let mut fields: Vec<String> = Vec::with_capacity(set.length + 1);
    for (i, b) in set.beats.iter().enumerate() {
        let Some(win) = set.window(i) else { break };
        fields.clear();
        fields.extend(win.iter().map(|v| v.to_string()));
        fields.push(format!("{}.0", b.class.index()));
        w.write_record(&fields).map_err(werr)?;
    }
    w.flush().map_err(|e| EcgError::io(path, e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_wrong_length_row() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.csv");
        std::fs::write(&p, "0.5,1e-1,0.000000000000000000e+00\n1,0.25,4.000000000000000000e+00\n").unwrap();
        let b = read_csv_beats(&p, None).unwrap();
        assert_eq!((b.length, b.len()), (2, 2));
        assert_eq!(b.values, vec![0.5, 0.1, 1.0, 0.25]);
        assert_eq!(b.labels, vec![AamiClass::N, AamiClass::Q]);
        let set = b.clone().into_beat_set("csv", 125.0);
        let q = dir.path().join("c.csv");
        write_csv_beats(&q, &set).unwrap();
        assert_eq!(read_csv_beats(&q, Some(2)).unwrap(), b);

        std::fs::write(&p, "0.5,0.1,0\n0.5,0.1,0.2,1\n").unwrap();
        let e = read_csv_beats(&p, None).unwrap_err().to_string();
        assert!(e.contains("b.csv:2") && e.contains("4 fields, expected 3"), "{e}");
        let e = read_csv_beats(&q, Some(187)).unwrap_err().to_string();
        assert!(e.contains("c.csv:1") && e.contains("expected 188"), "{e}");
        std::fs::write(&p, "0.5,0.1,7\n").unwrap();
        let e = read_csv_beats(&p, None).unwrap_err().to_string();
        assert!(e.contains("b.csv:1") && e.contains("label"), "{e}");
        std::fs::write(&p, "0.5,x,1\n").unwrap();
        let e = read_csv_beats(&p, None).unwrap_err().to_string();
        assert!(e.contains("b.csv:1") && e.contains("field 2"), "{e}");
    }
}
