//! CSV in the AG News layout: `class,title,description`, no header, RFC-4180 quoting, classes
//! 1-based into the lines of `classes.txt`. The file may be gzipped (`.csv.gz`).
//!
//! The text of a row is `title`, a newline, and `description` with AG News's `\` line-break
//! escapes turned into spaces. Ids are `<stem>-<row>` with 1-based rows.

use std::path::Path;

use super::{Corpus, Document, Origin, read_maybe_gz, check_record};
use crate::error::{Result, TextError};

/// Reads `classes.txt`: one class name per non-empty line.
///
/// # Errors
/// Unreadable file; no class at all.
pub fn read_classes(path: &Path) -> Result<Vec<String>> {
    let bytes = read_maybe_gz(path)?;
    let text = String::from_utf8_lossy(&bytes);
    let classes: Vec<String> = text.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
    if classes.is_empty() {
        return Err(TextError::parse(path, 1, "no class names (one per line expected)"));
    }
    Ok(classes)
}

/// Loads a CSV in the AG News layout as a corpus without a test split (evaluate it by
/// cross-validation).
///
/// # Errors
/// Naming file and line: a row with fewer than 3 fields, a class that is not an integer in
/// `1..=classes`, malformed CSV; an empty file ([`TextError::EmptyCorpus`]).
pub fn load(csv_path: &Path, classes_path: &Path) -> Result<Corpus> {
    let classes = read_classes(classes_path)?;
    let bytes = read_maybe_gz(csv_path)?;
    let stem = csv_path
        .file_name()
        .map(|n| n.to_string_lossy().split('.').next().unwrap_or("row").to_string())
        .unwrap_or_else(|| "row".into());
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(&bytes[..]);
    let mut docs = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let more = reader.read_record(&mut record).map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            TextError::parse(csv_path, line, format!("malformed CSV: {e}"))
        })?;
        if !more {
            break;
        }
        let line = record.position().map_or(0, |p| p.line() as usize);
        check_record(csv_path, &record, line)?;
        if record.len() < 3 {
            return Err(TextError::TooFewFields { path: csv_path.into(), line, found: record.len(), expected: 3 });
        }
        let raw = record[0].trim();
        let class = raw.parse::<usize>().ok().filter(|c| (1..=classes.len()).contains(c)).ok_or_else(|| {
            TextError::UnknownClass {
                path: csv_path.into(),
                line,
                class: raw.to_string(),
                known: classes.len(),
                classes_file: classes_path.into(),
            }
        })?;
        let description = record.iter().skip(2).collect::<Vec<_>>().join(",").replace('\\', " ");
        docs.push(Document {
            id: format!("{stem}-{}", docs.len() + 1),
            text: format!("{}\n{}", &record[1], description),
            labels: vec![(class - 1) as u32],
            origin: Origin { file: csv_path.into(), line },
        });
    }
    if docs.is_empty() {
        return Err(TextError::EmptyCorpus { path: csv_path.into() });
    }
    Ok(Corpus {
        name: "agnews".into(),
        classes,
        multi_label: false,
        train: docs,
        test: Vec::new(),
        duplicates: Vec::new(),
        warnings: Vec::new(),
    })
}
