//! Reading numeric CSV tables (optionally with one header line) through the `csv` crate.

use std::path::Path;

use crate::error::{Error, Result};

/// A numeric table read from CSV: `rows × cols` values plus, per row, its 1-based line number in
/// the file (for error messages).
#[derive(Debug, Clone, PartialEq)]
pub struct CsvTable {
    /// The header cells, when the first line was not numeric.
    pub header: Option<Vec<String>>,
    /// Number of columns.
    pub cols: usize,
    /// The values, row-major, as `f64`.
    pub values: Vec<f64>,
    /// 1-based line number of each row.
    pub lines: Vec<u64>,
}

impl CsvTable {
    /// Number of data rows.
    pub fn rows(&self) -> usize {
        self.lines.len()
    }
}

/// Reads a numeric CSV file. The first line is taken as a header when any of its cells is not a
/// number; every other cell must parse as a number (`nan`/`inf` parse, callers reject them).
///
/// # Errors
/// [`Error::Io`]; [`Error::Parse`] naming file, line and column for a non-numeric cell or a row
/// whose length differs from the first row's, and for a file without data rows.
pub fn read_numeric_csv(path: &Path) -> Result<CsvTable> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| csv_error(path, e))?;
    let mut table = CsvTable { header: None, cols: 0, values: Vec::new(), lines: Vec::new() };
    let mut record = csv::StringRecord::new();
    let mut first = true;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(path, e)),
        }
        let line = record.position().map_or(0, csv::Position::line);
        if record.len() == 1 && record.get(0) == Some("") {
            continue; // blank line
        }
        if first {
            first = false;
            table.cols = record.len();
            if record.iter().any(|cell| cell.parse::<f64>().is_err()) {
                table.header = Some(record.iter().map(str::to_owned).collect());
                continue;
            }
        }
        if record.len() != table.cols {
            return Err(Error::parse(
                path,
                format!("line {line}"),
                format!("{} column(s), but the first row has {}", record.len(), table.cols),
            ));
        }
        for (c, cell) in record.iter().enumerate() {
            let v: f64 = cell.parse().map_err(|_| {
                Error::parse(path, format!("line {line}, column {}", c + 1), format!("{cell:?} is not a number"))
            })?;
            table.values.push(v);
        }
        table.lines.push(line);
    }
    if table.lines.is_empty() {
        return Err(Error::parse(path, "line 1", "the file has no data rows"));
    }
    Ok(table)
}

fn csv_error(path: &Path, e: csv::Error) -> Error {
    let location = e.position().map_or_else(|| "file".to_owned(), |p| format!("line {}", p.line()));
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::io(path, io),
        csv::ErrorKind::Utf8 { err, .. } => Error::parse(path, location, format!("invalid UTF-8: {err}")),
        other => Error::parse(path, location, format!("{other:?}")),
    }
}
