//! BBC News (Greene & Cunningham 2006): 2,225 articles in 5 topics.
//!
//! Two equivalent sources, both read directly:
//! - `bbc_news.csv.gz`, header `category,filename,text`;
//! - `bbc-fulltext.tar.gz`, one file per article as `bbc/<category>/NNN.txt` (no unpacking step).
//!
//! Files are decoded as UTF-8; a file that is not valid UTF-8 (in the carried corpus only
//! `sport/199.txt`) is decoded as Latin-1 and a warning naming it is added to
//! [`Corpus::warnings`] — the same decoding the CSV copy was made with, so both sources yield
//! identical texts. Classes are the category names sorted (business, entertainment, politics,
//! sport, tech); documents are ordered by `(category, filename)`; ids are `category/filename`.
//! Exact duplicates (identical text) are detected and kept out of test folds.

use std::collections::BTreeSet;
use std::path::Path;

use super::{Corpus, Document, Origin, decode_text, member_path, read_maybe_gz, read_tar, check_record};
use crate::error::{Result, TextError};

/// `(category, filename, text, origin)` before class indices are assigned.
type Raw = (String, String, String, Origin);

fn finish(raw: Vec<Raw>, path: &Path, warnings: Vec<String>) -> Result<Corpus> {
    if raw.is_empty() {
        return Err(TextError::EmptyCorpus { path: path.into() });
    }
    let classes: Vec<String> = raw.iter().map(|r| r.0.clone()).collect::<BTreeSet<_>>().into_iter().collect();
    let mut raw = raw;
    raw.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let train = raw
        .into_iter()
        .map(|(cat, file, text, origin)| Document {
            id: format!("{cat}/{file}"),
            labels: vec![classes.binary_search(&cat).expect("class listed") as u32],
            text,
            origin,
        })
        .collect();
    let mut corpus = Corpus {
        name: "bbc".into(),
        classes,
        multi_label: false,
        train,
        test: Vec::new(),
        duplicates: Vec::new(),
        warnings,
    };
    let extra = corpus.detect_duplicates();
    if extra > 0 {
        corpus.warnings.push(format!(
            "{}: {extra} document(s) duplicate an earlier one exactly ({} groups); they are kept in training folds only",
            path.display(),
            corpus.duplicates.len()
        ));
    }
    Ok(corpus)
}

/// Loads `bbc_news.csv(.gz)` (header `category,filename,text`).
///
/// # Errors
/// Naming file and line: a missing header column, a row with fewer than 3 fields, an empty
/// category; an empty file.
pub fn load_csv(path: &Path) -> Result<Corpus> {
    let bytes = read_maybe_gz(path)?;
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(&bytes[..]);
    let header = reader.headers().map_err(|e| TextError::parse(path, 1, format!("malformed CSV header: {e}")))?.clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| TextError::parse(path, 1, format!("the header has no column {name:?} (need category,filename,text)")))
    };
    let (c_cat, c_file, c_text) = (col("category")?, col("filename")?, col("text")?);
    let need = c_cat.max(c_file).max(c_text) + 1;
    let mut raw = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let more = reader.read_record(&mut record).map_err(|e| {
            TextError::parse(path, e.position().map_or(0, |p| p.line() as usize), format!("malformed CSV: {e}"))
        })?;
        if !more {
            break;
        }
        let line = record.position().map_or(0, |p| p.line() as usize);
        check_record(path, &record, line)?;
        if record.len() < need {
            return Err(TextError::TooFewFields { path: path.into(), line, found: record.len(), expected: need });
        }
        let cat = record[c_cat].trim();
        if cat.is_empty() {
            return Err(TextError::parse(path, line, "empty category"));
        }
        raw.push((cat.to_string(), record[c_file].trim().to_string(), record[c_text].to_string(), Origin {
            file: path.into(),
            line,
        }));
    }
    finish(raw, path, Vec::new())
}

/// Loads the folder-per-class tarball (`<root>/<category>/<file>.txt`) directly.
///
/// # Errors
/// Unreadable archive; no article in it.
pub fn load_tar(path: &Path) -> Result<Corpus> {
    let mut raw = Vec::new();
    let mut warnings = Vec::new();
    for (member, bytes) in read_tar(path)? {
        let parts: Vec<&str> = member.trim_start_matches("./").split('/').collect();
        if parts.len() < 2 || !parts[parts.len() - 1].ends_with(".txt") || parts.len() < 3 {
            continue; // README.TXT at the top, or anything outside a class folder
        }
        let (cat, file) = (parts[parts.len() - 2], parts[parts.len() - 1]);
        let (text, fallback) = decode_text(&bytes);
        if fallback {
            warnings.push(format!("{}: not valid UTF-8, decoded as Latin-1", member_path(path, &member).display()));
        }
        raw.push((cat.to_string(), file.to_string(), text, Origin { file: member_path(path, &member), line: 1 }));
    }
    finish(raw, path, warnings)
}

/// Loads BBC from a `.csv`/`.csv.gz` file or a `.tar.gz`/`.tar` archive, chosen by name.
///
/// # Errors
/// As [`load_csv`] / [`load_tar`].
pub fn load(path: &Path) -> Result<Corpus> {
    let name = path.to_string_lossy();
    if name.ends_with(".tar.gz") || name.ends_with(".tgz") || name.ends_with(".tar") {
        load_tar(path)
    } else {
        load_csv(path)
    }
}
