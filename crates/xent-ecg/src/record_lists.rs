//! Record lists and record → patient tables from small text files: how a researcher names the
//! training and test records of a database other than MIT-BIH, and which records share a patient.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{EcgError, Result};
use crate::input;

/// The lines of a small text file (read within [`input::MAX_HEADER_BYTES`]), trimmed, without
/// blank lines and `#` comments, with their 1-based line numbers. Also read by
/// [`crate::symbols::SymbolMap::read`].
pub(crate) fn lines(path: &Path) -> Result<Vec<(u64, String)>> {
    let bytes = input::read_regular(path, input::MAX_HEADER_BYTES)?;
    let text = String::from_utf8(bytes).map_err(|_| csv_error(path, 0, "not UTF-8 text"))?;
    Ok(text
        .lines()
        .enumerate()
        .map(|(i, l)| (i as u64 + 1, l.trim().to_owned()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .collect())
}

/// An [`EcgError::Csv`] at `line` of `path`.
pub(crate) fn csv_error(path: &Path, line: u64, message: &str) -> EcgError {
    EcgError::Csv { path: path.to_path_buf(), line, message: message.to_owned() }
}

/// Record names, one per line (a WFDB `RECORDS` file has this form).
///
/// # Errors
/// [`EcgError::Csv`] naming the line of a name given twice or holding a space or comma, or
/// [`EcgError::Io`].
pub fn read_record_list(path: &Path) -> Result<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    for (line, name) in lines(path)? {
        if name.contains([' ', '\t', ',']) {
            return Err(csv_error(path, line, &format!("{name:?}: one record name per line")));
        }
        if names.contains(&name) {
            return Err(csv_error(path, line, &format!("record {name} is listed twice")));
        }
        names.push(name);
    }
    if names.is_empty() {
        return Err(csv_error(path, 0, "no record names"));
    }
    Ok(names)
}

/// A `record,patient` table, one pair per line.
///
/// # Errors
/// [`EcgError::Csv`] naming the line of a malformed pair or a record given twice, or
/// [`EcgError::Io`].
pub fn read_patients(path: &Path) -> Result<BTreeMap<String, String>> {
    let mut map = BTreeMap::new();
    for (line, pair) in lines(path)? {
        let Some((record, patient)) = pair.split_once(',') else {
            return Err(csv_error(path, line, "expected `record,patient`"));
        };
        let (record, patient) = (record.trim(), patient.trim());
        if record.is_empty() || patient.is_empty() {
            return Err(csv_error(path, line, "expected `record,patient`"));
        }
        if map.insert(record.to_owned(), patient.to_owned()).is_some() {
            return Err(csv_error(path, line, &format!("record {record} is listed twice")));
        }
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_tables_with_the_line_of_a_mistake() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("list.txt");
        std::fs::write(&path, "# training\nI01\n\nI02 \n").unwrap();
        assert_eq!(read_record_list(&path).unwrap(), ["I01", "I02"]);
        std::fs::write(&path, "I01\nI01\n").unwrap();
        assert!(read_record_list(&path).unwrap_err().to_string().contains("list.txt:2: record I01 is listed twice"));
        std::fs::write(&path, "I01,p1\nI02, p1\n").unwrap();
        let patients = read_patients(&path).unwrap();
        assert_eq!((patients["I01"].as_str(), patients["I02"].as_str()), ("p1", "p1"));
        std::fs::write(&path, "I01,p1\nI02\n").unwrap();
        assert!(read_patients(&path).unwrap_err().to_string().contains("list.txt:2: expected `record,patient`"));
    }
}
